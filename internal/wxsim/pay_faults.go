package wxsim

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// PayFault makes the next Count calls of one WeChat Pay operation fail with a WeChat Pay error,
// or be slow, or both. (Fault, with its numeric errcode, is the mini-program APIs'; for a pay
// operation its latency applies as is and an errcode becomes SYSTEM_ERROR, or FREQUENCY_LIMITED
// for 45011.)
type PayFault struct {
	Operation string
	// Code is the error to answer with (SYSTEM_ERROR, FREQUENCY_LIMITED, ...); empty injects
	// latency only.
	Code string
	// Message is the message; empty means WeChat's own for Code.
	Message string
	// Status is the HTTP status; 0 means WeChat's for Code (500 for SYSTEM_ERROR, 429 for
	// FREQUENCY_LIMITED, 400 for most others).
	Status int
	// Count is how many calls the fault affects; 0 means 1.
	Count int
	// Latency is added (in real time) before answering.
	Latency time.Duration
	// AfterEffect lets the call take effect and then answers with the error, as when WeChat
	// did the work but the answer was lost: the case idempotent retries exist for.
	AfterEffect bool
}

// InjectPayFault queues f behind any fault already pending for its operation.
func (s *Simulator) InjectPayFault(f PayFault) error {
	_, err := s.injectPayFault(f)
	return err
}

// FailPayNext makes the next count calls (at least 1) of a WeChat Pay operation fail with
// code and status (0 for WeChat's status for code). It panics on an unknown operation or an
// empty code, both bugs in the calling test.
func (s *Simulator) FailPayNext(operation, code string, status, count int) {
	if code == "" {
		panic("wxsim: FailPayNext with no code injects nothing")
	}
	if err := s.InjectPayFault(PayFault{Operation: operation, Code: code, Status: status, Count: max(count, 1)}); err != nil {
		panic(err)
	}
}

// ClearPayFaults drops every pending PayFault and says how many there were.
func (s *Simulator) ClearPayFaults() int { return s.pay.faults.clear() }

func (s *Simulator) injectPayFault(f PayFault) (PayFault, error) {
	if !s.isPayOperation(f.Operation) {
		return PayFault{}, fmt.Errorf("%w: %q is not a WeChat Pay operation", ErrInvalidFault, f.Operation)
	}
	switch {
	case f.Count < 0:
		return PayFault{}, fmt.Errorf("%w: count %d is negative", ErrInvalidFault, f.Count)
	case f.Latency < 0 || f.Latency > maxLatency:
		return PayFault{}, fmt.Errorf("%w: latency %v is not within 0..%v", ErrInvalidFault, f.Latency, maxLatency)
	case f.Code == "" && f.Latency == 0:
		return PayFault{}, fmt.Errorf("%w: neither a code nor a latency", ErrInvalidFault)
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return PayFault{}, fmt.Errorf("%w: status %d is not an HTTP error", ErrInvalidFault, f.Status)
	}
	f.Count = max(f.Count, 1)
	if f.Code != "" && f.Status == 0 {
		f.Status = payStatus(f.Code)
	}
	if f.Code != "" && f.Message == "" {
		f.Message = payMessage(f.Code)
	}
	s.pay.faults.push(f.Operation, f.Count, f)
	return f, nil
}

// payFaultFor takes the faults pending for op from both queues, waits out their latency and
// returns the PayFault to apply (Code empty when the call should be answered normally).
func (s *Simulator) payFaultFor(ctx context.Context, op string) PayFault {
	var out PayFault
	if e := s.applyFault(ctx, op); e != nil {
		out = legacyPayFault(e)
	}
	f, ok := s.pay.faults.take(op)
	if !ok {
		return out
	}
	if f.Latency > 0 {
		wait(ctx, f.Latency)
	}
	if f.Code != "" {
		return f
	}
	return out
}

// legacyPayFault maps a mini-program Fault's errcode onto WeChat Pay's vocabulary.
func legacyPayFault(e *wxError) PayFault {
	if e.Errcode == ErrcodeMinuteQuota {
		return PayFault{Code: PayCodeFrequencyLimited, Status: http.StatusTooManyRequests, Message: e.Errmsg}
	}
	return PayFault{Code: PayCodeSystemError, Status: http.StatusInternalServerError, Message: e.Errmsg}
}

func (f PayFault) err() *payError {
	return &payError{Status: f.Status, Code: f.Code, Message: f.Message}
}
