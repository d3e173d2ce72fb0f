package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/testenv"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// The README's "Deploying" guide, followed step by step: the programs built, the simulator as
// its own process with -pay-dir, the variables set from its files exactly as the guide maps
// them, migrate and account create, two replicas of `serve -conf configs/postgres.yaml` behind
// a load balancer that WeChat's notifications reach them through, and the guide's API calls
// from an empty database to a first scheduled batch. A first payment then proves the
// notification URL.
func TestDeployingGuide(t *testing.T) {
	// 1. Build (groupbuy is built for the package; the simulator here).
	wxsimBin := filepath.Join(t.TempDir(), "wxsim")
	if out, err := exec.Command("go", "build", "-race", "-o", wxsimBin, "github.com/groupbuy/groupbuy/app/wxsim").CombinedOutput(); err != nil {
		t.Fatalf("build wxsim: %v\n%s", err, out)
	}

	// 2. The simulator as its own process.
	payDir := t.TempDir()
	sim := startWxsim(t, wxsimBin, "-addr", freeAddr(t), "-app", appID+":"+appSecret, "-pay-dir", payDir)

	// 3. The environment, as the guide sets it; the load balancer's address is the notify URL.
	var meta struct{ MchID, MerchantSerial, APIv3Key, PublicKeyID string }
	raw, err := os.ReadFile(filepath.Join(payDir, wxsim.PayMetaFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &struct {
		MchID          *string `json:"mchid"`
		MerchantSerial *string `json:"merchant_serial"`
		APIv3Key       *string `json:"apiv3_key"`
		PublicKeyID    *string `json:"public_key_id"`
	}{&meta.MchID, &meta.MerchantSerial, &meta.APIv3Key, &meta.PublicKeyID}); err != nil {
		t.Fatalf("%s: %v", wxsim.PayMetaFile, err)
	}
	lb := newBalancer(t)
	_, prefix := testenv.Redis(t)
	redisAddr := os.Getenv("GROUPBUY_TEST_REDIS")
	if redisAddr == "" {
		redisAddr = "127.0.0.1:6379"
	}
	env := append(os.Environ(),
		"GROUPBUY_DB_SOURCE="+testenv.PostgresDSN(t),
		"GROUPBUY_REDIS_ADDR="+redisAddr, "GROUPBUY_REDIS_PASSWORD=", "GROUPBUY_REDIS_KEY_PREFIX="+strings.TrimSuffix(prefix, ":"),
		"GROUPBUY_JWT_SECRET="+jwtSecret,
		"GROUPBUY_PII_KEY_K1="+piiKey,
		"GROUPBUY_PICKUP_QR_KEY="+pickupQRKey,
		"GROUPBUY_WECHAT_APP_ID="+appID, "GROUPBUY_WECHAT_APP_SECRET="+appSecret,
		"GROUPBUY_WECHAT_API_BASE="+sim, "GROUPBUY_WECHAT_PAY_API_BASE="+sim,
		"GROUPBUY_WECHAT_PAY_MCH_ID="+meta.MchID,
		"GROUPBUY_WECHAT_PAY_MERCHANT_SERIAL="+meta.MerchantSerial,
		"GROUPBUY_WECHAT_PAY_APIV3_KEY="+meta.APIv3Key,
		"GROUPBUY_WECHAT_PAY_PUBLIC_KEY_ID="+meta.PublicKeyID,
		"GROUPBUY_WECHAT_PAY_MERCHANT_PRIVATE_KEY="+filepath.Join(payDir, wxsim.MerchantKeyFile),
		"GROUPBUY_WECHAT_PAY_PUBLIC_KEY="+filepath.Join(payDir, wxsim.PlatformPublicKeyFile),
		"GROUPBUY_WECHAT_PAY_NOTIFY_BASE_URL="+lb.url,
	)

	// 4. The database and the first console account.
	one := &stack{t: t, env: env, conf: configFile(t, "postgres.yaml")}
	one.run("migrate")
	create := one.command([]string{"GROUPBUY_ACCOUNT_PASSWORD=mei-staging-password"}, "account", "create", "-username", "mei", "-role", "ops")
	if out, err := create.CombinedOutput(); err != nil || !strings.Contains(string(out), "created console account mei (ops)") {
		t.Fatalf("account create: %v\n%s", err, out)
	}

	// 5. Two replicas behind the load balancer.
	for range 2 {
		// Replicas share this host, so each gets its own metrics address too.
		httpAddr, grpcAddr, metricsAddr := freeAddr(t), freeAddr(t), freeAddr(t)
		r := &stack{t: t, api: "http://" + httpAddr, grpc: grpcAddr, metrics: "http://" + metricsAddr, conf: one.conf,
			env: append(append([]string{}, env...), "GROUPBUY_HTTP_ADDR="+httpAddr, "GROUPBUY_GRPC_ADDR="+grpcAddr,
				"GROUPBUY_METRICS_ADDR="+metricsAddr)}
		r.serve()
		lb.add(t, r.api)
	}

	// 6. From an empty database to a first batch, through the load balancer.
	api := &stack{t: t, api: lb.url}
	ops := consoleLogin(api, "mei", "mei-staging-password")
	cell := api.call("GET", "/v1/grids:locate?lat=31.2304&lng=121.4737", ops, nil).must(t).str("cell")
	api.call("PUT", "/v1/ops/grids/"+cell, ops, map[string]any{"name": "人民广场", "serving": true, "routeLabel": "黄浦1线"}).must(t)

	applicant := api.call("POST", "/v1/auth/wechat-login", "", map[string]string{"code": simText(t, sim+"/sim/v1/login-code?openid=o-staging-leader-wang")}).must(t)
	api.call("POST", "/v1/leader-applications", applicant.str("accessToken"), `{"realName":"王小明",
		"phone":"13912345678","pointName":"幸福小区3号门","address":"上海市黄浦区人民大道100号",
		"location":{"lat":31.2313,"lng":121.4748},"openingHours":"08:00-12:00,15:00-20:30"}`).must(t)
	pending := api.call("GET", "/v1/ops/leaders?status=pending", ops, nil).must(t)
	leaderID := fmt.Sprint(first(t, pending, "leaders")["id"])
	api.call("POST", "/v1/ops/leaders/"+leaderID+"/approve", ops, "{}").must(t)
	lcWait(t, "the leader registered as a profit-sharing receiver", 20*time.Second, func() (bool, string) {
		r := api.call("GET", "/v1/ops/receiver-registrations?leader_id="+leaderID, ops, nil).must(t)
		regs, _ := r.body["registrations"].([]any)
		return len(regs) == 1 && regs[0].(map[string]any)["state"] == "done", string(r.raw)
	})

	product := api.call("POST", "/v1/ops/products", ops, map[string]any{"title": "阳山水蜜桃", "category": "水果",
		"description": "无锡阳山，当季现摘", "images": []string{"https://img.example.com/peach.jpg"}}).must(t)
	sku := api.call("POST", "/v1/ops/products/"+fmt.Sprint(product.body["id"])+"/skus", ops,
		map[string]any{"spec": "6只装", "unit": "盒", "listPriceFen": 5990}).must(t)
	opens := time.Now().Add(time.Second).UTC()
	batch := api.call("POST", "/v1/ops/batches", ops, fmt.Sprintf(`{"title":"周末水果团",
		"opensAt":%q,"cutoffAt":%q,"pickupDate":%q,
		"items":[{"skuId":%s,"priceFen":3990,"quota":200,"perShopperLimit":5,"commissionBp":1000,"referenceBasis":"厂商建议零售价"}],
		"gridCells":[%q]}`, opens.Format(time.RFC3339), opens.Add(48*time.Hour).Format(time.RFC3339),
		opens.Add(72*time.Hour).In(bjtime.Zone).Format(time.DateOnly), fmt.Sprint(sku.body["id"]), cell)).must(t)
	batchID := fmt.Sprint(batch.body["id"])
	api.call("POST", "/v1/ops/batches/"+batchID+"/schedule", ops, "{}").must(t)

	// 7. The payment path: a shopper binds the new leader and pays on the phone; WeChat's
	// notification comes back through the load balancer.
	shopper := api.call("POST", "/v1/auth/wechat-login", "", map[string]string{"code": simText(t, sim+"/sim/v1/login-code?openid=o-staging-shopper")}).
		must(t).str("accessToken")
	api.call("POST", "/v1/me/leader", shopper, `{"leaderId":`+leaderID+`}`).must(t)
	var open reply
	lcWait(t, "the batch open", 15*time.Second, func() (bool, string) {
		open = api.call("GET", "/v1/shop/batches", shopper, nil).must(t)
		list, _ := open.body["batches"].([]any)
		return len(list) == 1, string(open.raw)
	})
	item := first(t, open, "batches")["items"].([]any)[0].(map[string]any)
	order := api.call("POST", "/v1/shop/orders", shopper, fmt.Sprintf(`{"idempotencyKey":"staging-order-1","batchId":%s,"lines":[{"itemId":%s,"quantity":1,"priceFen":3990}]}`,
		batchID, fmt.Sprint(item["id"]))).must(t)
	orderID := fmt.Sprint(order.body["id"])
	pay := api.call("POST", "/v1/shop/orders/"+orderID+"/pay", shopper, "{}").must(t)
	if r := simPost(t, sim+"/sim/v1/pay/request-payment", pay.raw); r.status != http.StatusOK {
		t.Fatalf("wx.requestPayment at the simulator: %d %s", r.status, r.raw)
	}
	lcWait(t, "the order paid", 20*time.Second, func() (bool, string) {
		o := api.call("GET", "/v1/shop/orders/"+orderID, shopper, nil).must(t)
		return o.str("status") == "paid", string(o.raw)
	})
	if n := lb.notifications.Load(); n < 1 {
		t.Errorf("the payment notification did not come through the load balancer (%d)", n)
	}
}

// startWxsim runs the simulator program and returns its base URL once it answers.
func startWxsim(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var logs syncBuffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("wxsim did not stop cleanly: %v\n%s", err, logs.String())
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("wxsim did not stop within 15s\n%s", logs.String())
		}
	})
	var addr string
	for i, a := range args {
		if a == "-addr" {
			addr = args[i+1]
		}
	}
	base := "http://" + addr
	lcWait(t, "wxsim answering", 30*time.Second, func() (bool, string) {
		select {
		case err := <-done:
			t.Fatalf("wxsim exited: %v\n%s", err, logs.String())
		default:
		}
		resp, err := http.Get(base + "/sim/v1/pay/keys")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	return base
}

// balancer is a round-robin reverse proxy in front of the replicas, as a load balancer is; it
// counts the WeChat Pay notifications it forwards.
type balancer struct {
	url           string
	backends      atomic.Pointer[[]*httputil.ReverseProxy]
	next          atomic.Uint64
	notifications atomic.Int64
}

func newBalancer(t *testing.T) *balancer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &balancer{url: "http://" + l.Addr().String()}
	b.backends.Store(&[]*httputil.ReverseProxy{})
	srv := &http.Server{Handler: b, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return b
}

func (b *balancer) add(t *testing.T, backend string) {
	t.Helper()
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	list := append(append([]*httputil.ReverseProxy{}, *b.backends.Load()...), httputil.NewSingleHostReverseProxy(u))
	b.backends.Store(&list)
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	list := *b.backends.Load()
	if len(list) == 0 {
		http.Error(w, "no replica", http.StatusBadGateway)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/wechatpay/notify/") {
		b.notifications.Add(1)
	}
	list[b.next.Add(1)%uint64(len(list))].ServeHTTP(w, r)
}
