package promostore

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entcoupon "github.com/groupbuy/groupbuy/ent/coupon"
	entct "github.com/groupbuy/groupbuy/ent/coupontemplate"
	entpa "github.com/groupbuy/groupbuy/ent/promoactivity"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// applyingTTL is how long the activities that apply are cached in the process. Every checkout
// and quote asks for them, and they change only when ops edit an activity (rare): a pause or an
// end reaches every replica within this much, while one query every 2 s per replica replaces
// one per checkout. The cache is here, not in biz, because it is a cost of reading the
// database, and the store's own writes clear it at once on its replica.
const applyingTTL = 2 * time.Second

// Store keeps templates and activities (promo.Repo), and reads the coupons table for the
// figures of templates and the claims' check by issue key.
type Store struct {
	db *sqldb.DB

	mu      sync.Mutex
	cached  []*promo.Activity
	cacheAt time.Time // when cached was read; zero when there is none

	templates templateCache
}

// NewStore keeps promotions in db.
func NewStore(db *sqldb.DB) *Store { return &Store{db: db} }

// CreateTemplate inserts the template (its ID, times and status come from the database).
func (s *Store) CreateTemplate(ctx context.Context, t *promo.Template) (*promo.Template, error) {
	c := s.db.Client(ctx).CouponTemplate.Create().
		SetName(t.Name).SetCreatedBy(int(t.CreatedBy)).
		SetDiscountKind(entct.DiscountKind(t.Discount.Kind)).SetAmountOff(t.Discount.AmountOff).
		SetPercentBp(t.Discount.PercentBP).SetMaxOff(t.Discount.MaxOff).SetThreshold(t.Discount.Threshold).
		SetValidDays(t.Validity.Days).SetNillableValidFrom(timeOrNil(t.Validity.Window.From)).
		SetNillableValidUntil(timeOrNil(t.Validity.Window.Until)).
		SetBudgetCount(t.Budget.Count).SetBudgetAmount(t.Budget.Amount).SetPerShopper(t.Budget.PerShopper).
		SetFundedBy(entct.FundedBy(t.FundedBy)).SetChannel(entct.Channel(t.Channel)).
		SetClaimFrom(t.ClaimWindow.From.UTC()).SetClaimUntil(t.ClaimWindow.Until.UTC()).
		SetScopeKind(entct.ScopeKind(t.Scope.Kind)).SetScopeIds(t.Scope.IDs).SetScopeCells(t.Scope.Cells)
	if t.Status != "" {
		c.SetStatus(entct.Status(t.Status))
	}
	row, err := c.Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("create coupon template %q", t.Name))
	}
	return toTemplate(row), nil
}

// SaveTemplate writes every editable field of the template, unless it has ended: one
// conditional statement, so an edit racing an end cannot bring the template back.
func (s *Store) SaveTemplate(ctx context.Context, t *promo.Template) error {
	defer s.templates.forget(t.ID)
	u := s.db.Client(ctx).CouponTemplate.UpdateOneID(int(t.ID)).Where(entct.StatusNEQ(entct.StatusEnded))
	if v := timeOrNil(t.Validity.Window.From); v != nil {
		u.SetValidFrom(*v)
	} else {
		u.ClearValidFrom()
	}
	if v := timeOrNil(t.Validity.Window.Until); v != nil {
		u.SetValidUntil(*v)
	} else {
		u.ClearValidUntil()
	}
	err := u.SetName(t.Name).
		SetDiscountKind(entct.DiscountKind(t.Discount.Kind)).SetAmountOff(t.Discount.AmountOff).
		SetPercentBp(t.Discount.PercentBP).SetMaxOff(t.Discount.MaxOff).SetThreshold(t.Discount.Threshold).
		SetValidDays(t.Validity.Days).
		SetBudgetCount(t.Budget.Count).SetBudgetAmount(t.Budget.Amount).SetPerShopper(t.Budget.PerShopper).
		SetFundedBy(entct.FundedBy(t.FundedBy)).SetChannel(entct.Channel(t.Channel)).
		SetClaimFrom(t.ClaimWindow.From.UTC()).SetClaimUntil(t.ClaimWindow.Until.UTC()).
		SetScopeKind(entct.ScopeKind(t.Scope.Kind)).SetScopeIds(t.Scope.IDs).SetScopeCells(t.Scope.Cells).
		Exec(ctx)
	if ent.IsNotFound(err) {
		if _, gerr := s.Template(ctx, t.ID); gerr != nil {
			return gerr
		}
		return promo.TemplateLifecycle.Refuse(promo.TemplateEnded, "edit")
	}
	return sqldb.Err(err, fmt.Sprintf("save coupon template %d", t.ID))
}

