package store

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/model/calling"

	"github.com/google/go-cmp/cmp"
)

// interviewHistories is a store whose contacts' interviews say more than
// their calls:
//
//	a  consent, one answer, suspended (quit), no call        in progress  2.12 (interim)
//	b  completed; rejected, reopened, completed again:       final        1.1
//	   two complete calls
//	c  completed, complete call, rejected                    final        1.1
//	d  completed, complete call, rejected and reopened       final        1.1
//	e  one answer, broken off by an opt-out, no call         suppressed   2.12
//	f  one answer, broken off, break-off call                final        2.12
//	g  consent declined, no call                             final        2.11
//	h  —                                                     untouched    3.11
func interviewHistories(t *testing.T) (*Store, map[string]string) {
	t.Helper()
	clock := t0
	s, err := Open(filepath.Join(t.TempDir(), "r.db"), Options{Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	sv := demoSurvey("1")
	raw, _ := json.Marshal(sv)
	if _, _, err := s.AddSurvey(sv, raw, "sup"); err != nil {
		t.Fatal(err)
	}
	var sample strings.Builder
	sample.WriteString("id,phone\n")
	for i, c := range "abcdefgh" {
		fmt.Fprintf(&sample, "%c,+1415555%04d\n", c, 100+i)
	}
	importCSV(t, s, "s1", sample.String())
	table, _ := (*calling.Config)(nil).Table()
	call := func(id, outcome string) {
		t.Helper()
		o, _ := table.Lookup(outcome)
		must(t, s.RecordCall("s1", id, Call{Outcome: o, Interviewer: "ivy", At: clock}))
	}
	ids := map[string]string{}
	begin := func(contact string, agreed bool) string {
		t.Helper()
		id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: contact, Interviewer: "ivy", Lang: "en", Text: "May we?", Agreed: agreed})
		if err != nil {
			t.Fatal(err)
		}
		ids[contact] = id
		if agreed {
			must(t, s.SaveAnswer(id, model.AnswerEvent{Item: "age", Value: "40", Shown: clock, Answered: clock}, []byte("{}")))
		}
		return id
	}
	complete := func(contact string) string {
		t.Helper()
		id := begin(contact, true)
		must(t, s.Complete(id, "ivy"))
		call(contact, "complete")
		return id
	}

	must(t, s.Suspend(begin("a", true), "ivy", "quit"))

	b := complete("b")
	must(t, s.Reject(b, "sam", "age looks wrong", nil))
	if _, err := s.Reopen(b, "ivy"); err != nil {
		t.Fatal(err)
	}
	must(t, s.Complete(b, "ivy"))
	call("b", "complete")

	must(t, s.Reject(complete("c"), "sam", "check age", nil))

	d := complete("d")
	must(t, s.Reject(d, "sam", "check age", nil))
	if _, err := s.Reopen(d, "ivy"); err != nil {
		t.Fatal(err)
	}

	// An opt-out ends the interview of the person it reaches.
	begin("e", true)
	if _, _, err := s.AddOptOut("+14155550104", "US", "asked during the interview", "ivy"); err != nil {
		t.Fatal(err)
	}

	begin("f", true)
	call("f", "break_off")
	if _, _, err := s.AddOptOut("+14155550105", "US", "asked during the interview", "ivy"); err != nil {
		t.Fatal(err)
	}

	begin("g", false)
	return s, ids
}

