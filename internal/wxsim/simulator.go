package wxsim

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"sync/atomic"
	"time"
)

// Errors of the Go and control APIs, for errors.Is.
var (
	ErrUnknownApp  = errors.New("wxsim: unknown appid")
	ErrAppRequired = errors.New("wxsim: appid is required when the simulator serves more than one app")
)

// Simulator is an in-memory WeChat. All its methods and its handler are safe for concurrent
// use.
type Simulator struct {
	apps map[string]string // appid → secret; never written after New
	now  func() time.Time
	mux  *http.ServeMux

	// calls counts requests per operation. Its keys are fixed in New (registerOperation), so
	// it is read without a lock.
	calls  map[string]*atomic.Int64
	faults *faultQueue[Fault]
	// payCalls counts the WeChat Pay operations, kept apart so /sim/v1/calls goes on listing
	// the mini-program ones; GET /sim/v1/pay/calls lists these.
	payCalls map[string]*atomic.Int64

	// Each half of WeChat keeps its own state behind its own lock.
	login     *loginState
	tokens    *tokenState
	phones    *phoneState
	subscribe *subscribeState
	pay       *payState

	// clockOffset is what AdvanceClock added to the configured clock, in nanoseconds.
	clockOffset atomic.Int64
}

// New makes a simulator for cfg. It panics where Open returns an error (an invalid
// Config.Pay, an unreadable data directory), which a zero Config.Pay never is.
func New(cfg Config) *Simulator {
	s, err := Open(cfg)
	if err != nil {
		panic(err)
	}
	return s
}

// Open makes a simulator for cfg and, when cfg.Pay has a data directory, loads the pay state
// kept there and resumes its pending notifications. Call Close when done with it.
func Open(cfg Config) (*Simulator, error) {
	s := &Simulator{
		apps:      maps.Clone(cfg.Apps),
		mux:       http.NewServeMux(),
		calls:     make(map[string]*atomic.Int64),
		payCalls:  make(map[string]*atomic.Int64),
		faults:    newFaultQueue[Fault](),
		login:     newLoginState(),
		tokens:    newTokenState(),
		phones:    newPhoneState(),
		subscribe: newSubscribeState(),
	}
	if len(s.apps) == 0 {
		s.apps = map[string]string{DemoAppID: DemoSecret}
	}
	base := cfg.Now
	if base == nil {
		base = time.Now
	}
	s.now = func() time.Time { return base().Add(time.Duration(s.clockOffset.Load())) }
	payCfg, err := cfg.Pay.normalized(s.AppIDs())
	if err != nil {
		return nil, err
	}
	s.pay = newPayState(payCfg, s.now)
	s.routes()
	if err := s.pay.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// routes registers every API.
func (s *Simulator) routes() {
	s.loginRoutes()
	s.tokenRoutes()
	s.phoneRoutes()
	s.subscribeRoutes()
	s.shippingRoutes()
	s.controlRoutes()
	s.payRoutes()
	s.payControlRoutes()
}

// Handler serves WeChat's paths and the control API.
func (s *Simulator) Handler() http.Handler { return s.mux }

// AppIDs lists the apps the simulator serves, sorted.
func (s *Simulator) AppIDs() []string {
	ids := make([]string, 0, len(s.apps))
	for id := range s.apps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// resolveApp checks appid for the Go and control APIs. An empty appid means the only app, so
// single-app tests and demos need not repeat it.
func (s *Simulator) resolveApp(appid string) (string, error) {
	if appid == "" {
		if len(s.apps) != 1 {
			return "", ErrAppRequired
		}
		for id := range s.apps {
			return id, nil
		}
	}
	if _, ok := s.apps[appid]; !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownApp, appid)
	}
	return appid, nil
}

// authenticate checks an appid and secret as WeChat does: the appid first (40013), then the
// secret (40125).
func (s *Simulator) authenticate(appid, secret string) *wxError {
	want, ok := s.apps[appid]
	if !ok {
		return newWXError(ErrcodeInvalidAppID)
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 {
		return newWXError(ErrcodeInvalidSecret)
	}
	return nil
}
