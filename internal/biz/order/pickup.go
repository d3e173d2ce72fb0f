package order

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// Arrival is the goods of a batch reaching one leader's pickup point (到货).
type Arrival struct {
	BatchID   int64
	LeaderID  int64
	ArrivedAt time.Time
	// MarkedBy says who marked it: "leader:<user id>" or "ops:<console id>".
	MarkedBy string
	// OrdersReady counts the orders this marking made ready: 0 when it was marked before.
	OrdersReady int
}

// Notice kinds.
const (
	NoticeArrived  = "arrived"
	NoticeRefunded = "refunded"
)

// Notice is a message for a shopper, listed in the mini-program; one per order and kind.
type Notice struct {
	ID        int64
	UserID    int64
	OrderID   int64
	Kind      string
	Title     string
	Body      string
	CreatedAt time.Time
	ReadAt    time.Time
}

// ItemQty is a quantity of one batch item.
type ItemQty struct {
	ItemID int64
	Title  string
	Spec   string
	Unit   string
	Qty    int64
}

// PickTotal is one item's units at a pickup point, by their order's status.
type PickTotal struct {
	ItemQty        // Qty is every unit below
	Paid     int64 // not arrived yet
	Ready    int64 // waiting for the shopper
	PickedUp int64 // handed out (picked up or completed)
}

// Bag is one order as the leader packs and hands it out.
type Bag struct {
	OrderID int64
	// Shopper is a short label to call out: the order number's last digits. No phone number.
	Shopper string
	Status  Status
	Lines   []ItemQty
}

// PickList is a batch at one pickup point.
type PickList struct {
	BatchID    int64
	LeaderID   int64
	PickupDate string
	Arrived    bool
	ArrivedAt  time.Time
	Totals     []PickTotal
	Bags       []Bag
}

// DispatchStop is one pickup point on a grid's route.
type DispatchStop struct {
	LeaderID  int64
	PointName string
	Address   string
	Orders    int64
	Lines     []ItemQty
	Arrived   bool
}

// DispatchGrid is what goes to one grid, stop by stop.
type DispatchGrid struct {
	Cell         string
	Name         string
	RouteLabel   string
	StationLabel string
	Stops        []DispatchStop
	Totals       []ItemQty
}

// DispatchList is a batch's goods per grid and pickup point.
type DispatchList struct {
	BatchID    int64
	PickupDate string
	Grids      []DispatchGrid
	Totals     []ItemQty
}

// Pickup limits.
const (
	// maxVerifyFailures within verifyWindow lock a leader's verification: with 10¹² codes, a
	// guesser gets nowhere, and a leader mistyping still has room.
	maxVerifyFailures = 30
	verifyWindow      = 15 * time.Minute
	// notifyAttempts bounds the deliveries of one arrival message that fail for another
	// reason than the user's refusal; the notice in the app remains either way.
	notifyAttempts = 5
	notifyOnceTTL  = 7 * 24 * time.Hour
	// batchScan is how often the sweeper looks for batches to move and late-paid orders.
	batchScan = 30 * time.Second
	// pickupSweep is how many orders or batches one sweep step takes; completeRounds bounds
	// the completion rounds of one tick.
	pickupSweep    = 200
	completeRounds = 10
)

// listed are the statuses whose goods travel and are handed out: they make the pick and
// dispatch lists. Refunded units are left out line by line.
var listed = []Status{Paid, Ready, PickedUp, Completed}

// Pickup is the pickup day: pick and dispatch lists, arrivals, pickup verification (核销) and the
// sweeps that flag overdue orders and complete orders and batches.
type Pickup struct {
	repo    PickupRepo
	guard   PickupGuard
	orders  Repo
	batches presale.Repo
	leaders leader.Repo
	events  event.Publisher
	tx      port.Transactor
	qr      *QRSigner
	msg     Messenger
	cfg     Config
	now     port.Clock

	mu        sync.Mutex
	lastBatch time.Time
}

// NewPickup builds the pickup use cases. msg may be nil: notices are then only in the app.
func NewPickup(repo PickupRepo, guard PickupGuard, orders Repo, batches presale.Repo, leaders leader.Repo,
	events event.Publisher, tx port.Transactor, qr *QRSigner, msg Messenger, cfg Config, now port.Clock) *Pickup {
	return &Pickup{repo: repo, guard: guard, orders: orders, batches: batches, leaders: leaders, events: events,
		tx: tx, qr: qr, msg: msg, cfg: cfg, now: now}
}

