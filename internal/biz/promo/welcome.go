package promo

import (
	"context"
	"errors"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// Welcome gives a shopper seen for the first time the coupons of every new-shopper template
// issuing then (新人券), once each.
type Welcome struct {
	repo   Repo
	claims *Claims
	now    port.Clock
}

// NewWelcome builds the handler.
func NewWelcome(repo Repo, claims *Claims, now port.Clock) *Welcome {
	return &Welcome{repo: repo, claims: claims, now: now}
}

// maxWelcomeTemplates bounds the new-shopper templates granted at once: a welcome of more
// coupons than a shopper can read is a misconfiguration, not a gift.
const maxWelcomeTemplates = 10

// OnJoined grants the new-shopper coupons (subscribed to identity.TopicShopperJoined in the event
// map). Each is keyed by template and shopper, so the event delivered again grants nothing more.
// A template that stopped issuing, spent its budget or already gave the shopper its limit is
// skipped; anything else comes again.
func (w *Welcome) OnJoined(ctx context.Context, e event.Event) error {
	var j identity.Joined
	if err := e.Decode(&j); err != nil {
		return err
	}
	ts, err := w.repo.Templates(ctx, TemplateFilter{Channel: ChannelNewShopper, Status: TemplateActive,
		IssuesAt: j.At, Limit: maxWelcomeTemplates})
	if err != nil {
		return fmt.Errorf("new-shopper templates: %w", err)
	}
	for _, t := range ts {
		_, err := w.claims.Grant(ctx, t.ID, j.UserID, NewShopperKey(t.ID, j.UserID))
		switch {
		case err == nil, errors.Is(err, ErrBudgetSpent), errors.Is(err, ErrShopperLimit), errors.Is(err, ErrNotIssuing):
		default:
			return fmt.Errorf("new-shopper coupon of template %d for shopper %d: %w", t.ID, j.UserID, err)
		}
	}
	return nil
}
