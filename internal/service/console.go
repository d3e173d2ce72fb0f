package service

import (
	"context"
	"time"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/server/auth"
)

// ConsoleService is the staff console's sign-in API.
type ConsoleService struct {
	v1.UnimplementedConsoleServer
	uc *identity.ConsoleUsecase
}

// NewConsoleService wraps the use case.
func NewConsoleService(uc *identity.ConsoleUsecase) *ConsoleService { return &ConsoleService{uc: uc} }

func (s *ConsoleService) ConsoleLogin(ctx context.Context, req *v1.ConsoleLoginRequest) (*v1.TokenPair, error) {
	t, err := s.uc.Login(ctx, req.GetUsername(), req.GetPassword())
	if err != nil {
		return nil, toAPIError(err)
	}
	return tokenPair(t), nil
}

func (s *ConsoleService) GetConsoleMe(ctx context.Context, _ *v1.GetConsoleMeRequest) (*v1.ConsoleAccount, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.uc.Me(ctx, p)
	if err != nil {
		return nil, toAPIError(err)
	}
	return consoleAccountReply(a), nil
}

func (s *ConsoleService) UnlockConsoleAccount(ctx context.Context, req *v1.UnlockConsoleAccountRequest) (*v1.ConsoleAccount, error) {
	a, err := s.uc.Unlock(ctx, req.GetUsername())
	if err != nil {
		return nil, toAPIError(err)
	}
	return consoleAccountReply(a), nil
}

func consoleAccountReply(a *identity.ConsoleAccount) *v1.ConsoleAccount {
	out := &v1.ConsoleAccount{Id: a.ID, Username: a.Username, Role: auth.RoleToAPI(a.Role)}
	if a.LockedAt(time.Now()) {
		out.LockedUntil = a.LockedUntil.UTC().Format(time.RFC3339)
	}
	return out
}
