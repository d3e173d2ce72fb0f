package order

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/biz/tracking"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// Checkout is the shopper's side: place, pay, cancel and read orders.
type Checkout struct {
	repo     Repo
	counter  Counter
	keeper   *Keeper
	shoppers Shoppers
	batches  Batches
	open     presale.Repo
	payments Payments
	events   event.Publisher
	tx       port.Transactor
	qr       *QRSigner
	cfg      Config
	now      port.Clock

	coupons    promo.Coupons
	activities Activities
	pricing    PricingConfig
}

// CheckoutDeps are Checkout's collaborators.
type CheckoutDeps struct {
	Repo     Repo
	Counter  Counter
	Keeper   *Keeper
	Shoppers Shoppers
	Batches  Batches
	// BatchRepo lists the open batches of a grid, uncached.
	BatchRepo presale.Repo
	Payments  Payments
	Events    event.Publisher
	Tx        port.Transactor
	QR        *QRSigner
	Config    Config
	Now       port.Clock
	// Coupons are the shoppers' coupons, locked by the orders that name them.
	Coupons    promo.Coupons
	Activities Activities
	Pricing    PricingConfig
}

// NewCheckout builds the checkout use cases.
func NewCheckout(d CheckoutDeps) *Checkout {
	return &Checkout{repo: d.Repo, counter: d.Counter, keeper: d.Keeper, shoppers: d.Shoppers, batches: d.Batches,
		open: d.BatchRepo, payments: d.Payments, events: d.Events, tx: d.Tx, qr: d.QR, cfg: d.Config, now: d.Now,
		coupons: d.Coupons, activities: d.Activities, pricing: d.Pricing}
}

// LineInput is one line as the shopper asks for it, with the price it saw.
type LineInput struct {
	ItemID int64
	Qty    int64
	Price  int64
}

// PlaceInput is an order as the shopper asks for it: the lines at the prices it saw, the coupon
// it names (0: none), when given, the payable it was shown (ExpectedAmount, fen) and the share
// whose link it was placed from (ShareKey, empty: none).
type PlaceInput struct {
	Key            string
	BatchID        int64
	Lines          []LineInput
	CouponID       int64
	ExpectedAmount int64
	ShareKey       string
}

const (
	maxLines = 50
	maxQty   = 1000
)

func notKeyRune(c rune) bool {
	isKey := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	return !isKey
}

func (in *PlaceInput) check() error {
	if len(in.Key) < 8 || len(in.Key) > 64 {
		return bizerr.Invalid("idempotency_key", "8 to 64 characters")
	}
	if strings.IndexFunc(in.Key, notKeyRune) >= 0 {
		return bizerr.Invalid("idempotency_key", "letters, digits, - and _")
	}
	switch {
	case in.CouponID < 0:
		return bizerr.Invalid("coupon_id", "a coupon id, or 0 for none")
	case in.ExpectedAmount < 0:
		return bizerr.Invalid("expected_amount_fen", "the payable shown, or 0 when not checked")
	}
	if in.ShareKey != "" {
		if err := tracking.CheckShareKey(in.ShareKey); err != nil {
			return bizerr.Invalid("share_key", err.Error())
		}
	}
	return checkLines(in.Lines)
}

func checkLines(lines []LineInput) error {
	if len(lines) == 0 || len(lines) > maxLines {
		return bizerr.Invalid("lines", "1 to 50 lines")
	}
	seen := make(map[int64]bool, len(lines))
	for _, l := range lines {
		switch {
		case l.ItemID <= 0 || seen[l.ItemID]:
			return bizerr.Invalid("lines.item_id", "each item once")
		case l.Qty <= 0 || l.Qty > maxQty:
			return bizerr.Invalid("lines.quantity", "1 to 1000")
		case l.Price <= 0:
			return bizerr.Invalid("lines.price_fen", "must be positive")
		}
		seen[l.ItemID] = true
	}
	return nil
}

