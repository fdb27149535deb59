package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"canvass/model/calling"
)

// replicateStore is a store with 40 contacts of s1 imported in 4
// replicates.
func replicateStore(t *testing.T) *Store {
	t.Helper()
	s := openTest(t)
	var b strings.Builder
	b.WriteString("id,phone\n")
	for i := range 40 {
		fmt.Fprintf(&b, "r%02d,+1303555%04d\n", i, i)
	}
	if _, err := s.ImportContacts(strings.NewReader(b.String()), ImportOptions{Survey: "s1", Source: "client", Region: "US", Actor: "sup", File: "r.csv", Replicates: 4}); err != nil {
		t.Fatal(err)
	}
	return s
}

func drawAll(t *testing.T, s *Store, at time.Time) map[string]int {
	t.Helper()
	got := map[string]int{}
	for {
		p, err := s.Next("s1", DrawOptions{Interviewer: "ivy", Now: at})
		if errors.Is(err, ErrQueueEmpty) {
			return got
		}
		must(t, err)
		got[p.Contact.Fields[ReplicateField]]++
	}
}

// TestReplicatesAreReleasedOneAtATime: an import split into replicates
// presents nobody until a replicate is released, then only its contacts;
// every contact is in exactly one replicate.
func TestReplicatesAreReleasedOneAtATime(t *testing.T) {
	s := replicateStore(t)
	at := t0.Add(time.Hour)
	if got := drawAll(t, s, at); len(got) != 0 {
		t.Fatalf("before any release, drew %v", got)
	}
	rel, err := s.ReleaseReplicate("s1", 2, "sup")
	must(t, err)
	got := drawAll(t, s, at)
	if len(got) != 1 || got["2"] != rel.Contacts || rel.Contacts == 0 {
		t.Fatalf("after releasing 2 (%d contacts), drew %v", rel.Contacts, got)
	}
	if _, err := s.ReleaseReplicate("s1", 2, "sup"); err == nil || !strings.Contains(err.Error(), "released already") {
		t.Errorf("releasing 2 again: %v", err)
	}
	if _, err := s.ReleaseReplicate("s1", 5, "sup"); err == nil || !strings.Contains(err.Error(), "replicates 1 to 4, not 5") {
		t.Errorf("releasing 5: %v", err)
	}
	total := rel.Contacts
	for _, k := range []int{1, 3, 4} {
		r, err := s.ReleaseReplicate("s1", k, "sup")
		must(t, err)
		total += r.Contacts
	}
	if total != 40 {
		t.Errorf("the replicates hold %d contacts, want 40", total)
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) > 0 {
		t.Errorf("Doctor() = %v, %v", rep.Problems, err)
	}
	// A second import numbers its replicates after the first's.
	if _, err := s.ImportContacts(strings.NewReader("id,phone\nz1,+13035559999\n"), ImportOptions{Survey: "s1", Source: "client", Region: "US", Actor: "sup", File: "z.csv", Replicates: 2}); err != nil {
		t.Fatal(err)
	}
	c, _, err := s.Contact("s1", "z1")
	must(t, err)
	if r := c.Fields[ReplicateField]; r != "5" && r != "6" {
		t.Errorf("the second import's contact is in replicate %s, want 5 or 6", r)
	}
}

// TestImportWithoutReplicatesIsReleased: an import without --replicates
// is drawn at once, as before.
func TestImportWithoutReplicatesIsReleased(t *testing.T) {
	s := openTest(t)
	importCSV(t, s, "s1", "id,phone\na,+13035550001\n")
	if got := drawAll(t, s, t0.Add(time.Hour)); got[""] != 1 {
		t.Errorf("drew %v, want the one contact", got)
	}
	if _, err := s.ReleaseReplicate("s1", 1, "sup"); err == nil || !strings.Contains(err.Error(), "has no replicates") {
		t.Errorf("release without replicates: %v", err)
	}
	if _, err := s.ImportContacts(strings.NewReader("id,phone,replicate\nb,+13035550002,3\n"), ImportOptions{Survey: "s1", Source: "client", Region: "US", Actor: "sup", File: "b.csv", Replicates: 2}); err != nil {
		t.Fatal(err)
	} else if _, st, err := s.Contact("s1", "b"); err == nil {
		t.Errorf("a row with its own replicate column was imported: %+v", st)
	}
}

// TestReportByReplicateAddsUp: the dispositions and rates of each
// replicate, as `report --by replicate` gives them, add up to the whole
// report's: every contact is counted in exactly one replicate.
func TestReportByReplicateAddsUp(t *testing.T) {
	s := replicateStore(t)
	for k := 1; k <= 3; k++ { // the fourth stays unreleased: untouched, 3.11
		_, err := s.ReleaseReplicate("s1", k, "sup")
		must(t, err)
	}
	table, _ := (*calling.Config)(nil).Table()
	at := t0.Add(time.Hour)
	codes := []string{"complete", "hard_refusal", "no_answer", "not_eligible", "busy", "callback"}
	for i := 0; ; i++ {
		p, err := s.Next("s1", DrawOptions{Interviewer: "ivy", Now: at})
		if errors.Is(err, ErrQueueEmpty) {
			break
		}
		must(t, err)
		o, _ := table.Lookup(codes[i%len(codes)])
		must(t, s.RecordCall("s1", p.Contact.ID, Call{Outcome: o, Interviewer: "ivy", At: at}))
	}
	r, err := s.Report("s1", ReportOptions{At: at.Add(time.Minute), By: "replicate"})
	must(t, err)
	if len(r.ByReplicate) != 4 {
		t.Fatalf("parts = %d, want the 4 replicates", len(r.ByReplicate))
	}
	var sum calling.Counts
	for _, part := range r.ByReplicate {
		for _, c := range part.Counts.Codes {
			must(t, sum.Add(c.Code, c.Count))
		}
		rates, err := calling.ComputeRates(part.Counts, nil)
		must(t, err)
		if v, _ := rates.Get("RR1"); fmt.Sprint(v) != fmt.Sprint(func() any { x, _ := part.Rates.Get("RR1"); return x }()) {
			t.Errorf("replicate %s: RR1 %v is not its counts' %v", part.Replicate, part.Rates.Rates[0].Value, v)
		}
	}
	for _, g := range []calling.Symbol{calling.I, calling.P, calling.R, calling.NC, calling.O, calling.UH, calling.UR, calling.UO, calling.NE} {
		if sum.Get(g) != r.Counts.Get(g) {
			t.Errorf("group %s: the replicates add up to %d, the report says %d", g, sum.Get(g), r.Counts.Get(g))
		}
	}
	whole, err := calling.ComputeRates(sum, nil)
	must(t, err)
	for i, x := range whole.Rates {
		if fmt.Sprint(x.Value) != fmt.Sprint(r.Rates.Rates[i].Value) {
			t.Errorf("%s of the replicates' sum = %v, the report's = %v", x.Name, x.Value, r.Rates.Rates[i].Value)
		}
	}
	if r.Counts.I == 0 || r.Counts.R == 0 || r.Counts.NE == 0 {
		t.Errorf("counts %+v: the calls did not spread over the groups", r.Counts)
	}
	if _, err := s.Report("s1", ReportOptions{By: "shift"}); err == nil {
		t.Error("a report by shift was made")
	}
}
