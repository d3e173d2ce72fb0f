package data

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/groupbuy/groupbuy/ent"
	entbatch "github.com/groupbuy/groupbuy/ent/batch"
	"github.com/groupbuy/groupbuy/ent/batchgrid"
	"github.com/groupbuy/groupbuy/ent/batchitem"
	"github.com/groupbuy/groupbuy/ent/grid"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/geo"
)

type batchRepo struct{ data *Data }

// NewBatchRepo stores presale batches with their items and grids.
func NewBatchRepo(data *Data) presale.Repo { return &batchRepo{data: data} }

func (r *batchRepo) Create(ctx context.Context, b *presale.Batch) (*presale.Batch, error) {
	var out *presale.Batch
	err := r.data.InTx(ctx, func(ctx context.Context) error {
		row, err := r.data.client(ctx).Batch.Create().
			SetTitle(b.Title).SetStatus(entbatch.Status(b.Status)).SetOpensAt(b.OpensAt).
			SetCutoffAt(b.CutoffAt).SetPickupDate(b.PickupDate).SetCreatedBy(int(b.CreatedBy)).
			Save(ctx)
		if err != nil {
			return dbErr(err, "create batch")
		}
		if err := r.writeParts(ctx, row.ID, b); err != nil {
			return err
		}
		out, err = r.Get(ctx, int64(row.ID))
		return err
	})
	return out, err
}

// writeParts inserts a batch's items and grids, each set in one statement.
func (r *batchRepo) writeParts(ctx context.Context, id int, b *presale.Batch) error {
	c := r.data.client(ctx)
	items := make([]*ent.BatchItemCreate, len(b.Items))
	for i, it := range b.Items {
		items[i] = c.BatchItem.Create().SetBatchID(id).SetSkuID(int(it.SKUID)).SetProductID(int(it.ProductID)).
			SetTitle(it.Title).SetSpec(it.Spec).SetUnit(it.Unit).SetImage(it.Image).SetListPrice(it.ListPrice).
			SetPrice(it.Price).SetQuota(it.Quota).SetPerShopperLimit(it.Limit).SetCommissionBp(it.CommissionBP)
	}
	if err := c.BatchItem.CreateBulk(items...).Exec(ctx); err != nil {
		return dbErr(err, fmt.Sprintf("items of batch %d", id))
	}
	grids := make([]*ent.BatchGridCreate, len(b.Grids))
	for i, g := range b.Grids {
		grids[i] = c.BatchGrid.Create().SetBatchID(id).SetGridCell(g.String())
	}
	return dbErr(c.BatchGrid.CreateBulk(grids...).Exec(ctx), fmt.Sprintf("grids of batch %d", id))
}

func (r *batchRepo) Get(ctx context.Context, id int64) (*presale.Batch, error) {
	row, err := r.data.client(ctx).Batch.Get(ctx, int(id))
	if err != nil {
		return nil, dbErr(err, fmt.Sprintf("batch %d", id))
	}
	return r.withParts(ctx, row)
}

func (r *batchRepo) Lock(ctx context.Context, id int64) (*presale.Batch, error) {
	q := r.data.client(ctx).Batch.Query().Where(entbatch.ID(int(id)))
	if r.data.dialect == dialect.Postgres {
		q.ForUpdate()
	}
	row, err := q.Only(ctx)
	if err != nil {
		return nil, dbErr(err, fmt.Sprintf("lock batch %d", id))
	}
	return r.withParts(ctx, row)
}

func (r *batchRepo) withParts(ctx context.Context, row *ent.Batch) (*presale.Batch, error) {
	batches, err := r.attach(ctx, []*ent.Batch{row})
	if err != nil {
		return nil, err
	}
	return batches[0], nil
}

