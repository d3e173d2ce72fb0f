package data_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/invite"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/identitystore"
	"github.com/groupbuy/groupbuy/internal/data/invitestore"
)

// invEnv is invitations on PostgreSQL with real users (sealed phones) and orders. Its programme
// grants no coupons (templates 0): what it tests is who qualifies, when, and the cap.
type invEnv struct {
	*stack
	uc    *invite.Usecase
	codes *invite.InviteCodes
	repo  *invitestore.Store
	users *identitystore.UserRepo
	now   time.Time
}

func newInvEnv(t *testing.T, capPerInviter int) *invEnv {
	t.Helper()
	s := newStack(t, openPostgres(t))
	codes, err := invite.NewInviteCodes(bytes.Repeat([]byte("i"), 32))
	if err != nil {
		t.Fatal(err)
	}
	e := &invEnv{stack: s, codes: codes, repo: invitestore.NewStore(s.data),
		users: identitystore.NewUserRepo(s.data, s.keys), now: time.Now().UTC()}
	e.uc = invite.NewUsecase(e.repo, invitestore.NewPeople(s.data, e.users), nil, codes, s.data,
		invite.Config{Cap: capPerInviter}, func() time.Time { return e.now })
	return e
}

func (e *invEnv) shopper(openid, phone string) int64 {
	e.t.Helper()
	u, err := e.users.UpsertByOpenID(e.t.Context(), openid, "", []identity.Role{identity.RoleShopper}, e.now)
	if err != nil {
		e.t.Fatal(err)
	}
	if phone != "" {
		if _, err := e.users.SetPhone(e.t.Context(), u.ID, phone); err != nil {
			e.t.Fatal(err)
		}
	}
	return u.ID
}

// paidOrder writes a paid order of the shopper, as checkout and payment would have.
func (e *invEnv) paidOrder(userID int64) int64 {
	e.t.Helper()
	o := e.data.Ent.Order.Create().SetUserID(int(userID)).SetLeaderID(1).SetBatchID(1).SetGridCell("8831aa5a9dfffff").
		SetStatus("paid").SetIdempotencyKey(fmt.Sprintf("inv-%d-%d", userID, time.Now().UnixNano())).
		SetAmount(1000).SetExpiresAt(e.now).SetPaidAt(e.now).SaveX(e.t.Context())
	return int64(o.ID)
}

func (e *invEnv) deliver(topic string, ch order.Changed) error {
	payload, _ := json.Marshal(ch)
	ev := event.Event{Topic: topic, Key: fmt.Sprintf("order/%d", ch.OrderID), Payload: payload}
	switch topic {
	case order.TopicPaid:
		return e.uc.OnPaid(e.t.Context(), ev)
	case order.TopicRefunded:
		return e.uc.OnRefunded(e.t.Context(), ev)
	}
	return e.uc.OnCompleted(e.t.Context(), ev)
}

func (e *invEnv) state(inviteeID int64) *invite.Invitation {
	e.t.Helper()
	inv, err := e.repo.ByInvitee(e.t.Context(), inviteeID)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv
}

