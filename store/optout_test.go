package store

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"canvass/model"

	"github.com/google/go-cmp/cmp"
)

func TestOptOutValueMatchesEveryNotation(t *testing.T) {
	want := model.OptOutKey("+14155550100")
	for _, v := range []string{
		"+1 415 555 0100", "(415) 555-0100", "415.555.0100", "14155550100",
		"4155550100", "415,5550100", " 415 , 5550100 ", "+14155550100",
		"sha256:" + hex.EncodeToString(want[:]),
		"SHA256:" + strings.ToUpper(hex.EncodeToString(want[:])),
	} {
		k, _, err := OptOutValue(v, "US")
		if err != nil {
			t.Errorf("OptOutValue(%q) error %v", v, err)
			continue
		}
		if k != want {
			t.Errorf("OptOutValue(%q) = %x, want the key of +14155550100", v, k)
		}
	}
	email := model.OptOutKey("ann@example.com")
	for _, v := range []string{"ann@example.com", "  Ann@Example.COM "} {
		if k, norm, err := OptOutValue(v, "US"); err != nil || k != email || norm != "ann@example.com" {
			t.Errorf("OptOutValue(%q) = %x, %q, %v, want the key of ann@example.com", v, k, norm, err)
		}
	}
	for _, v := range []string{"", "hello", "sha256:abc", "ann@", "415,555010", "115,5550100"} {
		if _, _, err := OptOutValue(v, "US"); err == nil {
			t.Errorf("OptOutValue(%q) accepted it, want an error", v)
		}
	}
}

func TestOptOutAddCheckRemoveList(t *testing.T) {
	s := openTest(t)
	norm, added, err := s.AddOptOut("(415) 555-0100", "US", "asked on the phone", "sam")
	if err != nil || !added || norm != "+14155550100" {
		t.Fatalf("AddOptOut = %q, %v, %v, want +14155550100, true, nil", norm, added, err)
	}
	if _, added, _ := s.AddOptOut("415.555.0100", "US", "again", "sam"); added {
		t.Errorf("AddOptOut of a listed number in another notation reported it new")
	}
	for _, v := range []string{"+1 415 555 0100", "14155550100", "415,5550100"} {
		if on, _, err := s.OptedOut(v, "US"); err != nil || !on {
			t.Errorf("OptedOut(%q) = %v, %v, want true", v, on, err)
		}
	}
	if on, _, _ := s.OptedOut("415 555 0101", "US"); on {
		t.Errorf("OptedOut(415 555 0101) = true, want false")
	}
	var got []OptOutEntry
	s.OptOuts(func(e OptOutEntry) error { got = append(got, e); return nil })
	if len(got) != 1 || got[0].Value != "+14155550100" || got[0].Reason != "asked on the phone" || got[0].Actor != "sam" {
		t.Errorf("OptOuts() = %+v, want one entry with value, reason and actor", got)
	}
	if _, err := s.RemoveOptOut("4155550100", "US", "", "sup"); err == nil {
		t.Errorf("RemoveOptOut without a reason succeeded, want an error")
	}
	if _, err := s.RemoveOptOut("4155550100", "US", "entered by mistake", "sup"); err != nil {
		t.Fatalf("RemoveOptOut: %v", err)
	}
	if on, _, _ := s.OptedOut("+14155550100", "US"); on {
		t.Errorf("OptedOut after RemoveOptOut = true, want false")
	}
	if _, err := s.RemoveOptOut("4155550100", "US", "twice", "sup"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RemoveOptOut of an absent value = %v, want ErrNotFound", err)
	}
	// The log keeps the audit trail: added, then removed with its reason.
	var kinds []string
	s.Events(1, func(e *Event) error { kinds = append(kinds, e.Kind); return nil })
	if diff := cmp.Diff([]string{KindOptOutAdded, KindOptOutRemoved}, kinds); diff != "" {
		t.Errorf("event kinds (-want +got):\n%s", diff)
	}
}

