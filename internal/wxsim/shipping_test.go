package wxsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

const (
	shopperOpenID = "oShopper0000000000000000001"
	pickupDesc    = "有机蔬菜礼盒*1，幸福里东门自提点，2026年1月2日起可取"
)

// paidOrder records a paid transaction of app for shopperOpenID and returns its id.
func (h *harness) paidOrder(appid, outTradeNo string) string {
	h.t.Helper()
	id, err := h.sim.AddPaidTransaction(wxsim.PaidTransaction{
		AppID: appid, OutTradeNo: outTradeNo, Description: "社区团购-有机蔬菜礼盒", Total: 2590, PayerOpenID: shopperOpenID,
	})
	if err != nil {
		h.t.Fatalf("AddPaidTransaction %s: %v", outTradeNo, err)
	}
	return id
}

func (h *harness) wxPost(path, token string, body any) wxReply {
	h.t.Helper()
	return h.do(http.MethodPost, path, url.Values{"access_token": {token}}, mustJSON(h.t, body))
}

func (h *harness) uploadShipping(token string, body map[string]any) wxReply {
	h.t.Helper()
	return h.wxPost("/wxa/sec/order/upload_shipping_info", token, body)
}

// shippingTime is t as the service writes upload_time.
func shippingTime(t time.Time) string {
	return t.In(bjtime.Zone).Format("2006-01-02T15:04:05.000Z07:00")
}

// uploadBody is an upload of a unified delivery of the order by transaction_id, paid by the
// shopper, at the harness's time.
func (h *harness) uploadBody(txID string, logistics int, item map[string]any) map[string]any {
	return map[string]any{
		"order_key":      map[string]any{"order_number_type": 2, "transaction_id": txID},
		"logistics_type": logistics, "delivery_mode": 1,
		"shipping_list": []map[string]any{item},
		"upload_time":   shippingTime(h.clock.Now()),
		"payer":         map[string]string{"openid": shopperOpenID},
	}
}

func expressItem(tracking string) map[string]any {
	return map[string]any{"tracking_no": tracking, "express_company": "YTO", "item_desc": "有机蔬菜礼盒*1"}
}

func pickupItem() map[string]any { return map[string]any{"item_desc": pickupDesc} }

// orderReply is get_order's order.
type orderReply struct {
	TransactionID   string `json:"transaction_id"`
	MerchantID      string `json:"merchant_id"`
	MerchantTradeNo string `json:"merchant_trade_no"`
	Description     string `json:"description"`
	PaidAmount      int64  `json:"paid_amount"`
	OpenID          string `json:"openid"`
	TradeCreateTime int64  `json:"trade_create_time"`
	PayTime         int64  `json:"pay_time"`
	OrderState      int    `json:"order_state"`
	InComplaint     *bool  `json:"in_complaint"`
	Shipping        struct {
		DeliveryMode        int  `json:"delivery_mode"`
		LogisticsType       int  `json:"logistics_type"`
		FinishShipping      bool `json:"finish_shipping"`
		FinishShippingCount int  `json:"finish_shipping_count"`
		ShippingList        []struct {
			TrackingNo     string `json:"tracking_no"`
			ExpressCompany string `json:"express_company"`
			GoodsDesc      string `json:"goods_desc"`
			UploadTime     int64  `json:"upload_time"`
			Contact        struct {
				ConsignorContact string `json:"consignor_contact"`
				ReceiverContact  string `json:"receiver_contact"`
			} `json:"contact"`
		} `json:"shipping_list"`
	} `json:"shipping"`
}

// getOrder calls get_order, which must succeed, and returns its order.
func (h *harness) getOrder(token string, body map[string]string) orderReply {
	h.t.Helper()
	r := h.wxPost("/wxa/sec/order/get_order", token, body)
	if r.Errcode != 0 || r.Errmsg != "ok" || !h.has(r, "errcode") {
		h.t.Fatalf("get_order %v: %+v", body, r.raw)
	}
	var o orderReply
	if err := json.Unmarshal(r.raw["order"], &o); err != nil {
		h.t.Fatalf("decode order %s: %v", r.raw["order"], err)
	}
	return o
}

func (h *harness) orderState(token, txID string) int {
	h.t.Helper()
	return h.getOrder(token, map[string]string{"transaction_id": txID}).OrderState
}

func (h *harness) shippingState(txID string) wxsim.ShippingRecord {
	h.t.Helper()
	rec, ok := h.sim.ShippingState(txID)
	if !ok {
		h.t.Fatalf("ShippingState(%s): no such paid transaction", txID)
	}
	return rec
}

func wantCode(t *testing.T, what string, r wxReply, code int) {
	t.Helper()
	if r.Errcode != code {
		t.Errorf("%s: errcode %d %q, want %d", what, r.Errcode, r.Errmsg, code)
	}
}

