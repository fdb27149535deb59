package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"canvass/model"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

const time1h = time.Hour

func importCSV(t testing.TB, s *Store, survey, file string) *ContactImport {
	t.Helper()
	res, err := s.ImportContacts(strings.NewReader(file), ImportOptions{Survey: survey, Source: "client", Region: "US", Actor: "sup", File: "sample.csv"})
	if err != nil {
		t.Fatalf("ImportContacts: %v", err)
	}
	return res
}

func TestImportContactsCountsAndNormalises(t *testing.T) {
	s := openTest(t)
	if _, _, err := s.AddOptOut("212 555 0150", "US", "", "sup"); err != nil {
		t.Fatal(err)
	}
	file := "id,phone,email,name,timezone,source,segment\n" +
		"1,(415) 555-0100,ANN@Example.com,Ann,America/Los_Angeles,,gold\n" +
		"2,415.555.0101,,Bo,,panel,\n" +
		"3,,cy@example.com,Cy,,,\n" +
		"1,415 555 0199,,Dup id,,,\n" +
		"4,+1 415 555 0100,,Dup phone,,,\n" +
		"5,,ann@example.com,Dup email,,,\n" +
		"6,212-555-0150,,Opted out,,,\n" +
		"7,123,,Bad phone,,,\n" +
		"8,,,No way to reach,,,\n" +
		"9,4155550102,,Bad zone,Mars/Olympus,,\n" +
		"10,4155550103,,Bad source,,web,\n" +
		",4155550104,,No id,,,\n"
	res := importCSV(t, s, "s1", file)
	want := &ContactImport{Rows: 12, Imported: 3, Suppressed: 1, Duplicate: 3, RejectedCount: 5, Rejected: []LineError{
		{Line: 9, Msg: `phone: "123" is not a possible phone number in US`},
		{Line: 10, Msg: "no phone or email"},
		{Line: 11, Msg: `timezone "Mars/Olympus" is not an IANA time zone`},
		{Line: 12, Msg: `source "web" is neither client nor panel`},
		{Line: 13, Msg: "empty sample id"},
	}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("ImportContacts (-want +got):\n%s", diff)
	}
	c, st, err := s.Contact("s1", "1")
	if err != nil {
		t.Fatal(err)
	}
	wantC := &model.Contact{ID: "1", Survey: "s1", Name: "Ann", Phones: []string{"+14155550100"}, Email: "ann@example.com",
		Timezone: "America/Los_Angeles", Source: "client", Fields: map[string]string{"segment": "gold"}}
	if diff := cmp.Diff(wantC, c); diff != "" {
		t.Errorf("Contact(s1, 1) (-want +got):\n%s", diff)
	}
	if st.Status != StatusQueued {
		t.Errorf("state of an imported contact = %q, want queued", st.Status)
	}
	if c, _, _ := s.Contact("s1", "2"); c == nil || c.Source != "panel" {
		t.Errorf("Contact(s1, 2).Source = %v, want panel from the source column", c)
	}
	if _, _, err := s.Contact("s1", "6"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Contact(s1, 6) of an opted-out row = %v, want ErrNotFound (never stored)", err)
	}
	// Another survey may hold the same people.
	res = importCSV(t, s, "s2", "id,phone\n1,415 555 0100\n")
	if res.Imported != 1 {
		t.Errorf("import of the same person into another survey = %+v, want imported", res)
	}
	// Running the same file again imports nothing new.
	res = importCSV(t, s, "s1", file)
	if res.Imported != 0 || res.Duplicate != 6 {
		t.Errorf("second run of the same file = %+v, want 0 imported, 6 duplicate", res)
	}
}

