// Package seedconsole fills a PostgreSQL database with what the console's pages read, at the
// size the console must stay fast on: leaders across the grids of the synthetic city (most
// approved, some pending, suspended or rejected), orders over the last days across daily batches
// with their lines, payments, refunds, after-sales, commission entries, ledger postings,
// settlement runs, items and shares, shipping declarations, receiver registrations and audit
// entries. It is for benchmark databases only.
//
// The leaders come from seedcity (their personal data sealed as the leader repository seals it);
// everything else is written by INSERT ... SELECT over generate_series inside PostgreSQL, with
// explicit ids where rows refer to each other, so a million orders take seconds, not hours. The
// rows follow the domain's shapes (ledger transactions balance, an order's payment is its
// out_trade_no, settled commission has a finished item and a successful share) without going
// through the use cases.
package seedconsole

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect"

	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data/seedcity"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Defaults: the size the console's performance requirement names.
const (
	DefaultLeaders = 10_000
	DefaultOrders  = 1_000_000
	DefaultDays    = 90
	DefaultAudit   = 300_000
)

// Options says how much to seed. Zero values take the defaults.
type Options struct {
	Leaders, Orders, Days, Audit int
	// Now is the end of the seeded period, time.Now when zero.
	Now time.Time
}

func (o Options) withDefaults() Options {
	if o.Leaders <= 0 {
		o.Leaders = DefaultLeaders
	}
	if o.Orders <= 0 {
		o.Orders = DefaultOrders
	}
	if o.Days <= 0 {
		o.Days = DefaultDays
	}
	if o.Audit <= 0 {
		o.Audit = DefaultAudit
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	return o
}

// Result is what Seed wrote and how long each step took.
type Result struct {
	Rows    map[string]int64
	Steps   []Step
	Elapsed time.Duration
}

// Step is one statement of the seeding.
type Step struct {
	Name    string
	Rows    int64
	Elapsed time.Duration
}

// Seed fills the empty, migrated database db. keys seal the leaders' personal data.
func Seed(ctx context.Context, db *sqldb.DB, keys *seal.Keyring, opt Options) (*Result, error) {
	start := time.Now()
	if db.Dialect != dialect.Postgres {
		return nil, fmt.Errorf("seedconsole: PostgreSQL only, not %s", db.Dialect)
	}
	opt = opt.withDefaults()
	if opt.Days < 40 {
		return nil, errors.New("seedconsole: at least 40 days, so that some commission is settled")
	}
	res := &Result{Rows: map[string]int64{}}
	city, err := seedcity.Seed(ctx, db, keys, seedcity.Points(opt.Leaders, seedcity.DefaultSeed), seedcity.Options{})
	if err != nil {
		return nil, err
	}
	res.Steps = append(res.Steps, Step{Name: "leaders and grids (sealed)", Rows: int64(city.Leaders + city.Grids), Elapsed: city.Elapsed})
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("seedconsole: connection: %w", err)
	}
	defer func() { _ = conn.Close() }()
	// A benchmark database: losing the last commits on a crash loses nothing.
	if _, err := conn.ExecContext(ctx, "SET synchronous_commit = off"); err != nil {
		return nil, fmt.Errorf("seedconsole: %w", err)
	}
	for _, s := range steps(opt) {
		t := time.Now()
		r, err := conn.ExecContext(ctx, s.sql)
		if err != nil {
			return nil, fmt.Errorf("seedconsole: %s: %w", s.name, err)
		}
		n, _ := r.RowsAffected()
		res.Steps = append(res.Steps, Step{Name: s.name, Rows: n, Elapsed: time.Since(t)})
	}
	if err := count(ctx, db, res); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// count reads the rows of every table seeded.
func count(ctx context.Context, db *sqldb.DB, res *Result) error {
	for _, t := range tables {
		var n int64
		if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
			return fmt.Errorf("seedconsole: count %s: %w", t, err)
		}
		res.Rows[t] = n
	}
	return nil
}
