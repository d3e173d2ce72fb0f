//go:build wireinject

package main

import (
	"github.com/go-kratos/kratos/v2"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/server"
	"github.com/groupbuy/groupbuy/internal/service"
)

// wireApp builds the whole service.
func wireApp(*conf.Bootstrap, log.Logger) (*kratos.App, func(), error) {
	panic(wire.Build(server.ProviderSet, data.ProviderSet, biz.ProviderSet, service.ProviderSet, commonSet, newApp,
		wire.Bind(new(server.Readiness), new(*data.Data))))
}

// wireTools builds the use cases that the program's own commands (account, demo data) drive.
func wireTools(*conf.Bootstrap, log.Logger) (*tools, func(), error) {
	panic(wire.Build(data.ProviderSet, biz.ProviderSet, server.ProviderSet, commonSet,
		wire.Struct(new(tools), "*")))
}
