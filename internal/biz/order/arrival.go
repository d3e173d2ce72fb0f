package order

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

// Arrive marks, for ops, the goods of a batch arrived at a leader's point.
func (p *Pickup) Arrive(ctx context.Context, batchID, leaderID int64, by string) (*Arrival, error) {
	l, err := p.leaders.Get(ctx, leaderID)
	if err != nil {
		return nil, err
	}
	return p.arrive(ctx, batchID, l, by)
}

// ConfirmArrival is the leader saying the goods reached its own point.
func (p *Pickup) ConfirmArrival(ctx context.Context, leaderUserID, batchID int64) (*Arrival, error) {
	l, err := p.leaders.GetByUser(ctx, leaderUserID)
	if err != nil {
		return nil, err
	}
	return p.arrive(ctx, batchID, l, "leader:"+strconv.FormatInt(leaderUserID, 10))
}

// arrive records the arrival and makes the point's paid orders ready, in one transaction under
// the batch's row lock: arrivals of one batch take turns, so the last one sees every other and
// moves the batch to arrived. Only a dispatched (or already arrived) batch takes arrivals: the
// goods cannot be at a point before they left the warehouse. A repeated marking changes
// nothing.
func (p *Pickup) arrive(ctx context.Context, batchID int64, l *leader.Leader, by string) (*Arrival, error) {
	var out *Arrival
	err := p.tx.InTx(ctx, func(ctx context.Context) error {
		b, err := p.batches.Lock(ctx, batchID)
		if err != nil {
			return err
		}
		if b.Status != presale.Dispatched && b.Status != presale.Arrived {
			return presale.Lifecycle.Refuse(b.Status, "mark goods arrived (only once dispatched)")
		}
		now := p.now()
		a, created, err := p.repo.AddArrival(ctx, Arrival{BatchID: b.ID, LeaderID: l.ID, ArrivedAt: now, MarkedBy: by})
		if err != nil {
			return err
		}
		out = a
		if !created {
			out.OrdersReady = 0
			return nil
		}
		if out.OrdersReady, err = p.makeReady(ctx, b.ID, l, now); err != nil {
			return err
		}
		return p.maybeArrived(ctx, b)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// maybeArrived moves a dispatched batch, locked by the caller, to arrived when no point with
// paid orders is still waiting for its goods.
func (p *Pickup) maybeArrived(ctx context.Context, b *presale.Batch) error {
	if b.Status != presale.Dispatched {
		return nil
	}
	waiting, err := p.repo.PointsWaiting(ctx, b.ID)
	if err != nil || waiting > 0 {
		return err
	}
	if err := presale.Lifecycle.Move(&b.Status, presale.Arrived); err != nil {
		return err
	}
	return p.batches.SaveStatus(ctx, b)
}

// makeReady moves the leader's paid orders of the batch to ready, leaves each shopper a notice
// and publishes TopicReady per order, in the caller's transaction.
func (p *Pickup) makeReady(ctx context.Context, batchID int64, l *leader.Leader, at time.Time) (int, error) {
	orders, err := p.repo.MakeReady(ctx, batchID, l.ID, at)
	if err != nil || len(orders) == 0 {
		return 0, err
	}
	notices := make([]Notice, len(orders))
	for i, o := range orders {
		notices[i] = arrivedNotice(o, l, at)
	}
	if err := p.repo.AddNotices(ctx, notices); err != nil {
		return 0, err
	}
	for _, o := range orders {
		if err := Lifecycle.Move(&o.Status, Ready); err != nil {
			return 0, err
		}
		o.ReadyAt = at
		if err := p.publish(ctx, TopicReady, o, at); err != nil {
			return 0, err
		}
	}
	return len(orders), nil
}

func arrivedNotice(o *Order, l *leader.Leader, at time.Time) Notice {
	body := fmt.Sprintf("您的订单%d已送达自提点「%s」（%s），请凭取货码前往提货。", o.ID, l.Point.Name, l.Point.Address)
	if l.Point.OpeningHours != "" {
		body += "营业时间：" + l.Point.OpeningHours
	}
	return Notice{UserID: o.UserID, OrderID: o.ID, Kind: NoticeArrived, Title: "商品已到货，请及时提货",
		Body: clipRunes(body, 256), CreatedAt: at}
}

// clipRunes cuts s to at most n runes.
func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func (p *Pickup) publish(ctx context.Context, topic string, o *Order, at time.Time) error {
	return event.PublishJSON(ctx, p.events, topic, "order/"+strconv.FormatInt(o.ID, 10), Changed{
		OrderID: o.ID, UserID: o.UserID, LeaderID: o.LeaderID, BatchID: o.BatchID, Status: o.Status,
		Amount: o.Amount, At: at})
}

// NotifyReady handles order.ready: it sends the "goods arrived" subscription message once per
// order (a delivery repeated by the outbox finds the claim taken). It is best effort: a user who did not subscribe is no failure, and after
// notifyAttempts failed tries the app's notice is all the shopper gets.
func (p *Pickup) NotifyReady(ctx context.Context, e event.Event) error {
	if p.msg == nil {
		return nil
	}
	var ch Changed
	if err := e.Decode(&ch); err != nil {
		return err
	}
	key := "notify:" + NoticeArrived + ":" + strconv.FormatInt(ch.OrderID, 10)
	first, err := p.guard.Once(ctx, key, notifyOnceTTL)
	if err != nil || !first {
		return err
	}
	n, err := p.repo.Notice(ctx, ch.OrderID, NoticeArrived)
	if err == nil {
		err = p.msg.Notify(ctx, ch.UserID, *n)
	}
	switch {
	case err == nil, errors.Is(err, ErrMessageRefused), errors.Is(err, bizerr.ErrNotFound):
		return nil
	case e.Attempts >= notifyAttempts:
		return nil // given up: the notice is in the app
	}
	if ferr := p.guard.Forget(context.WithoutCancel(ctx), key); ferr != nil {
		return errors.Join(err, ferr)
	}
	return fmt.Errorf("arrival message for order %d: %w", ch.OrderID, err)
}
