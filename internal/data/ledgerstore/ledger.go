package ledgerstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// LedgerStore is ledger.Store on the ledger_* tables.
//
// On PostgreSQL a Post of any number of transactions is four round trips in steady state:
// BEGIN (unless the caller's transaction is joined), one statement inserting the transactions
// (ON CONFLICT (key) DO NOTHING) and the postings of the new ones from arrays (unnest), returning
// the change of each account; one UPDATE adding those changes to the cached balances; COMMIT.
// The balance is incremented in place (balance = balance + delta), so concurrent posters on any
// number of replicas never lose an update; the accounts are locked in id order first, so two
// posters never deadlock on them, and transactions are inserted in key order, so two posters
// replaying the same keys wait for each other in one order too. Account ids are immutable and
// cached after the first use; new accounts are created in a short transaction of their own
// (idempotent, harmless if the posting then rolls back).
//
// On SQLite (the embedded default) the same steps run one row at a time.
type LedgerStore struct {
	data *sqldb.DB
	mu   sync.RWMutex
	ids  map[ledger.Account]int64
}

var _ ledger.Store = (*LedgerStore)(nil)

// NewLedgerStore is the ledger's store on d.
func NewLedgerStore(d *sqldb.DB) *LedgerStore {
	return &LedgerStore{data: d, ids: make(map[ledger.Account]int64)}
}

// Post implements ledger.Store.
func (s *LedgerStore) Post(ctx context.Context, at time.Time, txs []ledger.Tx) (int, error) {
	if len(txs) == 0 {
		return 0, nil
	}
	// Key order is the order in which every poster takes the keys' unique-index entries.
	txs = slices.Clone(txs)
	slices.SortFunc(txs, func(a, b ledger.Tx) int { return cmp.Compare(a.Key, b.Key) })
	at = at.UTC()
	if s.data.Postgres() {
		return s.postPostgres(ctx, at, txs)
	}
	var n int
	err := s.data.InTx(ctx, func(ctx context.Context) error {
		var err error
		n, err = s.postRowByRow(ctx, at, txs)
		return err
	})
	return n, err
}

// postLedgerSQL inserts the transactions whose key is new and the postings of those, and returns
// the number of transactions inserted and, per account (in id order), the sum of the postings
// inserted. $6 is each posting's 1-based index into the arrays of transactions.
const postLedgerSQL = `
WITH t AS (
	INSERT INTO ledger_transactions (key, kind, order_id, grid_cell, created_at)
	SELECT x.k, x.kind, x.o, x.g, $1 FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[]) AS x(k, kind, o, g)
	ON CONFLICT (key) DO NOTHING
	RETURNING id, key
), p AS (
	INSERT INTO ledger_postings (transaction_id, account_id, amount, created_at)
	SELECT t.id, y.a, y.m, $1 FROM unnest($6::int[], $7::bigint[], $8::bigint[]) AS y(i, a, m)
	JOIN t ON t.key = ($2::text[])[y.i]
	RETURNING account_id, amount
), d AS (
	SELECT account_id, sum(amount)::bigint AS delta FROM p GROUP BY account_id
)
SELECT c.n, d.account_id, d.delta FROM (SELECT count(*) AS n FROM t) c LEFT JOIN d ON true
ORDER BY d.account_id`

// addBalancesSQL adds deltas to cached balances. The sub-select locks the accounts in id order
// before the update touches any of them (an init plan runs before the first row), so concurrent
// posters queue on the accounts they share in one order and never deadlock; the increment is
// computed on the latest committed balance, so none is lost.
const addBalancesSQL = `
UPDATE ledger_accounts a SET balance = a.balance + d.delta
FROM unnest($1::bigint[], $2::bigint[]) AS d(id, delta)
WHERE a.id = d.id AND (SELECT count(*) FROM (
	SELECT l.id FROM ledger_accounts l WHERE l.id = ANY($1::bigint[]) ORDER BY l.id FOR UPDATE) lk) >= 0`

