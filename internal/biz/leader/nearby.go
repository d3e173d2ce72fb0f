package leader

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// Limits of one nearby page.
const (
	MaxPageSize = 50
	MaxOffset   = 200
)

const (
	// pollOverlap re-reads the last seconds of changes on every poll: a transaction that stamped
	// updated_at before an earlier poll but committed after it is still picked up.
	pollOverlap = 10 * time.Second
	// fullReloadEvery rebuilds the index from scratch, the backstop for writers whose clock or
	// transaction lagged beyond pollOverlap.
	fullReloadEvery = 5 * time.Minute
	pollBatch       = 5000
)

// Nearby is one pickup point found near the shopper.
type Nearby struct {
	Leader *Leader
	Meters float64
}

// Finder answers "pickup points near me" from an in-memory H3 index of serving leaders. Every
// replica keeps its own index in step with the database by polling for changed leaders every
// cfg.IndexRefresh, which bounds how long an approval or suspension takes to show.
type Finder struct {
	repo  Repo
	cfg   Config
	now   port.Clock
	index *geo.Index
	cards sync.Map // leader id → *Leader, serving leaders only

	mu         sync.Mutex // one refresh at a time; guards the fields below
	newest     position   // the newest change applied
	newestSeen time.Time  // when, on this clock, newest was first seen
	applied    map[int64]time.Time
	lastFull   time.Time
	loaded     chan struct{}
	once       sync.Once
}

// NewFinder builds an empty finder; Run (or Refresh) loads it.
func NewFinder(repo Repo, cfg Config, now port.Clock) *Finder {
	return &Finder{repo: repo, cfg: cfg, now: now, index: geo.NewIndex(cfg.PickupRes),
		applied: make(map[int64]time.Time), loaded: make(chan struct{})}
}

// Nearby returns serving pickup points within radius metres of loc, nearest first, skipping
// offset of them and returning at most limit; more reports whether a further page may hold
// points (a point removed between the index lookup and the card lookup shortens a page but does
// not end the paging).
func (f *Finder) Nearby(ctx context.Context, loc geo.LatLng, radius float64, offset, limit int) (found []Nearby, more bool, err error) {
	if err := f.checkQuery(loc, radius, offset, limit); err != nil {
		return nil, false, err
	}
	if radius == 0 {
		radius = f.cfg.MaxRadiusMeters
	}
	select {
	case <-f.loaded:
	case <-ctx.Done():
		return nil, false, fmt.Errorf("nearby index not loaded yet: %w", ctx.Err())
	}
	hits := f.index.Nearest(loc, offset+limit, radius)
	more = len(hits) == offset+limit
	if offset >= len(hits) {
		return nil, more, nil
	}
	found = make([]Nearby, 0, len(hits)-offset)
	for _, h := range hits[offset:] {
		if card, ok := f.cards.Load(h.ID); ok {
			found = append(found, Nearby{Leader: card.(*Leader), Meters: h.Meters})
		}
	}
	return found, more, nil
}

func (f *Finder) checkQuery(loc geo.LatLng, radius float64, offset, limit int) error {
	if err := loc.Validate(); err != nil {
		return bizerr.Invalid("location", err.Error())
	}
	if radius != radius || radius < 0 || radius > f.cfg.MaxRadiusMeters {
		return bizerr.Invalid("radius_m", fmt.Sprintf("must be 0 to %.0f metres", f.cfg.MaxRadiusMeters))
	}
	if limit < 1 || limit > MaxPageSize {
		return bizerr.Invalid("page_size", fmt.Sprintf("must be 1 to %d", MaxPageSize))
	}
	if offset < 0 || offset > MaxOffset {
		return bizerr.Invalid("page_token", fmt.Sprintf("offset must be 0 to %d", MaxOffset))
	}
	return nil
}

// Run keeps the index fresh until ctx ends.
func (f *Finder) Run(ctx context.Context) error {
	every := f.cfg.IndexRefresh
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		_ = f.Refresh(ctx) // a failed poll is retried on the next tick; stale beats empty
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Refresh applies every leader changed since the last poll (all of them the first time and every
// fullReloadEvery). Rows changed within pollOverlap of the newest change seen are read again,
// for a transaction that stamped updated_at before a poll but committed after it; once
// pollOverlap has passed, on this replica's own clock, since the newest change was first seen,
// no such commit can still come and polls read only what follows it. (Comparing this clock with
// the updated_at another replica stamped would let clock skew shorten the overlap.) A row
// already applied at its updated_at is not applied again.
func (f *Finder) Refresh(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	from := position{at: f.newest.at.Add(-pollOverlap)}
	if now.Sub(f.newestSeen) >= pollOverlap {
		from = f.newest
	}
	if f.lastFull.IsZero() || now.Sub(f.lastFull) >= fullReloadEvery {
		from, f.lastFull = position{}, now
	}
	for {
		changed, err := f.repo.ChangedSince(ctx, from.at, from.id, pollBatch)
		if err != nil {
			return fmt.Errorf("poll changed leaders: %w", err)
		}
		for _, l := range changed {
			f.applyOnce(l)
		}
		if len(changed) < pollBatch {
			break
		}
		last := changed[len(changed)-1]
		from = position{at: last.UpdatedAt, id: last.ID}
	}
	f.once.Do(func() { close(f.loaded) })
	return nil
}

// position is a place in the change feed: rows come in (updated_at, id) order.
type position struct {
	at time.Time
	id int64
}

func (p position) before(q position) bool {
	return p.at.Before(q.at) || (p.at.Equal(q.at) && p.id < q.id)
}

// applyOnce applies l unless it was applied at this updated_at already, and moves the newest
// position seen.
func (f *Finder) applyOnce(l *Leader) {
	if at, ok := f.applied[l.ID]; !ok || !at.Equal(l.UpdatedAt) {
		f.apply(l)
		f.applied[l.ID] = l.UpdatedAt
	}
	if p := (position{at: l.UpdatedAt, id: l.ID}); f.newest.before(p) {
		f.newest, f.newestSeen = p, f.now()
	}
}

// apply puts a serving leader in the index and takes any other out.
func (f *Finder) apply(l *Leader) {
	if !l.Serving() {
		f.index.Remove(l.ID)
		f.cards.Delete(l.ID)
		return
	}
	card := *l
	card.RealName, card.Phone = "", "" // the index serves shoppers: no personal data in it
	f.cards.Store(l.ID, &card)
	if err := f.index.Upsert(l.ID, l.Point.Location); err != nil {
		f.cards.Delete(l.ID) // a stored point the index refuses cannot be found; keep nothing half-added
	}
}
