package wechatnotify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// stubDecoder answers Open with what it is given; the real decoder is driven by the fuzz
// targets and by data/wechatpay's integration tests.
type stubDecoder struct {
	off  bool
	note payment.Notification
	err  error
}

func (d stubDecoder) Configured() bool { return !d.off }
func (d stubDecoder) Open(context.Context, map[string][]string, []byte) (payment.Notification, error) {
	return d.note, d.err
}
func (d stubDecoder) Transaction(string) (payment.Transaction, error) {
	return payment.Transaction{OutTradeNo: "GBO1-1", TransactionID: "4200000000000000000000000001"}, nil
}
func (d stubDecoder) Refund(string) (payment.Refund, error) {
	return payment.Refund{OutRefundNo: "GBR1-1"}, nil
}

type stubApplier struct {
	err     error
	applied int
}

func (a *stubApplier) ApplyPaymentNotification(context.Context, payment.Notification, payment.Transaction) error {
	a.applied++
	return a.err
}
func (a *stubApplier) ApplyRefundNotification(context.Context, payment.Notification, payment.Refund) error {
	a.applied++
	return a.err
}

// Every outcome of reading, opening and applying a notification has its answer: WeChat retries
// what is not 2xx, so only what was taken (or can never be taken) is acknowledged.
func TestAnswers(t *testing.T) {
	paid := payment.Notification{ID: "N1", EventType: payment.EventTransactionSuccess}
	for _, c := range []struct {
		name    string
		method  string
		route   string
		body    string
		dec     stubDecoder
		apply   error
		status  int
		message string
		applied int
	}{
		{name: "taken", dec: stubDecoder{note: paid}, status: http.StatusNoContent, applied: 1},
		{name: "GET", method: http.MethodGet, status: http.StatusMethodNotAllowed, message: "POST only"},
		{name: "not configured", dec: stubDecoder{off: true}, status: http.StatusServiceUnavailable, message: "wechat pay is not configured"},
		{name: "too large", body: strings.Repeat("x", maxBody+1), status: http.StatusRequestEntityTooLarge, message: "body too large"},
		{name: "unverified", dec: stubDecoder{err: &payment.NotificationError{Kind: payment.ErrNotificationUnverified, Reason: "unknown Wechatpay-Serial"}},
			status: http.StatusUnauthorized, message: "unknown Wechatpay-Serial"},
		{name: "malformed", dec: stubDecoder{note: payment.Notification{ID: "N1"}, err: &payment.NotificationError{Kind: payment.ErrNotificationMalformed, Reason: "resource does not decrypt"}},
			status: http.StatusBadRequest, message: "resource does not decrypt"},
		{name: "an event the route does not act on", route: "refund", dec: stubDecoder{note: paid}, status: http.StatusNoContent},
		{name: "a refund", route: "refund", dec: stubDecoder{note: payment.Notification{ID: "N2", EventType: payment.EventRefundClosed}},
			status: http.StatusNoContent, applied: 1},
		{name: "kept as rejected", dec: stubDecoder{note: paid}, apply: fmt.Errorf("other amount: %w", payment.ErrNotificationRejected),
			status: http.StatusNoContent, applied: 1},
		{name: "not applied", dec: stubDecoder{note: paid}, apply: errors.New("database down"),
			status: http.StatusInternalServerError, message: "not applied, retry later", applied: 1},
		{name: "cancelled", dec: stubDecoder{note: paid}, apply: context.Canceled,
			status: http.StatusServiceUnavailable, message: "not applied, retry later", applied: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			apply := &stubApplier{err: c.apply}
			h := New(c.dec, apply, log.NewFilter(log.DefaultLogger, log.FilterLevel(log.LevelFatal)))
			handler := h.Payment()
			if c.route == "refund" {
				handler = h.Refund()
			}
			method := c.method
			if method == "" {
				method = http.MethodPost
			}
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, httptest.NewRequest(method, "/", strings.NewReader(c.body)))
			if w.Code != c.status {
				t.Fatalf("status %d, want %d (%s)", w.Code, c.status, w.Body.String())
			}
			if apply.applied != c.applied {
				t.Errorf("applied %d times, want %d", apply.applied, c.applied)
			}
			if c.status == http.StatusNoContent {
				if w.Body.Len() != 0 {
					t.Errorf("a taken notification answered with a body: %q", w.Body.String())
				}
				return
			}
			var got map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("answer is not JSON: %q", w.Body.String())
			}
			if got["code"] != "FAIL" || got["message"] != c.message {
				t.Errorf("answer %v, want FAIL with %q", got, c.message)
			}
		})
	}
}

func TestMaskTransactionID(t *testing.T) {
	for in, want := range map[string]string{
		"4200000000000000000000000001": "4200******************000001",
		"1234567890":                   "**********",
		"":                             "",
	} {
		if got := maskTransactionID(in); got != want {
			t.Errorf("maskTransactionID(%q) = %q, want %q", in, got, want)
		}
	}
}