// MoveTemplate moves the template's status if it is still from.
func (s *Store) MoveTemplate(ctx context.Context, id int64, from, to promo.TemplateStatus) error {
	defer s.templates.forget(id)
	if err := promo.TemplateLifecycle.Check(from, to); err != nil {
		return err
	}
	n, err := s.db.Client(ctx).CouponTemplate.Update().
		Where(entct.ID(int(id)), entct.StatusEQ(entct.Status(from))).SetStatus(entct.Status(to)).Save(ctx)
	if err != nil {
		return sqldb.Err(err, fmt.Sprintf("move coupon template %d to %s", id, to))
	}
	if n == 0 {
		cur, err := s.Template(ctx, id)
		if err != nil {
			return err
		}
		if err := promo.TemplateLifecycle.Check(cur.Status, to); err != nil {
			return err
		}
		return fmt.Errorf("move coupon template %d: it moved to %s meanwhile: %w", id, cur.Status, bizerr.ErrConflict)
	}
	return nil
}

// Template reads one template; bizerr.ErrNotFound when there is none.
func (s *Store) Template(ctx context.Context, id int64) (*promo.Template, error) {
	row, err := s.db.Client(ctx).CouponTemplate.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get coupon template %d", id))
	}
	return toTemplate(row), nil
}

// Templates lists templates newest first.
func (s *Store) Templates(ctx context.Context, f promo.TemplateFilter) ([]*promo.Template, error) {
	q := s.db.Client(ctx).CouponTemplate.Query()
	if f.Channel != "" {
		q.Where(entct.ChannelEQ(entct.Channel(f.Channel)))
	}
	if f.Status != "" {
		q.Where(entct.StatusEQ(entct.Status(f.Status)))
	}
	if !f.IssuesAt.IsZero() {
		at := f.IssuesAt.UTC()
		q.Where(entct.StatusEQ(entct.StatusActive), entct.ClaimFromLTE(at), entct.ClaimUntilGT(at))
	}
	if f.BeforeID > 0 {
		q.Where(entct.IDLT(int(f.BeforeID)))
	}
	rows, err := q.Order(ent.Desc(entct.FieldID)).Limit(port.PageLimit(f.Limit)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list coupon templates")
	}
	out := make([]*promo.Template, len(rows))
	for i, row := range rows {
		out[i] = toTemplate(row)
	}
	return out, nil
}

