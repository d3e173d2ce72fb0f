package reconcilestore

import (
	"context"
	"strconv"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/ledgeraccount"
	"github.com/groupbuy/groupbuy/ent/ledgerposting"
	"github.com/groupbuy/groupbuy/ent/ledgertransaction"
	entpayment "github.com/groupbuy/groupbuy/ent/payment"
	"github.com/groupbuy/groupbuy/ent/paymentrefund"
	"github.com/groupbuy/groupbuy/ent/predicate"
	"github.com/groupbuy/groupbuy/ent/settlementitem"
	"github.com/groupbuy/groupbuy/ent/settlementshare"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
	"github.com/groupbuy/groupbuy/internal/data/orderstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// ReconcileSource is reconcile.Source on the payment, settlement and ledger tables, read with
// ent only (so the same code runs on PostgreSQL and SQLite). Lists of ids go in chunks that
// stay well under either database's limit on bound parameters.
type ReconcileSource struct{ data *sqldb.DB }

var _ reconcile.Source = (*ReconcileSource)(nil)

// NewReconcileSource is the reconciliation's reader on d.
func NewReconcileSource(d *sqldb.DB) *ReconcileSource { return &ReconcileSource{data: d} }

// reconcileChunk bounds the ids of one IN list (SQLite's old default limit is 999).
const reconcileChunk = 500

// Payments implements reconcile.Source: paid payments by WeChat's success time.
func (s *ReconcileSource) Payments(ctx context.Context, from, to time.Time) ([]reconcile.Payment, error) {
	rows, err := s.data.Client(ctx).Payment.Query().
		Where(entpayment.StateEQ(entpayment.StatePaid), entpayment.PaidAtGTE(from.UTC()), entpayment.PaidAtLT(to.UTC())).
		Order(ent.Asc(entpayment.FieldPaidAt), ent.Asc(entpayment.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list paid payments")
	}
	out := make([]reconcile.Payment, 0, len(rows))
	for _, p := range rows {
		orderID, _, _ := payment.ParseOutTradeNo(p.OutTradeNo)
		out = append(out, reconcile.Payment{OrderID: orderID, OutTradeNo: p.OutTradeNo, TransactionID: derefString(p.TransactionID),
			Amount: p.Amount, PaidAt: sqldb.UTC(p.PaidAt)})
	}
	return out, nil
}

// Refunds implements reconcile.Source: refunds by when we asked for them, every state.
func (s *ReconcileSource) Refunds(ctx context.Context, from, to time.Time) ([]reconcile.Refund, error) {
	rows, err := s.data.Client(ctx).PaymentRefund.Query().
		Where(paymentrefund.CreatedAtGTE(from.UTC()), paymentrefund.CreatedAtLT(to.UTC())).
		Order(ent.Asc(paymentrefund.FieldCreatedAt), ent.Asc(paymentrefund.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list refunds")
	}
	out := make([]reconcile.Refund, 0, len(rows))
	for _, r := range rows {
		orderID, _, _ := payment.ParseOutTradeNo(r.OutTradeNo)
		out = append(out, reconcile.Refund{OrderID: orderID, OutRefundNo: r.OutRefundNo, OutTradeNo: r.OutTradeNo,
			RefundID: r.RefundID, Amount: r.Amount, State: string(r.State), CreatedAt: r.CreatedAt,
			SucceededAt: sqldb.UTC(r.SuccessAt)})
	}
	return out, nil
}

// Items implements reconcile.Source: one query for the range and the unfinished, then the
// transactions' items in chunks.
func (s *ReconcileSource) Items(ctx context.Context, from, to time.Time, transactionIDs []string) ([]reconcile.Item, error) {
	rows, err := s.data.Client(ctx).SettlementItem.Query().Where(settlementitem.Or(
		settlementitem.And(settlementitem.StateEQ(settlementitem.StateFinished),
			settlementitem.FinishedAtGTE(from.UTC()), settlementitem.FinishedAtLT(to.UTC())),
		settlementitem.StateEQ(settlementitem.StateProcessing),
	)).Order(ent.Asc(settlementitem.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list settlement items")
	}
	for i := 0; i < len(transactionIDs); i += reconcileChunk {
		chunk, err := s.data.Client(ctx).SettlementItem.Query().
			Where(settlementitem.TransactionIDIn(transactionIDs[i:min(i+reconcileChunk, len(transactionIDs))]...)).
			Order(ent.Asc(settlementitem.FieldID)).All(ctx)
		if err != nil {
			return nil, sqldb.Err(err, "list settlement items of transactions")
		}
		rows = append(rows, chunk...)
	}
	return s.withShares(ctx, uniqueItems(rows))
}

// uniqueItems drops an item found twice (in the range and by its transaction).
func uniqueItems(rows []*ent.SettlementItem) []*ent.SettlementItem {
	seen := map[int64]bool{}
	out := rows[:0]
	for _, it := range rows {
		if !seen[it.ID] {
			seen[it.ID] = true
			out = append(out, it)
		}
	}
	return out
}

// withShares reads the items' shares and turns both into reconcile's types.
func (s *ReconcileSource) withShares(ctx context.Context, rows []*ent.SettlementItem) ([]reconcile.Item, error) {
	ids := make([]int64, len(rows))
	for i, it := range rows {
		ids[i] = it.ID
	}
	shares := map[int64][]reconcile.Share{}
	for i := 0; i < len(ids); i += reconcileChunk {
		chunk, err := s.data.Client(ctx).SettlementShare.Query().
			Where(settlementshare.ItemIDIn(ids[i:min(i+reconcileChunk, len(ids))]...)).
			Order(ent.Asc(settlementshare.FieldID)).All(ctx)
		if err != nil {
			return nil, sqldb.Err(err, "list settlement shares")
		}
		for _, sh := range chunk {
			shares[sh.ItemID] = append(shares[sh.ItemID], reconcile.Share{LeaderID: sh.LeaderID, SourceOrderID: sh.SourceOrderID,
				Account: sh.Account, Amount: sh.Amount, Result: string(sh.Result), FailReason: sh.FailReason,
				DetailID: sh.DetailID, FinishedAt: sqldb.UTC(sh.FinishedAt)})
		}
	}
	out := make([]reconcile.Item, 0, len(rows))
	for _, it := range rows {
		out = append(out, reconcile.Item{RunID: it.RunID, OrderID: it.OrderID, TransactionID: it.TransactionID,
			OutOrderNo: it.OutOrderNo, Kind: string(it.Kind), State: string(it.State),
			FinishedAt: sqldb.UTC(it.FinishedAt), Shares: shares[it.ID]})
	}
	return out, nil
}

// Books implements reconcile.Source.
func (s *ReconcileSource) Books(ctx context.Context, orderIDs []int64) ([]reconcile.OrderBook, error) {
	books := map[int64]*reconcile.OrderBook{}
	for _, id := range orderIDs {
		books[id] = &reconcile.OrderBook{OrderID: id}
	}
	for i := 0; i < len(orderIDs); i += reconcileChunk {
		chunk := orderIDs[i:min(i+reconcileChunk, len(orderIDs))]
		for _, load := range []func(context.Context, []int64, map[int64]*reconcile.OrderBook) error{
			s.paidAndRefunded, s.shared, s.ledgerSums,
		} {
			if err := load(ctx, chunk, books); err != nil {
				return nil, err
			}
		}
	}
	out := make([]reconcile.OrderBook, 0, len(orderIDs))
	for _, id := range orderIDs {
		out = append(out, *books[id])
	}
	return out, nil
}

// paidAndRefunded sums the orders' paid payments and successful refunds. Payments carry the
// order only in out_trade_no (GBO<order>-<attempt>), hence the prefix match.
func (s *ReconcileSource) paidAndRefunded(ctx context.Context, ids []int64, books map[int64]*reconcile.OrderBook) error {
	var pays []predicate.Payment
	var refs []predicate.PaymentRefund
	for _, id := range ids {
		prefix := "GBO" + strconv.FormatInt(id, 10) + "-"
		pays = append(pays, entpayment.OutTradeNoHasPrefix(prefix))
		refs = append(refs, paymentrefund.OutTradeNoHasPrefix(prefix))
	}
	payments, err := s.data.Client(ctx).Payment.Query().
		Where(entpayment.StateEQ(entpayment.StatePaid), entpayment.Or(pays...)).All(ctx)
	if err != nil {
		return sqldb.Err(err, "sum paid payments")
	}
	for _, p := range payments {
		if b := bookOf(books, p.OutTradeNo); b != nil {
			b.Paid += p.Amount
		}
	}
	refunds, err := s.data.Client(ctx).PaymentRefund.Query().
		Where(paymentrefund.StateEQ(paymentrefund.StateSuccess), paymentrefund.Or(refs...)).All(ctx)
	if err != nil {
		return sqldb.Err(err, "sum successful refunds")
	}
	for _, r := range refunds {
		if b := bookOf(books, r.OutTradeNo); b != nil {
			b.Refunded += r.Amount
		}
	}
	return nil
}

func bookOf(books map[int64]*reconcile.OrderBook, outTradeNo string) *reconcile.OrderBook {
	id, _, ok := payment.ParseOutTradeNo(outTradeNo)
	if !ok {
		return nil
	}
	return books[id]
}

// shared sums the orders' successful shares, wherever they were paid.
func (s *ReconcileSource) shared(ctx context.Context, ids []int64, books map[int64]*reconcile.OrderBook) error {
	var sums []struct {
		SourceOrderID int64 `json:"source_order_id"`
		Sum           int64 `json:"sum"`
	}
	err := s.data.Client(ctx).SettlementShare.Query().
		Where(settlementshare.SourceOrderIDIn(ids...), settlementshare.ResultEQ(settlementshare.ResultSuccess)).
		GroupBy(settlementshare.FieldSourceOrderID).Aggregate(ent.Sum(settlementshare.FieldAmount)).Scan(ctx, &sums)
	if err != nil {
		return sqldb.Err(err, "sum successful shares")
	}
	for _, r := range sums {
		books[r.SourceOrderID].Shared += r.Sum
	}
	return nil
}

// ledgerSums adds the clearing postings of the orders' paid, refund and settled transactions.
// A commission_settled transaction carries the order whose commission it pays (the item's own
// order, or the source order of a carried share), so order_id groups them right.
func (s *ReconcileSource) ledgerSums(ctx context.Context, ids []int64, books map[int64]*reconcile.OrderBook) error {
	c := s.data.Client(ctx)
	clearing, err := c.LedgerAccount.Query().Where(ledgeraccount.OwnerKindEQ(ledgeraccount.OwnerKindPlatform),
		ledgeraccount.OwnerIDEQ(0), ledgeraccount.PurposeEQ(ledgeraccount.PurposeClearing)).OnlyID(ctx)
	if ent.IsNotFound(err) {
		return nil // nothing was ever posted
	}
	if err != nil {
		return sqldb.Err(err, "find the clearing account")
	}
	txs, err := c.LedgerTransaction.Query().Where(ledgertransaction.OrderIDIn(ids...),
		ledgertransaction.KindIn(commission.KindPaid, commission.KindRefund, commission.KindSettled)).
		Select(ledgertransaction.FieldID, ledgertransaction.FieldOrderID, ledgertransaction.FieldKind).All(ctx)
	if err != nil || len(txs) == 0 {
		return sqldb.Err(err, "list the orders' ledger transactions")
	}
	byID := make(map[int64]*ent.LedgerTransaction, len(txs))
	txIDs := make([]int64, len(txs))
	for i, t := range txs {
		byID[int64(t.ID)], txIDs[i] = t, int64(t.ID)
	}
	var sums []struct {
		TransactionID int64 `json:"transaction_id"`
		Sum           int64 `json:"sum"`
	}
	// An order has a handful of transactions: one chunk of orders stays within the limit.
	err = c.LedgerPosting.Query().Where(ledgerposting.AccountIDEQ(int64(clearing)), ledgerposting.TransactionIDIn(txIDs...)).
		GroupBy(ledgerposting.FieldTransactionID).Aggregate(ent.Sum(ledgerposting.FieldAmount)).Scan(ctx, &sums)
	if err != nil {
		return sqldb.Err(err, "sum the orders' clearing postings")
	}
	for _, r := range sums {
		addClearing(books[byID[r.TransactionID].OrderID], byID[r.TransactionID].Kind, r.Sum)
	}
	return nil
}

// addClearing books a transaction's clearing amount: order_paid debits clearing; refunds and
// payouts credit it, kept positive.
func addClearing(b *reconcile.OrderBook, kind string, amount int64) {
	if b == nil {
		return
	}
	switch kind {
	case commission.KindPaid:
		b.LedgerPaid += amount
	case commission.KindRefund:
		b.LedgerRefunded -= amount
	case commission.KindSettled:
		b.LedgerSettled -= amount
	}
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Discounts implements reconcile.Source: the orders are orderstore's.
func (s *ReconcileSource) Discounts(ctx context.Context, from, to time.Time) (commission.Discounts, error) {
	return orderstore.PaidDiscounts(ctx, s.data, from, to)
}
