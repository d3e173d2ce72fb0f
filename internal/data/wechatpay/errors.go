package wechatpay

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wechatpay-apiv3/wechatpay-go/core"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// WeChat Pay v3 error codes the adapter acts on (API v3 错误码 of JSAPI下单, 查询订单, 关闭订单,
// 申请退款, 分账 and 账单 APIs).
const (
	codeSystemError       = "SYSTEM_ERROR"
	codeFrequencyLimited  = "FREQUENCY_LIMITED"
	codeRateLimitExceed   = "RATELIMIT_EXCEED"
	codeBankError         = "BANKERROR"
	codeOrderPaid         = "ORDERPAID"
	codeOrderClosed       = "ORDER_CLOSED"
	codeOrderNotExist     = "ORDER_NOT_EXIST"
	codeResourceNotExists = "RESOURCE_NOT_EXISTS"
	codeNotFound          = "NOT_FOUND"
	codeNotEnough         = "NOT_ENOUGH"
	codeNoStatement       = "NO_STATEMENT_EXIST"
	codeStatementCreating = "STATEMENT_CREATING"
	codeInvalidRequest    = "INVALID_REQUEST"
)

// errKind says which family of API an error came from: the same INVALID_REQUEST means
// different things to a prepay and to a profit-sharing order.
type errKind int

const (
	kindPay errKind = iota
	kindRefund
	kindSharing
	kindBill
)

// mapErr turns an SDK error into the typed errors of payment, wrapping a *payment.WeChatError
// with WeChat's status, code and message when WeChat answered.
//
// WeChat gives some refusals no code of their own, only INVALID_REQUEST and a message; those
// are told apart by the message, as WeChat documents it: "商户订单号重复" / "商户退款单号重复"
// (a number reused for another request), "支付失败" (a failed payment wants a new number),
// "最大分账比例" (over the ratio cap), "未添加" / "已删除" (a receiver that is not one).
func mapErr(err error, kind errKind) error {
	var apiErr *core.APIError
	if !errors.As(err, &apiErr) {
		if transient(err) {
			return fmt.Errorf("%w: %w", bizerr.ErrUnavailable, err)
		}
		return err // a local failure: signing, response verification, decoding
	}
	we := &payment.WeChatError{Status: apiErr.StatusCode, Code: apiErr.Code, Message: apiErr.Message}
	msg := apiErr.Message
	switch {
	case apiErr.Code == codeFrequencyLimited || apiErr.Code == codeRateLimitExceed || apiErr.StatusCode == http.StatusTooManyRequests:
		we.Kind = bizerr.ErrRateLimited
	case transient(apiErr):
		we.Kind = bizerr.ErrUnavailable
	case apiErr.Code == codeOrderPaid:
		we.Kind = payment.ErrOrderPaid
	case apiErr.Code == codeOrderClosed:
		we.Kind = payment.ErrOrderClosed
	case apiErr.Code == codeOrderNotExist || apiErr.Code == codeResourceNotExists || apiErr.Code == codeNotFound:
		we.Kind = payment.ErrOrderNotFound
	case apiErr.Code == codeNotEnough:
		we.Kind = payment.ErrNotEnough
	case apiErr.Code == codeNoStatement || apiErr.Code == codeStatementCreating:
		we.Kind = payment.ErrBillNotReady
	case kind == kindBill && strings.Contains(msg, "生成中"):
		we.Kind = payment.ErrBillNotReady
	case strings.Contains(msg, "单号重复"):
		we.Kind = payment.ErrDuplicateNo
	case kind == kindPay && strings.Contains(msg, "支付失败"):
		we.Kind = payment.ErrPaymentFailed
	case kind == kindSharing && strings.Contains(msg, "最大分账比例"):
		we.Kind = payment.ErrRatioExceeded
	case kind == kindSharing && (strings.Contains(msg, "未添加") || strings.Contains(msg, "已删除")):
		we.Kind = payment.ErrReceiverNotFound
	case kind == kindSharing && apiErr.StatusCode < 500:
		we.Kind = payment.ErrSharingRejected
	default:
		we.Kind = payment.ErrRejected
	}
	return we
}
