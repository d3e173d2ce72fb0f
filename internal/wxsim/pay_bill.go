package wxsim

import (
	"bytes"
	"compress/gzip"
	"crypto/sha1" //nolint:gosec // G505: WeChat's bill digest is SHA1; it checks integrity, not authenticity
	"net/url"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

// WeChat's bill rules (申请交易账单 / 申请分账账单): a day's bill (Beijing days) is ready at 10:00 the
// next day and kept for three months; its download_url works for 30 seconds.
const (
	billReadyHour = 10
	billRetention = 90 * 24 * time.Hour
	billURLTTL    = 30 * time.Second
	billTokenLen  = 40
)

// Bill types of the trade bill.
const (
	BillAll     = "ALL"
	BillSuccess = "SUCCESS"
	BillRefund  = "REFUND"
)

// billFile is one generated bill, waiting to be downloaded by token.
type billFile struct {
	mchid   string
	data    []byte // as served: gzip when asked for
	gzipped bool
	expires time.Time
}

type billJSON struct {
	HashType    string `json:"hash_type"`
	HashValue   string `json:"hash_value"`
	DownloadURL string `json:"download_url"`
}

// billQuery is what the two bill APIs share: the day, and whether to gzip.
type billQuery struct {
	day  time.Time // midnight, Beijing
	gzip bool
}

// parseBillQuery reads bill_date and tar_type.
func parseBillQuery(q url.Values) (billQuery, *payError) {
	date := q.Get("bill_date")
	if date == "" {
		return billQuery{}, missingField("/query/bill_date")
	}
	day, err := time.ParseInLocation(time.DateOnly, date, bjtime.Zone)
	if err != nil {
		return billQuery{}, paramError("bill_date格式不正确，应为YYYY-MM-DD")
	}
	switch q.Get("tar_type") {
	case "":
		return billQuery{day: day}, nil
	case "GZIP":
		return billQuery{day: day, gzip: true}, nil
	}
	return billQuery{}, paramError("tar_type只支持GZIP")
}

// billAvailability says whether day's bill can be had at now: not before 10:00 the next day,
// not after three months. creating is the error for "not yet" (the two bill APIs word it
// differently).
func billAvailability(day, now time.Time, creating *payError) *payError {
	now = beijingTime(now)
	switch {
	case !day.Before(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, bjtime.Zone)):
		return newPayError(PayCodeNoStatement, "账单文件不存在，当日的账单会在次日上午10点以后可供下载")
	case now.Before(day.AddDate(0, 0, 1).Add(billReadyHour * time.Hour)):
		return creating
	case now.Sub(day) > billRetention:
		return invalidRequest("请求的账单日期已过期")
	}
	return nil
}

// tradeBill is GET /v3/bill/tradebill (申请交易账单).
func (s *Simulator) tradeBill(c *payCall) (payResult, *payError) {
	q, e := parseBillQuery(c.r.URL.Query())
	if e != nil {
		return payResult{}, e
	}
	billType := c.r.URL.Query().Get("bill_type")
	switch billType {
	case "":
		billType = BillAll
	case BillAll, BillSuccess, BillRefund:
	default:
		return payResult{}, paramError("bill_type只支持ALL、SUCCESS、REFUND")
	}
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := billAvailability(q.day, p.now(), newPayError(PayCodeStatementCreating, "账单生成中")); e != nil {
		return payResult{}, e
	}
	csv, rows := p.tradeBillCSV(c.mchid, q.day, billType)
	if rows == 0 {
		// WeChat has no bill for a day without trades.
		return payResult{}, newPayError(PayCodeNoStatement, "账单文件不存在，请检查当前商户号在指定日期内是否有成功的交易")
	}
	return okJSON(p.offerBill(c.mchid, csv, q.gzip)), nil
}

// sharingBill is GET /v3/profitsharing/bills (申请分账账单).
func (s *Simulator) sharingBill(c *payCall) (payResult, *payError) {
	if c.r.URL.Query().Get("sub_mchid") != "" {
		return payResult{}, paramError("普通商户不支持sub_mchid")
	}
	q, e := parseBillQuery(c.r.URL.Query())
	if e != nil {
		return payResult{}, e
	}
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := billAvailability(q.day, p.now(), invalidRequest("请求的账单正在生成中")); e != nil {
		return payResult{}, e
	}
	csv, rows := p.sharingBillCSV(c.mchid, q.day)
	if rows == 0 {
		return payResult{}, newPayError(PayCodeNoStatement, "账单文件不存在")
	}
	return okJSON(p.offerBill(c.mchid, csv, q.gzip)), nil
}

// offerBill keeps a bill for download and describes it. The hash is of the bill itself, not
// of its gzip. The caller holds p.mu.
func (p *payState) offerBill(mchid string, csv []byte, gzipped bool) billJSON {
	now := p.now()
	p.sweepBills(now)
	digest := sha1.Sum(csv) //nolint:gosec // see the import
	data := csv
	if gzipped {
		data = gzipBytes(csv)
	}
	token := randomString(billTokenLen, alphanumeric)
	p.bills[token] = &billFile{mchid: mchid, data: data, gzipped: gzipped, expires: now.Add(billURLTTL)}
	return billJSON{HashType: "SHA1", HashValue: hexDigest(digest[:]),
		DownloadURL: p.cfg.BillBaseURL + "/v3/billdownload/file?token=" + token}
}

// sweepBills drops bills whose URL has expired. The caller holds p.mu.
func (p *payState) sweepBills(now time.Time) {
	for token, f := range p.bills {
		if !now.Before(f.expires) {
			delete(p.bills, token)
		}
	}
}

// downloadBill is GET /v3/billdownload/file?token= (下载账单). The request is signed like any
// other; the answer is the file itself, unsigned, as WeChat serves it.
func (s *Simulator) downloadBill(c *payCall) (payResult, *payError) {
	p := s.pay
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.bills[c.r.URL.Query().Get("token")]
	if !ok || f.mchid != c.mchid || !p.now().Before(f.expires) {
		return payResult{}, invalidRequest("下载链接已失效，请重新申请账单")
	}
	contentType := "text/plain; charset=utf-8"
	if f.gzipped {
		contentType = "application/x-gzip"
	}
	return payResult{status: 200, file: &rawFile{contentType: contentType, data: f.data}}, nil
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b) // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	return buf.Bytes()
}
