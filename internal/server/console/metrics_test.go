package console

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/metrics"
)

// The form's level and key become the metrics key of that level alone; a key that does not
// fit its level is refused.
func TestMetricsQueryReadsTheKeyOfItsLevel(t *testing.T) {
	for q, want := range map[string]metrics.Key{
		"":                               metrics.CityKey(),
		"level=grid&key=8631a8c3fffffff": metrics.GridKey("8631a8c3fffffff"),
		"level=leader&key=12&days=7":     metrics.LeaderKey(12),
		"level=batch&key=5&days=90":      metrics.BatchKey(5),
		"level=city&key=&days=30":        metrics.CityKey(),
	} {
		_, k, err := readMetricsQuery(httptest.NewRequest("GET", "/console/ops/metrics?"+q, nil))
		if err != nil || k != want {
			t.Errorf("%q: %+v %v, want %+v", q, k, err, want)
		}
	}
	for _, q := range []string{"level=leader&key=x", "level=grid", "level=cell", "level=town", "days=week", "level=batch&key=-1"} {
		if _, _, err := readMetricsQuery(httptest.NewRequest("GET", "/console/ops/metrics?"+q, nil)); err == nil {
			t.Errorf("%q accepted", q)
		}
	}
}

// The page shows the funnel, the totals with their rates, the ranking linking to each
// leader's figures, the chart's and the CSV's addresses, and no inline script or style.
func TestMetricsPageRenders(t *testing.T) {
	v := testViews(t)
	total := metrics.Counts{Visitors: 8, Buyers: 3, Payers: 2, Orders: 3, Paid: 10_000, Items: 7}
	s := &metrics.Series{Key: metrics.CityKey(), From: "2026-12-01", To: "2026-12-08", Total: total,
		Funnel: metrics.FunnelOf(total), Incomplete: []string{"2026-12-01"}}
	q := metricsQuery{Level: "city", Days: 7}
	page := renderView(t, v, "metrics", &metricsData{Query: q, Periods: metrics.Periods,
		Levels: []metrics.Level{metrics.City, metrics.Grid}, Series: s, Rates: rates(total),
		Ranking: []metrics.Ranked{{LeaderID: 9, Counts: metrics.Counts{Paid: 700}}},
		Src:     metricsJSON + "?" + q.link(), CSV: metricsCSV + "?" + q.link()})
	for _, want := range []string{`data-src="/console/ops/metrics.json?level=city&amp;key=&amp;days=7"`,
		`href="/console/ops/metrics.csv?level=city&amp;key=&amp;days=7"`, `data-step="payers"`, "25.00%",
		`data-figure="per-order"`, "33.33", `data-leader="9"`, "7.00", `data-testid="metrics-incomplete"`,
		`<script src="/console/static/metrics-chart.js" defer></script>`, `<option value="7" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the metrics page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, " style=") {
		t.Error("the metrics page has inline script or style")
	}
}

// A CSV row holds the counts, yuan for money, then the rates; "-" where a rate is undefined.
func TestMetricsCSVRow(t *testing.T) {
	row := metricsRow("2026-12-01", metrics.Counts{Visitors: 8, Payers: 2, Orders: 3, Paid: 10_000})
	if len(row) != len(metricsHeader) {
		t.Fatalf("%d fields, header has %d", len(row), len(metricsHeader))
	}
	if row[0] != "2026-12-01" || row[1] != "8" || row[13] != "100.00" || row[24] != "25.00%" || row[25] != "33.33" || row[21] != "-" {
		t.Errorf("row %v", row)
	}
}