// Figures counts the coupons of each template by state, with what they booked and spent, in
// one grouped query over the (template_id, user_id, seq) index.
func (s *Store) Figures(ctx context.Context, templateIDs []int64) (map[int64]promo.Figures, error) {
	out := make(map[int64]promo.Figures, len(templateIDs))
	if len(templateIDs) == 0 {
		return out, nil
	}
	ids := make([]int, len(templateIDs))
	for i, id := range templateIDs {
		ids[i] = int(id)
		out[id] = promo.Figures{}
	}
	var rows []struct {
		TemplateID int    `json:"template_id"`
		State      string `json:"state"`
		N          int64  `json:"n"`
		Most       int64  `json:"most"`
		Discount   int64  `json:"discount"`
	}
	err := s.db.Client(ctx).Coupon.Query().Where(entcoupon.TemplateIDIn(ids...)).
		GroupBy(entcoupon.FieldTemplateID, entcoupon.FieldState).
		Aggregate(ent.As(ent.Count(), "n"), ent.As(ent.Sum(entcoupon.FieldMost), "most"),
			ent.As(ent.Sum(entcoupon.FieldDiscount), "discount")).
		Scan(ctx, &rows)
	if err != nil {
		return nil, sqldb.Err(err, "coupon template figures")
	}
	for _, r := range rows {
		f := out[int64(r.TemplateID)]
		f.Issued += r.N
		f.Booked += r.Most
		switch promo.CouponState(r.State) {
		case promo.CouponLocked:
			f.Locked += r.N
		case promo.CouponUsed:
			f.Used += r.N
			f.Spent += r.Discount
		case promo.CouponExpired:
			f.Expired += r.N
		}
		out[int64(r.TemplateID)] = f
	}
	return out, nil
}

// IssuedKey reports whether a coupon with the issue key exists: a claim whose write failed asks
// it before giving its booking back (the write may have landed and only its answer been lost).
func (s *Store) IssuedKey(ctx context.Context, key string) (bool, error) {
	ok, err := s.db.Client(ctx).Coupon.Query().Where(entcoupon.IssueKey(key)).Exist(ctx)
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("coupon of issue key %q", key))
	}
	return ok, nil
}

// HeldBy counts the shopper's coupons of each template, over the (template, shopper, seq) index.
func (s *Store) HeldBy(ctx context.Context, userID int64, templateIDs []int64) (map[int64]int, error) {
	out := make(map[int64]int, len(templateIDs))
	if len(templateIDs) == 0 {
		return out, nil
	}
	ids := make([]int, len(templateIDs))
	for i, id := range templateIDs {
		ids[i] = int(id)
	}
	var rows []struct {
		TemplateID int `json:"template_id"`
		N          int `json:"n"`
	}
	err := s.db.Client(ctx).Coupon.Query().
		Where(entcoupon.TemplateIDIn(ids...), entcoupon.UserID(int(userID))).
		GroupBy(entcoupon.FieldTemplateID).Aggregate(ent.As(ent.Count(), "n")).Scan(ctx, &rows)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("coupons held by shopper %d", userID))
	}
	for _, r := range rows {
		out[int64(r.TemplateID)] = r.N
	}
	return out, nil
}

// CouponByKey reads the coupon of the issue key; bizerr.ErrNotFound when there is none.
func (s *Store) CouponByKey(ctx context.Context, key string) (*promo.Coupon, error) {
	row, err := s.db.Client(ctx).Coupon.Query().Where(entcoupon.IssueKey(key)).Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("coupon of issue key %q", key))
	}
	return toCoupon(row)
}

// CreateActivity inserts the activity.
func (s *Store) CreateActivity(ctx context.Context, a *promo.Activity) (*promo.Activity, error) {
	tiers, err := encodeTiers(a.Tiers)
	if err != nil {
		return nil, err
	}
	c := s.db.Client(ctx).PromoActivity.Create().
		SetName(a.Name).SetCreatedBy(int(a.CreatedBy)).
		SetStartsAt(a.Window.From.UTC()).SetEndsAt(a.Window.Until.UTC()).SetTiers(tiers).
		SetScopeKind(entpa.ScopeKind(a.Scope.Kind)).SetScopeIds(a.Scope.IDs).SetScopeCells(a.Scope.Cells)
	if a.Status != "" {
		c.SetStatus(entpa.Status(a.Status))
	}
	row, err := c.Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("create activity %q", a.Name))
	}
	s.forgetApplying()
	return toActivity(row)
}

