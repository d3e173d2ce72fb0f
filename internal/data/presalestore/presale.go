package presalestore

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/groupbuy/groupbuy/ent"
	entbatch "github.com/groupbuy/groupbuy/ent/batch"
	"github.com/groupbuy/groupbuy/ent/batchgrid"
	"github.com/groupbuy/groupbuy/ent/batchitem"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// BatchRepo is presale.Repo on the batches tables.
type BatchRepo struct{ data *sqldb.DB }

// NewBatchRepo stores presale batches with their items and grids.
func NewBatchRepo(data *sqldb.DB) *BatchRepo { return &BatchRepo{data: data} }

func (r *BatchRepo) Create(ctx context.Context, b *presale.Batch) (*presale.Batch, error) {
	var out *presale.Batch
	err := r.data.InTx(ctx, func(ctx context.Context) error {
		row, err := r.data.Client(ctx).Batch.Create().
			SetTitle(b.Title).SetStatus(entbatch.Status(b.Status)).SetOpensAt(b.OpensAt).
			SetCutoffAt(b.CutoffAt).SetPickupDate(b.PickupDate).SetCreatedBy(int(b.CreatedBy)).
			Save(ctx)
		if err != nil {
			return sqldb.Err(err, "create batch")
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
func (r *BatchRepo) writeParts(ctx context.Context, id int, b *presale.Batch) error {
	c := r.data.Client(ctx)
	items := make([]*ent.BatchItemCreate, len(b.Items))
	for i, it := range b.Items {
		items[i] = c.BatchItem.Create().SetBatchID(id).SetSkuID(int(it.SKUID)).SetProductID(int(it.ProductID)).
			SetTitle(it.Title).SetSpec(it.Spec).SetUnit(it.Unit).SetImage(it.Image).SetListPrice(it.ListPrice).
			SetReferenceBasis(it.ReferenceBasis).SetListPriceShown(it.ListPriceShown).SetPrice(it.Price).SetQuota(it.Quota).SetPerShopperLimit(it.Limit).SetCommissionBp(it.CommissionBP)
	}
	if err := c.BatchItem.CreateBulk(items...).Exec(ctx); err != nil {
		return sqldb.Err(err, fmt.Sprintf("items of batch %d", id))
	}
	grids := make([]*ent.BatchGridCreate, len(b.Grids))
	for i, g := range b.Grids {
		grids[i] = c.BatchGrid.Create().SetBatchID(id).SetGridCell(g.String())
	}
	return sqldb.Err(c.BatchGrid.CreateBulk(grids...).Exec(ctx), fmt.Sprintf("grids of batch %d", id))
}

func (r *BatchRepo) Get(ctx context.Context, id int64) (*presale.Batch, error) {
	row, err := r.data.Client(ctx).Batch.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("batch %d", id))
	}
	return r.withParts(ctx, row)
}

func (r *BatchRepo) Lock(ctx context.Context, id int64) (*presale.Batch, error) {
	q := r.data.Client(ctx).Batch.Query().Where(entbatch.ID(int(id)))
	q = sqldb.Lock(r.data, q)
	row, err := q.Only(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("lock batch %d", id))
	}
	return r.withParts(ctx, row)
}

func (r *BatchRepo) withParts(ctx context.Context, row *ent.Batch) (*presale.Batch, error) {
	batches, err := r.attach(ctx, []*ent.Batch{row})
	if err != nil {
		return nil, err
	}
	return batches[0], nil
}

// attach reads the items and grids of rows in two queries.
func (r *BatchRepo) attach(ctx context.Context, rows []*ent.Batch) ([]*presale.Batch, error) {
	ids := make([]int, len(rows))
	out := make([]*presale.Batch, len(rows))
	byID := make(map[int]*presale.Batch, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
		out[i] = toBatch(row)
		byID[row.ID] = out[i]
	}
	c := r.data.Client(ctx)
	items, err := c.BatchItem.Query().Where(batchitem.BatchIDIn(ids...)).Order(ent.Asc(batchitem.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "batch items")
	}
	for _, it := range items {
		b := byID[it.BatchID]
		b.Items = append(b.Items, presale.Item{ID: int64(it.ID), BatchID: int64(it.BatchID), SKUID: int64(it.SkuID),
			ProductID: int64(it.ProductID), Title: it.Title, Spec: it.Spec, Unit: it.Unit, Image: it.Image,
			ListPrice: it.ListPrice, ReferenceBasis: it.ReferenceBasis, ListPriceShown: it.ListPriceShown, Price: it.Price, Quota: it.Quota, Limit: it.PerShopperLimit,
			CommissionBP: it.CommissionBp})
	}
	grids, err := c.BatchGrid.Query().Where(batchgrid.BatchIDIn(ids...)).Order(ent.Asc(batchgrid.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "batch grids")
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

func (r *BatchRepo) ReplaceDraft(ctx context.Context, b *presale.Batch) (*presale.Batch, error) {
	var out *presale.Batch
	err := r.data.InTx(ctx, func(ctx context.Context) error {
		c := r.data.Client(ctx)
		id := int(b.ID)
		err := c.Batch.UpdateOneID(id).SetTitle(b.Title).SetOpensAt(b.OpensAt).SetCutoffAt(b.CutoffAt).
			SetPickupDate(b.PickupDate).Exec(ctx)
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("update batch %d", id))
		}
		if _, err := c.BatchItem.Delete().Where(batchitem.BatchID(id)).Exec(ctx); err != nil {
			return sqldb.Err(err, fmt.Sprintf("clear items of batch %d", id))
		}
		if _, err := c.BatchGrid.Delete().Where(batchgrid.BatchID(id)).Exec(ctx); err != nil {
			return sqldb.Err(err, fmt.Sprintf("clear grids of batch %d", id))
		}
		if err := r.writeParts(ctx, id, b); err != nil {
			return err
		}
		out, err = r.Get(ctx, b.ID)
		return err
	})
	return out, err
}

func (r *BatchRepo) SaveStatus(ctx context.Context, b *presale.Batch) error {
	u := r.data.Client(ctx).Batch.UpdateOneID(int(b.ID)).SetStatus(entbatch.Status(b.Status)).
		SetCancelReason(b.CancelReason)
	if !b.DispatchedAt.IsZero() {
		u.SetDispatchedAt(b.DispatchedAt)
	}
	if !b.CancelledAt.IsZero() {
		u.SetCancelledAt(b.CancelledAt)
	}
	return sqldb.Err(u.Exec(ctx), fmt.Sprintf("save batch %d", b.ID))
}

// SaveListPrices writes the items' verdicts in two statements, the shown and the hidden.
func (r *BatchRepo) SaveListPrices(ctx context.Context, b *presale.Batch) error {
	var shown, hidden []int
	for _, it := range b.Items {
		if it.ListPriceShown {
			shown = append(shown, int(it.ID))
		} else {
			hidden = append(hidden, int(it.ID))
		}
	}
	c := r.data.Client(ctx)
	for _, set := range []struct {
		ids  []int
		show bool
	}{{shown, true}, {hidden, false}} {
		if len(set.ids) == 0 {
			continue
		}
		err := c.BatchItem.Update().Where(batchitem.BatchID(int(b.ID)), batchitem.IDIn(set.ids...)).
			SetListPriceShown(set.show).Exec(ctx)
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("list prices of batch %d", b.ID))
		}
	}
	return nil
}

