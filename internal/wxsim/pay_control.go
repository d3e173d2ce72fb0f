package wxsim

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// payControlRoutes registers the control API of the pay half: the payer's phone, WeChat's
// back office (refund and profit-sharing outcomes) and fault injection, under /sim/v1/pay/.
// Requests that name an order by its merchant number may add "mchid" when several merchants
// use the same number.
func (s *Simulator) payControlRoutes() {
	s.mux.Handle("/sim/v1/pay/transactions", methods{http.MethodPost: s.postPaidTransactions})
	s.mux.Handle("/sim/v1/pay/transactions/{out_trade_no}", methods{http.MethodGet: s.getPayTransaction})
	s.mux.Handle("/sim/v1/pay/transactions/{out_trade_no}/pay", methods{http.MethodPost: s.postPay})
	s.mux.Handle("/sim/v1/pay/transactions/{out_trade_no}/fail", methods{http.MethodPost: s.postFailPayment})
	s.mux.Handle("/sim/v1/pay/request-payment", methods{http.MethodPost: s.postRequestPayment})
	s.mux.Handle("/sim/v1/pay/refunds/{out_refund_no}/complete", methods{http.MethodPost: s.postCompleteRefund})
	s.mux.Handle("/sim/v1/pay/profitsharing/orders/{out_order_no}/settle", methods{http.MethodPost: s.postSettle})
	s.mux.Handle("/sim/v1/pay/profitsharing/receiver-results", methods{http.MethodPost: s.postReceiverResult})
	s.mux.Handle("/sim/v1/pay/profitsharing/return-results", methods{http.MethodPost: s.postReturnResult})
	s.mux.Handle("/sim/v1/pay/profitsharing/totals", methods{http.MethodGet: s.getSharedTotals})
	s.mux.Handle("/sim/v1/pay/profitsharing/notify-url", methods{http.MethodPost: s.postSharingNotifyURL})
	s.mux.Handle("/sim/v1/pay/faults", methods{http.MethodPost: s.postPayFault, http.MethodDelete: s.deletePayFaults})
	s.mux.Handle("/sim/v1/pay/notify-faults", methods{http.MethodPost: s.postNotifyFault, http.MethodDelete: s.deleteNotifyFaults})
	s.mux.Handle("/sim/v1/pay/notifications", methods{http.MethodGet: s.getNotifications})
	s.mux.Handle("/sim/v1/pay/keys", methods{http.MethodGet: s.getPayKeys})
	s.mux.Handle("/sim/v1/pay/calls", methods{http.MethodGet: s.getPayCalls})
	s.mux.Handle("/sim/v1/clock/advance", methods{http.MethodPost: s.postAdvanceClock})
	s.rateLimitRoutes()
}

type mchidBody struct {
	MchID string `json:"mchid"`
}

// controlStatus maps the Go API's errors to control API statuses.
func controlStatus(err error) int {
	switch {
	case errors.Is(err, ErrPayOrderNotFound), errors.Is(err, ErrRefundNotFound), errors.Is(err, ErrSharingOrderNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrMchIDRequired), errors.Is(err, ErrInvalidFailReason), errors.Is(err, ErrInvalidFault),
		errors.Is(err, ErrInvalidRequestPayment):
		return http.StatusBadRequest
	}
	return http.StatusConflict // the order is not in a state that allows it
}

// getPayTransaction is GET /sim/v1/pay/transactions/{out_trade_no}[?mchid=].
func (s *Simulator) getPayTransaction(w http.ResponseWriter, r *http.Request) {
	p := s.pay
	p.mu.Lock()
	t, err := p.findTxn(r.URL.Query().Get("mchid"), r.PathValue("out_trade_no"))
	var view PayTransaction
	if err == nil {
		view = p.transactionOf(t)
	}
	p.mu.Unlock()
	if err != nil {
		writeControlError(w, controlStatus(err), err)
		return
	}
	writeControl(w, http.StatusOK, view)
}

// maxSeededTransactions bounds one POST /sim/v1/pay/transactions (its body must also fit the
// simulator's 1 MiB).
const maxSeededTransactions = 5000

