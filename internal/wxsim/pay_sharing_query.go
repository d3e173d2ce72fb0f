package wxsim

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Why a receiver's share fails (DetailFailReason).
const (
	FailAccountAbnormal     = "ACCOUNT_ABNORMAL"
	FailNoRelation          = "NO_RELATION"
	FailReceiverHighRisk    = "RECEIVER_HIGH_RISK"
	FailRealNameNotVerified = "RECEIVER_REAL_NAME_NOT_VERIFIED"
	FailNoAuth              = "NO_AUTH"
)

var failReasons = []string{FailAccountAbnormal, FailNoRelation, FailReceiverHighRisk, FailRealNameNotVerified, FailNoAuth}

// Errors of the profit-sharing Go and control APIs.
var (
	ErrSharingOrderNotFound = errors.New("wxsim: no such profit-sharing order")
	ErrSharingFinished      = errors.New("wxsim: the profit-sharing order is already FINISHED")
	ErrInvalidFailReason    = errors.New("wxsim: unknown fail reason")
)

// querySharingOrder is GET /v3/profitsharing/orders/{out_order_no}?transaction_id= (查询分账结果).
func (s *Simulator) querySharingOrder(c *payCall) (payResult, *payError) {
	txID := c.r.URL.Query().Get("transaction_id")
	if txID == "" {
		return payResult{}, missingField("/query/transaction_id")
	}
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settleDueLocked(p.now())
	o, ok := p.orders[key(c.mchid, c.r.PathValue("out_order_no"))]
	if !ok || o.TransactionID != txID {
		return payResult{}, newPayError(PayCodeResourceNotExists, "记录不存在")
	}
	return okJSON(sharingOrderJSONOf(o)), nil
}

// unfreezeRequest is POST /v3/profitsharing/orders/unfreeze's body.
type unfreezeRequest struct {
	SubMchID      string `json:"sub_mchid"`
	TransactionID string `json:"transaction_id"`
	OutOrderNo    string `json:"out_order_no"`
	Description   string `json:"description"`
}

// unfreeze is POST /v3/profitsharing/orders/unfreeze (解冻剩余资金): an order with no receivers
// of its own that unfreezes what the transaction has left to the merchant.
func (s *Simulator) unfreeze(c *payCall) (payResult, *payError) {
	var req unfreezeRequest
	if e := c.decode(&req); e != nil {
		return payResult{}, e
	}
	switch {
	case req.SubMchID != "":
		return payResult{}, paramError("普通商户不支持sub_mchid")
	case req.TransactionID == "":
		return payResult{}, missingField("/body/transaction_id")
	case req.OutOrderNo == "" || len(req.OutOrderNo) > outOrderNoMax:
		return payResult{}, paramError("out_order_no长度应为1-%d位", outOrderNoMax)
	case req.Description == "":
		return payResult{}, missingField("/body/description")
	}
	view, e := s.pay.placeUnfreeze(&psOrder{MchID: c.mchid, OutOrderNo: req.OutOrderNo,
		TransactionID: req.TransactionID, Unfreeze: true, Description: req.Description})
	if e != nil {
		return payResult{}, e
	}
	return okJSON(view), nil
}

func (p *payState) placeUnfreeze(o *psOrder) (sharingOrderJSON, *payError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.settleDueLocked(now)
	if old, ok := p.orders[key(o.MchID, o.OutOrderNo)]; ok {
		return sharingOrderJSONOf(old), nil
	}
	t, ok := p.txnByID[o.TransactionID]
	switch {
	case !ok || t.MchID != o.MchID:
		return sharingOrderJSON{}, newPayError(PayCodeResourceNotExists, "订单不存在")
	case !t.ProfitSharing:
		return sharingOrderJSON{}, invalidRequest("非分账订单不支持解冻剩余资金")
	case p.unsplit(t) == 0:
		// The documented answer when sharing is complete: nothing is left to unfreeze.
		return sharingOrderJSON{}, newPayError(PayCodeNotEnough, "分账金额为0，分账已完成，无需再请求解冻剩余资金")
	}
	t.SharingDone = true
	p.storeOrder(o, now)
	return sharingOrderJSONOf(o), nil
}

// queryAmounts is GET /v3/profitsharing/transactions/{transaction_id}/amounts (查询剩余待分金额).
func (s *Simulator) queryAmounts(c *payCall) (payResult, *payError) {
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settleDueLocked(p.now())
	t, ok := p.txnByID[c.r.PathValue("transaction_id")]
	switch {
	case !ok:
		return payResult{}, newPayError(PayCodeResourceNotExists, "订单不存在")
	case t.MchID != c.mchid:
		return payResult{}, invalidRequest("非本商户的订单不支持查询")
	case !t.ProfitSharing:
		return payResult{}, invalidRequest("非分账订单不支持此查询")
	}
	return okJSON(amountsJSON{TransactionID: t.TransactionID, UnsplitAmount: p.unsplit(t)}), nil
}

