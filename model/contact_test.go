package model

import (
	"net/mail"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{" Ana.Lopez@Example.COM ", "ana.lopez@example.com", true},
		{"p0+tag@mail.example.co.uk", "p0+tag@mail.example.co.uk", true},
		{"o'brien@example.ie", "o'brien@example.ie", true}, // not plain, still valid
		{"a..b@example.com", "", false},
		{"a@example", "", false},
		{"@example.com", "", false},
		{"a@", "", false},
		{"Ana <ana@example.com>", "", false},
		{"", "", false},
	} {
		got, err := NormalizeEmail(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// FuzzPlainEmail holds the fast path to what net/mail decides: every
// address plainEmail accepts, ParseAddress accepts unchanged.
func FuzzPlainEmail(f *testing.F) {
	for _, s := range []string{"p0@example.com", "a.b-c_d+e%f@x-y.example.org", "a@b.c", "a.@b.c", "-@-.-", "a@b..c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" || !plainEmail(s) {
			return
		}
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s {
			t.Errorf("plainEmail(%q) but ParseAddress = %+v, %v", s, a, err)
		}
	})
}
