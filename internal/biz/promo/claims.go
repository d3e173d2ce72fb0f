package promo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// ClaimDeadline is how long a claim may take to write its coupon after booking it in the
// counters. A claim that misses it gives the booking back (unless the coupon was written after
// all), and a rebuild waits it out before reading the database, so the rebuild never misses a
// coupon still being written nor counts a booking about to be given back.
const ClaimDeadline = 2 * time.Second

// giveBackGrace is how long, beyond ClaimDeadline, a failed claim has to check its key and give
// its booking back: a rebuild waits ClaimDeadline and this before it reads the database.
const giveBackGrace = time.Second

// rebuildTimeout bounds a rebuild: under couponcount's pause TTL, so the pause holds while it
// loads.
const rebuildTimeout = 20 * time.Second

// takeTimeout bounds a take: one script on one Redis node.
const takeTimeout = time.Second

// CouponKeys tells whether a coupon of an issue key exists: a claim whose write failed asks it
// before it gives its booking back, as the write may have landed and only its answer been lost.
type CouponKeys interface {
	IssuedKey(ctx context.Context, key string) (bool, error)
	// CouponByKey is the coupon of the key; bizerr.ErrNotFound when there is none.
	CouponByKey(ctx context.Context, key string) (*Coupon, error)
}

// Claims is the shop's 领券: a shopper claims a coupon of a template that issues by claim.
type Claims struct {
	repo     Repo
	coupons  Coupons
	keys     CouponKeys
	counters Counters
	keeper   *Keeper
	tx       port.Transactor
	now      port.Clock
}

// NewClaims claims coupons through counters, writing them to coupons; tx joins the two when
// the counters are in the database.
func NewClaims(repo Repo, coupons Coupons, keys CouponKeys, counters Counters, keeper *Keeper,
	tx port.Transactor, now port.Clock) *Claims {
	return &Claims{repo: repo, coupons: coupons, keys: keys, counters: counters, keeper: keeper, tx: tx, now: now}
}

// Claim issues the shopper a coupon of the template: ErrNotIssuing when the template is not
// claimable now, ErrBudgetSpent, ErrShopperLimit, or ErrBudgetBusy while its counters are
// rebuilt. Counters lost from Redis are rebuilt from the database and the claim tried once more.
func (c *Claims) Claim(ctx context.Context, userID, templateID int64) (*Coupon, error) {
	if userID <= 0 {
		return nil, bizerr.Invalid("user_id", "a signed-in shopper")
	}
	if templateID <= 0 {
		return nil, bizerr.Invalid("template_id", "a positive id")
	}
	t, err := c.repo.ClaimTemplate(ctx, templateID)
	if err != nil {
		return nil, err
	}
	if t.Channel != ChannelClaim || !t.Issues(c.now()) {
		return nil, fmt.Errorf("template %d: %w", t.ID, ErrNotIssuing)
	}
	cp, err := c.claim(ctx, t, userID)
	if !errors.Is(err, ErrNotLoaded) {
		return cp, err
	}
	if err := c.keeper.Rebuild(ctx, t.ID); err != nil {
		return nil, fmt.Errorf("claim template %d: %w", t.ID, err)
	}
	return c.claim(ctx, t, userID)
}

// claim books the coupon in the counters, then writes it within ClaimDeadline of the booking.
// An Issue that finds the key's coupon already written (created false) keeps the booking: the
// coupon is one a claim wrote after giving back its booking, and this booking is now its.
func (c *Claims) claim(ctx context.Context, t *Template, userID int64) (*Coupon, error) {
	cp, _, err := c.issue(ctx, t, userID, func(seq int) string { return ClaimKey(t.ID, userID, seq) })
	return cp.Coupon, err
}

// issued is a coupon written (or found by its key) and the seq this call booked for it.
type issued struct {
	*Coupon
	booked int
}