// TestReportCountsInterviewsAsAAPORDoes is issue 17.12 and the broken-off
// status: a suspended interview with consent is in progress and a
// break-off (2.12), not untouched (3.11); an interview broken off by an
// opt-out is a final break-off even when its contact was never called; a
// declined consent is a refusal; a returned interview is still a complete
// for the rates but shown as returned; and an interview completed again
// after a rejection is one complete, not two.
func TestReportCountsInterviewsAsAAPORDoes(t *testing.T) {
	s, _ := interviewHistories(t)
	r, err := s.Report("s1", ReportOptions{At: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(SampleStatus{Total: 8, Untouched: 1, InProgress: 1, Final: 5, Suppressed: 1, Left: 2}, r.Sample); diff != "" {
		t.Errorf("Sample (-want +got):\n%s", diff)
	}
	wantFinal := []DispositionCount{
		{"1.1", calling.I, "Complete", 3},
		{"2.11", calling.R, "Refusal", 1},
		{"2.12", calling.R, "Break-off", 2},
	}
	if diff := cmp.Diff(wantFinal, r.Final); diff != "" {
		t.Errorf("Final (-want +got):\n%s", diff)
	}
	wantInterim := []DispositionCount{
		{"2.12", calling.R, "Break-off", 1},
		{"3.11", calling.UH, "Not attempted or worked", 1},
	}
	if diff := cmp.Diff(wantInterim, r.Interim); diff != "" {
		t.Errorf("Interim (-want +got):\n%s", diff)
	}
	if r.Totals.Completes != 3 || len(r.CompletesByDay) != 1 || r.CompletesByDay[0].Completes != 3 {
		t.Errorf("completes: totals %d, by day %+v; want 3, b's second completion not counted again", r.Totals.Completes, r.CompletesByDay)
	}
	wantIV := InterviewCounts{Total: 7, Suspended: 1, Completed: 3, Returned: 2, ToReview: 1, BrokenOff: 2, Refused: 1}
	if diff := cmp.Diff(wantIV, r.Interviews); diff != "" {
		t.Errorf("Interviews (-want +got):\n%s", diff)
	}
	text := r.Text()
	for _, want := range []string{"completed                           3  (0 approved, 2 returned to the interviewer, 1 to review)", "broken off (opt-out)                2"} {
		if !strings.Contains(text, want) {
			t.Errorf("report text lacks %q:\n%s", want, text)
		}
	}
}

// TestBrokenOffAgreesEverywhere: an interview broken off by an opt-out
// (two answers given, through the engine) has the one status broken-off in
// the review list, in CSV, JSONL and paradata, keeps its answers in the
// exports, and is a break-off, never a complete, in the report.
func TestBrokenOffAgreesEverywhere(t *testing.T) {
	s := openTest(t)
	sv := privacySurvey("1", false)
	if _, _, err := s.AddSurvey(sv, []byte("privacy 1"), "author"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "pv", privacySample)
	form, probs := model.Compile(sv)
	if form == nil {
		t.Fatalf("Compile: %v", probs)
	}
	fx := &privacyFix{s: s, ids: map[string]string{}, deviceID: "dev42"}
	id, iv := fx.begin(t, "p1", form)
	save(t, s, id, iv, val("Pat"))
	must(t, iv.Next())
	save(t, s, id, iv, val("47"))
	if _, _, err := s.AddOptOut("+12125550100", "US", "asked during the interview", "ivy"); err != nil {
		t.Fatal(err)
	}

	rows, err := s.ReviewList("pv")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Status != InterviewBrokenOff {
		t.Errorf("review list = %+v, want p1 broken-off", rows)
	}
	dir := t.TempDir()
	for _, o := range []ExportOptions{
		{Format: ExportCSV, Out: "d.csv"}, {Format: ExportJSONL, Out: "d.jsonl"}, {Format: ExportParadata, Out: "p.csv"},
	} {
		o.Survey, o.Out = "pv", filepath.Join(dir, o.Out)
		if _, err := s.Export(o); err != nil {
			t.Fatal(err)
		}
		text := readAll(t, o.Out)
		for _, want := range map[string][]string{
			ExportCSV:      {",broken-off,", ",47,"},
			ExportJSONL:    {`"status":"broken-off"`, `{"item":"age","value":"47"}`},
			ExportParadata: {",broken_off,,,", "answered,age"},
		}[o.Format] {
			if !strings.Contains(text, want) {
				t.Errorf("%s export lacks %q:\n%s", o.Format, want, text)
			}
		}
	}
	r, err := s.Report("pv", ReportOptions{At: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := []DispositionCount{{"2.12", calling.R, "Break-off", 1}}
	if diff := cmp.Diff(want, r.Final); diff != "" || r.Interviews.BrokenOff != 1 || r.Interviews.Completed != 0 || r.Counts.I != 0 {
		t.Errorf("report: final %+v, interviews %+v, I = %d; want one final break-off, no complete", r.Final, r.Interviews, r.Counts.I)
	}
}

// TestReportCountsEachOptedOutRowOnce is issue 11.10: the same sample
// imported again keeps the same people out again; the report counts them
// once, not once per import.
func TestReportCountsEachOptedOutRowOnce(t *testing.T) {
	s := openTest(t)
	for _, p := range []string{"+14155550101", "+14155550102"} {
		if _, _, err := s.AddOptOut(p, "US", "", "sup"); err != nil {
			t.Fatal(err)
		}
	}
	sample := "id,phone\na,+14155550100\nb,+14155550101\nc,+14155550102\n"
	for range 3 {
		importCSV(t, s, "s1", sample)
	}
	importCSV(t, s, "s1", "id,phone\nd,+14155550103\ne,+14155550102\n")
	r, err := s.Report("s1", ReportOptions{At: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sample.SuppressedAtImport != 3 {
		t.Errorf("SuppressedAtImport = %d, want 3: 2 rows of one file imported three times, 1 of another", r.Sample.SuppressedAtImport)
	}
}
