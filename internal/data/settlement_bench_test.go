package data_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/ent"
	entbatch "github.com/groupbuy/groupbuy/ent/batch"
	"github.com/groupbuy/groupbuy/ent/commissionentry"
	entorder "github.com/groupbuy/groupbuy/ent/order"
	"github.com/groupbuy/groupbuy/ent/payment"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	bizpay "github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data"
	"github.com/groupbuy/groupbuy/internal/data/commissionstore"
	"github.com/groupbuy/groupbuy/internal/data/datatest"
	"github.com/groupbuy/groupbuy/internal/data/leaderstore"
	"github.com/groupbuy/groupbuy/internal/data/redisdb"
	"github.com/groupbuy/groupbuy/internal/data/redispace"
	"github.com/groupbuy/groupbuy/internal/data/settlementstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/data/wechatpay"
	"github.com/groupbuy/groupbuy/internal/geo"
	"github.com/groupbuy/groupbuy/internal/testenv"
	"github.com/groupbuy/groupbuy/internal/wxsim"
	"github.com/redis/go-redis/v9"
)

// BenchmarkSettlementRun is a settlement run over GROUPBUY_SETTLE_N (5,000; 100,000 with make
// bench-settle) paid, settleable
// profit-sharing transactions of GROUPBUY_SETTLE_LEADERS (2,000) leaders, one in five with an
// upline, against the WeChat Pay simulator running as a separate process (app/wxsim, its pay
// state in memory, profit-sharing settled at once), so that this process's CPU and memory are
// the settlement's alone. Seeding is in bulk (orders, lines, payments, settleable entries, the
// ledger's paid and settleable transactions through ledger.Post in batches of 500, paid
// transactions at the simulator through POST /sim/v1/pay/transactions) and not timed.
//
// One sub-benchmark per mode of GROUPBUY_SETTLE_MODES (default "paced2,work2"), each on a
// fresh database and simulator:
//
//	paced2  two use cases in Work, as two replicas: each with its own pacer, the merchant's
//	        pace shared in Redis at the shipped defaults; the simulator at WeChat's limits
//	work2   two use cases in Work, unpaced; the simulator without limits
//	work1, work4, paced1, paced4: as many use cases
//	round   one use case, Round called in a loop until the run is done; no limits
//
// GROUPBUY_SETTLE_SIM_LIMITS sets the simulator's -rate-limits for every mode,
// GROUPBUY_SETTLE_QUERY_PACE the paced modes' pace of queries (default the shipped 72). A paced mode also
// reports when the simulator had every 请求分账 (against n / 300 s, WeChat's limit for it) and the
// run against n / its query limit: 查询分账结果's limit, not the requests', bounds a paced run.
//
// Each reports the wall time, transactions/s, the simulator's call counts, the CPU of this
// process (with a CPU profile summarised by category), of the simulator and of PostgreSQL, the
// heap over the run, and the run's time as a ratio to the time of its RSA-2048 signatures alone
// (each WeChat call is signed by us and answered signed by the simulator). Afterwards every
// leader's total at the simulator must equal what the ledger settled, and the ledger check pass.
//
// Run with `make bench-settle`, or
//
//	GROUPBUY_SETTLE_N=2000 go test -run '^$' -bench '^BenchmarkSettlementRun$' -benchtime 1x ./internal/data
func BenchmarkSettlementRun(b *testing.B) {
	n := envInt("GROUPBUY_SETTLE_N", 5000) // make bench-settle asks for 100,000
	modes := strings.Split(envStr("GROUPBUY_SETTLE_MODES", "paced2,work2"), ",")
	bin := simBinary(b)
	var reports []*settleReport
	for _, mode := range modes {
		b.Run(mode, func(b *testing.B) {
			var r *settleReport
			for range b.N {
				b.StopTimer()
				e := newSettleBench(b, bin, n, simLimits(mode))
				b.StartTimer()
				r = e.run(b, mode)
				b.StopTimer()
				e.check(b, r)
				e.stopSim()
				r.simProfile = e.simProfile
				r.simCategories, r.simProfTotal = profileCategories(b, e.simProfile)
				b.StartTimer()
			}
			r.floor = newSignFloor(b) // right after the run, under the same load
			r.floor.apply(b, r)
			r.report(b)
			reports = append(reports, r)
		})
	}
	for _, r := range reports {
		fmt.Fprintf(os.Stdout, "\n%s\n", r.table(r.floor))
	}
}

// TestSettlementProfileSummary summarises the CPU profile GROUPBUY_SETTLE_PROFILE by the
// benchmark's categories (for a profile of an earlier run).
func TestSettlementProfileSummary(t *testing.T) {
	path := os.Getenv("GROUPBUY_SETTLE_PROFILE")
	if path == "" {
		t.Skip("GROUPBUY_SETTLE_PROFILE names no profile")
	}
	cats, total := profileCategories(t, path)
	for _, c := range cats {
		t.Logf("%-38s %9s %5.1f%%", c.name, c.cpu.Round(time.Millisecond), pct(c.cpu, total))
	}
}

func envStr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// simBinary is GROUPBUY_WXSIM_BIN, or app/wxsim built into a temporary directory.
func simBinary(b *testing.B) string {
	if p := os.Getenv("GROUPBUY_WXSIM_BIN"); p != "" {
		return p
	}
	out := filepath.Join(b.TempDir(), "wxsim")
	cmd := exec.Command("go", "build", "-o", out, "github.com/groupbuy/groupbuy/app/wxsim")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build wxsim: %v\n%s", err, msg)
	}
	return out
}

// settleBench is one seeded database, a simulator process and the program's client.
type settleBench struct {
	n       int
	db      *sqldb.DB
	data    *sqldb.DB
	finance *datatest.Finance
	client  *wechatpay.Client
	book    *ledger.Ledger
	store   *settlementstore.SettlementStore
	cfg     settlement.Config
	sim     *exec.Cmd
	simURL  string
	// simProfile is the simulator's CPU profile, written when it stops.
	simProfile string
	leaders    []*leader.Leader
	openid     map[int64]string
	keys       *seal.Keyring
	seedTook   time.Duration
	// wechat names the merchant whose pace the paced modes share.
	wechat *conf.Wechat
}

