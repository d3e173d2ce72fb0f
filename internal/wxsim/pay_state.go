package wxsim

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Trade states of a JSAPI transaction (trade_state).
const (
	TradeNotPay   = "NOTPAY"
	TradeSuccess  = "SUCCESS"
	TradeClosed   = "CLOSED"
	TradeRefund   = "REFUND"
	TradePayError = "PAYERROR"
)

// tradeStateDesc is WeChat's trade_state_desc for each state.
var tradeStateDesc = map[string]string{
	TradeNotPay:   "订单未支付",
	TradeSuccess:  "支付成功",
	TradeClosed:   "订单已关闭",
	TradeRefund:   "订单发生过退款，退款详情请查询退款单",
	TradePayError: "支付失败，请重新下单支付",
}

// payTxn is one JSAPI order and, once paid, its transaction. Fields are exported for the JSON
// snapshot only.
type payTxn struct {
	MchID         string     `json:"mchid"`
	AppID         string     `json:"appid"`
	OutTradeNo    string     `json:"out_trade_no"`
	Description   string     `json:"description"`
	Attach        string     `json:"attach,omitempty"`
	NotifyURL     string     `json:"notify_url"`
	Total         int64      `json:"total"`
	Currency      string     `json:"currency"`
	PayerOpenID   string     `json:"payer_openid"`
	ProfitSharing bool       `json:"profit_sharing"`
	TimeExpire    *time.Time `json:"time_expire,omitempty"`
	Fingerprint   string     `json:"fingerprint"`
	PrepayID      string     `json:"prepay_id"`
	CreateTime    time.Time  `json:"create_time"`

	State         string    `json:"state"`
	StateDesc     string    `json:"state_desc,omitempty"`
	TransactionID string    `json:"transaction_id,omitempty"`
	SuccessTime   time.Time `json:"success_time"`
	BankType      string    `json:"bank_type,omitempty"`
	Fee           int64     `json:"fee"`

	// Refunded is the sum of the refunds that are not CLOSED.
	Refunded int64 `json:"refunded"`
	// Shared is what profit-sharing orders took or reserve (receivers PENDING or SUCCESS);
	// Unfrozen is what went back to the merchant; SharingDone means no more sharing is
	// possible (unfrozen, by request or unfreeze_unsplit).
	Shared        int64 `json:"shared"`
	Unfrozen      int64 `json:"unfrozen"`
	SharingDone   bool  `json:"sharing_done"`
	SharingOrders int   `json:"sharing_orders"`

	// Shipping is what the mini-program's shipping information management (发货信息管理,
	// shipping.go) holds about the paid transaction; nil until one of its APIs touched it.
	Shipping *txnShipping `json:"shipping,omitempty"`
}

func (t *payTxn) paid() bool { return t.State == TradeSuccess || t.State == TradeRefund }

// payRefund is one refund (退款单).
type payRefund struct {
	MchID         string    `json:"mchid"`
	OutRefundNo   string    `json:"out_refund_no"`
	RefundID      string    `json:"refund_id"`
	OutTradeNo    string    `json:"out_trade_no"`
	TransactionID string    `json:"transaction_id"`
	Reason        string    `json:"reason,omitempty"`
	NotifyURL     string    `json:"notify_url,omitempty"`
	Refund        int64     `json:"refund"`
	Total         int64     `json:"total"`
	Currency      string    `json:"currency"`
	Status        string    `json:"status"`
	CreateTime    time.Time `json:"create_time"`
	SuccessTime   time.Time `json:"success_time"`
	// DueAt is when the refund succeeds by itself; zero means only by control call.
	DueAt time.Time `json:"due_at"`
}

// payReceiver is a profit-sharing receiver a merchant has added (分账接收方).
type payReceiver struct {
	MchID          string    `json:"mchid"`
	AppID          string    `json:"appid"`
	Type           string    `json:"type"`
	Account        string    `json:"account"`
	Name           string    `json:"name,omitempty"`
	RelationType   string    `json:"relation_type"`
	CustomRelation string    `json:"custom_relation,omitempty"`
	AddedAt        time.Time `json:"added_at"`
}

// psOrder is a profit-sharing order (分账单), or an unfreeze order, which WeChat keeps in the
// same table and answers with the same entity.
type psOrder struct {
	MchID           string      `json:"mchid"`
	AppID           string      `json:"appid,omitempty"`
	OutOrderNo      string      `json:"out_order_no"`
	OrderID         string      `json:"order_id"`
	TransactionID   string      `json:"transaction_id"`
	Unfreeze        bool        `json:"unfreeze"`
	UnfreezeUnsplit bool        `json:"unfreeze_unsplit"`
	Description     string      `json:"description,omitempty"`
	State           string      `json:"state"`
	Receivers       []*psDetail `json:"receivers"`
	CreateTime      time.Time   `json:"create_time"`
	DueAt           time.Time   `json:"due_at"`
	FinishTime      time.Time   `json:"finish_time"`
}

