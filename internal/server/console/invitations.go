package console

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/invite"
	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

const (
	invitationsPath = "/console/ops/invitations"
	// invitationsPerPage is the page size of the invitations list, within the API's limit.
	invitationsPerPage = 50
)

// invitationStates are the states the filter offers, as the API accepts them; "" is all.
var invitationStates = lifecycle.Strings(invite.InvitationLifecycle.States())

// stateCount is one state's count in the overview.
type stateCount struct {
	State string
	N     int
}

// invitationsData is the 邀请有礼 programme as ops see it (the API's ListInvitations): the counts
// by state, of everyone or of one inviter, the cap per inviter, and a page of invitations,
// newest first, by state and inviter.
type invitationsData struct {
	State        string
	States       []string
	Inviter      int64
	Before, Next int64
	Counts       []stateCount
	Total        int
	Rewarded     int
	Cap          int
	Invitations  []invitationRow
}

// invitationRow is an invitation with its reason in words.
type invitationRow struct {
	*invite.Invitation
	ReasonText string
}

// Href is the list's address in state with the same inviter, from before.
func (d *invitationsData) Href(state string, before int64) template.URL {
	inviter := ""
	if d.Inviter > 0 {
		inviter = strconv.FormatInt(d.Inviter, 10)
	}
	return keysetHref(invitationsPath, before, "state", state, "inviter", inviter)
}

// CapReached reports whether the inviter shown has been rewarded as often as the cap allows.
func (d *invitationsData) CapReached() bool {
	return d.Inviter > 0 && d.Cap > 0 && d.Rewarded >= d.Cap
}

func (c *Console) invitationsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	q := r.URL.Query()
	d := &invitationsData{States: invitationStates, State: oneOf(q.Get("state"), invitationStates...),
		Inviter: queryID(r, "inviter"), Before: queryID(r, "before")}
	o, err := c.deps.Invitations.Overview(r.Context(), invite.Filter{State: invite.InvitationState(d.State),
		InviterID: d.Inviter, BeforeID: d.Before, Limit: invitationsPerPage + 1})
	if err != nil {
		c.internal(w, r, rc, err)
		return
	}
	invs := o.Invitations
	if len(invs) > invitationsPerPage {
		invs = invs[:invitationsPerPage]
		d.Next = invs[len(invs)-1].ID
	}
	for _, inv := range invs {
		d.Invitations = append(d.Invitations, invitationRow{Invitation: inv, ReasonText: c.reasonText(inv.Reason)})
	}
	d.Cap = o.Cap
	for _, s := range invitationStates {
		n := o.Counts[invite.InvitationState(s)]
		d.Counts = append(d.Counts, stateCount{State: s, N: n})
		d.Total += n
	}
	d.Rewarded = o.Counts[invite.InvitationRewarded]
	c.render(w, r, http.StatusOK, "invitations", c.frame(rc, "invitations.heading", invitationsPath), d)
}

func init() {
	viewNames = append(viewNames, "invitations")
}

// invitationReasons are the use case's reasons in words, by their opening; any other (a reward
// that could not be issued, with its cause) is shown as it is, for whoever looks into it.
var invitationReasons = []struct{ prefix, key string }{
	{"the invitee is the inviter", "invitations.reason_self"},
	{"the phone was invited before", "invitations.reason_phone"},
	{"the inviter reached its cap", "invitations.reason_capped"},
}

// reasonText is an invitation's reason as the page shows it.
func (c *Console) reasonText(reason string) string {
	for _, r := range invitationReasons {
		if strings.HasPrefix(reason, r.prefix) {
			return c.msg.T(r.key)
		}
	}
	return reason
}
