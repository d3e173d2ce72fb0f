package wxsim

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"
)

// The shipping information management service (小程序发货信息管理服务): after a mini-program
// payment WeChat keeps the funds frozen until the merchant uploads how the goods ship, and the
// user (or time) confirms receipt. Its orders are the pay half's paid transactions, so its state
// lives on each payTxn, under the pay lock, and PayConfig.DataDir keeps it with the rest. An
// order belongs to the mini-program it was paid in: another app's token does not find it.
//
// WeChat's rules the simulator plays, from the API reference (发货信息录入, 查询订单发货状态,
// 确认收货提醒, 特殊发货报备):
//   - only paid transactions exist here (an unpaid or unknown one is 10060001);
//   - an upload while the order waits for shipping (order_state 1) records it; a unified
//     delivery, or a split one with is_all_delivered, completes the shipping (order_state 2);
//   - an upload while the order is shipped is a re-shipment (重新发货), allowed once
//     (10060003 after that); an upload identical to what is held is 10060023 (发货信息未更新)
//     and changes nothing;
//   - after the user confirmed receipt no upload is taken (10060002), nor after a full refund
//     (10060004). WeChat does not say which of its codes goes with which state; this is the
//     simulator's reading of their descriptions;
//   - notify_confirm_receive only reminds the user to confirm (确认收货提醒): once per order
//     (10060030), only for a shipped order (10060028) that went by express (10060032), with a
//     received_time not before the shipping nor in the future (10060029). It does not confirm:
//     the user does, in WeChat or in the mini-program's confirmation component
//     (wx.openBusinessView weappOrderConfirm), which ConfirmReceipt plays;
//   - opspecialorder declares an order that has not shipped as presale (type 1, delay_to 15 to
//     330 days after payment) or as a test order (type 2).

// Order states of get_order (order_state).
const (
	ShippingStatePending    = 1 // 待发货
	ShippingStateShipped    = 2 // 已发货
	ShippingStateReceived   = 3 // 确认收货
	ShippingStateCompleted  = 4 // 交易完成 (the simulator does not reach it)
	ShippingStateRefunded   = 5 // 已退款
	ShippingStateSettlement = 6 // 资金待结算 (the simulator does not reach it)
)

// Enumerations of upload_shipping_info.
const (
	LogisticsExpress    = 1 // 实体物流配送 (快递)
	LogisticsSameCity   = 2 // 同城配送
	LogisticsVirtual    = 3 // 虚拟商品
	LogisticsSelfPickup = 4 // 用户自提

	DeliveryUnified = 1 // UNIFIED_DELIVERY 统一发货
	DeliverySplit   = 2 // SPLIT_DELIVERY 分拆发货

	orderNumberByOutTradeNo    = 1
	orderNumberByTransactionID = 2
)

// WeChat's limits on the shipping fields.
const (
	maxShippingPackages   = 15
	maxItemDescRunes      = 120
	maxTrackingNoBytes    = 128
	maxExpressCompanyLen  = 128
	maxContactBytes       = 1024
	maxShippingOpenIDLen  = 128
	presaleMinDelay       = 15 * 24 * time.Hour
	presaleMaxDelay       = 330 * 24 * time.Hour
	specialOrderPresale   = 1
	specialOrderTest      = 2
	expressCompanySFCode  = "SF" // 顺丰: WeChat then requires a contact
	getOrderDescMaxRunes  = 120
	getOrderDescTruncated = "..."
)

// Errors of the shipping Go and control APIs, for errors.Is.
var (
	// ErrNotShipped reports a confirmation of receipt for an order that is not shipped
	// (order_state 2): not yet, already confirmed, or refunded.
	ErrNotShipped = errors.New("wxsim: the order is not in the shipped state (已发货)")
	// ErrShippingKeyRequired reports a control request that names no order.
	ErrShippingKeyRequired = errors.New("wxsim: transaction_id, or out_trade_no (with mchid when several merchants use it), is required")
)

