package wxsim

import (
	"time"
)

// Profit-sharing order states and receiver results.
const (
	SharingProcessing = "PROCESSING"
	SharingFinished   = "FINISHED"
	DetailPending     = "PENDING"
	DetailSuccess     = "SUCCESS"
	DetailClosed      = "CLOSED"
)

// WeChat's profit-sharing limits (请求分账API): at most 50 receivers per request and 50
// requests per transaction. (The SDK's comment still says 20 requests; WeChat's current
// documentation says 50, as the design does.)
const (
	maxSharingReceivers = 50
	maxSharingRequests  = 50
	outOrderNoMax       = 64
	descriptionMax      = 80
	// unfreezeDescription is how WeChat describes the line that unfreezes the rest to the
	// merchant itself.
	unfreezeDescription = "解冻给分账方"
)

// sharingOrderRequest is POST /v3/profitsharing/orders's body.
type sharingOrderRequest struct {
	AppID           string `json:"appid"`
	SubMchID        string `json:"sub_mchid"`
	TransactionID   string `json:"transaction_id"`
	OutOrderNo      string `json:"out_order_no"`
	UnfreezeUnsplit *bool  `json:"unfreeze_unsplit"`
	Receivers       []struct {
		Type        string `json:"type"`
		Account     string `json:"account"`
		Name        string `json:"name"`
		Amount      *int64 `json:"amount"`
		Description string `json:"description"`
	} `json:"receivers"`
}

// createSharingOrder is POST /v3/profitsharing/orders (请求分账).
func (s *Simulator) createSharingOrder(c *payCall) (payResult, *payError) {
	var req sharingOrderRequest
	if e := c.decode(&req); e != nil {
		return payResult{}, e
	}
	o, e := s.pay.newSharingOrder(c, &req)
	if e != nil {
		return payResult{}, e
	}
	view, e := s.pay.placeSharingOrder(o)
	if e != nil {
		return payResult{}, e
	}
	return okJSON(view), nil
}

// newSharingOrder checks the request's own fields and builds the order it asks for.
func (p *payState) newSharingOrder(c *payCall, req *sharingOrderRequest) (*psOrder, *payError) {
	switch {
	case req.SubMchID != "":
		return nil, paramError("普通商户不支持sub_mchid")
	case req.AppID == "":
		return nil, missingField("/body/appid")
	case req.TransactionID == "":
		return nil, missingField("/body/transaction_id")
	case req.OutOrderNo == "" || len(req.OutOrderNo) > outOrderNoMax:
		return nil, paramError("out_order_no长度应为1-%d位", outOrderNoMax)
	case req.UnfreezeUnsplit == nil:
		return nil, missingField("/body/unfreeze_unsplit")
	case len(req.Receivers) == 0:
		return nil, missingField("/body/receivers")
	case len(req.Receivers) > maxSharingReceivers:
		return nil, paramError("分账接收方数量不能超过%d", maxSharingReceivers)
	case !p.appAllowed(req.AppID):
		return nil, invalidRequest("appid与商户号不匹配")
	}
	o := &psOrder{MchID: c.mchid, AppID: req.AppID, OutOrderNo: req.OutOrderNo,
		TransactionID: req.TransactionID, UnfreezeUnsplit: *req.UnfreezeUnsplit}
	for _, r := range req.Receivers {
		switch {
		case r.Type != ReceiverMerchant && r.Type != ReceiverOpenID:
			return nil, paramError("分账接收方类型错误")
		case r.Account == "":
			return nil, missingField("/body/receivers/account")
		case r.Amount == nil || *r.Amount <= 0:
			return nil, paramError("分账金额必须大于0")
		case r.Description == "" || len([]rune(r.Description)) > descriptionMax:
			return nil, paramError("分账描述长度应为1-%d", descriptionMax)
		}
		name, e := p.decryptField(c, r.Name)
		if e != nil {
			return nil, e
		}
		o.Receivers = append(o.Receivers, &psDetail{Type: r.Type, Account: r.Account, Name: name,
			Amount: *r.Amount, Description: r.Description, Result: DetailPending})
	}
	return o, nil
}

// placeSharingOrder applies WeChat's rules to o against its transaction and stores it. A
// repeated out_order_no is the same request: it answers the first one's order.
func (p *payState) placeSharingOrder(o *psOrder) (sharingOrderJSON, *payError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.settleDueLocked(now)
	if old, ok := p.orders[key(o.MchID, o.OutOrderNo)]; ok {
		return sharingOrderJSONOf(old), nil
	}
	t, e := p.sharingTxn(o.MchID, o.TransactionID, now)
	if e != nil {
		return sharingOrderJSON{}, e
	}
	if e := p.checkSharing(t, o); e != nil {
		return sharingOrderJSON{}, e
	}
	total := o.total()
	t.Shared += total
	t.SharingOrders++
	t.SharingDone = t.SharingDone || o.UnfreezeUnsplit
	p.storeOrder(o, now)
	return sharingOrderJSONOf(o), nil
}

// sharingTxn finds a transaction that can still be shared. The caller holds p.mu.
func (p *payState) sharingTxn(mchid, transactionID string, now time.Time) (*payTxn, *payError) {
	t, ok := p.txnByID[transactionID]
	switch {
	case !ok || t.MchID != mchid:
		return nil, newPayError(PayCodeResourceNotExists, "订单不存在")
	case !t.ProfitSharing:
		return nil, invalidRequest("非分账订单不支持分账")
	case p.sharingExpired(t, now):
		// The frozen funds went back to the merchant by themselves when the window closed.
		return nil, invalidRequest("订单已超过可分账期限，剩余资金已解冻给分账方")
	case t.SharingDone:
		return nil, invalidRequest("订单已完结分账，剩余资金已解冻")
	}
	return t, nil
}