// Place creates an order for pickup at the shopper's bound leader, with its stock reserved.
// The same idempotency key again returns the same order (and reserves nothing more); with a
// different request it is ErrKeyReused.
func (c *Checkout) Place(ctx context.Context, userID int64, in PlaceInput) (*Order, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	b, err := c.batches.Get(ctx, in.BatchID)
	if err != nil {
		return c.known(ctx, userID, in, err)
	}
	o, err := c.build(ctx, b, userID, in)
	if err != nil {
		return c.known(ctx, userID, in, err)
	}
	stored, err := c.save(ctx, b, o)
	if errors.Is(err, ErrNotLoaded) {
		// The batch has no counters (Redis lost them): rebuild them from the database, then try
		// once more.
		if err := c.keeper.Rebuild(ctx, b.ID); err != nil {
			return nil, err
		}
		stored, err = c.save(ctx, b, o)
	}
	if errors.Is(err, ErrKeyReused) {
		// A retry priced otherwise than its first request (an activity began or ended between
		// them) reserves other lines under the same token and is refused: it gets its order.
		// Only then: a sold-out storm should not read orders for every refusal.
		return c.known(ctx, userID, in, err)
	}
	if err != nil {
		return nil, err
	}
	return stored, sameRequest(stored, in)
}

// known answers a request that cannot be placed now (the batch closed, a price changed) with the
// order its key made before, if any: a retry gets the answer of the request it repeats. Else err.
func (c *Checkout) known(ctx context.Context, userID int64, in PlaceInput, err error) (*Order, error) {
	prev, gerr := c.repo.GetByKey(ctx, userID, in.Key)
	if gerr != nil {
		return nil, err
	}
	return prev, sameRequest(prev, in)
}

// build checks the request against the batch and prices the order (price). The leader and grid
// are the shopper's bound leader's, filled in when the order is saved.
func (c *Checkout) build(ctx context.Context, b *presale.Batch, userID int64, in PlaceInput) (*Order, error) {
	now := c.now()
	if !b.TakesOrders(now) {
		return nil, fmt.Errorf("batch %d is %s: %w", b.ID, b.Status, presale.ErrNotOpen)
	}
	q, leaderID, err := c.priceAt(ctx, b, userID, QuoteInput{BatchID: b.ID, Lines: in.Lines, CouponID: in.CouponID}, now)
	if err != nil {
		return nil, err
	}
	if in.ExpectedAmount > 0 && q.Amount != in.ExpectedAmount {
		return nil, &AmountError{Expected: in.ExpectedAmount, Amount: q.Amount}
	}
	// LeaderID is the leader the order was priced for (a coupon's or activity's scope); saving
	// fills the shopper's bound leader, and an order with a coupon checks they are the same.
	o := &Order{UserID: userID, BatchID: b.ID, Status: PendingPayment, IdempotencyKey: in.Key, PayAttempt: 1,
		ExpiresAt: now.Add(c.cfg.OrderTTL), LeaderID: leaderID, PricedAt: now,
		ShareKey: in.ShareKey}
	fromQuote(o, b, q)
	return o, nil
}

func gridsHex(b *presale.Batch) []string {
	out := make([]string, len(b.Grids))
	for i, g := range b.Grids {
		out[i] = g.String()
	}
	return out
}

// save reserves the stock and writes the order. From a reservation to the commit of its order
// takes at most the checkout deadline: that is what a stock rebuild waits out.
func (c *Checkout) save(ctx context.Context, b *presale.Batch, o *Order) (*Order, error) {
	if c.counter.InDatabase() {
		return c.saveCounting(ctx, b, o)
	}
	return c.saveReserved(ctx, b, o)
}

// saveCounting inserts the order, then takes its stock, in one transaction: a concurrent request
// with the same key waits on the order's unique index and then finds this order.
func (c *Checkout) saveCounting(ctx context.Context, b *presale.Batch, o *Order) (*Order, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.CheckoutDeadline)
	defer cancel()
	var stored *Order
	err := c.tx.InTx(ctx, func(ctx context.Context) error {
		s, created, err := c.repo.Create(ctx, o, gridsHex(b))
		stored = s
		if err != nil || !created {
			return err
		}
		_, err = c.counter.Reserve(ctx, s.Reservation(limits(b)), b.Items)
		return err
	})
	return stored, err
}

// writeGrace is how long a failed order write is given to land before its stock is given back:
// the database cancels a statement whose client gave up, and one already committing is done
// far within it.
const writeGrace = time.Second

// create writes the order, and locks the coupon it names in the same write (Repo.Create): an
// order either holds its coupon or does not exist. Orders with and without a coupon share the
// flash sale's batched statement.
func (c *Checkout) create(ctx context.Context, b *presale.Batch, o *Order) (*Order, bool, error) {
	return c.repo.Create(ctx, o, gridsHex(b))
}

