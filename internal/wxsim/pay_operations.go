package wxsim

import (
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
)

// WeChat Pay operation names: one per API, for fault injection (InjectPayFault, FailPayNext,
// POST /sim/v1/pay/faults) and call counting (Calls, GET /sim/v1/calls).
const (
	OpPayJSAPI              = "pay_jsapi"
	OpPayQueryByOutTradeNo  = "pay_query_out_trade_no"
	OpPayQueryByID          = "pay_query_id"
	OpPayClose              = "pay_close"
	OpRefundCreate          = "refund_create"
	OpRefundQuery           = "refund_query"
	OpSharingAddReceiver    = "profitsharing_receivers_add"
	OpSharingDeleteReceiver = "profitsharing_receivers_delete"
	OpSharingCreateOrder    = "profitsharing_orders_create"
	OpSharingQueryOrder     = "profitsharing_orders_query"
	OpSharingUnfreeze       = "profitsharing_orders_unfreeze"
	OpSharingCreateReturn   = "profitsharing_return_orders_create"
	OpSharingQueryReturn    = "profitsharing_return_orders_query"
	OpSharingAmounts        = "profitsharing_amounts"
	OpSharingBill           = "profitsharing_bills"
	OpTradeBill             = "tradebill"
	OpBillDownload          = "billdownload"
)

// payOperations is the set of the names above.
var payOperations = map[string]bool{
	OpPayJSAPI: true, OpPayQueryByOutTradeNo: true, OpPayQueryByID: true, OpPayClose: true,
	OpRefundCreate: true, OpRefundQuery: true,
	OpSharingAddReceiver: true, OpSharingDeleteReceiver: true, OpSharingCreateOrder: true,
	OpSharingQueryOrder: true, OpSharingUnfreeze: true, OpSharingCreateReturn: true,
	OpSharingQueryReturn: true, OpSharingAmounts: true, OpSharingBill: true,
	OpTradeBill: true, OpBillDownload: true,
}

// isPayOperation reports whether op names a registered WeChat Pay API.
func (s *Simulator) isPayOperation(op string) bool {
	_, ok := s.payCalls[op]
	return ok
}

// registerPayOperation is registerOperation for the pay half's own counters. Like it, it runs
// only while New builds the routes.
func (s *Simulator) registerPayOperation(op string) *atomic.Int64 {
	if _, dup := s.payCalls[op]; dup || !payOperations[op] {
		panic(fmt.Sprintf("wxsim: pay operation %q registered twice or not declared", op))
	}
	n := new(atomic.Int64)
	s.payCalls[op] = n
	return n
}

// payOperationNames lists the pay operations in a stable order.
func (s *Simulator) payOperationNames() []string {
	return slices.Sorted(maps.Keys(s.payCalls))
}
