package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"
)

// signedIn is a console over f at 80×24, signed in as ana01 on the home
// screen.
func signedIn(t *testing.T, f *fakeStore) App {
	t.Helper()
	a, _ := feed(consoleAt(f, 80, 24, true, false), "ana01 enter Ana enter")
	if a.console().screen != screenHome {
		t.Fatalf("after signing in the screen is %d, want home:\n%s", a.console().screen, screenText(a))
	}
	return a
}

// mustShow fails unless the screen shows every one of want.
func mustShow(t *testing.T, a App, step string, want ...string) {
	t.Helper()
	s := screenText(a)
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Fatalf("%s: the screen does not show %q:\n%s", step, w, s)
		}
	}
}

// answerRow is the part of an answer event a test compares.
type answerRow struct {
	Item     string
	Path     []int
	Value    string
	Special  model.Special
	Override string
	Lang     string
}

func rows(evs []model.AnswerEvent) []answerRow {
	var out []answerRow
	for _, e := range evs {
		out = append(out, answerRow{e.Item, e.Path, e.Value, e.Special, e.Override, e.Lang})
	}
	return out
}

func TestConsoleInterview(t *testing.T) {
	f := newFake()
	a := signedIn(t, f)
	if f.who != (store.InterviewerRecord{ID: "ana01", Name: "Ana"}) {
		t.Errorf("remembered interviewer = %+v, want ana01 Ana", f.who)
	}
	mustShow(t, a, "home", "Next contact — Console Test Study")

	a, _ = feed(a, "enter")
	// C0 is on the opt-out list: the gate passes over them, and the
	// console shows whom the gate returned.
	mustShow(t, a, "call screen", "Rosa Diaz", "Acme", "+13035550123", "America/Denver",
		"Hola Rosa Diaz, soy Ana de Northwind.", "n No answer", "t Appointment")
	if strings.Contains(screenText(a), "Opted Out") {
		t.Fatalf("a contact on the opt-out list was shown")
	}
	a, _ = feed(a, "f6")
	mustShow(t, a, "intro in English", "Hello Rosa Diaz, this is Ana for Northwind.")

	a, _ = feed(a, "enter")
	mustShow(t, a, "consent", "Taking part is voluntary. May we begin?", "Did Rosa Diaz agree")
	a, _ = feed(a, "y")
	mustShow(t, a, "first question", "How would you rate us from 0 to 10?", "» One number.")

	a, _ = feed(a, "11 enter")
	mustShow(t, a, "hard check", "A score from 0 to 10.", "How would you rate us")
	if n := len(f.answers["iv1"]); n != 0 {
		t.Fatalf("a refused answer was saved (%d answers)", n)
	}
	a, _ = feed(a, "backspace backspace 9 enter")
	mustShow(t, a, "soft check", "A 9 or 10 is rare here: check it.", "Keep it anyway?")
	a, _ = feed(a, "enter")
	mustShow(t, a, "soft check needs a reason", "type the reason")
	a, _ = feed(a, "sure enter")
	mustShow(t, a, "after the override", "Anything to add?")

	a, _ = feed(a, "f6")
	mustShow(t, a, "language switch", "¿Algo que añadir?", "Sí")
	a, _ = feed(a, "2 enter")
	mustShow(t, a, "repeat prompt", "miembro del hogar")
	a, _ = feed(a, "y")
	mustShow(t, a, "repeat member", "¿Nombre de este miembro?")
	a, _ = feed(a, "f3")
	mustShow(t, a, "second member?", "miembro del hogar 2")
	a, _ = feed(a, "n")
	mustShow(t, a, "note", "Eso es todo.")
	a, _ = feed(a, "enter")
	mustShow(t, a, "closing", "Gracias, Rosa Diaz. Adiós.", "next contact")

	want := []answerRow{
		{Item: "score", Value: "9", Override: "sure", Lang: "en"},
		{Item: "more", Value: "no", Lang: "es"},
		{Item: "members", Path: []int{1}, Value: "yes", Lang: "es"},
		{Item: "mname", Path: []int{1}, Special: model.DontKnow, Lang: "es"},
		{Item: "members", Path: []int{2}, Value: "no", Lang: "es"},
	}
	if diff := cmp.Diff(want, rows(f.answers["iv1"])); diff != "" {
		t.Errorf("saved answers (-want +got):\n%s", diff)
	}
	if got := f.ivs["iv1"].Status; got != store.InterviewCompleted {
		t.Errorf("interview status = %s, want completed", got)
	}
	c := f.consents[0]
	if !c.Agreed || c.Lang != "en" || c.Version != "7" || c.Text != "Taking part is voluntary. May we begin?" || c.Interviewer != "ana01" {
		t.Errorf("consent record = %+v, want agreed, en, version 7, the English text, ana01", c)
	}
	if n := len(f.calls); n != 1 || f.calls[0].Outcome.Code != "complete" {
		t.Errorf("calls = %+v, want one complete", f.calls)
	}

	// Enter on the closing script draws the next contact.
	a, _ = feed(a, "enter")
	mustShow(t, a, "next contact", "Tom Reed")
}

