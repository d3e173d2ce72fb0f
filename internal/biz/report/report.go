// Package report renders finance's reports as CSV files Excel opens as they are: UTF-8 with a
// byte-order mark, Chinese headers, amounts in yuan with two decimals computed from integer fen.
package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
)

// BOM is the UTF-8 byte-order mark: without it Excel reads a CSV file in the system's code page
// and the Chinese headers come out garbled.
const BOM = "\ufeff"

// ContentType is the media type of every report.
const ContentType = "text/csv; charset=utf-8"

// Yuan formats fen as yuan with exactly two decimals ("12.05", "-0.05", "0.00"), exactly, for
// every int64: integer arithmetic only, never a float.
func Yuan(fen int64) string {
	u := uint64(fen)
	sign := ""
	if fen < 0 {
		u = 0 - u // |fen|, also for math.MinInt64
		sign = "-"
	}
	cents := u % 100
	return sign + strconv.FormatUint(u/100, 10) + "." + string([]byte{byte('0' + cents/10), byte('0' + cents%10)})
}

// WriteCSV writes the BOM, the header and the rows; encoding/csv quotes fields with commas,
// quotes or line breaks. Lines end in CRLF (RFC 4180).
func WriteCSV(w io.Writer, header []string, rows [][]string) error {
	if _, err := io.WriteString(w, BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return err
	}
	return cw.WriteAll(rows) // flushes and reports any write error
}

// StatementHeader is the header of a leader statement: one earned column per commission level,
// then the promotions on the orders the leader served (商品原价 − 满减 − 优惠券 = 实付; the
// discounts split into what the leader's commission and the platform bore).
func StatementHeader() []string {
	h := []string{"团长ID", "期间开始", "期间结束(不含)", "期初余额(元)"}
	for l := range commission.MaxLevels {
		h = append(h, fmt.Sprintf("本期佣金-%d级(元)", l))
	}
	h = append(h, "本期佣金合计(元)", "冲回(元)", "已结算(元)", "欠款(元)", "期末余额(元)")
	return append(h, DiscountHeader...)
}

// DiscountHeader heads the promotion columns of a statement.
var DiscountHeader = []string{"服务订单数", "商品原价(元)", "满减(元)", "优惠券(元)", "实付(元)",
	"团长佣金承担(元)", "平台承担(元)", "满赠赠品(元)"}

// discountCells are the promotion columns of d, in DiscountHeader's order.
func discountCells(d commission.Discounts) []string {
	return []string{strconv.FormatInt(d.Orders, 10), Yuan(d.Goods), Yuan(d.PromoOff), Yuan(d.CouponOff), Yuan(d.Paid),
		Yuan(d.LeaderFunded), Yuan(d.PlatformFunded()), Yuan(d.Gifts)}
}

// Statement writes a leader's statement as one row; dates are China dates, the end exclusive.
// A level beyond the columns is an error, never dropped.
func Statement(w io.Writer, s *commission.Statement) error {
	row := []string{strconv.FormatInt(s.LeaderID, 10), s.From.In(bjtime.Zone).Format(time.DateOnly),
		s.To.In(bjtime.Zone).Format(time.DateOnly), Yuan(s.Opening)}
	for l := range s.EarnedByLevel {
		if l < 0 || l >= commission.MaxLevels {
			return fmt.Errorf("statement of leader %d: commission at level %d has no column", s.LeaderID, l)
		}
	}
	for l := range commission.MaxLevels {
		row = append(row, Yuan(s.EarnedByLevel[l]))
	}
	row = append(row, Yuan(s.Earned), Yuan(s.Reversed), Yuan(s.Settled), Yuan(s.Owed), Yuan(s.Closing))
	row = append(row, discountCells(s.Discounts)...)
	return WriteCSV(w, StatementHeader(), [][]string{row})
}

// TrialBalanceHeader is the header of the trial balance.
var TrialBalanceHeader = []string{"账户ID", "账户所有者类型", "账户所有者ID", "账户用途", "余额(元)"}

// TotalLabel starts the trial balance's last row, the sum of every balance.
const TotalLabel = "合计"

// TrialBalance writes one row per account (positive a debit balance, negative a credit one) and
// a total row, 0.00 in a sound ledger. The owner id of platform accounts is empty.
func TrialBalance(w io.Writer, accounts []commission.AccountBalance) error {
	rows := make([][]string, 0, len(accounts)+1)
	var total int64
	for _, a := range accounts {
		owner := ""
		if a.Account.OwnerID != 0 {
			owner = strconv.FormatInt(a.Account.OwnerID, 10)
		}
		rows = append(rows, []string{strconv.FormatInt(a.ID, 10), string(a.Account.Owner), owner,
			string(a.Account.Purpose), Yuan(a.Balance)})
		total += a.Balance
	}
	rows = append(rows, []string{TotalLabel, "", "", "", Yuan(total)})
	return WriteCSV(w, TrialBalanceHeader, rows)
}
