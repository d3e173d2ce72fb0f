package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// testKey returns a deterministic, valid base64 key; tests do not need
// secret keys, only distinct ones.
func testKey(b byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, keySize))
}

func mustKeyring(t *testing.T, active string, keys map[string]string) *Keyring {
	t.Helper()
	kr, err := NewKeyring(active, keys)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return kr
}

func TestRoundTrip(t *testing.T) {
	kr := mustKeyring(t, "k1", map[string]string{"k1": testKey(1)})
	for _, pt := range [][]byte{[]byte("13800138000"), {}, bytes.Repeat([]byte("x"), 4096)} {
		sealed, id, err := kr.Seal(pt, []byte("user/42/phone"))
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if id != "k1" || !strings.HasPrefix(sealed, "v1.k1.") {
			t.Fatalf("Seal = %q, %q; want v1.k1. prefix and id k1", sealed, id)
		}
		got, err := kr.Open(sealed, []byte("user/42/phone"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("Open = %q, want %q", got, pt)
		}
		if strings.Contains(sealed, string(pt)) && len(pt) > 0 {
			t.Fatalf("sealed value contains the plaintext")
		}
	}
}

func TestWrongAAD(t *testing.T) {
	kr := mustKeyring(t, "k1", map[string]string{"k1": testKey(1)})
	sealed, _, _ := kr.Seal([]byte("13800138000"), []byte("user/42/phone"))
	for _, aad := range []string{"user/43/phone", "user/42/name", ""} {
		if _, err := kr.Open(sealed, []byte(aad)); !errors.Is(err, ErrAuth) {
			t.Errorf("Open with aad %q: err = %v, want ErrAuth", aad, err)
		}
	}
}

func TestTampered(t *testing.T) {
	kr := mustKeyring(t, "k1", map[string]string{"k1": testKey(1), "k2": testKey(2)})
	aad := []byte("user/42/phone")
	sealed, _, _ := kr.Seal([]byte("13800138000"), aad)
	p, err := parse(sealed)
	if err != nil {
		t.Fatal(err)
	}
	// Flip one bit in every byte position in turn: nonce, ciphertext and tag.
	for i := range p.payload {
		mod := bytes.Clone(p.payload)
		mod[i] ^= 0x01
		s := header("k1") + payloadEncoding.EncodeToString(mod)
		if _, err := kr.Open(s, aad); !errors.Is(err, ErrAuth) {
			t.Fatalf("flip byte %d: err = %v, want ErrAuth", i, err)
		}
	}
	// Relabelling the key id must fail too, even though k2 exists.
	relabelled := header("k2") + payloadEncoding.EncodeToString(p.payload)
	if _, err := kr.Open(relabelled, aad); !errors.Is(err, ErrAuth) {
		t.Fatalf("relabelled key id: err = %v, want ErrAuth", err)
	}
	// Truncation (dropping the last tag byte) must fail as well.
	truncated := header("k1") + payloadEncoding.EncodeToString(p.payload[:len(p.payload)-1])
	if _, err := kr.Open(truncated, aad); !errors.Is(err, ErrAuth) {
		t.Fatalf("truncated: err = %v, want ErrAuth", err)
	}
}

func TestRotation(t *testing.T) {
	aad := []byte("user/7/phone")
	old := mustKeyring(t, "k1", map[string]string{"k1": testKey(1)})
	sealedOld, id, _ := old.Seal([]byte("13900001111"), aad)
	if id != "k1" {
		t.Fatalf("key id = %q, want k1", id)
	}

	rotated := mustKeyring(t, "k2", map[string]string{"k1": testKey(1), "k2": testKey(2)})
	got, err := rotated.Open(sealedOld, aad)
	if err != nil || string(got) != "13900001111" {
		t.Fatalf("Open old value after rotation = %q, %v", got, err)
	}
	if !rotated.NeedsReseal(sealedOld) {
		t.Fatal("NeedsReseal(old) = false, want true")
	}
	sealedNew, id, _ := rotated.Seal(got, aad)
	if id != "k2" {
		t.Fatalf("key id after rotation = %q, want k2", id)
	}
	if kid, err := KeyID(sealedNew); err != nil || kid != "k2" {
		t.Fatalf("KeyID(new) = %q, %v; want k2", kid, err)
	}
	if rotated.NeedsReseal(sealedNew) {
		t.Fatal("NeedsReseal(new) = true, want false")
	}
	// The old keyring cannot open values sealed with the new key.
	if _, err := old.Open(sealedNew, aad); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old keyring Open(new) err = %v, want ErrUnknownKey", err)
	}
}

func TestUnknownKey(t *testing.T) {
	a := mustKeyring(t, "ka", map[string]string{"ka": testKey(1)})
	b := mustKeyring(t, "kb", map[string]string{"kb": testKey(1)})
	sealed, _, _ := a.Seal([]byte("x"), nil)
	_, err := b.Open(sealed, nil)
	if !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
	if !strings.Contains(err.Error(), `"ka"`) {
		t.Errorf("error %q should name the missing key id", err)
	}
}

