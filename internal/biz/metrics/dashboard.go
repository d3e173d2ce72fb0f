package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// Periods are the dashboards' periods in days, ending with yesterday (today is not rolled up).
var Periods = []int{7, 30, 90}

// Series is one key's days of a period, every day present (a day without a row counts zero),
// with the period's total.
type Series struct {
	Key        Key
	From, To   string // [From, To), Beijing days
	Days       []Day
	Total      Counts
	Funnel     Funnel
	Incomplete []string // days of the period not rolled up (not even a city row)
}

// Funnel is visitors → buyers (placed an order) → paying buyers, with each step's conversion
// from visitors.
type Funnel struct {
	Visitors, Buyers, Payers int64
	ToBuyers, ToPayers       Ratio
}

// FunnelOf is c's funnel.
func FunnelOf(c Counts) Funnel {
	return Funnel{Visitors: c.Visitors, Buyers: c.Buyers, Payers: c.Payers,
		ToBuyers: c.OrderConversion(), ToPayers: c.PaymentConversion()}
}

// Ranked is one leader's counts over a period.
type Ranked struct {
	LeaderID int64
	Counts
}

// Ranking lists leaders by their counts.
type Ranking interface {
	// LeaderRanking is the limit leaders with the most paid fen over [from, to), most first
	// (then by id).
	LeaderRanking(ctx context.Context, from, to string, limit int) ([]Ranked, error)
	// RolledUp lists the days of [from, to) that have been rolled up.
	RolledUp(ctx context.Context, from, to string) ([]string, error)
}

// Dashboard reads the rolled-up days for ops and for leaders.
type Dashboard struct {
	store Store
	ranks Ranking
	now   port.Clock
}

// NewDashboard is the dashboard over the rollup's rows.
func NewDashboard(store Store, ranks Ranking, now port.Clock) *Dashboard {
	return &Dashboard{store: store, ranks: ranks, now: now}
}

// period is the last days days before today, Beijing time.
func (d *Dashboard) period(days int) (string, string, []string, error) {
	ok := false
	for _, p := range Periods {
		ok = ok || p == days
	}
	if !ok {
		return "", "", nil, bizerr.Invalid("days", fmt.Sprintf("must be one of %v", Periods))
	}
	to := bjtime.StartOfDay(d.now())
	from := to.AddDate(0, 0, -days)
	all := make([]string, 0, days)
	for t := from; t.Before(to); t = t.AddDate(0, 0, 1) {
		all = append(all, t.Format(time.DateOnly))
	}
	return from.Format(time.DateOnly), to.Format(time.DateOnly), all, nil
}

// Series is k's last days days (7, 30 or 90). Callers check who may see k: a leader only its
// own LeaderKey.
func (d *Dashboard) Series(ctx context.Context, k Key, days int) (Series, error) {
	if err := k.Validate(); err != nil {
		return Series{}, err
	}
	from, to, all, err := d.period(days)
	if err != nil {
		return Series{}, err
	}
	rows, err := d.store.Days(ctx, k, from, to)
	if err != nil {
		return Series{}, err
	}
	rolled, err := d.ranks.RolledUp(ctx, from, to)
	if err != nil {
		return Series{}, err
	}
	s := Series{Key: k, From: from, To: to, Days: fill(all, rows)}
	s.Total = Total(s.Days)
	s.Funnel = FunnelOf(s.Total)
	done := map[string]bool{}
	for _, day := range rolled {
		done[day] = true
	}
	for _, day := range all {
		if !done[day] {
			s.Incomplete = append(s.Incomplete, day)
		}
	}
	return s, nil
}

// LeaderRanking is the top limit (1–100) leaders of the last days days by paid fen, with the
// period [from, to).
func (d *Dashboard) LeaderRanking(ctx context.Context, days, limit int) (from, to string, ranked []Ranked, err error) {
	from, to, _, err = d.period(days)
	if err != nil {
		return from, to, nil, err
	}
	ranked, err = d.ranks.LeaderRanking(ctx, from, to, port.PageLimit(limit))
	return from, to, ranked, err
}

// fill puts rows into every day of all, zero for the days without a row.
func fill(all []string, rows []Day) []Day {
	byDay := make(map[string]Counts, len(rows))
	for _, r := range rows {
		byDay[r.Day] = r.Counts
	}
	out := make([]Day, len(all))
	for i, day := range all {
		out[i] = Day{Day: day, Counts: byDay[day]}
	}
	return out
}
