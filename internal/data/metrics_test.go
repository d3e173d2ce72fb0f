package data_test

import (
	"database/sql"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/invitation"
	"github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/ent/paymentrefund"
	"github.com/groupbuy/groupbuy/ent/shopperevent"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/metrics"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/data/metricstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// The generated month: what the rollup reads, kept in Go so the test counts it again by brute
// force.
type (
	genEvent struct {
		user            int
		kind, day       string
		session, grid   string
		leader, batch   int // 0: the event names none
		shareKey        string
		at              time.Time
		clientID        string
		hasGrid, hasKey bool
	}
	genRefund struct {
		amount int64
		at     time.Time
		state  string
	}
	genOrder struct {
		id, seq, user, leader, batch int
		grid                         string
		created                      time.Time
		paid                         bool
		amount, items                int64
		shared                       bool
		refunds                      []genRefund
	}
	genInvite struct {
		inviter, invitee int
		state            string
		created          time.Time
	}
	genMonth struct {
		days    []string
		events  []genEvent
		orders  []*genOrder
		invites []genInvite
	}
)

var (
	genGrids   = []string{"8631a8c3fffffff", "8631a8c37ffffff", "8631a8c2fffffff"}
	genKinds   = []string{"page_view", "page_view", "page_view", "add_to_cart", "share", "share_open"}
	genInviteS = []string{"pending", "qualifying", "rewarded", "capped", "refused"}
)

// at is a random instant of day start's Beijing day, now and then its very first or last
// millisecond, so that the day's edges are exercised.
func genAt(r *rand.Rand, start time.Time) time.Time {
	switch r.IntN(20) {
	case 0:
		return start
	case 1:
		return start.Add(24*time.Hour - time.Millisecond)
	}
	return start.Add(time.Duration(r.Int64N(int64(24*time.Hour))) / time.Millisecond * time.Millisecond)
}

// generateMonth makes days of events, orders (a third unpaid, some from shares, some refunded
// later, partly, in one or two refunds, some refunds not successful) and invitations by 60
// shoppers over 3 grids, 5 leaders and 4 batches.
func generateMonth(seed uint64, first time.Time, days int) *genMonth {
	r := rand.New(rand.NewPCG(seed, 17))
	m := &genMonth{}
	orderID := 1
	for d := range days {
		start := first.AddDate(0, 0, d)
		day := start.Format(time.DateOnly)
		m.days = append(m.days, day)
		for range 60 + r.IntN(60) {
			e := genEvent{user: 1 + r.IntN(60), kind: genKinds[r.IntN(len(genKinds))], at: genAt(r, start)}
			e.day, e.clientID = bjtime.Day(e.at), fmt.Sprintf("c%d", len(m.events))
			if r.IntN(5) > 0 {
				e.session = fmt.Sprintf("s%d", r.IntN(4))
			}
			if r.IntN(6) > 0 {
				e.grid, e.hasGrid = genGrids[r.IntN(len(genGrids))], true
			}
			if r.IntN(4) > 0 {
				e.leader = 1 + r.IntN(5)
			}
			if r.IntN(3) > 0 {
				e.batch = 1 + r.IntN(4)
			}
			if e.kind == "share" || e.kind == "share_open" {
				e.shareKey, e.hasKey = fmt.Sprintf("k%d", r.IntN(30)), true
			}
			m.events = append(m.events, e)
		}
		for range 10 + r.IntN(20) {
			o := &genOrder{seq: orderID, user: 1 + r.IntN(60), leader: 1 + r.IntN(5), batch: 1 + r.IntN(4),
				grid: genGrids[r.IntN(len(genGrids))], created: genAt(r, start), paid: r.IntN(3) > 0,
				amount: int64(500 + r.IntN(20_000)), items: int64(1 + r.IntN(3)), shared: r.IntN(4) == 0}
			orderID++
			if o.paid && r.IntN(4) == 0 {
				left := o.amount
				for k := range 1 + r.IntN(2) {
					amt := 1 + r.Int64N(left)
					left -= amt
					at := o.created.Add(time.Duration(1+r.IntN(10*24)) * time.Hour)
					state := "success"
					if k == 1 && r.IntN(2) == 0 {
						state = "processing"
					}
					o.refunds = append(o.refunds, genRefund{amount: amt, at: at, state: state})
					if left == 0 {
						break
					}
				}
			}
			m.orders = append(m.orders, o)
		}
		for range r.IntN(4) {
			m.invites = append(m.invites, genInvite{inviter: 1 + r.IntN(10), invitee: 1000 + len(m.invites),
				state: genInviteS[r.IntN(len(genInviteS))], created: genAt(r, start)})
		}
	}
	return m
}

func (m *genMonth) orderSeq(o *genOrder) int { return o.seq }

func (o *genOrder) refunded() int64 {
	var n int64
	for _, f := range o.refunds {
		if f.state == "success" {
			n += f.amount
		}
	}
	return n
}

// save writes the month through ent.
func (m *genMonth) save(t *testing.T, db *ent.Client) {
	t.Helper()
	ctx := t.Context()
	var evs []*ent.ShopperEventCreate
	for _, e := range m.events {
		c := db.ShopperEvent.Create().SetUserID(e.user).SetClientEventID(e.clientID).
			SetKind(shopperevent.Kind(e.kind)).SetAt(e.at).SetDay(e.day)
		if e.session != "" {
			c.SetSession(e.session)
		}
		if e.hasGrid {
			c.SetGridCell(e.grid)
		}
		if e.leader > 0 {
			c.SetLeaderID(e.leader)
		}
		if e.batch > 0 {
			c.SetBatchID(e.batch)
		}
		if e.hasKey {
			c.SetShareKey(e.shareKey)
		}
		evs = append(evs, c)
	}
	for chunk := range slices.Chunk(evs, 500) {
		db.ShopperEvent.CreateBulk(chunk...).ExecX(ctx)
	}
	for _, o := range m.orders {
		m.saveOrder(t, db, o)
	}
	for _, v := range m.invites {
		db.Invitation.Create().SetInviterID(v.inviter).SetInviteeID(v.invitee).
			SetState(invitation.State(v.state)).SetCreatedAt(v.created).ExecX(ctx)
	}
}

func (m *genMonth) saveOrder(t *testing.T, db *ent.Client, o *genOrder) {
	ctx := t.Context()
	c := db.Order.Create().SetUserID(o.user).SetLeaderID(o.leader).SetBatchID(o.batch).
		SetGridCell(o.grid).SetIdempotencyKey(fmt.Sprintf("o%d", m.orderSeq(o))).SetAmount(o.amount).
		SetExpiresAt(o.created.Add(15 * time.Minute)).SetCreatedAt(o.created).SetUpdatedAt(o.created).
		SetStatus(order.StatusPendingPayment).SetRefunded(o.refunded())
	if o.paid {
		c.SetStatus(order.StatusPaid).SetPaidAt(o.created.Add(time.Minute))
	}
	if o.shared {
		c.SetShareKey(fmt.Sprintf("k%d", m.orderSeq(o)%30))
	}
	o.id = c.SaveX(ctx).ID
	// The items split over two lines, so the rollup must sum quantities, not count lines.
	q1 := (o.items + 1) / 2
	db.OrderLine.Create().SetOrderID(o.id).SetItemID(1).SetSkuID(1).SetTitle("菜").SetPrice(100).
		SetQuantity(q1).SetAmount(100 * q1).SetCommissionBp(1000).ExecX(ctx)
	if q2 := o.items - q1; q2 > 0 {
		db.OrderLine.Create().SetOrderID(o.id).SetItemID(2).SetSkuID(2).SetTitle("果").SetPrice(100).
			SetQuantity(q2).SetAmount(100 * q2).SetCommissionBp(1000).ExecX(ctx)
	}
	for k, f := range o.refunds {
		saveRefund(t, db, o, k, f)
	}
}

func saveRefund(t *testing.T, db *ent.Client, o *genOrder, k int, f genRefund) {
	c := db.PaymentRefund.Create().SetOutRefundNo(payment.OutRefundNo(int64(o.id), int64(k+1))).
		SetOutTradeNo(payment.OutTradeNo(int64(o.id), 1)).SetAmount(f.amount).SetTotal(o.amount).
		SetState(paymentrefund.State(f.state)).SetCreatedAt(f.at).SetUpdatedAt(f.at)
	if f.state == "success" {
		c.SetSuccessAt(f.at)
	}
	c.ExecX(t.Context())
}

// keyOf is the row of level that a thing of grid, leader and batch counts in.
func keyOf(level metrics.Level, grid string, leader, batch int) metrics.Key {
	k := metrics.Key{Level: level}
	switch level {
	case metrics.Grid:
		k.GridCell = grid
	case metrics.Leader:
		k.LeaderID = int64(leader)
	case metrics.Batch:
		k.BatchID = int64(batch)
	case metrics.Cell:
		k.GridCell, k.LeaderID, k.BatchID = grid, int64(leader), int64(batch)
	}
	return k
}

var allLevels = []metrics.Level{metrics.City, metrics.Grid, metrics.Leader, metrics.Batch, metrics.Cell}

// bruteForce counts day at every level the slow way, straight from the definitions in
// internal/biz/metrics.
func (m *genMonth) bruteForce(day string) map[metrics.Key]metrics.Counts {
	start, _ := time.ParseInLocation(time.DateOnly, day, bjtime.Zone)
	end := start.AddDate(0, 0, 1)
	in := func(t time.Time) bool { return !t.Before(start) && t.Before(end) }
	out := map[metrics.Key]metrics.Counts{{Level: metrics.City}: {}}
	type set = map[any]bool
	distinct := map[metrics.Key]map[string]set{}
	add := func(k metrics.Key, what string, v any) {
		if distinct[k] == nil {
			distinct[k] = map[string]set{}
		}
		if distinct[k][what] == nil {
			distinct[k][what] = set{}
		}
		distinct[k][what][v] = true
	}
	bump := func(k metrics.Key, f func(*metrics.Counts)) {
		c := out[k]
		f(&c)
		out[k] = c
	}
	type sess struct {
		user int
		s    string
	}
	views := map[metrics.Key]map[sess]int{}
	for _, e := range m.events {
		if e.day != day {
			continue
		}
		for _, lv := range allLevels {
			k := keyOf(lv, e.grid, e.leader, e.batch)
			add(k, "visitors", e.user)
			switch e.kind {
			case "page_view":
				bump(k, func(c *metrics.Counts) { c.PageViews++ })
				if e.session != "" {
					if views[k] == nil {
						views[k] = map[sess]int{}
					}
					views[k][sess{e.user, e.session}]++
				}
			case "add_to_cart":
				add(k, "carters", e.user)
			case "share":
				add(k, "sharers", e.user)
				bump(k, func(c *metrics.Counts) { c.Shares++ })
			case "share_open":
				bump(k, func(c *metrics.Counts) { c.ShareOpens++ })
			}
		}
	}
	for k, ss := range views {
		for _, n := range ss {
			bump(k, func(c *metrics.Counts) {
				c.Sessions++
				if n == 1 {
					c.Bounces++
				}
			})
		}
	}
	for _, o := range m.orders {
		for _, f := range o.refunds {
			if f.state == "success" && in(f.at) {
				for _, lv := range allLevels {
					bump(keyOf(lv, o.grid, o.leader, o.batch), func(c *metrics.Counts) { c.RefundedOnDay += f.amount })
				}
			}
		}
		if !in(o.created) {
			continue
		}
		paidBefore, paidRecently := false, false
		for _, p := range m.orders {
			if p.user == o.user && p.paid && p.created.Before(start) {
				paidBefore = true
				paidRecently = paidRecently || !p.created.Before(start.AddDate(0, 0, -30))
			}
		}
		for _, lv := range allLevels {
			k := keyOf(lv, o.grid, o.leader, o.batch)
			add(k, "buyers", o.user)
			if !o.paid {
				bump(k, func(*metrics.Counts) {})
				continue
			}
			add(k, "payers", o.user)
			if !paidBefore {
				add(k, "new", o.user)
			}
			if paidRecently {
				add(k, "repeat", o.user)
			}
			bump(k, func(c *metrics.Counts) {
				c.Orders++
				c.Items += o.items
				c.Paid += o.amount
				c.RefundedByOrderDay += o.refunded()
				if o.shared {
					c.ShareOrders++
				}
			})
		}
	}
	inviters := map[int]bool{}
	for _, v := range m.invites {
		if in(v.created) && v.state != "refused" {
			inviters[v.inviter] = true
			bump(metrics.CityKey(), func(c *metrics.Counts) { c.Invitees++ })
		}
	}
	bump(metrics.CityKey(), func(c *metrics.Counts) { c.Inviters = int64(len(inviters)) })
	for k, sets := range distinct {
		bump(k, func(c *metrics.Counts) {
			c.Visitors, c.Carters, c.Sharers = int64(len(sets["visitors"])), int64(len(sets["carters"])), int64(len(sets["sharers"]))
			c.Buyers, c.Payers = int64(len(sets["buyers"])), int64(len(sets["payers"]))
			c.NewPayers, c.RepeatPayers = int64(len(sets["new"])), int64(len(sets["repeat"]))
		})
	}
	return out
}

// rolledUp reads day's rows at every level.
func rolledUp(t *testing.T, db *sqldb.DB, day string) map[metrics.Key]metrics.Counts {
	t.Helper()
	out := map[metrics.Key]metrics.Counts{}
	err := db.Query(t.Context(), `SELECT level, grid_cell, leader_id, batch_id, visitors, page_views,
			sessions, bounces, carters, sharers, shares, share_opens, buyers, payers, orders, items,
			paid, refunded_by_order_day, refunded_on_day, new_payers, repeat_payers, share_orders,
			invitees, inviters
		FROM metric_days WHERE day = $1`, []any{day}, func(r *sql.Rows) error {
		var k metrics.Key
		var c metrics.Counts
		err := r.Scan(&k.Level, &k.GridCell, &k.LeaderID, &k.BatchID, &c.Visitors, &c.PageViews,
			&c.Sessions, &c.Bounces, &c.Carters, &c.Sharers, &c.Shares, &c.ShareOpens, &c.Buyers,
			&c.Payers, &c.Orders, &c.Items, &c.Paid, &c.RefundedByOrderDay, &c.RefundedOnDay,
			&c.NewPayers, &c.RepeatPayers, &c.ShareOrders, &c.Invitees, &c.Inviters)
		out[k] = c
		return err
	})
	if err != nil {
		t.Fatalf("read the rollup of %s: %v", day, err)
	}
	return out
}

func compareDay(t *testing.T, db *sqldb.DB, m *genMonth, day string) {
	t.Helper()
	got, want := rolledUp(t, db, day), m.bruteForce(day)
	for _, k := range slices.SortedFunc(maps.Keys(want), compareKeys) {
		if got[k] != want[k] {
			t.Errorf("%s %+v:\n got %+v\nwant %+v", day, k, got[k], want[k])
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: row %+v that brute force does not have: %+v", day, k, got[k])
		}
	}
}

func compareKeys(a, b metrics.Key) int {
	return cmpKey(a) - cmpKey(b)
}

func cmpKey(k metrics.Key) int {
	return slices.Index(allLevels, k.Level)<<20 | int(k.LeaderID)<<12 | int(k.BatchID)<<8 | slices.Index(genGrids, k.GridCell) + 1
}

var metricsMonth = time.Date(2026, 10, 1, 0, 0, 0, 0, bjtime.Zone)

// A generated month rolled up day by day equals, at every level, the same figures counted by
// brute force; rolling a day up again gives identical rows.
func TestRollupOfAMonthEqualsBruteForce(t *testing.T) {
	db := openPostgres(t)
	m := generateMonth(1, metricsMonth, 31)
	m.save(t, db.Ent)
	store := metricstore.NewStore(db, time.Now)
	ctx := t.Context()
	for _, day := range m.days {
		if err := store.Rollup(ctx, day); err != nil {
			t.Fatal(err)
		}
	}
	for _, day := range m.days {
		compareDay(t, db, m, day)
	}
	city := rolledUp(t, db, "2026-10-15")[metrics.CityKey()]
	if city.Visitors == 0 || city.Orders == 0 || city.Bounces == 0 || city.RepeatPayers == 0 {
		t.Fatalf("the generated day counts too little to test anything: %+v", city)
	}

	before := rolledUp(t, db, "2026-10-15")
	if err := store.Rollup(ctx, "2026-10-15"); err != nil {
		t.Fatal(err)
	}
	if again := rolledUp(t, db, "2026-10-15"); !maps.Equal(again, before) {
		t.Fatalf("a re-run changed the day:\n%v\n%v", before, again)
	}
	var rows int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM metric_days WHERE day = '2026-10-15'`, nil, &rows); err != nil || rows != len(before) {
		t.Fatalf("%d rows of the day after a re-run (%v), want %d", rows, err, len(before))
	}
}

// The dashboard over the rolled-up month: a period's days come back in order, zero-filled, its
// total and funnel are the sums of the brute-force days, days not rolled up are named, and the
// leader ranking orders the leaders by paid fen.
func TestDashboardReadsTheRolledUpMonth(t *testing.T) {
	db := openPostgres(t)
	m := generateMonth(3, metricsMonth, 31)
	m.save(t, db.Ent)
	store := metricstore.NewStore(db, time.Now)
	ctx := t.Context()
	for _, day := range m.days[1:] { // 2026-10-01 is left out
		if err := store.Rollup(ctx, day); err != nil {
			t.Fatal(err)
		}
	}
	today := time.Date(2026, 11, 1, 9, 0, 0, 0, bjtime.Zone)
	dash := metrics.NewDashboard(store, store, func() time.Time { return today })

	s, err := dash.Series(ctx, metrics.GridKey(genGrids[1]), 30)
	if err != nil {
		t.Fatal(err)
	}
	var want metrics.Counts
	for _, day := range m.days[1:] {
		want = want.Add(m.bruteForce(day)[metrics.GridKey(genGrids[1])])
	}
	if len(s.Days) != 30 || s.Days[0].Day != "2026-10-02" || s.Days[29].Day != "2026-10-31" || s.Total != want || len(s.Incomplete) != 0 {
		t.Fatalf("30 days of a grid: %d days %s…, total %+v, incomplete %v; want total %+v", len(s.Days), s.Days[0].Day, s.Total, s.Incomplete, want)
	}
	if f := s.Funnel; f.Visitors != want.Visitors || f.Payers != want.Payers || f.ToPayers != want.PaymentConversion() {
		t.Fatalf("funnel %+v", f)
	}
	s90, err := dash.Series(ctx, metrics.CityKey(), 90)
	if err != nil {
		t.Fatal(err)
	}
	if len(s90.Days) != 90 || len(s90.Incomplete) != 60 || s90.Incomplete[59] != "2026-10-01" || s90.Days[0].Counts != (metrics.Counts{}) {
		t.Fatalf("90 days: %d days, %d incomplete (last %v)", len(s90.Days), len(s90.Incomplete), s90.Incomplete)
	}
	if _, err := dash.Series(ctx, metrics.CityKey(), 31); err == nil {
		t.Fatal("a 31-day period accepted")
	}

	_, _, ranked, err := dash.LeaderRanking(ctx, 30, 3)
	if err != nil {
		t.Fatal(err)
	}
	paid := map[int64]int64{}
	for _, day := range m.days[1:] {
		for k, c := range m.bruteForce(day) {
			if k.Level == metrics.Leader && k.LeaderID > 0 {
				paid[k.LeaderID] += c.Paid
			}
		}
	}
	leaders := slices.SortedFunc(maps.Keys(paid), func(a, b int64) int {
		if paid[a] != paid[b] {
			return int(paid[b] - paid[a])
		}
		return int(a - b)
	})
	if len(ranked) != 3 {
		t.Fatalf("ranking %+v", ranked)
	}
	for i, r := range ranked {
		if r.LeaderID != leaders[i] || r.Paid != paid[leaders[i]] {
			t.Errorf("rank %d: leader %d with %d fen, want %d with %d", i+1, r.LeaderID, r.Paid, leaders[i], paid[leaders[i]])
		}
	}
}

// A refund succeeding days after its order changes the order's day (by order day) and the
// refund's day (by refund day), and the nightly job of the refund's day recounts both.
func TestLateRefundRecountsItsOrderDay(t *testing.T) {
	db := openPostgres(t)
	m := generateMonth(2, metricsMonth, 12)
	m.save(t, db.Ent)
	store := metricstore.NewStore(db, time.Now)
	job := metrics.NewRollupJob(store)
	ctx := t.Context()
	for _, day := range m.days {
		if err := job.Run(ctx, day); err != nil {
			t.Fatal(err)
		}
	}
	var o *genOrder
	for _, c := range m.orders {
		if c.paid && len(c.refunds) == 0 && bjtime.Day(c.created) == "2026-10-03" && c.amount > 100 {
			o = c
			break
		}
	}
	if o == nil {
		t.Fatal("no paid order without refunds on 2026-10-03")
	}
	before3, before9 := rolledUp(t, db, "2026-10-03"), rolledUp(t, db, "2026-10-09")
	late := genRefund{amount: 100, at: time.Date(2026, 10, 9, 10, 0, 0, 0, bjtime.Zone), state: "success"}
	o.refunds = append(o.refunds, late)
	saveRefund(t, db.Ent, o, 0, late)
	db.Ent.Order.UpdateOneID(o.id).SetRefunded(o.refunded()).ExecX(ctx)

	if err := job.Run(ctx, "2026-10-09"); err != nil {
		t.Fatal(err)
	}
	for _, day := range m.days {
		compareDay(t, db, m, day)
	}
	city3, city9 := rolledUp(t, db, "2026-10-03")[metrics.CityKey()], rolledUp(t, db, "2026-10-09")[metrics.CityKey()]
	if city3.RefundedByOrderDay != before3[metrics.CityKey()].RefundedByOrderDay+100 || city3.RefundedOnDay != before3[metrics.CityKey()].RefundedOnDay {
		t.Errorf("order day: %+v, before %+v", city3, before3[metrics.CityKey()])
	}
	if city9.RefundedOnDay != before9[metrics.CityKey()].RefundedOnDay+100 {
		t.Errorf("refund day: %+v, before %+v", city9, before9[metrics.CityKey()])
	}
}
