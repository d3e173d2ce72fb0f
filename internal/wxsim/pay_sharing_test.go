package wxsim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/profitsharing"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

const (
	openidReceiver   = profitsharing.RECEIVERTYPE_PERSONAL_OPENID
	merchantReceiver = profitsharing.RECEIVERTYPE_MERCHANT_ID
)

func manualSharing(c *wxsim.PayConfig) { c.SharingDelay = wxsim.Manual }

// Add receivers, share, settle, query, return from the merchant, unfreeze the rest.
func TestSharingAddShareQueryReturnUnfreeze(t *testing.T) {
	h := newPayHarness(t, manualSharing)
	ctx := context.Background()
	h.sim.SetProfitSharingNotifyURL(h.keys.MchID, h.notes.url+"/sharing")
	added := h.addReceiver(openidReceiver, leaderID, leaderName)
	if *added.Name != leaderName || *added.Account != leaderID {
		t.Fatalf("add receiver answered %s (the SDK decrypts the name)", mustJSON(t, added))
	}
	h.addReceiver(merchantReceiver, partnerMch, partnerName)
	txID := h.paid("ORDER-S001", 10000, true)

	order, err := h.share(txID, "SHARE-001", false,
		share{openidReceiver, leaderID, 1500}, share{merchantReceiver, partnerMch, 500})
	if err != nil {
		t.Fatal(err)
	}
	if *order.State != profitsharing.ORDERSTATUS_PROCESSING || *order.Receivers[0].Result != profitsharing.DETAILSTATUS_PENDING {
		t.Fatalf("new order %s", mustJSON(t, order))
	}
	if got := h.unsplit(txID); got != 8000 {
		t.Errorf("unsplit %d while sharing, want 8000", got)
	}
	if err := h.sim.SettleProfitSharing("SHARE-001"); err != nil {
		t.Fatal(err)
	}
	done := h.queryShare(txID, "SHARE-001")
	if *done.State != profitsharing.ORDERSTATUS_FINISHED || len(done.Receivers) != 2 {
		t.Fatalf("settled order %s", mustJSON(t, done))
	}
	for _, r := range done.Receivers {
		if *r.Result != profitsharing.DETAILSTATUS_SUCCESS || r.FinishTime == nil {
			t.Errorf("receiver %s", mustJSON(t, r))
		}
	}
	notes := h.notes.waitEvents(t, "PROFITSHARING.SUCCESS", 1)
	var note map[string]any
	_ = json.Unmarshal([]byte(notes[0].plaintext), &note)
	if note["receiver"].(map[string]any)["account"] != partnerMch {
		t.Errorf("profit-sharing notification %v", note)
	}

	ret, _, err := h.returns.CreateReturnOrder(ctx, profitsharing.CreateReturnOrderRequest{
		OutOrderNo: core.String("SHARE-001"), OutReturnNo: core.String("RETURN-001"),
		ReturnMchid: core.String(partnerMch), Amount: core.Int64(200), Description: core.String("退款回退")})
	if err != nil {
		t.Fatal(err)
	}
	if *ret.Result != profitsharing.RETURNORDERSTATUS_SUCCESS {
		t.Fatalf("return %s", mustJSON(t, ret))
	}
	queried, _, err := h.returns.QueryReturnOrder(ctx, profitsharing.QueryReturnOrderRequest{
		OutReturnNo: core.String("RETURN-001"), OutOrderNo: core.String("SHARE-001")})
	if err != nil || *queried.ReturnId != *ret.ReturnId || *queried.Amount != 200 {
		t.Fatalf("query return: %v %v", queried, err)
	}
	_, _, err = h.returns.CreateReturnOrder(ctx, profitsharing.CreateReturnOrderRequest{
		OutOrderNo: core.String("SHARE-001"), OutReturnNo: core.String("RETURN-002"),
		ReturnMchid: core.String(partnerMch), Amount: core.Int64(301), Description: core.String("超额回退")})
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)

	unfrozen, _, err := h.orders.UnfreezeOrder(ctx, profitsharing.UnfreezeOrderRequest{
		TransactionId: core.String(txID), OutOrderNo: core.String("UNFREEZE-001"), Description: core.String("解冻全部剩余资金")})
	if err != nil || *unfrozen.State != profitsharing.ORDERSTATUS_PROCESSING {
		t.Fatalf("unfreeze: %v %v", unfrozen, err)
	}
	if err := h.sim.SettleProfitSharing("UNFREEZE-001"); err != nil {
		t.Fatal(err)
	}
	final := h.queryShare(txID, "UNFREEZE-001")
	if len(final.Receivers) != 1 || *final.Receivers[0].Amount != 8000 || *final.Receivers[0].Account != h.keys.MchID {
		t.Errorf("unfreeze order %s", mustJSON(t, final))
	}
	if got := h.unsplit(txID); got != 0 {
		t.Errorf("unsplit %d after unfreezing", got)
	}
	_, _, err = h.orders.UnfreezeOrder(ctx, profitsharing.UnfreezeOrderRequest{
		TransactionId: core.String(txID), OutOrderNo: core.String("UNFREEZE-002"), Description: core.String("再次解冻")})
	wantAPIError(t, err, http.StatusForbidden, wxsim.PayCodeNotEnough)
	_, err = h.share(txID, "SHARE-002", false, share{openidReceiver, leaderID, 1})
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)
}

