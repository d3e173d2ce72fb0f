package wxsim

import (
	"encoding/json"
	"net/http"
)

// WeChat error codes the simulator returns. They are exported so tests can name them in
// FailNext and in assertions instead of repeating magic numbers.
const (
	ErrcodeSystemError      = -1
	ErrcodeInvalidToken     = 40001
	ErrcodeInvalidGrantType = 40002
	ErrcodeInvalidOpenID    = 40003
	ErrcodeInvalidAppID     = 40013
	ErrcodeInvalidCode      = 40029
	ErrcodeInvalidTemplate  = 40037
	ErrcodeInvalidSecret    = 40125
	ErrcodeCodeUsed         = 40163
	ErrcodeRequireGET       = 43001
	ErrcodeRequirePOST      = 43002
	ErrcodeUserRefused      = 43101
	ErrcodeMinuteQuota      = 45011
	ErrcodeDataFormat       = 47001
	ErrcodeArgumentInvalid  = 47003
)

// errmsgs are WeChat's messages for the codes above, used whenever a caller injects a fault
// without a message of its own. The double space in 45011's message is WeChat's.
var errmsgs = map[int]string{ //nolint:gosec // G101: WeChat's error messages, not credentials
	ErrcodeSystemError:      "system error",
	ErrcodeInvalidToken:     "invalid credential, access_token is invalid or not latest",
	ErrcodeInvalidGrantType: "invalid grant_type",
	ErrcodeInvalidOpenID:    "invalid openid",
	ErrcodeInvalidAppID:     "invalid appid",
	ErrcodeInvalidCode:      "invalid code",
	ErrcodeInvalidTemplate:  "invalid template_id",
	ErrcodeInvalidSecret:    "invalid appsecret",
	ErrcodeCodeUsed:         "code been used",
	ErrcodeRequireGET:       "require GET method",
	ErrcodeRequirePOST:      "require POST method",
	ErrcodeUserRefused:      "user refuse to accept the msg",
	ErrcodeMinuteQuota:      "api minute-quota reach limit  mustslower retry next minute",
	ErrcodeDataFormat:       "data format error",
	ErrcodeArgumentInvalid:  "argument invalid!",
}

// wxError is WeChat's error body. WeChat reports errors with HTTP 200 and this body, so the
// simulator does the same and the service's client has to look at errcode, not the status.
type wxError struct {
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
}

// newWXError builds the error for code with WeChat's own message.
func newWXError(code int) *wxError {
	return &wxError{Errcode: code, Errmsg: errmsgFor(code)}
}

// errmsgFor is WeChat's message for code, or a generic one for codes the simulator does not
// know (tests may inject any code).
func errmsgFor(code int) string {
	if msg, ok := errmsgs[code]; ok {
		return msg
	}
	if msg, ok := shippingErrmsgs[code]; ok {
		return msg
	}
	return "simulated error"
}

// writeWX writes a WeChat response: always HTTP 200 with a JSON body, as WeChat does.
func writeWX(w http.ResponseWriter, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	// The status is already sent; a failed write means the client went away and there is
	// nobody left to tell.
	_ = json.NewEncoder(w).Encode(body)
}
