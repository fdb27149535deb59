package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUnicodeEquivalentEmailsOptedOut (issue 11.4): an opt-out stops every
// spelling of an email, NFC or NFD, its domain in Unicode or as an IDNA
// A-label, one by one or from a list.
func TestUnicodeEquivalentEmailsOptedOut(t *testing.T) {
	for _, tc := range []struct {
		name, contact, optout string
		bulk                  bool
	}{
		{"NFD opt-out, NFC contact", "jos\u00e9@example.com", "JOSE\u0301@example.com", false},
		{"NFC opt-out, NFD contact", "jose\u0301@example.com", "jos\u00e9@example.com", false},
		{"A-label opt-out, Unicode domain", "ana@b\u00fccher.de", "ana@xn--bcher-kva.de", false},
		{"Unicode opt-out, A-label contact", "ana@xn--bcher-kva.de", "ana@bu\u0308cher.de", false},
		{"NFD list, NFC contact", "zo\u00eb@example.org", "zoe\u0308@example.org", true},
	} {
		for _, encrypted := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/encrypted=%v", tc.name, encrypted), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "c.db")
				s, err := Open(path, Options{Encrypt: encrypted, KeyDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				importCSV(t, s, "s1", "id,email\na,"+tc.contact+"\n")
				if tc.bulk {
					if _, err := s.ImportOptOuts(strings.NewReader(tc.optout+"\n"), "list", "US", "sup"); err != nil {
						t.Fatal(err)
					}
				} else if _, _, err := s.AddOptOut(tc.optout, "US", "", "sup"); err != nil {
					t.Fatal(err)
				}
				if on, _, _ := s.OptedOut(tc.contact, "US"); !on {
					t.Errorf("OptedOut(%q) after opting out %q = false", tc.contact, tc.optout)
				}
				if _, st, err := s.Contact("s1", "a"); err != nil || st.Status != StatusSuppressed {
					t.Errorf("contact %q after opting out %q: %+v, %v; want suppressed", tc.contact, tc.optout, st, err)
				}
				if p, err := s.Next("s1", DrawOptions{Interviewer: "ivy", Now: t0.Add(1000 * time.Hour)}); !errors.Is(err, ErrQueueEmpty) {
					t.Errorf("Next after opting out %q = %+v, %v; want no contact", tc.optout, p, err)
				}
				// The other way round: a row written in another spelling
				// of an opted-out address is suppressed at import.
				res := importCSV(t, s, "s2", "id,email\nb,"+tc.optout+"\n")
				if res.Suppressed != 1 {
					t.Errorf("import of %q after opting out %q = %+v, want it suppressed", tc.optout, tc.optout, res)
				}
				if rep, err := s.Doctor(); err != nil || len(rep.Problems) != 0 {
					t.Errorf("Doctor() = %+v, %v", rep, err)
				}
			})
		}
	}
}

// TestSchema4EmailsRekeyed opens a store written before the new email
// normalisation (store/testdata/schema4-emails.db, written by canvass at
// commit 84a2a45: contacts a jose+U+0301@example.com, b ana@bücher.de,
// c carl@example.com, d zoë@example.org; an opt-out of zoe+U+0308 added
// one by one, which missed d; a bulk list holding lu+U+0301cia@example.com)
// and checks that schema 5 re-keys what it can, and that what was keyed
// under the old form still matches.
func TestSchema4EmailsRekeyed(t *testing.T) {
	raw, err := os.ReadFile("testdata/schema4-emails.db")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "old.db")
	must(t, os.WriteFile(path, raw, 0o600))
	s, err := Open(path, Options{Now: fixedClock(t0.Add(48*time.Hour), 0)})
	if err != nil {
		t.Fatalf("Open(schema 4 fixture) = %v", err)
	}
	defer s.Close()
	if v, _ := s.Schema(); v != SchemaVersion {
		t.Errorf("schema = %d, want %d", v, SchemaVersion)
	}
	if b, _ := filepath.Glob(path + ".schema4-*.bak"); len(b) != 1 {
		t.Errorf("backups = %v, want one of schema 4", b)
	}
	// The opt-out of zoe+U+0308 now has its NFC form too, which reaches d.
	if _, st, err := s.Contact("s1", "d"); err != nil || st.Status != StatusSuppressed {
		t.Errorf("contact d (zoë) after the upgrade: %+v, %v; want suppressed by the re-keyed opt-out", st, err)
	}
	// Contacts stored in the old form are reached by the new one.
	for _, tc := range []struct{ id, optout string }{{"a", "jos\u00e9@example.com"}, {"b", "ana@xn--bcher-kva.de"}} {
		if _, _, err := s.AddOptOut(tc.optout, "US", "", "sup"); err != nil {
			t.Fatal(err)
		}
		if _, st, err := s.Contact("s1", tc.id); err != nil || st.Status != StatusSuppressed {
			t.Errorf("contact %s after opting out %q: %+v, %v; want suppressed", tc.id, tc.optout, st, err)
		}
	}
	// An ASCII contact is as it was.
	if _, st, err := s.Contact("s1", "c"); err != nil || st.Status != StatusQueued {
		t.Errorf("contact c: %+v, %v; want queued", st, err)
	}
	// New rows in either form are duplicates of the old contacts.
	res := importCSV(t, s, "s1", "id,email\nb2,ana@b\u00fccher.de\nb3,ANA@XN--BCHER-KVA.DE\n")
	if res.Duplicate+res.Suppressed != 2 || res.Imported != 0 {
		t.Errorf("import of b's address in both forms = %+v, want none imported", res)
	}
	// The bulk entry, kept only as the hash of its old form, still
	// matches that form.
	if on, _, _ := s.OptedOut("lu\u0301cia@example.com", "US"); !on {
		t.Errorf("OptedOut(lu+U+0301cia) = false, want the old bulk entry to match")
	}
	if res := importCSV(t, s, "s3", "id,email\nl,lu\u0301cia@example.com\n"); res.Suppressed != 1 {
		t.Errorf("import of lu+U+0301cia = %+v, want it suppressed by the old bulk entry", res)
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) != 0 {
		t.Errorf("Doctor() after the upgrade = %+v, %v", rep, err)
	}
	// Removing a value takes off its old form too.
	if _, err := s.RemoveOptOut("zoe\u0308@example.org", "US", "asked to be called again", "sup"); err != nil {
		t.Fatal(err)
	}
	if on, _, _ := s.OptedOut("zoe\u0308@example.org", "US"); on {
		t.Errorf("OptedOut(zoë) after RemoveOptOut = true")
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) != 0 {
		t.Errorf("Doctor() after the removal = %+v, %v", rep, err)
	}
}
