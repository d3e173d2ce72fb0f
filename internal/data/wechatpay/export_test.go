package wechatpay

import "time"

// SetRetryDelays shortens the back-off for tests.
func SetRetryDelays(c *Client, base, maxDelay time.Duration) {
	c.cfg.Retry.BaseDelay, c.cfg.Retry.MaxDelay = base, maxDelay
}
