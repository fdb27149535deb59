package store

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSurveyAttachments checks that a questionnaire's data files are kept
// with its revision: a changed data file beside an unchanged form is a new
// revision, each revision keeps the files it was added with, and a survey
// without data files is summed as before.
func TestSurveyAttachments(t *testing.T) {
	s := openTest(t)
	steps := []struct {
		prices string // prices.csv; "" for no data file
		rev    uint32
		added  bool
	}{
		{"", 1, true},
		{"crop,price\nmaize,2\n", 2, true},
		{"crop,price\nmaize,2\n", 2, false},
		{"crop,price\nmaize,3\n", 3, true},
	}
	for _, st := range steps {
		sv := demoSurvey("1")
		if st.prices != "" {
			sv.Attachments = map[string][]byte{"prices.csv": []byte(st.prices)}
		}
		rev, added, err := s.AddSurvey(sv, []byte("form file"), "author")
		if err != nil || rev != st.rev || added != st.added {
			t.Errorf("AddSurvey(prices %q) = %d, %v, %v; want %d, %v", st.prices, rev, added, err, st.rev, st.added)
		}
	}
	for rev, want := range map[uint32]string{2: "crop,price\nmaize,2\n", 3: "crop,price\nmaize,3\n"} {
		sv, _, err := s.Survey("s1", rev)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string][]byte{"prices.csv": []byte(want)}, sv.Attachments); diff != "" {
			t.Errorf("Survey(s1, %d).Attachments (-want +got):\n%s", rev, diff)
		}
	}
	sv, rec, err := s.Survey("s1", 1)
	if err != nil || sv.Attachments != nil {
		t.Fatalf("Survey(s1, 1) = %v attachments, %v; want none", sv.Attachments, err)
	}
	// A revision without data files sums as the file alone, as the
	// revisions of stores written before data files do: adding the same
	// file to such a store is no new revision.
	sum := sha256.Sum256([]byte("form file"))
	if want := hex.EncodeToString(sum[:]); rec.SHA256 != want {
		t.Errorf("revision 1 SHA256 = %s, want the file's own %s", rec.SHA256, want)
	}
}
