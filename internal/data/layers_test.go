package data_test

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/layerstore"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/testenv"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// The grids of the layer tests.
const (
	layerGridA = "872830820ffffff"
	layerGridB = "872830821ffffff"
)

// layerEnv is the program's stack on one PostgreSQL database (twice, as two replicas with their
// own pools) with the shopper layers at their defaults, and the seeding of orders, leaders and
// bindings the snapshot reads.
type layerEnv struct {
	t        *testing.T
	db       *sqldb.DB
	stack    *stack
	replicas [2]*datatest.Stack
	wx       *wechatEnv
	seq      int
}

// layerTemplate is the one-time subscription template of the tests.
const layerTemplate = "tmpl-weekly-offer"

func newLayerEnv(t *testing.T, withWechat bool) *layerEnv {
	t.Helper()
	dsn := testenv.PostgresDSN(t)
	return newLayerEnvOn(t, withWechat, func() *sqldb.DB {
		return openDatabase(t, &conf.Data_Database{Driver: "postgres", Source: dsn, MaxOpenConns: maxConns})
	})
}

// newLayerEnvOn is the environment with each replica's database from open.
func newLayerEnvOn(t *testing.T, withWechat bool, open func() *sqldb.DB) *layerEnv {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	keys := newKeyring(t, "k1", map[string]string{"k1": generateKey(t)})
	e := &layerEnv{t: t}
	for i := range e.replicas {
		db := open()
		s := newStackWith(t, db, rdb, redisdb.KeyPrefix(prefix), keys)
		if i == 0 {
			e.db, e.stack = db, s
			if withWechat {
				e.wx = s.wechat()
			}
		}
		cfg := s.config()
		cfg.Layers = layer.DefaultRules
		cfg.Targeting = layer.TargetingConfig{Templates: []string{layerTemplate}}
		wx := datatest.NoWechat()
		if e.wx != nil {
			wx = e.wx.conf
		}
		e.replicas[i] = s.build(e.stack.clock.Now, wx, cfg)
	}
	return e
}

// leader inserts an approved leader in grid and returns its id.
func (e *layerEnv) leader(grid string) int {
	e.t.Helper()
	e.seq++
	l, err := e.db.Ent.Leader.Create().SetUserID(900_000 + e.seq).SetStatus("approved").SetRealNameSealed("x").
		SetPhoneSealed("x").SetPiiKeyID("k1").SetPointName(fmt.Sprintf("point %d", e.seq)).SetAddress("addr").
		SetLat(31.2).SetLng(121.4).SetPickupCell("892830820ffffff").SetGridCell(grid).SetOpeningHours("9-18").
		SetInviteCode(fmt.Sprintf("INV%d", e.seq)).Save(e.t.Context())
	if err != nil {
		e.t.Fatalf("seed leader: %v", err)
	}
	return l.ID
}

// bind records a binding of user to leader from boundAt, until unboundAt when not zero.
func (e *layerEnv) bind(user, leader int, boundAt, unboundAt time.Time) {
	e.t.Helper()
	q := e.db.Ent.LeaderBinding.Create().SetUserID(user).SetLeaderID(leader).SetBoundAt(boundAt)
	if !unboundAt.IsZero() {
		q.SetUnboundAt(unboundAt)
	}
	if err := q.Exec(e.t.Context()); err != nil {
		e.t.Fatalf("seed binding: %v", err)
	}
}

// order inserts an order of user; a zero paidAt is an order never paid.
func (e *layerEnv) order(user, leader int, grid string, paidAt time.Time, amount, refunded int64, share string) int {
	e.t.Helper()
	e.seq++
	q := e.db.Ent.Order.Create().SetUserID(user).SetLeaderID(leader).SetBatchID(1).SetGridCell(grid).
		SetIdempotencyKey(fmt.Sprintf("layer-%d", e.seq)).SetAmount(amount).SetRefunded(refunded).
		SetShareKey(share).SetExpiresAt(time.Now())
	if !paidAt.IsZero() {
		q.SetStatus("paid").SetPaidAt(paidAt)
	} else {
		q.SetStatus("cancelled")
	}
	o, err := q.Save(e.t.Context())
	if err != nil {
		e.t.Fatalf("seed order: %v", err)
	}
	return o.ID
}

