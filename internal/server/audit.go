package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/transport"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/audit"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/server/auth"
	mw "github.com/groupbuy/groupbuy/internal/server/middleware"
)

// consoleLoginOp is the staff's sign-in: public, yet recorded, failures above all.
const consoleLoginOp = "/groupbuy.v1.Console/ConsoleLogin"

// recordTimeout bounds writing one entry. The write outlives the request's own context: a
// client that hangs up after the action ran must not take its entry with it.
const recordTimeout = 5 * time.Second

// AuditedOperations are the operations the audit log records: every operation open to a staff
// role (ops, finance, admin) whose HTTP rule is not a GET, and the staff's sign-in. Reads are not
// recorded: they change nothing, and recording every list would drown the actions.
func AuditedOperations(policy auth.Policy) (map[string]bool, error) {
	ops := map[string]bool{consoleLoginOp: true}
	var err error
	protoregistry.GlobalFiles.RangeFilesByPackage("groupbuy.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				md := sd.Methods().Get(j)
				op := fmt.Sprintf("/%s/%s", sd.FullName(), md.Name())
				a, ok := policy[op]
				if !ok {
					err = fmt.Errorf("audit: %s is not in the access policy", op)
					return false
				}
				if staff(a) && !isGet(md) {
					ops[op] = true
				}
			}
		}
		return true
	})
	if _, ok := policy[consoleLoginOp]; !ok && err == nil {
		err = fmt.Errorf("audit: %s is not in the access policy", consoleLoginOp)
	}
	return ops, err
}

func staff(a auth.Access) bool {
	for _, r := range a.Roles {
		for _, c := range identity.ConsoleRoles {
			if r == c {
				return true
			}
		}
	}
	return false
}

func isGet(md protoreflect.MethodDescriptor) bool {
	opts, _ := md.Options().(*descriptorpb.MethodOptions)
	rule, _ := proto.GetExtension(opts, annotations.E_Http).(*annotations.HttpRule)
	return rule.GetGet() != ""
}

// Recording is what the audit middleware needs besides the use case.
type Recording struct {
	Issuer  *auth.Issuer
	Names   Usernames       // a console account's name and role (nil: none)
	Ops     map[string]bool // the operations recorded for everyone (AuditedOperations)
	Proxies mw.Proxies      // whose X-Forwarded-For gives the client's address
}

// Audit records every audited operation that reached it, with its outcome, through the audit
// use case. It runs after authentication, so the principal is known; a request refused before it
// (no token, wrong role) is in the access log, not here. The entry is written synchronously,
// after the action: simple, and nothing is lost with a crashed goroutine or a full queue; it
// costs one insert on actions that are a few a minute. A failed write is logged as an error and
// the action's own reply goes out unchanged: the action has happened, and failing its reply would
// hide that and invite the client to do it twice.
//
// Besides rec.Ops, a console account's own sessions are recorded: its refreshes and sign-outs
// through the API, which are public operations that everyone else uses too.
//
// rec.Names gives a console account's username, so that an admin finds a person's actions by
// name whichever way they came; it is one read by primary key, on actions only.
func Audit(logger log.Logger, uc *audit.Usecase, rec Recording) middleware.Middleware {
	h := log.NewHelper(logger)
	return func(next middleware.Handler) middleware.Handler {
		return func(ctx context.Context, req any) (any, error) {
			tr, ok := transport.FromServerContext(ctx)
			if !ok || !(rec.Ops[tr.Operation()] || sessionOps[tr.Operation()]) {
				return next(ctx, req)
			}
			ctx, note := audit.WithSubjectNote(ctx)
			reply, err := next(ctx, req)
			e := apiEntry(ctx, tr, req, reply, err, rec)
			if !rec.Ops[tr.Operation()] {
				if p, ok := sessionSubject(tr.Operation(), reply, note, rec.Issuer); ok {
					e.SubjectKind, e.SubjectID, e.Role = audit.WhoOf(p)
				} else {
					return reply, err // not a console account's session: not an action of the staff
				}
			}
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
			defer cancel()
			if e.Username == "" && e.SubjectKind == identity.SubjectConsole && e.SubjectID > 0 && rec.Names != nil {
				e.Username, e.Role = rec.Names.Account(rctx, e.SubjectID, e.Role)
			}
			if rerr := uc.Record(rctx, e); rerr != nil {
				h.WithContext(ctx).Errorw("msg", "audit: entry NOT recorded", "operation", e.Operation,
					"subject_kind", e.SubjectKind, "subject_id", e.SubjectID, "outcome", e.Outcome, "error", rerr)
			}
			return reply, err
		}
	}
}

