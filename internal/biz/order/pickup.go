package order

import (
	"context"
	"sync"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// Arrival is the goods of a batch reaching one leader's pickup point (到货).
type Arrival struct {
	BatchID   int64
	LeaderID  int64
	ArrivedAt time.Time
	// MarkedBy says who marked it: "leader:<user id>" or "ops:<console id>".
	MarkedBy string
	// OrdersReady counts the orders this marking made ready: 0 when it was marked before.
	OrdersReady int
}

// Notice kinds.
const (
	NoticeArrived  = "arrived"
	NoticeRefunded = "refunded"
)

// Notice is a message for a shopper, listed in the mini-program; one per order and kind.
type Notice struct {
	ID        int64
	UserID    int64
	OrderID   int64
	Kind      string
	Title     string
	Body      string
	CreatedAt time.Time
	ReadAt    time.Time
}

// ItemQty is a quantity of one batch item.
type ItemQty struct {
	ItemID int64
	Title  string
	Spec   string
	Unit   string
	Qty    int64
}

// PickTotal is one item's units at a pickup point, by their order's status.
type PickTotal struct {
	ItemQty        // Qty is every unit below
	Paid     int64 // not arrived yet
	Ready    int64 // waiting for the shopper
	PickedUp int64 // handed out (picked up or completed)
}

// Bag is one order as the leader packs and hands it out.
type Bag struct {
	OrderID int64
	// Shopper is a short label to call out: the order number's last digits. No phone number.
	Shopper string
	Status  Status
	Lines   []ItemQty
}

// PickList is a batch at one pickup point.
type PickList struct {
	BatchID    int64
	LeaderID   int64
	PickupDate string
	Arrived    bool
	ArrivedAt  time.Time
	Totals     []PickTotal
	Bags       []Bag
}

// DispatchStop is one pickup point on a grid's route.
type DispatchStop struct {
	LeaderID  int64
	PointName string
	Address   string
	Orders    int64
	Lines     []ItemQty
	Arrived   bool
}

// DispatchGrid is what goes to one grid, stop by stop.
type DispatchGrid struct {
	Cell         string
	Name         string
	RouteLabel   string
	StationLabel string
	Stops        []DispatchStop
	Totals       []ItemQty
}

// DispatchList is a batch's goods per grid and pickup point.
type DispatchList struct {
	BatchID    int64
	PickupDate string
	Grids      []DispatchGrid
	Totals     []ItemQty
}

// DispatchRoute is one grid of a batch's dispatch list index: its route, and how many pickup
// points and orders it serves.
type DispatchRoute struct {
	GridInfo
	Cell   string
	Stops  int64
	Orders int64
}

// DispatchIndex is a batch's routes, by cell.
type DispatchIndex struct {
	BatchID    int64
	PickupDate string
	Routes     []DispatchRoute
}

// Pickup limits.
const (
	// maxVerifyFailures within verifyWindow lock a leader's verification: with 10¹² codes, a
	// guesser gets nowhere, and a leader mistyping still has room.
	maxVerifyFailures = 30
	verifyWindow      = 15 * time.Minute
	// notifyAttempts bounds the deliveries of one arrival message that fail for another
	// reason than the user's refusal; the notice in the app remains either way.
	notifyAttempts = 5
	notifyOnceTTL  = 7 * 24 * time.Hour
	// batchScan is how often the sweeper looks for batches to move and late-paid orders.
	batchScan = 30 * time.Second
	// pickupSweep is how many orders or batches one sweep step takes; completeRounds bounds
	// the completion rounds of one tick.
	pickupSweep    = 200
	completeRounds = 10
)

// listed are the statuses whose goods travel and are handed out: they make the pick and
// dispatch lists. Refunded units are left out line by line.
var listed = []Status{Paid, Ready, PickedUp, Completed}

// Pickup is the pickup day: pick and dispatch lists, arrivals, pickup verification (核销) and the
// sweeps that flag overdue orders and complete orders and batches.
type Pickup struct {
	repo    PickupRepo
	guard   PickupGuard
	orders  Repo
	batches presale.Repo
	leaders leader.Repo
	events  event.Publisher
	tx      port.Transactor
	qr      *QRSigner
	msg     Messenger
	cfg     Config
	now     port.Clock

	mu        sync.Mutex
	lastBatch time.Time
}

// NewPickup builds the pickup use cases. msg may be nil: notices are then only in the app.
func NewPickup(repo PickupRepo, guard PickupGuard, orders Repo, batches presale.Repo, leaders leader.Repo,
	events event.Publisher, tx port.Transactor, qr *QRSigner, msg Messenger, cfg Config, now port.Clock) *Pickup {
	return &Pickup{repo: repo, guard: guard, orders: orders, batches: batches, leaders: leaders, events: events,
		tx: tx, qr: qr, msg: msg, cfg: cfg, now: now}
}

// afterCutoff refuses a list of a batch still taking orders (or cancelled): its quantities are
// not final.
func afterCutoff(b *presale.Batch, action string) error {
	switch b.Status {
	case presale.Closed, presale.Dispatched, presale.Arrived, presale.Completed:
		return nil
	}
	return presale.Lifecycle.Refuse(b.Status, action)
}

// Overdue pages through orders waiting at pickup points longer than Config.PickupOverdue.
func (p *Pickup) Overdue(ctx context.Context, afterID int64, limit int) ([]*Order, error) {
	return p.repo.Overdue(ctx, afterID, limit)
}

// Notices pages through a shopper's notices, newest first.
func (p *Pickup) Notices(ctx context.Context, userID, beforeID int64, limit int) ([]*Notice, error) {
	return p.repo.Notices(ctx, userID, beforeID, limit)
}

// MyBatches pages through the batches with orders at the caller's pickup point, newest first.
func (p *Pickup) MyBatches(ctx context.Context, leaderUserID, beforeID int64, limit int) ([]*presale.Batch, error) {
	l, err := p.leaders.GetByUser(ctx, leaderUserID)
	if err != nil {
		return nil, err
	}
	return p.repo.LeaderBatches(ctx, l.ID, beforeID, limit)
}
