// Package wxsim is a stand-in for WeChat's servers, used by the tests and by `make run`, where
// there is no internet and no real mini-program. It is a real HTTP server that speaks the subset
// of WeChat's APIs the service calls, with WeChat's paths, parameters, response shapes and error
// codes, so the service's WeChat client is exercised exactly as it is in production by pointing
// its API base URL at the simulator.
//
// Beside the WeChat paths the simulator offers a control API under /sim/v1/ (and the same
// operations as Go methods) that plays the parts WeChat keeps to itself: it hands out the codes
// a phone would get from wx.login and getPhoneNumber, injects faults and latency, expires access
// tokens and counts calls, so tests can drive every path of the service deterministically.
//
// WeChat APIs served (errors are HTTP 200 with {"errcode","errmsg"}, as on WeChat):
//
//	GET  /sns/jscode2session                       code2Session
//	POST /cgi-bin/stable_token                     getStableAccessToken
//	GET  /cgi-bin/token                            getAccessToken
//	POST /wxa/business/getuserphonenumber          getPhoneNumber
//	POST /cgi-bin/message/subscribe/send           subscribeMessage.send (订阅消息)
//	POST /wxa/sec/order/upload_shipping_info       发货信息录入 (shipping.go: 发货信息管理服务)
//	POST /wxa/sec/order/get_order                  查询订单发货状态
//	POST /wxa/sec/order/notify_confirm_receive     确认收货提醒
//	POST /wxa/sec/order/opspecialorder             特殊发货报备 (presale / test order)
//
// Control API (errors are HTTP 4xx with {"error"}):
//
//	POST   /sim/v1/login-codes          {"appid","openid","unionid"} → {"code","openid"}
//	GET    /sim/v1/login-code?openid=   the code alone, as text/plain, for shell demos
//	POST   /sim/v1/phone-codes          {"appid","phone"} → {"code"}
//	POST   /sim/v1/faults               {"operation","errcode","errmsg","count","latency_ms"}
//	DELETE /sim/v1/faults               drop pending faults
//	POST   /sim/v1/access-tokens/expire invalidate every access token
//	GET    /sim/v1/calls?operation=     {"calls":{operation:count}}
//	POST   /sim/v1/subscribe-templates  {"appid","template_id","keys"}: a template added in the console
//	POST   /sim/v1/subscribe-refusals   {"appid","touser"}: the user refuses subscription messages (43101)
//	DELETE /sim/v1/subscribe-refusals   {"appid","touser"}: the user accepts them again
//	GET    /sim/v1/subscribe-messages?touser=  {"messages":[...]} accepted, oldest first (last 1000)
//	GET    /sim/v1/shipping?transaction_id=    (or ?out_trade_no=[&mchid=]) a paid order's shipping state
//	POST   /sim/v1/shipping/confirm-receipt    {"transaction_id"}: the user confirms receipt (确认收货)
//
// The mini-program half (codes, tokens, templates, refusals, sent subscription messages) lives
// in memory only; PayConfig.DataDir keeps the pay half alone, with the shipping state of its
// paid transactions (the shipping service's orders are the pay half's payments; tests that do
// not go through WeChat Pay record one with AddPaidTransaction).
//
// WeChat Pay API v3 served (pay_*.go; errors are HTTP 4xx/5xx with {"code","message"}, as on
// WeChat Pay). Every request must carry a valid WECHATPAY2-SHA256-RSA2048 Authorization of a
// configured merchant (else 401 SIGN_ERROR); every answer, errors included, is signed with the
// platform key (Wechatpay-Timestamp/Nonce/Signature/Serial, the serial being the public key
// id), except bill files, which WeChat serves unsigned:
//
//	POST /v3/pay/transactions/jsapi                                  JSAPI下单 (prepay)
//	GET  /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=     查询订单 by out_trade_no
//	GET  /v3/pay/transactions/id/{transaction_id}?mchid=             查询订单 by transaction_id
//	POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close      关闭订单 (204)
//	POST /v3/refund/domestic/refunds                                 申请退款
//	GET  /v3/refund/domestic/refunds/{out_refund_no}                 查询单笔退款
//	POST /v3/profitsharing/receivers/add                             添加分账接收方
//	POST /v3/profitsharing/receivers/delete                          删除分账接收方
//	POST /v3/profitsharing/orders                                    请求分账
//	GET  /v3/profitsharing/orders/{out_order_no}?transaction_id=     查询分账结果
//	POST /v3/profitsharing/orders/unfreeze                           解冻剩余资金
//	POST /v3/profitsharing/return-orders                             请求分账回退
//	GET  /v3/profitsharing/return-orders/{out_return_no}?out_order_no= 查询分账回退结果
//	GET  /v3/profitsharing/transactions/{transaction_id}/amounts     查询剩余待分金额
//	GET  /v3/profitsharing/bills?bill_date=[&tar_type=GZIP]          申请分账账单
//	GET  /v3/bill/tradebill?bill_date=&bill_type=[&tar_type=GZIP]    申请交易账单
//	GET  /v3/billdownload/file?token=                                下载账单 (unsigned answer)
//
// Notifications (TRANSACTION.SUCCESS, REFUND.SUCCESS/ABNORMAL/CLOSED, PROFITSHARING.SUCCESS and
// .RETURN for merchant receivers) are POSTed to the notify_url, AEAD_AES_256_GCM under the
// APIv3 key and signed, and retried on WeChat's back-off until the merchant answers 2xx.
//
// Control API of the pay half (errors are HTTP 4xx with {"error"}; "mchid" in a body picks the
// merchant when several use the same order number):
//
//	POST   /sim/v1/pay/transactions                            [{"out_trade_no","total","payer_openid","profit_sharing",
//	                                                           "mchid"?,"appid"?,"description"?}]: seed paid
//	                                                           transactions, no notification → {"transaction_ids"}
//	GET    /sim/v1/pay/transactions/{out_trade_no}             the order as the simulator holds it
//	POST   /sim/v1/pay/transactions/{out_trade_no}/pay         the payer pays → {"transaction_id"}
//	POST   /sim/v1/pay/transactions/{out_trade_no}/fail        {"desc"}: the payment fails (PAYERROR)
//	POST   /sim/v1/pay/request-payment                         wx.requestPayment's parameters {"appId","timeStamp",
//	                                                           "nonceStr","package","signType","paySign"}: the phone
//	                                                           pays the prepay_id's order → {"transaction_id"}
//	POST   /sim/v1/pay/refunds/{out_refund_no}/complete        {"status":"SUCCESS|CLOSED|ABNORMAL"}
//	POST   /sim/v1/pay/profitsharing/orders/{out_order_no}/settle  finish a PROCESSING order now
//	POST   /sim/v1/pay/profitsharing/receiver-results          {"account","fail_reason"} ("" clears)
//	POST   /sim/v1/pay/profitsharing/return-results            {"return_mchid","fail_reason"}
//	POST   /sim/v1/pay/profitsharing/notify-url                {"mchid","url"} 分账动账通知 URL
//	GET    /sim/v1/pay/profitsharing/totals                    {"totals":{account: fen}}: what each receiver got
//	POST   /sim/v1/pay/faults                                  {"operation","code","message","status","count","latency_ms","after_effect"}
//	DELETE /sim/v1/pay/faults                                  drop pending pay faults
//	POST   /sim/v1/pay/notify-faults                           {"kind":"drop|duplicate|reorder|delay","count","delay_ms"}
//	DELETE /sim/v1/pay/notify-faults                           drop them, release held notifications
//	GET    /sim/v1/pay/notifications                           {"deliveries":[...],"pending"}
//	GET    /sim/v1/pay/keys                                    {"mchids","public_key_id","public_key_pem"}
//	GET    /sim/v1/pay/calls                                   {"calls":{operation:count}} of the pay APIs
//	GET    /sim/v1/pay/rate-limits                             {"limits":{operation: per second per merchant},
//	                                                           "limited":{operation:{"count","first","last"}},
//	                                                           "limited_total"}: calls refused 429 FREQUENCY_LIMITED
//	POST   /sim/v1/pay/rate-limits                             {"limits":{operation: n}}: set those (0 removes one)
//	DELETE /sim/v1/pay/rate-limits                             remove every limit
//	DELETE /sim/v1/pay/rate-limits/limited                     forget the refusals → {"cleared"}
//	POST   /sim/v1/clock/advance                               {"seconds"}: move simulated time
//
// PayConfig.RateLimits (WeChat's documented figures unless configured, WeChatPayRateLimits)
// holds each merchant to so many calls of an operation in any second of simulator time,
// answering the excess 429 FREQUENCY_LIMITED (pay_ratelimit.go).
//
// The service reaches the pay half only through the official wechatpay-go SDK, with an
// http.RoundTripper that rewrites WeChat's host to the simulator's (the SDK has no base-URL
// option, and its signatures do not cover the host). Business time (payments, refund and
// profit-sharing delays, the sharing window, bills) is the simulator's clock, which tests move
// with Config.Now or AdvanceClock; signature timestamps and notification back-off are wall-clock
// time, because the SDK checks timestamps against time.Now.
package wxsim