// Only merchant receivers can be made to give money back.
func TestSharingReturnOnlyFromMerchants(t *testing.T) {
	h := newPayHarness(t)
	h.addReceiver(openidReceiver, leaderID, "")
	txID := h.paid("ORDER-S002", 1000, true)
	if _, err := h.share(txID, "SHARE-003", true, share{openidReceiver, leaderID, 100}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "settled", func() bool {
		return *h.queryShare(txID, "SHARE-003").State == profitsharing.ORDERSTATUS_FINISHED
	})
	_, _, err := h.returns.CreateReturnOrder(context.Background(), profitsharing.CreateReturnOrderRequest{
		OutOrderNo: core.String("SHARE-003"), OutReturnNo: core.String("RETURN-003"),
		ReturnMchid: core.String(leaderID), Amount: core.Int64(100), Description: core.String("回退")})
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)
	// unfreeze_unsplit released the rest with the share.
	if got := h.unsplit(txID); got != 0 {
		t.Errorf("unsplit %d after unfreeze_unsplit", got)
	}
}

// The ratio cap (of the amount net of the fee), a receiver never added, a transaction paid
// without profit_sharing, too many receivers, and the sharing window.
func TestSharingLimits(t *testing.T) {
	h := newPayHarness(t, manualSharing, func(c *wxsim.PayConfig) { c.FeeBasisPoints = 60 })
	h.addReceiver(openidReceiver, leaderID, "")
	txID := h.paid("ORDER-S003", 10000, true)
	// 30% of 10000 less its 0.6% fee (60) is 2982.
	_, err := h.share(txID, "SHARE-004", false, share{openidReceiver, leaderID, 2983})
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)
	if _, err := h.share(txID, "SHARE-005", false, share{openidReceiver, leaderID, 2900}); err != nil {
		t.Fatal(err)
	}
	_, err = h.share(txID, "SHARE-006", false, share{openidReceiver, leaderID, 83})
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)
	if _, err := h.share(txID, "SHARE-007", false, share{openidReceiver, leaderID, 82}); err != nil {
		t.Fatalf("up to the cap: %v", err)
	}

	_, err = h.share(txID, "SHARE-008", false, share{openidReceiver, "oNeverAdded00000000000000001", 10})
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)

	plain := h.paid("ORDER-S004", 1000, false)
	_, err = h.share(plain, "SHARE-009", false, share{openidReceiver, leaderID, 10})
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)

	many := make([]share, 51)
	for i := range many {
		many[i] = share{openidReceiver, leaderID, 1}
	}
	_, err = h.share(txID, "SHARE-010", false, many...)
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeParamError)

	late := h.paid("ORDER-S005", 1000, true)
	h.sim.AdvanceClock(wxsim.DefaultSharingWindow)
	_, err = h.share(late, "SHARE-011", false, share{openidReceiver, leaderID, 10})
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)
	if got := h.unsplit(late); got != 0 {
		t.Errorf("unsplit %d after the window closed", got)
	}
}