func TestImportOptOutsFormats(t *testing.T) {
	hashed := model.OptOutKey("+14155550199")
	tests := []struct {
		name     string
		file     string
		listed   []string
		unlisted []string
		res      OptOutImport
	}{
		{
			name:     "one value per line",
			file:     "+1 415 555 0100\n(415) 555-0101\n\nann@example.com\n# a comment\nnot a number\n",
			listed:   []string{"4155550100", "4155550101", "ANN@example.com"},
			unlisted: []string{"4155550102"},
			res:      OptOutImport{Values: 3, Added: 3, RejectedCount: 1, Rejected: []LineError{{Line: 6, Msg: `"not a number" is not a phone number`}}},
		},
		{
			name:   "do-not-call with header",
			file:   "AreaCode,PhoneNumber\r\n415,5550100\r\n415,5550101\r\n415,5550100\r\n",
			listed: []string{"+1 415 555 0100", "415-555-0101"},
			res:    OptOutImport{Values: 3, Added: 2, Already: 1},
		},
		{
			name:     "csv with phone and email columns",
			file:     "name,phone,email\nAnn,415 555 0100,ann@example.com\n\"Bo, Jr\",,bo@example.com\nCy,123,\n",
			listed:   []string{"4155550100", "ann@example.com", "bo@example.com"},
			unlisted: []string{"Ann"},
			res:      OptOutImport{Values: 3, Added: 3, RejectedCount: 1, Rejected: []LineError{{Line: 4, Msg: `"123" is not a possible phone number in US`}}},
		},
		{
			name:   "hashed list",
			file:   "sha256:" + hex.EncodeToString(hashed[:]) + "\n",
			listed: []string{"415 555 0199"},
			res:    OptOutImport{Values: 1, Added: 1},
		},
		{
			name: "empty file",
			file: "",
			res:  OptOutImport{},
		},
		{
			name: "not UTF-8",
			file: "4155550100\n\xff\xfe\n",
			res:  OptOutImport{Values: 1, Added: 1, RejectedCount: 1, Rejected: []LineError{{Line: 2, Msg: "not UTF-8 text"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			res, err := s.ImportOptOuts(strings.NewReader(tt.file), "list.txt", "US", "sup")
			if err != nil {
				t.Fatalf("ImportOptOuts: %v", err)
			}
			if diff := cmp.Diff(&tt.res, res); diff != "" {
				t.Errorf("ImportOptOuts result (-want +got):\n%s", diff)
			}
			for _, v := range tt.listed {
				if on, _, err := s.OptedOut(v, "US"); err != nil || !on {
					t.Errorf("OptedOut(%q) = %v, %v, want true", v, on, err)
				}
			}
			for _, v := range tt.unlisted {
				if on, _, _ := s.OptedOut(v, "US"); on {
					t.Errorf("OptedOut(%q) = true, want false", v)
				}
			}
		})
	}
}

// dncFile writes n do-not-call lines, numbers from base on, each twice when
// twice is set.
func dncFile(n, base int) io.Reader {
	var b bytes.Buffer
	for i := range n {
		x := base + i
		fmt.Fprintf(&b, "%03d,%07d\n", 200+x/8000000%800, 2000000+x%8000000)
	}
	return &b
}

// TestImportOptOutsSpills: an import larger than the keys held in memory
// spills them to the temporary file and still lists each number once; a
// second, overlapping file adds only what is new.
func TestImportOptOutsSpills(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a million keys")
	}
	s := openTest(t)
	n := optChunkKeys*2 + 1234
	res, err := s.ImportOptOuts(dncFile(n, 0), "dnc.txt", "US", "sup")
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != n || res.Values != n {
		t.Fatalf("ImportOptOuts of %d numbers = %+v, want all added", n, res)
	}
	// A second, overlapping file adds only what is new.
	res, err = s.ImportOptOuts(dncFile(1000, n-500), "dnc2.txt", "US", "sup")
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 500 || res.Already != 500 {
		t.Errorf("overlapping import = %+v, want 500 added, 500 already", res)
	}
	for _, v := range []string{"200,2000000", fmt.Sprintf("%03d,%07d", 200+(n-1)/8000000%800, 2000000+(n-1)%8000000)} {
		if on, _, _ := s.OptedOut(v, "US"); !on {
			t.Errorf("OptedOut(%s) = false, want true", v)
		}
	}
	count := 0
	s.OptOuts(func(OptOutEntry) error { count++; return nil })
	if count != n+500 {
		t.Errorf("OptOuts() listed %d entries, want %d", count, n+500)
	}
}

func FuzzOptOutParser(f *testing.F) {
	for _, seed := range []string{
		"+1 415 555 0100\n(415) 555-0101\n",
		"AreaCode,PhoneNumber\n415,5550100\n",
		"name,phone,email\nAnn,415 555 0100,ann@example.com\n",
		"sha256:" + strings.Repeat("ab", 32) + "\n",
		"phone\n\"unterminated\n",
		"\ufeffemail\r\nx@y.z\r\n",
		"\xff\n415,5550100",
		"",
		"#\n\n\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, file string) {
		p, err := newOptOutParser(strings.NewReader(file), "US")
		if err != nil {
			return
		}
		lines := strings.Count(file, "\n") + 1
		for n := 0; ; n++ {
			v, err := p.next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				return
			}
			if v.line < 1 || v.line > lines {
				t.Fatalf("value reported at line %d of a %d-line file", v.line, lines)
			}
			if n > len(file)+1 {
				t.Fatalf("parser returned more values (%d) than the file has bytes", n)
			}
		}
	})
}

