// Package layer splits shoppers into the layers of the founding document (new, active, loyal,
// dormant) with RFM scores, as a snapshot per Beijing day that is kept, and sends coupons or
// subscription messages to one layer of one grid as a day's snapshot had it.
//
// Days are Beijing calendar days. A snapshot of day D is taken as of the end of D (Beijing
// midnight starting D+1). "Within the last N days" means paid on one of the N Beijing days
// D-N+1 … D: an order paid on D itself is 0 days old, one paid on D-29 is 29 days old and within
// 30 days, one paid on D-30 is 30 days old and not. A paid order is one with a payment (paid_at)
// that is not refunded in full; refunds count as known when the snapshot is taken.
package layer

import (
	"fmt"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

// Layer is a shopper's layer on a day.
type Layer string

// The layers. A shopper fits the first of them in this order (Classify): new, loyal, active,
// dormant, and other when it fits none.
const (
	New     Layer = "new"
	Loyal   Layer = "loyal"
	Active  Layer = "active"
	Dormant Layer = "dormant"
	Other   Layer = "other"
)

// Layers lists the layers in their order of precedence.
var Layers = []Layer{New, Loyal, Active, Dormant, Other}

// ParseLayer reads a layer's name.
func ParseLayer(s string) (Layer, error) {
	if l := Layer(s); slices.Contains(Layers, l) {
		return l, nil
	}
	return "", bizerr.Invalid("layer", "one of new, loyal, active, dormant, other")
}

// Rules are the thresholds of the layers and of the RFM scores. Windows are in days as the
// package comment defines them.
type Rules struct {
	// NewDays: a shopper whose first paid order is within this many days is new (30).
	NewDays int
	// ActiveDays, ActiveMin, ActiveMax: ActiveMin to ActiveMax paid orders within ActiveDays
	// make a shopper active (30, 3, 5).
	ActiveDays, ActiveMin, ActiveMax int
	// LoyalDays, LoyalMin: LoyalMin or more paid orders within LoyalDays make a shopper loyal
	// (90, 5).
	LoyalDays, LoyalMin int
	// DormantDays: a shopper with no paid order within this many days is dormant (180).
	DormantDays int
	// RFMDays is the window of frequency and monetary (365).
	RFMDays int
	// RecencyDays are R's cut points: R is 5 when the last paid order is within RecencyDays[0]
	// days, 4 within [1], 3 within [2], 2 within [3], else 1 (7, 30, 90, 180).
	RecencyDays [4]int
	// FrequencyOrders are F's cut points: F is 1 plus how many of them the paid orders within
	// RFMDays reach (2, 3, 5, 10: one order is 1, ten or more are 5).
	FrequencyOrders [4]int
	// MonetaryFen are M's cut points on what the paid orders within RFMDays paid net of refunds,
	// in fen: M is 1 plus how many of them it reaches (50, 200, 500, 1000 yuan).
	MonetaryFen [4]int64
}

// DefaultRules are the founding document's layers and fixed RFM cut points fit for a
// neighbourhood group-buy (an order or two a week at most).
var DefaultRules = Rules{
	NewDays: 30, ActiveDays: 30, ActiveMin: 3, ActiveMax: 5, LoyalDays: 90, LoyalMin: 5, DormantDays: 180,
	RFMDays: 365, RecencyDays: [4]int{7, 30, 90, 180}, FrequencyOrders: [4]int{2, 3, 5, 10},
	MonetaryFen: [4]int64{5_000, 20_000, 50_000, 100_000},
}

// Validate refuses rules that cannot classify: non-positive windows, an empty active range,
// cut points not strictly increasing.
func (r Rules) Validate() error {
	for name, v := range map[string]int{"new_days": r.NewDays, "active_days": r.ActiveDays,
		"active_min": r.ActiveMin, "loyal_days": r.LoyalDays, "loyal_min": r.LoyalMin,
		"dormant_days": r.DormantDays, "rfm_days": r.RFMDays} {
		if v <= 0 || v > 3660 {
			return bizerr.Invalid(name, "between 1 and 3660")
		}
	}
	switch {
	case r.ActiveMax < r.ActiveMin:
		return bizerr.Invalid("active_max", "at least active_min")
	case !increasing(r.RecencyDays[:]) || r.RecencyDays[0] <= 0:
		return bizerr.Invalid("recency_days", "four strictly increasing positive day counts")
	case !increasing(r.FrequencyOrders[:]) || r.FrequencyOrders[0] <= 1:
		return bizerr.Invalid("frequency_orders", "four strictly increasing order counts above 1")
	case !increasing(r.MonetaryFen[:]) || r.MonetaryFen[0] <= 0:
		return bizerr.Invalid("monetary_fen", "four strictly increasing positive amounts")
	}
	return nil
}

func increasing[T int | int64](vs []T) bool {
	for i := 1; i < len(vs); i++ {
		if vs[i] <= vs[i-1] {
			return false
		}
	}
	return true
}

// String is the rules as stored with a snapshot.
func (r Rules) String() string {
	return fmt.Sprintf("new<%dd active=%d-%d/%dd loyal>=%d/%dd dormant>=%dd rfm=%dd R=%v F=%v M=%v",
		r.NewDays, r.ActiveMin, r.ActiveMax, r.ActiveDays, r.LoyalMin, r.LoyalDays, r.DormantDays,
		r.RFMDays, r.RecencyDays, r.FrequencyOrders, r.MonetaryFen)
}

// Day is a Beijing calendar day.
type Day struct {
	name  string
	start time.Time
}

// ParseDay reads a day "YYYY-MM-DD".
func ParseDay(s string) (Day, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, bjtime.Zone)
	if err != nil {
		return Day{}, bizerr.Invalid("day", "a date YYYY-MM-DD")
	}
	return Day{name: t.Format(time.DateOnly), start: t}, nil
}

// DayOf is t's Beijing day.
func DayOf(t time.Time) Day {
	s := bjtime.StartOfDay(t)
	return Day{name: s.Format(time.DateOnly), start: s}
}

func (d Day) String() string { return d.name }

// End is the end of the day: Beijing midnight starting the next day. A snapshot counts orders
// paid before it.
func (d Day) End() time.Time { return d.start.AddDate(0, 0, 1) }

// Since is the start of the last n days up to and including d: an order paid at or after it and
// before End is within n days.
func (d Day) Since(n int) time.Time { return d.start.AddDate(0, 0, 1-n) }

// Bounds are the instants a snapshot of a day compares payment times with, so that the database
// and Classify read the same windows.
type Bounds struct {
	End                                             time.Time
	NewSince, ActiveSince, LoyalSince, DormantSince time.Time
	RFMSince                                        time.Time
	RecencySince                                    [4]time.Time
}

// Bounds are r's windows on day d.
func (r Rules) Bounds(d Day) Bounds {
	b := Bounds{End: d.End(), NewSince: d.Since(r.NewDays), ActiveSince: d.Since(r.ActiveDays),
		LoyalSince: d.Since(r.LoyalDays), DormantSince: d.Since(r.DormantDays), RFMSince: d.Since(r.RFMDays)}
	for i, n := range r.RecencyDays {
		b.RecencySince[i] = d.Since(n)
	}
	return b
}
