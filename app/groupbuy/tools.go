package main

import (
	"fmt"
	"os"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/data/ledgerstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/data/wechatpay"
)

// commandSet is what the finance commands (settle, reconcile, ledger check) are built from: the
// database without Redis, WeChat Pay when they need it, the ledger and the clock.
var commandSet = wire.NewSet( //nolint:unused // used by the injectors in wire.go (wireinject build)
	wire.FieldsOf(new(*conf.Bootstrap), "Data", "Wechat", "Settlement", "Commission"),
	sqldb.Open,
	wire.Bind(new(port.Transactor), new(*sqldb.DB)),
	ledgerstore.NewLedgerStore,
	wire.Bind(new(ledger.Store), new(*ledgerstore.LedgerStore)),
	ledger.NewLedger,
	configuredWechatPay,
	wire.Bind(new(payment.ProfitSharing), new(*wechatpay.Client)),
	wire.Bind(new(payment.Bills), new(*wechatpay.Client)),
	clock,
)

// configuredWechatPay is WeChat Pay for the finance commands, which must have it configured.
// With the embedded configuration it is the simulator of the running `groupbuy serve`.
func configuredWechatPay(bc *conf.Bootstrap, logger log.Logger) (*wechatpay.Client, error) {
	if err := useRunningEmbeddedWechat(bc); err != nil {
		return nil, err
	}
	client, err := data.NewWechatPay(bc.GetWechat(), logger)
	if err != nil {
		return nil, err
	}
	if !client.Configured() {
		return nil, fmt.Errorf("WeChat Pay is not configured (wechat.pay.mch_id)")
	}
	return client, nil
}

// commandLogger is the finance commands' log: warnings and errors on stderr, so that stdout is
// the report.
func commandLogger() log.Logger {
	return log.NewFilter(newLogger(os.Stderr), log.FilterLevel(log.LevelWarn))
}
