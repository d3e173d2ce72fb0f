package payment

import (
	"context"
	"errors"
)

// Routes of WeChat Pay's notifications, under the configured notify base URL: the gateway
// names them in its requests (notify_url), the HTTP server serves them.
const (
	PaymentNotifyPath = "/wechatpay/notify/payment"
	RefundNotifyPath  = "/wechatpay/notify/refund"
)

// Event types the notification routes apply (支付通知, 退款结果通知).
const (
	EventTransactionSuccess = "TRANSACTION.SUCCESS"
	EventRefundSuccess      = "REFUND.SUCCESS"
	EventRefundAbnormal     = "REFUND.ABNORMAL"
	EventRefundClosed       = "REFUND.CLOSED"
)

// Why a notification was not opened: it did not prove it came from WeChat Pay (signature,
// key serial, timestamp), or it did but is not a notification that can be read.
var (
	ErrNotificationUnverified = errors.New("notification not verified")
	ErrNotificationMalformed  = errors.New("notification malformed")
)

// NotificationError is a refused notification: Kind is ErrNotificationUnverified or
// ErrNotificationMalformed, Reason says why in words that hold no secret (they are answered).
type NotificationError struct {
	Kind   error
	Reason string
}

func (e *NotificationError) Error() string { return e.Reason }
func (e *NotificationError) Unwrap() error { return e.Kind }

// NotificationDecoder verifies and opens WeChat Pay's notifications (the SDK's concern).
type NotificationDecoder interface {
	// Configured reports whether a merchant is configured: without one nothing verifies.
	Configured() bool
	// Open checks a notification's key serial, timestamp (five minutes either way), envelope
	// and signature, and decrypts its resource into Notification.Resource. A refusal is a
	// *NotificationError; what was read of the notification (id, event type) comes back with it.
	Open(ctx context.Context, header map[string][]string, body []byte) (Notification, error)
	// Transaction reads a payment notification's resource.
	Transaction(resource string) (Transaction, error)
	// Refund reads a refund notification's resource.
	Refund(resource string) (Refund, error)
}
