// Package stock keeps the hot stock counters of presale batches in Redis. One Lua script reserves
// every line of an order at once, honouring each item's remaining quota and the per-shopper limit,
// so no interleaving of shoppers — across any number of server replicas — can oversell. The
// database stays the truth: a reconciler pauses a batch, rebuilds its counters from the database
// with Rebuild and resumes it.
//
// A reservation is named by a token the caller chooses (checkout reserves before the order row
// exists, so it derives the token from the shopper and the request's idempotency key). Every key
// of a batch carries the hash tag {batch:ID}, so a script's keys share one slot and the scripts
// run unchanged on Redis Cluster.
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
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// Line is one item of an order: how many, and the most one shopper may hold (0: no limit).
type Line struct {
	ItemID int64
	Qty    int64
	Limit  int64
}

// Errors of a refused reservation or release. ErrSoldOut, ErrLimitExceeded and ErrNotLoaded come
// inside an ItemError naming the item at fault.
var (
	ErrSoldOut       = errors.New("not enough stock left")
	ErrLimitExceeded = errors.New("per-shopper limit exceeded")
	ErrNotLoaded     = errors.New("item's stock is not loaded in Redis")
	// ErrOrderMismatch means the token was reserved before with other lines or for another
	// shopper: the caller confused two orders, and nothing changed.
	ErrOrderMismatch = errors.New("token was reserved with other lines or by another shopper")
	// ErrPaused means the batch is paused while the reconciler rebuilds it from the database.
	// Nothing changed; the caller retries later.
	ErrPaused = errors.New("batch is paused for a rebuild")
	// ErrNotPaused refuses a Rebuild of a batch that is not paused (or whose pause ran out
	// during the rebuild): checkouts running meanwhile would be lost or counted twice.
	ErrNotPaused = errors.New("batch is not paused")
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

const (
	// maxTokenLen bounds a token, and with it the length of a reservation's key.
	maxTokenLen = 100
	// pipelineChunk is how many commands Rebuild and Drop send per round trip: few round trips for
	// a batch of 100,000 reservations, without holding them all in one pipeline on either side.
	pipelineChunk = 1000
	// scanCount is the COUNT hint of the SCAN that finds a batch's keys.
	scanCount = 1000
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

// tag is the start of every key of a batch; its {hash tag} puts them all in one cluster slot.
func (s *Store) tag(batchID int64) string {
	return s.prefix + "{batch:" + strconv.FormatInt(batchID, 10) + "}"
}

func (s *Store) stockKey(batchID int64) string  { return s.tag(batchID) + ":stock" }
func (s *Store) pausedKey(batchID int64) string { return s.tag(batchID) + ":paused" }

func (s *Store) heldKey(batchID, userID int64) string {
	return s.tag(batchID) + ":held:" + strconv.FormatInt(userID, 10)
}

func (s *Store) orderKey(batchID int64, token string) string {
	return s.tag(batchID) + ":order:" + token
}

// scriptKeys are the KEYS of reserve.lua and release.lua.
func (s *Store) scriptKeys(batchID int64, token string, userID int64) []string {
	return []string{s.stockKey(batchID), s.heldKey(batchID, userID), s.orderKey(batchID, token), s.pausedKey(batchID)}
}

// Reserve takes every line for the reservation named token of userID, or nothing. Reserving the
// same token again with the same lines and shopper is a no-op that reports success, so a retried
// request cannot take stock twice; other lines or another shopper get ErrOrderMismatch.
func (s *Store) Reserve(ctx context.Context, batchID int64, token string, userID int64, lines []Line) error {
	_, err := s.ReserveOnce(ctx, batchID, token, userID, lines)
	return err
}

// ReserveOnce is Reserve, also reporting whether this call took the stock (false: the token held
// it already), so a caller can tell a retry from the request that reserved.
func (s *Store) ReserveOnce(ctx context.Context, batchID int64, token string, userID int64, lines []Line) (bool, error) {
	if err := checkToken(token); err != nil {
		return false, fmt.Errorf("reserve: %w", err)
	}
	if err := checkLines(lines); err != nil {
		return false, fmt.Errorf("reserve %q: %w", token, err)
	}
	args := make([]any, 0, 3+3*len(lines))
	args = append(args, len(lines))
	for _, l := range lines {
		args = append(args, l.ItemID, l.Qty, l.Limit)
	}
	args = append(args, userID, fingerprint(lines))
	res, err := reserveScript.Run(ctx, s.rdb, s.scriptKeys(batchID, token, userID), args...).Int64Slice()
	if err != nil {
		return false, fmt.Errorf("reserve %q in batch %d: %w", token, batchID, err)
	}
	switch res[0] {
	case 1:
		return true, nil
	case 2:
		return false, nil
	case -1:
		return false, &ItemError{ItemID: res[1], Err: ErrNotLoaded}
	case -2:
		return false, &ItemError{ItemID: res[1], Err: ErrSoldOut}
	case -3:
		return false, &ItemError{ItemID: res[1], Err: ErrLimitExceeded}
	case -4:
		return false, fmt.Errorf("reserve %q in batch %d: %w", token, batchID, ErrOrderMismatch)
	case -5:
		return false, fmt.Errorf("reserve %q in batch %d: %w", token, batchID, ErrPaused)
	}
	return false, fmt.Errorf("reserve %q in batch %d: unexpected script result %v", token, batchID, res)
}

// fingerprint identifies a reservation's lines whatever their order, so a retry that lists them
// differently is still the same reservation.
func fingerprint(lines []Line) string {
	sorted := slices.Clone(lines)
	slices.SortFunc(sorted, func(a, b Line) int { return cmp.Compare(a.ItemID, b.ItemID) })
	var b strings.Builder
	for _, l := range sorted {
		fmt.Fprintf(&b, "%d:%d:%d;", l.ItemID, l.Qty, l.Limit)
	}
	return b.String()
}

// checkToken refuses a token that would make an unbounded or ambiguous key: empty, longer than
// maxTokenLen characters, not UTF-8, or holding whitespace or control characters (which also
// cannot come from the "user:idempotency-key" form callers use).
func checkToken(token string) error {
	if token == "" || !utf8.ValidString(token) || utf8.RuneCountInString(token) > maxTokenLen {
		return fmt.Errorf("token %q: want 1 to %d characters of UTF-8", token, maxTokenLen)
	}
	for _, r := range token {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("token %q: whitespace or control character %q", token, r)
		}
	}
	return nil
}

// checkLines refuses what the script must never see: no lines, a non-positive quantity or an item
// twice (two lines of one item would each pass the check against the same remaining count).
func checkLines(lines []Line) error {
	if len(lines) == 0 {
		return errors.New("a reservation needs at least one line")
	}
	seen := make(map[int64]bool, len(lines))
	for _, l := range lines {
		if l.Qty <= 0 || l.Limit < 0 {
			return fmt.Errorf("item %d: quantity %d, limit %d", l.ItemID, l.Qty, l.Limit)
		}
		if seen[l.ItemID] {
			return fmt.Errorf("item %d appears twice", l.ItemID)
		}
		seen[l.ItemID] = true
	}
	return nil
}

// Release gives the reservation named token back (an unpaid order expired or was cancelled, or
// checkout failed after reserving). It reports whether there was anything to give back; releasing
// twice gives back once. While the batch is paused it changes nothing and returns ErrPaused.
func (s *Store) Release(ctx context.Context, batchID int64, token string, userID int64) (bool, error) {
	if err := checkToken(token); err != nil {
		return false, fmt.Errorf("release: %w", err)
	}
	n, err := releaseScript.Run(ctx, s.rdb, s.scriptKeys(batchID, token, userID), userID).Int()
	if err != nil {
		return false, fmt.Errorf("release %q in batch %d: %w", token, batchID, err)
	}
	switch n {
	case 0, 1:
		return n == 1, nil
	case -1:
		return false, fmt.Errorf("release %q in batch %d for user %d: %w", token, batchID, userID, ErrOrderMismatch)
	case -2:
		return false, fmt.Errorf("release %q in batch %d: %w", token, batchID, ErrPaused)
	}
	return false, fmt.Errorf("release %q in batch %d: unexpected script result %d", token, batchID, n)
}

// hashFields flattens item -> count into HSET's field, value arguments.
func hashFields(counts map[int64]int64) []any {
	fields := make([]any, 0, 2*len(counts))
	for item, n := range counts {
		fields = append(fields, item, n)
	}
	return fields
}

// Remaining reads the remaining count of items; an item not loaded is absent from the map.
func (s *Store) Remaining(ctx context.Context, batchID int64, items ...int64) (map[int64]int64, error) {
	fields := make([]string, len(items))
	for i, id := range items {
		fields[i] = strconv.FormatInt(id, 10)
	}
	vals, err := s.rdb.HMGet(ctx, s.stockKey(batchID), fields...).Result()
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

// Holdings reads what userID holds of each item of the batch through live reservations (what the
// per-shopper limit is checked against). Items held at zero are left out, so holdings compare
// equal before and after a Rebuild.
func (s *Store) Holdings(ctx context.Context, batchID, userID int64) (map[int64]int64, error) {
	vals, err := s.rdb.HGetAll(ctx, s.heldKey(batchID, userID)).Result()
	if err != nil {
		return nil, fmt.Errorf("read holdings of user %d in batch %d: %w", userID, batchID, err)
	}
	out := make(map[int64]int64, len(vals))
	for field, v := range vals {
		item, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("holdings of user %d in batch %d: item %q: %w", userID, batchID, field, err)
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("holdings of user %d in batch %d: item %d is %q: %w", userID, batchID, item, v, err)
		}
		if n != 0 {
			out[item] = n
		}
	}
	return out, nil
}

// Pause makes Reserve and Release of the batch refuse with ErrPaused until Resume, or until ttl
// passes, so a reconciler that crashes mid-rebuild cannot block a sale forever. Pick a ttl well
// above the time a rebuild takes: Rebuild fails if the pause runs out under it.
func (s *Store) Pause(ctx context.Context, batchID int64, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("pause batch %d: ttl %v, want a positive duration", batchID, ttl)
	}
	if err := s.rdb.Set(ctx, s.pausedKey(batchID), 1, ttl).Err(); err != nil {
		return fmt.Errorf("pause batch %d: %w", batchID, err)
	}
	return nil
}

