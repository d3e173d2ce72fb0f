package console

import (
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/catalog"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

func testConsole(t *testing.T) *Console {
	t.Helper()
	msg, err := LoadMessages(defaultLang)
	if err != nil {
		t.Fatal(err)
	}
	return &Console{msg: msg, views: testViews(t)}
}

func expectIn(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(page, want) {
			t.Errorf("%s lacks %s", what, want)
		}
	}
}

// A forbidden word of the advertising law is shown on the field it was found in, naming the
// word, with what was entered kept; the other fields are not marked.
func TestBannedWordIsShownOnItsField(t *testing.T) {
	c := testConsole(t)
	for _, field := range []string{"title", "description"} {
		in := catalog.ProductInput{Title: "阳光玫瑰葡萄", Description: "新鲜采摘", Category: "水果"}
		if field == "title" {
			in.Title = "全网最低价 阳光玫瑰"
		} else {
			in.Description = "降血压 好吃"
		}
		// What the use case's copy check returns, through a repository it never reaches.
		_, err := catalog.NewUsecase(nil, catalog.NewCompliance(catalog.DefaultBannedWords)).CreateProduct(t.Context(), in)
		got, text, status, ok := c.fieldRefusal(err)
		if !ok || got != field || status != 422 {
			t.Fatalf("%s: field %q status %d ok %v (%v)", field, got, status, ok, err)
		}
		d := &productData{Edit: productForm{Title: in.Title, Description: in.Description, Category: in.Category},
			formError: formError{Form: "create", Field: got, Error: text}}
		page := renderView(t, c.views, "product", d)
		expectIn(t, field, page, `data-field="`+field+`">含有《广告法》禁用词：`,
			`id="create-`+field+`-error"`, `aria-describedby="create-`+field+`-error"`, `value="`+"tok"+`"`)
		if strings.Count(page, `aria-invalid="true"`) != 1 {
			t.Errorf("%s: %d fields marked, want 1", field, strings.Count(page, `aria-invalid="true"`))
		}
	}
}

// A product page shows its SKUs as edit forms; a refused SKU keeps what was entered on its own
// row, the price field marked.
func TestProductPageShowsSKUForms(t *testing.T) {
	c := testConsole(t)
	p := &catalog.Product{ID: 7, Title: "阳光玫瑰", Category: "水果", Status: catalog.StatusActive,
		SKUs: []catalog.SKU{{ID: 11, Spec: "500g", Unit: "盒", ListPrice: 3990, Status: catalog.StatusActive},
			{ID: 12, Spec: "1kg", Unit: "盒", ListPrice: 6990, Status: catalog.StatusActive}}}
	d := &productData{Product: p, CanEdit: true, CanSetStatus: true, CanAddSKU: true, CanEditSKU: true,
		Edit: productFormOf(p), formError: formError{Form: "sku", ID: 12, Field: "list_price", Error: "价格有误"}}
	for _, s := range p.SKUs {
		f := skuForm{ID: s.ID, Spec: s.Spec, Unit: s.Unit, ListPrice: yuanPlain(s.ListPrice)}
		if s.ID == 12 {
			f.ListPrice = "abc"
		}
		d.SKUs = append(d.SKUs, f)
	}
	page := renderView(t, c.views, "product", d)
	expectIn(t, "the product page", page, `id="sku-11-price" inputmode="decimal" value="39.90">`,
		`id="sku-12-price" inputmode="decimal" value="abc" aria-invalid="true">`, `data-field="list_price">价格有误`,
		`action="/console/ops/products/7/skus/12"`, `id="archive-product"`, `action="/console/ops/products/7"`, `id="add-sku"`)
}

// The leaders list keeps its search in the status filters and the next page; the leader page
// offers the actions its state allows, and a refused reason is marked on its own form.
func TestLeaderSearchAndActionsRender(t *testing.T) {
	c := testConsole(t)
	list := &leadersData{Status: "approved", Statuses: leaderStatuses, Query: "幸福 里", Grid: "871f1d489ffffff", Next: 40}
	page := renderView(t, c.views, "leaders", list)
	expectIn(t, "the leaders list", page,
		`href="/console/ops/leaders?after=40&amp;grid=871f1d489ffffff&amp;q=%E5%B9%B8%E7%A6%8F&#43;%E9%87%8C&amp;status=approved"`,
		`href="/console/ops/leaders?grid=871f1d489ffffff&amp;q=%E5%B9%B8%E7%A6%8F&#43;%E9%87%8C&amp;status=suspended"`,
		`id="search-q" maxlength="64" value="幸福 里"`)
	l := &leader.Leader{ID: 5, Status: leader.StatusApproved}
	d := &leaderData{Leader: leaderRow{Leader: l}, CanSuspend: true, CanRemove: true, Form: "suspended",
		Field: "reason", Error: c.msg.T("invalid.reason")}
	page = renderView(t, c.views, "leader", d)
	expectIn(t, "the leader page", page, `id="suspend-reason" maxlength="256" value="" aria-invalid="true"`,
		`id="remove-reason" maxlength="256" value="">`, `action="/console/ops/leaders/5/remove"`, "原因须为 2 到 256 个字。")
	if strings.Contains(page, "reinstate-leader") || strings.Contains(page, "approve-leader") {
		t.Error("an approved leader is offered reinstatement or approval")
	}
}

// The batch page shows the stock check, and after a rebuild the report of what was loaded.
func TestBatchStockRenders(t *testing.T) {
	c := testConsole(t)
	d := &batchData{Batch: &presale.Batch{ID: 3, Status: presale.Open}, CanRebuild: true, Done: "rebuilt",
		Stock: &batchStock{Items: []order.StockCheck{{ItemID: 9, Quota: 10, Sold: 2, Reserved: 3, Remaining: 7, Loaded: true}},
			Report: []order.StockLevel{{ItemID: 9, Quota: 10, Taken: 2, Remaining: 8}}}}
	page := renderView(t, c.views, "batch", d)
	expectIn(t, "the batch page", page, `data-stock-item="9"`, "不一致", `data-report-item="9"`, `id="rebuild-stock"`,
		"库存已按订单重新计算。", "数据库与库存计数器不一致")
}
