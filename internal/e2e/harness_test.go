package e2e

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/server/auth"
	"github.com/groupbuy/groupbuy/internal/testenv"
	"github.com/groupbuy/groupbuy/internal/wxsim"
)

const (
	appID       = "wxe2etestapp0001"
	appSecret   = "e2e-app-secret"
	jwtSecret   = "e2e-jwt-secret-0123456789abcdefghijklmnop"
	piiKey      = "ZTJlLXRlc3QtcGlpLWtleS0zMi1ieXRlcy1sb25nISE=" // base64 of 32 bytes
	pickupQRKey = "ZTJlLXRlc3QtcGlja3VwLXFyLWtleS0zMi1ieXRlcyEh" // base64 of 33 bytes
)

// binary is the groupbuy program built once for the package, with -race so that races inside
// the server fail the tests too, and with the development stand-ins (-tags dev) that the
// embedded-default tests run on.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "groupbuy-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "groupbuy")
	build := exec.Command("go", "build", "-race", "-tags", conf.DevBuildTag, "-o", binary, "github.com/groupbuy/groupbuy/app/groupbuy")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build groupbuy:", err)
		os.Exit(1)
	}
	code := m.Run()
	stopBrowser()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// stack is one running groupbuy server with its own database, Redis prefix and WeChat simulator.
type stack struct {
	t       *testing.T
	api     string // http://host:port
	grpc    string // host:port
	metrics string // http://host:port of /metrics
	sim     *wxsim.Simulator
	simURL  string // http://host:port of the simulator, its control API under /sim/
	db      *sql.DB
	env     []string
	conf    string // configuration file
	issuer  *auth.Issuer
	proc    *os.Process // the server, once serving
}

// start migrates a fresh database with the binary's own migrate command, then serves with the
// production configuration file, every address and secret coming from the environment.
func start(t *testing.T) *stack {
	t.Helper()
	return startWith(t, options{})
}

// options adjust a stack before its server starts.
type options struct {
	// payKeys, when set, makes the simulator serve WeChat Pay for this merchant (its
	// configuration adjusted by payConfig) and configures the server's merchant for it, with
	// notifications to the server's own HTTP address.
	payKeys   *wxsim.DevPayKeys
	payConfig func(*wxsim.PayConfig)
	// env is added to the server's environment.
	env []string
	// unmigrated gives the stack an empty database, and neither migrates nor serves it.
	unmigrated bool
	// redis is the Redis the server uses: the single server (default) or the cluster, which
	// it is then configured for (redis.cluster: true).
	redis testenv.RedisMode
}

