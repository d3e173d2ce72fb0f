package wxsim

import (
	"fmt"
	"slices"
	"time"
)

// Kinds of notification fault: WeChat's notifications can be lost, repeated, late or out of
// order, and the service must cope with each (query the order when in doubt).
const (
	NotifyDrop      = "drop"      // the next Count notifications are never sent
	NotifyDuplicate = "duplicate" // the next Count notifications are each delivered twice
	NotifyReorder   = "reorder"   // the next Count notifications are held, then sent newest first
	NotifyDelay     = "delay"     // the next Count notifications wait Delay before the first attempt
)

// maxNotifyDelay bounds an injected notification delay.
const maxNotifyDelay = time.Hour

// NotifyFault changes what happens to the next Count notifications. Faults apply in the order
// they were injected, each to its own notifications.
type NotifyFault struct {
	Kind  string
	Count int // 0 means 1
	Delay time.Duration
}

// InjectNotifyFault queues f behind the notification faults already pending.
func (s *Simulator) InjectNotifyFault(f NotifyFault) error {
	switch {
	case !slices.Contains([]string{NotifyDrop, NotifyDuplicate, NotifyReorder, NotifyDelay}, f.Kind):
		return fmt.Errorf("%w: notification fault kind %q", ErrInvalidFault, f.Kind)
	case f.Count < 0:
		return fmt.Errorf("%w: count %d is negative", ErrInvalidFault, f.Count)
	case f.Kind == NotifyDelay && (f.Delay <= 0 || f.Delay > maxNotifyDelay):
		return fmt.Errorf("%w: delay %v is not within 0..%v", ErrInvalidFault, f.Delay, maxNotifyDelay)
	}
	f.Count = max(f.Count, 1)
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	s.pay.notifier.faults = append(s.pay.notifier.faults, &f)
	return nil
}

// DropNotifications loses the next n notifications.
func (s *Simulator) DropNotifications(n int) {
	s.mustNotifyFault(NotifyFault{Kind: NotifyDrop, Count: n})
}

// DuplicateNotifications delivers each of the next n notifications twice.
func (s *Simulator) DuplicateNotifications(n int) {
	s.mustNotifyFault(NotifyFault{Kind: NotifyDuplicate, Count: n})
}

// ReorderNotifications holds the next n notifications and then delivers them newest first.
func (s *Simulator) ReorderNotifications(n int) {
	s.mustNotifyFault(NotifyFault{Kind: NotifyReorder, Count: n})
}

// DelayNotifications makes each of the next n notifications wait d (real time) before its
// first attempt.
func (s *Simulator) DelayNotifications(n int, d time.Duration) {
	s.mustNotifyFault(NotifyFault{Kind: NotifyDelay, Count: n, Delay: d})
}

func (s *Simulator) mustNotifyFault(f NotifyFault) {
	if err := s.InjectNotifyFault(f); err != nil {
		panic(err)
	}
}

// ClearNotifyFaults drops the pending notification faults and releases the notifications a
// reorder fault holds, in the order they came. It says how many faults there were.
func (s *Simulator) ClearNotifyFaults() int {
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	n := s.pay.notifier
	count := len(n.faults)
	n.faults = nil
	n.releaseHeld(false)
	return count
}

// applyFaults gives note to the oldest pending fault, if any, and schedules it accordingly.
// The caller holds p.mu.
func (n *notifier) applyFaults(note *notification) {
	if len(n.faults) == 0 {
		n.schedule(note)
		return
	}
	f := n.faults[0]
	if f.Kind == NotifyReorder && n.heldTarget == 0 {
		n.heldTarget = f.Count // the batch size, before Count counts down
	}
	if f.Count--; f.Count == 0 {
		n.faults = n.faults[1:]
	}
	switch f.Kind {
	case NotifyDrop:
		note.State = noteDropped
	case NotifyDelay:
		note.NextAt = time.Now().Add(f.Delay)
		n.schedule(note)
	case NotifyDuplicate:
		twin := *note
		twin.Duplicate = true
		n.all = append(n.all, &twin)
		n.schedule(note)
		n.schedule(&twin)
	case NotifyReorder:
		note.State = noteHeld
		n.held = append(n.held, note)
		if len(n.held) == n.heldTarget {
			n.releaseHeld(true)
		}
	}
}

// releaseHeld sends the held notifications, newest first when reversed. Their first attempts
// run one after another in one goroutine, so they reach the merchant in that order; retries,
// if any, follow the schedule. The caller holds p.mu.
func (n *notifier) releaseHeld(reversed bool) {
	batch := n.held
	n.held, n.heldTarget = nil, 0
	if len(batch) == 0 || n.closed {
		return
	}
	if reversed {
		slices.Reverse(batch)
	}
	for _, note := range batch {
		note.State = notePending
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for _, note := range batch {
			n.attempt(note)
		}
	}()
}
