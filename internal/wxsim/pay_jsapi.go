package wxsim

import (
	"crypto/sha256"
	"fmt"
	"net/url"
	"time"
)

// WeChat's limits on JSAPI order fields (JSAPI下单 parameter table).
const (
	outNoMinLength       = 6
	outNoMaxLength       = 32
	descriptionMaxLength = 127
	attachMaxLength      = 128
)

// prepayRequest is POST /v3/pay/transactions/jsapi's body.
type prepayRequest struct {
	AppID       string `json:"appid"`
	MchID       string `json:"mchid"`
	Description string `json:"description"`
	OutTradeNo  string `json:"out_trade_no"`
	TimeExpire  string `json:"time_expire"`
	Attach      string `json:"attach"`
	NotifyURL   string `json:"notify_url"`
	Amount      *struct {
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
	Payer *struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
	SettleInfo *struct {
		ProfitSharing bool `json:"profit_sharing"`
	} `json:"settle_info"`
}

type prepayResponse struct {
	PrepayID string `json:"prepay_id"`
}

// prepayJSAPI is POST /v3/pay/transactions/jsapi (JSAPI下单).
func (s *Simulator) prepayJSAPI(c *payCall) (payResult, *payError) {
	var req prepayRequest
	if e := c.decode(&req); e != nil {
		return payResult{}, e
	}
	t, e := s.pay.validatePrepay(c, &req)
	if e != nil {
		return payResult{}, e
	}
	id, e := s.pay.prepay(t)
	if e != nil {
		return payResult{}, e
	}
	return okJSON(prepayResponse{PrepayID: id}), nil
}

// validatePrepay checks the request as WeChat does and turns it into an unpaid order.
func (p *payState) validatePrepay(c *payCall, req *prepayRequest) (*payTxn, *payError) {
	if e := c.checkMchID("/body/mchid", req.MchID); e != nil {
		return nil, e
	}
	switch {
	case req.AppID == "":
		return nil, missingField("/body/appid")
	case req.Description == "":
		return nil, missingField("/body/description")
	case req.NotifyURL == "":
		return nil, missingField("/body/notify_url")
	case req.Amount == nil || req.Amount.Total == nil:
		return nil, missingField("/body/amount/total")
	case req.Payer == nil || req.Payer.OpenID == "":
		return nil, missingField("/body/payer/openid")
	}
	if e := checkOutNo("/body/out_trade_no", req.OutTradeNo); e != nil {
		return nil, e
	}
	if e := checkPrepayValues(req); e != nil {
		return nil, e
	}
	if !p.appAllowed(req.AppID) {
		return nil, newPayError(PayCodeAppIDMchIDMismatch, "appid和mch_id不匹配，请检查后再试")
	}
	return newUnpaidTxn(req)
}

func checkPrepayValues(req *prepayRequest) *payError {
	if len([]rune(req.Description)) > descriptionMaxLength {
		return paramError("description长度超过%d", descriptionMaxLength)
	}
	if len(req.Attach) > attachMaxLength {
		return paramError("attach长度超过%d", attachMaxLength)
	}
	if *req.Amount.Total <= 0 {
		return paramError("amount.total必须大于0")
	}
	if cur := req.Amount.Currency; cur != "" && cur != "CNY" {
		return paramError("currency只支持CNY")
	}
	if u, err := url.Parse(req.NotifyURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// WeChat accepts only https notify URLs; the simulator accepts http too, for test
		// servers on the loopback.
		return paramError("notify_url格式不正确")
	}
	return nil
}

func newUnpaidTxn(req *prepayRequest) (*payTxn, *payError) {
	t := &payTxn{
		MchID: req.MchID, AppID: req.AppID, OutTradeNo: req.OutTradeNo, Description: req.Description,
		Attach: req.Attach, NotifyURL: req.NotifyURL, Total: *req.Amount.Total, Currency: "CNY",
		PayerOpenID: req.Payer.OpenID, ProfitSharing: req.SettleInfo != nil && req.SettleInfo.ProfitSharing,
		State: TradeNotPay,
	}
	if req.TimeExpire != "" {
		expire, err := time.Parse(time.RFC3339, req.TimeExpire)
		if err != nil {
			return nil, paramError("time_expire格式不正确，应为RFC3339")
		}
		t.TimeExpire = &expire
	}
	t.Fingerprint = prepayFingerprint(t)
	return t, nil
}

// prepayFingerprint is what must be equal for a repeated out_trade_no to be the same order:
// WeChat answers the same prepay_id to a retry and 201 商户订单号重复 to a different order.
func prepayFingerprint(t *payTxn) string {
	digest := sha256.Sum256(fmt.Appendf(nil, "%q %q %d %q %q %t", t.AppID, t.Description, t.Total,
		t.PayerOpenID, t.Attach, t.ProfitSharing))
	return hexDigest(digest[:])
}

// checkOutNo checks a merchant's order number: 6 to 32 of digits, letters and _-|*.
func checkOutNo(path, no string) *payError {
	if no == "" {
		return missingField(path)
	}
	if len(no) < outNoMinLength || len(no) > outNoMaxLength {
		return paramError("%s长度应为%d-%d位", path, outNoMinLength, outNoMaxLength)
	}
	for i := range len(no) {
		if c := no[i]; !isURLSafe(c) && c != '|' && c != '*' {
			return paramError("%s只能是数字、大小写字母_-|*", path)
		}
	}
	return nil
}

// prepay stores a new order, or answers a repeated out_trade_no as WeChat does.
func (p *payState) prepay(t *payTxn) (string, *payError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.txns[key(t.MchID, t.OutTradeNo)]; ok {
		return old.PrepayID, repeatedPrepay(old, t)
	}
	now := p.now()
	t.CreateTime = now
	t.PrepayID = p.newPrepayID(now)
	p.txns[key(t.MchID, t.OutTradeNo)] = t
	p.changed()
	return t.PrepayID, nil
}

// repeatedPrepay is the answer to an out_trade_no seen before: nil (the same prepay_id) only
// for the same order still waiting to be paid.
func repeatedPrepay(old, t *payTxn) *payError {
	switch {
	case old.paid():
		return newPayError(PayCodeOrderPaid, "该订单已支付")
	case old.State == TradeClosed:
		return newPayError(PayCodeOrderClosed, "该订单已关闭")
	case old.State == TradePayError:
		return invalidRequest("该订单支付失败，请使用新的商户订单号下单")
	case old.Fingerprint != t.Fingerprint:
		return invalidRequest("201 商户订单号重复")
	}
	return nil
}

// queryByOutTradeNo is GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=.
func (s *Simulator) queryByOutTradeNo(c *payCall) (payResult, *payError) {
	if e := c.checkMchID("/query/mchid", c.r.URL.Query().Get("mchid")); e != nil {
		return payResult{}, e
	}
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	t, ok := s.pay.txns[key(c.mchid, c.r.PathValue("out_trade_no"))]
	if !ok {
		return payResult{}, newPayError(PayCodeOrderNotExist, "订单不存在")
	}
	return okJSON(transactionJSONOf(t)), nil
}

// queryByTransactionID is GET /v3/pay/transactions/id/{transaction_id}?mchid=.
func (s *Simulator) queryByTransactionID(c *payCall) (payResult, *payError) {
	if e := c.checkMchID("/query/mchid", c.r.URL.Query().Get("mchid")); e != nil {
		return payResult{}, e
	}
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	t, ok := s.pay.txnByID[c.r.PathValue("transaction_id")]
	if !ok || t.MchID != c.mchid {
		return payResult{}, newPayError(PayCodeOrderNotExist, "订单不存在")
	}
	return okJSON(transactionJSONOf(t)), nil
}

type closeRequest struct {
	MchID string `json:"mchid"`
}

// closeOrder is POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close (关闭订单): 204.
func (s *Simulator) closeOrder(c *payCall) (payResult, *payError) {
	var req closeRequest
	if e := c.decode(&req); e != nil {
		return payResult{}, e
	}
	if e := c.checkMchID("/body/mchid", req.MchID); e != nil {
		return payResult{}, e
	}
	if e := s.pay.closeOrder(c.mchid, c.r.PathValue("out_trade_no")); e != nil {
		return payResult{}, e
	}
	return noContent(), nil
}

// closeOrder closes an unpaid order. Closing it again is fine, as on WeChat; a paid one cannot
// be closed (refund it instead).
func (p *payState) closeOrder(mchid, outTradeNo string) *payError {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.txns[key(mchid, outTradeNo)]
	switch {
	case !ok:
		return newPayError(PayCodeOrderNotExist, "订单不存在")
	case t.paid():
		return newPayError(PayCodeOrderPaid, "订单已支付")
	case t.State == TradeClosed:
		return nil
	}
	t.State = TradeClosed
	p.changed()
	return nil
}
