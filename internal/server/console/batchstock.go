package console

import (
	"errors"
	"net/http"

	"github.com/groupbuy/groupbuy/internal/biz/order"
)

const (
	batchStockRoute   = "GET " + batchesPath + "/{id}/stock"
	rebuildStockRoute = "POST " + batchesPath + "/{id}/stock/rebuild"
)

// batchStock is the batch's stock as the database and the counters have it (the API's
// GetBatchStock), and the report of a rebuild just run.
type batchStock struct {
	Items  []order.StockCheck
	Agrees bool
	Report []order.StockLevel
}

// inspectStock fills d's stock check when the account may read it.
func (c *Console) inspectStock(r *http.Request, rc *reqCtx, d *batchData) error {
	if !c.may(rc.p, batchStockRoute) {
		return nil
	}
	_, checks, err := c.deps.Stock.Inspect(r.Context(), d.Batch.ID)
	if err != nil {
		return err
	}
	if d.Stock == nil {
		d.Stock = &batchStock{}
	}
	d.Stock.Items, d.Stock.Agrees = checks, true
	for _, ch := range checks {
		d.Stock.Agrees = d.Stock.Agrees && ch.Agrees
	}
	d.CanRebuild = c.may(rc.p, rebuildStockRoute)
	return nil
}

// rebuildStock recounts the batch's stock from its orders (the API's RebuildStock) and shows
// the batch with what was loaded: the report is the answer, so the page is not redirected.
func (c *Console) rebuildStock(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, ok := pathID(r)
	if !ok {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
		return
	}
	levels, err := c.deps.Stock.RebuildReport(r.Context(), id)
	switch {
	case errors.Is(err, order.ErrStockBusy):
		c.showBatch(w, r, rc, http.StatusConflict, &batchData{Error: c.msg.T("batch.stock_busy")})
	case err != nil:
		c.refuseOr(w, r, rc, err)
	default:
		c.showBatch(w, r, rc, http.StatusOK, &batchData{Done: "rebuilt", Stock: &batchStock{Report: levels}})
	}
}
