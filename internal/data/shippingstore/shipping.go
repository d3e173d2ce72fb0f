package shippingstore

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/groupbuy/groupbuy/ent"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/ent/predicate"
	"github.com/groupbuy/groupbuy/ent/shippingdeclaration"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/shipping"
	"github.com/groupbuy/groupbuy/internal/data/paymentstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// ShippingStore is shipping_declarations, as shipping.Repo.
type ShippingStore struct {
	data     *sqldb.DB
	payments *paymentstore.PaymentStore
}

// NewShippingStore builds the store on data.
func NewShippingStore(data *sqldb.DB, payments *paymentstore.PaymentStore) *ShippingStore {
	return &ShippingStore{data: data, payments: payments}
}

var _ shipping.Repo = (*ShippingStore)(nil)

func (s *ShippingStore) Add(ctx context.Context, d *shipping.Declaration) (bool, error) {
	c := s.data.Client(ctx).ShippingDeclaration.Create().SetOrderID(int(d.OrderID)).
		SetKind(shippingdeclaration.Kind(d.Kind)).SetState(shippingdeclaration.State(d.State)).
		SetNextAttemptAt(d.NextAttemptAt.UTC()).SetItemDesc(sqldb.Clip(d.ItemDesc, 512))
	if !d.PromisedAt.IsZero() {
		c.SetPromisedAt(d.PromisedAt.UTC())
	}
	if d.LastError != "" {
		c.SetLastError(sqldb.Clip(d.LastError, 512))
	}
	id, err := c.OnConflictColumns(shippingdeclaration.FieldOrderID, shippingdeclaration.FieldKind).DoNothing().ID(ctx)
	if sqldb.NoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("add %s declaration of order %d", d.Kind, d.OrderID))
	}
	d.ID = int64(id)
	return true, nil
}

// claimShippingSQL leases a batch in one statement, as the receiver registrations do: the
// inner SELECT skips rows another replica is claiming, and attempts fences the outcome.
const claimShippingSQL = `UPDATE shipping_declarations SET next_attempt_at = $1, attempts = attempts + 1
WHERE id IN (SELECT id FROM shipping_declarations
             WHERE state = 'pending' AND next_attempt_at <= $2
             ORDER BY next_attempt_at, id LIMIT $3 %s)
RETURNING id`

func (s *ShippingStore) Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]shipping.Declaration, error) {
	query := s.data.Rebind(fmt.Sprintf(claimShippingSQL, s.data.SkipLocked()))
	rows, err := s.data.SQL.QueryContext(ctx, query, leaseUntil.UTC(), now.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim shipping declarations: %w", err)
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read claimed shipping declaration: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim shipping declarations: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	// The claim committed: reading the rows back sees this claim's attempts (a later claim
	// would need the lease to run out first).
	got, err := s.data.Client(ctx).ShippingDeclaration.Query().Where(shippingdeclaration.IDIn(ids...)).
		Order(ent.Asc(shippingdeclaration.FieldNextAttemptAt), ent.Asc(shippingdeclaration.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "read claimed shipping declarations")
	}
	return declarationsOf(got), nil
}

func (s *ShippingStore) Record(ctx context.Context, d shipping.Declaration) (bool, error) {
	u := s.data.Client(ctx).ShippingDeclaration.Update().Where(
		shippingdeclaration.ID(int(d.ID)), shippingdeclaration.Attempts(d.Attempts),
		shippingdeclaration.StateEQ(shippingdeclaration.StatePending)).
		SetState(shippingdeclaration.State(d.State)).
		SetTransactionID(d.TransactionID).SetOutTradeNo(d.OutTradeNo).SetPayerOpenid(d.PayerOpenID).
		SetItemDesc(sqldb.Clip(d.ItemDesc, 512)).SetLastError(sqldb.Clip(d.LastError, 512))
	if !d.NextAttemptAt.IsZero() {
		u.SetNextAttemptAt(d.NextAttemptAt.UTC())
	}
	if d.UploadedAt.IsZero() {
		u.ClearUploadedAt()
	} else {
		u.SetUploadedAt(d.UploadedAt.UTC())
	}
	n, err := u.Save(ctx)
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("record shipping declaration %d", d.ID))
	}
	return n == 1, nil
}

func (s *ShippingStore) List(ctx context.Context, f shipping.Filter) ([]shipping.Declaration, error) {
	var where []predicate.ShippingDeclaration
	if f.State != "" {
		where = append(where, shippingdeclaration.StateEQ(shippingdeclaration.State(f.State)))
	}
	if !f.CreatedBefore.IsZero() {
		where = append(where, shippingdeclaration.CreatedAtLT(f.CreatedBefore.UTC()))
	}
	if f.WithError {
		where = append(where, shippingdeclaration.LastErrorNEQ(""), shippingdeclaration.StateNEQ(shippingdeclaration.StateUploaded))
	}
	if f.BeforeID > 0 {
		where = append(where, shippingdeclaration.IDLT(int(f.BeforeID)))
	}
	got, err := s.data.Client(ctx).ShippingDeclaration.Query().Where(where...).
		Order(ent.Desc(shippingdeclaration.FieldID)).Limit(port.PageLimit(f.Limit)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list shipping declarations")
	}
	return declarationsOf(got), nil
}

