package identitystore

import "github.com/groupbuy/groupbuy/internal/biz/identity"

// Live reports whether m's list of marked subjects is live (see markedSubjects).
func Live(m identity.AccessMarks) bool {
	k := m.(*accessMarks).known
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.live
}

// Unmarked reports whether m would answer for the subject without reading Redis.
func Unmarked(m identity.AccessMarks, kind identity.SubjectKind, id int64) bool {
	a := m.(*accessMarks)
	return a.known.unmarked(a.subject(kind, id), a.now())
}
