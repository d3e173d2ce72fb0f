// Package trackingstore stores the mini-program's events (tracking.Repo), attributes them to
// leaders (tracking.Leaders) and counts each shopper's events against its limit in Redis
// (tracking.Quota).
package trackingstore

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/groupbuy/groupbuy/ent/shopperevent"
	"github.com/groupbuy/groupbuy/internal/biz/tracking"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Store writes events to shopper_events.
type Store struct{ data *sqldb.DB }

// NewStore stores events in data.
func NewStore(data *sqldb.DB) *Store { return &Store{data: data} }

var columns = []string{shopperevent.FieldUserID, shopperevent.FieldClientEventID, shopperevent.FieldKind,
	shopperevent.FieldAt, shopperevent.FieldDay, shopperevent.FieldClientAt, shopperevent.FieldSession,
	shopperevent.FieldLeaderID, shopperevent.FieldGridCell, shopperevent.FieldBatchID, shopperevent.FieldItemID,
	shopperevent.FieldShareKey}

// Append inserts events in one statement, skipping those whose (user_id, client_event_id) is
// stored already or repeats in events (ON CONFLICT DO NOTHING: a concurrent resend waits on the
// unique index for the first to commit, then inserts nothing). Outside a transaction the
// statement commits on its own: when Append returns, the events are stored.
func (s *Store) Append(ctx context.Context, events []tracking.Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	ins := s.data.Insert(shopperevent.Table).Columns(columns...)
	for _, e := range events {
		ins.Values(e.UserID, e.ClientEventID, string(e.Kind), e.At.UTC(), e.Day, nullTime(e.ClientAt),
			nullString(e.Session), nullID(e.LeaderID), nullString(e.GridCell), nullID(e.BatchID), nullID(e.ItemID),
			nullString(e.ShareKey))
	}
	ins.OnConflict(entsql.ConflictColumns(shopperevent.FieldUserID, shopperevent.FieldClientEventID), entsql.DoNothing())
	query, args := ins.Query()
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
