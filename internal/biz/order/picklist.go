package order

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// PickList is the caller's pickup point's part of a batch: per item totals and per order bags.
func (p *Pickup) PickList(ctx context.Context, leaderUserID, batchID int64) (*PickList, error) {
	l, err := p.leaders.GetByUser(ctx, leaderUserID)
	if err != nil {
		return nil, err
	}
	b, err := p.batches.Get(ctx, batchID)
	if err != nil {
		return nil, err
	}
	if err := afterCutoff(b, "list its goods before the cut-off"); err != nil {
		return nil, err
	}
	rows, err := p.repo.PickRows(ctx, b.ID, l.ID, listed)
	if err != nil {
		return nil, err
	}
	arrivals, err := p.repo.Arrivals(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	pl := buildPickList(b, l.ID, rows)
	for _, a := range arrivals {
		if a.LeaderID == l.ID {
			pl.Arrived, pl.ArrivedAt = true, a.ArrivedAt
		}
	}
	return pl, nil
}

// shopperLabel is what a leader calls out for a bag: the last four digits of the order number,
// which the shopper sees in its order. Phone numbers stay sealed.
func shopperLabel(orderID int64) string { return fmt.Sprintf("订单尾号%04d", orderID%10000) }

func itemQty(b *presale.Batch, itemID, qty int64) ItemQty {
	q := ItemQty{ItemID: itemID, Qty: qty}
	if it, ok := b.Item(itemID); ok {
		q.Title, q.Spec, q.Unit = it.Title, it.Spec, it.Unit
	}
	return q
}

// buildPickList groups the rows (ordered by order and line) into bags and sums them per item
// in the batch's item order. Lines fully refunded are left out, and so are bags left empty.
func buildPickList(b *presale.Batch, leaderID int64, rows []PickRow) *PickList {
	pl := &PickList{BatchID: b.ID, LeaderID: leaderID, PickupDate: b.PickupDay()}
	totals := map[int64]*PickTotal{}
	for _, r := range rows {
		if r.Qty <= 0 {
			continue
		}
		if n := len(pl.Bags); n == 0 || pl.Bags[n-1].OrderID != r.OrderID {
			pl.Bags = append(pl.Bags, Bag{OrderID: r.OrderID, Shopper: shopperLabel(r.OrderID), Status: r.Status})
		}
		bag := &pl.Bags[len(pl.Bags)-1]
		bag.Lines = append(bag.Lines, itemQty(b, r.ItemID, r.Qty))
		t := totals[r.ItemID]
		if t == nil {
			t = &PickTotal{ItemQty: itemQty(b, r.ItemID, 0)}
			totals[r.ItemID] = t
		}
		t.Qty += r.Qty
		switch r.Status {
		case Paid:
			t.Paid += r.Qty
		case Ready:
			t.Ready += r.Qty
		default:
			t.PickedUp += r.Qty
		}
	}
	for _, t := range totals {
		pl.Totals = append(pl.Totals, *t)
	}
	slices.SortFunc(pl.Totals, func(a, c PickTotal) int { return cmp.Compare(itemRank(b, a.ItemID), itemRank(b, c.ItemID)) })
	return pl
}

// itemRank orders items as the batch lists them; unknown ones go last by id.
func itemRank(b *presale.Batch, itemID int64) int64 {
	i := slices.IndexFunc(b.Items, func(it presale.Item) bool { return it.ID == itemID })
	if i < 0 {
		return int64(len(b.Items)) + itemID
	}
	return int64(i)
}

// DispatchList is a batch's goods per grid (with its route and station labels) and per pickup
// point, for ops loading the trucks: of one grid (its route), or of all when grid is empty.
func (p *Pickup) DispatchList(ctx context.Context, batchID int64, grid string) (*DispatchList, error) {
	if len(grid) > maxGridCell {
		return nil, bizerr.Invalid("grid_cell", "must be a grid's cell")
	}
	b, err := p.dispatchable(ctx, batchID)
	if err != nil {
		return nil, err
	}
	rows, err := p.repo.DispatchRows(ctx, b.ID, grid, listed)
	if err != nil {
		return nil, err
	}
	arrivals, err := p.repo.Arrivals(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	return buildDispatchList(b, rows, arrivals), nil
}

// maxGridCell is the length of the longest H3 cell in its string form.
const maxGridCell = 16

// DispatchRoutes is the index of a batch's dispatch list: its grids (routes), by cell, with
// how many pickup points and orders each serves, to print the list route by route.
func (p *Pickup) DispatchRoutes(ctx context.Context, batchID int64) (*DispatchIndex, error) {
	b, err := p.dispatchable(ctx, batchID)
	if err != nil {
		return nil, err
	}
	routes, err := p.repo.DispatchRoutes(ctx, b.ID, listed)
	if err != nil {
		return nil, err
	}
	return &DispatchIndex{BatchID: b.ID, PickupDate: b.PickupDay(), Routes: routes}, nil
}

// dispatchable is the batch, once its orders are cut off.
func (p *Pickup) dispatchable(ctx context.Context, batchID int64) (*presale.Batch, error) {
	b, err := p.batches.Get(ctx, batchID)
	if err != nil {
		return nil, err
	}
	if err := afterCutoff(b, "list its goods before the cut-off"); err != nil {
		return nil, err
	}
	return b, nil
}

// buildDispatchList orders grids by cell, stops by leader id, lines in the batch's item order,
// and sums per grid and over the batch.
func buildDispatchList(b *presale.Batch, rows *DispatchRows, arrivals []Arrival) *DispatchList {
	dl := &DispatchList{BatchID: b.ID, PickupDate: b.PickupDay()}
	arrived := map[int64]bool{}
	for _, a := range arrivals {
		arrived[a.LeaderID] = true
	}
	type stopKey struct {
		grid   string
		leader int64
	}
	grids := map[string]*DispatchGrid{}
	stops := map[stopKey]*DispatchStop{}
	stop := func(grid string, leaderID int64) *DispatchStop {
		k := stopKey{grid, leaderID}
		if s := stops[k]; s != nil {
			return s
		}
		if grids[grid] == nil {
			info := rows.Grids[grid]
			grids[grid] = &DispatchGrid{Cell: grid, Name: info.Name, RouteLabel: info.RouteLabel,
				StationLabel: info.StationLabel}
		}
		pt := rows.Stops[leaderID]
		s := &DispatchStop{LeaderID: leaderID, PointName: pt.Name, Address: pt.Address, Arrived: arrived[leaderID]}
		stops[k] = s
		return s
	}
	for _, o := range rows.Orders {
		stop(o.Grid, o.LeaderID).Orders += o.Orders
	}
	gridTotals := map[string]map[int64]int64{}
	all := map[int64]int64{}
	for _, l := range rows.Lines {
		if l.Qty <= 0 {
			continue
		}
		s := stop(l.Grid, l.LeaderID)
		s.Lines = append(s.Lines, itemQty(b, l.ItemID, l.Qty))
		if gridTotals[l.Grid] == nil {
			gridTotals[l.Grid] = map[int64]int64{}
		}
		gridTotals[l.Grid][l.ItemID] += l.Qty
		all[l.ItemID] += l.Qty
	}
	byItem := func(a, c ItemQty) int { return cmp.Compare(itemRank(b, a.ItemID), itemRank(b, c.ItemID)) }
	sums := func(m map[int64]int64) []ItemQty {
		out := make([]ItemQty, 0, len(m))
		for id, q := range m {
			out = append(out, itemQty(b, id, q))
		}
		slices.SortFunc(out, byItem)
		return out
	}
	for k, s := range stops {
		slices.SortFunc(s.Lines, byItem)
		g := grids[k.grid]
		g.Stops = append(g.Stops, *s)
	}
	for cell, g := range grids {
		slices.SortFunc(g.Stops, func(a, c DispatchStop) int { return cmp.Compare(a.LeaderID, c.LeaderID) })
		g.Totals = sums(gridTotals[cell])
		dl.Grids = append(dl.Grids, *g)
	}
	slices.SortFunc(dl.Grids, func(a, c DispatchGrid) int { return cmp.Compare(a.Cell, c.Cell) })
	dl.Totals = sums(all)
	return dl
}