// attach reads the items and grids of rows in two queries.
func (r *batchRepo) attach(ctx context.Context, rows []*ent.Batch) ([]*presale.Batch, error) {
	ids := make([]int, len(rows))
	out := make([]*presale.Batch, len(rows))
	byID := make(map[int]*presale.Batch, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
		out[i] = toBatch(row)
		byID[row.ID] = out[i]
	}
	c := r.data.client(ctx)
	items, err := c.BatchItem.Query().Where(batchitem.BatchIDIn(ids...)).Order(ent.Asc(batchitem.FieldID)).All(ctx)
	if err != nil {
		return nil, dbErr(err, "batch items")
	}
	for _, it := range items {
		b := byID[it.BatchID]
		b.Items = append(b.Items, presale.Item{ID: int64(it.ID), BatchID: int64(it.BatchID), SKUID: int64(it.SkuID),
			ProductID: int64(it.ProductID), Title: it.Title, Spec: it.Spec, Unit: it.Unit, Image: it.Image,
			ListPrice: it.ListPrice, Price: it.Price, Quota: it.Quota, Limit: it.PerShopperLimit,
			CommissionBP: it.CommissionBp})
	}
	grids, err := c.BatchGrid.Query().Where(batchgrid.BatchIDIn(ids...)).Order(ent.Asc(batchgrid.FieldID)).All(ctx)
	if err != nil {
		return nil, dbErr(err, "batch grids")
	}
	for _, g := range grids {
		cell, err := geo.ParseCell(g.GridCell)
		if err != nil {
			return nil, fmt.Errorf("batch %d grid %q: %w", g.BatchID, g.GridCell, err)
		}
		byID[g.BatchID].Grids = append(byID[g.BatchID].Grids, cell)
	}
	return out, nil
}

func toBatch(row *ent.Batch) *presale.Batch {
	b := &presale.Batch{ID: int64(row.ID), Title: row.Title, Status: presale.Status(row.Status),
		OpensAt: row.OpensAt.UTC(), CutoffAt: row.CutoffAt.UTC(), PickupDate: row.PickupDate.In(bjtime.Zone),
		CreatedBy: int64(row.CreatedBy), CancelReason: row.CancelReason, CreatedAt: row.CreatedAt,
		UpdatedAt: row.UpdatedAt}
	if row.DispatchedAt != nil {
		b.DispatchedAt = *row.DispatchedAt
	}
	if row.CancelledAt != nil {
		b.CancelledAt = *row.CancelledAt
	}
	return b
}

func (r *batchRepo) ReplaceDraft(ctx context.Context, b *presale.Batch) (*presale.Batch, error) {
	var out *presale.Batch
	err := r.data.InTx(ctx, func(ctx context.Context) error {
		c := r.data.client(ctx)
		id := int(b.ID)
		err := c.Batch.UpdateOneID(id).SetTitle(b.Title).SetOpensAt(b.OpensAt).SetCutoffAt(b.CutoffAt).
			SetPickupDate(b.PickupDate).Exec(ctx)
		if err != nil {
			return dbErr(err, fmt.Sprintf("update batch %d", id))
		}
		if _, err := c.BatchItem.Delete().Where(batchitem.BatchID(id)).Exec(ctx); err != nil {
			return dbErr(err, fmt.Sprintf("clear items of batch %d", id))
		}
		if _, err := c.BatchGrid.Delete().Where(batchgrid.BatchID(id)).Exec(ctx); err != nil {
			return dbErr(err, fmt.Sprintf("clear grids of batch %d", id))
		}
		if err := r.writeParts(ctx, id, b); err != nil {
			return err
		}
		out, err = r.Get(ctx, b.ID)
		return err
	})
	return out, err
}

func (r *batchRepo) SaveStatus(ctx context.Context, b *presale.Batch) error {
	u := r.data.client(ctx).Batch.UpdateOneID(int(b.ID)).SetStatus(entbatch.Status(b.Status)).
		SetCancelReason(b.CancelReason)
	if !b.DispatchedAt.IsZero() {
		u.SetDispatchedAt(b.DispatchedAt)
	}
	if !b.CancelledAt.IsZero() {
		u.SetCancelledAt(b.CancelledAt)
	}
	return dbErr(u.Exec(ctx), fmt.Sprintf("save batch %d", b.ID))
}

