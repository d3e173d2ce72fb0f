package e2e

import (
	"fmt"
	"slices"
	"testing"
)

// refresh rotates a refresh token through the API.
func (s *stack) refresh(refreshToken string) reply {
	return s.call("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": refreshToken})
}

// A logged-out session, or one revoked because its refresh token was used twice, is refused on
// the next request, not when its access tokens expire; the user's other sessions go on.
func TestRevokedSessionIsRefusedAtOnce(t *testing.T) {
	s := start(t)

	login := s.login("o-e2e-logout")
	other := s.login("o-e2e-logout").str("accessToken") // the same user on another phone
	expect(t, s.call("GET", "/v1/me", login.str("accessToken"), nil), 200, "")
	expect(t, s.call("POST", "/v1/auth/logout", "", map[string]string{"refreshToken": login.str("refreshToken")}), 200, "")
	expect(t, s.call("GET", "/v1/me", login.str("accessToken"), nil), 401, "UNAUTHENTICATED")
	expect(t, s.call("GET", "/v1/me", other, nil), 200, "")

	login = s.login("o-e2e-reuse")
	stolen := s.refresh(login.str("refreshToken"))
	expect(t, stolen, 200, "")
	expect(t, s.call("GET", "/v1/me", stolen.str("accessToken"), nil), 200, "")
	expect(t, s.refresh(login.str("refreshToken")), 401, "REFRESH_TOKEN_REUSED")
	for _, access := range []string{login.str("accessToken"), stolen.str("accessToken")} {
		expect(t, s.call("GET", "/v1/me", access, nil), 401, "UNAUTHENTICATED")
	}
}

// A suspended or removed leader loses its leader powers on its next request, with the access
// token it already holds; a refreshed token carries the roles it has now, so a reinstated
// leader gets them back by refreshing.
func TestLeaderLosesItsRoleAtOnce(t *testing.T) {
	s := start(t)
	s.serveGrid(square, "人民广场")
	login := s.login("o-e2e-fallen-leader")
	applied := s.call("POST", "/v1/leader-applications", login.str("accessToken"), application(offset(square, 200, 0), ""))
	expect(t, applied, 200, "")
	id := fmt.Sprint(applied.body["id"])
	expect(t, s.call("POST", "/v1/ops/leaders/"+id+"/approve", s.ops(), "{}"), 200, "")
	pair := s.refresh(login.str("refreshToken"))
	expect(t, pair, 200, "")
	arrival := func(access string) reply {
		// No such batch: a caller with the leader role gets past authorization to NOT_FOUND.
		return s.call("POST", "/v1/leader/batches/999999/arrival", access, "{}")
	}
	leaderToken := pair.str("accessToken")
	expect(t, arrival(leaderToken), 404, "NOT_FOUND")

	expect(t, s.call("POST", "/v1/ops/leaders/"+id+"/suspend", s.ops(), map[string]string{"reason": "投诉较多"}), 200, "")
	expect(t, arrival(leaderToken), 403, "FORBIDDEN")
	expect(t, s.call("GET", "/v1/me", leaderToken, nil), 200, "") // still a shopper
	pair = s.refresh(pair.str("refreshToken"))
	expect(t, pair, 200, "")
	if roles := rolesOf(pair); slices.Contains(roles, "ROLE_LEADER") {
		t.Fatalf("a suspended leader's refreshed token has roles %v", roles)
	}

	expect(t, s.call("POST", "/v1/ops/leaders/"+id+"/reinstate", s.ops(), "{}"), 200, "")
	expect(t, arrival(pair.str("accessToken")), 403, "FORBIDDEN") // a token of the suspension
	pair = s.refresh(pair.str("refreshToken"))
	expect(t, pair, 200, "")
	leaderToken = pair.str("accessToken")
	expect(t, arrival(leaderToken), 404, "NOT_FOUND")

	expect(t, s.call("POST", "/v1/ops/leaders/"+id+"/remove", s.ops(), map[string]string{"reason": "严重违规"}), 200, "")
	expect(t, arrival(leaderToken), 403, "FORBIDDEN")
	pair = s.refresh(pair.str("refreshToken"))
	expect(t, pair, 200, "")
	if roles := rolesOf(pair); slices.Contains(roles, "ROLE_LEADER") || !slices.Contains(roles, "ROLE_SHOPPER") {
		t.Fatalf("a removed leader's refreshed token has roles %v", roles)
	}
	expect(t, arrival(pair.str("accessToken")), 403, "FORBIDDEN")
}

func rolesOf(r reply) []string {
	raw, _ := r.body["roles"].([]any)
	out := make([]string, len(raw))
	for i, v := range raw {
		out[i] = fmt.Sprint(v)
	}
	return out
}
