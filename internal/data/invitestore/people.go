package invitestore

import (
	"context"

	"github.com/groupbuy/groupbuy/internal/biz/invite"
	"github.com/groupbuy/groupbuy/internal/data/identitystore"
	"github.com/groupbuy/groupbuy/internal/data/orderstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// People answers invitations from the users' and the orders' owners.
type People struct {
	data  *sqldb.DB
	users *identitystore.UserRepo
}

// NewPeople builds the adapter.
func NewPeople(data *sqldb.DB, users *identitystore.UserRepo) *People {
	return &People{data: data, users: users}
}

var _ invite.People = (*People)(nil)

// Identity reads the shopper's openid, unionid and (unsealed) phone.
func (p *People) Identity(ctx context.Context, userID int64) (string, string, string, error) {
	u, err := p.users.Get(ctx, userID)
	if err != nil {
		return "", "", "", err
	}
	return u.OpenID, u.UnionID, u.Phone, nil
}

// HasPaid asks the orders' owner.
func (p *People) HasPaid(ctx context.Context, userID int64) (bool, error) {
	return orderstore.HasPaid(ctx, p.data, userID)
}
