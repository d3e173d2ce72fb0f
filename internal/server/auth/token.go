package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strconv"
	"time"

	jwtv5 "github.com/golang-jwt/jwt/v5"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// minSecretLen is the least HMAC key length accepted: HS256 keys shorter than the hash are weak.
const minSecretLen = 32

// Claims is the body of an access token.
type Claims struct {
	jwtv5.RegisteredClaims
	Kind  identity.SubjectKind `json:"knd"`
	Roles []identity.Role      `json:"roles"`
	// Session is the session family, by which a logout refuses the token before it expires.
	Session string `json:"sid,omitempty"`
}

// Issuer signs and verifies access tokens with HS256.
type Issuer struct {
	secret []byte
	issuer string
	now    func() time.Time
}

// NewIssuer reads the signing key from configuration and refuses a short one.
func NewIssuer(c *conf.Auth) (*Issuer, error) {
	if len(c.GetJwtSecret()) < minSecretLen {
		return nil, fmt.Errorf("auth.jwt_secret must be at least %d bytes", minSecretLen)
	}
	return &Issuer{secret: []byte(c.GetJwtSecret()), issuer: c.GetIssuer(), now: time.Now}, nil
}

// IssueAccessToken signs a token for p that expires at expiresAt.
func (i *Issuer) IssueAccessToken(p identity.Principal, expiresAt time.Time) (string, error) {
	now := i.now()
	claims := &Claims{
		RegisteredClaims: jwtv5.RegisteredClaims{
			Issuer:    i.issuer,
			Subject:   strconv.FormatInt(p.ID, 10),
			IssuedAt:  jwtv5.NewNumericDate(now),
			NotBefore: jwtv5.NewNumericDate(now),
			ExpiresAt: jwtv5.NewNumericDate(expiresAt),
		},
		Kind:    p.Kind,
		Roles:   p.Roles,
		Session: p.Session,
	}
	s, err := jwtv5.NewWithClaims(jwtv5.SigningMethodHS256, claims).SignedString(i.secret)
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return s, nil
}

// keyFunc hands the verifier the key, after checking the token claims the expected algorithm
// (a token signed with "none" or an RSA public key as HMAC secret is refused).
func (i *Issuer) keyFunc(t *jwtv5.Token) (any, error) {
	if _, ok := t.Method.(*jwtv5.SigningMethodHMAC); !ok {
		return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
	}
	return i.secret, nil
}

// principal turns verified claims into the caller. Only tokens this issuer signed count: a token
// from another service sharing the key, or another deployment, is refused.
func (i *Issuer) principal(c *Claims) (identity.Principal, error) {
	if c.Issuer != i.issuer {
		return identity.Principal{}, fmt.Errorf("issuer %q is not %q", c.Issuer, i.issuer)
	}
	return c.principal()
}

// principal turns verified claims into the caller.
func (c *Claims) principal() (identity.Principal, error) {
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || id <= 0 {
		return identity.Principal{}, fmt.Errorf("bad subject %q", c.Subject)
	}
	if c.Kind != identity.SubjectUser && c.Kind != identity.SubjectConsole {
		return identity.Principal{}, fmt.Errorf("bad subject kind %q", c.Kind)
	}
	return identity.Principal{Kind: c.Kind, ID: id, Roles: c.Roles, Session: c.Session}, nil
}

// Verify checks a token this issuer signed, as the API middleware does for bearer tokens, and
// returns its principal. The console's session cookie carries such a token.
func (i *Issuer) Verify(token string) (identity.Principal, error) {
	c := &Claims{}
	_, err := jwtv5.ParseWithClaims(token, c, i.keyFunc,
		jwtv5.WithValidMethods([]string{jwtv5.SigningMethodHS256.Alg()}),
		jwtv5.WithExpirationRequired(), jwtv5.WithTimeFunc(i.now))
	if err != nil {
		return identity.Principal{}, fmt.Errorf("verify token: %w", err)
	}
	return i.principal(c)
}

// DeriveKey is a key for another purpose (label) derived from the signing key, so that the
// deployment keeps one secret and a value signed for one purpose is worthless for another.
func (i *Issuer) DeriveKey(label string) []byte {
	m := hmac.New(sha256.New, i.secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}