func TestShippingUploadAndGetOrder(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	paidAt := h.clock.Now()
	txID := h.paidOrder(testApp, "GB2026010100001")

	before := h.getOrder(token, map[string]string{"transaction_id": txID})
	if before.TransactionID != txID || before.MerchantID != wxsim.DemoMchID || before.MerchantTradeNo != "GB2026010100001" ||
		before.Description != "社区团购-有机蔬菜礼盒" || before.PaidAmount != 2590 || before.OpenID != shopperOpenID ||
		before.TradeCreateTime != paidAt.Unix() || before.PayTime != paidAt.Unix() || before.OrderState != wxsim.ShippingStatePending ||
		before.InComplaint == nil || *before.InComplaint || before.Shipping.FinishShipping || before.Shipping.FinishShippingCount != 0 ||
		before.Shipping.ShippingList == nil || len(before.Shipping.ShippingList) != 0 {
		t.Fatalf("before the upload: %+v", before)
	}

	h.clock.Advance(time.Hour)
	uploadAt := h.clock.Now()
	// Self-pickup, the order named by merchant and order number.
	body := h.uploadBody(txID, wxsim.LogisticsSelfPickup, pickupItem())
	body["order_key"] = map[string]any{"order_number_type": 1, "mchid": wxsim.DemoMchID, "out_trade_no": "GB2026010100001"}
	if r := h.uploadShipping(token, body); r.Errcode != 0 || r.Errmsg != "ok" || !h.has(r, "errcode") {
		t.Fatalf("upload: %+v", r.raw)
	}

	after := h.getOrder(token, map[string]string{"merchant_id": wxsim.DemoMchID, "merchant_trade_no": "GB2026010100001"})
	s := after.Shipping
	if after.OrderState != wxsim.ShippingStateShipped || s.LogisticsType != wxsim.LogisticsSelfPickup ||
		s.DeliveryMode != wxsim.DeliveryUnified || !s.FinishShipping || s.FinishShippingCount != 1 || len(s.ShippingList) != 1 ||
		s.ShippingList[0].GoodsDesc != pickupDesc || s.ShippingList[0].TrackingNo != "" || s.ShippingList[0].UploadTime != uploadAt.Unix() {
		t.Fatalf("after the upload: %+v", after)
	}
	rec := h.shippingState(txID)
	if rec.OrderState != wxsim.ShippingStateShipped || rec.Uploads != 1 || rec.UploadCalls != 1 || !rec.ShippedAt.Equal(uploadAt) ||
		!rec.UploadTime.Equal(uploadAt.Truncate(time.Millisecond)) || len(rec.Packages) != 1 || rec.Packages[0].ItemDesc != pickupDesc ||
		rec.AppID != testApp || rec.OutTradeNo != "GB2026010100001" || rec.PayerOpenID != shopperOpenID {
		t.Errorf("ShippingState = %+v", rec)
	}
	if n := h.sim.Calls(wxsim.OpUploadShippingInfo); n != 1 {
		t.Errorf("upload calls = %d, want 1", n)
	}
	if _, ok := h.sim.ShippingState("4200000000000000000000000000"); ok {
		t.Error("ShippingState of an unknown transaction is ok")
	}

	// get_order names the order by transaction_id or by merchant_id + merchant_trade_no;
	// WeChat answers 47001 to the upload's field names, and 10060001 to an unknown order.
	wantCode(t, "get_order with mchid/out_trade_no", h.wxPost("/wxa/sec/order/get_order", token,
		map[string]string{"mchid": wxsim.DemoMchID, "out_trade_no": "GB2026010100001"}), wxsim.ErrcodeDataFormat)
	wantCode(t, "get_order of an unknown order", h.wxPost("/wxa/sec/order/get_order", token,
		map[string]string{"transaction_id": "4200000000000000000000000000"}), wxsim.ErrcodeShippingOrderNotFound)
	// Another mini-program does not see the order.
	wantCode(t, "get_order from another app", h.wxPost("/wxa/sec/order/get_order", h.token(otherApp, otherSecret),
		map[string]string{"transaction_id": txID}), wxsim.ErrcodeShippingOrderNotFound)
	wantCode(t, "get_order with a bad token", h.wxPost("/wxa/sec/order/get_order", "bad-token",
		map[string]string{"transaction_id": txID}), wxsim.ErrcodeInvalidToken)
}

// A description over 120 characters is cut, ending "...", as get_order documents.
func TestShippingGetOrderCutsDescription(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("菜", 127)
	txID, err := h.sim.AddPaidTransaction(wxsim.PaidTransaction{AppID: testApp, OutTradeNo: "GB-LONG-0001", Description: long, Total: 1, PayerOpenID: shopperOpenID})
	if err != nil {
		t.Fatal(err)
	}
	got := h.getOrder(h.token(testApp, testSecret), map[string]string{"transaction_id": txID}).Description
	if got != strings.Repeat("菜", 117)+"..." {
		t.Errorf("description = %q", got)
	}
}