// txnShipping is what the shipping service holds about one paid transaction. Fields are
// exported for the JSON snapshot only.
type txnShipping struct {
	LogisticsType int               `json:"logistics_type,omitempty"`
	DeliveryMode  int               `json:"delivery_mode,omitempty"`
	AllDelivered  bool              `json:"all_delivered,omitempty"`
	Packages      []ShippingPackage `json:"packages,omitempty"`
	// UploadTime is the upload_time of the upload the packages came with.
	UploadTime time.Time `json:"upload_time"`
	// FinishCount is finish_shipping_count: 1 once shipped, 2 once re-shipped.
	FinishCount int  `json:"finish_count,omitempty"`
	Reshipped   bool `json:"reshipped,omitempty"`
	// ShippedAt is when (simulated time) the shipping was first completed.
	ShippedAt   time.Time `json:"shipped_at"`
	Uploads     int       `json:"uploads,omitempty"`
	UploadCalls int       `json:"upload_calls,omitempty"`

	ReceivedTime time.Time `json:"received_time"`
	RemindedAt   time.Time `json:"reminded_at"`
	ConfirmedAt  time.Time `json:"confirmed_at"`

	PresaleDelayTo time.Time `json:"presale_delay_to"`
	TestOrder      bool      `json:"test_order,omitempty"`
}

// ShippingPackage is one parcel (物流单) of an upload, as the merchant gave it.
type ShippingPackage struct {
	TrackingNo       string `json:"tracking_no,omitempty"`
	ExpressCompany   string `json:"express_company,omitempty"`
	ItemDesc         string `json:"item_desc"`
	ConsignorContact string `json:"consignor_contact,omitempty"`
	ReceiverContact  string `json:"receiver_contact,omitempty"`
}

