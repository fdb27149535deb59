package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"canvass/model"
	"canvass/model/calling"

	"github.com/google/go-cmp/cmp"
)

// consoleStore is a fresh store with a clock fixed at 2026-03-02 15:00
// UTC, a one-question survey "cs" and three contacts (one opted out).
func consoleStore(t *testing.T) *Store {
	t.Helper()
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	s, err := Open(filepath.Join(t.TempDir(), "c.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	err = s.LoadStudy(Study{
		Surveys: []*model.Survey{{ID: "cs", Version: "1", Title: "Console study",
			Items: []model.Item{{Name: "q", Type: model.TypeText, Label: model.Text{"en": "Q?"}}}}},
		Sample: []byte("id,phone,name,timezone\n" +
			"A1,+13035550101,Ann One,America/Denver\n" +
			"A2,+13035550102,Bob Two,America/Denver\n" +
			"A3,+13035550103,Cy Three,America/Denver\n"),
		SampleSurvey: "cs",
		OptOuts:      []string{"(303) 555-0103"},
		Source:       "test",
	}, "US", "tester")
	if err != nil {
		t.Fatalf("LoadStudy: %v", err)
	}
	return s
}

func TestLastInterviewer(t *testing.T) {
	s := consoleStore(t)
	got, err := s.LastInterviewer()
	if err != nil || got != (InterviewerRecord{}) {
		t.Fatalf("LastInterviewer() on a new store = %+v, %v; want nobody", got, err)
	}
	for _, r := range []InterviewerRecord{{"ana01", "Ana Pereira"}, {"bo02", "Bo Lind"}} {
		if err := s.SetInterviewer(r.ID, r.Name); err != nil {
			t.Fatalf("SetInterviewer(%s): %v", r.ID, err)
		}
		if got, _ := s.LastInterviewer(); got != r {
			t.Errorf("LastInterviewer() = %+v, want %+v", got, r)
		}
	}
	if err := s.SetInterviewer("", "Nobody"); err == nil {
		t.Errorf("SetInterviewer with an empty id succeeded")
	}
	// It survives reopening: it is on disk.
	path := s.Path()
	s.Close()
	s2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got, _ := s2.LastInterviewer(); got.ID != "bo02" {
		t.Errorf("after reopening LastInterviewer() = %+v, want bo02", got)
	}
}

