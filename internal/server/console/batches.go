package console

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/geo"
)

const (
	batchesPath       = "/console/ops/batches"
	createBatchRoute  = "POST " + batchesPath
	scheduleRoute     = "POST " + batchesPath + "/{id}/schedule"
	dispatchRoute     = "POST " + batchesPath + "/{id}/dispatch"
	cancelBatchRoute  = "POST " + batchesPath + "/{id}/cancel"
	dispatchListRoute = "GET " + batchesPath + "/{id}/dispatch-list"
	// itemRows is how many item rows the create form offers (the API takes up to 50; a batch
	// with more is entered through the API).
	itemRows = 5
)

var batchStatuses = []string{"draft", "scheduled", "open", "closed", "dispatched", "arrived", "completed", "cancelled"}

// batchForm is the create form as entered, kept to show again with its error.
type batchForm struct {
	Title, OpensAt, CutoffAt, PickupDate, Grids string
	Items                                       [itemRows]itemForm
}

// itemForm is one item row; Basis is the optional stated basis of the SKU's list price.
type itemForm struct{ SKU, Price, Quota, Limit, Commission, Basis string }

// batchesData is the batches list (newest first, before_id pagination as in the API) and the
// create form for those who may create.
type batchesData struct {
	Status    string
	Statuses  []string
	Batches   []*presale.Batch
	Before    int64
	Next      int64
	CanCreate bool
	Form      batchForm
	Error     string
}

func (c *Console) batchesPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.showBatches(w, r, rc, http.StatusOK, &batchesData{Form: batchForm{Items: [itemRows]itemForm{{Commission: "1000"}}}})
}

func (c *Console) showBatches(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *batchesData) {
	d.Status, d.Statuses = oneOf(r.URL.Query().Get("status"), batchStatuses...), batchStatuses
	d.Before = queryID(r, "before")
	bs, err := c.deps.Batches.List(r.Context(), presale.ListFilter{Status: presale.Status(d.Status),
		BeforeID: d.Before, Limit: opsPerPage + 1})
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	if len(bs) > opsPerPage {
		bs = bs[:opsPerPage]
		d.Next = bs[len(bs)-1].ID
	}
	d.Batches, d.CanCreate = bs, c.may(rc.p, createBatchRoute)
	c.render(w, r, status, "batches", c.frame(rc, "batches.heading", batchesPath), d)
}

// createBatch creates a draft from the form (the API's CreateBatch) and opens it.
func (c *Console) createBatch(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f := readBatchForm(r)
	in, err := f.input()
	var b *presale.Batch
	if err == nil {
		b, err = c.deps.Batches.Create(r.Context(), rc.p, in)
	}
	if err == nil {
		opsRedirect(w, r, "%s/%d?done=created", batchesPath, b.ID)
		return
	}
	status, text, ok := c.refusal(err)
	if !ok {
		c.internal(w, r, rc, err)
		return
	}
	c.showBatches(w, r, rc, status, &batchesData{Form: f, Error: text})
}

func readBatchForm(r *http.Request) batchForm {
	_ = r.ParseForm()
	f := batchForm{Title: strings.TrimSpace(r.PostFormValue("title")), OpensAt: r.PostFormValue("opens_at"),
		CutoffAt: r.PostFormValue("cutoff_at"), PickupDate: r.PostFormValue("pickup_date"), Grids: r.PostFormValue("grid_cells")}
	at := func(name string, i int) string {
		if vs := r.PostForm[name]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	for i := range f.Items {
		f.Items[i] = itemForm{SKU: at("sku_id", i), Price: at("price", i), Quota: at("quota", i),
			Limit: at("limit", i), Commission: at("commission_bp", i), Basis: at("reference_basis", i)}
	}
	return f
}

// input reads the form as the use case's input. Only the form's own syntax is checked here
// (numbers, times, cells); every rule of a batch is the use case's.
func (f batchForm) input() (presale.Input, error) {
	in := presale.Input{Title: f.Title, PickupDate: f.PickupDate}
	var err error
	if in.OpensAt, err = parseBJ("opens_at", f.OpensAt); err != nil {
		return in, err
	}
	if in.CutoffAt, err = parseBJ("cutoff_at", f.CutoffAt); err != nil {
		return in, err
	}
	for _, s := range strings.Fields(strings.ReplaceAll(f.Grids, ",", " ")) {
		cell, err := geo.ParseCell(s)
		if err != nil {
			return in, bizerr.Invalid("grid_cells", "not an H3 cell: "+s)
		}
		in.Grids = append(in.Grids, cell)
	}
	for _, it := range f.Items {
		if it.SKU == "" {
			continue
		}
		item, err := it.input()
		if err != nil {
			return in, err
		}
		in.Items = append(in.Items, item)
	}
	return in, nil
}

func (it itemForm) input() (presale.ItemInput, error) {
	var out presale.ItemInput
	var err error
	if out.SKUID, err = strconv.ParseInt(it.SKU, 10, 64); err != nil {
		return out, bizerr.Invalid("items.sku_id", "is not a number")
	}
	if out.Price, err = parseYuan("items.price", it.Price); err != nil {
		return out, err
	}
	if out.Quota, err = strconv.ParseInt(it.Quota, 10, 64); err != nil {
		return out, bizerr.Invalid("items.quota", "is not a whole number")
	}
	if it.Limit != "" {
		if out.Limit, err = strconv.ParseInt(it.Limit, 10, 64); err != nil {
			return out, bizerr.Invalid("items.per_shopper_limit", "is not a whole number")
		}
	}
	bp, err := strconv.Atoi(it.Commission)
	if err != nil {
		return out, bizerr.Invalid("items.commission_bp", "is not a whole number")
	}
	out.CommissionBP, out.ReferenceBasis = bp, it.Basis
	return out, nil
}

var yuanPattern = regexp.MustCompile(`^([0-9]{1,9})(?:\.([0-9]{1,2}))?$`)

// parseYuan reads field, a price in yuan ("39.9", "39.90", "40") as fen, without floating point.
func parseYuan(field, s string) (int64, error) {
	m := yuanPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, bizerr.Invalid(field, "is not an amount in yuan (e.g. 39.90)")
	}
	whole, _ := strconv.ParseInt(m[1], 10, 64)
	frac, _ := strconv.ParseInt((m[2] + "00")[:2], 10, 64)
	return whole*100 + frac, nil
}

