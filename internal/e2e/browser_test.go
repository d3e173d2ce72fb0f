package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser is the one headless Chromium of the package, started by the first test that needs it
// and shared by all: each test opens its own tab in its own browser context (its own cookies),
// which costs milliseconds where a browser costs a second.
var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	err    error
}

// shotsEnv names a folder that keeps a copy of every screenshot: the tests' own copies are in
// their temporary folders, which go when the test ends.
const shotsEnv = "GROUPBUY_CONSOLE_SCREENSHOTS"

func startBrowser() (context.Context, error) {
	browser.once.Do(func() {
		path, err := exec.LookPath("chromium")
		if err != nil {
			browser.err = fmt.Errorf("chromium is not installed (`make test` installs Debian's chromium): %w", err)
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.WindowSize(1280, 860), chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("lang", "zh-CN"))
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		if err := chromedp.Do(bctx); err != nil { // starts the browser
			bcancel()
			acancel()
			browser.err = fmt.Errorf("start chromium: %w", err)
			return
		}
		browser.ctx, browser.cancel = bctx, func() { bcancel(); acancel() }
	})
	return browser.ctx, browser.err
}

// stopBrowser ends the package's browser, if one started; TestMain calls it.
func stopBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
}

// tab is one test's browser tab. It records every JavaScript error, console error, failed
// request and error status the pages cause; the test fails at its end if any was not expected.
type tab struct {
	t     *testing.T
	ctx   context.Context
	base  string
	name  string // the tab's part of its screenshots' names
	shots string
	n     int

	mu       sync.Mutex
	problems []string
	allowed  []*regexp.Regexp
}

// openTab opens a tab on base (http://host:port) in a fresh browser context; its screenshots
// are named name-NN-page.png.
func openTab(t *testing.T, base, name string) *tab {
	t.Helper()
	bctx, err := startBrowser()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	tb := &tab{t: t, ctx: ctx, base: base, name: name, shots: t.TempDir()}
	if err := chromedp.Listen(ctx, tb.record); err != nil {
		cancel()
		t.Fatalf("open a tab: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if p := tb.unexpected(); len(p) > 0 {
			t.Errorf("the pages logged errors or failed requests:\n  %s", strings.Join(p, "\n  "))
		}
		t.Logf("screenshots of the pages %s visited: %s", name, tb.shots)
	})
	return tb
}

// record runs on the tab's event loop: it only appends.
func (tb *tab) record(ev any) {
	var p string
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		p = "exception: " + e.ExceptionDetails.Text
		if ex := e.ExceptionDetails.Exception; ex != nil {
			p += " " + ex.Description
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			p = "console." + string(e.Type) + ": " + strings.Join(args, " ")
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			p = fmt.Sprintf("log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL)
		}
	case *network.EventLoadingFailed:
		if !e.Canceled {
			p = fmt.Sprintf("request failed: %s %s", e.ErrorText, e.BlockedReason)
		}
	case *network.EventResponseReceived:
		if e.Response.Status >= 400 {
			p = fmt.Sprintf("HTTP %d %s", e.Response.Status, e.Response.URL)
		}
	}
	if p != "" {
		tb.mu.Lock()
		tb.problems = append(tb.problems, p)
		tb.mu.Unlock()
	}
}

// expectStatus tells the tab that the page about to load answers status on purpose (a refused
// form, a forbidden page): its response and the browser's log line about it are no problem.
func (tb *tab) expectStatus(status int) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.allowed = append(tb.allowed, regexp.MustCompile(fmt.Sprintf(`^HTTP %d |status of %d `, status, status)))
}

// unexpected returns the problems recorded so far that no expectStatus covers, and forgets all.
func (tb *tab) unexpected() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []string
	for _, p := range tb.problems {
		ok := false
		for _, re := range tb.allowed {
			ok = ok || re.MatchString(p)
		}
		if !ok {
			out = append(out, p)
		}
	}
	tb.problems, tb.allowed = nil, nil
	return out
}

// do runs browser steps within 20 seconds.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// visit opens path, waits for sel, and saves a screenshot named name.
func (tb *tab) visit(path, sel, name string) {
	tb.t.Helper()
	tb.do("open "+path, chromedp.Navigate(tb.base+path), chromedp.WaitVisible(chromedp.CSS(sel)))
	tb.shot(name)
}

// submit clicks button and waits for sel on what comes back, then saves a screenshot.
func (tb *tab) submit(button, sel, name string) {
	tb.t.Helper()
	tb.do("click "+button, chromedp.Click(chromedp.CSS(button)), chromedp.WaitVisible(chromedp.CSS(sel)))
	tb.shot(name)
}

// fill types value into the input sel, replacing what it held. It empties the input in the page
// and types into the focused element instead of using chromedp's Clear and SendKeys: SendKeys
// reads the node's attributes without its lock while the tab's event loop rewrites them (Clear's
// own change of the value attribute arrives as such an event), a data race -race reports.
func (tb *tab) fill(sel, value string) {
	tb.t.Helper()
	empty := fmt.Sprintf("document.querySelector(%q).value = ''", sel)
	tb.do("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[string](empty))
			return err
		}),
		chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(value))
}

// setValue sets the value of the input sel as a picker would (a datetime-local input takes no
// typed keys in every locale).
func (tb *tab) setValue(sel, value string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	js := fmt.Sprintf("(() => { const e = document.querySelector(%q); e.value = %q; return e.value })()", sel, value)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil || !strings.HasPrefix(value, got) || got == "" { // the input drops ":00" seconds
		tb.t.Fatalf("set %s to %q: got %q, %v", sel, value, got, err)
	}
}

// count is how many elements match sel now.
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		tb.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// text is the visible text of sel. A page that refreshes part of itself (htmx polling a running
// settlement run) may replace the node between finding it and reading it: the read is tried
// again on the new node.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	for {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err == nil {
			return s
		}
		if !strings.Contains(err.Error(), "No node with given id") || ctx.Err() != nil {
			tb.t.Fatalf("read %s: %v", sel, err)
		}
	}
}

// location is the page's path and query.
func (tb *tab) location() string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatalf("read the location: %v", err)
	}
	return strings.TrimPrefix(u, tb.base)
}

// cookies are the tab's cookies as a Cookie header value.
func (tb *tab) cookies() string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	var header []string
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.base + "/console/"}})
		if err != nil {
			return err
		}
		for _, c := range res.Cookies {
			header = append(header, (&http.Cookie{Name: c.Name, Value: c.Value}).String())
		}
		return nil
	}))
	if err != nil {
		tb.t.Fatalf("read cookies: %v", err)
	}
	return strings.Join(header, "; ")
}

// shot saves a full-page PNG as tab-NN-name.png in the test's folder (and in $GROUPBUY_CONSOLE_SCREENSHOTS).
func (tb *tab) shot(name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	tb.n++
	file := fmt.Sprintf("%s-%02d-%s.png", tb.name, tb.n, name)
	dirs := []string{tb.shots}
	if d := os.Getenv(shotsEnv); d != "" {
		dirs = append(dirs, filepath.Join(d, tb.t.Name()))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, file), png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
}
