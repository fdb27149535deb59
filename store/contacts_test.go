package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	want := &ContactImport{Rows: 12, Imported: 3, Suppressed: 1, Duplicate: 3, Duplicates: []LineError{
		{Line: 5, Msg: "same id as line 2"},
		{Line: 6, Msg: "same phone or email as line 2"},
		{Line: 7, Msg: "same phone or email as line 2"},
	}, RejectedCount: 5, Rejected: []LineError{
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
		{"empty", "", "sample.csv: empty file: no header row; nothing was imported"},
		{"no id column", "phone,email\n4155550100,\n", "sample.csv:1: the header has no id column; nothing was imported"},
		{"no phone or email", "id,name\n1,Ann\n", "sample.csv:1: the header has neither a phone nor an email column; nothing was imported"},
		{"wrong column count", "id,phone\n1,4155550100\n2,4155550101,extra\n", "sample.csv:3: wrong number of fields: the row has 3, the header has 2; nothing was imported"},
		{"not UTF-8", "id,phone,name\n1,4155550100,Ann\n2,4155550101,\xffBo\n", "sample.csv:3: not UTF-8 text; nothing was imported"},
		{"bare quote", "id,phone\n1,41\"55550100\n", `sample.csv:2: bare " in non-quoted-field; nothing was imported`},
		{"duplicate column", "id,phone,Phone\n1,2,3\n", `sample.csv:1: column "phone" appears twice in the header; nothing was imported`},
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

// crashAt makes the store's contact imports stop after step, as a crash
// there would: what was written stays.
func crashAt(s *Store, step string) {
	s.importHook = func(got string) error {
		if got == step {
			return errors.New("crash")
		}
		return nil
	}
}

func TestImportContactsAfterACrash(t *testing.T) {
	s := openTest(t)
	var b bytes.Buffer
	b.WriteString("id,phone\n")
	const n = 2010
	for i := range n {
		fmt.Fprintf(&b, "%d,+1415%07d\n", i, 2000000+i)
	}
	file := b.String()
	crashAt(s, "written")
	if _, err := s.ImportContacts(strings.NewReader(file), ImportOptions{Survey: "s1", Source: "client"}); !errors.Is(err, errCrash) {
		t.Fatalf("ImportContacts stopped after writing = %v, want the crash", err)
	}
	s.importHook = nil
	imps, _ := s.Imports()
	if len(imps) != 1 || imps[0].Status != ImportRunning || imps[0].LastCID-imps[0].FirstCID != n-1 {
		t.Fatalf("Imports() after the crash = %+v, want one running with %d cids", imps, n)
	}
	if rep, _ := s.Doctor(); len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "interrupted") {
		t.Errorf("Doctor() after the crash = %q, want one 'interrupted' problem", rep.Problems)
	}
	// Its contacts are not there: not drawn, not found.
	if p, err := s.Next("s1", DrawOptions{Interviewer: "ivy", Now: t0.Add(time1h)}); !errors.Is(err, ErrQueueEmpty) {
		t.Errorf("Next after the crash = %+v, %v, want ErrQueueEmpty", p, err)
	}
	if _, _, err := s.Contact("s1", "5"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Contact of the crashed import = %v, want ErrNotFound", err)
	}
	// Another file cannot start meanwhile.
	if _, err := s.ImportContacts(strings.NewReader("id,phone\nx,4155550100\n"), ImportOptions{Survey: "s1", Source: "client"}); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("a different import after a crashed one = %v, want an 'interrupted' error", err)
	}
	// An opt-out that comes in between is checked by the next run.
	if _, _, err := s.AddOptOut("+1 415 200 0000", "US", "", "sup"); err != nil {
		t.Fatal(err)
	}
	res, err := s.ImportContacts(strings.NewReader(file), ImportOptions{Survey: "s1", Source: "client"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.Imported != n-1 || res.Suppressed != 1 || res.Duplicate != 0 {
		t.Errorf("the import run again = %+v, want it to replace the crashed run, %d imported, 1 suppressed", res, n-1)
	}
	if _, _, err := s.Contact("s1", "0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("contact 0, on the opt-out list: %v, want ErrNotFound (never stored)", err)
	}
	// The crashed run's blocks are gone: one run's worth is stored.
	blocks := 0
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bCBlocks).ForEach(func(_, _ []byte) error { blocks++; return nil })
	})
	if want := (n - 1 + blockRows - 1) / blockRows; blocks != want {
		t.Errorf("%d contact blocks stored, want %d", blocks, want)
	}
	if res := importCSV(t, s, "s1", "id,phone\nnew,+14152000001\n"); res.Duplicate != 1 {
		t.Errorf("a row repeating a phone of the import = %+v, want a duplicate", res)
	}
	if _, err := s.Next("s1", DrawOptions{Interviewer: "ivy", Now: t0.Add(time1h)}); err != nil {
		t.Errorf("Next after the import finished: %v", err)
	}
	if rep, _ := s.Doctor(); len(rep.Problems) != 0 {
		t.Errorf("Doctor() after the import = %q, want none", rep.Problems)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(s.Path()), importFilePattern(filepath.Base(s.Path())))); len(left) != 0 {
		t.Errorf("temporary files left beside the store: %v", left)
	}
}

