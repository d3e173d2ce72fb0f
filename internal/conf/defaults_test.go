package conf

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/shipping"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// loadYAML loads a configuration file holding text.
func loadYAML(t *testing.T, text string) *Bootstrap {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	bc, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return bc
}

// An empty file gives every default conf.proto and the README document.
func TestLoadEmptyFillsDefaults(t *testing.T) {
	bc := loadYAML(t, "{}\n")
	durations := []struct {
		key       string
		got, want time.Duration
	}{
		{"server.drain", bc.Server.Drain.AsDuration(), 5 * time.Second},
		{"data.redis.dial_timeout", bc.Data.Redis.DialTimeout.AsDuration(), 5 * time.Second},
		{"data.redis.read_timeout", bc.Data.Redis.ReadTimeout.AsDuration(), 3 * time.Second},
		{"data.redis.write_timeout", bc.Data.Redis.WriteTimeout.AsDuration(), 3 * time.Second},
		{"auth.access_ttl", bc.Auth.AccessTtl.AsDuration(), 2 * time.Hour},
		{"auth.refresh_ttl", bc.Auth.RefreshTtl.AsDuration(), 30 * 24 * time.Hour},
		{"auth.console.lockout", bc.Auth.Console.Lockout.AsDuration(), 15 * time.Minute},
		{"wechat.timeout", bc.Wechat.Timeout.AsDuration(), 5 * time.Second},
		{"wechat.pay.timeout", bc.Wechat.Pay.Timeout.AsDuration(), 10 * time.Second},
		{"wechat.pay.retry.base_delay", bc.Wechat.Pay.Retry.BaseDelay.AsDuration(), 200 * time.Millisecond},
		{"wechat.pay.retry.max_delay", bc.Wechat.Pay.Retry.MaxDelay.AsDuration(), 2 * time.Second},
		{"geo.index_refresh", bc.Geo.IndexRefresh.AsDuration(), time.Second},
		{"leaders.rebind_interval", bc.Leaders.RebindInterval.AsDuration(), 24 * time.Hour},
		{"leaders.first_choice_grace", bc.Leaders.FirstChoiceGrace.AsDuration(), 30 * time.Minute},
		{"settlement.freeze_window", bc.Settlement.FreezeWindow.AsDuration(), 30 * 24 * time.Hour},
		{"settlement.warn_before", bc.Settlement.WarnBefore.AsDuration(), 5 * 24 * time.Hour},
		{"settlement.lease", bc.Settlement.Lease.AsDuration(), time.Minute},
		{"settlement.poll_after", bc.Settlement.PollAfter.AsDuration(), 2 * time.Second},
		{"settlement.retry_after", bc.Settlement.RetryAfter.AsDuration(), time.Second},
		{"settlement.retry_max", bc.Settlement.RetryMax.AsDuration(), 5 * time.Minute},
		{"settlement.worker_idle", bc.Settlement.WorkerIdle.AsDuration(), time.Second},
		{"settlement.settle_margin", bc.Settlement.SettleMargin.AsDuration(), 2 * 24 * time.Hour},
		{"checkout.order_ttl", bc.Checkout.OrderTtl.AsDuration(), 15 * time.Minute},
		{"checkout.after_sales_window", bc.Checkout.AfterSalesWindow.AsDuration(), 48 * time.Hour},
		{"checkout.pickup_overdue_after", bc.Checkout.PickupOverdueAfter.AsDuration(), 72 * time.Hour},
		{"checkout.tick", bc.Checkout.Tick.AsDuration(), time.Second},
		{"checkout.checkout_deadline", bc.Checkout.CheckoutDeadline.AsDuration(), 3 * time.Second},
		{"shipping.undeclared_after", bc.Shipping.UndeclaredAfter.AsDuration(), 48 * time.Hour},
		{"shipping.retry_max_delay", bc.Shipping.RetryMaxDelay.AsDuration(), time.Hour},
		{"shipping.tick", bc.Shipping.Tick.AsDuration(), 2 * time.Second},
		{"shipping.undeclared_lookback", bc.Shipping.UndeclaredLookback.AsDuration(), 90 * 24 * time.Hour},
		{"demo.batch_window", bc.Demo.BatchWindow.AsDuration(), 48 * time.Hour},
		{"settlement.wechat_pace.backoff", bc.Settlement.WechatPace.Backoff.AsDuration(), 5 * time.Second},
		{"daily_jobs.poll", bc.DailyJobs.Poll.AsDuration(), time.Minute},
		{"daily_jobs.lease", bc.DailyJobs.Lease.AsDuration(), 30 * time.Minute},
		{"daily_jobs.retry_after", bc.DailyJobs.RetryAfter.AsDuration(), 15 * time.Minute},
	}
	for _, d := range durations {
		if d.got != d.want {
			t.Errorf("%s = %s, want %s", d.key, d.got, d.want)
		}
	}
	numbers := []struct {
		key       string
		got, want float64
	}{
		{"server.http.max_body_bytes", float64(bc.Server.Http.MaxBodyBytes), 1 << 20},
		{"auth.console.max_failed_attempts", float64(bc.Auth.Console.MaxFailedAttempts), 5},
		{"auth.console.max_password_checks", float64(bc.Auth.Console.MaxPasswordChecks), 2},
		{"daily_jobs.catch_up_days", float64(bc.DailyJobs.CatchUpDays), 7},
		{"wechat.pay.retry.max_attempts", float64(bc.Wechat.Pay.Retry.MaxAttempts), 4},
		{"geo.grid_res", float64(bc.Geo.GridRes), 7},
		{"geo.pickup_res", float64(bc.Geo.PickupRes), 9},
		{"geo.max_radius_m", bc.Geo.MaxRadiusM, 3000},
		{"leaders.commission_levels", float64(bc.Leaders.CommissionLevels), 2},
		{"commission.cap_bp", float64(bc.Commission.CapBp), 3000},
		{"settlement.max_ratio_bp", float64(bc.Settlement.MaxRatioBp), 3000},
		{"settlement.fee_bp", float64(bc.Settlement.FeeBp), 0},
		{"settlement.wechat_pace.create_order", bc.Settlement.WechatPace.CreateOrder, 270},
		{"settlement.wechat_pace.query_order", bc.Settlement.WechatPace.QueryOrder, 72},
		{"settlement.wechat_pace.unfreeze", bc.Settlement.WechatPace.Unfreeze, 54},
		{"settlement.wechat_pace.create_return", bc.Settlement.WechatPace.CreateReturn, 27},
		{"settlement.wechat_pace.max_replicas", float64(bc.Settlement.WechatPace.MaxReplicas), 4},
		{"settlement.concurrency", float64(bc.Settlement.Concurrency), 16},
		{"settlement.claim_batch", float64(bc.Settlement.ClaimBatch), 64},
		{"settlement.select_batch", float64(bc.Settlement.SelectBatch), 500},
		{"settlement.finish_batch", float64(bc.Settlement.FinishBatch), 64},
	}
	for _, n := range numbers {
		if n.got != n.want {
			t.Errorf("%s = %v, want %v", n.key, n.got, n.want)
		}
	}
	if got := bc.Checkout.StockCounter; got != "redis" {
		t.Errorf("checkout.stock_counter = %q, want redis", got)
	}
	if got := bc.DailyJobs.At; got != "02:00" {
		t.Errorf("daily_jobs.at = %q, want 02:00", got)
	}
}

