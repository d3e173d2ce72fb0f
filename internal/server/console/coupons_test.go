package console

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/server/auth"
)

func TestZhe(t *testing.T) {
	for in, bp := range map[string]int{"8.5": 1500, "9": 1000, "0.1": 9900, "8.55": 1450, "7.125": 2875} {
		got, err := parseZhe(in)
		if err != nil || got != bp {
			t.Errorf("parseZhe(%q) = %d, %v; want %d", in, got, err, bp)
		}
		if back := zhe(bp); back != in {
			t.Errorf("zhe(%d) = %q, want %q", bp, back, in)
		}
	}
	for _, in := range []string{"85", "8.5折", "", "8.1234", "-1"} {
		if _, err := parseZhe(in); err == nil {
			t.Errorf("parseZhe(%q) accepted", in)
		}
	}
}

// goodTemplateForm is a form the use case accepts: ¥5 off ¥50, claimed in the shop.
func goodTemplateForm() templateForm {
	now := time.Now()
	return templateForm{Name: "满50减5", Kind: "fixed", AmountOff: "5", Threshold: "50", ScopeKind: "all",
		ValidDays: "7", BudgetCount: "100", BudgetAmount: "500", PerShopper: "1", FundedBy: "platform",
		Channel: "claim", ClaimFrom: bjInput(now), ClaimUntil: bjInput(now.Add(72 * time.Hour))}
}

// Each bad input of the template form is refused by the use case's rules and shown, in Chinese,
// on the field that was typed into, with what was typed kept; no other field is marked.
func TestTemplateRefusalsShowOnTheirField(t *testing.T) {
	c := testConsole(t)
	cases := []struct {
		field string // the form's input
		edit  func(f *templateForm)
		want  string
	}{
		{"name", func(f *templateForm) { f.Name = "  " }, "名称须为 1 到 40 个字"},
		{"amount_off", func(f *templateForm) { f.AmountOff = "60" }, "低于使用门槛"},
		{"amount_off", func(f *templateForm) { f.AmountOff = "5元" }, "减免金额"},
		{"zhe", func(f *templateForm) { f.Kind, f.Zhe, f.MaxOff = "percent", "85", "10" }, "如 8.5"},
		{"max_off", func(f *templateForm) { f.Kind, f.Zhe = "percent", "8.5" }, "最多减金额"},
		{"scope_list", func(f *templateForm) { f.ScopeKind, f.ScopeList = "batches", "" }, "1 到 500 个编号"},
		{"scope_list", func(f *templateForm) { f.ScopeKind, f.ScopeList = "skus", "12 abc" }, "1 到 500 个编号"},
		{"valid_days", func(f *templateForm) { f.ValidDays = "400" }, "1 到 366 天"},
		{"valid_until", func(f *templateForm) {
			f.ValidDays, f.ValidFrom, f.ValidUntil = "", f.ClaimFrom, bjInput(time.Now().Add(time.Hour))
		}, "持续到领取结束之后"},
		{"budget_count", func(f *templateForm) { f.BudgetCount = "0" }, "发放总量"},
		{"budget_amount", func(f *templateForm) { f.BudgetAmount = "4.99" }, "至少够发一张券"},
		{"per_shopper", func(f *templateForm) { f.PerShopper = "101" }, "每人限领"},
		{"funded_by", func(f *templateForm) { f.FundedBy, f.Threshold = "leader", "" }, "团长出资"},
		{"channel", func(f *templateForm) { f.Channel = "gift" }, "发放方式"},
		{"claim_until", func(f *templateForm) { f.ClaimUntil = f.ClaimFrom }, "领取时段"},
	}
	if _, err := goodTemplateForm().input(); err != nil {
		t.Fatalf("the good form: %v", err)
	}
	for _, tc := range cases {
		f := goodTemplateForm()
		tc.edit(&f)
		tpl, err := f.input()
		if err == nil {
			// What the use case checks before it stores anything: the capBP of configs.
			err = tpl.Check(3000)
		}
		status, text, ok := c.refusal(err)
		if !ok || status != 422 {
			t.Fatalf("%s: status %d ok %v (%v)", tc.field, status, ok, err)
		}
		d := newCouponData()
		d.Input, d.formError = f, formError{Form: "create", Field: invalidField(err), Error: text}
		page := renderView(t, c.views, "coupon", d)
		expectIn(t, tc.field, page, `id="create-`+tc.field+`-error" data-testid="field-error" data-field="`+tc.field+`">`,
			`aria-describedby="create-`+tc.field+`-error"`, tc.want)
		if n := strings.Count(page, `aria-invalid="true"`); n != 1 {
			t.Errorf("%s: %d fields marked, want 1 (%v)", tc.field, n, err)
		}
		if f.Name != "  " && !strings.Contains(page, `value="`+f.Name+`"`) {
			t.Errorf("%s: the name typed is lost", tc.field)
		}
	}
}

