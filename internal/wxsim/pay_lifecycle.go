package wxsim

import (
	"maps"
	"slices"
)

// Close stops the simulator's background work: notification retries and delayed refunds and
// profit-sharing orders stop (they resume on the next Open of the same data directory), and
// attempts in flight are waited for. It reports a failure to save the pay state, if any. The
// handler keeps answering; Close may be called more than once.
func (s *Simulator) Close() error {
	s.pay.notifier.close()
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	return s.pay.persistErr
}

// MchIDs lists the merchants the pay half serves, sorted.
func (s *Simulator) MchIDs() []string {
	return slices.Sorted(maps.Keys(s.pay.cfg.Merchants))
}