// Resume lets shoppers reserve and release in the batch again. Resuming a batch that is not
// paused does nothing.
func (s *Store) Resume(ctx context.Context, batchID int64) error {
	if err := s.rdb.Del(ctx, s.pausedKey(batchID)).Err(); err != nil {
		return fmt.Errorf("resume batch %d: %w", batchID, err)
	}
	return nil
}

// Snapshot is a batch's stock as the reconciler computed it from the database.
type Snapshot struct {
	// Remaining is item -> quota minus the quantities of Reservations (below zero if the
	// quota was lowered under what is taken).
	Remaining map[int64]int64
	// Reservations are the pending and paid orders whose stock is still taken.
	Reservations []Reservation
}

// Reservation is one order's hold on stock. Lines must be what checkout passes to Reserve,
// limits included: a retry is recognised by the same token, shopper and lines.
type Reservation struct {
	Token  string
	UserID int64
	Lines  []Line
}

// Rebuild replaces every key of a paused batch with snap: the stock counts, each shopper's
// holdings and each reservation, written exactly as reserve.lua writes them, so a retried Reserve
// of a rebuilt token is recognised and Release gives it back. The reconciler pauses the batch,
// waits out in-flight checkouts, reads the database, rebuilds and resumes; Rebuild refuses with
// ErrNotPaused when the batch is not paused, or when the pause ran out before it finished (then
// shoppers may have seen a half-written batch: pause and rebuild again). The pause stays.
//
// It finds the batch's old keys with SCAN, which walks the whole key space of every master.
func (s *Store) Rebuild(ctx context.Context, batchID int64, snap Snapshot) error {
	if err := checkSnapshot(snap); err != nil {
		return fmt.Errorf("rebuild batch %d: %w", batchID, err)
	}
	if err := s.requirePaused(ctx, batchID); err != nil {
		return fmt.Errorf("rebuild batch %d: %w", batchID, err)
	}
	if err := s.deleteBatch(ctx, batchID, s.pausedKey(batchID)); err != nil {
		return fmt.Errorf("rebuild batch %d: delete old keys: %w", batchID, err)
	}
	if err := s.writeSnapshot(ctx, batchID, snap); err != nil {
		return fmt.Errorf("rebuild batch %d: write: %w", batchID, err)
	}
	if err := s.requirePaused(ctx, batchID); err != nil {
		return fmt.Errorf("rebuild batch %d: after writing: %w", batchID, err)
	}
	return nil
}

