package orderstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/data/identitystore"
	"github.com/groupbuy/groupbuy/internal/data/leaderstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

type shoppers struct{ data *sqldb.DB }

// NewShoppers tells checkout whom a shopper buys through.
func NewShoppers(data *sqldb.DB) order.Shoppers { return &shoppers{data: data} }

// BoundLeader asks the leaders' owner for the shopper's current leader.
func (s *shoppers) BoundLeader(ctx context.Context, userID int64) (int64, string, error) {
	id, grid, serving, err := leaderstore.BoundLeader(ctx, s.data, userID)
	switch {
	case isNotFound(err):
		return 0, "", order.ErrNoBoundLeader
	case err != nil:
		return 0, "", err
	case !serving:
		return 0, "", order.ErrNoBoundLeader
	}
	return id, grid, nil
}

// OpenID asks the users' owner for the shopper's openid.
func (s *shoppers) OpenID(ctx context.Context, userID int64) (string, error) {
	ids, err := identitystore.OpenIDs(ctx, s.data, []int64{userID})
	if err != nil {
		return "", err
	}
	openid, ok := ids[userID]
	if !ok {
		return "", fmt.Errorf("user %d: %w", userID, bizerr.ErrNotFound)
	}
	return openid, nil
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
