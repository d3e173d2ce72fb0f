package order

import (
	"context"
	"errors"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// PickupRepo stores the pickup day: arrivals, the orders they make ready, shopper notices, and
// the aggregate reads of pick and dispatch lists. Methods called with the context of
// port.Transactor.InTx join its transaction; the ones that change orders must be.
type PickupRepo interface {
	// AddArrival records that batchID's goods reached leaderID's point. When the pair is already
	// recorded it changes nothing and returns the stored arrival with created false.
	AddArrival(ctx context.Context, a Arrival) (stored *Arrival, created bool, err error)
	// Arrivals lists the arrivals recorded for a batch.
	Arrivals(ctx context.Context, batchID int64) ([]Arrival, error)
	// MakeReady moves leaderID's orders of batchID that Lifecycle lets reach ready_for_pickup
	// (paid) to it with ready_at = at, under their row locks, and returns the orders it moved
	// as they were read (lines not loaded): the caller moves each on Lifecycle.
	MakeReady(ctx context.Context, batchID, leaderID int64, at time.Time) ([]*Order, error)
	// LateArrivals lists up to limit (batch, leader) pairs that have an arrival and still a paid
	// order: paid after the goods were marked arrived.
	LateArrivals(ctx context.Context, limit int) ([]Arrival, error)
	// PointsWaiting counts the leaders of batchID that have paid orders and no arrival.
	PointsWaiting(ctx context.Context, batchID int64) (int, error)
	// AddNotices inserts notices; one whose (order, kind) is already there is skipped.
	AddNotices(ctx context.Context, ns []Notice) error
	// Notice returns the notice of kind for an order; bizerr.ErrNotFound when there is none.
	Notice(ctx context.Context, orderID int64, kind string) (*Notice, error)
	// Notices pages through a shopper's notices, newest first.
	Notices(ctx context.Context, userID, beforeID int64, limit int) ([]*Notice, error)

	// OrderByCode finds the order of leaderID whose pickup code is code; bizerr.ErrNotFound for
	// any other code, including another leader's.
	OrderByCode(ctx context.Context, leaderID int64, code string) (int64, error)
	// FlagOverdue sets overdue_at = at on every ready order whose ready_at is at or before
	// readyBefore and that is not flagged yet, in one statement; it returns how many.
	FlagOverdue(ctx context.Context, readyBefore, at time.Time) (int, error)
	// CompleteDue moves up to limit orders that Lifecycle lets reach completed (picked up)
	// whose picked_up_at is at or before pickedBefore, and that have no open after-sales
	// request, to completed; it skips rows another transaction holds and returns the orders
	// moved as they were read (lines not loaded): the caller moves each on Lifecycle.
	CompleteDue(ctx context.Context, pickedBefore time.Time, limit int) ([]*Order, error)
	// Overdue pages through ready orders flagged overdue, oldest id first, with their lines.
	Overdue(ctx context.Context, afterID int64, limit int) ([]*Order, error)

	// PickRows reads one leader's orders of a batch in statuses, one row per order line, with
	// the quantity still to hand out (quantity - refunded_quantity).
	PickRows(ctx context.Context, batchID, leaderID int64, statuses []Status) ([]PickRow, error)
	// DispatchRows sums a batch's orders in statuses per grid, leader and item (GROUP BY), and
	// counts the orders per grid and leader, in one grid or all ("" grid); Stops carry the
	// points' names and addresses and Grids the grids' names and labels.
	DispatchRows(ctx context.Context, batchID int64, grid string, statuses []Status) (*DispatchRows, error)
	// DispatchRoutes counts a batch's orders in statuses and their pickup points per grid, by
	// cell, with the grids' names and labels.
	DispatchRoutes(ctx context.Context, batchID int64, statuses []Status) ([]DispatchRoute, error)
	// LeaderBatches pages through the batches with orders (paid or later) at leaderID's point,
	// newest first.
	LeaderBatches(ctx context.Context, leaderID, beforeID int64, limit int) ([]*presale.Batch, error)
	// BatchesDue lists up to limit ids of batches in status that may move on: dispatched ones
	// with no point waiting for its arrival, arrived ones with no order left open (paid,
	// ready_for_pickup, refunding, picked_up).
	BatchesDue(ctx context.Context, status presale.Status, limit int) ([]int64, error)
	// OpenOrders counts a batch's orders in paid, ready_for_pickup, refunding or picked_up.
	OpenOrders(ctx context.Context, batchID int64) (int, error)
}

// PickupGuard holds the short-lived counters of the pickup day (Redis).
type PickupGuard interface {
	// ClaimAttempt counts one pickup verification of leaderID, unless limit are counted in the
	// current window already: then it reports false and counts nothing. Check and count are one
	// atomic step, so a burst of parallel guesses cannot pass the limit. The window starts with
	// the first count.
	ClaimAttempt(ctx context.Context, leaderID, limit int64, window time.Duration) (bool, error)
	// ReturnAttempt uncounts a claimed attempt that turned out not to be a failure.
	ReturnAttempt(ctx context.Context, leaderID int64) error
	// Once reports true to the first caller of key within ttl and false to the others.
	Once(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Forget drops key, so the next Once of it is first again.
	Forget(ctx context.Context, key string) error
}

// Messenger sends a shopper a WeChat subscription message (订阅消息) for a notice. It returns an
// error wrapping ErrMessageRefused when WeChat will not deliver it to this user (not
// subscribed, unknown openid): the user's choice, not a fault.
type Messenger interface {
	Notify(ctx context.Context, userID int64, n Notice) error
}

// ErrMessageRefused means the user does not take the message; the notice in the app stays.
var ErrMessageRefused = errors.New("subscription message refused")

// PickRow is one line of one order at a pickup point.
type PickRow struct {
	OrderID int64
	UserID  int64
	Status  Status
	LineID  int64
	ItemID  int64
	Qty     int64
}

// DispatchRows is what DispatchRows reads; the use case gives it its order and titles.
type DispatchRows struct {
	// Lines are the quantities per grid, leader and item.
	Lines []StopLine
	// Orders count the orders per grid and leader.
	Orders []StopOrders
	Stops  map[int64]Point
	Grids  map[string]GridInfo
}

// StopLine is one item's quantity at one stop.
type StopLine struct {
	Grid     string
	LeaderID int64
	ItemID   int64
	Qty      int64
}

// StopOrders is how many orders one stop has.
type StopOrders struct {
	Grid     string
	LeaderID int64
	Orders   int64
}

// Point is a leader's pickup point as dispatch shows it.
type Point struct {
	Name    string
	Address string
}

// GridInfo is a grid's name and delivery labels.
type GridInfo struct {
	Name         string
	RouteLabel   string
	StationLabel string
}

// AfterSaleRepo stores after-sales requests. Get and Lock return bizerr.ErrNotFound for an
// unknown request; methods called with the context of port.Transactor.InTx join its
// transaction.
type AfterSaleRepo interface {
	Create(ctx context.Context, a *AfterSale) (*AfterSale, error)
	Get(ctx context.Context, id int64) (*AfterSale, error)
	// Lock reads the request for update inside a transaction.
	Lock(ctx context.Context, id int64) (*AfterSale, error)
	// Save writes the status, the review, out_refund_no and fail_reason, and sets updated_at
	// to at.
	Save(ctx context.Context, a *AfterSale, at time.Time) error
	// OpenFor lists an order's requests that are requested or approved.
	OpenFor(ctx context.Context, orderID int64) ([]*AfterSale, error)
	// ByUser pages through a shopper's requests, newest first.
	ByUser(ctx context.Context, userID, beforeID int64, limit int) ([]*AfterSale, error)
	// List pages through requests in status (any when empty), newest first.
	List(ctx context.Context, status AfterSaleStatus, beforeID int64, limit int) ([]*AfterSale, error)
	// DueRetry lists up to limit approved requests last updated at or before t, least
	// recently updated first.
	DueRetry(ctx context.Context, t time.Time, limit int) ([]*AfterSale, error)
	// Touch sets a request's updated_at to at, so DueRetry takes the others first.
	Touch(ctx context.Context, id int64, at time.Time) error
	// AddNotice inserts a notice unless the order has one of its kind.
	AddNotice(ctx context.Context, n Notice) error
}
