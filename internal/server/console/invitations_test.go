package console

import (
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/invite"
)

// The overview counts every state (0 for none), the total and the cap; a capped inviter is
// said so; the use case's reasons are in words; the pager keeps the state and the inviter.
func TestInvitationsPageRenders(t *testing.T) {
	c := testConsole(t)
	at := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	d := &invitationsData{States: invitationStates, State: "refused", Inviter: 12, Before: 90, Next: 70, Cap: 2, Rewarded: 2,
		Invitations: []invitationRow{{Invitation: &invite.Invitation{ID: 71, InviterID: 12, InviteeID: 30, State: invite.InvitationRefused,
			CreatedAt: at, Reason: "the phone was invited before"}, ReasonText: c.reasonText("the phone was invited before")},
			{Invitation: &invite.Invitation{ID: 70, InviterID: 12, InviteeID: 31, State: invite.InvitationRewarded, OrderID: 501,
				CreatedAt: at, QualifiedAt: at, RewardedAt: at}}}}
	for _, s := range invitationStates {
		n := map[string]int{"rewarded": 2, "refused": 1}[s]
		d.Counts = append(d.Counts, stateCount{State: s, N: n})
		d.Total += n
	}
	page := renderView(t, c.views, "invitations", d)
	expectIn(t, "the invitations page", page, `data-state="pending">0`, `data-state="rewarded">2`, `data-testid="total">3`,
		`data-testid="cap">2 次`, `data-testid="cap-reached"`, "邀请人 12 的邀请", "该手机号已被邀请过。", "#501",
		"2026-12-07 10:00:00", `href="/console/ops/invitations?before=70&amp;inviter=12&amp;state=refused"`,
		`<option value="refused" selected>`, `id="filter-inviter" value="12"`)
	if got := c.reasonText("inviter reward not issued: budget spent"); got != "inviter reward not issued: budget spent" {
		t.Errorf("an unknown reason is %q, want it as it is", got)
	}
	for _, s := range invitationStates {
		if _, ok := c.msg["invitation_state."+s]; !ok {
			t.Errorf("no label for invitation state %s", s)
		}
	}
	d.Cap, d.Inviter = 0, 0
	if page := renderView(t, c.views, "invitations", d); !strings.Contains(page, "未开启") || strings.Contains(page, "cap-reached") {
		t.Error("a programme that is off is not said so")
	}
}
