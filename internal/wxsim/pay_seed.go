package wxsim

import (
	"errors"
	"fmt"
)

// ErrInvalidPaidTransaction reports a PaidTransaction AddPaidTransaction cannot record.
var ErrInvalidPaidTransaction = errors.New("wxsim: invalid paid transaction")

// ErrOutTradeNoUsed reports a PaidTransaction whose order number the merchant already used.
var ErrOutTradeNoUsed = errors.New("order number already used")

// PaidTransaction is a payment for AddPaidTransaction to record as made.
type PaidTransaction struct {
	// MchID is the merchant; empty means the only configured merchant, or DemoMchID when the
	// simulator has none configured. The merchant need not be configured.
	MchID string
	// AppID is the mini-program paid in; empty means the only app.
	AppID string
	// OutTradeNo is the merchant's order number (6-32 of digits, letters and _-|*). Required.
	OutTradeNo string
	// Description is the goods; empty means "测试商品".
	Description string
	// Total is the amount paid, in fen. Required.
	Total int64
	// PayerOpenID is the payer. Required.
	PayerOpenID string
	// ProfitSharing freezes the funds for profit-sharing (settle_info.profit_sharing).
	ProfitSharing bool
}

// AddPaidTransaction records a JSAPI payment as made, as if the merchant had placed the order
// and the payer had paid it at once (Pay), without the signed WeChat Pay calls: for tests of
// the APIs that work on paid transactions (the shipping service) that do not exercise the pay
// half. No notification is sent. It returns the transaction_id; an order number the merchant
// already used is refused.
func (s *Simulator) AddPaidTransaction(pt PaidTransaction) (string, error) {
	ids, err := s.AddPaidTransactions([]PaidTransaction{pt})
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// AddPaidTransactions records several payments as AddPaidTransaction does, all or none: one
// invalid transaction, or an order number used already (or twice in pts), refuses them all. It
// returns the transaction_ids in the order of pts. The pay state is saved once for the lot, so
// benchmarks can seed many transactions quickly.
func (s *Simulator) AddPaidTransactions(pts []PaidTransaction) ([]string, error) {
	type resolved struct{ appid, mchid, desc string }
	res := make([]resolved, len(pts))
	for i, pt := range pts {
		appid, err := s.resolveApp(pt.AppID)
		if err != nil {
			return nil, err
		}
		mchid, err := s.defaultMchID(pt.MchID)
		if err != nil {
			return nil, err
		}
		if e := checkOutNo("out_trade_no", pt.OutTradeNo); e != nil {
			return nil, fmt.Errorf("%w: %s", ErrInvalidPaidTransaction, e.Message)
		}
		switch {
		case pt.Total <= 0:
			return nil, fmt.Errorf("%w: total %d is not positive", ErrInvalidPaidTransaction, pt.Total)
		case !validID(pt.PayerOpenID):
			return nil, fmt.Errorf("%w: %w: %q", ErrInvalidPaidTransaction, ErrInvalidOpenID, pt.PayerOpenID)
		}
		desc := pt.Description
		if desc == "" {
			desc = "测试商品"
		}
		res[i] = resolved{appid, mchid, desc}
	}
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := make(map[string]bool, len(pts))
	for i, pt := range pts {
		k := key(res[i].mchid, pt.OutTradeNo)
		if _, dup := p.txns[k]; dup || seen[k] {
			return nil, fmt.Errorf("%w: %w: merchant %s order %s", ErrInvalidPaidTransaction, ErrOutTradeNoUsed, res[i].mchid, pt.OutTradeNo)
		}
		seen[k] = true
	}
	ids := make([]string, len(pts))
	now := p.now()
	for i, pt := range pts {
		t := &payTxn{
			MchID: res[i].mchid, AppID: res[i].appid, OutTradeNo: pt.OutTradeNo, Description: res[i].desc, Total: pt.Total,
			Currency: "CNY", PayerOpenID: pt.PayerOpenID, CreateTime: now, PrepayID: p.newPrepayID(now),
			State: TradeSuccess, TransactionID: p.newTransactionID(now), SuccessTime: now,
			BankType: bankTypeOthers, Fee: p.cfg.fee(pt.Total), ProfitSharing: pt.ProfitSharing,
		}
		t.Fingerprint = prepayFingerprint(t)
		p.txns[key(t.MchID, t.OutTradeNo)] = t
		p.txnByID[t.TransactionID] = t
		ids[i] = t.TransactionID
	}
	if len(pts) > 0 {
		p.changed()
	}
	return ids, nil
}

// defaultMchID resolves an empty mchid as AddPaidTransaction documents.
func (s *Simulator) defaultMchID(mchid string) (string, error) {
	if mchid != "" {
		return mchid, nil
	}
	switch ids := s.MchIDs(); len(ids) {
	case 0:
		return DemoMchID, nil
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%w: mchid is required when several merchants are configured", ErrInvalidPaidTransaction)
}
