package middleware

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	khttp "github.com/go-kratos/kratos/v2/transport/http"
	"google.golang.org/grpc/peer"
)

// Proxies are the networks of the load balancers in front of the service. Only a request that
// arrives from one of them may say, in X-Forwarded-For and X-Request-Id, where it came from and
// what it is called: any other client could write those headers to hide itself in the audit log.
type Proxies []netip.Prefix

// ParseProxies reads networks in CIDR form ("10.0.0.0/8") or single addresses.
func ParseProxies(nets []string) (Proxies, error) {
	out := make(Proxies, 0, len(nets))
	for _, s := range nets {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q is neither a network nor an address: %w", s, err)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// trusts reports whether addr (an IP, with or without a port) is one of the proxies.
func (ps Proxies) trusts(addr string) bool {
	a, ok := parseAddr(addr)
	if !ok {
		return false
	}
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP is the address an HTTP request came from: the peer, or, when the peer is a trusted
// proxy, the nearest address in X-Forwarded-For that is not one (the proxies append, so the
// entries to the left of the last untrusted one are the client's to invent).
func (ps Proxies) ClientIP(r *http.Request) string {
	peerIP := host(r.RemoteAddr)
	if !ps.trusts(peerIP) {
		return peerIP
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, ok := parseAddr(hop); !ok {
			break // a malformed hop: stop trusting the chain here
		}
		if !ps.trusts(hop) {
			return hop
		}
	}
	return peerIP
}

// RequestID is the id a plain HTTP request (the console's) goes by: the one a trusted proxy
// gave it, else a new one.
func (ps Proxies) RequestID(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); saneID(id) && ps.trusts(host(r.RemoteAddr)) {
		return id
	}
	return newID()
}

// peerAddr is the address of the API request's peer, HTTP or gRPC.
func peerAddr(ctx context.Context) string {
	if r, ok := khttp.RequestFromServerContext(ctx); ok {
		return host(r.RemoteAddr)
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		return host(p.Addr.String())
	}
	return ""
}

// ClientAddr is the address an API request came from (see ClientIP); for gRPC, the peer.
func (ps Proxies) ClientAddr(ctx context.Context) string {
	if r, ok := khttp.RequestFromServerContext(ctx); ok {
		return ps.ClientIP(r)
	}
	return peerAddr(ctx)
}

func host(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(host(s))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
