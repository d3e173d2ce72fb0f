package service

import (
	"context"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/catalog"
)

// CatalogOpsService is the ops console's catalog.
type CatalogOpsService struct {
	v1.UnimplementedCatalogOpsServer
	uc *catalog.Usecase
}

// NewCatalogOpsService wraps the use cases.
func NewCatalogOpsService(uc *catalog.Usecase) *CatalogOpsService { return &CatalogOpsService{uc: uc} }

func (s *CatalogOpsService) CreateProduct(ctx context.Context, req *v1.ProductInput) (*v1.Product, error) {
	p, err := s.uc.CreateProduct(ctx, productInput(req))
	return productReply(p, err)
}

func (s *CatalogOpsService) UpdateProduct(ctx context.Context, req *v1.UpdateProductRequest) (*v1.Product, error) {
	p, err := s.uc.UpdateProduct(ctx, req.GetId(), productInput(req.GetProduct()))
	return productReply(p, err)
}

func (s *CatalogOpsService) SetProductStatus(ctx context.Context, req *v1.SetProductStatusRequest) (*v1.Product, error) {
	p, err := s.uc.SetProductStatus(ctx, req.GetId(), catalog.Status(req.GetStatus()))
	return productReply(p, err)
}

func (s *CatalogOpsService) GetProduct(ctx context.Context, req *v1.GetProductRequest) (*v1.Product, error) {
	p, err := s.uc.Product(ctx, req.GetId())
	return productReply(p, err)
}

func (s *CatalogOpsService) ListProducts(ctx context.Context, req *v1.ListProductsRequest) (*v1.ListProductsReply, error) {
	ps, err := s.uc.Products(ctx, catalog.ListFilter{Category: req.GetCategory(), Status: catalog.Status(req.GetStatus()),
		AfterID: req.GetAfterId(), Limit: pageSizeOr(req.GetPageSize(), 50)})
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListProductsReply{Products: make([]*v1.Product, len(ps))}
	for i, p := range ps {
		reply.Products[i] = toProductMsg(p)
	}
	return reply, nil
}

func (s *CatalogOpsService) AddSku(ctx context.Context, req *v1.AddSkuRequest) (*v1.Sku, error) {
	sku, err := s.uc.AddSKU(ctx, req.GetProductId(), skuInput(req.GetSku()))
	if err != nil {
		return nil, toAPIError(err)
	}
	return toSkuMsg(sku), nil
}

func (s *CatalogOpsService) UpdateSku(ctx context.Context, req *v1.UpdateSkuRequest) (*v1.Sku, error) {
	sku, err := s.uc.UpdateSKU(ctx, req.GetId(), skuInput(req.GetSku()))
	if err != nil {
		return nil, toAPIError(err)
	}
	return toSkuMsg(sku), nil
}

func productInput(in *v1.ProductInput) catalog.ProductInput {
	return catalog.ProductInput{Title: in.GetTitle(), Description: in.GetDescription(), Images: in.GetImages(),
		Category: in.GetCategory()}
}

func skuInput(in *v1.SkuInput) catalog.SKUInput {
	return catalog.SKUInput{Spec: in.GetSpec(), Unit: in.GetUnit(), ListPrice: in.GetListPriceFen()}
}

func productReply(p *catalog.Product, err error) (*v1.Product, error) {
	if err != nil {
		return nil, toAPIError(err)
	}
	return toProductMsg(p), nil
}

func toProductMsg(p *catalog.Product) *v1.Product {
	out := &v1.Product{Id: p.ID, Title: p.Title, Description: p.Description, Images: p.Images,
		Category: p.Category, Status: string(p.Status)}
	for i := range p.SKUs {
		out.Skus = append(out.Skus, toSkuMsg(&p.SKUs[i]))
	}
	return out
}

func toSkuMsg(s *catalog.SKU) *v1.Sku {
	return &v1.Sku{Id: s.ID, ProductId: s.ProductID, Spec: s.Spec, Unit: s.Unit, ListPriceFen: s.ListPrice,
		Status: string(s.Status)}
}