// simLimits is the simulator's -rate-limits for mode: WeChat's for the paced modes, none for
// the others (unpaced, they would only meet FREQUENCY_LIMITED); GROUPBUY_SETTLE_SIM_LIMITS
// overrides both.
func simLimits(mode string) string {
	if strings.HasPrefix(mode, "paced") {
		return envStr("GROUPBUY_SETTLE_SIM_LIMITS", "wechat")
	}
	return envStr("GROUPBUY_SETTLE_SIM_LIMITS", "off")
}

func newSettleBench(b *testing.B, bin string, n int, limits string) *settleBench {
	start := time.Now()
	ctx := context.Background()
	dsn := testenv.PostgresDSN(b)
	conns := int32(envInt("GROUPBUY_SETTLE_CONNS", 50))
	// All idle as production keeps them (configs/postgres.yaml): a closed one is a new backend.
	db, cleanup, err := sqldb.Open(&conf.Data{Database: &conf.Data_Database{Driver: "postgres", Source: dsn,
		MaxOpenConns: conns, MaxIdleConns: conns}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cleanup)
	e := &settleBench{n: n, db: db, data: db, openid: map[int64]string{}}

	keys, err := wxsim.GenerateDevPayKeys(wxsim.DemoMchID)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := keys.WriteDir(dir); err != nil {
		b.Fatal(err)
	}
	e.startSim(b, bin, dir, keys.MchID, limits)
	e.wechat = &conf.Wechat{Pay: &conf.Wechat_Pay{MchId: keys.MchID}}
	pem, err := wxsim.PublicKeyPEM(&keys.PlatformKey.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	// The production configuration (configs/postgres.yaml) but for the pace: the use case is
	// unpaced, so the run goes as fast as this machine and the simulator's limits allow.
	e.cfg = settlement.Config{FreezeWindow: 30 * 24 * time.Hour, WarnBefore: 5 * 24 * time.Hour, MaxRatioBP: 3000,
		FeeBP: 60, Concurrency: envInt("GROUPBUY_SETTLE_CONCURRENCY", 16),
		ClaimBatch: envInt("GROUPBUY_SETTLE_CLAIM", 64), PollAfter: 2 * time.Second, RetryAfter: time.Second,
		RetryMax: 300 * time.Second, Lease: time.Minute, SelectBatch: 500,
		FinishBatch: envInt("GROUPBUY_SETTLE_FINISH", 64)}
	if err = e.cfg.Check(); err != nil {
		b.Fatal(err)
	}
	// As the settle command builds it: the database and WeChat Pay alone.
	e.finance, err = datatest.BuildFinance(e.data, time.Now, &conf.Wechat{
		MiniProgram: &conf.Wechat_MiniProgram{AppId: testAppID, AppSecret: testAppSecret},
		Pay: &conf.Wechat_Pay{MchId: keys.MchID, MerchantSerial: keys.MerchantSerial,
			MerchantPrivateKey: filepath.Join(dir, wxsim.MerchantKeyFile), Apiv3Key: keys.APIv3Key,
			PlatformPublicKeyId: keys.PublicKeyID, PlatformPublicKey: string(pem), ApiBaseUrl: e.simURL,
			NotifyBaseUrl: "http://127.0.0.1:1", Retry: &conf.Wechat_Pay_Retry{MaxAttempts: 1}},
	}, e.cfg, testLogger)
	if err != nil {
		b.Fatal(err)
	}
	e.client, e.book, e.store = e.finance.WechatPay, e.finance.Ledger, e.finance.SettlementStore
	e.keys = keysKeyring(b)
	e.seed(b, ctx, e.keys)
	// Statistics of the bulk-loaded tables, as autovacuum would gather them in production (the
	// test server runs with autovacuum off; without them the planner drives selection's ledger
	// reads from every leader's postings, a second a batch).
	if _, err := db.SQL.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	e.seedTook = time.Since(start)
	return e
}

func keysKeyring(b *testing.B) *seal.Keyring {
	key, err := seal.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	kr, err := data.NewKeyring(&conf.Security{PersonalData: &conf.Security_PersonalData{ActiveKeyId: "k1",
		Keys: map[string]string{"k1": key}}})
	if err != nil {
		b.Fatal(err)
	}
	return kr
}

// startSim runs the simulator binary on a free port, its pay state in memory.
func (e *settleBench) startSim(b *testing.B, bin, dir, mchid, limits string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	logf, err := os.Create(filepath.Join(dir, "wxsim.log"))
	if err != nil {
		b.Fatal(err)
	}
	e.simProfile = filepath.Join(os.TempDir(), strings.ReplaceAll(b.Name(), "/", "-")+"-sim.cpu.pprof")
	cmd := exec.Command(bin, "-addr", addr, "-app", testAppID+":"+testAppSecret, "-pay-dir", dir,
		"-pay-persist=false", "-mchid", mchid, "-fee-bp", "60",
		"-rate-limits", limits, "-cpuprofile", e.simProfile)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		e.stopSim()
		_ = logf.Close()
	})
	e.sim, e.simURL = cmd, "http://"+addr
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(e.simURL + "/sim/v1/pay/keys")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			b.Fatalf("simulator did not start: %v\n%s", err, log)
		}
	}
}

// stopSim stops the simulator as a signal would, so that it writes its CPU profile (killing
// it after a while if it does not stop).
func (e *settleBench) stopSim() {
	if e.sim.ProcessState != nil {
		return
	}
	_ = e.sim.Process.Signal(syscall.SIGTERM)
	t := time.AfterFunc(20*time.Second, func() { _ = e.sim.Process.Kill() })
	defer t.Stop()
	_ = e.sim.Wait()
}

// simJSON calls the simulator's control API.
func (e *settleBench) simJSON(b *testing.B, method, path string, in, out any) {
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			b.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, e.simURL+path, &body)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw := new(bytes.Buffer)
	_, _ = raw.ReadFrom(resp.Body)
	if resp.StatusCode != 200 {
		b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw.Bytes(), out); err != nil {
			b.Fatal(err)
		}
	}
}

const settleChunk = 500

