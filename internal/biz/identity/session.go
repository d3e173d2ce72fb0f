package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// Tokens is what a successful login or refresh hands the client.
type Tokens struct {
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
	Principal        Principal
}

// sessions issues token pairs and rotates refresh tokens. Both kinds of login share it.
type sessions struct {
	repo   SessionRepo
	issuer TokenIssuer
	marks  AccessMarks
	cfg    Config
	now    port.Clock
}

// start opens a new session family for p.
func (s *sessions) start(ctx context.Context, p Principal) (*Tokens, error) {
	family, err := randomToken(16)
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, p, family)
}

// issue signs an access token and stores a new refresh token in family.
func (s *sessions) issue(ctx context.Context, p Principal, family string) (*Tokens, error) {
	now := s.now()
	p.Session = family
	refresh, err := randomToken(32)
	if err != nil {
		return nil, err
	}
	t := &Tokens{
		AccessExpiresAt:  now.Add(s.cfg.AccessTTL),
		RefreshToken:     refresh,
		RefreshExpiresAt: now.Add(s.cfg.RefreshTTL),
		Principal:        p,
	}
	if t.AccessToken, err = s.issuer.IssueAccessToken(p, t.AccessExpiresAt); err != nil {
		return nil, fmt.Errorf("sign access token: %w", err)
	}
	err = s.repo.Create(ctx, &Session{
		Kind: p.Kind, SubjectID: p.ID, Family: family,
		TokenHash: hashToken(refresh), ExpiresAt: t.RefreshExpiresAt,
	})
	if err != nil {
		return nil, fmt.Errorf("store session: %w", err)
	}
	return t, nil
}

// claim marks the refresh token used and returns its session. A token presented after it was
// used has leaked (or the client raced itself): the whole family is revoked so that neither copy
// keeps working.
func (s *sessions) claim(ctx context.Context, refreshToken string) (*Session, error) {
	now := s.now()
	sess, err := s.repo.GetByHash(ctx, hashToken(refreshToken))
	if errors.Is(err, bizerr.ErrNotFound) {
		return nil, ErrRefreshTokenInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("look up session: %w", err)
	}
	// A used token is reuse even when its family is already revoked or it has expired since:
	// the client must learn that its token leaked, not merely that it is stale.
	won := false
	if sess.UsedAt == nil {
		if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) {
			return nil, ErrRefreshTokenInvalid
		}
		if won, err = s.repo.MarkUsed(ctx, sess.ID, now); err != nil {
			return nil, fmt.Errorf("claim session: %w", err)
		}
	}
	if !won {
		if err := s.revokeFamily(ctx, sess, now); err != nil {
			return nil, fmt.Errorf("revoke reused session: %w", err)
		}
		return nil, ErrRefreshTokenReused
	}
	return sess, nil
}

// revoke ends the session family of refreshToken and returns its session. Unknown tokens are
// ignored (nil, nil): logging out twice is not an error.
func (s *sessions) revoke(ctx context.Context, refreshToken string) (*Session, error) {
	sess, err := s.repo.GetByHash(ctx, hashToken(refreshToken))
	if errors.Is(err, bizerr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up session: %w", err)
	}
	return sess, s.revokeFamily(ctx, sess, s.now())
}

// revokeFamily ends the refresh tokens of sess's family and, from the next request on, its
// access tokens too. The mark goes first: should the database fail after it, the session's
// access tokens are refused while its refresh token still works, which only costs a refresh.
func (s *sessions) revokeFamily(ctx context.Context, sess *Session, now time.Time) error {
	if err := s.marks.RevokeSession(ctx, sess.Kind, sess.SubjectID, sess.Family); err != nil {
		return err
	}
	return s.repo.RevokeFamily(ctx, sess.Family, now)
}

// randomToken returns n random bytes, base64url encoded.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashToken is how refresh tokens are stored: a leaked table holds no usable token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