// saveReserved reserves in the counters first, then writes the order in one statement: two round
// trips and no transaction held open across Redis. The reservation is named by the shopper and
// the idempotency key, so a retry finds it:
//   - a retry whose first request saved the order gets that order;
//   - a retry of a request still saving waits for its order; if none comes, it reserves again
//     (fresh if a rebuild dropped the orphan, else taking over the reservation of a request
//     that died) and writes the order itself;
//   - a reservation whose order was not written is given back.
func (c *Checkout) saveReserved(ctx context.Context, b *presale.Batch, o *Order) (*Order, error) {
	r := o.Reservation(limits(b))
	reservedAt := time.Now()
	fresh, err := c.counter.Reserve(ctx, r, b.Items)
	if err != nil {
		return nil, err
	}
	if !fresh {
		prev, err := c.awaitOrder(ctx, o, c.cfg.CheckoutDeadline+time.Second)
		if prev != nil || err != nil {
			return prev, err
		}
		reservedAt = time.Now()
		if fresh, err = c.counter.Reserve(ctx, r, b.Items); err != nil {
			return nil, err
		}
	}
	wctx, cancel := context.WithDeadline(ctx, reservedAt.Add(c.cfg.CheckoutDeadline))
	defer cancel()
	stored, created, err := c.create(wctx, b, o)
	if fresh && (err != nil || !created) {
		// Nothing of ours was written (or the key's order exists from before): give the stock
		// back, unless the order made it after all (a lost answer). A write cut short by its
		// deadline may still commit on the server a moment later, so it is looked for only
		// after writeGrace; looking at once could give back the stock of an order that then
		// appears, one unit oversold.
		if err != nil {
			time.Sleep(writeGrace)
			_, gerr := c.repo.GetByKey(context.WithoutCancel(ctx), o.UserID, o.IdempotencyKey)
			switch {
			case gerr == nil:
				return nil, err
			case !errors.Is(gerr, bizerr.ErrNotFound):
				// Unsure whether the order exists: the stock stays reserved (a retry of the
				// request takes the reservation over) rather than risk selling it twice.
				return nil, errors.Join(err, fmt.Errorf("cannot tell whether order %q was written, its stock kept: %w",
					o.IdempotencyKey, gerr))
			}
		}
		err = errors.Join(err, c.counter.Abort(context.WithoutCancel(ctx), r))
	}
	return stored, err
}

// awaitOrder waits up to patience for the order of a request holding the same reservation. It
// returns nil, nil when none appeared.
func (c *Checkout) awaitOrder(ctx context.Context, o *Order, patience time.Duration) (*Order, error) {
	ctx, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		prev, err := c.repo.GetByKey(ctx, o.UserID, o.IdempotencyKey)
		if err == nil {
			return prev, nil
		}
		if !errors.Is(err, bizerr.ErrNotFound) && ctx.Err() == nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(delay):
		}
	}
}

func limits(b *presale.Batch) map[int64]int64 {
	m := make(map[int64]int64, len(b.Items))
	for _, it := range b.Items {
		m[it.ID] = it.Limit
	}
	return m
}

// sameRequest reports ErrKeyReused when o, found by the request's key, is not what it asks: the
// batch, the coupon and the shopper's lines (a gift line is the activity's, not the shopper's).
func sameRequest(o *Order, in PlaceInput) error {
	bought := 0
	for _, ol := range o.Lines {
		if !ol.Gift {
			bought++
		}
	}
	if o.BatchID != in.BatchID || o.CouponID != in.CouponID || bought != len(in.Lines) {
		return ErrKeyReused
	}
	for _, l := range in.Lines {
		found := false
		for _, ol := range o.Lines {
			if !ol.Gift && ol.ItemID == l.ItemID && ol.Quantity == l.Qty {
				found = true
			}
		}
		if !found {
			return ErrKeyReused
		}
	}
	return nil
}