// parseBJ reads a datetime-local value in Beijing time.
func parseBJ(field, v string) (time.Time, error) {
	for _, layout := range []string{cutoffLayout + ":05", cutoffLayout} {
		if t, err := time.ParseInLocation(layout, v, bjtime.Zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, bizerr.Invalid(field, "is not a date and time (YYYY-MM-DDTHH:MM)")
}

// batchData is one batch with the actions its status and the account's role allow.
type batchData struct {
	Batch       *presale.Batch
	Remaining   map[int64]int64
	CanAct      bool // ops: schedule, dispatch, cancel
	CanDispatch bool // the dispatch list
	CanRebuild  bool
	Stock       *batchStock // nil for an account that may not read it
	Done        string
	Reason      string
	Error       string
}

func (c *Console) batchPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.showBatch(w, r, rc, http.StatusOK, &batchData{Done: oneOf(r.URL.Query().Get("done"), "created", "schedule", "dispatch", "cancel")})
}

// showBatch shows the batch with the stock its counters have left, as the API's GetBatch does.
func (c *Console) showBatch(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *batchData) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	b, err := c.deps.Batches.Get(r.Context(), id)
	if err != nil {
		c.refuseOr(w, r, rc, err)
		return
	}
	if d.Remaining, err = c.deps.Stock.Remaining(r.Context(), b); err != nil {
		c.internal(w, r, rc, err)
		return
	}
	d.Batch = b
	if err := c.inspectStock(r, rc, d); err != nil {
		c.internal(w, r, rc, err)
		return
	}
	d.CanAct = c.may(rc.p, scheduleRoute)
	d.CanDispatch = c.may(rc.p, dispatchListRoute) && b.Status != presale.Draft && b.Status != presale.Cancelled
	c.render(w, r, status, "batch", c.frame(rc, "batch.heading", batchesPath), d)
}

func (c *Console) scheduleBatch(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.moveBatch(w, r, rc, "schedule", func(id int64) (*presale.Batch, error) {
		return c.deps.Batches.Schedule(r.Context(), id)
	})
}

func (c *Console) dispatchBatch(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.moveBatch(w, r, rc, "dispatch", func(id int64) (*presale.Batch, error) {
		return c.deps.Batches.Dispatch(r.Context(), id)
	})
}

// cancelBatch cancels with the form's reason; the API requires 2 to 256 characters, and so
// does this form, as the use case takes any reason.
func (c *Console) cancelBatch(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	c.moveBatch(w, r, rc, "cancel", func(id int64) (*presale.Batch, error) {
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		if n := len([]rune(reason)); n < 2 || len(reason) > 256 {
			return nil, bizerr.Invalid("reason", "2 to 256 characters")
		}
		return c.deps.Batches.Cancel(r.Context(), id, reason)
	})
}

// moveBatch runs one change of a batch's status and, when it succeeds, shows the batch again;
// the address it goes to is built from the stored batch, not from the request.
func (c *Console) moveBatch(w http.ResponseWriter, r *http.Request, rc *reqCtx, action string,
	do func(int64) (*presale.Batch, error)) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	b, err := do(id)
	if err == nil {
		opsRedirect(w, r, "%s/%d?done=%s", batchesPath, b.ID, action)
		return
	}
	status, text, ok := c.refusal(err)
	if !ok || status == http.StatusNotFound {
		c.refuseOr(w, r, rc, err)
		return
	}
	c.showBatch(w, r, rc, status, &batchData{Error: text, Reason: r.PostFormValue("reason")})
}

// dispatchListPage is the batch's dispatch list route by route (the API's GetDispatchList):
// without ?grid the index of its routes (grids), with it one route's goods per pickup point,
// laid out to print.
func (c *Console) dispatchListPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	f := c.frame(rc, "dispatch.heading", batchesPath)
	grid := r.URL.Query().Get("grid")
	if grid == "" {
		idx, err := c.deps.Pickup.DispatchRoutes(r.Context(), id)
		if err != nil {
			c.refuseOr(w, r, rc, err)
			return
		}
		c.render(w, r, http.StatusOK, "dispatch_routes", f, idx)
		return
	}
	dl, err := c.deps.Pickup.DispatchList(r.Context(), id, grid)
	if err != nil {
		c.refuseOr(w, r, rc, err)
		return
	}
	c.render(w, r, http.StatusOK, "dispatch", f, dl)
}
