package layer

import (
	"slices"
	"time"
)

// Purchase is one paid order of a shopper: when it was paid, what it paid net of refunds
// (positive: an order refunded in full is no purchase), and whether it came from a share.
type Purchase struct {
	ID        int64
	PaidAt    time.Time
	Net       int64
	FromShare bool
}

// Figures are what a shopper's layer and scores are read from, on one day.
type Figures struct {
	FirstPaidAt, LastPaidAt time.Time
	// FromShare: the first paid order (earliest payment, then lowest id) came from a share.
	FromShare                              bool
	OrdersMonth, OrdersQuarter, OrdersYear int
	SpendYear                              int64
}

// Shopper is one shopper's row of a day's snapshot.
type Shopper struct {
	UserID   int64
	Layer    Layer
	LeaderID int64
	Grid     string
	Figures
	R, F, M int
}

// FiguresOf sums the purchases paid before the end of d; false when there is none.
func (r Rules) FiguresOf(d Day, ps []Purchase) (Figures, bool) {
	b := r.Bounds(d)
	var f Figures
	var first *Purchase
	for i := range ps {
		p := &ps[i]
		if !p.PaidAt.Before(b.End) || p.Net <= 0 {
			continue
		}
		if first == nil || p.PaidAt.Before(first.PaidAt) || (p.PaidAt.Equal(first.PaidAt) && p.ID < first.ID) {
			first = p
		}
		if p.PaidAt.After(f.LastPaidAt) {
			f.LastPaidAt = p.PaidAt
		}
		f.OrdersMonth += count(p.PaidAt, b.ActiveSince)
		f.OrdersQuarter += count(p.PaidAt, b.LoyalSince)
		if !p.PaidAt.Before(b.RFMSince) {
			f.OrdersYear++
			f.SpendYear += p.Net
		}
	}
	if first == nil {
		return Figures{}, false
	}
	f.FirstPaidAt, f.FromShare = first.PaidAt, first.FromShare
	return f, true
}

func count(t, since time.Time) int {
	if t.Before(since) {
		return 0
	}
	return 1
}

// Classify is the layer of a shopper with figures f on day d: the first that fits of
//
//	new      first paid order within NewDays;
//	loyal    LoyalMin or more paid orders within LoyalDays;
//	active   ActiveMin to ActiveMax paid orders within ActiveDays;
//	dormant  no paid order within DormantDays;
//	other    none of these (a shopper buying now and then, neither new nor regular).
//
// New comes first because a shopper in its first month has no quarter to be loyal in, and its
// first weeks decide whether it stays; loyal before active because it is the stronger habit.
func (r Rules) Classify(d Day, f Figures) Layer {
	b := r.Bounds(d)
	switch {
	case !f.FirstPaidAt.Before(b.NewSince):
		return New
	case f.OrdersQuarter >= r.LoyalMin:
		return Loyal
	case f.OrdersMonth >= r.ActiveMin && f.OrdersMonth <= r.ActiveMax:
		return Active
	case f.LastPaidAt.Before(b.DormantSince):
		return Dormant
	}
	return Other
}

// Scores are f's RFM scores on day d, each 1 to 5 by the fixed cut points of r.
func (r Rules) Scores(d Day, f Figures) (recency, frequency, monetary int) {
	b := r.Bounds(d)
	recency = 1
	for i, since := range b.RecencySince {
		if !f.LastPaidAt.Before(since) {
			recency = 5 - i
			break
		}
	}
	frequency = 1 + reached(r.FrequencyOrders[:], f.OrdersYear)
	monetary = 1 + reached(r.MonetaryFen[:], f.SpendYear)
	return recency, frequency, monetary
}

// reached counts the cut points v reaches.
func reached[T int | int64](cuts []T, v T) int {
	return len(cuts) - len(slices.DeleteFunc(slices.Clone(cuts), func(c T) bool { return v >= c }))
}

// Snapshot is a shopper's row on day d from its purchases; false when it has none paid by the
// end of d (it is not in the day's snapshot).
func (r Rules) Snapshot(d Day, userID int64, ps []Purchase) (Shopper, bool) {
	f, ok := r.FiguresOf(d, ps)
	if !ok {
		return Shopper{}, false
	}
	s := Shopper{UserID: userID, Layer: r.Classify(d, f), Figures: f}
	s.R, s.F, s.M = r.Scores(d, f)
	return s, true
}
