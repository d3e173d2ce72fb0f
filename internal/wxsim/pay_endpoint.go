package wxsim

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// payCall is one authenticated WeChat Pay request.
type payCall struct {
	r     *http.Request
	mchid string // from the verified Authorization header
	body  []byte
}

// payResult is a handler's answer: a status and a body to encode as JSON (nil for none), or a
// raw file that WeChat serves unsigned (the bill download).
type payResult struct {
	status int
	body   any
	file   *rawFile
}

type rawFile struct {
	contentType string
	data        []byte
}

func okJSON(body any) payResult { return payResult{status: http.StatusOK, body: body} }

func noContent() payResult { return payResult{status: http.StatusNoContent} }

// payFunc is one WeChat Pay API.
type payFunc func(c *payCall) (payResult, *payError)

// handlePay registers a WeChat Pay API. Every call is counted, then authenticated (401
// SIGN_ERROR before anything else, as WeChat checks the signature first), then held to its
// merchant's rate limit (429 FREQUENCY_LIMITED, which leaves pending faults for the next
// admitted call), then meets its injected faults, and is answered with a signed response.
func (s *Simulator) handlePay(pattern, op string, h payFunc) {
	calls := s.registerPayOperation(op)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		res, e := s.servePay(r, op, h)
		if e != nil {
			res = payResult{status: e.Status, body: e}
		}
		s.writePay(w, res)
	})
}

func (s *Simulator) servePay(r *http.Request, op string, h payFunc) (payResult, *payError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return payResult{}, paramError("读取请求体失败")
	}
	mchid, e := s.pay.verifyRequest(r, body, time.Now())
	if e != nil {
		return payResult{}, e
	}
	if e := s.checkRate(op, mchid); e != nil {
		return payResult{}, e
	}
	fault := s.payFaultFor(r.Context(), op)
	if fault.Code != "" && !fault.AfterEffect {
		return payResult{}, fault.err()
	}
	res, e := h(&payCall{r: r, mchid: mchid, body: body})
	if fault.Code != "" {
		return payResult{}, fault.err()
	}
	return res, e
}

// writePay sends res signed with the platform key, as every WeChat Pay response is, errors
// included. Bill files are the exception WeChat makes: they are served unsigned.
func (s *Simulator) writePay(w http.ResponseWriter, res payResult) {
	w.Header().Set(headerRequestID, randomString(payNonceLength, alphanumeric))
	if res.file != nil {
		w.Header().Set("Content-Type", res.file.contentType)
		w.WriteHeader(res.status)
		_, _ = w.Write(res.file.data)
		return
	}
	var data []byte
	if res.body != nil {
		var err error
		if data, err = json.Marshal(res.body); err != nil {
			http.Error(w, "wxsim: encode response: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	key, keyID, _, err := s.pay.keys()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	headers, err := signatureHeaders(key, keyID, data, time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for k, v := range headers {
		w.Header()[k] = v
	}
	if data != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(res.status)
	// The status is sent; a failed write means the client went away.
	_, _ = w.Write(data)
}

// decode reads the call's JSON body into dst. WeChat ignores fields it does not know, so the
// simulator does too; a body that is not JSON is PARAM_ERROR.
func (c *payCall) decode(dst any) *payError {
	if len(c.body) == 0 {
		return paramError("请求体为空")
	}
	if err := json.Unmarshal(c.body, dst); err != nil {
		return paramError("请求体不是合法的JSON: %v", err)
	}
	return nil
}

// checkMchID checks a mchid the request names (in its body or query) against the one that
// signed it.
func (c *payCall) checkMchID(path, mchid string) *payError {
	if mchid == "" {
		return missingField(path)
	}
	if mchid != c.mchid {
		return invalidRequest("Http头Authorization中的mchid与请求中的%s不一致", path)
	}
	return nil
}

// notFoundPay answers a /v3/ path the simulator does not serve, in WeChat Pay's error shape.
func (s *Simulator) notFoundPay(w http.ResponseWriter, r *http.Request) {
	e := newPayError(PayCodeNotFound, "无此接口: "+r.Method+" "+r.URL.Path)
	s.writePay(w, payResult{status: e.Status, body: e})
}