// checkSnapshot refuses a snapshot Redis could not hold consistently: a bad token or lines, a
// token twice, or a reservation of an item without a count (releasing it would give back
// nothing). A negative count is kept as it is: more is taken than the quota (lowered under
// orders already taken), and only releases that bring it above zero may sell again.
func checkSnapshot(snap Snapshot) error {
	seen := make(map[string]bool, len(snap.Reservations))
	for _, r := range snap.Reservations {
		if err := checkToken(r.Token); err != nil {
			return err
		}
		if seen[r.Token] {
			return fmt.Errorf("token %q appears twice", r.Token)
		}
		seen[r.Token] = true
		if err := checkLines(r.Lines); err != nil {
			return fmt.Errorf("reservation %q: %w", r.Token, err)
		}
		for _, l := range r.Lines {
			if _, ok := snap.Remaining[l.ItemID]; !ok {
				return fmt.Errorf("reservation %q: item %d has no remaining count", r.Token, l.ItemID)
			}
		}
	}
	return nil
}

func (s *Store) requirePaused(ctx context.Context, batchID int64) error {
	n, err := s.rdb.Exists(ctx, s.pausedKey(batchID)).Result()
	if err != nil {
		return fmt.Errorf("read pause flag: %w", err)
	}
	if n == 0 {
		return ErrNotPaused
	}
	return nil
}

