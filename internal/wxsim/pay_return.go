package wxsim

import (
	"fmt"
	"slices"
	"time"
)

// Profit-sharing return results (ReturnOrderStatus) and fail reasons.
const (
	ReturnSuccess          = "SUCCESS"
	ReturnFailed           = "FAILED"
	ReturnAccountAbnormal  = "ACCOUNT_ABNORMAL"
	ReturnBalanceNotEnough = "BALANCE_NOT_ENOUGH"
	ReturnTimeOutClosed    = "TIME_OUT_CLOSED"
)

// WeChat's return limits (请求分账回退API): returns only from merchant receivers, within 180
// days of the share, at most 20 per profit-sharing order, never more than the receiver got.
const (
	returnWindow       = 180 * 24 * time.Hour
	maxReturnsPerOrder = 20
)

// returnRequest is POST /v3/profitsharing/return-orders's body.
type returnRequest struct {
	SubMchID    string `json:"sub_mchid"`
	OrderID     string `json:"order_id"`
	OutOrderNo  string `json:"out_order_no"`
	OutReturnNo string `json:"out_return_no"`
	ReturnMchID string `json:"return_mchid"`
	Amount      *int64 `json:"amount"`
	Description string `json:"description"`
}

// createReturn is POST /v3/profitsharing/return-orders (请求分账回退). WeChat processes it
// synchronously: the answer carries the result.
func (s *Simulator) createReturn(c *payCall) (payResult, *payError) {
	var req returnRequest
	if e := c.decode(&req); e != nil {
		return payResult{}, e
	}
	switch {
	case req.SubMchID != "":
		return payResult{}, paramError("普通商户不支持sub_mchid")
	case req.OrderID == "" && req.OutOrderNo == "":
		return payResult{}, paramError("order_id和out_order_no必须二选一")
	case req.OutReturnNo == "" || len(req.OutReturnNo) > outOrderNoMax:
		return payResult{}, paramError("out_return_no长度应为1-%d位", outOrderNoMax)
	case req.ReturnMchID == "":
		return payResult{}, missingField("/body/return_mchid")
	case req.Amount == nil || *req.Amount <= 0:
		return payResult{}, paramError("回退金额必须大于0")
	case req.Description == "":
		return payResult{}, missingField("/body/description")
	}
	view, e := s.pay.placeReturn(c.mchid, &req)
	if e != nil {
		return payResult{}, e
	}
	return okJSON(view), nil
}

func (p *payState) placeReturn(mchid string, req *returnRequest) (returnJSON, *payError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.settleDueLocked(now)
	if old, ok := p.returns[key(mchid, req.OutReturnNo)]; ok {
		return returnJSONOf(old), nil
	}
	o := p.orderForReturn(mchid, req)
	if o == nil {
		return returnJSON{}, newPayError(PayCodeResourceNotExists, "分账单不存在")
	}
	d, e := p.returnableLine(o, req, now)
	if e != nil {
		return returnJSON{}, e
	}
	r := &psReturn{MchID: mchid, OutReturnNo: req.OutReturnNo, ReturnID: p.newReturnID(now),
		OrderID: o.OrderID, OutOrderNo: o.OutOrderNo, ReturnMchID: req.ReturnMchID, Amount: *req.Amount,
		Description: req.Description, CreateTime: now, FinishTime: now}
	if reason := p.returnResults[req.ReturnMchID]; reason != "" {
		r.Result, r.FailReason = ReturnFailed, reason
	} else {
		r.Result = ReturnSuccess
		d.Returned += r.Amount
		p.notifier.enqueue(p.notifyURLs[mchid], eventSharingReturn, returnNotifyJSONOf(o, r))
	}
	p.returns[key(mchid, r.OutReturnNo)] = r
	p.changed()
	return returnJSONOf(r), nil
}

// orderForReturn finds the order a return names. The caller holds p.mu.
func (p *payState) orderForReturn(mchid string, req *returnRequest) *psOrder {
	if req.OutOrderNo != "" {
		if o, ok := p.orders[key(mchid, req.OutOrderNo)]; ok && (req.OrderID == "" || o.OrderID == req.OrderID) {
			return o
		}
		return nil
	}
	for _, o := range p.orders {
		if o.MchID == mchid && o.OrderID == req.OrderID {
			return o
		}
	}
	return nil
}

