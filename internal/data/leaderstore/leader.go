package leaderstore

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/groupbuy/groupbuy/ent"
	entleader "github.com/groupbuy/groupbuy/ent/leader"
	"github.com/groupbuy/groupbuy/ent/leaderevent"
	"github.com/groupbuy/groupbuy/ent/predicate"
	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/geo"
)

type leaderRepo struct {
	data *sqldb.DB
	keys *seal.Keyring
}

// NewLeaderRepo stores leaders; real names and phones are sealed.
func NewLeaderRepo(data *sqldb.DB, keys *seal.Keyring) leader.Repo {
	return &leaderRepo{data: data, keys: keys}
}

func (r *leaderRepo) Create(ctx context.Context, l *leader.Leader) (*leader.Leader, error) {
	var out *leader.Leader
	err := r.data.InTx(ctx, func(ctx context.Context) error {
		row, err := r.data.Client(ctx).Leader.Create().
			SetUserID(int(l.UserID)).
			SetStatus(entleader.Status(l.Status)).
			SetRealNameSealed("-").SetPhoneSealed("-").SetPiiKeyID("-").
			SetPointName(l.Point.Name).SetAddress(l.Point.Address).
			SetLat(l.Point.Location.Lat).SetLng(l.Point.Location.Lng).
			SetPickupCell(l.Point.PickupCell.String()).SetGridCell(l.Point.GridCell.String()).
			SetOpeningHours(l.Point.OpeningHours).
			SetInviteCode(l.InviteCode).
			SetNillableRecruiterID(intPtr(l.RecruiterID)).
			Save(ctx)
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("create leader for user %d", l.UserID))
		}
		// The personal data is sealed with the row's id as associated data, known only now.
		l.ID = int64(row.ID)
		out, err = r.Save(ctx, l, l.Status)
		return err
	})
	return out, err
}

func (r *leaderRepo) Get(ctx context.Context, id int64) (*leader.Leader, error) {
	row, err := r.data.Client(ctx).Leader.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get leader %d", id))
	}
	return r.toDomain(row)
}

func (r *leaderRepo) GetByUser(ctx context.Context, userID int64) (*leader.Leader, error) {
	row, err := r.data.Client(ctx).Leader.Query().Where(entleader.UserID(int(userID))).Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get leader of user %d", userID))
	}
	return r.toDomain(row)
}

func (r *leaderRepo) Lock(ctx context.Context, id int64) (*leader.Leader, error) {
	return r.lockWhere(ctx, fmt.Sprintf("leader %d", id), entleader.ID(int(id)))
}

func (r *leaderRepo) LockByUser(ctx context.Context, userID int64) (*leader.Leader, error) {
	return r.lockWhere(ctx, fmt.Sprintf("leader of user %d", userID), entleader.UserID(int(userID)))
}

// lockWhere reads one leader FOR UPDATE on PostgreSQL; SQLite's writers are serialised by its
// BEGIN IMMEDIATE transactions already.
func (r *leaderRepo) lockWhere(ctx context.Context, what string, p predicate.Leader) (*leader.Leader, error) {
	q := r.data.Client(ctx).Leader.Query().Where(p)
	q = sqldb.Lock(r.data, q)
	row, err := q.Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "lock "+what)
	}
	return r.toDomain(row)
}

func (r *leaderRepo) GetByInviteCode(ctx context.Context, code string) (*leader.Leader, error) {
	row, err := r.data.Client(ctx).Leader.Query().Where(entleader.InviteCode(code)).Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "get leader by invite code")
	}
	return r.toDomain(row)
}