func TestShippingUploadValidation(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	txID := h.paidOrder(testApp, "GB2026010100002")
	otherTx := h.paidOrder(otherApp, "GB2026010100003")
	split := func(n int, all any) func(map[string]any) {
		return func(b map[string]any) {
			b["delivery_mode"] = 2
			items := make([]map[string]any, n)
			for i := range items {
				items[i] = expressItem("YT" + strings.Repeat("7", i+1))
			}
			b["shipping_list"] = items
			if all != nil {
				b["is_all_delivered"] = all
			}
		}
	}
	item := func(edit func(map[string]any)) func(map[string]any) {
		return func(b map[string]any) { edit(b["shipping_list"].([]map[string]any)[0]) }
	}
	tests := []struct {
		name string
		edit func(map[string]any)
		code int
	}{
		{"order_number_type 3", func(b map[string]any) {
			b["order_key"] = map[string]any{"order_number_type": 3, "transaction_id": txID}
		}, 268485194},
		{"type 2 without transaction_id", func(b map[string]any) { b["order_key"] = map[string]any{"order_number_type": 2} }, 268485195},
		{"type 1 without mchid", func(b map[string]any) {
			b["order_key"] = map[string]any{"order_number_type": 1, "out_trade_no": "GB2026010100002"}
		}, 268485196},
		{"type 1 without out_trade_no", func(b map[string]any) {
			b["order_key"] = map[string]any{"order_number_type": 1, "mchid": wxsim.DemoMchID}
		}, 268485197},
		{"logistics_type 5", func(b map[string]any) { b["logistics_type"] = 5 }, wxsim.ErrcodeLogisticsType},
		{"logistics_type missing", func(b map[string]any) { delete(b, "logistics_type") }, wxsim.ErrcodeLogisticsType},
		{"delivery_mode 3", func(b map[string]any) { b["delivery_mode"] = 3 }, wxsim.ErrcodeDeliveryMode},
		{"split self-pickup", func(b map[string]any) {
			split(2, true)(b)
			b["logistics_type"] = wxsim.LogisticsSelfPickup
		}, wxsim.ErrcodeSplitNotExpress},
		{"split without is_all_delivered", split(2, nil), wxsim.ErrcodeAllDeliveredMissing},
		{"empty shipping_list", func(b map[string]any) { b["shipping_list"] = []any{} }, wxsim.ErrcodeShippingParam},
		{"16 parcels", split(16, true), wxsim.ErrcodeShippingListTooLong},
		{"unified with 2 parcels", func(b map[string]any) {
			b["shipping_list"] = []map[string]any{expressItem("YT1"), expressItem("YT2")}
		}, wxsim.ErrcodeUnifiedNeedsOnePackage},
		{"item_desc empty", item(func(i map[string]any) { i["item_desc"] = "" }), wxsim.ErrcodeItemDescEmpty},
		{"item_desc of 121 characters", item(func(i map[string]any) { i["item_desc"] = strings.Repeat("菜", 121) }), wxsim.ErrcodeItemDescTooLong},
		{"express without tracking_no", item(func(i map[string]any) { delete(i, "tracking_no") }), wxsim.ErrcodeTrackingNoMissing},
		{"express without express_company", item(func(i map[string]any) { delete(i, "express_company") }), wxsim.ErrcodeExpressCompanyMissing},
		{"tracking_no of 129 bytes", item(func(i map[string]any) { i["tracking_no"] = strings.Repeat("7", 129) }), wxsim.ErrcodeTrackingNoTooLong},
		{"express_company of 129 bytes", item(func(i map[string]any) { i["express_company"] = strings.Repeat("Y", 129) }), wxsim.ErrcodeExpressCompanyTooLong},
		{"SF without contact", item(func(i map[string]any) { i["express_company"] = "SF" }), wxsim.ErrcodeShippingParam},
		{"upload_time not RFC 3339", func(b map[string]any) { b["upload_time"] = "2026-01-01 20:00:30" }, wxsim.ErrcodeUploadTime},
		{"upload_time missing", func(b map[string]any) { delete(b, "upload_time") }, wxsim.ErrcodeUploadTime},
		{"payer missing", func(b map[string]any) { delete(b, "payer") }, wxsim.ErrcodeShippingParam},
		{"unknown transaction", func(b map[string]any) {
			b["order_key"] = map[string]any{"order_number_type": 2, "transaction_id": "4200000000000000000000000000"}
		}, wxsim.ErrcodeShippingOrderNotFound},
		{"another app's order", func(b map[string]any) {
			b["order_key"] = map[string]any{"order_number_type": 2, "transaction_id": otherTx}
		}, wxsim.ErrcodeShippingOrderNotFound},
		{"another payer", func(b map[string]any) { b["payer"] = map[string]string{"openid": "oSomeoneElse"} }, wxsim.ErrcodePayerMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := h.uploadBody(txID, wxsim.LogisticsExpress, expressItem("YT7407032196699"))
			tc.edit(body)
			r := h.uploadShipping(token, body)
			if r.Errcode != tc.code || r.Errmsg == "" {
				t.Errorf("errcode %d %q, want %d", r.Errcode, r.Errmsg, tc.code)
			}
		})
	}
	wantCode(t, "bad token", h.uploadShipping("bad-token", h.uploadBody(txID, wxsim.LogisticsExpress, expressItem("YT1"))), wxsim.ErrcodeInvalidToken)
	wantCode(t, "GET", h.do(http.MethodGet, "/wxa/sec/order/upload_shipping_info", url.Values{"access_token": {token}}, ""), wxsim.ErrcodeRequirePOST)
	wantCode(t, "not JSON", h.do(http.MethodPost, "/wxa/sec/order/upload_shipping_info", url.Values{"access_token": {token}}, "{"), wxsim.ErrcodeDataFormat)

	rec := h.shippingState(txID)
	if rec.OrderState != wxsim.ShippingStatePending || rec.Uploads != 0 || rec.UploadCalls != 1 {
		t.Errorf("after refused uploads: %+v, want pending, no upload and 1 call that reached it (the other payer)", rec)
	}
	// The limits themselves pass.
	body := h.uploadBody(txID, wxsim.LogisticsExpress, expressItem(strings.Repeat("7", 128)))
	body["shipping_list"].([]map[string]any)[0]["item_desc"] = strings.Repeat("菜", 120)
	body["shipping_list"].([]map[string]any)[0]["express_company"] = "SF"
	body["shipping_list"].([]map[string]any)[0]["contact"] = map[string]string{"receiver_contact": "189****1234"}
	if r := h.uploadShipping(token, body); r.Errcode != 0 {
		t.Fatalf("upload at the limits: %+v", r.raw)
	}
	if got := h.getOrder(token, map[string]string{"transaction_id": txID}).Shipping.ShippingList; len(got) != 1 ||
		got[0].Contact.ReceiverContact != "189****1234" || got[0].ExpressCompany != "SF" {
		t.Errorf("shipping_list = %+v", got)
	}
}