// afterCutoff refuses a list of a batch still taking orders (or cancelled): its quantities are
// not final.
func afterCutoff(b *presale.Batch, action string) error {
	switch b.Status {
	case presale.Closed, presale.Dispatched, presale.Arrived, presale.Completed:
		return nil
	}
	return &presale.TransitionError{From: b.Status, Action: action}
}

// PickList is the caller's pickup point's part of a batch: per item totals and per order bags.
func (p *Pickup) PickList(ctx context.Context, leaderUserID, batchID int64) (*PickList, error) {
	l, err := p.leaders.GetByUser(ctx, leaderUserID)
	if err != nil {
		return nil, err
	}
	b, err := p.batches.Get(ctx, batchID)
	if err != nil {
		return nil, err
	}
	if err := afterCutoff(b, "list its goods before the cut-off"); err != nil {
		return nil, err
	}
	rows, err := p.repo.PickRows(ctx, b.ID, l.ID, listed)
	if err != nil {
		return nil, err
	}
	arrivals, err := p.repo.Arrivals(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	pl := buildPickList(b, l.ID, rows)
	for _, a := range arrivals {
		if a.LeaderID == l.ID {
			pl.Arrived, pl.ArrivedAt = true, a.ArrivedAt
		}
	}
	return pl, nil
}

// shopperLabel is what a leader calls out for a bag: the last four digits of the order number,
// which the shopper sees in its order. Phone numbers stay sealed.
func shopperLabel(orderID int64) string { return fmt.Sprintf("订单尾号%04d", orderID%10000) }

func itemQty(b *presale.Batch, itemID, qty int64) ItemQty {
	q := ItemQty{ItemID: itemID, Qty: qty}
	if it, ok := b.Item(itemID); ok {
		q.Title, q.Spec, q.Unit = it.Title, it.Spec, it.Unit
	}
	return q
}

// buildPickList groups the rows (ordered by order and line) into bags and sums them per item
// in the batch's item order. Lines fully refunded are left out, and so are bags left empty.
func buildPickList(b *presale.Batch, leaderID int64, rows []PickRow) *PickList {
	pl := &PickList{BatchID: b.ID, LeaderID: leaderID, PickupDate: b.PickupDay()}
	totals := map[int64]*PickTotal{}
	for _, r := range rows {
		if r.Qty <= 0 {
			continue
		}
		if n := len(pl.Bags); n == 0 || pl.Bags[n-1].OrderID != r.OrderID {
			pl.Bags = append(pl.Bags, Bag{OrderID: r.OrderID, Shopper: shopperLabel(r.OrderID), Status: r.Status})
		}
		bag := &pl.Bags[len(pl.Bags)-1]
		bag.Lines = append(bag.Lines, itemQty(b, r.ItemID, r.Qty))
		t := totals[r.ItemID]
		if t == nil {
			t = &PickTotal{ItemQty: itemQty(b, r.ItemID, 0)}
			totals[r.ItemID] = t
		}
		t.Qty += r.Qty
		switch r.Status {
		case Paid:
			t.Paid += r.Qty
		case Ready:
			t.Ready += r.Qty
		default:
			t.PickedUp += r.Qty
		}
	}
	for _, t := range totals {
		pl.Totals = append(pl.Totals, *t)
	}
	slices.SortFunc(pl.Totals, func(a, c PickTotal) int { return cmp.Compare(itemRank(b, a.ItemID), itemRank(b, c.ItemID)) })
	return pl
}

// itemRank orders items as the batch lists them; unknown ones go last by id.
func itemRank(b *presale.Batch, itemID int64) int64 {
	i := slices.IndexFunc(b.Items, func(it presale.Item) bool { return it.ID == itemID })
	if i < 0 {
		return int64(len(b.Items)) + itemID
	}
	return int64(i)
}

// DispatchList is a batch's goods per grid (with its route and station labels) and per pickup
// point, for ops loading the trucks.
func (p *Pickup) DispatchList(ctx context.Context, batchID int64) (*DispatchList, error) {
	b, err := p.batches.Get(ctx, batchID)
	if err != nil {
		return nil, err
	}
	if err := afterCutoff(b, "list its goods before the cut-off"); err != nil {
		return nil, err
	}
	rows, err := p.repo.DispatchRows(ctx, b.ID, listed)
	if err != nil {
		return nil, err
	}
	arrivals, err := p.repo.Arrivals(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	return buildDispatchList(b, rows, arrivals), nil
}

// buildDispatchList orders grids by cell, stops by leader id, lines in the batch's item order,
// and sums per grid and over the batch.
func buildDispatchList(b *presale.Batch, rows *DispatchRows, arrivals []Arrival) *DispatchList {
	dl := &DispatchList{BatchID: b.ID, PickupDate: b.PickupDay()}
	arrived := map[int64]bool{}
	for _, a := range arrivals {
		arrived[a.LeaderID] = true
	}
	type stopKey struct {
		grid   string
		leader int64
	}
	grids := map[string]*DispatchGrid{}
	stops := map[stopKey]*DispatchStop{}
	stop := func(grid string, leaderID int64) *DispatchStop {
		k := stopKey{grid, leaderID}
		if s := stops[k]; s != nil {
			return s
		}
		if grids[grid] == nil {
			info := rows.Grids[grid]
			grids[grid] = &DispatchGrid{Cell: grid, Name: info.Name, RouteLabel: info.RouteLabel,
				StationLabel: info.StationLabel}
		}
		pt := rows.Stops[leaderID]
		s := &DispatchStop{LeaderID: leaderID, PointName: pt.Name, Address: pt.Address, Arrived: arrived[leaderID]}
		stops[k] = s
		return s
	}
	for _, o := range rows.Orders {
		stop(o.Grid, o.LeaderID).Orders += o.Orders
	}
	gridTotals := map[string]map[int64]int64{}
	all := map[int64]int64{}
	for _, l := range rows.Lines {
		if l.Qty <= 0 {
			continue
		}
		s := stop(l.Grid, l.LeaderID)
		s.Lines = append(s.Lines, itemQty(b, l.ItemID, l.Qty))
		if gridTotals[l.Grid] == nil {
			gridTotals[l.Grid] = map[int64]int64{}
		}
		gridTotals[l.Grid][l.ItemID] += l.Qty
		all[l.ItemID] += l.Qty
	}
	byItem := func(a, c ItemQty) int { return cmp.Compare(itemRank(b, a.ItemID), itemRank(b, c.ItemID)) }
	sums := func(m map[int64]int64) []ItemQty {
		out := make([]ItemQty, 0, len(m))
		for id, q := range m {
			out = append(out, itemQty(b, id, q))
		}
		slices.SortFunc(out, byItem)
		return out
	}
	for k, s := range stops {
		slices.SortFunc(s.Lines, byItem)
		g := grids[k.grid]
		g.Stops = append(g.Stops, *s)
	}
	for cell, g := range grids {
		slices.SortFunc(g.Stops, func(a, c DispatchStop) int { return cmp.Compare(a.LeaderID, c.LeaderID) })
		g.Totals = sums(gridTotals[cell])
		dl.Grids = append(dl.Grids, *g)
	}
	slices.SortFunc(dl.Grids, func(a, c DispatchGrid) int { return cmp.Compare(a.Cell, c.Cell) })
	dl.Totals = sums(all)
	return dl
}

// Arrive marks, for ops, the goods of a batch arrived at a leader's point.
func (p *Pickup) Arrive(ctx context.Context, batchID, leaderID int64, by string) (*Arrival, error) {
	l, err := p.leaders.Get(ctx, leaderID)
	if err != nil {
		return nil, err
	}
	return p.arrive(ctx, batchID, l, by)
}

// ConfirmArrival is the leader saying the goods reached its own point.
func (p *Pickup) ConfirmArrival(ctx context.Context, leaderUserID, batchID int64) (*Arrival, error) {
	l, err := p.leaders.GetByUser(ctx, leaderUserID)
	if err != nil {
		return nil, err
	}
	return p.arrive(ctx, batchID, l, "leader:"+strconv.FormatInt(leaderUserID, 10))
}

// arrive records the arrival and makes the point's paid orders ready, in one transaction under
// the batch's row lock: arrivals of one batch take turns, so the last one sees every other and
// moves the batch to arrived. Only a dispatched (or already arrived) batch takes arrivals: the
// goods cannot be at a point before they left the warehouse. A repeated marking changes
// nothing.
func (p *Pickup) arrive(ctx context.Context, batchID int64, l *leader.Leader, by string) (*Arrival, error) {
	var out *Arrival
	err := p.tx.InTx(ctx, func(ctx context.Context) error {
		b, err := p.batches.Lock(ctx, batchID)
		if err != nil {
			return err
		}
		if b.Status != presale.Dispatched && b.Status != presale.Arrived {
			return &presale.TransitionError{From: b.Status, Action: "mark goods arrived (only once dispatched)"}
		}
		now := p.now()
		a, created, err := p.repo.AddArrival(ctx, Arrival{BatchID: b.ID, LeaderID: l.ID, ArrivedAt: now, MarkedBy: by})
		if err != nil {
			return err
		}
		out = a
		if !created {
			out.OrdersReady = 0
			return nil
		}
		if out.OrdersReady, err = p.makeReady(ctx, b.ID, l, now); err != nil {
			return err
		}
		return p.maybeArrived(ctx, b)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// maybeArrived moves a dispatched batch, locked by the caller, to arrived when no point with
// paid orders is still waiting for its goods.
func (p *Pickup) maybeArrived(ctx context.Context, b *presale.Batch) error {
	if b.Status != presale.Dispatched {
		return nil
	}
	waiting, err := p.repo.PointsWaiting(ctx, b.ID)
	if err != nil || waiting > 0 {
		return err
	}
	b.Status = presale.Arrived
	return p.batches.SaveStatus(ctx, b)
}

// makeReady moves the leader's paid orders of the batch to ready, leaves each shopper a notice
// and publishes TopicReady per order, in the caller's transaction.
func (p *Pickup) makeReady(ctx context.Context, batchID int64, l *leader.Leader, at time.Time) (int, error) {
	orders, err := p.repo.MakeReady(ctx, batchID, l.ID, at)
	if err != nil || len(orders) == 0 {
		return 0, err
	}
	notices := make([]Notice, len(orders))
	for i, o := range orders {
		notices[i] = arrivedNotice(o, l, at)
	}
	if err := p.repo.AddNotices(ctx, notices); err != nil {
		return 0, err
	}
	for _, o := range orders {
		o.Status, o.ReadyAt = Ready, at
		if err := p.publish(ctx, TopicReady, o, at); err != nil {
			return 0, err
		}
	}
	return len(orders), nil
}

func arrivedNotice(o *Order, l *leader.Leader, at time.Time) Notice {
	body := fmt.Sprintf("您的订单%d已送达自提点「%s」（%s），请凭取货码前往提货。", o.ID, l.Point.Name, l.Point.Address)
	if l.Point.OpeningHours != "" {
		body += "营业时间：" + l.Point.OpeningHours
	}
	return Notice{UserID: o.UserID, OrderID: o.ID, Kind: NoticeArrived, Title: "商品已到货，请及时提货",
		Body: clipRunes(body, 256), CreatedAt: at}
}

// clipRunes cuts s to at most n runes.
func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func (p *Pickup) publish(ctx context.Context, topic string, o *Order, at time.Time) error {
	return event.PublishJSON(ctx, p.events, topic, "order/"+strconv.FormatInt(o.ID, 10), Changed{
		OrderID: o.ID, UserID: o.UserID, LeaderID: o.LeaderID, BatchID: o.BatchID, Status: o.Status,
		Amount: o.Amount, At: at})
}

// Handle registers the sender of "goods arrived" subscription messages.
func (p *Pickup) Handle(d *event.Dispatcher) { d.Handle(TopicReady, p.notifyReady) }

// notifyReady sends the arrival message once per order (a delivery repeated by the outbox finds
// the claim taken). It is best effort: a user who did not subscribe is no failure, and after
// notifyAttempts failed tries the app's notice is all the shopper gets.
func (p *Pickup) notifyReady(ctx context.Context, e event.Event) error {
	if p.msg == nil {
		return nil
	}
	var ch Changed
	if err := e.Decode(&ch); err != nil {
		return err
	}
	key := "notify:" + NoticeArrived + ":" + strconv.FormatInt(ch.OrderID, 10)
	first, err := p.guard.Once(ctx, key, notifyOnceTTL)
	if err != nil || !first {
		return err
	}
	n, err := p.repo.Notice(ctx, ch.OrderID, NoticeArrived)
	if err == nil {
		err = p.msg.Notify(ctx, ch.UserID, *n)
	}
	switch {
	case err == nil, errors.Is(err, ErrMessageRefused), errors.Is(err, bizerr.ErrNotFound):
		return nil
	case e.Attempts >= notifyAttempts:
		return nil // given up: the notice is in the app
	}
	if ferr := p.guard.Forget(context.WithoutCancel(ctx), key); ferr != nil {
		return errors.Join(err, ferr)
	}
	return fmt.Errorf("arrival message for order %d: %w", ch.OrderID, err)
}

// Verify hands an order out (核销): the shopper shows its QR or reads out its code; the order
// must be the caller's point's and ready. Any code that is not one of the caller's ready orders
// — unknown, another leader's, already used — is ErrPickupCode, alike. Failed attempts are
// counted per leader and stop verification for a while past maxVerifyFailures.
func (p *Pickup) Verify(ctx context.Context, leaderUserID int64, code, qr string) (*Order, error) {
	if (code == "") == (qr == "") {
		return nil, bizerr.Invalid("code", "give exactly one of code and qr")
	}
	l, err := p.leaders.GetByUser(ctx, leaderUserID)
	if err != nil {
		return nil, err
	}
	n, err := p.guard.Failures(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	if n >= maxVerifyFailures {
		return nil, fmt.Errorf("pickup verification of leader %d: %d failures: %w", l.ID, n, bizerr.ErrRateLimited)
	}
	o, err := p.verify(ctx, l.ID, code, qr)
	if errors.Is(err, ErrPickupCode) {
		if ferr := p.guard.Fail(context.WithoutCancel(ctx), l.ID, verifyWindow); ferr != nil {
			return nil, errors.Join(err, ferr)
		}
	}
	return o, err
}

func (p *Pickup) verify(ctx context.Context, leaderID int64, code, qr string) (*Order, error) {
	var orderID int64
	if qr != "" {
		id, c, err := p.qr.Open(qr)
		if err != nil {
			return nil, err
		}
		orderID, code = id, c
	} else if !ValidCode(code) {
		return nil, ErrPickupCode
	}
	var out *Order
	err := p.tx.InTx(ctx, func(ctx context.Context) error {
		id := orderID
		if id == 0 {
			found, err := p.repo.OrderByCode(ctx, leaderID, code)
			if errors.Is(err, bizerr.ErrNotFound) {
				return ErrPickupCode
			}
			if err != nil {
				return err
			}
			id = found
		}
		o, err := p.orders.Lock(ctx, id)
		if errors.Is(err, bizerr.ErrNotFound) {
			return ErrPickupCode
		}
		if err != nil {
			return err
		}
		if o.LeaderID != leaderID || subtle.ConstantTimeCompare([]byte(o.PickupCode), []byte(code)) != 1 {
			return ErrPickupCode
		}
		switch o.Status {
		case Ready:
		case Paid:
			// The caller's own order with the right code: say what is missing.
			return &StateError{From: o.Status, Action: "hand out before the goods are marked arrived"}
		default:
			return ErrPickupCode // used, refunded, …: single use
		}
		now := p.now()
		o.Status, o.PickedUpAt = PickedUp, now
		if err := p.orders.Save(ctx, o); err != nil {
			return err
		}
		out = o
		return p.publish(ctx, TopicPickedUp, o, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Tick flags overdue ready orders, completes picked-up orders whose after-sales window passed,
// and, every batchScan, makes ready the orders paid after their point's arrival and moves
// batches on (dispatched → arrived, arrived → completed). Every replica may run it.
func (p *Pickup) Tick(ctx context.Context) error {
	now := p.now()
	var errs []error
	if _, err := p.repo.FlagOverdue(ctx, now.Add(-p.cfg.PickupOverdue), now); err != nil {
		errs = append(errs, fmt.Errorf("flag overdue orders: %w", err))
	}
	errs = append(errs, p.completeOrders(ctx, now))
	p.mu.Lock()
	scan := now.Sub(p.lastBatch) >= batchScan
	if scan {
		p.lastBatch = now
	}
	p.mu.Unlock()
	if scan {
		errs = append(errs, p.lateArrivals(ctx), p.moveBatches(ctx))
	}
	return errors.Join(errs...)
}

// completeOrders completes picked-up orders past the after-sales window, set-based: each round
// moves up to pickupSweep orders and publishes TopicCompleted for each in the same transaction.
// An order with an after-sales request still open waits for its outcome.
func (p *Pickup) completeOrders(ctx context.Context, now time.Time) error {
	for range completeRounds {
		n := 0
		err := p.tx.InTx(ctx, func(ctx context.Context) error {
			done, err := p.repo.CompleteDue(ctx, now.Add(-p.cfg.AfterSalesWindow), pickupSweep)
			if err != nil {
				return err
			}
			n = len(done)
			for _, o := range done {
				o.Status = Completed
				if err := p.publish(ctx, TopicCompleted, o, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("complete picked-up orders: %w", err)
		}
		if n < pickupSweep {
			return nil
		}
	}
	return nil
}

// lateArrivals makes ready the orders paid after their point's goods were marked arrived (a
// payment that landed late), as the arrival would have.
func (p *Pickup) lateArrivals(ctx context.Context) error {
	pairs, err := p.repo.LateArrivals(ctx, pickupSweep)
	if err != nil {
		return fmt.Errorf("late-paid orders: %w", err)
	}
	var errs []error
	for _, a := range pairs {
		l, err := p.leaders.Get(ctx, a.LeaderID)
		if err == nil {
			err = p.tx.InTx(ctx, func(ctx context.Context) error {
				_, err := p.makeReady(ctx, a.BatchID, l, p.now())
				return err
			})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("late orders of batch %d at leader %d: %w", a.BatchID, a.LeaderID, err))
		}
	}
	return errors.Join(errs...)
}

// moveBatches moves dispatched batches with no point waiting to arrived (the last waiting
// point's orders were refunded, say) and arrived batches with no open order to completed,
// each under its row lock after checking again.
func (p *Pickup) moveBatches(ctx context.Context) error {
	var errs []error
	for _, from := range []presale.Status{presale.Dispatched, presale.Arrived} {
		ids, err := p.repo.BatchesDue(ctx, from, pickupSweep)
		if err != nil {
			errs = append(errs, fmt.Errorf("batches due from %s: %w", from, err))
			continue
		}
		for _, id := range ids {
			err := p.tx.InTx(ctx, func(ctx context.Context) error {
				b, err := p.batches.Lock(ctx, id)
				if err != nil || b.Status != from {
					return err
				}
				if from == presale.Dispatched {
					return p.maybeArrived(ctx, b)
				}
				open, err := p.repo.OpenOrders(ctx, b.ID)
				if err != nil || open > 0 {
					return err
				}
				b.Status = presale.Completed
				return p.batches.SaveStatus(ctx, b)
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("move batch %d from %s: %w", id, from, err))
			}
		}
	}
	return errors.Join(errs...)
}

func pickupPage(limit int) int {
	if limit <= 0 || limit > 100 {
		return 20
	}
	return limit
}

// Overdue pages through orders waiting at pickup points longer than Config.PickupOverdue.
func (p *Pickup) Overdue(ctx context.Context, afterID int64, limit int) ([]*Order, error) {
	return p.repo.Overdue(ctx, afterID, pickupPage(limit))
}

// Notices pages through a shopper's notices, newest first.
func (p *Pickup) Notices(ctx context.Context, userID, beforeID int64, limit int) ([]*Notice, error) {
	return p.repo.Notices(ctx, userID, beforeID, pickupPage(limit))
}

// MyBatches pages through the batches with orders at the caller's pickup point, newest first.
func (p *Pickup) MyBatches(ctx context.Context, leaderUserID, beforeID int64, limit int) ([]*presale.Batch, error) {
	l, err := p.leaders.GetByUser(ctx, leaderUserID)
	if err != nil {
		return nil, err
	}
	return p.repo.LeaderBatches(ctx, l.ID, beforeID, pickupPage(limit))
}