// startWith is start with options.
func startWith(t *testing.T, opts options) *stack {
	t.Helper()
	dsn := testenv.PostgresDSN(t)
	redisMode := cmp.Or(opts.redis, testenv.SingleRedis)
	if opts.unmigrated {
		dsn = testenv.EmptyPostgresDSN(t)
	}
	_, prefix := testenv.RedisIn(t, redisMode)
	redisAddrs, _ := testenv.RedisAddrs(redisMode)
	simCfg := wxsim.Config{Apps: map[string]string{appID: appSecret}}
	if opts.payKeys != nil {
		simCfg.Pay = opts.payKeys.PayConfig()
		if opts.payConfig != nil {
			opts.payConfig(&simCfg.Pay)
		}
	}
	sim, err := wxsim.Open(simCfg)
	if err != nil {
		t.Fatalf("open simulator: %v", err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	simURL, stopSim, err := sim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(func() { _ = stopSim(context.Background()) })

	httpAddr, grpcAddr, metricsAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	s := &stack{t: t, api: "http://" + httpAddr, grpc: grpcAddr, metrics: "http://" + metricsAddr, sim: sim,
		simURL: simURL, conf: configFile(t, "postgres.yaml")}
	if redisMode == testenv.ClusterRedis {
		s.conf = clusterConfig(t, s.conf)
	}
	s.env = append(os.Environ(),
		"GROUPBUY_DB_SOURCE="+dsn,
		"GROUPBUY_REDIS_ADDR="+redisAddrs[0], // a cluster client finds the other nodes itself
		"GROUPBUY_REDIS_KEY_PREFIX="+strings.TrimSuffix(prefix, ":"),
		"GROUPBUY_JWT_SECRET="+jwtSecret,
		"GROUPBUY_WECHAT_API_BASE="+simURL,
		"GROUPBUY_WECHAT_APP_ID="+appID,
		"GROUPBUY_WECHAT_APP_SECRET="+appSecret,
		"GROUPBUY_PII_KEY_K1="+piiKey,
		"GROUPBUY_PICKUP_QR_KEY="+pickupQRKey,
		"GROUPBUY_HTTP_ADDR="+httpAddr,
		"GROUPBUY_GRPC_ADDR="+grpcAddr,
		"GROUPBUY_METRICS_ADDR="+metricsAddr,
		"GROUPBUY_DRAIN=0s",
		// Yesterday is due at once, whatever the hour: tests wait for the daily jobs' run of it.
		"GROUPBUY_DAILY_JOBS_AT=00:00",
		// Two replicas at the shipped 50 connections each could take all of PostgreSQL's
		// default 100 while the data tests run beside them; a test server needs far fewer.
		"GROUPBUY_DB_MAX_OPEN_CONNS=16",
		"GROUPBUY_DB_MAX_IDLE_CONNS=10", // many test servers share one PostgreSQL's connections
	)
	if k := opts.payKeys; k != nil {
		dir := t.TempDir()
		if err := k.WriteDir(dir); err != nil {
			t.Fatal(err)
		}
		s.env = append(s.env,
			"GROUPBUY_WECHAT_PAY_MCH_ID="+k.MchID,
			"GROUPBUY_WECHAT_PAY_MERCHANT_SERIAL="+k.MerchantSerial,
			"GROUPBUY_WECHAT_PAY_MERCHANT_PRIVATE_KEY="+filepath.Join(dir, wxsim.MerchantKeyFile),
			"GROUPBUY_WECHAT_PAY_APIV3_KEY="+k.APIv3Key,
			"GROUPBUY_WECHAT_PAY_PUBLIC_KEY_ID="+k.PublicKeyID,
			"GROUPBUY_WECHAT_PAY_PUBLIC_KEY="+filepath.Join(dir, wxsim.PlatformPublicKeyFile),
			"GROUPBUY_WECHAT_PAY_NOTIFY_BASE_URL="+s.api,
			"GROUPBUY_WECHAT_PAY_API_BASE="+simURL,
		)
	}
	s.env = append(s.env, opts.env...)
	if !opts.unmigrated {
		s.run("migrate")
		s.serve()
	}
	if s.db, err = sql.Open("pgx", dsn); err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { _ = s.db.Close() })
	if s.issuer, err = auth.NewIssuer(&conf.Auth{JwtSecret: jwtSecret, Issuer: "groupbuy"}); err != nil {
		t.Fatal(err)
	}
	return s
}

// replica starts a second server on the same database, Redis and simulator.
func (s *stack) replica() *stack {
	s.t.Helper()
	r := *s
	r.env = append([]string{}, s.env...)
	r.moveTo(freeAddr(s.t), freeAddr(s.t), freeAddr(s.t))
	r.serve()
	return &r
}

// run runs a one-shot command of the binary and returns its output; it must succeed.
func (s *stack) run(args ...string) string {
	s.t.Helper()
	out, err := s.command(nil, args...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("groupbuy %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *stack) command(extraEnv []string, args ...string) *exec.Cmd {
	args = append(args[:len(args):len(args)], "-conf", s.conf)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append([]string{}, s.env...), extraEnv...)
	return cmd
}

// serve starts the server, waits until /readyz answers 200, and at cleanup stops it with
// SIGTERM and checks that it shut down cleanly. A port that another process took between
// freeAddr and the server's bind is replaced, up to three times.
func (s *stack) serve() {
	s.t.Helper()
	for attempt := 1; ; attempt++ {
		err := s.tryServe()
		if err == nil {
			return
		}
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			s.t.Fatal(err)
		}
		s.moveTo(freeAddr(s.t), freeAddr(s.t), freeAddr(s.t))
	}
}

var errPortTaken = errors.New("a listen address was taken")

// tryServe starts the server and waits until it is ready; on success the cleanup stops it.
func (s *stack) tryServe() error {
	t := s.t
	var logs syncBuffer
	cmd := s.command(nil, "serve")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	exited := func(err error) error {
		if strings.Contains(logs.String(), "address already in use") {
			return fmt.Errorf("%w: %s", errPortTaken, logs.String())
		}
		return fmt.Errorf("server exited during start: %w\n%s", err, logs.String())
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return exited(err)
		default:
		}
		if resp, err := http.Get(s.api + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case err := <-done: // ready was another process on our port
		return exited(err)
	case <-time.After(100 * time.Millisecond):
	}
	if time.Now().After(deadline) {
		_ = cmd.Process.Kill()
		return fmt.Errorf("server not ready within 60s\n%s", logs.String())
	}
	s.proc = cmd.Process
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server did not shut down cleanly: %v\n%s", err, logs.String())
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("server did not stop within 20s of SIGTERM\n%s", logs.String())
		}
		if t.Failed() || testing.Verbose() {
			t.Logf("server log:\n%s", tail(logs.String(), 80))
		}
	})
	return nil
}

