package wxsim

import (
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
)

// Operation names: one per WeChat API the simulator serves. They select an API in fault
// injection (FailNext, POST /sim/v1/faults) and in call counting (Calls, GET /sim/v1/calls).
const (
	OpJSCode2Session     = "jscode2session"
	OpStableToken        = "stable_token"
	OpToken              = "token"
	OpGetUserPhoneNumber = "getuserphonenumber"
	OpSubscribeSend      = "subscribe_send"
	// The shipping information management APIs (发货信息管理服务), shipping.go.
	OpUploadShippingInfo   = "upload_shipping_info"
	OpGetShippingOrder     = "get_order"
	OpNotifyConfirmReceive = "notify_confirm_receive"
	OpSpecialOrder         = "opspecialorder"
)

// ErrUnknownOperation reports an operation name no registered API carries.
var ErrUnknownOperation = errors.New("wxsim: unknown operation")

// registerOperation makes op known to fault injection and call counting. Every API registers
// its operation while New builds the routes, so the map is never written once the simulator
// serves and the counters need no lock.
func (s *Simulator) registerOperation(op string) *atomic.Int64 {
	if _, dup := s.calls[op]; dup {
		panic(fmt.Sprintf("wxsim: operation %q registered twice", op))
	}
	n := new(atomic.Int64)
	s.calls[op] = n
	return n
}

// checkOperation reports whether op names a registered API.
func (s *Simulator) checkOperation(op string) error {
	if _, ok := s.calls[op]; !ok && !s.isPayOperation(op) {
		return fmt.Errorf("%w: %q", ErrUnknownOperation, op)
	}
	return nil
}

// operations lists the registered operations in a stable order.
func (s *Simulator) operations() []string {
	ops := make([]string, 0, len(s.calls))
	for op := range s.calls {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// Calls is how many requests the API named operation has received, failed ones included.
// It is 0 for an unknown operation.
func (s *Simulator) Calls(operation string) int {
	if n, ok := s.calls[operation]; ok {
		return int(n.Load())
	}
	if n, ok := s.payCalls[operation]; ok {
		return int(n.Load())
	}
	return 0
}