// A stored template's edit form shows it as typed: yuan, 折, Beijing time, the scope one a line;
// read back, it is the same template.
func TestTemplateFormRoundTrips(t *testing.T) {
	from := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	tpl := &promo.Template{Name: "八五折", Discount: promo.Discount{Kind: promo.PercentOff, PercentBP: 1500, MaxOff: 2000,
		Threshold: 9900}, Scope: promo.Scope{Kind: promo.ScopeSKUs, IDs: []int64{3, 41}},
		Validity: promo.Validity{Window: promo.Window{From: from, Until: from.Add(30 * 24 * time.Hour)}},
		Budget:   promo.Budget{Count: 1000, Amount: 2_000_000, PerShopper: 2}, FundedBy: promo.FundedByPlatform,
		Channel: promo.ChannelClaim, ClaimWindow: promo.Window{From: from, Until: from.Add(7 * 24 * time.Hour)}}
	f := templateFormOf(tpl)
	if f.Zhe != "8.5" || f.MaxOff != "20.00" || f.Threshold != "99.00" || f.ScopeList != "3\n41" || f.ValidFrom != "2026-12-01T16:00:00" {
		t.Fatalf("the form: %+v", f)
	}
	back, err := f.input()
	if err != nil {
		t.Fatal(err)
	}
	if back.Discount != tpl.Discount || back.Budget != tpl.Budget || !back.Validity.Window.From.Equal(from) ||
		!back.ClaimWindow.Until.Equal(tpl.ClaimWindow.Until) || len(back.Scope.IDs) != 2 || back.Scope.IDs[1] != 41 {
		t.Errorf("read back: %+v", back)
	}
}

// The list shows each template's rules and figures: issued against the count budget, used,
// remaining, and the booked and spent discount against the amount budget as numbers and a bar.
// The pager and the filters keep each other.
func TestCouponsListRenders(t *testing.T) {
	v := testViews(t)
	tpl := &promo.Template{ID: 9, Name: "满50减5", Discount: promo.Discount{Kind: promo.FixedOff, AmountOff: 500, Threshold: 5000},
		Scope: promo.Scope{Kind: promo.ScopeBatches, IDs: []int64{1, 2}}, Validity: promo.Validity{Days: 7},
		Budget: promo.Budget{Count: 100, Amount: 50000, PerShopper: 1}, FundedBy: promo.FundedByLeader,
		Channel: promo.ChannelClaim, Status: promo.TemplateActive}
	row := couponRow{&promo.TemplateView{Template: tpl, Figures: promo.Figures{Issued: 40, Used: 10, Booked: 20000, Spent: 4500}}}
	d := &couponsData{Statuses: templateStatuses, Channels: channels, Status: "active", Channel: "claim", Before: 30, Next: 9,
		Templates: []couponRow{row}, CanCreate: true}
	page := renderView(t, v, "coupons", d)
	expectIn(t, "the coupons list", page, `data-coupon="9"`, "减 ¥5.00，满 ¥50.00 可用", "指定预售批次（2 项）",
		"领取后 7 天内有效", "商城领取", "团长（从佣金中扣除）", `data-testid="issued">40 / 100`, `data-testid="used">10`,
		`data-testid="remaining">60`, "已占用 ¥200.00，已优惠 ¥45.00，预算 ¥500.00",
		`<rect class="booked" width="48" height="8"/>`, `<rect class="spent" width="10" height="8"/>`,
		`href="/console/ops/coupons?before=9&amp;channel=claim&amp;status=active"`,
		`href="/console/ops/coupons?channel=claim&amp;status=paused"`, `href="/console/ops/coupons?status=active"`, `id="new-coupon"`)
	d.CanCreate = false
	if strings.Contains(renderView(t, v, "coupons", d), "new-coupon") {
		t.Error("a role the API does not let create is offered the form")
	}
}

// The template page offers exactly the moves its status allows, to those who may move it, and
// the edit form until it is ended.
func TestCouponPageOffersTheLifecycle(t *testing.T) {
	v := testViews(t)
	for status, want := range map[promo.TemplateStatus][]string{
		promo.TemplateActive: {"pause-coupon", "end-coupon"},
		promo.TemplatePaused: {"resume-coupon", "end-coupon"},
		promo.TemplateEnded:  nil,
	} {
		tpl := &promo.Template{ID: 4, Name: "新人券", Discount: promo.Discount{Kind: promo.PercentOff, PercentBP: 1500, MaxOff: 1000},
			Scope: promo.Scope{Kind: promo.ScopeAll}, Validity: promo.Validity{Days: 3}, Budget: promo.Budget{Count: 10, Amount: 10000, PerShopper: 1},
			FundedBy: promo.FundedByPlatform, Channel: promo.ChannelNewShopper, Status: status}
		d := newCouponData()
		d.Template = &couponRow{&promo.TemplateView{Template: tpl}}
		d.Input, d.ChannelLocked = templateFormOf(tpl), true
		d.CanMove, d.CanEdit = true, status != promo.TemplateEnded
		page := renderView(t, v, "coupon", d)
		for _, id := range []string{"pause-coupon", "resume-coupon", "end-coupon"} {
			offered := strings.Contains(page, `id="`+id+`"`)
			if offered != strings.Contains(strings.Join(want, " "), id) {
				t.Errorf("%s: %s offered %v", status, id, offered)
			}
		}
		expectIn(t, string(status), page, "8.5 折，最多减 ¥10.00，无门槛", "新人券")
		if edit := strings.Contains(page, `id="edit-coupon-form"`); edit != (status != promo.TemplateEnded) {
			t.Errorf("%s: edit form shown %v", status, edit)
		}
		if strings.Contains(page, `<select name="channel"`) {
			t.Errorf("%s: the channel is offered for change", status)
		}
		d.CanMove, d.CanEdit = false, false
		if page := renderView(t, v, "coupon", d); strings.Contains(page, "coupon-moves") || strings.Contains(page, "edit-coupon-form") {
			t.Errorf("%s: a role the API refuses is offered the forms", status)
		}
	}
}

