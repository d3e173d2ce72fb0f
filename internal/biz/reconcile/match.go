package reconcile

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/report"
)

// DefaultTolerance is how close to midnight a record may be for a bill not yet available to
// excuse it. WeChat's bill times are WeChat's own (success_time, refund acceptance, share
// finish), and ours copy them or are taken within seconds of the call; a few minutes would do,
// 30 leave room for a slow notification or settlement worker.
const DefaultTolerance = 30 * time.Minute

// DayBills are one day's bills; nil is a bill not available (not generated yet, or none for a
// day without trades: WeChat answers both the same way).
type DayBills struct {
	Trade   *payment.TradeBill
	Sharing *payment.SharingBill
}

// Input is everything Match compares.
//
// Midnight: WeChat files a payment on the day of its own timestamp, and a record of ours near
// midnight can fall on the other side (a payment that succeeded at 23:59:59.8 that our clock
// placed at 00:00:00, a refund accepted a second after we saved it, a share we saw finish after
// midnight). So the neighbouring days' bills are loaded too, and our records are loaded for the
// day widened by Tolerance on both sides:
//   - a bill line of the day whose record of ours is just across midnight matches it, and is
//     noted AdjacentDay;
//   - a record of ours of the day that is on the previous or next day's bill instead is noted
//     AdjacentDay (the other day's reconciliation compares its amount);
//   - a record of ours within Tolerance of midnight, on neither bill, while the neighbouring
//     day's bill is not available yet, is noted AwaitingBill.
//
// Notes do not make the day unclean; anything else missing is a difference.
type Input struct {
	Day             time.Time // any time of the Beijing day
	Prev, Cur, Next DayBills
	// Ours are our records of [from−Tolerance, to+Tolerance) (items: see Source.Items).
	Payments []Payment
	Refunds  []Refund
	Items    []Item
	// Books are the orders whose ledger is checked: those of the day's records.
	Books     []OrderBook
	Tolerance time.Duration // 0: DefaultTolerance
}

// line is a bill line or a record of ours, reduced to what is compared.
type line struct {
	ref    string
	at     time.Time
	amount int64
	state  string
	id     string // WeChat's id where both sides have it (transaction_id), else ""
}

// side is one day's lines of one category; available false is a bill not available.
type side struct {
	available bool
	lines     map[string]line
}

// matcher collects a report while comparing.
type matcher struct {
	from, to time.Time
	tol      time.Duration
	r        *Report
}

func (m *matcher) diff(kind Kind, category, ref string, ours, wechat int64, detail string) {
	m.r.Differences = append(m.r.Differences, Difference{Kind: kind, Category: category, Ref: ref,
		Ours: ours, WeChat: wechat, Detail: detail, Advice: adviceFor(kind, category)})
}

func (m *matcher) note(kind Kind, category, ref string, ours, wechat int64, detail string) {
	m.r.Notes = append(m.r.Notes, Difference{Kind: kind, Category: category, Ref: ref,
		Ours: ours, WeChat: wechat, Detail: detail, Advice: adviceFor(kind, category)})
}

func (m *matcher) inDay(t time.Time) bool { return !t.Before(m.from) && t.Before(m.to) }

