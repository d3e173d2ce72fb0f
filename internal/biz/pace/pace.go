// Package pace is the port through which use cases keep their calls to WeChat Pay within the
// merchant's rate limits. WeChat counts calls per merchant (mchid), not per server: every
// replica's calls of one operation share one limit, so the pace is merchant-wide, shared by all
// replicas (internal/data implements it).
package pace

import (
	"context"
	"errors"
)

// Op is a WeChat Pay operation with a rate limit of its own.
type Op string

// The profit-sharing operations settlement calls. WeChat's per-merchant limits (requests a
// second; the sources are listed in internal/wxsim's WeChatPayRateLimits):
const (
	CreateOrder  Op = "create_order"  // 请求分账: 300
	QueryOrder   Op = "query_order"   // 查询分账结果: 80
	Unfreeze     Op = "unfreeze"      // 解冻剩余资金: 60
	CreateReturn Op = "create_return" // 请求分账回退: 30
)

// Ops are the paced operations.
var Ops = []Op{CreateOrder, QueryOrder, Unfreeze, CreateReturn}

// Pacer paces the merchant's calls of each operation.
type Pacer interface {
	// Wait blocks until a call of op may be made, or ctx ends (its error). A permit that would
	// come after ctx's deadline is not taken: ErrPastDeadline at once. An operation without a
	// configured rate is not paced.
	Wait(ctx context.Context, op Op) error
	// Limited reports that WeChat answered a call of op FREQUENCY_LIMITED: the whole merchant
	// slows down for a while, not only the caller.
	Limited(ctx context.Context, op Op)
}

// ErrPastDeadline says the next permit comes after the caller's deadline; none was taken.
var ErrPastDeadline = errors.New("pace: no permit before the deadline")

// Unpaced lets every call through at once: for tools and tests that pace nothing.
type Unpaced struct{}

// Wait returns at once.
func (Unpaced) Wait(context.Context, Op) error { return nil }

// Limited does nothing.
func (Unpaced) Limited(context.Context, Op) {}
