package e2e

import (
	"strconv"
	"strings"
	"testing"
)

// Console accounts are created by the program's command; five wrong passwords lock the account
// (even the right password is refused then) until an admin unlocks it.
func TestConsoleLoginAndLockout(t *testing.T) {
	s := start(t)
	create := func(username, role, password string) {
		t.Helper()
		out, err := s.command([]string{"GROUPBUY_ACCOUNT_PASSWORD=" + password},
			"account", "create", "-username", username, "-role", role).CombinedOutput()
		if err != nil {
			t.Fatalf("account create %s: %v\n%s", username, err, out)
		}
	}
	create("mei.finance", "finance", "correct horse battery")
	create("root-admin", "admin", "admin staple battery")

	out, err := s.command([]string{"GROUPBUY_ACCOUNT_PASSWORD=short"}, "account", "create", "-username", "weak", "-role", "ops").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "password") {
		t.Fatalf("weak password accepted: %v %s", err, out)
	}
	out, err = s.command([]string{"GROUPBUY_ACCOUNT_PASSWORD=correct horse battery"}, "account", "create", "-username", "mei.finance", "-role", "ops").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already exists") {
		t.Fatalf("duplicate account accepted: %v %s", err, out)
	}

	login := func(password string) reply {
		return s.call("POST", "/v1/console/login", "", map[string]string{"username": "mei.finance", "password": password})
	}
	ok := login("correct horse battery")
	expect(t, ok, 200, "")
	me := s.call("GET", "/v1/console/me", ok.str("accessToken"), nil)
	expect(t, me, 200, "")
	if me.str("role") != "ROLE_FINANCE" || me.str("username") != "mei.finance" {
		t.Fatalf("console me: %s", me.raw)
	}
	expect(t, s.call("POST", "/v1/console/login", "", map[string]string{"username": "nobody", "password": "x"}), 401, "CREDENTIALS_INVALID")

	for i := 1; i < 5; i++ {
		expect(t, login("wrong"), 401, "CREDENTIALS_INVALID")
	}
	locked := login("wrong")
	expect(t, locked, 429, "ACCOUNT_LOCKED")
	meta, _ := locked.body["metadata"].(map[string]any)
	if secs, _ := strconv.Atoi(meta["retry_after_seconds"].(string)); secs < 800 || secs > 900 {
		t.Fatalf("retry_after_seconds = %v, want about 900", meta["retry_after_seconds"])
	}
	expect(t, login("correct horse battery"), 429, "ACCOUNT_LOCKED")

	admin := s.call("POST", "/v1/console/login", "", map[string]string{"username": "root-admin", "password": "admin staple battery"})
	expect(t, admin, 200, "")
	expect(t, s.call("POST", "/v1/console/accounts/mei.finance/unlock", ok.str("accessToken"), "{}"), 403, "FORBIDDEN")
	expect(t, s.call("POST", "/v1/console/accounts/nobody/unlock", admin.str("accessToken"), "{}"), 404, "NOT_FOUND")
	expect(t, s.call("POST", "/v1/console/accounts/mei.finance/unlock", admin.str("accessToken"), "{}"), 200, "")
	expect(t, login("correct horse battery"), 200, "")

	// A console refresh keeps the console role.
	refreshed := s.call("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": ok.str("refreshToken")})
	expect(t, refreshed, 200, "")
	expect(t, s.call("GET", "/v1/console/me", refreshed.str("accessToken"), nil), 200, "")
}
