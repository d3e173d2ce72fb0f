package layerstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/data/identitystore"
	"github.com/groupbuy/groupbuy/internal/data/wechat"
)

// Messenger sends targeted subscription messages through the mini-program's server API.
type Messenger struct {
	mp    *wechat.MiniProgram
	users *identitystore.UserRepo
}

// NewMessenger sends through mp to the openids of users.
func NewMessenger(mp *wechat.MiniProgram, users *identitystore.UserRepo) *Messenger {
	return &Messenger{mp: mp, users: users}
}

// Send sends m to the shopper. WeChat's refusals of this user (not subscribed, unknown openid)
// are layer.ErrRefused; a bad template is a fault of the send and stays an error.
func (m *Messenger) Send(ctx context.Context, userID int64, msg layer.Message) error {
	u, err := m.users.Get(ctx, userID)
	if err != nil {
		return fmt.Errorf("shopper %d: %w", userID, err)
	}
	err = m.mp.SendSubscribeMessage(ctx, wechat.SubscribeMessage{ToUser: u.OpenID, TemplateID: msg.TemplateID,
		Page: msg.Page, Data: msg.Data})
	if errors.Is(err, wechat.ErrNotSubscribed) || errors.Is(err, wechat.ErrInvalidOpenID) {
		return fmt.Errorf("%w: %w", layer.ErrRefused, err)
	}
	return err
}

var _ layer.Messenger = (*Messenger)(nil)
