package layer

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// Kind is what a targeted send sends.
type Kind string

const (
	// KindCoupon grants a coupon of a send template through an ops coupon send.
	KindCoupon Kind = "coupon"
	// KindMessage sends a one-time subscription message (一次性订阅消息).
	KindMessage Kind = "message"
)

// Status is where a targeted send is.
type Status string

const (
	Running Status = "running"
	Done    Status = "done"
)

// Progress counts a send's shoppers by outcome. Coupons: Sent issued, Skipped not (budget,
// limit). Messages: Sent delivered to WeChat, NoConsent without an unused acceptance of the
// template, Refused by WeChat (the user turned the template off), Unknown cut off between using
// the consent and hearing WeChat's answer (never sent again: at most one message a shopper).
type Progress struct {
	Pending, Sent, Skipped, NoConsent, Refused, Unknown int
}

// Send is ops sending a coupon or a message to one layer of one grid as a day's snapshot had it.
type Send struct {
	ID    int64
	Day   string
	Layer Layer
	Grid  string
	Kind  Kind
	// CouponTemplateID and CouponSendID: the coupon send that grants a KindCoupon send.
	CouponTemplateID int64
	CouponSendID     int64
	// Message is a KindMessage send's message.
	Message    Message
	Note       string
	Status     Status
	Total      int
	Progress   Progress
	CreatedBy  int64
	CreatedAt  time.Time
	FinishedAt time.Time
}

// Message is a subscription message: the template the mini-program asked the shopper to accept,
// the page it opens and the template's keyword values.
type Message struct {
	TemplateID string
	Page       string
	Data       map[string]string
}

// Outcome is what taking a consent did to a pending shopper of a message send.
type Outcome int

const (
	// Taken: a consent is used for the shopper, now being sent.
	Taken Outcome = iota
	// Settled: the shopper was no longer pending (another replica had it).
	Settled
	// NoConsent: the shopper has no unused acceptance of the template; recorded.
	NoConsent
)

// SendRepo keeps targeted sends and, for message sends, their shoppers.
type SendRepo interface {
	// Create stores the send; a message send with a pending target for each shopper.
	Create(ctx context.Context, s *Send, userIDs []int64) (*Send, error)
	// Get reads a send with its progress (a message send's); bizerr.ErrNotFound when unknown.
	Get(ctx context.Context, id int64) (*Send, error)
	// List pages through sends, newest first.
	List(ctx context.Context, beforeID int64, limit int) ([]*Send, error)
	// RunningMessages lists running message sends, oldest first.
	RunningMessages(ctx context.Context, limit int) ([]*Send, error)
	// Lease takes the running send until at+d unless another replica holds it; Unlease gives
	// back the lease taken at at for d if it is still that one.
	Lease(ctx context.Context, id int64, at time.Time, d time.Duration) (bool, error)
	Unlease(ctx context.Context, id int64, at time.Time, d time.Duration) error
	// Pending lists up to limit pending shoppers of the send.
	Pending(ctx context.Context, id int64, limit int) ([]int64, error)
	// TakeConsent, in one transaction, moves a pending shopper to sending with the oldest unused
	// consent of template (marked used by the send at at), or to no_consent when there is none.
	TakeConsent(ctx context.Context, id, userID int64, template string, at time.Time) (Outcome, error)
	// Settle moves a sending shopper to sent, or to refused with reason when reason is not "".
	Settle(ctx context.Context, id, userID int64, reason string) error
	// GiveBack moves a sending shopper back to pending and its consent back to unused: WeChat
	// did not take the message, a later tick tries again.
	GiveBack(ctx context.Context, id, userID int64) error
	// Finish moves a running send with nobody pending to done.
	Finish(ctx context.Context, id int64, at time.Time) error
}

// Messenger sends a shopper a subscription message. An error wrapping ErrRefused is WeChat
// refusing this user the message (not accepted, turned off, unknown openid); any other error
// may pass on a later try.
type Messenger interface {
	Send(ctx context.Context, userID int64, m Message) error
}

// ErrRefused is WeChat not delivering a message to a user: the user's choice, not a fault.
var ErrRefused = errors.New("subscription message refused")

// TargetingConfig is what may be sent: the one-time subscription templates the mini-program
// asks shoppers to accept.
type TargetingConfig struct {
	Templates []string
}

// maxAudience is the largest audience of one send: what an ops coupon send takes.
const maxAudience = 10_000

// messageBatch is how many shoppers a tick sends to per send; messageLease how long a replica
// holds a send meanwhile (far more than a batch takes).
const (
	messageBatch = 100
	messageLease = time.Minute
)

