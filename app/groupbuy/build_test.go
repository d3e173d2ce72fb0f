package main

import (
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// devStandIn matches the packages of the development stand-ins: the in-process Redis, the SQLite
// driver (and golang-migrate's driver on it) and the WeChat simulator. (ariga.io/atlas/sql/sqlite,
// which ent's schema package imports, is SQL text only, no driver.)
var devStandIn = regexp.MustCompile(`^(github\.com/alicebob/miniredis\b|modernc\.org/sqlite\b|` +
	`github\.com/golang-migrate/migrate/v4/database/sqlite\b|github\.com/groupbuy/groupbuy/internal/wxsim\b)`)

// The production binary, a plain `go build ./app/groupbuy`, links none of the development
// stand-ins; the dev build (make run) links all of them.
func TestProductionBuildLinksNoDevStandIns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	linked := func(tags string) []string {
		out, err := exec.Command("go", "list", "-tags="+tags, "-deps", ".").Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("go list -tags=%q: %v\n%s", tags, err, ee.Stderr)
			}
			t.Fatalf("go list -tags=%q: %v", tags, err)
		}
		var found []string
		for _, pkg := range strings.Fields(string(out)) {
			if devStandIn.MatchString(pkg) {
				found = append(found, pkg)
			}
		}
		return found
	}
	if found := linked(""); len(found) > 0 {
		t.Errorf("the production build links development stand-ins: %v", found)
	}
	dev := strings.Join(linked("dev"), " ")
	for _, want := range []string{"github.com/alicebob/miniredis/v2", "modernc.org/sqlite",
		"github.com/golang-migrate/migrate/v4/database/sqlite", "github.com/groupbuy/groupbuy/internal/wxsim"} {
		if !strings.Contains(" "+dev+" ", " "+want+" ") {
			t.Errorf("the dev build does not link %s (it links %s)", want, dev)
		}
	}
}

// Without -conf, every command refuses and names what it needs, instead of taking the
// development file.
func TestCommandsRequireConf(t *testing.T) {
	for _, args := range [][]string{{"serve"}, {"migrate"}, {"ledger", "check"}, {"settle"},
		{"reconcile", "-day", time.Now().AddDate(0, 0, -7).Format(time.DateOnly)}, {"account", "unlock", "-username", "mei"}} {
		err := run(args)
		if !errors.Is(err, errNoConf) {
			t.Errorf("%v: %v, want %v", args, err, errNoConf)
			continue
		}
		for _, want := range []string{"-conf configs/postgres.yaml", "make run"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%v: %q does not name %q", args, err, want)
			}
		}
	}
}
