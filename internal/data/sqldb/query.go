package sqldb

import (
	"context"
	"database/sql"
	"errors"
)

// Querier is what a raw statement runs on: the pool, a transaction's client or a *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Execer runs a statement that returns no rows.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Rows runs query (already in the database's placeholders) on c and calls each for every row.
func Rows(ctx context.Context, c Querier, query string, args []any, each func(*sql.Rows) error) error {
	rows, err := c.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Row scans the first row into dest; sql.ErrNoRows when there is none.
func Row(ctx context.Context, c Querier, query string, args []any, dest ...any) error {
	rows, err := c.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if !rows.Next() {
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		_ = rows.Close()
		return err
	}
	return rows.Close()
}

// Query runs query, written with $N placeholders, in ctx's transaction (if any) and calls each
// for every row.
func (d *DB) Query(ctx context.Context, query string, args []any, each func(*sql.Rows) error) error {
	return Rows(ctx, d.Client(ctx), d.Rebind(query), args, each)
}

// QueryRow runs query, written with $N placeholders, in ctx's transaction (if any) and scans its
// first row into dest; sql.ErrNoRows when there is none.
func (d *DB) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	return Row(ctx, d.Client(ctx), d.Rebind(query), args, dest...)
}

// Exec runs statement, written with $N placeholders, in ctx's transaction (if any) and returns
// the number of rows it changed.
func (d *DB) Exec(ctx context.Context, statement string, args ...any) (int64, error) {
	res, err := d.Client(ctx).ExecContext(ctx, d.Rebind(statement), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