// returnableLine finds the merchant line of o a return takes from and checks the return
// against it. Only a merchant can be made to give money back; a person's wallet cannot. The
// caller holds p.mu.
func (p *payState) returnableLine(o *psOrder, req *returnRequest, now time.Time) (*psDetail, *payError) {
	i := slices.IndexFunc(o.Receivers, func(d *psDetail) bool {
		return d.Type == ReceiverMerchant && d.Account == req.ReturnMchID && d.Result == DetailSuccess &&
			d.Description != unfreezeDescription
	})
	if i < 0 {
		return nil, invalidRequest("回退方不存在")
	}
	d := o.Receivers[i]
	count := 0
	for _, r := range p.returns {
		if r.OrderID == o.OrderID {
			count++
		}
	}
	switch {
	case now.Sub(d.FinishTime) > returnWindow:
		return nil, invalidRequest("分账回退已超过%d天期限", int(returnWindow.Hours()/24))
	case count >= maxReturnsPerOrder:
		return nil, invalidRequest("对同一笔分账单最多能发起%d次分账回退请求", maxReturnsPerOrder)
	case *req.Amount > d.Amount-d.Returned:
		return nil, invalidRequest("回退金额超过该接收方可回退金额%d分", d.Amount-d.Returned)
	}
	return d, nil
}

// queryReturn is GET /v3/profitsharing/return-orders/{out_return_no}?out_order_no= (查询分账回退结果).
func (s *Simulator) queryReturn(c *payCall) (payResult, *payError) {
	outOrderNo := c.r.URL.Query().Get("out_order_no")
	if outOrderNo == "" {
		return payResult{}, missingField("/query/out_order_no")
	}
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.returns[key(c.mchid, c.r.PathValue("out_return_no"))]
	if !ok || r.OutOrderNo != outOrderNo {
		return payResult{}, newPayError(PayCodeResourceNotExists, "记录不存在")
	}
	return okJSON(returnJSONOf(r)), nil
}

// SetReturnResult makes every return from merchant returnMchID fail from now on with
// failReason (ACCOUNT_ABNORMAL, BALANCE_NOT_ENOUGH, TIME_OUT_CLOSED); empty makes them succeed.
func (s *Simulator) SetReturnResult(returnMchID, failReason string) error {
	if failReason != "" && !slices.Contains([]string{ReturnAccountAbnormal, ReturnBalanceNotEnough, ReturnTimeOutClosed}, failReason) {
		return fmt.Errorf("%w: %q", ErrInvalidFailReason, failReason)
	}
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	if failReason == "" {
		delete(p.returnResults, returnMchID)
	} else {
		p.returnResults[returnMchID] = failReason
	}
	p.changed()
	return nil
}

// returnJSON is a return on the wire (profitsharing.ReturnOrdersEntity).
type returnJSON struct {
	OrderID     string `json:"order_id"`
	OutOrderNo  string `json:"out_order_no"`
	OutReturnNo string `json:"out_return_no"`
	ReturnID    string `json:"return_id"`
	ReturnMchID string `json:"return_mchid"`
	Amount      int64  `json:"amount"`
	Description string `json:"description"`
	Result      string `json:"result"`
	FailReason  string `json:"fail_reason,omitempty"`
	CreateTime  string `json:"create_time"`
	FinishTime  string `json:"finish_time"`
}

func returnJSONOf(r *psReturn) returnJSON {
	return returnJSON{OrderID: r.OrderID, OutOrderNo: r.OutOrderNo, OutReturnNo: r.OutReturnNo,
		ReturnID: r.ReturnID, ReturnMchID: r.ReturnMchID, Amount: r.Amount, Description: r.Description,
		Result: r.Result, FailReason: r.FailReason, CreateTime: wechatTime(r.CreateTime),
		FinishTime: wechatTime(r.FinishTime)}
}

// returnNotifyJSON is a return notification's resource.
type returnNotifyJSON struct {
	MchID         string `json:"mchid"`
	TransactionID string `json:"transaction_id"`
	OrderID       string `json:"order_id"`
	OutOrderNo    string `json:"out_order_no"`
	ReturnID      string `json:"return_id"`
	OutReturnNo   string `json:"out_return_no"`
	ReturnMchID   string `json:"return_mchid"`
	Amount        int64  `json:"amount"`
	SuccessTime   string `json:"success_time"`
}

func returnNotifyJSONOf(o *psOrder, r *psReturn) returnNotifyJSON {
	return returnNotifyJSON{MchID: r.MchID, TransactionID: o.TransactionID, OrderID: o.OrderID,
		OutOrderNo: o.OutOrderNo, ReturnID: r.ReturnID, OutReturnNo: r.OutReturnNo,
		ReturnMchID: r.ReturnMchID, Amount: r.Amount, SuccessTime: wechatTime(r.FinishTime)}
}