// WeChat lets a shipped order's shipping be changed once (重新发货); an upload identical to
// what it holds changes nothing.
func TestShippingReshipOnce(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	txID := h.paidOrder(testApp, "GB2026010100004")
	if r := h.uploadShipping(token, h.uploadBody(txID, wxsim.LogisticsExpress, expressItem("YT0001"))); r.Errcode != 0 {
		t.Fatalf("upload: %+v", r.raw)
	}
	h.clock.Advance(time.Minute)
	wantCode(t, "the same again", h.uploadShipping(token, h.uploadBody(txID, wxsim.LogisticsExpress, expressItem("YT0001"))), wxsim.ErrcodeShippingUnchanged)
	if r := h.uploadShipping(token, h.uploadBody(txID, wxsim.LogisticsExpress, expressItem("YT0002"))); r.Errcode != 0 {
		t.Fatalf("re-shipment: %+v", r.raw)
	}
	wantCode(t, "a second re-shipment", h.uploadShipping(token, h.uploadBody(txID, wxsim.LogisticsExpress, expressItem("YT0003"))), wxsim.ErrcodeReshipUsed)
	wantCode(t, "the re-shipment again", h.uploadShipping(token, h.uploadBody(txID, wxsim.LogisticsExpress, expressItem("YT0002"))), wxsim.ErrcodeShippingUnchanged)

	o := h.getOrder(token, map[string]string{"transaction_id": txID})
	if o.OrderState != wxsim.ShippingStateShipped || o.Shipping.FinishShippingCount != 2 || len(o.Shipping.ShippingList) != 1 ||
		o.Shipping.ShippingList[0].TrackingNo != "YT0002" {
		t.Errorf("after the re-shipment: %+v", o)
	}
	if rec := h.shippingState(txID); rec.Uploads != 2 || rec.UploadCalls != 5 {
		t.Errorf("uploads %d, calls %d; want 2 and 5", rec.Uploads, rec.UploadCalls)
	}
}