// The activities list shows each activity's tiers, money off or a gift, and offers the moves its
// status allows; a refused tier keeps every row as typed and is shown on the tiers.
func TestActivitiesPageRenders(t *testing.T) {
	c := testConsole(t)
	act := &promo.Activity{ID: 6, Name: "周末满减", Scope: promo.Scope{Kind: promo.ScopeBatches, IDs: []int64{8}},
		Tiers:  []promo.Tier{{Threshold: 5000, Off: 500}, {Threshold: 10000, GiftItemID: 31, GiftQty: 2}},
		Status: promo.ActivityPaused}
	f := activityForm{Name: "双阶梯", ScopeKind: "all", WindowFrom: "2026-12-08T08:00:00", WindowUntil: "2026-12-09T08:00:00",
		Tiers: make([]tierForm, tierRows)}
	f.Tiers[0], f.Tiers[1] = tierForm{Threshold: "100", Off: "20"}, tierForm{Threshold: "200", Off: "10"}
	in, err := f.input()
	if err != nil {
		t.Fatal(err)
	}
	err = in.Check()
	status, text, ok := c.refusal(err)
	if !ok || status != 422 || invalidField(err) != "tiers.off_fen" {
		t.Fatalf("a lower tier saving less: %d %v %v", status, ok, err)
	}
	d := &activitiesData{Statuses: activityStatuses, ScopeKinds: scopeKinds, Activities: []activityRow{{act}},
		Input: f, CanCreate: true, CanMove: true, formError: formError{Form: "create", Field: invalidField(err), Error: text}}
	page := renderView(t, c.views, "activities", d)
	expectIn(t, "the activities page", page, "满 ¥50.00 减 ¥5.00", "满 ¥100.00 赠批次商品 #31 × 2", "指定预售批次（1 项）",
		`id="resume-activity-6"`, `id="end-activity-6"`, `id="tier-off-1" value="10"`, `id="tier-threshold-0" value="100"`,
		`data-field="tiers">减免金额须大于 0 且低于本阶梯门槛`, `id="activity-tiers" aria-invalid="true"`)
	if strings.Contains(page, `id="pause-activity-6"`) {
		t.Error("a paused activity is offered a pause")
	}
	d.CanCreate, d.CanMove = false, false
	if page := renderView(t, c.views, "activities", d); strings.Contains(page, "create-activity-form") || strings.Contains(page, "activity-moves") {
		t.Error("a role the API refuses is offered the forms")
	}
}

// The promotion pages take their roles from the API's policy: everyone of the console reads the
// templates and activities, only ops change them.
func TestPromotionPagesMirrorTheAPI(t *testing.T) {
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
	for _, route := range []string{"GET " + couponsPath, couponRoute, "GET " + activitiesPath} {
		if !c.may(fin, route) || !c.may(ops, route) {
			t.Errorf("%s: finance %v, ops %v; want both to read", route, c.may(fin, route), c.may(ops, route))
		}
	}
	for _, route := range []string{newCouponRoute, createCouponRoute, updateCouponRoute, moveCouponRoute, createActivityRoute, moveActivityRoute} {
		if c.may(fin, route) || !c.may(ops, route) {
			t.Errorf("%s: finance %v, ops %v; want ops only", route, c.may(fin, route), c.may(ops, route))
		}
	}
}

// Every value the promotion pages turn into a label has one: a missing one would show its key.
func TestPromotionLabels(t *testing.T) {
	msg, err := LoadMessages(defaultLang)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string][]string{"channel.": channels, "funder.": funders, "scope.": scopeKinds, "kind.": discountKinds,
		"status.": append(slices.Clone(templateStatuses), activityStatuses...), "coupon.done_": couponActions,
		"activities.done_": activityActions}
	for prefix, values := range groups {
		for _, v := range values {
			if _, ok := msg[prefix+v]; !ok {
				t.Errorf("no label %s%s", prefix, v)
			}
		}
	}
	for field := range templateFields {
		if _, ok := msg["invalid."+field]; !ok {
			t.Errorf("a refusal of %s has no sentence (invalid.%s)", field, field)
		}
	}
	for field := range activityFields {
		if _, ok := msg["invalid."+field]; !ok {
			t.Errorf("a refusal of %s has no sentence (invalid.%s)", field, field)
		}
	}
}