// What the file sets is kept, including a "0s" drain (none) and a negative freeze window,
// which settlement's check refuses rather than a default hiding it; defaults that follow another
// setting follow the file's value.
func TestLoadKeepsSetValues(t *testing.T) {
	bc := loadYAML(t, `
server: {drain: 0s, http: {max_body_bytes: 2048}}
data: {redis: {read_timeout: 7s}}
auth: {console: {max_failed_attempts: 9}}
geo: {grid_res: 6}
commission: {cap_bp: 2500}
settlement: {freeze_window: -1s, concurrency: 3}
checkout: {order_ttl: 60s, stock_counter: database}
shipping: {tick: 5s}
`)
	checks := []struct {
		key       string
		got, want any
	}{
		{"server.drain", bc.Server.Drain.AsDuration(), time.Duration(0)},
		{"server.http.max_body_bytes", bc.Server.Http.MaxBodyBytes, int64(2048)},
		{"data.redis.read_timeout", bc.Data.Redis.ReadTimeout.AsDuration(), 7 * time.Second},
		{"data.redis.write_timeout", bc.Data.Redis.WriteTimeout.AsDuration(), 3 * time.Second},
		{"auth.console.max_failed_attempts", bc.Auth.Console.MaxFailedAttempts, int32(9)},
		{"geo.grid_res", bc.Geo.GridRes, int32(6)},
		{"geo.pickup_res", bc.Geo.PickupRes, int32(9)},
		{"commission.cap_bp", bc.Commission.CapBp, int32(2500)},
		{"settlement.max_ratio_bp", bc.Settlement.MaxRatioBp, int32(2500)},
		{"settlement.freeze_window", bc.Settlement.FreezeWindow.AsDuration(), -time.Second},
		{"settlement.concurrency", bc.Settlement.Concurrency, int32(3)},
		{"settlement.claim_batch", bc.Settlement.ClaimBatch, int32(12)},
		{"checkout.order_ttl", bc.Checkout.OrderTtl.AsDuration(), time.Minute},
		{"checkout.stock_counter", bc.Checkout.StockCounter, "database"},
		{"shipping.tick", bc.Shipping.Tick.AsDuration(), 5 * time.Second},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.key, c.got, c.want)
		}
	}
}

// Load's result is settled: applying the defaults again changes nothing.
func TestApplyDefaultsIsIdempotent(t *testing.T) {
	bc, err := Load("../../configs/groupbuy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	before := bc.String()
	ApplyDefaults(bc)
	if after := bc.String(); after != before {
		t.Errorf("a second ApplyDefaults changed the configuration:\n%s\n%s", before, after)
	}
}

// The table's values that packages also name as constants agree with them.
func TestDefaultsAgreeWithPackageConstants(t *testing.T) {
	bc := &Bootstrap{}
	ApplyDefaults(bc)
	if bc.Geo.GridRes != geo.DefaultGridRes || bc.Geo.PickupRes != geo.DefaultPickupRes {
		t.Errorf("geo resolutions %d/%d, geo package %d/%d", bc.Geo.GridRes, bc.Geo.PickupRes,
			geo.DefaultGridRes, geo.DefaultPickupRes)
	}
	if bc.Commission.CapBp != commission.DefaultCapBP {
		t.Errorf("commission.cap_bp %d, commission.DefaultCapBP %d", bc.Commission.CapBp, commission.DefaultCapBP)
	}
	if d := bc.Shipping.RetryMaxDelay.AsDuration(); d != shipping.DefaultRetryMaxDelay {
		t.Errorf("shipping.retry_max_delay %s, shipping.DefaultRetryMaxDelay %s", d, shipping.DefaultRetryMaxDelay)
	}
}
