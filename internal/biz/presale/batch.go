// Package presale is presale batches (预售批次): what ops publish to which grids, for which order
// window and pickup date, and the life cycle that the clock and ops move them through:
//
//	draft ─schedule─▶ scheduled ─opens_at─▶ open ─cutoff_at─▶ closed ─dispatch─▶ dispatched
//	      ─arrival at every point─▶ arrived ─all orders final─▶ completed
//	draft, scheduled, open, closed ─cancel─▶ cancelled (orders cancelled or refunded)
//
// Items are fixed once a batch leaves draft: what a shopper sees is what it can buy.
package presale

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// Status is where a batch is in its life.
type Status string

const (
	Draft      Status = "draft"
	Scheduled  Status = "scheduled"
	Open       Status = "open"
	Closed     Status = "closed"
	Dispatched Status = "dispatched"
	Arrived    Status = "arrived"
	Completed  Status = "completed"
	Cancelled  Status = "cancelled"
)

// ErrNotOpen means the batch does not take orders now.
var ErrNotOpen = errors.New("batch is not open for orders")

// Lifecycle is the batch's state machine, the only way its status moves (Lifecycle.Move).
var Lifecycle = lifecycle.New("batch",
	[]Status{Draft, Scheduled, Open, Closed, Dispatched, Arrived, Completed, Cancelled},
	map[Status][]Status{
		Draft:      {Scheduled, Cancelled},
		Scheduled:  {Open, Cancelled},
		Open:       {Closed, Cancelled},
		Closed:     {Dispatched, Cancelled},
		Dispatched: {Arrived},
		Arrived:    {Completed},
	})

// Item is one SKU of a batch. Prices in fen, the commission rate in basis points.
type Item struct {
	ID        int64
	BatchID   int64
	SKUID     int64
	ProductID int64
	Title     string
	Spec      string
	Unit      string
	Image     string
	ListPrice int64
	// ReferenceBasis is what ops state the list price is (e.g. 厂商建议零售价), shown next to it;
	// empty when it stands for a price this shop sold at (see reference.go).
	ReferenceBasis string
	// ListPriceShown is the reference-price rule's verdict, taken at scheduling and again at
	// opening: the shop shows ListPrice only when it is true.
	ListPriceShown bool
	Price          int64
	Quota          int64
	// Limit is the most one shopper may hold; 0 means no limit.
	Limit        int64
	CommissionBP int
}

