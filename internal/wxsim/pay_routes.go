package wxsim

// payRoutes registers the WeChat Pay v3 APIs at WeChat's paths. Each is registered for its
// method only; any other /v3/ request is answered 404 in WeChat Pay's error shape.
func (s *Simulator) payRoutes() {
	s.handlePay("POST /v3/pay/transactions/jsapi", OpPayJSAPI, s.prepayJSAPI)
	s.handlePay("GET /v3/pay/transactions/out-trade-no/{out_trade_no}", OpPayQueryByOutTradeNo, s.queryByOutTradeNo)
	s.handlePay("GET /v3/pay/transactions/id/{transaction_id}", OpPayQueryByID, s.queryByTransactionID)
	s.handlePay("POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close", OpPayClose, s.closeOrder)

	s.handlePay("POST /v3/refund/domestic/refunds", OpRefundCreate, s.createRefund)
	s.handlePay("GET /v3/refund/domestic/refunds/{out_refund_no}", OpRefundQuery, s.queryRefund)

	s.handlePay("POST /v3/profitsharing/receivers/add", OpSharingAddReceiver, s.addReceiver)
	s.handlePay("POST /v3/profitsharing/receivers/delete", OpSharingDeleteReceiver, s.deleteReceiver)
	s.handlePay("POST /v3/profitsharing/orders", OpSharingCreateOrder, s.createSharingOrder)
	s.handlePay("GET /v3/profitsharing/orders/{out_order_no}", OpSharingQueryOrder, s.querySharingOrder)
	s.handlePay("POST /v3/profitsharing/orders/unfreeze", OpSharingUnfreeze, s.unfreeze)
	s.handlePay("POST /v3/profitsharing/return-orders", OpSharingCreateReturn, s.createReturn)
	s.handlePay("GET /v3/profitsharing/return-orders/{out_return_no}", OpSharingQueryReturn, s.queryReturn)
	s.handlePay("GET /v3/profitsharing/transactions/{transaction_id}/amounts", OpSharingAmounts, s.queryAmounts)
	s.handlePay("GET /v3/profitsharing/bills", OpSharingBill, s.sharingBill)

	s.handlePay("GET /v3/bill/tradebill", OpTradeBill, s.tradeBill)
	s.handlePay("GET /v3/billdownload/file", OpBillDownload, s.downloadBill)

	s.mux.HandleFunc("/v3/", s.notFoundPay)
}
