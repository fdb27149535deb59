package tui

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"

	"github.com/google/go-cmp/cmp"
)

// The contract between the console and its store, run against every
// implementation of Backend: the store itself and the fake the console's
// tests use, so that the fake cannot drift into a second product (as
// Nomad runs one suite against each implementation of its client state).

// contractFixture is a backend holding the console survey "cons" with
// the contacts C0 (whose phone is on the opt-out list), C1 Rosa Diaz and
// C2 Tom Reed, at a moment inside everyone's calling window, and what the
// suite needs to do beside the console (a supervisor's opt-out import, a
// rejection).
type contractFixture struct {
	be  Backend
	now time.Time
	// optOut puts a value on the list as `canvass optout add` does.
	optOut func(t *testing.T, value string)
	// reject returns a completed interview to its interviewer.
	reject func(t *testing.T, interview string)
}

var contractNow = time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC) // Monday, 13:00 in Denver

func fakeFixture(t *testing.T) contractFixture {
	f := newFake()
	return contractFixture{be: f, now: contractNow,
		optOut: func(t *testing.T, value string) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.optouts[value] = true
			for _, fc := range f.contacts {
				if f.optedOut(fc.c) {
					f.suppress(fc, "")
				}
			}
		},
		reject: func(t *testing.T, id string) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.rejections[id] = &store.Rejection{By: "sue", At: contractNow, Comment: "check the score"}
		},
	}
}

