package tui

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The parsers here turn what an interviewer typed into the ODK string form
// of an answer, or into an error message that says what to type instead.
// Messages are shown on the inline error line, so they are short and say
// how to fix the answer.

// parseInteger reads a whole number: optional sign, digits, thousands
// separators as spaces or underscores left out. ODK integers are 32-bit.
func parseInteger(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", nil
	}
	t = strings.NewReplacer(" ", "", "_", "").Replace(t)
	if !wholeRe.MatchString(t) {
		if decimalRe.MatchString(t) {
			return "", fmt.Errorf("%s is not a whole number: leave out the decimals", s)
		}
		return "", fmt.Errorf("%q is not a number: type digits only", s)
	}
	n, err := strconv.ParseInt(t, 10, 32)
	if err != nil {
		return "", fmt.Errorf("%s is too large: the limit is ±%d", s, math.MaxInt32)
	}
	return strconv.FormatInt(n, 10), nil
}

var (
	wholeRe   = regexp.MustCompile(`^[+-]?[0-9]+$`)
	decimalRe = regexp.MustCompile(`^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$`)
)

// parseDecimal reads a decimal number; a comma is taken as the decimal
// point, since interviewers in many countries type one. The value is
// written back plainly (no exponent, no trailing zeros).
func parseDecimal(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", nil
	}
	t = strings.NewReplacer(" ", "", "_", "").Replace(t)
	if !decimalRe.MatchString(t) {
		return "", fmt.Errorf("%q is not a number: type digits and one decimal point", s)
	}
	f, err := strconv.ParseFloat(strings.Replace(t, ",", ".", 1), 64)
	if err != nil || math.IsInf(f, 0) {
		return "", fmt.Errorf("%s is too large", s)
	}
	if f == 0 {
		f = 0 // no "-0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// parseDate reads a date as YYYY-MM-DD (or YYYYMMDD, or with slashes or
// dots) and writes it as YYYY-MM-DD.
func parseDate(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", nil
	}
	d, err := readDate(t)
	if err != nil {
		return "", err
	}
	return d.Format(time.DateOnly), nil
}

var dateRe = regexp.MustCompile(`^([0-9]{4})[-/.]?([0-9]{1,2})[-/.]?([0-9]{1,2})$`)

func readDate(t string) (time.Time, error) {
	m := dateRe.FindStringSubmatch(t)
	if m == nil || (len(t) != 8 && !strings.ContainsAny(t, "-/.")) {
		return time.Time{}, fmt.Errorf("%q is not a date: type YYYY-MM-DD, e.g. 2026-03-31", t)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	if mo < 1 || mo > 12 {
		return time.Time{}, fmt.Errorf("%q has no month %d: months are 01 to 12", t, mo)
	}
	date := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if d < 1 || date.Day() != d {
		return time.Time{}, fmt.Errorf("%q: %s %d has no day %d", t, time.Month(mo), y, d)
	}
	return date, nil
}

// parseTime reads a time of day as HH:MM or HH:MM:SS (24-hour; HHMM too)
// and writes it as HH:MM:SS, the form model.AnswerEvent records.
func parseTime(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", nil
	}
	h, m, sec, err := readClock(t)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%02d:%02d:%02d", h, m, sec), nil
}

var clockRe = regexp.MustCompile(`^([0-9]{1,2}):?([0-9]{2})(?::([0-9]{2}))?$`)

func readClock(t string) (h, m, s int, err error) {
	g := clockRe.FindStringSubmatch(t)
	if g == nil {
		return 0, 0, 0, fmt.Errorf("%q is not a time: type HH:MM (24-hour), e.g. 14:30", t)
	}
	h, _ = strconv.Atoi(g[1])
	m, _ = strconv.Atoi(g[2])
	if g[3] != "" {
		s, _ = strconv.Atoi(g[3])
	}
	if h > 23 || m > 59 || s > 59 {
		return 0, 0, 0, fmt.Errorf("%q is not a time of day: hours 00-23, minutes 00-59", t)
	}
	return h, m, s, nil
}

// parseDateTime reads a date and a time ("2026-03-31 14:30", or with a T)
// in loc and writes RFC 3339 with loc's offset at that moment.
func parseDateTime(s string, loc *time.Location) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", nil
	}
	if loc == nil {
		loc = time.UTC
	}
	ds, ts, ok := strings.Cut(t, " ")
	if !ok {
		ds, ts, ok = strings.Cut(t, "T")
	}
	ts = strings.TrimSpace(ts)
	if !ok || ts == "" {
		return "", fmt.Errorf("%q needs a date and a time: type YYYY-MM-DD HH:MM", s)
	}
	d, err := readDate(ds)
	if err != nil {
		return "", err
	}
	h, m, sec, err := readClock(ts)
	if err != nil {
		return "", err
	}
	at := time.Date(d.Year(), d.Month(), d.Day(), h, m, sec, 0, loc)
	return at.Format(time.RFC3339), nil
}

// bounds is the interval a simple numeric constraint allows.
type bounds struct {
	lo, hi         float64
	hasLo, hasHi   bool
	openLo, openHi bool // strict inequality
}

var boundRe = regexp.MustCompile(`^\s*\.\s*(>=|<=|>|<)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$`)

// constraintBounds reads the bounds of a constraint made only of
// comparisons of the answer with numbers joined by "and" (". >= 0 and
// . <= 120"), the common case, so that they can be shown and checked as
// the interviewer types. Anything else is left to the engine: ok is false.
func constraintBounds(expr string) (b bounds, ok bool) {
	if strings.TrimSpace(expr) == "" {
		return b, false
	}
	for _, part := range strings.Split(expr, " and ") {
		m := boundRe.FindStringSubmatch(part)
		if m == nil {
			return bounds{}, false
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return bounds{}, false
		}
		switch m[1] {
		case ">=", ">":
			b.lo, b.hasLo, b.openLo = v, true, m[1] == ">"
		case "<=", "<":
			b.hi, b.hasHi, b.openHi = v, true, m[1] == "<"
		}
	}
	return b, true
}

// check reports whether v lies within the bounds.
func (b bounds) check(v float64) bool {
	if b.hasLo && (v < b.lo || b.openLo && v == b.lo) {
		return false
	}
	if b.hasHi && (v > b.hi || b.openHi && v == b.hi) {
		return false
	}
	return true
}

// String describes the bounds for the interviewer: "0 to 120", "at least
// 18", "less than 5".
func (b bounds) String() string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	switch {
	case b.hasLo && b.hasHi && !b.openLo && !b.openHi:
		return f(b.lo) + " to " + f(b.hi)
	case b.hasLo && b.hasHi:
		return lower(b, f) + " and " + upper(b, f)
	case b.hasLo:
		return lower(b, f)
	case b.hasHi:
		return upper(b, f)
	}
	return ""
}

func lower(b bounds, f func(float64) string) string {
	if b.openLo {
		return "more than " + f(b.lo)
	}
	return "at least " + f(b.lo)
}

func upper(b bounds, f func(float64) string) string {
	if b.openHi {
		return "less than " + f(b.hi)
	}
	return "at most " + f(b.hi)
}