// Batch is a presale batch with its items and grids.
type Batch struct {
	ID           int64
	Title        string
	Status       Status
	OpensAt      time.Time
	CutoffAt     time.Time
	PickupDate   time.Time // local midnight in China
	CreatedBy    int64
	CancelReason string
	DispatchedAt time.Time
	CancelledAt  time.Time
	Items        []Item
	Grids        []geo.Cell
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Item returns the batch's item id.
func (b *Batch) Item(id int64) (Item, bool) {
	i := slices.IndexFunc(b.Items, func(it Item) bool { return it.ID == id })
	if i < 0 {
		return Item{}, false
	}
	return b.Items[i], true
}

// Serves reports whether the batch is published to grid.
func (b *Batch) Serves(grid geo.Cell) bool { return slices.Contains(b.Grids, grid) }

// TakesOrders reports whether a shopper may order at t: open, and within the window. The clock
// is checked as well as the status, so an order cannot slip in between the cut-off and the
// scheduler's next tick.
func (b *Batch) TakesOrders(t time.Time) bool {
	return b.Status == Open && !t.Before(b.OpensAt) && t.Before(b.CutoffAt)
}

// PickupDay formats the pickup date as YYYY-MM-DD.
func (b *Batch) PickupDay() string { return bjtime.Day(b.PickupDate) }

// ItemInput is one item as ops enter it.
type ItemInput struct {
	SKUID        int64
	Price        int64
	Quota        int64
	Limit        int64
	CommissionBP int
	// ReferenceBasis is optional: what the SKU's list price is, when it is not a price this
	// shop sold at (at most 32 characters).
	ReferenceBasis string
}

// Input is a batch as ops enter it.
type Input struct {
	Title      string
	OpensAt    time.Time
	CutoffAt   time.Time
	PickupDate string // YYYY-MM-DD, China time
	Items      []ItemInput
	Grids      []geo.Cell
}

// Limits of a batch.
const (
	maxItems      = 50
	maxGrids      = 500
	maxPrice      = 100_000_000 // fen: one million yuan
	maxQuota      = 1_000_000
	maxCommission = 10_000 // basis points
	// A batch is planned ahead, but not more than a year ahead: a date beyond is a typo.
	maxAhead = 366 * 24 * time.Hour
	// A window may open a little before the request arrives (clocks differ, ops type "now").
	openSkew = 10 * time.Minute
)

// check validates the input and returns its pickup date. Money, quantities and dates are
// checked here again whatever the edge checked: they are what the batch sells by.
func (in *Input) check() (time.Time, error) {
	n := len([]rune(in.Title))
	switch {
	case n < 2 || n > 64:
		return time.Time{}, bizerr.Invalid("title", "2 to 64 characters")
	case strings.TrimSpace(in.Title) == "":
		return time.Time{}, bizerr.Invalid("title", "must not be blank")
	case in.OpensAt.IsZero() || in.CutoffAt.IsZero():
		return time.Time{}, bizerr.Invalid("opens_at", "opens_at and cutoff_at are required")
	case !in.CutoffAt.After(in.OpensAt):
		return time.Time{}, bizerr.Invalid("cutoff_at", "must be after opens_at")
	case len(in.Items) == 0 || len(in.Items) > maxItems:
		return time.Time{}, bizerr.Invalid("items", fmt.Sprintf("1 to %d items", maxItems))
	case len(in.Grids) == 0 || len(in.Grids) > maxGrids:
		return time.Time{}, bizerr.Invalid("grid_cells", fmt.Sprintf("1 to %d grids", maxGrids))
	}
	day, err := time.ParseInLocation(time.DateOnly, in.PickupDate, bjtime.Zone)
	if err != nil {
		return time.Time{}, bizerr.Invalid("pickup_date", "YYYY-MM-DD")
	}
	if day.Before(in.CutoffAt.In(bjtime.Zone).Truncate(24 * time.Hour)) {
		return time.Time{}, bizerr.Invalid("pickup_date", "must not be before the cut-off day")
	}
	if err := checkItems(in.Items); err != nil {
		return time.Time{}, err
	}
	return day, checkGrids(in.Grids)
}

// checkWhen checks the dates against the clock: the window opens no earlier than now (give or
// take openSkew), and the window and the pickup day lie within maxAhead.
func (in *Input) checkWhen(day, now time.Time) error {
	latest := now.Add(maxAhead)
	switch {
	case in.OpensAt.Before(now.Add(-openSkew)):
		return bizerr.Invalid("opens_at", "is in the past")
	case in.CutoffAt.After(latest):
		return bizerr.Invalid("cutoff_at", "is more than a year ahead")
	case day.After(latest):
		return bizerr.Invalid("pickup_date", "is more than a year ahead")
	}
	return nil
}

func checkItems(items []ItemInput) error {
	seen := make(map[int64]bool, len(items))
	for _, it := range items {
		switch {
		case it.SKUID <= 0 || seen[it.SKUID]:
			return bizerr.Invalid("items.sku_id", "each SKU once, ids positive")
		case it.Price <= 0 || it.Price > maxPrice:
			return bizerr.Invalid("items.price_fen", "1 to 100000000 fen")
		case it.Quota <= 0 || it.Quota > maxQuota:
			return bizerr.Invalid("items.quota", "1 to 1000000")
		case it.Limit < 0 || it.Limit > it.Quota:
			return bizerr.Invalid("items.per_shopper_limit", "0 (no limit) up to the quota")
		case it.CommissionBP < 0 || it.CommissionBP > maxCommission:
			return bizerr.Invalid("items.commission_bp", "0 to 10000 basis points")
		}
		if err := checkBasis(it.ReferenceBasis); err != nil {
			return err
		}
		seen[it.SKUID] = true
	}
	return nil
}

func checkGrids(grids []geo.Cell) error {
	seen := make(map[geo.Cell]bool, len(grids))
	for _, g := range grids {
		if !g.Valid() || seen[g] {
			return bizerr.Invalid("grid_cells", "valid H3 cells, each once")
		}
		seen[g] = true
	}
	return nil
}
