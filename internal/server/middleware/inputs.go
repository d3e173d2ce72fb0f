package middleware

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/envoyproxy/protoc-gen-validate/validate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

// What every request field must satisfy, whatever rules its proto declares, so that a new
// field is covered without anyone remembering to:
//
//   - text holds no control characters (NUL, escape, carriage return, …): they corrupt logs,
//     CSV exports and receipts, and PostgreSQL refuses NUL in text outright. Free text marked
//     (groupbuy.v1.input).multiline may hold line feeds and tabs.
//   - text the rules require (min_len) is not only white space.
//   - every timestamp, and every day or month marked (groupbuy.v1.input).calendar, lies
//     between earliest and maxAhead from now. No date of this service lies outside that;
//     the domain's narrower ranges (a batch's window, a plan's start) are checked in biz.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const maxAhead = 10 // years

// inputViolations walks every field set in m.
func inputViolations(m protoreflect.Message, now time.Time) []violation {
	var vs []violation
	walk(m, "", now, &vs)
	return vs
}

// walk checks every field set in m, whose path is prefix. A value's path is built only when it
// breaks a rule or holds a message to walk: a request of a hundred events is checked without a
// string made for each of its fields.
func walk(m protoreflect.Message, prefix string, now time.Time, vs *[]violation) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			l := v.List()
			for i := range l.Len() {
				checkValue(fd, fd, l.Get(i), func() string { return join(prefix, fd.JSONName()) + "[" + strconv.Itoa(i) + "]" }, now, vs)
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				item := func() string { return fmt.Sprintf("%s[%v]", join(prefix, fd.JSONName()), k.Interface()) }
				checkValue(fd, fd.MapKey(), k.Value(), item, now, vs)
				checkValue(fd, fd.MapValue(), mv, item, now, vs)
				return true
			})
		default:
			checkValue(fd, fd, v, func() string { return join(prefix, fd.JSONName()) }, now, vs)
		}
		return true
	})
}

// checkValue checks one value of field (a list item, a map key or value: kind says which);
// field carries the options, path names the value.
func checkValue(field, kind protoreflect.FieldDescriptor, v protoreflect.Value, path func() string, now time.Time, vs *[]violation) {
	var rule string
	switch kind.Kind() {
	case protoreflect.StringKind:
		rule = checkText(field, v.String(), now)
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if ts, ok := v.Message().Interface().(*timestamppb.Timestamp); ok {
			rule = checkTimestamp(ts, now)
		} else {
			walk(v.Message(), path(), now, vs)
		}
	}
	if rule != "" {
		*vs = append(*vs, violation{path: path(), rule: rule})
	}
}

// checkText returns the rule s breaks, or "".
func checkText(fd protoreflect.FieldDescriptor, s string, now time.Time) string {
	rules := textRulesOf(fd)
	for _, r := range s {
		if unicode.IsControl(r) && !allowedControl(r, rules.multiline) {
			if rules.multiline {
				return fmt.Sprintf("must not contain control characters other than line feed and tab (found %U)", r)
			}
			return fmt.Sprintf("must not contain control characters (found %U)", r)
		}
	}
	if rules.required && strings.TrimSpace(s) == "" {
		return "must not be blank"
	}
	switch rules.calendar {
	case v1.Calendar_CALENDAR_DAY:
		return checkCalendar(s, time.DateOnly, "a day, YYYY-MM-DD", now)
	case v1.Calendar_CALENDAR_MONTH:
		return checkCalendar(s, "2006-01", "a month, YYYY-MM", now)
	}
	return ""
}

// textRules are what checkText needs of a text field's options.
type textRules struct {
	multiline, required bool
	calendar            v1.Calendar
}

// textRulesByField caches each field's textRules: options are fixed once the descriptors are
// built, and reading extensions allocates, on every field of every request.
var textRulesByField sync.Map // protoreflect.FullName → textRules

func textRulesOf(fd protoreflect.FieldDescriptor) textRules {
	if r, ok := textRulesByField.Load(fd.FullName()); ok {
		return r.(textRules)
	}
	opts := inputOptions(fd)
	r := textRules{multiline: opts.GetMultiline(), required: requiredText(fd), calendar: opts.GetCalendar()}
	textRulesByField.Store(fd.FullName(), r)
	return r
}

// allowedControl reports whether multi-line text may hold the control character r.
func allowedControl(r rune, multiline bool) bool {
	return multiline && (r == '\n' || r == '\t')
}

func checkCalendar(s, layout, what string, now time.Time) string {
	t, err := time.ParseInLocation(layout, s, bjtime.Zone)
	if err != nil {
		return "must be " + what
	}
	return checkRange(t, now)
}

func checkTimestamp(ts *timestamppb.Timestamp, now time.Time) string {
	if err := ts.CheckValid(); err != nil {
		return "must be a valid timestamp"
	}
	return checkRange(ts.AsTime(), now)
}

// checkRange returns the rule t breaks, or "": it must lie between earliest and maxAhead.
func checkRange(t, now time.Time) string {
	latest := now.AddDate(maxAhead, 0, 0)
	if t.Before(earliest) || t.After(latest) {
		return fmt.Sprintf("must lie between %s and %s", earliest.Format(time.DateOnly), latest.Format(time.DateOnly))
	}
	return ""
}

// inputOptions are the field's (groupbuy.v1.input) options, or none.
func inputOptions(fd protoreflect.FieldDescriptor) *v1.Input {
	in, _ := proto.GetExtension(fd.Options(), v1.E_Input).(*v1.Input)
	return in
}

// requiredText reports whether the field's rules ask for at least one character.
func requiredText(fd protoreflect.FieldDescriptor) bool {
	rules, _ := proto.GetExtension(fd.Options(), validate.E_Rules).(*validate.FieldRules)
	if fd.IsList() {
		rules = rules.GetRepeated().GetItems()
	}
	return rules.GetString_().GetMinLen() > 0
}
