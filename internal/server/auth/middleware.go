package auth

import (
	"context"
	stderrors "errors"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/middleware/auth/jwt"
	"github.com/go-kratos/kratos/v2/transport"
	jwtv5 "github.com/golang-jwt/jwt/v5"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
)

// Middleware authenticates and authorizes every request by its operation's declared access:
// public operations pass untouched; others need a valid bearer token whose roles meet the
// declaration. An operation missing from the policy is refused, never let through. The token's
// access marks apply on every request: a revoked session is refused and a role taken away since
// the token was issued no longer counts. That is one Redis read, or none for a subject the
// replica knows has no mark (identity.AccessMarks says how it knows). Without Redis nothing
// passes.
func Middleware(issuer *Issuer, policy Policy, marks identity.AccessMarks) middleware.Middleware {
	verify := jwt.Server(issuer.keyFunc,
		jwt.WithSigningMethod(jwtv5.SigningMethodHS256),
		jwt.WithClaims(func() jwtv5.Claims { return &Claims{} }),
	)
	return func(next middleware.Handler) middleware.Handler {
		authorized := verify(func(ctx context.Context, req any) (any, error) {
			access, _ := policyOf(ctx, policy)
			claims, _ := jwt.FromContext(ctx)
			c, ok := claims.(*Claims)
			if !ok {
				return nil, v1.ErrorUnauthenticated("no claims in token")
			}
			p, err := issuer.principal(c)
			if err != nil {
				return nil, v1.ErrorUnauthenticated("token: %v", err)
			}
			if p, err = marks.Apply(ctx, p); err != nil {
				return nil, marksError(err)
			}
			if !p.Has(access.Roles...) {
				return nil, v1.ErrorForbidden("this endpoint is for %v", access.Roles)
			}
			return next(identity.WithPrincipal(ctx, p), req)
		})
		return func(ctx context.Context, req any) (any, error) {
			access, ok := policyOf(ctx, policy)
			if !ok {
				return nil, v1.ErrorForbidden("operation has no declared access")
			}
			if access.Public {
				return next(ctx, req)
			}
			reply, err := authorized(ctx, req)
			return reply, fromJWTError(err)
		}
	}
}

func marksError(err error) error {
	if stderrors.Is(err, identity.ErrSessionRevoked) {
		return v1.ErrorUnauthenticated("the session was logged out or revoked: log in again")
	}
	return v1.ErrorUnavailable("cannot check the session now: retry in a moment").WithCause(err)
}

func policyOf(ctx context.Context, policy Policy) (Access, bool) {
	tr, ok := transport.FromServerContext(ctx)
	if !ok {
		return Access{}, false
	}
	a, ok := policy[tr.Operation()]
	return a, ok
}

// fromJWTError gives the kratos jwt middleware's errors (reason UNAUTHORIZED) this API's reasons;
// an expired token gets its own so clients know to refresh rather than log in again.
func fromJWTError(err error) error {
	se := errors.FromError(err)
	if se == nil || se.Reason != jwt.ErrTokenExpired.Reason || se.Code != jwt.ErrTokenExpired.Code {
		return err
	}
	if se.Message == jwt.ErrTokenExpired.Message {
		return v1.ErrorTokenExpired("access token has expired: refresh it")
	}
	return v1.ErrorUnauthenticated("%s", se.Message)
}