// paidTransactionBody is one payment of POST /sim/v1/pay/transactions.
type paidTransactionBody struct {
	MchID         string `json:"mchid"`
	AppID         string `json:"appid"`
	OutTradeNo    string `json:"out_trade_no"`
	Description   string `json:"description"`
	Total         int64  `json:"total"`
	PayerOpenID   string `json:"payer_openid"`
	ProfitSharing bool   `json:"profit_sharing"`
}

// postPaidTransactions is POST /sim/v1/pay/transactions [{"out_trade_no", "total",
// "payer_openid", "profit_sharing", "mchid"?, "appid"?, "description"?}, ...]: records the
// payments as made (AddPaidTransactions: all or none, no notification) and answers
// {"transaction_ids": [...]} in the same order. For seeding benchmarks and demos.
func (s *Simulator) postPaidTransactions(w http.ResponseWriter, r *http.Request) {
	var req []paidTransactionBody
	if !decodeControl(w, r, &req) {
		return
	}
	if len(req) == 0 || len(req) > maxSeededTransactions {
		writeControlError(w, http.StatusBadRequest, fmt.Errorf("%w: 1 to %d transactions a request, not %d",
			ErrInvalidPaidTransaction, maxSeededTransactions, len(req)))
		return
	}
	pts := make([]PaidTransaction, len(req))
	for i, b := range req {
		pts[i] = PaidTransaction(b)
	}
	ids, err := s.AddPaidTransactions(pts)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrOutTradeNoUsed) {
			status = http.StatusConflict
		}
		writeControlError(w, status, err)
		return
	}
	writeControl(w, http.StatusOK, map[string][]string{"transaction_ids": ids})
}

// getSharedTotals is GET /sim/v1/pay/profitsharing/totals: {"totals": {account: fen}}, what
// profit-sharing paid each receiver in all (SharedTotals), for checking books against a
// simulator in another process.
func (s *Simulator) getSharedTotals(w http.ResponseWriter, _ *http.Request) {
	writeControl(w, http.StatusOK, map[string]map[string]int64{"totals": s.SharedTotals()})
}

// postPay is POST /sim/v1/pay/transactions/{out_trade_no}/pay: the payer pays.
func (s *Simulator) postPay(w http.ResponseWriter, r *http.Request) {
	var req mchidBody
	if !decodeControl(w, r, &req) {
		return
	}
	id, err := s.pay.payOrder(req.MchID, r.PathValue("out_trade_no"))
	if err != nil {
		writeControlError(w, controlStatus(err), err)
		return
	}
	writeControl(w, http.StatusOK, map[string]string{"transaction_id": id, "trade_state": TradeSuccess})
}

// postRequestPayment is POST /sim/v1/pay/request-payment with wx.requestPayment's parameters
// ({"appId","timeStamp","nonceStr","package","signType","paySign"}, as the merchant's server
// gave them to the phone): the payer pays the order of the prepay_id → {"transaction_id"}.
func (s *Simulator) postRequestPayment(w http.ResponseWriter, r *http.Request) {
	var req RequestPayment
	if !decodeControl(w, r, &req) {
		return
	}
	id, err := s.PayRequested(req)
	if err != nil {
		writeControlError(w, controlStatus(err), err)
		return
	}
	writeControl(w, http.StatusOK, map[string]string{"transaction_id": id, "trade_state": TradeSuccess})
}

type failPaymentBody struct {
	MchID string `json:"mchid"`
	Desc  string `json:"desc"`
}

// postFailPayment is POST /sim/v1/pay/transactions/{out_trade_no}/fail: the payment fails.
func (s *Simulator) postFailPayment(w http.ResponseWriter, r *http.Request) {
	var req failPaymentBody
	if !decodeControl(w, r, &req) {
		return
	}
	if err := s.pay.failPayment(req.MchID, r.PathValue("out_trade_no"), req.Desc); err != nil {
		writeControlError(w, controlStatus(err), err)
		return
	}
	writeControl(w, http.StatusOK, map[string]string{"trade_state": TradePayError})
}

type completeRefundBody struct {
	MchID  string `json:"mchid"`
	Status string `json:"status"`
}