// A receiver's result is injectable; a receiver deleted before settlement fails NO_RELATION;
// what fails can be shared again.
func TestSharingReceiverFailures(t *testing.T) {
	h := newPayHarness(t, manualSharing)
	h.addReceiver(openidReceiver, leaderID, "")
	h.addReceiver(merchantReceiver, partnerMch, partnerName)
	txID := h.paid("ORDER-S006", 10000, true)
	if err := h.sim.SetReceiverResult(leaderID, wxsim.FailAccountAbnormal); err != nil {
		t.Fatal(err)
	}
	if _, err := h.share(txID, "SHARE-012", false, share{openidReceiver, leaderID, 1000}, share{merchantReceiver, partnerMch, 500}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.receivers.DeleteReceiver(context.Background(), profitsharing.DeleteReceiverRequest{
		Appid: core.String(testApp), Type: merchantReceiver.Ptr(), Account: core.String(partnerMch)}); err != nil {
		t.Fatal(err)
	}
	if err := h.sim.SettleProfitSharing("SHARE-012"); err != nil {
		t.Fatal(err)
	}
	got := h.queryShare(txID, "SHARE-012")
	want := map[string]profitsharing.DetailFailReason{leaderID: "ACCOUNT_ABNORMAL", partnerMch: "NO_RELATION"}
	for _, r := range got.Receivers {
		if *r.Result != profitsharing.DETAILSTATUS_CLOSED || *r.FailReason != want[*r.Account] {
			t.Errorf("receiver %s", mustJSON(t, r))
		}
	}
	if n := h.unsplit(txID); n != 10000 {
		t.Errorf("unsplit %d after both failed, want all of it back", n)
	}
	if err := h.sim.SetReceiverResult(leaderID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.share(txID, "SHARE-013", false, share{openidReceiver, leaderID, 1000}); err != nil {
		t.Fatalf("sharing again after a failure: %v", err)
	}
}

// The same out_order_no retried after a SYSTEM_ERROR that hid a success is one share.
func TestSharingRetriedAfterSystemErrorSharesOnce(t *testing.T) {
	h := newPayHarness(t, manualSharing)
	h.addReceiver(openidReceiver, leaderID, "")
	txID := h.paid("ORDER-S007", 10000, true)
	if err := h.sim.InjectPayFault(wxsim.PayFault{Operation: wxsim.OpSharingCreateOrder, Code: wxsim.PayCodeSystemError, AfterEffect: true}); err != nil {
		t.Fatal(err)
	}
	_, err := h.share(txID, "SHARE-014", false, share{openidReceiver, leaderID, 1000})
	wantAPIError(t, err, http.StatusInternalServerError, wxsim.PayCodeSystemError)
	h.sim.FailPayNext(wxsim.OpSharingCreateOrder, wxsim.PayCodeSystemError, 0, 1)
	_, err = h.share(txID, "SHARE-014", false, share{openidReceiver, leaderID, 1000})
	wantAPIError(t, err, http.StatusInternalServerError, wxsim.PayCodeSystemError)
	first, err := h.share(txID, "SHARE-014", false, share{openidReceiver, leaderID, 1000})
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.share(txID, "SHARE-014", false, share{openidReceiver, leaderID, 1000})
	if err != nil || *again.OrderId != *first.OrderId {
		t.Fatalf("repeat: %v %v", again, err)
	}
	if got := h.unsplit(txID); got != 9000 {
		t.Errorf("unsplit %d, want one share of 1000 taken", got)
	}
}

// A refund reduces what profit-sharing can still split.
func TestSharingRefundReducesUnsplit(t *testing.T) {
	h := newPayHarness(t)
	h.addReceiver(openidReceiver, leaderID, "")
	txID := h.paid("ORDER-S008", 10000, true)
	if _, err := h.refund(txID, "", "REFUND-S01", 9000, 10000); err != nil {
		t.Fatal(err)
	}
	if got := h.unsplit(txID); got != 1000 {
		t.Errorf("unsplit %d after refunding 9000 of 10000", got)
	}
	_, err := h.share(txID, "SHARE-015", false, share{openidReceiver, leaderID, 1001})
	wantAPIError(t, err, http.StatusForbidden, wxsim.PayCodeNotEnough)
}

// Receivers' names are decrypted with the platform key: a name not encrypted to it is refused.
func TestSharingReceiverNameMustBeEncrypted(t *testing.T) {
	h := newPayHarness(t)
	_, err := h.client.Post(context.Background(), "https://api.mch.weixin.qq.com/v3/profitsharing/receivers/add", map[string]string{
		"appid": testApp, "type": "PERSONAL_OPENID", "account": leaderID, "relation_type": "DISTRIBUTOR", "name": "bm90IGVuY3J5cHRlZA==",
	})
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeParamError)
}
