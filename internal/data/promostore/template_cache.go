package promostore

import (
	"context"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// claimTemplateTTL is how long claims use a template read before. In a claim burst every request
// reads the template it claims, and all but the lucky ones are refused by the counters at once:
// the read would be most of their cost. A pause, an end or an edit reaches the claims of every
// replica within this much (at once on the replica that made it), and a claim holding an older
// template cannot pass budgets lowered since: the counters take the lower of both.
const claimTemplateTTL = time.Second

// templateCache holds the templates claims read, by id. Only templates that exist are kept, so it
// is no larger than the templates table.
type templateCache struct {
	mu sync.Mutex
	m  map[int64]cachedTemplate
}

type cachedTemplate struct {
	t  promo.Template
	at time.Time
}

// ClaimTemplate is Template as claims and grants read it: up to claimTemplateTTL old.
func (s *Store) ClaimTemplate(ctx context.Context, id int64) (*promo.Template, error) {
	if t, ok := s.templates.get(id); ok {
		return t, nil
	}
	readAt := time.Now()
	t, err := s.Template(ctx, id)
	if err != nil {
		return nil, err
	}
	s.templates.put(t, readAt)
	return t, nil
}

// get is a copy of the cached template, if fresh: claims cannot change the cache through it.
func (c *templateCache) get(id int64) (*promo.Template, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || time.Since(e.at) >= claimTemplateTTL {
		return nil, false
	}
	t := e.t
	return &t, true
}

func (c *templateCache) put(t *promo.Template, readAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[int64]cachedTemplate)
	}
	c.m[t.ID] = cachedTemplate{t: *t, at: readAt}
}

// forget drops a template this replica changed.
func (c *templateCache) forget(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}
