package audit

import "testing"

func TestMaskIP(t *testing.T) {
	cases := map[string]string{
		"203.0.113.77":          "203.0.113.0",
		"203.0.113.77:51234":    "203.0.113.0",
		"::ffff:203.0.113.77":   "203.0.113.0",
		"2001:db8:1234:5678::1": "2001:db8:1234::",
		"[2001:db8:1:2::9]:443": "2001:db8:1::",
		"fe80::1%eth0":          "fe80::",
		"":                      "",
		"not an address":        "",
	}
	for in, want := range cases {
		if got := MaskIP(in); got != want {
			t.Errorf("MaskIP(%q) = %q, want %q", in, got, want)
		}
	}
}
