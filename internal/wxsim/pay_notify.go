package wxsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// event is one kind of WeChat Pay notification.
type event struct {
	eventType, summary string
	// originalType is resource.original_type; WeChat also uses it as associated_data.
	originalType string
}

var (
	eventTransactionSuccess = event{"TRANSACTION.SUCCESS", "支付成功", "transaction"}
	eventRefundSuccess      = event{"REFUND.SUCCESS", "退款成功", "refund"}
	eventRefundAbnormal     = event{"REFUND.ABNORMAL", "退款异常", "refund"}
	eventRefundClosed       = event{"REFUND.CLOSED", "退款关闭", "refund"}
	eventSharingSuccess     = event{"PROFITSHARING.SUCCESS", "分账成功", "profitsharing"}
	eventSharingReturn      = event{"PROFITSHARING.RETURN", "分账回退", "profitsharing"}
)

// Notification states.
const (
	notePending   = "pending"   // waiting for its next attempt
	noteHeld      = "held"      // held back by a reorder fault
	noteDelivered = "delivered" // answered 2xx
	noteFailed    = "failed"    // every attempt failed
	noteDropped   = "dropped"   // lost on purpose by a drop fault
)

// maxDeliveries bounds the delivery log a long `make run` keeps.
const maxDeliveries = 10000

// notification is one notification and its delivery state. The duplicate a fault makes is a
// second notification with the same ID.
type notification struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	EventType string    `json:"event_type"`
	Body      []byte    `json:"body"`
	Plaintext string    `json:"plaintext"`
	Duplicate bool      `json:"duplicate"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at"` // wall clock: retries are real-time back-off
	State     string    `json:"state"`
}

// Delivery is one attempt to deliver a notification, as tests read them.
type Delivery struct {
	ID        string    `json:"id"`
	EventType string    `json:"event_type"`
	URL       string    `json:"url"`
	Attempt   int       `json:"attempt"`
	Duplicate bool      `json:"duplicate"`
	At        time.Time `json:"at"` // wall clock
	Status    int       `json:"status"`
	Err       string    `json:"error,omitempty"`
	OK        bool      `json:"ok"`
	// Resource is the decrypted resource, the JSON the merchant gets after decryption.
	Resource string `json:"resource"`
}

// notifier sends notifications and retries them with WeChat's back-off. Its fields are guarded
// by p.mu, except wg.
type notifier struct {
	p          *payState
	all        []*notification
	faults     []*NotifyFault
	held       []*notification
	heldTarget int
	deliveries []Delivery
	timers     map[*notification]*time.Timer
	dueTimers  map[*dueTimer]struct{}
	closed     bool
	wg         sync.WaitGroup
}

func newNotifier(p *payState) *notifier {
	return &notifier{p: p, timers: make(map[*notification]*time.Timer)}
}

// notifyEnvelope and notifyResource are a notification's body.
type notifyEnvelope struct {
	ID           string         `json:"id"`
	CreateTime   string         `json:"create_time"`
	ResourceType string         `json:"resource_type"`
	EventType    string         `json:"event_type"`
	Summary      string         `json:"summary"`
	Resource     notifyResource `json:"resource"`
}

type notifyResource struct {
	OriginalType   string `json:"original_type"`
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
}

// enqueue sends resource to url as an ev notification, after the notification faults have had
// their say. An empty url (no notify_url, none configured) sends nothing. The caller holds
// p.mu.
func (n *notifier) enqueue(url string, ev event, resource any) {
	if url == "" {
		return
	}
	note, err := n.build(url, ev, resource)
	if err != nil {
		// Only a broken key gets here; record it rather than lose it silently.
		n.record(Delivery{EventType: ev.eventType, URL: url, At: time.Now(), Err: err.Error()})
		return
	}
	n.all = append(n.all, note)
	n.applyFaults(note)
}

