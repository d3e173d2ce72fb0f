package data_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/tracking"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/data/trackingstore"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

// evEnv is the shoppers' events as the program records them, on a real database and Redis:
// shoppers 100.. bound to leader home (grid gridHome); leader away serves gridAway.
type evEnv struct {
	*stack
	uc         *tracking.Usecase
	home, away int64
}

const (
	gridHome = "8831aa5a9dfffff"
	gridAway = "8831aa5a9bfffff"
)

func newEvEnv(t *testing.T, db *sqldb.DB, mode testenv.RedisMode, cfg tracking.Config) *evEnv {
	t.Helper()
	s := newStackIn(t, db, mode)
	// 16:30 UTC is 00:30 the next day in Beijing: the day an event counts for is Beijing's.
	s.clock.Set(time.Date(2026, 12, 7, 16, 30, 0, 0, time.UTC))
	c := s.config()
	c.Tracking = cfg
	built := s.build(s.clock.Now, nil, c)
	e := &evEnv{stack: s, uc: built.Tracking}
	e.home, e.away = e.leader(1, gridHome), e.leader(2, gridAway)
	return e
}

func (e *evEnv) leader(userID int64, grid string) int64 {
	e.t.Helper()
	e.exec(`INSERT INTO leaders (created_at, updated_at, user_id, status, paused, status_reason, real_name_sealed,
		phone_sealed, pii_key_id, point_name, address, lat, lng, pickup_cell, grid_cell, opening_hours, invite_code)
		VALUES ($1, $1, $2, 'approved', false, '', 'x', 'x', 'k1', '东门', '人民大道', 31.23, 121.47, 'c', $3,
		'08:00-20:00', $4)`, e.clock.Now(), userID, grid, fmt.Sprintf("INV%05d", userID))
	return int64(e.count(`SELECT id FROM leaders WHERE user_id = $1`, userID))
}

// bind binds shoppers from..to (inclusive) to the home leader.
func (e *evEnv) bind(from, to int64) {
	for u := from; u <= to; u++ {
		e.exec(`INSERT INTO leader_bindings (user_id, leader_id, bound_at) VALUES ($1, $2, $3)`, u, e.home, e.clock.Now())
	}
}

func pageView(id string) tracking.Input {
	return tracking.Input{ClientEventID: id, Kind: tracking.PageView, Session: "s1", BatchID: 7, ItemID: 70}
}

func (e *evEnv) stored() int { return e.count(`SELECT count(*) FROM shopper_events`) }

// A request stored, then sent twice more as a client resends an unanswered one: each event is
// stored once, attributed to the leader it names or the shopper's bound leader, on the Beijing day
// of the server's clock; an id repeated within a request is a duplicate too.
func TestEventsResentAreCountedOnce(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *sqldb.DB{"postgres": openPostgres, "sqlite": openSQLite} {
		t.Run(name, func(t *testing.T) {
			e := newEvEnv(t, open(t), testenv.SingleRedis, tracking.Config{RateLimit: 600, RateWindow: time.Minute})
			e.bind(100, 100)
			clientAt := e.clock.Now().Add(-3 * time.Second)
			batch := []tracking.Input{
				pageView("pv-1"),
				{ClientEventID: "cart-1", Kind: tracking.AddToCart, Session: "s1", BatchID: 7, ItemID: 70, ClientAt: clientAt},
				{ClientEventID: "share-1", Kind: tracking.Share, ShareKey: "sk-abc", BatchID: 7},
				{ClientEventID: "open-1", Kind: tracking.ShareOpen, ShareKey: "sk-xyz", LeaderID: e.away},
				pageView("pv-1"),
			}
			for i, want := range []tracking.Receipt{{Accepted: 4, Duplicates: 1}, {Duplicates: 5}, {Duplicates: 5}} {
				got, err := e.uc.Record(t.Context(), 100, batch)
				if err != nil || got != want {
					t.Fatalf("request %d: %+v, %v; want %+v", i, got, err, want)
				}
			}
			if n := e.stored(); n != 4 {
				t.Fatalf("%d events stored, want 4", n)
			}
			for id, want := range map[string]struct {
				leader int64
				grid   string
			}{"pv-1": {e.home, gridHome}, "cart-1": {e.home, gridHome}, "share-1": {e.home, gridHome}, "open-1": {e.away, gridAway}} {
				if n := e.count(`SELECT count(*) FROM shopper_events WHERE user_id = 100 AND client_event_id = $1
					AND leader_id = $2 AND grid_cell = $3 AND day = '2026-12-08'`, id, want.leader, want.grid); n != 1 {
					t.Errorf("%s: not stored for leader %d in %s on 2026-12-08", id, want.leader, want.grid)
				}
			}
			if n := e.count(`SELECT count(*) FROM shopper_events WHERE client_at IS NOT NULL`); n != 1 {
				t.Errorf("%d events keep a client time, want 1 (cart-1)", n)
			}
			if n := e.count(`SELECT count(*) FROM shopper_events WHERE share_key = 'sk-abc' AND kind = 'share'`); n != 1 {
				t.Errorf("the share is not stored with its key")
			}
			// Another shopper's event of the same id is its own; a shopper with no leader yet
			// (opening a shared link before choosing one) has its events stored without one.
			if got, err := e.uc.Record(t.Context(), 101, batch[:1]); err != nil || got.Accepted != 1 {
				t.Fatalf("shopper 101: %+v, %v", got, err)
			}
			if n := e.count(`SELECT count(*) FROM shopper_events WHERE user_id = 101 AND leader_id IS NULL AND grid_cell IS NULL`); n != 1 {
				t.Errorf("the event of a shopper without a leader is attributed to one")
			}
		})
	}
}

