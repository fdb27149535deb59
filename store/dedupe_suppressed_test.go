package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSuppressedRowsIdIsThePerson (issue 11.5): a row suppressed by the
// opt-out list still holds its sample id, phones and email for the
// duplicate check. Every row with the id of a suppressed row, before or
// after it, is suppressed too (the same id is the same person); a later
// row sharing only a phone or email with it is a duplicate of it. No row
// of such a person is queued. Duplicates are listed by line.
func TestSuppressedRowsIdIsThePerson(t *testing.T) {
	s := openTest(t)
	if _, _, err := s.AddOptOut("415 555 0101", "US", "asked", "sup"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddOptOut("gone@example.com", "US", "asked", "sup"); err != nil {
		t.Fatal(err)
	}
	res := importCSV(t, s, "s1", "id,phone,email\n"+
		"a,4155550101,\n"+ // 2: on the list
		"a,4155550102,\n"+ // 3: a's id: the same person, suppressed
		"e,4155550107,\n"+ // 4: e's id is suppressed below: suppressed
		"e,4155550101,\n"+ // 5: on the list
		"g,4155550110,gone@example.com\n"+ // 6: on the list (email)
		"h,4155550110,\n"+ // 7: g's phone: a duplicate of line 6
		"b,4155550103,\n"+ // 8: imported
		"c,4155550103,\n"+ // 9: b's phone: duplicate of line 8
		"b,4155550104,\n") // 10: b's id: duplicate of line 8
	want := ContactImport{Rows: 9, Imported: 1, Suppressed: 5, Duplicate: 3, Duplicates: []LineError{
		{7, "same phone or email as line 6, which the opt-out list suppressed"},
		{9, "same phone or email as line 8"},
		{10, "same id as line 8"},
	}}
	if diff := cmp.Diff(want, *res); diff != "" {
		t.Errorf("import (-want +got):\n%s", diff)
	}
	var ids []string
	s.Queue("s1", QueueOptions{At: t0.Add(1000 * time.Hour)}, func(e QueueEntry) error { ids = append(ids, e.ID); return nil })
	if strings.Join(ids, ",") != "b" {
		t.Errorf("queue = %v, want only b", ids)
	}
	b, _ := json.Marshal(res)
	if !strings.Contains(string(b), `"duplicates":[{"line":7,`) {
		t.Errorf("ContactImport JSON = %s, want its duplicates by line", b)
	}
	// Against the survey: rows repeating contacts already imported.
	res = importCSV(t, s, "s1", "id,phone\nb,4155550199\nz,4155550103\nq,4155550198\n")
	want = ContactImport{Rows: 3, Imported: 1, Duplicate: 2, Duplicates: []LineError{
		{2, "its id is already in the survey"},
		{3, "its phone or email is already in the survey"},
	}}
	if diff := cmp.Diff(want, *res); diff != "" {
		t.Errorf("second import (-want +got):\n%s", diff)
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) != 0 {
		t.Errorf("Doctor() = %+v, %v", rep, err)
	}
}