// TestImportContactsAppliesLateOptOuts adds an opt-out while the rows are
// being written: the import's last transaction takes its contact out.
func TestImportContactsAppliesLateOptOuts(t *testing.T) {
	s := openTest(t)
	s.importHook = func(step string) error {
		if step == "written" {
			_, _, err := s.AddOptOut("(415) 200-0002", "US", "", "sup")
			return err
		}
		return nil
	}
	res := importCSV(t, s, "s1", "id,phone\na,4152000001\nb,4152000002\nc,4152000003\n")
	if res.Imported != 3 || res.Suppressed != 0 {
		t.Errorf("import = %+v, want 3 imported (the opt-out came after the check)", res)
	}
	if _, st, err := s.Contact("s1", "b"); err != nil || st.Status != StatusSuppressed {
		t.Errorf("contact b, opted out during the import: %+v, %v, want suppressed", st, err)
	}
	got := drawIDs(t, s, "s1", t0.Add(time.Hour), "ivy", 10)
	if diff := cmp.Diff([]string{"a", "c"}, got); diff != "" {
		t.Errorf("draws (-want +got):\n%s", diff)
	}
	if rep, _ := s.Doctor(); len(rep.Problems) != 0 {
		t.Errorf("Doctor() = %q, want none", rep.Problems)
	}
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
			return s.surveyContactsTx(tx, survey, func(cid uint64) error {
				got++
				ct, err := s.contactTx(tx, cid)
				if err != nil {
					t.Fatalf("contact %d: %v", cid, err)
				}
				if len(ct.Phones) == 0 && ct.Email == "" {
					t.Errorf("contact %q has neither phone nor email", ct.ID)
				}
				if c, err := s.cidTx(tx, survey, ct.ID); err != nil || c != cid {
					t.Errorf("contact %q found by its id as %d, %v; want %d", ct.ID, c, err, cid)
				}
				return nil
			})
		})
		if got != res.Imported {
			t.Errorf("%d contacts stored, want %d imported", got, res.Imported)
		}
	})
}

func TestAbandonImport(t *testing.T) {
	s := openTest(t)
	var b strings.Builder
	b.WriteString("id,phone\n")
	for i := range 100 {
		fmt.Fprintf(&b, "a%d,+1415%07d\n", i, 2000000+i)
	}
	crashAt(s, "written")
	if _, err := s.ImportContacts(strings.NewReader(b.String()), ImportOptions{Survey: "s1", Source: "client"}); err == nil {
		t.Fatal("ImportContacts stopped by a crash succeeded")
	}
	s.importHook = nil
	imps, _ := s.Imports()
	if len(imps) != 1 || imps[0].Status != ImportRunning || imps[0].FirstCID == 0 {
		t.Fatalf("Imports() = %+v, want one running with cids given", imps)
	}
	must(t, s.AbandonImport(imps[0].ID, "sup"))
	if err := s.AbandonImport(imps[0].ID, "sup"); err == nil {
		t.Errorf("AbandonImport twice succeeded, want an error")
	}
	s.db.View(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bCBlocks).Cursor().First(); k != nil {
			t.Errorf("the abandoned import's contact blocks are still stored")
		}
		return nil
	})
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

// TestStaleImportFiles (issue 17.14): the temporary files a killed import
// left beside the store are listed by Doctor and removed by AbandonImport
// (and by the next import, see the command-line test); files of imports
// running now, and of another store in the directory, are left alone.
func TestStaleImportFiles(t *testing.T) {
	s := openTest(t)
	dir := filepath.Dir(s.Path())
	stale := filepath.Join(dir, "."+filepath.Base(s.Path())+".import-1234")
	other := filepath.Join(dir, ".other.db.import-1234")
	for _, f := range []string{stale, other} {
		must(t, os.WriteFile(f, []byte("sealed rows"), 0o600))
	}
	live, err := s.temps.create()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Doctor()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], stale+" (11 bytes) was left by an interrupted import") {
		t.Errorf("Doctor() = %q, want the one stale file", rep.Problems)
	}
	s.AbandonImport(99, "sup") // no such import; the files go anyway
	for f, want := range map[string]bool{stale: false, other: true, live.Name(): true} {
		if _, err := os.Stat(f); (err == nil) != want {
			t.Errorf("after AbandonImport, %s exists = %v, want %v", filepath.Base(f), err == nil, want)
		}
	}
	s.temps.remove(live)
}