func TestConsoleSavesBeforeMoving(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y")
	mustShow(t, a, "first question", "¿Cómo nos valora")

	// Enter sends the answer; the screen stays on the question until the
	// store has it, and keys typed meanwhile wait.
	a, _ = feed(a, "5")
	m, cmd := a.Update(press("enter"))
	a = m.(App)
	var pending []tea.Msg
	pending = append(pending, run(cmd)...) // the widget's AnswerMsg
	for _, msg := range pending {
		m, cmd = a.Update(msg)
		a = m.(App)
	}
	mustShow(t, a, "while saving", "¿Cómo nos valora", "saving…")
	if len(f.answers["iv1"]) != 0 {
		t.Fatalf("the answer was written before its command ran")
	}
	m, _ = a.Update(press("2")) // type-ahead for the next question
	a = m.(App)
	if len(a.queue) != 1 {
		t.Fatalf("type-ahead while saving: %d keys held, want 1", len(a.queue))
	}
	saveCmd := cmd
	for _, msg := range run(saveCmd) {
		m, cmd = a.Update(msg)
		a = m.(App)
	}
	if got := rows(f.answers["iv1"]); len(got) != 1 || got[0].Value != "5" {
		t.Fatalf("saved = %+v, want score 5", got)
	}
	mustShow(t, a, "after saving", "¿Algo que añadir?")
	// The held key reached the next question, not the saved one.
	a, _ = feed(a, "enter")
	if rs := rows(f.answers["iv1"]); len(rs) != 2 || rs[1].Item != "more" || rs[1].Value != "no" {
		t.Errorf("type-ahead 2 then enter saved %+v, want more = no second", rs)
	}
}

func TestConsoleSaveFailure(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y")
	f.failSave = 1
	a, _ = feed(a, "5 enter")
	mustShow(t, a, "failed save", "ANSWER NOT SAVED: disk full", "¿Cómo nos valora", "try saving again")
	// Nothing moves on while the answer is not saved.
	a, _ = feed(a, "1 f3 esc")
	mustShow(t, a, "keys after a failed save", "ANSWER NOT SAVED", "¿Cómo nos valora")
	if len(f.answers["iv1"]) != 0 {
		t.Fatalf("answers saved = %d, want 0", len(f.answers["iv1"]))
	}
	a, _ = feed(a, "enter")
	mustShow(t, a, "after the retry", "¿Algo que añadir?")
	if got := rows(f.answers["iv1"]); len(got) != 1 || got[0].Value != "5" {
		t.Errorf("saved after retry = %+v, want score 5", got)
	}
}

