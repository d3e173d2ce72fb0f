package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/metrics"
	"github.com/groupbuy/groupbuy/internal/biz/report"
)

const (
	metricsPath = "/console/ops/metrics"
	metricsJSON = metricsPath + ".json"
	metricsCSV  = metricsPath + ".csv"
	// metricsDefaultDays is the period shown first; rankedLeaders how many leaders are ranked.
	metricsDefaultDays = 30
	rankedLeaders      = 10
)

func init() { viewNames = append(viewNames, "metrics") }

// metricsQuery is the page's form: the level, its key (a grid's cell or a leader's or batch's
// id) and the period in days.
type metricsQuery struct {
	Level, Key string
	Days       int
}

// metricsData is the operations figures page.
type metricsData struct {
	Query        metricsQuery
	Periods      []int
	Levels       []metrics.Level
	Error        string
	Series       *metrics.Series
	Rates        []rate
	Ranking      []metrics.Ranked
	Src, CSV     string
	RankingError string
}

// rate is one rate of the period: its label's message key, its name in the page, its value.
type rate struct {
	Label, Name, Value string
}

// readMetricsQuery reads the form, city and metricsDefaultDays when left out.
func readMetricsQuery(r *http.Request) (metricsQuery, metrics.Key, error) {
	q := metricsQuery{Level: r.URL.Query().Get("level"), Key: r.URL.Query().Get("key"), Days: metricsDefaultDays}
	if q.Level == "" {
		q.Level = string(metrics.City)
	}
	if d := r.URL.Query().Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			return q, metrics.Key{}, bizerr.Invalid("days", "must be 7, 30 or 90")
		}
		q.Days = n
	}
	k := metrics.Key{Level: metrics.Level(q.Level)}
	switch k.Level {
	case metrics.Grid:
		k.GridCell = q.Key
	case metrics.Leader, metrics.Batch:
		id, err := strconv.ParseInt(q.Key, 10, 64)
		if err != nil {
			return q, k, bizerr.Invalid("key", "a leader or batch is named by its id")
		}
		k.LeaderID, k.BatchID = id, 0
		if k.Level == metrics.Batch {
			k.LeaderID, k.BatchID = 0, id
		}
	case metrics.Cell:
		return q, k, bizerr.Invalid("level", "city, grid, leader or batch")
	}
	return q, k, k.Validate()
}

// link is the page's query string for q.
func (q metricsQuery) link() string {
	return fmt.Sprintf("level=%s&key=%s&days=%d", q.Level, q.Key, q.Days)
}

func (c *Console) metricsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f := c.frame(rc, "metrics.heading", metricsPath)
	d := &metricsData{Periods: metrics.Periods, Levels: []metrics.Level{metrics.City, metrics.Grid, metrics.Leader, metrics.Batch}}
	q, k, err := readMetricsQuery(r)
	d.Query = q
	var s metrics.Series
	if err == nil {
		s, err = c.deps.Metrics.Series(r.Context(), k, q.Days)
	}
	var invalid *bizerr.InvalidError
	switch {
	case errors.As(err, &invalid):
		d.Error = c.msg.T("metrics.bad_query") + invalid.Reason
		c.render(w, r, http.StatusUnprocessableEntity, "metrics", f, d)
		return
	case err != nil:
		c.internal(w, r, rc, err)
		return
	}
	_, _, ranked, err := c.deps.Metrics.LeaderRanking(r.Context(), q.Days, rankedLeaders)
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	d.Series, d.Rates, d.Ranking = &s, rates(s.Total), ranked
	d.Src, d.CSV = metricsJSON+"?"+q.link(), metricsCSV+"?"+q.link()
	c.render(w, r, http.StatusOK, "metrics", f, d)
}

// rates are the period's rates, in the order of the README's table.
func rates(c metrics.Counts) []rate {
	return []rate{
		{"metrics.uv_pv", "uv-pv", c.UVPerPV().Percent()},
		{"metrics.bounce", "bounce", c.BounceRate().Percent()},
		{"metrics.cart", "cart", c.AddToCartRate().Percent()},
		{"metrics.conversion", "conversion", c.PaymentConversion().Percent()},
		{"metrics.per_order", "per-order", c.PerOrder().Yuan()},
		{"metrics.per_buyer", "per-buyer", c.PerBuyer().Yuan()},
		{"metrics.items_per_order", "items-per-order", c.ItemsPerOrder().Decimal()},
		{"metrics.repurchase", "repurchase", c.RepurchaseRate().Percent()},
		{"metrics.share_rate", "share-rate", c.ShareRate().Percent()},
		{"metrics.share_orders", "share-orders", c.ShareOrderRate().Percent()},
		{"metrics.invitation", "invitation", c.InvitationCoefficient().Decimal()},
	}
}

