package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/groupbuy/groupbuy/api/groupbuy/v1" // registers the API's descriptors
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/server/auth"
)

// route is one RPC's HTTP binding.
type route struct {
	op, method, path string
}

// routes reads every HTTP route of the API from the descriptors, so a new RPC is walked without
// touching this test.
func routes(t *testing.T) []route {
	var out []route
	protoregistry.GlobalFiles.RangeFilesByPackage("groupbuy.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				md := sd.Methods().Get(j)
				rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
				if rule == nil {
					t.Errorf("%s has no HTTP route", md.FullName())
					continue
				}
				r := route{op: fmt.Sprintf("/%s/%s", sd.FullName(), md.Name())}
				switch p := rule.GetPattern().(type) {
				case *annotations.HttpRule_Get:
					r.method, r.path = "GET", p.Get
				case *annotations.HttpRule_Post:
					r.method, r.path = "POST", p.Post
				case *annotations.HttpRule_Put:
					r.method, r.path = "PUT", p.Put
				case *annotations.HttpRule_Patch:
					r.method, r.path = "PATCH", p.Patch
				case *annotations.HttpRule_Delete:
					r.method, r.path = "DELETE", p.Delete
				}
				r.path = pathVar.ReplaceAllString(r.path, "101") // a number fits every path variable
				out = append(out, r)
			}
		}
		return true
	})
	return out
}

var pathVar = regexp.MustCompile(`\{[^}]+\}`)

// Every route, called as every role and as nobody: roles the route declares get past
// authentication and authorization (whatever the handler then says); others are refused with
// 401 (nobody) or 403 (wrong role). Public routes never refuse on identity.
func TestEveryRouteWithEveryRole(t *testing.T) {
	s := start(t)
	policy, err := auth.LoadPolicy()
	if err != nil {
		t.Fatal(err)
	}
	shopper := s.login("o-e2e-roles")
	callers := map[string]string{"anonymous": ""}
	for _, role := range []identity.Role{identity.RoleShopper, identity.RoleLeader} {
		callers[string(role)] = s.token(identity.SubjectUser, 1, time.Hour, role)
	}
	for _, role := range identity.ConsoleRoles {
		callers[string(role)] = s.token(identity.SubjectConsole, 1, time.Hour, role)
	}
	callers[string(identity.RoleShopper)] = shopper.str("accessToken")

	all := routes(t)
	if len(all) != len(policy) {
		t.Fatalf("%d routes but %d operations in the policy", len(all), len(policy))
	}
	for _, r := range all {
		access, ok := policy[r.op]
		if !ok {
			t.Fatalf("%s has no access policy", r.op)
		}
		for caller, token := range callers {
			t.Run(r.op+"/"+caller, func(t *testing.T) {
				got := s.call(r.method, r.path, token, "{}")
				identityRefusal := slices.Contains([]string{"UNAUTHENTICATED", "TOKEN_EXPIRED", "FORBIDDEN"}, got.reason())
				switch {
				case access.Public || slices.Contains(access.Roles, identity.Role(caller)):
					if identityRefusal {
						t.Fatalf("%s %s as %s refused: %d %s", r.method, r.path, caller, got.status, got.raw)
					}
				case caller == "anonymous":
					expect(t, got, 401, "UNAUTHENTICATED")
				default:
					expect(t, got, 403, "FORBIDDEN")
				}
			})
		}
	}
}