func TestConsoleCallOutcomes(t *testing.T) {
	denver, err := time.LoadLocation("America/Denver")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	tests := []struct {
		name, script string
		wantCode     string
		wantNote     string
		wantAppt     time.Time
		wantShow     string
	}{
		{"no answer", "n", "no_answer", "", time.Time{}, "recorded: No answer"},
		{"busy", "b", "busy", "", time.Time{}, "recorded: Busy"},
		{"appointment in the contact's zone", "t 18:30 enter", "appointment", "",
			time.Date(2026, 11, 29, 18, 30, 0, 0, denver), "recorded: Appointment"},
		{"appointment tomorrow", "t tomorrow space 9:15 enter", "appointment", "",
			time.Date(2026, 11, 30, 9, 15, 0, 0, denver), "recorded: Appointment"},
		{"language barrier needs a note", "g enter", "", "", time.Time{}, "needs a note"},
		{"language barrier with its note", "g speaks space only space Hmong enter", "language", "speaks only Hmong", time.Time{}, "recorded: Language barrier"},
		{"soft refusal offers the opt-out first", "s busy space today enter", "", "", time.Time{}, "Offer the opt-out"},
		{"soft refusal, opt-out declined", "s busy space today enter n", "soft_refusal", "busy today", time.Time{}, "recorded: Soft refusal"},
		{"soft refusal, the offer withdrawn", "s busy space today enter esc", "", "", time.Time{}, "Outcome keys"},
		{"appointment picker cancelled", "t esc", "", "", time.Time{}, "Outcome keys"},
		{"not an outcome key", "z", "", "", time.Time{}, `"z" is not an outcome key`},
		{"esc needs an outcome", "esc", "", "", time.Time{}, "record how the call went first"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			a, _ := feed(signedIn(t, f), "enter")
			a, _ = feed(a, tc.script)
			mustShow(t, a, tc.script, tc.wantShow)
			if tc.wantCode == "" {
				if len(f.calls) != 0 {
					t.Errorf("calls = %+v, want none", f.calls)
				}
				return
			}
			if len(f.calls) != 1 {
				t.Fatalf("calls = %+v, want one", f.calls)
			}
			c := f.calls[0]
			if c.Outcome.Code != tc.wantCode || c.Note != tc.wantNote || !c.Appointment.Equal(tc.wantAppt) || c.Interviewer != "ana01" {
				t.Errorf("call = %s %q %v by %s, want %s %q %v by ana01", c.Outcome.Code, c.Note, c.Appointment, c.Interviewer, tc.wantCode, tc.wantNote, tc.wantAppt)
			}
			if tc.wantNote != "" && f.callNotes["cons/C1"][c.At.UTC()] != tc.wantNote {
				t.Errorf("call notes = %v, want %q at %v", f.callNotes["cons/C1"], tc.wantNote, c.At)
			}
		})
	}
}

// TestConsoleRefusalAndOptOut: a refused consent offers the opt-out, and
// only its answer records the refusal (with the opt-out when asked for),
// so that a stray key records nothing; esc goes back to the question.
func TestConsoleRefusalAndOptOut(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter n")
	mustShow(t, a, "refused consent", "Refusal: offer the opt-out")
	if len(f.consents) != 0 || len(f.calls) != 0 {
		t.Fatalf("consents %+v, calls %+v before the offer is answered; want none", f.consents, f.calls)
	}
	a, _ = feed(a, "esc")
	mustShow(t, a, "back to the question", "agree to take part?")
	a, _ = feed(a, "n y")
	mustShow(t, a, "opt-out", "refusal recorded; opt-out recorded", "Home")
	if len(f.consents) != 1 || f.consents[0].Agreed {
		t.Fatalf("consents = %+v, want one refusal", f.consents)
	}
	if len(f.calls) != 1 || f.calls[0].Outcome.Code != "hard_refusal" || f.calls[0].Note != "declined consent" {
		t.Fatalf("calls = %+v, want a hard refusal noted as declined consent", f.calls)
	}
	for _, v := range []string{"+13035550123", "rosa@example.com"} {
		if !f.optouts[v] {
			t.Errorf("%s is not on the opt-out list after the person asked", v)
		}
	}
}

func TestConsoleOptOutAtConsent(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter f8")
	mustShow(t, a, "confirm", "Record that Rosa Diaz does not want to be contacted again?")
	a, _ = feed(a, "y")
	mustShow(t, a, "home", "opt-out recorded")
	if !f.optouts["+13035550123"] || len(f.consents) != 0 {
		t.Errorf("opt-outs %v, consents %+v; want Rosa's phone listed and no consent record", f.optouts, f.consents)
	}
	if c := f.calls[len(f.calls)-1]; c.Outcome.Code != "hard_refusal" {
		t.Errorf("call = %s, want hard_refusal", c.Outcome.Code)
	}
}