// seed makes the grid, the leaders and their receivers, a batch, the plan, and n paid orders
// whose commission is settleable, in chunks of settleChunk.
func (e *settleBench) seed(b *testing.B, ctx context.Context, keys *seal.Keyring) {
	c := e.db.Ent
	grid, err := geo.CellAt(peoplesSquare, 7)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := leaderstore.NewGridRepo(e.data).Upsert(ctx, &leader.Grid{Cell: grid, Name: "人民广场", Serving: true}); err != nil {
		b.Fatal(err)
	}
	pickupCell, _ := geo.CellAt(peoplesSquare, 9)
	repo := leaderstore.NewLeaderRepo(e.data, keys)
	nLeaders := envInt("GROUPBUY_SETTLE_LEADERS", 2000)
	for i := range nLeaders {
		openid := fmt.Sprintf("oLeader%06d", i)
		u := c.User.Create().SetOpenid(openid).SetRoles([]string{"leader"}).SaveX(ctx)
		l := &leader.Leader{UserID: int64(u.ID), Status: leader.StatusApproved, RealName: "团长", Phone: "13800000000",
			InviteCode: fmt.Sprintf("INV%06d", i), Point: leader.PickupPoint{Name: "点", Address: "路1号",
				Location: peoplesSquare, OpeningHours: "08:00-20:00", PickupCell: pickupCell, GridCell: grid}}
		if i%5 == 1 {
			l.Upline = []int64{e.leaders[i-1].ID}
		}
		if l, err = repo.Create(ctx, l); err != nil {
			b.Fatal(err)
		}
		e.leaders = append(e.leaders, l)
		e.openid[l.ID] = openid
	}
	// Receivers at WeChat (signed calls, 8 at a time) and their registrations.
	var wg sync.WaitGroup
	errs := make(chan error, len(e.leaders))
	sem := make(chan struct{}, 8)
	for _, l := range e.leaders {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs <- e.client.AddReceiver(ctx, bizpay.Receiver{Type: bizpay.ReceiverPersonalOpenID,
				Account: e.openid[l.ID], Relation: bizpay.RelationDistributor})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	regs := make([]*ent.ReceiverRegistrationCreate, len(e.leaders))
	for i, l := range e.leaders {
		regs[i] = c.ReceiverRegistration.Create().SetLeaderID(int(l.ID)).SetOp("add").SetReceiverType(bizpay.ReceiverPersonalOpenID).
			SetAccount(e.openid[l.ID]).SetRelationType(bizpay.RelationDistributor).SetState("done").SetNextAttemptAt(now)
	}
	for s := 0; s < len(regs); s += 1000 {
		c.ReceiverRegistration.CreateBulk(regs[s:min(s+1000, len(regs))]...).ExecX(ctx)
	}
	batch := c.Batch.Create().SetTitle("周五鲜果").SetStatus(entbatch.StatusDispatched).
		SetOpensAt(now.Add(-96 * time.Hour)).SetCutoffAt(now.Add(-72 * time.Hour)).
		SetPickupDate(time.Date(2026, 5, 2, 0, 0, 0, 0, bjtime.Zone)).SetCreatedBy(1).SaveX(ctx)
	item := c.BatchItem.Create().SetBatchID(batch.ID).SetSkuID(1).SetProductID(1).SetTitle("草莓").SetSpec("一份").
		SetUnit("份").SetListPrice(3000).SetPrice(2500).SetQuota(1 << 30).SetPerShopperLimit(0).SetCommissionBp(1000).SaveX(ctx).ID
	plan, err := commissionstore.NewCommissionStore(e.data).CreatePlan(ctx, &commission.Plan{Rates: []int{500},
		EffectiveFrom: now.Add(-90 * 24 * time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	paidBase := now.Add(-72 * time.Hour).Truncate(time.Millisecond)
	settleableAt := now.Add(-time.Hour)
	for start := 0; start < e.n; start += settleChunk {
		e.seedChunk(b, ctx, start, min(start+settleChunk, e.n), grid.String(), batch.ID, item, plan.ID, paidBase, settleableAt)
	}
}

// seedChunk seeds orders [from, to): order k of leader k*7919 mod leaders, 1–4 units at 2500
// fen, 5%–20% commission to its leader and 5% to the upline.
func (e *settleBench) seedChunk(b *testing.B, ctx context.Context, from, to int, grid string, batchID, itemID int,
	planID int64, paidBase, settleableAt time.Time) {
	c := e.db.Ent
	type seeded struct {
		l      *leader.Leader
		units  int64
		bp     int
		paidAt time.Time
		order  int
		line   int64
		txid   string
	}
	rows := make([]seeded, to-from)
	orders := make([]*ent.OrderCreate, len(rows))
	for i := range rows {
		k := from + i
		r := &rows[i]
		r.l = e.leaders[(k*7919)%len(e.leaders)]
		r.units, r.bp = int64(1+k%4), 500+100*(k%16)
		r.paidAt = paidBase.Add(time.Duration(k) * time.Millisecond)
		orders[i] = c.Order.Create().SetUserID(1_000_000 + k).SetLeaderID(int(r.l.ID)).SetBatchID(batchID).
			SetGridCell(grid).SetStatus(entorder.StatusCompleted).SetIdempotencyKey(fmt.Sprintf("sb-%d", k)).
			SetAmount(2500 * r.units).SetPayAttempt(1).SetExpiresAt(r.paidAt).SetPaidAt(r.paidAt)
	}
	saved := c.Order.CreateBulk(orders...).SaveX(ctx)
	lines := make([]*ent.OrderLineCreate, len(rows))
	type seedTxn struct {
		OutTradeNo    string `json:"out_trade_no"`
		Total         int64  `json:"total"`
		PayerOpenID   string `json:"payer_openid"`
		ProfitSharing bool   `json:"profit_sharing"`
	}
	txns := make([]seedTxn, len(rows))
	for i, o := range saved {
		rows[i].order = o.ID
		lines[i] = c.OrderLine.Create().SetOrderID(o.ID).SetItemID(itemID).SetSkuID(1).SetTitle("草莓").SetPrice(2500).
			SetQuantity(rows[i].units).SetAmount(o.Amount).SetCommissionBp(rows[i].bp)
		txns[i] = seedTxn{OutTradeNo: bizpay.OutTradeNo(int64(o.ID), 1), Total: o.Amount, PayerOpenID: "oShopper0001", ProfitSharing: true}
	}
	for i, l := range c.OrderLine.CreateBulk(lines...).SaveX(ctx) {
		rows[i].line = int64(l.ID)
	}
	var ids struct {
		TransactionIDs []string `json:"transaction_ids"`
	}
	e.simJSON(b, http.MethodPost, "/sim/v1/pay/transactions", txns, &ids)
	pays := make([]*ent.PaymentCreate, len(rows))
	var entries []*ent.CommissionEntryCreate
	paidTxs := make([]ledger.Tx, 0, len(rows))
	settleTxs := make([]ledger.Tx, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		r.txid = ids.TransactionIDs[i]
		amount := 2500 * r.units
		pays[i] = c.Payment.Create().SetOutTradeNo(txns[i].OutTradeNo).SetDescription("社区团购").SetAmount(amount).
			SetPayerOpenid("oShopper0001").SetProfitSharing(true).SetState(payment.StatePaid).SetTransactionID(r.txid).
			SetPaidAt(r.paidAt)
		chain := append([]int64{r.l.ID}, r.l.Upline...)
		shares := commission.Split([]commission.LineInput{{LineID: r.line, Amount: amount, RateBP: r.bp}}, chain[:min(len(chain), 2)],
			[]int{500}, commission.DefaultCapBP)
		var releases []commission.Release
		for _, s := range shares {
			ce := c.CommissionEntry.Create().SetOrderID(int64(r.order)).SetLineID(s.LineID).SetLeaderID(s.LeaderID).
				SetLevel(s.Level).SetBase(s.Base).SetRateBp(s.RateBP).SetAmount(s.Amount).SetGridCell(grid).
				SetState(commissionentry.StateSettleable).SetPaidAt(r.paidAt).SetSettleableAt(settleableAt)
			if s.Level > 0 {
				ce.SetPlanID(planID)
			}
			entries = append(entries, ce)
			releases = append(releases, commission.Release{LeaderID: s.LeaderID, Amount: s.Amount})
		}
		paidTxs = append(paidTxs, commission.PaidTx(int64(r.order), grid, amount, shares))
		settleTxs = append(settleTxs, commission.SettleableTx(int64(r.order), grid, releases))
	}
	c.Payment.CreateBulk(pays...).ExecX(ctx)
	for s := 0; s < len(entries); s += 1000 {
		c.CommissionEntry.CreateBulk(entries[s:min(s+1000, len(entries))]...).ExecX(ctx)
	}
	for _, txs := range [][]ledger.Tx{paidTxs, settleTxs} {
		if n, err := e.book.Post(ctx, txs...); err != nil || n != len(txs) {
			b.Fatalf("post %d transactions: %d, %v", len(txs), n, err)
		}
	}
}

// settleReport is what one run measured.
type settleReport struct {
	mode           string
	n, leaders     int
	seed           time.Duration
	wall           time.Duration
	calls          map[string]int
	ownCPU         time.Duration
	simCPU         time.Duration
	pgCPU          time.Duration
	pgExited       int
	profile        string
	categories     []cpuCategory
	profTotal      time.Duration
	simProfile     string // the simulator's whole life, seeding included
	simCategories  []cpuCategory
	simProfTotal   time.Duration
	heap           []heapSample
	gcCount        uint32
	summary        settlement.Summary
	signSingle     time.Duration // the run's signatures, one goroutine
	signDouble     time.Duration // on two goroutines
	verify         time.Duration // the run's verifications, one goroutine
	signs, verifys int
	machineBusy    time.Duration // all CPUs' non-idle time during the run
	load           [2]string     // /proc/loadavg before and after
	floor          *signFloor    // measured right after the run
	// The paced modes: when the simulator had every 请求分账, its limits, and what it
	// answered FREQUENCY_LIMITED by operation.
	requested time.Duration
	limits    map[string]int
	limited   map[string]int64
}

type heapSample struct {
	at       time.Duration
	progress float64
	inuse    uint64
}

type cpuCategory struct {
	name string
	cpu  time.Duration
}

// run starts the run and works it to the end in mode, measuring.
func (e *settleBench) run(b *testing.B, mode string) *settleReport {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &settleReport{mode: mode, n: e.n, leaders: len(e.leaders), seed: e.seedTook}
	callsBefore := e.calls(b)
	runtime.GC()
	prof := filepath.Join(os.TempDir(), fmt.Sprintf("settle-%s-%d.cpu.pprof", mode, e.n))
	pf, err := os.Create(prof)
	if err != nil {
		b.Fatal(err)
	}
	r.profile = prof
	ownBefore, simBefore, pgBefore := procCPU(b, os.Getpid()), procCPU(b, e.sim.Process.Pid), postgresCPU()
	busyBefore := machineBusy()
	r.load[0] = loadavg()
	var gcBefore runtime.MemStats
	runtime.ReadMemStats(&gcBefore)
	if err := pprof.StartCPUProfile(pf); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	uc := e.finance.Settlement
	run, err := uc.Start(ctx, settlement.StartInput{Cutoff: start, Trigger: settlement.TriggerCommand})
	if err != nil {
		b.Fatal(err)
	}
	stopSampler := e.sampleHeap(b, run.ID, start, r)
	done := func() bool {
		got, err := e.store.GetRun(ctx, run.ID)
		if err != nil {
			b.Fatal(err)
		}
		return got.State == settlement.RunDone
	}
	var roundErrs int
	switch mode {
	case "round":
		for {
			n, err := uc.Round(ctx)
			if err != nil {
				roundErrs++
				b.Logf("round: %v", err)
			}
			if n == 0 {
				if done() {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	case "work1", "work2", "work4":
		e.work(ctx, b, int(mode[4]-'0'), 50*time.Millisecond, done, func(i int) *settlement.Usecase {
			if i == 0 {
				return uc
			}
			// Another worker of this process: its own use case on the process's client,
			// ledger and store, which one injection cannot give twice.
			return settlement.NewUsecase(e.store, e.client, e.book, e.data, e.cfg, time.Now)
		})
	case "paced1", "paced2", "paced4":
		// Each worker as a replica: its own use case and pacer, the merchant's pace shared in
		// Redis at the shipped defaults (90% of WeChat's limits).
		requested := e.watchRequests(b, start, r)
		rdb, prefix := testenv.Redis(b) // one prefix: the replicas share the merchant's buckets
		// They rest as shipped when a round finds nothing (worker_idle): the queries trail the
		// requests at their own pace, and a round every 50 ms would mostly find nothing.
		e.work(ctx, b, int(mode[5]-'0'), time.Second, done, func(int) *settlement.Usecase {
			return settlement.NewPacedUsecase(e.store, e.client, e.book, e.data, e.cfg, time.Now, e.pacer(b, rdb, prefix))
		})
		requested()
	default:
		b.Fatalf("mode %q: round, work1, work2, work4, paced1, paced2 or paced4", mode)
	}
	r.wall = time.Since(start)
	pprof.StopCPUProfile()
	_ = pf.Close()
	stopSampler()
	r.machineBusy = machineBusy() - busyBefore
	r.load[1] = loadavg()
	r.ownCPU = procCPU(b, os.Getpid()) - ownBefore
	r.simCPU = procCPU(b, e.sim.Process.Pid) - simBefore
	pgAfter := postgresCPU()
	for pid, t := range pgAfter {
		r.pgCPU += t - pgBefore[pid]
	}
	for pid := range pgBefore {
		if _, ok := pgAfter[pid]; !ok {
			r.pgExited++
		}
	}
	var gcAfter runtime.MemStats
	runtime.ReadMemStats(&gcAfter)
	r.gcCount = gcAfter.NumGC - gcBefore.NumGC
	after := e.calls(b)
	r.calls = map[string]int{}
	for op, c := range after {
		if d := c - callsBefore[op]; d > 0 {
			r.calls[op] = d
		}
	}
	v, err := uc.Get(ctx, run.ID)
	if err != nil {
		b.Fatal(err)
	}
	r.summary = v.Summary
	r.categories, r.profTotal = profileCategories(b, prof)
	return r
}

// work runs workers use cases (worker i's from newUsecase) in Work, resting idle when a round
// finds nothing, until done.
func (e *settleBench) work(ctx context.Context, b *testing.B, workers int, idle time.Duration, done func() bool,
	newUsecase func(i int) *settlement.Usecase) {
	var wg sync.WaitGroup
	wctx, stop := context.WithCancel(ctx)
	for i := range workers {
		w := newUsecase(i)
		wg.Go(func() {
			_ = w.Work(wctx, idle, func(err error) {
				b.Logf("worker %d: %v", i, err)
			})
		})
	}
	for !done() {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	wg.Wait()
}

// pacer is a replica's pace of the merchant's calls: the shipped defaults, in rdb under prefix.
func (e *settleBench) pacer(b *testing.B, rdb redis.UniversalClient, prefix string) *redispace.Pacer {
	bc := &conf.Bootstrap{}
	conf.ApplyDefaults(bc)
	if q := envInt("GROUPBUY_SETTLE_QUERY_PACE", 0); q > 0 { // to try another margin below the limit
		bc.Settlement.WechatPace.QueryOrder = float64(q)
	}
	p, err := redispace.NewFromConf(bc.GetSettlement(), e.wechat, rdb,
		redisdb.KeyPrefix(strings.TrimSuffix(prefix, ":")), testLogger)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// watchRequests notes when the simulator has received every transaction's 请求分账 (the
// part of the run WeChat's 300 a second bounds; the queries that follow have their own limit),
// and, when stopped, what it answered FREQUENCY_LIMITED.
func (e *settleBench) watchRequests(b *testing.B, start time.Time, r *settleReport) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	before := e.calls(b)[wxsim.OpSharingCreateOrder]
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
			}
			if e.calls(b)[wxsim.OpSharingCreateOrder]-before >= e.n {
				r.requested = time.Since(start)
				return
			}
		}
	})
	return func() {
		close(quit)
		wg.Wait()
		var limits struct {
			Limits  map[string]int `json:"limits"`
			Limited map[string]struct {
				Count int64 `json:"count"`
			} `json:"limited"`
		}
		e.simJSON(b, http.MethodGet, "/sim/v1/pay/rate-limits", nil, &limits)
		r.limits, r.limited = limits.Limits, map[string]int64{}
		for op, l := range limits.Limited {
			r.limited[op] = l.Count
		}
	}
}

func (e *settleBench) calls(b *testing.B) map[string]int {
	var out struct {
		Calls map[string]int `json:"calls"`
	}
	e.simJSON(b, http.MethodGet, "/sim/v1/pay/calls", nil, &out)
	return out.Calls
}

// sampleHeap records HeapInuse and the run's progress every second until stopped.
func (e *settleBench) sampleHeap(b *testing.B, runID int64, start time.Time, r *settleReport) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		var done int
		err := e.db.SQL.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM settlement_items
WHERE run_id = $1 AND state NOT IN ('pending', 'processing')`, runID).Scan(&done)
		if err != nil {
			b.Error(err)
		}
		r.heap = append(r.heap, heapSample{at: time.Since(start), progress: float64(done) / float64(e.n), inuse: ms.HeapInuse})
	}
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				sample()
			}
		}
	})
	return func() {
		close(stop)
		wg.Wait()
		sample()
	}
}

// procCPU is a process's user and system CPU from /proc/<pid>/stat.
func procCPU(b *testing.B, pid int) time.Duration {
	d, ok := readProcCPU(pid)
	if !ok {
		b.Fatalf("no /proc/%d/stat", pid)
	}
	return d
}

const clockTicks = 100 // sysconf(_SC_CLK_TCK) on Linux

func readProcCPU(pid int) (time.Duration, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from the 3rd (state) on
	if len(f) < 13 {
		return 0, false
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64) // field 14
	st, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	return time.Duration(ut+st) * time.Second / clockTicks, true
}

// machineBusy is the non-idle time of all CPUs from /proc/stat.
func machineBusy() time.Duration {
	raw, _ := os.ReadFile("/proc/stat")
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i != 3 && i != 4 && i < 8 { // all but idle and iowait; guest time is inside user
			busy += n
		}
	}
	return time.Duration(busy) * time.Second / clockTicks
}

func loadavg() string {
	raw, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(raw))[:3], " ")
}

// postgresCPU is the CPU of every postgres process, by pid.
func postgresCPU() map[int]time.Duration {
	out := map[int]time.Duration{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || !strings.HasPrefix(string(comm), "postgres") {
			continue
		}
		if t, ok := readProcCPU(pid); ok {
			out[pid] = t
		}
	}
	return out
}

// profileCategories sums a CPU profile by category. Each sample goes to the category of the
// frame nearest its leaf that names one; frames of the runtime, the standard library's
// plumbing (syscalls, sockets, sync, bufio, reflection...) name none, so a socket write of pgx
// is database and one of net/http is HTTP. Samples with no categorized frame at all are the
// runtime's own (GC workers, the scheduler).
func profileCategories(b testing.TB, path string) ([]cpuCategory, time.Duration) {
	out, err := exec.Command("go", "tool", "pprof", "-traces", path).Output()
	if err != nil {
		b.Logf("pprof -traces: %v", err)
		return nil, 0
	}
	sums := map[string]time.Duration{}
	var total time.Duration
	var stack []string
	var value time.Duration
	flush := func() {
		if value > 0 {
			sums[categorize(stack)] += value
			total += value
		}
		stack, value = stack[:0], 0
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "-----------+") {
			flush()
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if value == 0 && len(stack) == 0 {
			if d, err := time.ParseDuration(f[0]); err == nil && len(f) >= 2 {
				value = d
				stack = append(stack, f[1])
				continue
			}
		}
		if value > 0 {
			stack = append(stack, f[0])
		}
	}
	flush()
	cats := make([]cpuCategory, 0, len(sums))
	for name, d := range sums {
		cats = append(cats, cpuCategory{name, d})
	}
	sort.Slice(cats, func(i, j int) bool { return cats[i].cpu > cats[j].cpu })
	return cats, total
}

var cpuCategories = []struct{ name, prefixes string }{
	{"RSA (crypto/rsa, math/big, bigmod)", "crypto/rsa. crypto/internal/fips140/rsa. crypto/internal/fips140/bigmod. math/big. crypto/internal/fips140/sha256. crypto/sha256."},
	{"database (pgx, database/sql, ent)", "github.com/jackc/ database/sql. entgo.io/ github.com/groupbuy/groupbuy/ent."},
	{"JSON (encoding/json)", "encoding/json."},
	{"HTTP (net/http)", "net/http. net/textproto. mime."},
	{"WeChat Pay SDK (wechatpay-go)", "github.com/wechatpay-apiv3/"},
	{"settlement/ledger (our code)", "github.com/groupbuy/groupbuy/"},
}

// plumbing frames are left for a frame nearer the root to categorize.
var plumbing = []string{"runtime.", "internal/", "syscall.", "net.", "sync.", "sync/", "bufio.", "io.", "bytes.",
	"strings.", "strconv.", "fmt.", "reflect.", "time.", "context.", "errors.", "os.", "unicode/", "sort.", "slices.",
	"maps.", "crypto/internal/fips140/subtle", "crypto/subtle", "encoding/binary.", "math.", "hash/", "vendor/",
	"log/slog.", "golang.org/x/", "crypto.", "crypto/internal/fips140/drbg", "crypto/internal/sysrand",
	"crypto/internal/rand", "crypto/internal/fips140.", "crypto/rand.", "encoding/base64.", "encoding/hex.",
	"container/", "net/netip.", "net/url.", "io/ioutil.", "path/", "regexp.", "type:", "unique."}

func categorize(stack []string) string {
	for _, fn := range stack {
		for _, c := range cpuCategories {
			for p := range strings.FieldsSeq(c.prefixes) {
				if strings.HasPrefix(fn, p) {
					return c.name
				}
			}
		}
		generic := !strings.Contains(fn, ".") // the runtime's assembly: memeqbody, aeshashbody...
		for _, p := range plumbing {
			if strings.HasPrefix(fn, p) {
				generic = true
				break
			}
		}
		if !generic {
			return "other (" + pkgOf(fn) + ")"
		}
	}
	if slices.ContainsFunc(stack, func(fn string) bool {
		return strings.HasPrefix(fn, "runtime.gc") ||
			strings.HasPrefix(fn, "runtime.bgsweep") || strings.HasPrefix(fn, "runtime.bgscavenge")
	}) {
		return "runtime: GC"
	}
	return "runtime: scheduler, syscalls, other"
}

func pkgOf(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	if dot := strings.IndexByte(fn[slash+1:], '.'); dot >= 0 {
		return fn[:slash+1+dot]
	}
	return fn
}

// check asserts the books: every leader's total at the simulator equals what the ledger
// settled to it, the run left nothing active or failed, and the ledger checks out.
func (e *settleBench) check(b *testing.B, r *settleReport) {
	ctx := context.Background()
	s := r.summary
	if s.Items != e.n || s.Active != 0 || s.Failed != 0 || s.Expired != 0 || s.Shared != e.n {
		b.Fatalf("summary %+v", s)
	}
	var totals struct {
		Totals map[string]int64 `json:"totals"`
	}
	e.simJSON(b, http.MethodGet, "/sim/v1/pay/profitsharing/totals", nil, &totals)
	settled := map[int64]int64{}
	rows, err := e.db.SQL.QueryContext(ctx, `SELECT a.owner_id, SUM(p.amount)
FROM ledger_transactions t
JOIN ledger_postings p ON p.transaction_id = t.id
JOIN ledger_accounts a ON a.id = p.account_id
WHERE t.kind = $1 AND a.owner_kind = 'leader'
GROUP BY a.owner_id`, settlement.KindSettled)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id, sum int64
		if err := rows.Scan(&id, &sum); err != nil {
			b.Fatal(err)
		}
		settled[id] = sum
	}
	_ = rows.Close()
	var paid int64
	bad := 0
	for _, l := range e.leaders {
		got, want := totals.Totals[e.openid[l.ID]], settled[l.ID]
		paid += got
		if got != want {
			if bad++; bad <= 10 {
				b.Errorf("leader %d: WeChat paid %d, ledger settled %d", l.ID, got, want)
			}
		}
	}
	if bad > 0 {
		b.Fatalf("%d leaders' WeChat totals differ from the ledger", bad)
	}
	if paid != s.Amount || paid == 0 {
		b.Fatalf("WeChat paid %d in all, the run says %d", paid, s.Amount)
	}
	// The sum above is the views' settled figure: cross-check a few leaders through them.
	views := commission.NewViews(commissionstore.NewCommissionStore(e.data), leaderstore.NewLeaderRepo(e.data, e.keys), time.Now)
	for _, l := range e.leaders[:min(5, len(e.leaders))] {
		if bal, err := views.Balance(ctx, l.ID); err != nil || bal.Settled != settled[l.ID] || bal.Settleable != 0 {
			b.Fatalf("leader %d balance %+v, %v; settled by the sum %d", l.ID, bal, err, settled[l.ID])
		}
	}
	rep, err := e.book.Check(ctx)
	if err != nil || !rep.OK() || rep.TrialBalance != 0 {
		b.Fatalf("ledger check = %+v, %v", rep, err)
	}
	var left int
	if err := e.db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM commission_entries WHERE state = 'settleable'`).Scan(&left); err != nil || left != 0 {
		b.Fatalf("%d entries still settleable (%v)", left, err)
	}
}

// signFloor is the speed of RSA-2048 PKCS#1 v1.5 SHA-256 signing (and verifying) here.
type signFloor struct {
	single, double, verify float64 // per second
	sample                 int
}

// newSignFloor times GROUPBUY_SETTLE_SIGN_SAMPLE (3,000) signatures on one goroutine and on two,
// and as many verifications, on messages the size of a WeChat Pay signing string.
func newSignFloor(b *testing.B) *signFloor {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	m := envInt("GROUPBUY_SETTLE_SIGN_SAMPLE", 3000)
	now := time.Now().Unix() // one timestamp: the verification below signs and checks msg(0)
	msg := func(i int) []byte {
		return fmt.Appendf(nil, "POST\n/v3/profitsharing/orders\n%d\n%032d\n{\"appid\":\"wx\",\"transaction_id\":\"4200%020d\",\"receivers\":[]}\n",
			now, i, i)
	}
	sign := func(from, to int) {
		for i := from; i < to; i++ {
			h := sha256.Sum256(msg(i))
			if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, h[:]); err != nil {
				b.Error(err)
				return
			}
		}
	}
	f := &signFloor{sample: m}
	start := time.Now()
	sign(0, m)
	f.single = float64(m) / time.Since(start).Seconds()
	start = time.Now()
	var wg sync.WaitGroup
	wg.Go(func() { sign(0, m/2) })
	wg.Go(func() { sign(m/2, m) })
	wg.Wait()
	f.double = float64(m) / time.Since(start).Seconds()
	h := sha256.Sum256(msg(0))
	sig, _ := rsa.SignPKCS1v15(nil, key, crypto.SHA256, h[:])
	start = time.Now()
	for range m {
		h := sha256.Sum256(msg(0))
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, h[:], sig); err != nil {
			b.Fatal(err)
		}
	}
	f.verify = float64(m) / time.Since(start).Seconds()
	fmt.Fprintf(os.Stdout, "RSA-2048 on this machine (%d each): sign %.0f/s on 1 goroutine, %.0f/s on 2; verify %.0f/s",
		m, f.single, f.double, f.verify)
	fmt.Fprintln(os.Stdout)
	return f
}