func storeFixture(t *testing.T) contractFixture {
	st, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{Now: func() time.Time { return contractNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, _, err := st.AddSurvey(consoleSurvey(), []byte("cons"), "author"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AddOptOut("+12125550199", "US", "test", "sup"); err != nil {
		t.Fatal(err)
	}
	sample := "id,phone,email,name,company,timezone,language\n" +
		"C0,+12125550199,,Opted Out,,America/New_York,\n" +
		"C1,+13035550123,rosa@example.com,Rosa Diaz,Acme,America/Denver,es\n" +
		"C2,+12065550142,,Tom Reed,,America/Los_Angeles,\n" +
		"C3,,una@example.com,Una Mail,,,\n" // email only: nobody to call
	if _, err := st.ImportContacts(strings.NewReader(sample), store.ImportOptions{Survey: "cons", Source: "client", Region: "US", Actor: "sup", File: "s.csv"}); err != nil {
		t.Fatal(err)
	}
	return contractFixture{be: st, now: contractNow,
		optOut: func(t *testing.T, value string) {
			if _, _, err := st.AddOptOut(value, "US", "letter", "sup"); err != nil {
				t.Fatal(err)
			}
		},
		reject: func(t *testing.T, id string) {
			if err := st.Reject(id, "sue", "check the score", nil); err != nil {
				t.Fatal(err)
			}
		},
	}
}

func TestBackendContract(t *testing.T) {
	for name, mk := range map[string]func(*testing.T) contractFixture{"store": storeFixture, "fake": fakeFixture} {
		t.Run(name, func(t *testing.T) {
			for _, c := range backendContract {
				t.Run(c.name, func(t *testing.T) { c.run(t, mk(t)) })
			}
		})
	}
}

var backendContract = []struct {
	name string
	run  func(t *testing.T, fx contractFixture)
}{
	{"the gate presents in order and never an opted-out person", func(t *testing.T, fx contractFixture) {
		var got []string
		for range 2 {
			p := present(t, fx, "ana")
			got = append(got, p.Contact.ID)
			if p.Questionnaire == nil || p.Questionnaire.Form == nil || p.Questionnaire.Survey.ID != "cons" || p.Open != nil {
				t.Errorf("presentation of %s: questionnaire %v, open %v; want the compiled survey and no interview", p.Contact.ID, p.Questionnaire, p.Open)
			}
		}
		if diff := cmp.Diff([]string{"C1", "C2"}, got); diff != "" {
			t.Errorf("presented (-want +got):\n%s", diff)
		}
		if _, err := fx.be.Present("cons", store.DrawOptions{Interviewer: "bob", Now: fx.now}); !errors.Is(err, store.ErrQueueEmpty) {
			t.Errorf("a third draw = %v, want ErrQueueEmpty", err)
		}
		if _, err := fx.be.Present("nope", store.DrawOptions{Interviewer: "bob", Now: fx.now}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a draw from an unknown survey = %v, want ErrNotFound", err)
		}
	}},
	// Issue 17.5: an appointment canvass cannot keep (past 2262, before
	// 1678: its nanoseconds overflow) is refused with a sentence, and
	// nothing is recorded.
	{"an appointment past the year 2262 is refused", func(t *testing.T, fx contractFixture) {
		p := present(t, fx, "ana")
		far := time.Date(2263, 1, 1, 10, 0, 0, 0, time.UTC)
		err := fx.be.RecordCall("cons", p.Contact.ID, store.Call{Outcome: consoleOutcome("appointment"), Interviewer: "ana", At: fx.now, Appointment: far})
		if err == nil || !strings.Contains(err.Error(), "outside the years 1678 to 2262") {
			t.Errorf("RecordCall with an appointment in 2263 = %v, want it refused naming the years", err)
		}
		id := start(t, fx, p, "ana")
		err = fx.be.SuspendInterview(id, store.Suspension{Actor: "ana", At: fx.now, Reason: "appointment", Appointment: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err == nil || !strings.Contains(err.Error(), "outside the years 1678 to 2262") {
			t.Errorf("SuspendInterview with an appointment in 1600 = %v, want it refused naming the years", err)
		}
		h := home(t, fx, "ana")
		if len(h.Resume) != 1 || h.Resume[0].Interview.Status != store.InterviewActive {
			t.Errorf("after the refused suspension ana's home lists %+v, want the interview still active", h.Resume)
		}
	}},
	// Issue 17.7: a draw that finds nobody says when the next contact
	// comes up; an email-only contact (C3) is never presented to be
	// called.
	{"an empty queue says when the next contact comes up", func(t *testing.T, fx contractFixture) {
		p := present(t, fx, "ana")
		appt := fx.now.Add(3 * time.Hour)
		if err := fx.be.RecordCall("cons", p.Contact.ID, store.Call{Outcome: consoleOutcome("appointment"), Interviewer: "ana", At: fx.now, Appointment: appt}); err != nil {
			t.Fatal(err)
		}
		if q := present(t, fx, "ana"); q.Contact.ID != "C2" {
			t.Errorf("second draw = %s, want C2", q.Contact.ID)
		}
		_, err := fx.be.Present("cons", store.DrawOptions{Interviewer: "ana", Now: fx.now})
		var empty *store.QueueEmpty
		if !errors.As(err, &empty) || !errors.Is(err, store.ErrQueueEmpty) {
			t.Fatalf("third draw = %v, want a QueueEmpty that is ErrQueueEmpty", err)
		}
		if !empty.Next.Equal(appt) {
			t.Errorf("the next contact comes up at %v, want the appointment %v", empty.Next, appt)
		}
	}},
	// Issue 17.7: a resumed interview whose person is not there after
	// all is suspended again with how the call went, in one step.
	{"a resumed interview suspended with the call's outcome", func(t *testing.T, fx contractFixture) {
		p := present(t, fx, "ana")
		id := start(t, fx, p, "ana")
		answer(t, fx, id, "score", "4")
		if err := fx.be.SuspendInterview(id, store.Suspension{Actor: "ana", At: fx.now, Reason: "quit"}); err != nil {
			t.Fatal(err)
		}
		later := fx.now.Add(time.Hour)
		if _, err := fx.be.ResumeInterview(id, "ana", later); err != nil {
			t.Fatal(err)
		}
		if err := fx.be.SuspendInterview(id, store.Suspension{Actor: "ana", At: later, Reason: "not reached", Outcome: "no_answer", Note: "rang out"}); err != nil {
			t.Fatal(err)
		}
		res, err := fx.be.ResumeInterview(id, "ana", later.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		calls := res.ContactState.Calls
		if len(calls) == 0 || calls[len(calls)-1].Outcome != "no_answer" || res.CallNotes[later.UTC()] != "rang out" {
			t.Errorf("calls after the suspension = %+v, notes %v; want the no answer with its note", calls, res.CallNotes)
		}
	}},
	{"two interviewers never share a contact", func(t *testing.T, fx contractFixture) {
		a, b := present(t, fx, "ana"), present(t, fx, "bob")
		if a.Contact.ID == b.Contact.ID {
			t.Errorf("ana and bob were both given %s", a.Contact.ID)
		}
	}},
	{"an interview from consent to the end", func(t *testing.T, fx contractFixture) {
		p := present(t, fx, "ana")
		id := start(t, fx, p, "ana")
		if _, err := fx.be.StartInterview(consent(fx, p, "ana", true)); !errors.Is(err, store.ErrInterviewed) {
			t.Errorf("a second consent for %s = %v, want ErrInterviewed", p.Contact.ID, err)
		}
		answer(t, fx, id, "score", "4")
		h := home(t, fx, "ana")
		if len(h.Resume) != 1 || h.Resume[0].Interview.ID != id || h.Resume[0].ContactName != "Rosa Diaz" {
			t.Errorf("ana's home lists to resume %+v, want %s with Rosa Diaz", h.Resume, id)
		}
		if h := home(t, fx, "bob"); len(h.Resume) != 0 {
			t.Errorf("bob's home lists ana's interview to resume: %+v", h.Resume)
		}
		if err := fx.be.AddNote(id, store.Note{Item: "score", Text: "hesitated", By: "ana", At: fx.now}); err != nil {
			t.Errorf("AddNote: %v", err)
		}
		if err := fx.be.FinishInterview(id, "ana", fx.now); err != nil {
			t.Fatal(err)
		}
		row := home(t, fx, "ana").Surveys[0]
		if row.Completed != 1 || row.Mine != 1 || row.Open != 0 || row.Sample != 3 {
			t.Errorf("progress after finishing = %+v, want 1 completed, 1 mine, none open, a sample of 3 (C0 was on the list; C3 is counted though nobody can call it)", row)
		}
		if err := fx.be.SaveAnswer(id, model.AnswerEvent{Item: "more", Value: "no"}, []byte("{}")); !errors.Is(err, store.ErrClosed) {
			t.Errorf("an answer after the end = %v, want ErrClosed", err)
		}
		if err := fx.be.FinishInterview(id, "ana", fx.now); !errors.Is(err, store.ErrClosed) {
			t.Errorf("finishing twice = %v, want ErrClosed", err)
		}
	}},
	{"a suspended interview resumes where it stopped", func(t *testing.T, fx contractFixture) {
		p := present(t, fx, "ana")
		id := start(t, fx, p, "ana")
		answer(t, fx, id, "score", "4")
		appt := fx.now.Add(2 * time.Hour)
		if err := fx.be.SuspendInterview(id, store.Suspension{Actor: "ana", At: fx.now, Reason: "appointment", Appointment: appt}); err != nil {
			t.Fatal(err)
		}
		if err := fx.be.SaveAnswer(id, model.AnswerEvent{Item: "more", Value: "no"}, nil); !errors.Is(err, store.ErrClosed) {
			t.Errorf("an answer to a suspended interview = %v, want ErrClosed", err)
		}
		res, err := fx.be.ResumeInterview(id, "ana", appt)
		if err != nil {
			t.Fatal(err)
		}
		if string(res.State) != `{"score":"4"}` || res.Contact.ID != "C1" || res.Questionnaire == nil || res.Interview.Status != store.InterviewActive {
			t.Errorf("resumption: state %q, contact %s, questionnaire %v, status %s; want the saved state, C1, the survey, active",
				res.State, res.Contact.ID, res.Questionnaire, res.Interview.Status)
		}
		answer(t, fx, id, "more", "no")
	}},
	{"an interview without an answer resumes from the start", func(t *testing.T, fx contractFixture) {
		p := present(t, fx, "ana")
		id := start(t, fx, p, "ana")
		if err := fx.be.SuspendInterview(id, store.Suspension{Actor: "ana", At: fx.now, Reason: "quit"}); err != nil {
			t.Fatal(err)
		}
		res, err := fx.be.ResumeInterview(id, "ana", fx.now)
		if err != nil {
			t.Fatalf("ResumeInterview of an interview without answers: %v", err)
		}
		if len(res.State) != 0 || res.Interview.Consent.Lang != "es" {
			t.Errorf("resumption: state %q, consent language %q; want no state and the consent's language", res.State, res.Interview.Consent.Lang)
		}
	}},
	{"an opt-out during the interview ends it", func(t *testing.T, fx contractFixture) {
		p := present(t, fx, "ana")
		id := start(t, fx, p, "ana")
		answer(t, fx, id, "score", "4")
		if err := fx.be.OptOutContact(store.ContactOptOut{Survey: "cons", Contact: "C1", Actor: "ana", At: fx.now, Note: "opted out"}); err != nil {
			t.Fatal(err)
		}
		if err := fx.be.SaveAnswer(id, model.AnswerEvent{Item: "more", Value: "no"}, nil); !errors.Is(err, store.ErrClosed) {
			t.Errorf("an answer after the opt-out = %v, want ErrClosed", err)
		}
		if _, err := fx.be.ResumeInterview(id, "ana", fx.now); !errors.Is(err, store.ErrClosed) {
			t.Errorf("resuming after the opt-out = %v, want ErrClosed", err)
		}
		if h := home(t, fx, "ana"); len(h.Resume) != 0 || h.Surveys[0].Open != 0 {
			t.Errorf("home after the opt-out: resume %+v, %d open; want nothing", h.Resume, h.Surveys[0].Open)
		}
	}},
	{"an opt-out arriving later ends a suspended interview", func(t *testing.T, fx contractFixture) {
		p := present(t, fx, "ana")
		id := start(t, fx, p, "ana")
		answer(t, fx, id, "score", "4")
		if err := fx.be.SuspendInterview(id, store.Suspension{Actor: "ana", At: fx.now, Reason: "quit"}); err != nil {
			t.Fatal(err)
		}
		fx.optOut(t, "rosa@example.com")
		if _, err := fx.be.ResumeInterview(id, "ana", fx.now); !errors.Is(err, store.ErrClosed) {
			t.Errorf("resuming an opted-out person's interview = %v, want ErrClosed", err)
		}
		if h := home(t, fx, "ana"); len(h.Resume) != 0 {
			t.Errorf("home offers to resume %+v", h.Resume)
		}
	}},
	{"a declined consent is recorded once", func(t *testing.T, fx contractFixture) {
		p := present(t, fx, "ana")
		if _, err := fx.be.DeclineConsent(store.Decline{Consent: consent(fx, p, "ana", true)}); err == nil {
			t.Errorf("DeclineConsent of a consent that says yes succeeded")
		}
		if _, err := fx.be.DeclineConsent(store.Decline{Consent: consent(fx, p, "ana", false), OptOut: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.be.StartInterview(consent(fx, p, "ana", true)); !errors.Is(err, store.ErrInterviewed) {
			t.Errorf("consent after a refusal = %v, want ErrInterviewed", err)
		}
		if row := home(t, fx, "ana").Surveys[0]; row.Refused != 1 || row.Open != 0 {
			t.Errorf("progress after the refusal = %+v, want 1 refused", row)
		}
	}},
	{"a returned interview is reopened by its interviewer only", func(t *testing.T, fx contractFixture) {
		p := present(t, fx, "ana")
		id := start(t, fx, p, "ana")
		answer(t, fx, id, "score", "4")
		if err := fx.be.FinishInterview(id, "ana", fx.now); err != nil {
			t.Fatal(err)
		}
		fx.reject(t, id)
		h := home(t, fx, "ana")
		if len(h.Returned) != 1 || h.Returned[0].Interview.ID != id || h.Returned[0].ContactName != "Rosa Diaz" {
			t.Fatalf("ana's returned interviews = %+v, want %s", h.Returned, id)
		}
		if _, err := fx.be.ReopenInterview(id, "bob", fx.now); !errors.Is(err, store.ErrTransition) {
			t.Errorf("bob reopening ana's interview = %v, want ErrTransition", err)
		}
		res, err := fx.be.ReopenInterview(id, "ana", fx.now)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rejection == nil || res.Rejection.Comment != "check the score" || res.Interview.Status != store.InterviewActive {
			t.Errorf("reopened: rejection %+v, status %s; want the comment and active", res.Rejection, res.Interview.Status)
		}
		answer(t, fx, id, "score", "5")
	}},
	{"a call's note comes back with the contact", func(t *testing.T, fx contractFixture) {
		p := present(t, fx, "ana")
		id := start(t, fx, p, "ana")
		if err := fx.be.SuspendInterview(id, store.Suspension{Actor: "ana", At: fx.now, Reason: "quit"}); err != nil {
			t.Fatal(err)
		}
		call := store.Call{Outcome: p.Questionnaire.Outcome("callback"), Interviewer: "ana", At: fx.now.Add(time.Minute), Note: "after six"}
		if err := fx.be.RecordCall("cons", "C1", call); err != nil {
			t.Fatal(err)
		}
		res, err := fx.be.ResumeInterview(id, "ana", fx.now.Add(2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if res.CallNotes[call.At.UTC()] != "after six" {
			t.Errorf("call notes = %v, want the note at %v", res.CallNotes, call.At.UTC())
		}
	}},
	{"unknown interviews are not found", func(t *testing.T, fx contractFixture) {
		if _, err := fx.be.ResumeInterview("nope", "ana", fx.now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ResumeInterview(nope) = %v, want ErrNotFound", err)
		}
		if err := fx.be.SaveAnswer("nope", model.AnswerEvent{Item: "score", Value: "1"}, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SaveAnswer(nope) = %v, want ErrNotFound", err)
		}
	}},
	{"the interviewer is remembered", func(t *testing.T, fx contractFixture) {
		if err := fx.be.SetInterviewer("", "Nobody"); err == nil {
			t.Errorf("SetInterviewer with an empty id succeeded")
		}
		if err := fx.be.SetInterviewer("ana01", "Ana"); err != nil {
			t.Fatal(err)
		}
		if got, err := fx.be.LastInterviewer(); err != nil || got.ID != "ana01" || got.Name != "Ana" {
			t.Errorf("LastInterviewer() = %+v, %v; want ana01 Ana", got, err)
		}
	}},
}

func present(t *testing.T, fx contractFixture, who string) *store.Presentation {
	t.Helper()
	p, err := fx.be.Present("cons", store.DrawOptions{Interviewer: who, Now: fx.now})
	if err != nil {
		t.Fatalf("Present for %s: %v", who, err)
	}
	return p
}

func consent(fx contractFixture, p *store.Presentation, who string, yes bool) model.Consent {
	return model.Consent{Survey: "cons", Version: "7", Contact: p.Contact.ID, Interviewer: who, Lang: p.Contact.Language,
		Text: "Taking part is voluntary. May we begin?", At: fx.now, Agreed: yes}
}

func start(t *testing.T, fx contractFixture, p *store.Presentation, who string) string {
	t.Helper()
	id, err := fx.be.StartInterview(consent(fx, p, who, true))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func answer(t *testing.T, fx contractFixture, id, item, value string) {
	t.Helper()
	state := []byte(`{"` + item + `":"` + value + `"}`)
	if err := fx.be.SaveAnswer(id, model.AnswerEvent{Item: item, Value: value, Answered: fx.now}, state); err != nil {
		t.Fatalf("SaveAnswer(%s=%s): %v", item, value, err)
	}
}

func home(t *testing.T, fx contractFixture, who string) *store.Home {
	t.Helper()
	h, err := fx.be.Home(who, fx.now)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