// rows reads a day's whole snapshot as comparable lines.
func (e *layerEnv) rows(day string) []string {
	e.t.Helper()
	got, err := layerstoreShoppers(e, day)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(got))
	for i, s := range got {
		out[i] = shopperLine(s)
	}
	return out
}

func layerstoreShoppers(e *layerEnv, day string) ([]layer.Shopper, error) {
	var all []layer.Shopper
	var after int64
	for {
		page, err := layerstore.NewSnapshotStore(e.db).Shoppers(e.t.Context(), day, after, 500)
		if err != nil || len(page) == 0 {
			return all, err
		}
		all = append(all, page...)
		after = page[len(page)-1].UserID
	}
}

func shopperLine(s layer.Shopper) string {
	return fmt.Sprintf("%d %s leader=%d grid=%s share=%v first=%s last=%s m=%d q=%d y=%d spend=%d rfm=%d%d%d",
		s.UserID, s.Layer, s.LeaderID, s.Grid, s.FromShare, s.FirstPaidAt.UTC().Format(time.RFC3339Nano),
		s.LastPaidAt.UTC().Format(time.RFC3339Nano), s.OrdersMonth, s.OrdersQuarter, s.OrdersYear, s.SpendYear,
		s.R, s.F, s.M)
}

// bjAt is hh:mm:ss Beijing time, ago days before day.
func bjAt(day layer.Day, ago, hh, mm, ss int) time.Time {
	d := day.End().AddDate(0, 0, -1-ago)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, ss, 0, bjtime.Zone).UTC()
}

// The snapshot's SQL agrees with layer.Rules.Snapshot on every shopper of a generated population
// whose orders sit on the windows' edges (29, 30, 31 days and the like, at the first and last
// second of the Beijing day), with refunds, orders never paid, orders paid after the day, shared
// orders, and bindings that changed before and after the day's end.
func TestLayerSnapshotAgreesWithTheRules(t *testing.T) {
	testLayerSnapshotAgrees(t, newLayerEnv(t, false))
}

// The same on the embedded SQLite of the development default.
func TestLayerSnapshotAgreesWithTheRulesSQLite(t *testing.T) {
	db := openSQLite(t)
	testLayerSnapshotAgrees(t, newLayerEnvOn(t, false, func() *sqldb.DB { return db }))
}