func TestConsoleOptOutDuringInterview(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y 4 enter")
	a, _ = feed(a, "f8")
	mustShow(t, a, "confirm", "does not want to be contacted again")
	a, _ = feed(a, "n")
	mustShow(t, a, "declined", "opt-out not recorded", "¿Algo que añadir?")
	a, _ = feed(a, "f8 y")
	// Issue 17.4: an opt-out closing, never the thanks for taking part.
	mustShow(t, a, "closing after the opt-out", "opt-out recorded", "Closing after the opt-out",
		"will not be contacted again for any survey")
	if s := screenText(a); strings.Contains(s, "Gracias, Rosa Diaz. Adiós.") {
		t.Errorf("the opt-out is closed with the thanks for an interview:\n%s", s)
	}
	if !f.optouts["+13035550123"] || !f.optouts["rosa@example.com"] {
		t.Errorf("opt-out list = %v, want Rosa's phone and email", f.optouts)
	}
	if got := f.ivs["iv1"].Status; got != store.InterviewBrokenOff {
		t.Errorf("interview status = %s, want broken off with its answers kept", got)
	}
	a, _ = feed(a, "esc")
	if s := screenText(a); strings.Contains(s, "Resume Rosa") {
		t.Errorf("home offers to resume the interview of a person who opted out:\n%s", s)
	}
	if n := len(f.answers["iv1"]); n != 1 {
		t.Errorf("answers kept = %d, want 1", n)
	}
	if c := f.calls[len(f.calls)-1]; c.Outcome.Code != "break_off" {
		t.Errorf("last call = %s, want break_off", c.Outcome.Code)
	}
}

func TestConsoleQuitConfirm(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y 4 enter")
	a, quit := feed(a, "ctrl+c")
	if quit {
		t.Fatalf("ctrl+c in an interview quit without asking")
	}
	mustShow(t, a, "quit question", "Quit canvass?", "suspended")
	a, quit = feed(a, "n")
	if quit || a.console().modals.on(dialogQuit) {
		t.Fatalf("no to quitting: quit %v, question still open %v", quit, a.console().modals.on(dialogQuit))
	}
	mustShow(t, a, "back on the question", "¿Algo que añadir?")
	if got := f.ivs["iv1"].Status; got != store.InterviewActive {
		t.Errorf("status after no = %s, want active", got)
	}
	a, quit = feed(a, "ctrl+c esc")
	if quit || a.console().modals.on(dialogQuit) {
		t.Fatalf("esc on the quit question: quit %v, question still open %v", quit, a.console().modals.on(dialogQuit))
	}
	_, quit = feed(a, "ctrl+c y")
	if !quit {
		t.Fatalf("yes to quitting did not quit")
	}
	if got := f.ivs["iv1"].Status; got != store.InterviewSuspended {
		t.Errorf("status after quitting = %s, want suspended", got)
	}
	// ^C while an answer is being saved waits for the save.
	w, _ := feed(signedIn(t, newFake()), "enter enter y 4")
	m, cmd := w.Update(press("enter"))
	w = m.(App)
	for _, msg := range run(cmd) { // the answer: the save starts
		m, cmd = w.Update(msg)
		w = m.(App)
	}
	m, _ = w.Update(press("ctrl+c"))
	w = m.(App)
	if w.console().modals.on(dialogQuit) || len(w.queue) != 1 {
		t.Fatalf("ctrl+c during a save: question open %v, %d keys held; want it held", w.console().modals.on(dialogQuit), len(w.queue))
	}
	for _, msg := range run(cmd) { // the save ends; ^C is replayed
		m, _ = w.Update(msg)
		w = m.(App)
	}
	mustShow(t, w, "quit question after the save", "Quit canvass?")

	// ^C twice: yes.
	b, _ := feed(signedIn(t, newFake()), "enter enter y")
	if _, quit := feed(b, "ctrl+c ctrl+c"); !quit {
		t.Errorf("ctrl+c twice did not quit")
	}
	// On the home screen ^C quits at once.
	if _, quit := feed(signedIn(t, newFake()), "ctrl+c"); !quit {
		t.Errorf("ctrl+c on the home screen did not quit")
	}
}

