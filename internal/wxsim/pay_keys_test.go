package wxsim_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// `make run` creates the key set on the first run and reads the same one afterwards.
func TestPayDevKeysLoadOrCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wxpay")
	created, err := wxsim.LoadOrCreateDevPayKeys(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if created.MchID != wxsim.DemoMchID || len(created.APIv3Key) != 32 || len(created.MerchantSerial) != 40 || len(created.PublicKeyID) != 39 {
		t.Errorf("key set %s %q %s %s", created.MchID, created.APIv3Key, created.MerchantSerial, created.PublicKeyID)
	}
	loaded, err := wxsim.LoadOrCreateDevPayKeys(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.MerchantKey.Equal(created.MerchantKey) || !loaded.PlatformKey.Equal(created.PlatformKey) ||
		loaded.APIv3Key != created.APIv3Key || loaded.PublicKeyID != created.PublicKeyID || loaded.MerchantSerial != created.MerchantSerial {
		t.Error("the second run got other keys")
	}
	for _, name := range []string{wxsim.MerchantKeyFile, wxsim.PlatformKeyFile, wxsim.PayMetaFile} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", name, info.Mode(), err)
		}
	}
	if _, err := wxsim.Open(wxsim.Config{Pay: loaded.PayConfig()}); err != nil {
		t.Errorf("the key set's config: %v", err)
	}
}

func TestPayConfigRejectsBadKeys(t *testing.T) {
	if _, err := wxsim.Open(wxsim.Config{Pay: wxsim.PayConfig{APIv3Key: "short"}}); err == nil {
		t.Error("a 5-byte APIv3 key was accepted")
	}
	if _, err := wxsim.Open(wxsim.Config{Pay: wxsim.PayConfig{Merchants: map[string]wxsim.PayMerchant{"1": {}}}}); err == nil {
		t.Error("a merchant without a key was accepted")
	}
}
