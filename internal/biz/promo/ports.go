package promo

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors of claims, mapped to API reasons by the service layer.
var (
	// ErrNotIssuing: the template is paused, ended or outside its claim window.
	ErrNotIssuing = errors.New("coupon template does not issue now")
	// ErrBudgetSpent: the template's count or amount budget is spent (已抢光).
	ErrBudgetSpent = errors.New("coupon budget is spent")
	// ErrShopperLimit: the shopper holds as many of the template's coupons as it may.
	ErrShopperLimit = errors.New("per-shopper coupon limit reached")
	// ErrNotLoaded: the budget counters of the template are not in the hot store (lost, or
	// never loaded); Keeper.Rebuild loads them from the database.
	ErrNotLoaded = errors.New("coupon budget counters are not loaded")
	// ErrBudgetBusy: the counters are being rebuilt; retry in a moment.
	ErrBudgetBusy = errors.New("coupon budget counters are being rebuilt")
)

// Issued is what the database says a template has issued: the truth the counters are rebuilt
// from.
type Issued struct {
	Count  int64
	Amount int64 // Σ most
	// PerShopper is each holder's number of the template's coupons (its highest seq).
	PerShopper map[int64]int
}

// Figures are a template's numbers for ops.
type Figures struct {
	Issued, Locked, Used, Expired int64
	Booked                        int64 // Σ most of the issued coupons, against Budget.Amount
	Spent                         int64 // Σ discount of the used coupons
}

// Counters are the hot gate of claims: the count budget, the amount budget and the per-shopper
// limit of a template, taken together atomically across replicas (Redis, keys of one hash slot
// per template). The database stays the truth: Keeper rebuilds the counters from it.
//
// Counters InDatabase take in the claim's own transaction instead (a conditional UPDATE of the
// template row): a claim that fails rolls its booking back with it, so they never need Give, and
// there is nothing to rebuild.
type Counters interface {
	// InDatabase tells whether Take joins the transaction that writes the coupon.
	InDatabase() bool
	// Take books one coupon of the template (its Discount.Most() against the amount budget)
	// for the shopper and returns the shopper's seq: ErrBudgetSpent, ErrShopperLimit,
	// ErrNotLoaded or ErrBudgetBusy when it cannot.
	Take(ctx context.Context, t *Template, userID int64) (seq int, err error)
	// Give returns a booking whose coupon was not written.
	Give(ctx context.Context, t *Template, userID int64, seq int) error
	// Resume lifts a pause that lease still holds, loading nothing: a rebuild that failed
	// leaves the counters as they were (or not loaded) rather than claims paused until the
	// pause runs out.
	Resume(ctx context.Context, templateID int64, lease string) error
	// Pause stops takes of the template while it is rebuilt and returns the rebuild's lease;
	// ErrBudgetBusy when another rebuild holds it. Load writes the rebuilt counters and lifts
	// the pause if the lease still holds it, else ErrBudgetBusy: one rebuild at a time, across
	// replicas, and a rebuild whose pause ran out never writes its older snapshot.
	Pause(ctx context.Context, templateID int64) (lease string, err error)
	Load(ctx context.Context, t *Template, issued Issued, lease string) error
}

// Repo keeps templates and activities.
type Repo interface {
	CreateTemplate(ctx context.Context, t *Template) (*Template, error)
	// SaveTemplate writes an edit of the template, never its status, unless it has ended
	// meanwhile (a lifecycle refusal).
	SaveTemplate(ctx context.Context, t *Template) error
	// MoveTemplate moves the template's status from from to to, if it is still from: a
	// lifecycle refusal, or bizerr.ErrConflict when another move got there first.
	MoveTemplate(ctx context.Context, id int64, from, to TemplateStatus) error
	Template(ctx context.Context, id int64) (*Template, error)
	// ClaimTemplate is Template for claims and grants, which may read one up to a second old:
	// a pause, an end or an edit reaches them within that (the counters never pass budgets
	// lowered since).
	ClaimTemplate(ctx context.Context, id int64) (*Template, error)
	// Templates lists templates newest first, of a channel and status when given.
	Templates(ctx context.Context, f TemplateFilter) ([]*Template, error)
	Figures(ctx context.Context, templateIDs []int64) (map[int64]Figures, error)

	CreateActivity(ctx context.Context, a *Activity) (*Activity, error)
	// SaveActivity and MoveActivity are SaveTemplate and MoveTemplate for an activity.
	SaveActivity(ctx context.Context, a *Activity) error
	MoveActivity(ctx context.Context, id int64, from, to ActivityStatus) error
	Activity(ctx context.Context, id int64) (*Activity, error)
	Activities(ctx context.Context, f ActivityFilter) ([]*Activity, error)
	// Applying lists the active activities whose window contains at.
	Applying(ctx context.Context, at time.Time) ([]*Activity, error)
}

