package identitystore

import (
	"context"
	"fmt"
	"time"

	entsession "github.com/groupbuy/groupbuy/ent/session"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

type sessionRepo struct{ data *sqldb.DB }

// NewSessionRepo stores refresh-token sessions.
func NewSessionRepo(data *sqldb.DB) identity.SessionRepo { return &sessionRepo{data: data} }

func (r *sessionRepo) Create(ctx context.Context, s *identity.Session) error {
	row, err := r.data.Client(ctx).Session.Create().
		SetSubjectKind(entsession.SubjectKind(s.Kind)).
		SetSubjectID(int(s.SubjectID)).
		SetFamily(s.Family).
		SetTokenHash(s.TokenHash).
		SetExpiresAt(s.ExpiresAt).
		Save(ctx)
	if err != nil {
		return sqldb.Err(err, "create session")
	}
	s.ID = int64(row.ID)
	return nil
}

func (r *sessionRepo) GetByHash(ctx context.Context, tokenHash string) (*identity.Session, error) {
	row, err := r.data.Client(ctx).Session.Query().
		Where(entsession.TokenHash(tokenHash)).
		Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "get session by token")
	}
	return &identity.Session{
		ID: int64(row.ID), Kind: identity.SubjectKind(row.SubjectKind), SubjectID: int64(row.SubjectID),
		Family: row.Family, TokenHash: row.TokenHash, ExpiresAt: row.ExpiresAt,
		UsedAt: row.UsedAt, RevokedAt: row.RevokedAt,
	}, nil
}

// MarkUsed is a compare-and-set: the WHERE clause, not a prior read, decides who wins.
func (r *sessionRepo) MarkUsed(ctx context.Context, id int64, at time.Time) (bool, error) {
	n, err := r.data.Client(ctx).Session.Update().
		Where(entsession.ID(int(id)), entsession.UsedAtIsNil(), entsession.RevokedAtIsNil()).
		SetUsedAt(at).
		Save(ctx)
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("mark session %d used", id))
	}
	return n == 1, nil
}

func (r *sessionRepo) RevokeFamily(ctx context.Context, family string, at time.Time) error {
	_, err := r.data.Client(ctx).Session.Update().
		Where(entsession.Family(family), entsession.RevokedAtIsNil()).
		SetRevokedAt(at).
		Save(ctx)
	return sqldb.Err(err, "revoke session family")
}