// TestIndexKeysUnderEncryption: the optout and reach buckets of an
// encrypted store are keyed by a keyed hash, so the raw file holds neither
// the SHA-256 of an opted-out or sampled phone or email (which anyone could
// match by hashing every number) nor the value itself, while the list,
// hashed do-not-call entries, the draw gate, the reach dedupe and doctor
// work as in a plain store, which keeps plain SHA-256 keys.
func TestIndexKeysUnderEncryption(t *testing.T) {
	// values maps each value the test puts in the store to its E.164 or
	// normalised form.
	values := map[string]string{
		"(415) 555-0100":  "+14155550100", // added one by one before the import
		"212,5550150":     "+12125550150", // imported from a do-not-call file
		"(312) 555-0177":  "+13125550177", // imported as sha256:HEX
		"ann@example.com": "ann@example.com",
		"(415) 555-0199":  "+14155550199", // sampled, never opted out
		"bo@example.com":  "bo@example.com",
		"(646) 555-0123":  "+16465550123", // sampled, opted out after the import
	}
	hashed := model.OptOutKey("+13125550177")
	for _, tc := range []struct {
		name      string
		encrypted bool
	}{{"plain", false}, {"encrypted", true}} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.db")
			var s *Store
			if tc.encrypted {
				s = openEncrypted(t, path, filepath.Join(t.TempDir(), "keys"))
			} else {
				var err error
				if s, err = Open(path, Options{Now: fixedClock(t0, time.Millisecond)}); err != nil {
					t.Fatal(err)
				}
			}
			defer s.Close()
			if _, _, err := s.AddOptOut("(415) 555-0100", "US", "asked", "ivy"); err != nil {
				t.Fatal(err)
			}
			imp, err := s.ImportOptOuts(strings.NewReader("AreaCode,PhoneNumber\n212,5550150\nsha256:"+hex.EncodeToString(hashed[:])+"\n"), "dnc.txt", "US", "sup")
			if err != nil || imp.Added != 2 {
				t.Fatalf("ImportOptOuts = %+v, %v, want 2 added", imp, err)
			}
			res := importCSV(t, s, "s1", "id,phone,email\n"+
				"1,(415) 555-0199,bo@example.com\n"+
				"2,212-555-0150,\n"+
				"3,,ann@example.com\n"+
				"4,312 555 0177,\n"+
				"5,(646) 555-0123,\n"+
				"6,415.555.0199,\n")
			want := &ContactImport{Rows: 6, Imported: 3, Suppressed: 2, Duplicate: 1, Duplicates: []LineError{{Line: 7, Msg: "same phone or email as line 2"}}}
			if diff := cmp.Diff(want, res); diff != "" {
				t.Errorf("ImportContacts (-want +got):\n%s", diff)
			}
			for _, v := range []string{"ann@example.com", "(646) 555-0123"} {
				if _, _, err := s.AddOptOut(v, "US", "asked", "ivy"); err != nil {
					t.Fatal(err)
				}
			}
			for v, norm := range values {
				want := norm != "+14155550199" && norm != "bo@example.com"
				if on, _, err := s.OptedOut(v, "US"); err != nil || on != want {
					t.Errorf("OptedOut(%q) = %v, %v, want %v", v, on, err, want)
				}
			}
			if on, _, err := s.OptedOut("sha256:"+hex.EncodeToString(hashed[:]), "US"); err != nil || !on {
				t.Errorf("OptedOut(sha256:…) = %v, %v, want true", on, err)
			}
			var drawn []string
			for {
				p, err := s.Next("s1", DrawOptions{Interviewer: "ivy", Now: t0.Add(time.Hour)})
				if errors.Is(err, ErrQueueEmpty) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				drawn = append(drawn, p.Contact.ID)
			}
			if diff := cmp.Diff([]string{"1"}, drawn); diff != "" {
				t.Errorf("drawn contacts (-want +got):\n%s", diff)
			}
			var keys []string
			if err := s.OptOuts(func(e OptOutEntry) error { keys = append(keys, e.Key); return nil }); err != nil {
				t.Fatal(err)
			}
			wantPrefix := map[string]int{"sha256:": 5}
			if tc.encrypted {
				wantPrefix = map[string]int{"sha256:": 3, "hmac:": 2}
			}
			gotPrefix := map[string]int{}
			for _, k := range keys {
				p, _, _ := strings.Cut(k, ":")
				gotPrefix[p+":"]++
			}
			if diff := cmp.Diff(wantPrefix, gotPrefix); diff != "" {
				t.Errorf("OptOuts key kinds (-want +got):\n%s", diff)
			}
			rep, err := s.Doctor()
			if err != nil || len(rep.Problems) > 0 || rep.OptOuts != 5 {
				t.Errorf("Doctor() = %+v, %v, want 5 opt-outs and no problems", rep, err)
			}
			s.Close()
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for v, norm := range values {
				h := model.OptOutKey(norm)
				if got := bytes.Contains(raw, h[:]); got == tc.encrypted {
					t.Errorf("file holds sha256(%s) = %v, want %v", norm, got, !tc.encrypted)
				}
				if tc.encrypted && (bytes.Contains(raw, []byte(norm)) || bytes.Contains(raw, []byte(v))) {
					t.Errorf("encrypted file holds %q in clear", norm)
				}
			}
		})
	}
}