// postCompleteRefund is POST /sim/v1/pay/refunds/{out_refund_no}/complete with status SUCCESS
// (the default), CLOSED or ABNORMAL.
func (s *Simulator) postCompleteRefund(w http.ResponseWriter, r *http.Request) {
	var req completeRefundBody
	if !decodeControl(w, r, &req) {
		return
	}
	status := req.Status
	switch status {
	case "":
		status = RefundSuccess
	case RefundSuccess, RefundClosed, RefundAbnormal:
	default:
		writeControlError(w, http.StatusBadRequest, errors.New("status must be SUCCESS, CLOSED or ABNORMAL"))
		return
	}
	if err := s.pay.setRefundStatus(req.MchID, r.PathValue("out_refund_no"), status); err != nil {
		writeControlError(w, controlStatus(err), err)
		return
	}
	writeControl(w, http.StatusOK, map[string]string{"status": status})
}

// postSettle is POST /sim/v1/pay/profitsharing/orders/{out_order_no}/settle.
func (s *Simulator) postSettle(w http.ResponseWriter, r *http.Request) {
	var req mchidBody
	if !decodeControl(w, r, &req) {
		return
	}
	if err := s.pay.settleByNo(req.MchID, r.PathValue("out_order_no")); err != nil {
		writeControlError(w, controlStatus(err), err)
		return
	}
	writeControl(w, http.StatusOK, map[string]string{"state": SharingFinished})
}

type receiverResultBody struct {
	Account     string `json:"account"`
	ReturnMchID string `json:"return_mchid"`
	FailReason  string `json:"fail_reason"`
}

// postReceiverResult is POST /sim/v1/pay/profitsharing/receiver-results {"account","fail_reason"}.
func (s *Simulator) postReceiverResult(w http.ResponseWriter, r *http.Request) {
	var req receiverResultBody
	if !decodeControl(w, r, &req) {
		return
	}
	if err := s.SetReceiverResult(req.Account, req.FailReason); err != nil {
		writeControlError(w, controlStatus(err), err)
		return
	}
	writeControl(w, http.StatusOK, req)
}

// postReturnResult is POST /sim/v1/pay/profitsharing/return-results {"return_mchid","fail_reason"}.
func (s *Simulator) postReturnResult(w http.ResponseWriter, r *http.Request) {
	var req receiverResultBody
	if !decodeControl(w, r, &req) {
		return
	}
	if err := s.SetReturnResult(req.ReturnMchID, req.FailReason); err != nil {
		writeControlError(w, controlStatus(err), err)
		return
	}
	writeControl(w, http.StatusOK, req)
}

type notifyURLBody struct {
	MchID string `json:"mchid"`
	URL   string `json:"url"`
}

// postSharingNotifyURL is POST /sim/v1/pay/profitsharing/notify-url {"mchid","url"}.
func (s *Simulator) postSharingNotifyURL(w http.ResponseWriter, r *http.Request) {
	var req notifyURLBody
	if !decodeControl(w, r, &req) {
		return
	}
	if req.MchID == "" {
		writeControlError(w, http.StatusBadRequest, errors.New("mchid is required"))
		return
	}
	s.SetProfitSharingNotifyURL(req.MchID, req.URL)
	writeControl(w, http.StatusOK, req)
}

// payFaultBody is a PayFault on the wire, both ways.
type payFaultBody struct {
	Operation   string `json:"operation"`
	Code        string `json:"code,omitempty"`
	Message     string `json:"message,omitempty"`
	Status      int    `json:"status,omitempty"`
	Count       int    `json:"count"`
	LatencyMS   int64  `json:"latency_ms"`
	AfterEffect bool   `json:"after_effect"`
}

// postPayFault is POST /sim/v1/pay/faults.
func (s *Simulator) postPayFault(w http.ResponseWriter, r *http.Request) {
	var req payFaultBody
	if !decodeControl(w, r, &req) {
		return
	}
	f, err := s.injectPayFault(PayFault{Operation: req.Operation, Code: req.Code, Message: req.Message,
		Status: req.Status, Count: req.Count, Latency: time.Duration(req.LatencyMS) * time.Millisecond,
		AfterEffect: req.AfterEffect})
	if err != nil {
		writeControlError(w, http.StatusBadRequest, err)
		return
	}
	writeControl(w, http.StatusOK, payFaultBody{Operation: f.Operation, Code: f.Code, Message: f.Message,
		Status: f.Status, Count: f.Count, LatencyMS: f.Latency.Milliseconds(), AfterEffect: f.AfterEffect})
}

