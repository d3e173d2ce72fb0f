package wxsim

// WeChat's error codes of the shipping information management APIs (发货信息管理服务:
// upload_shipping_info, get_order, notify_confirm_receive, opspecialorder), as the mini-program
// server API reference lists them (api_uploadshippinginfo, api_getorder,
// api_notifyconfirmreceive, api_opspecialorder). Every one is WeChat's own code.
const (
	ErrcodeShippingOrderNotFound    = 10060001 // 支付单不存在
	ErrcodeShippingFinished         = 10060002 // 支付单已完成发货，无法继续发货
	ErrcodeReshipUsed               = 10060003 // 支付单已使用重新发货机会
	ErrcodeNotShippable             = 10060004 // 支付单处于不可发货的状态
	ErrcodeLogisticsType            = 10060005 // 物流类型有误
	ErrcodeSplitNotExpress          = 10060006 // 非快递发货时不允许分拆发货
	ErrcodeAllDeliveredMissing      = 10060007 // 分拆发货模式下必须填写 is_all_delivered 字段
	ErrcodeItemDescEmpty            = 10060008 // 商品描述 item_desc 字段不能为空
	ErrcodeItemDescTooLong          = 10060009 // 商品描述 item_desc 字段太长
	ErrcodeShippingSystemError      = 10060012 // 系统错误
	ErrcodeShippingParam            = 10060014 // 参数错误
	ErrcodeShippingSystemBusy       = 10060019 // 系统错误
	ErrcodeShippingUnchanged        = 10060023 // 发货信息未更新
	ErrcodeShippingListTooLong      = 10060024 // 物流信息列表太长
	ErrcodeExpressCompanyTooLong    = 10060025 // 物流公司编码太长
	ErrcodeTrackingNoTooLong        = 10060026 // 物流单号太长
	ErrcodeNotShipped               = 10060028 // 支付单不是已发货状态
	ErrcodeReceivedTime             = 10060029 // 签收时间非法
	ErrcodeReminderUsed             = 10060030 // 支付单已使用提醒收货机会
	ErrcodePayerMismatch            = 10060031 // 该笔支付单不属于 openid 所指定的用户
	ErrcodeReminderNotExpress       = 10060032 // 只有物流快递发货时允许提醒用户确认收货
	ErrcodeOrderNumberType          = 268485194
	ErrcodeTransactionIDMissing     = 268485195
	ErrcodeMchIDMissing             = 268485196
	ErrcodeOutTradeNoMissing        = 268485197
	ErrcodeUploadTime               = 268485216
	ErrcodeDeliveryMode             = 268485224
	ErrcodeTrackingNoMissing        = 268485226
	ErrcodeExpressCompanyMissing    = 268485227
	ErrcodeUnifiedNeedsOnePackage   = 268485228
	ErrcodeSpecialOrderType         = 268546000 // type非法
	ErrcodeSpecialOrderDelayTo      = 268546001 // delay_to非法
	ErrcodeSpecialOrderNotFound     = 268546002 // 账户不存在这个待发货单号
	ErrcodeShippingFrequencyLimited = 44990     // 达到频控上限
)

// shippingErrmsgs are WeChat's messages for the codes above: the first sentence of each code's
// description in the reference.
var shippingErrmsgs = map[int]string{
	ErrcodeShippingOrderNotFound:    "支付单不存在",
	ErrcodeShippingFinished:         "支付单已完成发货，无法继续发货",
	ErrcodeReshipUsed:               "支付单已使用重新发货机会",
	ErrcodeNotShippable:             "支付单处于不可发货的状态",
	ErrcodeLogisticsType:            "物流类型有误",
	ErrcodeSplitNotExpress:          "非快递发货时不允许分拆发货",
	ErrcodeAllDeliveredMissing:      "分拆发货模式下必须填写 is_all_delivered 字段",
	ErrcodeItemDescEmpty:            "商品描述 item_desc 字段不能为空",
	ErrcodeItemDescTooLong:          "商品描述 item_desc 字段太长",
	ErrcodeShippingSystemError:      "系统错误",
	ErrcodeShippingParam:            "参数错误",
	ErrcodeShippingSystemBusy:       "系统错误",
	ErrcodeShippingUnchanged:        "发货信息未更新",
	ErrcodeShippingListTooLong:      "物流信息列表太长",
	ErrcodeExpressCompanyTooLong:    "物流公司编码太长",
	ErrcodeTrackingNoTooLong:        "物流单号太长",
	ErrcodeNotShipped:               "支付单不是已发货状态",
	ErrcodeReceivedTime:             "签收时间非法",
	ErrcodeReminderUsed:             "支付单已使用提醒收货机会",
	ErrcodePayerMismatch:            "该笔支付单不属于 openid 所指定的用户",
	ErrcodeReminderNotExpress:       "只有物流快递发货时允许提醒用户确认收货",
	ErrcodeOrderNumberType:          "订单单号类型非法",
	ErrcodeTransactionIDMissing:     "微信支付单号形式下 transaction_id 字段不能为空",
	ErrcodeMchIDMissing:             "商户侧单号形式下 mchid 字段不能为空",
	ErrcodeOutTradeNoMissing:        "商户侧单号形式下 out_trade_no 字段不能为空",
	ErrcodeUploadTime:               "上传时间非法，请按照 RFC 3339 格式填写",
	ErrcodeDeliveryMode:             "发货模式非法",
	ErrcodeTrackingNoMissing:        "物流单号不能为空",
	ErrcodeExpressCompanyMissing:    "物流公司编码不能为空",
	ErrcodeUnifiedNeedsOnePackage:   "统一发货模式下，物流信息列表长度必须为 1",
	ErrcodeSpecialOrderType:         "type非法",
	ErrcodeSpecialOrderDelayTo:      "delay_to非法",
	ErrcodeSpecialOrderNotFound:     "账户不存在这个待发货单号",
	ErrcodeShippingFrequencyLimited: "达到频控上限",
}

// shippingError is WeChat's error for code with a detail, as WeChat adds one to some messages.
func shippingError(code int, detail string) *wxError {
	e := newWXError(code)
	if detail != "" {
		e.Errmsg += ", " + detail
	}
	return e
}
