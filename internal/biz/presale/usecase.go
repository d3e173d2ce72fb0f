package presale

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// Usecase is what ops do with batches.
type Usecase struct {
	repo    Repo
	catalog Catalog
	grids   Grids
	events  event.Publisher
	tx      port.Transactor
	now     port.Clock
	limits  CommissionLimits
	stock   Stock
	prices  PriceHistory
	cfg     Config
}

// CommissionLimits refuses items whose commission, with the recruiting chain's overrides of the
// plans in force (or to come) in the batch's grids, would exceed the profit-sharing cap
// (commission.Plans).
type CommissionLimits interface {
	CheckItems(ctx context.Context, grids []geo.Cell, rates []int) error
}

// NewUsecase builds the batch use cases.
func NewUsecase(repo Repo, catalog Catalog, grids Grids, events event.Publisher, tx port.Transactor, now port.Clock,
	limits CommissionLimits, stock Stock, prices PriceHistory, cfg Config) *Usecase {
	return &Usecase{repo: repo, catalog: catalog, grids: grids, events: events, tx: tx, now: now, limits: limits,
		stock: stock, prices: prices, cfg: cfg}
}

// checkCommission asks the commission limits about b's items.
func (uc *Usecase) checkCommission(ctx context.Context, b *Batch) error {
	if uc.limits == nil {
		return nil
	}
	rates := make([]int, len(b.Items))
	for i, it := range b.Items {
		rates[i] = it.CommissionBP
	}
	return uc.limits.CheckItems(ctx, b.Grids, rates)
}

// Create saves a draft.
func (uc *Usecase) Create(ctx context.Context, by identity.Principal, in Input) (*Batch, error) {
	b, err := uc.build(ctx, in)
	if err != nil {
		return nil, err
	}
	b.Status, b.CreatedBy = Draft, by.ID
	return uc.repo.Create(ctx, b)
}

// Update replaces a draft's fields, items and grids. Only a draft changes: once scheduled, what
// shoppers will see is fixed.
func (uc *Usecase) Update(ctx context.Context, id int64, in Input) (*Batch, error) {
	next, err := uc.build(ctx, in)
	if err != nil {
		return nil, err
	}
	var out *Batch
	err = uc.tx.InTx(ctx, func(ctx context.Context) error {
		b, err := uc.repo.Lock(ctx, id)
		if err != nil {
			return err
		}
		if b.Status != Draft {
			return Lifecycle.Refuse(b.Status, "edit")
		}
		next.ID, next.Status, next.CreatedBy = b.ID, Draft, b.CreatedBy
		out, err = uc.repo.ReplaceDraft(ctx, next)
		return err
	})
	return out, err
}

