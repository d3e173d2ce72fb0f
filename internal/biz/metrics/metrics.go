// Package metrics is the one place the operations figures are defined: what each daily count
// counts (Counts, counted by the daily rollup in SQL) and every rate derived from the counts
// (the methods of Counts). Rates are exact fractions of integers, shown in basis points or fen,
// never stored as floats, so a period's rate is the ratio of its summed counts.
package metrics

// Counts are one Beijing day's counts at one level (the city, a grid, a leader, a batch or a
// cell), or their sum over a period. Events are counted by their day (the server's Beijing date
// of acceptance), orders by the Beijing day they were placed, refunds by the day of their order
// and by the day WeChat Pay reported them successful. Summed over days, distinct counts become
// shopper-days: Visitors over a week counts a shopper once per day visited.
type Counts struct {
	// Visitors (UV): distinct shoppers with any event.
	Visitors int64
	// PageViews (PV): page_view events.
	PageViews int64
	// Sessions: distinct (shopper, session) of page views with a session; Bounces: those of them
	// with exactly one page view (at the level's key).
	Sessions, Bounces int64
	// Carters: distinct shoppers with an add_to_cart event.
	Carters int64
	// Sharers: distinct shoppers with a share event; Shares: share events; ShareOpens: opens of a
	// shared link.
	Sharers, Shares, ShareOpens int64
	// Buyers: distinct shoppers who placed an order, paid or not; Payers (paying buyers): distinct
	// shoppers who placed an order that was paid.
	Buyers, Payers int64
	// Orders: paid orders placed; Items: their lines' quantities; Paid: their amounts in fen.
	Orders, Items, Paid int64
	// RefundedByOrderDay: fen refunded, up to the rollup, of the paid orders placed on the day;
	// RefundedOnDay: fen of the refunds that succeeded on the day, whatever day their order was.
	RefundedByOrderDay, RefundedOnDay int64
	// NewPayers: payers who had never paid for an order placed on an earlier day.
	NewPayers int64
	// RepeatPayers: payers who also paid for an order placed in the 30 days before the day.
	RepeatPayers int64
	// ShareOrders: paid orders placed from a shared link (carrying a share key).
	ShareOrders int64
	// Invitees: shoppers brought by an invitation created on the day (refused ones excluded);
	// Inviters: distinct shoppers who invited them. Invitations name no grid or leader: only the
	// city level counts them.
	Invitees, Inviters int64
}

// Add is the sum of c and o, field by field: a period's counts from its days'.
func (c Counts) Add(o Counts) Counts {
	return Counts{
		Visitors: c.Visitors + o.Visitors, PageViews: c.PageViews + o.PageViews,
		Sessions: c.Sessions + o.Sessions, Bounces: c.Bounces + o.Bounces, Carters: c.Carters + o.Carters,
		Sharers: c.Sharers + o.Sharers, Shares: c.Shares + o.Shares, ShareOpens: c.ShareOpens + o.ShareOpens,
		Buyers: c.Buyers + o.Buyers, Payers: c.Payers + o.Payers, Orders: c.Orders + o.Orders,
		Items: c.Items + o.Items, Paid: c.Paid + o.Paid,
		RefundedByOrderDay: c.RefundedByOrderDay + o.RefundedByOrderDay, RefundedOnDay: c.RefundedOnDay + o.RefundedOnDay,
		NewPayers: c.NewPayers + o.NewPayers, RepeatPayers: c.RepeatPayers + o.RepeatPayers,
		ShareOrders: c.ShareOrders + o.ShareOrders, Invitees: c.Invitees + o.Invitees, Inviters: c.Inviters + o.Inviters,
	}
}

// UVPerPV is UV ÷ PV: visitors per page view.
func (c Counts) UVPerPV() Ratio { return Ratio{c.Visitors, c.PageViews} }

// BounceRate is sessions of exactly one page view ÷ sessions.
func (c Counts) BounceRate() Ratio { return Ratio{c.Bounces, c.Sessions} }

// AddToCartRate is shoppers who added to the cart ÷ visitors.
func (c Counts) AddToCartRate() Ratio { return Ratio{c.Carters, c.Visitors} }

// PaymentConversion is paying buyers ÷ visitors.
func (c Counts) PaymentConversion() Ratio { return Ratio{c.Payers, c.Visitors} }

// OrderConversion is buyers (paid or not) ÷ visitors: the funnel's middle step.
func (c Counts) OrderConversion() Ratio { return Ratio{c.Buyers, c.Visitors} }

// PerOrder (客单价) is paid fen ÷ paid orders.
func (c Counts) PerOrder() Ratio { return Ratio{c.Paid, c.Orders} }

// PerBuyer (人均消费额, spend per buyer) is paid fen ÷ paying buyers.
func (c Counts) PerBuyer() Ratio { return Ratio{c.Paid, c.Payers} }

// ItemsPerOrder (连带率) is items of paid orders ÷ paid orders.
func (c Counts) ItemsPerOrder() Ratio { return Ratio{c.Items, c.Orders} }

// RepurchaseRate (30-day 复购率) is paying buyers who had also paid for an order placed in the
// 30 days before ÷ paying buyers.
func (c Counts) RepurchaseRate() Ratio { return Ratio{c.RepeatPayers, c.Payers} }

// ShareRate (分享率) is sharers ÷ active shoppers, active meaning a visitor: any event that day.
func (c Counts) ShareRate() Ratio { return Ratio{c.Sharers, c.Visitors} }

// ShareOrderRate is paid orders placed from a shared link ÷ paid orders.
func (c Counts) ShareOrderRate() Ratio { return Ratio{c.ShareOrders, c.Orders} }

// InvitationCoefficient (邀请系数) is shoppers brought by invitations ÷ shoppers who invited.
func (c Counts) InvitationCoefficient() Ratio { return Ratio{c.Invitees, c.Inviters} }

// NetPaid is paid fen less what was refunded of those orders.
func (c Counts) NetPaid() int64 { return c.Paid - c.RefundedByOrderDay }
