package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"canvass/model"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// reviewStore is a store with survey s1 and contacts a..f (Ann..Flo).
func reviewStore(t *testing.T) *Store {
	t.Helper()
	s := openTest(t)
	if _, _, err := s.AddSurvey(demoSurvey("1"), []byte("v1"), "author"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "s1", "id,phone,name\na,4155550100,Ann\nb,4155550101,Bob\nc,4155550102,Cy\nd,4155550103,Di\ne,4155550104,Ed\nf,4155550105,Flo\n")
	return s
}

// interviewIn makes an interview by ivy with contact, answering age and
// fruit (with a soft-check override), and leaves it in status: active,
// suspended, completed, refused, approved or rejected.
func interviewIn(t *testing.T, s *Store, contact, status string) string {
	t.Helper()
	id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: contact, Interviewer: "ivy", Lang: "en",
		At: t0, Agreed: status != InterviewRefused})
	if err != nil {
		t.Fatal(err)
	}
	if status == InterviewRefused {
		return id
	}
	must(t, s.SaveAnswer(id, model.AnswerEvent{Item: "age", Value: "41", Shown: t0, Answered: t0.Add(3 * time.Second)}, []byte("st1")))
	must(t, s.SaveAnswer(id, model.AnswerEvent{Item: "fruit", Value: "pear", Override: "checked", Shown: t0.Add(4 * time.Second), Answered: t0.Add(9 * time.Second)}, []byte("st2")))
	switch status {
	case InterviewActive:
	case InterviewSuspended:
		must(t, s.Suspend(id, "ivy", "later"))
	default:
		must(t, s.Complete(id, "ivy"))
	}
	switch status {
	case InterviewApproved:
		must(t, s.Approve(id, "sue", ""))
	case InterviewRejected:
		must(t, s.Reject(id, "sue", "check the age", []ItemComment{{Item: "age", Text: "really 41?"}}))
	}
	return id
}

func TestReviewTransitions(t *testing.T) {
	type action struct {
		name string
		do   func(s *Store, id string) error
	}
	approve := action{"approve", func(s *Store, id string) error { return s.Approve(id, "sue", "fine") }}
	reject := action{"reject", func(s *Store, id string) error {
		return s.Reject(id, "sue", "please check", []ItemComment{{Item: "fruit", Text: "pear or apple?"}})
	}}
	reopenByIvy := action{"reopen", func(s *Store, id string) error { _, err := s.Reopen(id, "ivy"); return err }}
	reopenByOther := action{"reopen by another", func(s *Store, id string) error { _, err := s.Reopen(id, "max"); return err }}
	flag := action{"flag", func(s *Store, id string) error { return s.Flag(id, "sue", "odd timing", true) }}
	unflag := action{"unflag", func(s *Store, id string) error { return s.Flag(id, "sue", "", false) }}

	tests := []struct {
		from string
		act  action
		to   string // "" when the action must be refused
	}{
		{InterviewCompleted, approve, InterviewApproved},
		{InterviewCompleted, reject, InterviewRejected},
		{InterviewCompleted, reopenByIvy, ""},
		{InterviewActive, approve, ""},
		{InterviewActive, reject, ""},
		{InterviewSuspended, approve, ""},
		{InterviewSuspended, reject, ""},
		{InterviewRefused, approve, ""},
		{InterviewRefused, reject, ""},
		{InterviewApproved, approve, ""},
		{InterviewApproved, reject, ""},
		{InterviewApproved, reopenByIvy, ""},
		{InterviewRejected, approve, ""},
		{InterviewRejected, reject, ""},
		{InterviewRejected, reopenByOther, ""},
		{InterviewRejected, reopenByIvy, InterviewActive},
		{InterviewSuspended, flag, InterviewSuspended},
		{InterviewApproved, flag, InterviewApproved},
		{InterviewCompleted, unflag, ""},
	}
	for _, tt := range tests {
		t.Run(tt.act.name+" "+tt.from, func(t *testing.T) {
			s := reviewStore(t)
			id := interviewIn(t, s, "a", tt.from)
			err := tt.act.do(s, id)
			rows, lerr := s.ReviewList("s1")
			if lerr != nil || len(rows) != 1 {
				t.Fatalf("ReviewList = %v, %v", rows, lerr)
			}
			if tt.to == "" {
				if !errors.Is(err, ErrTransition) {
					t.Errorf("%s a %s interview = %v, want ErrTransition", tt.act.name, tt.from, err)
				}
				if rows[0].Status != tt.from {
					t.Errorf("status after a refused %s = %s, want %s unchanged", tt.act.name, rows[0].Status, tt.from)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s a %s interview: %v", tt.act.name, tt.from, err)
			}
			if rows[0].Status != tt.to {
				t.Errorf("%s a %s interview: status = %s, want %s", tt.act.name, tt.from, rows[0].Status, tt.to)
			}
		})
	}
}

func TestReviewErrorsAreClear(t *testing.T) {
	s := reviewStore(t)
	done := interviewIn(t, s, "a", InterviewCompleted)
	susp := interviewIn(t, s, "b", InterviewSuspended)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"approve suspended", s.Approve(susp, "sue", ""), "approve interview " + susp + ": it is suspended, and only a completed interview can be reviewed: not possible in this status"},
		{"reject without comment", s.Reject(done, "sue", "  ", nil), "a rejection needs a comment for the interviewer"},
		{"comment on an unanswered item", s.Reject(done, "sue", "x", []ItemComment{{Item: "nope", Text: "?"}}), "comment on nope: the interview has no answer to it"},
		{"empty item comment", s.Reject(done, "sue", "x", []ItemComment{{Item: "age", Text: " "}}), "comment on age is empty"},
		{"comment on another repeat instance", s.Reject(done, "sue", "x", []ItemComment{{Item: "age", Path: []int{2}, Text: "?"}}), "comment on age[2]: the interview has no answer to it"},
		{"two comments on one item", s.Reject(done, "sue", "x", []ItemComment{{Item: "age", Text: "a"}, {Item: "age", Text: "b"}}), "two comments on age"},
		{"flag without note", s.Flag(done, "sue", "", true), "a flag needs a note saying why"},
		{"no supervisor", s.Approve(done, "", ""), "empty supervisor id"},
		{"unknown interview", s.Approve("nope", "sue", ""), "not found"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s = %v, want an error with %q", tt.name, tt.err, tt.want)
		}
	}
	if rows, _ := s.ReviewList(""); rows[0].Status != InterviewCompleted {
		t.Errorf("after refused decisions the completed interview is %s", rows[0].Status)
	}
}