// Targeting creates targeted sends and runs the message sends (Tick).
type Targeting struct {
	snapshots SnapshotRepo
	sends     SendRepo
	coupons   *promo.Sends
	messenger Messenger
	cfg       TargetingConfig
	now       port.Clock
}

// NewTargeting sends coupons through coupons and messages through messenger.
func NewTargeting(snapshots SnapshotRepo, sends SendRepo, coupons *promo.Sends, messenger Messenger,
	cfg TargetingConfig, now port.Clock) *Targeting {
	return &Targeting{snapshots: snapshots, sends: sends, coupons: coupons, messenger: messenger, cfg: cfg, now: now}
}

// Templates are the subscription templates messages may use.
func (t *Targeting) Templates() []string { return slices.Clone(t.cfg.Templates) }

// Audience names a layer of a grid on a day.
type Audience struct {
	Day   string
	Layer Layer
	Grid  string
}

// audience checks a and reads its shoppers from the day's snapshot.
func (t *Targeting) audience(ctx context.Context, a Audience) ([]int64, error) {
	d, err := ParseDay(a.Day)
	if err != nil {
		return nil, err
	}
	if _, err := ParseLayer(string(a.Layer)); err != nil {
		return nil, err
	}
	if a.Grid == "" || len(a.Grid) > 16 {
		return nil, bizerr.Invalid("grid_cell", "a grid's cell")
	}
	if _, err := t.snapshots.Info(ctx, d.String()); err != nil {
		return nil, fmt.Errorf("snapshot of %s: %w", d, err)
	}
	ids, err := t.snapshots.Audience(ctx, d.String(), a.Layer, a.Grid, maxAudience+1)
	switch {
	case err != nil:
		return nil, err
	case len(ids) == 0:
		return nil, bizerr.Invalid("layer", "no shopper of this layer in this grid on this day")
	case len(ids) > maxAudience:
		return nil, bizerr.Invalid("layer", fmt.Sprintf("more than %d shoppers: choose a smaller grid or layer", maxAudience))
	}
	return ids, nil
}

func checkNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 200 {
		return "", bizerr.Invalid("note", "at most 200 characters")
	}
	return note, nil
}

// SendCoupon grants a coupon of templateID (a send template) to each shopper of the audience
// through an ops coupon send: once a shopper, resumable, on any number of replicas.
func (t *Targeting) SendCoupon(ctx context.Context, a Audience, templateID int64, note string, by int64) (*Send, error) {
	note, err := checkNote(note)
	if err != nil {
		return nil, err
	}
	if templateID <= 0 {
		return nil, bizerr.Invalid("coupon_template_id", "a positive id")
	}
	ids, err := t.audience(ctx, a)
	if err != nil {
		return nil, err
	}
	cs, err := t.coupons.Create(ctx, templateID, ids, couponNote(a, note), by)
	if err != nil {
		return nil, err
	}
	return t.sends.Create(ctx, &Send{Day: a.Day, Layer: a.Layer, Grid: a.Grid, Kind: KindCoupon,
		CouponTemplateID: templateID, CouponSendID: cs.ID, Note: note, Status: Running, Total: cs.Total, CreatedBy: by}, nil)
}

// couponNote is the coupon send's note: the audience, then as much of ops' note as the coupon
// send's 200 characters leave.
func couponNote(a Audience, note string) string {
	prefix := fmt.Sprintf("%s %s %s", a.Day, a.Grid, a.Layer)
	rest := []rune(note)
	if n := 200 - utf8.RuneCountInString(prefix) - 1; len(rest) > n {
		rest = rest[:max(n, 0)]
	}
	return strings.TrimSpace(prefix + " " + string(rest))
}

// keywordRE is WeChat's keyword names: a type and a number (thing1, time2, character_string3).
var keywordRE = regexp.MustCompile(`^[a-z_]{1,32}[0-9]{1,2}$`)

// pageRE is a mini-program page path with an optional query.
var pageRE = regexp.MustCompile(`^[A-Za-z0-9_/\-]{1,100}(\?[A-Za-z0-9_=&%.\-]{0,100})?$`)

