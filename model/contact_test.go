package model

import (
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
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
		// Unicode (issue 11.4): one key for every spelling of an address.
		{"jos\u00e9@example.com", "jos\u00e9@example.com", true},  // NFC
		{"jose\u0301@example.com", "jos\u00e9@example.com", true}, // NFD: the same address
		{"JOSE\u0301@EXAMPLE.COM", "jos\u00e9@example.com", true}, // and upper case
		{"ana@b\u00fccher.de", "ana@xn--bcher-kva.de", true},      // IDNA: the A-label
		{"ana@bu\u0308cher.de", "ana@xn--bcher-kva.de", true},     // decomposed
		{"ana@B\u00dcCHER.DE", "ana@xn--bcher-kva.de", true},      // upper case
		{"ana@XN--BCHER-KVA.DE", "ana@xn--bcher-kva.de", true},    // the A-label written
		{"ana@xn--zz.de", "ana@xn--zz.de", true},                  // ASCII stays as written
		{"ana@\u4f8b\u3048.\u30c6\u30b9\u30c8", "ana@xn--r8jz45g.xn--zckzah", true},
		{"ana@exa\u200dmple.com", "", false}, // a joiner outside its context: no valid IDN
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

// FuzzNormalizeEmail holds NormalizeEmail to what the opt-out list relies
// on: canonically equivalent spellings (NFC, NFD) of an address give one
// result, the result normalises to itself with an ASCII domain, and an
// ASCII address only loses its upper case and surrounding space.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"ana@example.com", "jos\u00e9@example.com", "jose\u0301@b\u00fccher.de",
		"\u00c5sa@\u00e5\u00e4\u00f6.se", "x@xn--bcher-kva.de", "A.B+c@EXAMPLE.org", "\u0130@x.tr", "o'brien@example.ie", "a@\u2603.net"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		got, err := NormalizeEmail(s)
		for _, form := range []norm.Form{norm.NFC, norm.NFD} {
			alt := form.String(s)
			got2, err2 := NormalizeEmail(alt)
			if (err == nil) != (err2 == nil) || got2 != got {
				t.Fatalf("NormalizeEmail(%q) = %q, %v but of its %v form %q = %q, %v", s, got, err, form, alt, got2, err2)
			}
		}
		if err != nil {
			return
		}
		if again, err := NormalizeEmail(got); err != nil || again != got {
			t.Fatalf("NormalizeEmail(%q) = %q, and again = %q, %v; want it unchanged", s, got, again, err)
		}
		if !norm.NFC.IsNormalString(got) {
			t.Errorf("NormalizeEmail(%q) = %q, not NFC", s, got)
		}
		if d := got[strings.LastIndexByte(got, '@')+1:]; !ascii(d) {
			t.Errorf("NormalizeEmail(%q) = %q: domain not ASCII", s, got)
		}
		if ascii(s) && got != strings.ToLower(strings.TrimSpace(s)) {
			t.Errorf("NormalizeEmail(%q) = %q, want an ASCII address only lower-cased", s, got)
		}
	})
}
