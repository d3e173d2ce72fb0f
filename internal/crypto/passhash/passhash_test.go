package passhash

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// cheap keeps tests fast; the algorithm is the same, only the cost differs.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func mustHash(t *testing.T, pw string, p Params) string {
	t.Helper()
	h, err := HashWith(pw, p)
	if err != nil {
		t.Fatalf("HashWith: %v", err)
	}
	return h
}

func TestRoundTrip(t *testing.T) {
	for _, pw := range []string{"correct horse battery staple", "短密码也可以吗？1", strings.Repeat("x", MaxPasswordBytes)} {
		h := mustHash(t, pw, cheap)
		ok, err := Verify(pw, h)
		if err != nil || !ok {
			t.Fatalf("Verify(%q) = %v, %v; want true, nil", pw, ok, err)
		}
	}
}

func TestDefaultFormat(t *testing.T) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "$argon2id$v=19$m=65536,t=3,p=2$"
	if !strings.HasPrefix(h, prefix) {
		t.Fatalf("Hash = %q, want prefix %q", h, prefix)
	}
	parts := strings.Split(h, "$")
	// 16-byte salt and 32-byte key in unpadded base64.
	if len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Fatalf("salt/hash lengths = %d/%d, want 22/43", len(parts[4]), len(parts[5]))
	}
	if ok, err := Verify("correct horse battery staple", h); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	if NeedsRehash(h, DefaultParams) {
		t.Fatal("fresh default hash needs rehash")
	}
}

func TestWrongPassword(t *testing.T) {
	h := mustHash(t, "correct horse battery staple", cheap)
	for _, pw := range []string{"correct horse battery stapl", "Correct horse battery staple", "", strings.Repeat("x", MaxPasswordBytes+1)} {
		ok, err := Verify(pw, h)
		if ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want false, nil", pw, ok, err)
		}
	}
}

func TestSaltsDiffer(t *testing.T) {
	a := mustHash(t, "same password here", cheap)
	b := mustHash(t, "same password here", cheap)
	if a == b {
		t.Fatal("two hashes of the same password are identical")
	}
}

// Known answer generated with the reference argon2 CLI (the same vector
// x/crypto tests against), written as a PHC string: password "password",
// salt "somesalt", argon2id, t=3, m=256 KiB, p=2, 24-byte key.
func TestKnownVector(t *testing.T) {
	const h = "$argon2id$v=19$m=256,t=3,p=2$c29tZXNhbHQ$RmjTCsQYfmh47t6s8P2DxaCjDbLMFu8L"
	ok, err := Verify("password", h)
	if err != nil || !ok {
		t.Fatalf("Verify(reference vector) = %v, %v", ok, err)
	}
}

func TestMalformed(t *testing.T) {
	good := mustHash(t, "correct horse battery staple", cheap)
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	with := func(params string) string { return "$argon2id$v=19$" + params + "$" + salt + "$" + key }

	tests := []struct {
		name, encoded string
		want          error
	}{
		{"empty", "", ErrMalformed},
		{"no leading dollar", strings.TrimPrefix(good, "$"), ErrMalformed},
		{"algorithm only", "$argon2id", ErrMalformed},
		{"missing hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt, ErrMalformed},
		{"extra field", good + "$x", ErrMalformed},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1), ErrUnsupported},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", ErrUnsupported},
		{"version 16", strings.Replace(good, "v=19", "v=16", 1), ErrUnsupported},
		{"missing version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key, ErrMalformed},
		{"bad version", strings.Replace(good, "v=19", "v=x", 1), ErrMalformed},
		{"params out of order", with("t=1,m=64,p=1"), ErrMalformed},
		{"params missing", with("m=64,t=1"), ErrMalformed},
		{"params non-numeric", with("m=abc,t=1,p=1"), ErrMalformed},
		{"params leading zero", with("m=064,t=1,p=1"), ErrMalformed},
		{"params signed", with("m=+64,t=1,p=1"), ErrMalformed},
		{"params overflow", with("m=64,t=1,p=256"), ErrMalformed},
		{"zero time", with("m=64,t=0,p=1"), ErrMalformed},
		{"zero threads", with("m=64,t=1,p=0"), ErrMalformed},
		{"memory below lanes", with("m=8,t=1,p=2"), ErrMalformed},
		{"memory too large", with("m=4194304,t=1,p=1"), ErrMalformed},
		{"time too large", with("m=64,t=1000,p=1"), ErrMalformed},
		{"salt not base64", "$argon2id$v=19$m=64,t=1,p=1$!!!$" + key, ErrMalformed},
		{"salt padded", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key, ErrMalformed},
		{"salt too short", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key, ErrMalformed},
		{"hash not base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$%%%", ErrMalformed},
		{"hash too short", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$c2hvcnQ", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := Verify("correct horse battery staple", tt.encoded)
			if ok || !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, %v; want false, %v", ok, err, tt.want)
			}
			if !NeedsRehash(tt.encoded, cheap) {
				t.Error("NeedsRehash = false for an unusable hash")
			}
		})
	}
}