type amountsJSON struct {
	TransactionID string `json:"transaction_id"`
	UnsplitAmount int64  `json:"unsplit_amount"`
}

// SettleProfitSharing finishes a PROCESSING profit-sharing or unfreeze order now, whatever
// SharingDelay says.
func (s *Simulator) SettleProfitSharing(outOrderNo string) error {
	return s.pay.settleByNo("", outOrderNo)
}

func (p *payState) settleByNo(mchid, outOrderNo string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, err := p.findOrder(mchid, outOrderNo)
	if err != nil {
		return err
	}
	if o.State != SharingProcessing {
		return fmt.Errorf("%w: %s", ErrSharingFinished, outOrderNo)
	}
	p.settleOrder(o, p.now())
	p.changed()
	return nil
}

// SetReceiverResult makes every share to account that settles from now on fail with
// failReason (ACCOUNT_ABNORMAL, NO_RELATION, RECEIVER_HIGH_RISK,
// RECEIVER_REAL_NAME_NOT_VERIFIED, NO_AUTH); an empty failReason makes them succeed again.
func (s *Simulator) SetReceiverResult(account, failReason string) error {
	if failReason != "" && !slices.Contains(failReasons, failReason) {
		return fmt.Errorf("%w: %q", ErrInvalidFailReason, failReason)
	}
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	if failReason == "" {
		delete(p.receiverResults, account)
	} else {
		p.receiverResults[account] = failReason
	}
	p.changed()
	return nil
}

// SetProfitSharingNotifyURL sets where merchant mchid receives profit-sharing notifications
// (set on the merchant platform at WeChat); empty stops them.
func (s *Simulator) SetProfitSharingNotifyURL(mchid, url string) {
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	if url == "" {
		delete(p.notifyURLs, mchid)
	} else {
		p.notifyURLs[mchid] = url
	}
	p.changed()
}

// SharingOrder is a profit-sharing or unfreeze order as the simulator sees it, for tests.
type SharingOrder struct {
	MchID, OutOrderNo, OrderID, TransactionID, State string
	Unfreeze, UnfreezeUnsplit                        bool
	Receivers                                        []SharingReceiver
}

// SharingReceiver is one line of a SharingOrder.
type SharingReceiver struct {
	Type, Account, Name, Description, DetailID, Result, FailReason string
	Amount                                                         int64
	FinishTime                                                     time.Time
}

// ProfitSharingOrder reads an order as the simulator holds it.
func (s *Simulator) ProfitSharingOrder(outOrderNo string) (SharingOrder, error) {
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settleDueLocked(p.now())
	o, err := p.findOrder("", outOrderNo)
	if err != nil {
		return SharingOrder{}, err
	}
	out := SharingOrder{MchID: o.MchID, OutOrderNo: o.OutOrderNo, OrderID: o.OrderID,
		TransactionID: o.TransactionID, State: o.State, Unfreeze: o.Unfreeze, UnfreezeUnsplit: o.UnfreezeUnsplit}
	for _, d := range o.Receivers {
		out.Receivers = append(out.Receivers, SharingReceiver{Type: d.Type, Account: d.Account, Name: d.Name,
			Description: d.Description, DetailID: d.DetailID, Result: d.Result, FailReason: d.FailReason,
			Amount: d.Amount, FinishTime: d.FinishTime})
	}
	return out, nil
}

// SharedTotals sums, per receiver account, what profit-sharing orders paid it (SUCCESS lines),
// the merchant's own unfreeze lines left out: what each receiver's wallet got, for tests.
func (s *Simulator) SharedTotals() map[string]int64 {
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settleDueLocked(p.now())
	out := map[string]int64{}
	for _, o := range p.orders {
		for _, d := range o.Receivers {
			if d.Result == DetailSuccess && d.Description != unfreezeDescription {
				out[d.Account] += d.Amount
			}
		}
	}
	return out
}

// findOrder finds an order by out_order_no, of mchid or of the only merchant with one by that
// number. The caller holds p.mu.
func (p *payState) findOrder(mchid, outOrderNo string) (*psOrder, error) {
	var found *psOrder
	for _, o := range p.orders {
		if o.OutOrderNo != outOrderNo || (mchid != "" && o.MchID != mchid) {
			continue
		}
		if found != nil {
			return nil, ErrMchIDRequired
		}
		found = o
	}
	if found == nil {
		return nil, fmt.Errorf("%w: %s", ErrSharingOrderNotFound, outOrderNo)
	}
	return found, nil
}
