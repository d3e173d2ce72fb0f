package leaderstore

import (
	"context"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/leaderbinding"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

type bindingRepo struct {
	data   *sqldb.DB
	orders OrderHistory
}

// OrderHistory tells whether a shopper ever ordered; the orders' owner answers it (orderstore).
type OrderHistory interface {
	Ordered(ctx context.Context, userID int64) (bool, error)
}

// NewBindingRepo stores shoppers' leader bindings and their history.
func NewBindingRepo(data *sqldb.DB, orders OrderHistory) leader.BindingRepo {
	return &bindingRepo{data: data, orders: orders}
}

func (r *bindingRepo) Current(ctx context.Context, userID int64) (*leader.Binding, error) {
	row, err := r.data.Client(ctx).LeaderBinding.Query().
		Where(leaderbinding.UserID(int(userID)), leaderbinding.UnboundAtIsNil()).
		Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("current binding of user %d", userID))
	}
	return toBinding(row), nil
}

// Switch closes the current binding and opens the new one in one transaction; the partial unique
// index on (user_id) WHERE unbound_at IS NULL turns a concurrent second switch into a conflict.
func (r *bindingRepo) Switch(ctx context.Context, userID, leaderID int64, at time.Time) (*leader.Binding, error) {
	var out *leader.Binding
	err := r.data.InTx(ctx, func(ctx context.Context) error {
		c := r.data.Client(ctx)
		_, err := c.LeaderBinding.Update().
			Where(leaderbinding.UserID(int(userID)), leaderbinding.UnboundAtIsNil()).
			SetUnboundAt(at).
			Save(ctx)
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("end binding of user %d", userID))
		}
		row, err := c.LeaderBinding.Create().
			SetUserID(int(userID)).SetLeaderID(int(leaderID)).SetBoundAt(at).
			Save(ctx)
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("bind user %d to leader %d", userID, leaderID))
		}
		out = toBinding(row)
		return nil
	})
	return out, err
}

func (r *bindingRepo) History(ctx context.Context, userID int64) ([]leader.Binding, error) {
	rows, err := r.data.Client(ctx).LeaderBinding.Query().
		Where(leaderbinding.UserID(int(userID))).
		Order(ent.Desc(leaderbinding.FieldBoundAt), ent.Desc(leaderbinding.FieldID)).
		Limit(100).
		All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("binding history of user %d", userID))
	}
	out := make([]leader.Binding, len(rows))
	for i, row := range rows {
		out[i] = *toBinding(row)
	}
	return out, nil
}

func (r *bindingRepo) Count(ctx context.Context, userID int64) (int, error) {
	n, err := r.data.Client(ctx).LeaderBinding.Query().Where(leaderbinding.UserID(int(userID))).Count(ctx)
	return n, sqldb.Err(err, fmt.Sprintf("count bindings of user %d", userID))
}

// Ordered asks the orders' owner whether the shopper ever ordered.
func (r *bindingRepo) Ordered(ctx context.Context, userID int64) (bool, error) {
	return r.orders.Ordered(ctx, userID)
}

func toBinding(row *ent.LeaderBinding) *leader.Binding {
	return &leader.Binding{UserID: int64(row.UserID), LeaderID: int64(row.LeaderID), BoundAt: row.BoundAt}
}
