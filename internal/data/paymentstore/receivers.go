package paymentstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// Receiver is where a leader's profit-sharing goes, as its latest registration names it.
type Receiver struct {
	Type, Account string
	// Registered: the latest registration added the receiver and WeChat accepted it.
	Registered bool
}

// LatestReceivers is the receiver each leader of ids last asked to register; leaders that never
// asked are absent.
func LatestReceivers(ctx context.Context, db *sqldb.DB, ids []int64) (map[int64]Receiver, error) {
	out := map[int64]Receiver{}
	err := db.Query(ctx, `SELECT r.leader_id, r.receiver_type, r.account, r.op = 'add' AND r.state = 'done'
FROM receiver_registrations r
WHERE r.id IN (SELECT MAX(x.id) FROM receiver_registrations x WHERE x.leader_id IN (`+sqldb.List(1, len(ids))+`) GROUP BY x.leader_id)`,
		sqldb.Args(ids), func(r *sql.Rows) error {
			var id int64
			var rc Receiver
			err := r.Scan(&id, &rc.Type, &rc.Account, &rc.Registered)
			out[id] = rc
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("latest receivers: %w", err)
	}
	return out, nil
}
