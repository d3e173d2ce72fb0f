package identitystore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// markedSubjects is a replica's list of the subjects that have any access mark: the index that
// marking writes before the mark, then every mark announced on the marks channel. While the
// list is live (subscribed to the channel, and the index read after subscribing), a subject
// missing from it has no mark, and Apply needs no Redis read for it. Marks are rare (a logout,
// a reuse of a refresh token, a leader's roles changed) and requests are many, so most requests
// skip the read. Whenever the subscription drops, the list stops being live until it has been
// rebuilt, and every request reads its marks as before.
type markedSubjects struct {
	mu    sync.Mutex
	live  bool
	until map[string]time.Time // subject → when its newest mark expires
}

// unmarked reports that subject certainly has no mark: the list is live and lacks it.
func (s *markedSubjects) unmarked(subject string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.live {
		return false
	}
	until, ok := s.until[subject]
	return !ok || now.After(until)
}

// add records that subject has a mark until until.
func (s *markedSubjects) add(subject string, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.until == nil {
		s.until = make(map[string]time.Time)
	}
	if until.After(s.until[subject]) {
		s.until[subject] = until
	}
}

// stop makes the list not live and forgets it: marks may have been missed.
func (s *markedSubjects) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live, s.until = false, nil
}

// start makes the list live with the subjects read from the index, on top of those announced
// while it was being read.
func (s *markedSubjects) start(indexed map[string]time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.until == nil {
		s.until = make(map[string]time.Time, len(indexed))
	}
	for subject, until := range indexed {
		if until.After(s.until[subject]) {
			s.until[subject] = until
		}
	}
	s.live = true
}

// prune forgets the subjects whose marks have all expired.
func (s *markedSubjects) prune(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for subject, until := range s.until {
		if now.After(until) {
			delete(s.until, subject)
		}
	}
}

// watchInterval is how long the watcher waits for a message before it pings the channel's
// connection: a connection that died silently is found within two of them.
const watchInterval = time.Second

// pruneInterval is how often the list forgets subjects whose marks expired, busy or not.
const pruneInterval = time.Minute

// watch follows the marks channel until ctx ends, rebuilding the list at each subscription.
func (m *accessMarks) watch(ctx context.Context) {
	defer m.known.stop()
	for ctx.Err() == nil {
		err := m.follow(ctx)
		m.known.stop()
		if ctx.Err() != nil {
			return
		}
		m.log.Warnw("msg", "access marks: the marks channel dropped; every request reads its marks until it is back",
			"err", err)
		select {
		case <-ctx.Done():
		case <-time.After(watchInterval):
		}
	}
}

// follow subscribes and applies the channel's messages until the connection fails.
func (m *accessMarks) follow(ctx context.Context) error {
	ps := m.rdb.Subscribe(ctx, m.channel())
	defer ps.Close()
	// Reads wait for their deadline, not for ctx: closing the subscription ends one at once.
	unblock := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer unblock()
	pinged, pruned := false, m.now()
	for ctx.Err() == nil {
		if now := m.now(); now.Sub(pruned) >= pruneInterval {
			m.known.prune(now)
			pruned = now
		}
		msg, err := ps.ReceiveTimeout(ctx, watchInterval)
		var netErr interface{ Timeout() bool }
		switch {
		case err == nil:
			pinged = false
		case errors.As(err, &netErr) && netErr.Timeout() && !pinged:
			// Quiet: make sure the connection still carries messages.
			if err := ps.Ping(ctx); err != nil {
				return err
			}
			pinged = true
			continue
		default:
			return err
		}
		switch msg := msg.(type) {
		case *redis.Subscription:
			if msg.Kind != "subscribe" {
				continue
			}
			// Subscribed: from now on every mark is announced; those made before are in the index.
			indexed, err := m.readIndex(ctx)
			if err != nil {
				return err
			}
			m.known.start(indexed)
		case *redis.Message:
			if subject, until, ok := parseAnnouncement(msg.Payload); ok {
				m.known.add(subject, until)
			}
		}
	}
	return ctx.Err()
}

// announcement is the marks channel's message for a mark of subject that lasts until until.
func announcement(subject string, until time.Time) string {
	return strconv.FormatInt(until.UnixMilli(), 10) + " " + subject
}

func parseAnnouncement(payload string) (subject string, until time.Time, ok bool) {
	ms, subject, ok := strings.Cut(payload, " ")
	if !ok {
		return "", time.Time{}, false
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	return subject, time.UnixMilli(n), true
}

// readIndex reads the subjects whose marks have not expired, and drops the others from the index.
func (m *accessMarks) readIndex(ctx context.Context) (map[string]time.Time, error) {
	now := strconv.FormatInt(m.now().UnixMilli(), 10)
	if err := m.rdb.ZRemRangeByScore(ctx, m.indexKey(), "-inf", "("+now).Err(); err != nil {
		return nil, fmt.Errorf("prune the index of access marks: %w", err)
	}
	zs, err := m.rdb.ZRangeByScoreWithScores(ctx, m.indexKey(), &redis.ZRangeBy{Min: now, Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("read the index of access marks: %w", err)
	}
	out := make(map[string]time.Time, len(zs))
	for _, z := range zs {
		if subject, ok := z.Member.(string); ok {
			out[subject] = time.UnixMilli(int64(z.Score))
		}
	}
	return out, nil
}
