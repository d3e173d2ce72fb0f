package server

import (
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/invite"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/biz/shipping"
)

// EventMap is THE event map: every topic the use cases publish through the outbox, and who
// listens to it, in the order the handlers run on each event (the first that fails stops the
// rest; the event comes again, to all of them, after a back-off, so every handler is
// idempotent). A topic nobody listens to yet keeps its entry: the outbox keeps its events.
// events_test.go checks that every Topic constant of internal/biz is here.
func EventMap(checkout *order.Checkout, pickup *order.Pickup, declarations *shipping.Usecase,
	flows *commission.Flows, settle *settlement.Usecase, prices *order.PriceRecorder,
	invitations *invite.Usecase, welcome *promo.Welcome) event.Map {
	return event.Map{
		identity.TopicShopperJoined: {
			{Name: "promo.Welcome.OnJoined", Handle: welcome.OnJoined}, // new-shopper coupons (新人券)
		},

		presale.TopicScheduled: nil, // stock counters load when scheduling and opening, not here
		presale.TopicOpened:    nil,
		presale.TopicClosed:    nil,
		presale.TopicCancelled: {
			{Name: "order.Checkout.OnBatchCancelled", Handle: checkout.OnBatchCancelled}, // cancel the batch's orders
		},

		order.TopicPaid: {
			{Name: "shipping.Usecase.OnPaid", Handle: declarations.OnPaid}, // presale declaration to WeChat
			{Name: "commission.Flows.OnPaid", Handle: flows.OnPaid},        // credit the leaders' commission
			{Name: "order.PriceRecorder.OnPaid", Handle: prices.OnPaid},    // the day's lowest unit prices (划线价 evidence)
			{Name: "invite.Usecase.OnPaid", Handle: invitations.OnPaid},    // the invitee's first paid order qualifies
		},
		order.TopicCancelled: nil, // unpaid: nothing owed
		order.TopicReady: {
			{Name: "order.Pickup.NotifyReady", Handle: pickup.NotifyReady},   // "goods arrived" message
			{Name: "shipping.Usecase.OnReady", Handle: declarations.OnReady}, // self-pickup upload to WeChat
		},
		order.TopicPickedUp: nil,
		order.TopicRefunded: {
			{Name: "commission.Flows.OnRefunded", Handle: flows.OnRefunded},     // reverse the commission first,
			{Name: "settlement.Usecase.OnRefunded", Handle: settle.OnRefunded},  // then ask paid receivers back
			{Name: "invite.Usecase.OnRefunded", Handle: invitations.OnRefunded}, // a qualifying order refunded whole: pending again
		},
		order.TopicCompleted: {
			{Name: "commission.Flows.OnCompleted", Handle: flows.OnCompleted},     // commission becomes settleable
			{Name: "invite.Usecase.OnCompleted", Handle: invitations.OnCompleted}, // the purchase stood: reward both sides, last
		},
	}
}
