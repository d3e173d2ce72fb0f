package promo

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// Tier is one step of a 满减 activity: spend Threshold fen on the activity's scope, and save Off
// fen, or get GiftQty of the batch item GiftItemID (阶梯满赠), taken from its stock like any
// line.
type Tier struct {
	Threshold  int64
	Off        int64
	GiftItemID int64
	GiftQty    int64
}

func (t Tier) gift() bool { return t.GiftItemID > 0 }

// ActivityStatus is whether an activity applies.
type ActivityStatus string

const (
	ActivityActive ActivityStatus = "active"
	ActivityPaused ActivityStatus = "paused"
	ActivityEnded  ActivityStatus = "ended"
)

// ActivityLifecycle is the only way an activity's status moves.
var ActivityLifecycle = lifecycle.New("activity",
	[]ActivityStatus{ActivityActive, ActivityPaused, ActivityEnded},
	map[ActivityStatus][]ActivityStatus{
		ActivityActive: {ActivityPaused, ActivityEnded},
		ActivityPaused: {ActivityActive, ActivityEnded},
	})

// Activity is a 满减 (spend and save) over a scope and a window. At most one applies to an
// order, with the best tier it reaches.
type Activity struct {
	ID        int64
	Name      string
	Scope     Scope
	Window    Window
	Tiers     []Tier // ascending thresholds
	Status    ActivityStatus
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// maxTiers bounds an activity's tiers: a shopper reads them on one line.
const maxTiers = 5

// Check validates an activity as ops submit it: ascending thresholds, each tier either money off
// below its threshold or a gift, money off never falling as the threshold rises.
func (a *Activity) Check() error {
	a.Name = strings.TrimSpace(a.Name)
	if n := utf8.RuneCountInString(a.Name); n == 0 || n > 40 {
		return bizerr.Invalid("name", "1 to 40 characters")
	}
	if err := a.Scope.check(); err != nil {
		return err
	}
	if err := a.Window.check("window"); err != nil {
		return err
	}
	if len(a.Tiers) == 0 || len(a.Tiers) > maxTiers {
		return bizerr.Invalid("tiers", "1 to 5 tiers")
	}
	if a.Scope.Kind != ScopeBatches && slices.ContainsFunc(a.Tiers, Tier.gift) {
		return bizerr.Invalid("tiers.gift_item_id", "a gift is a batch item: scope the activity to batches")
	}
	var prev Tier
	for i, t := range a.Tiers {
		switch {
		case t.Threshold <= 0 || t.Threshold > MaxAmount || (i > 0 && t.Threshold <= prev.Threshold):
			return bizerr.Invalid("tiers.threshold_fen", "ascending, 1 fen to ¥1,000,000")
		case t.gift() && (t.Off != 0 || t.GiftQty <= 0 || t.GiftQty > 10):
			return bizerr.Invalid("tiers.gift_quantity", "a gift tier gives 1 to 10 units and no money off")
		case !t.gift() && (t.Off <= 0 || t.Off >= t.Threshold || t.GiftQty != 0):
			return bizerr.Invalid("tiers.off_fen", "money off must be positive and below its threshold")
		case !t.gift() && !prev.gift() && t.Off < prev.Off:
			return bizerr.Invalid("tiers.off_fen", "a higher tier cannot save less")
		}
		prev = t
	}
	return nil
}

// Applies reports whether the activity applies to orders placed at now.
func (a *Activity) Applies(now time.Time) bool {
	return a.Status == ActivityActive && a.Window.Contains(now)
}

// reached is the highest tier the eligible amount reaches, ok false below the first.
func (a *Activity) reached(eligible int64) (Tier, bool) {
	for i := len(a.Tiers) - 1; i >= 0; i-- {
		if eligible >= a.Tiers[i].Threshold {
			return a.Tiers[i], true
		}
	}
	return Tier{}, false
}
