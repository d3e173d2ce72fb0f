package wxsim

// The refund shapes on the wire: the query answer and the notification resource.

// refundJSON is a refund on the wire (refunddomestic.Refund).
type refundJSON struct {
	RefundID            string           `json:"refund_id"`
	OutRefundNo         string           `json:"out_refund_no"`
	TransactionID       string           `json:"transaction_id"`
	OutTradeNo          string           `json:"out_trade_no"`
	Channel             string           `json:"channel"`
	UserReceivedAccount string           `json:"user_received_account"`
	SuccessTime         string           `json:"success_time,omitempty"`
	CreateTime          string           `json:"create_time"`
	Status              string           `json:"status"`
	FundsAccount        string           `json:"funds_account"`
	Amount              refundAmountJSON `json:"amount"`
	PromotionDetail     []struct{}       `json:"promotion_detail"`
}

type refundAmountJSON struct {
	Total            int64      `json:"total"`
	Refund           int64      `json:"refund"`
	From             []struct{} `json:"from"`
	PayerTotal       int64      `json:"payer_total"`
	PayerRefund      int64      `json:"payer_refund"`
	SettlementRefund int64      `json:"settlement_refund"`
	SettlementTotal  int64      `json:"settlement_total"`
	DiscountRefund   int64      `json:"discount_refund"`
	Currency         string     `json:"currency"`
}

func refundJSONOf(r *payRefund) refundJSON {
	return refundJSON{
		RefundID: r.RefundID, OutRefundNo: r.OutRefundNo, TransactionID: r.TransactionID,
		OutTradeNo: r.OutTradeNo, Channel: "ORIGINAL", UserReceivedAccount: userReceivedAccount,
		SuccessTime: optionalTime(r.SuccessTime), CreateTime: wechatTime(r.CreateTime),
		Status: r.Status, FundsAccount: "AVAILABLE",
		Amount: refundAmountJSON{
			Total: r.Total, Refund: r.Refund, From: []struct{}{}, PayerTotal: r.Total, PayerRefund: r.Refund,
			SettlementRefund: r.Refund, SettlementTotal: r.Total, Currency: r.Currency,
		},
		PromotionDetail: []struct{}{},
	}
}

// refundNotifyJSON is a refund notification's resource, which WeChat shapes differently from
// the query answer.
type refundNotifyJSON struct {
	MchID               string                 `json:"mchid"`
	TransactionID       string                 `json:"transaction_id"`
	OutTradeNo          string                 `json:"out_trade_no"`
	RefundID            string                 `json:"refund_id"`
	OutRefundNo         string                 `json:"out_refund_no"`
	RefundStatus        string                 `json:"refund_status"`
	SuccessTime         string                 `json:"success_time,omitempty"`
	UserReceivedAccount string                 `json:"user_received_account"`
	Amount              refundNotifyAmountJSON `json:"amount"`
}

type refundNotifyAmountJSON struct {
	Total       int64 `json:"total"`
	Refund      int64 `json:"refund"`
	PayerTotal  int64 `json:"payer_total"`
	PayerRefund int64 `json:"payer_refund"`
}

func refundNotifyJSONOf(r *payRefund) refundNotifyJSON {
	return refundNotifyJSON{
		MchID: r.MchID, TransactionID: r.TransactionID, OutTradeNo: r.OutTradeNo, RefundID: r.RefundID,
		OutRefundNo: r.OutRefundNo, RefundStatus: r.Status, SuccessTime: optionalTime(r.SuccessTime),
		UserReceivedAccount: userReceivedAccount,
		Amount:              refundNotifyAmountJSON{Total: r.Total, Refund: r.Refund, PayerTotal: r.Total, PayerRefund: r.Refund},
	}
}