// SaveActivity writes every editable field and the status of the activity.
func (s *Store) SaveActivity(ctx context.Context, a *promo.Activity) error {
	tiers, err := encodeTiers(a.Tiers)
	if err != nil {
		return err
	}
	err = s.db.Client(ctx).PromoActivity.UpdateOneID(int(a.ID)).Where(entpa.StatusNEQ(entpa.StatusEnded)).
		SetName(a.Name).SetStartsAt(a.Window.From.UTC()).SetEndsAt(a.Window.Until.UTC()).SetTiers(tiers).
		SetScopeKind(entpa.ScopeKind(a.Scope.Kind)).SetScopeIds(a.Scope.IDs).SetScopeCells(a.Scope.Cells).
		Exec(ctx)
	s.forgetApplying()
	if ent.IsNotFound(err) {
		if _, gerr := s.Activity(ctx, a.ID); gerr != nil {
			return gerr
		}
		return promo.ActivityLifecycle.Refuse(promo.ActivityEnded, "edit")
	}
	return sqldb.Err(err, fmt.Sprintf("save activity %d", a.ID))
}

// MoveActivity moves the activity's status if it is still from.
func (s *Store) MoveActivity(ctx context.Context, id int64, from, to promo.ActivityStatus) error {
	if err := promo.ActivityLifecycle.Check(from, to); err != nil {
		return err
	}
	n, err := s.db.Client(ctx).PromoActivity.Update().
		Where(entpa.ID(int(id)), entpa.StatusEQ(entpa.Status(from))).SetStatus(entpa.Status(to)).Save(ctx)
	s.forgetApplying()
	if err != nil {
		return sqldb.Err(err, fmt.Sprintf("move activity %d to %s", id, to))
	}
	if n == 0 {
		cur, err := s.Activity(ctx, id)
		if err != nil {
			return err
		}
		if err := promo.ActivityLifecycle.Check(cur.Status, to); err != nil {
			return err
		}
		return fmt.Errorf("move activity %d: it moved to %s meanwhile: %w", id, cur.Status, bizerr.ErrConflict)
	}
	return nil
}

// Activity reads one activity; bizerr.ErrNotFound when there is none.
func (s *Store) Activity(ctx context.Context, id int64) (*promo.Activity, error) {
	row, err := s.db.Client(ctx).PromoActivity.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get activity %d", id))
	}
	return toActivity(row)
}

// Activities lists activities newest first.
func (s *Store) Activities(ctx context.Context, f promo.ActivityFilter) ([]*promo.Activity, error) {
	q := s.db.Client(ctx).PromoActivity.Query()
	if f.Status != "" {
		q.Where(entpa.StatusEQ(entpa.Status(f.Status)))
	}
	if f.BeforeID > 0 {
		q.Where(entpa.IDLT(int(f.BeforeID)))
	}
	rows, err := q.Order(ent.Desc(entpa.FieldID)).Limit(port.PageLimit(f.Limit)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list activities")
	}
	return toActivities(rows)
}

// Applying lists the active activities whose window contains at. It filters a cached list of
// the active activities not yet ended (at most applyingTTL old), so a checkout costs no query.
func (s *Store) Applying(ctx context.Context, at time.Time) ([]*promo.Activity, error) {
	live, err := s.live(ctx)
	if err != nil {
		return nil, err
	}
	var out []*promo.Activity
	for _, a := range live {
		if a.Applies(at) {
			out = append(out, a)
		}
	}
	return out, nil
}

// live is the active activities whose window has not ended, from the cache when it is fresh.
// A cached list read at cacheAt holds every activity ending after cacheAt; one that starts
// later is in it too, so filtering by the asked time stays right within the TTL.
func (s *Store) live(ctx context.Context) ([]*promo.Activity, error) {
	s.mu.Lock()
	if !s.cacheAt.IsZero() && time.Since(s.cacheAt) < applyingTTL {
		live := s.cached
		s.mu.Unlock()
		return live, nil
	}
	s.mu.Unlock()
	readAt := time.Now()
	rows, err := s.db.Client(ctx).PromoActivity.Query().
		Where(entpa.StatusEQ(entpa.StatusActive), entpa.EndsAtGT(readAt.UTC().Add(-time.Minute))).
		Order(ent.Asc(entpa.FieldID)).Limit(port.MaxPageSize).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list live activities")
	}
	live, err := toActivities(rows)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cached, s.cacheAt = live, readAt
	s.mu.Unlock()
	return live, nil
}

