package layer

import (
	"errors"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// A message is refused before any shopper is read when WeChat would refuse it: a template the
// mini-program does not ask for, a keyword that is none, a value too long or empty, a page that
// is no path.
func TestMessageChecks(t *testing.T) {
	tg := &Targeting{cfg: TargetingConfig{Templates: []string{"tmpl-a"}}}
	good := Message{TemplateID: "tmpl-a", Page: "pages/batch/index?id=3",
		Data: map[string]string{"thing1": "本周新品到店", "character_string2": strings.Repeat("8", 32)}}
	if err := tg.checkMessage(good); err != nil {
		t.Fatalf("a good message: %v", err)
	}
	cases := map[string]func(m *Message){
		"unknown template":    func(m *Message) { m.TemplateID = "tmpl-b" },
		"no keyword":          func(m *Message) { m.Data = nil },
		"not a keyword":       func(m *Message) { m.Data = map[string]string{"title": "x"} },
		"thing of 21":         func(m *Message) { m.Data = map[string]string{"thing1": strings.Repeat("新", 21)} },
		"character_string 33": func(m *Message) { m.Data = map[string]string{"character_string2": strings.Repeat("8", 33)} },
		"blank value":         func(m *Message) { m.Data = map[string]string{"thing1": "  "} },
		"page with a scheme":  func(m *Message) { m.Page = "https://example.com" },
	}
	for name, edit := range cases {
		m := good
		m.Data = map[string]string{"thing1": "x"}
		edit(&m)
		var invalid *bizerr.InvalidError
		if err := tg.checkMessage(m); !errors.As(err, &invalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A report names one to three configured templates under a request id of the mini-program; the
// checks come before anything is stored.
func TestConsentReportChecks(t *testing.T) {
	c := NewConsents(nil, TargetingConfig{Templates: []string{"tmpl-a", "tmpl-b"}}, nil)
	cases := map[string]struct {
		user      int64
		request   string
		templates []string
	}{
		"no shopper":        {0, "req-00001", []string{"tmpl-a"}},
		"short request id":  {1, "req", []string{"tmpl-a"}},
		"no template":       {1, "req-00001", nil},
		"four templates":    {1, "req-00001", []string{"tmpl-a", "tmpl-b", "tmpl-a", "tmpl-b"}},
		"unknown template":  {1, "req-00001", []string{"tmpl-c"}},
		"request id spaces": {1, "req 00001 x", []string{"tmpl-a"}},
	}
	for name, tc := range cases {
		var invalid *bizerr.InvalidError
		if _, err := c.Report(t.Context(), tc.user, tc.request, tc.templates); !errors.As(err, &invalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
