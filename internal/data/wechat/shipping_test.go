package wechat_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/data/wechat"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

const (
	unknownTransaction = "4200000000000000000000000000"
	pickupDesc         = "有机蔬菜礼盒等3件商品，幸福里东门自提点，1月2日起可取"
)

// shippingErrors are the package's shipping error kinds.
var shippingErrors = []error{
	wechat.ErrShippingOrderNotFound, wechat.ErrAlreadyShipped, wechat.ErrNotShippable,
	wechat.ErrNotShipped, wechat.ErrAlreadyReminded, wechat.ErrShippingInvalid,
}

// checkShippingErr is checkErr that also wants err to be exactly want among the shipping kinds.
func checkShippingErr(t *testing.T, err, want error, secrets ...string) {
	t.Helper()
	checkErr(t, err, want, secrets...)
	for _, kind := range shippingErrors {
		if got := errors.Is(err, kind); got != errors.Is(want, kind) {
			t.Errorf("errors.Is(%q, %q) = %v", err, kind, got)
		}
	}
}

// paidOrder records a payment of the shopper in the simulator and returns its transaction_id.
func (e *env) paidOrder(outTradeNo string) string {
	e.t.Helper()
	id, err := e.sim.AddPaidTransaction(wxsim.PaidTransaction{
		OutTradeNo: outTradeNo, Description: "社区团购-有机蔬菜礼盒", Total: 2590, PayerOpenID: shopper,
	})
	if err != nil {
		e.t.Fatalf("paid order %s: %v", outTradeNo, err)
	}
	return id
}

// shippingCalls snapshots the simulator's counters of stable_token and the upload.
func (e *env) shippingCalls() (stable, upload int) {
	return e.sim.Calls(wxsim.OpStableToken), e.sim.Calls(wxsim.OpUploadShippingInfo)
}

func (e *env) shippingRecord(txID string) wxsim.ShippingRecord {
	e.t.Helper()
	rec, ok := e.sim.ShippingState(txID)
	if !ok {
		e.t.Fatalf("the simulator has no paid transaction %s", txID)
	}
	return rec
}

// pickup is the self-pickup upload the service makes when the goods reach the pickup point.
func pickup(txID string) wechat.ShippingInfo {
	return wechat.ShippingInfo{
		Order:         wechat.OrderKey{TransactionID: txID},
		LogisticsType: wechat.LogisticsSelfPickup,
		Packages:      []wechat.ShippingPackage{{ItemDesc: pickupDesc}},
		PayerOpenID:   shopper,
	}
}

func express(txID, trackingNo string) wechat.ShippingInfo {
	return wechat.ShippingInfo{
		Order:         wechat.OrderKey{TransactionID: txID},
		LogisticsType: wechat.LogisticsExpress,
		DeliveryMode:  wechat.DeliveryUnified,
		Packages:      []wechat.ShippingPackage{{TrackingNo: trackingNo, ExpressCompany: "YTO", ItemDesc: "有机蔬菜礼盒*1"}},
		PayerOpenID:   shopper,
	}
}

func TestUploadShippingInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)
	paidAt := time.Now()
	txID := e.paidOrder("GB2026010100001")

	before, err := mp.GetShippingOrder(ctx, txID)
	if err != nil {
		t.Fatalf("get before the upload: %v", err)
	}
	if before.State != wechat.ShippingPending || before.TransactionID != txID || before.MchID != wxsim.DemoMchID ||
		before.OutTradeNo != "GB2026010100001" || before.Description != "社区团购-有机蔬菜礼盒" || before.PaidAmount != 2590 ||
		before.PayerOpenID != shopper || before.PayTime.Before(paidAt.Add(-time.Second)) || before.TradeCreateTime.IsZero() ||
		before.FinishShipping || len(before.Packages) != 0 {
		t.Fatalf("before the upload: %+v", before)
	}

	info := pickup(txID)
	info.UploadTime = time.Date(2026, 1, 1, 12, 30, 0, 120e6, time.UTC)
	if err := mp.UploadShippingInfo(ctx, info); err != nil {
		t.Fatalf("upload: %v", err)
	}
	got, err := mp.GetShippingOrder(ctx, txID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.State != wechat.ShippingShipped || got.LogisticsType != wechat.LogisticsSelfPickup || got.DeliveryMode != wechat.DeliveryUnified ||
		!got.FinishShipping || got.FinishShippingCount != 1 || len(got.Packages) != 1 || got.Packages[0].ItemDesc != pickupDesc ||
		!got.Packages[0].UploadTime.Equal(info.UploadTime.Truncate(time.Second)) {
		t.Fatalf("after the upload: %+v", got)
	}
	// The simulator saw the upload time as WeChat's example writes it: +08:00, milliseconds.
	if rec := e.shippingRecord(txID); !rec.UploadTime.Equal(info.UploadTime) || rec.Uploads != 1 || rec.UploadCalls != 1 {
		t.Errorf("simulator record = %+v", rec)
	}

	// Express, the order named by merchant and order number; SF needs a masked contact.
	other := e.paidOrder("GB2026010100002")
	sf := express("", "SF1234567890")
	sf.Order = wechat.OrderKey{MchID: wxsim.DemoMchID, OutTradeNo: "GB2026010100002"}
	sf.Packages[0].ExpressCompany, sf.Packages[0].ReceiverContact = "SF", "189****1234"
	if err := mp.UploadShippingInfo(ctx, sf); err != nil {
		t.Fatalf("upload express: %v", err)
	}
	if got, err := mp.GetShippingOrder(ctx, other); err != nil || got.State != wechat.ShippingShipped ||
		got.Packages[0].TrackingNo != "SF1234567890" || got.Packages[0].ExpressCompany != "SF" || got.Packages[0].ReceiverContact != "189****1234" {
		t.Fatalf("express order: %+v, %v", got, err)
	}
	if stable, upload := e.shippingCalls(); stable != 1 || upload != 2 {
		t.Errorf("stable_token calls = %d, upload calls = %d; want 1 and 2", stable, upload)
	}
}

