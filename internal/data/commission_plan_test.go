package data_test

import (
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entbatch "github.com/groupbuy/groupbuy/ent/batch"
	"github.com/groupbuy/groupbuy/ent/commissionentry"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/data/commissionstore"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// cpEnv is pkEnv with leader B recruiting A (B is A's level-1 upline) and commission's plans,
// flows and views built the way the program builds them.
type cpEnv struct {
	*pkEnv
	store *commissionstore.CommissionStore
	plans *commission.Plans
	flows *commission.Flows
	views *commission.Views
	book  *ledger.Ledger
	ops   identity.Principal
	event int64
}

func newCpEnv(t *testing.T) *cpEnv {
	t.Helper()
	e := newPkEnv(t, openPostgres(t))
	ctx := t.Context()
	e.db.Leader.UpdateOneID(int(e.a.ID)).SetUpline([]int{int(e.b.ID)}).ExecX(ctx)
	cfg := commission.Config{Levels: 2, CapBP: commission.DefaultCapBP}
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	built := e.withCommission(cfg)
	return &cpEnv{pkEnv: e, store: built.CommissionStore, book: built.Ledger, plans: built.Plans, flows: built.Flows,
		views: built.Views, ops: identity.Principal{Kind: identity.SubjectConsole, ID: 1, Roles: []identity.Role{identity.RoleOps}}}
}

// withCommission is the program's wiring on e's stack and clock with commission policy cfg.
func (e *pkEnv) withCommission(cfg commission.Config) *datatest.Stack {
	bc := e.config()
	bc.Commission = cfg
	return e.build(e.clock.Now, datatest.NoWechat(), bc)
}

// paidAt inserts a paid order of leader A with qty[i] units of item i, paid at t in grid, and
// credits it as the order.paid event does.
func (c *cpEnv) paidAt(t time.Time, grid string, qty ...int64) *ent.Order {
	c.t.Helper()
	ctx := c.t.Context()
	o := c.pkOrder(c.a, entorder.StatusPaid, qty...)
	o = c.db.Order.UpdateOne(o).SetPaidAt(t).SaveX(ctx)
	if grid != o.GridCell { // immutable in the schema: moved by hand to stand for another grid's order
		if _, err := c.stack.db.SQL.ExecContext(ctx, `UPDATE orders SET grid_cell = $1 WHERE id = $2`, grid, o.ID); err != nil {
			c.t.Fatal(err)
		}
	}
	c.event++
	if err := c.flows.OnPaid(ctx, commissionEvent(c.t, c.event, order.Changed{OrderID: int64(o.ID)})); err != nil {
		c.t.Fatalf("credit order %d: %v", o.ID, err)
	}
	return o
}

// entries is the order's commission entries by level (one line per order here).
func (c *cpEnv) entries(o *ent.Order) map[int]commission.Entry {
	c.t.Helper()
	es, err := c.store.OrderEntries(c.t.Context(), int64(o.ID))
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[int]commission.Entry{}
	for _, e := range es {
		if _, dup := out[e.Level]; dup {
			c.t.Fatalf("order %d: two entries of level %d: %+v", o.ID, e.Level, es)
		}
		out[e.Level] = e
	}
	return out
}

func (c *cpEnv) pending(leaderID int64) int64 {
	c.t.Helper()
	b, err := c.views.Balance(c.t.Context(), leaderID)
	if err != nil {
		c.t.Fatal(err)
	}
	return b.Pending
}

func (c *cpEnv) createPlan(grid string, from time.Time, rates ...int) *commission.Plan {
	c.t.Helper()
	p, err := c.plans.Create(c.t.Context(), c.ops, commission.PlanInput{GridCell: grid, Rates: rates, EffectiveFrom: from})
	if err != nil {
		c.t.Fatalf("create plan %q %v from %s: %v", grid, rates, from, err)
	}
	return p
}

func (c *cpEnv) checkLedger() {
	c.t.Helper()
	ctx := c.t.Context()
	if _, total, err := c.views.TrialBalance(ctx); err != nil || total != 0 {
		c.t.Fatalf("trial balance = %d, %v", total, err)
	}
	if rep, err := c.book.Check(ctx); err != nil || !rep.OK() {
		c.t.Fatalf("ledger check = %+v, %v", rep, err)
	}
}

// A new version of a plan applies only to orders paid from its effective time on: an order paid
// before keeps the old rate, whenever it is credited.
func TestCommissionPlanVersionAppliesFromEffective(t *testing.T) {
	c := newCpEnv(t)
	t0 := c.clock.Now()
	c.clock.Set(t0.Add(-time.Hour))
	v1 := c.createPlan("", time.Time{}, 500) // effective t0−1h
	c.clock.Set(t0)
	at := t0.Add(time.Hour)
	v2 := c.createPlan("", at, 300)
	if v1.Version != 1 || v2.Version != 2 || !v1.EffectiveFrom.Equal(t0.Add(-time.Hour)) || !v2.EffectiveFrom.Equal(at) {
		t.Fatalf("plans v1 %+v, v2 %+v", v1, v2)
	}
	if p, err := c.plans.InForce(t.Context(), c.grid.String()); err != nil || p == nil || p.ID != v1.ID {
		t.Fatalf("in force now = %+v, %v; want v1", p, err)
	}
	if p, err := c.plans.InForce(t.Context(), ""); err != nil || p == nil || p.ID != v1.ID {
		t.Errorf("global plan in force now = %+v, %v; want v1", p, err)
	}

	before := c.paidAt(t0, c.grid.String(), 2)                    // 5000 fen: A 500, B 250 at v1
	after := c.paidAt(at.Add(time.Minute), c.grid.String(), 0, 1) // 1800 fen: A 180, B 54 at v2
	// Credited again (a redelivered event) with v2 in force by the clock: nothing changes.
	c.clock.Set(at.Add(2 * time.Hour))
	if err := c.flows.OnPaid(t.Context(), commissionEvent(t, 99, order.Changed{OrderID: int64(before.ID)})); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		o            *ent.Order
		base         int64
		a, b, rateBP int
		plan         int64
	}{{before, 5000, 500, 250, 500, v1.ID}, {after, 1800, 180, 54, 300, v2.ID}} {
		es := c.entries(tc.o)
		l0, l1 := es[0], es[1]
		if len(es) != 2 || l0.LeaderID != c.a.ID || l0.RateBP != 1000 || l0.Amount != int64(tc.a) || l0.Base != tc.base ||
			l0.PlanID != 0 {
			t.Errorf("order %d level 0: %+v", tc.o.ID, es)
		}
		if l1.LeaderID != c.b.ID || l1.RateBP != tc.rateBP || l1.Amount != int64(tc.b) || l1.PlanID != tc.plan ||
			l1.State != commission.StatePending {
			t.Errorf("order %d level 1: %+v, want %d bp = %d fen under plan %d", tc.o.ID, l1, tc.rateBP, tc.b, tc.plan)
		}
	}
	if a, b := c.pending(c.a.ID), c.pending(c.b.ID); a != 680 || b != 304 {
		t.Errorf("pending A %d B %d, want 680 and 304", a, b)
	}
	c.checkLedger()
}

