package console

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/layer"
)

const (
	layersPath          = "/console/ops/layers"
	createTargetedRoute = "POST " + layersPath + "/sends"
	// progressBar is the width of a send's progress bar, in SVG units.
	progressBar = 120
	// sendsShown is how many of the latest targeted sends the page shows.
	sendsShown = 20
)

var (
	layerNames  = layerStrings()
	sendKinds   = []string{string(layer.KindCoupon), string(layer.KindMessage)}
	layerFields = map[string]string{"day": "day", "layer": "layer", "grid_cell": "grid", "coupon_template_id": "coupon",
		"template_id": "template", "page": "page", "data": "data", "note": "note", "user_ids": "grid"}
)

func layerStrings() []string {
	out := make([]string, len(layer.Layers))
	for i, l := range layer.Layers {
		out[i] = string(l)
	}
	return out
}

// layerRow is one grid and leader of a day with its shoppers per layer, in layerNames' order.
type layerRow struct {
	Grid     string
	LeaderID int64
	Counts   []int
	Total    int
}

// layerTotal is one layer of the day across the grids shown.
type layerTotal struct {
	Layer    string
	Shoppers int
	Bar      int64
}

// sendRow is a targeted send with its progress bar.
type sendRow struct{ *layer.Send }

// Done is how many shoppers the send has settled.
func (s sendRow) Done() int { return s.Total - s.Progress.Pending }

// DoneBar is the width of the settled part of the progress bar.
func (s sendRow) DoneBar() int64 { return barWidth(int64(s.Done()), int64(s.Total), progressBar) }

// BarWidth is the bar's full width.
func (sendRow) BarWidth() int { return progressBar }

// sendForm is the targeted send's form as entered; data one "keyword=value" a line.
type sendForm struct {
	Day, Layer, Grid, Kind, Coupon, Template, Page, Data, Note string
}

// layersData is a day's snapshot as ops see it (the API's GetLayerCounts): its shoppers per grid,
// leader and layer, in one grid or all, the latest targeted sends with their progress, and the
// form of a new send.
type layersData struct {
	formError
	Day, Grid string
	Days      []layer.SnapshotInfo
	Snapshot  *layer.SnapshotInfo
	Layers    []string
	Kinds     []string
	Totals    []layerTotal
	Rows      []layerRow
	Sends     []sendRow
	Templates []string
	Input     sendForm
	CanSend   bool
	Done      bool
}

// On is the refusal shown on the send form's field name.
func (d *layersData) On(name string) string {
	if d.Form != "send" || d.Field == "" || layerFields[d.Field] != name {
		return ""
	}
	return d.Error
}

// Unplaced is a refusal of the send form no field shows.
func (d *layersData) Unplaced() string {
	if d.Form == "send" && layerFields[d.Field] == "" {
		return d.Error
	}
	return ""
}

// Href is the page of day in grid.
func (d *layersData) Href(day, grid string) template.URL {
	return keysetHref(layersPath, 0, "day", day, "grid", grid)
}

func (c *Console) layersPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	d := &layersData{Day: strings.TrimSpace(q.Get("day")), Grid: strings.TrimSpace(q.Get("grid")), Done: q.Get("done") == "sent"}
	d.Input = sendForm{Day: d.Day, Grid: d.Grid, Layer: string(layer.Dormant), Kind: string(layer.KindCoupon)}
	c.showLayers(w, r, rc, http.StatusOK, d)
}

// showLayers fills the page's reads: the day (the latest snapshot when none is asked for), its
// counts and the latest sends.
func (c *Console) showLayers(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *layersData) {
	ctx := r.Context()
	d.Layers, d.Kinds, d.Templates = layerNames, sendKinds, c.deps.Targeting.Templates()
	d.CanSend = c.may(rc.p, createTargetedRoute)
	days, err := c.deps.Layers.Days(ctx, 30)
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	d.Days = days
	if d.Day == "" && len(days) > 0 {
		d.Day = days[0].Day
	}
	if d.Input.Day == "" {
		d.Input.Day = d.Day
	}
	if d.Day != "" {
		info, counts, err := c.deps.Layers.Counts(ctx, d.Day, d.Grid)
		switch _, _, refused := c.refusal(err); {
		case err == nil:
			d.Snapshot = info
			d.Rows, d.Totals = layerTable(counts)
		case !refused:
			c.internal(w, r, rc, err)
			return
		}
	}
	sends, err := c.deps.Targeting.List(ctx, 0, sendsShown)
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	for _, s := range sends {
		d.Sends = append(d.Sends, sendRow{s})
	}
	c.render(w, r, status, "layers", c.frame(rc, "layers.heading", layersPath), d)
}

