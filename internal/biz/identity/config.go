package identity

import (
	"time"

	"github.com/groupbuy/groupbuy/internal/crypto/passhash"
)

// Config is the identity policy, from the auth section of the configuration.
type Config struct {
	AccessTTL         time.Duration
	RefreshTTL        time.Duration
	MaxFailedAttempts int
	Lockout           time.Duration
	// PasswordParams are the argon2id costs of new console passwords.
	PasswordParams passhash.Params
	// PasswordChecks bounds the console password checks that run at once (each holds
	// PasswordParams.Memory); logins beyond it wait, until their deadline, for a slot.
	PasswordChecks *passhash.Limiter
}
