package middleware

import (
	"context"
	"fmt"
	"runtime"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/middleware/recovery"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
)

// Recover turns a panic into INTERNAL and logs it with its stack.
func Recover(logger log.Logger) middleware.Middleware {
	helper := log.NewHelper(logger)
	return recovery.Recovery(recovery.WithHandler(func(ctx context.Context, _, p any) error {
		buf := make([]byte, 64<<10)
		buf = buf[:runtime.Stack(buf, false)]
		helper.WithContext(ctx).Errorw("msg", "panic", "panic", fmt.Sprint(p), "stack", string(buf))
		return v1.ErrorInternal("internal error")
	}))
}
