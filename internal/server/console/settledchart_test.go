package console

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/settlement"
)

// Every day of the period is on the axis (none settled is 0), each level is one series in
// level order, and the totals are per level.
func TestLayoutPivotsDaysAndLevels(t *testing.T) {
	rows := []settlement.DayLevel{{Day: "2026-12-01", Level: 0, Amount: 400}, {Day: "2026-12-03", Level: 1, Amount: 50},
		{Day: "2026-12-03", Level: 0, Amount: 100}}
	s := layout("2026-11-30", "2026-12-04", rows, func(l int) string { return fmt.Sprint("L", l) })
	if !slices.Equal(s.Days, []string{"2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"}) {
		t.Fatalf("days %v", s.Days)
	}
	if !slices.Equal(s.Levels, []int{0, 1}) || !slices.Equal(s.Names, []string{"L0", "L1"}) {
		t.Fatalf("levels %v names %v", s.Levels, s.Names)
	}
	if !slices.Equal(s.Fen[0], []int64{0, 400, 0, 100}) || !slices.Equal(s.Fen[1], []int64{0, 0, 0, 50}) {
		t.Errorf("fen %v", s.Fen)
	}
	if !slices.Equal(s.Total, []int64{500, 50}) {
		t.Errorf("totals %v", s.Total)
	}
}

// The page loads its script and ECharts from the binary (no inline script), points the script
// at the JSON of the same period, and shows the totals as a table too.
func TestChartPageRenders(t *testing.T) {
	v := testViews(t)
	s := layout("2026-12-01", "2026-12-02", []settlement.DayLevel{{Day: "2026-12-01", Level: 0, Amount: 400}},
		func(l int) string { return fmt.Sprint("第 ", l, " 级") })
	page := renderView(t, v, "chart", &chartData{From: "2026-12-01", To: "2026-12-02", Series: s,
		Src: "/console/finance/commission/settled.json?from=2026-12-01&to=2026-12-02"})
	for _, want := range []string{`data-src="/console/finance/commission/settled.json?from=2026-12-01&amp;to=2026-12-02"`,
		`<script src="/console/static/settled-chart.js" defer></script>`, `data-level="0"`, "4.00"} {
		if !strings.Contains(page, want) {
			t.Errorf("the chart page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, " style=") || strings.Contains(page, "onload") {
		t.Error("the chart page has inline script or style")
	}
}