func TestConsoleSuspendAndResume(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y 4 enter")
	a, _ = feed(a, "f7")
	mustShow(t, a, "picker", "When should we call Rosa Diaz back", "Their time now: Sun 08:00 (America/Denver)")
	a, _ = feed(a, "yesterday enter")
	mustShow(t, a, "bad time", "write 18:30")
	a, _ = feed(a, "ctrl+u +2h")
	mustShow(t, a, "preview of the time", "= Sun 29 Nov 10:00 their time", "17:00 UTC your time")
	a, _ = feed(a, "enter")
	mustShow(t, a, "home", "interview suspended; appointment set", "Resume Rosa Diaz")
	c := f.calls[len(f.calls)-1]
	if c.Outcome.Code != "appointment" || !c.Appointment.Equal(time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("call = %s at %v, want an appointment at 17:00 UTC", c.Outcome.Code, c.Appointment)
	}
	if got := f.ivs["iv1"].Status; got != store.InterviewSuspended {
		t.Fatalf("status = %s, want suspended", got)
	}

	// A new console on the same store resumes at the next question, with
	// the answer given.
	b := signedIn(t, f)
	mustShow(t, b, "home after restart", "Resume Rosa Diaz")
	b, _ = feed(b, "enter")
	// Issue 17.7: the call screen first, with the intro again.
	mustShow(t, b, "call before resuming", "Hola Rosa Diaz", "An interview was begun", "on the line: go on")
	b, _ = feed(b, "enter")
	mustShow(t, b, "resumed", "¿Algo que añadir?", "resumed where the interview stopped")
	b, _ = feed(b, "esc")
	mustShow(t, b, "back to the first answer", "¿Cómo nos valora", "› 4")
	_, _ = feed(b, "ctrl+c y")

	// At the appointment the gate presents Rosa again: the call screen
	// says an interview is under way, and enter goes on with it rather
	// than asking consent a second time.
	f.contacts[1].drawn = false
	f.contacts[1].st.LeasedBy = ""  // the resumption's lease ran out
	f.contacts[1].due = time.Time{} // and the appointment's time has come
	d := signedIn(t, f)
	d, _ = feed(d, "down enter")
	mustShow(t, d, "call at the appointment", "Rosa Diaz", "An interview was begun", "on the line: go on")
	d, _ = feed(d, "enter")
	mustShow(t, d, "went on", "¿Algo que añadir?")
	if len(f.consents) != 1 {
		t.Errorf("consents = %d, want the one given at the start", len(f.consents))
	}
}

func TestConsoleNote(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y")
	a, _ = feed(a, "f5 hesitated enter")
	mustShow(t, a, "note kept", "note kept")
	if len(f.notes) != 1 || f.notes[0].Item != "score" || f.notes[0].Text != "hesitated" || f.notes[0].By != "ana01" {
		t.Errorf("notes = %+v, want one on score by ana01", f.notes)
	}
	a, _ = feed(a, "f5 esc")
	mustShow(t, a, "note shown", "note: hesitated")
}

func TestConsoleHome(t *testing.T) {
	f := newFake()
	f.appts = []store.Appointment{{Survey: "cons", ID: "C2", Name: "Tom Reed",
		At: time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC), By: "ana01"}}
	a := signedIn(t, f)
	mustShow(t, a, "appointments", "Appointments in the next 24 hours", "Sun 18:00  Tom Reed (C2)")
	// Empty queue: the home screen says so.
	for _, c := range f.contacts {
		c.drawn = true
	}
	a, _ = feed(a, "enter")
	mustShow(t, a, "empty queue", "no contact is due now in Console Test Study")
	if f.draws != 1 {
		t.Errorf("draws = %d, want 1", f.draws)
	}

	// An empty store offers the demo study when the console can load it.
	empty := newFake()
	sample := empty.contacts
	empty.surveys, empty.contacts = map[string]*model.Survey{}, nil
	loaded := false
	var m tea.Model = NewConsole(empty, Console{Clock: time.Now, LoadStudy: func() error {
		loaded = true
		empty.surveys["cons"], empty.contacts = consoleSurvey(), sample
		return nil
	}})
	b, _ := feed(m.(App), "ana01 enter Ana enter")
	mustShow(t, b, "empty store", "Load the demo study")
	b, _ = feed(b, "enter")
	if !loaded {
		t.Fatalf("enter on the offer did not load the study")
	}
	mustShow(t, b, "after loading", "demo study loaded", "Next contact — Console Test Study")
}

