package data_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/data/outboxstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// An event exists exactly when the transaction that published it commits, and is delivered.
func TestOutboxPublishesWithTheTransaction(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *sqldb.DB{"postgres": openPostgres, "sqlite": openSQLite} {
		t.Run(name, func(t *testing.T) {
			s := newStack(t, open(t))
			store := outboxstore.NewOutboxStore(s.data, s.clock.Now)
			ctx := t.Context()
			boom := errors.New("boom")
			err := s.data.InTx(ctx, func(ctx context.Context) error {
				if err := event.PublishJSON(ctx, store, "order.paid", "order/1", map[string]int{"order": 1}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatal(err)
			}
			err = s.data.InTx(ctx, func(ctx context.Context) error {
				return event.PublishJSON(ctx, store, "order.paid", "order/2", map[string]int{"order": 2})
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			d := event.NewDispatcher(store, s.clock.Now, nil)
			d.Handle("order.paid", func(_ context.Context, e event.Event) error {
				var p struct{ Order int }
				if err := e.Decode(&p); err != nil {
					return err
				}
				got = append(got, fmt.Sprintf("%s %d", e.Key, p.Order))
				return nil
			})
			for range 2 {
				if _, err := d.DispatchOnce(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if len(got) != 1 || got[0] != "order/2 2" {
				t.Fatalf("delivered %v, want only the committed event once", got)
			}
		})
	}
}

// A failing handler's event comes back after its back-off, with the reason kept meanwhile; an
// event whose dispatcher died comes back when the lease ends.
func TestOutboxRetriesAndLeases(t *testing.T) {
	s := newStack(t, openPostgres(t))
	store := outboxstore.NewOutboxStore(s.data, s.clock.Now)
	ctx := t.Context()
	if err := store.Publish(ctx, "t", "k/1", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	fail := true
	calls := 0
	d := event.NewDispatcher(store, s.clock.Now, nil)
	d.Handle("t", func(context.Context, event.Event) error {
		calls++
		if fail {
			return errors.New("downstream not ready")
		}
		return nil
	})
	if n, err := d.DispatchOnce(ctx); n != 1 || err != nil {
		t.Fatalf("first dispatch: %d, %v", n, err)
	}
	if n := s.count("SELECT count(*) FROM outbox_events WHERE last_error = 'downstream not ready' AND delivered_at IS NULL"); n != 1 {
		t.Fatal("the failure was not recorded")
	}
	if n, _ := d.DispatchOnce(ctx); n != 0 {
		t.Fatal("a failed event came back before its back-off")
	}
	s.clock.Advance(2 * time.Second)
	fail = false
	if n, err := d.DispatchOnce(ctx); n != 1 || err != nil || calls != 2 {
		t.Fatalf("after the back-off: %d, %v, %d calls", n, err, calls)
	}

	// A dispatcher that claims and dies: nothing is delivered until its lease ends.
	if err := store.Publish(ctx, "t", "k/2", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	now := s.clock.Now()
	if claimed, err := store.Claim(ctx, now, now.Add(30*time.Second), 10); err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %v", claimed, err)
	}
	if n, _ := d.DispatchOnce(ctx); n != 0 {
		t.Fatal("a leased event was claimed twice")
	}
	s.clock.Advance(31 * time.Second)
	if n, err := d.DispatchOnce(ctx); n != 1 || err != nil {
		t.Fatalf("after the lease: %d, %v", n, err)
	}
}

// Two dispatchers (replicas) share 300 events: each is handled once and all are delivered.
func TestOutboxDispatchersShareTheWork(t *testing.T) {
	s := newStack(t, openPostgres(t))
	store := outboxstore.NewOutboxStore(s.data, s.clock.Now)
	ctx := t.Context()
	const n = 300
	for i := range n {
		if err := store.Publish(ctx, "t", fmt.Sprintf("k/%d", i), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	handler := func(_ context.Context, e event.Event) error {
		mu.Lock()
		seen[e.ID]++
		mu.Unlock()
		return nil
	}
	waitAll(t, 2, time.Minute, func(int) {
		d := event.NewDispatcher(outboxstore.NewOutboxStore(s.data, s.clock.Now), s.clock.Now, nil)
		d.Handle("t", handler)
		for {
			claimed, err := d.DispatchOnce(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			if claimed == 0 {
				return
			}
		}
	})
	for id, c := range seen {
		if c != 1 {
			t.Errorf("event %d handled %d times", id, c)
		}
	}
	if len(seen) != n || s.count("SELECT count(*) FROM outbox_events WHERE delivered_at IS NULL") != 0 {
		t.Fatalf("%d of %d events handled, %d left", len(seen), n, s.count("SELECT count(*) FROM outbox_events WHERE delivered_at IS NULL"))
	}
}

// A dispatcher whose lease ran out and whose event was claimed again is fenced off: its late
// Retry or Delivered changes nothing, and the new holder's outcome stands.
func TestOutboxFencesOffAStaleDispatcher(t *testing.T) {
	s := newStack(t, openPostgres(t))
	store := outboxstore.NewOutboxStore(s.data, s.clock.Now)
	ctx := t.Context()
	if err := store.Publish(ctx, "t", "k/1", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	now := s.clock.Now()
	stale, err := store.Claim(ctx, now, now.Add(30*time.Second), 1)
	if err != nil || len(stale) != 1 {
		t.Fatalf("first claim: %v, %v", stale, err)
	}
	now = s.clock.Advance(31 * time.Second)
	fresh, err := store.Claim(ctx, now, now.Add(30*time.Second), 1)
	if err != nil || len(fresh) != 1 || fresh[0].Attempts != 2 {
		t.Fatalf("second claim: %v, %v", fresh, err)
	}
	if err := store.Retry(ctx, stale[0], now.Add(time.Second), "late failure"); err != nil {
		t.Fatal(err)
	}
	if n := s.count("SELECT count(*) FROM outbox_events WHERE last_error = 'late failure'"); n != 0 {
		t.Fatal("a stale dispatcher's retry overwrote the new claim")
	}
	if err := store.Delivered(ctx, fresh[0], now); err != nil {
		t.Fatal(err)
	}
	if err := store.Retry(ctx, stale[0], now.Add(time.Second), "later still"); err != nil {
		t.Fatal(err)
	}
	if n := s.count("SELECT count(*) FROM outbox_events WHERE delivered_at IS NOT NULL AND last_error IS NULL"); n != 1 {
		t.Fatal("the delivered event was touched by the stale dispatcher")
	}
}
