package payment

import (
	"errors"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// Errors WeChat Pay answers that the business acts on. The adapter wraps them with WeChat's
// code and message (errors.Is finds them; WeChatError has the details). Transient failures
// (SYSTEM_ERROR, 5xx, timeouts, FREQUENCY_LIMITED) that outlast the retries wrap
// bizerr.ErrUnavailable or bizerr.ErrRateLimited instead.
var (
	// ErrNotificationRejected: a verified notification contradicts the records (unknown order,
	// other amount) and was kept in the inbox with the reason instead of being applied.
	ErrNotificationRejected = errors.New("notification kept as rejected")
	// errContradicts marks what WeChat reports against the records (an unknown order or refund,
	// another amount or transaction): kept for finance, never retried. Only the use cases
	// raise it, so a constraint error elsewhere in the transaction is not mistaken for it.
	errContradicts = fmt.Errorf("contradicts the records: %w", bizerr.ErrConflict)
	// ErrNotAtWechatYet: closing a payment WeChat has no order for, before its time_expire (and
	// the clock margin) has passed: a prepay on its way could still create it, so the payment
	// cannot be called closed yet. A normal wait, not a fault: try again later. It also wraps
	// bizerr.ErrUnavailable, so a caller that cannot wait tells its client to retry.
	ErrNotAtWechatYet = fmt.Errorf("not at WeChat yet and not past its expiry: %w", bizerr.ErrUnavailable)
	// ErrNotConfigured means the service has no WeChat Pay merchant configured.
	ErrNotConfigured = errors.New("wechat pay is not configured")
	// ErrOrderPaid: the order is already paid (ORDERPAID); it cannot be prepaid again or closed.
	ErrOrderPaid = errors.New("order already paid")
	// ErrOrderClosed: the order is closed (ORDER_CLOSED); a new out_trade_no is needed.
	ErrOrderClosed = errors.New("order closed")
	// ErrOrderNotFound: WeChat has no such order, refund or profit-sharing order
	// (ORDER_NOT_EXIST, RESOURCE_NOT_EXISTS, NOT_FOUND). It also wraps bizerr.ErrNotFound.
	ErrOrderNotFound = fmt.Errorf("wechat pay: %w", bizerr.ErrNotFound)
	// ErrDuplicateNo: the merchant number was used before for a different request (201 商户订单号重复,
	// 商户退款单号重复). A bug in the caller's key derivation, never retried. Wraps bizerr.ErrConflict.
	ErrDuplicateNo = fmt.Errorf("merchant number reused for another request: %w", bizerr.ErrConflict)
	// ErrPaymentFailed: the order's payment failed; WeChat wants a new out_trade_no.
	ErrPaymentFailed = errors.New("payment failed, a new order number is needed")
	// ErrNotEnough: not enough money (NOT_ENOUGH): refund above the refundable amount,
	// profit-sharing above what is left.
	ErrNotEnough = errors.New("not enough funds")
	// ErrRatioExceeded: the shares exceed the merchant's maximum profit-sharing ratio (30% by
	// default). It also wraps ErrSharingRejected.
	ErrRatioExceeded = fmt.Errorf("profit-sharing ratio exceeded: %w", ErrSharingRejected)
	// ErrReceiverNotFound: a receiver was never added, or was deleted. It also wraps
	// ErrSharingRejected.
	ErrReceiverNotFound = fmt.Errorf("profit-sharing receiver not added: %w", ErrSharingRejected)
	// ErrSharingRejected: WeChat refused a profit-sharing request (INVALID_REQUEST and the like);
	// WeChatError.Message says why.
	ErrSharingRejected = errors.New("profit-sharing request rejected")
	// ErrBillNotReady: the bill is not generated yet (STATEMENT_CREATING) or there is none for
	// the day (NO_STATEMENT_EXIST).
	ErrBillNotReady = errors.New("bill not available")
	// ErrRejected: any other business error WeChat answered (PARAM_ERROR, INVALID_REQUEST,
	// NO_AUTH, SIGN_ERROR …). Not retried.
	ErrRejected = errors.New("wechat pay rejected the request")
	// ErrBadNotification: a notification whose signature, timestamp, serial or ciphertext does
	// not check out. Nothing was applied.
	ErrBadNotification = errors.New("invalid wechat pay notification")
)

// WeChatError is an error answer of WeChat Pay: HTTP status, code and message. It unwraps to
// the domain error it maps to (Kind).
type WeChatError struct {
	Status  int
	Code    string
	Message string
	Kind    error
}

func (e *WeChatError) Error() string {
	return fmt.Sprintf("wechat pay %d %s: %s: %v", e.Status, e.Code, e.Message, e.Kind)
}

func (e *WeChatError) Unwrap() error { return e.Kind }
