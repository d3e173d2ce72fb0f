package wxsim

import "time"

// The profit-sharing shapes on the wire: the order entity and the notification resource.

// sharingOrderJSON is a profit-sharing order on the wire (profitsharing.OrdersEntity).
type sharingOrderJSON struct {
	TransactionID string              `json:"transaction_id"`
	OutOrderNo    string              `json:"out_order_no"`
	OrderID       string              `json:"order_id"`
	State         string              `json:"state"`
	Receivers     []sharingDetailJSON `json:"receivers"`
}

type sharingDetailJSON struct {
	Amount      int64  `json:"amount"`
	Description string `json:"description"`
	Type        string `json:"type"`
	Account     string `json:"account"`
	Result      string `json:"result"`
	FailReason  string `json:"fail_reason,omitempty"`
	DetailID    string `json:"detail_id"`
	CreateTime  string `json:"create_time"`
	FinishTime  string `json:"finish_time,omitempty"`
}

func sharingOrderJSONOf(o *psOrder) sharingOrderJSON {
	out := sharingOrderJSON{TransactionID: o.TransactionID, OutOrderNo: o.OutOrderNo, OrderID: o.OrderID,
		State: o.State, Receivers: []sharingDetailJSON{}}
	for _, d := range o.Receivers {
		out.Receivers = append(out.Receivers, sharingDetailJSON{
			Amount: d.Amount, Description: d.Description, Type: d.Type, Account: d.Account,
			Result: d.Result, FailReason: d.FailReason, DetailID: d.DetailID,
			CreateTime: wechatTime(d.CreateTime), FinishTime: optionalTime(d.FinishTime),
		})
	}
	return out
}

// sharingNotifyJSON is a profit-sharing notification's resource (分账动账通知).
type sharingNotifyJSON struct {
	MchID         string              `json:"mchid"`
	TransactionID string              `json:"transaction_id"`
	OrderID       string              `json:"order_id"`
	OutOrderNo    string              `json:"out_order_no"`
	Receiver      sharingNotifyDetail `json:"receiver"`
	SuccessTime   string              `json:"success_time"`
}

type sharingNotifyDetail struct {
	Type        string `json:"type"`
	Account     string `json:"account"`
	Amount      int64  `json:"amount"`
	Description string `json:"description"`
}

func sharingNotifyJSONOf(o *psOrder, d *psDetail, now time.Time) sharingNotifyJSON {
	return sharingNotifyJSON{MchID: o.MchID, TransactionID: o.TransactionID, OrderID: o.OrderID,
		OutOrderNo: o.OutOrderNo, SuccessTime: wechatTime(now),
		Receiver: sharingNotifyDetail{Type: d.Type, Account: d.Account, Amount: d.Amount, Description: d.Description}}
}
