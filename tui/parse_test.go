package tui

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestParsers(t *testing.T) {
	zone := time.FixedZone("UTC+2", 2*3600)
	type parser struct {
		name string
		fn   func(string) (string, error)
	}
	integer := parser{"parseInteger", parseInteger}
	decimal := parser{"parseDecimal", parseDecimal}
	date := parser{"parseDate", parseDate}
	clock := parser{"parseTime", parseTime}
	dateTime := parser{"parseDateTime", func(s string) (string, error) { return parseDateTime(s, zone) }}
	tests := []struct {
		p       parser
		in      string
		want    string
		wantErr bool
	}{
		{integer, "42", "42", false},
		{integer, " -7 ", "-7", false},
		{integer, "+7", "7", false},
		{integer, "1 000", "1000", false},
		{integer, "007", "7", false},
		{integer, "", "", false},
		{integer, "2147483647", "2147483647", false},
		{integer, "2147483648", "", true},
		{integer, "1.5", "", true},
		{integer, "12a", "", true},
		{integer, "--1", "", true},
		{integer, "-", "", true},
		{decimal, "3.25", "3.25", false},
		{decimal, "3,25", "3.25", false},
		{decimal, ".5", "0.5", false},
		{decimal, "5.", "5", false},
		{decimal, "-0", "0", false},
		{decimal, "1e5", "", true},
		{decimal, "NaN", "", true},
		{decimal, "Inf", "", true},
		{decimal, "0x10", "", true},
		{decimal, "1.2.3", "", true},
		{date, "2026-03-31", "2026-03-31", false},
		{date, "2026-3-1", "2026-03-01", false},
		{date, "2026/03/31", "2026-03-31", false},
		{date, "20260331", "2026-03-31", false},
		{date, "2024-02-29", "2024-02-29", false},
		{date, "2026-02-29", "", true},
		{date, "2026-13-01", "", true},
		{date, "2026-00-10", "", true},
		{date, "2026-01-00", "", true},
		{date, "202631", "", true},
		{date, "31/03/2026", "", true},
		{clock, "14:30", "14:30:00", false},
		{clock, "7:05", "07:05:00", false},
		{clock, "0730", "07:30:00", false},
		{clock, "23:59:59", "23:59:59", false},
		{clock, "24:00", "", true},
		{clock, "12:60", "", true},
		{clock, "12:3", "", true},
		{dateTime, "2026-03-31 14:30", "2026-03-31T14:30:00+02:00", false},
		{dateTime, "2026-03-31T14:30:15", "2026-03-31T14:30:15+02:00", false},
		{dateTime, "2026-03-31", "", true},
		{dateTime, "2026-02-30 10:00", "", true},
		{dateTime, "2026-03-31 25:00", "", true},
	}
	for _, tc := range tests {
		got, err := tc.p.fn(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%s(%q) = %q, %v; want %q, error %v", tc.p.name, tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestConstraintBounds(t *testing.T) {
	tests := []struct {
		expr string
		ok   bool
		want string
		in   []float64
		out  []float64
	}{
		{". >= 1 and . <= 20", true, "1 to 20", []float64{1, 20, 7}, []float64{0, 21}},
		{". > 0", true, "more than 0", []float64{0.1, 100}, []float64{0, -1}},
		{".<120", true, "less than 120", []float64{119}, []float64{120}},
		{". >= -5.5 and . < 3", true, "at least -5.5 and less than 3", []float64{-5.5, 2.9}, []float64{3, -6}},
		{". >= 18 or . = 0", false, "", nil, nil},
		{"${age} > 18", false, "", nil, nil},
		{"", false, "", nil, nil},
	}
	for _, tc := range tests {
		b, ok := constraintBounds(tc.expr)
		if ok != tc.ok || ok && b.String() != tc.want {
			t.Errorf("constraintBounds(%q) = %q, %v; want %q, %v", tc.expr, b.String(), ok, tc.want, tc.ok)
		}
		for _, v := range tc.in {
			if !b.check(v) {
				t.Errorf("constraintBounds(%q).check(%v) = false, want true", tc.expr, v)
			}
		}
		for _, v := range tc.out {
			if b.check(v) {
				t.Errorf("constraintBounds(%q).check(%v) = true, want false", tc.expr, v)
			}
		}
	}
}

// fuzzIdempotent checks a parser on any input: no panic, and an accepted
// value is in canonical form, parsing back to itself.
func fuzzIdempotent(f *testing.F, seeds []string, parse func(string) (string, error), form *regexp.Regexp) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := parse(in)
		if err != nil || v == "" {
			return
		}
		if !form.MatchString(v) {
			t.Fatalf("parse(%q) = %q, not in canonical form %s", in, v, form)
		}
		again, err := parse(v)
		if err != nil || again != v {
			t.Fatalf("parse(parse(%q)) = %q, %v; want %q", in, again, err, v)
		}
	})
}

func FuzzParseInteger(f *testing.F) {
	fuzzIdempotent(f, []string{"42", "-7", "1 000", "2147483648", "1.5", "+0", "٣"}, parseInteger,
		regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`))
}

func FuzzParseDecimal(f *testing.F) {
	fuzzIdempotent(f, []string{"3.25", "3,25", ".5", "-0", "1e5", "NaN", "99999999999999999999999"}, parseDecimal,
		regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$`))
}

func FuzzParseDate(f *testing.F) {
	fuzzIdempotent(f, []string{"2026-03-31", "20260331", "2026/3/1", "2026-02-30", "0000-01-01"}, parseDate,
		regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`))
}

func FuzzParseTime(f *testing.F) {
	fuzzIdempotent(f, []string{"14:30", "7:05", "0730", "23:59:59", "24:00"}, parseTime,
		regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$`))
}

func FuzzParseDateTime(f *testing.F) {
	zone := time.FixedZone("UTC-3", -3*3600)
	for _, s := range []string{"2026-03-31 14:30", "2026-03-31T14:30:15", "2026-03-31", " T "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := parseDateTime(in, zone)
		if err != nil || v == "" {
			return
		}
		at, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t.Fatalf("parseDateTime(%q) = %q, not RFC 3339: %v", in, v, err)
		}
		if _, off := at.Zone(); off != -3*3600 {
			t.Fatalf("parseDateTime(%q) = %q, offset %d, want the zone's -10800", in, v, off)
		}
	})
}

func FuzzConstraintBounds(f *testing.F) {
	for _, s := range []string{". >= 1 and . <= 20", ". > 0", ". >= 18 or . = 0", ". < -1.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		b, ok := constraintBounds(expr)
		if !ok {
			return
		}
		if b.hasLo && b.hasHi && b.lo < b.hi {
			mid := (b.lo + b.hi) / 2
			if !b.check(mid) {
				t.Fatalf("constraintBounds(%q) refuses %s, between its bounds %s", expr, strconv.FormatFloat(mid, 'f', -1, 64), b)
			}
		}
	})
}
