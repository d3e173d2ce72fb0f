package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

// The shipping information management service (小程序发货信息管理服务): WeChat keeps a
// mini-program payment's funds frozen until the merchant uploads how the goods ship, and
// settles them once the user confirms receipt (or time does).

// WeChat's error codes of the shipping APIs (upload_shipping_info, get_order,
// notify_confirm_receive, opspecialorder). Source: the mini-program server API reference,
// order_shipping (api_uploadshippinginfo, api_getorder, api_notifyconfirmreceive,
// api_opspecialorder); every one is WeChat's own documented code.
const (
	errShippingOrderNotFound = 10060001 // 支付单不存在
	errShippingFinished      = 10060002 // 支付单已完成发货，无法继续发货
	errReshipUsed            = 10060003 // 支付单已使用重新发货机会 (one re-shipment only)
	errNotShippable          = 10060004 // 支付单处于不可发货的状态 (refunded, closed)
	errShippingSystemError   = 10060012 // 系统错误
	errShippingSystemBusy    = 10060019 // 系统错误
	errShippingUnchanged     = 10060023 // 发货信息未更新: WeChat already holds exactly this
	errNotShipped            = 10060028 // 支付单不是已发货状态
	errReminderUsed          = 10060030 // 支付单已使用提醒收货机会
	errSpecialOrderNotFound  = 268546002
	errShippingFrequency     = 44990 // 达到频控上限
)

// WeChat's parameter errors of the shipping APIs, all reported as ErrShippingInvalid.
var shippingInvalidCodes = map[int]bool{
	10060005:  true, // 物流类型有误
	10060006:  true, // 非快递发货时不允许分拆发货
	10060007:  true, // 分拆发货模式下必须填写 is_all_delivered
	10060008:  true, // item_desc 不能为空
	10060009:  true, // item_desc 太长
	10060014:  true, // 参数错误
	10060020:  true, // 没有任何商品描述的情况下不允许完成发货
	10060024:  true, // 物流信息列表太长
	10060025:  true, // 物流公司编码太长
	10060026:  true, // 物流单号太长
	10060029:  true, // 签收时间非法
	10060031:  true, // 支付单不属于 openid 所指定的用户
	10060032:  true, // 只有物流快递发货时允许提醒用户确认收货
	268485194: true, // 订单单号类型非法
	268485195: true, // transaction_id 不能为空
	268485196: true, // mchid 不能为空
	268485197: true, // out_trade_no 不能为空
	268485216: true, // upload_time 非 RFC 3339
	268485224: true, // 发货模式非法
	268485226: true, // 快递缺物流单号
	268485227: true, // 快递缺物流公司编码
	268485228: true, // 统一发货的物流信息列表长度必须为 1
	268546000: true, // opspecialorder type 非法
	268546001: true, // opspecialorder delay_to 非法
	47001:     true, // data format error
}

// Errors of the shipping calls, for errors.Is. Rate limits and system errors come back as
// bizerr.ErrRateLimited and bizerr.ErrUnavailable, as for the other calls.
var (
	// ErrShippingOrderNotFound means WeChat's shipping service does not know the payment
	// (10060001; for DeclarePresale 268546002, "no such order waiting for shipping", which an
	// order that has shipped gets too). Right after the payment it can be that WeChat has not
	// filed it yet: WeChat's advice is to try again a little later.
	ErrShippingOrderNotFound = errors.New("wechat: the shipping service has no such paid order")
	// ErrAlreadyShipped means the shipping can no longer be changed: WeChat allows one
	// re-shipment (重新发货) of a shipped order (10060003 after it) and none once the user
	// confirmed receipt (10060002).
	ErrAlreadyShipped = errors.New("wechat: the order has shipped and can no longer be changed")
	// ErrNotShippable means the order cannot ship: refunded in full, or closed (10060004).
	ErrNotShippable = errors.New("wechat: the order is not in a state that can ship")
	// ErrNotShipped means a receipt reminder for an order that is not 已发货 (10060028).
	ErrNotShipped = errors.New("wechat: the order has not shipped")
	// ErrAlreadyReminded means the order's one receipt reminder was used (10060030).
	ErrAlreadyReminded = errors.New("wechat: the order's receipt reminder was already sent")
	// ErrShippingInvalid means WeChat refused the request's content: a programming or data
	// fault, not worth retrying as it is. It includes a receipt reminder for an order that did
	// not ship by express (10060032) and a payer who is not the order's (10060031).
	ErrShippingInvalid = errors.New("wechat: shipping request refused as invalid")
)