func TestParamsParsedFromString(t *testing.T) {
	// A hash made with other parameters must verify without being told them.
	old := Params{Memory: 128, Time: 2, Threads: 3, SaltLen: 8, KeyLen: 24}
	h := mustHash(t, "an older account pw", old)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=128,t=2,p=3$") {
		t.Fatalf("hash %q does not record its params", h)
	}
	got, salt, key, err := decode(h)
	if err != nil {
		t.Fatal(err)
	}
	if got != old || len(salt) != 8 || len(key) != 24 {
		t.Fatalf("decoded %+v (salt %d, key %d), want %+v", got, len(salt), len(key), old)
	}
	if ok, err := Verify("an older account pw", h); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	// Editing the recorded params changes the derived key, so it must fail.
	edited := strings.Replace(h, "t=2", "t=1", 1)
	if ok, err := Verify("an older account pw", edited); ok || err != nil {
		t.Fatalf("Verify(edited params) = %v, %v; want false, nil", ok, err)
	}
}

func TestNeedsRehash(t *testing.T) {
	h := mustHash(t, "correct horse battery staple", cheap)
	tests := []struct {
		name string
		p    Params
		want bool
	}{
		{"same", cheap, false},
		{"more memory", Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"less memory", Params{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"more time", Params{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"more threads", Params{Memory: 64, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}, true},
		{"longer salt", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 32, KeyLen: 32}, true},
		{"shorter key", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 16}, true},
		{"defaults", DefaultParams, true},
	}
	for _, tt := range tests {
		if got := NeedsRehash(h, tt.p); got != tt.want {
			t.Errorf("%s: NeedsRehash = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestHashErrors(t *testing.T) {
	if _, err := HashWith("", cheap); !errors.Is(err, ErrPasswordLength) {
		t.Errorf("empty password: err = %v", err)
	}
	if _, err := HashWith(strings.Repeat("x", MaxPasswordBytes+1), cheap); !errors.Is(err, ErrPasswordLength) {
		t.Errorf("long password: err = %v", err)
	}
	bad := []Params{
		{},
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 4, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
		{Memory: maxMemoryKiB + 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	}
	for _, p := range bad {
		if _, err := HashWith("correct horse battery staple", p); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("HashWith(%+v): err = %v, want ErrInvalidParams", p, err)
		}
	}
}

func TestConcurrentVerify(t *testing.T) {
	h := mustHash(t, "correct horse battery staple", cheap)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			pw := "correct horse battery staple"
			if i%2 == 1 {
				pw = "wrong horse battery staple"
			}
			ok, err := Verify(pw, h)
			if err != nil || ok != (i%2 == 0) {
				t.Errorf("goroutine %d: Verify = %v, %v", i, ok, err)
			}
		})
	}
	wg.Wait()
}
