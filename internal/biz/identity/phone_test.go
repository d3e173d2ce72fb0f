package identity

import (
	"errors"
	"fmt"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"13812341234", "138****1234"},
		{"8613812341234", "861******1234"},
		{"12345678", "******78"},
		{"12", "**"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckPhone(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"13812341234", true},
		{"85291234567", true},
		{"", false},
		{"1234", false},
		{"138-1234-1234", false},
		{"+8613812341234", false},
		{"123456789012345678901", false},
	}
	for _, tt := range tests {
		err := CheckPhone(tt.in)
		var invalid *bizerr.InvalidError
		if tt.ok != (err == nil) || (err != nil && !errors.As(err, &invalid)) {
			t.Errorf("CheckPhone(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func ExampleMaskPhone() {
	fmt.Println(MaskPhone("13812341234"))
	// Output: 138****1234
}
