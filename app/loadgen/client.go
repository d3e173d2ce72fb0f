package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/geo"
	"github.com/groupbuy/groupbuy/internal/server/auth"
)

// apiFlags are the flags of every command that calls the API.
type apiFlags struct {
	api, token, jwtSecret, jwtIssuer string
	timeout                          time.Duration
}

// apiFlagSet is the flag set of a command that calls the API, with the API flags registered.
func apiFlagSet(name string) (*flag.FlagSet, *apiFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	a := &apiFlags{}
	a.register(fs)
	return fs, a
}

func (a *apiFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.api, "api", "http://127.0.0.1:8000", "base URL of the HTTP API; the host must be a loopback address")
	fs.StringVar(&a.token, "token", "", "bearer token of a shopper")
	fs.StringVar(&a.jwtSecret, "jwt-secret", "", "mint a shopper token with this signing key instead of -token (default $GROUPBUY_JWT_SECRET)")
	fs.StringVar(&a.jwtIssuer, "jwt-issuer", "groupbuy", "issuer of a minted token (auth.issuer)")
	fs.DurationVar(&a.timeout, "timeout", 5*time.Second, "limit of one request")
}

// base checks the API URL: http, and a host on this machine only.
func (a *apiFlags) base() (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(a.api, "/"))
	if err != nil {
		return nil, fmt.Errorf("-api: %w", err)
	}
	if u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("-api %q: want http://HOST:PORT", a.api)
	}
	if !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("-api %q: refusing a host that is not a loopback address (this generator only loads this machine)", a.api)
	}
	u.Path = ""
	return u, nil
}

// isLoopback accepts localhost and loopback IP literals only: no name is resolved.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// bearer is -token, or a shopper token (user 1) minted with -jwt-secret (or $GROUPBUY_JWT_SECRET).
func (a *apiFlags) bearer() (string, error) {
	if a.token != "" {
		return a.token, nil
	}
	return a.mint(identity.SubjectUser, 1, identity.RoleShopper)
}

// mint signs an access token for any principal, valid for an hour, with -jwt-secret (or
// $GROUPBUY_JWT_SECRET).
func (a *apiFlags) mint(kind identity.SubjectKind, id int64, roles ...identity.Role) (string, error) {
	iss, err := a.issuer()
	if err != nil {
		return "", err
	}
	return iss.IssueAccessToken(identity.Principal{Kind: kind, ID: id, Roles: roles}, time.Now().Add(time.Hour))
}

func (a *apiFlags) issuer() (*auth.Issuer, error) {
	secret := a.jwtSecret
	if secret == "" {
		secret = os.Getenv("GROUPBUY_JWT_SECRET")
	}
	if secret == "" {
		return nil, errors.New("give -token, or -jwt-secret (or GROUPBUY_JWT_SECRET) to mint tokens")
	}
	return auth.NewIssuer(&conf.Auth{JwtSecret: secret, Issuer: a.jwtIssuer})
}

// newClient keeps up to conns connections alive to the one host, and counts the dials: with
// keep-alive working there is one per client for the whole run. timeout bounds the dial and the
// wait for response headers (a per-request Client.Timeout would cost a timer and a request copy
// per call in the generator's hot loop).
func newClient(conns int, timeout time.Duration, dials *atomic.Int64) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				dials.Add(1)
				return dialer.DialContext(ctx, network, addr)
			},
			MaxIdleConns:          conns,
			MaxIdleConnsPerHost:   conns, // the default of 2 would close and redial all but two
			MaxConnsPerHost:       conns,
			IdleConnTimeout:       90 * time.Second,
			DisableCompression:    true,
			ForceAttemptHTTP2:     false,
			ResponseHeaderTimeout: timeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// nearbyURL is the nearby request for q. Coordinates are written in full (shortest exact form),
// so the server searches exactly the point the in-process benchmarks do.
func nearbyURL(base *url.URL, q geo.LatLng, radius float64, pageSize int) string {
	v := url.Values{}
	v.Set("lat", strconv.FormatFloat(q.Lat, 'g', -1, 64))
	v.Set("lng", strconv.FormatFloat(q.Lng, 'g', -1, 64))
	v.Set("radius_m", strconv.FormatFloat(radius, 'g', -1, 64))
	v.Set("page_size", strconv.Itoa(pageSize))
	return base.String() + "/v1/pickup-points:nearby?" + v.Encode()
}

// nearbyReply is the JSON of NearbyPickupPointsReply (protojson: int64 as a string).
type nearbyReply struct {
	Points []struct {
		LeaderID  string  `json:"leaderId"`
		DistanceM float64 `json:"distanceM"`
	} `json:"points"`
}

// getNearby sends one nearby request and decodes a 200 reply.
func getNearby(ctx context.Context, c *http.Client, u, token string) ([]geo.Result, error) {
	code, body, err := call(ctx, c, http.MethodGet, u, token, nil, 1<<20)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", status(code), strings.TrimSpace(string(body)))
	}
	var r nearbyReply
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decode nearby reply: %w", err)
	}
	out := make([]geo.Result, len(r.Points))
	for i, p := range r.Points {
		if out[i].ID, err = strconv.ParseInt(p.LeaderID, 10, 64); err != nil {
			return nil, fmt.Errorf("nearby reply: leader id %q", p.LeaderID)
		}
		out[i].Meters = p.DistanceM
	}
	return out, nil
}

// call sends one request with a bearer token (token "": none) and, unless body is nil, a JSON
// body; it returns the status and at most limit bytes of the reply.
func call(ctx context.Context, c *http.Client, method, u, token string, body []byte, limit int64) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	return resp.StatusCode, reply, err
}

// status is an HTTP status as net/http writes it: "404 Not Found".
func status(code int) string { return strconv.Itoa(code) + " " + http.StatusText(code) }
