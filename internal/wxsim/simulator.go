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
	faults *faultQueue

	// Each half of WeChat keeps its own state behind its own lock.
	login  *loginState
	tokens *tokenState
	phones *phoneState
}

// New makes a simulator for cfg.
func New(cfg Config) *Simulator {
	s := &Simulator{
		apps:   maps.Clone(cfg.Apps),
		now:    cfg.Now,
		mux:    http.NewServeMux(),
		calls:  make(map[string]*atomic.Int64),
		faults: newFaultQueue(),
		login:  newLoginState(),
		tokens: newTokenState(),
		phones: newPhoneState(),
	}
	if len(s.apps) == 0 {
		s.apps = map[string]string{DemoAppID: DemoSecret}
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.routes()
	return s
}

// routes registers every API. The pay half adds its state to Simulator and one line here.
func (s *Simulator) routes() {
	s.loginRoutes()
	s.tokenRoutes()
	s.phoneRoutes()
	s.controlRoutes()
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
