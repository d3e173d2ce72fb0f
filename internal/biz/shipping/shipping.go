// Package shipping declares paid orders to WeChat's shipping information management service
// (小程序发货信息管理): until a paid order's shipping is uploaded WeChat may keep its funds
// frozen, which would block settlement too. Every order is picked up (用户自提, logistics type
// 4): its declaration is uploaded when the goods reach the pickup point (order.ready). An order
// whose pickup date is more than 15 days after payment is also declared as presale at payment
// (order.paid), with the pickup date as the promised date.
//
// Event handlers only queue declarations (one per order and kind, so a redelivered event
// changes nothing); a Worker, safe on every replica (claims with FOR UPDATE SKIP LOCKED, fenced
// by attempts), makes the calls, retries failures with a capped exponential back-off and
// records WeChat's reason on the declaration. A declaration is never dropped: it ends uploaded,
// failed (WeChat refused its content: ops fix and retry it) or skipped (the order is not
// declarable, e.g. refunded in full, with the reason).
package shipping

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/wxretry"
)

// Kind is what a declaration declares.
type Kind string

const (
	// KindPickup is the self-pickup shipping upload, made when the goods reach the pickup point.
	KindPickup Kind = "pickup"
	// KindPresale is the presale declaration (特殊发货报备), made at payment.
	KindPresale Kind = "presale"
)

// State is where a declaration is.
//
//	pending ─call succeeded─▶ uploaded
//	pending ─retryable failure─▶ pending (later, with last_error)
//	pending ─WeChat refused its content─▶ failed ─ops retry─▶ pending
//	pending ─order not declarable─▶ skipped
type State string

const (
	StatePending  State = "pending"
	StateUploaded State = "uploaded"
	StateFailed   State = "failed"
	StateSkipped  State = "skipped"
)

// Lifecycle is the declaration's state machine, the only way its state moves.
var Lifecycle = lifecycle.New("shipping declaration",
	[]State{StatePending, StateUploaded, StateFailed, StateSkipped},
	map[State][]State{
		StatePending: {StateUploaded, StatePending, StateFailed, StateSkipped},
		StateFailed:  {StatePending},
	})

// RequeueStep is ops' retry of a failed declaration (Repo.Requeue).
var RequeueStep = Lifecycle.Step(StatePending, StateFailed)

// Declaration is one declaration of a paid order.
type Declaration struct {
	ID            int64
	OrderID       int64
	Kind          Kind
	TransactionID string
	OutTradeNo    string
	PayerOpenID   string
	ItemDesc      string
	// PromisedAt is a presale's promised shipping date.
	PromisedAt time.Time
	State      State
	// Attempts counts calls started, this one included; it fences the outcome of a claim.
	Attempts      int
	NextAttemptAt time.Time
	// LastError is WeChat's code and message of the last failed call, or why it was skipped.
	LastError  string
	UploadedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Filter selects declarations for ops.
type Filter struct {
	// State, when set, selects one state.
	State State
	// CreatedBefore, when set, selects declarations created before it.
	CreatedBefore time.Time
	// WithError selects declarations with a last error only.
	WithError bool
	BeforeID  int64
	Limit     int
}

// UndeclaredOrder is a paid order with no uploaded declaration.
type UndeclaredOrder struct {
	OrderID int64
	Status  order.Status
	Amount  int64
	BatchID int64
	PaidAt  time.Time
	Pending []Declaration // its declarations that are not uploaded
}

// Errors of the ports (the uploader maps WeChat's errors onto them).
var (
	// ErrAlreadyShipped: WeChat holds the order as shipped and takes no more uploads (or, for a
	// presale declaration, no longer waits for shipping).
	ErrAlreadyShipped = errors.New("WeChat has the order as shipped already")
	// ErrNotShippable: WeChat will not ship the order (refunded in full or closed).
	ErrNotShippable = errors.New("WeChat says the order cannot ship (refunded or closed)")
	// ErrOrderNotFiled: WeChat's shipping service does not know the payment (yet): retry later.
	ErrOrderNotFiled = errors.New("WeChat's shipping service has not filed the payment yet")
	// ErrInvalid: WeChat refused the request's content; retrying it as it is cannot help.
	ErrInvalid = errors.New("WeChat refused the declaration as invalid")
)

// WeChat's presale window (特殊发货报备 type 1): an order that ships more than 15 days after
// payment must be declared, with a promised date 15 to 330 days after the payment.
const (
	PresaleMinDelay = 15 * 24 * time.Hour
	PresaleMaxDelay = 330 * 24 * time.Hour
)

// ErrPresaleTooFar is a pickup date beyond WeChat's 330-day window: it cannot be declared.
var ErrPresaleTooFar = errors.New("pickup date is more than 330 days after payment: beyond WeChat's presale window")

// PresaleDate says whether an order paid at paidAt for pickup on pickupDate must be declared as
// presale, and the promised date to declare: the pickup date. It needs one when the pickup date
// is more than 15 days after the payment; a date beyond 330 days is ErrPresaleTooFar.
func PresaleDate(paidAt, pickupDate time.Time) (time.Time, bool, error) {
	if paidAt.IsZero() || pickupDate.IsZero() {
		return time.Time{}, false, nil
	}
	d := pickupDate.Sub(paidAt)
	switch {
	case d <= PresaleMinDelay:
		return time.Time{}, false, nil
	case d > PresaleMaxDelay:
		return pickupDate, true, fmt.Errorf("%w (%s)", ErrPresaleTooFar, d.Round(time.Hour))
	}
	return pickupDate, true, nil
}

// Back-off of failing declarations.
const (
	firstRetry = 10 * time.Second
	// DefaultRetryMaxDelay is the cap when none is given: shipping.retry_max_delay's default
	// (internal/conf/defaults.go).
	DefaultRetryMaxDelay = time.Hour
)

// RetryAfter is the wait after attempts failed calls: 10 s, doubling with each, up to maxDelay.
func RetryAfter(attempts int, maxDelay time.Duration) time.Duration {
	if maxDelay <= 0 {
		maxDelay = DefaultRetryMaxDelay
	}
	return wxretry.Backoff{Base: firstRetry, Max: maxDelay}.Delay(attempts)
}

// maxItemDesc is WeChat's limit on item_desc, in characters.
const maxItemDesc = 120

// ItemDesc describes an order's goods for WeChat in at most 120 characters: "草莓*2, 鸡蛋*1",
// cut with "等N件商品" when the lines do not fit.
func ItemDesc(lines []order.Line) string {
	var parts []string
	var total int64
	for _, l := range lines {
		parts = append(parts, fmt.Sprintf("%s*%d", strings.TrimSpace(l.Title), l.Quantity))
		total += l.Quantity
	}
	if len(parts) == 0 {
		return "社区团购商品"
	}
	full := strings.Join(parts, ", ")
	if utf8.RuneCountInString(full) <= maxItemDesc {
		return full
	}
	suffix := fmt.Sprintf(" 等%d件商品", total)
	budget := maxItemDesc - utf8.RuneCountInString(suffix)
	out := []rune(full)
	if budget < 1 {
		budget = 1
	}
	return string(out[:min(budget, len(out))]) + suffix
}
