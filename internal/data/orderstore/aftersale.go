package orderstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/aftersale"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// afterSaleRepo stores after-sales requests; their lines are JSON
// [{"line_id":1,"quantity":2,"amount":300}].
type afterSaleRepo struct{ data *sqldb.DB }

// NewAfterSaleRepo stores after-sales requests.
func NewAfterSaleRepo(data *sqldb.DB) order.AfterSaleRepo { return &afterSaleRepo{data: data} }

type afterSaleLineJSON struct {
	LineID   int64 `json:"line_id"`
	Quantity int64 `json:"quantity"`
	Amount   int64 `json:"amount"`
}

func (r *afterSaleRepo) Create(ctx context.Context, a *order.AfterSale) (*order.AfterSale, error) {
	lines := make([]afterSaleLineJSON, len(a.Lines))
	for i, l := range a.Lines {
		lines[i] = afterSaleLineJSON(l)
	}
	raw, err := json.Marshal(lines)
	if err != nil {
		return nil, fmt.Errorf("encode after-sales lines: %w", err)
	}
	create := r.data.Client(ctx).AfterSale.Create().
		SetOrderID(int(a.OrderID)).SetUserID(int(a.UserID)).SetLeaderID(int(a.LeaderID)).
		SetStatus(aftersale.Status(a.Status)).SetReason(a.Reason).SetLines(raw).SetAmount(a.Amount)
	if !a.CreatedAt.IsZero() {
		create.SetCreatedAt(a.CreatedAt.UTC()).SetUpdatedAt(a.CreatedAt.UTC())
	}
	row, err := create.Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("create after-sales of order %d", a.OrderID))
	}
	return toAfterSale(row)
}

func toAfterSale(row *ent.AfterSale) (*order.AfterSale, error) {
	a := &order.AfterSale{ID: int64(row.ID), OrderID: int64(row.OrderID), UserID: int64(row.UserID),
		LeaderID: int64(row.LeaderID), Status: order.AfterSaleStatus(row.Status), Reason: row.Reason,
		Amount: row.Amount, ReviewNote: row.ReviewNote, OutRefundNo: row.OutRefundNo, FailReason: row.FailReason,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
	if row.ReviewerID != nil {
		a.ReviewerID = int64(*row.ReviewerID)
	}
	if row.ReviewedAt != nil {
		a.ReviewedAt = row.ReviewedAt.UTC()
	}
	var lines []afterSaleLineJSON
	if err := json.Unmarshal(row.Lines, &lines); err != nil {
		return nil, fmt.Errorf("after-sales %d: decode lines: %w", row.ID, err)
	}
	for _, l := range lines {
		a.Lines = append(a.Lines, order.AfterSaleLine(l))
	}
	return a, nil
}

func toAfterSales(rows []*ent.AfterSale) ([]*order.AfterSale, error) {
	out := make([]*order.AfterSale, len(rows))
	for i, row := range rows {
		a, err := toAfterSale(row)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

func (r *afterSaleRepo) Get(ctx context.Context, id int64) (*order.AfterSale, error) {
	row, err := r.data.Client(ctx).AfterSale.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("after-sales %d", id))
	}
	return toAfterSale(row)
}

func (r *afterSaleRepo) Lock(ctx context.Context, id int64) (*order.AfterSale, error) {
	q := r.data.Client(ctx).AfterSale.Query().Where(aftersale.ID(int(id)))
	q = sqldb.Lock(r.data, q)
	row, err := q.Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("lock after-sales %d", id))
	}
	return toAfterSale(row)
}

func (r *afterSaleRepo) Save(ctx context.Context, a *order.AfterSale, at time.Time) error {
	u := r.data.Client(ctx).AfterSale.UpdateOneID(int(a.ID)).
		SetStatus(aftersale.Status(a.Status)).SetReviewNote(a.ReviewNote).SetOutRefundNo(a.OutRefundNo).
		SetFailReason(a.FailReason).SetUpdatedAt(at.UTC())
	if a.ReviewerID != 0 {
		u.SetReviewerID(int(a.ReviewerID))
	}
	if !a.ReviewedAt.IsZero() {
		u.SetReviewedAt(a.ReviewedAt.UTC())
	}
	return sqldb.Err(u.Exec(ctx), fmt.Sprintf("save after-sales %d", a.ID))
}

func (r *afterSaleRepo) OpenFor(ctx context.Context, orderID int64) ([]*order.AfterSale, error) {
	rows, err := r.data.Client(ctx).AfterSale.Query().
		Where(aftersale.OrderID(int(orderID)), aftersale.StatusIn(aftersale.StatusRequested, aftersale.StatusApproved)).
		Order(ent.Asc(aftersale.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("open after-sales of order %d", orderID))
	}
	return toAfterSales(rows)
}

func (r *afterSaleRepo) ByUser(ctx context.Context, userID, beforeID int64, limit int) ([]*order.AfterSale, error) {
	q := r.data.Client(ctx).AfterSale.Query().Where(aftersale.UserID(int(userID))).
		Order(ent.Desc(aftersale.FieldID)).Limit(port.PageLimit(limit))
	if beforeID > 0 {
		q.Where(aftersale.IDLT(int(beforeID)))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("after-sales of user %d", userID))
	}
	return toAfterSales(rows)
}

func (r *afterSaleRepo) List(ctx context.Context, status order.AfterSaleStatus, beforeID int64, limit int) ([]*order.AfterSale, error) {
	q := r.data.Client(ctx).AfterSale.Query().Order(ent.Desc(aftersale.FieldID)).Limit(port.PageLimit(limit))
	if status != "" {
		q.Where(aftersale.StatusEQ(aftersale.Status(status)))
	}
	if beforeID > 0 {
		q.Where(aftersale.IDLT(int(beforeID)))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list after-sales")
	}
	return toAfterSales(rows)
}

func (r *afterSaleRepo) DueRetry(ctx context.Context, t time.Time, limit int) ([]*order.AfterSale, error) {
	rows, err := r.data.Client(ctx).AfterSale.Query().
		Where(aftersale.StatusEQ(aftersale.StatusApproved), aftersale.UpdatedAtLTE(t.UTC())).
		Order(ent.Asc(aftersale.FieldUpdatedAt), ent.Asc(aftersale.FieldID)).Limit(limit).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "approved after-sales due to retry")
	}
	return toAfterSales(rows)
}

func (r *afterSaleRepo) Touch(ctx context.Context, id int64, at time.Time) error {
	err := r.data.Client(ctx).AfterSale.UpdateOneID(int(id)).SetUpdatedAt(at.UTC()).Exec(ctx)
	return sqldb.Err(err, fmt.Sprintf("touch after-sales %d", id))
}

func (r *afterSaleRepo) AddNotice(ctx context.Context, n order.Notice) error {
	return addNotices(ctx, r.data, []order.Notice{n})
}
