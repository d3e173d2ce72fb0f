package wxsim

import (
	"errors"
	"fmt"
	"time"
)

// Refund statuses (refunddomestic.Status).
const (
	RefundProcessing = "PROCESSING"
	RefundSuccess    = "SUCCESS"
	RefundClosed     = "CLOSED"
	RefundAbnormal   = "ABNORMAL"
)

// WeChat's refund rules (申请退款): a paid order can be refunded within a year, at most 50
// times, never for more than was paid in all.
const (
	refundWindow       = 365 * 24 * time.Hour
	maxRefundsPerOrder = 50
	outRefundNoMax     = 64
	// userReceivedAccount is where a balance payment is refunded to.
	userReceivedAccount = "支付用户零钱"
)

// Errors of the refund Go and control APIs.
var (
	ErrRefundNotFound = errors.New("wxsim: no such refund")
	ErrRefundFinished = errors.New("wxsim: the refund is no longer PROCESSING")
)

// refundRequest is POST /v3/refund/domestic/refunds's body.
type refundRequest struct {
	TransactionID string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	OutRefundNo   string `json:"out_refund_no"`
	Reason        string `json:"reason"`
	NotifyURL     string `json:"notify_url"`
	SubMchID      string `json:"sub_mchid"`
	Amount        *struct {
		Refund   *int64 `json:"refund"`
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

// createRefund is POST /v3/refund/domestic/refunds (申请退款).
func (s *Simulator) createRefund(c *payCall) (payResult, *payError) {
	var req refundRequest
	if e := c.decode(&req); e != nil {
		return payResult{}, e
	}
	if e := checkRefundRequest(&req); e != nil {
		return payResult{}, e
	}
	view, e := s.pay.createRefund(c.mchid, &req)
	if e != nil {
		return payResult{}, e
	}
	return okJSON(view), nil
}

func checkRefundRequest(req *refundRequest) *payError {
	switch {
	case req.SubMchID != "":
		return paramError("普通商户不支持sub_mchid")
	case req.TransactionID == "" && req.OutTradeNo == "":
		return paramError("transaction_id和out_trade_no必须二选一")
	case req.OutRefundNo == "":
		return missingField("/body/out_refund_no")
	case len(req.OutRefundNo) > outRefundNoMax:
		return paramError("out_refund_no长度不能超过%d", outRefundNoMax)
	case req.Amount == nil || req.Amount.Refund == nil:
		return missingField("/body/amount/refund")
	case req.Amount.Total == nil:
		return missingField("/body/amount/total")
	case req.Amount.Currency != "" && req.Amount.Currency != "CNY":
		return paramError("currency只支持CNY")
	case *req.Amount.Refund <= 0:
		return paramError("退款金额必须大于0")
	}
	return nil
}

// createRefund accepts a refund; a repeated out_refund_no is the same refund.
func (p *payState) createRefund(mchid string, req *refundRequest) (refundJSON, *payError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.settleDueLocked(now)
	t, e := p.refundableTxn(mchid, req)
	if e != nil {
		return refundJSON{}, e
	}
	if old, ok := p.refunds[key(mchid, req.OutRefundNo)]; ok {
		if old.TransactionID != t.TransactionID {
			return refundJSON{}, invalidRequest("商户退款单号重复")
		}
		return refundJSONOf(old), nil
	}
	if e := p.checkRefundable(t, *req.Amount.Refund, *req.Amount.Total, now); e != nil {
		return refundJSON{}, e
	}
	r := p.newRefund(t, req, now)
	return refundJSONOf(r), nil
}

// refundableTxn finds the transaction a refund names. The caller holds p.mu.
func (p *payState) refundableTxn(mchid string, req *refundRequest) (*payTxn, *payError) {
	var t *payTxn
	if req.TransactionID != "" {
		t = p.txnByID[req.TransactionID]
	} else {
		t = p.txns[key(mchid, req.OutTradeNo)]
	}
	if t == nil || t.MchID != mchid || t.TransactionID == "" {
		if t != nil && t.TransactionID == "" {
			return nil, invalidRequest("订单未支付，不能退款")
		}
		return nil, newPayError(PayCodeResourceNotExists, "订单不存在")
	}
	return t, nil
}

// checkRefundable applies WeChat's refund limits. The caller holds p.mu.
func (p *payState) checkRefundable(t *payTxn, refund, total int64, now time.Time) *payError {
	count := 0
	for _, r := range p.refunds {
		if r.TransactionID == t.TransactionID {
			count++
		}
	}
	switch {
	case total != t.Total:
		return invalidRequest("订单金额与原订单金额不一致")
	case now.Sub(t.SuccessTime) > refundWindow:
		return invalidRequest("订单已超过退款期限")
	case count >= maxRefundsPerOrder:
		return invalidRequest("订单退款次数超过限制")
	case t.Refunded+refund > t.Total:
		// The design's rule, and what the brief asks for: the refunds of an order never add
		// up to more than was paid.
		return newPayError(PayCodeNotEnough, "申请退款金额超过订单可退金额")
	}
	return nil
}

// newRefund stores a PROCESSING refund and arranges for it to finish. The caller holds p.mu.
func (p *payState) newRefund(t *payTxn, req *refundRequest, now time.Time) *payRefund {
	r := &payRefund{
		MchID: t.MchID, OutRefundNo: req.OutRefundNo, RefundID: p.newRefundID(now),
		OutTradeNo: t.OutTradeNo, TransactionID: t.TransactionID, Reason: req.Reason,
		NotifyURL: req.NotifyURL, Refund: *req.Amount.Refund, Total: t.Total, Currency: t.Currency,
		Status: RefundProcessing, CreateTime: now,
	}
	if p.cfg.RefundDelay >= 0 {
		r.DueAt = now.Add(p.cfg.RefundDelay)
		p.waitRefund(r)
		p.armDue(p.cfg.RefundDelay)
	}
	p.refunds[key(t.MchID, r.OutRefundNo)] = r
	t.Refunded += r.Refund
	t.State = TradeRefund
	p.changed()
	return r
}

// finishRefund moves a PROCESSING refund to status and notifies the merchant. A CLOSED refund
// gives its amount back to what can be refunded. The caller holds p.mu.
func (p *payState) finishRefund(r *payRefund, status string, now time.Time) {
	r.Status = status
	r.DueAt = time.Time{}
	ev := eventRefundSuccess
	switch status {
	case RefundSuccess:
		r.SuccessTime = now
	case RefundClosed:
		ev = eventRefundClosed
		if t := p.txnByID[r.TransactionID]; t != nil {
			t.Refunded -= r.Refund
		}
	case RefundAbnormal:
		ev = eventRefundAbnormal
	}
	p.notifier.enqueue(r.NotifyURL, ev, refundNotifyJSONOf(r))
}

// queryRefund is GET /v3/refund/domestic/refunds/{out_refund_no} (查询单笔退款).
func (s *Simulator) queryRefund(c *payCall) (payResult, *payError) {
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settleDueLocked(p.now())
	r, ok := p.refunds[key(c.mchid, c.r.PathValue("out_refund_no"))]
	if !ok {
		return payResult{}, newPayError(PayCodeResourceNotExists, "退款单不存在")
	}
	return okJSON(refundJSONOf(r)), nil
}

// CompleteRefund makes a PROCESSING refund SUCCESS now and sends REFUND.SUCCESS.
func (s *Simulator) CompleteRefund(outRefundNo string) error {
	return s.pay.setRefundStatus("", outRefundNo, RefundSuccess)
}

// FailRefund ends a PROCESSING refund as CLOSED or ABNORMAL and sends REFUND.CLOSED or
// REFUND.ABNORMAL.
func (s *Simulator) FailRefund(outRefundNo, status string) error {
	if status != RefundClosed && status != RefundAbnormal {
		return fmt.Errorf("wxsim: a refund fails as %s or %s, not %q", RefundClosed, RefundAbnormal, status)
	}
	return s.pay.setRefundStatus("", outRefundNo, status)
}

// Refund reads a refund as the simulator holds it.
func (s *Simulator) Refund(outRefundNo string) (PayRefund, error) {
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settleDueLocked(p.now())
	r, err := p.findRefund("", outRefundNo)
	if err != nil {
		return PayRefund{}, err
	}
	return PayRefund{
		MchID: r.MchID, OutRefundNo: r.OutRefundNo, RefundID: r.RefundID, OutTradeNo: r.OutTradeNo,
		TransactionID: r.TransactionID, Refund: r.Refund, Total: r.Total, Status: r.Status,
		CreateTime: r.CreateTime, SuccessTime: r.SuccessTime,
	}, nil
}

// PayRefund is a refund as the simulator sees it, for tests.
type PayRefund struct {
	MchID, OutRefundNo, RefundID, OutTradeNo, TransactionID, Status string
	Refund, Total                                                   int64
	CreateTime, SuccessTime                                         time.Time
}

func (p *payState) setRefundStatus(mchid, outRefundNo, status string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.findRefund(mchid, outRefundNo)
	if err != nil {
		return err
	}
	if r.Status != RefundProcessing {
		return fmt.Errorf("%w: %s is %s", ErrRefundFinished, outRefundNo, r.Status)
	}
	p.finishRefund(r, status, p.now())
	p.changed()
	return nil
}

// findRefund finds a refund by out_refund_no, of mchid or of the only merchant with one by
// that number. The caller holds p.mu.
func (p *payState) findRefund(mchid, outRefundNo string) (*payRefund, error) {
	var found *payRefund
	for _, r := range p.refunds {
		if r.OutRefundNo != outRefundNo || (mchid != "" && r.MchID != mchid) {
			continue
		}
		if found != nil {
			return nil, ErrMchIDRequired
		}
		found = r
	}
	if found == nil {
		return nil, fmt.Errorf("%w: %s", ErrRefundNotFound, outRefundNo)
	}
	return found, nil
}
