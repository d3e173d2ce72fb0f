package leader

import (
	"context"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// ListFilter selects leaders for ops. Zero values mean "any".
type ListFilter struct {
	Status   Status
	GridCell geo.Cell
	// PointName matches leaders whose pickup point's name contains it, case-insensitively. The
	// real name and phone are sealed, so no filter can match them.
	PointName string
	AfterID   int64
	Limit     int
}

// Repo stores leaders and their history. Lookups return bizerr.ErrNotFound for an unknown leader;
// Create returns bizerr.ErrConflict when the user already has one.
type Repo interface {
	Create(ctx context.Context, l *Leader) (*Leader, error)
	Get(ctx context.Context, id int64) (*Leader, error)
	GetByUser(ctx context.Context, userID int64) (*Leader, error)
	GetByInviteCode(ctx context.Context, code string) (*Leader, error)
	// Lock and LockByUser read a leader for update inside a transaction: a read-modify-save
	// (a review, a move, a pause) then cannot lose a concurrent change.
	Lock(ctx context.Context, id int64) (*Leader, error)
	LockByUser(ctx context.Context, userID int64) (*Leader, error)
	// Save writes l if its status is still expect; otherwise bizerr.ErrConflict (somebody else
	// reviewed it first).
	Save(ctx context.Context, l *Leader, expect Status) (*Leader, error)
	List(ctx context.Context, f ListFilter) ([]*Leader, error)
	AddEvent(ctx context.Context, e Event) error
	Events(ctx context.Context, leaderID int64) ([]Event, error)
	// ChangedSince returns up to limit leaders whose (updated_at, id) comes after (since, afterID),
	// in that order, for the nearby index to page through changes.
	ChangedSince(ctx context.Context, since time.Time, afterID int64, limit int) ([]*Leader, error)
}

// Grid is a named H3 cell at the grid resolution.
type Grid struct {
	Cell         geo.Cell
	Name         string
	Serving      bool
	RouteLabel   string
	StationLabel string
	// LeaderCount counts approved leaders in the grid (filled by List).
	LeaderCount int
}

// GridRepo stores grids. Get returns bizerr.ErrNotFound for a cell ops never named.
type GridRepo interface {
	Upsert(ctx context.Context, g *Grid) (*Grid, error)
	Get(ctx context.Context, cell geo.Cell) (*Grid, error)
	List(ctx context.Context) ([]*Grid, error)
}

// Binding is a shopper's current choice of leader.
type Binding struct {
	UserID   int64
	LeaderID int64
	BoundAt  time.Time
}

// BindingRepo stores bindings and their history. Current returns bizerr.ErrNotFound when unbound.
type BindingRepo interface {
	Current(ctx context.Context, userID int64) (*Binding, error)
	// Switch ends the current binding (if any) and starts one with leaderID, atomically.
	Switch(ctx context.Context, userID, leaderID int64, at time.Time) (*Binding, error)
	History(ctx context.Context, userID int64) ([]Binding, error)
	// Count is how many bindings the shopper ever had, the current one included.
	Count(ctx context.Context, userID int64) (int, error)
	// Ordered reports whether the shopper ever placed an order, in any status.
	Ordered(ctx context.Context, userID int64) (bool, error)
}

// ReceiverRequest asks for a leader to be added to (or removed from) WeChat Pay's profit-sharing
// receivers. The settlement work carries it out; here it is only queued.
type ReceiverRequest struct {
	LeaderID int64
	Delete   bool
	OpenID   string
	// Type, Account and Name name a receiver other than the leader's openid: a MERCHANT_ID
	// (the company running the pickup point) with its registered name. Empty Type: OpenID.
	Type    string
	Account string
	Name    string
}

// ReceiverQueue queues receiver registrations in the caller's transaction.
type ReceiverQueue interface {
	Enqueue(ctx context.Context, r ReceiverRequest) error
	// Current is the receiver the leader's latest addition names; ok is false when none.
	Current(ctx context.Context, leaderID int64) (r ReceiverRequest, ok bool, err error)
}

// Users is what this domain needs of identity: the user's openid and its roles.
type Users interface {
	Get(ctx context.Context, id int64) (*identity.User, error)
	GrantRole(ctx context.Context, userID int64, role identity.Role) error
	RevokeRole(ctx context.Context, userID int64, role identity.Role) error
}