// forgetApplying drops the cache after a write of this replica, so its next checkout sees the
// edit at once (other replicas within applyingTTL).
func (s *Store) forgetApplying() {
	s.mu.Lock()
	s.cached, s.cacheAt = nil, time.Time{}
	s.mu.Unlock()
}

// tierJSON is one tier as the tiers column stores it.
type tierJSON struct {
	Threshold  int64 `json:"threshold"`
	Off        int64 `json:"off,omitempty"`
	GiftItemID int64 `json:"gift_item_id,omitempty"`
	GiftQty    int64 `json:"gift_qty,omitempty"`
}

func encodeTiers(tiers []promo.Tier) ([]byte, error) {
	rows := make([]tierJSON, len(tiers))
	for i, t := range tiers {
		rows[i] = tierJSON(t)
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return nil, fmt.Errorf("encode tiers: %w", err)
	}
	return b, nil
}

func toActivities(rows []*ent.PromoActivity) ([]*promo.Activity, error) {
	out := make([]*promo.Activity, len(rows))
	for i, row := range rows {
		a, err := toActivity(row)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

func toActivity(row *ent.PromoActivity) (*promo.Activity, error) {
	var rows []tierJSON
	if err := json.Unmarshal(row.Tiers, &rows); err != nil {
		return nil, fmt.Errorf("decode tiers of activity %d: %w", row.ID, err)
	}
	tiers := make([]promo.Tier, len(rows))
	for i, t := range rows {
		tiers[i] = promo.Tier(t)
	}
	return &promo.Activity{
		ID: int64(row.ID), Name: row.Name, Tiers: tiers,
		Scope:     promo.Scope{Kind: promo.ScopeKind(row.ScopeKind), IDs: row.ScopeIds, Cells: row.ScopeCells},
		Window:    promo.Window{From: row.StartsAt.UTC(), Until: row.EndsAt.UTC()},
		Status:    promo.ActivityStatus(row.Status),
		CreatedBy: int64(row.CreatedBy), CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC(),
	}, nil
}

func toTemplate(row *ent.CouponTemplate) *promo.Template {
	t := &promo.Template{
		ID: int64(row.ID), Name: row.Name,
		Discount: promo.Discount{Kind: promo.DiscountKind(row.DiscountKind), AmountOff: row.AmountOff,
			PercentBP: row.PercentBp, MaxOff: row.MaxOff, Threshold: row.Threshold},
		Scope:       promo.Scope{Kind: promo.ScopeKind(row.ScopeKind), IDs: row.ScopeIds, Cells: row.ScopeCells},
		Validity:    promo.Validity{Days: row.ValidDays},
		Budget:      promo.Budget{Count: row.BudgetCount, Amount: row.BudgetAmount, PerShopper: row.PerShopper},
		FundedBy:    promo.Funder(row.FundedBy),
		Channel:     promo.Channel(row.Channel),
		ClaimWindow: promo.Window{From: row.ClaimFrom.UTC(), Until: row.ClaimUntil.UTC()},
		Status:      promo.TemplateStatus(row.Status),
		CreatedBy:   int64(row.CreatedBy), CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC(),
	}
	if row.ValidFrom != nil {
		t.Validity.Window.From = row.ValidFrom.UTC()
	}
	if row.ValidUntil != nil {
		t.Validity.Window.Until = row.ValidUntil.UTC()
	}
	return t
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

var (
	_ promo.Repo       = (*Store)(nil)
	_ promo.CouponKeys = (*Store)(nil)
	_ promo.Holdings   = (*Store)(nil)
)
