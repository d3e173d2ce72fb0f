package wxsim

import (
	"errors"
	"fmt"
	"time"
)

// Errors of the pay Go and control APIs, for errors.Is.
var (
	ErrPayOrderNotFound = errors.New("wxsim: no such pay order")
	ErrMchIDRequired    = errors.New("wxsim: mchid is required: the order number exists for more than one merchant")
	ErrPayOrderClosed   = errors.New("wxsim: the order is closed")
	ErrPayOrderPaid     = errors.New("wxsim: the order is already paid")
	ErrPayOrderExpired  = errors.New("wxsim: the order has expired (time_expire)")
	ErrPaymentFailed    = errors.New("wxsim: the order's payment failed; WeChat wants a new order")
)

// bankTypeOthers is the bank_type WeChat reports for balance (零钱) payments and the like.
const bankTypeOthers = "OTHERS"

// Pay plays the payer confirming the payment on the phone: the order becomes SUCCESS with a
// transaction_id, and WeChat's TRANSACTION.SUCCESS notification goes to its notify_url. It
// returns the transaction_id. A closed, expired, failed or already paid order is refused, as
// the phone would refuse it.
func (s *Simulator) Pay(outTradeNo string) (string, error) {
	return s.pay.payOrder("", outTradeNo)
}

// FailPayment plays a payment that fails on the phone (PAYERROR, with desc as
// trade_state_desc, or WeChat's own when empty). WeChat sends no notification for it.
func (s *Simulator) FailPayment(outTradeNo, desc string) error {
	return s.pay.failPayment("", outTradeNo, desc)
}

// Transaction reads an order as the simulator holds it.
func (s *Simulator) Transaction(outTradeNo string) (PayTransaction, error) {
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	t, err := p.findTxn("", outTradeNo)
	if err != nil {
		return PayTransaction{}, err
	}
	return p.transactionOf(t), nil
}

// PayTransaction is an order and its money as the simulator sees it, for tests.
type PayTransaction struct {
	MchID         string    `json:"mchid"`
	AppID         string    `json:"appid"`
	OutTradeNo    string    `json:"out_trade_no"`
	PrepayID      string    `json:"prepay_id"`
	TransactionID string    `json:"transaction_id,omitempty"`
	Description   string    `json:"description"`
	Attach        string    `json:"attach,omitempty"`
	PayerOpenID   string    `json:"payer_openid"`
	NotifyURL     string    `json:"notify_url"`
	State         string    `json:"trade_state"`
	ProfitSharing bool      `json:"profit_sharing"`
	SuccessTime   time.Time `json:"success_time"`
	Total         int64     `json:"total"`
	Fee           int64     `json:"fee"`
	Refunded      int64     `json:"refunded"`
	Shared        int64     `json:"shared"`
	Unfrozen      int64     `json:"unfrozen"`
	// Unsplit is what profit-sharing can still split (the unsplit_amount WeChat answers).
	Unsplit int64 `json:"unsplit"`
}

func (p *payState) transactionOf(t *payTxn) PayTransaction {
	return PayTransaction{
		MchID: t.MchID, AppID: t.AppID, OutTradeNo: t.OutTradeNo, PrepayID: t.PrepayID,
		TransactionID: t.TransactionID, Description: t.Description, Attach: t.Attach,
		PayerOpenID: t.PayerOpenID, NotifyURL: t.NotifyURL, State: t.State,
		ProfitSharing: t.ProfitSharing, SuccessTime: t.SuccessTime, Total: t.Total, Fee: t.Fee,
		Refunded: t.Refunded, Shared: t.Shared, Unfrozen: t.Unfrozen, Unsplit: p.unsplit(t),
	}
}

// findTxn finds an order by out_trade_no, of merchant mchid, or of the only merchant that has
// one by that number when mchid is empty. The caller holds p.mu.
func (p *payState) findTxn(mchid, outTradeNo string) (*payTxn, error) {
	if mchid != "" {
		if t, ok := p.txns[key(mchid, outTradeNo)]; ok {
			return t, nil
		}
		return nil, fmt.Errorf("%w: %s/%s", ErrPayOrderNotFound, mchid, outTradeNo)
	}
	var found *payTxn
	for _, t := range p.txns {
		if t.OutTradeNo != outTradeNo {
			continue
		}
		if found != nil {
			return nil, ErrMchIDRequired
		}
		found = t
	}
	if found == nil {
		return nil, fmt.Errorf("%w: %s", ErrPayOrderNotFound, outTradeNo)
	}
	return found, nil
}

