package wechatpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// WeChat Pay's notification rules (支付通知 / 退款结果通知, 签名验证): the signature covers
// "timestamp\nnonce\nbody\n"; a timestamp more than five minutes from now is a replay; the
// Wechatpay-Serial names the key that signed, which must be ours. Answer 200 or 204 when the
// notification was taken, 4xx/5xx with {"code":"FAIL","message":…} otherwise, and WeChat
// retries (about 15 times over 24 hours).
const (
	notifyMaxAge  = 5 * time.Minute
	notifyMaxBody = 64 << 10

	headerSerial    = "Wechatpay-Serial"
	headerTimestamp = "Wechatpay-Timestamp"
	headerRequestID = "Request-ID"
)

// Event types the endpoints apply.
const (
	eventTransactionSuccess = "TRANSACTION.SUCCESS"
	eventRefundSuccess      = "REFUND.SUCCESS"
	eventRefundAbnormal     = "REFUND.ABNORMAL"
	eventRefundClosed       = "REFUND.CLOSED"
)

// Applier applies verified notifications (payment.Usecase).
type Applier interface {
	ApplyPaymentNotification(ctx context.Context, n payment.Notification, t payment.Transaction) error
	ApplyRefundNotification(ctx context.Context, n payment.Notification, r payment.Refund) error
}

// Notifications serves WeChat Pay's notification endpoints.
type Notifications struct {
	client *Client
	apply  Applier
	log    *log.Helper
	now    func() time.Time
}

// NewNotifications builds the endpoints on the client's keys.
func NewNotifications(client *Client, apply Applier, logger log.Logger) *Notifications {
	return &Notifications{client: client, apply: apply, log: log.NewHelper(log.With(logger, "module", "wechatpay/notify")), now: time.Now}
}

// Payment is the handler of PaymentNotifyPath.
func (n *Notifications) Payment() http.Handler { return n.handler("payment") }

// Refund is the handler of RefundNotifyPath.
func (n *Notifications) Refund() http.Handler { return n.handler("refund") }

type failure struct {
	status int
	reason string // logged, and answered as the message: it holds no secret
}

func (n *Notifications) handler(route string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, event, fail := n.serve(r, route)
		if fail == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		reqID := r.Header.Get(headerRequestID)
		if reqID == "" {
			reqID = r.Header.Get("X-Request-Id")
		}
		n.log.Warnw("msg", "wechat pay notification refused", "route", route, "status", fail.status,
			"reason", fail.reason, "request_id", reqID, "notification_id", id, "event_type", event,
			"serial", r.Header.Get(headerSerial), "remote", r.RemoteAddr)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(fail.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"code": "FAIL", "message": fail.reason})
	})
}

