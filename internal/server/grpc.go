package server

import (
	"github.com/go-kratos/kratos/v2/transport/grpc"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/service"
)

// NewGRPCServer serves the same API over gRPC with the same middleware.
func NewGRPCServer(c *conf.Server, chain Middleware, authSvc *service.AuthService,
	consoleSvc *service.ConsoleService) *grpc.Server {
	opts := []grpc.ServerOption{grpc.Middleware(chain...)}
	if a := c.GetGrpc().GetAddr(); a != "" {
		opts = append(opts, grpc.Address(a))
	}
	if t := c.GetGrpc().GetTimeout(); t != nil {
		opts = append(opts, grpc.Timeout(t.AsDuration()))
	}
	srv := grpc.NewServer(opts...)
	v1.RegisterAuthServer(srv, authSvc)
	v1.RegisterConsoleServer(srv, consoleSvc)
	return srv
}
