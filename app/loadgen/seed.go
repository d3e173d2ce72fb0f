package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/data/seedcity"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// seedCmd fills the configured database the way the in-process benchmarks do.
func seedCmd(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	confPath := confFlag(fs)
	n := fs.Int("n", seedcity.DefaultN, "pickup points (leaders) to seed")
	seed := fs.Int64("seed", seedcity.DefaultSeed, "seed of the synthetic city")
	batch := fs.Int("batch", seedcity.DefaultBatch, "rows per INSERT")
	spacing := fs.Duration("spacing", seedcity.DefaultSpacing, "time between consecutive approvals (updated_at), the last one now")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *n > 10_000_000 {
		return fmt.Errorf("-n %d: want 1 to 10,000,000", *n)
	}
	if *spacing < time.Microsecond {
		return fmt.Errorf("-spacing %v: want at least 1µs (PostgreSQL keeps microseconds)", *spacing)
	}
	t, err := openSeedTarget(*confPath)
	if err != nil {
		return err
	}
	defer t.close()
	bc, keys, db := t.bc, t.keys, t.db
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	res, err := seedcity.Seed(ctx, db, keys, seedcity.Points(*n, *seed), seedcity.Options{
		GridRes: int(bc.GetGeo().GetGridRes()), PickupRes: int(bc.GetGeo().GetPickupRes()), Batch: *batch, Spacing: *spacing,
	})
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d leaders in %d served grids in %v (seed %d)\n", res.Leaders, res.Grids,
		res.Elapsed.Round(time.Millisecond), *seed)
	return nil
}

// confFlag is -conf, the configuration file of the server whose database is seeded.
func confFlag(fs *flag.FlagSet) *string {
	return fs.String("conf", "configs/postgres.yaml", "configuration file (GROUPBUY_* variables fill its placeholders, as for groupbuy)")
}

// seedTarget is the configured database, checked by checkSeedTarget, and the keyring that seals
// the seeded leaders' fields.
type seedTarget struct {
	bc    *conf.Bootstrap
	keys  *seal.Keyring
	db    *sqldb.DB
	close func()
}

func openSeedTarget(confPath string) (seedTarget, error) {
	bc, err := conf.Load(confPath)
	if err != nil {
		return seedTarget{}, err
	}
	if err := checkSeedTarget(bc.GetData().GetDatabase().GetSource()); err != nil {
		return seedTarget{}, err
	}
	keys, err := data.NewKeyring(bc.GetSecurity())
	if err != nil {
		return seedTarget{}, err
	}
	db, closeDB, err := sqldb.Open(bc.GetData())
	if err != nil {
		return seedTarget{}, err
	}
	return seedTarget{bc: bc, keys: keys, db: db, close: closeDB}, nil
}

// checkSeedTarget refuses to fill anything but a database on this machine or a test database
// (named gbtest_…, as testenv and "loadgen db create" name them) with synthetic leaders.
func checkSeedTarget(dsn string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("database source: %w", err)
	}
	if isLoopback(cfg.Host) || strings.HasPrefix(cfg.Database, benchDBPrefix) {
		return nil
	}
	return fmt.Errorf("refusing to seed database %q on %s: only a database on this machine or a %s… test database",
		cfg.Database, cfg.Host, benchDBPrefix)
}
