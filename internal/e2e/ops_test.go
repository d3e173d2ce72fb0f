package e2e

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
)

// serve refuses a database without the program's migrations, naming them and the command to
// run; migrate says what it did each time; then serve starts.
func TestServeRefusesAnUnmigratedDatabase(t *testing.T) {
	t.Parallel()
	s := startWith(t, options{unmigrated: true})
	out, err := s.command(nil, "serve").CombinedOutput()
	if err == nil {
		t.Fatalf("serve on an empty database started:\n%s", out)
	}
	for _, want := range []string{"has no migrations", "0001_init", "groupbuy migrate -conf " + s.conf} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if out := s.run("migrate"); !strings.Contains(out, "applied ") {
		t.Errorf("first migrate said: %s", out)
	}
	if out := s.run("migrate"); !strings.Contains(out, "already at") {
		t.Errorf("second migrate said: %s", out)
	}
	s.serve()
}

// With no secrets in the environment, serve names every missing variable at once.
func TestServeListsEveryMissingSetting(t *testing.T) {
	t.Parallel()
	s := startWith(t, options{unmigrated: true})
	vars := []string{"GROUPBUY_JWT_SECRET", "GROUPBUY_WECHAT_APP_ID", "GROUPBUY_WECHAT_APP_SECRET",
		"GROUPBUY_PII_KEY_K1", "GROUPBUY_PICKUP_QR_KEY"}
	unset := make([]string, len(vars))
	for i, v := range vars {
		unset[i] = v + "="
	}
	out, err := s.command(unset, "serve").CombinedOutput()
	if err == nil {
		t.Fatalf("serve without secrets started:\n%s", out)
	}
	for _, v := range vars {
		if !strings.Contains(string(out), v) {
			t.Errorf("%s not named in:\n%s", v, out)
		}
	}
}

// On SIGTERM the server first turns /readyz to 503 while it still answers, for server.drain,
// then stops cleanly (the harness's clean-up checks the exit).
func TestSigtermDrainsBeforeClosing(t *testing.T) {
	t.Parallel()
	s := startWith(t, options{env: []string{"GROUPBUY_DRAIN=8s"}})
	if err := s.proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for {
		resp, err := http.Get(s.api + "/readyz")
		if err != nil {
			t.Fatalf("readyz refused during the drain window: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			break
		}
	}
	expect(t, s.call("GET", "/healthz", "", nil), 200, "")
}