// TestSupervisorIsRememberedApart: a supervisor signing in on an
// interviewer's laptop must not become the interviewer offered next.
func TestSupervisorIsRememberedApart(t *testing.T) {
	s := consoleStore(t)
	if got, err := s.LastSupervisor(); err != nil || got != (InterviewerRecord{}) {
		t.Fatalf("LastSupervisor() on a new store = %+v, %v; want nobody", got, err)
	}
	if err := s.SetInterviewer("ana01", "Ana Pereira"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSupervisor("sup1", "Sam Ortiz"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LastSupervisor(); got != (InterviewerRecord{"sup1", "Sam Ortiz"}) {
		t.Errorf("LastSupervisor() = %+v, want sup1", got)
	}
	if got, _ := s.LastInterviewer(); got.ID != "ana01" {
		t.Errorf("LastInterviewer() after a supervisor signed in = %+v, want ana01", got)
	}
	if err := s.SetSupervisor("", "x"); err == nil {
		t.Errorf("SetSupervisor with an empty id succeeded")
	}
}

func TestLoadStudyTwiceChangesNothing(t *testing.T) {
	s := consoleStore(t)
	st := Study{Surveys: []*model.Survey{{ID: "cs", Version: "1", Title: "Console study",
		Items: []model.Item{{Name: "q", Type: model.TypeText, Label: model.Text{"en": "Q?"}}}}},
		Sample: []byte("id,phone,name,timezone\nA1,+13035550101,Ann One,America/Denver\n"), SampleSurvey: "cs", Source: "test"}
	if err := s.LoadStudy(st, "US", "tester"); err != nil {
		t.Fatalf("second LoadStudy: %v", err)
	}
	infos, _ := s.Surveys()
	if len(infos) != 1 || infos[0].Revisions != 1 {
		t.Errorf("surveys after loading twice = %+v, want one revision", infos)
	}
	if ok, _, _ := s.OptedOut("+13035550103", "US"); !ok {
		t.Errorf("the study's opt-out was not loaded")
	}
	// The opted-out contact is never drawn; the two others are.
	var got []string
	for {
		p, err := s.Next("cs", DrawOptions{Interviewer: "x"})
		if errors.Is(err, ErrQueueEmpty) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Contact.ID)
	}
	if diff := cmp.Diff([]string{"A1", "A2"}, got); diff != "" {
		t.Errorf("drawn (-want +got):\n%s", diff)
	}
}

func TestNotes(t *testing.T) {
	s := consoleStore(t)
	id, err := s.StartInterview(model.Consent{Survey: "cs", Contact: "A1", Interviewer: "ana01", Agreed: true, Text: "ok?", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	notes := []Note{
		{Item: "q", Text: "hesitated", By: "ana01"},
		{Item: "member", Path: []int{2}, Text: "lodger, not family", By: "ana01"},
	}
	for _, n := range notes {
		if err := s.AddNote(id, n); err != nil {
			t.Fatalf("AddNote(%s): %v", n.Item, err)
		}
	}
	got, err := s.Notes(id)
	if err != nil {
		t.Fatal(err)
	}
	for i := range notes {
		notes[i].At = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	}
	if diff := cmp.Diff(notes, got); diff != "" {
		t.Errorf("Notes (-want +got):\n%s", diff)
	}
	if err := s.AddNote("nope", Note{Item: "q", Text: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("AddNote on an unknown interview = %v, want ErrNotFound", err)
	}
	// The notes are events in the log, which stays sound.
	kinds := map[string]int{}
	s.Events(0, func(e *Event) error { kinds[e.Kind]++; return nil })
	if kinds[KindNote] != 2 {
		t.Errorf("%s events = %d, want 2", KindNote, kinds[KindNote])
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) > 0 {
		t.Errorf("Doctor() after notes = %v, %v", rep, err)
	}
}

func TestCallNotesAndAppointments(t *testing.T) {
	s := consoleStore(t)
	at := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	appt := calling.Outcome{Code: "appointment", Label: "Appointment", Contacted: true, Eligible: true, Appointment: true}
	refusal := calling.Outcome{Code: "soft_refusal", Label: "Soft refusal", Recall: 72 * time.Hour, NoteRequired: true}
	for _, c := range []struct {
		id   string
		call Call
		note string
	}{
		{"A1", Call{Outcome: appt, Interviewer: "ana01", At: at, Appointment: at.Add(3 * time.Hour)}, ""},
		{"A2", Call{Outcome: refusal, Interviewer: "bo02", At: at, Note: "busy with kids"}, "busy with kids"},
	} {
		if err := s.RecordCall("cs", c.id, c.call); err != nil {
			t.Fatal(err)
		}
		if c.note != "" {
			if err := s.AddCallNote("cs", c.id, c.call.At, c.note, c.call.Interviewer); err != nil {
				t.Fatal(err)
			}
		}
	}
	notes, err := s.CallNotes("cs", "A2")
	if err != nil || notes[at] != "busy with kids" || len(notes) != 1 {
		t.Errorf("CallNotes(A2) = %v, %v; want the note at %v", notes, err, at)
	}
	if notes, _ := s.CallNotes("cs", "A1"); len(notes) != 0 {
		t.Errorf("CallNotes(A1) = %v, want none", notes)
	}
	if _, err := s.CallNotes("cs", "ZZ"); !errors.Is(err, ErrNotFound) {
		t.Errorf("CallNotes of an unknown contact = %v, want ErrNotFound", err)
	}

	tests := []struct {
		until time.Time
		want  []Appointment
	}{
		{at.Add(time.Hour), nil},
		{at.Add(3 * time.Hour), []Appointment{{Survey: "cs", ID: "A1", Name: "Ann One", At: at.Add(3 * time.Hour), By: "ana01"}}},
	}
	for _, tc := range tests {
		got, err := s.Appointments("cs", tc.until, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Appointments(until %v) (-want +got):\n%s", tc.until, diff)
		}
	}
	// Once the appointment is kept (another call recorded), it is gone.
	if err := s.RecordCall("cs", "A1", Call{Outcome: calling.Outcome{Code: "busy", Recall: time.Minute}, Interviewer: "ana01", At: at.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Appointments("cs", at.Add(48*time.Hour), 0); len(got) != 0 {
		t.Errorf("Appointments after the call back = %+v, want none", got)
	}
}

// TestLoadStudyTwiceWritesNothing: the demo on a kept store loads its
// study once; starting it again adds no import, no opt-out batch, no
// event (issue 17, item 6).
func TestLoadStudyTwiceWritesNothing(t *testing.T) {
	s := consoleStore(t)
	var before, after int
	s.Events(1, func(*Event) error { before++; return nil })
	err := s.LoadStudy(Study{
		Surveys: []*model.Survey{{ID: "cs", Version: "1", Title: "Console study",
			Items: []model.Item{{Name: "q", Type: model.TypeText, Label: model.Text{"en": "Q?"}}}}},
		Sample: []byte("id,phone,name,timezone\n" +
			"A1,+13035550101,Ann One,America/Denver\n" +
			"A2,+13035550102,Bob Two,America/Denver\n" +
			"A3,+13035550103,Cy Three,America/Denver\n"),
		SampleSurvey: "cs",
		OptOuts:      []string{"(303) 555-0103"},
		Source:       "test",
	}, "US", "tester")
	if err != nil {
		t.Fatal(err)
	}
	s.Events(1, func(*Event) error { after++; return nil })
	imps, _ := s.Imports()
	if after != before || len(imps) != 1 {
		t.Errorf("loading the study again: events %d → %d, %d imports; want nothing new and one import", before, after, len(imps))
	}
}