// metricsSeries is the chart's data: the days and a few daily figures.
type metricsSeries struct {
	Days     []string `json:"days"`
	Visitors []int64  `json:"visitors"`
	Buyers   []int64  `json:"buyers"`
	Payers   []int64  `json:"payers"`
	Orders   []int64  `json:"orders"`
	PaidFen  []int64  `json:"paid_fen"`
}

// metricsSeries reads the query's series, answering a bad query itself; ok is false when it did.
func (c *Console) metricsSeries(w http.ResponseWriter, r *http.Request, rc *reqCtx) (metrics.Series, bool) {
	q, k, err := readMetricsQuery(r)
	var s metrics.Series
	if err == nil {
		s, err = c.deps.Metrics.Series(r.Context(), k, q.Days)
	}
	var invalid *bizerr.InvalidError
	switch {
	case errors.As(err, &invalid):
		http.Error(w, invalid.Error(), http.StatusUnprocessableEntity)
		return s, false
	case err != nil:
		c.internal(w, r, rc, err)
		return s, false
	}
	return s, true
}

// metricsDataJSON answers the page's script.
func (c *Console) metricsDataJSON(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s, ok := c.metricsSeries(w, r, rc)
	if !ok {
		return
	}
	out := metricsSeries{}
	for _, d := range s.Days {
		out.Days = append(out.Days, d.Day)
		out.Visitors, out.Buyers = append(out.Visitors, d.Visitors), append(out.Buyers, d.Buyers)
		out.Payers, out.Orders = append(out.Payers, d.Payers), append(out.Orders, d.Orders)
		out.PaidFen = append(out.PaidFen, d.Paid)
	}
	b, err := json.Marshal(out)
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// metricsHeader is the CSV's header: the day, the counts, then the rates.
var metricsHeader = []string{"日期", "访客数(UV)", "浏览量(PV)", "会话数", "跳出会话数", "加购人数",
	"分享人数", "分享次数", "分享打开次数", "下单人数", "支付人数", "支付订单数", "件数", "支付金额(元)",
	"退款-按下单日(元)", "退款-按退款日(元)", "新客数", "30天复购人数", "分享订单数", "受邀新客数", "邀请人数",
	"UV/PV", "跳出率", "加购率", "支付转化率", "客单价(元)", "人均消费额(元)", "连带率", "30天复购率",
	"分享率", "分享订单占比", "邀请系数"}

// metricsCSVFile exports the query's days, one row a day, then the period's total.
func (c *Console) metricsCSVFile(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s, ok := c.metricsSeries(w, r, rc)
	if !ok {
		return
	}
	rows := make([][]string, 0, len(s.Days)+1)
	for _, d := range s.Days {
		rows = append(rows, metricsRow(d.Day, d.Counts))
	}
	rows = append(rows, metricsRow("合计", s.Total))
	var b bytes.Buffer
	if err := report.WriteCSV(&b, metricsHeader, rows); err != nil {
		c.internal(w, r, rc, err)
		return
	}
	download(w, fmt.Sprintf("metrics-%s-%s.csv", s.From, s.To), b.Bytes())
}

func metricsRow(day string, c metrics.Counts) []string {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	row := []string{day, n(c.Visitors), n(c.PageViews), n(c.Sessions), n(c.Bounces), n(c.Carters),
		n(c.Sharers), n(c.Shares), n(c.ShareOpens), n(c.Buyers), n(c.Payers), n(c.Orders), n(c.Items),
		report.Yuan(c.Paid), report.Yuan(c.RefundedByOrderDay), report.Yuan(c.RefundedOnDay),
		n(c.NewPayers), n(c.RepeatPayers), n(c.ShareOrders), n(c.Invitees), n(c.Inviters)}
	for _, r := range rates(c) {
		row = append(row, r.Value)
	}
	return row
}
