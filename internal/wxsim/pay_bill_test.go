package wxsim_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1" //nolint:gosec // WeChat's bill digest
	"encoding/csv"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/profitsharing"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

type billAnswer struct {
	HashType    string `json:"hash_type"`
	HashValue   string `json:"hash_value"`
	DownloadURL string `json:"download_url"`
}

// tradeBill asks for a trade bill through the SDK's generic client, as the service will.
func (h *payHarness) tradeBill(query string) (billAnswer, error) {
	res, err := h.client.Get(context.Background(), "https://api.mch.weixin.qq.com/v3/bill/tradebill?"+query)
	if err != nil {
		return billAnswer{}, err
	}
	var b billAnswer
	err = core.UnMarshalResponse(res.Response, &b)
	return b, err
}

// download fetches a bill file: the request is signed, the answer is not, so the SDK is told
// not to validate it (its FAQ says so).
func (h *payHarness) download(url string) []byte {
	h.t.Helper()
	c := sdkClient(h.t, h.keys, h.base, option.WithoutValidator())
	res, err := c.Get(context.Background(), url)
	if err != nil {
		h.t.Fatalf("download: %v", err)
	}
	defer res.Response.Body.Close()
	data, err := io.ReadAll(res.Response.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return data
}

func sha1Hex(b []byte) string {
	d := sha1.Sum(b) //nolint:gosec // WeChat's bill digest
	return hex.EncodeToString(d[:])
}

func TestBillTradeBillCSV(t *testing.T) {
	h := newPayHarness(t, func(c *wxsim.PayConfig) { c.FeeBasisPoints = 60 })
	first := h.paid("ORDER-B001", 1000, false)
	h.clock.Advance(time.Hour)
	h.paid("ORDER-B002", 2000, false)
	h.clock.Advance(30 * time.Minute)
	if _, err := h.refund(first, "", "REFUND-B01", 300, 1000); err != nil {
		t.Fatal(err)
	}
	_, err := h.tradeBill("bill_date=2026-03-10&bill_type=ALL")
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeNoStatement)
	h.sim.AdvanceClock(19*time.Hour + 30*time.Minute) // 2026-03-11 09:00 in Beijing
	_, err = h.tradeBill("bill_date=2026-03-10&bill_type=ALL")
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeStatementCreating)
	h.sim.AdvanceClock(time.Hour)
	_, err = h.tradeBill("bill_date=2026-03-09&bill_type=ALL")
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeNoStatement)

	bill, err := h.tradeBill("bill_date=2026-03-10&bill_type=ALL")
	if err != nil {
		t.Fatal(err)
	}
	if bill.HashType != "SHA1" || !strings.HasPrefix(bill.DownloadURL, "https://api.mch.weixin.qq.com/v3/billdownload/file?token=") {
		t.Fatalf("bill answer %+v", bill)
	}
	data := h.download(bill.DownloadURL)
	if sha1Hex(data) != bill.HashValue {
		t.Fatal("the file does not match hash_value")
	}
	rows := parseBill(t, data)
	if len(rows) != 6 || len(rows[0]) != 27 || rows[0][0] != "交易时间" {
		t.Fatalf("bill has %d lines: %q", len(rows), rows)
	}
	if got := rows[1]; got[0] != "`2026-03-10 12:00:00" || got[6] != "`ORDER-B001" || got[9] != "`SUCCESS" || got[12] != "`10.00" || got[22] != "`0.06" || got[23] != "`0.60%" {
		t.Errorf("payment row %q", got)
	}
	if got := rows[2]; got[6] != "`ORDER-B002" || got[0] != "`2026-03-10 13:00:00" {
		t.Errorf("second payment row %q", got)
	}
	if got := rows[3]; got[9] != "`REFUND" || got[15] != "`REFUND-B01" || got[16] != "`3.00" || got[22] != "`-0.02" {
		t.Errorf("refund row %q", got)
	}
	if got := strings.Join(rows[5], ","); got != "`3,`30.00,`3.00,`0.00,`0.16,`30.00,`3.00" {
		t.Errorf("summary %s", got)
	}

	gz, err := h.tradeBill("bill_date=2026-03-10&bill_type=SUCCESS&tar_type=GZIP")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(h.download(gz.DownloadURL)))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if sha1Hex(plain) != gz.HashValue || len(parseBill(t, plain)) != 5 {
		t.Errorf("gzip SUCCESS bill: %q", plain)
	}

	h.sim.AdvanceClock(100 * 24 * time.Hour)
	_, err = h.tradeBill("bill_date=2026-03-10&bill_type=ALL")
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeInvalidRequest)
}

func TestBillProfitSharingBill(t *testing.T) {
	h := newPayHarness(t)
	h.addReceiver(openidReceiver, leaderID, "")
	txID := h.paid("ORDER-B003", 10000, true)
	if _, err := h.share(txID, "SHARE-B01", true, share{openidReceiver, leaderID, 1000}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "settled", func() bool { return *h.queryShare(txID, "SHARE-B01").State == profitsharing.ORDERSTATUS_FINISHED })
	ctx := context.Background()
	_, _, err := h.bills.SplitBill(ctx, profitsharing.SplitBillRequest{BillDate: core.String("2026-03-10")})
	wantAPIError(t, err, http.StatusBadRequest, wxsim.PayCodeNoStatement)
	h.sim.AdvanceClock(23 * time.Hour)
	bill, _, err := h.bills.SplitBill(ctx, profitsharing.SplitBillRequest{BillDate: core.String("2026-03-10")})
	if err != nil {
		t.Fatal(err)
	}
	data := h.download(*bill.DownloadUrl)
	if sha1Hex(data) != *bill.HashValue {
		t.Fatal("the file does not match hash_value")
	}
	rows := parseBill(t, data)
	// Header, the share, the unfreeze of the rest, summary header, summary.
	if len(rows) != 5 || rows[1][7] != "`"+leaderID || rows[2][8] != "`90.00" || strings.Join(rows[4], ",") != "`2,`100.00,`0.00" {
		t.Errorf("profit-sharing bill %q", rows)
	}
}

func parseBill(t *testing.T, data []byte) [][]string {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Error("bill lines do not end with CRLF")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("bill is not CSV: %v", err)
	}
	return rows
}