// WeChat takes one change of a shipped order's shipping (重新发货); an identical upload, as a
// retry sends, is success and changes nothing.
func TestUploadShippingInfoAlreadyShipped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)
	txID := e.paidOrder("GB2026010100003")

	if err := mp.UploadShippingInfo(ctx, express(txID, "YT0001")); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if err := mp.UploadShippingInfo(ctx, express(txID, "YT0001")); err != nil {
		t.Fatalf("the same upload again (10060023): %v", err)
	}
	if rec := e.shippingRecord(txID); rec.Uploads != 1 || rec.UploadCalls != 2 || rec.FinishShippingCount != 1 {
		t.Errorf("after the repeat: %+v", rec)
	}
	if err := mp.UploadShippingInfo(ctx, express(txID, "YT0002")); err != nil {
		t.Fatalf("the one re-shipment: %v", err)
	}
	err := mp.UploadShippingInfo(ctx, express(txID, "YT0003"))
	checkShippingErr(t, err, wechat.ErrAlreadyShipped, e.cachedToken())
	if err != nil && !strings.Contains(err.Error(), "10060003") {
		t.Errorf("error %q does not carry WeChat's code 10060003", err)
	}
	got, err := mp.GetShippingOrder(ctx, txID)
	if err != nil || got.FinishShippingCount != 2 || got.Packages[0].TrackingNo != "YT0002" {
		t.Fatalf("after the re-shipment: %+v, %v", got, err)
	}

	// Once the user confirmed receipt, nothing more is taken.
	confirmed := e.paidOrder("GB2026010100004")
	if err := mp.UploadShippingInfo(ctx, pickup(confirmed)); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.ConfirmReceipt(confirmed); err != nil {
		t.Fatal(err)
	}
	changed := pickup(confirmed)
	changed.Packages[0].ItemDesc = "改到南门自提点"
	err = mp.UploadShippingInfo(ctx, changed)
	checkShippingErr(t, err, wechat.ErrAlreadyShipped)
	if err != nil && !strings.Contains(err.Error(), "10060002") {
		t.Errorf("error %q does not carry WeChat's code 10060002", err)
	}
}

func TestShippingOrderNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)
	checkShippingErr(t, mp.UploadShippingInfo(ctx, pickup(unknownTransaction)), wechat.ErrShippingOrderNotFound)
	byNumber := pickup("")
	byNumber.Order = wechat.OrderKey{MchID: wxsim.DemoMchID, OutTradeNo: "GB-NO-SUCH-ORDER"}
	checkShippingErr(t, mp.UploadShippingInfo(ctx, byNumber), wechat.ErrShippingOrderNotFound)
	_, err := mp.GetShippingOrder(ctx, unknownTransaction)
	checkShippingErr(t, err, wechat.ErrShippingOrderNotFound)
	checkShippingErr(t, mp.NotifyConfirmReceive(ctx, unknownTransaction, time.Now()), wechat.ErrShippingOrderNotFound)
	checkShippingErr(t, mp.DeclarePresale(ctx, unknownTransaction, time.Now().Add(20*24*time.Hour)), wechat.ErrShippingOrderNotFound)
}