// apply works out the run's signature floor: each WeChat call is one signature by us and one
// by the simulator, and one verification on each side.
func (f *signFloor) apply(b *testing.B, r *settleReport) {
	calls := 0
	for _, c := range r.calls {
		calls += c
	}
	r.signs, r.verifys = 2*calls, 2*calls
	r.signSingle = time.Duration(float64(r.signs) / f.single * float64(time.Second))
	r.signDouble = time.Duration(float64(r.signs) / f.double * float64(time.Second))
	r.verify = time.Duration(float64(r.verifys) / f.verify * float64(time.Second))
}

func (r *settleReport) report(b *testing.B) {
	b.ReportMetric(r.wall.Seconds(), "s/run")
	b.ReportMetric(float64(r.n)/r.wall.Seconds(), "txn/s")
	b.ReportMetric(r.wall.Seconds()/r.signDouble.Seconds(), "run/sign2")
	b.ReportMetric(r.wall.Seconds()/r.signSingle.Seconds(), "run/sign1")
	b.ReportMetric((r.ownCPU+r.simCPU+r.pgCPU).Seconds()/(r.signSingle+r.verify).Seconds(), "cpu/rsa-cpu")
	b.ReportMetric(r.ownCPU.Seconds(), "cpu-s-own")
	b.ReportMetric(r.simCPU.Seconds(), "cpu-s-sim")
	b.ReportMetric(r.pgCPU.Seconds(), "cpu-s-pg")
	if len(r.heap) > 0 {
		b.ReportMetric(float64(slices.MaxFunc(r.heap, func(a, c heapSample) int { return int(a.inuse) - int(c.inuse) }).inuse)/(1<<20), "MiB-heap-max")
	}
}

