package wxsim

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The app a simulator serves when it is given none, and the one `make run` uses: a demo
// mini-program that exists only here.
const (
	DemoAppID  = "wxdemoapp000001"
	DemoSecret = "demosecret"
)

// Config configures a Simulator.
type Config struct {
	// Apps maps each mini-program appid the simulator knows to its secret. Nil or empty means
	// the one demo app (DemoAppID:DemoSecret).
	Apps map[string]string
	// Now tells the time for everything with a lifetime (codes, tokens, rate windows), so tests
	// can move time instead of sleeping. Nil means time.Now. Injected latency is real time.
	Now func() time.Time
	// Pay configures the WeChat Pay v3 half. Its zero value serves no merchant.
	Pay PayConfig
}

// ErrInvalidAppSpec reports an -app value that is not "appid:secret".
var ErrInvalidAppSpec = errors.New("wxsim: app must be appid:secret")

// ParseApps turns "appid:secret" specs, each possibly a comma-separated list of them, into the
// map Config.Apps takes. It backs the simulator command's repeatable -app flag.
func ParseApps(specs ...string) (map[string]string, error) {
	apps := make(map[string]string)
	for _, spec := range specs {
		for item := range strings.SplitSeq(spec, ",") {
			if err := addApp(apps, strings.TrimSpace(item)); err != nil {
				return nil, err
			}
		}
	}
	return apps, nil
}

// addApp adds one "appid:secret" item. An appid given twice is an error rather than "last one
// wins", because two secrets for one app is always a typo.
func addApp(apps map[string]string, item string) error {
	appid, secret, ok := strings.Cut(item, ":")
	if !ok || appid == "" || secret == "" {
		return fmt.Errorf("%w: %q", ErrInvalidAppSpec, item)
	}
	if _, dup := apps[appid]; dup {
		return fmt.Errorf("%w: appid %q given twice", ErrInvalidAppSpec, appid)
	}
	apps[appid] = secret
	return nil
}
