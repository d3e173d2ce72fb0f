package wechatpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// WeChat Pay's notification rules (支付通知 / 退款结果通知, 签名验证): the signature covers
// "timestamp\nnonce\nbody\n"; a timestamp more than five minutes from now is a replay; the
// Wechatpay-Serial names the key that signed, which must be ours. The HTTP side (body limit,
// answers, applying) is internal/server/wechatnotify's.
const (
	notifyMaxAge = 5 * time.Minute

	headerSerial    = "Wechatpay-Serial"
	headerTimestamp = "Wechatpay-Timestamp"
)

// Decoder verifies and opens WeChat Pay's notifications with the client's keys
// (payment.NotificationDecoder).
type Decoder struct {
	client *Client
	now    func() time.Time
}

var _ payment.NotificationDecoder = (*Decoder)(nil)

// NewDecoder builds the decoder on the client's keys.
func NewDecoder(client *Client) *Decoder { return &Decoder{client: client, now: time.Now} }

// Configured reports whether a merchant is configured.
func (d *Decoder) Configured() bool { return d.client.Configured() }

func unverified(reason string) error {
	return &payment.NotificationError{Kind: payment.ErrNotificationUnverified, Reason: reason}
}

func malformed(reason string) error {
	return &payment.NotificationError{Kind: payment.ErrNotificationMalformed, Reason: reason}
}

// Open checks the key serial, the timestamp, the envelope and the signature, and decrypts the
// resource.
func (d *Decoder) Open(ctx context.Context, header map[string][]string, body []byte) (payment.Notification, error) {
	h := http.Header(header)
	if !d.client.Configured() {
		return payment.Notification{}, payment.ErrNotConfigured
	}
	if serial := h.Get(headerSerial); serial != d.client.cfg.PublicKeyID {
		return payment.Notification{}, unverified("unknown Wechatpay-Serial")
	}
	ts, err := strconv.ParseInt(h.Get(headerTimestamp), 10, 64)
	if err != nil {
		return payment.Notification{}, unverified("missing or malformed Wechatpay-Timestamp")
	}
	if age := d.now().Sub(time.Unix(ts, 0)); age > notifyMaxAge || age < -notifyMaxAge {
		return payment.Notification{}, unverified("Wechatpay-Timestamp outside five minutes (replay?)")
	}
	if err := checkEnvelope(body); err != nil {
		return payment.Notification{}, malformed(err.Error())
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return payment.Notification{}, err
	}
	r.Header = h.Clone()
	var content json.RawMessage
	req, err := d.client.notify.ParseNotifyRequest(ctx, r, &content)
	if req == nil {
		// The SDK returns no request when the signature (or the envelope) does not check out.
		return payment.Notification{}, unverified("signature verification failed")
	}
	if err != nil {
		return payment.Notification{ID: req.ID, EventType: req.EventType}, malformed("resource does not decrypt")
	}
	note := payment.Notification{
		ID: req.ID, EventType: req.EventType, ResourceType: req.ResourceType, Summary: req.Summary,
		Resource: req.Resource.Plaintext,
	}
	if req.CreateTime != nil {
		note.CreateTime = req.CreateTime.UTC()
	}
	if note.ID == "" {
		return note, malformed("notification has no id")
	}
	return note, nil
}

// Transaction reads a TRANSACTION.SUCCESS resource.
func (d *Decoder) Transaction(resource string) (payment.Transaction, error) {
	var tx payments.Transaction
	if err := json.Unmarshal([]byte(resource), &tx); err != nil {
		return payment.Transaction{}, malformed("resource is not a transaction")
	}
	return transactionOf(&tx), nil
}

// Refund reads a REFUND.* resource.
func (d *Decoder) Refund(resource string) (payment.Refund, error) {
	var rn refundNotice
	if err := json.Unmarshal([]byte(resource), &rn); err != nil {
		return payment.Refund{}, malformed("resource is not a refund")
	}
	return rn.refund(), nil
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