// Info the client cannot send is refused before WeChat is called.
func TestShippingValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)
	for _, tc := range []struct {
		name, field string
		info        wechat.ShippingInfo
		edit        func(*wechat.ShippingInfo)
	}{
		{"no order", "order", pickup(""), nil},
		{"mchid without out_trade_no", "order", pickup(""), func(i *wechat.ShippingInfo) { i.Order.MchID = wxsim.DemoMchID }},
		{"no logistics type", "logistics_type", pickup("42"), func(i *wechat.ShippingInfo) { i.LogisticsType = 0 }},
		{"logistics type 5", "logistics_type", pickup("42"), func(i *wechat.ShippingInfo) { i.LogisticsType = 5 }},
		{"delivery mode 3", "delivery_mode", pickup("42"), func(i *wechat.ShippingInfo) { i.DeliveryMode = 3 }},
		{"split self-pickup", "delivery_mode", pickup("42"), func(i *wechat.ShippingInfo) { i.DeliveryMode = wechat.DeliverySplit }},
		{"no package", "packages", pickup("42"), func(i *wechat.ShippingInfo) { i.Packages = nil }},
		{"unified with two", "packages", express("42", "YT1"), func(i *wechat.ShippingInfo) {
			i.Packages = append(i.Packages, i.Packages[0])
		}},
		{"split with 16", "packages", express("42", "YT1"), func(i *wechat.ShippingInfo) {
			i.DeliveryMode = wechat.DeliverySplit
			for len(i.Packages) < 16 {
				i.Packages = append(i.Packages, i.Packages[0])
			}
		}},
		{"no payer", "payer_openid", pickup("42"), func(i *wechat.ShippingInfo) { i.PayerOpenID = "" }},
		{"no item_desc", "item_desc", pickup("42"), func(i *wechat.ShippingInfo) { i.Packages[0].ItemDesc = "" }},
		{"item_desc of 121 characters", "item_desc", pickup("42"), func(i *wechat.ShippingInfo) {
			i.Packages[0].ItemDesc = strings.Repeat("菜", 121)
		}},
		{"express without tracking_no", "tracking_no", express("42", ""), nil},
		{"express without company", "express_company", express("42", "YT1"), func(i *wechat.ShippingInfo) { i.Packages[0].ExpressCompany = "" }},
		{"SF without contact", "contact", express("42", "SF1"), func(i *wechat.ShippingInfo) { i.Packages[0].ExpressCompany = "SF" }},
		{"contact over 1024 bytes", "contact", pickup("42"), func(i *wechat.ShippingInfo) {
			i.Packages[0].ReceiverContact = strings.Repeat("*", 1025)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := tc.info
			info.Packages = append([]wechat.ShippingPackage(nil), info.Packages...)
			if tc.edit != nil {
				tc.edit(&info)
			}
			err := mp.UploadShippingInfo(ctx, info)
			var inv *bizerr.InvalidError
			if !errors.As(err, &inv) || inv.Field != tc.field {
				t.Errorf("%v, want an InvalidError of %s", err, tc.field)
			}
		})
	}
	var inv *bizerr.InvalidError
	if _, err := mp.GetShippingOrder(ctx, ""); !errors.As(err, &inv) || inv.Field != "transaction_id" {
		t.Errorf("get without transaction_id: %v", err)
	}
	if err := mp.NotifyConfirmReceive(ctx, "", time.Now()); !errors.As(err, &inv) || inv.Field != "transaction_id" {
		t.Errorf("notify without transaction_id: %v", err)
	}
	if err := mp.NotifyConfirmReceive(ctx, "42", time.Time{}); !errors.As(err, &inv) || inv.Field != "received_time" {
		t.Errorf("notify without received time: %v", err)
	}
	if err := mp.DeclarePresale(ctx, "", time.Now()); !errors.As(err, &inv) || inv.Field != "order_id" {
		t.Errorf("presale without order: %v", err)
	}
	if err := mp.DeclarePresale(ctx, "42", time.Time{}); !errors.As(err, &inv) || inv.Field != "ship_by" {
		t.Errorf("presale without date: %v", err)
	}
	for _, op := range []string{wxsim.OpStableToken, wxsim.OpUploadShippingInfo, wxsim.OpGetShippingOrder, wxsim.OpNotifyConfirmReceive, wxsim.OpSpecialOrder} {
		if n := e.sim.Calls(op); n != 0 {
			t.Errorf("%s calls = %d, want none", op, n)
		}
	}
}

