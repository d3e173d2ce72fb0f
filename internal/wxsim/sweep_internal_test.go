package wxsim

import (
	"testing"
	"time"
)

// A long `make run` issues codes forever; expired ones must not pile up.
func TestExpiredCodesAreSwept(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s := New(Config{Now: func() time.Time { return now }})
	for range 10 {
		if _, err := s.IssueLoginCode("", "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.IssuePhoneCode("", "13812341234"); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(loginCodeTTL + sweepEvery)
	if _, err := s.IssueLoginCode("", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IssuePhoneCode("", "13812341234"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.login.codes); n != 1 {
		t.Errorf("%d login codes kept, want only the live one", n)
	}
	if n := len(s.phones.codes); n != 1 {
		t.Errorf("%d phone codes kept, want only the live one", n)
	}
}
