package redispace

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"
	"github.com/redis/go-redis/v9"

	"github.com/groupbuy/groupbuy/internal/biz/pace"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
)

// ProviderSet builds the merchant's pace of calls to WeChat Pay.
var ProviderSet = wire.NewSet(
	NewFromConf,
	wire.Bind(new(pace.Pacer), new(*Pacer)),
)

// NewFromConf is the pace of settlement.wechat_pace (defaults filled by conf.Load) for the
// merchant of wechat.pay.mch_id.
func NewFromConf(s *conf.Settlement, w *conf.Wechat, rdb redis.UniversalClient, prefix redisdb.KeyPrefix,
	logger log.Logger) (*Pacer, error) {
	p := s.GetWechatPace()
	return New(rdb, prefix, Config{
		MchID: w.GetPay().GetMchId(),
		Rates: map[pace.Op]float64{
			pace.CreateOrder:  p.GetCreateOrder(),
			pace.QueryOrder:   p.GetQueryOrder(),
			pace.Unfreeze:     p.GetUnfreeze(),
			pace.CreateReturn: p.GetCreateReturn(),
		},
		Backoff:     p.GetBackoff().AsDuration(),
		MaxReplicas: int(p.GetMaxReplicas()),
	}, logger)
}
