package promo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// SendStatus is where an ops send is.
type SendStatus string

const (
	SendRunning SendStatus = "running"
	SendDone    SendStatus = "done"
)

// Send is ops sending a template's coupons to a list of shoppers, one coupon a shopper.
type Send struct {
	ID         int64
	TemplateID int64
	Note       string
	Status     SendStatus
	Total      int
	Issued     int
	Skipped    int
	CreatedBy  int64
	CreatedAt  time.Time
	FinishedAt time.Time
}

// SendRepo keeps sends and their shoppers (targets).
type SendRepo interface {
	// CreateSend stores the send, running, with a pending target for each shopper.
	CreateSend(ctx context.Context, s *Send, userIDs []int64) (*Send, error)
	Send(ctx context.Context, id int64) (*Send, error)
	// RunningSends lists running sends, oldest first.
	RunningSends(ctx context.Context, limit int) ([]*Send, error)
	// Pending lists up to limit shoppers of the send still pending.
	Pending(ctx context.Context, sendID int64, limit int) ([]int64, error)
	// Settle records a pending shopper's outcome (skipped when reason is not ""), once: false
	// when it was settled before. The send's counts are its targets' (Send counts them).
	Settle(ctx context.Context, sendID, userID int64, reason string) (bool, error)
	// Lease takes the running send for this replica until at+d, unless another replica holds
	// it: one replica at a time grants a send's shoppers.
	Lease(ctx context.Context, sendID int64, at time.Time, d time.Duration) (bool, error)
	// Unlease gives back the lease taken at at for d, if it is still that one.
	Unlease(ctx context.Context, sendID int64, at time.Time, d time.Duration) error
	// FinishSend moves a running send with no pending shopper to done.
	FinishSend(ctx context.Context, sendID int64, at time.Time) error
}

// maxSendTargets bounds one send's list: a bigger audience is several sends.
const maxSendTargets = 10_000

// sendBatch is how many shoppers a tick grants per send.
const sendBatch = 200

// sendLease is how long a replica holds a send while it grants a batch: far more than a batch
// takes, and what a replica that died leaves the send idle at most.
const sendLease = time.Minute

// Sends runs ops sends: a send is stored with its shoppers at once and granted by the sweep
// (Tick), so it resumes after a restart and runs safely on every replica: a shopper's coupon is
// keyed by the send and the shopper (SendKey), and its outcome is recorded once.
type Sends struct {
	repo   Repo
	sends  SendRepo
	claims *Claims
	now    port.Clock
}

// NewSends sends coupons through claims' grants.
func NewSends(repo Repo, sends SendRepo, claims *Claims, now port.Clock) *Sends {
	return &Sends{repo: repo, sends: sends, claims: claims, now: now}
}

// Create checks and stores a send of ops user by; Tick grants it.
func (s *Sends) Create(ctx context.Context, templateID int64, userIDs []int64, note string, by int64) (*Send, error) {
	ids, err := checkTargets(userIDs)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 200 {
		return nil, bizerr.Invalid("note", "at most 200 characters")
	}
	t, err := s.repo.Template(ctx, templateID)
	if err != nil {
		return nil, err
	}
	if t.Channel != ChannelSend {
		return nil, bizerr.Invalid("template_id", "a template of channel send")
	}
	if !t.Issues(s.now()) {
		return nil, fmt.Errorf("template %d: %w", t.ID, ErrNotIssuing)
	}
	return s.sends.CreateSend(ctx, &Send{TemplateID: t.ID, Note: note, Status: SendRunning, Total: len(ids),
		CreatedBy: by}, ids)
}

// checkTargets refuses an empty, oversized or non-positive list and drops repeats.
func checkTargets(userIDs []int64) ([]int64, error) {
	if len(userIDs) == 0 || len(userIDs) > maxSendTargets {
		return nil, bizerr.Invalid("user_ids", "1 to 10,000 shoppers")
	}
	ids := slices.Clone(userIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if ids[0] <= 0 {
		return nil, bizerr.Invalid("user_ids", "positive ids")
	}
	return ids, nil
}

// Tick grants a batch of every running send, and finishes those with nobody left.
func (s *Sends) Tick(ctx context.Context) error {
	running, err := s.sends.RunningSends(ctx, 20)
	if err != nil {
		return err
	}
	var errs []error
	for _, send := range running {
		if err := s.step(ctx, send); err != nil {
			errs = append(errs, fmt.Errorf("send %d: %w", send.ID, err))
		}
	}
	return errors.Join(errs...)
}

// step grants a batch of the send under its lease. Without the lease two replicas would grant
// one shopper at once: the coupon is still issued once (its key), but the one that lost the
// race would find the shopper at its limit and could record it skipped.
func (s *Sends) step(ctx context.Context, send *Send) error {
	return port.Leased(ctx, s.sends, send.ID, sendLease, func(ctx context.Context) error { return s.batch(ctx, send) })
}

func (s *Sends) batch(ctx context.Context, send *Send) error {
	users, err := s.sends.Pending(ctx, send.ID, sendBatch)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return s.sends.FinishSend(ctx, send.ID, s.now())
	}
	for _, u := range users {
		reason, err := s.grant(ctx, send, u)
		if err != nil {
			return err // the rest waits for the next tick
		}
		if _, err := s.sends.Settle(ctx, send.ID, u, reason); err != nil {
			return err
		}
	}
	return nil
}

// grant issues the shopper's coupon of the send, or says why it is skipped. A paused template,
// busy counters or a failure leave the shopper pending for a later tick.
func (s *Sends) grant(ctx context.Context, send *Send, userID int64) (string, error) {
	_, err := s.claims.Grant(ctx, send.TemplateID, userID, SendKey(send.ID, userID))
	switch {
	case err == nil:
		return "", nil
	case errors.Is(err, ErrBudgetSpent):
		return "budget spent", nil
	case errors.Is(err, ErrShopperLimit):
		return "shopper limit reached", nil
	case errors.Is(err, ErrNotIssuing):
		t, terr := s.repo.Template(ctx, send.TemplateID)
		if terr == nil && t.Status == TemplatePaused {
			return "", err
		}
		return "template not issuing", nil
	}
	return "", err
}

// Send reads one send.
func (s *Sends) Send(ctx context.Context, id int64) (*Send, error) {
	if id <= 0 {
		return nil, bizerr.Invalid("id", "a positive id")
	}
	return s.sends.Send(ctx, id)
}
