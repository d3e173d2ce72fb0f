package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// WeChat's error codes of subscribeMessage.send.
const (
	errInvalidOpenID   = 40003
	errInvalidTemplate = 40037
	errNotSubscribed   = 43101
	errTemplateArgs    = 47003
)

// Errors of SendSubscribeMessage, for errors.Is. None is worth retrying with the same message.
var (
	// ErrNotSubscribed means the user has not accepted (or has turned off) this template's
	// messages: WeChat's 43101. It is the user's choice, not a fault.
	ErrNotSubscribed = errors.New("wechat: user has not subscribed to the message")
	// ErrInvalidOpenID means WeChat does not know the openid for this mini-program: 40003.
	ErrInvalidOpenID = errors.New("wechat: invalid openid")
	// ErrBadTemplate means the template id is unknown to the mini-program (40037) or the data
	// does not fit the template's keywords (47003): a configuration or programming fault.
	ErrBadTemplate = errors.New("wechat: invalid subscription message template or data")
)

// SubscribeMessage is one subscription message (订阅消息) to a user of the mini-program.
type SubscribeMessage struct {
	// ToUser is the recipient's openid. Required.
	ToUser string
	// TemplateID is the template the mini-program added in WeChat's console. Required.
	TemplateID string
	// Page is the mini-program page the message opens, with its query; empty opens none.
	Page string
	// State is the mini-program version the message opens: "developer", "trial" or
	// "formal"; empty is WeChat's default, formal.
	State string
	// Lang is the language of the message: zh_CN (WeChat's default when empty), en_US, zh_HK
	// or zh_TW.
	Lang string
	// Data maps each of the template's keywords ("thing1", "time2") to its value; WeChat
	// limits each value by the keyword's type (a thing is at most 20 characters). Required.
	Data map[string]string
}

// subscribeValue is one keyword's value on the wire.
type subscribeValue struct {
	Value string `json:"value"`
}

type subscribeRequest struct {
	ToUser     string                    `json:"touser"`
	TemplateID string                    `json:"template_id"`
	Page       string                    `json:"page,omitempty"`
	State      string                    `json:"miniprogram_state,omitempty"`
	Lang       string                    `json:"lang,omitempty"`
	Data       map[string]subscribeValue `json:"data"`
}

// SendSubscribeMessage sends msg. WeChat's refusals come back as ErrNotSubscribed,
// ErrInvalidOpenID or ErrBadTemplate; rate limits and system errors as bizerr's kinds, as for
// the other calls. When WeChat says the access token is no longer valid, the token is renewed
// and the message sent once more.
func (m *MiniProgram) SendSubscribeMessage(ctx context.Context, msg SubscribeMessage) error {
	switch {
	case msg.ToUser == "":
		return fmt.Errorf("subscribe message: %w", bizerr.Invalid("to_user", "required"))
	case msg.TemplateID == "":
		return fmt.Errorf("subscribe message: %w", bizerr.Invalid("template_id", "required"))
	case len(msg.Data) == 0:
		return fmt.Errorf("subscribe message: %w", bizerr.Invalid("data", "required"))
	}
	req := subscribeRequest{
		ToUser: msg.ToUser, TemplateID: msg.TemplateID, Page: msg.Page, State: msg.State, Lang: msg.Lang,
		Data: make(map[string]subscribeValue, len(msg.Data)),
	}
	for k, v := range msg.Data {
		req.Data[k] = subscribeValue{Value: v}
	}
	err := m.sendSubscribe(ctx, &req, false)
	var ae *apiError
	if errors.As(err, &ae) && (ae.Code == errInvalidToken || ae.Code == errTokenExpired) {
		err = m.sendSubscribe(ctx, &req, true)
	}
	if err != nil {
		return mapSubscribeErr(err)
	}
	return nil
}

func (m *MiniProgram) sendSubscribe(ctx context.Context, req *subscribeRequest, renewToken bool) error {
	token, err := m.tokens.get(ctx, renewToken)
	if err != nil {
		return err
	}
	var out struct {
		apiError
		MsgID int64 `json:"msgid"`
	}
	path := "/cgi-bin/message/subscribe/send?access_token=" + url.QueryEscape(token)
	if err := m.do(ctx, http.MethodPost, path, req, &out); err != nil {
		if renewToken {
			return err
		}
		var ae *apiError
		if errors.As(err, &ae) && (ae.Code == errInvalidToken || ae.Code == errTokenExpired) {
			m.tokens.forget(ctx, token)
		}
		return err
	}
	return nil
}

// mapSubscribeErr turns subscribeMessage.send's own codes into the package's errors and leaves
// the rest to mapErr.
func mapSubscribeErr(err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.Code {
	case errNotSubscribed:
		return fmt.Errorf("%w: %w", ErrNotSubscribed, err)
	case errInvalidOpenID:
		return fmt.Errorf("%w: %w", ErrInvalidOpenID, err)
	case errInvalidTemplate, errTemplateArgs:
		return fmt.Errorf("%w: %w", ErrBadTemplate, err)
	}
	return mapErr(err, nil, nil)
}
