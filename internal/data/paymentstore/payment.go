package paymentstore

import (
	"context"
	"fmt"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/groupbuy/groupbuy/ent"
	entpayment "github.com/groupbuy/groupbuy/ent/payment"
	"github.com/groupbuy/groupbuy/ent/paymentrefund"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// PaymentStore keeps payments, their refunds and the notification inbox (payment.Store).
type PaymentStore struct{ data *sqldb.DB }

// NewPaymentStore builds the payment store.
func NewPaymentStore(data *sqldb.DB) *PaymentStore { return &PaymentStore{data: data} }

var _ payment.Store = (*PaymentStore)(nil)

// CreatePayment inserts p unless its out_trade_no exists (ON CONFLICT DO NOTHING, so racing
// prepays of one order make one row), then reads the row back.
func (s *PaymentStore) CreatePayment(ctx context.Context, p *payment.Payment) (*payment.Payment, error) {
	c := s.data.Client(ctx)
	create := c.Payment.Create().
		SetOutTradeNo(p.OutTradeNo).
		SetDescription(p.Description).
		SetAmount(p.Amount).
		SetPayerOpenid(p.PayerOpenID).
		SetProfitSharing(p.ProfitSharing).
		SetState(entpayment.State(p.State))
	if !p.ExpiresAt.IsZero() {
		create.SetExpiresAt(p.ExpiresAt.UTC())
	}
	if err := create.OnConflictColumns(entpayment.FieldOutTradeNo).DoNothing().Exec(ctx); err != nil && !sqldb.NoRows(err) {
		return nil, sqldb.Err(err, "create payment "+p.OutTradeNo)
	}
	return s.GetPayment(ctx, p.OutTradeNo)
}

func (s *PaymentStore) GetPayment(ctx context.Context, outTradeNo string) (*payment.Payment, error) {
	row, err := s.data.Client(ctx).Payment.Query().Where(entpayment.OutTradeNo(outTradeNo)).Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "get payment "+outTradeNo)
	}
	return paymentOf(row), nil
}

func (s *PaymentStore) LockPayment(ctx context.Context, outTradeNo string) (*payment.Payment, error) {
	q := s.data.Client(ctx).Payment.Query().Where(entpayment.OutTradeNo(outTradeNo))
	q = sqldb.Lock(s.data, q)
	row, err := q.Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "lock payment "+outTradeNo)
	}
	return paymentOf(row), nil
}

func (s *PaymentStore) SavePayment(ctx context.Context, p *payment.Payment) error {
	u := s.data.Client(ctx).Payment.UpdateOneID(int(p.ID)).
		SetState(entpayment.State(p.State)).
		SetPrepayID(p.PrepayID).
		SetRefunded(p.Refunded)
	if p.TransactionID != "" {
		u.SetTransactionID(p.TransactionID)
	}
	if !p.PaidAt.IsZero() {
		u.SetPaidAt(p.PaidAt.UTC())
	}
	return sqldb.Err(u.Exec(ctx), "save payment "+p.OutTradeNo)
}

func paymentOf(r *ent.Payment) *payment.Payment {
	p := &payment.Payment{
		ID: int64(r.ID), OutTradeNo: r.OutTradeNo, Description: r.Description, Amount: r.Amount,
		PayerOpenID: r.PayerOpenid, ProfitSharing: r.ProfitSharing, State: payment.State(r.State),
		PrepayID: r.PrepayID, Refunded: r.Refunded, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.TransactionID != nil {
		p.TransactionID = *r.TransactionID
	}
	if r.PaidAt != nil {
		p.PaidAt = *r.PaidAt
	}
	if r.ExpiresAt != nil {
		p.ExpiresAt = *r.ExpiresAt
	}
	return p
}

// CreateRefund inserts r unless its out_refund_no exists, then reads the row back.
func (s *PaymentStore) CreateRefund(ctx context.Context, r *payment.Refund) (*payment.Refund, error) {
	err := s.data.Client(ctx).PaymentRefund.Create().
		SetOutRefundNo(r.OutRefundNo).
		SetOutTradeNo(r.OutTradeNo).
		SetAmount(r.Amount).
		SetTotal(r.Total).
		SetReason(r.Reason).
		SetState(paymentrefund.State(r.State)).
		OnConflictColumns(paymentrefund.FieldOutRefundNo).DoNothing().
		Exec(ctx)
	if err != nil && !sqldb.NoRows(err) {
		return nil, sqldb.Err(err, "create refund "+r.OutRefundNo)
	}
	row, err := s.data.Client(ctx).PaymentRefund.Query().Where(paymentrefund.OutRefundNo(r.OutRefundNo)).Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "get refund "+r.OutRefundNo)
	}
	return refundOf(row), nil
}