// Save is a compare-and-set on the status: the UPDATE matches only if nobody changed it since.
func (r *leaderRepo) Save(ctx context.Context, l *leader.Leader, expect leader.Status) (*leader.Leader, error) {
	name, kid, err := r.keys.Seal([]byte(l.RealName), LeaderAAD(l.ID, "real_name"))
	if err != nil {
		return nil, fmt.Errorf("seal real name of leader %d: %w", l.ID, err)
	}
	phone, _, err := r.keys.Seal([]byte(l.Phone), LeaderAAD(l.ID, "phone"))
	if err != nil {
		return nil, fmt.Errorf("seal phone of leader %d: %w", l.ID, err)
	}
	u := r.data.Client(ctx).Leader.Update().
		Where(entleader.ID(int(l.ID)), entleader.StatusEQ(entleader.Status(expect))).
		SetStatus(entleader.Status(l.Status)).
		SetPaused(l.Paused).
		SetStatusReason(l.StatusReason).
		SetRealNameSealed(name).SetPhoneSealed(phone).SetPiiKeyID(kid).
		SetPointName(l.Point.Name).SetAddress(l.Point.Address).
		SetLat(l.Point.Location.Lat).SetLng(l.Point.Location.Lng).
		SetPickupCell(l.Point.PickupCell.String()).SetGridCell(l.Point.GridCell.String()).
		SetOpeningHours(l.Point.OpeningHours).
		SetUpline(sqldb.IDs(l.Upline)).
		SetNillableApprovedAt(l.ApprovedAt)
	setMove(u, l.PendingMove)
	n, err := u.Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("save leader %d", l.ID))
	}
	if n == 0 {
		return nil, fmt.Errorf("leader %d is no longer %s: %w", l.ID, expect, bizerr.ErrConflict)
	}
	return r.Get(ctx, l.ID)
}

func setMove(u *ent.LeaderUpdate, m *leader.PickupPoint) {
	if m == nil {
		u.ClearMovePointName().ClearMoveAddress().ClearMoveLat().ClearMoveLng().
			ClearMovePickupCell().ClearMoveGridCell()
		return
	}
	u.SetMovePointName(m.Name).SetMoveAddress(m.Address).
		SetMoveLat(m.Location.Lat).SetMoveLng(m.Location.Lng).
		SetMovePickupCell(m.PickupCell.String()).SetMoveGridCell(m.GridCell.String())
}

func (r *leaderRepo) List(ctx context.Context, f leader.ListFilter) ([]*leader.Leader, error) {
	q := r.data.Client(ctx).Leader.Query().Where(entleader.IDGT(int(f.AfterID)))
	if f.Status != "" {
		q.Where(entleader.StatusEQ(entleader.Status(f.Status)))
	}
	if !f.GridCell.IsZero() {
		q.Where(entleader.GridCell(f.GridCell.String()))
	}
	if f.PointName != "" {
		q.Where(entleader.PointNameContainsFold(f.PointName))
	}
	rows, err := q.Order(ent.Asc(entleader.FieldID)).Limit(port.PageLimit(f.Limit)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list leaders")
	}
	return r.toDomains(rows)
}

func (r *leaderRepo) ChangedSince(ctx context.Context, since time.Time, afterID int64, limit int) ([]*leader.Leader, error) {
	rows, err := r.data.Client(ctx).Leader.Query().
		Where(func(s *sql.Selector) {
			s.Where(sql.Or(
				sql.GT(s.C(entleader.FieldUpdatedAt), since),
				sql.And(sql.EQ(s.C(entleader.FieldUpdatedAt), since), sql.GT(s.C(entleader.FieldID), afterID)),
			))
		}).
		Order(ent.Asc(entleader.FieldUpdatedAt), ent.Asc(entleader.FieldID)).
		Limit(limit).
		All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list changed leaders")
	}
	out := make([]*leader.Leader, len(rows))
	for i, row := range rows {
		// The nearby index needs no personal data: skip opening the sealed fields.
		if out[i], err = r.toDomainPublic(row); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *leaderRepo) AddEvent(ctx context.Context, e leader.Event) error {
	err := r.data.Client(ctx).LeaderEvent.Create().
		SetLeaderID(int(e.LeaderID)).
		SetAction(e.Action).
		SetActorKind(leaderevent.ActorKind(e.ActorKind)).
		SetActorID(int(e.ActorID)).
		SetReason(e.Reason).
		SetAt(e.At).
		Exec(ctx)
	return sqldb.Err(err, fmt.Sprintf("record %s of leader %d", e.Action, e.LeaderID))
}

