package console

import (
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/server/auth"
)

// The page shows a day's layers per grid and leader with the totals, and each targeted send
// with its progress; the send form only to those the API lets send.
func TestLayersPageRenders(t *testing.T) {
	v := testViews(t)
	counts := []layer.Count{
		{Grid: "", LeaderID: 0, Layer: layer.Dormant, Shoppers: 2},
		{Grid: "872830820ffffff", LeaderID: 7, Layer: layer.New, Shoppers: 3},
		{Grid: "872830820ffffff", LeaderID: 7, Layer: layer.Loyal, Shoppers: 1},
		{Grid: "872830821ffffff", LeaderID: 9, Layer: layer.New, Shoppers: 6},
	}
	rows, totals := layerTable(counts)
	if len(rows) != 3 || rows[1].Total != 4 || rows[1].Counts[0] != 3 || rows[1].Counts[1] != 1 {
		t.Fatalf("rows %+v", rows)
	}
	if totals[0].Shoppers != 9 || totals[0].Bar != progressBar || totals[3].Shoppers != 2 || totals[3].Bar != 26 {
		t.Fatalf("totals %+v", totals)
	}
	sends := []sendRow{
		{&layer.Send{ID: 5, Day: "2026-12-06", Layer: layer.Dormant, Grid: "872830820ffffff", Kind: layer.KindCoupon,
			CouponSendID: 11, Status: layer.Running, Total: 10, Progress: layer.Progress{Pending: 4, Sent: 5, Skipped: 1},
			CreatedAt: time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)}},
		{&layer.Send{ID: 6, Day: "2026-12-06", Layer: layer.New, Grid: "872830821ffffff", Kind: layer.KindMessage,
			Message: layer.Message{TemplateID: "tmpl-weekly"}, Status: layer.Done, Total: 6,
			Progress: layer.Progress{Sent: 3, NoConsent: 2, Refused: 1}}},
	}
	d := &layersData{Day: "2026-12-06", Days: []layer.SnapshotInfo{{Day: "2026-12-06"}, {Day: "2026-12-05"}},
		Snapshot: &layer.SnapshotInfo{Day: "2026-12-06", Shoppers: 12, Rules: "new<30d"}, Layers: layerNames, Kinds: sendKinds,
		Rows: rows, Totals: totals, Sends: sends, Templates: []string{"tmpl-weekly"}, CanSend: true,
		Input: sendForm{Day: "2026-12-06", Layer: "dormant", Kind: "coupon"}}
	page := renderView(t, v, "layers", d)
	expectIn(t, "the layers page", page, "2026-12-06 的分层分布", "共 12 位用户", `data-layer="new"`,
		`<td class="num" data-testid="total">9</td>`, `data-grid="872830820ffffff" data-leader="7"`, "未绑定团长",
		`href="/console/ops/layers?day=2026-12-06&amp;grid=872830821ffffff"`, `data-send="5"`, "（发券任务 #11）",
		"6 / 10：已发 5，跳过 1，无订阅授权 0，被拒 0，结果未知 0", `<rect class="spent" width="72" height="8"/>`,
		"6 / 6：已发 3，跳过 0，无订阅授权 2，被拒 1", "<code>tmpl-weekly</code>", `id="targeted-send-form"`,
		`<option value="dormant" selected>沉睡</option>`)
	d.CanSend = false
	if strings.Contains(renderView(t, v, "layers", d), "targeted-send-form") {
		t.Error("a role the API does not let send is offered the form")
	}
}

// A refusal of the send form is shown on its field with what was entered kept.
func TestTargetedSendRefusalShowsOnItsField(t *testing.T) {
	c := testConsole(t)
	_, err := readKeywords("thing1 本周新品")
	status, text, ok := c.refusal(err)
	if !ok || status != 422 {
		t.Fatalf("a keyword line without =: %d %v %v", status, ok, err)
	}
	d := &layersData{Layers: layerNames, Kinds: sendKinds, CanSend: true,
		Input:     sendForm{Day: "2026-12-06", Grid: "872830820ffffff", Layer: "new", Kind: "message", Data: "thing1 本周新品"},
		formError: formError{Form: "send", Field: invalidField(err), Error: text}}
	page := renderView(t, c.views, "layers", d)
	expectIn(t, "the refused form", page, `id="send-data" rows="3" aria-invalid="true"`, `data-field="data"`,
		"thing1 本周新品</textarea>", `value="872830820ffffff"`)
	if strings.Contains(page, `id="send-grid" maxlength="16" value="872830820ffffff" required aria-invalid`) {
		t.Error("the grid is marked though the data was refused")
	}
	data, err := readKeywords("thing1 = 本周新品\n\ntime2=2026-12-08 10:00\n")
	if err != nil || data["thing1"] != "本周新品" || data["time2"] != "2026-12-08 10:00" || len(data) != 2 {
		t.Errorf("keywords %v, %v", data, err)
	}
}

// The layers page takes its roles from the API: ops and admin read it, only ops send; finance
// sees neither.
func TestLayerPagesMirrorTheAPI(t *testing.T) {
	policy, err := auth.LoadPolicy()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := resolvePages(policy)
	if err != nil {
		t.Fatal(err)
	}
	c := &Console{pages: pages}
	fin := identity.Principal{Roles: []identity.Role{identity.RoleFinance}}
	ops := identity.Principal{Roles: []identity.Role{identity.RoleOps}}
	admin := identity.Principal{Roles: []identity.Role{identity.RoleAdmin}}
	if c.may(fin, "GET "+layersPath) || !c.may(ops, "GET "+layersPath) || !c.may(admin, "GET "+layersPath) {
		t.Error("the layers page: want ops and admin only")
	}
	if c.may(fin, createTargetedRoute) || c.may(admin, createTargetedRoute) || !c.may(ops, createTargetedRoute) {
		t.Error("the send form: want ops only")
	}
}

// Every layer, kind and status the page turns into a label has one.
func TestLayerLabels(t *testing.T) {
	msg, err := LoadMessages(defaultLang)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, l := range layerNames {
		keys = append(keys, "layer."+l)
	}
	for _, k := range sendKinds {
		keys = append(keys, "layers.kind_"+k)
	}
	keys = append(keys, "layers.status_"+string(layer.Running), "layers.status_"+string(layer.Done))
	for _, k := range keys {
		if _, ok := msg[k]; !ok {
			t.Errorf("no label %s", k)
		}
	}
}
