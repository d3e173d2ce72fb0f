package middleware

import (
	"context"
	"errors"

	"github.com/go-kratos/kratos/v2/middleware"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
)

// validator is what protoc-gen-validate generates for every message with rules.
type validator interface{ Validate() error }

// fieldError is one broken rule, as protoc-gen-validate reports it.
type fieldError interface {
	Field() string
	Reason() string
}

// Validate checks every request against the rules declared in its proto before the handler
// runs, and answers INVALID_ARGUMENT naming the field.
func Validate() middleware.Middleware {
	return func(next middleware.Handler) middleware.Handler {
		return func(ctx context.Context, req any) (any, error) {
			v, ok := req.(validator)
			if !ok {
				return next(ctx, req)
			}
			if err := v.Validate(); err != nil {
				return nil, invalid(err)
			}
			return next(ctx, req)
		}
	}
}

func invalid(err error) error {
	var fe fieldError
	if errors.As(err, &fe) {
		return v1.ErrorInvalidArgument("%s: %s", fe.Field(), fe.Reason()).
			WithMetadata(map[string]string{"field": fe.Field()})
	}
	return v1.ErrorInvalidArgument("%v", err)
}