func (r *BatchRepo) List(ctx context.Context, f presale.ListFilter) ([]*presale.Batch, error) {
	q := r.data.Client(ctx).Batch.Query().Order(ent.Desc(entbatch.FieldID)).Limit(port.PageLimit(f.Limit))
	if f.Status != "" {
		q.Where(entbatch.StatusEQ(entbatch.Status(f.Status)))
	}
	if f.BeforeID > 0 {
		q.Where(entbatch.IDLT(int(f.BeforeID)))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list batches")
	}
	return r.attach(ctx, rows)
}

func (r *BatchRepo) OpenIn(ctx context.Context, cell geo.Cell) ([]*presale.Batch, error) {
	rows, err := r.data.Client(ctx).Batch.Query().
		Where(entbatch.StatusEQ(entbatch.StatusOpen),
			func(s *sql.Selector) {
				t := sql.Table(batchgrid.Table)
				s.Where(sql.In(s.C(entbatch.FieldID),
					sql.Select(t.C(batchgrid.FieldBatchID)).From(t).Where(sql.EQ(t.C(batchgrid.FieldGridCell), cell.String()))))
			}).
		Order(ent.Asc(entbatch.FieldCutoffAt)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "open batches in grid "+cell.String())
	}
	return r.attach(ctx, rows)
}

