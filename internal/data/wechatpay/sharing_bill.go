package wechatpay

import (
	"context"
	"crypto/sha1" //nolint:gosec // G505: WeChat's bill digest is SHA1; it checks integrity, not authenticity
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/profitsharing"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// SharingBill applies for day's profit-sharing bill through the SDK (申请分账账单, SplitBill; day
// in Beijing time), downloads it the same way as the trade bill (下载账单), checks its SHA1
// against the signed application's answer, and parses it.
func (c *Client) SharingBill(ctx context.Context, day time.Time) (payment.SharingBill, error) {
	if c.cfg == nil {
		return payment.SharingBill{}, payment.ErrNotConfigured
	}
	date := day.In(bjtime.Zone).Format(time.DateOnly)
	offer, err := c.applySharingBill(ctx, date)
	if err != nil {
		return payment.SharingBill{}, err
	}
	file, err := c.downloadBill(ctx, "profit-sharing bill "+date, offer)
	if err != nil {
		return payment.SharingBill{}, err
	}
	bill, err := ParseSharingBill(file)
	if err != nil {
		return payment.SharingBill{}, fmt.Errorf("wechat pay profit-sharing bill %s: %w", date, err)
	}
	bill.Day, _ = time.ParseInLocation(time.DateOnly, date, bjtime.Zone)
	return bill, nil
}

// applySharingBill asks for the bill's download URL and hash. No tar_type: the file comes
// plain, and the hash is of the file either way.
func (c *Client) applySharingBill(ctx context.Context, date string) (billOffer, error) {
	svc := profitsharing.BillShipmentApiService{Client: c.api}
	var offer billOffer
	err := c.call(ctx, "profit-sharing bill "+date, kindBill, func(ctx context.Context) error {
		res, _, err := svc.SplitBill(ctx, profitsharing.SplitBillRequest{BillDate: core.String(date)})
		if err != nil {
			return err
		}
		offer = billOffer{DownloadURL: deref(res.DownloadUrl), HashValue: deref(res.HashValue)}
		if res.HashType != nil {
			offer.HashType = string(*res.HashType)
		}
		return nil
	})
	return offer, err
}

// downloadBill fetches an offered bill file and checks its digest. The file is served
// unsigned, hence the download client that skips response validation.
func (c *Client) downloadBill(ctx context.Context, what string, offer billOffer) ([]byte, error) {
	var file []byte
	err := c.call(ctx, "download "+what, kindBill, func(ctx context.Context) error {
		res, err := c.download.Get(ctx, offer.DownloadURL)
		if err != nil {
			return err
		}
		defer res.Response.Body.Close()
		file, err = io.ReadAll(io.LimitReader(res.Response.Body, maxBillBytes))
		return err
	})
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(offer.HashType, "SHA1") {
		return nil, fmt.Errorf("wechat pay %s: hash type %q unsupported", what, offer.HashType)
	}
	sum := sha1.Sum(file) //nolint:gosec // see the import
	if !strings.EqualFold(hex.EncodeToString(sum[:]), offer.HashValue) {
		return nil, fmt.Errorf("wechat pay %s: SHA1 mismatch, the file is corrupt", what)
	}
	return file, nil
}

// Columns of the profit-sharing bill (分账账单), by WeChat's header names with the unit
// suffix "(元)" dropped (see billColumn).
const (
	colPSCreateTime   = "分账发起时间"
	colPSMchID        = "分账方商户号"
	colPSTransaction  = "微信订单号"
	colPSOrderID      = "微信分账/回退单号"
	colPSDetailID     = "分账明细单号"
	colPSOutOrderNo   = "商户分账/回退单号"
	colPSReceiverType = "分账接收方类型"
	colPSAccount      = "分账接收方"
	colPSAmount       = "分账/回退金额"
	colPSBusinessType = "业务类型"
	colPSState        = "处理状态"
	colPSDescription  = "分账/回退描述"
	colPSFinishTime   = "完成时间"
	colPSSummaryCount = "总条数"
	colPSSummaryShare = "分账总金额"
	colPSSummaryRet   = "回退总金额"
)

// billColumn normalises a header name: amount columns carry their unit, "(元)" or "（元）",
// which WeChat has written both ways; the name without it is the column.
func billColumn(name string) string {
	name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
	return strings.TrimSuffix(strings.TrimSuffix(name, "(元)"), "（元）")
}

// ParseSharingBill parses a profit-sharing bill: a header row, detail rows (each field after a
// backtick), a summary header and a summary row. Columns are found by header name, amounts
// become fen exactly, times are Beijing time. It checks that the rows add up to the summary:
// shares and unfreezes to 分账总金额, returns to 回退总金额.
func ParseSharingBill(file []byte) (payment.SharingBill, error) {
	lines := billLines(file)
	if len(lines) < 3 {
		return payment.SharingBill{}, fmt.Errorf("bill has %d lines, want a header and a summary", len(lines))
	}
	col := map[string]int{}
	for i, name := range strings.Split(lines[0], ",") {
		col[billColumn(name)] = i
	}
	for _, need := range []string{colPSTransaction, colPSOutOrderNo, colPSAccount, colPSAmount, colPSBusinessType, colPSFinishTime} {
		if _, ok := col[need]; !ok {
			return payment.SharingBill{}, fmt.Errorf("bill header lacks %s", need)
		}
	}
	var bill payment.SharingBill
	i := 1
	for ; i < len(lines) && !strings.HasPrefix(billColumn(lines[i]), colPSSummaryCount); i++ {
		row, err := parseSharingRow(fields(lines[i]), col)
		if err != nil {
			return payment.SharingBill{}, fmt.Errorf("bill line %d: %w", i+1, err)
		}
		bill.Rows = append(bill.Rows, row)
	}
	if i+1 >= len(lines) {
		return payment.SharingBill{}, fmt.Errorf("bill has no summary")
	}
	sum, err := parseSharingSummary(strings.Split(lines[i], ","), fields(lines[i+1]))
	if err != nil {
		return payment.SharingBill{}, err
	}
	bill.Summary = sum
	return bill, checkSharingSummary(bill)
}

// billLines splits a bill file into lines without the BOM, CRs and trailing blank lines.
func billLines(file []byte) []string {
	lines := strings.Split(strings.ReplaceAll(strings.TrimPrefix(string(file), "\ufeff"), "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func parseSharingRow(f []string, col map[string]int) (payment.SharingBillRow, error) {
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(f) {
			return f[i]
		}
		return ""
	}
	r := payment.SharingBillRow{
		MchID: get(colPSMchID), TransactionID: get(colPSTransaction), OrderID: get(colPSOrderID),
		DetailID: get(colPSDetailID), OutOrderNo: get(colPSOutOrderNo), ReceiverType: get(colPSReceiverType),
		Account: get(colPSAccount), BusinessType: get(colPSBusinessType), State: get(colPSState),
		Description: get(colPSDescription),
	}
	var err error
	// Always positive: the business type, not the sign, says which way the money went.
	if r.Amount, err = unsignedFen(get(colPSAmount)); err != nil {
		return r, fmt.Errorf("%s: %w", colPSAmount, err)
	}
	if r.FinishTime, err = billTime(get(colPSFinishTime)); err != nil {
		return r, fmt.Errorf("%s: %w", colPSFinishTime, err)
	}
	if r.CreateTime, err = billTime(get(colPSCreateTime)); err != nil {
		return r, fmt.Errorf("%s: %w", colPSCreateTime, err)
	}
	return r, nil
}

// billTime reads a bill's Beijing "2006-01-02 15:04:05" as UTC; an empty field is the zero time.
func billTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateTime, s, bjtime.Zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func parseSharingSummary(header, f []string) (payment.SharingBillSummary, error) {
	var s payment.SharingBillSummary
	for i, name := range header {
		if i >= len(f) {
			break
		}
		var err error
		switch billColumn(name) {
		case colPSSummaryCount:
			s.Count, err = strconv.Atoi(f[i])
		case colPSSummaryShare:
			s.Shared, err = unsignedFen(f[i])
		case colPSSummaryRet:
			s.Returned, err = unsignedFen(f[i])
		}
		if err != nil {
			return s, fmt.Errorf("summary %s: %w", name, err)
		}
	}
	return s, nil
}

// checkSharingSummary refuses a bill whose rows do not add up to its summary: a truncated or
// misparsed file must not be reconciled as if it were complete.
func checkSharingSummary(bill payment.SharingBill) error {
	var shared, returned int64
	for _, r := range bill.Rows {
		sum := &shared
		if r.BusinessType == payment.SharingBillReturn {
			sum = &returned
		}
		if err := addFen(sum, r.Amount); err != nil {
			return err
		}
	}
	s := bill.Summary
	if s.Count != len(bill.Rows) || s.Shared != shared || s.Returned != returned {
		return fmt.Errorf("bill rows (%d, shared %d, returned %d) do not add up to its summary %+v",
			len(bill.Rows), shared, returned, s)
	}
	return nil
}
