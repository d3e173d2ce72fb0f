package wxsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// The control API plays the parts of WeChat that no server API exposes (the user's phone, the
// platform's failures) for tests and demos. It lives under /sim/v1/, clear of WeChat's paths,
// and unlike WeChat it reports errors with HTTP 4xx and {"error": "..."}.
func (s *Simulator) controlRoutes() {
	s.mux.Handle("/sim/v1/login-codes", methods{http.MethodPost: s.postLoginCode})
	s.mux.Handle("/sim/v1/login-code", methods{http.MethodGet: s.getLoginCode})
	s.mux.Handle("/sim/v1/phone-codes", methods{http.MethodPost: s.postPhoneCode})
	s.mux.Handle("/sim/v1/faults", methods{http.MethodPost: s.postFault, http.MethodDelete: s.deleteFaults})
	s.mux.Handle("/sim/v1/access-tokens/expire", methods{http.MethodPost: s.postExpireTokens})
	s.mux.Handle("/sim/v1/calls", methods{http.MethodGet: s.getCalls})
	s.mux.HandleFunc("/sim/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeControlError(w, http.StatusNotFound, fmt.Errorf("no control endpoint %s", r.URL.Path))
	})
}

type loginCodeRequest struct {
	AppID   string `json:"appid"`
	OpenID  string `json:"openid"`
	UnionID string `json:"unionid"`
}

type loginCodeResponse struct {
	Code   string `json:"code"`
	OpenID string `json:"openid"`
}

// postLoginCode is POST /sim/v1/login-codes: wx.login on a phone. An empty body is fine.
func (s *Simulator) postLoginCode(w http.ResponseWriter, r *http.Request) {
	var req loginCodeRequest
	if !decodeControl(w, r, &req) {
		return
	}
	code, openid, err := s.issueLoginCode(req.AppID, req.OpenID, req.UnionID)
	if err != nil {
		writeControlError(w, http.StatusBadRequest, err)
		return
	}
	writeControl(w, http.StatusOK, loginCodeResponse{Code: code, OpenID: openid})
}

// getLoginCode is GET /sim/v1/login-code?openid=&appid=&unionid=: the code alone, as plain
// text, so a shell can take it with $(curl -s ...).
func (s *Simulator) getLoginCode(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, _, err := s.issueLoginCode(q.Get("appid"), q.Get("openid"), q.Get("unionid"))
	if err != nil {
		writeControlError(w, http.StatusBadRequest, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, code) //nolint:gosec // G705: a random code served as text/plain to tests
}

type phoneCodeRequest struct {
	AppID string `json:"appid"`
	Phone string `json:"phone"`
}

type phoneCodeResponse struct {
	Code string `json:"code"`
}

// postPhoneCode is POST /sim/v1/phone-codes: the user allowing getPhoneNumber.
func (s *Simulator) postPhoneCode(w http.ResponseWriter, r *http.Request) {
	var req phoneCodeRequest
	if !decodeControl(w, r, &req) {
		return
	}
	code, err := s.IssuePhoneCode(req.AppID, req.Phone)
	if err != nil {
		writeControlError(w, http.StatusBadRequest, err)
		return
	}
	writeControl(w, http.StatusOK, phoneCodeResponse{Code: code})
}

// faultBody is a fault on the wire, both ways: the request, and the fault as queued (with
// its defaults filled in) in the answer.
type faultBody struct {
	Operation string `json:"operation"`
	Errcode   int    `json:"errcode"`
	Errmsg    string `json:"errmsg,omitempty"`
	Count     int    `json:"count"`
	LatencyMS int64  `json:"latency_ms"`
}

// postFault is POST /sim/v1/faults.
func (s *Simulator) postFault(w http.ResponseWriter, r *http.Request) {
	var req faultBody
	if !decodeControl(w, r, &req) {
		return
	}
	f, err := s.injectFault(Fault{
		Operation: req.Operation,
		Errcode:   req.Errcode,
		Errmsg:    req.Errmsg,
		Count:     req.Count,
		Latency:   time.Duration(req.LatencyMS) * time.Millisecond,
	})
	if err != nil {
		writeControlError(w, http.StatusBadRequest, err)
		return
	}
	writeControl(w, http.StatusOK, faultBody{
		Operation: f.Operation,
		Errcode:   f.Errcode,
		Errmsg:    f.Errmsg,
		Count:     f.Count,
		LatencyMS: f.Latency.Milliseconds(),
	})
}

// deleteFaults is DELETE /sim/v1/faults.
func (s *Simulator) deleteFaults(w http.ResponseWriter, _ *http.Request) {
	writeControl(w, http.StatusOK, map[string]int{"cleared": s.faults.clear()})
}

// postExpireTokens is POST /sim/v1/access-tokens/expire.
func (s *Simulator) postExpireTokens(w http.ResponseWriter, _ *http.Request) {
	writeControl(w, http.StatusOK, map[string]int{"expired": s.tokens.expireAll()})
}

// getCalls is GET /sim/v1/calls[?operation=]: {"calls": {operation: count}} for one operation
// or all of them.
func (s *Simulator) getCalls(w http.ResponseWriter, r *http.Request) {
	ops := s.operations()
	if op := r.URL.Query().Get("operation"); op != "" {
		if err := s.checkOperation(op); err != nil {
			writeControlError(w, http.StatusBadRequest, err)
			return
		}
		ops = []string{op}
	}
	calls := make(map[string]int, len(ops))
	for _, op := range ops {
		calls[op] = s.Calls(op)
	}
	writeControl(w, http.StatusOK, map[string]map[string]int{"calls": calls})
}

// methods routes one control path by method and answers any other method with 405 in the
// control API's JSON shape (the mux's own 405 is plain text).
type methods map[string]http.HandlerFunc

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := m[r.Method]; ok {
		h(w, r)
		return
	}
	allowed := make([]string, 0, len(m))
	for method := range m {
		allowed = append(allowed, method)
	}
	sort.Strings(allowed)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeControlError(w, http.StatusMethodNotAllowed, fmt.Errorf("%s %s: use %s", r.Method, r.URL.Path, strings.Join(allowed, " or ")))
}

// decodeControl reads a control request body strictly, so a misspelt field fails the test
// that sent it instead of being ignored. It answers 400 itself and reports whether to go on.
func decodeControl(w http.ResponseWriter, r *http.Request, dst any) bool {
	if err := decodeJSON(r, dst, true); err != nil {
		writeControlError(w, http.StatusBadRequest, err)
		return false
	}
	return true
}

func writeControl(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeControlError(w http.ResponseWriter, status int, err error) {
	writeControl(w, status, map[string]string{"error": err.Error()})
}
