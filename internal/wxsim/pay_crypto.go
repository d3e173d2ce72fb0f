package wxsim

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // G505: WeChat Pay's RSA-OAEP is defined with SHA-1 (OAEPWithSHA-1AndMGF1Padding)
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// The simulator's cryptography is written against the standard library on purpose: the
// conformance tests then check it against the official SDK, so neither side can drift into a
// private dialect. Every scheme here is WeChat Pay APIv3's:
//   - signatures: SHA256-RSA2048 (RSASSA-PKCS1-v1_5 over SHA-256), base64;
//   - sensitive fields: RSA-OAEP with SHA-1 and MGF1-SHA-1, base64;
//   - notification resources: AEAD_AES_256_GCM under the APIv3 key, a 12-character nonce, base64
//     of ciphertext and tag.

// gcmNonceLength is the length of a notification resource's nonce; the SDK feeds the nonce's
// bytes straight to AES-GCM, whose standard nonce is 12 bytes.
const gcmNonceLength = 12

// signSHA256RSA signs message with key and returns the base64 signature.
func signSHA256RSA(key *rsa.PrivateKey, message string) (string, error) {
	digest := sha256.Sum256([]byte(message))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// verifySHA256RSA checks a base64 signature of message.
func verifySHA256RSA(pub *rsa.PublicKey, message, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("signature is not base64: %w", err)
	}
	digest := sha256.Sum256([]byte(message))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		return fmt.Errorf("verify signature: %w", err)
	}
	return nil
}

// encryptOAEP encrypts a sensitive field to pub.
func encryptOAEP(pub *rsa.PublicKey, plaintext string) (string, error) {
	ct, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, pub, []byte(plaintext), nil) //nolint:gosec // G401: see the import
	if err != nil {
		return "", fmt.Errorf("encrypt field: %w", err)
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

// decryptOAEP decrypts a sensitive field encrypted to key.
func decryptOAEP(key *rsa.PrivateKey, ciphertext string) (string, error) {
	ct, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return "", fmt.Errorf("field is not base64: %w", err)
	}
	pt, err := rsa.DecryptOAEP(sha1.New(), nil, key, ct, nil) //nolint:gosec // G401: see the import
	if err != nil {
		return "", fmt.Errorf("decrypt field: %w", err)
	}
	return string(pt), nil
}

// sealedResource is a notification's encrypted resource, before it gets its JSON names.
type sealedResource struct {
	ciphertext, nonce string
}

// sealAESGCM encrypts plaintext under the APIv3 key with associatedData.
func sealAESGCM(apiV3Key, associatedData string, plaintext []byte) (sealedResource, error) {
	aead, err := newGCM(apiV3Key)
	if err != nil {
		return sealedResource{}, err
	}
	nonce := randomString(gcmNonceLength, alphanumeric)
	ct := aead.Seal(nil, []byte(nonce), plaintext, []byte(associatedData))
	return sealedResource{ciphertext: base64.StdEncoding.EncodeToString(ct), nonce: nonce}, nil
}

func newGCM(apiV3Key string) (cipher.AEAD, error) {
	if len(apiV3Key) != apiV3KeyLength {
		return nil, errors.New("the APIv3 key must be 32 bytes")
	}
	block, err := aes.NewCipher([]byte(apiV3Key))
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	return aead, nil
}
