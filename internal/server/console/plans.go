package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
)

const (
	plansPath       = "/console/commission/plans"
	createPlanRoute = "POST " + plansPath
)

// planRow is a plan version and whether it is the one in force in its grid now.
type planRow struct {
	commission.Plan
	InForce bool
}

// plansData is the commission plans page: every version, and the create form for those the
// API lets create one, with the refused input and why on its field.
type plansData struct {
	Plans     []planRow
	CanCreate bool
	Grid      string
	Rates     string
	Field     string
	Error     string
	Created   int64
	CapBP     int
	Levels    int
}

func (c *Console) plansPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d := &plansData{}
	d.Created, _ = strconv.ParseInt(r.URL.Query().Get("created"), 10, 64)
	c.showPlans(w, r, rc, http.StatusOK, d)
}

// showPlans lists every version as the API's ListPlans does, marking the one in force per grid.
func (c *Console) showPlans(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, d *plansData) {
	plans, err := c.deps.Plans.List(r.Context())
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	inForce := map[string]*commission.Plan{}
	for _, p := range plans {
		if _, ok := inForce[p.GridCell]; !ok {
			if inForce[p.GridCell], err = c.deps.Plans.InForce(r.Context(), p.GridCell); err != nil {
				c.internal(w, r, rc, err)
				return
			}
		}
		cur := inForce[p.GridCell]
		d.Plans = append(d.Plans, planRow{Plan: p, InForce: cur != nil && cur.ID == p.ID})
	}
	cfg := c.deps.Plans.Config()
	d.CapBP, d.Levels = cfg.CapBP, cfg.Levels
	d.CanCreate = c.may(rc.p, createPlanRoute)
	c.render(w, r, status, "plans", c.frame(rc, "plans.heading", plansPath), d)
}

// createPlan saves a new version (the API's CreatePlan), effective now. The cap check's refusal
// is shown on the rates field with the use case's reason.
func (c *Console) createPlan(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	d := &plansData{Grid: strings.TrimSpace(r.PostFormValue("grid_cell")), Rates: strings.TrimSpace(r.PostFormValue("rates"))}
	rates, err := parseRates(d.Rates)
	var plan *commission.Plan
	if err == nil {
		plan, err = c.deps.Plans.Create(r.Context(), rc.p, commission.PlanInput{GridCell: d.Grid, Rates: rates})
	}
	var invalid *bizerr.InvalidError
	var refused *commission.PlanError
	switch {
	case errors.As(err, &invalid):
		d.Field, d.Error = invalid.Field, c.msg.T("plans.bad_input")+invalid.Reason
		c.showPlans(w, r, rc, http.StatusUnprocessableEntity, d)
	case errors.As(err, &refused): // the API's PLAN_INVALID
		d.Field, d.Error = "rates", c.msg.T("plans.over_cap")+refused.Reason
		c.showPlans(w, r, rc, http.StatusUnprocessableEntity, d)
	case err != nil:
		c.internal(w, r, rc, err)
	default:
		redirect(w, r, plansPath+"?created="+strconv.FormatInt(plan.ID, 10))
	}
}

// parseRates reads "500, 200" (basis points, level 1 first); empty is no overrides.
func parseRates(v string) ([]int, error) {
	var out []int
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, bizerr.Invalid("rates", "are whole basis points separated by commas, level 1 first")
		}
		out = append(out, n)
	}
	return out, nil
}
