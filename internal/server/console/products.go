package console

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/catalog"
)

const (
	productsPath       = "/console/ops/products"
	createProductRoute = "POST " + productsPath
	newProductRoute    = "GET " + productsPath + "/new"
	productRoute       = "GET " + productsPath + "/{id}"
	updateProductRoute = "POST " + productsPath + "/{id}"
	productStatusRoute = "POST " + productsPath + "/{id}/status"
	addSKURoute        = "POST " + productsPath + "/{id}/skus"
	updateSKURoute     = "POST " + productsPath + "/{id}/skus/{sku}"
)

var productStatuses = []string{string(catalog.StatusActive), string(catalog.StatusArchived)}

// productForm is a product's form as entered (images one URL a line), kept to show again with
// its error.
type productForm struct{ Title, Category, Description, Images string }

func readProductForm(r *http.Request) productForm {
	return productForm{Title: r.PostFormValue("title"), Category: strings.TrimSpace(r.PostFormValue("category")),
		Description: r.PostFormValue("description"), Images: r.PostFormValue("images")}
}

func (f productForm) input() catalog.ProductInput {
	return catalog.ProductInput{Title: f.Title, Category: f.Category, Description: f.Description,
		Images: strings.Fields(f.Images)}
}

func productFormOf(p *catalog.Product) productForm {
	return productForm{Title: p.Title, Category: p.Category, Description: p.Description,
		Images: strings.Join(p.Images, "\n")}
}

// productsData is the products list (oldest first, after_id pagination as in the API) with its
// filters.
type productsData struct {
	Category  string
	Status    string
	Statuses  []string
	Products  []*catalog.Product
	After     int64
	Next      int64
	CanCreate bool
}

// Href is the list's address with the same category, in status, from after.
func (d *productsData) Href(status string, after int64) template.URL {
	return listHref(productsPath, after, "status", status, "category", d.Category)
}

func (c *Console) productsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	d := &productsData{Category: strings.TrimSpace(q.Get("category")), Statuses: productStatuses, After: queryID(r, "after")}
	d.Status = oneOf(q.Get("status"), productStatuses...)
	ps, err := c.deps.Catalog.Products(r.Context(), catalog.ListFilter{Category: d.Category,
		Status: catalog.Status(d.Status), AfterID: d.After, Limit: opsPerPage + 1})
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	if len(ps) > opsPerPage {
		ps = ps[:opsPerPage]
		d.Next = ps[len(ps)-1].ID
	}
	d.Products, d.CanCreate = ps, c.may(rc.p, createProductRoute)
	c.render(w, r, http.StatusOK, "products", c.frame(rc, "products.heading", productsPath), d)
}

// newProductPage is the create form: the product page without a product.
func (c *Console) newProductPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.render(w, r, http.StatusOK, "product", c.frame(rc, "products.create_heading", productsPath), &productData{})
}

// createProduct adds a product from the form (the API's CreateProduct) and opens it; a refusal
// is shown on the field it concerns, with what was entered.
func (c *Console) createProduct(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f := readProductForm(r)
	p, err := c.deps.Catalog.CreateProduct(r.Context(), f.input())
	if err == nil {
		opsRedirect(w, r, "%s/%d?done=created", productsPath, p.ID)
		return
	}
	field, text, status, ok := c.fieldRefusal(err)
	if !ok {
		c.internal(w, r, rc, err)
		return
	}
	d := &productData{Edit: f, formError: formError{Form: "create", Field: field, Error: text}}
	c.render(w, r, status, "product", c.frame(rc, "products.create_heading", productsPath), d)
}
