// Package promostore keeps promotions: coupon templates, the shoppers' coupons, 满减 activities
// and ops sends. Coupons move only by conditional updates from the states promo's lifecycle
// allows, so a coupon is never held by two orders.
package promostore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/coupon"
	"github.com/groupbuy/groupbuy/ent/predicate"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// CouponStore is the coupons table as promo.Coupons.
type CouponStore struct {
	data *sqldb.DB
	// byID reads the coupons that checkouts price at about the same time in one statement.
	byID *sqldb.Coalescer[int64, *ent.Coupon]
}

// Reads of coupons by id outside a transaction: at most this many a statement, this many
// statements at a time.
const (
	maxCouponsRead = 200
	maxCouponReads = 4
)

// NewCouponStore builds the store on data.
func NewCouponStore(data *sqldb.DB) *CouponStore {
	s := &CouponStore{data: data}
	s.byID = sqldb.NewCoalescer(maxCouponsRead, maxCouponReads, s.readCoupons)
	return s
}

// readCoupons reads the coupons of ids that exist.
func (s *CouponStore) readCoupons(ctx context.Context, ids []int64) (map[int64]*ent.Coupon, error) {
	rows, err := s.data.Ent.Coupon.Query().Where(coupon.IDIn(sqldb.IDs(ids)...)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "read coupons")
	}
	out := make(map[int64]*ent.Coupon, len(rows))
	for _, r := range rows {
		out[int64(r.ID)] = r
	}
	return out, nil
}

var _ promo.Coupons = (*CouponStore)(nil)

// rules is a coupon's copy of its template's rules as stored (JSON).
type rules struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind"`
	AmountOff int64    `json:"amount_off,omitempty"`
	PercentBP int      `json:"percent_bp,omitempty"`
	MaxOff    int64    `json:"max_off,omitempty"`
	Threshold int64    `json:"threshold,omitempty"`
	Scope     string   `json:"scope"`
	IDs       []int64  `json:"ids,omitempty"`
	Cells     []string `json:"cells,omitempty"`
	FundedBy  string   `json:"funded_by"`
}

func encodeRules(r promo.Rules) ([]byte, error) {
	d := r.Discount
	return json.Marshal(rules{Name: r.Name, Kind: string(d.Kind), AmountOff: d.AmountOff, PercentBP: d.PercentBP,
		MaxOff: d.MaxOff, Threshold: d.Threshold, Scope: string(r.Scope.Kind), IDs: r.Scope.IDs,
		Cells: r.Scope.Cells, FundedBy: string(r.FundedBy)})
}

func decodeRules(b []byte) (promo.Rules, error) {
	var r rules
	if err := json.Unmarshal(b, &r); err != nil {
		return promo.Rules{}, fmt.Errorf("coupon rules: %w", err)
	}
	return promo.Rules{Name: r.Name,
		Discount: promo.Discount{Kind: promo.DiscountKind(r.Kind), AmountOff: r.AmountOff, PercentBP: r.PercentBP,
			MaxOff: r.MaxOff, Threshold: r.Threshold},
		Scope:    promo.Scope{Kind: promo.ScopeKind(r.Scope), IDs: r.IDs, Cells: r.Cells},
		FundedBy: promo.Funder(r.FundedBy)}, nil
}

func toCoupon(row *ent.Coupon) (*promo.Coupon, error) {
	r, err := decodeRules(row.Rules)
	if err != nil {
		return nil, fmt.Errorf("coupon %d: %w", row.ID, err)
	}
	c := &promo.Coupon{ID: int64(row.ID), TemplateID: int64(row.TemplateID), UserID: int64(row.UserID), Seq: row.Seq,
		Rules: r, State: promo.CouponState(row.State), ValidFrom: row.ValidFrom.UTC(), ValidUntil: row.ValidUntil.UTC(),
		IssueKey: row.IssueKey, Most: row.Most, Discount: row.Discount, ClaimedAt: row.ClaimedAt.UTC(),
		UsedAt: sqldb.UTC(row.UsedAt)}
	if row.OrderID != nil {
		c.OrderID = int64(*row.OrderID)
	}
	return c, nil
}

