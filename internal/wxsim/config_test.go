package wxsim_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

func TestParseApps(t *testing.T) {
	tests := []struct {
		name  string
		specs []string
		want  map[string]string
		err   bool
	}{
		{name: "none", want: map[string]string{}},
		{name: "one", specs: []string{"wxa:s1"}, want: map[string]string{"wxa": "s1"}},
		{name: "repeated flag", specs: []string{"wxa:s1", "wxb:s2"}, want: map[string]string{"wxa": "s1", "wxb": "s2"}},
		{name: "comma-separated", specs: []string{"wxa:s1, wxb:s2"}, want: map[string]string{"wxa": "s1", "wxb": "s2"}},
		{name: "colon in secret", specs: []string{"wxa:s:1"}, want: map[string]string{"wxa": "s:1"}},
		{name: "no colon", specs: []string{"wxa"}, err: true},
		{name: "no secret", specs: []string{"wxa:"}, err: true},
		{name: "no appid", specs: []string{":s1"}, err: true},
		{name: "empty item", specs: []string{"wxa:s1,"}, err: true},
		{name: "appid twice", specs: []string{"wxa:s1", "wxa:s2"}, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wxsim.ParseApps(tt.specs...)
			if tt.err {
				if !errors.Is(err, wxsim.ErrInvalidAppSpec) {
					t.Fatalf("ParseApps = %v, %v; want ErrInvalidAppSpec", got, err)
				}
				return
			}
			if err != nil || !maps.Equal(got, tt.want) {
				t.Fatalf("ParseApps = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestNewCopiesApps(t *testing.T) {
	apps := map[string]string{"wxa": "s1"}
	sim := wxsim.New(wxsim.Config{Apps: apps})
	apps["wxb"] = "s2" // must not reach the simulator (nor race with it)
	if got := sim.AppIDs(); len(got) != 1 || got[0] != "wxa" {
		t.Fatalf("AppIDs = %v, want [wxa]", got)
	}
}
