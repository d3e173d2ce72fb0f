package leader

import (
	"fmt"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// CheckOpeningHours accepts one to four ranges "HH:MM-HH:MM" separated by commas, each ending
// after it starts, e.g. "08:00-12:00,15:00-20:30".
func CheckOpeningHours(s string) error {
	ranges := strings.Split(s, ",")
	if s == "" || len(ranges) > 4 {
		return bizerr.Invalid("opening_hours", `want 1 to 4 ranges like "08:00-20:00", comma separated`)
	}
	for _, r := range ranges {
		from, to, ok := strings.Cut(strings.TrimSpace(r), "-")
		a, okA := minutes(from)
		b, okB := minutes(to)
		if !ok || !okA || !okB || b <= a {
			return bizerr.Invalid("opening_hours", fmt.Sprintf("%q is not a range like 08:00-20:00", r))
		}
	}
	return nil
}

func minutes(hhmm string) (int, bool) {
	var h, m int
	if len(hhmm) != 5 || hhmm[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(hhmm, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m > 0) {
		return 0, false
	}
	return h*60 + m, true
}
