// Package leader is the neighbourhood half of the business: group leaders (团长) and their pickup
// points (自提点), the H3 grids (网格) they belong to, how ops review them, and how a shopper finds
// one nearby and binds to it.
package leader

import (
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// Status is where a leader stands with ops.
type Status string

const (
	StatusPending   Status = "pending"
	StatusApproved  Status = "approved"
	StatusRejected  Status = "rejected"
	StatusSuspended Status = "suspended"
	// StatusRemoved ends a leader for good: it no longer serves and is no longer a
	// profit-sharing receiver; what it earned stays in its statements for finance to settle.
	StatusRemoved Status = "removed"
)

// Lifecycle is the review state machine: from → the states ops may move a leader to, the only
// way a leader's status moves (Lifecycle.Move).
var Lifecycle = lifecycle.New("leader",
	[]Status{StatusPending, StatusApproved, StatusRejected, StatusSuspended, StatusRemoved},
	map[Status][]Status{
		StatusPending:   {StatusApproved, StatusRejected},
		StatusApproved:  {StatusSuspended, StatusRemoved},
		StatusSuspended: {StatusApproved, StatusRemoved},
		StatusRejected:  {StatusPending}, // a rejected applicant may apply again
	})

// PickupPoint is where a leader hands goods out. Cells are derived from Location, never given.
type PickupPoint struct {
	Name         string
	Address      string
	Location     geo.LatLng
	OpeningHours string
	PickupCell   geo.Cell
	GridCell     geo.Cell
}

// Leader is a group leader with its pickup point. RealName and Phone are plain in memory and
// sealed at rest.
type Leader struct {
	ID           int64
	UserID       int64
	Status       Status
	Paused       bool
	StatusReason string
	RealName     string
	Phone        string
	Point        PickupPoint
	InviteCode   string
	RecruiterID  *int64
	// Upline is the recruiting chain fixed at approval, level 1 first.
	Upline      []int64
	PendingMove *PickupPoint
	ApprovedAt  *time.Time
	UpdatedAt   time.Time
}

// Serving reports whether shoppers can find and use this pickup point now.
func (l *Leader) Serving() bool { return l.Status == StatusApproved && !l.Paused }

// Event is one recorded change of a leader.
type Event struct {
	LeaderID  int64
	Action    string
	ActorKind string // "user", "console" or "system"
	ActorID   int64
	Reason    string
	At        time.Time
}

// Actions recorded in events.
const (
	ActionApplied    = "applied"
	ActionApproved   = "approved"
	ActionRejected   = "rejected"
	ActionSuspended  = "suspended"
	ActionReinstated = "reinstated"
	ActionRemoved    = "removed"
	// ActionReceiverChanged: the leader's commission goes to another profit-sharing receiver.
	ActionReceiverChanged = "receiver_changed"
	ActionPaused          = "paused"
	ActionResumed         = "resumed"
	ActionPointUpdated    = "point_updated"
	ActionMoveRequested   = "move_requested"
	ActionMoveApproved    = "move_approved"
	ActionMoveRejected    = "move_rejected"
)

// Errors of this domain; the service layer gives each its API reason.
var (
	ErrNotServedArea    = errors.New("the location is not in a served grid")
	ErrInviteNotFound   = errors.New("invite code does not exist")
	ErrInviteCycle      = errors.New("invite code would make a recruiting cycle")
	ErrLeaderNotServing = errors.New("the leader is not serving: choose another")
	ErrNoMovePending    = errors.New("no pickup-point move is waiting for review")
)

// RebindError is bizerr.ErrRateLimited for a shopper changing leaders again within
// RebindInterval of its last choice, after it has ordered.
type RebindError struct {
	// BoundAt is when the current leader was chosen; NextAllowed is BoundAt + Interval.
	BoundAt     time.Time
	NextAllowed time.Time
	Interval    time.Duration
}

func (e *RebindError) Error() string {
	return fmt.Sprintf("leader chosen at %s can be changed once every %s after the first order: next change allowed at %s",
		e.BoundAt.Format(time.RFC3339), e.Interval, e.NextAllowed.Format(time.RFC3339))
}