// issue books one coupon of t for the shopper and writes it under key(seq) within
// ClaimDeadline of the booking. A write that fails gives the booking back, unless the coupon
// exists after all (a lost answer).
func (c *Claims) issue(ctx context.Context, t *Template, userID int64, key func(seq int) string) (issued, bool, error) {
	if c.counters.InDatabase() {
		return c.issueInTx(ctx, t, userID, key)
	}
	takenAt := time.Now()
	seq, err := c.take(ctx, t, userID)
	if err != nil {
		return issued{}, false, err
	}
	cp := NewClaimed(t, userID, seq, c.now())
	cp.IssueKey = key(seq)
	deadline := takenAt.Add(ClaimDeadline)
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	stored, created, err := c.coupons.Issue(wctx, cp)
	if err == nil {
		return issued{Coupon: stored, booked: seq}, created, nil
	}
	return issued{}, false, fmt.Errorf("issue a coupon of template %d: %w", t.ID,
		errors.Join(err, c.giveBack(ctx, t, cp, deadline)))
}

// errIssuedBefore rolls back the booking of a key issued before: its coupon is the answer.
var errIssuedBefore = errors.New("coupon issued before")

// issueInTx is issue with the counters in the database: the booking and the coupon commit
// together or not at all, so nothing is ever given back. The booking's UPDATE locks the template
// row, which queues the template's claims one behind the other: the shopper's lowest free seq
// cannot be taken twice.
func (c *Claims) issueInTx(ctx context.Context, t *Template, userID int64, key func(seq int) string) (issued, bool, error) {
	var out issued
	err := c.tx.InTx(ctx, func(ctx context.Context) error {
		seq, err := c.counters.Take(ctx, t, userID)
		if err != nil {
			return err
		}
		cp := NewClaimed(t, userID, seq, c.now())
		cp.IssueKey = key(seq)
		stored, created, err := c.coupons.Issue(ctx, cp)
		if err != nil {
			return fmt.Errorf("issue a coupon of template %d: %w", t.ID, err)
		}
		out = issued{Coupon: stored, booked: seq}
		if !created {
			return errIssuedBefore
		}
		return nil
	})
	if errors.Is(err, errIssuedBefore) {
		return out, false, nil
	}
	if err != nil {
		return issued{}, false, err
	}
	return out, true, nil
}

// take books in the counters on a context the caller cannot cancel: a take whose answer is
// lost (the shopper hung up) would leave a booking no claim knows the seq of, holding back a
// coupon of the budget and one of the shopper's limit until the next rebuild.
func (c *Claims) take(ctx context.Context, t *Template, userID int64) (int, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), takeTimeout)
	defer cancel()
	return c.counters.Take(ctx, t, userID)
}

// giveBack returns the booking of a coupon whose write failed, once it is sure the write did not
// land. A write cut short by its context may still be executed by the database: the driver
// drops the connection, but an INSERT the server has received runs and commits all the same,
// a moment later. Looking at once would miss it and give back the booking of a coupon that then
// appears, one over the budget (the race test saw it). So it looks only when the write's
// deadline is over, long after any statement the server received has committed.
//
// When the check fails, the booking stays: a booking without a coupon only holds back one
// coupon of the budget (and one of the shopper's limit) until the next rebuild, while a booking
// given back for a coupon that was written lets the template issue one more than its budget.
func (c *Claims) giveBack(ctx context.Context, t *Template, cp *Coupon, deadline time.Time) error {
	time.Sleep(time.Until(deadline))
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), giveBackGrace)
	defer cancel()
	written, err := c.keys.IssuedKey(ctx, cp.IssueKey)
	if err != nil {
		return fmt.Errorf("cannot tell whether coupon %s was written, its booking kept: %w", cp.IssueKey, err)
	}
	if written {
		return nil
	}
	if err := c.counters.Give(ctx, t, cp.UserID, cp.Seq); err != nil {
		return fmt.Errorf("give back the booking of %s: %w", cp.IssueKey, err)
	}
	return nil
}

