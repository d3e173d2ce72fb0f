package console

import (
	"errors"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

func TestParseYuan(t *testing.T) {
	for in, want := range map[string]int64{"39.90": 3990, "39.9": 3990, "40": 4000, "0.01": 1, "999999999.99": 99999999999} {
		if got, err := parseYuan("items.price", in); err != nil || got != want {
			t.Errorf("parseYuan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.234", "1,000", "1e3", " 1", "abc", "1234567890"} {
		var invalid *bizerr.InvalidError
		if got, err := parseYuan("items.price", in); !errors.As(err, &invalid) || invalid.Field != "items.price" {
			t.Errorf("parseYuan(%q) = %d, %v; want an invalid price", in, got, err)
		}
	}
}