// LogisticsType is how the goods reach the user (logistics_type).
type LogisticsType int

// WeChat's logistics types.
const (
	LogisticsExpress    LogisticsType = 1 // 实体物流配送, by an express company
	LogisticsSameCity   LogisticsType = 2 // 同城配送
	LogisticsVirtual    LogisticsType = 3 // 虚拟商品, nothing to deliver
	LogisticsSelfPickup LogisticsType = 4 // 用户自提, the user picks the goods up
)

// DeliveryMode is whether the order ships as one parcel or several (delivery_mode).
type DeliveryMode int

// WeChat's delivery modes.
const (
	DeliveryUnified DeliveryMode = 1 // UNIFIED_DELIVERY: one parcel
	DeliverySplit   DeliveryMode = 2 // SPLIT_DELIVERY: several parcels; express only
)

// ShippingOrderState is the state WeChat's shipping service gives a paid order (order_state).
type ShippingOrderState int

// WeChat's order states.
const (
	ShippingPending    ShippingOrderState = 1 // 待发货
	ShippingShipped    ShippingOrderState = 2 // 已发货
	ShippingReceived   ShippingOrderState = 3 // 确认收货
	ShippingCompleted  ShippingOrderState = 4 // 交易完成
	ShippingRefunded   ShippingOrderState = 5 // 已退款
	ShippingSettlement ShippingOrderState = 6 // 资金待结算
)

// WeChat's limits on the shipping fields.
const (
	maxShippingPackages = 15
	maxItemDescRunes    = 120
	maxShippingIDBytes  = 128 // tracking_no, express_company, payer openid
	maxContactBytes     = 1024
	expressSF           = "SF" // 顺丰: WeChat then requires a contact
)

// OrderKey names a payment: by its transaction_id, or by the merchant and its out_trade_no.
type OrderKey struct {
	TransactionID string
	MchID         string
	OutTradeNo    string
}

// ShippingPackage is one parcel (物流单).
type ShippingPackage struct {
	// TrackingNo and ExpressCompany (WeChat's company code, from get_delivery_list, such as
	// "SF" or "YTO") are required for express delivery, and ignored otherwise.
	TrackingNo     string
	ExpressCompany string
	// ItemDesc says what the parcel holds ("有机蔬菜礼盒*1"), at most 120 characters. Required.
	ItemDesc string
	// ConsignorContact and ReceiverContact are phone numbers masked but for their last 4
	// digits ("189****1234"); SF express needs one of them.
	ConsignorContact string
	ReceiverContact  string
	// UploadTime is when this parcel's information was uploaded; set only in answers.
	UploadTime time.Time
}

// ShippingInfo is the shipping of one paid order (发货信息).
type ShippingInfo struct {
	// Order is the payment. Required.
	Order         OrderKey
	LogisticsType LogisticsType
	// DeliveryMode zero means DeliveryUnified, which takes exactly one package.
	DeliveryMode DeliveryMode
	// AllDelivered says, in split delivery, that this upload completes the shipping.
	AllDelivered bool
	// Packages are the parcels: 1, or up to 15 in split delivery.
	Packages []ShippingPackage
	// UploadTime orders the uploads of one order; zero means now.
	UploadTime time.Time
	// PayerOpenID is the openid of the user who paid. Required.
	PayerOpenID string
}