// writeSnapshot writes the stock hash, the holdings and the reservations of snap, pipelined.
func (s *Store) writeSnapshot(ctx context.Context, batchID int64, snap Snapshot) error {
	p := newChunkedPipe(s.rdb)
	if len(snap.Remaining) > 0 {
		p.pipe.HSet(ctx, s.stockKey(batchID), hashFields(snap.Remaining)...)
	}
	held := make(map[int64]map[int64]int64)
	for _, r := range snap.Reservations {
		if held[r.UserID] == nil {
			held[r.UserID] = make(map[int64]int64)
		}
		fields := make([]any, 0, 2*len(r.Lines)+4)
		for _, l := range r.Lines {
			held[r.UserID][l.ItemID] += l.Qty
			fields = append(fields, l.ItemID, l.Qty)
		}
		fields = append(fields, "_user", r.UserID, "_lines", fingerprint(r.Lines))
		p.pipe.HSet(ctx, s.orderKey(batchID, r.Token), fields...)
		if err := p.execIfFull(ctx); err != nil {
			return err
		}
	}
	for user, items := range held {
		p.pipe.HSet(ctx, s.heldKey(batchID, user), hashFields(items)...)
		if err := p.execIfFull(ctx); err != nil {
			return err
		}
	}
	return p.exec(ctx)
}

