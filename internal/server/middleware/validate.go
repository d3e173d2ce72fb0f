package middleware

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/middleware"
	"google.golang.org/protobuf/proto"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
)

// violation is one broken rule: the field by its JSON path in the request (lines[0].quantity)
// and what the rule asks.
type violation struct {
	path, rule string
}

// Validate checks every request before the handler runs: the rules declared in its proto
// (protoc-gen-validate), then what every field of every request must satisfy whatever its
// rules (inputs.go). It answers INVALID_ARGUMENT naming each innermost field by its JSON path
// and the rule it broke; the metadata carries the first.
func Validate() middleware.Middleware {
	return func(next middleware.Handler) middleware.Handler {
		return func(ctx context.Context, req any) (any, error) {
			if vs := check(req, time.Now()); len(vs) > 0 {
				return nil, invalid(vs)
			}
			return next(ctx, req)
		}
	}
}

// check lists what is wrong with req, once per field, the declared rules first.
func check(req any, now time.Time) []violation {
	msg, ok := req.(proto.Message)
	if !ok {
		return nil
	}
	var vs []violation
	if v, ok := req.(interface{ ValidateAll() error }); ok {
		vs = ruleViolations(v.ValidateAll(), msg.ProtoReflect().Descriptor(), "")
	}
	vs = append(vs, inputViolations(msg.ProtoReflect(), now)...)
	return firstPerField(vs)
}

func firstPerField(vs []violation) []violation {
	seen := make(map[string]bool, len(vs))
	out := vs[:0]
	for _, v := range vs {
		if !seen[v.path] {
			seen[v.path] = true
			out = append(out, v)
		}
	}
	return out
}

func invalid(vs []violation) error {
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = fmt.Sprintf("%s: %s", v.path, v.rule)
	}
	return v1.ErrorInvalidArgument("%s", strings.Join(msgs, "; ")).
		WithMetadata(map[string]string{"field": vs[0].path, "rule": vs[0].rule})
}