func TestShippingRenewsToken(t *testing.T) {
	t.Parallel()

	t.Run("expired by WeChat", func(t *testing.T) {
		e := newEnv(t)
		ctx := t.Context()
		mp := e.client(appSecret)
		txID := e.paidOrder("GB2026010100005")
		if _, err := mp.GetShippingOrder(ctx, txID); err != nil {
			t.Fatalf("warm up: %v", err)
		}
		old := e.cachedToken()
		e.sim.ExpireAccessTokens()
		stable0, upload0 := e.shippingCalls()
		if err := mp.UploadShippingInfo(ctx, pickup(txID)); err != nil {
			t.Fatalf("after expiry: %v", err)
		}
		stable1, upload1 := e.shippingCalls()
		if upload1-upload0 != 2 || stable1-stable0 != 1 {
			t.Errorf("after expiry: %d upload calls, %d stable_token calls; want 2 (one retry) and 1", upload1-upload0, stable1-stable0)
		}
		if rec := e.shippingRecord(txID); rec.Uploads != 1 || rec.OrderState != wxsim.ShippingStateShipped {
			t.Errorf("after the retry: %+v", rec)
		}
		if e.cachedToken() == old {
			t.Error("the rejected token is still cached")
		}
	})

	t.Run("42001 on each API", func(t *testing.T) {
		e := newEnv(t)
		ctx := t.Context()
		mp := e.client(appSecret)
		txID := e.paidOrder("GB2026010100006")
		for _, tc := range []struct {
			op   string
			call func() error
		}{
			{wxsim.OpGetShippingOrder, func() error { _, err := mp.GetShippingOrder(ctx, txID); return err }},
			{wxsim.OpSpecialOrder, func() error { return mp.DeclarePresale(ctx, txID, time.Now().Add(20*24*time.Hour)) }},
			{wxsim.OpUploadShippingInfo, func() error { return mp.UploadShippingInfo(ctx, express(txID, "YT0001")) }},
			{wxsim.OpNotifyConfirmReceive, func() error { return mp.NotifyConfirmReceive(ctx, txID, time.Now()) }},
		} {
			e.sim.FailNext(tc.op, 42001, "access_token expired", 1)
			before := e.sim.Calls(tc.op)
			if err := tc.call(); err != nil {
				t.Fatalf("%s after a rejected token: %v", tc.op, err)
			}
			if n := e.sim.Calls(tc.op) - before; n != 2 {
				t.Errorf("%s calls = %d, want 2", tc.op, n)
			}
		}
	})

	t.Run("rejected twice gives up", func(t *testing.T) {
		e := newEnv(t)
		mp := e.client(appSecret)
		txID := e.paidOrder("GB2026010100007")
		e.sim.FailNext(wxsim.OpUploadShippingInfo, wxsim.ErrcodeInvalidToken, "", 2)
		err := mp.UploadShippingInfo(t.Context(), pickup(txID))
		checkShippingErr(t, err, nil, e.cachedToken())
		if _, upload := e.shippingCalls(); upload != 2 {
			t.Errorf("upload calls = %d, want 2 (one retry, no loop)", upload)
		}
		if rec := e.shippingRecord(txID); rec.Uploads != 0 {
			t.Errorf("simulator took %d uploads, want none", rec.Uploads)
		}
	})
}

// WeChat's codes every API shares, and the shipping APIs' own system errors, map to bizerr's
// kinds; none of them is a shipping kind.
func TestShippingSystemErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)
	txID := e.paidOrder("GB2026010100008")
	if _, err := mp.GetShippingOrder(ctx, txID); err != nil {
		t.Fatalf("warm up: %v", err)
	}
	token := e.cachedToken()
	for _, tc := range []struct {
		name    string
		errcode int
		want    error
	}{
		{"-1 system busy", wxsim.ErrcodeSystemError, bizerr.ErrUnavailable},
		{"10060012 system error", wxsim.ErrcodeShippingSystemError, bizerr.ErrUnavailable},
		{"10060019 system error", wxsim.ErrcodeShippingSystemBusy, bizerr.ErrUnavailable},
		{"45011 rate limited", wxsim.ErrcodeMinuteQuota, bizerr.ErrRateLimited},
		{"44990 rate limited", wxsim.ErrcodeShippingFrequencyLimited, bizerr.ErrRateLimited},
		{"10060004 not shippable", wxsim.ErrcodeNotShippable, wechat.ErrNotShippable},
		{"other code stays unmapped", 45009, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.sim.FailNext(wxsim.OpUploadShippingInfo, tc.errcode, "", 1)
			err := mp.UploadShippingInfo(ctx, pickup(txID))
			checkShippingErr(t, err, tc.want, token)
			e.sim.FailNext(wxsim.OpGetShippingOrder, tc.errcode, "", 1)
			_, err = mp.GetShippingOrder(ctx, txID)
			checkShippingErr(t, err, tc.want, token)
		})
	}
	if rec := e.shippingRecord(txID); rec.Uploads != 0 {
		t.Errorf("an injected failure took the upload: %+v", rec)
	}
}