// Drop deletes every key of the batch, its pause flag included (a completed or cancelled batch).
// Like Rebuild it finds them with SCAN over every master.
//
// It may run while shoppers still reserve and release, so it deletes in the order that leaves
// them nothing to recreate: the stock hash first (Reserve then writes nothing), then the
// reservations (Release then writes nothing), then the rest.
func (s *Store) Drop(ctx context.Context, batchID int64) error {
	if err := s.rdb.Unlink(ctx, s.stockKey(batchID)).Err(); err != nil {
		return fmt.Errorf("drop batch %d: %w", batchID, err)
	}
	if err := s.deleteBatch(ctx, batchID, ""); err != nil {
		return fmt.Errorf("drop batch %d: %w", batchID, err)
	}
	return nil
}

// deleteBatch deletes every key of the batch but keep ("": none), reservations before the rest
// (see Drop).
func (s *Store) deleteBatch(ctx context.Context, batchID int64, keep string) error {
	keys, err := s.batchKeys(ctx, batchID)
	if err != nil {
		return err
	}
	orders := s.orderKey(batchID, "")
	var first, rest []string
	for _, k := range keys {
		switch {
		case k == keep:
		case strings.HasPrefix(k, orders):
			first = append(first, k)
		default:
			rest = append(rest, k)
		}
	}
	if err := s.unlink(ctx, first); err != nil {
		return fmt.Errorf("delete reservations: %w", err)
	}
	if err := s.unlink(ctx, rest); err != nil {
		return fmt.Errorf("delete keys: %w", err)
	}
	return nil
}

// batchKeys lists every key of the batch. SCAN sees one node only, so on a cluster it runs on
// each master (the batch's keys share a slot, but which master holds it is the cluster's
// business); a Ring is walked shard by shard for the same reason.
func (s *Store) batchKeys(ctx context.Context, batchID int64) ([]string, error) {
	match := globEscape(s.tag(batchID)) + ":*"
	var (
		mu   sync.Mutex
		keys []string
	)
	scan := func(ctx context.Context, node redis.Cmdable) error {
		found, err := scanKeys(ctx, node, match)
		mu.Lock()
		keys = append(keys, found...)
		mu.Unlock()
		return err
	}
	var err error
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error { return scan(ctx, node) })
	case *redis.Ring:
		err = c.ForEachShard(ctx, func(ctx context.Context, shard *redis.Client) error { return scan(ctx, shard) })
	default:
		err = scan(ctx, s.rdb)
	}
	if err != nil {
		return nil, fmt.Errorf("scan keys %s: %w", match, err)
	}
	return keys, nil // SCAN may list a key twice: deleting it twice is harmless
}

func scanKeys(ctx context.Context, node redis.Cmdable, match string) ([]string, error) {
	var keys []string
	iter := node.Scan(ctx, 0, match, scanCount).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	return keys, iter.Err()
}

// globEscape quotes the characters SCAN MATCH treats as a pattern, so a key prefix holding them
// still matches only itself.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unlink deletes keys of one batch, many per UNLINK (they share a slot, so this is legal on a
// cluster too), pipelined.
func (s *Store) unlink(ctx context.Context, keys []string) error {
	p := newChunkedPipe(s.rdb)
	for chunk := range slices.Chunk(keys, 100) {
		p.pipe.Unlink(ctx, chunk...)
		if err := p.execIfFull(ctx); err != nil {
			return err
		}
	}
	return p.exec(ctx)
}

// chunkedPipe sends queued commands pipelineChunk at a time.
type chunkedPipe struct{ pipe redis.Pipeliner }

func newChunkedPipe(rdb redis.UniversalClient) *chunkedPipe {
	return &chunkedPipe{pipe: rdb.Pipeline()}
}

func (p *chunkedPipe) execIfFull(ctx context.Context) error {
	if p.pipe.Len() < pipelineChunk {
		return nil
	}
	return p.exec(ctx)
}

// exec sends what is queued; Exec reports the first command that failed.
func (p *chunkedPipe) exec(ctx context.Context) error {
	_, err := p.pipe.Exec(ctx)
	return err
}
