// Package couponcount keeps the hot budget counters of coupon templates in Redis
// (promo.Counters). One Lua script books a claim against the template's count budget, amount
// budget and the shopper's limit at once, so no interleaving of shoppers across any number of
// replicas can over-issue. The database stays the truth: promo.Keeper pauses a template,
// reads what it issued and loads the counters from it.
//
// A template has three keys, all with the hash tag {coupon:ID}, so every script's keys share one
// slot and run unchanged on Redis Cluster:
//
//	…{coupon:ID}:paused  a rebuild's lease (its value), with a TTL
//	…{coupon:ID}:totals  hash count, amount: what is booked, and the budgets as loaded; its
//	                     existence means "loaded"
//	…{coupon:ID}:held    hash shopper → bookings, "shopper:seq" → the most that seq booked
package couponcount

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
)

var (
	//go:embed take.lua
	takeLua    string
	takeScript = redis.NewScript(takeLua)
	//go:embed give.lua
	giveLua    string
	giveScript = redis.NewScript(giveLua)
	//go:embed load.lua
	loadLua    string
	loadScript = redis.NewScript(loadLua)
	//go:embed resume.lua
	resumeLua    string
	resumeScript = redis.NewScript(resumeLua)
)

// PauseTTL bounds a rebuild: a rebuilder that dies leaves the template paused this long at
// most. It is far above the claim deadline the rebuild waits out plus the read and the load.
const PauseTTL = 30 * time.Second

// loadChunk is how many holdings one round trip of a load writes.
const loadChunk = 1000

// Store is the counters of every template under one key prefix.
type Store struct {
	rdb    redis.UniversalClient
	prefix redisdb.KeyPrefix
	spent  spentMarks
	now    func() time.Time // the wall clock; tests move it
}

// NewStore keeps the counters in rdb under prefix.
func NewStore(rdb redis.UniversalClient, prefix redisdb.KeyPrefix) *Store {
	return &Store{rdb: rdb, prefix: prefix, now: time.Now}
}

func (s *Store) tag(templateID int64) string {
	return s.prefix.Key("{coupon:" + strconv.FormatInt(templateID, 10) + "}")
}

// Keys are the template's keys in the order the scripts take them: pause flag, totals,
// holdings. Tests drop them to stand for a lost Redis.
func (s *Store) Keys(templateID int64) []string {
	t := s.tag(templateID)
	return []string{t + ":paused", t + ":totals", t + ":held"}
}

// InDatabase is false: Take books in Redis before the coupon is written.
func (s *Store) InDatabase() bool { return false }

// Take books one coupon of t for userID at t's current budgets and discount. A budget this
// replica saw spent within SpentMemory is refused without Redis.
func (s *Store) Take(ctx context.Context, t *promo.Template, userID int64) (int, error) {
	if userID <= 0 {
		return 0, fmt.Errorf("take a coupon of template %d: shopper %d", t.ID, userID)
	}
	if err := s.spent.refuses(t, s.now()); err != nil {
		return 0, err
	}
	res, err := takeScript.Run(ctx, s.rdb, s.Keys(t.ID), userID, t.Budget.Count, t.Budget.Amount,
		t.Discount.Most(), t.Budget.PerShopper).Int64Slice()
	if err != nil {
		return 0, fmt.Errorf("take a coupon of template %d for shopper %d: %w", t.ID, userID, err)
	}
	if len(res) != 2 {
		return 0, fmt.Errorf("take a coupon of template %d: unexpected script result %v", t.ID, res)
	}
	switch res[0] {
	case 1:
		return int(res[1]), nil
	case -1:
		return 0, fmt.Errorf("template %d: %w", t.ID, promo.ErrNotLoaded)
	case -2:
		s.spent.spent(t, s.now())
		return 0, fmt.Errorf("template %d: count budget: %w", t.ID, promo.ErrBudgetSpent)
	case -3:
		s.spent.spent(t, s.now())
		return 0, fmt.Errorf("template %d: amount budget: %w", t.ID, promo.ErrBudgetSpent)
	case -4:
		return 0, fmt.Errorf("template %d: %w", t.ID, promo.ErrShopperLimit)
	case -5:
		return 0, fmt.Errorf("template %d: %w", t.ID, promo.ErrBudgetBusy)
	}
	return 0, fmt.Errorf("take a coupon of template %d: unexpected script result %v", t.ID, res)
}

// Give undoes the booking seq of userID. Giving twice undoes once. While the template is paused
// it changes nothing and reports success: the rebuild under way reads the database, where the
// booking's coupon is not.
func (s *Store) Give(ctx context.Context, t *promo.Template, userID int64, seq int) error {
	s.spent.forget(t.ID)
	if _, err := giveScript.Run(ctx, s.rdb, s.Keys(t.ID), userID, seq).Int64(); err != nil {
		return fmt.Errorf("give back booking %d of shopper %d on template %d: %w", seq, userID, t.ID, err)
	}
	return nil
}

