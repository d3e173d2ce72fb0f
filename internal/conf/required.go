package conf

import (
	"encoding/base64"
	"fmt"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// requirement is a setting the service cannot run without.
type requirement struct {
	key     string // dotted path in the file
	get     func(*Bootstrap) string
	problem func(string) string // why a given value is unusable, or ""
	hint    string              // how to make one (a command) or where to find it
}

// requirements are the settings `groupbuy serve` needs, with how to get each. Checked together
// at start, so an operator fixes them in one go instead of one per restart.
func requirements(bc *Bootstrap) []requirement {
	activeKey := bc.GetSecurity().GetPersonalData().GetActiveKeyId()
	reqs := []requirement{
		{key: "auth.jwt_secret", get: func(b *Bootstrap) string { return b.GetAuth().GetJwtSecret() },
			problem: minBytes(32), hint: "generate: openssl rand -base64 48"},
		{key: "wechat.mini_program.app_id", get: func(b *Bootstrap) string { return b.GetWechat().GetMiniProgram().GetAppId() },
			hint: "the mini-program's AppID: mp.weixin.qq.com, 开发管理 → 开发设置"},
		{key: "wechat.mini_program.app_secret", get: func(b *Bootstrap) string { return b.GetWechat().GetMiniProgram().GetAppSecret() },
			hint: "the mini-program's AppSecret: mp.weixin.qq.com, 开发管理 → 开发设置"},
		{key: "security.personal_data.active_key_id", get: func(b *Bootstrap) string { return activeKey },
			hint: "a name of a key under security.personal_data.keys, e.g. k1"},
		{key: "checkout.pickup_qr_key", get: func(b *Bootstrap) string { return b.GetCheckout().GetPickupQrKey() },
			problem: base64Bytes(32, 0), hint: "generate: openssl rand -base64 32"},
	}
	if activeKey != "" {
		reqs = append(reqs, requirement{key: "security.personal_data.keys." + activeKey,
			get:     func(b *Bootstrap) string { return b.GetSecurity().GetPersonalData().GetKeys()[activeKey] },
			problem: base64Bytes(32, 32), hint: "generate: openssl rand -base64 32"})
	}
	if bc.GetInvitations().GetCap() > 0 {
		reqs = append(reqs, requirement{key: "invitations.key", get: func(b *Bootstrap) string { return b.GetInvitations().GetKey() },
			problem: base64Bytes(32, 0), hint: "generate: openssl rand -base64 32 (or set invitations.cap to 0)"})
	}
	return append(reqs, payRequirements(bc)...)
}

// payRequirements are WeChat Pay's settings once a merchant is configured, unless the embedded
// simulator generates them (simulator.pay_keys_dir).
func payRequirements(bc *Bootstrap) []requirement {
	w := bc.GetWechat()
	if w.GetPay().GetMchId() == "" || w.GetSimulator().GetPayKeysDir() != "" {
		return nil
	}
	const merchant = "from the merchant platform, pay.weixin.qq.com"
	pay := func(field string, get func(*Wechat_Pay) string, hint string) requirement {
		return requirement{key: "wechat.pay." + field, get: func(b *Bootstrap) string { return get(b.GetWechat().GetPay()) },
			hint: hint}
	}
	return []requirement{
		pay("merchant_serial", (*Wechat_Pay).GetMerchantSerial, "the serial of the merchant API certificate, "+merchant),
		pay("merchant_private_key", (*Wechat_Pay).GetMerchantPrivateKey, "apiclient_key.pem (PEM text or a path), "+merchant),
		pay("apiv3_key", (*Wechat_Pay).GetApiv3Key, "the APIv3 key set on the merchant platform (32 characters)"),
		pay("platform_public_key_id", (*Wechat_Pay).GetPlatformPublicKeyId, "PUB_KEY_ID_…, "+merchant),
		pay("platform_public_key", (*Wechat_Pay).GetPlatformPublicKey, "pub_key.pem (PEM text or a path), "+merchant),
		pay("notify_base_url", (*Wechat_Pay).GetNotifyBaseUrl, "this service's public https base URL"),
	}
}

func minBytes(n int) func(string) string {
	return func(v string) string {
		if len(v) < n {
			return fmt.Sprintf("%d bytes, at least %d needed", len(v), n)
		}
		return ""
	}
}

// base64Bytes wants standard base64 of at least least bytes (exactly that many when exact > 0).
func base64Bytes(least, exact int) func(string) string {
	return func(v string) string {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		switch {
		case err != nil:
			return "not base64"
		case exact > 0 && len(b) != exact:
			return fmt.Sprintf("base64 of %d bytes, exactly %d needed", len(b), exact)
		case len(b) < least:
			return fmt.Sprintf("base64 of %d bytes, at least %d needed", len(b), least)
		}
		return ""
	}
}

// CheckRequired reports every required setting that is missing or unusable in bc, loaded from
// the file at path, in one error: each by the environment variable that fills it there
// (GROUPBUY_JWT_SECRET for ${JWT_SECRET}), or by its key when the file has no placeholder for it,
// with how to make or find a value.
func CheckRequired(bc *Bootstrap, path string) error {
	vars, err := placeholders(path)
	if err != nil {
		return err
	}
	var lines []string
	for _, r := range requirements(bc) {
		v := r.get(bc)
		why := "missing"
		if v != "" {
			if r.problem == nil {
				continue
			}
			if why = r.problem(v); why == "" {
				continue
			}
		}
		name := r.key + " in " + path
		if env, ok := vars[r.key]; ok {
			name = env + " (" + r.key + ")"
		}
		lines = append(lines, fmt.Sprintf("  %s: %s; %s", name, why, r.hint))
	}
	if len(lines) == 0 {
		return nil
	}
	return fmt.Errorf("missing or invalid settings (see README, Configuration):\n%s", strings.Join(lines, "\n"))
}

// placeholder is a whole value of the form ${KEY} or ${KEY:default}.
var placeholder = regexp.MustCompile(`^\$\{([A-Za-z0-9_]+)(:.*)?\}$`)

// placeholders maps each key of the file whose value is a placeholder to the environment
// variable that fills it.
func placeholders(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // the operator's own -conf file, already loaded by Load
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse config %s: %w", path, err)
	}
	vars := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, sub := range v {
				walk(prefix+k+".", sub)
			}
		case string:
			if m := placeholder.FindStringSubmatch(strings.TrimSpace(v)); m != nil {
				vars[strings.TrimSuffix(prefix, ".")] = EnvPrefix + m[1]
			}
		}
	}
	walk("", doc)
	return vars, nil
}
