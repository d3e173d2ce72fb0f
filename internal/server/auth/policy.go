// Package auth authenticates requests with signed access tokens and authorizes them against the
// access that each RPC declares in the API (the groupbuy.v1.access method option).
package auth

import (
	"fmt"
	"sort"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// Access is who may call one operation.
type Access struct {
	Public bool
	Roles  []identity.Role
}

// Policy maps each operation ("/groupbuy.v1.Auth/GetMe") to its Access.
type Policy map[string]Access

// apiPackage is the proto package whose services the policy covers.
const apiPackage = "groupbuy.v1"

// LoadPolicy reads the access option of every RPC of the API. An RPC without one, or with
// neither public nor a role, is an error: the server must not start with an endpoint whose
// access nobody decided.
func LoadPolicy() (Policy, error) {
	p := Policy{}
	var err error
	protoregistry.GlobalFiles.RangeFilesByPackage(apiPackage, func(fd protoreflect.FileDescriptor) bool {
		for i := 0; i < fd.Services().Len() && err == nil; i++ {
			err = p.addService(fd.Services().Get(i))
		}
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("no RPCs found in proto package %s", apiPackage)
	}
	return p, nil
}

func (p Policy) addService(sd protoreflect.ServiceDescriptor) error {
	for j := 0; j < sd.Methods().Len(); j++ {
		md := sd.Methods().Get(j)
		op := fmt.Sprintf("/%s/%s", sd.FullName(), md.Name())
		a, err := accessOf(md)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		p[op] = a
	}
	return nil
}

func accessOf(md protoreflect.MethodDescriptor) (Access, error) {
	opts, _ := md.Options().(*descriptorpb.MethodOptions)
	decl, _ := proto.GetExtension(opts, v1.E_Access).(*v1.Access)
	if decl == nil || (!decl.GetPublic() && len(decl.GetRoles()) == 0) {
		return Access{}, fmt.Errorf("declares no access: add option (groupbuy.v1.access)")
	}
	if decl.GetPublic() && len(decl.GetRoles()) > 0 {
		return Access{}, fmt.Errorf("declares both public and roles")
	}
	a := Access{Public: decl.GetPublic()}
	for _, r := range decl.GetRoles() {
		role, ok := RoleFromAPI(r)
		if !ok {
			return Access{}, fmt.Errorf("declares unknown role %v", r)
		}
		a.Roles = append(a.Roles, role)
	}
	return a, nil
}

// Operations lists the policy's operations in order, for tests and diagnostics.
func (p Policy) Operations() []string {
	ops := make([]string, 0, len(p))
	for op := range p {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

var apiRoles = map[v1.Role]identity.Role{
	v1.Role_ROLE_SHOPPER: identity.RoleShopper,
	v1.Role_ROLE_LEADER:  identity.RoleLeader,
	v1.Role_ROLE_OPS:     identity.RoleOps,
	v1.Role_ROLE_FINANCE: identity.RoleFinance,
	v1.Role_ROLE_ADMIN:   identity.RoleAdmin,
}

// RoleFromAPI maps the API's role enum to the domain's.
func RoleFromAPI(r v1.Role) (identity.Role, bool) {
	role, ok := apiRoles[r]
	return role, ok
}

// RoleToAPI maps the domain's role to the API's enum.
func RoleToAPI(r identity.Role) v1.Role {
	for k, v := range apiRoles {
		if v == r {
			return k
		}
	}
	return v1.Role_ROLE_UNSPECIFIED
}
