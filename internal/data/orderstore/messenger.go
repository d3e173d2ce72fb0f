package orderstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/identitystore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/data/wechat"
)

// ArrivalMessenger sends a shopper's notices as WeChat subscription messages through the
// configured template; without a template the notices stay in the app only.
type ArrivalMessenger struct {
	mp       *wechat.MiniProgram
	users    *identitystore.UserRepo
	template string
}

// NewArrivalMessenger sends through mp with checkout.arrival_template_id.
func NewArrivalMessenger(mp *wechat.MiniProgram, users *identitystore.UserRepo, c *conf.Checkout) order.Messenger {
	return &ArrivalMessenger{mp: mp, users: users, template: c.GetArrivalTemplateId()}
}

// Notify sends n to its shopper. The template's keys are WeChat's: thing1 the title, thing2
// the text, character_string3 the order number.
func (m *ArrivalMessenger) Notify(ctx context.Context, userID int64, n order.Notice) error {
	if m.template == "" {
		return nil
	}
	u, err := m.users.Get(ctx, userID)
	if err != nil {
		return err
	}
	err = m.mp.SendSubscribeMessage(ctx, wechat.SubscribeMessage{ToUser: u.OpenID, TemplateID: m.template,
		Page: fmt.Sprintf("pages/order/detail?id=%d", n.OrderID),
		Data: map[string]string{"thing1": sqldb.Clip(n.Title, 20), "thing2": sqldb.Clip(n.Body, 20),
			"character_string3": fmt.Sprint(n.OrderID)}})
	if errors.Is(err, wechat.ErrNotSubscribed) || errors.Is(err, wechat.ErrInvalidOpenID) {
		return fmt.Errorf("%w: %w", order.ErrMessageRefused, err)
	}
	return err
}