// ShippingOrder is a paid order as WeChat's shipping service holds it (get_order).
type ShippingOrder struct {
	TransactionID string
	MchID         string
	OutTradeNo    string
	// Description is the order's goods, cut by WeChat to 120 characters.
	Description string
	// PaidAmount is what the user paid, in fen.
	PaidAmount      int64
	PayerOpenID     string
	TradeCreateTime time.Time
	PayTime         time.Time
	State           ShippingOrderState
	InComplaint     bool
	DeliveryMode    DeliveryMode
	LogisticsType   LogisticsType
	// FinishShipping says the shipping is complete; FinishShippingCount is 1 once it is, 2
	// once it was re-shipped.
	FinishShipping      bool
	FinishShippingCount int
	Packages            []ShippingPackage
}

// uploadTimeLayout is RFC 3339 with milliseconds: 2022-12-15T13:29:35.120+08:00.
const uploadTimeLayout = "2006-01-02T15:04:05.000Z07:00"

type orderKeyJSON struct {
	OrderNumberType int    `json:"order_number_type"`
	TransactionID   string `json:"transaction_id,omitempty"`
	MchID           string `json:"mchid,omitempty"`
	OutTradeNo      string `json:"out_trade_no,omitempty"`
}

type contactJSON struct {
	ConsignorContact string `json:"consignor_contact,omitempty"`
	ReceiverContact  string `json:"receiver_contact,omitempty"`
}

type shippingItemJSON struct {
	TrackingNo     string       `json:"tracking_no,omitempty"`
	ExpressCompany string       `json:"express_company,omitempty"`
	ItemDesc       string       `json:"item_desc"`
	Contact        *contactJSON `json:"contact,omitempty"`
}

type uploadShippingRequest struct {
	OrderKey       orderKeyJSON       `json:"order_key"`
	LogisticsType  LogisticsType      `json:"logistics_type"`
	DeliveryMode   DeliveryMode       `json:"delivery_mode"`
	IsAllDelivered *bool              `json:"is_all_delivered,omitempty"`
	ShippingList   []shippingItemJSON `json:"shipping_list"`
	UploadTime     string             `json:"upload_time"`
	Payer          struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
}

// UploadShippingInfo uploads how a paid order ships (发货信息录入); for self-pickup, when the
// goods reach the pickup point. An upload of a shipped order replaces its shipping once
// (重新发货); after that, or once the user confirmed receipt, it is ErrAlreadyShipped. An
// upload identical to what WeChat holds (10060023) succeeds, so a retry is harmless. The info
// is checked before WeChat is called (a *bizerr.InvalidError); WeChat's refusals come back as
// the package's shipping errors.
func (m *MiniProgram) UploadShippingInfo(ctx context.Context, info ShippingInfo) error {
	req, err := uploadRequestOf(info)
	if err != nil {
		return fmt.Errorf("upload shipping info: %w", err)
	}
	_, err = callWithToken[apiError](ctx, m, "/wxa/sec/order/upload_shipping_info", req)
	var ae *apiError
	if errors.As(err, &ae) && ae.Code == errShippingUnchanged {
		return nil
	}
	return mapShippingErr(err)
}