func (s *LedgerStore) postPostgres(ctx context.Context, at time.Time, txs []ledger.Tx) (int, error) {
	ids, err := s.accountIDs(ctx, at, txs)
	if err != nil {
		return 0, err
	}
	keys, kinds, grids := make([]string, len(txs)), make([]string, len(txs)), make([]string, len(txs))
	orders := make([]int64, len(txs))
	var idx []int32
	var accs, amounts []int64
	for i, t := range txs {
		keys[i], kinds[i], orders[i], grids[i] = t.Key, t.Kind, t.OrderID, t.GridCell
		for _, p := range t.Postings {
			idx = append(idx, int32(i+1))
			accs = append(accs, ids[p.Account])
			amounts = append(amounts, p.Amount)
		}
	}
	var n int
	err = s.data.InTx(ctx, func(ctx context.Context) error {
		c := s.data.Client(ctx)
		rows, err := c.QueryContext(ctx, postLedgerSQL, at, keys, kinds, orders, grids, idx, accs, amounts)
		if err != nil {
			return fmt.Errorf("insert ledger transactions: %w", err)
		}
		var deltaIDs, deltas []int64
		for rows.Next() {
			var id, delta sql.NullInt64
			if err := rows.Scan(&n, &id, &delta); err != nil {
				_ = rows.Close()
				return fmt.Errorf("read ledger postings: %w", err)
			}
			if id.Valid && delta.Int64 != 0 {
				deltaIDs, deltas = append(deltaIDs, id.Int64), append(deltas, delta.Int64)
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("insert ledger transactions: %w", err)
		}
		if n < len(txs) {
			if err := s.verifyPostgres(ctx, keys, txs, ids); err != nil {
				return err
			}
		}
		if len(deltaIDs) == 0 {
			return nil
		}
		res, err := c.ExecContext(ctx, addBalancesSQL, deltaIDs, deltas)
		if err != nil {
			return fmt.Errorf("update ledger balances: %w", err)
		}
		got, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("update ledger balances: %w", err)
		}
		if got != int64(len(deltaIDs)) {
			return fmt.Errorf("update ledger balances: %d of %d accounts updated", got, len(deltaIDs))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// verifyPostgres compares the stored postings of keys with txs' (those just inserted match by
// construction): a key written before with other postings is ErrKeyConflict. It runs only when a
// Post skipped keys, which is rare (replays).
func (s *LedgerStore) verifyPostgres(ctx context.Context, keys []string, txs []ledger.Tx, ids map[ledger.Account]int64) error {
	rows, err := s.data.Client(ctx).QueryContext(ctx, `SELECT t.key, p.account_id, p.amount
FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id WHERE t.key = ANY($1::text[])`, keys)
	if err != nil {
		return fmt.Errorf("read replayed ledger transactions: %w", err)
	}
	stored, err := scanKeyedPostings(rows)
	if err != nil {
		return fmt.Errorf("read replayed ledger transactions: %w", err)
	}
	return compareStored(stored, txs, ids)
}

type idPosting struct{ account, amount int64 }

func scanKeyedPostings(rows *sql.Rows) (map[string][]idPosting, error) {
	out := make(map[string][]idPosting)
	for rows.Next() {
		var key string
		var p idPosting
		if err := rows.Scan(&key, &p.account, &p.amount); err != nil {
			_ = rows.Close()
			return nil, err
		}
		out[key] = append(out[key], p)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

func compareStored(stored map[string][]idPosting, txs []ledger.Tx, ids map[ledger.Account]int64) error {
	sortPs := func(ps []idPosting) {
		slices.SortFunc(ps, func(a, b idPosting) int {
			return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.amount, b.amount))
		})
	}
	for _, t := range txs {
		have, ok := stored[t.Key]
		if !ok {
			continue
		}
		want := make([]idPosting, len(t.Postings))
		for i, p := range t.Postings {
			want[i] = idPosting{ids[p.Account], p.Amount}
		}
		sortPs(have)
		sortPs(want)
		if !slices.Equal(have, want) {
			return fmt.Errorf("ledger transaction %s: %w", t.Key, ledger.ErrKeyConflict)
		}
	}
	return nil
}

// accountIDs returns the id of every account of txs, creating the missing ones: two statements
// the first time an account is seen, none after. It runs before Post opens its transaction.
func (s *LedgerStore) accountIDs(ctx context.Context, at time.Time, txs []ledger.Tx) (map[ledger.Account]int64, error) {
	ids := make(map[ledger.Account]int64)
	var missing []ledger.Account
	s.mu.RLock()
	for _, t := range txs {
		for _, p := range t.Postings {
			if _, ok := ids[p.Account]; ok {
				continue
			}
			id, ok := s.ids[p.Account]
			ids[p.Account] = id
			if !ok {
				missing = append(missing, p.Account)
			}
		}
	}
	s.mu.RUnlock()
	if len(missing) == 0 {
		return ids, nil
	}
	slices.SortFunc(missing, func(a, b ledger.Account) int {
		return cmp.Or(cmp.Compare(a.Owner, b.Owner), cmp.Compare(a.OwnerID, b.OwnerID), cmp.Compare(a.Purpose, b.Purpose))
	})
	kinds, owners, purposes := make([]string, len(missing)), make([]int64, len(missing)), make([]string, len(missing))
	for i, a := range missing {
		kinds[i], owners[i], purposes[i] = string(a.Owner), a.OwnerID, string(a.Purpose)
	}
	// Outside a transaction the accounts are created on their own (autocommit) and every id is
	// cached. Inside the caller's, they are created in it (taking a second connection from the
	// pool while the caller holds one could exhaust it), and only ids of accounts that some other,
	// committed transaction created are cached: the caller may still roll back.
	var c sqldb.Querier = s.data.SQL
	if ent.TxFromContext(ctx) != nil {
		c = s.data.Client(ctx)
	}
	rows, err := c.QueryContext(ctx, `INSERT INTO ledger_accounts (owner_kind, owner_id, purpose, balance, created_at)
SELECT x.k, x.o, x.p, 0, $4 FROM unnest($1::text[], $2::bigint[], $3::text[]) AS x(k, o, p)
ON CONFLICT (owner_kind, owner_id, purpose) DO NOTHING RETURNING id, owner_kind, owner_id, purpose`, kinds, owners, purposes, at)
	if err != nil {
		return nil, fmt.Errorf("create ledger accounts: %w", err)
	}
	created, err := scanAccounts(rows)
	if err != nil {
		return nil, fmt.Errorf("create ledger accounts: %w", err)
	}
	rows, err = c.QueryContext(ctx, `SELECT a.id, a.owner_kind, a.owner_id, a.purpose FROM ledger_accounts a
JOIN unnest($1::text[], $2::bigint[], $3::text[]) AS x(k, o, p) ON a.owner_kind = x.k AND a.owner_id = x.o AND a.purpose = x.p`,
		kinds, owners, purposes)
	if err != nil {
		return nil, fmt.Errorf("read ledger accounts: %w", err)
	}
	found, err := scanAccounts(rows)
	if err != nil {
		return nil, fmt.Errorf("read ledger accounts: %w", err)
	}
	cacheAll := ent.TxFromContext(ctx) == nil
	s.mu.Lock()
	for a, id := range found {
		ids[a] = id
		if _, mine := created[a]; cacheAll || !mine {
			s.ids[a] = id
		}
	}
	s.mu.Unlock()
	for _, a := range missing {
		if ids[a] == 0 {
			return nil, fmt.Errorf("ledger account %s was not created", a)
		}
	}
	return ids, nil
}

func scanAccounts(rows *sql.Rows) (map[ledger.Account]int64, error) {
	out := make(map[ledger.Account]int64)
	for rows.Next() {
		var id int64
		var a ledger.Account
		if err := rows.Scan(&id, &a.Owner, &a.OwnerID, &a.Purpose); err != nil {
			_ = rows.Close()
			return nil, err
		}
		out[a] = id
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// postRowByRow is Post one statement per row, inside the transaction of ctx: SQLite's path.
func (s *LedgerStore) postRowByRow(ctx context.Context, at time.Time, txs []ledger.Tx) (int, error) {
	c := s.data.Client(ctx)
	ids := make(map[ledger.Account]int64)
	for _, t := range txs {
		for _, p := range t.Postings {
			if _, ok := ids[p.Account]; ok {
				continue
			}
			a := p.Account
			if _, err := c.ExecContext(ctx, s.data.Rebind(`INSERT INTO ledger_accounts (owner_kind, owner_id, purpose, balance, created_at)
VALUES ($1, $2, $3, 0, $4) ON CONFLICT (owner_kind, owner_id, purpose) DO NOTHING`),
				string(a.Owner), a.OwnerID, string(a.Purpose), at); err != nil {
				return 0, fmt.Errorf("create ledger account %s: %w", a, err)
			}
			var id int64
			if err := sqldb.Row(ctx, c, s.data.Rebind(`SELECT id FROM ledger_accounts WHERE owner_kind = $1 AND owner_id = $2 AND purpose = $3`),
				[]any{string(a.Owner), a.OwnerID, string(a.Purpose)}, &id); err != nil {
				return 0, fmt.Errorf("read ledger account %s: %w", a, err)
			}
			ids[a] = id
		}
	}
	deltas := make(map[int64]int64)
	var replayed []string
	n := 0
	for _, t := range txs {
		var txID int64
		err := sqldb.Row(ctx, c, s.data.Rebind(`INSERT INTO ledger_transactions (key, kind, order_id, grid_cell, created_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING RETURNING id`), []any{t.Key, t.Kind, t.OrderID, t.GridCell, at}, &txID)
		if errors.Is(err, sql.ErrNoRows) {
			replayed = append(replayed, t.Key)
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("insert ledger transaction %s: %w", t.Key, err)
		}
		n++
		for _, p := range t.Postings {
			if _, err := c.ExecContext(ctx, s.data.Rebind(`INSERT INTO ledger_postings (transaction_id, account_id, amount, created_at)
VALUES ($1, $2, $3, $4)`), txID, ids[p.Account], p.Amount, at); err != nil {
				return 0, fmt.Errorf("insert ledger posting of %s: %w", t.Key, err)
			}
			deltas[ids[p.Account]] += p.Amount
		}
	}
	for _, key := range replayed {
		rows, err := c.QueryContext(ctx, s.data.Rebind(`SELECT t.key, p.account_id, p.amount
FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id WHERE t.key = $1`), key)
		if err != nil {
			return 0, fmt.Errorf("read replayed ledger transaction %s: %w", key, err)
		}
		stored, err := scanKeyedPostings(rows)
		if err != nil {
			return 0, fmt.Errorf("read replayed ledger transaction %s: %w", key, err)
		}
		if err := compareStored(stored, txs, ids); err != nil {
			return 0, err
		}
	}
	accounts := make([]int64, 0, len(deltas))
	for id := range deltas {
		accounts = append(accounts, id)
	}
	slices.Sort(accounts)
	for _, id := range accounts {
		if deltas[id] == 0 {
			continue
		}
		if _, err := c.ExecContext(ctx, s.data.Rebind(`UPDATE ledger_accounts SET balance = balance + $1 WHERE id = $2`),
			deltas[id], id); err != nil {
			return 0, fmt.Errorf("update ledger balance: %w", err)
		}
	}
	return n, nil
}

// Balance implements ledger.Store.
func (s *LedgerStore) Balance(ctx context.Context, a ledger.Account) (int64, error) {
	var b int64
	err := sqldb.Row(ctx, s.data.Client(ctx), s.data.Rebind(`SELECT balance FROM ledger_accounts
WHERE owner_kind = $1 AND owner_id = $2 AND purpose = $3`), []any{string(a.Owner), a.OwnerID, string(a.Purpose)}, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read balance of %s: %w", a, err)
	}
	return b, nil
}

// Balances implements ledger.Store.
func (s *LedgerStore) Balances(ctx context.Context, owner ledger.OwnerKind, ownerID int64) (map[ledger.Purpose]int64, error) {
	rows, err := s.data.Client(ctx).QueryContext(ctx, s.data.Rebind(`SELECT purpose, balance FROM ledger_accounts
WHERE owner_kind = $1 AND owner_id = $2`), string(owner), ownerID)
	if err != nil {
		return nil, fmt.Errorf("read balances of %s/%d: %w", owner, ownerID, err)
	}
	out := make(map[ledger.Purpose]int64)
	for rows.Next() {
		var p ledger.Purpose
		var b int64
		if err := rows.Scan(&p, &b); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("read balances of %s/%d: %w", owner, ownerID, err)
		}
		out[p] = b
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("read balances of %s/%d: %w", owner, ownerID, err)
	}
	return out, nil
}

// The queries of Check, on one snapshot. Each is one scan (or hash aggregate) of a table.
const (
	checkTotalsSQL = `SELECT (SELECT count(*) FROM ledger_transactions), count(*), CAST(coalesce(sum(amount), 0) AS BIGINT)
FROM ledger_postings`
	checkBalancesSQL = `SELECT a.owner_kind, a.owner_id, a.purpose, a.balance, CAST(coalesce(s.total, 0) AS BIGINT)
FROM ledger_accounts a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_postings GROUP BY account_id) s
ON s.account_id = a.id WHERE a.balance <> coalesce(s.total, 0) ORDER BY a.id LIMIT 1000`
	checkUnbalancedSQL = `SELECT t.key FROM ledger_transactions t LEFT JOIN (
	SELECT transaction_id, sum(amount) AS total, count(*) AS n FROM ledger_postings GROUP BY transaction_id) p
ON p.transaction_id = t.id WHERE p.transaction_id IS NULL OR p.total <> 0 OR p.n < 2 ORDER BY t.id LIMIT 1000`
	checkDuplicatesSQL = `SELECT key FROM ledger_transactions GROUP BY key HAVING count(*) > 1 ORDER BY key LIMIT 1000`
	checkOrphansSQL    = `SELECT
	(SELECT count(*) FROM ledger_postings p WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = p.account_id)) +
	(SELECT count(*) FROM ledger_postings p WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.id = p.transaction_id))`
)

// Check implements ledger.Store: every query reads one snapshot (a read-only repeatable-read
// transaction on PostgreSQL), so postings committed meanwhile cannot make cached and recomputed
// balances disagree.
func (s *LedgerStore) Check(ctx context.Context) (ledger.Report, error) {
	var r ledger.Report
	opts := &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	if !s.data.Postgres() {
		opts = nil
	}
	tx, err := s.data.SQL.BeginTx(ctx, opts)
	if err != nil {
		return r, fmt.Errorf("begin ledger check: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := sqldb.Row(ctx, tx, checkTotalsSQL, nil, &r.Transactions, &r.Postings, &r.TrialBalance); err != nil {
		return r, fmt.Errorf("ledger totals: %w", err)
	}
	rows, err := tx.QueryContext(ctx, checkBalancesSQL)
	if err != nil {
		return r, fmt.Errorf("recompute ledger balances: %w", err)
	}
	for rows.Next() {
		var d ledger.BalanceDiff
		if err := rows.Scan(&d.Account.Owner, &d.Account.OwnerID, &d.Account.Purpose, &d.Cached, &d.Recomputed); err != nil {
			_ = rows.Close()
			return r, fmt.Errorf("recompute ledger balances: %w", err)
		}
		r.BalanceDiffs = append(r.BalanceDiffs, d)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return r, fmt.Errorf("recompute ledger balances: %w", err)
	}
	if r.Unbalanced, err = queryStrings(ctx, tx, checkUnbalancedSQL); err != nil {
		return r, fmt.Errorf("unbalanced ledger transactions: %w", err)
	}
	if r.DuplicateKeys, err = queryStrings(ctx, tx, checkDuplicatesSQL); err != nil {
		return r, fmt.Errorf("duplicate ledger keys: %w", err)
	}
	if err := sqldb.Row(ctx, tx, checkOrphansSQL, nil, &r.OrphanPostings); err != nil {
		return r, fmt.Errorf("orphan ledger postings: %w", err)
	}
	return r, nil
}

func queryStrings(ctx context.Context, c sqldb.Querier, query string) ([]string, error) {
	rows, err := c.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			_ = rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}
