package wxsim

import (
	"errors"
	"maps"
	"net/http"
	"slices"
)

// rateLimitRoutes registers the control API of the rate limits.
func (s *Simulator) rateLimitRoutes() {
	s.mux.Handle("/sim/v1/pay/rate-limits", methods{http.MethodGet: s.getRateLimits,
		http.MethodPost: s.postRateLimits, http.MethodDelete: s.deleteRateLimits})
	s.mux.Handle("/sim/v1/pay/rate-limits/limited", methods{http.MethodDelete: s.deleteLimited})
}

// rateLimitsBody is GET /sim/v1/pay/rate-limits's answer.
type rateLimitsBody struct {
	Limits       map[string]int          `json:"limits"`
	Limited      map[string]LimitedCalls `json:"limited"`
	LimitedTotal int64                   `json:"limited_total"`
}

func (s *Simulator) rateLimitsView() rateLimitsBody {
	limits, limited := s.pay.limiter.snapshot()
	b := rateLimitsBody{Limits: limits, Limited: limited}
	for _, c := range limited {
		b.LimitedTotal += c.Count
	}
	return b
}

// getRateLimits is GET /sim/v1/pay/rate-limits: {"limits":{operation: per second},
// "limited":{operation:{"count","first","last"}},"limited_total"}.
func (s *Simulator) getRateLimits(w http.ResponseWriter, _ *http.Request) {
	writeControl(w, http.StatusOK, s.rateLimitsView())
}

type setRateLimitsBody struct {
	Limits map[string]int `json:"limits"`
}

// postRateLimits is POST /sim/v1/pay/rate-limits {"limits":{operation: per second}}: sets the
// operations named (0 removes a limit) and leaves the others; all or none. It answers as GET.
func (s *Simulator) postRateLimits(w http.ResponseWriter, r *http.Request) {
	var req setRateLimitsBody
	if !decodeControl(w, r, &req) {
		return
	}
	if len(req.Limits) == 0 {
		writeControlError(w, http.StatusBadRequest, errors.New(`"limits" names no operation`))
		return
	}
	ops := slices.Sorted(maps.Keys(req.Limits))
	for _, op := range ops {
		if err := checkRateLimit(op, req.Limits[op]); err != nil {
			writeControlError(w, http.StatusBadRequest, err)
			return
		}
	}
	for _, op := range ops {
		s.pay.limiter.set(op, req.Limits[op])
	}
	writeControl(w, http.StatusOK, s.rateLimitsView())
}

// deleteRateLimits is DELETE /sim/v1/pay/rate-limits: no operation is limited any more.
func (s *Simulator) deleteRateLimits(w http.ResponseWriter, _ *http.Request) {
	for op := range s.PayRateLimits() {
		s.pay.limiter.set(op, 0)
	}
	writeControl(w, http.StatusOK, s.rateLimitsView())
}

// deleteLimited is DELETE /sim/v1/pay/rate-limits/limited: forget the refused calls →
// {"cleared": how many}.
func (s *Simulator) deleteLimited(w http.ResponseWriter, _ *http.Request) {
	writeControl(w, http.StatusOK, map[string]int64{"cleared": s.ResetFrequencyLimited()})
}
