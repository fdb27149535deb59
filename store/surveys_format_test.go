package store

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSurveyAdded(t *testing.T) {
	for _, tc := range []struct {
		version string
		added   bool
		want    string
	}{
		{"3", true, "installed s1 version 3 as revision 2"},
		{"", true, "installed s1 as revision 2 (the file gives no version)"},
		{"", false, "s1 is unchanged (revision 2)"},
	} {
		if got := SurveyAdded("s1", tc.version, 2, tc.added); got != tc.want {
			t.Errorf("SurveyAdded(s1, %q, 2, %v) = %q, want %q", tc.version, tc.added, got, tc.want)
		}
	}
}

// TestWriteSurveysAligns: a long id does not push its row's columns out
// of line with the others.
func TestWriteSurveysAligns(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	err := WriteSurveys(&b, []SurveyInfo{
		{ID: "a-very-long-survey-identifier-indeed", Title: "Long", Revision: 1, Added: day},
		{ID: "csat", Title: "Customer satisfaction", Version: "2026.1", Revision: 12, Added: day},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `ID                                    REVISION  VERSION             TITLE                  ADDED
a-very-long-survey-identifier-indeed  1         (no version given)  Long                   2026-03-02
csat                                  12        2026.1              Customer satisfaction  2026-03-02
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteSurveys (-want +got):\n%s", diff)
	}
	b.Reset()
	WriteSurveys(&b, nil)
	if got := b.String(); got != "no surveys are installed (canvass survey add FILE)\n" {
		t.Errorf("WriteSurveys(none) = %q", got)
	}
}
