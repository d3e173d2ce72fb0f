package middleware

import (
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	ps, err := ParseProxies([]string{"10.0.0.0/8", "192.0.2.1", "2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		peer, forwarded, want string
	}{
		{"198.51.100.7:4000", "", "198.51.100.7"},
		{"198.51.100.7:4000", "203.0.113.9", "198.51.100.7"},               // not a proxy: its header is its own invention
		{"10.1.2.3:4000", "203.0.113.9", "203.0.113.9"},                    // the balancer's word
		{"10.1.2.3:4000", "6.6.6.6, 203.0.113.9, 10.9.9.9", "203.0.113.9"}, // nearest untrusted hop
		{"10.1.2.3:4000", "6.6.6.6, not-an-ip", "10.1.2.3"},                // a broken chain is not followed
		{"10.1.2.3:4000", "", "10.1.2.3"},                                  // the balancer's own request
		{"[2001:db8::5]:4000", "203.0.113.9", "203.0.113.9"},
		{"192.0.2.1:4000", "192.0.2.1, 10.0.0.1", "192.0.2.1"}, // only proxies: the peer
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.forwarded != "" {
			r.Header.Set("X-Forwarded-For", c.forwarded)
		}
		if got := ps.ClientIP(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: client %s, want %s", c.peer, c.forwarded, got, c.want)
		}
	}
	if _, err := ParseProxies([]string{"10.0.0.0/33"}); err == nil {
		t.Error("a malformed network was accepted")
	}
}

func TestRequestIDOnlyFromAProxy(t *testing.T) {
	ps, _ := ParseProxies([]string{"10.0.0.0/8"})
	for peer, adopted := range map[string]bool{"10.0.0.1:1": true, "198.51.100.7:1": false} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header.Set(RequestIDHeader, "their-id")
		if got := ps.RequestID(r) == "their-id"; got != adopted {
			t.Errorf("from %s: adopted = %v, want %v", peer, got, adopted)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:1"
	r.Header.Set(RequestIDHeader, "bad id\nforged log line")
	if ps.RequestID(r) == "bad id\nforged log line" {
		t.Error("an insane id was adopted")
	}
}