// build checks the input and copies each SKU's wording and list price into the items.
func (uc *Usecase) build(ctx context.Context, in Input) (*Batch, error) {
	day, err := in.check()
	if err != nil {
		return nil, err
	}
	if err := in.checkWhen(day, uc.now()); err != nil {
		return nil, err
	}
	for _, g := range in.Grids {
		ok, err := uc.grids.Exists(ctx, g)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, bizerr.Invalid("grid_cells", "grid "+g.String()+" is not a named grid")
		}
	}
	b := &Batch{Title: in.Title, OpensAt: in.OpensAt.UTC(), CutoffAt: in.CutoffAt.UTC(), PickupDate: day,
		Grids: in.Grids}
	if err := uc.cfg.checkSettleable(b); err != nil {
		return nil, err
	}
	for _, it := range in.Items {
		sku, err := uc.catalog.SKU(ctx, it.SKUID)
		if errors.Is(err, bizerr.ErrNotFound) || (err == nil && !sku.Active) {
			return nil, bizerr.Invalid("items.sku_id", "SKU "+strconv.FormatInt(it.SKUID, 10)+" is not on sale")
		}
		if err != nil {
			return nil, err
		}
		b.Items = append(b.Items, Item{SKUID: sku.ID, ProductID: sku.ProductID, Title: sku.Title, Spec: sku.Spec,
			Unit: sku.Unit, Image: sku.Image, ListPrice: sku.ListPrice, ReferenceBasis: strings.TrimSpace(it.ReferenceBasis),
			Price: it.Price, Quota: it.Quota, Limit: it.Limit, CommissionBP: it.CommissionBP})
	}
	if err := uc.checkCommission(ctx, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Schedule hands a draft to the clock: it opens at opens_at. A cut-off already past is refused,
// and so is a pickup date too late for the commission to be paid (the configuration may have
// changed since the draft was saved), and a list price the reference-price rule forbids
// (reference.go): the verdict is stored on the items, so the shop's read decides nothing. The
// stock counters are loaded before the batch leaves draft, so a batch due at once is open with
// its stock in place.
func (uc *Usecase) Schedule(ctx context.Context, id int64) (*Batch, error) {
	return uc.move(ctx, id, "schedule", func(txCtx context.Context, b *Batch) error {
		if b.Status != Draft {
			return Lifecycle.Refuse(b.Status, "schedule")
		}
		if !b.CutoffAt.After(uc.now()) {
			return bizerr.Invalid("cutoff_at", "is in the past")
		}
		if err := uc.cfg.checkSettleable(b); err != nil {
			return err
		}
		// The plans may have changed since the draft was saved.
		if err := uc.checkCommission(ctx, b); err != nil {
			return err
		}
		// In the transaction: the verdicts are saved with the status or not at all.
		if err := uc.judgeReferences(txCtx, b, true); err != nil {
			return err
		}
		if err := uc.repo.SaveListPrices(txCtx, b); err != nil {
			return err // the store names the batch
		}
		if err := uc.stock.LoadFresh(ctx, b); err != nil {
			return fmt.Errorf("load stock of batch %d: %w", b.ID, err)
		}
		return Lifecycle.Move(&b.Status, Scheduled)
	}, TopicScheduled)
}

// Dispatch records that a closed batch's goods left the warehouse.
func (uc *Usecase) Dispatch(ctx context.Context, id int64) (*Batch, error) {
	return uc.move(ctx, id, "dispatch", func(_ context.Context, b *Batch) error {
		if b.Status != Closed {
			return Lifecycle.Refuse(b.Status, "dispatch")
		}
		b.DispatchedAt = uc.now()
		return Lifecycle.Move(&b.Status, Dispatched)
	}, "")
}

// Cancel stops a batch that was not dispatched. Its orders are cancelled or refunded by the
// handlers of the cancelled event (and, should one slip in after, by the order sweeper).
func (uc *Usecase) Cancel(ctx context.Context, id int64, reason string) (*Batch, error) {
	return uc.move(ctx, id, "cancel", func(_ context.Context, b *Batch) error {
		switch b.Status {
		case Draft, Scheduled, Open, Closed:
		default:
			return Lifecycle.Refuse(b.Status, "cancel")
		}
		b.CancelReason, b.CancelledAt = reason, uc.now()
		return Lifecycle.Move(&b.Status, Cancelled)
	}, TopicCancelled)
}

// move locks the batch, applies change (given the transaction's context), saves it and
// publishes topic (if any) in one transaction.
func (uc *Usecase) move(ctx context.Context, id int64, action string, change func(context.Context, *Batch) error,
	topic string) (*Batch, error) {
	var out *Batch
	err := uc.tx.InTx(ctx, func(ctx context.Context) error {
		b, err := uc.repo.Lock(ctx, id)
		if err != nil {
			return err
		}
		if err := change(ctx, b); err != nil {
			return err
		}
		if err := uc.repo.SaveStatus(ctx, b); err != nil {
			return fmt.Errorf("%s batch %d: %w", action, id, err)
		}
		out = b
		return uc.publish(ctx, topic, b)
	})
	return out, err
}

func (uc *Usecase) publish(ctx context.Context, topic string, b *Batch) error {
	if topic == "" {
		return nil
	}
	return event.PublishJSON(ctx, uc.events, topic, "batch/"+strconv.FormatInt(b.ID, 10),
		Changed{BatchID: b.ID, Status: b.Status, At: uc.now(), Reason: b.CancelReason})
}

// Get returns a batch.
func (uc *Usecase) Get(ctx context.Context, id int64) (*Batch, error) { return uc.repo.Get(ctx, id) }

// List pages through batches, newest first.
func (uc *Usecase) List(ctx context.Context, f ListFilter) ([]*Batch, error) {
	return uc.repo.List(ctx, f)
}

// OpenIn lists the batches open in grid now.
func (uc *Usecase) OpenIn(ctx context.Context, grid geo.Cell) ([]*Batch, error) {
	return uc.repo.OpenIn(ctx, grid)
}