// The receipt reminder, and the user's confirmation the service then reads back.
func TestNotifyConfirmReceive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)

	selfPickup := e.paidOrder("GB2026010100009")
	checkShippingErr(t, mp.NotifyConfirmReceive(ctx, selfPickup, time.Now()), wechat.ErrNotShipped)
	if err := mp.UploadShippingInfo(ctx, pickup(selfPickup)); err != nil {
		t.Fatal(err)
	}
	// WeChat reminds only for express; a self-pickup user confirms in WeChat or the
	// mini-program's confirmation component.
	err := mp.NotifyConfirmReceive(ctx, selfPickup, time.Now())
	checkShippingErr(t, err, wechat.ErrShippingInvalid)
	if err != nil && !strings.Contains(err.Error(), "10060032") {
		t.Errorf("error %q does not carry WeChat's code 10060032", err)
	}

	byExpress := e.paidOrder("GB2026010100010")
	if err := mp.UploadShippingInfo(ctx, express(byExpress, "YT0001")); err != nil {
		t.Fatal(err)
	}
	received := time.Now()
	if err := mp.NotifyConfirmReceive(ctx, byExpress, received); err != nil {
		t.Fatalf("reminder: %v", err)
	}
	if rec := e.shippingRecord(byExpress); !rec.ReceivedTime.Equal(received.Truncate(time.Second)) || rec.RemindedAt.IsZero() {
		t.Errorf("after the reminder: %+v", rec)
	}
	checkShippingErr(t, mp.NotifyConfirmReceive(ctx, byExpress, received), wechat.ErrAlreadyReminded)

	for _, txID := range []string{byExpress, selfPickup} {
		if got, err := mp.GetShippingOrder(ctx, txID); err != nil || got.State != wechat.ShippingShipped {
			t.Fatalf("before the user confirms: %+v, %v", got, err)
		}
		if err := e.sim.ConfirmReceipt(txID); err != nil {
			t.Fatal(err)
		}
		if got, err := mp.GetShippingOrder(ctx, txID); err != nil || got.State != wechat.ShippingReceived {
			t.Errorf("after the user confirmed: %+v, %v", got, err)
		}
	}
}

func TestDeclarePresale(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mp := e.client(appSecret)
	day := 24 * time.Hour
	txID := e.paidOrder("GB2026010100011")

	shipBy := time.Now().Add(20 * day)
	if err := mp.DeclarePresale(ctx, txID, shipBy); err != nil {
		t.Fatalf("declare: %v", err)
	}
	if rec := e.shippingRecord(txID); !rec.PresalePromisedDate.Equal(shipBy.Truncate(time.Second)) {
		t.Errorf("promised date = %v, want %v", rec.PresalePromisedDate, shipBy)
	}
	// By the merchant's order number too; WeChat wants 15 to 330 days after payment.
	err := mp.DeclarePresale(ctx, "GB2026010100011", time.Now().Add(3*day))
	checkShippingErr(t, err, wechat.ErrShippingInvalid)
	if err != nil && !strings.Contains(err.Error(), "268546001") {
		t.Errorf("error %q does not carry WeChat's code 268546001", err)
	}
	if err := mp.DeclarePresale(ctx, "GB2026010100011", time.Now().Add(300*day)); err != nil {
		t.Fatalf("declare again: %v", err)
	}
	// The goods arrive: the order ships, and is no longer a presale to declare.
	if err := mp.UploadShippingInfo(ctx, pickup(txID)); err != nil {
		t.Fatal(err)
	}
	checkShippingErr(t, mp.DeclarePresale(ctx, txID, shipBy), wechat.ErrShippingOrderNotFound)
}

// As TestTransportErrorsHideURL: a transport failure must not bring the access token back in
// through *url.Error.
func TestShippingTransportErrorHidesToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mp := e.client(appSecret)
	txID := e.paidOrder("GB2026010100012")
	if _, err := mp.GetShippingOrder(t.Context(), txID); err != nil {
		t.Fatalf("warm up the token cache: %v", err)
	}
	token := e.cachedToken()
	if err := e.stop(t.Context()); err != nil {
		t.Fatalf("stop simulator: %v", err)
	}
	checkShippingErr(t, mp.UploadShippingInfo(t.Context(), pickup(txID)), bizerr.ErrUnavailable, token)
}
