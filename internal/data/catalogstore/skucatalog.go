package catalogstore

import (
	"context"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

type skuCatalog struct{ data *sqldb.DB }

// NewSKUCatalog reads SKUs with their product's wording for batch items.
func NewSKUCatalog(data *sqldb.DB) presale.Catalog { return &skuCatalog{data: data} }

func (c *skuCatalog) SKU(ctx context.Context, id int64) (presale.SKU, error) {
	s, err := c.data.Client(ctx).Sku.Get(ctx, int(id))
	if err != nil {
		return presale.SKU{}, sqldb.Err(err, fmt.Sprintf("sku %d", id))
	}
	p, err := c.data.Client(ctx).Product.Get(ctx, s.ProductID)
	if err != nil {
		return presale.SKU{}, sqldb.Err(err, fmt.Sprintf("product of sku %d", id))
	}
	out := presale.SKU{ID: int64(s.ID), ProductID: int64(p.ID), Title: p.Title, Spec: s.Spec, Unit: s.Unit,
		ListPrice: s.ListPrice, Active: s.Status == "active" && p.Status == "active"}
	if len(p.Images) > 0 {
		out.Image = p.Images[0]
	}
	return out, nil
}
