// Package console is the operations and finance console: server-rendered pages under /console/
// in the same binary as the API. Its pages call the same biz use cases as the API, its accounts
// and sessions are the API's console accounts and tokens, and each page is open to the roles the
// API declares for the operation it mirrors. Scripts, styles and labels are embedded.
package console

import (
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/catalog"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/invite"
	"github.com/groupbuy/groupbuy/internal/biz/layer"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
	"github.com/groupbuy/groupbuy/internal/biz/metrics"
	"github.com/groupbuy/groupbuy/internal/biz/order"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/biz/shipping"
	"github.com/groupbuy/groupbuy/internal/server/auth"
	mw "github.com/groupbuy/groupbuy/internal/server/middleware"
)

// Prefix is where the console is served.
const Prefix = "/console/"

// Deps are the use cases the console's pages call, and what checks its sessions.
type Deps struct {
	Accounts    *identity.ConsoleUsecase
	Sessions    *identity.AuthUsecase
	Issuer      *auth.Issuer
	Marks       identity.AccessMarks
	Policy      auth.Policy
	Views       *commission.Views
	Ledger      *ledger.Ledger
	Settlement  *settlement.Usecase
	Clock       port.Clock
	Logger      log.Logger
	Audit       *audit.Usecase
	Leaders     *leader.Usecase
	Batches     *presale.Usecase
	Stock       *order.Keeper
	Pickup      *order.Pickup
	AfterSales  *order.AfterSales
	Shipping    *shipping.Usecase
	Reconciler  *reconcile.Reconciler
	Plans       *commission.Plans
	Receivers   *payment.ReceiverOps
	Catalog     *catalog.Usecase
	Dashboard   *dashboard.Usecase
	Metrics     *metrics.Dashboard
	Promotions  *promo.Admin
	Invitations *invite.Usecase // 邀请有礼
	Layers      *layer.Snapshots
	Targeting   *layer.Targeting
	Proxies     mw.Proxies // who may name the client's address and the request id
}

// Console serves every page, form and asset under Prefix.
type Console struct {
	deps     Deps
	msg      Messages
	pages    []page
	sessions *sessions
	csrf     csrf
	views    *views
	log      *log.Helper
	mux      *http.ServeMux
}

// New builds the console. It fails when a page mirrors an API operation the policy does not
// know: its roles would otherwise be a guess.
func New(d Deps) (*Console, error) {
	msg, err := LoadMessages(defaultLang)
	if err != nil {
		return nil, err
	}
	pages, err := resolvePages(d.Policy)
	if err != nil {
		return nil, err
	}
	v, err := parseViews(msg)
	if err != nil {
		return nil, err
	}
	c := &Console{
		deps: d, msg: msg, pages: pages, views: v, log: log.NewHelper(d.Logger),
		csrf: csrf{key: d.Issuer.DeriveKey("groupbuy console csrf")},
		sessions: &sessions{key: d.Issuer.DeriveKey("groupbuy console session"), verify: d.Issuer,
			marks: d.Marks, idle: defaultIdle, now: d.Clock},
	}
	if err := c.routes(); err != nil {
		return nil, err
	}
	return c, nil
}

// ServeHTTP serves the console with its security headers on every response.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secureHeaders(c.mux).ServeHTTP(w, r)
}

func (c *Console) routes() error {
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return fmt.Errorf("console static files: %w", err)
	}
	m := http.NewServeMux()
	m.Handle("GET "+Prefix+"static/", cacheStatic(http.StripPrefix(Prefix+"static/", http.FileServerFS(static))))
	m.HandleFunc("GET "+Prefix+"login", c.loginPage)
	m.HandleFunc("POST "+Prefix+"login", c.auditedSignIn(c.login))
	m.HandleFunc("POST "+Prefix+"logout", c.signedIn(nil, c.audited(logoutOp, c.logout)))
	m.HandleFunc("GET "+Prefix+"{$}", c.signedIn(nil, c.home))
	for _, p := range c.pages {
		serve := p.serve
		var h handlerFunc = func(w http.ResponseWriter, r *http.Request, rc *reqCtx) { serve(c, w, r, rc) }
		if strings.HasPrefix(p.route, http.MethodPost+" ") {
			h = c.audited(p.op, h) // every form changes state: its use is recorded
		} else {
			h = c.recovered(h)
		}
		m.HandleFunc(p.route, c.signedIn(p.roles, h))
	}
	m.HandleFunc(Prefix, c.signedIn(nil, func(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
		c.fail(w, r, rc, http.StatusNotFound, "error.not_found")
	}))
	c.mux = m
	return nil
}

// cacheStatic lets browsers keep the embedded assets for an hour: they change only with the binary.
func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}
