package wxsim_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/wxsim"
)

// A notification is retried on the schedule until the merchant answers 2xx, and each attempt
// is recorded.
func TestNotifyRetriesUntil2xx(t *testing.T) {
	h := newPayHarness(t)
	h.notes.answer(http.StatusInternalServerError, http.StatusBadGateway, http.StatusNotFound)
	h.paid("ORDER-N001", 100, false)
	waitFor(t, "delivery", func() bool { return h.sim.PendingNotifications() == 0 })
	got := h.sim.Notifications()
	if len(got) != 4 {
		t.Fatalf("%d attempts, want 4: %+v", len(got), got)
	}
	for i, d := range got {
		if d.Attempt != i+1 || d.ID != got[0].ID || d.EventType != "TRANSACTION.SUCCESS" || d.OK != (i == 3) {
			t.Errorf("attempt %d: %+v", i+1, d)
		}
	}
	if got[3].Status != http.StatusOK || got[0].Status != http.StatusInternalServerError {
		t.Errorf("statuses %d..%d", got[0].Status, got[3].Status)
	}
	// Every attempt is signed afresh and verifies with the SDK.
	if n := len(h.notes.events(t, "TRANSACTION.SUCCESS")); n != 4 {
		t.Errorf("merchant parsed %d notifications, want 4", n)
	}
}

// After the last retry WeChat gives up.
func TestNotifyGivesUpAfterTheSchedule(t *testing.T) {
	h := newPayHarness(t, func(c *wxsim.PayConfig) { c.NotifySchedule = fastSchedule(2) })
	h.notes.answer(500, 500, 500, 500)
	h.paid("ORDER-N002", 100, false)
	waitFor(t, "giving up", func() bool { return h.sim.PendingNotifications() == 0 })
	if got := h.sim.Notifications(); len(got) != 3 || got[2].OK {
		t.Fatalf("attempts %+v, want 3 failed", got)
	}
}

// A merchant that does not answer in time counts as a failure.
func TestNotifyTimeoutIsAFailure(t *testing.T) {
	h := newPayHarness(t, func(c *wxsim.PayConfig) { c.NotifyTimeout = 50 * time.Millisecond })
	h.notes.mu.Lock()
	h.notes.delay = 200 * time.Millisecond
	h.notes.mu.Unlock()
	h.paid("ORDER-N003", 100, false)
	waitFor(t, "a timed-out attempt", func() bool { return len(h.sim.Notifications()) >= 1 })
	if d := h.sim.Notifications()[0]; d.OK || d.Err == "" {
		t.Fatalf("slow answer counted as %+v", d)
	}
	h.notes.mu.Lock()
	h.notes.delay = 0
	h.notes.mu.Unlock()
	waitFor(t, "delivery", func() bool { return h.sim.PendingNotifications() == 0 })
}

func TestNotifyDuplicate(t *testing.T) {
	h := newPayHarness(t)
	h.sim.DuplicateNotifications(1)
	h.paid("ORDER-N004", 100, false)
	notes := h.notes.waitEvents(t, "TRANSACTION.SUCCESS", 2)
	if notes[0].request.ID != notes[1].request.ID || notes[0].plaintext != notes[1].plaintext {
		t.Errorf("duplicates differ: %s / %s", notes[0].request.ID, notes[1].request.ID)
	}
	h.paid("ORDER-N005", 100, false)
	h.notes.waitEvents(t, "TRANSACTION.SUCCESS", 3)
	time.Sleep(50 * time.Millisecond)
	if n := len(h.notes.events(t, "TRANSACTION.SUCCESS")); n != 3 {
		t.Errorf("%d notifications, the fault should duplicate one only", n)
	}
}

func TestNotifyReorder(t *testing.T) {
	h := newPayHarness(t)
	h.sim.ReorderNotifications(3)
	for i := 1; i <= 3; i++ {
		h.paid(fmt.Sprintf("ORDER-N10%d", i), 100, false)
	}
	notes := h.notes.waitEvents(t, "TRANSACTION.SUCCESS", 3)
	for i, want := range []string{"ORDER-N103", "ORDER-N102", "ORDER-N101"} {
		if got := outTradeNo(t, notes[i].plaintext); got != want {
			t.Errorf("notification %d is %s, want %s", i, got, want)
		}
	}
}

func TestNotifyDropAndDelay(t *testing.T) {
	h := newPayHarness(t)
	h.sim.DropNotifications(1)
	h.sim.DelayNotifications(1, 150*time.Millisecond)
	h.paid("ORDER-N201", 100, false)
	start := time.Now()
	h.paid("ORDER-N202", 100, false)
	notes := h.notes.waitEvents(t, "TRANSACTION.SUCCESS", 1)
	if got := outTradeNo(t, notes[0].plaintext); got != "ORDER-N202" {
		t.Errorf("delivered %s, the first was to be dropped", got)
	}
	if waited := notes[0].at.Sub(start); waited < 150*time.Millisecond {
		t.Errorf("delayed notification came after %v", waited)
	}
	waitFor(t, "delivery", func() bool { return h.sim.PendingNotifications() == 0 })
	if n := len(h.sim.Notifications()); n != 1 {
		t.Errorf("%d attempts recorded, a dropped notification makes none", n)
	}
}

func outTradeNo(t *testing.T, plaintext string) string {
	t.Helper()
	var tx struct {
		OutTradeNo string `json:"out_trade_no"`
	}
	if err := jsonUnmarshal(plaintext, &tx); err != nil {
		t.Fatal(err)
	}
	return tx.OutTradeNo
}
