package couponcount

import (
	"fmt"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// SpentMemory is how long a replica remembers that a template's budget is spent and refuses
// its claims without asking Redis. In a claim burst almost every claim comes after the budget
// ran out (20,000 shoppers for 2,000 coupons: nine in ten), and each of those cost a script
// run on the template's one Redis node. Remembering can only refuse more, never issue more; what
// it may refuse wrongly is a claim within this time after a coupon was given back or a budget
// raised on another replica. A budget raised in the template the claim holds, a give-back, a
// pause or a load on this replica end the memory at once.
const SpentMemory = time.Second

// spentMark is a template's budget seen spent: until when it is remembered, and the budgets
// and discount it was spent at (a claim holding higher budgets or a smaller discount asks Redis).
type spentMark struct {
	until         time.Time
	count, amount int64
	most          int64
}

// spentMarks remembers spent templates by id.
type spentMarks struct{ m sync.Map } // template id → spentMark

// refuses returns the remembered refusal of a take of t, or nil.
func (s *spentMarks) refuses(t *promo.Template, now time.Time) error {
	v, ok := s.m.Load(t.ID)
	if !ok {
		return nil
	}
	mk := v.(spentMark)
	if now.After(mk.until) || t.Budget.Count > mk.count || t.Budget.Amount > mk.amount || t.Discount.Most() < mk.most {
		return nil
	}
	return fmt.Errorf("template %d: budget seen spent %s ago: %w", t.ID,
		now.Sub(mk.until.Add(-SpentMemory)).Round(time.Millisecond), promo.ErrBudgetSpent)
}

// spent remembers that t's budget was spent at now.
func (s *spentMarks) spent(t *promo.Template, now time.Time) {
	s.m.Store(t.ID, spentMark{until: now.Add(SpentMemory), count: t.Budget.Count, amount: t.Budget.Amount,
		most: t.Discount.Most()})
}

// forget ends what is remembered of the template.
func (s *spentMarks) forget(templateID int64) { s.m.Delete(templateID) }
