package wxsim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
)

// rsaBits is the size of every key, as WeChat Pay's "RSA2048" names it.
const rsaBits = 2048

// The files a DevPayKeys directory holds. The first two are what the service loads, named as
// WeChat hands them to a merchant; the others are the simulator's side.
const (
	// MerchantKeyFile is the merchant's API private key (PKCS#8), as in a real apiclient_key.pem.
	MerchantKeyFile = "apiclient_key.pem"
	// PlatformPublicKeyFile is the WeChat Pay public key (PKIX) the service verifies with.
	PlatformPublicKeyFile = "pub_key.pem"
	// PlatformKeyFile is the simulator's private key behind PlatformPublicKeyFile.
	PlatformKeyFile = "wxpay_platform_key.pem"
	// PayMetaFile holds the mchid, the merchant serial, the public key id and the APIv3 key.
	PayMetaFile = "wxpay.json"
)

// DevPayKeys is a consistent development key set: one merchant's keys and the platform's, as
// WeChat Pay would issue them. It exists only for tests and `make run`.
type DevPayKeys struct {
	MchID string
	// MerchantKey signs the merchant's requests; MerchantSerial is its certificate serial.
	MerchantKey    *rsa.PrivateKey
	MerchantSerial string
	// PlatformKey is WeChat's side; PublicKeyID names its public half (Wechatpay-Serial).
	PlatformKey *rsa.PrivateKey
	PublicKeyID string
	// APIv3Key encrypts notifications (32 bytes).
	APIv3Key string
}

// payMeta is PayMetaFile's content.
type payMeta struct {
	MchID          string `json:"mchid"`
	MerchantSerial string `json:"merchant_serial"`
	PublicKeyID    string `json:"public_key_id"`
	APIv3Key       string `json:"apiv3_key"`
}

// GenerateDevPayKeys makes a fresh key set for merchant mchid (DemoMchID when empty).
func GenerateDevPayKeys(mchid string) (*DevPayKeys, error) {
	if mchid == "" {
		mchid = DemoMchID
	}
	merchant, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, fmt.Errorf("wxsim: generate merchant key: %w", err)
	}
	platform, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, fmt.Errorf("wxsim: generate platform key: %w", err)
	}
	return &DevPayKeys{
		MchID:          mchid,
		MerchantKey:    merchant,
		MerchantSerial: certificateSerial(),
		PlatformKey:    platform,
		PublicKeyID:    publicKeyID(&platform.PublicKey),
		APIv3Key:       randomString(apiV3KeyLength, alphanumeric),
	}, nil
}

// PayConfig is the simulator configuration that accepts this merchant and signs with this
// platform key. The caller may adjust the other fields.
func (k *DevPayKeys) PayConfig() PayConfig {
	return PayConfig{
		Merchants:   map[string]PayMerchant{k.MchID: {PublicKey: &k.MerchantKey.PublicKey, Serial: k.MerchantSerial}},
		APIv3Key:    k.APIv3Key,
		PlatformKey: k.PlatformKey,
		PublicKeyID: k.PublicKeyID,
	}
}

// WriteDir writes the key set into dir (created if missing), private files readable by the
// owner only.
func (k *DevPayKeys) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("wxsim: create %s: %w", dir, err)
	}
	merchantPEM, err := privateKeyPEM(k.MerchantKey)
	if err != nil {
		return err
	}
	platformPEM, err := privateKeyPEM(k.PlatformKey)
	if err != nil {
		return err
	}
	publicPEM, err := PublicKeyPEM(&k.PlatformKey.PublicKey)
	if err != nil {
		return err
	}
	meta, err := json.MarshalIndent(payMeta{k.MchID, k.MerchantSerial, k.PublicKeyID, k.APIv3Key}, "", "  ")
	if err != nil {
		return fmt.Errorf("wxsim: encode %s: %w", PayMetaFile, err)
	}
	files := []struct {
		name string
		data []byte
		perm fs.FileMode
	}{
		{MerchantKeyFile, merchantPEM, 0o600},
		{PlatformKeyFile, platformPEM, 0o600},
		{PlatformPublicKeyFile, publicPEM, 0o644},
		{PayMetaFile, append(meta, '\n'), 0o600},
	}
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(dir, f.name), f.data, f.perm); err != nil {
			return err
		}
	}
	return nil
}

// LoadDevPayKeys reads a key set WriteDir wrote.
func LoadDevPayKeys(dir string) (*DevPayKeys, error) {
	var meta payMeta
	data, err := os.ReadFile(filepath.Join(dir, PayMetaFile)) //nolint:gosec // G304: a directory the operator chose
	if err != nil {
		return nil, fmt.Errorf("wxsim: read pay keys: %w", err)
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("wxsim: decode %s: %w", PayMetaFile, err)
	}
	merchant, err := readPrivateKey(filepath.Join(dir, MerchantKeyFile))
	if err != nil {
		return nil, err
	}
	platform, err := readPrivateKey(filepath.Join(dir, PlatformKeyFile))
	if err != nil {
		return nil, err
	}
	return &DevPayKeys{
		MchID: meta.MchID, MerchantKey: merchant, MerchantSerial: meta.MerchantSerial,
		PlatformKey: platform, PublicKeyID: meta.PublicKeyID, APIv3Key: meta.APIv3Key,
	}, nil
}

// LoadOrCreateDevPayKeys loads the key set in dir, or generates and writes one for mchid when
// dir has none yet: `make run` keeps the same keys from one run to the next.
func LoadOrCreateDevPayKeys(dir, mchid string) (*DevPayKeys, error) {
	k, err := LoadDevPayKeys(dir)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if k, err = GenerateDevPayKeys(mchid); err != nil {
		return nil, err
	}
	if err := k.WriteDir(dir); err != nil {
		return nil, err
	}
	return k, nil
}

// PublicKeyPEM encodes pub as a PKIX "PUBLIC KEY" block, the form of WeChat's pub_key.pem.
func PublicKeyPEM(pub *rsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("wxsim: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

func privateKeyPEM(key *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("wxsim: encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func readPrivateKey(path string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: a directory the operator chose
	if err != nil {
		return nil, fmt.Errorf("wxsim: read key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("wxsim: %s holds no PEM block", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("wxsim: parse %s: %w", path, err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("wxsim: %s is not an RSA key", path)
	}
	return rsaKey, nil
}

// certificateSerial makes a serial shaped like a merchant API certificate's: 40 upper-case hex
// digits.
func certificateSerial() string {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 160))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return strings.ToUpper(fmt.Sprintf("%040x", n))
}

// publicKeyID derives a public key id shaped like WeChat's (PUB_KEY_ID_ and 28 digits) from the
// key, so the same key always gets the same id.
func publicKeyID(pub *rsa.PublicKey) string {
	digest := sha256.Sum256(pub.N.Bytes())
	n := new(big.Int).SetBytes(digest[:])
	digits := n.String()
	return "PUB_KEY_ID_" + "01" + digits[:26]
}

// hexDigest is the lower-case hex of b, as WeChat writes hashes.
func hexDigest(b []byte) string { return hex.EncodeToString(b) }

// writeFileAtomic writes data to path through a temporary file and a rename, so a crash never
// leaves half a file.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("wxsim: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("wxsim: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("wxsim: write %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("wxsim: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("wxsim: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("wxsim: write %s: %w", path, err)
	}
	return nil
}