func TestMalformed(t *testing.T) {
	kr := mustKeyring(t, "k1", map[string]string{"k1": testKey(1)})
	good, _, _ := kr.Seal([]byte("13800138000"), nil)
	payload := strings.TrimPrefix(good, "v1.k1.")
	short := payloadEncoding.EncodeToString(make([]byte, nonceSize+tagSize-1))

	tests := []struct {
		name, sealed string
	}{
		{"empty", ""},
		{"no dots", "v1k1abc"},
		{"version only", "v1."},
		{"missing payload separator", "v1.k1"},
		{"wrong version", "v2.k1." + payload},
		{"uppercase version", "V1.k1." + payload},
		{"empty key id", "v1.." + payload},
		{"bad key id chars", "v1.K_1." + payload},
		{"key id too long", "v1." + strings.Repeat("k", maxIDLen+1) + "." + payload},
		{"empty payload", "v1.k1."},
		{"bad base64", "v1.k1.!!!!"},
		{"std base64 alphabet", "v1.k1.ab+/cd"},
		{"padded base64", "v1.k1." + payload + "="},
		{"extra field", "v1.k1." + payload + ".x"},
		{"short ciphertext", "v1.k1." + short},
		{"whitespace", " " + good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := kr.Open(tt.sealed, nil); !errors.Is(err, ErrMalformed) {
				t.Errorf("Open err = %v, want ErrMalformed", err)
			}
			if _, err := KeyID(tt.sealed); !errors.Is(err, ErrMalformed) {
				t.Errorf("KeyID err = %v, want ErrMalformed", err)
			}
			if !kr.NeedsReseal(tt.sealed) {
				t.Error("NeedsReseal = false, want true for malformed input")
			}
		})
	}
}

func TestSealsDiffer(t *testing.T) {
	kr := mustKeyring(t, "k1", map[string]string{"k1": testKey(1)})
	a, _, _ := kr.Seal([]byte("13800138000"), []byte("aad"))
	b, _, _ := kr.Seal([]byte("13800138000"), []byte("aad"))
	if a == b {
		t.Fatalf("two seals of the same plaintext are identical: %q", a)
	}
}

func TestNewKeyringErrors(t *testing.T) {
	k1 := testKey(1)
	secretLooking := testKey(9)
	tests := []struct {
		name, active string
		keys         map[string]string
		wantInErr    string
	}{
		{"no keys", "k1", nil, "no keys"},
		{"active missing", "k2", map[string]string{"k1": k1}, `"k2"`},
		{"active empty", "", map[string]string{"k1": k1}, "empty"},
		{"empty id", "k1", map[string]string{"k1": k1, "": k1}, "empty"},
		{"uppercase id", "k1", map[string]string{"k1": k1, "K2": k1}, `"K2"`},
		{"dot in id", "k1", map[string]string{"k1": k1, "k.2": k1}, `"k.2"`},
		{"long id", "k1", map[string]string{"k1": k1, strings.Repeat("a", 33): k1}, "33 characters"},
		{"bad base64", "k1", map[string]string{"k1": "not base64!"}, `"k1"`},
		{"short key", "k1", map[string]string{"k1": base64.StdEncoding.EncodeToString(make([]byte, 16))}, "16 bytes"},
		{"long key", "k1", map[string]string{"k1": base64.StdEncoding.EncodeToString(make([]byte, 33))}, "33 bytes"},
		// A key pasted as the id must not be echoed back.
		{"key as id", "k1", map[string]string{"k1": k1, secretLooking: k1}, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewKeyring(tt.active, tt.keys)
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantInErr) {
				t.Errorf("err %q does not mention %q", msg, tt.wantInErr)
			}
			for _, v := range tt.keys {
				if len(v) > 8 && strings.Contains(msg, v) {
					t.Errorf("err %q leaks a key", msg)
				}
			}
			if strings.Contains(msg, secretLooking) {
				t.Errorf("err %q leaks a key", msg)
			}
		})
	}
}

func TestKeyWhitespaceTrimmed(t *testing.T) {
	// Keys often arrive from env vars or files with a trailing newline.
	mustKeyring(t, "k1", map[string]string{"k1": testKey(1) + "\n"})
}

func TestKeyringStringHidesKeys(t *testing.T) {
	kr := mustKeyring(t, "k2", map[string]string{"k1": testKey(1), "k2": testKey(2)})
	want := "seal.Keyring{active: k2, keys: [k1 k2]}"
	for _, s := range []string{fmt.Sprint(kr), fmt.Sprintf("%+v", kr), fmt.Sprintf("%#v", kr)} {
		if s != want {
			t.Errorf("formatted keyring = %q, want %q", s, want)
		}
	}
	if kr.ActiveKeyID() != "k2" {
		t.Errorf("ActiveKeyID = %q, want k2", kr.ActiveKeyID())
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateKey()
	if a == b {
		t.Fatal("GenerateKey returned the same key twice")
	}
	raw, err := base64.StdEncoding.DecodeString(a)
	if err != nil || len(raw) != keySize {
		t.Fatalf("GenerateKey = %q: %d bytes, %v", a, len(raw), err)
	}
	mustKeyring(t, "gen", map[string]string{"gen": a})
}

func TestConcurrent(t *testing.T) {
	kr := mustKeyring(t, "k2", map[string]string{"k1": testKey(1), "k2": testKey(2)})
	old := mustKeyring(t, "k1", map[string]string{"k1": testKey(1)})
	oldSealed, _, _ := old.Seal([]byte("old"), []byte("row/0"))

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				aad := fmt.Appendf(nil, "row/%d/%d", g, i)
				pt := fmt.Appendf(nil, "1380013%04d", i)
				s, _, err := kr.Seal(pt, aad)
				if err != nil {
					errs <- err
					return
				}
				got, err := kr.Open(s, aad)
				if err != nil || !bytes.Equal(got, pt) {
					errs <- fmt.Errorf("round trip %d/%d: %q, %w", g, i, got, err)
					return
				}
				if _, err := kr.Open(oldSealed, []byte("row/0")); err != nil {
					errs <- err
					return
				}
				_ = kr.NeedsReseal(s)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
