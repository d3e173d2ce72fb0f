package data_test

import (
	"testing"
	"time"

	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// The "goods arrived" subscription message goes out once per order through the WeChat client
// against the simulator, even when the order.ready event is delivered again, and a shopper who
// refused subscription messages is no failure: the event is done either way.
func TestArrivalMessageIsSentOnceAndBestEffort(t *testing.T) {
	e := newPkEnv(t, openPostgres(t))
	ctx := t.Context()
	wx := e.wechat()
	shopper := func(openid string) int64 {
		u, err := e.users.UpsertByOpenID(ctx, openid, "", []identity.Role{identity.RoleShopper}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	// pkOrder numbers its shoppers from nextUser: make its next two the real users made here.
	glad, refuser := shopper("o-arrival-glad"), shopper("o-arrival-refuses")
	if refuser != glad+1 {
		t.Fatalf("users %d and %d are not consecutive", glad, refuser)
	}
	e.nextUser = int(glad) - 1
	gladOrder, refusedOrder := e.pkOrder(e.a, entorder.StatusPaid, 1, 0), e.pkOrder(e.a, entorder.StatusPaid, 0, 1)
	if err := wx.sim.RefuseSubscribeMessages(testAppID, "o-arrival-refuses"); err != nil {
		t.Fatal(err)
	}

	// Pickup as the program builds it with the mini-program at the simulator and the template.
	cfg := e.config()
	cfg.Order, cfg.QR = e.cfg, e.qr
	cfg.Checkout = &conf.Checkout{ArrivalTemplateId: "tmpl-goods-arrived"}
	built := e.build(e.clock.Now, wx.conf, cfg)
	outbox, pickup := built.Outbox, built.Pickup
	// Only the pickup's handler of order.ready: the other handlers are not under test.
	d := event.NewDispatcher(outbox, e.clock.Now, event.Map{order.TopicReady: {{Name: "order.Pickup.NotifyReady", Handle: pickup.NotifyReady}}})
	if _, err := pickup.Arrive(ctx, int64(e.batch), e.a.ID, "ops:1"); err != nil {
		t.Fatal(err)
	}
	deliver := func() {
		t.Helper()
		if _, err := d.DispatchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if left := e.count(`SELECT count(*) FROM outbox_events WHERE topic = $1 AND delivered_at IS NULL`, order.TopicReady); left != 0 {
			t.Fatalf("%d order.ready events left undelivered", left)
		}
	}
	deliver()
	// Every order.ready event again, as after a lost acknowledgement.
	e.exec(`UPDATE outbox_events SET delivered_at = NULL, available_at = now() - interval '1 minute' WHERE topic = $1`, order.TopicReady)
	deliver()

	sent := wx.sim.SubscribeMessages("o-arrival-glad")
	if len(sent) != 1 || sent[0].TemplateID != "tmpl-goods-arrived" {
		t.Fatalf("messages to the shopper of order %d: %+v", gladOrder.ID, sent)
	}
	if got := wx.sim.SubscribeMessages("o-arrival-refuses"); len(got) != 0 {
		t.Fatalf("the shopper of order %d refused messages but got %+v", refusedOrder.ID, got)
	}
}