// Pause stops the template's takes and returns the lease of the rebuild that paused it; it
// answers promo.ErrBudgetBusy when another rebuild holds the pause. The lease is what makes
// concurrent rebuilds safe: only its holder can Load, so a slow rebuild whose pause ran out
// cannot write its older snapshot over a newer one.
func (s *Store) Pause(ctx context.Context, templateID int64) (string, error) {
	s.spent.forget(templateID)
	var b [16]byte
	_, _ = rand.Read(b[:])
	lease := hex.EncodeToString(b[:])
	ok, err := s.rdb.SetNX(ctx, s.Keys(templateID)[0], lease, PauseTTL).Result()
	if err != nil {
		return "", fmt.Errorf("pause template %d: %w", templateID, err)
	}
	if !ok {
		return "", fmt.Errorf("pause template %d: %w", templateID, promo.ErrBudgetBusy)
	}
	return lease, nil
}

// Paused reports whether a rebuild holds the template's pause.
func (s *Store) Paused(ctx context.Context, templateID int64) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.Keys(templateID)[0]).Result()
	if err != nil {
		return false, fmt.Errorf("read pause of template %d: %w", templateID, err)
	}
	return n == 1, nil
}

// Load replaces the template's counters with what the database issued and lifts the pause, if
// lease still holds it (else promo.ErrBudgetBusy and the template stays as the other rebuild
// leaves it). Takes are paused throughout, so they never see a half-written template; the
// totals, written last, are what makes it loaded.
//
// Each holder's bookings are written as seqs 1 to its highest seq: a seq left free by a claim
// that gave back stays taken until the shopper's coupons are rebuilt again, never the other way.
func (s *Store) Load(ctx context.Context, t *promo.Template, issued promo.Issued, lease string) error {
	defer s.spent.forget(t.ID)
	keys := s.Keys(t.ID)
	if err := s.holds(ctx, keys[0], lease); err != nil {
		return fmt.Errorf("load template %d: %w", t.ID, err)
	}
	if err := s.rdb.Unlink(ctx, keys[1], keys[2]).Err(); err != nil {
		return fmt.Errorf("load template %d: clear: %w", t.ID, err)
	}
	if err := s.writeHeld(ctx, keys[2], issued.PerShopper); err != nil {
		return fmt.Errorf("load template %d: holdings: %w", t.ID, err)
	}
	ok, err := loadScript.Run(ctx, s.rdb, keys[:2], lease, issued.Count, issued.Amount,
		t.Budget.Count, t.Budget.Amount, t.Budget.PerShopper).Int64()
	if err != nil {
		return fmt.Errorf("load template %d: totals: %w", t.ID, err)
	}
	if ok != 1 {
		return fmt.Errorf("load template %d: the pause ran out: %w", t.ID, promo.ErrBudgetBusy)
	}
	return nil
}

// Resume lifts the pause if lease still holds it, loading nothing; a pause taken by another
// rebuild stays.
func (s *Store) Resume(ctx context.Context, templateID int64, lease string) error {
	s.spent.forget(templateID)
	if err := resumeScript.Run(ctx, s.rdb, s.Keys(templateID)[:1], lease).Err(); err != nil {
		return fmt.Errorf("resume template %d: %w", templateID, err)
	}
	return nil
}

func (s *Store) holds(ctx context.Context, pauseKey, lease string) error {
	v, err := s.rdb.Get(ctx, pauseKey).Result()
	if errors.Is(err, redis.Nil) || (err == nil && v != lease) {
		return fmt.Errorf("the pause is not ours: %w", promo.ErrBudgetBusy)
	}
	if err != nil {
		return fmt.Errorf("read pause: %w", err)
	}
	return nil
}

func (s *Store) writeHeld(ctx context.Context, key string, perShopper map[int64]int) error {
	fields := make([]any, 0, 2*loadChunk)
	flush := func() error {
		if len(fields) == 0 {
			return nil
		}
		err := s.rdb.HSet(ctx, key, fields...).Err()
		fields = fields[:0]
		return err
	}
	for user, n := range perShopper {
		u := strconv.FormatInt(user, 10)
		fields = append(fields, u, n)
		for seq := 1; seq <= n; seq++ {
			fields = append(fields, u+":"+strconv.Itoa(seq), 0)
		}
		if len(fields) >= 2*loadChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// Figures are the counters as Redis holds them, for tests and the console: booked count and
// amount, and each shopper's bookings.
type Figures struct {
	Loaded     bool
	Count      int64
	Amount     int64
	PerShopper map[int64]int
}

// Read returns the template's counters.
func (s *Store) Read(ctx context.Context, templateID int64) (Figures, error) {
	keys := s.Keys(templateID)
	totals, err := s.rdb.HGetAll(ctx, keys[1]).Result()
	if err != nil {
		return Figures{}, fmt.Errorf("read totals of template %d: %w", templateID, err)
	}
	held, err := s.rdb.HGetAll(ctx, keys[2]).Result()
	if err != nil {
		return Figures{}, fmt.Errorf("read holdings of template %d: %w", templateID, err)
	}
	f := Figures{Loaded: len(totals) > 0, PerShopper: map[int64]int{}}
	f.Count, _ = strconv.ParseInt(totals["count"], 10, 64)
	f.Amount, _ = strconv.ParseInt(totals["amount"], 10, 64)
	for k, v := range held {
		user, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			continue // a "shopper:seq" field
		}
		n, _ := strconv.Atoi(v)
		f.PerShopper[user] = n
	}
	return f, nil
}