func (r *BatchRepo) Due(ctx context.Context, status presale.Status, now time.Time, limit int) ([]int64, error) {
	q := r.data.Client(ctx).Batch.Query().Where(entbatch.StatusEQ(entbatch.Status(status))).Limit(limit)
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
		return nil, sqldb.Err(err, "batches due from "+string(status))
	}
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(id)
	}
	return out, nil
}

// Batches reads the batches of ids, newest first, with their items.
func (r *BatchRepo) Batches(ctx context.Context, ids []int64) ([]*presale.Batch, error) {
	rows, err := r.data.Client(ctx).Batch.Query().Where(entbatch.IDIn(sqldb.IDs(ids)...)).
		Order(ent.Desc(entbatch.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "read batches")
	}
	return r.attach(ctx, rows)
}

// MaxCommissionBP is the highest commission rate of an item in a scheduled or open batch of grid
// (of any grid when grid is empty).
func (r *BatchRepo) MaxCommissionBP(ctx context.Context, grid string) (int, error) {
	c := r.data.Client(ctx)
	q := c.Batch.Query().Where(entbatch.StatusIn(entbatch.StatusScheduled, entbatch.StatusOpen))
	if grid != "" {
		q.Where(func(sel *sql.Selector) {
			t := sql.Table(batchgrid.Table)
			sel.Where(sql.In(sel.C(entbatch.FieldID),
				sql.Select(t.C(batchgrid.FieldBatchID)).From(t).Where(sql.EQ(t.C(batchgrid.FieldGridCell), grid))))
		})
	}
	ids, err := q.IDs(ctx)
	if err != nil {
		return 0, sqldb.Err(err, "scheduled and open batches")
	}
	if len(ids) == 0 {
		return 0, nil
	}
	top, err := c.BatchItem.Query().Where(batchitem.BatchIDIn(ids...)).Aggregate(ent.Max(batchitem.FieldCommissionBp)).Int(ctx)
	return top, sqldb.Err(err, "highest item commission")
}

// IDsIn is the ids of the batches in any of statuses, in id order.
func IDsIn(ctx context.Context, db *sqldb.DB, statuses ...presale.Status) ([]int64, error) {
	ss := make([]entbatch.Status, len(statuses))
	for i, s := range statuses {
		ss[i] = entbatch.Status(s)
	}
	ids, err := db.Client(ctx).Batch.Query().Where(entbatch.StatusIn(ss...)).Order(ent.Asc(entbatch.FieldID)).IDs(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "batches by status")
	}
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(id)
	}
	return out, nil
}

// Take adds qty to an item's taken if its quota allows, in ctx's transaction; false when it does
// not (sold out). The conditional UPDATE holds the item's row until the transaction ends.
func Take(ctx context.Context, db *sqldb.DB, itemID, qty int64) (bool, error) {
	n, err := db.Client(ctx).BatchItem.Update().
		Where(batchitem.ID(int(itemID)), func(s *sql.Selector) {
			s.Where(sql.P(func(b *sql.Builder) {
				b.WriteString(s.C(batchitem.FieldTaken) + " + ").Arg(qty).
					WriteString(" <= " + s.C(batchitem.FieldQuota))
			}))
		}).
		AddTaken(qty).Save(ctx)
	if err != nil {
		return false, sqldb.Err(err, fmt.Sprintf("take item %d", itemID))
	}
	return n > 0, nil
}

// GiveBack returns qty of an item's taken stock.
func GiveBack(ctx context.Context, db *sqldb.DB, itemID, qty int64) error {
	err := db.Client(ctx).BatchItem.UpdateOneID(int(itemID)).AddTaken(-qty).Exec(ctx)
	return sqldb.Err(err, fmt.Sprintf("give back item %d", itemID))
}

// Left is what each item of a batch has left of its quota.
func Left(ctx context.Context, db *sqldb.DB, batchID int64) (map[int64]int64, error) {
	rows, err := db.Client(ctx).BatchItem.Query().Where(batchitem.BatchID(int(batchID))).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("stock of batch %d", batchID))
	}
	out := make(map[int64]int64, len(rows))
	for _, it := range rows {
		out[int64(it.ID)] = it.Quota - it.Taken
	}
	return out, nil
}