// OpenBatches lists the batches open in the grid of the shopper's bound leader, with what is
// left of each item.
func (c *Checkout) OpenBatches(ctx context.Context, userID int64) ([]*presale.Batch, map[int64]map[int64]int64, error) {
	_, grid, err := c.shoppers.BoundLeader(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	cell, err := geo.ParseCell(grid)
	if err != nil {
		return nil, nil, fmt.Errorf("grid of the bound leader: %w", err)
	}
	bs, err := c.open.OpenIn(ctx, cell)
	if err != nil {
		return nil, nil, err
	}
	remaining := make(map[int64]map[int64]int64, len(bs))
	for _, b := range bs {
		if remaining[b.ID], err = c.counter.Remaining(ctx, b); err != nil {
			return nil, nil, err
		}
	}
	return bs, remaining, nil
}

// Get returns one of the shopper's orders; another shopper's is not found.
func (c *Checkout) Get(ctx context.Context, userID, id int64) (*Order, error) {
	o, err := c.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.UserID != userID {
		return nil, fmt.Errorf("order %d: %w", id, bizerr.ErrNotFound)
	}
	return o, nil
}

// List pages through the shopper's orders, newest first.
func (c *Checkout) List(ctx context.Context, userID, beforeID int64, limit int) ([]*Order, error) {
	return c.repo.ListByUser(ctx, userID, beforeID, limit)
}

// PickupDay is the order's pickup date (YYYY-MM-DD, China), or "" when its batch is unknown.
func (c *Checkout) PickupDay(ctx context.Context, o *Order) string {
	b, err := c.batches.Get(ctx, o.BatchID)
	if err != nil {
		return ""
	}
	return b.PickupDay()
}

// PickupQR is the signed QR payload of a paid order's pickup code ("" before payment).
func (c *Checkout) PickupQR(o *Order) string {
	if o.PickupCode == "" {
		return ""
	}
	return c.qr.Sign(o.ID, o.PickupCode)
}

// Pay returns the wx.requestPayment parameters of an unpaid order. A payment that failed on the
// phone gets a new out_trade_no.
func (c *Checkout) Pay(ctx context.Context, userID, id int64) (payment.RequestPayment, error) {
	o, err := c.Get(ctx, userID, id)
	if err != nil {
		return payment.RequestPayment{}, err
	}
	rp, err := c.prepay(ctx, o)
	if errors.Is(err, payment.ErrPaymentFailed) {
		if o, err = c.nextAttempt(ctx, o); err != nil {
			return payment.RequestPayment{}, err
		}
		rp, err = c.prepay(ctx, o)
	}
	return rp, err
}

func (c *Checkout) prepay(ctx context.Context, o *Order) (payment.RequestPayment, error) {
	if o.Status != PendingPayment {
		return payment.RequestPayment{}, Lifecycle.Refuse(o.Status, "pay")
	}
	if !c.now().Before(o.ExpiresAt) {
		return payment.RequestPayment{}, Lifecycle.Refuse(o.Status, "pay an expired order")
	}
	openID, err := c.shoppers.OpenID(ctx, o.UserID)
	if err != nil {
		return payment.RequestPayment{}, err
	}
	b, err := c.batches.Get(ctx, o.BatchID)
	if err != nil {
		return payment.RequestPayment{}, err
	}
	outTradeNo := payment.OutTradeNo(o.ID, o.PayAttempt)
	rp, err := c.payments.Prepay(ctx, payment.PrepayInput{OutTradeNo: outTradeNo, Description: describe(b, o),
		Amount: o.Amount, PayerOpenID: openID, ExpiresAt: o.ExpiresAt, ProfitSharing: true,
		Attach: "order/" + strconv.FormatInt(o.ID, 10)})
	if err != nil {
		return payment.RequestPayment{}, err
	}
	// The order may have been cancelled (withdrawn, batch cancelled) while WeChat was asked:
	// nobody has the parameters yet, so closing the WeChat order now makes it unpayable.
	now, err := c.repo.Get(ctx, o.ID)
	if err != nil {
		return payment.RequestPayment{}, err
	}
	if now.Status != PendingPayment {
		if _, cerr := c.payments.Close(ctx, outTradeNo); cerr != nil {
			return payment.RequestPayment{}, errors.Join(Lifecycle.Refuse(now.Status, "pay"), cerr)
		}
		return payment.RequestPayment{}, Lifecycle.Refuse(now.Status, "pay")
	}
	return rp, nil
}

func describe(b *presale.Batch, o *Order) string {
	d := b.Title
	if len(o.Lines) > 0 {
		d += " · " + o.Lines[0].Title
	}
	if r := []rune(d); len(r) > 120 {
		d = string(r[:120])
	}
	return d
}

// nextAttempt moves the order to a new out_trade_no after a failed payment.
func (c *Checkout) nextAttempt(ctx context.Context, o *Order) (*Order, error) {
	var out *Order
	err := c.tx.InTx(ctx, func(ctx context.Context) error {
		cur, err := c.repo.Lock(ctx, o.ID)
		if err != nil {
			return err
		}
		if cur.PayAttempt == o.PayAttempt {
			cur.PayAttempt++
			if err := c.repo.Save(ctx, cur); err != nil {
				return err
			}
		}
		out = cur
		return nil
	})
	return out, err
}
