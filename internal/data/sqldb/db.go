// Package sqldb is the one door every data package goes through to the database: the opened
// pool and its ent client, transactions that nest by joining, the error mapping onto biz's kinds,
// and the dialect seam (placeholders, row locks, SKIP LOCKED, upserts) so that no repository
// branches on the engine itself.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// DB is one opened database: the pool, its ent client and the dialect it speaks.
type DB struct {
	SQL     *sql.DB
	Ent     *ent.Client
	Dialect string
}

// Postgres reports whether the database is PostgreSQL (production) rather than the embedded
// SQLite of the development default.
func (d *DB) Postgres() bool { return d.Dialect == dialect.Postgres }

// InTx runs fn in one transaction; repositories given fn's context join it. A nested call joins
// the outer transaction instead of opening another.
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if ent.TxFromContext(ctx) != nil {
		return fn(ctx)
	}
	tx, err := d.Ent.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(ent.NewTxContext(ctx, tx)); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// Client is the transaction's client when ctx carries one, else the pool's.
func (d *DB) Client(ctx context.Context) *ent.Client {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return tx.Client()
	}
	return d.Ent
}

// Err maps ent's errors onto biz's kinds and wraps everything with what was being done. Only a
// real "no rows" becomes ErrNotFound; anything else keeps its cause.
func Err(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case ent.IsNotFound(err):
		return fmt.Errorf("%s: %w", what, bizerr.ErrNotFound)
	case ent.IsConstraintError(err):
		return fmt.Errorf("%s: %w: %w", what, bizerr.ErrConflict, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// NoRows reports ent's answer to an upsert that did nothing (ON CONFLICT DO NOTHING RETURNING
// finds no row) and database/sql's to a query without rows.
func NoRows(err error) bool {
	return err != nil && (ent.IsNotFound(err) || errors.Is(err, sql.ErrNoRows))
}

// Clip keeps s within n characters (not bytes), the width of the text column it is stored in.
func Clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// UTC is the time a nullable timestamp column holds, in UTC; the zero time for NULL.
func UTC(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// IDs converts biz's int64 ids into ent's int ids.
func IDs(ids []int64) []int {
	out := make([]int, len(ids))
	for i, v := range ids {
		out[i] = int(v)
	}
	return out
}
