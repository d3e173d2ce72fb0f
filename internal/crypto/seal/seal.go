// Package seal encrypts small items of personal data (phone numbers, real
// names) before they are stored in the database, using AES-256-GCM and a
// keyring whose active key can be rotated without re-encrypting old rows
// first.
//
// # Sealed format
//
// A sealed value is a printable ASCII string safe for a TEXT column:
//
//	v1.<keyid>.<payload>
//
// where:
//
//   - "v1" is the format version; anything else is rejected as malformed.
//   - <keyid> names the key that sealed the value: 1–32 characters of
//     [a-z0-9-]. Open uses it to pick the key, so rows sealed before a
//     rotation keep opening as long as their key stays in the keyring.
//   - <payload> is unpadded base64url (RFC 4648 §5) of
//     nonce(12 bytes) || ciphertext || GCM tag(16 bytes). The nonce is random
//     for every Seal, so equal plaintexts give different sealed values.
//
// An 11-digit phone number sealed with key "k2025a" looks like
//
//	v1.k2025a.ySY18r_SQykpEXBkqfK-nXNOzp1cdprs3LNwZ8_KIqXiKV_Up0gq
//
// i.e. 12+11+16 = 39 payload bytes, 52 base64 characters.
//
// # Associated data
//
// The caller passes associated data (aad) naming where the value lives, such
// as "user/42/phone". The GCM additional data is the header "v1.<keyid>."
// followed by the caller's aad, so a sealed value copied to another row or
// column, or one whose key id was edited, fails to open with ErrAuth.
//
// # Rotation
//
// Add the new key to the configuration, make it active and keep the old ones.
// New values seal with the active key; a background job finds rows for which
// NeedsReseal reports true, opens them and seals them again. Once no row
// uses an old key it can be removed from the configuration.
//
// With random 96-bit nonces a single key should seal well under 2^32 values;
// rotating keys periodically keeps every key far from that limit.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
)

const (
	version   = "v1"
	keySize   = 32 // AES-256
	nonceSize = 12
	tagSize   = 16
	maxIDLen  = 32
)

// Errors returned by Open and KeyID; test for them with errors.Is. Their
// messages never contain plaintext or key material.
var (
	// ErrMalformed means the value is not a well-formed v1 sealed string.
	ErrMalformed = errors.New("seal: malformed sealed value")
	// ErrUnknownKey means the value names a key id that is not in the keyring.
	ErrUnknownKey = errors.New("seal: unknown key id")
	// ErrAuth means decryption failed: wrong aad, wrong key, or tampering.
	ErrAuth = errors.New("seal: authentication failed")
	// ErrConfig is wrapped by every NewKeyring error.
	ErrConfig = errors.New("seal: invalid keyring configuration")
)

// payloadEncoding is strict so each payload has exactly one accepted spelling.
var payloadEncoding = base64.RawURLEncoding.Strict()

// Keyring holds the AES-256-GCM keys by id and the id of the active key used
// for sealing. It is immutable after NewKeyring and safe for concurrent use.
type Keyring struct {
	active string
	aeads  map[string]cipher.AEAD
}

// NewKeyring builds a keyring from configuration. keys maps key ids to
// standard base64 encodings of 32-byte keys (surrounding whitespace is
// ignored); activeID must be one of them. Errors wrap ErrConfig and name the
// offending id, never the key.
func NewKeyring(activeID string, keys map[string]string) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys configured", ErrConfig)
	}
	kr := &Keyring{active: activeID, aeads: make(map[string]cipher.AEAD, len(keys))}
	// Sorted so that a bad configuration always reports the same error.
	ids := make([]string, 0, len(keys))
	for id := range keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		aead, err := newAEAD(id, keys[id])
		if err != nil {
			return nil, err
		}
		kr.aeads[id] = aead
	}
	if err := checkID(activeID); err != nil {
		return nil, fmt.Errorf("%w: active %w", ErrConfig, err)
	}
	if _, ok := kr.aeads[activeID]; !ok {
		return nil, fmt.Errorf("%w: active key id %q is not among the configured keys", ErrConfig, activeID)
	}
	return kr, nil
}

// newAEAD decodes one configured key and returns its GCM instance. The raw
// key bytes are wiped once AES has expanded them.
func newAEAD(id, encoded string) (cipher.AEAD, error) {
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return nil, fmt.Errorf("%w: key %q is not valid standard base64", ErrConfig, id)
	}
	defer clear(raw)
	if len(raw) != keySize {
		return nil, fmt.Errorf("%w: key %q decodes to %d bytes, want %d", ErrConfig, id, len(raw), keySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: key %q: %w", ErrConfig, id, err)
	}
	// The random-nonce variant draws a fresh 12-byte nonce from crypto/rand
	// and prepends it, which is exactly the payload layout documented above.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("%w: key %q: %w", ErrConfig, id, err)
	}
	return aead, nil
}