// uploadRequestOf checks info as WeChat would and shapes it for the wire.
func uploadRequestOf(info ShippingInfo) (*uploadShippingRequest, error) {
	key, err := orderKeyOf(info.Order)
	if err != nil {
		return nil, err
	}
	mode := info.DeliveryMode
	if mode == 0 {
		mode = DeliveryUnified
	}
	switch {
	case info.LogisticsType < LogisticsExpress || info.LogisticsType > LogisticsSelfPickup:
		return nil, bizerr.Invalid("logistics_type", fmt.Sprintf("%d is not one of WeChat's types 1-4", info.LogisticsType))
	case mode != DeliveryUnified && mode != DeliverySplit:
		return nil, bizerr.Invalid("delivery_mode", fmt.Sprintf("%d is neither unified (1) nor split (2)", mode))
	case mode == DeliverySplit && info.LogisticsType != LogisticsExpress:
		return nil, bizerr.Invalid("delivery_mode", "split delivery is for express only")
	case len(info.Packages) == 0:
		return nil, bizerr.Invalid("packages", "required")
	case mode == DeliveryUnified && len(info.Packages) != 1:
		return nil, bizerr.Invalid("packages", "unified delivery takes exactly one package")
	case len(info.Packages) > maxShippingPackages:
		return nil, bizerr.Invalid("packages", fmt.Sprintf("more than %d", maxShippingPackages))
	case info.PayerOpenID == "":
		return nil, bizerr.Invalid("payer_openid", "required")
	case len(info.PayerOpenID) > maxShippingIDBytes:
		return nil, bizerr.Invalid("payer_openid", "too long")
	}
	uploadTime := info.UploadTime
	if uploadTime.IsZero() {
		uploadTime = time.Now()
	}
	req := &uploadShippingRequest{
		OrderKey: key, LogisticsType: info.LogisticsType, DeliveryMode: mode,
		ShippingList: make([]shippingItemJSON, 0, len(info.Packages)),
		UploadTime:   uploadTime.In(bjtime.Zone).Format(uploadTimeLayout),
	}
	req.Payer.OpenID = info.PayerOpenID
	if mode == DeliverySplit {
		all := info.AllDelivered
		req.IsAllDelivered = &all
	}
	for _, pkg := range info.Packages {
		item, err := shippingItemOf(pkg, info.LogisticsType == LogisticsExpress)
		if err != nil {
			return nil, err
		}
		req.ShippingList = append(req.ShippingList, item)
	}
	return req, nil
}

func orderKeyOf(k OrderKey) (orderKeyJSON, error) {
	switch {
	case k.TransactionID != "":
		return orderKeyJSON{OrderNumberType: 2, TransactionID: k.TransactionID}, nil
	case k.MchID != "" && k.OutTradeNo != "":
		return orderKeyJSON{OrderNumberType: 1, MchID: k.MchID, OutTradeNo: k.OutTradeNo}, nil
	}
	return orderKeyJSON{}, bizerr.Invalid("order", "transaction_id, or mchid and out_trade_no, required")
}

func shippingItemOf(pkg ShippingPackage, express bool) (shippingItemJSON, error) {
	switch n := utf8.RuneCountInString(pkg.ItemDesc); {
	case n == 0:
		return shippingItemJSON{}, bizerr.Invalid("item_desc", "required")
	case n > maxItemDescRunes:
		return shippingItemJSON{}, bizerr.Invalid("item_desc", fmt.Sprintf("%d characters, more than %d", n, maxItemDescRunes))
	}
	item := shippingItemJSON{ItemDesc: pkg.ItemDesc}
	if express {
		switch {
		case pkg.TrackingNo == "" || len(pkg.TrackingNo) > maxShippingIDBytes:
			return shippingItemJSON{}, bizerr.Invalid("tracking_no", "required for express, at most 128 bytes")
		case pkg.ExpressCompany == "" || len(pkg.ExpressCompany) > maxShippingIDBytes:
			return shippingItemJSON{}, bizerr.Invalid("express_company", "required for express, at most 128 bytes")
		case pkg.ExpressCompany == expressSF && pkg.ConsignorContact == "" && pkg.ReceiverContact == "":
			return shippingItemJSON{}, bizerr.Invalid("contact", "SF express needs the consignor's or the receiver's contact")
		}
		item.TrackingNo, item.ExpressCompany = pkg.TrackingNo, pkg.ExpressCompany
	}
	if len(pkg.ConsignorContact) > maxContactBytes || len(pkg.ReceiverContact) > maxContactBytes {
		return shippingItemJSON{}, bizerr.Invalid("contact", "at most 1024 bytes")
	}
	if pkg.ConsignorContact != "" || pkg.ReceiverContact != "" {
		item.Contact = &contactJSON{ConsignorContact: pkg.ConsignorContact, ReceiverContact: pkg.ReceiverContact}
	}
	return item, nil
}