func TestInvitationRewardsOnlyAPurchaseThatStood(t *testing.T) {
	e := newInvEnv(t, 5)
	ctx := t.Context()
	inviter := e.shopper("o-inviter", "13800000001")
	invitee := e.shopper("o-invitee", "")
	code, err := e.uc.Code(inviter)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.uc.Accept(ctx, inviter, code); !errors.Is(err, invite.ErrSelfInvite) {
		t.Fatalf("self-invitation: %v", err)
	}
	inv, accepted, err := e.uc.Accept(ctx, invitee, code)
	if err != nil || !accepted || inv.State != invite.InvitationPending {
		t.Fatalf("accept: %+v, %v, %v", inv, accepted, err)
	}
	// A second code changes nothing: the first invitation stands.
	other := e.shopper("o-other", "")
	again, accepted, err := e.uc.Accept(ctx, invitee, e.codes.Code(other))
	if err != nil || accepted || again.InviterID != inviter {
		t.Fatalf("second code: %+v, %v, %v", again, accepted, err)
	}
	// Paid, then refunded in full: back to pending; the next paid order qualifies instead.
	first := e.paidOrder(invitee)
	if err := e.deliver(order.TopicPaid, order.Changed{OrderID: first, UserID: invitee, Status: order.Paid}); err != nil {
		t.Fatal(err)
	}
	if got := e.state(invitee); got.State != invite.InvitationQualifying || got.OrderID != first {
		t.Fatalf("after payment: %+v", got)
	}
	if err := e.deliver(order.TopicRefunded, order.Changed{OrderID: first, UserID: invitee, Status: order.Refunded}); err != nil {
		t.Fatal(err)
	}
	if got := e.state(invitee); got.State != invite.InvitationPending || got.OrderID != 0 {
		t.Fatalf("after the whole refund: %+v", got)
	}
	second := e.paidOrder(invitee)
	_ = e.deliver(order.TopicPaid, order.Changed{OrderID: second, UserID: invitee, Status: order.Paid})
	// The refunded order completing (it cannot, but an old event may come) rewards nothing.
	if err := e.deliver(order.TopicCompleted, order.Changed{OrderID: first, UserID: invitee}); err != nil {
		t.Fatal(err)
	}
	if got := e.state(invitee); got.State != invite.InvitationQualifying {
		t.Fatalf("another order's completion moved it: %+v", got)
	}
	for range 2 { // delivered twice: rewarded once
		if err := e.deliver(order.TopicCompleted, order.Changed{OrderID: second, UserID: invitee}); err != nil {
			t.Fatal(err)
		}
	}
	got := e.state(invitee)
	if got.State != invite.InvitationRewarded || got.RewardSeq != 1 || got.OrderID != second {
		t.Fatalf("after completion: %+v", got)
	}
	// A shopper who already paid for an order cannot be invited.
	if _, _, err := e.uc.Accept(ctx, invitee, e.codes.Code(other)); err != nil {
		t.Fatalf("the invited shopper accepting again: %v", err)
	}
	veteran := e.shopper("o-veteran", "")
	e.paidOrder(veteran)
	if _, _, err := e.uc.Accept(ctx, veteran, code); !errors.Is(err, invite.ErrNotNewShopper) {
		t.Fatalf("a shopper who paid before: %v", err)
	}
}

func TestInvitationRefusesTheInvitersPhoneAndAPhoneInvitedBefore(t *testing.T) {
	e := newInvEnv(t, 5)
	ctx := t.Context()
	inviter := e.shopper("o-inviter", "13800000001")
	code := e.codes.Code(inviter)
	// Accepted while phoneless, then binds the inviter's phone before paying: refused at payment.
	twin := e.shopper("o-twin", "")
	if _, _, err := e.uc.Accept(ctx, twin, code); err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.SetPhone(ctx, twin, "13800000001"); err != nil {
		t.Fatal(err)
	}
	_ = e.deliver(order.TopicPaid, order.Changed{OrderID: e.paidOrder(twin), UserID: twin, Status: order.Paid})
	if got := e.state(twin); got.State != invite.InvitationRefused {
		t.Fatalf("the inviter's own phone: %+v", got)
	}
	// Two accounts with one phone: the second to qualify is refused.
	a, b := e.shopper("o-a", "13900000002"), e.shopper("o-b", "13900000002")
	for _, u := range []int64{a, b} {
		if _, _, err := e.uc.Accept(ctx, u, code); err != nil {
			t.Fatal(err)
		}
		_ = e.deliver(order.TopicPaid, order.Changed{OrderID: e.paidOrder(u), UserID: u, Status: order.Paid})
	}
	if ga, gb := e.state(a), e.state(b); ga.State != invite.InvitationQualifying || gb.State != invite.InvitationRefused {
		t.Fatalf("one phone, two accounts: %s and %s", ga.State, gb.State)
	}
}

