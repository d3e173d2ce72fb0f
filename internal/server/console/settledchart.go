package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
)

const (
	chartPath = "/console/finance/commission/settled"
	chartJSON = chartPath + ".json"
	// chartDays is the default period: the last thirty days, today included.
	chartDays = 30
)

// settledSeries is the chart's data: every day of the period (days without settlement are 0),
// and per level its name and the fen settled each day. The page's script draws it; the page's
// table shows the same numbers.
type settledSeries struct {
	From   string    `json:"from"`
	To     string    `json:"to"`
	Days   []string  `json:"days"`
	Levels []int     `json:"levels"`
	Names  []string  `json:"names"`
	Fen    [][]int64 `json:"fen"`
	Total  []int64   `json:"total"` // per level, over the period
}

// chartData is the chart page: the period form and its series.
type chartData struct {
	From, To     string
	Field, Error string
	Series       *settledSeries
	Src          string
}

// period reads from and to of the query, defaulting to the last chartDays days.
func (c *Console) period(r *http.Request) (string, string) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" && to == "" {
		today := bjtime.StartOfDay(c.deps.Clock())
		from, to = today.AddDate(0, 0, 1-chartDays).Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly)
	}
	return from, to
}

// series reads the settled commission of the period (the API's GetSettledByDay) and lays it
// out per level over every day.
func (c *Console) series(r *http.Request, from, to string) (*settledSeries, error) {
	rows, err := c.deps.Settlement.SettledByDay(r.Context(), from, to)
	if err != nil {
		return nil, err
	}
	return layout(from, to, rows, func(l int) string { return c.msg.T("chart.level", l) }), nil
}

// layout pivots rows (day, level) into one series per level over every day of [from, to).
// from and to were checked by the use case.
func layout(from, to string, rows []settlement.DayLevel, name func(int) string) *settledSeries {
	s := &settledSeries{From: from, To: to}
	f, _ := time.ParseInLocation(time.DateOnly, from, bjtime.Zone)
	t, _ := time.ParseInLocation(time.DateOnly, to, bjtime.Zone)
	index := map[string]int{}
	for d := f; d.Before(t); d = d.AddDate(0, 0, 1) {
		index[d.Format(time.DateOnly)] = len(s.Days)
		s.Days = append(s.Days, d.Format(time.DateOnly))
	}
	for _, r := range rows {
		if !slices.Contains(s.Levels, r.Level) {
			s.Levels = append(s.Levels, r.Level)
		}
	}
	slices.Sort(s.Levels)
	for _, l := range s.Levels {
		s.Names = append(s.Names, name(l))
		s.Fen = append(s.Fen, make([]int64, len(s.Days)))
	}
	s.Total = make([]int64, len(s.Levels))
	for _, r := range rows {
		i, ok := index[r.Day]
		if !ok {
			continue
		}
		l := slices.Index(s.Levels, r.Level)
		s.Fen[l][i] += r.Amount
		s.Total[l] += r.Amount
	}
	return s
}

func (c *Console) chartPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d := &chartData{}
	d.From, d.To = c.period(r)
	f := c.frame(rc, "chart.heading", chartPath)
	s, err := c.series(r, d.From, d.To)
	var invalid *bizerr.InvalidError
	switch {
	case errors.As(err, &invalid):
		d.Field, d.Error = invalid.Field, c.msg.T("chart.bad_period")+invalid.Reason
		c.render(w, r, http.StatusUnprocessableEntity, "chart", f, d)
	case err != nil:
		c.internal(w, r, rc, err)
	default:
		d.Series, d.Src = s, fmt.Sprintf("%s?from=%s&to=%s", chartJSON, d.From, d.To)
		c.render(w, r, http.StatusOK, "chart", f, d)
	}
}

// chartDataJSON answers the page's script with the series as JSON.
func (c *Console) chartDataJSON(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	from, to := c.period(r)
	s, err := c.series(r, from, to)
	var invalid *bizerr.InvalidError
	switch {
	case errors.As(err, &invalid):
		http.Error(w, invalid.Error(), http.StatusUnprocessableEntity)
		return
	case err != nil:
		c.internal(w, r, rc, err)
		return
	}
	b, err := json.Marshal(s)
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
