package xpath

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a [Value].
type Kind int

// The kinds of XPath value. XPath 1.0 has the first four; dates and dateTimes
// are JavaRosa's extension, produced by date(), today(), now() and friends.
const (
	KindString Kind = iota
	KindNumber
	KindBool
	KindNodes
	KindDate
	KindDateTime
)

// String names the kind as error messages and `canvass eval` users read it.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindNumber:
		return "number"
	case KindBool:
		return "boolean"
	case KindNodes:
		return "node-set"
	case KindDate:
		return "date"
	case KindDateTime:
		return "dateTime"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is an XPath value: a string, a number, a boolean, a node-set of text
// nodes, or a date or dateTime as JavaRosa has them. The zero Value is the
// empty string, which is what an unanswered question evaluates to.
type Value struct {
	kind  Kind
	s     string    // KindString
	f     float64   // KindNumber; KindBool (1 or 0); KindDate (days since 1970-01-01)
	t     time.Time // KindDateTime
	nodes []string  // KindNodes: the text of each node, in document order
}

// String returns a string value.
func String(s string) Value { return Value{kind: KindString, s: s} }

// Number returns a number value.
func Number(f float64) Value { return Value{kind: KindNumber, f: f} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{kind: KindBool, f: 1}
	}
	return Value{kind: KindBool}
}

// Nodes returns a node-set of text nodes with the given texts, in order: what a
// question inside a repeat looks like from outside the repeat (one node per
// instance), or what a path into a secondary instance selects. The value
// keeps vals: the caller must not modify it afterwards.
func Nodes(vals ...string) Value {
	return Value{kind: KindNodes, nodes: vals}
}

// Date returns a date value: the calendar day t falls on in t's location.
func Date(t time.Time) Value {
	y, m, d := t.Date()
	return dateFromDays(daysFromCivil(y, m, d))
}

// DateTime returns a dateTime value: an instant, kept with t's location so that
// it prints with the offset it was given in.
func DateTime(t time.Time) Value { return Value{kind: KindDateTime, t: t} }

// dateFromDays is the date that many days after 1970-01-01.
func dateFromDays(days int64) Value { return Value{kind: KindDate, f: float64(days)} }

// Kind reports the type of the value.
func (v Value) Kind() Kind { return v.kind }

// Len is the number of nodes of a node-set, and 1 for any other value.
func (v Value) Len() int {
	if v.kind == KindNodes {
		return len(v.nodes)
	}
	return 1
}

// NodeTexts returns the texts of the nodes of a node-set (nil for other
// kinds). The caller must not modify the slice.
func (v Value) NodeTexts() []string {
	if v.kind == KindNodes {
		return v.nodes
	}
	return nil
}

// Time returns the instant of a dateTime, or midnight UTC of a date, and
// whether the value is one of those two kinds.
func (v Value) Time() (time.Time, bool) {
	switch v.kind {
	case KindDateTime:
		return v.t, true
	case KindDate:
		return time.Unix(int64(v.f)*secondsPerDay, 0).UTC(), true
	}
	return time.Time{}, false
}

// String is XPath's string(): numbers as XPath prints them (1, 1.5, NaN,
// Infinity, -Infinity; never an exponent or a trailing ".0"), booleans "true"
// and "false", dates YYYY-MM-DD, dateTimes in ISO 8601 with milliseconds and
// offset (Z for UTC), and a node-set the text of its first node, or "" when empty.
func (v Value) String() string {
	switch v.kind {
	case KindString:
		return v.s
	case KindNumber:
		return formatNumber(v.f)
	case KindBool:
		if v.f != 0 {
			return "true"
		}
		return "false"
	case KindNodes:
		if len(v.nodes) == 0 {
			return ""
		}
		return v.nodes[0]
	case KindDate:
		t, _ := v.Time()
		return t.Format("2006-01-02")
	case KindDateTime:
		return v.t.Format("2006-01-02T15:04:05.000Z07:00")
	}
	return ""
}

// Number is XPath's number(): a string is parsed as an XPath number (optional
// minus sign, digits with an optional decimal point, surrounding white space;
// no exponent, no "Infinity") or, as JavaRosa does, as a date; anything else is
// NaN. True is 1, false 0; a date is its count of days since 1970-01-01 and a
// dateTime the fractional count.
func (v Value) Number() float64 {
	switch v.kind {
	case KindString:
		return stringToNumber(v.s)
	case KindNumber, KindBool, KindDate:
		return v.f
	case KindNodes:
		if len(v.nodes) == 0 {
			return math.NaN()
		}
		return stringToNumber(v.nodes[0])
	case KindDateTime:
		return fractionalDays(v.t)
	}
	return math.NaN()
}

// Bool is XPath's boolean(): a number is true unless it is ±0 or NaN, a string
// unless it is empty, a node-set unless it has no nodes; dates are always true.
func (v Value) Bool() bool {
	switch v.kind {
	case KindString:
		return v.s != ""
	case KindNumber:
		return v.f != 0 && !math.IsNaN(v.f)
	case KindBool:
		return v.f != 0
	case KindNodes:
		return len(v.nodes) > 0
	case KindDate, KindDateTime:
		return true
	}
	return false
}

// formatNumber prints a number as XPath 1.0 string() does.
func formatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0" // also -0
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// stringToNumber is number() of a string.
func stringToNumber(s string) float64 {
	s = strings.TrimSpace(s)
	if f, ok := parseXPathNumber(s); ok {
		return f
	}
	// JavaRosa turns date strings into their day count.
	if len(s) >= 10 && s[4] == '-' {
		if t, kind, err := parseDateTime(s, time.UTC); err == nil {
			if kind == KindDate {
				return Date(t).f
			}
			return fractionalDays(t)
		}
	}
	return math.NaN()
}

// parseXPathNumber parses the XPath 1.0 Number production with an optional
// leading minus: -?(Digits ('.' Digits?)? | '.' Digits).
func parseXPathNumber(s string) (float64, bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Only range errors can remain; ParseFloat already returns ±Inf or 0.
		return f, true
	}
	return f, true
}
