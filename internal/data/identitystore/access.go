package identitystore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
)

// accessMarks keeps identity's access marks in Redis, each for one access-token lifetime: the
// roles a subject's earlier tokens are limited to, and its revoked session families. A subject's
// keys share the hash tag {kind:id}, so one MGET reads both marks of a request on Redis Cluster.
type accessMarks struct {
	rdb    redis.UniversalClient
	prefix redisdb.KeyPrefix
	ttl    time.Duration
}

// NewAccessMarks keeps the marks for cfg.AccessTTL, the longest an earlier token can live.
func NewAccessMarks(rdb redis.UniversalClient, prefix redisdb.KeyPrefix, cfg identity.Config) identity.AccessMarks {
	return &accessMarks{rdb: rdb, prefix: prefix, ttl: cfg.AccessTTL}
}

func (m *accessMarks) subject(kind identity.SubjectKind, id int64) string {
	return "{" + string(kind) + ":" + strconv.FormatInt(id, 10) + "}"
}

func (m *accessMarks) rolesKey(kind identity.SubjectKind, id int64) string {
	return m.prefix.Key("authz", m.subject(kind, id), "roles")
}

func (m *accessMarks) sessionKey(kind identity.SubjectKind, id int64, family string) string {
	return m.prefix.Key("authz", m.subject(kind, id), "revoked", family)
}

// rolesNone stands for an empty set of roles, which Redis cannot tell from a missing value.
const rolesNone = "-"

func (m *accessMarks) LimitRoles(ctx context.Context, kind identity.SubjectKind, id int64, roles []identity.Role) error {
	v := rolesNone
	if len(roles) > 0 {
		v = strings.Join(roleStrings(roles), ",")
	}
	if err := m.rdb.Set(ctx, m.rolesKey(kind, id), v, m.ttl).Err(); err != nil {
		return fmt.Errorf("limit roles of %s %d: %w", kind, id, err)
	}
	return nil
}

func (m *accessMarks) RevokeSession(ctx context.Context, kind identity.SubjectKind, id int64, family string) error {
	if err := m.rdb.Set(ctx, m.sessionKey(kind, id, family), 1, m.ttl).Err(); err != nil {
		return fmt.Errorf("revoke session of %s %d: %w", kind, id, err)
	}
	return nil
}

func (m *accessMarks) Apply(ctx context.Context, p identity.Principal) (identity.Principal, error) {
	vals, err := m.rdb.MGet(ctx, m.rolesKey(p.Kind, p.ID), m.sessionKey(p.Kind, p.ID, p.Session)).Result()
	if err != nil {
		return p, fmt.Errorf("read access marks of %s %d: %w", p.Kind, p.ID, err)
	}
	if vals[1] != nil {
		return p, identity.ErrSessionRevoked
	}
	roles, ok := vals[0].(string)
	if !ok {
		return p, nil
	}
	if roles == rolesNone {
		return identity.LimitRoles(p, nil), nil
	}
	return identity.LimitRoles(p, toRoles(strings.Split(roles, ","))), nil
}
