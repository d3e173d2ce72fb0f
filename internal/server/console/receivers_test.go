package console

import (
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// A failed registration shows WeChat's reason and, to those who may retry, a retry form with
// the CSRF token; the pager keeps the filters.
func TestReceiversPageRenders(t *testing.T) {
	v := testViews(t)
	d := &receiversData{States: regStates, State: "failed", Leader: 3, Before: 90, Next: 40, CanRetry: true,
		Regs: []payment.RegistrationRecord{{ID: 41, LeaderID: 3, State: payment.RegistrationFailed, Attempts: 2,
			LastError: "PARAM_ERROR: 分账接收方姓名不匹配"}, {ID: 40, LeaderID: 3, State: payment.RegistrationDone}}}
	page := renderView(t, v, "receivers", d)
	for _, want := range []string{`action="/console/receivers/41/retry"`, "PARAM_ERROR: 分账接收方姓名不匹配", `value="tok"`,
		`href="/console/receivers?state=failed&amp;leader=3&amp;before=40"`, `<option value="failed" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the receivers page lacks %s", want)
		}
	}
	if strings.Count(page, `data-testid="retry-reg"`) != 1 {
		t.Error("a done registration is offered a retry")
	}
	d.CanRetry = false
	if strings.Contains(renderView(t, v, "receivers", d), "retry-reg") {
		t.Error("a role the API does not let retry is offered a retry")
	}
	msg, _ := LoadMessages(defaultLang)
	for _, s := range regStates {
		if _, ok := msg["reg."+string(s)]; !ok {
			t.Errorf("no label for registration state %s", s)
		}
	}
}