// checkMessage refuses a template the mini-program does not ask for and values WeChat would
// refuse: every keyword type takes at most 20 characters except character_string (32).
func (t *Targeting) checkMessage(m Message) error {
	if !slices.Contains(t.cfg.Templates, m.TemplateID) {
		return bizerr.Invalid("template_id", "one of the configured subscription templates")
	}
	if m.Page != "" && !pageRE.MatchString(m.Page) {
		return bizerr.Invalid("page", "a mini-program page path")
	}
	if len(m.Data) == 0 || len(m.Data) > 10 {
		return bizerr.Invalid("data", "1 to 10 keywords")
	}
	for k, v := range m.Data {
		limit := 20
		if strings.HasPrefix(k, "character_string") {
			limit = 32
		}
		if !keywordRE.MatchString(k) {
			return bizerr.Invalid("data", fmt.Sprintf("keyword %q is not a template keyword", k))
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(v)); n == 0 || n > limit {
			return bizerr.Invalid("data", fmt.Sprintf("%s: 1 to %d characters", k, limit))
		}
	}
	return nil
}

// SendMessage sends m to each shopper of the audience that has an unused acceptance of its
// template, using one acceptance each; the others are counted as no consent.
func (t *Targeting) SendMessage(ctx context.Context, a Audience, m Message, note string, by int64) (*Send, error) {
	note, err := checkNote(note)
	if err != nil {
		return nil, err
	}
	if err := t.checkMessage(m); err != nil {
		return nil, err
	}
	ids, err := t.audience(ctx, a)
	if err != nil {
		return nil, err
	}
	return t.sends.Create(ctx, &Send{Day: a.Day, Layer: a.Layer, Grid: a.Grid, Kind: KindMessage, Message: m,
		Note: note, Status: Running, Total: len(ids), CreatedBy: by}, ids)
}

// Get reads a send with its progress.
func (t *Targeting) Get(ctx context.Context, id int64) (*Send, error) {
	if id <= 0 {
		return nil, bizerr.Invalid("id", "a positive id")
	}
	s, err := t.sends.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s, t.couponProgress(ctx, s)
}

// List pages through sends, newest first, with their progress.
func (t *Targeting) List(ctx context.Context, beforeID int64, limit int) ([]*Send, error) {
	sends, err := t.sends.List(ctx, beforeID, min(max(limit, 1), 100))
	if err != nil {
		return nil, err
	}
	for _, s := range sends {
		if err := t.couponProgress(ctx, s); err != nil {
			return nil, err
		}
	}
	return sends, nil
}

// couponProgress fills a coupon send's progress and status from its ops coupon send.
func (t *Targeting) couponProgress(ctx context.Context, s *Send) error {
	if s.Kind != KindCoupon {
		return nil
	}
	cs, err := t.coupons.Send(ctx, s.CouponSendID)
	if err != nil {
		return fmt.Errorf("coupon send %d: %w", s.CouponSendID, err)
	}
	s.Progress = Progress{Sent: cs.Issued, Skipped: cs.Skipped, Pending: cs.Total - cs.Issued - cs.Skipped}
	s.Status, s.FinishedAt = Status(cs.Status), cs.FinishedAt
	if cs.Status != promo.SendDone {
		s.Status = Running
	}
	return nil
}

// Tick sends a batch of every running message send under its lease, and finishes those with
// nobody pending. Coupon sends are granted by promo.Sends' own tick.
func (t *Targeting) Tick(ctx context.Context) error {
	running, err := t.sends.RunningMessages(ctx, 20)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range running {
		if err := t.step(ctx, s); err != nil {
			errs = append(errs, fmt.Errorf("targeted send %d: %w", s.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (t *Targeting) step(ctx context.Context, s *Send) error {
	return port.Leased(ctx, t.sends, s.ID, messageLease, func(ctx context.Context) error { return t.batch(ctx, s) })
}

func (t *Targeting) batch(ctx context.Context, s *Send) error {
	users, err := t.sends.Pending(ctx, s.ID, messageBatch)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return t.sends.Finish(ctx, s.ID, t.now())
	}
	for _, u := range users {
		if err := t.sendOne(ctx, s, u); err != nil {
			return err // the rest waits for the next tick
		}
	}
	return nil
}

// sendOne uses one of the shopper's consents and sends. The consent is used before the call, so
// a crash in between leaves the shopper "sending" and never sends twice.
func (t *Targeting) sendOne(ctx context.Context, s *Send, userID int64) error {
	outcome, err := t.sends.TakeConsent(ctx, s.ID, userID, s.Message.TemplateID, t.now())
	if err != nil || outcome != Taken {
		return err
	}
	err = t.messenger.Send(ctx, userID, s.Message)
	switch {
	case err == nil:
		return t.sends.Settle(ctx, s.ID, userID, "")
	case errors.Is(err, ErrRefused):
		return t.sends.Settle(ctx, s.ID, userID, "refused by WeChat")
	}
	return errors.Join(err, t.sends.GiveBack(context.WithoutCancel(ctx), s.ID, userID))
}