func TestConsoleDropsStaleReplies(t *testing.T) {
	f := newFake()
	a := signedIn(t, f)
	q, err := f.questionnaire("cons")
	if err != nil {
		t.Fatal(err)
	}
	sess := newSession(q, f.contacts[2].c, f.contacts[2].st, nil)
	m, _ := a.Update(presentedMsg{seq: a.console().seq + 5, sess: sess})
	if a2 := m.(App); a2.console().screen != screenHome {
		t.Errorf("a reply nobody asked for opened screen %d", a2.console().screen)
	}
	m, _ = a.Update(savedMsg{interview: "other", token: 1})
	if a2 := m.(App); a2.console().screen != screenHome {
		t.Errorf("a stale save moved the console to screen %d", a2.console().screen)
	}
}

func TestConsoleHelpLine(t *testing.T) {
	f := newFake()
	a := signedIn(t, f)
	tests := []struct {
		script string
		want   []string
		not    []string
	}{
		{"", []string{"enter take it"}, []string{"F3", "F7"}},
		{"enter", []string{"letter outcome", "F8 opt-out", "F6 language"}, []string{"F3 don't know", "F7 suspend"}},
		{"enter enter", []string{"y/n yes/no", "esc back to the call"}, nil},
		{"enter enter y", []string{"F3 don't know", "F4 refused", "F7 suspend", "F8 opt-out"}, []string{"letter"}},
		{"enter enter y f7", []string{"enter set appointment", "esc cancel"}, []string{"F3"}},
	}
	for _, tc := range tests {
		b, _ := feed(signedIn(t, newFake()), tc.script)
		got := strings.Join(keysOf(b.consoleKeys()), " · ")
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("after %q the keys are %q, want %q among them", tc.script, got, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("after %q the keys are %q, want no %q", tc.script, got, n)
			}
		}
	}
	_ = a
}

func TestParseWhen(t *testing.T) {
	denver, err := time.LoadLocation("America/Denver")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC) // 08:00 in Denver
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{"18:30", time.Date(2026, 11, 29, 18, 30, 0, 0, denver), ""},
		{"7:30", time.Date(2026, 11, 30, 7, 30, 0, 0, denver), ""}, // already past today there
		{"tomorrow 9:00", time.Date(2026, 11, 30, 9, 0, 0, 0, denver), ""},
		{"2026-12-01 18:30", time.Date(2026, 12, 1, 18, 30, 0, 0, denver), ""},
		{"+2h", now.Add(2 * time.Hour), ""},
		{"+30m", now.Add(30 * time.Minute), ""},
		{"+1d", now.Add(24 * time.Hour), ""},
		{"", time.Time{}, "type when"},
		{"+0h", time.Time{}, "write +30m"},
		{"+2w", time.Time{}, "write +30m"},
		{"25:00", time.Time{}, "write 18:30"},
		{"2026-11-01 10:00", time.Time{}, "in the past"},
		{"soon", time.Time{}, "write 18:30"},
	}
	for _, tc := range tests {
		got, err := parseWhen(tc.in, now, denver)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseWhen(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseWhen(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"18:30", "tomorrow 9:00", "2026-12-01 18:30", "+2h", "+", "+-1m", "tomorrow ", "2026-13-45 99:99", "t"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseWhen(s, now, time.UTC)
		if err == nil && !got.After(now) {
			t.Errorf("parseWhen(%q) = %v, not after now %v", s, got, now)
		}
	})
}

// consoleKeys is the key map of the page shown.
func (a App) consoleKeys() help.KeyMap { return a.console().consolePage().Keys }

func TestCallScreenFits(t *testing.T) {
	f := newFake()
	at := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	for i, code := range []string{"no_answer", "busy", "machine_message", "soft_refusal", "no_answer"} {
		when := at.Add(time.Duration(i) * time.Hour)
		f.contacts[1].st.Calls = append(f.contacts[1].st.Calls, store.CallRecord{At: when, Outcome: code, Interviewer: "bo02"})
		if code == "soft_refusal" {
			f.callNotes["cons/C1"] = map[time.Time]string{when: "call after six"}
		}
	}
	for _, sz := range [][2]int{{60, 16}, {80, 24}, {120, 40}} {
		a, _ := feed(consoleAt(f, sz[0], sz[1], true, false), "ana01 enter Ana enter enter")
		f.contacts[1].drawn, f.contacts[1].st.LeasedBy = false, ""
		s := screenText(a)
		if n := strings.Count(s, "\n") + 1; n != sz[1] {
			t.Errorf("%dx%d: %d lines, want %d", sz[0], sz[1], n, sz[1])
		}
		for _, want := range []string{"n No", "e Not", "r Hard", "t Appoint"} {
			if !strings.Contains(s, want) {
				t.Errorf("%dx%d: outcome key %q is not shown:\n%s", sz[0], sz[1], want, s)
			}
		}
		if sz[1] >= 40 {
			for _, want := range []string{"5 so far, latest first:", "Soft refusal (bo02): call after six"} {
				if !strings.Contains(s, want) {
					t.Errorf("%dx%d: the history does not show %q:\n%s", sz[0], sz[1], want, s)
				}
			}
		}
	}
}

