//go:build dev

package redisdb

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"
)

// startEmbeddedRedis starts an in-process miniredis server on a free loopback port.
func startEmbeddedRedis() (addr string, stop func(), err error) {
	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return "", nil, fmt.Errorf("start embedded redis: %w", err)
	}
	return mr.Addr(), mr.Close, nil
}
