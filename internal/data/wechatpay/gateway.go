package wechatpay

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

var _ payment.Gateway = (*Client)(nil)

// Prepay places the JSAPI order with settle_info.profit_sharing as asked, and signs the
// wx.requestPayment parameters with the merchant key, as WeChat documents: RSA over
// "appId\ntimeStamp\nnonceStr\npackage\n".
func (c *Client) Prepay(ctx context.Context, in payment.PrepayInput) (string, payment.RequestPayment, error) {
	if c.cfg == nil {
		return "", payment.RequestPayment{}, payment.ErrNotConfigured
	}
	req := jsapi.PrepayRequest{
		Appid: core.String(c.cfg.AppID), Mchid: core.String(c.cfg.MchID),
		Description: core.String(in.Description), OutTradeNo: core.String(in.OutTradeNo),
		NotifyUrl:  core.String(c.cfg.NotifyBaseURL + payment.PaymentNotifyPath),
		Amount:     &jsapi.Amount{Total: core.Int64(in.Amount), Currency: core.String("CNY")},
		Payer:      &jsapi.Payer{Openid: core.String(in.PayerOpenID)},
		SettleInfo: &jsapi.SettleInfo{ProfitSharing: core.Bool(in.ProfitSharing)},
	}
	if in.Attach != "" {
		req.Attach = core.String(in.Attach)
	}
	if !in.ExpiresAt.IsZero() {
		// WeChat reads time_expire to the second; a stable value keeps retries the same body.
		expire := in.ExpiresAt.In(bjtime.Zone).Truncate(time.Second)
		req.TimeExpire = &expire
	}
	svc := jsapi.JsapiApiService{Client: c.api}
	var prepayID string
	err := c.call(ctx, "prepay "+in.OutTradeNo, kindPay, func(ctx context.Context) error {
		resp, _, err := svc.Prepay(ctx, req)
		if err == nil {
			prepayID = deref(resp.PrepayId)
		}
		return err
	})
	if err != nil {
		return "", payment.RequestPayment{}, err
	}
	rp, err := c.requestPayment(ctx, prepayID)
	return prepayID, rp, err
}

func (c *Client) requestPayment(ctx context.Context, prepayID string) (payment.RequestPayment, error) {
	nonce, err := utils.GenerateNonce()
	if err != nil {
		return payment.RequestPayment{}, fmt.Errorf("wechat pay: nonce: %w", err)
	}
	rp := payment.RequestPayment{
		AppID: c.cfg.AppID, TimeStamp: strconv.FormatInt(time.Now().Unix(), 10), NonceStr: nonce,
		Package: "prepay_id=" + prepayID, SignType: "RSA",
	}
	sig, err := c.api.Sign(ctx, fmt.Sprintf("%s\n%s\n%s\n%s\n", rp.AppID, rp.TimeStamp, rp.NonceStr, rp.Package))
	if err != nil {
		return payment.RequestPayment{}, fmt.Errorf("wechat pay: sign requestPayment: %w", err)
	}
	rp.PaySign = sig.Signature
	return rp, nil
}

// QueryByOutTradeNo reads the order.
func (c *Client) QueryByOutTradeNo(ctx context.Context, outTradeNo string) (payment.Transaction, error) {
	svc := jsapi.JsapiApiService{Client: c.api}
	var out payment.Transaction
	err := c.call(ctx, "query "+outTradeNo, kindPay, func(ctx context.Context) error {
		tx, _, err := svc.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{
			OutTradeNo: core.String(outTradeNo), Mchid: core.String(c.cfg.MchID)})
		if err == nil {
			out = transactionOf(tx)
		}
		return err
	})
	return out, err
}

// Close closes the unpaid order (204); closing a closed order again succeeds.
func (c *Client) Close(ctx context.Context, outTradeNo string) error {
	svc := jsapi.JsapiApiService{Client: c.api}
	return c.call(ctx, "close "+outTradeNo, kindPay, func(ctx context.Context) error {
		_, err := svc.CloseOrder(ctx, jsapi.CloseOrderRequest{OutTradeNo: core.String(outTradeNo), Mchid: core.String(c.cfg.MchID)})
		return err
	})
}

// transactionOf maps the SDK's transaction (query answer and notification resource).
func transactionOf(tx *payments.Transaction) payment.Transaction {
	out := payment.Transaction{
		OutTradeNo: deref(tx.OutTradeNo), TransactionID: deref(tx.TransactionId),
		TradeState: deref(tx.TradeState), TradeStateDesc: deref(tx.TradeStateDesc), Attach: deref(tx.Attach),
	}
	if tx.Amount != nil {
		out.Amount, out.PayerTotal = deref(tx.Amount.Total), deref(tx.Amount.PayerTotal)
	}
	if tx.Payer != nil {
		out.PayerOpenID = deref(tx.Payer.Openid)
	}
	if s := deref(tx.SuccessTime); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			out.SuccessTime = t.UTC()
		}
	}
	return out
}

// Refund asks for a refund of the order by out_trade_no, notified at the refund route.
func (c *Client) Refund(ctx context.Context, in payment.RefundInput) (payment.Refund, error) {
	if c.cfg == nil {
		return payment.Refund{}, payment.ErrNotConfigured
	}
	req := refunddomestic.CreateRequest{
		OutTradeNo: core.String(in.OutTradeNo), OutRefundNo: core.String(in.OutRefundNo),
		NotifyUrl: core.String(c.cfg.NotifyBaseURL + payment.RefundNotifyPath),
		Amount:    &refunddomestic.AmountReq{Refund: core.Int64(in.Amount), Total: core.Int64(in.Total), Currency: core.String("CNY")},
	}
	if in.Reason != "" {
		req.Reason = core.String(in.Reason)
	}
	svc := refunddomestic.RefundsApiService{Client: c.api}
	var out payment.Refund
	err := c.call(ctx, "refund "+in.OutRefundNo, kindRefund, func(ctx context.Context) error {
		r, _, err := svc.Create(ctx, req)
		if err == nil {
			out = refundOf(r)
		}
		return err
	})
	return out, err
}

// QueryRefund reads a refund.
func (c *Client) QueryRefund(ctx context.Context, outRefundNo string) (payment.Refund, error) {
	svc := refunddomestic.RefundsApiService{Client: c.api}
	var out payment.Refund
	err := c.call(ctx, "query refund "+outRefundNo, kindRefund, func(ctx context.Context) error {
		r, _, err := svc.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String(outRefundNo)})
		if err == nil {
			out = refundOf(r)
		}
		return err
	})
	return out, err
}

func refundOf(r *refunddomestic.Refund) payment.Refund {
	out := payment.Refund{
		OutRefundNo: deref(r.OutRefundNo), OutTradeNo: deref(r.OutTradeNo), RefundID: deref(r.RefundId),
		TransactionID: deref(r.TransactionId),
	}
	if r.Status != nil {
		out.State = refundState(string(*r.Status))
	}
	if r.Amount != nil {
		out.Amount, out.Total = deref(r.Amount.Refund), deref(r.Amount.Total)
	}
	if r.SuccessTime != nil {
		out.SuccessTime = r.SuccessTime.UTC()
	}
	return out
}

// refundState maps WeChat's refund status (SUCCESS, CLOSED, PROCESSING, ABNORMAL).
func refundState(s string) payment.RefundState {
	switch s {
	case "SUCCESS":
		return payment.RefundSuccess
	case "CLOSED":
		return payment.RefundClosed
	case "ABNORMAL":
		return payment.RefundAbnormal
	}
	return payment.RefundProcessing
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
