package catalog

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// Status says whether something is on sale; archived things stay for the orders that name them.
type Status string

const (
	StatusActive   Status = "active"
	StatusArchived Status = "archived"
)

// Product is a thing sold, with its SKUs.
type Product struct {
	ID          int64
	Title       string
	Description string
	Images      []string
	Category    string
	Status      Status
	SKUs        []SKU
}

// SKU is one way a product is sold. ListPrice is in fen.
type SKU struct {
	ID        int64
	ProductID int64
	Spec      string
	Unit      string
	ListPrice int64
	Status    Status
}

// Limits of product data.
const (
	MaxImages = 9 // what a mini-program product gallery shows
	// MaxListPrice bounds a list price (¥1,000,000): above it is a typo in fen, not a price.
	MaxListPrice = 100_000_000
)

// ProductInput is what ops send for a product.
type ProductInput struct {
	Title       string
	Description string
	Images      []string
	Category    string
}

// Validate checks shape and lengths; the copy check is separate because it needs the word list.
func (in *ProductInput) Validate() error {
	if err := runes("title", in.Title, 2, 60); err != nil {
		return err
	}
	if err := runes("description", in.Description, 0, 2000); err != nil {
		return err
	}
	if err := runes("category", in.Category, 1, 32); err != nil {
		return err
	}
	if len(in.Images) > MaxImages {
		return bizerr.Invalid("images", fmt.Sprintf("at most %d", MaxImages))
	}
	for _, img := range in.Images {
		if u, err := url.Parse(img); err != nil || u.Scheme != "https" || u.Host == "" || len(img) > 512 {
			return bizerr.Invalid("images", fmt.Sprintf("%q is not an https URL of at most 512 bytes", img))
		}
	}
	return nil
}

// SKUInput is what ops send for a SKU.
type SKUInput struct {
	Spec      string
	Unit      string
	ListPrice int64
}

// Validate checks the SKU's fields; the price is money in fen and checked as such.
func (in *SKUInput) Validate() error {
	if err := runes("spec", in.Spec, 1, 32); err != nil {
		return err
	}
	if err := runes("unit", in.Unit, 1, 8); err != nil {
		return err
	}
	if in.ListPrice <= 0 || in.ListPrice > MaxListPrice {
		return bizerr.Invalid("list_price", fmt.Sprintf("must be 1 to %d fen", MaxListPrice))
	}
	return nil
}

func runes(field, s string, minRunes, maxRunes int) error {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if !utf8.ValidString(s) || n < minRunes || n > maxRunes {
		return bizerr.Invalid(field, fmt.Sprintf("must be %d to %d characters", minRunes, maxRunes))
	}
	return nil
}

// Repo stores products and SKUs. Lookups return bizerr.ErrNotFound for unknown ids; a second SKU
// with the same spec on one product is bizerr.ErrConflict.
type Repo interface {
	CreateProduct(ctx context.Context, p *Product) (*Product, error)
	SaveProduct(ctx context.Context, p *Product) (*Product, error)
	GetProduct(ctx context.Context, id int64) (*Product, error)
	ListProducts(ctx context.Context, f ListFilter) ([]*Product, error)
	CreateSKU(ctx context.Context, s *SKU) (*SKU, error)
	SaveSKU(ctx context.Context, s *SKU) (*SKU, error)
	GetSKU(ctx context.Context, id int64) (*SKU, error)
}

// ListFilter selects products, paged by id.
type ListFilter struct {
	Category string
	Status   Status
	AfterID  int64
	Limit    int
}

// Usecase manages the catalog.
type Usecase struct {
	repo Repo
	copy *Compliance
}

// NewUsecase builds the catalog use cases with the advertising-law word list.
func NewUsecase(repo Repo, copy *Compliance) *Usecase { return &Usecase{repo: repo, copy: copy} }

// CreateProduct adds a product after checking its shape and its copy.
func (uc *Usecase) CreateProduct(ctx context.Context, in ProductInput) (*Product, error) {
	if err := uc.checkProduct(&in); err != nil {
		return nil, err
	}
	return uc.repo.CreateProduct(ctx, &Product{Title: strings.TrimSpace(in.Title), Description: in.Description,
		Images: in.Images, Category: strings.TrimSpace(in.Category), Status: StatusActive})
}

// UpdateProduct replaces a product's description; status changes go through SetProductStatus.
func (uc *Usecase) UpdateProduct(ctx context.Context, id int64, in ProductInput) (*Product, error) {
	if err := uc.checkProduct(&in); err != nil {
		return nil, err
	}
	p, err := uc.repo.GetProduct(ctx, id)
	if err != nil {
		return nil, err
	}
	p.Title, p.Description, p.Images, p.Category = strings.TrimSpace(in.Title), in.Description, in.Images, strings.TrimSpace(in.Category)
	return uc.repo.SaveProduct(ctx, p)
}

// SetProductStatus puts a product on sale or archives it.
func (uc *Usecase) SetProductStatus(ctx context.Context, id int64, s Status) (*Product, error) {
	if s != StatusActive && s != StatusArchived {
		return nil, bizerr.Invalid("status", "must be active or archived")
	}
	p, err := uc.repo.GetProduct(ctx, id)
	if err != nil {
		return nil, err
	}
	p.Status = s
	return uc.repo.SaveProduct(ctx, p)
}

func (uc *Usecase) checkProduct(in *ProductInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	if err := uc.copy.Check("title", in.Title); err != nil {
		return err
	}
	return uc.copy.Check("description", in.Description)
}

// AddSKU adds a way to sell a product.
func (uc *Usecase) AddSKU(ctx context.Context, productID int64, in SKUInput) (*SKU, error) {
	if err := uc.checkSKU(&in); err != nil {
		return nil, err
	}
	if _, err := uc.repo.GetProduct(ctx, productID); err != nil {
		return nil, err
	}
	return uc.repo.CreateSKU(ctx, &SKU{ProductID: productID, Spec: strings.TrimSpace(in.Spec),
		Unit: strings.TrimSpace(in.Unit), ListPrice: in.ListPrice, Status: StatusActive})
}

// UpdateSKU changes a SKU's spec, unit or list price. Batches copy the price they sell at, so a
// new list price never changes an order already placed.
func (uc *Usecase) UpdateSKU(ctx context.Context, id int64, in SKUInput) (*SKU, error) {
	if err := uc.checkSKU(&in); err != nil {
		return nil, err
	}
	s, err := uc.repo.GetSKU(ctx, id)
	if err != nil {
		return nil, err
	}
	s.Spec, s.Unit, s.ListPrice = strings.TrimSpace(in.Spec), strings.TrimSpace(in.Unit), in.ListPrice
	return uc.repo.SaveSKU(ctx, s)
}

func (uc *Usecase) checkSKU(in *SKUInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	return uc.copy.Check("spec", in.Spec)
}

// Product returns one product with its SKUs.
func (uc *Usecase) Product(ctx context.Context, id int64) (*Product, error) {
	return uc.repo.GetProduct(ctx, id)
}

// Products lists products for ops, f.Limit a page.
func (uc *Usecase) Products(ctx context.Context, f ListFilter) ([]*Product, error) {
	return uc.repo.ListProducts(ctx, f)
}
