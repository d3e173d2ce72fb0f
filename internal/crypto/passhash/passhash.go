// Package passhash hashes and verifies console account passwords with
// argon2id (RFC 9106), and checks new passwords against a simple policy.
//
// # Encoded format
//
// Hashes are stored as PHC strings, the format used by the reference
// implementation and libsodium:
//
//	$argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>
//
// where m is memory in KiB, t the number of passes, p the parallelism, and
// salt and hash are unpadded standard base64. Verify reads the parameters
// from the string, so hashes made with older parameters keep verifying;
// NeedsRehash tells the login path when to re-hash with the current ones.
//
// Only argon2id version 19 (0x13) is supported. Parameters read from a
// stored hash are bounded (at most 1 GiB of memory, 64 passes) so that a
// corrupted or planted row cannot make a login exhaust the server.
package passhash

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// MaxPasswordBytes bounds the length of a password accepted by Hash and
// CheckStrength; longer inputs never verify. It keeps hashing cost
// predictable and is ample for passphrases.
const MaxPasswordBytes = 128

// Limits on parameters, applied both to HashWith and to stored hashes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 64
)

// Errors; test for them with errors.Is.
var (
	// ErrMalformed means the encoded hash is not a well-formed argon2id PHC
	// string or its parameters are out of bounds.
	ErrMalformed = errors.New("passhash: malformed encoded hash")
	// ErrUnsupported means the hash uses another algorithm or argon2 version.
	ErrUnsupported = errors.New("passhash: unsupported hash algorithm or version")
	// ErrInvalidParams is returned by HashWith for out-of-bounds parameters.
	ErrInvalidParams = errors.New("passhash: invalid parameters")
	// ErrPasswordLength is returned by Hash for an empty or over-long password.
	ErrPasswordLength = errors.New("passhash: password must be 1 to 128 bytes")
	// ErrWeakPassword is wrapped by every CheckStrength error.
	ErrWeakPassword = errors.New("passhash: password too weak")
)

// Params are the argon2id cost parameters.
type Params struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // number of passes over the memory
	Threads uint8  // degree of parallelism
	SaltLen uint32 // salt length in bytes
	KeyLen  uint32 // derived key length in bytes
}

// DefaultParams are the parameters Hash uses: 64 MiB, 3 passes, 2 lanes,
// 16-byte salt and 32-byte key, which meet the OWASP guidance for argon2id
// while keeping a console login around 100 ms. Treat it as read-only.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}

// validate reports why p is outside the supported bounds.
func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("t=%d outside 1..%d", p.Time, maxTime)
	case p.Threads < 1:
		return errors.New("p must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		// argon2 needs 8 KiB per lane; below that x/crypto would silently
		// raise the memory, and the stored m would not describe the hash.
		return fmt.Errorf("m=%d outside %d..%d", p.Memory, 8*uint32(p.Threads), maxMemoryKiB)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d outside %d..%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d outside %d..%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// Hash hashes password with DefaultParams and a random salt.
func Hash(password string) (string, error) {
	return HashWith(password, DefaultParams)
}

// HashWith hashes password with the given parameters, for tests that want
// cheap hashing and for deliberate parameter changes.
func HashWith(password string, p Params) (string, error) {
	if len(password) == 0 || len(password) > MaxPasswordBytes {
		return "", ErrPasswordLength
	}
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidParams, err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("passhash: generating salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encode(p, salt, key), nil
}

// Verify reports whether password matches encoded. The error is non-nil only
// when encoded cannot be used at all (ErrMalformed or ErrUnsupported); a wrong
// password is (false, nil).
func Verify(password, encoded string) (bool, error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	// Hash never accepts such passwords, so they cannot match; refusing
	// early avoids hashing attacker-sized input.
	if len(password) == 0 || len(password) > MaxPasswordBytes {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded differs from p in any parameter, salt
// or key length, or cannot be parsed. Call it after a successful Verify and
// store a fresh Hash if it reports true; this migrates accounts both up and
// down when DefaultParams change.
func NeedsRehash(encoded string, p Params) bool {
	got, _, _, err := decode(encoded)
	return err != nil || got != p
}

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// phcBase64 is strict so that each salt and hash has one accepted spelling.
var phcBase64 = base64.RawStdEncoding.Strict()

// decode parses an argon2id PHC string. The returned Params carry the salt
// and key lengths found in the string.
func decode(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) < 2 || parts[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: not a PHC string", ErrMalformed)
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm is not argon2id", ErrUnsupported)
	}
	if len(parts) != 6 {
		return p, nil, nil, fmt.Errorf("%w: want 5 '$'-separated fields", ErrMalformed)
	}
	if err := checkVersion(parts[2]); err != nil {
		return p, nil, nil, err
	}
	if p, err = parseParams(parts[3]); err != nil {
		return p, nil, nil, err
	}
	if salt, err = phcBase64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt is not unpadded base64", ErrMalformed)
	}
	if key, err = phcBase64.DecodeString(parts[5]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: hash is not unpadded base64", ErrMalformed)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return p, salt, key, nil
}

func checkVersion(field string) error {
	v, ok := strings.CutPrefix(field, "v=")
	if !ok {
		return fmt.Errorf("%w: missing version", ErrMalformed)
	}
	n, err := parseCanonical(v, 32)
	if err != nil {
		return fmt.Errorf("%w: bad version", ErrMalformed)
	}
	if n != argon2.Version {
		return fmt.Errorf("%w: argon2 version %d", ErrUnsupported, n)
	}
	return nil
}

// parseParams parses "m=<KiB>,t=<passes>,p=<lanes>" in exactly that order,
// as every common implementation writes it.
func parseParams(field string) (Params, error) {
	var p Params
	fields := strings.Split(field, ",")
	if len(fields) != 3 {
		return p, fmt.Errorf("%w: want m=,t=,p= parameters", ErrMalformed)
	}
	m, errM := parseNamed(fields[0], "m=", 32)
	t, errT := parseNamed(fields[1], "t=", 32)
	l, errP := parseNamed(fields[2], "p=", 8)
	if err := errors.Join(errM, errT, errP); err != nil {
		return p, fmt.Errorf("%w: bad parameters", ErrMalformed)
	}
	p.Memory, p.Time, p.Threads = uint32(m), uint32(t), uint8(l)
	return p, nil
}

func parseNamed(field, prefix string, bits int) (uint64, error) {
	v, ok := strings.CutPrefix(field, prefix)
	if !ok {
		return 0, errors.New("wrong parameter name")
	}
	return parseCanonical(v, bits)
}

// parseCanonical parses a decimal without sign or leading zeros, so that a
// hash has a single textual form.
func parseCanonical(s string, bits int) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, bits)
	if err != nil {
		return 0, err
	}
	if strconv.FormatUint(n, 10) != s {
		return 0, errors.New("non-canonical number")
	}
	return n, nil
}