func toCoupons(rows []*ent.Coupon) ([]*promo.Coupon, error) {
	out := make([]*promo.Coupon, len(rows))
	for i, row := range rows {
		c, err := toCoupon(row)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// Issue inserts the coupon unless its issue key was issued before, in which case it returns that
// coupon. A seq taken by another key is a conflict (bizerr.ErrConflict): the counters and the
// database disagree, and the caller gives its booking back.
func (s *CouponStore) Issue(ctx context.Context, c *promo.Coupon) (*promo.Coupon, bool, error) {
	body, err := encodeRules(c.Rules)
	if err != nil {
		return nil, false, err
	}
	client := s.data.Client(ctx)
	err = client.Coupon.Create().SetTemplateID(int(c.TemplateID)).SetUserID(int(c.UserID)).SetSeq(c.Seq).
		SetIssueKey(c.IssueKey).SetRules(body).SetMost(c.Most).SetState(coupon.StateAvailable).
		SetValidFrom(c.ValidFrom.UTC()).SetValidUntil(c.ValidUntil.UTC()).SetClaimedAt(c.ClaimedAt.UTC()).
		OnConflictColumns(coupon.FieldIssueKey).DoNothing().Exec(ctx)
	created := true
	if sqldb.NoRows(err) {
		created, err = false, nil
	}
	if err != nil {
		return nil, false, sqldb.Err(err, "issue coupon "+c.IssueKey)
	}
	row, err := client.Coupon.Query().Where(coupon.IssueKey(c.IssueKey)).Only(ctx)
	if err != nil {
		return nil, false, sqldb.Err(err, "read coupon "+c.IssueKey)
	}
	out, err := toCoupon(row)
	return out, created, err
}

// Coupon reads one coupon.
// Outside a transaction it joins the reads of other calls (see sqldb.Coalescer).
func (s *CouponStore) Coupon(ctx context.Context, id int64) (*promo.Coupon, error) {
	if ent.TxFromContext(ctx) != nil {
		row, err := s.data.Client(ctx).Coupon.Get(ctx, int(id))
		if err != nil {
			return nil, sqldb.Err(err, fmt.Sprintf("coupon %d", id))
		}
		return toCoupon(row)
	}
	row, found, err := s.byID.Get(ctx, id)
	switch {
	case err != nil:
		return nil, fmt.Errorf("coupon %d: %w", id, err)
	case !found:
		return nil, fmt.Errorf("coupon %d: %w", id, bizerr.ErrNotFound)
	}
	return toCoupon(row)
}

// OfUser pages through a shopper's coupons, newest first.
func (s *CouponStore) OfUser(ctx context.Context, userID int64, state promo.CouponState, beforeID int64, limit int) ([]*promo.Coupon, error) {
	q := s.data.Client(ctx).Coupon.Query().Where(coupon.UserID(int(userID)))
	if state != "" {
		q = q.Where(coupon.StateEQ(coupon.State(state)))
	}
	if beforeID > 0 {
		q = q.Where(coupon.IDLT(int(beforeID)))
	}
	rows, err := q.Order(ent.Desc(coupon.FieldID)).Limit(limit).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "coupons of a shopper")
	}
	return toCoupons(rows)
}

// maxUsable bounds the coupons a cart is priced with: a shopper holding more sees the ones that
// expire first.
const maxUsable = 100

// Usable lists a shopper's available coupons valid at at, soonest to expire first.
func (s *CouponStore) Usable(ctx context.Context, userID int64, at time.Time) ([]*promo.Coupon, error) {
	rows, err := s.data.Client(ctx).Coupon.Query().
		Where(coupon.UserID(int(userID)), coupon.StateEQ(coupon.StateAvailable),
			coupon.ValidUntilGT(at.UTC()), coupon.ValidFromLTE(at.UTC())).
		Order(ent.Asc(coupon.FieldValidUntil), ent.Asc(coupon.FieldID)).Limit(maxUsable).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "usable coupons")
	}
	return toCoupons(rows)
}

// Issued counts what the template issued, in every state: a used or expired coupon still spent
// its booking.
func (s *CouponStore) Issued(ctx context.Context, templateID int64) (promo.Issued, error) {
	var rows []struct {
		UserID int   `json:"user_id"`
		N      int64 `json:"n"`
		Seq    int   `json:"seq"`
		Most   int64 `json:"most"`
	}
	err := s.data.Client(ctx).Coupon.Query().Where(coupon.TemplateID(int(templateID))).
		GroupBy(coupon.FieldUserID).
		Aggregate(ent.As(ent.Count(), "n"), ent.As(ent.Max(coupon.FieldSeq), "seq"), ent.As(ent.Sum(coupon.FieldMost), "most")).
		Scan(ctx, &rows)
	if err != nil {
		return promo.Issued{}, sqldb.Err(err, fmt.Sprintf("issued of template %d", templateID))
	}
	out := promo.Issued{PerShopper: make(map[int64]int, len(rows))}
	for _, r := range rows {
		out.Count += r.N
		out.Amount += r.Most
		out.PerShopper[int64(r.UserID)] = r.Seq
	}
	return out, nil
}

// move is one conditional update of the coupons matching where from the states that may move to
// the lifecycle's to (Sources), or from the given ones when narrower.
func (s *CouponStore) move(ctx context.Context, to promo.CouponState, from []promo.CouponState, set func(*ent.CouponUpdate), where ...predicate.Coupon) (int, error) {
	for _, f := range from {
		if err := promo.CouponLifecycle.Check(f, to); err != nil {
			return 0, err
		}
	}
	states := make([]coupon.State, len(from))
	for i, f := range from {
		states[i] = coupon.State(f)
	}
	u := s.data.Client(ctx).Coupon.Update().Where(append(where, coupon.StateIn(states...))...).
		SetState(coupon.State(to))
	set(u)
	return u.Save(ctx)
}