// NewClaimed is the shopper's seq-th coupon of the template claimed at now: the template's
// rules copied, valid as the template's validity says, booking the discount's most.
func NewClaimed(t *Template, userID int64, seq int, now time.Time) *Coupon {
	rules := t.Rules()
	// The coupon owns its scope lists: nothing done to the template's can reach it.
	rules.Scope.IDs, rules.Scope.Cells = slices.Clone(rules.Scope.IDs), slices.Clone(rules.Scope.Cells)
	return &Coupon{
		TemplateID: t.ID, UserID: userID, Seq: seq, Rules: rules, State: CouponAvailable,
		ValidFrom: t.Validity.From(now), ValidUntil: t.Validity.Until(now),
		IssueKey: ClaimKey(t.ID, userID, seq), Most: t.Discount.Most(), ClaimedAt: now,
	}
}

// Keeper rebuilds a template's counters from the database.
type Keeper struct {
	repo     Repo
	coupons  Coupons
	counters Counters
	// settle is how long a rebuild waits after pausing: every claim that booked before the
	// pause has by then written its coupon or given its booking back.
	settle time.Duration
}

// NewKeeper rebuilds counters from coupons.
func NewKeeper(repo Repo, coupons Coupons, counters Counters) *Keeper {
	return &Keeper{repo: repo, coupons: coupons, counters: counters, settle: ClaimDeadline + giveBackGrace}
}

// Rebuild pauses the template's claims, waits out the claims in flight, reads what the database
// issued and loads the counters from it. Concurrent rebuilds are safe: only the one holding the
// pause's lease loads, the others get ErrBudgetBusy.
func (k *Keeper) Rebuild(ctx context.Context, templateID int64) error {
	return k.Reload(ctx, templateID, nil)
}

// Reload is Rebuild with change run while the claims are paused and settled: it may check the
// template against what was issued and save an edit of it, and the counters are loaded for the
// template change returns. If change fails the counters are loaded for the template as it was.
func (k *Keeper) Reload(ctx context.Context, templateID int64,
	change func(ctx context.Context, t *Template, issued Issued) (*Template, error)) error {
	// The rebuild outlives its caller: a claim or an edit whose client hangs up must not leave
	// the template paused until the pause runs out.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rebuildTimeout)
	defer cancel()
	lease, err := k.counters.Pause(ctx, templateID)
	if err != nil {
		return err
	}
	time.Sleep(k.settle)
	return k.load(ctx, templateID, lease, change)
}

// Start loads the counters of a template that has issued nothing yet, without waiting: no claim
// can be in flight, as none could book before the counters existed. ErrBudgetBusy (a claim's
// rebuild got there first) is success.
func (k *Keeper) Start(ctx context.Context, templateID int64) error {
	lease, err := k.counters.Pause(ctx, templateID)
	if errors.Is(err, ErrBudgetBusy) {
		return nil
	}
	if err != nil {
		return err
	}
	return k.load(ctx, templateID, lease, nil)
}

func (k *Keeper) load(ctx context.Context, templateID int64, lease string,
	change func(ctx context.Context, t *Template, issued Issued) (*Template, error)) error {
	t, err := k.repo.Template(ctx, templateID)
	if err != nil {
		return errors.Join(fmt.Errorf("rebuild template %d: %w", templateID, err), k.resume(ctx, templateID, lease))
	}
	issued, err := k.coupons.Issued(ctx, templateID)
	if err != nil {
		return errors.Join(fmt.Errorf("rebuild template %d: %w", templateID, err), k.resume(ctx, templateID, lease))
	}
	var changeErr error
	if change != nil {
		if changed, err := change(ctx, t, issued); err != nil {
			changeErr = err
		} else {
			t = changed
		}
	}
	if err := k.counters.Load(ctx, t, issued, lease); err != nil {
		return errors.Join(changeErr, fmt.Errorf("rebuild template %d: %w", templateID, err), k.resume(ctx, templateID, lease))
	}
	return changeErr
}

// resume lifts the pause of a rebuild that failed before loading: claims go on with the
// counters as they were, or rebuild them again if they are gone.
func (k *Keeper) resume(ctx context.Context, templateID int64, lease string) error {
	if err := k.counters.Resume(context.WithoutCancel(ctx), templateID, lease); err != nil {
		return fmt.Errorf("resume template %d after a failed rebuild: %w", templateID, err)
	}
	return nil
}
