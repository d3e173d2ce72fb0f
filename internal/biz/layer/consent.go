package layer

import (
	"context"
	"regexp"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// ConsentRepo keeps the shoppers' acceptances of one-time subscription templates.
type ConsentRepo interface {
	// AddConsents stores one acceptance of each template under the mini-program's request id:
	// a (shopper, request, template) stored before is not stored again. A template the shopper
	// already holds maxUnused unused acceptances of is not stored either. It returns how many
	// were stored.
	AddConsents(ctx context.Context, userID int64, requestID string, templates []string, maxUnused int,
		at time.Time) (int, error)
	// Unused counts the shopper's unused acceptances per template.
	Unused(ctx context.Context, userID int64) (map[string]int, error)
}

// maxUnusedConsents bounds what one shopper can bank per template: far more than campaigns
// send, and a bound on what a client reporting in a loop can store.
const maxUnusedConsents = 50

// maxTemplatesPerRequest is WeChat's: wx.requestSubscribeMessage asks for at most 3 templates.
const maxTemplatesPerRequest = 3

// requestIDRE is the mini-program's id of one acceptance request.
var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9_\-]{8,64}$`)

// Consents records what shoppers accepted in the mini-program.
type Consents struct {
	repo ConsentRepo
	cfg  TargetingConfig
	now  port.Clock
}

// NewConsents records acceptances of the templates of cfg.
func NewConsents(repo ConsentRepo, cfg TargetingConfig, now port.Clock) *Consents {
	return &Consents{repo: repo, cfg: cfg, now: now}
}

// Report records that the shopper accepted templates in the request requestID (the templates
// wx.requestSubscribeMessage answered "accept" for): each is one message the service may send.
// A resent report counts once. It returns how many acceptances were stored.
func (c *Consents) Report(ctx context.Context, userID int64, requestID string, templates []string) (int, error) {
	if userID <= 0 {
		return 0, bizerr.Invalid("user_id", "a shopper")
	}
	if !requestIDRE.MatchString(requestID) {
		return 0, bizerr.Invalid("request_id", "8 to 64 of A-Z a-z 0-9 _ -")
	}
	if len(templates) == 0 || len(templates) > maxTemplatesPerRequest {
		return 0, bizerr.Invalid("template_ids", "1 to 3 templates")
	}
	ts := slices.Clone(templates)
	slices.Sort(ts)
	ts = slices.Compact(ts)
	for _, id := range ts {
		if !slices.Contains(c.cfg.Templates, id) {
			return 0, bizerr.Invalid("template_ids", "templates the mini-program asks for")
		}
	}
	return c.repo.AddConsents(ctx, userID, requestID, ts, maxUnusedConsents, c.now())
}

// Unused counts the shopper's unused acceptances per template.
func (c *Consents) Unused(ctx context.Context, userID int64) (map[string]int, error) {
	return c.repo.Unused(ctx, userID)
}
