package identitystore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	"github.com/groupbuy/groupbuy/ent/user"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
)

// UserRepo stores mini-program users; phone numbers are sealed. It serves identity and, for
// granting the leader role, the leader domain.
type UserRepo struct {
	data *sqldb.DB
	keys *seal.Keyring
}

// NewUserRepo builds the user store.
func NewUserRepo(data *sqldb.DB, keys *seal.Keyring) *UserRepo {
	return &UserRepo{data: data, keys: keys}
}

func (r *UserRepo) UpsertByOpenID(ctx context.Context, openid, unionid string, roles []identity.Role,
	at time.Time) (*identity.User, error) {
	// Insert first, then update the one that was there: which of the two happened is what
	// tells a shopper's first login from the others.
	c := r.data.Client(ctx)
	id, err := c.User.Create().
		SetOpenid(openid).
		SetUnionid(unionid).
		SetRoles(roleStrings(roles)).
		SetLastLoginAt(at).
		OnConflictColumns(user.FieldOpenid).DoNothing().
		ID(ctx)
	created := err == nil
	if sqldb.NoRows(err) {
		u := c.User.Update().Where(user.Openid(openid)).SetLastLoginAt(at)
		if unionid != "" {
			u.SetUnionid(unionid)
		}
		if _, err = u.Save(ctx); err == nil {
			id, err = c.User.Query().Where(user.Openid(openid)).OnlyID(ctx)
		}
	}
	if err != nil {
		return nil, sqldb.Err(err, "upsert user by openid")
	}
	u, err := r.Get(ctx, int64(id))
	if err != nil {
		return nil, err
	}
	u.FirstSeen = created
	return u, nil
}

func (r *UserRepo) Get(ctx context.Context, id int64) (*identity.User, error) {
	u, err := r.data.Client(ctx).User.Get(ctx, int(id))
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("get user %d", id))
	}
	return r.toDomain(u)
}

func (r *UserRepo) SetPhone(ctx context.Context, id int64, phone string) (*identity.User, error) {
	sealed, keyID, err := r.keys.Seal([]byte(phone), phoneAAD(id))
	if err != nil {
		return nil, fmt.Errorf("seal phone of user %d: %w", id, err)
	}
	u, err := r.data.Client(ctx).User.UpdateOneID(int(id)).
		SetPhoneSealed(sealed).
		SetPhoneKeyID(keyID).
		Save(ctx)
	if err != nil {
		return nil, sqldb.Err(err, fmt.Sprintf("set phone of user %d", id))
	}
	return r.toDomain(u)
}

func (r *UserRepo) toDomain(u *ent.User) (*identity.User, error) {
	out := &identity.User{
		ID: int64(u.ID), OpenID: u.Openid, UnionID: u.Unionid,
		Roles: toRoles(u.Roles), CreatedAt: u.CreatedAt,
	}
	if u.PhoneSealed != "" {
		phone, err := r.keys.Open(u.PhoneSealed, phoneAAD(out.ID))
		if err != nil {
			return nil, fmt.Errorf("open phone of user %d: %w", u.ID, err)
		}
		out.Phone = string(phone)
	}
	return out, nil
}

// phoneAAD binds a sealed phone to its row: copied into another user's row it no longer opens.
func phoneAAD(userID int64) []byte { return fmt.Appendf(nil, "user/%d/phone", userID) }

func roleStrings(roles []identity.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

func toRoles(ss []string) []identity.Role {
	out := make([]identity.Role, len(ss))
	for i, s := range ss {
		out[i] = identity.Role(s)
	}
	return out
}

// GrantRole adds role to the user's roles (once).
func (r *UserRepo) GrantRole(ctx context.Context, userID int64, role identity.Role) error {
	return r.editRoles(ctx, userID, func(roles []string) []string {
		if slices.Contains(roles, string(role)) {
			return roles
		}
		return append(roles, string(role))
	})
}

// RevokeRole removes role from the user's roles.
func (r *UserRepo) RevokeRole(ctx context.Context, userID int64, role identity.Role) error {
	return r.editRoles(ctx, userID, func(roles []string) []string {
		return slices.DeleteFunc(roles, func(s string) bool { return s == string(role) })
	})
}

// editRoles rewrites the roles in a transaction; on PostgreSQL the row is locked first so two
// concurrent grants cannot lose each other.
func (r *UserRepo) editRoles(ctx context.Context, userID int64, edit func([]string) []string) error {
	return r.data.InTx(ctx, func(ctx context.Context) error {
		q := r.data.Client(ctx).User.Query().Where(user.ID(int(userID)))
		q = sqldb.Lock(r.data, q)
		u, err := q.Only(ctx)
		if err != nil {
			return sqldb.Err(err, fmt.Sprintf("get user %d", userID))
		}
		err = r.data.Client(ctx).User.UpdateOneID(u.ID).SetRoles(edit(u.Roles)).Exec(ctx)
		return sqldb.Err(err, fmt.Sprintf("set roles of user %d", userID))
	})
}
