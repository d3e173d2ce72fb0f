package reconcile

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/groupbuy/groupbuy/internal/biz/report"
)

// ledger checks each order's clearing postings against its records: the paid posting is the
// payment, the refund postings are the successful refunds, the settled credits are the
// successful shares of the order.
func (m *matcher) ledger(books []OrderBook) {
	books = slices.Clone(books)
	slices.SortFunc(books, func(a, b OrderBook) int { return cmp.Compare(a.OrderID, b.OrderID) })
	m.r.Counts.Orders = len(books)
	for _, b := range books {
		ref := "order/" + strconv.FormatInt(b.OrderID, 10)
		for _, c := range []struct {
			category, what  string
			ledger, records int64
		}{
			{CategoryPayment, "order_paid posting vs paid payments", b.LedgerPaid, b.Paid},
			{CategoryRefund, "order_refund postings vs successful refunds", b.LedgerRefunded, b.Refunded},
			{CategoryShare, "commission_settled postings vs successful shares", b.LedgerSettled, b.Shared},
		} {
			if c.ledger != c.records {
				m.diff(LedgerMismatch, c.category, ref, c.ledger, c.records,
					c.what+": ledger "+report.Yuan(c.ledger)+", records "+report.Yuan(c.records))
			}
		}
	}
}
