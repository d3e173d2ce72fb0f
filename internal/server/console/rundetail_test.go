package console

import (
	"bytes"
	"encoding/csv"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/report"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
)

func TestDaysLeft(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for in, want := range map[time.Duration]int{
		47 * time.Hour: 1, 48 * time.Hour: 2, time.Hour: 0, 0: 0, -time.Minute: -1, -25 * time.Hour: -2,
	} {
		if got := daysLeft(now, now.Add(in)); got != want {
			t.Errorf("daysLeft(+%v) = %d, want %d", in, got, want)
		}
	}
}

// Failures come most frequent first, ties by reason, as the API lists them; levels lowest first.
func TestFailuresAndLevelsOrder(t *testing.T) {
	got := failures(map[string]int{"NO_RELATION": 1, "ACCOUNT_ABNORMAL": 3, "NO_AUTH": 1})
	want := []failure{{"ACCOUNT_ABNORMAL", 3}, {"NO_AUTH", 1}, {"NO_RELATION", 1}}
	if len(got) != len(want) {
		t.Fatalf("failures = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("failures = %v, want %v", got, want)
		}
	}
	if ls := levels(map[int]int64{2: 5, 0: 100, 1: 50}); ls[0].Level != 0 || ls[1].Level != 1 || ls[2].Level != 2 {
		t.Errorf("levels = %v", ls)
	}
}

// The download is an attachment with the report's type, and the bytes arrive as written: the
// BOM and the Chinese header that Excel needs survive.
func TestDownloadIsACSVAttachment(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteCSV(&b, []string{"结算批次", "分账金额(元)"}, [][]string{{"7", report.Yuan(1234)}}); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	download(rec, "settlement-run-7.csv", b.Bytes())
	res := rec.Result()
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="settlement-run-7.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if ct := res.Header.Get("Content-Type"); ct != report.ContentType {
		t.Errorf("Content-Type %q", ct)
	}
	body := rec.Body.String()
	if !strings.HasPrefix(body, "\ufeff") {
		t.Errorf("no BOM: %q", body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][0] != "结算批次" || rows[1][1] != "12.34" {
		t.Errorf("rows %q, %v", rows, err)
	}
}

// The run page renders a failed run's reasons, its items with their shares and WeChat's
// reason, the state filter and the retry form; while it runs it polls, and only then.
func TestRunPageRenders(t *testing.T) {
	msg, err := LoadMessages(defaultLang)
	if err != nil {
		t.Fatal(err)
	}
	v, err := parseViews(msg)
	if err != nil {
		t.Fatal(err)
	}
	run := &settlement.RunView{Run: settlement.Run{ID: 9, State: settlement.RunDone, Trigger: settlement.TriggerFinance},
		Summary: settlement.Summary{Items: 2, Failed: 1, Amount: 1400}}
	d := &runData{Run: run, States: itemStates, State: "failed", Retried: -1, CanRetry: true,
		Failures: failures(map[string]int{"NO_RELATION": 1}), Levels: levels(map[int]int64{0: 1400}),
		Items: []settlement.Item{{ID: 31, OrderID: 5, Kind: settlement.KindShare, State: settlement.ItemFailed,
			Retriable: true, LastError: "receiver not found", Shares: []settlement.Share{{ID: 1, LeaderID: 3,
				Amount: 700, Result: settlement.ResultClosed, FailReason: "NO_RELATION"}}}}}
	render := func(d *runData) string {
		var b bytes.Buffer
		if err := v.byName["run"].ExecuteTemplate(&b, "layout", view{Frame: frame{CSRF: "tok"}, Data: d}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	page := render(d)
	for _, want := range []string{`id="retry-run"`, `action="/console/finance/settlement/runs/9/retry"`,
		`value="tok"`, "NO_RELATION", "receiver not found", `data-item="31"`, `href="/console/finance/settlement/runs/9/csv"`,
		`data-state="failed" class="active"`, "14.00"} {
		if !strings.Contains(page, want) {
			t.Errorf("the run page lacks %s", want)
		}
	}
	if strings.Contains(page, "hx-trigger") || strings.Contains(page, "{{") || strings.Contains(page, "run.") {
		t.Errorf("a done run's page polls or shows a raw key:\n%s", page)
	}
	run.State, d.Running, d.CanRetry = settlement.RunRunning, true, false
	if page := render(d); !strings.Contains(page, `hx-get="/console/finance/settlement/runs/9?state=failed"`) ||
		strings.Contains(page, "retry-run") {
		t.Error("a running run's page does not poll with its filter, or offers a retry")
	}
}

// The labels the run pages build from values exist for every value the domain can hold.
func TestRunValueLabels(t *testing.T) {
	msg, err := LoadMessages(defaultLang)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"kind.share", "kind.unfreeze", "result.pending", "result.success", "result.closed", "result.deferred"}
	for _, s := range itemStates {
		keys = append(keys, "item."+string(s))
	}
	for _, k := range keys {
		if _, ok := msg[k]; !ok {
			t.Errorf("label %q is missing", k)
		}
	}
}
