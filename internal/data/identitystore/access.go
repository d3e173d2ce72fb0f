package identitystore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
)

// accessMarks keeps identity's access marks in Redis, each for one access-token lifetime: the
// roles a subject's earlier tokens are limited to, and its revoked session families. A subject's
// keys share the hash tag {kind:id}, so one MGET reads both marks of a request on Redis Cluster.
// Each replica also keeps the list of subjects that have marks (see markedSubjects), so the
// requests of the many subjects without any need no read at all.
type accessMarks struct {
	rdb    redis.UniversalClient
	prefix redisdb.KeyPrefix
	ttl    time.Duration
	known  *markedSubjects
	log    *log.Helper
	now    func() time.Time
}

// NewAccessMarks keeps the marks for cfg.AccessTTL, the longest an earlier token can live, and
// follows the marks other replicas make until the returned func is called.
func NewAccessMarks(rdb redis.UniversalClient, prefix redisdb.KeyPrefix, cfg identity.Config,
	logger log.Logger) (identity.AccessMarks, func()) {
	m := &accessMarks{rdb: rdb, prefix: prefix, ttl: cfg.AccessTTL, known: &markedSubjects{},
		log: log.NewHelper(logger), now: time.Now}
	if rdb == nil { // a test of the database alone: nothing to follow, and no mark is asked for
		return m, func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.watch(ctx)
	}()
	return m, func() {
		cancel()
		<-done
	}
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

// indexKey is the sorted set of marked subjects, scored by when their newest mark expires.
func (m *accessMarks) indexKey() string { return m.prefix.Key("authz", "marked") }

// channel announces each mark to every replica.
func (m *accessMarks) channel() string { return m.prefix.Key("authz", "marks") }

// markMargin keeps a subject on the lists a while after its mark expires, for the clocks of the
// replicas that announce and read marks.
const markMargin = time.Minute

// markScript sets a mark and announces it in one step, so no mark goes unannounced.
// KEYS[1] the mark; ARGV: value, lifetime in ms, channel, announcement.
var markScript = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`)

// mark sets key to value for one token lifetime: first in the index, so a replica that reads
// the index after subscribing misses no mark, then the mark with its announcement.
func (m *accessMarks) mark(ctx context.Context, key, value, subject string) error {
	until := m.now().Add(m.ttl + markMargin)
	err := m.rdb.ZAdd(ctx, m.indexKey(), redis.Z{Score: float64(until.UnixMilli()), Member: subject}).Err()
	if err != nil {
		return fmt.Errorf("index the mark: %w", err)
	}
	err = markScript.Run(ctx, m.rdb, []string{key}, value, m.ttl.Milliseconds(), m.channel(),
		announcement(subject, until)).Err()
	if err != nil {
		return fmt.Errorf("set and announce the mark: %w", err)
	}
	m.known.add(subject, until) // this replica's own requests see it at once
	return nil
}

// rolesNone stands for an empty set of roles, which Redis cannot tell from a missing value.
const rolesNone = "-"

func (m *accessMarks) LimitRoles(ctx context.Context, kind identity.SubjectKind, id int64, roles []identity.Role) error {
	v := rolesNone
	if len(roles) > 0 {
		v = strings.Join(roleStrings(roles), ",")
	}
	if err := m.mark(ctx, m.rolesKey(kind, id), v, m.subject(kind, id)); err != nil {
		return fmt.Errorf("limit roles of %s %d: %w", kind, id, err)
	}
	return nil
}

func (m *accessMarks) RevokeSession(ctx context.Context, kind identity.SubjectKind, id int64, family string) error {
	if err := m.mark(ctx, m.sessionKey(kind, id, family), "1", m.subject(kind, id)); err != nil {
		return fmt.Errorf("revoke session of %s %d: %w", kind, id, err)
	}
	return nil
}

func (m *accessMarks) Apply(ctx context.Context, p identity.Principal) (identity.Principal, error) {
	if m.known.unmarked(m.subject(p.Kind, p.ID), m.now()) {
		return p, nil
	}
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
