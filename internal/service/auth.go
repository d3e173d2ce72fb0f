package service

import (
	"context"
	"time"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/server/auth"
)

// AuthService is the mini-program's sign-in API.
type AuthService struct {
	v1.UnimplementedAuthServer
	uc *identity.AuthUsecase
}

// NewAuthService wraps the use case.
func NewAuthService(uc *identity.AuthUsecase) *AuthService { return &AuthService{uc: uc} }

func (s *AuthService) WechatLogin(ctx context.Context, req *v1.WechatLoginRequest) (*v1.TokenPair, error) {
	t, err := s.uc.WechatLogin(ctx, req.GetCode())
	if err != nil {
		return nil, toAPIError(err)
	}
	return tokenPair(t), nil
}

func (s *AuthService) Refresh(ctx context.Context, req *v1.RefreshRequest) (*v1.TokenPair, error) {
	t, err := s.uc.Refresh(ctx, req.GetRefreshToken())
	if err != nil {
		return nil, toAPIError(err)
	}
	return tokenPair(t), nil
}

func (s *AuthService) Logout(ctx context.Context, req *v1.LogoutRequest) (*v1.LogoutReply, error) {
	p, err := s.uc.Logout(ctx, req.GetRefreshToken())
	if err != nil {
		return nil, toAPIError(err)
	}
	audit.NoteSubject(ctx, p)
	return &v1.LogoutReply{}, nil
}

func (s *AuthService) GetMe(ctx context.Context, _ *v1.GetMeRequest) (*v1.User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.uc.Me(ctx, p)
	if err != nil {
		return nil, toAPIError(err)
	}
	return userReply(u), nil
}

func (s *AuthService) BindPhone(ctx context.Context, req *v1.BindPhoneRequest) (*v1.User, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.uc.BindPhone(ctx, p, req.GetCode())
	if err != nil {
		return nil, toAPIError(err)
	}
	return userReply(u), nil
}

// principal is the caller the auth middleware verified. Its absence is a wiring fault.
func principal(ctx context.Context) (identity.Principal, error) {
	p, ok := identity.PrincipalFrom(ctx)
	if !ok {
		return identity.Principal{}, v1.ErrorUnauthenticated("not signed in")
	}
	return p, nil
}

func tokenPair(t *identity.Tokens) *v1.TokenPair {
	now := time.Now()
	return &v1.TokenPair{
		AccessToken:      t.AccessToken,
		TokenType:        "Bearer",
		ExpiresIn:        int64(t.AccessExpiresAt.Sub(now).Round(time.Second) / time.Second),
		RefreshToken:     t.RefreshToken,
		RefreshExpiresIn: int64(t.RefreshExpiresAt.Sub(now).Round(time.Second) / time.Second),
		Roles:            apiRoles(t.Principal.Roles),
	}
}

func userReply(u *identity.User) *v1.User {
	return &v1.User{
		Id:          u.ID,
		Roles:       apiRoles(u.Roles),
		PhoneMasked: identity.MaskPhone(u.Phone),
		CreatedAt:   u.CreatedAt.UTC().Format(time.RFC3339),
	}
}

func apiRoles(roles []identity.Role) []v1.Role {
	out := make([]v1.Role, len(roles))
	for i, r := range roles {
		out[i] = auth.RoleToAPI(r)
	}
	return out
}
