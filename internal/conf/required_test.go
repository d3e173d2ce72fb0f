package conf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// requiredVars are the variables configs/postgres.yaml needs from the environment.
var requiredVars = []string{
	"GROUPBUY_JWT_SECRET", "GROUPBUY_WECHAT_APP_ID", "GROUPBUY_WECHAT_APP_SECRET", "GROUPBUY_PII_KEY_K1",
	"GROUPBUY_PICKUP_QR_KEY",
}

// The deployment file with nothing in the environment: every required variable is named at
// once, each with how to make a value.
func TestPostgresConfigListsEveryMissingVariable(t *testing.T) {
	for _, v := range requiredVars {
		t.Setenv(v, "") // an empty variable counts as unset
	}
	const path = "../../configs/postgres.yaml"
	bc, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	err = CheckRequired(bc, path)
	if err == nil {
		t.Fatal("no error without any secret")
	}
	for _, v := range requiredVars {
		if !strings.Contains(err.Error(), v+" (") {
			t.Errorf("%s not reported:\n%v", v, err)
		}
	}
	for _, hint := range []string{"openssl rand -base64 48", "openssl rand -base64 32", "mp.weixin.qq.com"} {
		if !strings.Contains(err.Error(), hint) {
			t.Errorf("no %q in:\n%v", hint, err)
		}
	}

	t.Setenv("GROUPBUY_JWT_SECRET", strings.Repeat("j", 48))
	t.Setenv("GROUPBUY_WECHAT_APP_ID", "wx0123456789abcdef")
	t.Setenv("GROUPBUY_WECHAT_APP_SECRET", "secret")
	t.Setenv("GROUPBUY_PII_KEY_K1", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=") // 32 bytes
	t.Setenv("GROUPBUY_PICKUP_QR_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYh")
	if bc, err = Load(path); err != nil {
		t.Fatal(err)
	}
	if err := CheckRequired(bc, path); err != nil {
		t.Errorf("complete configuration refused: %v", err)
	}
}

// make run's file needs nothing from the environment: its WeChat Pay keys come from the
// embedded simulator.
func TestEmbeddedConfigNeedsNothing(t *testing.T) {
	const path = "../../configs/groupbuy.yaml"
	bc, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckRequired(bc, path); err != nil {
		t.Error(err)
	}
}

// Several settings wrong at once are all reported: missing ones, unusable ones (too short, not
// base64) and, once a merchant is set, WeChat Pay's; a setting with no placeholder by its key.
func TestCheckRequiredReportsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conf.yaml")
	err := os.WriteFile(path, []byte(`
auth:
  jwt_secret: ${SIGNING_KEY:short}
wechat:
  mini_program:
    app_id: ${APP:}
    app_secret: literal
  pay:
    mch_id: "1900000109"
    apiv3_key: ${PAY_V3:}
security:
  personal_data:
    active_key_id: k2
    keys:
      k2: ${PII_K2:bm90LTMyLWJ5dGVz}
checkout:
  pickup_qr_key: "not base64!"
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	bc, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	err = CheckRequired(bc, path)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"GROUPBUY_SIGNING_KEY (auth.jwt_secret): 5 bytes, at least 32 needed",
		"GROUPBUY_APP (wechat.mini_program.app_id): missing",
		"GROUPBUY_PII_K2 (security.personal_data.keys.k2): base64 of 12 bytes, exactly 32 needed",
		"checkout.pickup_qr_key in " + path + ": not base64",
		"GROUPBUY_PAY_V3 (wechat.pay.apiv3_key): missing",
		"wechat.pay.merchant_serial in " + path + ": missing",
		"wechat.pay.notify_base_url in " + path + ": missing",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no %q in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "app_secret") {
		t.Errorf("a set app secret reported:\n%v", err)
	}
}

// The embedded default asks for all three development stand-ins: a binary built without them
// refuses it naming each; a dev build takes it. The production file asks for none.
func TestCheckStandIns(t *testing.T) {
	bc, err := Load("../../configs/groupbuy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = CheckStandIns(bc)
	if DevStandIns {
		if err != nil {
			t.Errorf("dev build: %v", err)
		}
	} else {
		if err == nil {
			t.Fatal("production build took the embedded default")
		}
		for _, want := range []string{"data.redis.embedded", "data.database.driver sqlite", "wechat.simulator.embedded", "-tags dev"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q does not name %q", err, want)
			}
		}
	}
	prod, err := Load("../../configs/postgres.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckStandIns(prod); err != nil {
		t.Errorf("configs/postgres.yaml: %v", err)
	}
}
