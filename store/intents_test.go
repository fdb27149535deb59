package store

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"canvass/model"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// intentStore is a store whose clock the test moves, with two surveys
// ("s1" with two questions, "s2" with one) that interview the same
// people: P1 (phone and email), P2, and P3 (two phones).
type intentStore struct {
	*Store
	now time.Time
}

func newIntentStore(t testing.TB) *intentStore {
	t.Helper()
	is := &intentStore{now: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}
	s, err := Open(filepath.Join(t.TempDir(), "i.db"), Options{Now: func() time.Time { return is.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	is.Store = s
	q := func(name string) model.Item {
		return model.Item{Name: name, Type: model.TypeText, Label: model.Text{"en": name + "?"}}
	}
	sample := "id,phone,email,name,timezone\n" +
		"P1,+13035550101,pat@example.com,Pat One,America/Denver\n" +
		"P2,+13035550102,,Bea Two,America/Denver\n" +
		"P3,+13035550103;+13035550113,,Cy Three,America/Denver\n"
	for _, sv := range []*model.Survey{
		{ID: "s1", Version: "1", Title: "One", Items: []model.Item{q("a"), q("b")}},
		{ID: "s2", Version: "1", Title: "Two", Items: []model.Item{q("c")}},
	} {
		if _, _, err := s.AddSurvey(sv, []byte(sv.ID), "tester"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ImportContacts(strings.NewReader(sample), ImportOptions{Survey: sv.ID, Source: "client", Region: "US", Actor: "tester", File: sv.ID + ".csv"}); err != nil {
			t.Fatalf("import into %s: %v", sv.ID, err)
		}
	}
	return is
}

// present draws the next contact of survey for who, with no calling
// rules in the way.
func (is *intentStore) present(t testing.TB, survey, who string) *Presentation {
	t.Helper()
	p, err := is.Present(survey, DrawOptions{Interviewer: who, Rules: RulesFunc(func(*model.Contact, *ContactState, time.Time) (bool, time.Time) { return true, time.Time{} })})
	if err != nil {
		t.Fatalf("Present(%s) for %s: %v", survey, who, err)
	}
	return p
}

// begin draws survey's next contact for who, takes consent and saves one
// answer to the first question; it returns the interview's id.
func (is *intentStore) begin(t testing.TB, survey, who string) (string, *Presentation) {
	t.Helper()
	p := is.present(t, survey, who)
	id, err := is.StartInterview(model.Consent{Survey: survey, Contact: p.Contact.ID, Interviewer: who, Agreed: true, Lang: "en", Text: "ok?"})
	if err != nil {
		t.Fatal(err)
	}
	item := p.Questionnaire.Survey.Items[0].Name
	if err := is.SaveAnswer(id, model.AnswerEvent{Item: item, Value: "yes", Answered: is.now}, []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	return id, p
}

func (is *intentStore) status(t testing.TB, id string) string {
	t.Helper()
	rv, err := is.Interview(id)
	if err != nil {
		t.Fatal(err)
	}
	return rv.Interview.Status
}

func (is *intentStore) clean(t testing.TB) {
	t.Helper()
	rep, err := is.Doctor()
	if err != nil || len(rep.Problems) > 0 {
		t.Errorf("Doctor() = %v, %v; want a sound store", rep.Problems, err)
	}
}

// TestOptOutMidInterviewEndsEveryOpenInterview is issue 11's first
// defect: an opt-out must end every open interview of the person, so that
// nothing offers them again and no further answer is saved.
func TestOptOutMidInterviewEndsEveryOpenInterview(t *testing.T) {
	is := newIntentStore(t)
	other, _ := is.begin(t, "s2", "ivy")
	must(t, is.SuspendInterview(other, Suspension{Actor: "ivy", Reason: "quit"}))
	id, p := is.begin(t, "s1", "ann")
	if p.Contact.ID != "P1" {
		t.Fatalf("drew %s, want P1", p.Contact.ID)
	}
	is.now = is.now.Add(time.Minute)
	must(t, is.OptOutContact(ContactOptOut{Survey: "s1", Contact: "P1", Actor: "ann", Reason: "asked during the interview", Note: "opted out during the interview"}))

	for _, iv := range []string{id, other} {
		if got := is.status(t, iv); got != InterviewBrokenOff {
			t.Errorf("interview %s is %s after the opt-out, want %s", iv, got, InterviewBrokenOff)
		}
	}
	if err := is.SaveAnswer(id, model.AnswerEvent{Item: "b", Value: "x"}, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("SaveAnswer after the opt-out = %v, want ErrClosed", err)
	}
	if _, err := is.ResumeInterview(other, "ivy", time.Time{}); !errors.Is(err, ErrClosed) {
		t.Errorf("ResumeInterview of the other survey's interview = %v, want ErrClosed", err)
	}
	for _, v := range []string{"+13035550101", "pat@example.com"} {
		if on, _, _ := is.OptedOut(v, "US"); !on {
			t.Errorf("%s is not on the list after the opt-out", v)
		}
	}
	_, st, err := is.Contact("s1", "P1")
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != StatusSuppressed || st.LastOutcome != "break_off" {
		t.Errorf("contact after the opt-out: status %s, last outcome %s; want suppressed, break_off", st.Status, st.LastOutcome)
	}
	notes, _ := is.CallNotes("s1", "P1")
	if notes[st.LastCall] != "opted out during the interview" {
		t.Errorf("call notes = %v, want the call's note", notes)
	}
	for _, who := range []string{"ann", "ivy"} {
		h, err := is.Home(who, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Resume) != 0 {
			t.Errorf("Home(%s).Resume = %+v, want nothing to resume", who, h.Resume)
		}
	}
	rd, err := is.ReviewOf(id)
	if err != nil {
		t.Fatal(err)
	}
	if rd.Status != InterviewBrokenOff || len(rd.Current) != 1 {
		t.Errorf("review of the interview: status %s, %d answers; want broken-off with its answer kept", rd.Status, len(rd.Current))
	}
	if last := rd.Changes[len(rd.Changes)-1]; last.Kind != KindBrokenOff {
		t.Errorf("last status change = %+v, want the break-off", last)
	}
	is.clean(t)
}

// TestListedLaterEndsASuspendedInterview: the number of a suspended
// interview put on the list by `optout add` (or an import) ends it too.
func TestListedLaterEndsASuspendedInterview(t *testing.T) {
	for _, how := range []string{"add", "import"} {
		t.Run(how, func(t *testing.T) {
			is := newIntentStore(t)
			id, _ := is.begin(t, "s1", "ann")
			must(t, is.SuspendInterview(id, Suspension{Actor: "ann", Reason: "appointment", Appointment: is.now.Add(time.Hour)}))
			switch how {
			case "add":
				if _, _, err := is.AddOptOut("(303) 555-0101", "US", "letter", "sup"); err != nil {
					t.Fatal(err)
				}
			case "import":
				if _, err := is.ImportOptOuts(strings.NewReader("PAT@example.com\n"), "dnc.txt", "US", "sup"); err != nil {
					t.Fatal(err)
				}
			}
			if got := is.status(t, id); got != InterviewBrokenOff {
				t.Errorf("status = %s, want %s", got, InterviewBrokenOff)
			}
			if _, err := is.ResumeInterview(id, "ann", time.Time{}); !errors.Is(err, ErrClosed) {
				t.Errorf("ResumeInterview = %v, want ErrClosed", err)
			}
			is.clean(t)
		})
	}
}

// TestResumeGateHoldsWithoutTheEvent: a resume checks the list itself,
// even if an opt-out's effects were lost.
func TestResumeGateHoldsWithoutTheEvent(t *testing.T) {
	is := newIntentStore(t)
	id, p := is.begin(t, "s1", "ann")
	must(t, is.SuspendInterview(id, Suspension{Actor: "ann", Reason: "quit"}))
	k := is.indexKey(model.OptOutKey(p.Contact.Phones[0]))
	must(t, is.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bOptOut).Put(k[:], u64(1)) }))
	rep, err := is.Doctor()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rep.Problems, func(p string) bool { return strings.Contains(p, "on the opt-out list (event 1): it must be ended") }) {
		t.Errorf("Doctor() problems = %q, want the open interview of an opted-out person", rep.Problems)
	}
	if _, err := is.ResumeInterview(id, "ann", time.Time{}); !errors.Is(err, ErrOptedOut) {
		t.Fatalf("ResumeInterview of an opted-out person = %v, want ErrOptedOut", err)
	}
	if got := is.status(t, id); got != InterviewBrokenOff {
		t.Errorf("status = %s, want %s", got, InterviewBrokenOff)
	}
}

// TestResumeWithoutAnswers is issue 11's seventh defect: consent given and
// no answer yet is an interview to resume, with no state to restore.
func TestResumeWithoutAnswers(t *testing.T) {
	is := newIntentStore(t)
	p := is.present(t, "s1", "ann")
	id, err := is.StartInterview(model.Consent{Survey: "s1", Contact: p.Contact.ID, Interviewer: "ann", Agreed: true})
	if err != nil {
		t.Fatal(err)
	}
	h, err := is.Home("ann", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Resume) != 1 || h.Resume[0].Interview.ID != id || h.Resume[0].ContactName != "Pat One" {
		t.Fatalf("Home.Resume = %+v, want the interview with Pat One", h.Resume)
	}
	res, err := is.ResumeInterview(id, "ann", time.Time{})
	if err != nil {
		t.Fatalf("ResumeInterview of an interview without answers: %v", err)
	}
	if len(res.State) != 0 || res.Questionnaire == nil || res.Questionnaire.Form == nil || res.Contact.ID != "P1" {
		t.Errorf("resumption = state %q, questionnaire %v, contact %s; want no state, the compiled revision, P1", res.State, res.Questionnaire, res.Contact.ID)
	}
	if got := is.status(t, id); got != InterviewActive {
		t.Errorf("status = %s, want active", got)
	}
	is.clean(t)
}

// TestResumeLeasesTheContact: resuming reserves the contact, so that no
// other interviewer is given it meanwhile; one held by someone else is
// refused.
func TestResumeLeasesTheContact(t *testing.T) {
	is := newIntentStore(t)
	id, _ := is.begin(t, "s1", "ann")
	must(t, is.SuspendInterview(id, Suspension{Actor: "ann", Reason: "appointment", Appointment: is.now.Add(time.Hour)}))
	is.now = is.now.Add(2 * time.Hour)
	if _, err := is.ResumeInterview(id, "ann", time.Time{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if p := is.present(t, "s1", "bob"); p.Contact.ID == "P1" {
			t.Fatalf("bob was given P1 while ann is resuming with them")
		}
	}
	must(t, is.SuspendInterview(id, Suspension{Actor: "ann", Reason: "quit"}))
	if _, err := is.ResumeInterview(id, "bob", time.Time{}); !errors.Is(err, ErrHeld) {
		t.Errorf("bob resuming ann's held contact = %v, want ErrHeld", err)
	}
	is.clean(t)
}

func TestDeclineConsent(t *testing.T) {
	for _, optOut := range []bool{false, true} {
		t.Run(fmt.Sprint("optout=", optOut), func(t *testing.T) {
			is := newIntentStore(t)
			p := is.present(t, "s1", "ann")
			id, err := is.DeclineConsent(Decline{Consent: model.Consent{Survey: "s1", Contact: p.Contact.ID, Interviewer: "ann", Text: "ok?"}, OptOut: optOut})
			if err != nil {
				t.Fatal(err)
			}
			if got := is.status(t, id); got != InterviewRefused {
				t.Errorf("status = %s, want refused", got)
			}
			_, st, _ := is.Contact("s1", p.Contact.ID)
			wantStatus := StatusFinal
			if optOut {
				wantStatus = StatusSuppressed
			}
			if st.LastOutcome != "hard_refusal" || st.Status != wantStatus {
				t.Errorf("contact: outcome %s, status %s; want hard_refusal, %s", st.LastOutcome, st.Status, wantStatus)
			}
			if on, _, _ := is.OptedOut(p.Contact.Email, "US"); on != optOut {
				t.Errorf("email on the list = %v, want %v", on, optOut)
			}
			notes, _ := is.CallNotes("s1", p.Contact.ID)
			if notes[st.LastCall] != "declined consent" {
				t.Errorf("call notes = %v, want \"declined consent\"", notes)
			}
			// In the other survey the person is suppressed only after an opt-out.
			_, st2, _ := is.Contact("s2", p.Contact.ID)
			if (st2.Status == StatusSuppressed) != optOut {
				t.Errorf("the person in s2 is %s, want suppressed = %v", st2.Status, optOut)
			}
			is.clean(t)
		})
	}
}

func TestFinishAndSuspendRecordTheirCalls(t *testing.T) {
	is := newIntentStore(t)
	id, p := is.begin(t, "s1", "ann")
	appt := is.now.Add(26 * time.Hour)
	must(t, is.SuspendInterview(id, Suspension{Actor: "ann", Reason: "appointment", Appointment: appt}))
	_, st, _ := is.Contact("s1", p.Contact.ID)
	if st.LastOutcome != "appointment" || !st.Appointment.Equal(appt) || st.AppointmentBy != "ann" {
		t.Errorf("after suspending: outcome %s, appointment %v by %s; want appointment at %v by ann", st.LastOutcome, st.Appointment, st.AppointmentBy, appt)
	}
	is.now = appt
	if _, err := is.ResumeInterview(id, "ann", time.Time{}); err != nil {
		t.Fatal(err)
	}
	must(t, is.FinishInterview(id, "ann", time.Time{}))
	_, st, _ = is.Contact("s1", p.Contact.ID)
	if st.LastOutcome != "complete" || st.Status != StatusFinal {
		t.Errorf("after finishing: outcome %s, status %s; want complete, final", st.LastOutcome, st.Status)
	}
	if got := is.status(t, id); got != InterviewCompleted {
		t.Errorf("status = %s, want completed", got)
	}
	if err := is.FinishInterview(id, "ann", time.Time{}); !errors.Is(err, ErrClosed) {
		t.Errorf("finishing twice = %v, want ErrClosed", err)
	}
	is.clean(t)
}

// TestPresentReadsWhatTheCallScreenShows: the questionnaire, earlier
// call notes and the open interview come with the draw.
func TestPresentReadsWhatTheCallScreenShows(t *testing.T) {
	is := newIntentStore(t)
	id, p := is.begin(t, "s1", "ann")
	if p.Open != nil || p.Questionnaire.Record.Revision != 1 || p.Questionnaire.Form == nil {
		t.Fatalf("first presentation: open %v, questionnaire %+v", p.Open, p.Questionnaire.Record)
	}
	must(t, is.SuspendInterview(id, Suspension{Actor: "ann", Reason: "quit"}))
	must(t, is.RecordCall("s1", "P1", Call{Outcome: p.Questionnaire.Outcome("no_answer"), Interviewer: "ann", Note: "line cut"}))
	is.now = is.now.Add(4 * time.Hour)
	var again *Presentation
	for range 3 {
		if q := is.present(t, "s1", "bob"); q.Contact.ID == "P1" {
			again = q
			break
		}
	}
	if again == nil {
		t.Fatal("P1 never came up again")
	}
	if again.Open == nil || again.Open.ID != id {
		t.Errorf("Open = %+v, want interview %s", again.Open, id)
	}
	found := false
	for _, n := range again.CallNotes {
		found = found || n == "line cut"
	}
	if !found {
		t.Errorf("CallNotes = %v, want the note of the earlier call", again.CallNotes)
	}
	q2, err := is.Questionnaire("s1", 1)
	if err != nil || q2 != again.Questionnaire {
		t.Errorf("the questionnaire is compiled once per revision: got %p and %p (%v)", q2, again.Questionnaire, err)
	}
}

// TestEachIntentIsOneCommit counts the write transactions of every
// intent: one each, so that a crash keeps all of an intent or none.
func TestEachIntentIsOneCommit(t *testing.T) {
	is := newIntentStore(t)
	count := func(name string, f func() error) {
		t.Helper()
		before := is.commits.Load()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := is.commits.Load() - before; n != 1 {
			t.Errorf("%s made %d commits, want 1", name, n)
		}
	}
	var p *Presentation
	count("Present", func() (err error) {
		p, err = is.Present("s1", DrawOptions{Interviewer: "ann", Rules: RulesFunc(anyTime)})
		return err
	})
	var id string
	count("StartInterview", func() (err error) {
		id, err = is.StartInterview(model.Consent{Survey: "s1", Contact: p.Contact.ID, Interviewer: "ann", Agreed: true})
		return err
	})
	count("SaveAnswer", func() error { return is.SaveAnswer(id, model.AnswerEvent{Item: "a", Value: "x"}, []byte("{}")) })
	count("AddNote", func() error { return is.AddNote(id, Note{Item: "a", Text: "loud", By: "ann"}) })
	count("SuspendInterview", func() error {
		return is.SuspendInterview(id, Suspension{Actor: "ann", Reason: "appointment", Appointment: is.now.Add(time.Hour)})
	})
	count("ResumeInterview", func() error { _, err := is.ResumeInterview(id, "ann", time.Time{}); return err })
	count("FinishInterview", func() error { return is.FinishInterview(id, "ann", time.Time{}) })
	count("Present", func() (err error) {
		p, err = is.Present("s1", DrawOptions{Interviewer: "ann", Rules: RulesFunc(anyTime)})
		return err
	})
	count("RecordCall", func() error {
		return is.RecordCall("s1", p.Contact.ID, Call{Outcome: p.Questionnaire.Outcome("soft_refusal"), Interviewer: "ann", Note: "busy now"})
	})
	count("Present", func() (err error) {
		p, err = is.Present("s1", DrawOptions{Interviewer: "ann", Rules: RulesFunc(anyTime)})
		return err
	})
	count("DeclineConsent", func() error {
		_, err := is.DeclineConsent(Decline{Consent: model.Consent{Survey: "s1", Contact: p.Contact.ID, Interviewer: "ann"}, OptOut: true})
		return err
	})
	count("OptOutContact", func() error { return is.OptOutContact(ContactOptOut{Survey: "s2", Contact: "P2", Actor: "ann"}) })
	count("Reject", func() error { return is.Reject(id, "sue", "check a", []ItemComment{{Item: "a", Text: "really?"}}) })
	count("ReopenInterview", func() error { _, err := is.ReopenInterview(id, "ann", time.Time{}); return err })
	count("FinishInterview", func() error { return is.FinishInterview(id, "ann", time.Time{}) })
	count("Approve", func() error { return is.Approve(id, "sue", "") })
	count("Flag", func() error { return is.Flag(id, "sue", "odd timing", true) })
	is.clean(t)
}

func anyTime(*model.Contact, *ContactState, time.Time) (bool, time.Time) { return true, time.Time{} }

// dump is every key and value of the store file, by bucket.
func dump(t testing.TB, s *Store) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			m := map[string]string{}
			out[string(name)] = m
			return b.ForEach(func(k, v []byte) error {
				m[string(k)] = string(bytes.Clone(v))
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestIntentsAreAtomic injects a failure at every event an intent
// appends, and at the end of its transaction: the store must be exactly
// as before (nothing of the intent), then the intent must succeed whole.
func TestIntentsAreAtomic(t *testing.T) {
	type intent struct {
		name string
		// setup brings the store to where the intent applies and returns
		// the intent.
		setup func(t *testing.T, is *intentStore) func() error
	}
	began := func(t *testing.T, is *intentStore) (string, *Presentation) { return is.begin(t, "s1", "ann") }
	intents := []intent{
		{"Present", func(t *testing.T, is *intentStore) func() error {
			return func() error {
				_, err := is.Present("s1", DrawOptions{Interviewer: "ann", Rules: RulesFunc(anyTime)})
				return err
			}
		}},
		{"RecordCall", func(t *testing.T, is *intentStore) func() error {
			p := is.present(t, "s1", "ann")
			return func() error {
				return is.RecordCall("s1", p.Contact.ID, Call{Outcome: p.Questionnaire.Outcome("appointment"), Interviewer: "ann", Appointment: is.now.Add(time.Hour), Note: "after six"})
			}
		}},
		{"DeclineConsent", func(t *testing.T, is *intentStore) func() error {
			p := is.present(t, "s1", "ann")
			return func() error {
				_, err := is.DeclineConsent(Decline{Consent: model.Consent{Survey: "s1", Contact: p.Contact.ID, Interviewer: "ann"}, OptOut: true})
				return err
			}
		}},
		{"OptOutContact", func(t *testing.T, is *intentStore) func() error {
			id, _ := is.begin(t, "s2", "bob")
			must(t, is.SuspendInterview(id, Suspension{Actor: "bob", Reason: "quit"}))
			began(t, is)
			return func() error {
				return is.OptOutContact(ContactOptOut{Survey: "s1", Contact: "P1", Actor: "ann", Note: "no more"})
			}
		}},
		{"SuspendInterview", func(t *testing.T, is *intentStore) func() error {
			id, _ := began(t, is)
			return func() error {
				return is.SuspendInterview(id, Suspension{Actor: "ann", Reason: "appointment", Appointment: is.now.Add(time.Hour)})
			}
		}},
		{"FinishInterview", func(t *testing.T, is *intentStore) func() error {
			id, _ := began(t, is)
			return func() error { return is.FinishInterview(id, "ann", time.Time{}) }
		}},
		{"ResumeInterview", func(t *testing.T, is *intentStore) func() error {
			id, _ := began(t, is)
			must(t, is.SuspendInterview(id, Suspension{Actor: "ann", Reason: "quit"}))
			return func() error { _, err := is.ResumeInterview(id, "ann", time.Time{}); return err }
		}},
		{"ResumeInterview of an opted-out person", func(t *testing.T, is *intentStore) func() error {
			id, p := began(t, is)
			must(t, is.SuspendInterview(id, Suspension{Actor: "ann", Reason: "quit"}))
			k := is.indexKey(model.OptOutKey(p.Contact.Phones[0]))
			must(t, is.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bOptOut).Put(k[:], u64(1)) }))
			return func() error {
				if _, err := is.ResumeInterview(id, "ann", time.Time{}); !errors.Is(err, ErrOptedOut) {
					return err
				}
				return nil
			}
		}},
		{"ReopenInterview", func(t *testing.T, is *intentStore) func() error {
			id, _ := began(t, is)
			must(t, is.FinishInterview(id, "ann", time.Time{}))
			must(t, is.Reject(id, "sue", "check", nil))
			return func() error { _, err := is.ReopenInterview(id, "ann", time.Time{}); return err }
		}},
		{"SaveAnswer", func(t *testing.T, is *intentStore) func() error {
			id, _ := began(t, is)
			return func() error { return is.SaveAnswer(id, model.AnswerEvent{Item: "b", Value: "z"}, []byte("{}")) }
		}},
		{"Reject", func(t *testing.T, is *intentStore) func() error {
			id, _ := began(t, is)
			must(t, is.FinishInterview(id, "ann", time.Time{}))
			return func() error { return is.Reject(id, "sue", "why", []ItemComment{{Item: "a", Text: "sure?"}}) }
		}},
	}
	errInjected := errors.New("injected")
	for _, in := range intents {
		t.Run(in.name, func(t *testing.T) {
			// How many events does the intent append? Run it once on a
			// twin store to count.
			twin := newIntentStore(t)
			f := in.setup(t, twin)
			// A case that edits the opt-out index behind the log's back
			// leaves what doctor rightly reports.
			tampered := strings.Contains(in.name, "opted-out")
			events := 0
			twin.eventHook = func(string) error { events++; return nil }
			if err := f(); err != nil {
				t.Fatalf("%s: %v", in.name, err)
			}
			if events == 0 {
				t.Fatalf("%s appended no event", in.name)
			}
			for fail := 1; fail <= events+1; fail++ {
				is := newIntentStore(t)
				f := in.setup(t, is)
				before := dump(t, is.Store)
				n := 0
				is.eventHook = func(string) error {
					if n++; n == fail {
						return errInjected
					}
					return nil
				}
				if fail > events {
					is.eventHook = nil
					is.txHook = func(*bolt.Tx) error { return errInjected }
				}
				if err := f(); !errors.Is(err, errInjected) {
					t.Fatalf("%s with a failure at step %d = %v, want the injected failure", in.name, fail, err)
				}
				if diff := cmp.Diff(before, dump(t, is.Store)); diff != "" {
					t.Fatalf("%s failing at step %d of %d changed the store (-before +after):\n%s", in.name, fail, events+1, diff)
				}
				is.eventHook, is.txHook = nil, nil
				if err := f(); err != nil {
					t.Fatalf("%s after the failure: %v", in.name, err)
				}
				if !tampered {
					is.clean(t)
				}
			}
		})
	}
}

// TestGroupCommit: many interviewers at once, each intent still its own
// (one failing leaves the others committed), fewer commits than intents,
// no contact given twice, and doctor clean.
func TestGroupCommit(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "g.db"), Options{GroupCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sv := &model.Survey{ID: "g", Version: "1", Title: "G", Items: []model.Item{{Name: "a", Type: model.TypeText, Label: model.Text{"en": "a?"}}}}
	var b strings.Builder
	b.WriteString("id,phone\n")
	for i := range 400 {
		fmt.Fprintf(&b, "G%d,+1303555%04d\n", i, i)
	}
	must(t, s.LoadStudy(Study{Surveys: []*model.Survey{sv}, Sample: []byte(b.String()), SampleSurvey: "g", Source: "g", AnyHour: true}, "US", "sup"))
	before := s.commits.Load()
	const workers, each = 16, 10
	got := make(chan string, workers*each)
	errs := make(chan error, workers*each*3)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := fmt.Sprintf("w%d", w)
			for range each {
				p, err := s.Present("g", DrawOptions{Interviewer: who})
				if err != nil {
					errs <- err
					return
				}
				got <- p.Contact.ID
				id, err := s.StartInterview(model.Consent{Survey: "g", Contact: p.Contact.ID, Interviewer: who, Agreed: true})
				if err != nil {
					errs <- err
					return
				}
				// A second consent fails alone, inside someone's batch.
				if _, err := s.StartInterview(model.Consent{Survey: "g", Contact: p.Contact.ID, Interviewer: who, Agreed: true}); !errors.Is(err, ErrInterviewed) {
					errs <- fmt.Errorf("second consent = %v, want ErrInterviewed", err)
				}
				if err := s.SaveAnswer(id, model.AnswerEvent{Item: "a", Value: who}, []byte("{}")); err != nil {
					errs <- err
				}
				if err := s.FinishInterview(id, who, time.Time{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(got)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for id := range got {
		if seen[id] {
			t.Errorf("%s was given twice", id)
		}
		seen[id] = true
	}
	intents := int64(workers * each * 4) // those that succeed
	commits := s.commits.Load() - before
	t.Logf("%d intents in %d commits", intents, commits)
	if commits >= intents {
		t.Errorf("%d commits for %d successful intents: nothing was grouped", commits, intents)
	}
	is := &intentStore{Store: s}
	is.clean(t)
}

// TestSuspendReleasesTheContact: an interviewer who went away (a dropped
// connection) leaves the contact to be drawn by someone else, who goes
// on with the interview.
func TestSuspendReleasesTheContact(t *testing.T) {
	is := newIntentStore(t)
	id, _ := is.begin(t, "s1", "ann")
	must(t, is.SuspendInterview(id, Suspension{Actor: "ann", Reason: "connection lost", Release: true}))
	var got *Presentation
	for range 3 {
		if p := is.present(t, "s1", "bob"); p.Contact.ID == "P1" {
			got = p
			break
		}
	}
	if got == nil || got.Open == nil || got.Open.ID != id {
		t.Fatalf("bob was not given P1 with its open interview: %+v", got)
	}
	if _, err := is.ResumeInterview(id, "bob", time.Time{}); err != nil {
		t.Errorf("bob going on with the interview: %v", err)
	}
	is.clean(t)
}

// TestPresentBringsLastSaved: a form that reads ${last-saved#name} gets
// the values of the interviewer's latest interview of the survey, and
// only theirs.
func TestPresentBringsLastSaved(t *testing.T) {
	is := newIntentStore(t)
	sv := &model.Survey{ID: "s1", Version: "2", Title: "One", Items: []model.Item{
		{Name: "a", Type: model.TypeText, Label: model.Text{"en": "a?"}, Default: "${last-saved#a}"},
		{Name: "b", Type: model.TypeText, Label: model.Text{"en": "b?"}},
	}}
	if _, _, err := is.AddSurvey(sv, []byte("v2"), "author"); err != nil {
		t.Fatal(err)
	}
	p := is.present(t, "s1", "ann")
	if p.LastSaved != nil {
		t.Errorf("first presentation: LastSaved = %v, want none", p.LastSaved)
	}
	id, err := is.StartInterview(model.Consent{Survey: "s1", Contact: p.Contact.ID, Interviewer: "ann", Agreed: true})
	if err != nil {
		t.Fatal(err)
	}
	iv, err := model.Start(p.Questionnaire.Form, model.Config{Contact: &p.Contact, Clock: is.Store.now})
	if err != nil {
		t.Fatal(err)
	}
	ev, res := iv.Answer(model.Response{Value: "Elm Road"})
	if ev == nil {
		t.Fatalf("Answer = %+v", res)
	}
	state, err := iv.State()
	if err != nil {
		t.Fatal(err)
	}
	must(t, is.SaveAnswer(id, *ev, state))
	must(t, is.FinishInterview(id, "ann", time.Time{}))
	if q := is.present(t, "s1", "ann"); q.LastSaved["a"] != "Elm Road" {
		t.Errorf("ann's next presentation: LastSaved = %v, want a = Elm Road", q.LastSaved)
	}
	if q := is.present(t, "s1", "bob"); q.LastSaved != nil {
		t.Errorf("bob's presentation: LastSaved = %v, want none (not his interview)", q.LastSaved)
	}
}