// checkID reports why id is not a valid key id. An over-long id is not
// echoed: it is most likely a key pasted into the id field by mistake.
func checkID(id string) error {
	switch {
	case id == "":
		return errors.New("key id is empty")
	case len(id) > maxIDLen:
		return fmt.Errorf("key id of %d characters is longer than %d", len(id), maxIDLen)
	case !validID(id):
		return fmt.Errorf("key id %q may contain only a-z, 0-9 and '-'", id)
	}
	return nil
}

func validID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// ActiveKeyID returns the id of the key that Seal uses.
func (k *Keyring) ActiveKeyID() string { return k.active }

// String describes the keyring by key ids only, so that logging or printing
// a Keyring (or a config struct holding one) cannot reveal key material.
func (k *Keyring) String() string {
	ids := make([]string, 0, len(k.aeads))
	for id := range k.aeads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return fmt.Sprintf("seal.Keyring{active: %s, keys: [%s]}", k.active, strings.Join(ids, " "))
}

// GoString keeps %#v from dumping the AES key schedule.
func (k *Keyring) GoString() string { return k.String() }

// Seal encrypts plaintext with the active key, binding it to aad, and
// returns the sealed string together with the id of the key used.
func (k *Keyring) Seal(plaintext, aad []byte) (sealed, keyID string, err error) {
	id := k.active
	hdr := header(id)
	// The AEAD comes from cipher.NewGCMWithRandomNonce: it draws and prepends its own nonce.
	payload := k.aeads[id].Seal(nil, nil, plaintext, additionalData(hdr, aad)) //nolint:gosec // G407: see above
	return hdr + payloadEncoding.EncodeToString(payload), id, nil
}

// Open decrypts a value produced by Seal with the same aad, using the key
// named in the value. Errors wrap ErrMalformed, ErrUnknownKey or ErrAuth.
func (k *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	p, err := parse(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := k.aeads[p.keyID]
	if !ok {
		// The id passed validID, so echoing it is safe and helps operators
		// spot a key that was removed too early.
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, p.keyID)
	}
	plaintext, err := aead.Open(nil, nil, p.payload, additionalData(header(p.keyID), aad))
	if err != nil {
		return nil, ErrAuth
	}
	return plaintext, nil
}

// KeyID returns the id of the key that sealed a value, without decrypting
// it. It fails with ErrMalformed for anything Open would reject as malformed.
func KeyID(sealed string) (string, error) {
	p, err := parse(sealed)
	if err != nil {
		return "", err
	}
	return p.keyID, nil
}

// NeedsReseal reports whether sealed was not produced with the active key.
// Malformed values also report true, so that a rotation job visits them and
// surfaces the error from Open instead of silently skipping corrupt rows.
func (k *Keyring) NeedsReseal(sealed string) bool {
	id, err := KeyID(sealed)
	return err != nil || id != k.active
}

// GenerateKey returns a new random 32-byte key, standard base64 encoded, in
// the form NewKeyring expects.
func GenerateKey() (string, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("seal: generating key: %w", err)
	}
	defer clear(key)
	return base64.StdEncoding.EncodeToString(key), nil
}

type parsed struct {
	keyID   string
	payload []byte // nonce || ciphertext || tag
}

func parse(sealed string) (parsed, error) {
	ver, rest, ok := strings.Cut(sealed, ".")
	if !ok {
		return parsed{}, fmt.Errorf("%w: missing header", ErrMalformed)
	}
	if ver != version {
		return parsed{}, fmt.Errorf("%w: unsupported version", ErrMalformed)
	}
	id, enc, ok := strings.Cut(rest, ".")
	if !ok || !validID(id) {
		return parsed{}, fmt.Errorf("%w: bad key id", ErrMalformed)
	}
	payload, err := payloadEncoding.DecodeString(enc)
	if err != nil {
		return parsed{}, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	if len(payload) < nonceSize+tagSize {
		return parsed{}, fmt.Errorf("%w: payload too short", ErrMalformed)
	}
	return parsed{keyID: id, payload: payload}, nil
}

func header(keyID string) string { return version + "." + keyID + "." }

// additionalData authenticates the header along with the caller's aad. The
// header ends in '.', which cannot occur inside it otherwise, so the
// concatenation is unambiguous.
func additionalData(hdr string, aad []byte) []byte {
	ad := make([]byte, 0, len(hdr)+len(aad))
	ad = append(ad, hdr...)
	return append(ad, aad...)
}
