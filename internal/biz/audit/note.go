package audit

import (
	"context"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// SubjectNote carries, out of a public operation, whom it acted for: a sign-out names no one in
// its request (only a refresh token), yet its entry must say whose session ended.
type SubjectNote struct {
	p   identity.Principal
	set bool
}

type subjectNoteKey struct{}

// WithSubjectNote gives ctx an empty note for the operation about to run.
func WithSubjectNote(ctx context.Context) (context.Context, *SubjectNote) {
	n := &SubjectNote{}
	return context.WithValue(ctx, subjectNoteKey{}, n), n
}

// NoteSubject records that the operation running in ctx acted for p; without a note it does
// nothing (the operation is not being recorded).
func NoteSubject(ctx context.Context, p identity.Principal) {
	if n, ok := ctx.Value(subjectNoteKey{}).(*SubjectNote); ok {
		n.p, n.set = p, true
	}
}

// Subject is what the operation noted.
func (n *SubjectNote) Subject() (identity.Principal, bool) {
	if n == nil {
		return identity.Principal{}, false
	}
	return n.p, n.set
}