func (r *leaderRepo) Events(ctx context.Context, leaderID int64) ([]leader.Event, error) {
	rows, err := r.data.Client(ctx).LeaderEvent.Query().
		Where(leaderevent.LeaderID(int(leaderID))).
		Order(ent.Asc(leaderevent.FieldAt), ent.Asc(leaderevent.FieldID)).
		All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("events of leader %d", leaderID))
	}
	out := make([]leader.Event, len(rows))
	for i, e := range rows {
		out[i] = leader.Event{LeaderID: int64(e.LeaderID), Action: e.Action, ActorKind: string(e.ActorKind),
			ActorID: int64(e.ActorID), Reason: e.Reason, At: e.At}
	}
	return out, nil
}

func (r *leaderRepo) toDomains(rows []*ent.Leader) ([]*leader.Leader, error) {
	out := make([]*leader.Leader, len(rows))
	for i, row := range rows {
		var err error
		if out[i], err = r.toDomain(row); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *leaderRepo) toDomain(row *ent.Leader) (*leader.Leader, error) {
	l, err := r.toDomainPublic(row)
	if err != nil {
		return nil, err
	}
	name, err := r.keys.Open(row.RealNameSealed, LeaderAAD(l.ID, "real_name"))
	if err != nil {
		return nil, fmt.Errorf("open real name of leader %d: %w", row.ID, err)
	}
	phone, err := r.keys.Open(row.PhoneSealed, LeaderAAD(l.ID, "phone"))
	if err != nil {
		return nil, fmt.Errorf("open phone of leader %d: %w", row.ID, err)
	}
	l.RealName, l.Phone = string(name), string(phone)
	return l, nil
}

// toDomainPublic maps everything but the sealed personal data.
func (r *leaderRepo) toDomainPublic(row *ent.Leader) (*leader.Leader, error) {
	point, err := toPoint(row.PointName, row.Address, row.Lat, row.Lng, row.OpeningHours, row.PickupCell, row.GridCell)
	if err != nil {
		return nil, fmt.Errorf("leader %d: %w", row.ID, err)
	}
	l := &leader.Leader{
		ID: int64(row.ID), UserID: int64(row.UserID), Status: leader.Status(row.Status), Paused: row.Paused,
		StatusReason: row.StatusReason, Point: *point, InviteCode: row.InviteCode,
		Upline: intsToInt64s(row.Upline), ApprovedAt: row.ApprovedAt, UpdatedAt: row.UpdatedAt,
	}
	if row.RecruiterID != nil {
		id := int64(*row.RecruiterID)
		l.RecruiterID = &id
	}
	if row.MoveLat != nil && row.MoveLng != nil {
		if l.PendingMove, err = toPoint(row.MovePointName, row.MoveAddress, *row.MoveLat, *row.MoveLng,
			row.OpeningHours, row.MovePickupCell, row.MoveGridCell); err != nil {
			return nil, fmt.Errorf("leader %d move: %w", row.ID, err)
		}
	}
	return l, nil
}

func toPoint(name, address string, lat, lng float64, hours, pickup, grid string) (*leader.PickupPoint, error) {
	pc, err := geo.ParseCell(pickup)
	if err != nil {
		return nil, err
	}
	gc, err := geo.ParseCell(grid)
	if err != nil {
		return nil, err
	}
	return &leader.PickupPoint{Name: name, Address: address, Location: geo.LatLng{Lat: lat, Lng: lng},
		OpeningHours: hours, PickupCell: pc, GridCell: gc}, nil
}

// piiAAD binds a sealed value to its row and column.
func LeaderAAD(leaderID int64, column string) []byte {
	return fmt.Appendf(nil, "leader/%d/%s", leaderID, column)
}

func intPtr(p *int64) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

func intsToInt64s(in []int) []int64 {
	if len(in) == 0 {
		return nil
	}
	out := make([]int64, len(in))
	for i, v := range in {
		out[i] = int64(v)
	}
	return out
}