func TestImportContactsMalformedImportsNothing(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"empty", "", "sample.csv: empty file: no header row"},
		{"no id column", "phone,email\n4155550100,\n", "sample.csv:1: the header has no id column"},
		{"no phone or email", "id,name\n1,Ann\n", "sample.csv:1: the header has neither a phone nor an email column"},
		{"wrong column count", "id,phone\n1,4155550100\n2,4155550101,extra\n", "sample.csv:3: wrong number of fields (the header has a different count)"},
		{"not UTF-8", "id,phone,name\n1,4155550100,Ann\n2,4155550101,\xffBo\n", "sample.csv:3: not UTF-8 text"},
		{"bare quote", "id,phone\n1,41\"55550100\n", `sample.csv:2: bare " in non-quoted-field`},
		{"duplicate column", "id,phone,Phone\n1,2,3\n", `sample.csv:1: column "phone" appears twice in the header`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			_, err := s.ImportContacts(strings.NewReader(tt.file), ImportOptions{Survey: "s1", Source: "client", File: "sample.csv"})
			var se *StructureError
			if !errors.As(err, &se) || err.Error() != tt.want {
				t.Fatalf("ImportContacts = %v, want StructureError %q", err, tt.want)
			}
			if _, _, err := s.Contact("s1", "1"); !errors.Is(err, ErrNotFound) {
				t.Errorf("contact 1 after a malformed import: %v, want ErrNotFound", err)
			}
			n := 0
			s.Events(1, func(*Event) error { n++; return nil })
			if n != 0 {
				t.Errorf("a malformed import wrote %d events, want 0", n)
			}
		})
	}
}

func TestImportContactsDryRunWritesNothing(t *testing.T) {
	s := openTest(t)
	file := "id,phone\n1,4155550100\n2,4155550100\n3,x\n"
	res, err := s.ImportContacts(strings.NewReader(file), ImportOptions{Survey: "s1", Source: "client", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 1 || res.Duplicate != 1 || res.RejectedCount != 1 {
		t.Errorf("dry run = %+v, want 1 imported, 1 duplicate, 1 rejected", res)
	}
	if _, _, err := s.Contact("s1", "1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Contact after a dry run = %v, want ErrNotFound", err)
	}
}

func TestImportContactsResumesAfterInterruption(t *testing.T) {
	s := openTest(t)
	s.importBatch = 1000
	var b bytes.Buffer
	b.WriteString("id,phone\n")
	n := s.importBatch*2 + 10
	for i := range n {
		fmt.Fprintf(&b, "%d,+1415%07d\n", i, 2000000+i)
	}
	file := b.String()
	// Simulate a crash after the first batch: cut the file's second pass
	// short by failing the reader, then run the same import again.
	_, err := s.ImportContacts(&failAfter{r: strings.NewReader(file), pass2: s.importBatch*20 + 200}, ImportOptions{Survey: "s1", Source: "client"})
	if err == nil {
		t.Fatal("ImportContacts with a failing reader succeeded")
	}
	imps, _ := s.Imports()
	if len(imps) != 1 || imps[0].Status != ImportRunning || imps[0].Counts.Imported == 0 {
		t.Fatalf("Imports() after the interruption = %+v, want one running with a batch committed", imps)
	}
	if rep, _ := s.Doctor(); len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "interrupted") {
		t.Errorf("Doctor() after the interruption = %q, want one 'interrupted' problem", rep.Problems)
	}
	// An opt-out that comes while the import is unfinished reaches its
	// rows as well.
	if _, _, err := s.AddOptOut("+1 415 200 0000", "US", "", "sup"); err != nil {
		t.Fatal(err)
	}
	// The draw does not present contacts of an unfinished import.
	if p, err := s.Next("s1", DrawOptions{Interviewer: "ivy", Now: t0.Add(time1h)}); !errors.Is(err, ErrQueueEmpty) {
		t.Errorf("Next during an interrupted import = %+v, %v, want ErrQueueEmpty", p, err)
	}
	// Another file cannot start while it is unfinished.
	if _, err := s.ImportContacts(strings.NewReader("id,phone\nx,4155550100\n"), ImportOptions{Survey: "s1", Source: "client"}); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("a different import during an interrupted one = %v, want an 'interrupted' error", err)
	}
	res, err := s.ImportContacts(strings.NewReader(file), ImportOptions{Survey: "s1", Source: "client"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.Imported != n || res.Duplicate != 0 {
		t.Errorf("resumed import = %+v, want resumed with all %d imported, none duplicate", res, n)
	}
	if _, st, err := s.Contact("s1", "0"); err != nil || st.Status != StatusSuppressed {
		t.Errorf("contact 0, opted out during the import: %+v, %v, want suppressed", st, err)
	}
	// Duplicates are found across the two runs.
	if res := importCSV(t, s, "s1", "id,phone\nnew,+14152000001\n"); res.Duplicate != 1 {
		t.Errorf("a row repeating a phone of the resumed import = %+v, want a duplicate", res)
	}
	if _, err := s.Next("s1", DrawOptions{Interviewer: "ivy", Now: t0.Add(time1h)}); err != nil {
		t.Errorf("Next after the import finished: %v", err)
	}
	if rep, _ := s.Doctor(); len(rep.Problems) != 0 {
		t.Errorf("Doctor() after the resumed import = %q, want none", rep.Problems)
	}
}

// failAfter reads normally on the first pass and fails after pass2 bytes of
// the second (the import pass), as a crash would.
type failAfter struct {
	r     *strings.Reader
	pass2 int
	seen  int
	pass  int
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.pass == 1 {
		if f.seen >= f.pass2 {
			return 0, errors.New("crash")
		}
		if len(p) > f.pass2-f.seen {
			p = p[:f.pass2-f.seen]
		}
	}
	n, err := f.r.Read(p)
	f.seen += n
	return n, err
}

func (f *failAfter) Seek(off int64, whence int) (int64, error) {
	f.pass++
	f.seen = 0
	return f.r.Seek(off, whence)
}

func FuzzImportContacts(f *testing.F) {
	for _, seed := range []string{
		"id,phone,email\n1,4155550100,a@b.co\n2,,c@d.co\n",
		"id,phone\n1,4155550100\n1,4155550101\n",
		"id,email,x\n1,a@b.co,\"q\"\"uote\"\n",
		"id,phone\n1,4155550100,3\n",
		"\ufeffID,Phone\r\n7,(415) 555-0100\r\n",
		"id;phone\n1;2\n",
		"id,phone\n\xff,1\n",
		"",
	} {
		f.Add(seed)
	}
	s := openTest(f)
	n := 0
	f.Fuzz(func(t *testing.T, file string) {
		n++
		survey := fmt.Sprintf("f%d", n)
		res, err := s.ImportContacts(strings.NewReader(file), ImportOptions{Survey: survey, Source: "panel", Region: "US"})
		if err != nil {
			var se *StructureError
			if !errors.As(err, &se) {
				t.Fatalf("ImportContacts error %v is not a StructureError", err)
			}
			return
		}
		if got := res.Imported + res.Suppressed + res.Duplicate + res.RejectedCount; got != res.Rows {
			t.Errorf("counts %+v add up to %d, want %d rows", res, got, res.Rows)
		}
		// Every imported contact is stored, readable, and reachable.
		var got int
		s.db.View(func(tx *bolt.Tx) error {
			pre := idPrefix(survey)
			c := tx.Bucket(bCIDs).Cursor()
			for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
				got++
				ct, err := s.contactTx(tx, binary.BigEndian.Uint64(v))
				if err != nil {
					t.Fatalf("contact %q: %v", k, err)
				}
				if len(ct.Phones) == 0 && ct.Email == "" {
					t.Errorf("contact %q has neither phone nor email", ct.ID)
				}
			}
			return nil
		})
		if got != res.Imported {
			t.Errorf("%d contacts stored, want %d imported", got, res.Imported)
		}
	})
}