// build encrypts resource and wraps it in the envelope.
func (n *notifier) build(url string, ev event, resource any) (*notification, error) {
	plaintext, err := json.Marshal(resource)
	if err != nil {
		return nil, fmt.Errorf("encode resource: %w", err)
	}
	_, _, apiV3Key, err := n.p.keys()
	if err != nil {
		return nil, err
	}
	sealed, err := sealAESGCM(apiV3Key, ev.originalType, plaintext)
	if err != nil {
		return nil, err
	}
	now := n.p.now()
	env := notifyEnvelope{
		ID: n.p.newNotificationID(now), CreateTime: wechatTime(now), ResourceType: "encrypt-resource",
		EventType: ev.eventType, Summary: ev.summary,
		Resource: notifyResource{
			OriginalType: ev.originalType, Algorithm: "AEAD_AES_256_GCM", Ciphertext: sealed.ciphertext,
			AssociatedData: ev.originalType, Nonce: sealed.nonce,
		},
	}
	body, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode notification: %w", err)
	}
	return &notification{ID: env.ID, URL: url, EventType: ev.eventType, Body: body,
		Plaintext: string(plaintext), State: notePending, NextAt: time.Now()}, nil
}

// schedule arms note's next attempt. The caller holds p.mu.
func (n *notifier) schedule(note *notification) {
	if n.closed || note.State != notePending {
		return
	}
	n.wg.Add(1)
	n.timers[note] = time.AfterFunc(max(time.Until(note.NextAt), 0), func() {
		defer n.wg.Done()
		n.attempt(note)
	})
}

// attempt makes one delivery attempt and decides what comes next.
func (n *notifier) attempt(note *notification) {
	p := n.p
	p.mu.Lock()
	delete(n.timers, note)
	if n.closed || note.State != notePending {
		p.mu.Unlock()
		return
	}
	note.Attempts++
	d := Delivery{ID: note.ID, EventType: note.EventType, URL: note.URL, Attempt: note.Attempts,
		Duplicate: note.Duplicate, At: time.Now(), Resource: note.Plaintext}
	p.mu.Unlock()

	d.Status, d.Err = n.post(note.URL, note.Body)
	d.OK = d.Err == "" && d.Status >= 200 && d.Status < 300

	p.mu.Lock()
	defer p.mu.Unlock()
	n.record(d)
	n.afterAttempt(note, d.OK)
	p.changed()
}

// afterAttempt moves note on: delivered, given up after the last retry, or retried after the
// schedule's next wait. The caller holds p.mu.
func (n *notifier) afterAttempt(note *notification, ok bool) {
	schedule := n.p.cfg.NotifySchedule
	switch {
	case ok:
		note.State = noteDelivered
	case note.Attempts > len(schedule):
		note.State = noteFailed
	default:
		note.NextAt = time.Now().Add(schedule[note.Attempts-1])
		n.schedule(note)
	}
}

// post sends one attempt, signed afresh: the merchant checks the timestamp is within five
// minutes, and retries go on for a day.
func (n *notifier) post(url string, body []byte) (int, string) {
	key, keyID, _, err := n.p.keys()
	if err != nil {
		return 0, err.Error()
	}
	headers, err := signatureHeaders(key, keyID, body, time.Now())
	if err != nil {
		return 0, err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.p.cfg.NotifyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header = headers
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(headerSignatureType, authScheme)
	resp, err := n.p.cfg.NotifyClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	return resp.StatusCode, ""
}

// record logs one delivery. The caller holds p.mu.
func (n *notifier) record(d Delivery) {
	n.deliveries = append(n.deliveries, d)
	if over := len(n.deliveries) - maxDeliveries; over > 0 {
		n.deliveries = append([]Delivery(nil), n.deliveries[over:]...)
	}
}

// resume schedules every pending notification, after a restart. The caller holds p.mu.
func (n *notifier) resume() {
	for _, note := range n.all {
		if note.State == noteHeld {
			note.State = notePending
		}
		n.schedule(note)
	}
}

// close stops every timer and waits for attempts in flight.
func (n *notifier) close() {
	n.p.mu.Lock()
	n.closed = true
	for note, t := range n.timers {
		if t.Stop() {
			n.wg.Done()
		}
		delete(n.timers, note)
	}
	n.stopDueTimers()
	n.p.mu.Unlock()
	n.wg.Wait()
}

// Notifications lists every delivery attempt so far, oldest first.
func (s *Simulator) Notifications() []Delivery {
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	return append([]Delivery(nil), s.pay.notifier.deliveries...)
}

// PendingNotifications is how many notifications are still to be delivered (waiting for an
// attempt or held back by a reorder fault).
func (s *Simulator) PendingNotifications() int {
	s.pay.mu.Lock()
	defer s.pay.mu.Unlock()
	count := 0
	for _, note := range s.pay.notifier.all {
		if note.State == notePending || note.State == noteHeld {
			count++
		}
	}
	return count
}