func (r *batchRepo) List(ctx context.Context, f presale.ListFilter) ([]*presale.Batch, error) {
	q := r.data.client(ctx).Batch.Query().Order(ent.Desc(entbatch.FieldID)).Limit(port.PageLimit(f.Limit))
	if f.Status != "" {
		q.Where(entbatch.StatusEQ(entbatch.Status(f.Status)))
	}
	if f.BeforeID > 0 {
		q.Where(entbatch.IDLT(int(f.BeforeID)))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, dbErr(err, "list batches")
	}
	return r.attach(ctx, rows)
}

func (r *batchRepo) OpenIn(ctx context.Context, cell geo.Cell) ([]*presale.Batch, error) {
	rows, err := r.data.client(ctx).Batch.Query().
		Where(entbatch.StatusEQ(entbatch.StatusOpen),
			func(s *sql.Selector) {
				t := sql.Table(batchgrid.Table)
				s.Where(sql.In(s.C(entbatch.FieldID),
					sql.Select(t.C(batchgrid.FieldBatchID)).From(t).Where(sql.EQ(t.C(batchgrid.FieldGridCell), cell.String()))))
			}).
		Order(ent.Asc(entbatch.FieldCutoffAt)).All(ctx)
	if err != nil {
		return nil, dbErr(err, "open batches in grid "+cell.String())
	}
	return r.attach(ctx, rows)
}

func (r *batchRepo) Due(ctx context.Context, status presale.Status, now time.Time, limit int) ([]int64, error) {
	q := r.data.client(ctx).Batch.Query().Where(entbatch.StatusEQ(entbatch.Status(status))).Limit(limit)
	switch status {
	case presale.Scheduled:
		q.Where(entbatch.OpensAtLTE(now))
	case presale.Open:
		q.Where(entbatch.CutoffAtLTE(now))
	default:
		return nil, fmt.Errorf("no batch is due from %s", status)
	}
	ids, err := q.IDs(ctx)
	if err != nil {
		return nil, dbErr(err, "batches due from "+string(status))
	}
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(id)
	}
	return out, nil
}

type gridNames struct{ data *Data }

// NewGridNames tells which cells ops named as grids.
func NewGridNames(data *Data) presale.Grids { return &gridNames{data: data} }

func (g *gridNames) Exists(ctx context.Context, cell geo.Cell) (bool, error) {
	ok, err := g.data.client(ctx).Grid.Query().Where(grid.ID(cell.String())).Exist(ctx)
	return ok, dbErr(err, "grid "+cell.String())
}

type skuCatalog struct{ data *Data }

// NewSKUCatalog reads SKUs with their product's wording for batch items.
func NewSKUCatalog(data *Data) presale.Catalog { return &skuCatalog{data: data} }

func (c *skuCatalog) SKU(ctx context.Context, id int64) (presale.SKU, error) {
	s, err := c.data.client(ctx).Sku.Get(ctx, int(id))
	if err != nil {
		return presale.SKU{}, dbErr(err, fmt.Sprintf("sku %d", id))
	}
	p, err := c.data.client(ctx).Product.Get(ctx, s.ProductID)
	if err != nil {
		return presale.SKU{}, dbErr(err, fmt.Sprintf("product of sku %d", id))
	}
	out := presale.SKU{ID: int64(s.ID), ProductID: int64(p.ID), Title: p.Title, Spec: s.Spec, Unit: s.Unit,
		ListPrice: s.ListPrice, Active: s.Status == "active" && p.Status == "active"}
	if len(p.Images) > 0 {
		out.Image = p.Images[0]
	}
	return out, nil
}
