// Package tracking records what shoppers do in the mini-program that no order records: page
// views, adds to cart, shares and opens of shared links. The daily rollups count them (visitors,
// page views, bounces, add-to-cart and share rates, share conversion); WeChat's own analytics
// cannot, since they know shares per app and page only, never per leader.
package tracking

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// Kind is what a shopper did.
type Kind string

const (
	PageView  Kind = "page_view"
	AddToCart Kind = "add_to_cart"
	Share     Kind = "share"
	ShareOpen Kind = "share_open"
)

// MaxBatch is the most events one request may carry: a mini-program buffers its events and sends
// them every few seconds, far below this.
const MaxBatch = 100

const (
	maxIDLen      = 64
	maxSessionLen = 64
	maxShareKey   = 64
)

// Input is one event as the mini-program sends it. Zero ids are "not named".
type Input struct {
	// ClientEventID is the mini-program's id of the event: a resend carries the same one.
	ClientEventID string
	Kind          Kind
	// ClientAt is when the mini-program says it happened; zero when it does not say.
	ClientAt time.Time
	Session  string
	// LeaderID is the leader the page is shown for; 0 is the shopper's bound leader.
	LeaderID int64
	BatchID  int64
	ItemID   int64
	ShareKey string
}

// Event is an event as it is stored: the shopper's, accepted by the server at At (of Beijing
// day Day), attributed to a leader and its grid (none when the shopper has no leader yet).
type Event struct {
	Input
	UserID   int64
	At       time.Time
	Day      string
	GridCell string
}

// Receipt is what a request recorded: Accepted events are new, Duplicates were recorded before
// (a resend) or named twice in the request.
type Receipt struct {
	Accepted   int
	Duplicates int
}

// ErrRefused is what every *EventError is.
var ErrRefused = errors.New("event refused")

// EventError is an event whose fields do not fit its kind; Index is its place in the request.
type EventError struct {
	Index  int
	Field  string
	Reason string
}

func (e *EventError) Error() string {
	return fmt.Sprintf("event %d: %s: %s", e.Index, e.Field, e.Reason)
}

func (e *EventError) Unwrap() error { return ErrRefused }

// RateError is a request refused because its shopper sent more than Limit events in Window; it
// is bizerr.ErrRateLimited. RetryAfter is when the shopper's window ends.
type RateError struct {
	UserID     int64
	Limit      int
	Window     time.Duration
	RetryAfter time.Duration
}

func (e *RateError) Error() string {
	return fmt.Sprintf("user %d: more than %d events in %s, retry after %s", e.UserID, e.Limit, e.Window, e.RetryAfter)
}

func (e *RateError) Unwrap() error { return bizerr.ErrRateLimited }

// CheckShareKey is the rule of a share key, on an event and on the order placed from its link:
// 1 to 64 printable characters without white space (the key travels in a link's query).
func CheckShareKey(key string) error {
	n := 0
	for _, r := range key {
		n++
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return errors.New("printable characters without spaces")
		}
	}
	if n == 0 || n > maxShareKey {
		return fmt.Errorf("1 to %d characters", maxShareKey)
	}
	return nil
}

// check tells what is wrong with in, the i-th event of a request, or nil.
func (in *Input) check(i int) error {
	bad := func(field, reason string) error { return &EventError{Index: i, Field: field, Reason: reason} }
	if !validClientID(in.ClientEventID) {
		return bad("client_event_id", "1 to 64 of letters, digits, '-', '_', '.' and ':'")
	}
	switch {
	case in.LeaderID < 0:
		return bad("leader_id", "a leader id, or 0 for the bound leader")
	case in.BatchID < 0:
		return bad("batch_id", "a batch id, or 0 for none")
	case in.ItemID < 0:
		return bad("item_id", "an item id, or 0 for none")
	case len([]rune(in.Session)) > maxSessionLen || strings.IndexFunc(in.Session, notPrintable) >= 0:
		return bad("session", "at most 64 printable characters")
	case in.ShareKey != "":
		if err := CheckShareKey(in.ShareKey); err != nil {
			return bad("share_key", err.Error())
		}
	}
	return in.checkKind(bad)
}

// checkKind checks what each kind needs: what a day's numbers count it by.
func (in *Input) checkKind(bad func(field, reason string) error) error {
	switch in.Kind {
	case PageView, AddToCart:
		// Bounces are sessions of one page view; rates are by batch.
		switch {
		case in.Session == "":
			return bad("session", "required for "+string(in.Kind))
		case in.BatchID == 0:
			return bad("batch_id", "required for "+string(in.Kind))
		case in.Kind == AddToCart && in.ItemID == 0:
			return bad("item_id", "required for add_to_cart")
		}
	case Share, ShareOpen:
		if in.ShareKey == "" {
			return bad("share_key", "required for "+string(in.Kind))
		}
	default:
		return bad("kind", "page_view, add_to_cart, share or share_open")
	}
	return nil
}

func validClientID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return false
		}
	}
	return true
}

func notPrintable(r rune) bool { return !unicode.IsPrint(r) }
