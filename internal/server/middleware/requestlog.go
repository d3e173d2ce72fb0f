// Package middleware holds the transport-neutral middleware of the HTTP and gRPC servers:
// request ids and access logs, metrics, and request validation.
package middleware

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/transport"
)

// RequestIDHeader carries the request id in and out (HTTP header, gRPC metadata).
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// RequestIDValuer adds the request id to every log line written with the request's context.
func RequestIDValuer() log.Valuer {
	return func(ctx context.Context) any { return RequestID(ctx) }
}

// RequestLog gives every request an id, echoes it in the reply, and writes one access-log line
// when the request ends. The id is new unless a trusted proxy sent a sane one: the audit log
// records it, so a client must not pick it (a client's own id is logged as client_request_id). It logs the operation, outcome and
// latency (the request id comes from the logger's valuer), never the request or reply bodies: they can hold codes, tokens, passwords and phones.
func RequestLog(logger log.Logger, proxies Proxies) middleware.Middleware {
	helper := log.NewHelper(logger)
	return func(next middleware.Handler) middleware.Handler {
		return func(ctx context.Context, req any) (any, error) {
			tr, ok := transport.FromServerContext(ctx)
			if !ok {
				return next(ctx, req)
			}
			id, theirs := newID(), tr.RequestHeader().Get(RequestIDHeader)
			if saneID(theirs) && proxies.trusts(peerAddr(ctx)) {
				id, theirs = theirs, ""
			}
			tr.ReplyHeader().Set(RequestIDHeader, id)
			ctx = context.WithValue(ctx, requestIDKey{}, id)

			start := time.Now()
			reply, err := next(ctx, req)
			se := errors.FromError(err)
			kv := []any{
				"kind", tr.Kind().String(), "operation", tr.Operation(),
				"code", code(se), "reason", reason(se), "latency_ms", time.Since(start).Milliseconds(),
			}
			if saneID(theirs) {
				kv = append(kv, "client_request_id", theirs)
			}
			switch {
			case se != nil && se.Code >= 500:
				helper.WithContext(ctx).Errorw(append(kv, "error", err.Error())...)
			default:
				helper.WithContext(ctx).Infow(kv...)
			}
			return reply, err
		}
	}
}

// saneID accepts ids of up to 64 letters, digits, '-', '_' and '.', so a caller cannot inject
// log lines or huge headers.
func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !strings.ContainsRune(idChars, c) {
			return false
		}
	}
	return true
}

const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func code(se *errors.Error) int32 {
	if se == nil {
		return 200
	}
	return se.Code
}

func reason(se *errors.Error) string {
	if se == nil {
		return ""
	}
	return se.Reason
}