// serve checks, decrypts and applies one notification.
func (n *Notifications) serve(r *http.Request, route string) (id, event string, fail *failure) {
	if r.Method != http.MethodPost {
		return "", "", &failure{http.StatusMethodNotAllowed, "POST only"}
	}
	if !n.client.Configured() {
		return "", "", &failure{http.StatusServiceUnavailable, "wechat pay is not configured"}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, notifyMaxBody+1))
	if err != nil {
		return "", "", &failure{http.StatusBadRequest, "unreadable body"}
	}
	if len(body) > notifyMaxBody {
		return "", "", &failure{http.StatusRequestEntityTooLarge, "body too large"}
	}
	if serial := r.Header.Get(headerSerial); serial != n.client.cfg.PublicKeyID {
		return "", "", &failure{http.StatusUnauthorized, "unknown Wechatpay-Serial"}
	}
	ts, err := strconv.ParseInt(r.Header.Get(headerTimestamp), 10, 64)
	if err != nil {
		return "", "", &failure{http.StatusUnauthorized, "missing or malformed Wechatpay-Timestamp"}
	}
	if age := n.now().Sub(time.Unix(ts, 0)); age > notifyMaxAge || age < -notifyMaxAge {
		return "", "", &failure{http.StatusUnauthorized, "Wechatpay-Timestamp outside five minutes (replay?)"}
	}
	if err := checkEnvelope(body); err != nil {
		return "", "", &failure{http.StatusBadRequest, err.Error()}
	}
	r.Body = io.NopCloser(bytesReader(body))
	var content json.RawMessage
	req, err := n.client.notify.ParseNotifyRequest(r.Context(), r, &content)
	if req == nil {
		// The SDK returns no request when the signature (or the envelope) does not check out.
		return "", "", &failure{http.StatusUnauthorized, "signature verification failed"}
	}
	if err != nil {
		return req.ID, req.EventType, &failure{http.StatusBadRequest, "resource does not decrypt"}
	}
	note := payment.Notification{
		ID: req.ID, EventType: req.EventType, ResourceType: req.ResourceType, Summary: req.Summary,
		Resource: req.Resource.Plaintext,
	}
	if req.CreateTime != nil {
		note.CreateTime = req.CreateTime.UTC()
	}
	if note.ID == "" {
		return "", req.EventType, &failure{http.StatusBadRequest, "notification has no id"}
	}
	switch {
	case route == "payment" && req.EventType == eventTransactionSuccess:
		var tx payments.Transaction
		if err := json.Unmarshal([]byte(req.Resource.Plaintext), &tx); err != nil {
			return note.ID, note.EventType, &failure{http.StatusBadRequest, "resource is not a transaction"}
		}
		t := transactionOf(&tx)
		if err = n.apply.ApplyPaymentNotification(r.Context(), note, t); err == nil {
			n.logPaid(note, t)
		}
	case route == "refund" && (req.EventType == eventRefundSuccess || req.EventType == eventRefundClosed || req.EventType == eventRefundAbnormal):
		var rn refundNotice
		if err := json.Unmarshal([]byte(req.Resource.Plaintext), &rn); err != nil {
			return note.ID, note.EventType, &failure{http.StatusBadRequest, "resource is not a refund"}
		}
		err = n.apply.ApplyRefundNotification(r.Context(), note, rn.refund())
	default:
		// Verified, but nothing this route acts on: take it so WeChat stops retrying.
		n.log.Infow("msg", "wechat pay notification ignored", "route", route, "notification_id", note.ID, "event_type", note.EventType)
		return note.ID, note.EventType, nil
	}
	if errors.Is(err, payment.ErrNotificationRejected) {
		// Kept for finance with the reason; WeChat retrying would change nothing.
		n.log.Errorw("msg", "wechat pay notification rejected", "notification_id", note.ID, "event_type", note.EventType, "error", err)
		return note.ID, note.EventType, nil
	}
	if err != nil {
		n.log.Errorw("msg", "wechat pay notification not applied", "notification_id", note.ID, "event_type", note.EventType, "error", err)
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
func (n *Notifications) logPaid(note payment.Notification, t payment.Transaction) {
	n.log.Infow("msg", "wechat pay payment notification accepted", "notification_id", note.ID,
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

// The only resource encryption WeChat Pay uses, and its nonce length.
const (
	resourceAlgorithm = "AEAD_AES_256_GCM"
	gcmNonceSize      = 12
)

// checkEnvelope refuses a body the SDK would panic on or misreport, reading it as the SDK does:
// one that does not decode (a create_time that is no time, say: the SDK returns no request,
// which reads as a bad signature), one without a resource (the SDK reads resource.algorithm
// through a nil pointer), of another algorithm (no request again), or whose nonce is not 12
// bytes (AES-GCM panics on it). Only WeChat's key can sign such a body, but a panic drops the
// connection without an answer, and WeChat would retry it for a day.
func checkEnvelope(body []byte) error {
	var env notify.Request
	if err := json.Unmarshal(body, &env); err != nil {
		return errors.New("body is not a notification")
	}
	switch {
	case env.Resource == nil:
		return errors.New("notification has no resource")
	case env.Resource.Algorithm != resourceAlgorithm:
		return errors.New("resource is not encrypted with " + resourceAlgorithm)
	case len(env.Resource.Nonce) != gcmNonceSize:
		return errors.New("resource nonce is not 12 bytes")
	}
	return nil
}

// refundNotice is a refund notification's resource (退款结果通知), shaped unlike the query answer.
type refundNotice struct {
	MchID         string `json:"mchid"`
	TransactionID string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	RefundID      string `json:"refund_id"`
	OutRefundNo   string `json:"out_refund_no"`
	RefundStatus  string `json:"refund_status"`
	SuccessTime   string `json:"success_time"`
	Amount        struct {
		Total  int64 `json:"total"`
		Refund int64 `json:"refund"`
	} `json:"amount"`
}

func (rn refundNotice) refund() payment.Refund {
	out := payment.Refund{
		OutRefundNo: rn.OutRefundNo, OutTradeNo: rn.OutTradeNo, RefundID: rn.RefundID,
		TransactionID: rn.TransactionID, Amount: rn.Amount.Refund, Total: rn.Amount.Total,
		State: refundState(rn.RefundStatus),
	}
	if t, err := time.Parse(time.RFC3339, rn.SuccessTime); err == nil {
		out.SuccessTime = t.UTC()
	}
	return out
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
