package conf

import (
	"fmt"
	"strings"
)

// DevBuildTag is the build tag that links the development stand-ins: the in-process Redis
// (miniredis), the SQLite driver and the in-process WeChat simulator (internal/wxsim). `make run`,
// `make build` and `make test` set it; a plain `go build ./app/groupbuy` is the production binary
// and links none of them (DevStandIns is false there).
const DevBuildTag = "dev"

// StandInError is the error of asking a binary built without the development stand-ins for one
// of them (what names it and the setting that asked for it).
func StandInError(what string) error {
	return fmt.Errorf("%s: development stand-in not linked into this binary (built without -tags %s): "+
		"build with -tags %s (make build, make run), or configure the real service as configs/postgres.yaml does",
		what, DevBuildTag, DevBuildTag)
}

// CheckStandIns refuses, at once and naming each, a configuration that asks for development
// stand-ins a binary built without them cannot give.
func CheckStandIns(bc *Bootstrap) error {
	if DevStandIns {
		return nil
	}
	var asked []string
	if bc.GetData().GetRedis().GetEmbedded() {
		asked = append(asked, "data.redis.embedded (in-process Redis)")
	}
	switch bc.GetData().GetDatabase().GetDriver() {
	case "sqlite", "sqlite3":
		asked = append(asked, "data.database.driver sqlite")
	}
	if bc.GetWechat().GetSimulator().GetEmbedded() {
		asked = append(asked, "wechat.simulator.embedded (in-process WeChat simulator)")
	}
	if len(asked) == 0 {
		return nil
	}
	return StandInError(strings.Join(asked, ", "))
}