func TestConsoleResize(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y")
	for _, sz := range [][2]int{{120, 40}, {50, 12}, {80, 24}, {200, 60}} {
		m, _ := a.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		a = m.(App)
		s := screenText(a)
		if n := strings.Count(s, "\n") + 1; n != sz[1] {
			t.Errorf("%dx%d: %d lines, want %d", sz[0], sz[1], n, sz[1])
		}
		want := "¿Cómo nos valora"
		if sz[0] < minWidth || sz[1] < minHeight {
			want = "please make it larger"
		}
		if !strings.Contains(s, want) {
			t.Errorf("%dx%d: the screen does not show %q:\n%s", sz[0], sz[1], want, s)
		}
	}
	// Answering goes on as before.
	a, _ = feed(a, "3 enter")
	if rs := rows(f.answers["iv1"]); len(rs) != 1 || rs[0].Value != "3" {
		t.Errorf("saved after resizing = %+v, want score 3", rs)
	}
}

func TestConsoleEveryItemType(t *testing.T) {
	a, f := appAt(80, 24, true, false)
	a, _ = feed(a, healthIn)
	mustShow(t, a, "first stop", "Thank you for taking part") // a note
	steps := []struct{ script, next string }{
		{"enter", "Which of these age groups"},                      // select_one
		{"2 enter", "How many people live"},                         // integer
		{"25 enter", "How many people live"},                        // hard check: still there
		{"ctrl+u 4 enter", "Which of these do you"},                 // select_multiple with other
		{"1 space 5 space enter Golf enter", "weight in kilograms"}, // decimal
		{"70.5 enter", "rate your health"},                          // range
		{"right right enter", "date of birth"},                      // date
		{"1990-01-02 enter", "wake up"},                             // time
		{"7:00 enter", "call you back"},                             // dateTime
		{"f3", "Rank these"},                                        // rank
		{"enter", "anything else you would like"},                   // multi-line text
		{"f4", "In which town"},                                     // text
		{"Porto enter", "Take a photo"},                             // a type a terminal cannot capture
		{"enter", "I confirm the respondent"},                       // acknowledge
		{"enter", "The interview is complete"},                      // the end: no closing script
	}
	for _, s := range steps {
		a, _ = feed(a, s.script)
		mustShow(t, a, s.script, s.next)
	}
	if a.console().screen != screenClosing {
		t.Fatalf("the screen is %d, want the closing", a.console().screen)
	}
	got := map[string]answerRow{}
	for _, r := range rows(f.answers["iv1"]) {
		got[r.Item] = r
	}
	want := map[string]string{
		"agegroup": "a25", "people": "4", "sport": "walk other", "weight": "70.5",
		"birth": "1990-01-02", "wake": "07:00:00", "rankmedia": "tv radio web", "thanks": "OK", "town": "Porto",
	}
	for item, v := range want {
		if got[item].Value != v {
			t.Errorf("%s = %q, want %q", item, got[item].Value, v)
		}
	}
	for item, sp := range map[string]model.Special{"callback": model.DontKnow, "comments": model.Refused, "photo": model.Skipped} {
		if got[item].Special != sp {
			t.Errorf("%s special = %q, want %q", item, got[item].Special, sp)
		}
	}
	if got["health"].Value == "" {
		t.Errorf("the range answer was not saved")
	}
	for _, e := range f.answers["iv1"] {
		if e.Item == "sport" && e.Other != "Golf" {
			t.Errorf("sport other = %q, want Golf", e.Other)
		}
	}
}

