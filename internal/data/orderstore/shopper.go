package orderstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"entgo.io/ent/dialect/sql"

	entleader "github.com/groupbuy/groupbuy/ent/leader"
	"github.com/groupbuy/groupbuy/ent/leaderbinding"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

type shoppers struct{ data *sqldb.DB }

// NewShoppers tells checkout whom a shopper buys through.
func NewShoppers(data *sqldb.DB) order.Shoppers { return &shoppers{data: data} }

// BoundLeader reads the shopper's current binding and its leader in one query.
func (s *shoppers) BoundLeader(ctx context.Context, userID int64) (int64, string, error) {
	row, err := s.data.Client(ctx).Leader.Query().
		Where(func(s *sql.Selector) {
			t := sql.Table(leaderbinding.Table)
			s.Where(sql.In(s.C(entleader.FieldID), sql.Select(t.C(leaderbinding.FieldLeaderID)).From(t).
				Where(sql.And(sql.EQ(t.C(leaderbinding.FieldUserID), userID), sql.IsNull(t.C(leaderbinding.FieldUnboundAt))))))
		}).
		Select(entleader.FieldID, entleader.FieldGridCell, entleader.FieldStatus, entleader.FieldPaused).
		Only(ctx)
	if err != nil {
		if err = sqldb.Err(err, fmt.Sprintf("leader of user %d", userID)); isNotFound(err) {
			return 0, "", order.ErrNoBoundLeader
		}
		return 0, "", err
	}
	if row.Status != entleader.StatusApproved || row.Paused {
		return 0, "", order.ErrNoBoundLeader
	}
	return int64(row.ID), row.GridCell, nil
}

func (s *shoppers) OpenID(ctx context.Context, userID int64) (string, error) {
	u, err := s.data.Client(ctx).User.Get(ctx, int(userID))
	if err != nil {
		return "", sqldb.Err(err, fmt.Sprintf("user %d", userID))
	}
	return u.Openid, nil
}

// BatchCache keeps batches for checkout for a second: every order of a flash sale reads its
// batch, and a batch's items never change once it is scheduled. Status changes show within the
// TTL; checkout checks the order window against the clock itself, and an order that slips into
// a batch cancelled meanwhile is cancelled by the sweeper.
type BatchCache struct {
	repo presale.Repo
	ttl  time.Duration
	mu   sync.Mutex
	m    map[int64]cachedBatch
}

type cachedBatch struct {
	b    *presale.Batch
	read time.Time
}

// NewBatchCache caches repo's batches for one second.
func NewBatchCache(repo presale.Repo) order.Batches {
	return &BatchCache{repo: repo, ttl: time.Second, m: map[int64]cachedBatch{}}
}

func (c *BatchCache) Get(ctx context.Context, id int64) (*presale.Batch, error) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && time.Since(e.read) < c.ttl {
		return e.b, nil
	}
	b, err := c.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) > 10_000 {
		clear(c.m)
	}
	c.m[id] = cachedBatch{b: b, read: time.Now()}
	c.mu.Unlock()
	return b, nil
}

func isNotFound(err error) bool { return errors.Is(err, bizerr.ErrNotFound) }
