package reconcile

import (
	"fmt"
	"io"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/report"
)

// CSVHeader is the header of the reconciliation report.
func CSVHeader() []string {
	return []string{"对账日", "类别", "差异类型", "单号", "我方金额(元)", "微信金额(元)", "说明", "处理建议"}
}

// kindNames are the Chinese names of the kinds, for finance.
var kindNames = map[Kind]string{
	MissingOurs:    "我方缺失",
	MissingWeChat:  "微信缺失",
	AmountMismatch: "金额不符",
	StateMismatch:  "状态不符",
	Duplicate:      "重复",
	UnknownReturn:  "未知回退",
	LedgerMismatch: "账务不符",
	AdjacentDay:    "相邻日账单(提示)",
	AwaitingBill:   "待相邻日账单(提示)",
}

// WriteCSV writes the report for finance: one row per difference, then one per note; a clean
// day without notes is one row that says so.
func WriteCSV(w io.Writer, r *Report) error {
	day := r.Day.In(bjtime.Zone).Format(time.DateOnly)
	var rows [][]string
	for _, d := range append(append([]Difference(nil), r.Differences...), r.Notes...) {
		rows = append(rows, []string{day, d.Category, kindNames[d.Kind] + " " + string(d.Kind), d.Ref,
			report.Yuan(d.Ours), report.Yuan(d.WeChat), d.Detail, d.Advice})
	}
	if r.Clean && len(r.Notes) == 0 {
		c := r.Counts
		rows = append(rows, []string{day, "", "无差异 clean", "", "", "",
			fmt.Sprintf("账单支付%d笔 退款%d笔 分账%d笔 解冻%d笔，全部相符 / all %d bill lines match", c.BillPayments, c.BillRefunds, c.BillShares, c.BillUnfreezes, c.Matched), ""})
	}
	rows = append(rows, promotionRows(day, r.Discounts)...)
	if err := report.WriteCSV(w, CSVHeader(), rows); err != nil {
		return fmt.Errorf("write reconciliation of %s: %w", day, err)
	}
	return nil
}

// PromotionKind names the rows of the day's promotions, after the differences: figures for
// finance, not differences (WeChat's bill has only what was paid).
const PromotionKind = "优惠汇总 promotions"

// promotionRows are the promotions on the day's paid orders, one figure a row in 我方金额:
// goods − 满减 − coupons = paid; the discounts split by who funded them; the gifts.
func promotionRows(day string, d commission.Discounts) [][]string {
	figures := []struct {
		amount int64
		what   string
	}{
		{d.Goods, fmt.Sprintf("商品原价 goods (当日支付订单%d笔 / orders paid on the day: %d)", d.Orders, d.Orders)},
		{d.PromoOff, "满减 money off by activities"},
		{d.CouponOff, "优惠券 money off by coupons"},
		{d.Paid, "实付 paid = 商品原价 − 满减 − 优惠券"},
		{d.LeaderFunded, "其中团长佣金承担 of the discounts, borne by the leaders' commission"},
		{d.PlatformFunded(), "其中平台承担 of the discounts, borne by the platform"},
		{d.Gifts, "满赠赠品（按预售价，平台承担）gifts at their presale price, borne by the platform"},
	}
	rows := make([][]string, len(figures))
	for i, f := range figures {
		rows[i] = []string{day, "promotion", PromotionKind, "", report.Yuan(f.amount), "", f.what, ""}
	}
	return rows
}
