package identitystore

import (
	"testing"
	"time"
)

// The list answers only while live, keeps a subject's latest expiry, treats an expired mark as
// none, and forgets expired subjects when pruned.
func TestMarkedSubjects(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	var s markedSubjects
	s.add("{user:1}", now.Add(time.Hour))
	if s.unmarked("{user:2}", now) {
		t.Fatal("a list that is not live answers")
	}
	s.start(map[string]time.Time{"{user:1}": now.Add(-time.Hour), "{user:3}": now.Add(-time.Second)})
	switch {
	case s.unmarked("{user:1}", now):
		t.Error("an older expiry from the index replaced the newer announced one")
	case !s.unmarked("{user:2}", now):
		t.Error("a subject never marked needs a read")
	case !s.unmarked("{user:3}", now):
		t.Error("an expired mark needs a read")
	}
	s.prune(now)
	if len(s.until) != 1 {
		t.Errorf("after pruning: %v, want only {user:1}", s.until)
	}
	s.stop()
	if s.unmarked("{user:2}", now) {
		t.Error("a stopped list answers")
	}
}