func (s *ShippingStore) Requeue(ctx context.Context, id int64, at time.Time) (*shipping.Declaration, error) {
	n, err := s.data.Client(ctx).ShippingDeclaration.Update().
		Where(shippingdeclaration.ID(int(id)), shippingdeclaration.StateIn(entDeclarationStates(shipping.RequeueStep.From)...)).
		SetState(shippingdeclaration.State(shipping.RequeueStep.To)).SetNextAttemptAt(at.UTC()).Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("retry shipping declaration %d", id))
	}
	got, err := s.data.Client(ctx).ShippingDeclaration.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("shipping declaration %d", id))
	}
	if n == 0 {
		return nil, fmt.Errorf("shipping declaration %d is %s, not failed: %w", id, got.State, bizerr.ErrConflict)
	}
	d := declarationOf(got)
	return &d, nil
}

// undeclaredStatuses are the statuses of an order whose money WeChat holds: paid or later, not
// cancelled nor refunded in full.
var undeclaredStatuses = []entorder.Status{entorder.StatusPaid, entorder.StatusReadyForPickup,
	entorder.StatusPickedUp, entorder.StatusCompleted, entorder.StatusRefunding}

func (s *ShippingStore) Undeclared(ctx context.Context, paidAfter, paidBefore time.Time, afterID int64, limit int) ([]shipping.UndeclaredOrder, error) {
	c := s.data.Client(ctx)
	orders, err := c.Order.Query().Where(
		entorder.StatusIn(undeclaredStatuses...), entorder.PaidAtGTE(paidAfter.UTC()), entorder.PaidAtLT(paidBefore.UTC()),
		entorder.IDGT(int(afterID)),
		func(sel *entsql.Selector) {
			t := entsql.Table(shippingdeclaration.Table)
			sel.Where(entsql.Not(entsql.Exists(entsql.Select(t.C(shippingdeclaration.FieldID)).From(t).Where(entsql.And(
				entsql.ColumnsEQ(t.C(shippingdeclaration.FieldOrderID), sel.C(entorder.FieldID)),
				entsql.EQ(t.C(shippingdeclaration.FieldState), shippingdeclaration.StateUploaded.String()),
			)))))
		}).Order(ent.Asc(entorder.FieldID)).Limit(limit).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list undeclared orders")
	}
	if len(orders) == 0 {
		return nil, nil
	}
	ids := make([]int, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	decls, err := c.ShippingDeclaration.Query().Where(shippingdeclaration.OrderIDIn(ids...)).
		Order(ent.Asc(shippingdeclaration.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "read declarations of undeclared orders")
	}
	byOrder := map[int64][]shipping.Declaration{}
	for _, d := range declarationsOf(decls) {
		byOrder[d.OrderID] = append(byOrder[d.OrderID], d)
	}
	out := make([]shipping.UndeclaredOrder, len(orders))
	for i, o := range orders {
		out[i] = shipping.UndeclaredOrder{OrderID: int64(o.ID), Status: order.Status(o.Status), Amount: o.Amount,
			BatchID: int64(o.BatchID), Pending: byOrder[int64(o.ID)]}
		if o.PaidAt != nil {
			out[i].PaidAt = *o.PaidAt
		}
	}
	return out, nil
}

// PaidPayment implements shipping.Repo through the payments' owner.
func (s *ShippingStore) PaidPayment(ctx context.Context, orderID int64, attempts int) (*payment.Payment, error) {
	return s.payments.PaidPayment(ctx, orderID, attempts)
}

func declarationsOf(rows []*ent.ShippingDeclaration) []shipping.Declaration {
	out := make([]shipping.Declaration, len(rows))
	for i, r := range rows {
		out[i] = declarationOf(r)
	}
	return out
}

func declarationOf(r *ent.ShippingDeclaration) shipping.Declaration {
	d := shipping.Declaration{ID: int64(r.ID), OrderID: int64(r.OrderID), Kind: shipping.Kind(r.Kind),
		TransactionID: r.TransactionID, OutTradeNo: r.OutTradeNo, PayerOpenID: r.PayerOpenid, ItemDesc: r.ItemDesc,
		State: shipping.State(r.State), Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt, LastError: r.LastError,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.PromisedAt != nil {
		d.PromisedAt = *r.PromisedAt
	}
	if r.UploadedAt != nil {
		d.UploadedAt = *r.UploadedAt
	}
	return d
}

// entDeclarationStates converts the states a step of biz's declaration table moves from.
func entDeclarationStates(s []shipping.State) []shippingdeclaration.State {
	out := make([]shippingdeclaration.State, len(s))
	for i, st := range s {
		out[i] = shippingdeclaration.State(st)
	}
	return out
}
