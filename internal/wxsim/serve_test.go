package wxsim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

func TestStartAndStop(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", ":0"} {
		t.Run(addr, func(t *testing.T) {
			sim := wxsim.New(wxsim.Config{})
			base, stop, err := sim.Start(addr)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			if !strings.HasPrefix(base, "http://127.0.0.1:") {
				t.Errorf("base URL %q, want a loopback URL a client can dial", base)
			}
			h := &harness{t: t, sim: sim, base: base}
			if r := h.stableToken(wxsim.DemoAppID, wxsim.DemoSecret, false); r.AccessToken == "" {
				t.Fatalf("stable_token over Start: %+v", r.raw)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := stop(ctx); err != nil {
				t.Fatalf("stop: %v", err)
			}
			if err := stop(ctx); err != nil {
				t.Fatalf("second stop: %v", err)
			}
			if resp, err := http.Get(base + "/sim/v1/calls"); err == nil {
				resp.Body.Close()
				t.Fatal("the simulator still answers after stop")
			}
		})
	}
}

func TestStartOnABadAddress(t *testing.T) {
	if _, _, err := wxsim.New(wxsim.Config{}).Start("256.0.0.1:http"); err == nil {
		t.Fatal("Start on an invalid address succeeded")
	}
}