func TestAbandonImport(t *testing.T) {
	s := openTest(t)
	s.importBatch = 10
	var b strings.Builder
	b.WriteString("id,phone\n")
	for i := range 100 {
		fmt.Fprintf(&b, "a%d,+1415%07d\n", i, 2000000+i)
	}
	if _, err := s.ImportContacts(&failAfter{r: strings.NewReader(b.String()), pass2: 1000}, ImportOptions{Survey: "s1", Source: "client"}); err == nil {
		t.Fatal("ImportContacts with a failing reader succeeded")
	}
	imps, _ := s.Imports()
	if len(imps) != 1 || imps[0].Counts.Imported == 0 {
		t.Fatalf("Imports() = %+v, want one with rows written", imps)
	}
	must(t, s.AbandonImport(imps[0].ID, "sup"))
	if err := s.AbandonImport(imps[0].ID, "sup"); err == nil {
		t.Errorf("AbandonImport twice succeeded, want an error")
	}
	res := importCSV(t, s, "s1", "id,phone\nb1,4155550100\n")
	if res.Imported != 1 {
		t.Errorf("import after abandoning = %+v, want 1 imported", res)
	}
	got := drawIDs(t, s, "s1", t0.Add(time.Hour), "ivy", 200)
	if diff := cmp.Diff([]string{"b1"}, got); diff != "" {
		t.Errorf("draws after abandoning (-want +got):\n%s", diff)
	}
	if rep, _ := s.Doctor(); len(rep.Problems) != 0 {
		t.Errorf("Doctor() after abandoning = %q, want none", rep.Problems)
	}
}