// In split delivery the order ships once an upload says all is delivered.
func TestShippingSplitDelivery(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	txID := h.paidOrder(testApp, "GB2026010100005")
	body := h.uploadBody(txID, wxsim.LogisticsExpress, expressItem("YT1"))
	body["delivery_mode"], body["is_all_delivered"] = 2, false
	if r := h.uploadShipping(token, body); r.Errcode != 0 {
		t.Fatalf("first parcel: %+v", r.raw)
	}
	if o := h.getOrder(token, map[string]string{"transaction_id": txID}); o.OrderState != wxsim.ShippingStatePending ||
		o.Shipping.FinishShipping || o.Shipping.DeliveryMode != wxsim.DeliverySplit || len(o.Shipping.ShippingList) != 1 {
		t.Fatalf("after the first parcel: %+v", o)
	}
	body["shipping_list"] = []map[string]any{expressItem("YT1"), expressItem("YT2")}
	body["is_all_delivered"] = true
	if r := h.uploadShipping(token, body); r.Errcode != 0 {
		t.Fatalf("second parcel: %+v", r.raw)
	}
	if o := h.getOrder(token, map[string]string{"transaction_id": txID}); o.OrderState != wxsim.ShippingStateShipped ||
		!o.Shipping.FinishShipping || o.Shipping.FinishShippingCount != 1 || len(o.Shipping.ShippingList) != 2 {
		t.Fatalf("after the last parcel: %+v", o)
	}
}

func TestShippingConfirmReceipt(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	remind := func(txID string, received time.Time) wxReply {
		return h.wxPost("/wxa/sec/order/notify_confirm_receive", token, map[string]any{"transaction_id": txID, "received_time": received.Unix()})
	}

	pickup := h.paidOrder(testApp, "GB2026010100006")
	wantCode(t, "reminder before shipping", remind(pickup, h.clock.Now()), wxsim.ErrcodeNotShipped)
	if r := h.uploadShipping(token, h.uploadBody(pickup, wxsim.LogisticsSelfPickup, pickupItem())); r.Errcode != 0 {
		t.Fatalf("upload: %+v", r.raw)
	}
	h.clock.Advance(time.Hour)
	wantCode(t, "reminder of a self-pickup", remind(pickup, h.clock.Now()), wxsim.ErrcodeReminderNotExpress)

	express := h.paidOrder(testApp, "GB2026010100007")
	if r := h.uploadShipping(token, h.uploadBody(express, wxsim.LogisticsExpress, expressItem("YT0001"))); r.Errcode != 0 {
		t.Fatalf("upload: %+v", r.raw)
	}
	shipped := h.clock.Now()
	h.clock.Advance(24 * time.Hour)
	token = h.token(testApp, testSecret) // the old one has expired
	wantCode(t, "received before shipping", remind(express, shipped.Add(-time.Second)), wxsim.ErrcodeReceivedTime)
	wantCode(t, "received in the future", remind(express, h.clock.Now().Add(time.Minute)), wxsim.ErrcodeReceivedTime)
	wantCode(t, "received_time missing", h.wxPost("/wxa/sec/order/notify_confirm_receive", token, map[string]any{"transaction_id": express}), wxsim.ErrcodeReceivedTime)
	wantCode(t, "no order named", h.wxPost("/wxa/sec/order/notify_confirm_receive", token, map[string]any{"received_time": shipped.Unix()}), wxsim.ErrcodeDataFormat)
	wantCode(t, "unknown order", remind("4200000000000000000000000000", shipped), wxsim.ErrcodeShippingOrderNotFound)
	received := shipped.Add(20 * time.Hour)
	r := h.wxPost("/wxa/sec/order/notify_confirm_receive", token, map[string]any{
		"merchant_id": wxsim.DemoMchID, "merchant_trade_no": "GB2026010100007", "received_time": received.Unix(),
	})
	if r.Errcode != 0 || r.Errmsg != "ok" {
		t.Fatalf("reminder: %+v", r.raw)
	}
	wantCode(t, "second reminder", remind(express, received), wxsim.ErrcodeReminderUsed)
	rec := h.shippingState(express)
	if !rec.ReceivedTime.Equal(received.Truncate(time.Second)) || !rec.RemindedAt.Equal(h.clock.Now()) || rec.OrderState != wxsim.ShippingStateShipped {
		t.Errorf("after the reminder: %+v", rec)
	}
	// The reminder does not confirm: the user does.
	if got := h.orderState(token, express); got != wxsim.ShippingStateShipped {
		t.Errorf("order_state after the reminder = %d, want 2", got)
	}
	for _, tx := range []string{express, pickup} {
		if err := h.sim.ConfirmReceipt(tx); err != nil {
			t.Fatalf("ConfirmReceipt: %v", err)
		}
		if got := h.orderState(token, tx); got != wxsim.ShippingStateReceived {
			t.Errorf("order_state after confirmation = %d, want 3", got)
		}
	}
	if err := h.sim.ConfirmReceipt(express); !errors.Is(err, wxsim.ErrNotShipped) {
		t.Errorf("confirming again: %v, want ErrNotShipped", err)
	}
	if err := h.sim.ConfirmReceipt("4200000000000000000000000000"); !errors.Is(err, wxsim.ErrPayOrderNotFound) {
		t.Errorf("confirming an unknown order: %v", err)
	}
	wantCode(t, "upload after confirmation", h.uploadShipping(token, h.uploadBody(pickup, wxsim.LogisticsSelfPickup, map[string]any{"item_desc": "改"})), wxsim.ErrcodeShippingFinished)
	wantCode(t, "reminder after confirmation", remind(pickup, h.clock.Now()), wxsim.ErrcodeNotShipped)
}

