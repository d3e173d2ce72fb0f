// Package fuzz holds the fuzz targets of package wechatpay: the bill parsers and Fen (the
// notification decoder is fuzzed through its routes, in internal/server/wechatnotify). They live
// apart from wechatpay's own tests so that `go test -fuzz`, which instruments every package of
// the test binary, builds only what these targets use, not the database and simulator harness
// of the integration tests.
package fuzz
