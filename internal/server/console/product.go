package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/catalog"
)

// skuForm is a SKU's form as entered; the list price is in yuan.
type skuForm struct {
	ID                    int64
	Spec, Unit, ListPrice string
}

func readSKUForm(r *http.Request) skuForm {
	return skuForm{Spec: r.PostFormValue("spec"), Unit: r.PostFormValue("unit"),
		ListPrice: strings.TrimSpace(r.PostFormValue("list_price"))}
}

func (f skuForm) input() (catalog.SKUInput, error) {
	fen, err := parseYuan("list_price", f.ListPrice)
	return catalog.SKUInput{Spec: f.Spec, Unit: f.Unit, ListPrice: fen}, err
}

// productData is one product with its SKUs and the forms the account may use: the product's
// edit form, its status, an edit form per SKU and the add form.
type productData struct {
	formError
	Product      *catalog.Product
	Edit         productForm
	SKUs         []skuForm
	NewSKU       skuForm
	CanEdit      bool
	CanSetStatus bool
	CanAddSKU    bool
	CanEditSKU   bool
	Done         string
}

// productFields is the product form of the page: the create form when there is no product yet,
// else the edit form.
type productFields struct {
	formError
	Name   string
	Action string
	Form   productForm
	CSRF   string
}

// Fields is the product form with the frame's CSRF token.
func (d *productData) Fields(csrf string) productFields {
	f := productFields{formError: d.formError, Name: "create", Action: productsPath, Form: d.Edit, CSRF: csrf}
	if d.Product != nil {
		f.Name, f.Action = "edit", fmt.Sprintf("%s/%d", productsPath, d.Product.ID)
	}
	return f
}

var productActions = []string{"created", "updated", "status", "sku_added", "sku_updated"}

func (c *Console) productPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.showProduct(w, r, rc, http.StatusOK, &productData{Done: oneOf(r.URL.Query().Get("done"), productActions...)})
}

// showProduct shows the product; the forms show what was sent when it was refused, else what
// is stored.
func (c *Console) showProduct(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *productData) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := c.deps.Catalog.Product(r.Context(), id)
	if err != nil {
		c.refuseOr(w, r, rc, err)
		return
	}
	d.Product = p
	if d.Form != "edit" {
		d.Edit = productFormOf(p)
	}
	for _, s := range p.SKUs {
		f := skuForm{ID: s.ID, Spec: s.Spec, Unit: s.Unit, ListPrice: yuanPlain(s.ListPrice)}
		if d.Form == "sku" && d.ID == s.ID {
			f = d.NewSKU
			f.ID, d.NewSKU = s.ID, skuForm{}
		}
		d.SKUs = append(d.SKUs, f)
	}
	d.CanEdit, d.CanSetStatus = c.may(rc.p, updateProductRoute), c.may(rc.p, productStatusRoute)
	d.CanAddSKU, d.CanEditSKU = c.may(rc.p, addSKURoute), c.may(rc.p, updateSKURoute)
	c.render(w, r, status, "product", c.frame(rc, "product.heading", productsPath), d)
}

// updateProduct saves the edit form (the API's UpdateProduct).
func (c *Console) updateProduct(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f := readProductForm(r)
	c.changeProduct(w, r, rc, "updated", &productData{Edit: f, formError: formError{Form: "edit"}},
		func(id int64) (int64, error) {
			p, err := c.deps.Catalog.UpdateProduct(r.Context(), id, f.input())
			return productID(p), err
		})
}

// setProductStatus puts the product on sale or archives it (the API's SetProductStatus).
func (c *Console) setProductStatus(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.changeProduct(w, r, rc, "status", &productData{formError: formError{Form: "status"}},
		func(id int64) (int64, error) {
			p, err := c.deps.Catalog.SetProductStatus(r.Context(), id, catalog.Status(r.PostFormValue("status")))
			return productID(p), err
		})
}

// addSKU adds a SKU from the form (the API's AddSku).
func (c *Console) addSKU(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f := readSKUForm(r)
	c.changeProduct(w, r, rc, "sku_added", &productData{NewSKU: f, formError: formError{Form: "add_sku"}},
		func(id int64) (int64, error) {
			in, err := f.input()
			if err != nil {
				return 0, err
			}
			s, err := c.deps.Catalog.AddSKU(r.Context(), id, in)
			if err != nil {
				return 0, err
			}
			return s.ProductID, nil
		})
}

// updateSKU saves one SKU's form (the API's UpdateSku). The page returned to is the stored
// SKU's product.
func (c *Console) updateSKU(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	skuID, err := strconv.ParseInt(r.PathValue("sku"), 10, 64)
	if err != nil || skuID <= 0 {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	f := readSKUForm(r)
	c.changeProduct(w, r, rc, "sku_updated", &productData{NewSKU: f, formError: formError{Form: "sku", ID: skuID}},
		func(int64) (int64, error) {
			in, err := f.input()
			if err != nil {
				return 0, err
			}
			s, err := c.deps.Catalog.UpdateSKU(r.Context(), skuID, in)
			if err != nil {
				return 0, err
			}
			return s.ProductID, nil
		})
}

func productID(p *catalog.Product) int64 {
	if p == nil {
		return 0
	}
	return p.ID
}

// changeProduct runs one form of the product page and, when it succeeds, shows the product
// again; its address is built from the stored record. A refusal is shown on the field of the
// form that was sent (d names the form and keeps what was entered).
func (c *Console) changeProduct(w http.ResponseWriter, r *http.Request, rc *reqCtx, done string, d *productData,
	do func(id int64) (int64, error)) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	productID, err := do(id)
	if err == nil {
		opsRedirect(w, r, "%s/%d?done=%s", productsPath, productID, done)
		return
	}
	field, text, status, ok := c.fieldRefusal(err)
	if !ok || status == http.StatusNotFound {
		c.refuseOr(w, r, rc, err)
		return
	}
	d.Field, d.Error = field, text
	c.showProduct(w, r, rc, status, d)
}

// yuanPlain is fen as yuan without separators, as a form field takes it back: 3990 is "39.90".
func yuanPlain(fen int64) string { return strings.ReplaceAll(yuan(fen), ",", "") }