// The presale declaration (特殊发货报备) of an order that ships more than 15 days after payment.
func TestShippingSpecialOrder(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	paidAt := h.clock.Now()
	txID := h.paidOrder(testApp, "GB2026010100008")
	declare := func(orderID string, typ int, delayTo time.Time) wxReply {
		body := map[string]any{"order_id": orderID, "type": typ}
		if !delayTo.IsZero() {
			body["delay_to"] = delayTo.Unix()
		}
		return h.wxPost("/wxa/sec/order/opspecialorder", token, body)
	}
	day := 24 * time.Hour
	wantCode(t, "type 3", declare(txID, 3, paidAt.Add(20*day)), wxsim.ErrcodeSpecialOrderType)
	wantCode(t, "presale without delay_to", declare(txID, 1, time.Time{}), wxsim.ErrcodeSpecialOrderDelayTo)
	wantCode(t, "presale 14 days after payment", declare(txID, 1, paidAt.Add(14*day)), wxsim.ErrcodeSpecialOrderDelayTo)
	wantCode(t, "presale 331 days after payment", declare(txID, 1, paidAt.Add(331*day)), wxsim.ErrcodeSpecialOrderDelayTo)
	wantCode(t, "unknown order", declare("GB-NO-SUCH", 1, paidAt.Add(20*day)), wxsim.ErrcodeSpecialOrderNotFound)
	wantCode(t, "another app's order", h.wxPost("/wxa/sec/order/opspecialorder", h.token(otherApp, otherSecret),
		map[string]any{"order_id": txID, "type": 1, "delay_to": paidAt.Add(20 * day).Unix()}), wxsim.ErrcodeSpecialOrderNotFound)

	if r := declare(txID, 1, paidAt.Add(20*day)); r.Errcode != 0 || r.Errmsg != "ok" {
		t.Fatalf("presale by transaction_id: %+v", r.raw)
	}
	if rec := h.shippingState(txID); !rec.PresalePromisedDate.Equal(paidAt.Add(20*day).Truncate(time.Second)) || rec.TestOrder {
		t.Errorf("after the declaration: %+v", rec)
	}
	// By the merchant's order number too; declaring again moves the date.
	if r := declare("GB2026010100008", 1, paidAt.Add(330*day)); r.Errcode != 0 {
		t.Fatalf("presale by out_trade_no: %+v", r.raw)
	}
	if rec := h.shippingState(txID); !rec.PresalePromisedDate.Equal(paidAt.Add(330 * day).Truncate(time.Second)) {
		t.Errorf("after the second declaration: %+v", rec)
	}
	if r := declare(txID, 2, time.Time{}); r.Errcode != 0 || !h.shippingState(txID).TestOrder {
		t.Fatalf("test order: %+v", r.raw)
	}
	if r := h.uploadShipping(token, h.uploadBody(txID, wxsim.LogisticsSelfPickup, pickupItem())); r.Errcode != 0 {
		t.Fatalf("upload: %+v", r.raw)
	}
	wantCode(t, "a shipped order", declare(txID, 1, paidAt.Add(20*day)), wxsim.ErrcodeSpecialOrderNotFound)
}

