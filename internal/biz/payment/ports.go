package payment

import (
	"context"
	"time"
)

// Gateway is WeChat Pay's JSAPI payment and refund APIs. Every method retries transient
// failures itself (same key, same body) and returns the typed errors of this package.
type Gateway interface {
	// Prepay places the JSAPI order (JSAPI下单) and signs the wx.requestPayment parameters.
	// Repeating it for an unpaid order with the same body gives the same prepay_id.
	Prepay(ctx context.Context, in PrepayInput) (prepayID string, rp RequestPayment, err error)
	// QueryByOutTradeNo reads an order (查询订单).
	QueryByOutTradeNo(ctx context.Context, outTradeNo string) (Transaction, error)
	// Close closes an unpaid order (关闭订单); closing it again is fine, a paid one is ErrOrderPaid.
	Close(ctx context.Context, outTradeNo string) error
	// Refund asks for a refund (申请退款); the same out_refund_no again is the same refund.
	Refund(ctx context.Context, in RefundInput) (Refund, error)
	// QueryRefund reads a refund (查询单笔退款).
	QueryRefund(ctx context.Context, outRefundNo string) (Refund, error)
}

// Receiver types and relations of profit-sharing (添加分账接收方).
const (
	ReceiverPersonalOpenID = "PERSONAL_OPENID"
	ReceiverMerchantID     = "MERCHANT_ID"
	RelationDistributor    = "DISTRIBUTOR"
	RelationPartner        = "PARTNER"
)

// Receiver is a profit-sharing receiver (分账接收方).
type Receiver struct {
	Type     string // ReceiverPersonalOpenID or ReceiverMerchantID
	Account  string // the openid under the app, or the merchant id
	Name     string // required for MERCHANT_ID, optional for PERSONAL_OPENID; sent encrypted
	Relation string // RelationDistributor, …
}

// Share is one receiver's part of a profit-sharing order.
type Share struct {
	Type        string
	Account     string
	Name        string
	Amount      int64
	Description string
}

// SharingInput is one profit-sharing request (请求分账) for one transaction.
type SharingInput struct {
	// OutOrderNo is the idempotency key: OutOrderNo(runID, orderID).
	OutOrderNo    string
	TransactionID string
	Shares        []Share
	// UnfreezeUnsplit unfreezes what is not shared once this order finishes.
	UnfreezeUnsplit bool
}

// Profit-sharing order states (分账单状态) and receiver results (分账结果).
const (
	SharingProcessing  = "PROCESSING"
	SharingFinished    = "FINISHED"
	ShareResultPending = "PENDING"
	ShareResultSuccess = "SUCCESS"
	ShareResultClosed  = "CLOSED"
)

// ShareResult is one receiver's outcome in a profit-sharing order.
type ShareResult struct {
	Type        string
	Account     string
	Amount      int64
	Description string
	Result      string // ShareResultPending, ShareResultSuccess, ShareResultClosed
	FailReason  string // ACCOUNT_ABNORMAL, NO_RELATION, … when closed
	DetailID    string
	CreateTime  time.Time
	FinishTime  time.Time
}

// SharingOrder is a profit-sharing (or unfreeze) order as WeChat reports it.
type SharingOrder struct {
	OutOrderNo    string
	OrderID       string
	TransactionID string
	State         string // SharingProcessing or SharingFinished
	Receivers     []ShareResult
}

// ReturnInput asks a merchant receiver to give back part of a share (请求分账回退).
type ReturnInput struct {
	OutReturnNo string
	OutOrderNo  string
	ReturnMchID string
	Amount      int64
	Description string
}

// Return states (回退结果).
const (
	ReturnProcessing = "PROCESSING"
	ReturnSuccess    = "SUCCESS"
	ReturnFailed     = "FAILED"
)

// Return is a profit-sharing return as WeChat reports it.
type Return struct {
	OutReturnNo string
	OutOrderNo  string
	ReturnID    string
	ReturnMchID string
	Amount      int64
	Result      string
	FailReason  string
	FinishTime  time.Time
}

// ProfitSharing is WeChat Pay's profit-sharing API (分账) for an ordinary direct merchant.
type ProfitSharing interface {
	AddReceiver(ctx context.Context, r Receiver) error
	DeleteReceiver(ctx context.Context, typ, account string) error
	// CreateOrder requests a profit-sharing order; the same out_order_no is the same request.
	// Over the ratio cap: ErrRatioExceeded; a receiver not added: ErrReceiverNotFound.
	CreateOrder(ctx context.Context, in SharingInput) (SharingOrder, error)
	QueryOrder(ctx context.Context, transactionID, outOrderNo string) (SharingOrder, error)
	// Unfreeze gives what is left of the transaction back to the merchant (解冻剩余资金).
	Unfreeze(ctx context.Context, transactionID, outOrderNo, description string) (SharingOrder, error)
	CreateReturn(ctx context.Context, in ReturnInput) (Return, error)
	QueryReturn(ctx context.Context, outOrderNo, outReturnNo string) (Return, error)
	// UnsplitAmount is what the transaction can still share (查询剩余待分金额).
	UnsplitAmount(ctx context.Context, transactionID string) (int64, error)
}

