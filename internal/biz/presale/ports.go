package presale

import (
	"context"
	"time"

	"github.com/groupbuy/groupbuy/internal/geo"
)

// Repo stores batches with their items and grids. Get and Lock return bizerr.ErrNotFound for an
// unknown batch; methods called with the context of port.Transactor.InTx join its transaction.
type Repo interface {
	Create(ctx context.Context, b *Batch) (*Batch, error)
	Get(ctx context.Context, id int64) (*Batch, error)
	// Lock reads the batch for update inside a transaction.
	Lock(ctx context.Context, id int64) (*Batch, error)
	// ReplaceDraft writes a draft's fields, items and grids.
	ReplaceDraft(ctx context.Context, b *Batch) (*Batch, error)
	// SaveStatus writes the status and the fields that go with it (dispatched_at, cancel_*).
	SaveStatus(ctx context.Context, b *Batch) error
	// SaveListPrices writes each item's ListPriceShown, the reference-price rule's verdict.
	SaveListPrices(ctx context.Context, b *Batch) error
	List(ctx context.Context, f ListFilter) ([]*Batch, error)
	// OpenIn lists the open batches published to grid.
	OpenIn(ctx context.Context, grid geo.Cell) ([]*Batch, error)
	// Due lists up to limit ids of batches in status whose opens_at (for scheduled) or
	// cutoff_at (for open) is at or before now.
	Due(ctx context.Context, status Status, now time.Time, limit int) ([]int64, error)
}

// ListFilter selects batches for the console, newest first.
type ListFilter struct {
	Status   Status
	BeforeID int64
	Limit    int
}

// Grids tells which cells ops named as grids (leader.GridRepo).
type Grids interface {
	Exists(ctx context.Context, cell geo.Cell) (bool, error)
}

// SKU is what a batch item copies from the catalog.
type SKU struct {
	ID        int64
	ProductID int64
	Title     string
	Spec      string
	Unit      string
	Image     string
	ListPrice int64
	Active    bool
}

// Catalog reads SKUs with their product's wording; bizerr.ErrNotFound for an unknown one.
type Catalog interface {
	SKU(ctx context.Context, id int64) (SKU, error)
}

// Stock puts a batch's stock counters in place before shoppers can buy from it.
type Stock interface {
	// LoadFresh sets each item's count to its quota where the batch has no count yet, and
	// leaves any count already there as it is: it is for a batch that has taken no order, is
	// safe to repeat, and never pauses a sale.
	LoadFresh(ctx context.Context, b *Batch) error
}

// Event topics of batches, published in the transaction of the change.
const (
	TopicScheduled = "batch.scheduled"
	TopicOpened    = "batch.opened"
	TopicClosed    = "batch.closed"
	TopicCancelled = "batch.cancelled"
)

// Changed is the payload of a batch event.
type Changed struct {
	BatchID int64     `json:"batch_id"`
	Status  Status    `json:"status"`
	At      time.Time `json:"at"`
	Reason  string    `json:"reason,omitempty"`
}
