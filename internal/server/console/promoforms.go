package console

import (
	"html/template"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// What the promotion forms share: a scope as a kind and a list, times in Beijing time, and
// amounts in yuan. Only the form's own syntax is checked here; every rule of a promotion is the
// use case's (promo.Template.Check, promo.Activity.Check).

// scopeKinds are the scopes a promotion can have, as the use case names them.
var scopeKinds = []string{string(promo.ScopeAll), string(promo.ScopeBatches), string(promo.ScopeSKUs),
	string(promo.ScopeGrids), string(promo.ScopeLeaders)}

// readScope reads a scope: kind, and its ids (or H3 cells for grids) separated by spaces,
// commas or new lines. The list is left to the use case to check against the kind.
func readScope(kind, list string) (promo.Scope, error) {
	s := promo.Scope{Kind: promo.ScopeKind(kind)}
	for _, v := range strings.Fields(strings.NewReplacer(",", " ", "，", " ", "、", " ").Replace(list)) {
		if s.Kind == promo.ScopeGrids {
			s.Cells = append(s.Cells, v)
			continue
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return s, bizerr.Invalid("scope.ids", "not a number: "+v)
		}
		s.IDs = append(s.IDs, id)
	}
	return s, nil
}

// scopeList is a scope's list as the form shows it, one a line.
func scopeList(s promo.Scope) string {
	if s.Kind == promo.ScopeGrids {
		return strings.Join(s.Cells, "\n")
	}
	ids := make([]string, len(s.IDs))
	for i, id := range s.IDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(ids, "\n")
}

// readWindow reads a window from two datetime-local values in Beijing time; a refusal names
// field. An empty value is left zero, for the use case to refuse.
func readWindow(field, from, until string) (promo.Window, error) {
	var w promo.Window
	var err error
	if from != "" {
		if w.From, err = parseBJ(field, from); err != nil {
			return w, err
		}
	}
	if until != "" {
		if w.Until, err = parseBJ(field, until); err != nil {
			return w, err
		}
	}
	return w, nil
}

// bjInput is t as a datetime-local value in Beijing time, "" when zero.
func bjInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(bjtime.Zone).Format(cutoffLayout + ":05")
}

// optionalYuan reads an amount in yuan that may be left empty (0).
func optionalYuan(field, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	return parseYuan(field, s)
}

// readInt reads a whole number of field; an empty value is 0, for the use case to refuse.
func readInt(field, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, bizerr.Invalid(field, "is not a whole number")
	}
	return n, nil
}

var zhePattern = regexp.MustCompile(`^([0-9])(?:\.([0-9]{1,3}))?$`)

// parseZhe reads a discount as Chinese shops state it, 折 (8.5 is 八五折: the shopper pays 85%),
// as basis points off (1500), without floating point.
func parseZhe(s string) (int, error) {
	m := zhePattern.FindStringSubmatch(s)
	if m == nil {
		return 0, bizerr.Invalid("discount.percent_bp", "is not a discount in 折 (e.g. 8.5)")
	}
	whole, _ := strconv.Atoi(m[1])
	frac, _ := strconv.Atoi((m[2] + "000")[:3])
	return 10000 - (whole*1000 + frac), nil
}

// zhe is basis points off as 折: 1500 is "8.5", 1000 is "9".
func zhe(bpOff int) string {
	pay := 10000 - bpOff
	s := strconv.Itoa(pay / 1000)
	if frac := pay % 1000; frac != 0 {
		s += "." + strings.TrimRight(strconv.Itoa(1000 + frac)[1:], "0")
	}
	return s
}

// keysetHref is a list's address: path with the non-empty params (name, value pairs) and, when
// before is set, the keyset cursor (the last id of the page shown).
func keysetHref(path string, before int64, params ...string) template.URL {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		if params[i+1] != "" {
			v.Set(params[i], params[i+1])
		}
	}
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	q := v.Encode()
	if q == "" {
		return template.URL(path) //nolint:gosec // a constant path
	}
	return template.URL(path + "?" + q) //nolint:gosec // a constant path and an encoded query
}

// barWidth is the width of a bar drawn for part of whole, in a bar of width units; a part over
// the whole fills it. Integer arithmetic: the figures are fen or counts.
func barWidth(part, whole, width int64) int64 {
	if whole <= 0 || part <= 0 {
		return 0
	}
	return min(part, whole) * width / whole
}
