package wechatpay

import (
	"context" //nolint:gosec // G505: WeChat's bill digest is SHA1; it checks integrity, not authenticity
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/consts"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

var _ payment.Bills = (*Client)(nil)

// maxBillBytes bounds a downloaded bill: a busy merchant's day is megabytes, not gigabytes.
const maxBillBytes = 256 << 20

type billOffer struct {
	HashType    string `json:"hash_type"`
	HashValue   string `json:"hash_value"`
	DownloadURL string `json:"download_url"`
}

// TradeBill applies for day's ALL trade bill (申请交易账单, day in Beijing time), downloads it
// (下载账单, a signed request whose answer is the unsigned file), checks its SHA1 against the
// one the signed application answered, and parses it.
func (c *Client) TradeBill(ctx context.Context, day time.Time) (payment.TradeBill, error) {
	if c.cfg == nil {
		return payment.TradeBill{}, payment.ErrNotConfigured
	}
	date := day.In(bjtime.Zone).Format(time.DateOnly)
	var offer billOffer
	err := c.call(ctx, "trade bill "+date, kindBill, func(ctx context.Context) error {
		res, err := c.api.Request(ctx, http.MethodGet, consts.WechatPayAPIServer+"/v3/bill/tradebill", nil,
			url.Values{"bill_date": {date}, "bill_type": {"ALL"}}, nil, "")
		if err != nil {
			return err
		}
		return core.UnMarshalResponse(res.Response, &offer)
	})
	if err != nil {
		return payment.TradeBill{}, err
	}
	file, err := c.downloadBill(ctx, "trade bill "+date, offer)
	if err != nil {
		return payment.TradeBill{}, err
	}
	bill, err := ParseTradeBill(file)
	if err != nil {
		return payment.TradeBill{}, fmt.Errorf("wechat pay trade bill %s: %w", date, err)
	}
	bill.Day, _ = time.ParseInLocation(time.DateOnly, date, bjtime.Zone)
	return bill, nil
}

// Columns of the ALL trade bill (交易账单), by WeChat's header names.
const (
	colTradeTime     = "交易时间"
	colAppID         = "公众账号ID"
	colMchID         = "商户号"
	colTransactionID = "微信订单号"
	colOutTradeNo    = "商户订单号"
	colOpenID        = "用户标识"
	colTradeType     = "交易类型"
	colTradeState    = "交易状态"
	colSettlement    = "应结订单金额"
	colRefundID      = "微信退款单号"
	colOutRefundNo   = "商户退款单号"
	colRefund        = "退款金额"
	colRefundState   = "退款状态"
	colDescription   = "商品名称"
	colAttach        = "商户数据包"
	colFee           = "手续费"
	colTotal         = "订单金额"
	colRefundApplied = "申请退款金额"
	colSummaryCount  = "总交易单数"
)

// ParseTradeBill parses an ALL trade bill: a header row, detail rows, a summary header and a
// summary row; every detail and summary field starts with a backtick (so spreadsheets keep long
// numbers as text); amounts are yuan with two decimals, turned into fen exactly; times are
// Beijing time. Columns are found by header name, so added columns do not break it. It checks
// that the rows add up to the summary.
func ParseTradeBill(file []byte) (payment.TradeBill, error) {
	lines := strings.Split(strings.ReplaceAll(strings.TrimPrefix(string(file), "\ufeff"), "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) < 3 {
		return payment.TradeBill{}, fmt.Errorf("bill has %d lines, want a header and a summary", len(lines))
	}
	col := map[string]int{}
	for i, name := range strings.Split(lines[0], ",") {
		col[strings.TrimSpace(name)] = i
	}
	for _, need := range []string{colTradeTime, colTransactionID, colOutTradeNo, colTradeState, colSettlement, colRefund, colFee, colTotal} {
		if _, ok := col[need]; !ok {
			return payment.TradeBill{}, fmt.Errorf("bill header lacks %s", need)
		}
	}
	var bill payment.TradeBill
	i := 1
	for ; i < len(lines) && !strings.HasPrefix(lines[i], colSummaryCount); i++ {
		row, err := parseBillRow(fields(lines[i]), col)
		if err != nil {
			return payment.TradeBill{}, fmt.Errorf("bill line %d: %w", i+1, err)
		}
		bill.Rows = append(bill.Rows, row)
	}
	if i+1 >= len(lines) {
		return payment.TradeBill{}, fmt.Errorf("bill has no summary")
	}
	sum, err := parseSummary(strings.Split(lines[i], ","), fields(lines[i+1]))
	if err != nil {
		return payment.TradeBill{}, err
	}
	bill.Summary = sum
	var check payment.BillSummary
	for _, r := range bill.Rows {
		for _, a := range [][2]*int64{{&check.Settlement, &r.Settlement}, {&check.Refund, &r.Refund}, {&check.Fee, &r.Fee}} {
			if err := addFen(a[0], *a[1]); err != nil {
				return payment.TradeBill{}, err
			}
		}
	}
	if sum.Count != len(bill.Rows) || check.Settlement != sum.Settlement || check.Refund != sum.Refund || check.Fee != sum.Fee {
		return payment.TradeBill{}, fmt.Errorf("bill rows (%d, %+v) do not add up to its summary %+v", len(bill.Rows), check, sum)
	}
	return bill, nil
}

// fields splits a detail or summary line and drops each field's leading backtick.
func fields(line string) []string {
	out := strings.Split(line, ",")
	for i, f := range out {
		out[i] = strings.TrimPrefix(strings.TrimSpace(f), "`")
	}
	return out
}

func parseBillRow(f []string, col map[string]int) (payment.BillRow, error) {
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(f) {
			return f[i]
		}
		return ""
	}
	var r payment.BillRow
	var err error
	if r.TradeTime, err = time.ParseInLocation(time.DateTime, get(colTradeTime), bjtime.Zone); err != nil {
		return r, fmt.Errorf("trade time %q: %w", get(colTradeTime), err)
	}
	r.TradeTime = r.TradeTime.UTC()
	r.AppID, r.MchID, r.TransactionID = get(colAppID), get(colMchID), get(colTransactionID)
	r.OutTradeNo, r.OpenID, r.TradeType, r.TradeState = get(colOutTradeNo), get(colOpenID), get(colTradeType), get(colTradeState)
	r.RefundID, r.OutRefundNo, r.RefundState = zeroEmpty(get(colRefundID)), zeroEmpty(get(colOutRefundNo)), get(colRefundState)
	r.Description, r.Attach = get(colDescription), get(colAttach)
	for _, a := range []struct {
		name   string
		dst    *int64
		signed bool // only the fee goes negative: given back on a refund
	}{
		{colSettlement, &r.Settlement, false}, {colRefund, &r.Refund, false}, {colFee, &r.Fee, true},
		{colTotal, &r.Total, false}, {colRefundApplied, &r.RefundApplied, false},
	} {
		if *a.dst, err = Fen(get(a.name)); err != nil {
			return r, fmt.Errorf("%s: %w", a.name, err)
		}
		if *a.dst < 0 && !a.signed {
			return r, fmt.Errorf("%s: negative amount %q", a.name, get(a.name))
		}
	}
	return r, nil
}

// zeroEmpty reads WeChat's "0" in an empty number column as empty.
func zeroEmpty(s string) string {
	if s == "0" {
		return ""
	}
	return s
}

func parseSummary(header, f []string) (payment.BillSummary, error) {
	var s payment.BillSummary
	for i, name := range header {
		if i >= len(f) {
			break
		}
		v := f[i]
		var err error
		switch strings.TrimSpace(name) {
		case colSummaryCount:
			s.Count, err = strconv.Atoi(v)
		case "应结订单总金额":
			s.Settlement, err = unsignedFen(v)
		case "退款总金额":
			s.Refund, err = unsignedFen(v)
		case "手续费总金额":
			s.Fee, err = Fen(v)
		case "订单总金额":
			s.Total, err = unsignedFen(v)
		case "申请退款总金额":
			s.RefundApplied, err = unsignedFen(v)
		}
		if err != nil {
			return s, fmt.Errorf("summary %s: %w", name, err)
		}
	}
	return s, nil
}

// Fen parses a yuan amount with at most two decimals ("12.34", "-0.05", "7") into fen without
// floating point. An empty field is 0.
func Fen(yuan string) (int64, error) {
	s := strings.TrimSpace(yuan)
	if s == "" {
		return 0, nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.ContainsAny(whole+frac, "+- ") {
		return 0, fmt.Errorf("amount %q is not yuan with at most two decimals", yuan)
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", yuan, err)
	}
	c, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", yuan, err)
	}
	if w > (math.MaxInt64-c)/100 {
		// w*100+c would wrap around, and a huge amount would read as a negative one.
		return 0, fmt.Errorf("amount %q is out of range", yuan)
	}
	fen := w*100 + c
	if neg {
		fen = -fen
	}
	return fen, nil
}

// unsignedFen is Fen for a column WeChat never writes negative.
func unsignedFen(yuan string) (int64, error) {
	fen, err := Fen(yuan)
	if err == nil && fen < 0 {
		return 0, fmt.Errorf("negative amount %q", yuan)
	}
	return fen, err
}

// addFen adds amount to *sum, refusing a sum past int64: a wrapped sum could match a forged
// summary.
func addFen(sum *int64, amount int64) error {
	if amount > 0 && *sum > math.MaxInt64-amount || amount < 0 && *sum < math.MinInt64-amount {
		return fmt.Errorf("bill amounts add up past the range of int64 fen")
	}
	*sum += amount
	return nil
}