// checkSharing applies the per-transaction limits to a new order. The caller holds p.mu.
func (p *payState) checkSharing(t *payTxn, o *psOrder) *payError {
	if t.SharingOrders >= maxSharingRequests {
		return invalidRequest("对同一笔订单最多能发起%d次分账请求", maxSharingRequests)
	}
	for _, d := range o.Receivers {
		r, ok := p.receivers[receiverKey(o.MchID, o.AppID, d.Type, d.Account)]
		if !ok {
			return invalidRequest("分账接收方%s未添加或已删除，请先添加分账接收方", d.Account)
		}
		if d.Name != "" && r.Name != "" && d.Name != r.Name {
			return paramError("分账接收方%s的姓名与添加时不一致", d.Account)
		}
	}
	total := o.total()
	// The cap is the merchant's maximum ratio of the amount net of WeChat's fee.
	if limit := (t.Total - t.Fee) * p.cfg.maxRatio(t.MchID) / 100; t.Shared+total > limit {
		return invalidRequest("分账金额超出最大分账比例%d%%，本订单最多还可分%d分", p.cfg.maxRatio(t.MchID), max(limit-t.Shared, 0))
	}
	if total > p.unsplit(t) {
		return newPayError(PayCodeNotEnough, "分账金额不足")
	}
	return nil
}

// storeOrder gives o its ids and its due time and stores it. The caller holds p.mu.
func (p *payState) storeOrder(o *psOrder, now time.Time) {
	o.OrderID = p.newSharingOrderID(now)
	o.State = SharingProcessing
	o.CreateTime = now
	for _, d := range o.Receivers {
		d.DetailID = p.newDetailID()
		d.CreateTime = now
	}
	if p.cfg.SharingDelay >= 0 {
		o.DueAt = now.Add(p.cfg.SharingDelay)
		p.waitOrder(o)
		p.armDue(p.cfg.SharingDelay)
	}
	p.orders[key(o.MchID, o.OutOrderNo)] = o
	p.changed()
}

func (o *psOrder) total() int64 {
	var sum int64
	for _, d := range o.Receivers {
		sum += d.Amount
	}
	return sum
}

// unsplit is what t can still share: the amount net of the fee, less refunds, shares and what
// was unfrozen; nothing once the transaction is done or its window has closed. The caller
// holds p.mu.
func (p *payState) unsplit(t *payTxn) int64 {
	if !t.ProfitSharing || !t.paid() || t.SharingDone || p.sharingExpired(t, p.now()) {
		return 0
	}
	return max(t.Total-t.Fee-t.Refunded-t.Shared-t.Unfrozen, 0)
}

func (p *payState) sharingExpired(t *payTxn, now time.Time) bool {
	return t.paid() && !now.Before(t.SuccessTime.Add(p.cfg.SharingWindow))
}

// settleOrder finishes a PROCESSING order: each receiver succeeds or is CLOSED with its
// injected reason (or NO_RELATION when the receiver was deleted meanwhile), what failed goes
// back to the transaction, and an unfreezing order unfreezes what is left. Merchant receivers
// that succeed are notified, as WeChat notifies only merchants. The caller holds p.mu.
func (p *payState) settleOrder(o *psOrder, now time.Time) {
	t := p.txnByID[o.TransactionID]
	for _, d := range o.Receivers {
		if d.Result != DetailPending {
			continue
		}
		d.FinishTime = now
		if reason := p.failReason(o, d); reason != "" {
			d.Result, d.FailReason = DetailClosed, reason
			p.releaseShare(t, o, d.Amount)
			continue
		}
		d.Result = DetailSuccess
		if d.Type == ReceiverMerchant {
			p.notifier.enqueue(p.notifyURLs[o.MchID], eventSharingSuccess, sharingNotifyJSONOf(o, d, now))
		}
	}
	if o.Unfreeze || o.UnfreezeUnsplit {
		p.unfreezeRest(t, o, now)
	}
	o.State, o.FinishTime, o.DueAt = SharingFinished, now, time.Time{}
}

// failReason is why d fails, or "" when it succeeds. The caller holds p.mu.
func (p *payState) failReason(o *psOrder, d *psDetail) string {
	if reason := p.receiverResults[d.Account]; reason != "" {
		return reason
	}
	if _, ok := p.receivers[receiverKey(o.MchID, o.AppID, d.Type, d.Account)]; !ok {
		return FailNoRelation
	}
	return ""
}

// releaseShare gives a failed line's amount back. Once the transaction is done it cannot be
// shared again, so it goes to the merchant (unless o itself unfreezes the rest, which counts
// it anyway). The caller holds p.mu.
func (p *payState) releaseShare(t *payTxn, o *psOrder, amount int64) {
	if t == nil {
		return
	}
	t.Shared -= amount
	if t.SharingDone && !o.UnfreezeUnsplit && !o.Unfreeze {
		t.Unfrozen += amount
	}
}

// unfreezeRest unfreezes what t has left to the merchant, as a line of o. The caller holds
// p.mu.
func (p *payState) unfreezeRest(t *payTxn, o *psOrder, now time.Time) {
	if t == nil {
		return
	}
	rest := max(t.Total-t.Fee-t.Refunded-t.Shared-t.Unfrozen, 0)
	t.Unfrozen += rest
	if rest == 0 {
		return
	}
	o.Receivers = append(o.Receivers, &psDetail{
		Type: ReceiverMerchant, Account: o.MchID, Amount: rest, Description: unfreezeDescription,
		DetailID: p.newDetailID(), Result: DetailSuccess, CreateTime: o.CreateTime, FinishTime: now,
	})
}
