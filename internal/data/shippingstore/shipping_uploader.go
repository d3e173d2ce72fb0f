package shippingstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/shipping"
	"github.com/groupbuy/groupbuy/internal/data/wechat"
)

// ShippingUploader is shipping.Uploader on the mini-program server API: self-pickup uploads
// (logistics type 4, unified delivery) and presale declarations. The client renews an expired
// access token and repeats the call once.
type ShippingUploader struct{ mp *wechat.MiniProgram }

// NewShippingUploader wraps the mini-program client.
func NewShippingUploader(mp *wechat.MiniProgram) *ShippingUploader { return &ShippingUploader{mp: mp} }

var _ shipping.Uploader = (*ShippingUploader)(nil)

func (u *ShippingUploader) UploadPickup(ctx context.Context, s shipping.PickupShipping) error {
	err := u.mp.UploadShippingInfo(ctx, wechat.ShippingInfo{
		Order:         wechat.OrderKey{TransactionID: s.TransactionID},
		LogisticsType: wechat.LogisticsSelfPickup,
		DeliveryMode:  wechat.DeliveryUnified,
		Packages:      []wechat.ShippingPackage{{ItemDesc: s.ItemDesc}},
		UploadTime:    s.UploadTime,
		PayerOpenID:   s.PayerOpenID,
	})
	return shippingErr(err)
}

func (u *ShippingUploader) DeclarePresale(ctx context.Context, transactionID string, promised time.Time) error {
	return shippingErr(u.mp.DeclarePresale(ctx, transactionID, promised))
}

// shippingErr maps the client's errors onto shipping's, keeping WeChat's code and message in
// the text for the declaration's reason.
func shippingErr(err error) error {
	var invalid *bizerr.InvalidError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wechat.ErrAlreadyShipped):
		return fmt.Errorf("%w: %w", shipping.ErrAlreadyShipped, err)
	case errors.Is(err, wechat.ErrNotShippable):
		return fmt.Errorf("%w: %w", shipping.ErrNotShippable, err)
	case errors.Is(err, wechat.ErrShippingOrderNotFound):
		return fmt.Errorf("%w: %w", shipping.ErrOrderNotFiled, err)
	case errors.Is(err, wechat.ErrShippingInvalid), errors.As(err, &invalid):
		return fmt.Errorf("%w: %w", shipping.ErrInvalid, err)
	}
	return err
}