// Plans outside the limits are refused with commission's PlanError (PLAN_INVALID at the API),
// or an invalid effective date, and nothing is written.
func TestCommissionPlanValidation(t *testing.T) {
	c := newCpEnv(t)
	ctx := t.Context()
	now := c.clock.Now()
	// A scheduled batch in the grid pays its leaders 2800 bp: overrides may add at most 200.
	b := c.db.Batch.Create().SetTitle("周六鲜果").SetStatus(entbatch.StatusScheduled).
		SetOpensAt(now.Add(time.Hour)).SetCutoffAt(now.Add(3 * time.Hour)).
		SetPickupDate(time.Date(2026, 5, 9, 0, 0, 0, 0, bjtime.Zone)).SetCreatedBy(1).SaveX(ctx)
	c.db.BatchItem.Create().SetBatchID(b.ID).SetSkuID(1).SetProductID(1).SetTitle("草莓").SetSpec("一份").SetUnit("份").
		SetListPrice(3000).SetPrice(2500).SetQuota(100).SetPerShopperLimit(0).SetCommissionBp(2800).ExecX(ctx)
	c.db.BatchGrid.Create().SetBatchID(b.ID).SetGridCell(c.grid.String()).ExecX(ctx)
	other, err := geo.CellAt(geo.LatLng{Lat: 31.30, Lng: 121.60}, 7)
	if err != nil || other == c.grid {
		t.Fatalf("other grid %v, %v", other, err)
	}

	for _, tc := range []struct {
		name string
		in   commission.PlanInput
		plan bool // refused with a PlanError; else with an InvalidError
	}{
		{"more rates than levels-1", commission.PlanInput{Rates: []int{100, 100}}, true},
		{"three rates", commission.PlanInput{GridCell: other.String(), Rates: []int{1, 1, 1}}, true},
		{"rate above 10000", commission.PlanInput{GridCell: other.String(), Rates: []int{10001}}, true},
		{"negative rate", commission.PlanInput{GridCell: other.String(), Rates: []int{-1}}, true},
		{"global worst case above the cap", commission.PlanInput{Rates: []int{300}}, true},
		{"grid worst case above the cap", commission.PlanInput{GridCell: c.grid.String(), Rates: []int{201}}, true},
		{"effective in the past", commission.PlanInput{Rates: []int{100}, EffectiveFrom: now.Add(-time.Hour)}, false},
		{"not a grid cell", commission.PlanInput{GridCell: "nonsense", Rates: []int{100}}, false},
	} {
		_, err := c.plans.Create(ctx, c.ops, tc.in)
		var pe *commission.PlanError
		var ie *bizerr.InvalidError
		switch {
		case tc.plan && (!errors.As(err, &pe) || !errors.Is(err, commission.ErrPlanInvalid)):
			t.Errorf("%s: %v, want a commission.PlanError", tc.name, err)
		case !tc.plan && !errors.As(err, &ie):
			t.Errorf("%s: %v, want an InvalidError", tc.name, err)
		}
	}
	if n := c.db.CommissionPlan.Query().CountX(ctx); n != 0 {
		t.Fatalf("refused plans wrote %d rows", n)
	}

	// At the cap exactly it is accepted; a grid the batch does not serve is not limited by it.
	c.createPlan(c.grid.String(), time.Time{}, 200)
	c.createPlan(other.String(), time.Time{}, 2000)
	// A batch item above what the plans now leave is refused too.
	err = c.plans.CheckItems(ctx, []geo.Cell{c.grid}, []int{2801})
	if !errors.Is(err, commission.ErrPlanInvalid) {
		t.Errorf("item of 2801 bp under a 200 bp plan: %v", err)
	}
	if err := c.plans.CheckItems(ctx, []geo.Cell{c.grid}, []int{2800}); err != nil {
		t.Errorf("item of 2800 bp under a 200 bp plan: %v", err)
	}
	// A later version above the cap is refused as well, the versions in place unchanged.
	_, err = c.plans.Create(ctx, c.ops, commission.PlanInput{GridCell: c.grid.String(), Rates: []int{300},
		EffectiveFrom: now.Add(24 * time.Hour)})
	if !errors.Is(err, commission.ErrPlanInvalid) {
		t.Errorf("later version over the cap: %v", err)
	}
	if n := c.db.CommissionPlan.Query().CountX(ctx); n != 2 {
		t.Fatalf("%d plans, want 2", n)
	}
}