// TemplateFilter selects templates; zero fields select everything.
type TemplateFilter struct {
	Channel  Channel
	Status   TemplateStatus
	IssuesAt time.Time // active with a claim window containing it
	BeforeID int64
	Limit    int
}

// ActivityFilter selects activities; zero fields select everything.
type ActivityFilter struct {
	Status   ActivityStatus
	BeforeID int64
	Limit    int
}

// Coupons keeps the shoppers' coupons. Every move is a conditional update from the states the
// lifecycle allows, so two orders can never hold one coupon.
type Coupons interface {
	// Issue writes the coupon; when its IssueKey was issued before it returns that coupon and
	// created false.
	Issue(ctx context.Context, c *Coupon) (*Coupon, bool, error)
	Coupon(ctx context.Context, id int64) (*Coupon, error)
	// OfUser pages through a shopper's coupons in a state (all when empty), newest first.
	OfUser(ctx context.Context, userID int64, state CouponState, beforeID int64, limit int) ([]*Coupon, error)
	// Usable lists a shopper's available coupons valid at at.
	Usable(ctx context.Context, userID int64, at time.Time) ([]*Coupon, error)
	// Issued is what the template has issued, for a rebuild of its counters.
	Issued(ctx context.Context, templateID int64) (Issued, error)

	// Lock moves the shopper's available coupon, valid at at, to locked by the order;
	// ErrCouponNotUsable when it is not (held by another order, used, expired, not its).
	Lock(ctx context.Context, couponID, userID, orderID int64, at time.Time) error
	// Use moves the coupon, locked by the order, to used, recording its discount; a no-op
	// when the order does not hold it locked.
	Use(ctx context.Context, couponID, orderID, discount int64, at time.Time) error
	// Release gives back the coupon if the order holds it, locked or used: available, or
	// expired when its validity is over at at. It reports whether the coupon moved.
	Release(ctx context.Context, couponID, orderID int64, at time.Time) (bool, error)
	// Expire looks at up to limit coupons after the cursor, in expiry order, whose validity
	// ended by at, and moves the available ones among them to expired.
	Expire(ctx context.Context, after ExpiryCursor, at time.Time, limit int) (ExpirySweep, error)
}

// ExpiryCursor is a place in the coupons' expiry order: their validity's end, then their id.
type ExpiryCursor struct {
	ValidUntil time.Time
	ID         int64
}

// ExpirySweep is what one step of the expiry sweep did: the coupons it looked at (fewer than
// its limit when none is left before its time), those it expired, and the cursor after the last.
type ExpirySweep struct {
	Seen, Expired int
	Next          ExpiryCursor
}

// ClaimKey is the issue key of a shopper's seq-th claim of a template.
func ClaimKey(templateID, userID int64, seq int) string {
	return fmt.Sprintf("claim:%d:%d:%d", templateID, userID, seq)
}

// SendKey is the issue key of an ops send's coupon for a shopper.
func SendKey(sendID, userID int64) string { return fmt.Sprintf("send:%d:%d", sendID, userID) }

// NewShopperKey is the issue key of a shopper's new-shopper coupon of a template.
func NewShopperKey(templateID, userID int64) string {
	return fmt.Sprintf("new:%d:%d", templateID, userID)
}

// InvitationKey is the issue key of an invitation's reward for one side ("inviter", "invitee").
func InvitationKey(invitationID int64, side string) string {
	return fmt.Sprintf("invitation:%d:%s", invitationID, side)
}