// moveTo gives the stack new listen addresses, and the notification URL when it named the
// stack itself (not when it names a load balancer in front of it).
func (s *stack) moveTo(httpAddr, grpcAddr, metricsAddr string) {
	notifiedHere := slices.Contains(s.env, "GROUPBUY_WECHAT_PAY_NOTIFY_BASE_URL="+s.api)
	s.api, s.grpc, s.metrics = "http://"+httpAddr, grpcAddr, "http://"+metricsAddr
	s.env = append(s.env, "GROUPBUY_HTTP_ADDR="+httpAddr, "GROUPBUY_GRPC_ADDR="+grpcAddr, "GROUPBUY_METRICS_ADDR="+metricsAddr)
	if notifiedHere {
		s.env = append(s.env, "GROUPBUY_WECHAT_PAY_NOTIFY_BASE_URL="+s.api)
	}
}

// syncBuffer is a bytes.Buffer the server's output goroutines and the test may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// reply is a decoded HTTP answer.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// reason is the kratos error reason of an error reply.
func (r reply) reason() string { s, _ := r.body["reason"].(string); return s }

func (r reply) str(key string) string { s, _ := r.body[key].(string); return s }

// call sends a JSON request (body may be a string sent verbatim, or a value to encode).
func (s *stack) call(method, path, token string, body any) reply {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.api+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.do(req)
}

// do sends req and decodes the answer.
func (s *stack) do(req *http.Request) reply {
	s.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// expect fails unless r has the status and, for errors, the reason.
func expect(t *testing.T, r reply, status int, reason string) {
	t.Helper()
	if r.status != status || r.reason() != reason {
		t.Fatalf("got %d %q, want %d %q; body %s", r.status, r.reason(), status, reason, r.raw)
	}
}

// login signs a new shopper in through the simulator and returns the token pair.
func (s *stack) login(openid string) reply {
	s.t.Helper()
	code, err := s.sim.IssueLoginCode(appID, openid, "")
	if err != nil {
		s.t.Fatal(err)
	}
	r := s.call("POST", "/v1/auth/wechat-login", "", map[string]string{"code": code})
	expect(s.t, r, 200, "")
	return r
}

// token mints an access token directly, for principals the API cannot create yet.
func (s *stack) token(kind identity.SubjectKind, id int64, ttl time.Duration, roles ...identity.Role) string {
	s.t.Helper()
	tok, err := s.issuer.IssueAccessToken(identity.Principal{Kind: kind, ID: id, Roles: roles}, time.Now().Add(ttl))
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

func (s *stack) count(table string) int {
	s.t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		s.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// configFile is a configuration file of the repository.
func configFile(t *testing.T, name string) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the repository")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "configs", name)
}

// clusterConfig writes a copy of the configuration file with redis.cluster set to true.
func clusterConfig(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const single, cluster = "\n    cluster: false\n", "\n    cluster: true\n"
	if !bytes.Contains(raw, []byte(single)) {
		t.Fatalf("%s has no line %q to turn into %q", path, strings.TrimSpace(single), strings.TrimSpace(cluster))
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(out, bytes.Replace(raw, []byte(single), []byte(cluster), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