// ShippingRecord is a paid transaction as the shipping service holds it, for tests.
type ShippingRecord struct {
	AppID         string `json:"appid"`
	MchID         string `json:"mchid"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	PayerOpenID   string `json:"payer_openid"`
	// OrderState is get_order's order_state (ShippingState...).
	OrderState          int               `json:"order_state"`
	LogisticsType       int               `json:"logistics_type"`
	DeliveryMode        int               `json:"delivery_mode"`
	FinishShipping      bool              `json:"finish_shipping"`
	FinishShippingCount int               `json:"finish_shipping_count"`
	Packages            []ShippingPackage `json:"shipping_list"`
	// UploadTime is the upload_time the accepted upload carried; zero before any.
	UploadTime time.Time `json:"upload_time"`
	// ShippedAt is when (simulated time) the shipping was first completed.
	ShippedAt time.Time `json:"shipped_at"`
	// Uploads counts the accepted uploads; UploadCalls every upload_shipping_info call that
	// got as far as finding this order, refused ones included.
	Uploads     int `json:"uploads"`
	UploadCalls int `json:"upload_calls"`
	// ReceivedTime is the received_time of the notify_confirm_receive reminder, RemindedAt when
	// it was sent; both zero before one.
	ReceivedTime time.Time `json:"received_time"`
	RemindedAt   time.Time `json:"reminded_at"`
	// ConfirmedAt is when the user confirmed receipt (ConfirmReceipt).
	ConfirmedAt time.Time `json:"confirmed_at"`
	// PresalePromisedDate is the delay_to of the order's presale declaration (opspecialorder
	// type 1); zero when it has none. TestOrder is a type 2 declaration.
	PresalePromisedDate time.Time `json:"presale_promised_date"`
	TestOrder           bool      `json:"test_order"`
}

func (s *Simulator) shippingRoutes() {
	s.handleWeChat("/wxa/sec/order/upload_shipping_info", OpUploadShippingInfo, http.MethodPost, s.uploadShippingInfo)
	s.handleWeChat("/wxa/sec/order/get_order", OpGetShippingOrder, http.MethodPost, s.getShippingOrder)
	s.handleWeChat("/wxa/sec/order/notify_confirm_receive", OpNotifyConfirmReceive, http.MethodPost, s.notifyConfirmReceive)
	s.handleWeChat("/wxa/sec/order/opspecialorder", OpSpecialOrder, http.MethodPost, s.opSpecialOrder)
	s.mux.Handle("/sim/v1/shipping", methods{http.MethodGet: s.getShippingControl})
	s.mux.Handle("/sim/v1/shipping/confirm-receipt", methods{http.MethodPost: s.postConfirmReceipt})
}

// ShippingState reads the shipping state of the paid transaction transactionID. It is false
// for an unknown or unpaid transaction.
func (s *Simulator) ShippingState(transactionID string) (ShippingRecord, bool) {
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settleDueLocked(p.now())
	t, ok := p.txnByID[transactionID]
	if !ok || !t.paid() {
		return ShippingRecord{}, false
	}
	return p.shippingRecordOf(t), true
}

// ConfirmReceipt plays the user confirming receipt of a shipped order, in WeChat or in the
// mini-program's confirmation component: the order moves to 确认收货 (3). An order that is not
// shipped is refused with ErrNotShipped.
func (s *Simulator) ConfirmReceipt(transactionID string) error {
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.settleDueLocked(now)
	t, ok := p.txnByID[transactionID]
	if !ok || !t.paid() {
		return fmt.Errorf("%w: %s", ErrPayOrderNotFound, transactionID)
	}
	if p.shippingState(t) != ShippingStateShipped {
		return fmt.Errorf("%w: %s", ErrNotShipped, transactionID)
	}
	t.Shipping.ConfirmedAt = now
	p.changed()
	return nil
}

func (p *payState) shippingRecordOf(t *payTxn) ShippingRecord {
	r := ShippingRecord{
		AppID: t.AppID, MchID: t.MchID, OutTradeNo: t.OutTradeNo, TransactionID: t.TransactionID,
		PayerOpenID: t.PayerOpenID, OrderState: p.shippingState(t), Packages: []ShippingPackage{},
	}
	if sh := t.Shipping; sh != nil {
		r.LogisticsType, r.DeliveryMode = sh.LogisticsType, sh.DeliveryMode
		r.FinishShipping, r.FinishShippingCount = sh.AllDelivered, sh.FinishCount
		r.Packages = append(r.Packages, sh.Packages...)
		r.UploadTime, r.ShippedAt, r.Uploads, r.UploadCalls = sh.UploadTime, sh.ShippedAt, sh.Uploads, sh.UploadCalls
		r.ReceivedTime, r.RemindedAt, r.ConfirmedAt = sh.ReceivedTime, sh.RemindedAt, sh.ConfirmedAt
		r.PresalePromisedDate, r.TestOrder = sh.PresaleDelayTo, sh.TestOrder
	}
	return r
}

// shippingState is the order_state of a paid transaction. The caller holds p.mu.
func (p *payState) shippingState(t *payTxn) int {
	sh := t.Shipping
	switch {
	case p.refundedInFull(t):
		return ShippingStateRefunded
	case sh != nil && !sh.ConfirmedAt.IsZero():
		return ShippingStateReceived
	case sh != nil && sh.AllDelivered:
		return ShippingStateShipped
	}
	return ShippingStatePending
}

// refundedInFull reports whether t's succeeded refunds add up to what was paid. The caller
// holds p.mu.
func (p *payState) refundedInFull(t *payTxn) bool {
	var refunded int64
	for _, r := range p.refunds {
		if r.TransactionID == t.TransactionID && r.Status == RefundSuccess {
			refunded += r.Refund
		}
	}
	return refunded >= t.Total
}

// shippingOrder finds the paid transaction of app the shipping APIs name, by transaction_id,
// or else by merchant and out_trade_no; nil when there is none. The caller holds p.mu.
func (p *payState) shippingOrder(appid, transactionID, mchid, outTradeNo string) *payTxn {
	var t *payTxn
	if transactionID != "" {
		t = p.txnByID[transactionID]
	} else {
		t = p.txns[key(mchid, outTradeNo)]
	}
	if t == nil || !t.paid() || t.AppID != appid {
		return nil
	}
	if t.Shipping == nil {
		t.Shipping = &txnShipping{}
	}
	return t
}

// shippingOrderKey is order_key of upload_shipping_info.
type shippingOrderKey struct {
	OrderNumberType int    `json:"order_number_type"`
	TransactionID   string `json:"transaction_id"`
	MchID           string `json:"mchid"`
	OutTradeNo      string `json:"out_trade_no"`
}

type shippingContact struct {
	ConsignorContact string `json:"consignor_contact"`
	ReceiverContact  string `json:"receiver_contact"`
}

type shippingItem struct {
	TrackingNo     string           `json:"tracking_no"`
	ExpressCompany string           `json:"express_company"`
	ItemDesc       string           `json:"item_desc"`
	Contact        *shippingContact `json:"contact"`
}

type uploadShippingRequest struct {
	OrderKey       shippingOrderKey `json:"order_key"`
	LogisticsType  int              `json:"logistics_type"`
	DeliveryMode   int              `json:"delivery_mode"`
	IsAllDelivered *bool            `json:"is_all_delivered"`
	ShippingList   []shippingItem   `json:"shipping_list"`
	UploadTime     string           `json:"upload_time"`
	Payer          struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
}

// okResponse is the body of the APIs that answer nothing but success.
type okResponse struct {
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
}

var ok200 = okResponse{Errmsg: "ok"}

// uploadShippingInfo is POST /wxa/sec/order/upload_shipping_info (发货信息录入). The request
// is checked first (the token, the body, the order key, the modes, the parcels, the time, the
// payer), then the order (10060001, 10060031) and last its state.
func (s *Simulator) uploadShippingInfo(r *http.Request) (any, *wxError) {
	appid, ok := s.tokens.check(r.URL.Query().Get("access_token"), s.now())
	if !ok {
		return nil, newWXError(ErrcodeInvalidToken)
	}
	var req uploadShippingRequest
	if e := decodeWXBody(r, &req); e != nil {
		return nil, e
	}
	uploadTime, e := checkUploadRequest(&req)
	if e != nil {
		return nil, e
	}
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settleDueLocked(p.now())
	k := req.OrderKey
	t := p.shippingOrder(appid, k.TransactionID, k.MchID, k.OutTradeNo)
	if t == nil {
		return nil, newWXError(ErrcodeShippingOrderNotFound)
	}
	defer p.changed()
	t.Shipping.UploadCalls++
	if t.PayerOpenID != req.Payer.OpenID {
		return nil, newWXError(ErrcodePayerMismatch)
	}
	if e := p.recordUpload(t, &req, uploadTime); e != nil {
		return nil, e
	}
	return ok200, nil
}

// recordUpload applies an upload to t according to its state. The caller holds p.mu.
func (p *payState) recordUpload(t *payTxn, req *uploadShippingRequest, uploadTime time.Time) *wxError {
	sh := t.Shipping
	allDelivered := req.DeliveryMode == DeliveryUnified || *req.IsAllDelivered
	packages := make([]ShippingPackage, 0, len(req.ShippingList))
	for _, it := range req.ShippingList {
		pkg := ShippingPackage{TrackingNo: it.TrackingNo, ExpressCompany: it.ExpressCompany, ItemDesc: it.ItemDesc}
		if it.Contact != nil {
			pkg.ConsignorContact, pkg.ReceiverContact = it.Contact.ConsignorContact, it.Contact.ReceiverContact
		}
		packages = append(packages, pkg)
	}
	state := p.shippingState(t)
	unchanged := sh.Uploads > 0 && sh.LogisticsType == req.LogisticsType && sh.DeliveryMode == req.DeliveryMode &&
		sh.AllDelivered == allDelivered && slices.Equal(sh.Packages, packages)
	switch {
	case state == ShippingStateRefunded:
		return newWXError(ErrcodeNotShippable)
	case state == ShippingStateReceived:
		return newWXError(ErrcodeShippingFinished)
	case unchanged:
		return newWXError(ErrcodeShippingUnchanged)
	case state == ShippingStateShipped && sh.Reshipped:
		return newWXError(ErrcodeReshipUsed)
	case state == ShippingStateShipped && !allDelivered:
		// A re-shipment is the whole shipping again; it cannot take the order back to 待发货.
		return shippingError(ErrcodeShippingParam, "re-shipment must be all delivered")
	}
	now := p.now()
	if state == ShippingStateShipped {
		sh.Reshipped = true
		sh.FinishCount = 2
	} else if allDelivered {
		sh.FinishCount = 1
		sh.ShippedAt = now
	}
	sh.LogisticsType, sh.DeliveryMode, sh.AllDelivered = req.LogisticsType, req.DeliveryMode, allDelivered
	sh.Packages, sh.UploadTime = packages, uploadTime
	sh.Uploads++
	return nil
}

// checkUploadRequest checks an upload's content in the order WeChat's codes suggest, and
// returns its upload_time.
func checkUploadRequest(req *uploadShippingRequest) (time.Time, *wxError) {
	if e := checkOrderKey(&req.OrderKey); e != nil {
		return time.Time{}, e
	}
	switch {
	case req.LogisticsType < LogisticsExpress || req.LogisticsType > LogisticsSelfPickup:
		return time.Time{}, newWXError(ErrcodeLogisticsType)
	case req.DeliveryMode != DeliveryUnified && req.DeliveryMode != DeliverySplit:
		return time.Time{}, newWXError(ErrcodeDeliveryMode)
	case req.DeliveryMode == DeliverySplit && req.LogisticsType != LogisticsExpress:
		return time.Time{}, newWXError(ErrcodeSplitNotExpress)
	case req.DeliveryMode == DeliverySplit && req.IsAllDelivered == nil:
		return time.Time{}, newWXError(ErrcodeAllDeliveredMissing)
	case len(req.ShippingList) == 0:
		return time.Time{}, shippingError(ErrcodeShippingParam, "shipping_list is empty")
	case len(req.ShippingList) > maxShippingPackages:
		return time.Time{}, newWXError(ErrcodeShippingListTooLong)
	case req.DeliveryMode == DeliveryUnified && len(req.ShippingList) != 1:
		return time.Time{}, newWXError(ErrcodeUnifiedNeedsOnePackage)
	}
	for i := range req.ShippingList {
		if e := checkShippingItem(&req.ShippingList[i], req.LogisticsType == LogisticsExpress); e != nil {
			return time.Time{}, e
		}
	}
	uploadTime, err := time.Parse(time.RFC3339, req.UploadTime)
	if err != nil {
		return time.Time{}, newWXError(ErrcodeUploadTime)
	}
	if id := req.Payer.OpenID; id == "" || len(id) > maxShippingOpenIDLen {
		return time.Time{}, shippingError(ErrcodeShippingParam, "payer.openid is invalid")
	}
	return uploadTime, nil
}

func checkOrderKey(k *shippingOrderKey) *wxError {
	switch k.OrderNumberType {
	case orderNumberByTransactionID:
		if k.TransactionID == "" {
			return newWXError(ErrcodeTransactionIDMissing)
		}
		// The merchant fields are ignored in this form, as on WeChat.
		k.MchID, k.OutTradeNo = "", ""
	case orderNumberByOutTradeNo:
		if k.MchID == "" {
			return newWXError(ErrcodeMchIDMissing)
		}
		if k.OutTradeNo == "" {
			return newWXError(ErrcodeOutTradeNoMissing)
		}
		k.TransactionID = ""
	default:
		return newWXError(ErrcodeOrderNumberType)
	}
	return nil
}

func checkShippingItem(it *shippingItem, express bool) *wxError {
	switch n := utf8.RuneCountInString(it.ItemDesc); {
	case n == 0:
		return newWXError(ErrcodeItemDescEmpty)
	case n > maxItemDescRunes:
		return newWXError(ErrcodeItemDescTooLong)
	}
	if express {
		switch {
		case it.TrackingNo == "":
			return newWXError(ErrcodeTrackingNoMissing)
		case it.ExpressCompany == "":
			return newWXError(ErrcodeExpressCompanyMissing)
		}
	}
	switch {
	case len(it.TrackingNo) > maxTrackingNoBytes:
		return newWXError(ErrcodeTrackingNoTooLong)
	case len(it.ExpressCompany) > maxExpressCompanyLen:
		return newWXError(ErrcodeExpressCompanyTooLong)
	}
	c := it.Contact
	if c != nil && (len(c.ConsignorContact) > maxContactBytes || len(c.ReceiverContact) > maxContactBytes) {
		return shippingError(ErrcodeShippingParam, "contact is too long")
	}
	if express && it.ExpressCompany == expressCompanySFCode && (c == nil || c.ConsignorContact == "" && c.ReceiverContact == "") {
		return shippingError(ErrcodeShippingParam, "contact is required for SF")
	}
	return nil
}

// merchantOrderKey is how get_order and notify_confirm_receive name an order.
type merchantOrderKey struct {
	TransactionID   string `json:"transaction_id"`
	MerchantID      string `json:"merchant_id"`
	SubMerchantID   string `json:"sub_merchant_id"`
	MerchantTradeNo string `json:"merchant_trade_no"`
}

// valid reports whether the key names an order in one of its two forms.
func (k *merchantOrderKey) valid() bool {
	return k.TransactionID != "" || k.MerchantID != "" && k.MerchantTradeNo != ""
}

type getOrderResponse struct {
	Errcode int               `json:"errcode"`
	Errmsg  string            `json:"errmsg"`
	Order   shippingOrderJSON `json:"order"`
}

type shippingOrderJSON struct {
	TransactionID   string       `json:"transaction_id"`
	MerchantID      string       `json:"merchant_id"`
	MerchantTradeNo string       `json:"merchant_trade_no"`
	Description     string       `json:"description"`
	PaidAmount      int64        `json:"paid_amount"`
	OpenID          string       `json:"openid"`
	TradeCreateTime int64        `json:"trade_create_time"`
	PayTime         int64        `json:"pay_time"`
	OrderState      int          `json:"order_state"`
	InComplaint     bool         `json:"in_complaint"`
	Shipping        shippingJSON `json:"shipping"`
}

type shippingJSON struct {
	DeliveryMode        int           `json:"delivery_mode"`
	LogisticsType       int           `json:"logistics_type"`
	FinishShipping      bool          `json:"finish_shipping"`
	GoodsDesc           string        `json:"goods_desc"`
	FinishShippingCount int           `json:"finish_shipping_count"`
	ShippingList        []shippedJSON `json:"shipping_list"`
}

type shippedJSON struct {
	TrackingNo     string          `json:"tracking_no"`
	ExpressCompany string          `json:"express_company"`
	GoodsDesc      string          `json:"goods_desc"`
	UploadTime     int64           `json:"upload_time"`
	Contact        shippingContact `json:"contact"`
}

// getShippingOrder is POST /wxa/sec/order/get_order (查询订单发货状态). A body naming no
// order (as one with mchid/out_trade_no instead of merchant_id/merchant_trade_no) is 47001.
func (s *Simulator) getShippingOrder(r *http.Request) (any, *wxError) {
	appid, ok := s.tokens.check(r.URL.Query().Get("access_token"), s.now())
	if !ok {
		return nil, newWXError(ErrcodeInvalidToken)
	}
	var req merchantOrderKey
	if e := decodeWXBody(r, &req); e != nil {
		return nil, e
	}
	if !req.valid() {
		return nil, newWXError(ErrcodeDataFormat)
	}
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settleDueLocked(p.now())
	t := p.shippingOrder(appid, req.TransactionID, req.MerchantID, req.MerchantTradeNo)
	if t == nil {
		return nil, newWXError(ErrcodeShippingOrderNotFound)
	}
	return getOrderResponse{Errmsg: "ok", Order: p.shippingOrderJSONOf(t)}, nil
}

func (p *payState) shippingOrderJSONOf(t *payTxn) shippingOrderJSON {
	sh := t.Shipping
	out := shippingOrderJSON{
		TransactionID: t.TransactionID, MerchantID: t.MchID, MerchantTradeNo: t.OutTradeNo,
		Description: orderDescription(t.Description), PaidAmount: t.Total, OpenID: t.PayerOpenID,
		TradeCreateTime: t.CreateTime.Unix(), PayTime: t.SuccessTime.Unix(), OrderState: p.shippingState(t),
		Shipping: shippingJSON{
			DeliveryMode: sh.DeliveryMode, LogisticsType: sh.LogisticsType, FinishShipping: sh.AllDelivered,
			FinishShippingCount: sh.FinishCount, ShippingList: make([]shippedJSON, 0, len(sh.Packages)),
		},
	}
	for _, pkg := range sh.Packages {
		out.Shipping.ShippingList = append(out.Shipping.ShippingList, shippedJSON{
			TrackingNo: pkg.TrackingNo, ExpressCompany: pkg.ExpressCompany, GoodsDesc: pkg.ItemDesc,
			UploadTime: sh.UploadTime.Unix(),
			Contact:    shippingContact{ConsignorContact: pkg.ConsignorContact, ReceiverContact: pkg.ReceiverContact},
		})
	}
	return out
}

// orderDescription is get_order's description: cut to 120 characters, ending "...", when
// longer.
func orderDescription(desc string) string {
	if utf8.RuneCountInString(desc) <= getOrderDescMaxRunes {
		return desc
	}
	runes := []rune(desc)
	return string(runes[:getOrderDescMaxRunes-utf8.RuneCountInString(getOrderDescTruncated)]) + getOrderDescTruncated
}

type notifyConfirmReceiveRequest struct {
	merchantOrderKey
	ReceivedTime int64 `json:"received_time"`
}

// notifyConfirmReceive is POST /wxa/sec/order/notify_confirm_receive (确认收货提醒). It
// records the reminder; the order stays 已发货 until the user confirms (ConfirmReceipt).
func (s *Simulator) notifyConfirmReceive(r *http.Request) (any, *wxError) {
	appid, ok := s.tokens.check(r.URL.Query().Get("access_token"), s.now())
	if !ok {
		return nil, newWXError(ErrcodeInvalidToken)
	}
	var req notifyConfirmReceiveRequest
	if e := decodeWXBody(r, &req); e != nil {
		return nil, e
	}
	if !req.valid() {
		return nil, newWXError(ErrcodeDataFormat)
	}
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.settleDueLocked(now)
	t := p.shippingOrder(appid, req.TransactionID, req.MerchantID, req.MerchantTradeNo)
	if t == nil {
		return nil, newWXError(ErrcodeShippingOrderNotFound)
	}
	sh := t.Shipping
	received := time.Unix(req.ReceivedTime, 0)
	switch {
	case p.shippingState(t) != ShippingStateShipped:
		return nil, newWXError(ErrcodeNotShipped)
	case sh.LogisticsType != LogisticsExpress:
		return nil, newWXError(ErrcodeReminderNotExpress)
	case !sh.RemindedAt.IsZero():
		return nil, newWXError(ErrcodeReminderUsed)
	case req.ReceivedTime <= 0 || received.Before(sh.ShippedAt.Truncate(time.Second)) || received.After(now):
		return nil, newWXError(ErrcodeReceivedTime)
	}
	sh.ReceivedTime, sh.RemindedAt = received, now
	p.changed()
	return ok200, nil
}

type specialOrderRequest struct {
	OrderID string `json:"order_id"`
	Type    int    `json:"type"`
	DelayTo int64  `json:"delay_to"`
}

// opSpecialOrder is POST /wxa/sec/order/opspecialorder (特殊发货报备): an order that waits for
// shipping is declared presale (type 1, shipping by delay_to, 15 to 330 days after payment) or
// a test order (type 2). order_id is the transaction_id or the out_trade_no. Declaring again
// replaces the declaration.
func (s *Simulator) opSpecialOrder(r *http.Request) (any, *wxError) {
	appid, ok := s.tokens.check(r.URL.Query().Get("access_token"), s.now())
	if !ok {
		return nil, newWXError(ErrcodeInvalidToken)
	}
	var req specialOrderRequest
	if e := decodeWXBody(r, &req); e != nil {
		return nil, e
	}
	if req.Type != specialOrderPresale && req.Type != specialOrderTest {
		return nil, newWXError(ErrcodeSpecialOrderType)
	}
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.settleDueLocked(now)
	t := p.specialOrderTxn(appid, req.OrderID)
	if t == nil || p.shippingState(t) != ShippingStatePending {
		return nil, newWXError(ErrcodeSpecialOrderNotFound)
	}
	sh := t.Shipping
	if req.Type == specialOrderTest {
		sh.TestOrder = true
		p.changed()
		return ok200, nil
	}
	delayTo := time.Unix(req.DelayTo, 0)
	if req.DelayTo <= 0 || delayTo.Before(t.SuccessTime.Add(presaleMinDelay)) ||
		delayTo.After(t.SuccessTime.Add(presaleMaxDelay)) || !delayTo.After(now) {
		return nil, newWXError(ErrcodeSpecialOrderDelayTo)
	}
	sh.PresaleDelayTo = delayTo
	p.changed()
	return ok200, nil
}

// specialOrderTxn finds app's paid transaction by transaction_id, or else by out_trade_no
// with any merchant (nil when several merchants of the app use the number). The caller holds
// p.mu.
func (p *payState) specialOrderTxn(appid, orderID string) *payTxn {
	if orderID == "" {
		return nil
	}
	if t := p.shippingOrder(appid, orderID, "", ""); t != nil {
		return t
	}
	var found *payTxn
	for _, t := range p.txns {
		if t.OutTradeNo != orderID || t.AppID != appid || !t.paid() {
			continue
		}
		if found != nil {
			return nil
		}
		found = t
	}
	if found == nil {
		return nil
	}
	return p.shippingOrder(appid, found.TransactionID, "", "")
}

// controlShippingTxn finds a paid transaction for the control API by transaction_id, or by
// out_trade_no (and mchid). The caller holds p.mu.
func (p *payState) controlShippingTxn(transactionID, mchid, outTradeNo string) (*payTxn, error) {
	var t *payTxn
	switch {
	case transactionID != "":
		t = p.txnByID[transactionID]
	case outTradeNo != "":
		found, err := p.findTxn(mchid, outTradeNo)
		if err != nil {
			return nil, err
		}
		t = found
	default:
		return nil, ErrShippingKeyRequired
	}
	if t == nil || !t.paid() {
		return nil, fmt.Errorf("%w: no paid transaction %s%s", ErrPayOrderNotFound, transactionID, outTradeNo)
	}
	return t, nil
}

// getShippingControl is GET /sim/v1/shipping?transaction_id= (or ?out_trade_no=[&mchid=]):
// the order as the shipping service holds it.
func (s *Simulator) getShippingControl(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := s.pay
	p.mu.Lock()
	p.settleDueLocked(p.now())
	t, err := p.controlShippingTxn(q.Get("transaction_id"), q.Get("mchid"), q.Get("out_trade_no"))
	var rec ShippingRecord
	if err == nil {
		rec = p.shippingRecordOf(t)
	}
	p.mu.Unlock()
	if err != nil {
		writeControlError(w, shippingControlStatus(err), err)
		return
	}
	writeControl(w, http.StatusOK, rec)
}

type confirmReceiptBody struct {
	TransactionID string `json:"transaction_id"`
}

// postConfirmReceipt is POST /sim/v1/shipping/confirm-receipt {"transaction_id"}: the user
// confirms receipt.
func (s *Simulator) postConfirmReceipt(w http.ResponseWriter, r *http.Request) {
	var req confirmReceiptBody
	if !decodeControl(w, r, &req) {
		return
	}
	if req.TransactionID == "" {
		writeControlError(w, http.StatusBadRequest, ErrShippingKeyRequired)
		return
	}
	if err := s.ConfirmReceipt(req.TransactionID); err != nil {
		writeControlError(w, shippingControlStatus(err), err)
		return
	}
	rec, _ := s.ShippingState(req.TransactionID)
	writeControl(w, http.StatusOK, rec)
}

func shippingControlStatus(err error) int {
	if errors.Is(err, ErrShippingKeyRequired) {
		return http.StatusBadRequest
	}
	return controlStatus(err)
}
