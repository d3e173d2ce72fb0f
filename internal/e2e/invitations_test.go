package e2e

import (
	"testing"
)

// A shopper invites another over the API: the code is its own to share, a shopper cannot use
// its own, a second code changes nothing, and ops see the invitation with both shoppers.
func TestInvitationsOverHTTP(t *testing.T) {
	s := start(t)
	inviter := s.login("o-e2e-inviter").str("accessToken")
	invitee := s.login("o-e2e-invitee").str("accessToken")
	other := s.login("o-e2e-other").str("accessToken")

	summary := s.call("GET", "/v1/shop/invitations/summary", inviter, nil)
	expect(t, summary, 200, "")
	code := summary.str("code")
	if code == "" || summary.body["cap"] != float64(20) {
		t.Fatalf("summary: %s", summary.raw)
	}
	expect(t, s.call("POST", "/v1/shop/invitations/accept", inviter, map[string]any{"code": code}), 409, "INVITATION_SELF")
	expect(t, s.call("POST", "/v1/shop/invitations/accept", invitee, map[string]any{"code": "not-a-code-at-all"}), 400, "INVALID_ARGUMENT")
	expect(t, s.call("POST", "/v1/shop/invitations/accept", invitee, map[string]any{"code": "x"}), 400, "INVALID_ARGUMENT")
	accepted := s.call("POST", "/v1/shop/invitations/accept", invitee, map[string]any{"code": code})
	expect(t, accepted, 200, "")
	if accepted.body["accepted"] != true {
		t.Fatalf("accept: %s", accepted.raw)
	}
	otherCode := s.call("GET", "/v1/shop/invitations/summary", other, nil).str("code")
	again := s.call("POST", "/v1/shop/invitations/accept", invitee, map[string]any{"code": otherCode})
	expect(t, again, 200, "")
	if again.body["accepted"] == true {
		t.Fatalf("a second code was accepted: %s", again.raw)
	}

	mine := s.call("GET", "/v1/shop/invitations", inviter, nil)
	expect(t, mine, 200, "")
	if list, _ := mine.body["invitations"].([]any); len(list) != 1 {
		t.Fatalf("the inviter's invitations: %s", mine.raw)
	}
	expect(t, s.call("GET", "/v1/ops/invitations", inviter, nil), 403, "FORBIDDEN")
	ops := s.call("GET", "/v1/ops/invitations?state=pending", s.ops(), nil)
	expect(t, ops, 200, "")
	list, _ := ops.body["invitations"].([]any)
	if len(list) != 1 {
		t.Fatalf("ops see %s", ops.raw)
	}
	expect(t, s.call("GET", "/v1/ops/invitations?state=bogus", s.ops(), nil), 400, "INVALID_ARGUMENT")
	expect(t, s.call("GET", "/v1/shop/invitations/summary", "", nil), 401, "UNAUTHENTICATED")
}
