package main

import (
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/server"
)

// commissionConfig is the commission policy: the levels of leaders.commission_levels (which
// also fixes how much of a recruiting chain approval keeps) and the cap of commission.cap_bp.
func commissionConfig(l *conf.Leaders, c *conf.Commission) (commission.Config, error) {
	return commission.Config{Levels: int(l.GetCommissionLevels()), CapBP: int(c.GetCapBp())}.Check()
}

// commissionLoopSet is commission's background loops: none, it only reacts to order events.
type commissionLoopSet server.Loops

// commissionLoops registers commission's handlers of order events on the dispatcher: paid
// orders are credited, refunds reversed, completed orders' commission made settleable.
func commissionLoops(d *event.Dispatcher, f *commission.Flows) commissionLoopSet {
	f.Handle(d)
	return commissionLoopSet{}
}
