package catalogstore

import (
	"context"
	"fmt"

	"github.com/groupbuy/groupbuy/ent"
	entproduct "github.com/groupbuy/groupbuy/ent/product"
	entsku "github.com/groupbuy/groupbuy/ent/sku"
	"github.com/groupbuy/groupbuy/internal/biz/catalog"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

type catalogRepo struct{ data *sqldb.DB }

// NewCatalogRepo stores products and SKUs.
func NewCatalogRepo(data *sqldb.DB) catalog.Repo { return &catalogRepo{data: data} }

func (r *catalogRepo) CreateProduct(ctx context.Context, p *catalog.Product) (*catalog.Product, error) {
	row, err := r.data.Client(ctx).Product.Create().
		SetTitle(p.Title).SetDescription(p.Description).SetImages(p.Images).
		SetCategory(p.Category).SetStatus(entproduct.Status(p.Status)).
		Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "create product")
	}
	return toProduct(row, nil), nil
}

func (r *catalogRepo) SaveProduct(ctx context.Context, p *catalog.Product) (*catalog.Product, error) {
	err := r.data.Client(ctx).Product.UpdateOneID(int(p.ID)).
		SetTitle(p.Title).SetDescription(p.Description).SetImages(p.Images).
		SetCategory(p.Category).SetStatus(entproduct.Status(p.Status)).
		Exec(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("save product %d", p.ID))
	}
	return r.GetProduct(ctx, p.ID)
}

func (r *catalogRepo) GetProduct(ctx context.Context, id int64) (*catalog.Product, error) {
	c := r.data.Client(ctx)
	row, err := c.Product.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get product %d", id))
	}
	skus, err := c.Sku.Query().Where(entsku.ProductID(int(id))).Order(ent.Asc(entsku.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("skus of product %d", id))
	}
	return toProduct(row, skus), nil
}

// ListProducts reads a page of products and their SKUs in two queries.
func (r *catalogRepo) ListProducts(ctx context.Context, f catalog.ListFilter) ([]*catalog.Product, error) {
	c := r.data.Client(ctx)
	q := c.Product.Query().Where(entproduct.IDGT(int(f.AfterID)))
	if f.Category != "" {
		q.Where(entproduct.Category(f.Category))
	}
	if f.Status != "" {
		q.Where(entproduct.StatusEQ(entproduct.Status(f.Status)))
	}
	rows, err := q.Order(ent.Asc(entproduct.FieldID)).Limit(port.PageLimit(f.Limit)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "list products")
	}
	ids := make([]int, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	skus, err := c.Sku.Query().Where(entsku.ProductIDIn(ids...)).Order(ent.Asc(entsku.FieldID)).All(ctx)
	if err != nil {
		return nil, sqldb.Err(err, "skus of listed products")
	}
	byProduct := map[int][]*ent.Sku{}
	for _, s := range skus {
		byProduct[s.ProductID] = append(byProduct[s.ProductID], s)
	}
	out := make([]*catalog.Product, len(rows))
	for i, row := range rows {
		out[i] = toProduct(row, byProduct[row.ID])
	}
	return out, nil
}

func (r *catalogRepo) CreateSKU(ctx context.Context, s *catalog.SKU) (*catalog.SKU, error) {
	row, err := r.data.Client(ctx).Sku.Create().
		SetProductID(int(s.ProductID)).SetSpec(s.Spec).SetUnit(s.Unit).
		SetListPrice(s.ListPrice).SetStatus(entsku.Status(s.Status)).
		Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("create sku %q of product %d", s.Spec, s.ProductID))
	}
	return toSKU(row), nil
}

func (r *catalogRepo) SaveSKU(ctx context.Context, s *catalog.SKU) (*catalog.SKU, error) {
	row, err := r.data.Client(ctx).Sku.UpdateOneID(int(s.ID)).
		SetSpec(s.Spec).SetUnit(s.Unit).SetListPrice(s.ListPrice).SetStatus(entsku.Status(s.Status)).
		Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("save sku %d", s.ID))
	}
	return toSKU(row), nil
}

func (r *catalogRepo) GetSKU(ctx context.Context, id int64) (*catalog.SKU, error) {
	row, err := r.data.Client(ctx).Sku.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get sku %d", id))
	}
	return toSKU(row), nil
}

func toProduct(row *ent.Product, skus []*ent.Sku) *catalog.Product {
	p := &catalog.Product{ID: int64(row.ID), Title: row.Title, Description: row.Description,
		Images: row.Images, Category: row.Category, Status: catalog.Status(row.Status)}
	for _, s := range skus {
		p.SKUs = append(p.SKUs, *toSKU(s))
	}
	return p
}

func toSKU(row *ent.Sku) *catalog.SKU {
	return &catalog.SKU{ID: int64(row.ID), ProductID: int64(row.ProductID), Spec: row.Spec, Unit: row.Unit,
		ListPrice: row.ListPrice, Status: catalog.Status(row.Status)}
}