func TestConsoleHomeScrolls(t *testing.T) {
	f := newFake()
	for i := range 30 {
		sv := consoleSurvey()
		sv.ID, sv.Title = fmt.Sprintf("s%02d", i), fmt.Sprintf("Study number %02d", i)
		f.surveys[sv.ID] = sv
		f.contacts = append(f.contacts, &fakeContact{c: model.Contact{ID: "X", Survey: sv.ID, Name: "X", Phones: []string{"+13035550100"}},
			st: store.ContactState{Survey: sv.ID, ID: "X", Status: store.StatusQueued}, drawn: true})
	}
	a := signedIn(t, f)
	mustShow(t, a, "top", "> Next contact — Console Test Study", "Study number 00")
	a, _ = feed(a, strings.Repeat("down ", 40))
	mustShow(t, a, "bottom", "> Next contact — Study number 29")
	if s := screenText(a); strings.Contains(s, "Console Test Study") {
		t.Errorf("the first row is still shown with the cursor on the last:\n%s", s)
	}
	a, _ = feed(a, "up")
	mustShow(t, a, "one up", "> Next contact — Study number 28")
	a, _ = feed(a, "enter")
	mustShow(t, a, "drawn from the chosen survey", "no contact is due now in Study number 28")
}

func TestConsoleBackKeys(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter")
	a, _ = feed(a, "esc")
	mustShow(t, a, "esc on consent", "Outcome keys")
	a, _ = feed(a, "b")
	mustShow(t, a, "an outcome after going back", "recorded: Busy")

	b, _ := feed(signedIn(t, newFake()), "enter enter y esc")
	mustShow(t, b, "esc on the first question", "this is the first question", "¿Cómo nos valora")
	b, _ = feed(b, "3 enter esc")
	mustShow(t, b, "back to the answered question", "¿Cómo nos valora", "› 3")
	b, _ = feed(b, "enter")
	mustShow(t, b, "on again", "¿Algo que añadir?")
}

// failing wraps the fake store with a FinishInterview that fails once.
type failing struct {
	*fakeStore
	completeFails int
}

func (f *failing) FinishInterview(id, who string, at time.Time) error {
	if f.completeFails > 0 {
		f.completeFails--
		return errors.New("disk full")
	}
	return f.fakeStore.FinishInterview(id, who, at)
}

func TestConsoleCompleteFailure(t *testing.T) {
	f := &failing{fakeStore: newFake(), completeFails: 1}
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	var m tea.Model = NewConsole(f, Console{Clock: func() time.Time { return now }})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	a, _ := feed(m.(App), "ana01 enter Ana enter enter enter y 4 enter 2 enter n enter")
	mustShow(t, a, "the end failed", "complete failed: disk full", "enter try again")
	if got := f.ivs["iv1"].Status; got != store.InterviewActive {
		t.Fatalf("status = %s, want still active", got)
	}
	a, _ = feed(a, "enter")
	mustShow(t, a, "closing after the retry", "Gracias, Rosa Diaz. Adiós.")
	if got := f.ivs["iv1"].Status; got != store.InterviewCompleted {
		t.Errorf("status = %s, want completed", got)
	}
}

func TestConsoleRemembersInterviewer(t *testing.T) {
	f := newFake()
	f.who = store.InterviewerRecord{ID: "bo02", Name: "Bo Lind"}
	a := consoleAt(f, 80, 24, true, false)
	if cmd := a.Init(); cmd == nil {
		t.Fatal("Init() = nil, want the background request, the clock and the last interviewer")
	}
	// The remembered interviewer fills an untouched sign-in screen...
	m, _ := a.Update(lastWhoMsg{who: f.who})
	b := m.(App)
	mustShow(t, b, "prefilled", "bo02", "Bo Lind")
	b, _ = feed(b, "enter")
	if b.console().screen != screenHome || b.console().who.ID != "bo02" {
		t.Errorf("enter on the prefilled sign-in: screen %d, who %+v; want home as bo02", b.console().screen, b.console().who)
	}
	// ...but never what the interviewer already started typing.
	c, _ := feed(a, "ana01 enter")
	m, _ = c.Update(lastWhoMsg{who: f.who})
	c = m.(App)
	if s := screenText(c); strings.Contains(s, "bo02") {
		t.Errorf("the remembered interviewer overwrote typed input:\n%s", s)
	}
}
