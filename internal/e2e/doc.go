// Package e2e drives the real groupbuy binary over HTTP and gRPC exactly as the mini-programs and
// consoles do, with PostgreSQL, Redis and the WeChat simulator behind it. It has tests only.
package e2e
