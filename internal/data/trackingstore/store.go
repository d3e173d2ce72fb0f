// Package trackingstore stores the mini-program's events (tracking.Repo), attributes them to
// leaders (tracking.Leaders) and counts each shopper's events against its limit in Redis
// (tracking.Quota).
package trackingstore

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/shopperevent"
	"github.com/groupbuy/groupbuy/internal/biz/tracking"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Store writes events to shopper_events.
type Store struct {
	data  *sqldb.DB
	batch *batcher
}

// NewStore stores events in data.
func NewStore(data *sqldb.DB) *Store { return &Store{data: data, batch: &batcher{data: data}} }

var columns = []string{shopperevent.FieldUserID, shopperevent.FieldClientEventID, shopperevent.FieldKind,
	shopperevent.FieldAt, shopperevent.FieldDay, shopperevent.FieldClientAt, shopperevent.FieldSession,
	shopperevent.FieldLeaderID, shopperevent.FieldGridCell, shopperevent.FieldBatchID, shopperevent.FieldItemID,
	shopperevent.FieldShareKey}

// Append inserts events, skipping those whose (user_id, client_event_id) is stored already or
// repeats in events (ON CONFLICT DO NOTHING: a concurrent resend waits on the unique index for
// the first to commit, then inserts nothing). When Append returns, the events are committed.
// On PostgreSQL outside a transaction, requests arriving together share one statement (batch.go);
// elsewhere each is its own statement.
func (s *Store) Append(ctx context.Context, events []tracking.Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	if s.data.Postgres() && ent.TxFromContext(ctx) == nil {
		return s.batch.append(ctx, events)
	}
	query, args := s.insert(events)
	res, err := s.data.Client(ctx).ExecContext(ctx, query, args...)
	if err != nil {
		return 0, sqldb.Err(err, fmt.Sprintf("insert %d shopper events", len(events)))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("insert %d shopper events: %w", len(events), err)
	}
	return int(n), nil
}

// insert is the statement of events: on PostgreSQL one text whatever their number, the columns
// passed as arrays (parsed and planned once per connection, 12 parameters instead of 12 per
// event); on SQLite a multi-row VALUES.
func (s *Store) insert(events []tracking.Event) (string, []any) {
	if s.data.Postgres() {
		return insertEventsSQL, eventColumns(events)
	}
	ins := s.data.Insert(shopperevent.Table).Columns(columns...)
	for _, e := range events {
		ins.Values(e.UserID, e.ClientEventID, string(e.Kind), e.At.UTC(), e.Day, nullTime(e.ClientAt),
			nullString(e.Session), nullID(e.LeaderID), nullString(e.GridCell), nullID(e.BatchID), nullID(e.ItemID),
			nullString(e.ShareKey))
	}
	ins.OnConflict(entsql.ConflictColumns(shopperevent.FieldUserID, shopperevent.FieldClientEventID), entsql.DoNothing())
	return ins.Query()
}

// insertEventsSQL stores events given column by column; what an event does not name (0, "",
// the zero time) is NULL.
const insertEventsSQL = `
INSERT INTO shopper_events (user_id, client_event_id, kind, at, day, client_at, session, leader_id, grid_cell,
	batch_id, item_id, share_key)
SELECT user_id, client_event_id, kind, at, day, NULLIF(client_at, '0001-01-01 00:00:00+00'), NULLIF(session, ''),
	NULLIF(leader_id, 0), NULLIF(grid_cell, ''), NULLIF(batch_id, 0), NULLIF(item_id, 0), NULLIF(share_key, '')
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::timestamptz[], $7::text[],
	$8::bigint[], $9::text[], $10::bigint[], $11::bigint[], $12::text[])
	AS e(user_id, client_event_id, kind, at, day, client_at, session, leader_id, grid_cell, batch_id, item_id, share_key)
ON CONFLICT (user_id, client_event_id) DO NOTHING`

// eventColumns are events as insertEventsSQL's arrays.
func eventColumns(events []tracking.Event) []any {
	n := len(events)
	users, leaders, batches, items := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	ids, kinds, days, sessions := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	grids, shares := make([]string, n), make([]string, n)
	at, clientAt := make([]time.Time, n), make([]time.Time, n)
	for i, e := range events {
		users[i], ids[i], kinds[i], at[i], days[i] = e.UserID, e.ClientEventID, string(e.Kind), e.At.UTC(), e.Day
		clientAt[i], sessions[i], leaders[i], grids[i] = e.ClientAt.UTC(), e.Session, e.LeaderID, e.GridCell
		batches[i], items[i], shares[i] = e.BatchID, e.ItemID, e.ShareKey
	}
	return []any{users, ids, kinds, at, days, clientAt, sessions, leaders, grids, batches, items, shares}
}

// The columns of what an event does not name are NULL.

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}
