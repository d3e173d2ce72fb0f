// Package stock keeps the hot stock counters of presale batches in Redis. One Lua script reserves
// every line of an order at once, honouring each item's remaining quota and the per-shopper limit,
// so no interleaving of shoppers — across any number of server replicas — can oversell. The
// database stays the truth: a reconciler rebuilds these counters from it with Load.
//
// Every key of a batch carries the hash tag {batch:ID}, so a script's keys share one slot and the
// scripts run unchanged on Redis Cluster.
package stock

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Line is one item of an order: how many, and the most one shopper may hold (0: no limit).
type Line struct {
	ItemID int64
	Qty    int64
	Limit  int64
}

// Errors of a refused reservation. Each names the item at fault.
var (
	ErrSoldOut       = errors.New("not enough stock left")
	ErrLimitExceeded = errors.New("per-shopper limit exceeded")
	ErrNotLoaded     = errors.New("item's stock is not loaded in Redis")
	// ErrOrderMismatch means the order id was reserved before with other lines or for another
	// shopper: the caller confused two orders, and nothing changed.
	ErrOrderMismatch = errors.New("order was reserved with other lines or by another shopper")
)

// ItemError is a refused reservation with the item that caused it.
type ItemError struct {
	ItemID int64
	Err    error
}

func (e *ItemError) Error() string { return fmt.Sprintf("item %d: %v", e.ItemID, e.Err) }
func (e *ItemError) Unwrap() error { return e.Err }

var (
	//go:embed reserve.lua
	reserveLua    string
	reserveScript = redis.NewScript(reserveLua)
	//go:embed release.lua
	releaseLua    string
	releaseScript = redis.NewScript(releaseLua)
)

// Store is the stock counters of every batch under one key prefix.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewStore uses rdb with keys starting with prefix (e.g. "gb:").
func NewStore(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, prefix: prefix}
}

func (s *Store) keys(batchID, userID, orderID int64) []string {
	tag := s.prefix + "{batch:" + strconv.FormatInt(batchID, 10) + "}"
	return []string{
		tag + ":stock",
		tag + ":held:" + strconv.FormatInt(userID, 10),
		tag + ":order:" + strconv.FormatInt(orderID, 10),
	}
}

// Reserve takes every line of order orderID for userID, or nothing. Reserving the same order
// again is a no-op that reports success, so a retried request cannot take stock twice.
func (s *Store) Reserve(ctx context.Context, batchID, orderID, userID int64, lines []Line) error {
	if err := checkLines(lines); err != nil {
		return err
	}
	args := make([]any, 0, 3+3*len(lines))
	args = append(args, len(lines))
	for _, l := range lines {
		args = append(args, l.ItemID, l.Qty, l.Limit)
	}
	args = append(args, userID, fingerprint(lines))
	res, err := reserveScript.Run(ctx, s.rdb, s.keys(batchID, userID, orderID), args...).Int64Slice()
	if err != nil {
		return fmt.Errorf("reserve order %d: %w", orderID, err)
	}
	switch res[0] {
	case 1:
		return nil
	case -1:
		return &ItemError{ItemID: res[1], Err: ErrNotLoaded}
	case -2:
		return &ItemError{ItemID: res[1], Err: ErrSoldOut}
	case -3:
		return &ItemError{ItemID: res[1], Err: ErrLimitExceeded}
	case -4:
		return fmt.Errorf("reserve order %d: %w", orderID, ErrOrderMismatch)
	}
	return fmt.Errorf("reserve order %d: unexpected script result %v", orderID, res)
}

// fingerprint identifies an order's lines whatever their order, so a retry that lists them
// differently is still the same order.
func fingerprint(lines []Line) string {
	sorted := slices.Clone(lines)
	slices.SortFunc(sorted, func(a, b Line) int { return cmp.Compare(a.ItemID, b.ItemID) })
	var b strings.Builder
	for _, l := range sorted {
		fmt.Fprintf(&b, "%d:%d:%d;", l.ItemID, l.Qty, l.Limit)
	}
	return b.String()
}

// checkLines refuses what the script must never see: no lines, a non-positive quantity or an item
// twice (two lines of one item would each pass the check against the same remaining count).
func checkLines(lines []Line) error {
	if len(lines) == 0 {
		return errors.New("reserve: an order needs at least one line")
	}
	seen := make(map[int64]bool, len(lines))
	for _, l := range lines {
		if l.Qty <= 0 || l.Limit < 0 {
			return fmt.Errorf("reserve: item %d: quantity %d, limit %d", l.ItemID, l.Qty, l.Limit)
		}
		if seen[l.ItemID] {
			return fmt.Errorf("reserve: item %d appears twice", l.ItemID)
		}
		seen[l.ItemID] = true
	}
	return nil
}

// Release gives an order's reserved stock back (an unpaid order expired or was cancelled). It
// reports whether there was anything to give back; releasing twice gives back once.
func (s *Store) Release(ctx context.Context, batchID, orderID, userID int64) (bool, error) {
	n, err := releaseScript.Run(ctx, s.rdb, s.keys(batchID, userID, orderID), userID).Int()
	if err != nil {
		return false, fmt.Errorf("release order %d: %w", orderID, err)
	}
	if n < 0 {
		return false, fmt.Errorf("release order %d for user %d: %w", orderID, userID, ErrOrderMismatch)
	}
	return n == 1, nil
}

// Load sets the remaining count of items of a batch, as the reconciler computed them from the
// database (quota minus paid and pending quantities). It overwrites: reservations running
// meanwhile would be forgotten, so the reconciler must hold the batch's sale closed (or compute
// and load inside one script) while it rebuilds; per-shopper holdings are rebuilt by the same
// reconciler. The checkout work that owns the reconciler decides which.
func (s *Store) Load(ctx context.Context, batchID int64, remaining map[int64]int64) error {
	if len(remaining) == 0 {
		return nil
	}
	fields := make([]any, 0, 2*len(remaining))
	for item, n := range remaining {
		fields = append(fields, item, n)
	}
	if err := s.rdb.HSet(ctx, s.keys(batchID, 0, 0)[0], fields...).Err(); err != nil {
		return fmt.Errorf("load stock of batch %d: %w", batchID, err)
	}
	return nil
}

// Remaining reads the remaining count of items; an item not loaded is absent from the map.
func (s *Store) Remaining(ctx context.Context, batchID int64, items ...int64) (map[int64]int64, error) {
	fields := make([]string, len(items))
	for i, id := range items {
		fields[i] = strconv.FormatInt(id, 10)
	}
	vals, err := s.rdb.HMGet(ctx, s.keys(batchID, 0, 0)[0], fields...).Result()
	if err != nil {
		return nil, fmt.Errorf("read stock of batch %d: %w", batchID, err)
	}
	out := make(map[int64]int64, len(items))
	for i, v := range vals {
		if str, ok := v.(string); ok {
			n, err := strconv.ParseInt(str, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("stock of item %d is %q: %w", items[i], str, err)
			}
			out[items[i]] = n
		}
	}
	return out, nil
}
