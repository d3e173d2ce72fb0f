package identitystore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// OpenIDs maps each user of ids to its mini-program openid.
func OpenIDs(ctx context.Context, db *sqldb.DB, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	err := db.Query(ctx, `SELECT id, openid FROM users WHERE id IN (`+sqldb.List(1, len(ids))+`)`, sqldb.Args(ids),
		func(r *sql.Rows) error {
			var id int64
			var openid string
			err := r.Scan(&id, &openid)
			out[id] = openid
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("openids of users: %w", err)
	}
	return out, nil
}