// Many requests at once, with events sent by several requests of one shopper: every event is
// stored exactly once, and the receipts add up to what was stored and what was sent.
func TestEventsConcurrentRequestsLoseNone(t *testing.T) {
	e := newEvEnv(t, openPostgres(t), testenv.SingleRedis, tracking.Config{RateLimit: 100_000, RateWindow: time.Minute})
	const goroutines, requests, perRequest, shoppers = 50, 20, 10, 10
	e.bind(100, 100+shoppers-1)
	var accepted, duplicates atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			// Goroutines g and g+shoppers send for the same shopper; g and g+2*shoppers send the
			// same events (a resend racing its first send).
			user := int64(100 + g%shoppers)
			for r := range requests {
				batch := make([]tracking.Input, perRequest)
				for i := range batch {
					batch[i] = pageView(fmt.Sprintf("g%d-r%d-e%d", g%(2*shoppers), r, i))
				}
				got, err := e.uc.Record(t.Context(), user, batch)
				if err != nil {
					t.Error(err)
					return
				}
				accepted.Add(int64(got.Accepted))
				duplicates.Add(int64(got.Duplicates))
			}
		})
	}
	wg.Wait()
	// Goroutine keys g%20 make 20 distinct streams of requests × perRequest events each.
	const distinct = 2 * shoppers * requests * perRequest
	if n := e.stored(); n != distinct || accepted.Load() != distinct {
		t.Fatalf("%d stored, %d accepted, want %d", n, accepted.Load(), distinct)
	}
	if sent := accepted.Load() + duplicates.Load(); sent != goroutines*requests*perRequest {
		t.Fatalf("receipts count %d events, %d were sent", sent, goroutines*requests*perRequest)
	}
	if n := e.count(`SELECT count(*) FROM (SELECT user_id, client_event_id FROM shopper_events
		GROUP BY 1, 2 HAVING count(*) > 1) d`); n != 0 {
		t.Fatalf("%d events stored twice", n)
	}
}

// A shopper over its limit is refused as a whole, with when to send again, and nothing of the
// refused request is stored; on a Redis Cluster too (the counter's key is one slot).
func TestEventsRateLimitRefusesAndStoresNothing(t *testing.T) {
	for _, mode := range testenv.RedisModes {
		t.Run(string(mode), func(t *testing.T) {
			e := newEvEnv(t, openPostgres(t), mode, tracking.Config{RateLimit: 100, RateWindow: time.Minute})
			e.bind(100, 101)
			send := func(user int64, from, n int) error {
				batch := make([]tracking.Input, n)
				for i := range batch {
					batch[i] = pageView(fmt.Sprintf("e%d", from+i))
				}
				_, err := e.uc.Record(t.Context(), user, batch)
				return err
			}
			if err := send(100, 0, 60); err != nil {
				t.Fatal(err)
			}
			err := send(100, 60, 41)
			var rate *tracking.RateError
			if !errors.As(err, &rate) || rate.RetryAfter <= 0 || rate.RetryAfter > time.Minute {
				t.Fatalf("61st to 101st events: %v, want refused with a retry within the window", err)
			}
			if n := e.stored(); n != 60 {
				t.Fatalf("%d events stored after the refusal, want 60", n)
			}
			// The refused events were not counted: the rest of the limit is still there, and
			// another shopper has a limit of its own.
			if err := send(100, 60, 40); err != nil {
				t.Fatalf("the last 40 of the limit: %v", err)
			}
			if err := send(101, 0, 100); err != nil {
				t.Fatalf("another shopper: %v", err)
			}
			if n := e.stored(); n != 200 {
				t.Fatalf("%d events stored, want 200", n)
			}
		})
	}
}

