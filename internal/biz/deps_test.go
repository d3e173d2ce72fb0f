package biz_test

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden are the packages biz must never import: the business rules stay free of storage,
// cache and vendor SDKs, which live behind ports in internal/data.
var forbidden = []string{
	"entgo.io/ent",
	"github.com/groupbuy/groupbuy/ent",
	"github.com/redis/go-redis",
	"github.com/wechatpay-apiv3/wechatpay-go",
	"github.com/go-kratos/kratos",
	"github.com/groupbuy/groupbuy/internal/data",
	"github.com/groupbuy/groupbuy/internal/server",
	"github.com/groupbuy/groupbuy/internal/service",
	"github.com/groupbuy/groupbuy/api",
	"database/sql",
}

func TestBizImportsNoInfrastructure(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test=false",
		"-f", `{{.ImportPath}}`, "github.com/groupbuy/groupbuy/internal/biz/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("internal/biz depends on %s", dep)
			}
		}
	}
}