func (p *payState) payOrder(mchid, outTradeNo string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, err := p.findTxn(mchid, outTradeNo)
	if err != nil {
		return "", err
	}
	return p.payTxn(t)
}

// payTxn makes t paid and queues its notification. The caller holds p.mu.
func (p *payState) payTxn(t *payTxn) (string, error) {
	now := p.now()
	if err := payable(t, now); err != nil {
		return "", err
	}
	t.State = TradeSuccess
	t.TransactionID = p.newTransactionID(now)
	t.SuccessTime = now
	t.BankType = bankTypeOthers
	t.Fee = p.cfg.fee(t.Total)
	p.txnByID[t.TransactionID] = t
	p.notifier.enqueue(t.NotifyURL, eventTransactionSuccess, transactionJSONOf(t))
	p.changed()
	return t.TransactionID, nil
}

// payable reports why t cannot be paid now, if it cannot.
func payable(t *payTxn, now time.Time) error {
	switch {
	case t.paid():
		return fmt.Errorf("%w: %s", ErrPayOrderPaid, t.OutTradeNo)
	case t.State == TradeClosed:
		return fmt.Errorf("%w: %s", ErrPayOrderClosed, t.OutTradeNo)
	case t.State == TradePayError:
		return fmt.Errorf("%w: %s", ErrPaymentFailed, t.OutTradeNo)
	case t.TimeExpire != nil && !now.Before(*t.TimeExpire):
		return fmt.Errorf("%w: %s", ErrPayOrderExpired, t.OutTradeNo)
	}
	return nil
}

func (p *payState) failPayment(mchid, outTradeNo, desc string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, err := p.findTxn(mchid, outTradeNo)
	if err != nil {
		return err
	}
	if err := payable(t, p.now()); err != nil {
		return err
	}
	t.State = TradePayError
	t.StateDesc = desc
	p.changed()
	return nil
}

// transactionJSON is a transaction on the wire: the query answer and the payment
// notification's resource (payments.Transaction in the SDK).
type transactionJSON struct {
	AppID          string        `json:"appid"`
	MchID          string        `json:"mchid"`
	OutTradeNo     string        `json:"out_trade_no"`
	TransactionID  string        `json:"transaction_id,omitempty"`
	TradeType      string        `json:"trade_type,omitempty"`
	TradeState     string        `json:"trade_state"`
	TradeStateDesc string        `json:"trade_state_desc"`
	BankType       string        `json:"bank_type,omitempty"`
	Attach         string        `json:"attach,omitempty"`
	SuccessTime    string        `json:"success_time,omitempty"`
	Payer          payerJSON     `json:"payer"`
	Amount         txnAmountJSON `json:"amount"`
}

type payerJSON struct {
	OpenID string `json:"openid,omitempty"`
}

type txnAmountJSON struct {
	Total         int64  `json:"total"`
	PayerTotal    *int64 `json:"payer_total,omitempty"`
	Currency      string `json:"currency"`
	PayerCurrency string `json:"payer_currency"`
}

// transactionJSONOf shapes t as WeChat answers it: an unpaid order has no transaction_id,
// trade_type, payer or payer_total yet.
func transactionJSONOf(t *payTxn) transactionJSON {
	desc := t.StateDesc
	if desc == "" {
		desc = tradeStateDesc[t.State]
	}
	out := transactionJSON{
		AppID: t.AppID, MchID: t.MchID, OutTradeNo: t.OutTradeNo, TradeState: t.State,
		TradeStateDesc: desc, Attach: t.Attach,
		Amount: txnAmountJSON{Total: t.Total, Currency: t.Currency, PayerCurrency: t.Currency},
	}
	if t.paid() {
		payerTotal := t.Total
		out.TransactionID, out.TradeType, out.BankType = t.TransactionID, "JSAPI", t.BankType
		out.SuccessTime = wechatTime(t.SuccessTime)
		out.Payer = payerJSON{OpenID: t.PayerOpenID}
		out.Amount.PayerTotal = &payerTotal
	}
	return out
}
