package wxsim

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidRequestPayment reports wx.requestPayment parameters the phone would refuse: a package
// that is not "prepay_id=…", another appId than the order's, a sign type other than RSA, or a
// paySign the merchant's key did not make.
var ErrInvalidRequestPayment = errors.New("wxsim: invalid wx.requestPayment parameters")

// RequestPayment is what the mini-program passes to wx.requestPayment: the parameters the
// merchant's server signed for a prepay_id (the JSON names are the mini-program's).
type RequestPayment struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// PayRequested plays wx.requestPayment and the payer confirming: the parameters are checked
// as the phone checks them (the order of the prepay_id in package exists, appId is the
// order's, paySign is the merchant's RSA signature of appId, timeStamp, nonceStr and package),
// then the order is paid as by Pay. It returns the transaction_id.
//
// This is the way to pay with only what the merchant's server hands the phone; Pay needs the
// out_trade_no, which the phone never sees.
func (s *Simulator) PayRequested(rp RequestPayment) (string, error) {
	return s.pay.payRequested(rp)
}

func (p *payState) payRequested(rp RequestPayment) (string, error) {
	prepayID, ok := strings.CutPrefix(rp.Package, "prepay_id=")
	if !ok || prepayID == "" {
		return "", fmt.Errorf(`%w: package must be "prepay_id=…", not %q`, ErrInvalidRequestPayment, rp.Package)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.txnByPrepayID(prepayID)
	if t == nil {
		return "", fmt.Errorf("%w: prepay_id %s", ErrPayOrderNotFound, prepayID)
	}
	if err := p.checkPaySign(t, rp); err != nil {
		return "", err
	}
	return p.payTxn(t)
}

// txnByPrepayID finds the order a prepay_id was issued for. The caller holds p.mu. A scan: the
// control API pays one order at a time, and the simulator keeps no index it would rarely use.
func (p *payState) txnByPrepayID(prepayID string) *payTxn {
	for _, t := range p.txns {
		if t.PrepayID == prepayID {
			return t
		}
	}
	return nil
}

// checkPaySign checks rp as wx.requestPayment does for the order t.
func (p *payState) checkPaySign(t *payTxn, rp RequestPayment) error {
	switch {
	case rp.AppID != t.AppID:
		return fmt.Errorf("%w: appId %q is not the order's %q", ErrInvalidRequestPayment, rp.AppID, t.AppID)
	case rp.SignType != "RSA":
		return fmt.Errorf("%w: signType must be RSA, not %q", ErrInvalidRequestPayment, rp.SignType)
	case rp.TimeStamp == "" || rp.NonceStr == "":
		return fmt.Errorf("%w: timeStamp and nonceStr are required", ErrInvalidRequestPayment)
	}
	merchant, ok := p.cfg.Merchants[t.MchID]
	if !ok {
		return fmt.Errorf("%w: merchant %s is no longer served", ErrInvalidRequestPayment, t.MchID)
	}
	message := rp.AppID + "\n" + rp.TimeStamp + "\n" + rp.NonceStr + "\n" + rp.Package + "\n"
	if err := verifySHA256RSA(merchant.PublicKey, message, rp.PaySign); err != nil {
		return fmt.Errorf("%w: paySign: %w", ErrInvalidRequestPayment, err)
	}
	return nil
}
