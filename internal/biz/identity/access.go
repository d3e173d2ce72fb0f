package identity

import (
	"context"
	"errors"
	"slices"
)

// ErrSessionRevoked means the access token belongs to a session that was logged out or revoked
// (its refresh token was reused): the caller must log in again.
var ErrSessionRevoked = errors.New("the session of this access token was revoked")

// AccessMarks make a revoked session or a lost role take effect on the next request instead of
// when the access tokens issued before expire. A mark lives as long as an access token can, so
// checking one is a single read per request and nothing is kept for long. An implementation may
// answer without a read for a subject it knows has no mark, provided a mark made on any replica
// reaches it before it answers so again (at most the time a message takes between replicas).
type AccessMarks interface {
	// LimitRoles caps the roles of every access token of the subject issued until now at roles:
	// a role taken away is gone from the next request on; one given back comes with the next
	// token (refresh).
	LimitRoles(ctx context.Context, kind SubjectKind, id int64, roles []Role) error
	// RevokeSession refuses the access tokens of one session family from now on.
	RevokeSession(ctx context.Context, kind SubjectKind, id int64, family string) error
	// Apply returns p as the marks leave it: ErrSessionRevoked when its session was revoked,
	// else p with its roles limited by the latest change of roles.
	Apply(ctx context.Context, p Principal) (Principal, error)
}

// LimitRoles returns p with only the roles that are also in allowed.
func LimitRoles(p Principal, allowed []Role) Principal {
	kept := make([]Role, 0, len(p.Roles))
	for _, r := range p.Roles {
		if slices.Contains(allowed, r) {
			kept = append(kept, r)
		}
	}
	p.Roles = kept
	return p
}