type getOrderResponse struct {
	apiError
	Order struct {
		TransactionID   string             `json:"transaction_id"`
		MerchantID      string             `json:"merchant_id"`
		MerchantTradeNo string             `json:"merchant_trade_no"`
		Description     string             `json:"description"`
		PaidAmount      int64              `json:"paid_amount"`
		OpenID          string             `json:"openid"`
		TradeCreateTime int64              `json:"trade_create_time"`
		PayTime         int64              `json:"pay_time"`
		OrderState      ShippingOrderState `json:"order_state"`
		InComplaint     bool               `json:"in_complaint"`
		Shipping        struct {
			DeliveryMode        DeliveryMode  `json:"delivery_mode"`
			LogisticsType       LogisticsType `json:"logistics_type"`
			FinishShipping      bool          `json:"finish_shipping"`
			FinishShippingCount int           `json:"finish_shipping_count"`
			ShippingList        []struct {
				TrackingNo     string      `json:"tracking_no"`
				ExpressCompany string      `json:"express_company"`
				GoodsDesc      string      `json:"goods_desc"`
				UploadTime     int64       `json:"upload_time"`
				Contact        contactJSON `json:"contact"`
			} `json:"shipping_list"`
		} `json:"shipping"`
	} `json:"order"`
}

// GetShippingOrder reads a paid order's shipping state from WeChat (查询订单发货状态).
func (m *MiniProgram) GetShippingOrder(ctx context.Context, transactionID string) (ShippingOrder, error) {
	if transactionID == "" {
		return ShippingOrder{}, fmt.Errorf("get shipping order: %w", bizerr.Invalid("transaction_id", "required"))
	}
	out, err := callWithToken[getOrderResponse](ctx, m, "/wxa/sec/order/get_order", map[string]string{"transaction_id": transactionID})
	if err != nil {
		return ShippingOrder{}, mapShippingErr(err)
	}
	o := out.Order
	if o.TransactionID == "" || o.OrderState == 0 {
		return ShippingOrder{}, fmt.Errorf("get_order answered without an order: %w", bizerr.ErrUnavailable)
	}
	order := ShippingOrder{
		TransactionID: o.TransactionID, MchID: o.MerchantID, OutTradeNo: o.MerchantTradeNo,
		Description: o.Description, PaidAmount: o.PaidAmount, PayerOpenID: o.OpenID,
		TradeCreateTime: unixTime(o.TradeCreateTime), PayTime: unixTime(o.PayTime), State: o.OrderState,
		InComplaint: o.InComplaint, DeliveryMode: o.Shipping.DeliveryMode, LogisticsType: o.Shipping.LogisticsType,
		FinishShipping: o.Shipping.FinishShipping, FinishShippingCount: o.Shipping.FinishShippingCount,
	}
	for _, s := range o.Shipping.ShippingList {
		order.Packages = append(order.Packages, ShippingPackage{
			TrackingNo: s.TrackingNo, ExpressCompany: s.ExpressCompany, ItemDesc: s.GoodsDesc,
			ConsignorContact: s.Contact.ConsignorContact, ReceiverContact: s.Contact.ReceiverContact,
			UploadTime: unixTime(s.UploadTime),
		})
	}
	return order, nil
}

// unixTime is WeChat's timestamp in seconds, the zero time for 0.
func unixTime(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}

// NotifyConfirmReceive reminds the user to confirm receipt (确认收货提醒), saying the parcel
// was signed for at received. WeChat allows it once per order (ErrAlreadyReminded after),
// only for an order that shipped (ErrNotShipped before) by express: for any other logistics
// type, self-pickup included, it is ErrShippingInvalid (10060032); such a user confirms in
// WeChat or in the mini-program's confirmation component. It does not confirm receipt itself:
// GetShippingOrder shows ShippingReceived once the user did.
func (m *MiniProgram) NotifyConfirmReceive(ctx context.Context, transactionID string, received time.Time) error {
	switch {
	case transactionID == "":
		return fmt.Errorf("notify confirm receive: %w", bizerr.Invalid("transaction_id", "required"))
	case received.Unix() <= 0:
		return fmt.Errorf("notify confirm receive: %w", bizerr.Invalid("received_time", "required"))
	}
	body := map[string]any{"transaction_id": transactionID, "received_time": received.Unix()}
	_, err := callWithToken[apiError](ctx, m, "/wxa/sec/order/notify_confirm_receive", body)
	return mapShippingErr(err)
}

