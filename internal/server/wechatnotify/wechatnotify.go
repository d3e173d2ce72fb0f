// Package wechatnotify serves WeChat Pay's notification routes (支付通知, 退款结果通知): it reads
// the request, has a payment.NotificationDecoder verify and open it, hands it to the payment use
// cases and answers WeChat. It is a package of its own, beside the HTTP server that mounts it,
// so that its fuzz targets build without the rest of the service.
package wechatnotify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// WeChat Pay answers: 200 or 204 when the notification was taken, 4xx/5xx with
// {"code":"FAIL","message":…} otherwise, and WeChat retries (about 15 times over 24 hours).
const (
	maxBody = 64 << 10

	headerSerial    = "Wechatpay-Serial"
	headerRequestID = "Request-ID"
)

// Applier applies verified notifications (payment.Usecase).
type Applier interface {
	ApplyPaymentNotification(ctx context.Context, n payment.Notification, t payment.Transaction) error
	ApplyRefundNotification(ctx context.Context, n payment.Notification, r payment.Refund) error
}

// Handler serves WeChat Pay's notification routes.
type Handler struct {
	decode payment.NotificationDecoder
	apply  Applier
	log    *log.Helper
}

// New builds the routes on decode, applying with apply.
func New(decode payment.NotificationDecoder, apply Applier, logger log.Logger) *Handler {
	return &Handler{decode: decode, apply: apply, log: log.NewHelper(log.With(logger, "module", "wechatpay/notify"))}
}

// Payment is the handler of payment.PaymentNotifyPath.
func (h *Handler) Payment() http.Handler { return h.handler("payment") }

// Refund is the handler of payment.RefundNotifyPath.
func (h *Handler) Refund() http.Handler { return h.handler("refund") }

type failure struct {
	status int
	reason string // logged, and answered as the message: it holds no secret
}

func (h *Handler) handler(route string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, event, fail := h.serve(r, route)
		if fail == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		reqID := r.Header.Get(headerRequestID)
		if reqID == "" {
			reqID = r.Header.Get("X-Request-Id")
		}
		h.log.Warnw("msg", "wechat pay notification refused", "route", route, "status", fail.status,
			"reason", fail.reason, "request_id", reqID, "notification_id", id, "event_type", event,
			"serial", r.Header.Get(headerSerial), "remote", r.RemoteAddr)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(fail.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"code": "FAIL", "message": fail.reason})
	})
}

// refusal is the answer to a notification the decoder did not open.
func refusal(err error) *failure {
	var ne *payment.NotificationError
	switch {
	case errors.As(err, &ne) && errors.Is(err, payment.ErrNotificationUnverified):
		return &failure{http.StatusUnauthorized, ne.Reason}
	case errors.As(err, &ne):
		return &failure{http.StatusBadRequest, ne.Reason}
	case errors.Is(err, payment.ErrNotConfigured):
		return &failure{http.StatusServiceUnavailable, "wechat pay is not configured"}
	}
	return &failure{http.StatusInternalServerError, "not read, retry later"}
}

// serve reads, opens and applies one notification.
func (h *Handler) serve(r *http.Request, route string) (id, event string, fail *failure) {
	if r.Method != http.MethodPost {
		return "", "", &failure{http.StatusMethodNotAllowed, "POST only"}
	}
	if !h.decode.Configured() {
		return "", "", &failure{http.StatusServiceUnavailable, "wechat pay is not configured"}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return "", "", &failure{http.StatusBadRequest, "unreadable body"}
	}
	if len(body) > maxBody {
		return "", "", &failure{http.StatusRequestEntityTooLarge, "body too large"}
	}
	note, err := h.decode.Open(r.Context(), r.Header, body)
	if err != nil {
		return note.ID, note.EventType, refusal(err)
	}
	switch {
	case route == "payment" && note.EventType == payment.EventTransactionSuccess:
		t, derr := h.decode.Transaction(note.Resource)
		if derr != nil {
			return note.ID, note.EventType, refusal(derr)
		}
		if err = h.apply.ApplyPaymentNotification(r.Context(), note, t); err == nil {
			h.logPaid(note, t)
		}
	case route == "refund" && (note.EventType == payment.EventRefundSuccess || note.EventType == payment.EventRefundClosed ||
		note.EventType == payment.EventRefundAbnormal):
		rf, derr := h.decode.Refund(note.Resource)
		if derr != nil {
			return note.ID, note.EventType, refusal(derr)
		}
		err = h.apply.ApplyRefundNotification(r.Context(), note, rf)
	default:
		// Verified, but nothing this route acts on: take it so WeChat stops retrying.
		h.log.Infow("msg", "wechat pay notification ignored", "route", route, "notification_id", note.ID, "event_type", note.EventType)
		return note.ID, note.EventType, nil
	}
	if errors.Is(err, payment.ErrNotificationRejected) {
		// Kept for finance with the reason; WeChat retrying would change nothing.
		h.log.Errorw("msg", "wechat pay notification rejected", "notification_id", note.ID, "event_type", note.EventType, "error", err)
		return note.ID, note.EventType, nil
	}
	if err != nil {
		h.log.Errorw("msg", "wechat pay notification not applied", "notification_id", note.ID, "event_type", note.EventType, "error", err)
		status := http.StatusInternalServerError
		if errors.Is(err, context.Canceled) {
			status = http.StatusServiceUnavailable
		}
		return note.ID, note.EventType, &failure{status, "not applied, retry later"}
	}
	return note.ID, note.EventType, nil
}

// logPaid leaves the trace of an accepted payment notification (a duplicate too: it names the
// same notification id), so that a shopper's "paid but not paid" can be followed from WeChat's
// bill to the order. The transaction id is masked: the out_trade_no already names the order, and
// finance matches the rest against the bill.
func (h *Handler) logPaid(note payment.Notification, t payment.Transaction) {
	h.log.Infow("msg", "wechat pay payment notification accepted", "notification_id", note.ID,
		"out_trade_no", t.OutTradeNo, "transaction_id", maskTransactionID(t.TransactionID),
		"amount_fen", t.Amount, "trade_state", t.TradeState)
}

// maskTransactionID keeps the first 4 and last 6 characters of a WeChat transaction id.
func maskTransactionID(id string) string {
	const head, tail = 4, 6
	if len(id) <= head+tail {
		return strings.Repeat("*", len(id))
	}
	return id[:head] + strings.Repeat("*", len(id)-head-tail) + id[len(id)-tail:]
}
