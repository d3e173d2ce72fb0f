package console

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/invite"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/data/invitestore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/testenv"
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

// The page on the invitation use case and its PostgreSQL store: the counts are the inviter's
// (or everyone's), the state filter and the keyset pages follow the store's order, newest first.
func TestInvitationsPageOnTheStore(t *testing.T) {
	db, cleanup, err := sqldb.Open(&conf.Data{Database: &conf.Data_Database{Driver: "postgres",
		Source: testenv.PostgresDSN(t), MaxOpenConns: 4}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	store := invitestore.NewStore(db)
	at := time.Now().Add(-time.Hour)
	add := func(inviter, invitee int64, state invite.InvitationState) {
		if _, _, err := store.Create(t.Context(), &invite.Invitation{InviterID: inviter, InviteeID: invitee, State: state, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range int64(invitationsPerPage + 5) {
		state := invite.InvitationPending
		if i%10 == 0 {
			state = invite.InvitationRefused
		}
		add(12, 1000+i, state)
	}
	add(13, 2000, invite.InvitationQualifying)
	c := testConsole(t)
	c.log = log.NewHelper(log.DefaultLogger)
	c.deps.Invitations = invite.NewUsecase(store, nil, nil, nil, nil, invite.Config{Cap: 20}, time.Now)
	rc := &reqCtx{account: &identity.ConsoleAccount{Username: "qian.ops", Role: identity.RoleOps}}
	get := func(query string) string {
		rec := httptest.NewRecorder()
		c.invitationsPage(rec, httptest.NewRequest("GET", invitationsPath+"?"+query, nil), rc)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", query, rec.Code, rec.Body.String())
		}
		return rec.Body.String()
	}

	all := get("")
	expectIn(t, "everyone's", all, `data-state="pending">49`, `data-state="refused">6`, `data-state="qualifying">1`,
		`data-testid="total">56`, `data-testid="cap">20 次`)
	if n := strings.Count(all, "<tr data-invitation="); n != invitationsPerPage {
		t.Errorf("the first page has %d rows, want %d", n, invitationsPerPage)
	}
	first := get("inviter=12")
	expectIn(t, "inviter 12's", first, `data-testid="total">55`, `data-state="qualifying">0`, "邀请人 12 的邀请")
	if strings.Contains(first, `data-invitation="56"`) {
		t.Error("another inviter's invitation is listed")
	}
	next := regexp.MustCompile(`href="/console/ops/invitations\?before=(\d+)&amp;inviter=12" data-testid="next-page"`).FindStringSubmatch(first)
	if next == nil {
		t.Fatal("the first page of 55 has no next page")
	}
	second := get("inviter=12&before=" + next[1])
	if n := strings.Count(second, "<tr data-invitation="); n != 5 || strings.Contains(second, `data-testid="next-page"`) {
		t.Errorf("the second page has %d rows (want 5) or a next page", n)
	}
	refused := get("inviter=12&state=refused")
	if n := strings.Count(refused, "<tr data-invitation="); n != 6 || strings.Count(refused, `class="state-refused"`) != 6 {
		t.Errorf("the refused filter lists %d rows", n)
	}
}