// deletePayFaults is DELETE /sim/v1/pay/faults.
func (s *Simulator) deletePayFaults(w http.ResponseWriter, _ *http.Request) {
	writeControl(w, http.StatusOK, map[string]int{"cleared": s.ClearPayFaults()})
}

type notifyFaultBody struct {
	Kind    string `json:"kind"`
	Count   int    `json:"count"`
	DelayMS int64  `json:"delay_ms"`
}

// postNotifyFault is POST /sim/v1/pay/notify-faults {"kind":"drop|duplicate|reorder|delay","count","delay_ms"}.
func (s *Simulator) postNotifyFault(w http.ResponseWriter, r *http.Request) {
	var req notifyFaultBody
	if !decodeControl(w, r, &req) {
		return
	}
	err := s.InjectNotifyFault(NotifyFault{Kind: req.Kind, Count: req.Count, Delay: time.Duration(req.DelayMS) * time.Millisecond})
	if err != nil {
		writeControlError(w, http.StatusBadRequest, err)
		return
	}
	req.Count = max(req.Count, 1)
	writeControl(w, http.StatusOK, req)
}

// deleteNotifyFaults is DELETE /sim/v1/pay/notify-faults.
func (s *Simulator) deleteNotifyFaults(w http.ResponseWriter, _ *http.Request) {
	writeControl(w, http.StatusOK, map[string]int{"cleared": s.ClearNotifyFaults()})
}

// getNotifications is GET /sim/v1/pay/notifications: every delivery attempt and how many
// notifications are still pending.
func (s *Simulator) getNotifications(w http.ResponseWriter, _ *http.Request) {
	writeControl(w, http.StatusOK, map[string]any{"deliveries": s.Notifications(), "pending": s.PendingNotifications()})
}

type payKeysBody struct {
	MchIDs       []string `json:"mchids"`
	PublicKeyID  string   `json:"public_key_id"`
	PublicKeyPEM string   `json:"public_key_pem"`
}

// getPayKeys is GET /sim/v1/pay/keys: the WeChat Pay public key and its id, which a merchant
// downloads from the merchant platform.
func (s *Simulator) getPayKeys(w http.ResponseWriter, _ *http.Request) {
	key, keyID, _, err := s.pay.keys()
	if err != nil {
		writeControlError(w, http.StatusInternalServerError, err)
		return
	}
	pemBytes, err := PublicKeyPEM(&key.PublicKey)
	if err != nil {
		writeControlError(w, http.StatusInternalServerError, err)
		return
	}
	writeControl(w, http.StatusOK, payKeysBody{MchIDs: s.MchIDs(), PublicKeyID: keyID, PublicKeyPEM: string(pemBytes)})
}

type advanceClockBody struct {
	Seconds int64 `json:"seconds"`
}

// postAdvanceClock is POST /sim/v1/clock/advance {"seconds"}: it answers the new time.
func (s *Simulator) postAdvanceClock(w http.ResponseWriter, r *http.Request) {
	var req advanceClockBody
	if !decodeControl(w, r, &req) {
		return
	}
	if req.Seconds <= 0 {
		writeControlError(w, http.StatusBadRequest, errors.New("seconds must be positive"))
		return
	}
	s.AdvanceClock(time.Duration(req.Seconds) * time.Second)
	writeControl(w, http.StatusOK, map[string]string{"now": wechatTime(s.Now())})
}

// getPayCalls is GET /sim/v1/pay/calls: {"calls": {operation: count}} for the WeChat Pay
// operations (GET /sim/v1/calls?operation= also takes one of them).
func (s *Simulator) getPayCalls(w http.ResponseWriter, _ *http.Request) {
	calls := make(map[string]int, len(s.payCalls))
	for _, op := range s.payOperationNames() {
		calls[op] = s.Calls(op)
	}
	writeControl(w, http.StatusOK, map[string]map[string]int{"calls": calls})
}