// TestImportOptOutsSortedRuns: however the import cuts the file into sorted
// runs and write batches, the same values end on the list with the same
// counts, repeats across runs counted once and values already listed not
// added again.
func TestImportOptOutsSortedRuns(t *testing.T) {
	var file strings.Builder
	var want []string
	for i := 0; i < 40; i++ {
		v := fmt.Sprintf("%03d,%07d", 201+i%3, 2000000+i*7919%9000)
		file.WriteString(v + "\n")
		want = append(want, v)
	}
	file.WriteString("212,5550150\n415,5550100\nnot a number\n212,5550150\n")
	for _, tc := range []struct {
		name         string
		chunk, batch int
		encrypted    bool
	}{
		{"in memory", 0, 0, false},
		{"runs of 3, batches of 2", 3, 2, false},
		{"runs of 1, batches of 1", 1, 1, false},
		{"runs of 7, one batch", 7, 1000, false},
		{"encrypted, runs of 5, batches of 3", 5, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s *Store
			if tc.encrypted {
				dir := t.TempDir()
				s = openEncrypted(t, filepath.Join(dir, "c.db"), filepath.Join(dir, "keys"))
				defer s.Close()
			} else {
				s = openTest(t)
			}
			s.optChunk, s.optBatch = tc.chunk, tc.batch
			if _, _, err := s.AddOptOut("(415) 555-0100", "US", "asked", "ivy"); err != nil {
				t.Fatal(err)
			}
			res, err := s.ImportOptOuts(strings.NewReader(file.String()), "dnc.txt", "US", "sup")
			if err != nil {
				t.Fatal(err)
			}
			wantRes := &OptOutImport{Values: 43, Added: 41, Already: 2, RejectedCount: 1,
				Rejected: []LineError{{Line: 43, Msg: `"not a number" is not a phone number`}}}
			if diff := cmp.Diff(wantRes, res); diff != "" {
				t.Errorf("ImportOptOuts (-want +got):\n%s", diff)
			}
			for _, v := range append(want, "212,5550150") {
				if on, _, err := s.OptedOut(v, "US"); err != nil || !on {
					t.Errorf("OptedOut(%q) = %v, %v, want true", v, on, err)
				}
			}
			n := 0
			if err := s.OptOuts(func(OptOutEntry) error { n++; return nil }); err != nil || n != 42 {
				t.Errorf("OptOuts listed %d entries (%v), want 42", n, err)
			}
			if rep, err := s.Doctor(); err != nil || len(rep.Problems) > 0 {
				t.Errorf("Doctor() = %+v, %v, want no problems", rep, err)
			}
		})
	}
}

// TestSortUnique: the import's sort (which decides on the first eight bytes
// first) orders and deduplicates keys as bytes.Compare does, including keys
// sharing their first bytes.
func TestSortUnique(t *testing.T) {
	for _, n := range []int{0, 1, 100, 1 << 14, 50_000} {
		var keys [][32]byte
		for i := 0; i < n; i++ {
			k := model.OptOutKey(fmt.Sprint(i % (n/2 + 1)))
			if i%5 == 0 {
				copy(k[:8], "crowded!") // ties on the first eight bytes
			}
			keys = append(keys, k)
		}
		want := slices.Clone(keys)
		slices.SortFunc(want, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
		want = slices.Compact(want)
		got := slices.Clone(keys)
		sortUnique(&got)
		if !slices.Equal(got, want) {
			t.Errorf("sortUnique of %d keys: %d keys, not the %d of a plain sort and compact", n, len(got), len(want))
		}
	}
}