// BillRow is one row of a trade bill (交易账单): a payment or a refund. Amounts in fen.
type BillRow struct {
	TradeTime     time.Time
	AppID         string
	MchID         string
	TransactionID string
	OutTradeNo    string
	OpenID        string
	TradeType     string
	TradeState    string // SUCCESS or REFUND
	Settlement    int64  // 应结订单金额
	RefundID      string
	OutRefundNo   string
	Refund        int64 // 退款金额
	RefundState   string
	Fee           int64 // 手续费 (negative on a refund: given back)
	Total         int64 // 订单金额
	RefundApplied int64 // 申请退款金额
	Description   string
	Attach        string
}

// BillSummary is a trade bill's summary row.
type BillSummary struct {
	Count         int
	Settlement    int64
	Refund        int64
	Fee           int64
	Total         int64
	RefundApplied int64
}

// TradeBill is one day's trade bill, downloaded, hash-checked and parsed.
type TradeBill struct {
	Day     time.Time
	Rows    []BillRow
	Summary BillSummary
}

// Bills downloads WeChat Pay's daily bills (a day's bill is ready after 10:00 the next day,
// Beijing time; ErrBillNotReady before that or for a day without trades).
type Bills interface {
	TradeBill(ctx context.Context, day time.Time) (TradeBill, error)
	// SharingBill is day's profit-sharing bill (分账账单): the shares, unfreezes and returns
	// that succeeded that day; WeChat leaves out those that did not.
	SharingBill(ctx context.Context, day time.Time) (SharingBill, error)
}

// Business types (业务类型) of a profit-sharing bill row.
const (
	SharingBillShare    = "分账"
	SharingBillUnfreeze = "解冻给分账方"
	SharingBillReturn   = "回退"
)

// SharingBillRow is one row of a profit-sharing bill (分账账单): one receiver's share of a
// profit-sharing order, an unfreeze to the merchant itself, or a return. Amounts in fen.
type SharingBillRow struct {
	CreateTime    time.Time // 分账发起时间
	MchID         string    // 分账方商户号: the merchant that shared (us)
	TransactionID string    // 微信订单号
	OrderID       string    // 微信分账/回退单号
	DetailID      string    // 分账明细单号
	OutOrderNo    string    // 商户分账/回退单号: out_order_no, or out_return_no of a return
	ReceiverType  string    // 分账接收方类型: PERSONAL_OPENID, MERCHANT_ID
	Account       string    // 分账接收方: the openid or merchant id
	Amount        int64     // 分账/回退金额
	BusinessType  string    // 业务类型: SharingBillShare, SharingBillUnfreeze or SharingBillReturn
	State         string    // 处理状态
	Description   string    // 分账/回退描述
	FinishTime    time.Time // 完成时间: the bill's day is the day of this time
}

// SharingBillSummary is a profit-sharing bill's summary row.
type SharingBillSummary struct {
	Count    int
	Shared   int64 // 分账总金额, unfreezes included
	Returned int64 // 回退总金额
}

// SharingBill is one day's profit-sharing bill, downloaded, hash-checked and parsed.
type SharingBill struct {
	Day     time.Time
	Rows    []SharingBillRow
	Summary SharingBillSummary
}

// Store keeps payments, refunds and the notification inbox. Get* return bizerr.ErrNotFound
// for an unknown number. Methods called with the context of port.Transactor.InTx join its
// transaction.
type Store interface {
	// CreatePayment saves p (state created) unless a payment with its out_trade_no exists;
	// either way it returns the stored payment.
	CreatePayment(ctx context.Context, p *Payment) (*Payment, error)
	GetPayment(ctx context.Context, outTradeNo string) (*Payment, error)
	// LockPayment reads the payment for update inside a transaction.
	LockPayment(ctx context.Context, outTradeNo string) (*Payment, error)
	SavePayment(ctx context.Context, p *Payment) error
	CreateRefund(ctx context.Context, r *Refund) (*Refund, error)
	GetRefund(ctx context.Context, outRefundNo string) (*Refund, error)
	LockRefund(ctx context.Context, outRefundNo string) (*Refund, error)
	// RefundsCommitted sums the refunds of a payment that succeeded or may still succeed (every
	// state but closed), in fen.
	RefundsCommitted(ctx context.Context, outTradeNo string) (int64, error)
	SaveRefund(ctx context.Context, r *Refund) error
	// RecordNotification stores a notification in the inbox, keyed by WeChat's notification
	// id. It reports false when the id is already there (a duplicate).
	RecordNotification(ctx context.Context, n Notification) (bool, error)
}

// Listener hears about money that moved, inside the transaction that records it, so that the
// order (checkout) and the ledger move with the payment or not at all.
type Listener interface {
	PaymentPaid(ctx context.Context, p *Payment) error
	RefundSucceeded(ctx context.Context, r *Refund) error
	// RefundClosed: WeChat closed the refund; the money stays with the merchant.
	RefundClosed(ctx context.Context, r *Refund) error
}

// Notification is a verified, decrypted notification, as kept in the inbox.
type Notification struct {
	ID           string
	EventType    string // TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.CLOSED, REFUND.ABNORMAL
	ResourceType string
	Summary      string
	CreateTime   time.Time
	// Resource is the decrypted resource (JSON), for audit.
	Resource   string
	ReceivedAt time.Time
	// Rejected says why a verified notification could not be applied; empty when applied.
	Rejected string
}