// Match compares one day's bills with our records and the ledger. It is pure: same input,
// same report, differences in bill order then record order.
func Match(in Input) Report {
	from, to := DayRange(in.Day)
	m := &matcher{from: from, to: to, tol: cmpOr(in.Tolerance, DefaultTolerance), r: &Report{Day: from}}
	m.payments(in)
	m.refunds(in)
	m.shares(in)
	m.ledger(in.Books)
	m.r.Clean = len(m.r.Differences) == 0
	return *m.r
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// category says how one kind of line is compared.
type category struct {
	name string
	// expected says whether a record of ours must be on WeChat's bill.
	expected func(line) bool
	// conflict says why a record's state contradicts the bill line's, or "".
	conflict func(ours, bill line) string
}

// compare matches the day's bill lines of one category with our records: cur is the day's
// bill, prev and next the neighbours'. Duplicates were reported when the sides were built.
func (m *matcher) compare(c category, ours map[string]line, prev, cur, next side) {
	for _, ref := range sortedRefs(cur.lines) {
		b := cur.lines[ref]
		o, ok := ours[ref]
		if !ok {
			m.diff(MissingOurs, c.name, ref, 0, b.amount, "on WeChat's bill at "+beijing(b.at)+", not in our records")
			continue
		}
		m.compareLine(c, o, b)
		if !o.at.IsZero() && !m.inDay(o.at) {
			m.note(AdjacentDay, c.name, ref, o.amount, b.amount, "ours at "+beijing(o.at)+", on this day's bill at "+beijing(b.at))
		}
	}
	for _, ref := range sortedRefs(ours) {
		o := ours[ref]
		if _, ok := cur.lines[ref]; ok || !m.inDay(o.at) || !c.expected(o) {
			continue
		}
		m.missingFromDay(c, o, prev, next)
	}
}

// compareLine reports an amount or state that differs between a record and its bill line;
// a line that agrees counts as matched.
func (m *matcher) compareLine(c category, o, b line) {
	switch {
	case o.amount != b.amount:
		m.diff(AmountMismatch, c.name, o.ref, o.amount, b.amount, fmt.Sprintf("ours %s, WeChat %s", report.Yuan(o.amount), report.Yuan(b.amount)))
	case c.conflict(o, b) != "":
		m.diff(StateMismatch, c.name, o.ref, o.amount, b.amount, c.conflict(o, b))
	default:
		m.r.Counts.Matched++
	}
}

// missingFromDay handles a record of the day that is not on the day's bill: on a
// neighbour's bill it is a note, near midnight with that bill not out yet a note too.
func (m *matcher) missingFromDay(c category, o line, prev, next side) {
	for _, s := range []side{prev, next} {
		if b, ok := s.lines[o.ref]; ok {
			m.note(AdjacentDay, c.name, o.ref, o.amount, b.amount, "ours at "+beijing(o.at)+", on the neighbouring day's bill at "+beijing(b.at))
			return
		}
	}
	nearEnd := !o.at.Before(m.to.Add(-m.tol))
	nearStart := o.at.Before(m.from.Add(m.tol))
	if (nearEnd && !next.available) || (nearStart && !prev.available) {
		m.note(AwaitingBill, c.name, o.ref, o.amount, 0, "ours at "+beijing(o.at)+", near midnight; the neighbouring day's bill is not available")
		return
	}
	m.diff(MissingWeChat, c.name, o.ref, o.amount, 0, "ours at "+beijing(o.at)+", on no bill")
}

// index keys lines by ref, reporting a ref that comes twice as a duplicate (who says which
// side) and keeping the first.
func (m *matcher) index(category, who string, lines []line) map[string]line {
	out := make(map[string]line, len(lines))
	for _, l := range lines {
		if first, dup := out[l.ref]; dup {
			m.diff(Duplicate, category, l.ref, first.amount, l.amount, who+" has "+l.ref+" more than once")
			continue
		}
		out[l.ref] = l
	}
	return out
}

// quiet indexes without reporting duplicates: the neighbours' bills are reported on their
// own day.
func quiet(available bool, lines []line) side {
	out := make(map[string]line, len(lines))
	for _, l := range lines {
		if _, dup := out[l.ref]; !dup {
			out[l.ref] = l
		}
	}
	return side{available: available, lines: out}
}

func sortedRefs(lines map[string]line) []string {
	refs := make([]string, 0, len(lines))
	for ref := range lines {
		refs = append(refs, ref)
	}
	slices.SortFunc(refs, func(a, b string) int {
		if c := lines[a].at.Compare(lines[b].at); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return refs
}

func beijing(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(bjtime.Zone).Format(time.DateTime)
}
