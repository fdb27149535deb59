package store

import (
	"errors"
	"testing"
	"time"

	"canvass/model"

	"github.com/google/go-cmp/cmp"
)

func demoSurvey(version string) *model.Survey {
	return &model.Survey{ID: "s1", Version: version, Title: "Demo",
		Consent: model.Text{"en": "May we ask you a few questions?"},
		Items: []model.Item{
			{Name: "age", Type: model.TypeInteger, Label: model.Text{"en": "How old are you?"}},
			{Name: "fruit", Type: model.TypeSelectOne, ListName: "fruit", Label: model.Text{"en": "Favourite fruit?"}},
		},
		Lists: map[string]*model.ChoiceList{"fruit": {Name: "fruit", Choices: []model.Choice{{Name: "apple"}, {Name: "pear"}}}},
	}
}

func TestAddSurveyRevisions(t *testing.T) {
	s := openTest(t)
	tests := []struct {
		raw     string
		version string
		rev     uint32
		added   bool
	}{
		{"v1 file", "1", 1, true},
		{"v1 file", "1", 1, false},
		{"v1 file, edited", "1", 2, true},
		{"v2 file", "2", 3, true},
	}
	for _, tt := range tests {
		rev, added, err := s.AddSurvey(demoSurvey(tt.version), []byte(tt.raw), "author")
		if err != nil || rev != tt.rev || added != tt.added {
			t.Errorf("AddSurvey(%q) = %d, %v, %v, want %d, %v", tt.raw, rev, added, err, tt.rev, tt.added)
		}
	}
	list, err := s.Surveys()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Revision != 3 || list[0].Revisions != 3 || list[0].Version != "2" {
		t.Errorf("Surveys() = %+v, want s1 at revision 3 of 3", list)
	}
	sv, rec, err := s.Survey("s1", 2)
	if err != nil || string(rec.Raw) != "v1 file, edited" {
		t.Fatalf("Survey(s1, 2) = %v, %v", rec, err)
	}
	if diff := cmp.Diff(demoSurvey("1"), sv); diff != "" {
		t.Errorf("Survey(s1, 2) questionnaire (-want +got):\n%s", diff)
	}
	if _, _, err := s.Survey("nope", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("Survey(nope) = %v, want ErrNotFound", err)
	}
}

func TestInterviewLifecycle(t *testing.T) {
	s := openTest(t)
	s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	importCSV(t, s, "s1", "id,phone\na,4155550100\nb,4155550101\n")
	consent := model.Consent{Survey: "s1", Contact: "a", Interviewer: "ivy", Lang: "en", Text: "May we?", At: t0, Agreed: true}
	id, err := s.StartInterview(consent)
	if err != nil {
		t.Fatal(err)
	}
	// A survey change after the start does not move the interview.
	s.AddSurvey(demoSurvey("2"), []byte("v2"), "author")
	if _, err := s.StartInterview(consent); !errors.Is(err, ErrInterviewed) {
		t.Errorf("second StartInterview for the same contact = %v, want ErrInterviewed", err)
	}
	a1 := model.AnswerEvent{Item: "age", Value: "41", Shown: t0, Answered: t0.Add(5 * time.Second)}
	a2 := model.AnswerEvent{Item: "fruit", Value: "apple", Shown: t0.Add(6 * time.Second), Answered: t0.Add(9 * time.Second)}
	a3 := model.AnswerEvent{Item: "age", Value: "42", Change: true, Previous: "41", Shown: t0.Add(10 * time.Second), Answered: t0.Add(12 * time.Second)}
	must(t, s.SaveAnswer(id, a1, []byte(`{"at":"fruit"}`)))
	must(t, s.SaveAnswer(id, a2, []byte(`{"at":"end"}`)))
	must(t, s.Suspend(id, "ivy", "respondent busy"))
	if err := s.SaveAnswer(id, a3, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("SaveAnswer to a suspended interview = %v, want ErrClosed", err)
	}
	state, err := s.Resume(id, "ivy")
	if err != nil || string(state) != `{"at":"end"}` {
		t.Errorf("Resume = %s, %v, want the state saved with the last answer", state, err)
	}
	must(t, s.SaveAnswer(id, a3, []byte(`{"at":"end2"}`)))
	must(t, s.Complete(id, "ivy"))
	if err := s.SaveAnswer(id, a1, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("SaveAnswer to a completed interview = %v, want ErrClosed", err)
	}
	must(t, s.Review(id, "sup", "approved", "fine"))
	rv, err := s.Interview(id)
	if err != nil {
		t.Fatal(err)
	}
	if rv.Interview.Status != InterviewCompleted || rv.Interview.Revision != 1 || rv.Interview.Consent.Version != "1" {
		t.Errorf("interview = %+v, want completed on revision 1 with consent version 1", rv.Interview)
	}
	var hist []model.AnswerEvent
	for _, h := range rv.History {
		hist = append(hist, h.Answer)
	}
	if diff := cmp.Diff([]model.AnswerEvent{a1, a2, a3}, hist); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]model.AnswerEvent{a3, a2}, rv.Current); diff != "" {
		t.Errorf("current answers (-want +got):\n%s", diff)
	}
	var kinds []string
	for _, e := range rv.Changes {
		kinds = append(kinds, e.Kind)
	}
	if diff := cmp.Diff([]string{KindConsent, KindSuspended, KindResumed, KindCompleted, KindReview}, kinds); diff != "" {
		t.Errorf("interview events (-want +got):\n%s", diff)
	}
	// A refusal is recorded and closes the interview at once.
	refused := consent
	refused.Contact, refused.Agreed = "b", false
	rid, err := s.StartInterview(refused)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAnswer(rid, a1, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("SaveAnswer after a refusal = %v, want ErrClosed", err)
	}
	list, _ := s.Interviews("s1")
	if len(list) != 2 || list[1].Status != InterviewRefused && list[0].Status != InterviewRefused {
		t.Errorf("Interviews(s1) = %+v, want two, one refused", list)
	}
}

func TestStartInterviewNeedsSurveyAndContact(t *testing.T) {
	s := openTest(t)
	c := model.Consent{Survey: "s1", Contact: "a", Interviewer: "ivy", Agreed: true}
	if _, err := s.StartInterview(c); !errors.Is(err, ErrNotFound) {
		t.Errorf("StartInterview without the survey = %v, want ErrNotFound", err)
	}
	s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	if _, err := s.StartInterview(c); !errors.Is(err, ErrNotFound) {
		t.Errorf("StartInterview of a contact not in the sample = %v, want ErrNotFound", err)
	}
}
