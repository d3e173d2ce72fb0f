package data_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/ent/orderline"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/data/leaderstore"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// raceStep is one thing that happens to an order after it is paid: its paid event (delivered
// copies times), a refund of units per line, or its completion.
type raceStep struct {
	kind   string // "paid", "refund", "complete"
	copies int
	units  map[int64]int64 // refund: line id → units; nil: everything left (a cancellation)
}

type raceEvent struct {
	topic string
	ev    event.Event
}

// raceQueue hands out events in random order to any number of consumers.
type raceQueue struct {
	mu     sync.Mutex
	rng    *rand.Rand
	items  []raceEvent
	closed bool
}

func (q *raceQueue) push(e raceEvent) {
	q.mu.Lock()
	q.items = append(q.items, e)
	q.mu.Unlock()
}

// pop takes a random event; ok false once the queue is closed and empty.
func (q *raceQueue) pop() (raceEvent, bool, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return raceEvent{}, false, q.closed
	}
	i := q.rng.IntN(len(q.items))
	e := q.items[i]
	q.items[i] = q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return e, true, false
}

// Many orders of several leaders (some with an upline, under a global plan) are paid, refunded in
// part or in full and completed while 50 consumers deliver their events in random order, paid
// events sometimes twice. The ledger must stay sound, balances must match the entries, reversals
// must match the refunded units, and replaying everything must post nothing.
func TestCommissionFlowsUnderConcurrency(t *testing.T) {
	c := newCpEnv(t)
	ctx := t.Context()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 7))

	// Leaders: A (upline B) and B from the env; C (upline B), D (upline A), E (none).
	leaders := leaderstore.NewLeaderRepo(c.data, c.keys)
	pickupCell, err := geo.CellAt(peoplesSquare, 9)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(userID int64, name, invite string, upline ...int64) *leader.Leader {
		l, err := leaders.Create(ctx, &leader.Leader{UserID: userID, Status: leader.StatusApproved, RealName: "团长",
			Phone: "13800000000", InviteCode: invite, Point: leader.PickupPoint{Name: name, Address: name + "路1号",
				Location: peoplesSquare, OpeningHours: "08:00-20:00", PickupCell: pickupCell, GridCell: c.grid}})
		if err != nil {
			t.Fatal(err)
		}
		if len(upline) > 0 {
			up := make([]int, len(upline))
			for i, u := range upline {
				up[i] = int(u)
			}
			c.db.Leader.UpdateOneID(int(l.ID)).SetUpline(up).ExecX(ctx)
		}
		return l
	}
	lc := mk(9103, "丙点", "INVC0001", c.b.ID)
	ld := mk(9104, "丁点", "INVD0001", c.a.ID, c.b.ID)
	le := mk(9105, "戊点", "INVE0001")
	all := []*leader.Leader{c.a, c.b, lc, ld, le}
	upline := map[int64]int64{c.a.ID: c.b.ID, lc.ID: c.b.ID, ld.ID: c.a.ID}

	const overrideBP = 500
	c.createPlan("", time.Time{}, overrideBP)
	paidAt := c.clock.Now().Add(30 * time.Second)
	c.clock.Advance(time.Minute)

	// Orders of random lines at assorted rates (2800 bp plus the override exceeds the cap).
	const nOrders = 100
	rates := []int{1000, 777, 1234, 2800, 0}
	type raceOrder struct {
		id     int64
		leader int64
		amount int64
		steps  []raceStep
	}
	orders := make([]*raceOrder, 0, nOrders)
	for range nOrders {
		q0, q1 := rng.Int64N(5), rng.Int64N(5)
		if q0+q1 == 0 {
			q0 = 1
		}
		l := all[rng.IntN(len(all))]
		o := c.pkOrder(l, entorder.StatusPaid, q0, q1)
		c.db.Order.UpdateOne(o).SetPaidAt(paidAt).ExecX(ctx)
		for _, ln := range c.db.OrderLine.Query().Where(orderline.OrderID(o.ID)).AllX(ctx) {
			// Immutable in the schema: set by hand to stand for items of other rates.
			if _, err := c.stack.db.SQL.ExecContext(ctx, `UPDATE order_lines SET commission_bp = $1 WHERE id = $2`,
				rates[rng.IntN(len(rates))], ln.ID); err != nil {
				t.Fatal(err)
			}
		}
		orders = append(orders, &raceOrder{id: int64(o.ID), leader: l.ID, amount: o.Amount})
	}

	// What happens to each order: paid (once or twice), then a random story of refunds and
	// completion, refunds possibly after completion.
	for _, ro := range orders {
		o, err := c.orders.Get(ctx, ro.id)
		if err != nil {
			t.Fatal(err)
		}
		left := map[int64]int64{}
		for _, ln := range o.Lines {
			left[ln.ID] = ln.Quantity
		}
		remaining := func() int64 {
			var n int64
			for _, x := range left {
				n += x
			}
			return n
		}
		partial := func() raceStep {
			u := map[int64]int64{}
			for id, x := range left {
				if x > 0 && rng.IntN(2) == 0 {
					u[id] = 1 + rng.Int64N(x)
					left[id] -= u[id]
				}
			}
			return raceStep{kind: "refund", units: u}
		}
		full := func() raceStep {
			for id := range left {
				left[id] = 0
			}
			return raceStep{kind: "refund"}
		}
		ro.steps = append(ro.steps, raceStep{kind: "paid", copies: 1 + rng.IntN(2)})
		switch rng.IntN(6) {
		case 0: // paid only
		case 1: // partial refunds
			for range 1 + rng.IntN(3) {
				if s := partial(); len(s.units) > 0 {
					ro.steps = append(ro.steps, s)
				}
			}
		case 2: // partial refunds then the rest
			if s := partial(); len(s.units) > 0 {
				ro.steps = append(ro.steps, s)
			}
			if remaining() > 0 {
				ro.steps = append(ro.steps, full())
			}
		case 3: // full refund
			ro.steps = append(ro.steps, full())
		case 4: // completed
			ro.steps = append(ro.steps, raceStep{kind: "complete"})
		case 5: // maybe partial refund, completed, refunds after completion
			if rng.IntN(2) == 0 {
				if s := partial(); len(s.units) > 0 {
					ro.steps = append(ro.steps, s)
				}
			}
			if remaining() > 0 {
				ro.steps = append(ro.steps, raceStep{kind: "complete"})
				if s := partial(); len(s.units) > 0 {
					ro.steps = append(ro.steps, s)
				}
				if remaining() > 0 && rng.IntN(2) == 0 {
					ro.steps = append(ro.steps, full())
				}
			}
		}
	}

	store := c.store
	flows := c.flows
	var eventID atomic.Int64
	var delivered []raceEvent // every distinct event, for the replay
	var deliveredMu sync.Mutex
	q := &raceQueue{rng: rand.New(rand.NewPCG(uint64(seed), 11))}

	publish := func(topic string, ch order.Changed, copies int) {
		b, err := json.Marshal(ch)
		if err != nil {
			panic(err)
		}
		e := raceEvent{topic: topic, ev: event.Event{ID: eventID.Add(1), Payload: b}}
		deliveredMu.Lock()
		delivered = append(delivered, e)
		deliveredMu.Unlock()
		for range copies {
			q.push(e)
		}
	}
	changed := func(o *order.Order) order.Changed {
		return order.Changed{OrderID: o.ID, UserID: o.UserID, LeaderID: o.LeaderID, BatchID: o.BatchID,
			Status: o.Status, Amount: o.Amount, At: c.clock.Now()}
	}

	// Producers: each order's story, one step after another, the order's state written in its
	// own transaction before its event is published (as the outbox does it).
	var refundSeq atomic.Int64
	var producers sync.WaitGroup
	var prodErrs sync.Map
	for _, ro := range orders {
		producers.Add(1)
		go func() {
			defer producers.Done()
			prng := rand.New(rand.NewPCG(uint64(seed), uint64(ro.id)))
			for _, s := range ro.steps {
				time.Sleep(time.Duration(prng.IntN(3000)) * time.Microsecond)
				if s.kind == "paid" {
					o, err := c.orders.Get(ctx, ro.id)
					if err != nil {
						prodErrs.Store(ro.id, err)
						return
					}
					publish(order.TopicPaid, changed(o), s.copies)
					continue
				}
				var ch order.Changed
				topic := order.TopicCompleted
				err := c.data.InTx(ctx, func(ctx context.Context) error {
					o, err := c.orders.Lock(ctx, ro.id)
					if err != nil {
						return err
					}
					if s.kind == "complete" {
						o.Status = order.Completed
						if err := c.orders.Save(ctx, o); err != nil {
							return err
						}
						ch = changed(o)
						return nil
					}
					topic = order.TopicRefunded
					var lines []order.RefundedLine
					var amount int64
					for i := range o.Lines {
						ln := &o.Lines[i]
						u := ln.Quantity - ln.RefundedQty
						if s.units != nil {
							u = s.units[ln.ID]
						}
						if u <= 0 {
							continue
						}
						a := ln.Price * u
						if s.units == nil {
							a = ln.Amount - ln.RefundedAmount
						}
						ln.RefundedQty += u
						ln.RefundedAmount += a
						amount += a
						lines = append(lines, order.RefundedLine{LineID: ln.ID, Quantity: u, Amount: a})
					}
					o.Refunded += amount
					done := true
					for _, ln := range o.Lines {
						done = done && ln.RefundedQty >= ln.Quantity
					}
					if done {
						o.Status = order.Refunded
					}
					if err := c.orders.Save(ctx, o); err != nil {
						return err
					}
					ch = changed(o)
					ch.RefundNo, ch.RefundAmount, ch.RefundLines = payment.OutRefundNo(o.ID, refundSeq.Add(1)), amount, lines
					return nil
				})
				if err != nil {
					prodErrs.Store(ro.id, err)
					return
				}
				publish(topic, ch, 1)
			}
		}()
	}
	go func() {
		producers.Wait()
		q.mu.Lock()
		q.closed = true
		q.mu.Unlock()
	}()

	handle := func(ctx context.Context, e raceEvent) error {
		switch e.topic {
		case order.TopicPaid:
			return flows.OnPaid(ctx, e.ev)
		case order.TopicRefunded:
			return flows.OnRefunded(ctx, e.ev)
		default:
			return flows.OnCompleted(ctx, e.ev)
		}
	}
	// deliver retries like the dispatcher does; every failure is recorded.
	var failMu sync.Mutex
	var failures []string
	deliver := func(e raceEvent) {
		for attempt := range 8 {
			err := handle(ctx, e)
			if err == nil {
				return
			}
			failMu.Lock()
			failures = append(failures, fmt.Sprintf("%s event %d attempt %d: %v", e.topic, e.ev.ID, attempt, err))
			failMu.Unlock()
			time.Sleep(time.Duration(1+attempt) * 5 * time.Millisecond)
		}
		t.Errorf("%s event %d %s: gave up", e.topic, e.ev.ID, e.ev.Payload)
	}

	const consumers = 50
	var wg sync.WaitGroup
	for range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				e, ok, closed := q.pop()
				if !ok {
					if closed {
						return
					}
					time.Sleep(200 * time.Microsecond)
					continue
				}
				deliver(e)
			}
		}()
	}
	wg.Wait()
	prodErrs.Range(func(k, v any) bool {
		t.Errorf("producer of order %v: %v", k, v)
		return true
	})
	// Handlers are retried as the dispatcher retries them; a failure that went away on retry is
	// still a failure of the flows (deadlocks between their lock orders), reported, and the
	// state checked all the same.
	for _, f := range failures {
		t.Errorf("handler failed (retried): %s", f)
	}
	if len(failures) > 0 {
		t.Errorf("%d handler failures before retries succeeded", len(failures))
	}
	t.Logf("%d orders, %d distinct events delivered by %d consumers", len(orders), len(delivered), consumers)

	// The ledger is sound.
	rep, err := c.book.Check(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("ledger check = %+v, %v", rep, err)
	}
	if _, total, err := c.views.TrialBalance(ctx); err != nil || total != 0 {
		t.Fatalf("trial balance = %d, %v", total, err)
	}

	// Entries against the orders as they now stand.
	type sums struct{ pending, settleable, receivable int64 }
	want := map[int64]*sums{}
	for _, l := range all {
		want[l.ID] = &sums{}
	}
	var wantTx int
	var clearing int64
	for _, ro := range orders {
		o, err := c.orders.Get(ctx, ro.id)
		if err != nil {
			t.Fatal(err)
		}
		es, err := store.OrderEntries(ctx, ro.id)
		if err != nil {
			t.Fatal(err)
		}
		completed := false
		refunds := 0
		for _, s := range ro.steps {
			completed = completed || s.kind == "complete"
			if s.kind == "refund" {
				refunds++
			}
		}
		clearing += o.Amount - o.Refunded
		// Expected shares of each line.
		type key struct {
			line  int64
			level int
		}
		exp := map[key]commission.Entry{}
		for _, ln := range o.Lines {
			chain := []int64{ro.leader}
			if up, ok := upline[ro.leader]; ok {
				chain = append(chain, up)
			}
			for _, s := range commission.Split([]commission.LineInput{{LineID: ln.ID, Amount: ln.Amount, RateBP: ln.CommissionBP}},
				chain, []int{overrideBP}, commission.DefaultCapBP) {
				exp[key{ln.ID, s.Level}] = commission.Entry{LeaderID: s.LeaderID, Amount: s.Amount,
					Reversed: commission.Reversal(s.Amount, 0, ln.Quantity, ln.RefundedQty)}
			}
		}
		if len(es) != len(exp) {
			t.Errorf("order %d: %d entries, want %d: %+v", ro.id, len(es), len(exp), es)
		}
		for _, e := range es {
			x, ok := exp[key{e.LineID, e.Level}]
			if !ok || x.LeaderID != e.LeaderID || x.Amount != e.Amount {
				t.Errorf("order %d entry %+v, want %+v", ro.id, e, x)
			}
			if e.Reversed < 0 || e.Reversed > e.Amount {
				t.Errorf("order %d entry %d: reversed %d of %d", ro.id, e.ID, e.Reversed, e.Amount)
			}
			if e.Reversed != x.Reversed {
				t.Errorf("order %d entry %d (line %d level %d): reversed %d, want %d", ro.id, e.ID, e.LineID, e.Level,
					e.Reversed, x.Reversed)
			}
			for _, ln := range o.Lines {
				if ln.ID == e.LineID && ln.RefundedQty >= ln.Quantity && e.Reversed != e.Amount {
					t.Errorf("order %d entry %d: line fully refunded, reversed %d of %d", ro.id, e.ID, e.Reversed, e.Amount)
				}
			}
			wantState := commission.StatePending
			if completed {
				wantState = commission.StateSettleable
			}
			if e.State != wantState {
				t.Errorf("order %d entry %d: state %s, want %s", ro.id, e.ID, e.State, wantState)
			}
			switch e.State {
			case commission.StatePending:
				want[e.LeaderID].pending += e.Left()
			case commission.StateSettleable:
				want[e.LeaderID].settleable += e.Left()
			case commission.StateSettled:
				want[e.LeaderID].receivable += e.Reversed
			}
		}
		// Ledger transactions of the order: its payment, each refund, and its release (when
		// anything was left to release at completion — not known afterwards, so counted apart).
		if o.Amount > 0 {
			wantTx++
		}
		wantTx += refunds
	}
	for _, l := range all {
		b, err := c.book.Balances(ctx, ledger.OwnerLeader, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		w := want[l.ID]
		if got := (sums{-b[ledger.Pending], -b[ledger.Settleable], b[ledger.Receivable]}); got != *w {
			t.Errorf("leader %d balances pending/settleable/receivable = %+v, entries say %+v", l.ID, got, *w)
		}
		v, err := c.views.Balance(ctx, l.ID)
		if err != nil || v.Pending != w.pending || v.Settleable != w.settleable || v.Owed != w.receivable {
			t.Errorf("leader %d view balance %+v, %v; want %+v", l.ID, v, err, *w)
		}
	}
	if got, err := c.book.Balance(ctx, ledger.PlatformAccount(ledger.Clearing)); err != nil || got != clearing {
		t.Errorf("clearing = %d, %v; want %d (paid − refunded)", got, err, clearing)
	}
	var nEntries, nLevel1, nReversed, nSettleableEntries int
	if err := c.stack.db.SQL.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE level = 1),
	count(*) FILTER (WHERE reversed > 0), count(*) FILTER (WHERE state = 'settleable') FROM commission_entries`).
		Scan(&nEntries, &nLevel1, &nReversed, &nSettleableEntries); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d entries: %d of level 1, %d reversed in part or whole, %d settleable", nEntries, nLevel1, nReversed,
		nSettleableEntries)
	var nTx, nSettle int
	if err := c.stack.db.SQL.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE kind = $1) FROM ledger_transactions`,
		commission.KindSettleable).Scan(&nTx, &nSettle); err != nil {
		t.Fatal(err)
	}
	if nTx-nSettle != wantTx {
		t.Errorf("%d payment and refund transactions in the ledger, want %d", nTx-nSettle, wantTx)
	}

	// Replaying every event once more, concurrently and in another order, posts nothing.
	rng.Shuffle(len(delivered), func(i, j int) { delivered[i], delivered[j] = delivered[j], delivered[i] })
	var replay sync.WaitGroup
	var replayErrs atomic.Int64
	for i := range consumers {
		replay.Add(1)
		go func() {
			defer replay.Done()
			for j := i; j < len(delivered); j += consumers {
				if err := handle(ctx, delivered[j]); err != nil {
					replayErrs.Add(1)
					t.Errorf("replay %s event %d: %v", delivered[j].topic, delivered[j].ev.ID, err)
				}
			}
		}()
	}
	replay.Wait()
	var after int
	if err := c.stack.db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM ledger_transactions`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != nTx {
		t.Errorf("replay posted %d ledger transactions", after-nTx)
	}
	if rep, err := c.book.Check(ctx); err != nil || !rep.OK() {
		t.Fatalf("ledger check after replay = %+v, %v", rep, err)
	}
}
