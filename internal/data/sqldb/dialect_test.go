package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/testenv"
)

func engines(t *testing.T) map[string]*sqldb.DB {
	open := func(c *conf.Data_Database) *sqldb.DB {
		db, cleanup, err := sqldb.Open(&conf.Data{Database: c})
		if err != nil {
			t.Fatalf("open %s: %v", c.GetDriver(), err)
		}
		t.Cleanup(cleanup)
		return db
	}
	return map[string]*sqldb.DB{
		"postgres": open(&conf.Data_Database{Driver: "postgres", Source: testenv.PostgresDSN(t)}),
		"sqlite":   open(&conf.Data_Database{Driver: "sqlite", Source: filepath.Join(t.TempDir(), "seam.db")}),
	}
}

// TestRebindAnyNumberOfParameters runs statements of 1 to 300 parameters, in order, reversed and
// repeated, on both engines: every value must come back in the place its number names.
func TestRebindAnyNumberOfParameters(t *testing.T) {
	ctx := context.Background()
	for name, db := range engines(t) {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{1, 2, 9, 10, 11, 99, 100, 101, 300} {
				args := make([]any, n)
				cols := make([]string, 0, 2*n)
				for i := range n {
					args[i] = int64(1000 + i)
					cols = append(cols, fmt.Sprintf("CAST($%d AS BIGINT)", i+1))
				}
				for i := n; i >= 1; i-- { // the same parameters again, last first
					cols = append(cols, fmt.Sprintf("CAST($%d AS BIGINT)", i))
				}
				got := make([]int64, 2*n)
				dest := make([]any, len(got))
				for i := range got {
					dest[i] = &got[i]
				}
				if err := db.QueryRow(ctx, "SELECT "+strings.Join(cols, ", "), args, dest...); err != nil {
					t.Fatalf("%d parameters: %v", n, err)
				}
				for i := range n {
					if got[i] != int64(1000+i) || got[2*n-1-i] != int64(1000+i) {
						t.Fatalf("%d parameters: $%d came back as %d and %d", n, i+1, got[i], got[2*n-1-i])
					}
				}
			}
		})
	}
}

func TestListNumbersFromFirst(t *testing.T) {
	for _, c := range []struct {
		first, n int
		want     string
	}{{1, 0, ""}, {1, 1, "$1"}, {3, 3, "$3,$4,$5"}, {9, 3, "$9,$10,$11"}} {
		if got := sqldb.List(c.first, c.n); got != c.want {
			t.Errorf("List(%d, %d) = %q, want %q", c.first, c.n, got, c.want)
		}
	}
}

// TestListInStatement feeds a list after fixed parameters to both engines.
func TestListInStatement(t *testing.T) {
	ctx := context.Background()
	for name, db := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ids := []int64{5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41}
			var n int64
			q := "SELECT COUNT(*) FROM (SELECT CAST($1 AS BIGINT) AS v UNION ALL SELECT CAST($2 AS BIGINT)) x WHERE v IN (" +
				sqldb.List(3, len(ids)) + ")"
			if err := db.QueryRow(ctx, q, append([]any{int64(41), int64(6)}, sqldb.Args(ids)...), &n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("matched %d rows, want 1 (41 is listed, 6 is not)", n)
			}
		})
	}
}

// TestSkipLockedPassesOverHeldRows: on PostgreSQL a second claimer skips the row a first
// transaction holds; on SQLite the clause is empty and the statement still runs.
func TestSkipLockedPassesOverHeldRows(t *testing.T) {
	ctx := context.Background()
	for name, db := range engines(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := db.Exec(ctx, "CREATE TABLE queue (id BIGINT PRIMARY KEY)"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, "INSERT INTO queue (id) VALUES ($1), ($2)", 1, 2); err != nil {
				t.Fatal(err)
			}
			claim := "SELECT id FROM queue ORDER BY id LIMIT 1 " + db.SkipLocked()
			if !db.Postgres() {
				if got := claimOne(ctx, t, db.SQL, claim); got != 1 {
					t.Fatalf("claimed %d, want 1", got)
				}
				return
			}
			tx, err := db.SQL.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback() }()
			if got := claimOne(ctx, t, tx, claim); got != 1 {
				t.Fatalf("first claim got %d, want 1", got)
			}
			ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if got := claimOne(ctx2, t, db.SQL, claim); got != 2 {
				t.Fatalf("second claim got %d, want 2 (row 1 is held)", got)
			}
		})
	}
}

func claimOne(ctx context.Context, t *testing.T, c sqldb.Querier, query string) int64 {
	t.Helper()
	var id int64
	if err := sqldb.Row(ctx, c, query, nil, &id); err != nil {
		t.Fatalf("claim: %v", err)
	}
	return id
}

func TestRowSaysNoRows(t *testing.T) {
	for name, db := range engines(t) {
		t.Run(name, func(t *testing.T) {
			var v int64
			err := db.QueryRow(context.Background(), "SELECT 1 WHERE 1 = $1", []any{2}, &v)
			if err != sql.ErrNoRows || !sqldb.NoRows(err) {
				t.Fatalf("err = %v, want sql.ErrNoRows", err)
			}
		})
	}
}