// layerTable turns counts (ordered by grid and leader) into one row per grid and leader, and
// the layers' totals with bars scaled to the largest.
func layerTable(counts []layer.Count) ([]layerRow, []layerTotal) {
	index := map[string]int{}
	for i, l := range layerNames {
		index[l] = i
	}
	var rows []layerRow
	totals := make([]layerTotal, len(layerNames))
	for _, c := range counts {
		if n := len(rows); n == 0 || rows[n-1].Grid != c.Grid || rows[n-1].LeaderID != c.LeaderID {
			rows = append(rows, layerRow{Grid: c.Grid, LeaderID: c.LeaderID, Counts: make([]int, len(layerNames))})
		}
		row := &rows[len(rows)-1]
		row.Counts[index[string(c.Layer)]] += c.Shoppers
		row.Total += c.Shoppers
		totals[index[string(c.Layer)]].Shoppers += c.Shoppers
	}
	largest := 0
	for i := range totals {
		totals[i].Layer = layerNames[i]
		largest = max(largest, totals[i].Shoppers)
	}
	for i := range totals {
		totals[i].Bar = barWidth(int64(totals[i].Shoppers), int64(largest), progressBar)
	}
	return rows, totals
}

// createTargeted starts a targeted send from the form (the API's CreateTargetedSend); a refusal
// is shown on its field with what was entered.
func (c *Console) createTargeted(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := sendForm{Day: v("day"), Layer: v("layer"), Grid: v("grid"), Kind: v("kind"), Coupon: v("coupon"),
		Template: v("template"), Page: v("page"), Data: r.PostFormValue("data"), Note: r.PostFormValue("note")}
	err := c.sendTargeted(r, rc, f)
	if err == nil {
		opsRedirect(w, r, "%s?day=%s&grid=%s&done=sent", layersPath, f.Day, f.Grid)
		return
	}
	status, text, ok := c.refusal(err)
	if !ok {
		c.internal(w, r, rc, err)
		return
	}
	d := &layersData{Day: f.Day, Input: f, formError: formError{Form: "send", Field: invalidField(err), Error: text}}
	c.showLayers(w, r, rc, status, d)
}

func (c *Console) sendTargeted(r *http.Request, rc *reqCtx, f sendForm) error {
	a := layer.Audience{Day: f.Day, Layer: layer.Layer(f.Layer), Grid: f.Grid}
	if f.Kind == string(layer.KindMessage) {
		data, err := readKeywords(f.Data)
		if err != nil {
			return err
		}
		_, err = c.deps.Targeting.SendMessage(r.Context(), a, layer.Message{TemplateID: f.Template, Page: f.Page, Data: data},
			f.Note, rc.p.ID)
		return err
	}
	id, err := strconv.ParseInt(f.Coupon, 10, 64)
	if err != nil || id <= 0 {
		return bizerr.Invalid("coupon_template_id", "a coupon template's id")
	}
	_, err = c.deps.Targeting.SendCoupon(r.Context(), a, id, f.Note, rc.p.ID)
	return err
}

// readKeywords reads "keyword=value" lines.
func readKeywords(text string) (map[string]string, error) {
	out := map[string]string{}
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, bizerr.Invalid("data", "one keyword=value a line")
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

func init() {
	viewNames = append(viewNames, "layers")
	viewParts["layers"] = []string{"promo_parts"}
}

// F is the send form's field name.
func (d *layersData) F(name string) fieldView {
	return fieldView{Name: name, ID: "send-" + name, Error: d.On(name)}
}
