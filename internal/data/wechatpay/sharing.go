package wechatpay

import (
	"context"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/profitsharing"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

var _ payment.ProfitSharing = (*Client)(nil)

// AddReceiver adds a profit-sharing receiver; adding it again is fine. The SDK encrypts the
// name to the platform key.
func (c *Client) AddReceiver(ctx context.Context, r payment.Receiver) error {
	if c.cfg == nil {
		return payment.ErrNotConfigured
	}
	svc := profitsharing.ReceiversApiService{Client: c.api}
	return c.call(ctx, "add receiver", kindSharing, func(ctx context.Context) error {
		// A fresh request each attempt: the SDK encrypts Name in place.
		req := profitsharing.AddReceiverRequest{
			Appid: core.String(c.cfg.AppID), Type: profitsharing.ReceiverType(r.Type).Ptr(),
			Account: core.String(r.Account), RelationType: profitsharing.ReceiverRelationType(r.Relation).Ptr(),
		}
		if r.Name != "" {
			req.Name = core.String(r.Name)
		}
		_, _, err := svc.AddReceiver(ctx, req)
		return err
	})
}

// DeleteReceiver removes a receiver.
func (c *Client) DeleteReceiver(ctx context.Context, typ, account string) error {
	if c.cfg == nil {
		return payment.ErrNotConfigured
	}
	svc := profitsharing.ReceiversApiService{Client: c.api}
	return c.call(ctx, "delete receiver", kindSharing, func(ctx context.Context) error {
		_, _, err := svc.DeleteReceiver(ctx, profitsharing.DeleteReceiverRequest{
			Appid: core.String(c.cfg.AppID), Type: profitsharing.ReceiverType(typ).Ptr(), Account: core.String(account)})
		return err
	})
}

// CreateOrder requests a profit-sharing order; the same out_order_no is the same order.
func (c *Client) CreateOrder(ctx context.Context, in payment.SharingInput) (payment.SharingOrder, error) {
	if c.cfg == nil {
		return payment.SharingOrder{}, payment.ErrNotConfigured
	}
	svc := profitsharing.OrdersApiService{Client: c.api}
	var out payment.SharingOrder
	err := c.call(ctx, "profit-sharing order "+in.OutOrderNo, kindSharing, func(ctx context.Context) error {
		req := profitsharing.CreateOrderRequest{
			Appid: core.String(c.cfg.AppID), TransactionId: core.String(in.TransactionID),
			OutOrderNo: core.String(in.OutOrderNo), UnfreezeUnsplit: core.Bool(in.UnfreezeUnsplit),
		}
		for _, s := range in.Shares {
			r := profitsharing.CreateOrderReceiver{
				Type: core.String(s.Type), Account: core.String(s.Account), Amount: core.Int64(s.Amount),
				Description: core.String(s.Description),
			}
			if s.Name != "" {
				r.Name = core.String(s.Name)
			}
			req.Receivers = append(req.Receivers, r)
		}
		o, _, err := svc.CreateOrder(ctx, req)
		if err == nil {
			out = sharingOrderOf(o)
		}
		return err
	})
	return out, err
}

// QueryOrder reads a profit-sharing order.
func (c *Client) QueryOrder(ctx context.Context, transactionID, outOrderNo string) (payment.SharingOrder, error) {
	svc := profitsharing.OrdersApiService{Client: c.api}
	var out payment.SharingOrder
	err := c.call(ctx, "query profit-sharing order "+outOrderNo, kindSharing, func(ctx context.Context) error {
		o, _, err := svc.QueryOrder(ctx, profitsharing.QueryOrderRequest{
			TransactionId: core.String(transactionID), OutOrderNo: core.String(outOrderNo)})
		if err == nil {
			out = sharingOrderOf(o)
		}
		return err
	})
	return out, err
}

// Unfreeze releases what is left of the transaction to the merchant.
func (c *Client) Unfreeze(ctx context.Context, transactionID, outOrderNo, description string) (payment.SharingOrder, error) {
	svc := profitsharing.OrdersApiService{Client: c.api}
	var out payment.SharingOrder
	err := c.call(ctx, "unfreeze "+outOrderNo, kindSharing, func(ctx context.Context) error {
		o, _, err := svc.UnfreezeOrder(ctx, profitsharing.UnfreezeOrderRequest{
			TransactionId: core.String(transactionID), OutOrderNo: core.String(outOrderNo),
			Description: core.String(description)})
		if err == nil {
			out = sharingOrderOf(o)
		}
		return err
	})
	return out, err
}

// CreateReturn asks a merchant receiver for money back.
func (c *Client) CreateReturn(ctx context.Context, in payment.ReturnInput) (payment.Return, error) {
	svc := profitsharing.ReturnOrdersApiService{Client: c.api}
	var out payment.Return
	err := c.call(ctx, "profit-sharing return "+in.OutReturnNo, kindSharing, func(ctx context.Context) error {
		r, _, err := svc.CreateReturnOrder(ctx, profitsharing.CreateReturnOrderRequest{
			OutOrderNo: core.String(in.OutOrderNo), OutReturnNo: core.String(in.OutReturnNo),
			ReturnMchid: core.String(in.ReturnMchID), Amount: core.Int64(in.Amount),
			Description: core.String(in.Description)})
		if err == nil {
			out = returnOf(r)
		}
		return err
	})
	return out, err
}

// QueryReturn reads a return.
func (c *Client) QueryReturn(ctx context.Context, outOrderNo, outReturnNo string) (payment.Return, error) {
	svc := profitsharing.ReturnOrdersApiService{Client: c.api}
	var out payment.Return
	err := c.call(ctx, "query profit-sharing return "+outReturnNo, kindSharing, func(ctx context.Context) error {
		r, _, err := svc.QueryReturnOrder(ctx, profitsharing.QueryReturnOrderRequest{
			OutOrderNo: core.String(outOrderNo), OutReturnNo: core.String(outReturnNo)})
		if err == nil {
			out = returnOf(r)
		}
		return err
	})
	return out, err
}

// UnsplitAmount is what the transaction can still share, in fen.
func (c *Client) UnsplitAmount(ctx context.Context, transactionID string) (int64, error) {
	svc := profitsharing.TransactionsApiService{Client: c.api}
	var out int64
	err := c.call(ctx, "unsplit amount "+transactionID, kindSharing, func(ctx context.Context) error {
		r, _, err := svc.QueryOrderAmount(ctx, profitsharing.QueryOrderAmountRequest{TransactionId: core.String(transactionID)})
		if err == nil {
			out = deref(r.UnsplitAmount)
		}
		return err
	})
	return out, err
}

func sharingOrderOf(o *profitsharing.OrdersEntity) payment.SharingOrder {
	out := payment.SharingOrder{
		OutOrderNo: deref(o.OutOrderNo), OrderID: deref(o.OrderId), TransactionID: deref(o.TransactionId),
	}
	if o.State != nil {
		out.State = string(*o.State)
	}
	for _, d := range o.Receivers {
		r := payment.ShareResult{
			Account: deref(d.Account), Amount: deref(d.Amount), Description: deref(d.Description),
			DetailID: deref(d.DetailId),
		}
		if d.Type != nil {
			r.Type = string(*d.Type)
		}
		if d.Result != nil {
			r.Result = string(*d.Result)
		}
		if d.FailReason != nil {
			r.FailReason = string(*d.FailReason)
		}
		if d.CreateTime != nil {
			r.CreateTime = d.CreateTime.UTC()
		}
		if d.FinishTime != nil {
			r.FinishTime = d.FinishTime.UTC()
		}
		out.Receivers = append(out.Receivers, r)
	}
	return out
}

func returnOf(r *profitsharing.ReturnOrdersEntity) payment.Return {
	out := payment.Return{
		OutReturnNo: deref(r.OutReturnNo), OutOrderNo: deref(r.OutOrderNo), ReturnID: deref(r.ReturnId),
		ReturnMchID: deref(r.ReturnMchid), Amount: deref(r.Amount),
	}
	if r.Result != nil {
		out.Result = string(*r.Result)
	}
	if r.FailReason != nil {
		out.FailReason = string(*r.FailReason)
	}
	if r.FinishTime != nil {
		out.FinishTime = r.FinishTime.UTC()
	}
	return out
}