func testLayerSnapshotAgrees(t *testing.T, e *layerEnv) {
	ctx := t.Context()
	day, _ := layer.ParseDay("2026-12-06")
	e.stack.clock.Set(day.End().Add(2 * time.Hour))
	leaders := []int{e.leader(layerGridA), e.leader(layerGridA), e.leader(layerGridB)}
	grids := map[int]string{leaders[0]: layerGridA, leaders[1]: layerGridA, leaders[2]: layerGridB}
	ages := []int{-1, 0, 1, 6, 7, 29, 30, 31, 59, 89, 90, 91, 179, 180, 181, 364, 365, 366}
	clocks := [][3]int{{0, 0, 0}, {12, 0, 0}, {23, 59, 59}}
	rng := rand.New(rand.NewPCG(17, 6))
	want := map[int64]layer.Shopper{}
	for user := 1; user <= 150; user++ {
		var ps []layer.Purchase
		for range rng.IntN(9) {
			c := clocks[rng.IntN(len(clocks))]
			paidAt := bjAt(day, ages[rng.IntN(len(ages))], c[0], c[1], c[2])
			amount := int64(500 + rng.IntN(40)*1000)
			var refunded int64
			switch rng.IntN(6) {
			case 0:
				refunded = amount // in full: no purchase
			case 1:
				refunded = amount / 2
			case 2:
				paidAt = time.Time{} // never paid
			}
			share := ""
			if rng.IntN(3) == 0 {
				share = fmt.Sprintf("s%d", rng.IntN(1000))
			}
			leader := leaders[rng.IntN(len(leaders))]
			id := e.order(user, leader, grids[leader], paidAt, amount, refunded, share)
			if !paidAt.IsZero() {
				ps = append(ps, layer.Purchase{ID: int64(id), PaidAt: paidAt, Net: amount - refunded, FromShare: share != ""})
			}
		}
		s, ok := layer.DefaultRules.Snapshot(day, int64(user), ps)
		// The binding at the end of the day: none, one still current, one ended after the day
		// (it held at its end), one that ended before and a later one, one made after the day.
		l1, l2 := leaders[user%3], leaders[(user+1)%3]
		switch user % 5 {
		case 0:
		case 1:
			e.bind(user, l1, bjAt(day, 400, 8, 0, 0), time.Time{})
			s.LeaderID, s.Grid = int64(l1), grids[l1]
		case 2:
			e.bind(user, l1, bjAt(day, 400, 8, 0, 0), day.End())
			e.bind(user, l2, day.End(), time.Time{})
			s.LeaderID, s.Grid = int64(l1), grids[l1]
		case 3:
			e.bind(user, l1, bjAt(day, 400, 8, 0, 0), bjAt(day, 0, 23, 59, 59))
			e.bind(user, l2, bjAt(day, 0, 23, 59, 59), time.Time{})
			s.LeaderID, s.Grid = int64(l2), grids[l2]
		case 4:
			e.bind(user, l1, day.End(), time.Time{})
		}
		if ok {
			want[int64(user)] = s
		}
	}
	if err := e.replicas[0].LayerSnapshots.Run(ctx, day.String()); err != nil {
		t.Fatal(err)
	}
	got := e.rows(day.String())
	var expected []string
	for _, id := range slices.Sorted(mapsKeys(want)) {
		expected = append(expected, shopperLine(want[id]))
	}
	if !slices.Equal(got, expected) {
		t.Errorf("snapshot differs from the rules:\n%s", lineDiff(got, expected))
	}
	layers := map[layer.Layer]int{}
	for _, s := range want {
		layers[s.Layer]++
	}
	for _, l := range layer.Layers {
		if layers[l] == 0 {
			t.Errorf("the population has no %s shopper: the comparison does not cover it", l)
		}
	}
	info, counts, err := e.replicas[0].LayerSnapshots.Counts(ctx, day.String(), "")
	if err != nil || info.Shoppers != len(want) {
		t.Fatalf("snapshot info %+v, %v; want %d shoppers", info, err, len(want))
	}
	wantCounts := map[layer.Count]bool{}
	tally := map[[3]string]int{}
	for _, s := range want {
		tally[[3]string{s.Grid, fmt.Sprint(s.LeaderID), string(s.Layer)}]++
	}
	for k, n := range tally {
		var leader int64
		fmt.Sscan(k[1], &leader)
		wantCounts[layer.Count{Grid: k[0], LeaderID: leader, Layer: layer.Layer(k[2]), Shoppers: n}] = true
	}
	if len(counts) != len(wantCounts) {
		t.Errorf("%d counts, want %d", len(counts), len(wantCounts))
	}
	for _, c := range counts {
		if !wantCounts[c] {
			t.Errorf("count %+v not expected", c)
		}
	}
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func lineDiff(got, want []string) string {
	out := ""
	for _, l := range got {
		if !slices.Contains(want, l) {
			out += "  got  " + l + "\n"
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			out += "  want " + l + "\n"
		}
	}
	return out
}

// A re-run of a day, also two at once, gives the same rows; a later day's snapshot leaves the
// earlier one as it was, though the shoppers moved on.
func TestLayerSnapshotReRunAndKept(t *testing.T) {
	e := newLayerEnv(t, false)
	ctx := t.Context()
	day, _ := layer.ParseDay("2026-12-05")
	next, _ := layer.ParseDay("2026-12-06")
	e.stack.clock.Set(next.End().Add(time.Hour))
	a, b := e.leader(layerGridA), e.leader(layerGridB)
	for user := 1; user <= 40; user++ {
		l := []int{a, b}[user%2]
		e.bind(user, l, bjAt(day, 500, 8, 0, 0), time.Time{})
		for i := range user % 7 {
			e.order(user, l, layerGridA, bjAt(day, i*user%200, 10, 0, 0), 1000, 0, "")
		}
	}
	snap := e.replicas[0].LayerSnapshots
	if err := snap.Run(ctx, day.String()); err != nil {
		t.Fatal(err)
	}
	first := e.rows(day.String())
	if len(first) == 0 {
		t.Fatal("empty snapshot")
	}
	var wg sync.WaitGroup
	for i := range e.replicas {
		wg.Go(func() {
			if err := e.replicas[i].LayerSnapshots.Run(ctx, day.String()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if again := e.rows(day.String()); !slices.Equal(first, again) {
		t.Errorf("a re-run changed the rows:\n%s", lineDiff(again, first))
	}
	// The next day: every shopper orders again; the day before stays as it was.
	for user := 1; user <= 40; user++ {
		e.order(user, a, layerGridA, bjAt(next, 0, 9, 0, 0), 1000, 0, "s")
	}
	if err := snap.Run(ctx, next.String()); err != nil {
		t.Fatal(err)
	}
	if kept := e.rows(day.String()); !slices.Equal(first, kept) {
		t.Errorf("the next day's snapshot changed the day before:\n%s", lineDiff(kept, first))
	}
	if n := len(e.rows(next.String())); n != 40 {
		t.Errorf("the next day has %d shoppers, want 40", n)
	}
	if err := snap.Run(ctx, "2026-12-08"); err == nil {
		t.Error("a snapshot of a day that has not begun was taken")
	}
	days, err := snap.Days(ctx, 10)
	if err != nil || len(days) != 2 || days[0].Day != next.String() {
		t.Errorf("days %+v, %v", days, err)
	}
}

// A targeted coupon send gives each shopper of the audience (one layer of one grid on a day)
// one coupon, with two replicas ticking at once and ticking again; shoppers of other layers or
// grids get none.
func TestTargetedCouponSendOncePerShopper(t *testing.T) {
	e := newLayerEnv(t, false)
	ctx := t.Context()
	now := e.stack.clock.Now()
	day := layer.DayOf(now).String()
	a, b := e.leader(layerGridA), e.leader(layerGridB)
	var audience []int
	for user := 1; user <= 30; user++ {
		l, grid := a, layerGridA
		if user%3 == 0 {
			l, grid = b, layerGridB // another grid
		}
		e.bind(user, l, now.AddDate(-1, 0, 0), time.Time{})
		paid := now.Add(-time.Hour)
		if user%5 == 0 {
			paid = now.AddDate(0, 0, -200) // dormant
		}
		e.order(user, l, grid, paid, 2000, 0, "")
		if grid == layerGridA && user%5 != 0 {
			audience = append(audience, user)
		}
	}
	if err := e.replicas[0].LayerSnapshots.Run(ctx, day); err != nil {
		t.Fatal(err)
	}
	v, err := e.replicas[0].PromoAdmin.CreateTemplate(ctx, &promo.Template{
		Name: "老客回馈", Discount: promo.Discount{Kind: promo.FixedOff, AmountOff: 100, Threshold: 1000},
		Scope: promo.Scope{Kind: promo.ScopeAll}, Validity: promo.Validity{Days: 7},
		Budget:   promo.Budget{Count: 1000, Amount: 100_000, PerShopper: 5},
		FundedBy: promo.FundedByPlatform, Channel: promo.ChannelSend,
		ClaimWindow: promo.Window{From: now.Add(-time.Hour), Until: now.Add(24 * time.Hour)},
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	targeting := e.replicas[0].Targeting
	aud := layer.Audience{Day: day, Layer: layer.New, Grid: layerGridA}
	if _, err := targeting.SendCoupon(ctx, layer.Audience{Day: day, Layer: layer.Loyal, Grid: layerGridA}, v.Template.ID, "", 1); err == nil {
		t.Error("a send to an empty layer was created")
	}
	if _, err := targeting.SendCoupon(ctx, layer.Audience{Day: "2020-01-01", Layer: layer.New, Grid: layerGridA}, v.Template.ID, "", 1); err == nil {
		t.Error("a send to a day without a snapshot was created")
	}
	send, err := targeting.SendCoupon(ctx, aud, v.Template.ID, "回馈", 1)
	if err != nil || send.Total != len(audience) || send.Kind != layer.KindCoupon {
		t.Fatalf("send %+v, %v; want %d shoppers", send, err, len(audience))
	}
	for range 2 {
		var wg sync.WaitGroup
		for i := range e.replicas {
			wg.Go(func() {
				if err := e.replicas[i].CouponSends.Tick(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	for _, r := range e.replicas { // the ticks that find nobody pending finish the send
		if err := r.CouponSends.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, err := targeting.Get(ctx, send.ID)
	if err != nil || got.Status != layer.Done || got.Progress.Sent != len(audience) || got.Progress.Pending != 0 {
		t.Fatalf("send after the ticks %+v, %v", got, err)
	}
	coupons := map[int]int{}
	err = e.db.Query(ctx, `SELECT user_id, count(*) FROM coupons WHERE template_id = $1 GROUP BY user_id`,
		[]any{v.Template.ID}, func(rows *sql.Rows) error {
			var u, n int
			if err := rows.Scan(&u, &n); err != nil {
				return err
			}
			coupons[u] = n
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(coupons) != len(audience) {
		t.Errorf("%d shoppers have coupons, want %d", len(coupons), len(audience))
	}
	for _, u := range audience {
		if coupons[u] != 1 {
			t.Errorf("shopper %d has %d coupons, want 1", u, coupons[u])
		}
	}
}

// A targeted message reaches only shoppers with an unused acceptance of its template, uses one
// acceptance each, once even with two replicas ticking; a second send finds the used ones gone.
func TestTargetedMessageRespectsConsent(t *testing.T) {
	e := newLayerEnv(t, true)
	ctx := t.Context()
	now := e.stack.clock.Now()
	day := layer.DayOf(now).String()
	a := e.leader(layerGridA)
	names := []string{"o-layer-one", "o-layer-none", "o-layer-refuses", "o-layer-two"}
	users := map[string]int64{}
	for _, openid := range names {
		u, err := e.stack.users.UpsertByOpenID(ctx, openid, "", []identity.Role{identity.RoleShopper}, now)
		if err != nil {
			t.Fatal(err)
		}
		users[openid] = u.ID
		e.bind(int(u.ID), a, now.AddDate(0, -1, 0), time.Time{})
		e.order(int(u.ID), a, layerGridA, now.Add(-time.Hour), 1500, 0, "s1")
	}
	if err := e.wx.sim.RefuseSubscribeMessages(testAppID, "o-layer-refuses"); err != nil {
		t.Fatal(err)
	}
	consents := e.replicas[0].Consents
	report := func(openid, request string, templates ...string) int {
		t.Helper()
		n, err := consents.Report(ctx, users[openid], request, templates)
		if err != nil {
			t.Fatalf("report of %s: %v", openid, err)
		}
		return n
	}
	if n := report("o-layer-one", "req-000001", layerTemplate); n != 1 {
		t.Errorf("stored %d acceptances, want 1", n)
	}
	if n := report("o-layer-one", "req-000001", layerTemplate); n != 0 {
		t.Errorf("a resent report stored %d acceptances, want 0", n)
	}
	report("o-layer-refuses", "req-000002", layerTemplate)
	report("o-layer-two", "req-000003", layerTemplate)
	report("o-layer-two", "req-000004", layerTemplate)
	if _, err := consents.Report(ctx, users["o-layer-none"], "req-000005", []string{"tmpl-unknown"}); err == nil {
		t.Error("an acceptance of a template nobody asks for was stored")
	}
	if err := e.replicas[0].LayerSnapshots.Run(ctx, day); err != nil {
		t.Fatal(err)
	}
	msg := layer.Message{TemplateID: layerTemplate, Page: "pages/index/index",
		Data: map[string]string{"thing1": "本周新品", "time2": "2026-12-08 10:00"}}
	aud := layer.Audience{Day: day, Layer: layer.New, Grid: layerGridA}
	targeting := e.replicas[0].Targeting
	bad := msg
	bad.TemplateID = "tmpl-unknown"
	if _, err := targeting.SendMessage(ctx, aud, bad, "", 1); err == nil {
		t.Error("a message of an unknown template was accepted")
	}
	run := func() *layer.Send {
		t.Helper()
		send, err := targeting.SendMessage(ctx, aud, msg, "新品", 1)
		if err != nil || send.Total != 4 {
			t.Fatalf("send %+v, %v", send, err)
		}
		for range 2 {
			var wg sync.WaitGroup
			for i := range e.replicas {
				wg.Go(func() {
					if err := e.replicas[i].Targeting.Tick(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
		got, err := targeting.Get(ctx, send.ID)
		if err != nil || got.Status != layer.Done {
			t.Fatalf("send after the ticks %+v, %v", got, err)
		}
		return got
	}
	first := run()
	if want := (layer.Progress{Sent: 2, NoConsent: 1, Refused: 1}); first.Progress != want {
		t.Errorf("first send: %+v, want %+v", first.Progress, want)
	}
	second := run()
	if want := (layer.Progress{Sent: 1, NoConsent: 3}); second.Progress != want {
		t.Errorf("second send: %+v, want %+v", second.Progress, want)
	}
	for openid, n := range map[string]int{"o-layer-one": 1, "o-layer-none": 0, "o-layer-refuses": 0, "o-layer-two": 2} {
		if got := e.wx.sim.SubscribeMessages(openid); len(got) != n {
			t.Errorf("%s got %d messages, want %d", openid, len(got), n)
		}
	}
	left, err := consents.Unused(ctx, users["o-layer-two"])
	if err != nil || left[layerTemplate] != 0 {
		t.Errorf("unused acceptances left: %v, %v", left, err)
	}
}

// A failure of WeChat gives the acceptance back for a later try. A replica that died mid-send leaves its lease to run out and its shopper "sending": another
// replica takes the send over once the lease ran out, finishes it, and never sends that shopper
// a second message (its outcome is unknown, its acceptance used).
func TestTargetedMessageResumesAfterACrash(t *testing.T) {
	e := newLayerEnv(t, true)
	ctx := t.Context()
	now := e.stack.clock.Now()
	day := layer.DayOf(now).String()
	a := e.leader(layerGridA)
	var ids []int64
	for i, openid := range []string{"o-crash-cut-off", "o-crash-later"} {
		u, err := e.stack.users.UpsertByOpenID(ctx, openid, "", []identity.Role{identity.RoleShopper}, now)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
		e.bind(int(u.ID), a, now.AddDate(0, -1, 0), time.Time{})
		e.order(int(u.ID), a, layerGridA, now.Add(-time.Hour), 1500, 0, "")
		if _, err := e.replicas[0].Consents.Report(ctx, u.ID, fmt.Sprintf("req-crash-%d", i), []string{layerTemplate}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.replicas[0].LayerSnapshots.Run(ctx, day); err != nil {
		t.Fatal(err)
	}
	send, err := e.replicas[0].Targeting.SendMessage(ctx, layer.Audience{Day: day, Layer: layer.New, Grid: layerGridA},
		layer.Message{TemplateID: layerTemplate, Data: map[string]string{"thing1": "到货提醒"}}, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	// WeChat's system error on the first try: the acceptance goes back and the shopper waits
	// for the next tick.
	e.wx.sim.FailNext(wxsim.OpSubscribeSend, -1, "system error", 1)
	if err := e.replicas[0].Targeting.Tick(ctx); err == nil {
		t.Fatal("a tick that met WeChat's system error reports none")
	}
	if p, err := e.replicas[0].Targeting.Get(ctx, send.ID); err != nil || p.Progress != (layer.Progress{Pending: 2}) {
		t.Fatalf("after the failed try %+v, %v; want both pending", p, err)
	}
	if left, err := e.replicas[0].Consents.Unused(ctx, ids[0]); err != nil || left[layerTemplate] != 1 {
		t.Fatalf("the acceptance was not given back: %v, %v", left, err)
	}
	// The dead replica: it leased the send a while ago and used the first shopper's acceptance,
	// then never heard WeChat's answer.
	store := layerstore.NewSendStore(e.db)
	if ok, err := store.Lease(ctx, send.ID, time.Now().Add(-2*time.Minute), time.Minute); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	if out, err := store.TakeConsent(ctx, send.ID, ids[0], layerTemplate, now); err != nil || out != layer.Taken {
		t.Fatalf("take consent: %v %v", out, err)
	}
	for range 2 {
		if err := e.replicas[1].Targeting.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.replicas[1].Targeting.Get(ctx, send.ID)
	if err != nil || got.Status != layer.Done || got.Progress != (layer.Progress{Sent: 1, Unknown: 1}) {
		t.Fatalf("send after the takeover %+v, %v", got, err)
	}
	if n := len(e.wx.sim.SubscribeMessages("o-crash-cut-off")); n != 0 {
		t.Errorf("the cut-off shopper got %d messages, want 0 (never sent twice)", n)
	}
	if n := len(e.wx.sim.SubscribeMessages("o-crash-later")); n != 1 {
		t.Errorf("the other shopper got %d messages, want 1", n)
	}
}