// Ten invitees of one inviter complete at once; the cap is three. Each handler is retried on an
// error, as the event dispatcher does: exactly three are rewarded, with seqs 1 to 3.
func TestInvitationCapHoldsUnderConcurrentCompletions(t *testing.T) {
	e := newInvEnv(t, 3)
	ctx := t.Context()
	inviter := e.shopper("o-inviter", "")
	code := e.codes.Code(inviter)
	var invitees, orders []int64
	for i := range 10 {
		u := e.shopper(fmt.Sprintf("o-%d", i), "")
		if _, _, err := e.uc.Accept(ctx, u, code); err != nil {
			t.Fatal(err)
		}
		o := e.paidOrder(u)
		if err := e.deliver(order.TopicPaid, order.Changed{OrderID: o, UserID: u, Status: order.Paid}); err != nil {
			t.Fatal(err)
		}
		invitees, orders = append(invitees, u), append(orders, o)
	}
	var wg sync.WaitGroup
	for i := range invitees {
		wg.Go(func() {
			for try := 0; ; try++ {
				err := e.deliver(order.TopicCompleted, order.Changed{OrderID: orders[i], UserID: invitees[i]})
				if err == nil {
					return
				}
				if try == 50 {
					t.Errorf("invitee %d: %v", invitees[i], err)
					return
				}
				time.Sleep(time.Duration(try+1) * 5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	seqs := map[int]bool{}
	capped := 0
	for _, u := range invitees {
		switch got := e.state(u); got.State {
		case invite.InvitationRewarded:
			seqs[got.RewardSeq] = true
		case invite.InvitationCapped:
			capped++
		default:
			t.Errorf("invitee %d left %s", u, got.State)
		}
	}
	if len(seqs) != 3 || !seqs[1] || !seqs[2] || !seqs[3] || capped != 7 {
		t.Fatalf("rewarded seqs %v, capped %d; want 1..3 and 7", seqs, capped)
	}
	o, err := e.uc.Overview(ctx, invite.Filter{InviterID: inviter, Limit: 20})
	if err != nil || o.Counts[invite.InvitationRewarded] != 3 || len(o.Invitations) != 10 || o.Cap != 3 {
		t.Fatalf("overview: %+v, %v", o, err)
	}
}

// The programme as the program builds it: the rewards are real coupons of invitation templates,
// granted through the coupon counters in Redis, once per side however often the event comes.
func TestInvitationRewardsAreCouponsGrantedOnce(t *testing.T) {
	s := newStack(t, openPostgres(t))
	ctx := t.Context()
	codes, err := invite.NewInviteCodes(bytes.Repeat([]byte("i"), 32))
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.config()
	cfg.InviteCodes = codes
	built := s.build(s.clock.Now, datatest.NoWechat(), cfg)
	now := s.clock.Now()
	template := func(name string, off int64) int64 {
		v, err := built.PromoAdmin.CreateTemplate(ctx, &promo.Template{Name: name,
			Discount: promo.Discount{Kind: promo.FixedOff, AmountOff: off, Threshold: 3 * off},
			Scope:    promo.Scope{Kind: promo.ScopeAll}, Validity: promo.Validity{Days: 30},
			Budget: promo.Budget{Count: 100, Amount: 100 * off, PerShopper: 5}, FundedBy: promo.FundedByPlatform,
			Channel: promo.ChannelInvitation, ClaimWindow: promo.Window{From: now.Add(-time.Minute), Until: now.Add(30 * 24 * time.Hour)}}, 1)
		if err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	inviterT, inviteeT := template("邀请人奖励", 500), template("新人奖励", 300)
	cfg.Invitations = invite.Config{Cap: 5, InviterTemplate: inviterT, InviteeTemplate: inviteeT}
	built = s.build(s.clock.Now, datatest.NoWechat(), cfg)
	e := &invEnv{stack: s, uc: built.Invitations, codes: codes, repo: invitestore.NewStore(s.data),
		users: identitystore.NewUserRepo(s.data, s.keys), now: now}

	inviter, invitee := e.shopper("o-inviter", ""), e.shopper("o-invitee", "")
	code, err := e.uc.Code(inviter)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.uc.Accept(ctx, invitee, code); err != nil {
		t.Fatal(err)
	}
	o := e.paidOrder(invitee)
	if err := e.deliver(order.TopicPaid, order.Changed{OrderID: o, UserID: invitee, Status: order.Paid}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := e.deliver(order.TopicCompleted, order.Changed{OrderID: o, UserID: invitee}); err != nil {
			t.Fatal(err)
		}
	}
	for _, side := range []struct {
		user, template, off int64
	}{{inviter, inviterT, 500}, {invitee, inviteeT, 300}} {
		coupons, err := built.CouponStore.OfUser(ctx, side.user, "", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(coupons) != 1 || coupons[0].TemplateID != side.template || coupons[0].Rules.Discount.AmountOff != side.off ||
			coupons[0].State != promo.CouponAvailable {
			t.Fatalf("shopper %d holds %+v; want one coupon of template %d", side.user, coupons, side.template)
		}
	}
	if got := e.state(invitee); got.State != invite.InvitationRewarded || got.Reason != "" {
		t.Fatalf("invitation %+v", got)
	}
}