func TestRejectionRoundTrip(t *testing.T) {
	s := reviewStore(t)
	id := interviewIn(t, s, "a", InterviewCompleted)
	other := interviewIn(t, s, "b", InterviewCompleted)
	items := []ItemComment{{Item: "age", Text: " is 41 right? "}, {Item: "fruit", Text: "ask again"}}
	must(t, s.Reject(id, "sue", "two answers to check", items))

	// Returned to its interviewer, and only to them.
	ret, err := s.Returned("ivy")
	if err != nil {
		t.Fatal(err)
	}
	want := []ItemComment{{Item: "age", Text: "is 41 right?"}, {Item: "fruit", Text: "ask again"}}
	if len(ret) != 1 || ret[0].Interview.ID != id || ret[0].ContactName != "Ann" || ret[0].Rejection.Comment != "two answers to check" {
		t.Fatalf("Returned(ivy) = %+v, want %s for Ann", ret, id)
	}
	if diff := cmp.Diff(want, ret[0].Rejection.Items); diff != "" {
		t.Errorf("returned item comments (-want +got):\n%s", diff)
	}
	if ret, _ := s.Returned("max"); len(ret) != 0 {
		t.Errorf("Returned(max) = %+v, want none", ret)
	}

	// Reopened: no longer listed as returned, comments still open.
	state, err := s.Reopen(id, "ivy")
	if err != nil || string(state) != "st2" {
		t.Fatalf("Reopen = %q, %v, want the last state", state, err)
	}
	if ret, _ := s.Returned("ivy"); len(ret) != 0 {
		t.Errorf("Returned(ivy) after reopening = %+v, want none", ret)
	}
	rs, err := s.ReviewState(id)
	if err != nil {
		t.Fatal(err)
	}
	if o := rs.Open(InterviewActive); o == nil || o.Comment != "two answers to check" || o.Reopened.IsZero() {
		t.Errorf("open rejection while correcting = %+v", o)
	}

	// The correction is an answer-change event; completing again puts it
	// back up for review, with the whole history kept.
	must(t, s.SaveAnswer(id, model.AnswerEvent{Item: "age", Value: "42", Change: true, Previous: "41", Shown: t0, Answered: t0.Add(time.Minute)}, []byte("st3")))
	must(t, s.Complete(id, "ivy"))
	d, err := s.ReviewOf(id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != InterviewCompleted || d.Review.Open(d.Status) != nil {
		t.Errorf("after re-completion status = %s, open rejection %+v; want completed, none", d.Status, d.Review.Open(d.Status))
	}
	if len(d.Review.Rejections) != 1 || len(d.Review.Rejections[0].Items) != 2 {
		t.Errorf("rejections kept = %+v, want the one with two comments", d.Review.Rejections)
	}
	if got := d.Current[0]; got.Item != "age" || got.Value != "42" || !got.Change || got.Previous != "41" {
		t.Errorf("current age = %+v, want the change 41 → 42", got)
	}
	var kinds []string
	for _, e := range d.Changes {
		kinds = append(kinds, e.Kind)
	}
	wantKinds := []string{KindConsent, KindCompleted, KindReview, KindResumed, KindCompleted}
	if diff := cmp.Diff(wantKinds, kinds); diff != "" {
		t.Errorf("status history (-want +got):\n%s", diff)
	}
	if d.Contact == nil || d.Contact.Name != "Ann" {
		t.Errorf("contact = %+v, want Ann", d.Contact)
	}
	must(t, s.Approve(id, "sue", "good now"))
	// The projections still agree with the log.
	rep, err := s.Doctor()
	if err != nil || len(rep.Problems) > 0 {
		t.Errorf("Doctor after a review round = %v, %v; want no problems", rep.Problems, err)
	}
	if rows, _ := s.ReviewList("s1"); rows[0].Status != InterviewApproved || rows[1].Status != InterviewCompleted || rows[1].Interview.ID != other {
		t.Errorf("statuses = %s, %s; want approved, completed", rows[0].Status, rows[1].Status)
	}
}

func TestFlagRoundTrip(t *testing.T) {
	s := reviewStore(t)
	id := interviewIn(t, s, "a", InterviewSuspended)
	must(t, s.Flag(id, "sue", "  too fast  ", true))
	rs, err := s.ReviewState(id)
	if err != nil {
		t.Fatal(err)
	}
	want := ReviewState{Flagged: true, FlagNote: "too fast", FlagBy: "sue"}
	if diff := cmp.Diff(want, *rs, cmpopts.IgnoreFields(ReviewState{}, "FlagAt")); diff != "" || rs.FlagAt.IsZero() {
		t.Errorf("ReviewState after flag (-want +got):\n%s", diff)
	}
	must(t, s.Flag(id, "sue", "explained", false))
	if rs, _ := s.ReviewState(id); rs.Flagged || rs.FlagNote != "" {
		t.Errorf("ReviewState after unflag = %+v", rs)
	}
}

func TestReviewListCounts(t *testing.T) {
	s := reviewStore(t)
	ids := map[string]string{}
	for i, st := range []string{InterviewActive, InterviewSuspended, InterviewCompleted, InterviewRefused, InterviewApproved, InterviewRejected} {
		ids[st] = interviewIn(t, s, string(rune('a'+i)), st)
	}
	must(t, s.AddNote(ids[InterviewCompleted], Note{Item: "age", Text: "said it twice", By: "ivy"}))
	must(t, s.Flag(ids[InterviewActive], "sue", "look", true))
	rows, err := s.ReviewList("")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Contact, Status           string
		Answers, Overrides, Notes int
		Flagged                   bool
	}
	var got []row
	for _, r := range rows {
		got = append(got, row{r.ContactName, r.Status, r.Answers, r.Overrides, r.Notes, r.Review.Flagged})
	}
	want := []row{
		{"Ann", InterviewActive, 2, 1, 0, true},
		{"Bob", InterviewSuspended, 2, 1, 0, false},
		{"Cy", InterviewCompleted, 2, 1, 1, false},
		{"Di", InterviewRefused, 0, 0, 0, false},
		{"Ed", InterviewApproved, 2, 1, 0, false},
		{"Flo", InterviewRejected, 2, 1, 0, false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReviewList (-want +got):\n%s", diff)
	}
	for _, r := range rows {
		finished := r.Status == InterviewCompleted || r.Status == InterviewApproved || r.Status == InterviewRejected
		if d := r.Duration(); finished != (d > 0) {
			t.Errorf("%s (%s) Duration() = %v, want it set only for finished interviews", r.ContactName, r.Status, d)
		}
	}
	if rows, _ := s.ReviewList("other"); len(rows) != 0 {
		t.Errorf("ReviewList(other) = %v, want none", rows)
	}
}

// BenchmarkReviewList measures listing interviews for review with their
// answer, override and note counts.
func BenchmarkReviewList(b *testing.B) {
	s := openTest(b)
	if _, _, err := s.AddSurvey(demoSurvey("1"), []byte("v1"), "author"); err != nil {
		b.Fatal(err)
	}
	const n = 200
	var csv strings.Builder
	csv.WriteString("id,phone,name\n")
	for i := range n {
		fmt.Fprintf(&csv, "c%d,415555%04d,Person %d\n", i, i, i)
	}
	importCSV(b, s, "s1", csv.String())
	for i := range n {
		id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: fmt.Sprintf("c%d", i), Interviewer: "ivy", At: t0, Agreed: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range []model.AnswerEvent{{Item: "age", Value: "41"}, {Item: "fruit", Value: "pear", Override: "ok"}} {
			if err := s.SaveAnswer(id, a, nil); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Complete(id, "ivy"); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		rows, err := s.ReviewList("s1")
		if err != nil || len(rows) != n {
			b.Fatalf("ReviewList = %d rows, %v", len(rows), err)
		}
	}
}