// psDetail is one receiver line of a profit-sharing order.
type psDetail struct {
	Type        string    `json:"type"`
	Account     string    `json:"account"`
	Name        string    `json:"name,omitempty"`
	Amount      int64     `json:"amount"`
	Description string    `json:"description"`
	DetailID    string    `json:"detail_id"`
	Result      string    `json:"result"`
	FailReason  string    `json:"fail_reason,omitempty"`
	CreateTime  time.Time `json:"create_time"`
	FinishTime  time.Time `json:"finish_time"`
	// Returned is what profit-sharing returns took back from this line.
	Returned int64 `json:"returned"`
}

// psReturn is a profit-sharing return (分账回退单).
type psReturn struct {
	MchID       string    `json:"mchid"`
	OutReturnNo string    `json:"out_return_no"`
	ReturnID    string    `json:"return_id"`
	OrderID     string    `json:"order_id"`
	OutOrderNo  string    `json:"out_order_no"`
	ReturnMchID string    `json:"return_mchid"`
	Amount      int64     `json:"amount"`
	Description string    `json:"description"`
	Result      string    `json:"result"`
	FailReason  string    `json:"fail_reason,omitempty"`
	CreateTime  time.Time `json:"create_time"`
	FinishTime  time.Time `json:"finish_time"`
}

// payState is the WeChat Pay half's state. One lock covers all of it: a payment, its refunds
// and its profit-sharing orders move money between the same few counters, and one lock makes
// every such move atomic and the snapshot consistent.
type payState struct {
	cfg     PayConfig
	now     func() time.Time // simulated time
	faults  *faultQueue[PayFault]
	limiter *rateLimiter // has its own lock: a refused call touches nothing else

	keyOnce     sync.Once
	platformKey *rsa.PrivateKey
	keyID       string
	apiV3Key    string
	keyErr      error

	mu              sync.Mutex
	txns            map[string]*payTxn // mchid, out_trade_no
	txnByID         map[string]*payTxn // transaction_id
	refunds         map[string]*payRefund
	receivers       map[string]*payReceiver
	orders          map[string]*psOrder // mchid, out_order_no
	returns         map[string]*psReturn
	receiverResults map[string]string // account → injected fail reason
	returnResults   map[string]string // return mchid → injected fail reason
	notifyURLs      map[string]string // mchid → profit-sharing notify URL
	bills           map[string]*billFile
	// waitingRefunds and waitingOrders hold what may finish by itself (processing, with a DueAt), so
	// catching up, which every call does first, looks at them only and not at every refund
	// and order ever made.
	waitingRefunds map[*payRefund]struct{}
	waitingOrders  map[*psOrder]struct{}
	seq            uint64
	notifier       *notifier
	persistErr     error
}

func newPayState(cfg PayConfig, now func() time.Time) *payState {
	p := &payState{
		cfg:             cfg,
		now:             now,
		faults:          newFaultQueue[PayFault](),
		limiter:         newRateLimiter(cfg.RateLimits),
		txns:            make(map[string]*payTxn),
		txnByID:         make(map[string]*payTxn),
		refunds:         make(map[string]*payRefund),
		receivers:       make(map[string]*payReceiver),
		orders:          make(map[string]*psOrder),
		returns:         make(map[string]*psReturn),
		receiverResults: make(map[string]string),
		returnResults:   make(map[string]string),
		notifyURLs:      make(map[string]string),
		bills:           make(map[string]*billFile),
	}
	for mchid, m := range cfg.Merchants {
		if m.ProfitSharingNotifyURL != "" {
			p.notifyURLs[mchid] = m.ProfitSharingNotifyURL
		}
	}
	p.notifier = newNotifier(p)
	return p
}

// keys returns the platform key, its id and the APIv3 key, generating whatever the
// configuration left out on first use (key generation is too slow to do in every New).
func (p *payState) keys() (*rsa.PrivateKey, string, string, error) {
	p.keyOnce.Do(func() {
		p.platformKey, p.keyID, p.apiV3Key = p.cfg.PlatformKey, p.cfg.PublicKeyID, p.cfg.APIv3Key
		if p.platformKey == nil {
			if p.platformKey, p.keyErr = rsa.GenerateKey(rand.Reader, rsaBits); p.keyErr != nil {
				p.keyErr = fmt.Errorf("wxsim: generate platform key: %w", p.keyErr)
				return
			}
		}
		if p.keyID == "" {
			p.keyID = publicKeyID(&p.platformKey.PublicKey)
		}
		if p.apiV3Key == "" {
			p.apiV3Key = randomString(apiV3KeyLength, alphanumeric)
		}
	})
	return p.platformKey, p.keyID, p.apiV3Key, p.keyErr
}

// appAllowed reports whether appid may be used with the pay APIs.
func (p *payState) appAllowed(appid string) bool { return slices.Contains(p.cfg.AppIDs, appid) }

// key joins the parts of a map key; NUL cannot occur in any WeChat identifier.
func key(parts ...string) string {
	n := 0
	for _, s := range parts {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for i, s := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, s...)
	}
	return string(b)
}