// table is the report as text.
func (r *settleReport) table(f *signFloor) string {
	var w strings.Builder
	calls := 0
	ops := make([]string, 0, len(r.calls))
	for op, c := range r.calls {
		calls += c
		ops = append(ops, fmt.Sprintf("%s %d", op, c))
	}
	sort.Strings(ops)
	cpuTotal := r.ownCPU + r.simCPU + r.pgCPU
	fmt.Fprintf(&w, "settlement run, mode %s: %d transactions, %d leaders, GOMAXPROCS %d, %d CPUs (%s)\n",
		r.mode, r.n, r.leaders, runtime.GOMAXPROCS(0), runtime.NumCPU(), cpuModel())
	fmt.Fprintf(&w, "  seeding (untimed)        %s\n", r.seed.Round(time.Second))
	fmt.Fprintf(&w, "  wall time                %s  (%.0f transactions/s)\n", r.wall.Round(time.Millisecond), float64(r.n)/r.wall.Seconds())
	fmt.Fprintf(&w, "  summary                  %d items, %d shared, %d failed, %d expired, %d fen paid\n",
		r.summary.Items, r.summary.Shared, r.summary.Failed, r.summary.Expired, r.summary.Amount)
	fmt.Fprintf(&w, "  WeChat calls             %d (%.2f a transaction): %s\n", calls, float64(calls)/float64(r.n), strings.Join(ops, ", "))
	if r.requested > 0 || r.limits != nil {
		fmt.Fprintf(&w, "  simulator's limits       %v a second; FREQUENCY_LIMITED answers %v\n", r.limits, r.limited)
		if create := r.limits[wxsim.OpSharingCreateOrder]; create > 0 && r.requested > 0 {
			floor := time.Duration(float64(r.n) / float64(create) * float64(time.Second))
			fmt.Fprintf(&w, "  every 请求分账 received  %s; floor at %d/s %s: ratio %.2f\n", r.requested.Round(time.Millisecond),
				create, floor.Round(time.Second), r.requested.Seconds()/floor.Seconds())
		}
		if query := r.limits[wxsim.OpSharingQueryOrder]; query > 0 {
			floor := time.Duration(float64(r.n) / float64(query) * float64(time.Second))
			fmt.Fprintf(&w, "  the run against the query's floor at %d/s (%s): ratio %.2f\n", query,
				floor.Round(time.Second), r.wall.Seconds()/floor.Seconds())
		}
	}
	fmt.Fprintf(&w, "  CPU                      %s in all = %.2f cores over the run\n", cpuTotal.Round(time.Millisecond), cpuTotal.Seconds()/r.wall.Seconds())
	fmt.Fprintf(&w, "    this process           %s (%.0f%%)\n", r.ownCPU.Round(time.Millisecond), pct(r.ownCPU, cpuTotal))
	fmt.Fprintf(&w, "    simulator process      %s (%.0f%%)\n", r.simCPU.Round(time.Millisecond), pct(r.simCPU, cpuTotal))
	fmt.Fprintf(&w, "    PostgreSQL             %s (%.0f%%; %d backends exited meanwhile, uncounted)\n", r.pgCPU.Round(time.Millisecond), pct(r.pgCPU, cpuTotal), r.pgExited)
	fmt.Fprintf(&w, "    the machine            %s busy of %s available; other processes %s (load %s before, %s after)\n",
		r.machineBusy.Round(time.Second), (r.wall * time.Duration(runtime.NumCPU())).Round(time.Second),
		max(r.machineBusy-cpuTotal, 0).Round(time.Second), r.load[0], r.load[1])
	fmt.Fprintf(&w, "  this process by profile  %s sampled (%s)\n", r.profTotal.Round(time.Millisecond), r.profile)
	for _, c := range r.categories {
		fmt.Fprintf(&w, "    %-38s %9s %5.1f%%\n", c.name, c.cpu.Round(time.Millisecond), pct(c.cpu, r.profTotal))
	}
	fmt.Fprintf(&w, "  simulator by profile     %s sampled, seeding included (%s)\n", r.simProfTotal.Round(time.Millisecond), r.simProfile)
	for _, c := range r.simCategories {
		fmt.Fprintf(&w, "    %-38s %9s %5.1f%%\n", c.name, c.cpu.Round(time.Millisecond), pct(c.cpu, r.simProfTotal))
	}
	fmt.Fprintf(&w, "  signature floor          %d signatures (2 a call: ours and the simulator's), %d verifications\n", r.signs, r.verifys)
	fmt.Fprintf(&w, "    signing, 1 goroutine   %s (%.0f/s)  run / floor = %.2f\n", r.signSingle.Round(time.Millisecond), f.single, r.wall.Seconds()/r.signSingle.Seconds())
	fmt.Fprintf(&w, "    signing, 2 goroutines  %s (%.0f/s)  run / floor = %.2f\n", r.signDouble.Round(time.Millisecond), f.double, r.wall.Seconds()/r.signDouble.Seconds())
	fmt.Fprintf(&w, "    verifying, 1 goroutine %s (%.0f/s)\n", r.verify.Round(time.Millisecond), f.verify)
	fmt.Fprintf(&w, "    sign+verify CPU        %s = %.0f%% of all CPU used: CPU of the run / CPU of its RSA = %.2f\n",
		(r.signSingle + r.verify).Round(time.Millisecond), pct(r.signSingle+r.verify, cpuTotal), cpuTotal.Seconds()/(r.signSingle+r.verify).Seconds())
	fmt.Fprintf(&w, "  heap in use (HeapInuse, %d samples, %d GCs)\n", len(r.heap), r.gcCount)
	if len(r.heap) > 0 {
		vals := make([]uint64, len(r.heap))
		for i, h := range r.heap {
			vals[i] = h.inuse
		}
		slices.Sort(vals)
		fmt.Fprintf(&w, "    min / median / max     %s / %s / %s\n", mib(vals[0]), mib(vals[len(vals)/2]), mib(vals[len(vals)-1]))
		var at []string
		for _, q := range []float64{0.25, 0.5, 0.75, 1} {
			i := slices.IndexFunc(r.heap, func(h heapSample) bool { return h.progress >= q })
			if i < 0 {
				i = len(r.heap) - 1
			}
			at = append(at, fmt.Sprintf("%.0f%%: %s (at %s)", q*100, mib(r.heap[i].inuse), r.heap[i].at.Round(time.Second)))
		}
		fmt.Fprintf(&w, "    by progress            %s\n", strings.Join(at, ", "))
		first, last := quarterMean(r.heap, 0, 0.25), quarterMean(r.heap, 0.75, 1.01)
		fmt.Fprintf(&w, "    mean of 1st quarter    %s, of last quarter %s (last/first %.2f)\n", mib(uint64(first)), mib(uint64(last)), last/first)
	}
	return w.String()
}

func quarterMean(hs []heapSample, from, to float64) float64 {
	var sum, n float64
	for _, h := range hs {
		if h.progress >= from && h.progress < to {
			sum += float64(h.inuse)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

func pct(a, total time.Duration) float64 {
	if total == 0 {
		return 0
	}
	return 100 * a.Seconds() / total.Seconds()
}

func mib(v uint64) string { return fmt.Sprintf("%.1f MiB", float64(v)/(1<<20)) }

func cpuModel() string {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
