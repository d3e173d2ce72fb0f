package identity

import (
	"context"
	"time"
)

// WechatSession is what code2Session tells about the person behind a wx.login code.
type WechatSession struct {
	OpenID  string
	UnionID string
}

// Wechat is the mini-program server API. Implementations translate WeChat's error codes into this
// package's errors (ErrLoginCodeInvalid, ErrLoginCodeUsed, ErrPhoneCodeInvalid) and bizerr's
// (ErrRateLimited, ErrUnavailable).
type Wechat interface {
	Code2Session(ctx context.Context, code string) (WechatSession, error)
	PhoneNumber(ctx context.Context, code string) (string, error)
}

// UserRepo stores mini-program users. Get returns bizerr.ErrNotFound for an unknown id.
type UserRepo interface {
	// UpsertByOpenID finds the user with openid or creates it with roles (FirstSeen), recording
	// the login.
	UpsertByOpenID(ctx context.Context, openid, unionid string, roles []Role, at time.Time) (*User, error)
	Get(ctx context.Context, id int64) (*User, error)
	// SetPhone stores phone sealed, replacing any earlier number.
	SetPhone(ctx context.Context, id int64, phone string) (*User, error)
}

// ConsoleRepo stores console accounts. Lookups return bizerr.ErrNotFound for an unknown account
// and Create returns bizerr.ErrConflict for a taken username.
type ConsoleRepo interface {
	Create(ctx context.Context, a *ConsoleAccount) (*ConsoleAccount, error)
	GetByUsername(ctx context.Context, username string) (*ConsoleAccount, error)
	Get(ctx context.Context, id int64) (*ConsoleAccount, error)
	// ClaimAttempt counts one login attempt as failed before the password is checked (a success
	// clears it), unless the account is locked at now. It returns the account after the change;
	// the count includes every attempt in flight, so a burst of guesses cannot outrun the lock.
	ClaimAttempt(ctx context.Context, id int64, now time.Time) (*ConsoleAccount, error)
	// Lock locks the account until until and starts counting afresh, unless it is locked at now.
	// It returns the account after the change.
	Lock(ctx context.Context, id int64, now, until time.Time) (*ConsoleAccount, error)
	// RecordSuccess clears the count and notes the login, unless the account is locked at now; it
	// reports whether it did (a concurrent attempt may have locked the account meanwhile).
	RecordSuccess(ctx context.Context, id int64, now time.Time) (bool, error)
	// Unlock lifts a lock and clears the failure count.
	Unlock(ctx context.Context, username string) (*ConsoleAccount, error)
}

// Session is one refresh token, stored by hash. Tokens of one login share a Family.
type Session struct {
	ID        int64
	Kind      SubjectKind
	SubjectID int64
	Family    string
	TokenHash string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

// SessionRepo stores refresh-token sessions. GetByHash returns bizerr.ErrNotFound when unknown.
type SessionRepo interface {
	Create(ctx context.Context, s *Session) error
	GetByHash(ctx context.Context, tokenHash string) (*Session, error)
	// MarkUsed sets used_at only if the session is neither used nor revoked, and reports whether
	// it did: of two concurrent refreshes with one token exactly one wins.
	MarkUsed(ctx context.Context, id int64, at time.Time) (bool, error)
	RevokeFamily(ctx context.Context, family string, at time.Time) error
}

// TokenIssuer signs access tokens. It lives with the transport that verifies them.
type TokenIssuer interface {
	IssueAccessToken(p Principal, expiresAt time.Time) (string, error)
}