// A grid's own plan wins over the global plan for the grid's orders; orders elsewhere keep the
// global one.
func TestCommissionGridPlanWinsOverGlobal(t *testing.T) {
	c := newCpEnv(t)
	ctx := t.Context()
	now := c.clock.Now()
	global := c.createPlan("", time.Time{}, 500)
	own := c.createPlan(c.grid.String(), time.Time{}, 200)
	other, err := geo.CellAt(geo.LatLng{Lat: 31.30, Lng: 121.60}, 7)
	if err != nil {
		t.Fatal(err)
	}
	c.clock.Advance(time.Minute)
	paid := now.Add(30 * time.Second)
	inGrid := c.paidAt(paid, c.grid.String(), 4)   // 10000 fen: B 200 at the grid's 200 bp
	elsewhere := c.paidAt(paid, other.String(), 4) // 10000 fen: B 500 at the global 500 bp
	if l1 := c.entries(inGrid)[1]; l1.RateBP != 200 || l1.Amount != 200 || l1.PlanID != own.ID || l1.GridCell != c.grid.String() {
		t.Errorf("in the grid: %+v, want 200 bp under plan %d", l1, own.ID)
	}
	if l1 := c.entries(elsewhere)[1]; l1.RateBP != 500 || l1.Amount != 500 || l1.PlanID != global.ID {
		t.Errorf("elsewhere: %+v, want 500 bp under plan %d", l1, global.ID)
	}
	if a, b := c.pending(c.a.ID), c.pending(c.b.ID); a != 2000 || b != 700 {
		t.Errorf("pending A %d B %d, want 2000 and 700", a, b)
	}
	n := c.db.CommissionEntry.Query().Where(commissionentry.LeaderID(c.b.ID), commissionentry.Level(1)).CountX(ctx)
	if n != 2 {
		t.Errorf("%d level-1 entries of B, want 2", n)
	}
	c.checkLedger()
}
