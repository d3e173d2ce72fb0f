// Package identity is who may call the service: mini-program users signed in through WeChat,
// console staff signed in with a password, the roles they hold and the sessions that keep them
// signed in.
package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Role is what a principal may act as.
type Role string

const (
	RoleShopper Role = "shopper"
	RoleLeader  Role = "leader"
	RoleOps     Role = "ops"
	RoleFinance Role = "finance"
	RoleAdmin   Role = "admin"
)

// ConsoleRoles are the roles a console account can have, exactly one each.
var ConsoleRoles = []Role{RoleOps, RoleFinance, RoleAdmin}

// ParseConsoleRole accepts "ops", "finance" or "admin".
func ParseConsoleRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(ConsoleRoles, r) {
		return "", fmt.Errorf("console role %q: must be one of ops, finance, admin", s)
	}
	return r, nil
}

// SubjectKind tells users and console accounts apart; their ids come from different tables.
type SubjectKind string

const (
	SubjectUser    SubjectKind = "user"
	SubjectConsole SubjectKind = "console"
	// SubjectSystem is the service itself acting: scheduled jobs, demo data. It never signs in.
	SubjectSystem SubjectKind = "system"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	Kind  SubjectKind
	ID    int64
	Roles []Role
	// Session is the session family of the caller's access token; empty for the system.
	Session string
}

// Has reports whether the principal holds any of roles.
func (p Principal) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// User is a mini-program user. Phone is the plain number once bound; the data layer stores it
// sealed and only MaskPhone(Phone) ever leaves the service.
type User struct {
	ID        int64
	OpenID    string
	UnionID   string
	Roles     []Role
	Phone     string
	CreatedAt time.Time
	// FirstSeen is set on the user UpsertByOpenID created: this login is its first.
	FirstSeen bool
}

// TopicShopperJoined is published, in the transaction of its first login, when a shopper is seen
// for the first time (new-shopper rewards listen to it).
const TopicShopperJoined = "shopper.joined"

// Joined is the payload of TopicShopperJoined.
type Joined struct {
	UserID int64     `json:"user_id"`
	At     time.Time `json:"at"`
}

// ConsoleAccount is a member of the ops or finance staff.
type ConsoleAccount struct {
	ID             int64
	Username       string
	PasswordHash   string
	Role           Role
	FailedAttempts int
	LockedUntil    *time.Time
	Disabled       bool
}

// LockedAt reports whether the account is locked at now.
func (a *ConsoleAccount) LockedAt(now time.Time) bool {
	return a.LockedUntil != nil && now.Before(*a.LockedUntil)
}

// Errors of this domain. The service layer gives each its API reason.
var (
	ErrLoginCodeInvalid    = errors.New("wx.login code is invalid or expired")
	ErrLoginCodeUsed       = errors.New("wx.login code was already used")
	ErrPhoneCodeInvalid    = errors.New("phone-number code is invalid, used or expired")
	ErrRefreshTokenInvalid = errors.New("refresh token is invalid, expired or revoked")
	ErrRefreshTokenReused  = errors.New("refresh token was already used; the session is revoked")
	ErrCredentialsInvalid  = errors.New("wrong username or password")
	ErrAccountLocked       = errors.New("account is locked after repeated failed logins")
	ErrAccountDisabled     = errors.New("account is disabled")
	ErrLoginBusy           = errors.New("too many password checks in progress")
)

// LockedError is ErrAccountLocked with the time the lock lifts.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("%v until %s", ErrAccountLocked, e.Until.Format(time.RFC3339))
}

func (e *LockedError) Is(target error) bool { return target == ErrAccountLocked }

type principalKey struct{}

// WithPrincipal returns ctx carrying p; the authentication middleware calls it.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller that the authentication middleware put in ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