// Only paid orders exist for the shipping service; one refunded in full is 已退款 and cannot
// ship, one refunded in part can.
func TestShippingPayStates(t *testing.T) {
	ph := newPayHarness(t)
	h := &harness{t: t, sim: ph.sim, clock: ph.clock, base: ph.base}
	token := h.token(testApp, testSecret)

	ph.prepay("GB-UNPAID-0001", 1000, false)
	wantCode(t, "get_order of an unpaid order", h.wxPost("/wxa/sec/order/get_order", token,
		map[string]string{"merchant_id": ph.keys.MchID, "merchant_trade_no": "GB-UNPAID-0001"}), wxsim.ErrcodeShippingOrderNotFound)

	full := ph.paid("GB-REFUND-0001", 1000, false)
	part := ph.paid("GB-REFUND-0002", 1000, false)
	for _, r := range []struct {
		tx, no string
		amount int64
	}{{full, "RF-0001", 600}, {full, "RF-0002", 400}, {part, "RF-0003", 300}} {
		if _, err := ph.refund(r.tx, "", r.no, r.amount, 1000); err != nil {
			t.Fatalf("refund %s: %v", r.no, err)
		}
	}
	waitFor(t, "the refunds to succeed", func() bool {
		for _, no := range []string{"RF-0001", "RF-0002", "RF-0003"} {
			if r, err := h.sim.Refund(no); err != nil || r.Status != wxsim.RefundSuccess {
				return false
			}
		}
		return true
	})
	if got := h.orderState(token, full); got != wxsim.ShippingStateRefunded {
		t.Errorf("order_state refunded in full = %d, want 5", got)
	}
	body := h.uploadBody(full, wxsim.LogisticsSelfPickup, pickupItem())
	body["payer"] = map[string]string{"openid": testOpenID}
	wantCode(t, "upload of a refunded order", h.uploadShipping(token, body), wxsim.ErrcodeNotShippable)

	if got := h.orderState(token, part); got != wxsim.ShippingStatePending {
		t.Errorf("order_state refunded in part = %d, want 1", got)
	}
	body = h.uploadBody(part, wxsim.LogisticsSelfPickup, pickupItem())
	body["payer"] = map[string]string{"openid": testOpenID}
	if r := h.uploadShipping(token, body); r.Errcode != 0 {
		t.Fatalf("upload of an order refunded in part: %+v", r.raw)
	}
	// A refund of the rest after shipping makes it 已退款 too.
	if _, err := ph.refund(part, "", "RF-0004", 700, 1000); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the last refund", func() bool {
		r, err := h.sim.Refund("RF-0004")
		return err == nil && r.Status == wxsim.RefundSuccess
	})
	if got := h.orderState(token, part); got != wxsim.ShippingStateRefunded {
		t.Errorf("order_state after the last refund = %d, want 5", got)
	}
}

// The shipping state is kept with the pay state in the data directory.
func TestShippingPersists(t *testing.T) {
	dir := t.TempDir()
	ph := newPayHarness(t, func(c *wxsim.PayConfig) { c.DataDir = dir })
	h := &harness{t: t, sim: ph.sim, clock: ph.clock, base: ph.base}
	txID := ph.paid("GB-PERSIST-01", 1000, false)
	body := h.uploadBody(txID, wxsim.LogisticsSelfPickup, pickupItem())
	body["payer"] = map[string]string{"openid": testOpenID}
	if r := h.uploadShipping(h.token(testApp, testSecret), body); r.Errcode != 0 {
		t.Fatalf("upload: %+v", r.raw)
	}
	if err := ph.sim.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := ph.keys.PayConfig()
	cfg.DataDir = dir
	ph.open(cfg)
	rec, ok := ph.sim.ShippingState(txID)
	if !ok || rec.OrderState != wxsim.ShippingStateShipped || rec.Uploads != 1 || len(rec.Packages) != 1 {
		t.Errorf("after a restart: %+v %v", rec, ok)
	}
}

func TestShippingControl(t *testing.T) {
	h := newHarness(t)
	token := h.token(testApp, testSecret)
	txID := h.paidOrder(testApp, "GB2026010100009")

	var rec wxsim.ShippingRecord
	h.controlOK(http.MethodGet, "/sim/v1/shipping?transaction_id="+txID, "", &rec)
	if rec.TransactionID != txID || rec.OrderState != wxsim.ShippingStatePending || rec.Packages == nil {
		t.Fatalf("GET shipping: %+v", rec)
	}
	status, _, body := h.control(http.MethodPost, "/sim/v1/shipping/confirm-receipt", `{"transaction_id":"`+txID+`"}`)
	if status != http.StatusConflict || !strings.Contains(string(body), "not in the shipped state") {
		t.Errorf("confirming a pending order: HTTP %d %s", status, body)
	}
	if r := h.uploadShipping(token, h.uploadBody(txID, wxsim.LogisticsSelfPickup, pickupItem())); r.Errcode != 0 {
		t.Fatalf("upload: %+v", r.raw)
	}
	h.controlOK(http.MethodPost, "/sim/v1/shipping/confirm-receipt", `{"transaction_id":"`+txID+`"}`, &rec)
	if rec.OrderState != wxsim.ShippingStateReceived || !rec.ConfirmedAt.Equal(h.clock.Now()) {
		t.Errorf("confirm-receipt: %+v", rec)
	}
	h.controlOK(http.MethodGet, "/sim/v1/shipping?out_trade_no=GB2026010100009", "", &rec)
	if rec.TransactionID != txID || rec.OrderState != wxsim.ShippingStateReceived || rec.Uploads != 1 {
		t.Errorf("GET shipping by out_trade_no: %+v", rec)
	}
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/sim/v1/shipping", "", http.StatusBadRequest},
		{"GET", "/sim/v1/shipping?transaction_id=4200000000000000000000000000", "", http.StatusNotFound},
		{"GET", "/sim/v1/shipping?out_trade_no=GB-NO-SUCH", "", http.StatusNotFound},
		{"POST", "/sim/v1/shipping/confirm-receipt", `{}`, http.StatusBadRequest},
		{"POST", "/sim/v1/shipping/confirm-receipt", `{"transactionid":"x"}`, http.StatusBadRequest},
		{"POST", "/sim/v1/shipping/confirm-receipt", `{"transaction_id":"4200000000000000000000000000"}`, http.StatusNotFound},
		{"DELETE", "/sim/v1/shipping", "", http.StatusMethodNotAllowed},
	} {
		if status, _, body := h.control(tc.method, tc.path, tc.body); status != tc.status {
			t.Errorf("%s %s %s: HTTP %d %s, want %d", tc.method, tc.path, tc.body, status, body, tc.status)
		}
	}
}

