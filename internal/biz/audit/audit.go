// Package audit is the staff's audit log: every state-changing action through the API or the
// console is recorded with who, when, what, from where and how it ended; admins search it. The
// log is append-only: its port has no update or delete, and the database refuses both.
package audit

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// Channel is how the action reached the service.
type Channel string

const (
	ChannelAPI     Channel = "api"
	ChannelConsole Channel = "console"
)

// OutcomeOK is the outcome of an action that succeeded; a refused or failed one has the API's
// error reason (e.g. INVALID_ARGUMENT) as its outcome.
const OutcomeOK = "ok"

// Entry is one recorded action.
type Entry struct {
	ID          int64
	At          time.Time
	SubjectKind identity.SubjectKind
	SubjectID   int64 // 0 when unknown, e.g. a sign-in that failed
	Username    string
	Role        string
	Operation   string // the API operation, e.g. /groupbuy.v1.FinanceSettlement/StartSettlementRun
	Target      string // the request's main id where there is one
	Outcome     string // OutcomeOK or the error reason
	Status      int    // the reply's HTTP status
	Channel     Channel
	RequestID   string
	ClientIP    string // masked by Record: see MaskIP
}

// Filter selects entries; zero fields do not filter. Entries come newest first, BeforeID pages.
type Filter struct {
	Who       string // a username, or a principal's id in digits
	Operation string
	Outcome   string
	From, To  time.Time // From inclusive, To exclusive
	BeforeID  int64
	Limit     int
}

// Repo stores entries. It can only add and read: no entry is ever changed or removed.
type Repo interface {
	Insert(ctx context.Context, e *Entry) error
	Search(ctx context.Context, f Filter) ([]Entry, error)
}

// MaxLimit bounds one page of a search.
const MaxLimit = 200

// Usecase records and searches the audit log.
type Usecase struct {
	repo Repo
	now  port.Clock
}

// NewUsecase is the audit log on repo; now stamps entries.
func NewUsecase(repo Repo, now port.Clock) *Usecase {
	return &Usecase{repo: repo, now: now}
}

// Record adds e, stamped now, its client address masked. It never records without an
// operation, outcome and channel: an entry that says nothing is a bug.
func (u *Usecase) Record(ctx context.Context, e Entry) error {
	if e.Operation == "" || e.Outcome == "" || e.Channel == "" {
		return fmt.Errorf("audit entry lacks operation, outcome or channel: %+v", e)
	}
	e.At = u.now().UTC()
	e.ClientIP = MaskIP(e.ClientIP)
	if err := u.repo.Insert(ctx, &e); err != nil {
		return fmt.Errorf("record %s by %s %d: %w", e.Operation, e.SubjectKind, e.SubjectID, err)
	}
	return nil
}

// Search returns a page of the entries f selects, newest first.
func (u *Usecase) Search(ctx context.Context, f Filter) ([]Entry, error) {
	if f.Limit <= 0 || f.Limit > MaxLimit {
		return nil, bizerr.Invalid("page_size", fmt.Sprintf("must be 1 to %d", MaxLimit))
	}
	if f.BeforeID < 0 {
		return nil, bizerr.Invalid("before_id", "must not be negative")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, bizerr.Invalid("to", "must be after from")
	}
	f.Who, f.Operation, f.Outcome = strings.TrimSpace(f.Who), strings.TrimSpace(f.Operation), strings.TrimSpace(f.Outcome)
	entries, err := u.repo.Search(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("search the audit log: %w", err)
	}
	return entries, nil
}

// MaskIP keeps the network of an address and drops the host: an IPv4 address's /24
// (203.0.113.77 -> 203.0.113.0), an IPv6 one's /48. A client address can single out a person
// (it is personal data under PIPL), and the log only needs to tell where, roughly, an action
// came from: an office, a carrier, a foreign network. Anything that is not an address is dropped.
func MaskIP(s string) string {
	if s == "" {
		return ""
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		s = ap.Addr().String()
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return ""
	}
	addr = addr.Unmap().WithZone("")
	bits := 48
	if addr.Is4() {
		bits = 24
	}
	prefix, err := addr.Prefix(bits)
	if err != nil {
		return ""
	}
	return prefix.Addr().String()
}

// WhoOf is how an entry names p: its kind, id and role(s); the username is the caller's to add
// where it knows it.
func WhoOf(p identity.Principal) (identity.SubjectKind, int64, string) {
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	return p.Kind, p.ID, strings.Join(roles, ",")
}