func (s *PaymentStore) GetRefund(ctx context.Context, outRefundNo string) (*payment.Refund, error) {
	row, err := s.data.Client(ctx).PaymentRefund.Query().Where(paymentrefund.OutRefundNo(outRefundNo)).Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "get refund "+outRefundNo)
	}
	return refundOf(row), nil
}

// RefundsCommitted sums in the database; the caller holds the payment locked, so no refund of
// it can be added meanwhile.
func (s *PaymentStore) RefundsCommitted(ctx context.Context, outTradeNo string) (int64, error) {
	var sums []struct {
		Sum int64 `json:"sum"`
	}
	err := s.data.Client(ctx).PaymentRefund.Query().
		Where(paymentrefund.OutTradeNo(outTradeNo), paymentrefund.StateNEQ(paymentrefund.StateClosed)).
		Aggregate(ent.Sum(paymentrefund.FieldAmount)).
		Scan(ctx, &sums)
	if err != nil {
		return 0, sqldb.Err(err, "sum refunds of "+outTradeNo)
	}
	if len(sums) == 0 {
		return 0, nil
	}
	return sums[0].Sum, nil
}

func (s *PaymentStore) LockRefund(ctx context.Context, outRefundNo string) (*payment.Refund, error) {
	q := s.data.Client(ctx).PaymentRefund.Query().Where(paymentrefund.OutRefundNo(outRefundNo))
	q = sqldb.Lock(s.data, q)
	row, err := q.Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "lock refund "+outRefundNo)
	}
	return refundOf(row), nil
}

func (s *PaymentStore) SaveRefund(ctx context.Context, r *payment.Refund) error {
	u := s.data.Client(ctx).PaymentRefund.Update().Where(paymentrefund.OutRefundNo(r.OutRefundNo)).
		SetState(paymentrefund.State(r.State)).
		SetRefundID(r.RefundID).
		SetTransactionID(r.TransactionID)
	if !r.SuccessTime.IsZero() {
		u.SetSuccessAt(r.SuccessTime.UTC())
	}
	_, err := u.Save(ctx)
	return sqldb.Err(err, "save refund "+r.OutRefundNo)
}

func refundOf(r *ent.PaymentRefund) *payment.Refund {
	out := &payment.Refund{
		OutRefundNo: r.OutRefundNo, OutTradeNo: r.OutTradeNo, RefundID: r.RefundID,
		TransactionID: r.TransactionID, Amount: r.Amount, Total: r.Total, Reason: r.Reason,
		State: payment.RefundState(r.State),
	}
	if r.SuccessAt != nil {
		out.SuccessTime = *r.SuccessAt
	}
	return out
}

// RecordNotification inserts the notification into the inbox with ON CONFLICT DO NOTHING: a
// racing duplicate waits on the unique index until the first commits, then inserts nothing.
func (s *PaymentStore) RecordNotification(ctx context.Context, n payment.Notification) (bool, error) {
	var created any
	if !n.CreateTime.IsZero() {
		created = n.CreateTime.UTC()
	}
	insert := s.data.Insert("payment_notifications").
		Columns("notification_id", "event_type", "resource_type", "summary", "create_time", "resource", "received_at", "rejected_reason").
		Values(n.ID, n.EventType, n.ResourceType, sqldb.Clip(n.Summary, 128), created, n.Resource, n.ReceivedAt.UTC(), sqldb.Clip(n.Rejected, 512)).
		OnConflict(entsql.ConflictColumns("notification_id"), entsql.DoNothing())
	query, args := insert.Query()
	res, err := s.data.Client(ctx).ExecContext(ctx, query, args...)
	if err != nil {
		return false, sqldb.Err(err, "record notification "+n.ID)
	}
	rows, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record notification %s: %w", n.ID, err)
	}
	return rows == 1, nil
}

// PaidPayment is the order's paid WeChat payment among its attempts 1..attempts, the latest if
// several were paid.
func (s *PaymentStore) PaidPayment(ctx context.Context, orderID int64, attempts int) (*payment.Payment, error) {
	nos := make([]string, 0, attempts)
	for a := 1; a <= attempts; a++ {
		nos = append(nos, payment.OutTradeNo(orderID, a))
	}
	p, err := s.data.Client(ctx).Payment.Query().
		Where(entpayment.OutTradeNoIn(nos...), entpayment.StateEQ(entpayment.StatePaid)).
		Order(ent.Desc(entpayment.FieldID)).First(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("paid payment of order %d", orderID))
	}
	return paymentOf(p), nil
}
