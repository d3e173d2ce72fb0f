package passhash

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckStrength(t *testing.T) {
	tests := []struct {
		name, pw string
		ok       bool
		reason   string // substring expected in the error
	}{
		{"empty", "", false, "shorter"},
		{"eleven chars", "Abcdefghij1", false, "shorter"},
		{"twelve mixed", "Abcdefghijk1", true, ""},
		{"passphrase with spaces", "correct horse battery staple", true, ""},
		{"lowercase only", "abcdefghijklmnop", false, "one kind"},
		{"digits only", "123456789012", false, "one kind"},
		{"uppercase only", "ABCDEFGHIJKLMN", false, "one kind"},
		{"symbols only", "!@#$%^&*()_+-=", false, "one kind"},
		{"repetitive", "aaaaaaaaaaa1", false, "different characters"},
		{"two-char pattern", "abababababab1", false, "different characters"},
		{"chinese only", "我的团购控制台账号密码", false, "shorter"},
		{"chinese twelve", "我的团购控制台账号密码很长", false, "one kind"},
		{"chinese with digits", "我的团购控制台账号密码2024", true, ""},
		{"counts runes not bytes", "密码密码密码密码密码A1", false, "different characters"},
		{"newline", "Abcdefghijk1\n", false, "control"},
		{"tab", "Abcdef\tghijk1", false, "control"},
		{"invalid utf8", "Abcdefghijk1\xff", false, "UTF-8"},
		{"max bytes", "A1" + strings.Repeat("bcdefghij", 14), true, ""},
		{"over max bytes", "A1" + strings.Repeat("bcdefghij", 14) + "k", false, "128 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckStrength(tt.pw)
			if tt.ok {
				if err != nil {
					t.Fatalf("CheckStrength(%q) = %v, want nil", tt.pw, err)
				}
				return
			}
			if !errors.Is(err, ErrWeakPassword) {
				t.Fatalf("CheckStrength(%q) = %v, want ErrWeakPassword", tt.pw, err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not mention %q", err, tt.reason)
			}
			if tt.pw != "" && strings.Contains(err.Error(), tt.pw) {
				t.Errorf("error %q echoes the password", err)
			}
		})
	}
}
