package couponcount

import "time"

// SetClock moves the store's clock, for tests of what it remembers.
func SetClock(s *Store, now func() time.Time) { s.now = now }
