package wxsim

import (
	"fmt"
	"net/http"
)

// WeChat Pay v3 error codes the simulator answers with. Unlike the mini-program APIs, WeChat
// Pay reports errors with an HTTP status and {"code","message"}.
const (
	PayCodeParamError         = "PARAM_ERROR"           // 400
	PayCodeInvalidRequest     = "INVALID_REQUEST"       // 400
	PayCodeAppIDMchIDMismatch = "APPID_MCHID_NOT_MATCH" // 400
	PayCodeOrderPaid          = "ORDERPAID"             // 400
	PayCodeOrderClosed        = "ORDER_CLOSED"          // 400
	PayCodeNoStatement        = "NO_STATEMENT_EXIST"    // 400
	PayCodeStatementCreating  = "STATEMENT_CREATING"    // 400
	PayCodeSignError          = "SIGN_ERROR"            // 401
	PayCodeNotEnough          = "NOT_ENOUGH"            // 403
	PayCodeNoAuth             = "NO_AUTH"               // 403
	PayCodeOrderNotExist      = "ORDER_NOT_EXIST"       // 404
	PayCodeResourceNotExists  = "RESOURCE_NOT_EXISTS"   // 404
	PayCodeNotFound           = "NOT_FOUND"             // 404
	PayCodeFrequencyLimited   = "FREQUENCY_LIMITED"     // 429
	PayCodeRateLimitExceed    = "RATELIMIT_EXCEED"      // 429
	PayCodeSystemError        = "SYSTEM_ERROR"          // 500
)

// payStatuses is the HTTP status WeChat Pay sends with each code, used when a test injects a
// code without a status.
var payStatuses = map[string]int{
	PayCodeSignError:         http.StatusUnauthorized,
	PayCodeNotEnough:         http.StatusForbidden,
	PayCodeNoAuth:            http.StatusForbidden,
	PayCodeOrderNotExist:     http.StatusNotFound,
	PayCodeResourceNotExists: http.StatusNotFound,
	PayCodeNotFound:          http.StatusNotFound,
	PayCodeFrequencyLimited:  http.StatusTooManyRequests,
	PayCodeRateLimitExceed:   http.StatusTooManyRequests,
	PayCodeSystemError:       http.StatusInternalServerError,
}

// payMessages are WeChat Pay's messages for codes a test injects without one.
var payMessages = map[string]string{
	PayCodeSystemError:       "系统错误",
	PayCodeFrequencyLimited:  "频率超限",
	PayCodeRateLimitExceed:   "频率超限",
	PayCodeSignError:         "签名错误",
	PayCodeParamError:        "参数错误",
	PayCodeInvalidRequest:    "无效请求",
	PayCodeOrderNotExist:     "订单不存在",
	PayCodeResourceNotExists: "记录不存在",
	PayCodeNotEnough:         "余额不足",
	PayCodeNoAuth:            "商户无权限",
}

// payError is a WeChat Pay error response.
type payError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *payError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// newPayError builds code's error with its usual status.
func newPayError(code, message string) *payError {
	return &payError{Status: payStatus(code), Code: code, Message: message}
}

func payStatus(code string) int {
	if s, ok := payStatuses[code]; ok {
		return s
	}
	return http.StatusBadRequest
}

func payMessage(code string) string {
	if m, ok := payMessages[code]; ok {
		return m
	}
	return "simulated error"
}

func paramError(format string, args ...any) *payError {
	return newPayError(PayCodeParamError, fmt.Sprintf(format, args...))
}

func invalidRequest(format string, args ...any) *payError {
	return newPayError(PayCodeInvalidRequest, fmt.Sprintf(format, args...))
}

// missingField is PARAM_ERROR in WeChat's wording for a required body field that is absent.
func missingField(path string) *payError {
	return paramError("输入源“%s”映射到值字段“%s”必填性规则校验失败，此字段为必填项", path, path)
}

// signError is SIGN_ERROR; WeChat's message does not say what was wrong, the simulator's adds
// it so a failing test shows why.
func signError(why string) *payError {
	return newPayError(PayCodeSignError, "错误的签名，验签失败: "+why)
}
