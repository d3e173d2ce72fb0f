package auth

import (
	"strings"
	"testing"
	"time"

	jwtv5 "github.com/golang-jwt/jwt/v5"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/conf"
)

func TestPolicyCoversEveryRPC(t *testing.T) {
	p, err := LoadPolicy()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Access{
		"/groupbuy.v1.Auth/WechatLogin":             {Public: true},
		"/groupbuy.v1.Auth/GetMe":                   {Roles: []identity.Role{identity.RoleShopper, identity.RoleLeader}},
		"/groupbuy.v1.Console/UnlockConsoleAccount": {Roles: []identity.Role{identity.RoleAdmin}},
	}
	for op, w := range want {
		got, ok := p[op]
		if !ok || got.Public != w.Public || len(got.Roles) != len(w.Roles) {
			t.Errorf("%s: got %+v, want %+v", op, got, w)
		}
	}
	for _, op := range p.Operations() {
		if a := p[op]; !a.Public && len(a.Roles) == 0 {
			t.Errorf("%s is neither public nor role-restricted", op)
		}
	}
}

func TestIssuerRefusesShortSecret(t *testing.T) {
	if _, err := NewIssuer(&conf.Auth{JwtSecret: "too-short"}); err == nil {
		t.Fatal("a 9-byte secret was accepted")
	}
}

func TestTokensVerifyOnlyWithTheSameKeyAndAlgorithm(t *testing.T) {
	iss, err := NewIssuer(&conf.Auth{JwtSecret: strings.Repeat("k", 32), Issuer: "groupbuy"})
	if err != nil {
		t.Fatal(err)
	}
	p := identity.Principal{Kind: identity.SubjectUser, ID: 42, Roles: []identity.Role{identity.RoleShopper}}
	tok, err := iss.IssueAccessToken(p, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	parse := func(tok string, key func(*jwtv5.Token) (any, error)) (*Claims, error) {
		c := &Claims{}
		_, err := jwtv5.ParseWithClaims(tok, c, key)
		return c, err
	}
	c, err := parse(tok, iss.keyFunc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.principal()
	if err != nil || got.ID != 42 || got.Kind != identity.SubjectUser || !got.Has(identity.RoleShopper) {
		t.Fatalf("principal %+v, %v", got, err)
	}

	other, _ := NewIssuer(&conf.Auth{JwtSecret: strings.Repeat("x", 32)})
	if _, err := parse(tok, other.keyFunc); err == nil {
		t.Error("a token verified with another key")
	}
	none, _ := jwtv5.NewWithClaims(jwtv5.SigningMethodNone, c).SignedString(jwtv5.UnsafeAllowNoneSignatureType)
	if _, err := parse(none, iss.keyFunc); err == nil {
		t.Error("an unsigned (alg none) token verified")
	}
}

func TestClaimsRejectBadSubjects(t *testing.T) {
	for _, c := range []Claims{
		{RegisteredClaims: jwtv5.RegisteredClaims{Subject: "abc"}, Kind: identity.SubjectUser},
		{RegisteredClaims: jwtv5.RegisteredClaims{Subject: "0"}, Kind: identity.SubjectUser},
		{RegisteredClaims: jwtv5.RegisteredClaims{Subject: "7"}, Kind: "robot"},
	} {
		if _, err := c.principal(); err == nil {
			t.Errorf("claims %+v accepted", c)
		}
	}
}