// sessionOps are the public session operations recorded when a console account uses them.
var sessionOps = map[string]bool{refreshOp: true, logoutOp: true}

const (
	refreshOp = "/groupbuy.v1.Auth/Refresh"
	logoutOp  = "/groupbuy.v1.Auth/Logout"
)

// sessionSubject is the console account whose session a refresh or sign-out concerned: the
// refreshed tokens' subject, or whom the sign-out noted. A failed refresh names no one.
func sessionSubject(op string, reply any, note *audit.SubjectNote, issuer *auth.Issuer) (identity.Principal, bool) {
	p, ok := note.Subject()
	if op == refreshOp {
		p, ok = signedIn(reply, issuer)
	}
	return p, ok && p.Kind == identity.SubjectConsole
}

// Usernames names console accounts.
type Usernames interface {
	// Account is the username of account id, and its role when role is empty.
	Account(ctx context.Context, id int64, role string) (username, withRole string)
}

// ConsoleNames are the usernames of the console's accounts; "" for one it cannot read (the
// entry is still recorded, with the account's id).
type ConsoleNames struct{ Accounts *identity.ConsoleUsecase }

func (n ConsoleNames) Account(ctx context.Context, id int64, role string) (string, string) {
	a, err := n.Accounts.Me(ctx, identity.Principal{Kind: identity.SubjectConsole, ID: id})
	if err != nil {
		return "", role
	}
	if role == "" {
		role = string(a.Role)
	}
	return a.Username, role
}

// apiEntry is the entry of one API call.
func apiEntry(ctx context.Context, tr transport.Transporter, req, reply any, err error, rec Recording) audit.Entry {
	e := audit.Entry{Operation: tr.Operation(), Target: requestTarget(req), Channel: audit.ChannelAPI,
		RequestID: mw.RequestID(ctx), ClientIP: rec.Proxies.ClientAddr(ctx), Outcome: audit.OutcomeOK, Status: 200}
	if se := errors.FromError(err); se != nil {
		e.Outcome, e.Status = se.Reason, int(se.Code)
		if e.Outcome == "" {
			e.Outcome = "UNKNOWN"
		}
	}
	p, ok := identity.PrincipalFrom(ctx)
	if !ok && e.Operation == consoleLoginOp {
		p, ok = signedIn(reply, rec.Issuer)
		e.Username = req.(*v1.ConsoleLoginRequest).GetUsername() //nolint:forcetypeassert // the operation's request
		if !ok {
			p = identity.Principal{Kind: identity.SubjectConsole}
		}
	}
	e.SubjectKind, e.SubjectID, e.Role = audit.WhoOf(p)
	return e
}

// signedIn is the principal a successful sign-in's tokens stand for.
func signedIn(reply any, issuer *auth.Issuer) (identity.Principal, bool) {
	tp, ok := reply.(*v1.TokenPair)
	if !ok || tp == nil || issuer == nil {
		return identity.Principal{}, false
	}
	p, err := issuer.Verify(tp.GetAccessToken())
	return p, err == nil
}

// requestTarget is the request's main id: its field id, else the first set field named *_id,
// else username; empty when it has none. Only ids and usernames: a request's other fields can
// hold passwords, phones and codes.
func requestTarget(req any) string {
	m, ok := req.(proto.Message)
	if !ok {
		return ""
	}
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	pick := func(match func(name string) bool) string {
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if fd.IsList() || fd.IsMap() || !match(string(fd.Name())) || !r.Has(fd) {
				continue
			}
			switch fd.Kind() {
			case protoreflect.Int64Kind, protoreflect.Int32Kind, protoreflect.Sint64Kind, protoreflect.Sint32Kind:
				return strconv.FormatInt(r.Get(fd).Int(), 10)
			case protoreflect.Uint64Kind, protoreflect.Uint32Kind:
				return strconv.FormatUint(r.Get(fd).Uint(), 10)
			case protoreflect.StringKind:
				return r.Get(fd).String()
			}
		}
		return ""
	}
	for _, match := range []func(string) bool{
		func(n string) bool { return n == "id" },
		func(n string) bool { return strings.HasSuffix(n, "_id") },
		func(n string) bool { return n == "username" },
	} {
		if t := pick(match); t != "" {
			return t
		}
	}
	return ""
}