// DeclarePresale declares an order that has not shipped as presale (特殊发货报备, type 1),
// to ship by shipBy. WeChat asks it of every order that ships more than 15 days after payment,
// and takes a shipBy from 15 to 330 days after the payment (else ErrShippingInvalid). orderID
// is the transaction_id or the out_trade_no. An order WeChat does not hold as waiting for
// shipping, shipped ones included, is ErrShippingOrderNotFound. Declaring again moves the date.
func (m *MiniProgram) DeclarePresale(ctx context.Context, orderID string, shipBy time.Time) error {
	switch {
	case orderID == "":
		return fmt.Errorf("declare presale: %w", bizerr.Invalid("order_id", "required"))
	case shipBy.Unix() <= 0:
		return fmt.Errorf("declare presale: %w", bizerr.Invalid("ship_by", "required"))
	}
	body := map[string]any{"order_id": orderID, "type": 1, "delay_to": shipBy.Unix()}
	_, err := callWithToken[apiError](ctx, m, "/wxa/sec/order/opspecialorder", body)
	return mapShippingErr(err)
}

// callWithToken posts in to path with the access token and decodes the answer into a fresh
// T. When WeChat says the token is no longer valid, the token is renewed and the call made
// once more.
func callWithToken[T any, PT interface {
	*T
	err() *apiError
}](ctx context.Context, m *MiniProgram, path string, in any) (*T, error) {
	out, err := postWithToken[T, PT](ctx, m, path, in, false)
	if tokenRejected(err) {
		out, err = postWithToken[T, PT](ctx, m, path, in, true)
	}
	return out, err
}

func postWithToken[T any, PT interface {
	*T
	err() *apiError
}](ctx context.Context, m *MiniProgram, path string, in any, renewToken bool) (*T, error) {
	token, err := m.tokens.get(ctx, renewToken)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if err := m.do(ctx, http.MethodPost, path+"?access_token="+url.QueryEscape(token), in, PT(out)); err != nil {
		if !renewToken && tokenRejected(err) {
			m.tokens.forget(ctx, token)
		}
		return nil, err
	}
	return out, nil
}

// tokenRejected reports whether WeChat refused the access token (40001, 42001).
func tokenRejected(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && (ae.Code == errInvalidToken || ae.Code == errTokenExpired)
}

// mapShippingErr turns the shipping APIs' own codes into the package's errors and leaves the
// rest to mapErr.
func mapShippingErr(err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	switch {
	case ae.Code == errShippingOrderNotFound || ae.Code == errSpecialOrderNotFound:
		return fmt.Errorf("%w: %w", ErrShippingOrderNotFound, err)
	case ae.Code == errShippingFinished || ae.Code == errReshipUsed:
		return fmt.Errorf("%w: %w", ErrAlreadyShipped, err)
	case ae.Code == errNotShippable:
		return fmt.Errorf("%w: %w", ErrNotShippable, err)
	case ae.Code == errNotShipped:
		return fmt.Errorf("%w: %w", ErrNotShipped, err)
	case ae.Code == errReminderUsed:
		return fmt.Errorf("%w: %w", ErrAlreadyReminded, err)
	case shippingInvalidCodes[ae.Code]:
		return fmt.Errorf("%w: %w", ErrShippingInvalid, err)
	case ae.Code == errShippingSystemError || ae.Code == errShippingSystemBusy:
		return fmt.Errorf("%w: %w", bizerr.ErrUnavailable, err)
	case ae.Code == errShippingFrequency:
		return fmt.Errorf("%w: %w", bizerr.ErrRateLimited, err)
	}
	return mapErr(err, nil, nil)
}
