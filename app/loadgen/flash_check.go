package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The checks of a flash run. An order answered 200 exists; one answered SOLD_OUT (or
// LIMIT_EXCEEDED) does not; one answered 5xx, or not answered at all (transport error, timeout),
// has an unknown outcome: the server's request timeout may fire after the commit. So PostgreSQL
// must hold at least the acknowledged units and at most those plus the unknown outcomes, and never
// more than the quota. Any other answer is an error of the server and fails the run.

// outcome is what a client can tell of one order from its answer.
type outcome int

const (
	outCreated outcome = iota // 200
	outSoldOut                // 409 SOLD_OUT
	outLimit                  // 409 LIMIT_EXCEEDED
	outUnknown                // 5xx or no answer: the order may or may not exist
	outError                  // any other answer: the order does not exist, and it should have
	outcomeCount
)

func classify(code int, reply []byte, err error) outcome {
	switch {
	case err != nil || code >= http.StatusInternalServerError:
		return outUnknown
	case code == http.StatusOK:
		return outCreated
	case code == http.StatusConflict && strings.Contains(string(reply), `"SOLD_OUT"`):
		return outSoldOut
	case code == http.StatusConflict && strings.Contains(string(reply), `"LIMIT_EXCEEDED"`):
		return outLimit
	}
	return outError
}

// errorKind names an unsuccessful answer for the report.
func errorKind(code int, reply []byte, err error) string {
	if err != nil {
		return "transport: " + err.Error()
	}
	var e struct{ Reason string }
	if json.Unmarshal(reply, &e) == nil && e.Reason != "" {
		return strconv.Itoa(code) + " " + e.Reason
	}
	return strconv.Itoa(code) + " " + strings.TrimSpace(string(reply[:min(len(reply), 80)]))
}

// checkUnits bounds the units PostgreSQL holds by the answers: acked ≤ units ≤ acked + unknown.
func checkUnits(what string, units, acked, unknown int64) []string {
	if units < acked || units > acked+unknown {
		return []string{fmt.Sprintf("%s: %d units ordered, want %d (acknowledged) to %d (+%d of unknown outcome)",
			what, units, acked, acked+unknown, unknown)}
	}
	return nil
}

// checkSellout: n shoppers once each for quota units. Without errors exactly min(quota, n) are
// created and the others refused SOLD_OUT; an unknown outcome may be either, so with u of them
// created ≤ min(quota, n) ≤ created + u. Other errors fail.
func checkSellout(n int64, r *flashResult) []string {
	want := min(r.SellQuota, n)
	var problems []string
	if failed := r.SellErrors - r.SellUnknown; failed > 0 {
		problems = append(problems, fmt.Sprintf("sell-out: %d answers were errors other than 5xx or timeouts", failed))
	}
	if r.SellErrors == 0 {
		if r.SellCreated != want || r.SellSoldOut != n-want || r.SellUnits != r.SellCreated {
			problems = append(problems, fmt.Sprintf("sell-out: want %d created and %d SOLD_OUT, got %d, %d, %d units ordered",
				want, n-want, r.SellCreated, r.SellSoldOut, r.SellUnits))
		}
		return problems
	}
	if r.SellCreated > want || r.SellCreated+r.SellUnknown < want {
		problems = append(problems, fmt.Sprintf("sell-out: want %d created, got %d created, %d SOLD_OUT and %d of unknown outcome",
			want, r.SellCreated, r.SellSoldOut, r.SellUnknown))
	}
	return append(problems, checkUnits("sell-out", r.SellUnits, r.SellCreated, r.SellUnknown)...)
}

func itemQuota(ctx context.Context, db *sql.DB, item int64) (int64, error) {
	var q int64
	if err := db.QueryRowContext(ctx, "SELECT quota FROM batch_items WHERE id = $1", item).Scan(&q); err != nil {
		return 0, fmt.Errorf("quota of item %d: %w", item, err)
	}
	return q, nil
}

// soldUnits is what PostgreSQL holds for the item: units in order lines (every order of the run
// is live: pending payment) and batch_items.taken (the database counter; 0 with Redis).
func soldUnits(ctx context.Context, db *sql.DB, item int64) (units, taken int64, err error) {
	err = db.QueryRowContext(ctx, `SELECT (SELECT coalesce(sum(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE l.item_id = $1 AND o.status <> 'cancelled'), (SELECT taken FROM batch_items WHERE id = $1)`, item).Scan(&units, &taken)
	if err != nil {
		err = fmt.Errorf("units ordered of item %d: %w", item, err)
	}
	return units, taken, err
}

// shopRemaining is the item's remaining stock as the shop shows it (the counter's view).
func shopRemaining(ctx context.Context, c *http.Client, base *url.URL, token string, batch, item int64) (int64, error) {
	code, raw, err := call(ctx, c, http.MethodGet, base.String()+"/v1/shop/batches", token, nil, 16<<20)
	if err != nil {
		return 0, err
	}
	if code != http.StatusOK {
		return 0, fmt.Errorf("shop batches: %s %s", status(code), raw)
	}
	var r struct {
		Batches []struct {
			ID    json.RawMessage
			Items []struct {
				ID        json.RawMessage
				Remaining json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return 0, err
	}
	num := func(m json.RawMessage) int64 {
		n, _ := strconv.ParseInt(strings.Trim(string(m), `"`), 10, 64)
		return n
	}
	for _, b := range r.Batches {
		if num(b.ID) != batch {
			continue
		}
		for _, it := range b.Items {
			if num(it.ID) == item {
				return num(it.Remaining), nil
			}
		}
	}
	return 0, fmt.Errorf("item %d of batch %d not in the shop", item, batch)
}
