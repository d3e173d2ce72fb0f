package identity

import (
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// CheckPhone accepts a phone number as WeChat returns it in purePhoneNumber: digits only, 5 to 20
// of them (mainland numbers have 11; numbers from elsewhere differ).
func CheckPhone(phone string) error {
	if len(phone) < 5 || len(phone) > 20 || strings.Trim(phone, "0123456789") != "" {
		return bizerr.Invalid("phone", "must be 5 to 20 digits")
	}
	return nil
}

// MaskPhone hides the middle of a phone number: 13812341234 → 138****1234. Numbers too short to
// keep both ends show only their last two digits. The empty string stays empty.
func MaskPhone(phone string) string {
	switch n := len(phone); {
	case n == 0:
		return ""
	case n >= 11:
		return phone[:3] + strings.Repeat("*", n-7) + phone[n-4:]
	case n > 2:
		return strings.Repeat("*", n-2) + phone[n-2:]
	default:
		return strings.Repeat("*", n)
	}
}