// Lock moves the shopper's coupon, available and valid at at, to locked by the order.
func (s *CouponStore) Lock(ctx context.Context, couponID, userID, orderID int64, at time.Time) error {
	n, err := s.move(ctx, promo.CouponLocked, []promo.CouponState{promo.CouponAvailable},
		func(u *ent.CouponUpdate) { u.SetOrderID(int(orderID)).SetLockedAt(at.UTC()) },
		coupon.ID(int(couponID)), coupon.UserID(int(userID)),
		coupon.ValidFromLTE(at.UTC()), coupon.ValidUntilGT(at.UTC()))
	if err != nil {
		return sqldb.Err(err, fmt.Sprintf("lock coupon %d", couponID))
	}
	if n == 0 {
		return fmt.Errorf("coupon %d for order %d: %w", couponID, orderID, promo.ErrCouponNotUsable)
	}
	return nil
}

// Use moves the coupon, locked by the order, to used.
func (s *CouponStore) Use(ctx context.Context, couponID, orderID, discount int64, at time.Time) error {
	_, err := s.move(ctx, promo.CouponUsed, []promo.CouponState{promo.CouponLocked},
		func(u *ent.CouponUpdate) { u.SetUsedAt(at.UTC()).SetDiscount(discount) },
		coupon.ID(int(couponID)), coupon.OrderID(int(orderID)))
	return sqldb.Err(err, fmt.Sprintf("use coupon %d of order %d", couponID, orderID))
}

// Release gives back the coupon if the order holds it, locked or used: available while valid,
// else expired. The order is forgotten only by an available coupon; an expired one keeps it as
// history.
func (s *CouponStore) Release(ctx context.Context, couponID, orderID int64, at time.Time) (bool, error) {
	held := []promo.CouponState{promo.CouponLocked, promo.CouponUsed}
	mine := []predicate.Coupon{coupon.ID(int(couponID)), coupon.OrderID(int(orderID))}
	n, err := s.move(ctx, promo.CouponAvailable, held,
		func(u *ent.CouponUpdate) {
			u.ClearOrderID().ClearLockedAt().ClearUsedAt().SetDiscount(0).SetReleasedAt(at.UTC())
		},
		append(mine, coupon.ValidUntilGT(at.UTC()))...)
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("release coupon %d of order %d", couponID, orderID))
	}
	if n > 0 {
		return true, nil
	}
	n, err = s.move(ctx, promo.CouponExpired, held,
		func(u *ent.CouponUpdate) { u.SetReleasedAt(at.UTC()) },
		append(mine, coupon.ValidUntilLTE(at.UTC()))...)
	return n > 0, sqldb.Err(err, fmt.Sprintf("expire coupon %d of order %d", couponID, orderID))
}

// Expire reads up to limit coupons after the cursor in (valid_until, id) order whose validity
// ended by at, over that index without reading a row, and expires the available ones.
func (s *CouponStore) Expire(ctx context.Context, after promo.ExpiryCursor, at time.Time, limit int) (promo.ExpirySweep, error) {
	from := after.ValidUntil.UTC()
	var seen []struct {
		ID         int       `json:"id"`
		ValidUntil time.Time `json:"valid_until"`
	}
	err := s.data.Client(ctx).Coupon.Query().
		Where(coupon.Or(coupon.ValidUntilGT(from), coupon.And(coupon.ValidUntil(from), coupon.IDGT(int(after.ID)))),
			coupon.ValidUntilLTE(at.UTC())).
		Order(ent.Asc(coupon.FieldValidUntil), ent.Asc(coupon.FieldID)).Limit(limit).
		Select(coupon.FieldID, coupon.FieldValidUntil).Scan(ctx, &seen)
	if err != nil || len(seen) == 0 {
		return promo.ExpirySweep{}, sqldb.Err(err, "coupons due to expire")
	}
	ids := make([]int, len(seen))
	for i, c := range seen {
		ids[i] = c.ID
	}
	n, err := s.move(ctx, promo.CouponExpired, []promo.CouponState{promo.CouponAvailable},
		func(*ent.CouponUpdate) {}, coupon.IDIn(ids...), coupon.ValidUntilLTE(at.UTC()))
	if err != nil {
		return promo.ExpirySweep{}, sqldb.Err(err, "expire coupons")
	}
	last := seen[len(seen)-1]
	return promo.ExpirySweep{Seen: len(seen), Expired: n,
		Next: promo.ExpiryCursor{ValidUntil: last.ValidUntil, ID: int64(last.ID)}}, nil
}