// Bad input is refused with the event and field at fault and stores nothing.
func TestEventsBadInputRefused(t *testing.T) {
	e := newEvEnv(t, openPostgres(t), testenv.SingleRedis, tracking.Config{RateLimit: 600, RateWindow: time.Minute})
	e.bind(100, 100)
	for _, c := range []struct {
		name  string
		batch []tracking.Input
		index int
		field string
	}{
		{"share without key", []tracking.Input{pageView("a"), {ClientEventID: "b", Kind: tracking.Share}}, 1, "share_key"},
		{"unknown kind", []tracking.Input{{ClientEventID: "a", Kind: "click"}}, 0, "kind"},
		{"page view without batch", []tracking.Input{pageView("a"), pageView("b"), {ClientEventID: "c",
			Kind: tracking.PageView, Session: "s"}}, 2, "batch_id"},
		{"unknown leader", []tracking.Input{pageView("a"), {ClientEventID: "b", Kind: tracking.ShareOpen,
			ShareKey: "k", LeaderID: e.away + 1000}}, 1, "leader_id"},
	} {
		_, err := e.uc.Record(t.Context(), 100, c.batch)
		var bad *tracking.EventError
		if !errors.As(err, &bad) || bad.Index != c.index || bad.Field != c.field {
			t.Errorf("%s: %v, want event %d refused for %s", c.name, err, c.index, c.field)
		}
	}
	tooMany := make([]tracking.Input, tracking.MaxBatch+1)
	for i := range tooMany {
		tooMany[i] = pageView(fmt.Sprintf("e%d", i))
	}
	for _, batch := range [][]tracking.Input{nil, tooMany} {
		if _, err := e.uc.Record(t.Context(), 100, batch); err == nil {
			t.Errorf("%d events accepted", len(batch))
		}
	}
	if n := e.stored(); n != 0 {
		t.Fatalf("%d events stored from refused requests", n)
	}
}

// Requests that arrive while the writers are busy share one statement; when the database refuses
// that statement for one request's event (PostgreSQL refuses NUL in text), the others are stored
// and credited as if sent alone, and only that request fails. Two requests held on keys an open
// transaction has inserted keep both writers busy while the rest queue up behind them.
func TestEventsOneRefusedRequestFailsOnlyItself(t *testing.T) {
	db := openPostgres(t)
	e := newEvEnv(t, db, testenv.SingleRedis, tracking.Config{})
	store := trackingstore.NewStore(db)
	at := e.clock.Now()
	event := func(user int64, id string) tracking.Event {
		return tracking.Event{Input: tracking.Input{ClientEventID: id, Kind: tracking.PageView}, UserID: user, At: at, Day: "2026-12-08"}
	}
	blocker, err := db.SQL.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = blocker.Rollback() }()
	for _, id := range []string{"held-1", "held-2"} {
		if _, err := blocker.Exec(`INSERT INTO shopper_events (user_id, client_event_id, kind, at, day)
			VALUES (200, $1, 'page_view', now(), '2026-12-08')`, id); err != nil {
			t.Fatal(err)
		}
	}
	type outcome struct {
		stored int
		err    error
	}
	send := func(events ...tracking.Event) chan outcome {
		out := make(chan outcome, 1)
		go func() {
			n, err := store.Append(t.Context(), events)
			out <- outcome{n, err}
		}()
		return out
	}
	held := []chan outcome{send(event(200, "held-1")), send(event(200, "held-2"))}
	time.Sleep(300 * time.Millisecond) // both writers wait on the held keys
	good1 := send(event(201, "a"), event(201, "b"))
	bad := send(event(202, "c"), event(202, "nul\x00"))
	good2 := send(event(203, "d"), event(203, "d")) // "d" twice: one stored, one duplicate
	time.Sleep(300 * time.Millisecond)              // all three queued behind the writers
	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}
	for i, ch := range held {
		if o := <-ch; o.err != nil || o.stored != 1 {
			t.Errorf("held request %d: %+v", i, o)
		}
	}
	if o := <-good1; o.err != nil || o.stored != 2 {
		t.Errorf("first good request: %+v, want 2 stored", o)
	}
	if o := <-good2; o.err != nil || o.stored != 1 {
		t.Errorf("second good request: %+v, want 1 stored and 1 duplicate", o)
	}
	if o := <-bad; o.err == nil {
		t.Errorf("the request with a NUL was stored: %+v", o)
	}
	if n := e.count(`SELECT count(*) FROM shopper_events WHERE user_id = 202`); n != 0 {
		t.Errorf("%d events of the refused request stored", n)
	}
	if n := e.count(`SELECT count(*) FROM shopper_events`); n != 5 {
		t.Errorf("%d events stored, want 5", n)
	}
}