func TestAddPaidTransaction(t *testing.T) {
	h := newHarness(t)
	txID := h.paidOrder(testApp, "GB2026010100010")
	tx, err := h.sim.Transaction("GB2026010100010")
	if err != nil || tx.TransactionID != txID || tx.State != wxsim.TradeSuccess || tx.AppID != testApp || tx.MchID != wxsim.DemoMchID ||
		tx.Total != 2590 || tx.PayerOpenID != shopperOpenID || !tx.SuccessTime.Equal(h.clock.Now()) {
		t.Fatalf("Transaction = %+v, %v", tx, err)
	}
	for _, tc := range []struct {
		name string
		pt   wxsim.PaidTransaction
		want error
	}{
		{"the order number again", wxsim.PaidTransaction{AppID: testApp, OutTradeNo: "GB2026010100010", Total: 1, PayerOpenID: shopperOpenID}, wxsim.ErrInvalidPaidTransaction},
		{"no app with two", wxsim.PaidTransaction{OutTradeNo: "GB2026010100011", Total: 1, PayerOpenID: shopperOpenID}, wxsim.ErrAppRequired},
		{"unknown app", wxsim.PaidTransaction{AppID: "wxnosuch", OutTradeNo: "GB2026010100011", Total: 1, PayerOpenID: shopperOpenID}, wxsim.ErrUnknownApp},
		{"short order number", wxsim.PaidTransaction{AppID: testApp, OutTradeNo: "GB1", Total: 1, PayerOpenID: shopperOpenID}, wxsim.ErrInvalidPaidTransaction},
		{"no total", wxsim.PaidTransaction{AppID: testApp, OutTradeNo: "GB2026010100011", PayerOpenID: shopperOpenID}, wxsim.ErrInvalidPaidTransaction},
		{"no payer", wxsim.PaidTransaction{AppID: testApp, OutTradeNo: "GB2026010100011", Total: 1}, wxsim.ErrInvalidOpenID},
	} {
		if _, err := h.sim.AddPaidTransaction(tc.pt); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// The service's real pay flow feeds the shipping service: an order paid through the SDK is
// there, by either of its numbers.
func TestShippingOfSDKPayment(t *testing.T) {
	ph := newPayHarness(t)
	h := &harness{t: t, sim: ph.sim, clock: ph.clock, base: ph.base}
	txID := ph.paid("GB-SDK-000001", 1990, false)
	o := h.getOrder(h.token(testApp, testSecret), map[string]string{"merchant_id": ph.keys.MchID, "merchant_trade_no": "GB-SDK-000001"})
	if o.TransactionID != txID || o.PaidAmount != 1990 || o.OpenID != testOpenID || o.OrderState != wxsim.ShippingStatePending {
		t.Errorf("get_order = %+v", o)
	}
	// The refund SDK call and get_order agree on the transaction.
	if _, _, err := ph.refunds.Create(context.Background(), refunddomestic.CreateRequest{
		TransactionId: core.String(txID), OutRefundNo: core.String("RF-SDK-0001"),
		Amount: &refunddomestic.AmountReq{Refund: core.Int64(1990), Total: core.Int64(1990), Currency: core.String("CNY")},
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the refund", func() bool { return h.orderState(h.token(testApp, testSecret), txID) == wxsim.ShippingStateRefunded })
}

// freshPaidOrder records a paid order of testApp under a new order number.
func (h *harness) freshPaidOrder() string {
	h.t.Helper()
	return h.paidOrder(testApp, fmt.Sprintf("GB-FRESH-%06d", freshOrders.Add(1)))
}

var freshOrders atomic.Int64
