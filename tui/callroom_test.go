package tui

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"canvass/store"

	tea "charm.land/bubbletea/v2"
)

// TestConsoleReportsWhereItIs: the call room's monitor learns each
// screen the interviewer moves to, with the survey, the contact's sample
// id and the interview, and nothing else about the person.
func TestConsoleReportsWhereItIs(t *testing.T) {
	f := newFake()
	var mu sync.Mutex
	var got []Presence
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	var m tea.Model = NewConsole(f, Console{Clock: func() time.Time { return now }, Location: time.UTC,
		SignedIn: &SignInMsg{ID: "ana01", Name: "Ana"},
		Presence: func(p Presence) { mu.Lock(); got = append(got, p); mu.Unlock() }})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	a := started(m.(App))
	a, _ = feed(a, "enter enter y")
	want := []Presence{
		{Screen: "home"},
		{Screen: "call", Survey: "cons", Contact: "C1"},
		{Screen: "consent", Survey: "cons", Contact: "C1"},
		{Screen: "interview", Survey: "cons", Contact: "C1", Interview: "iv1"},
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("presences = %+v, want %+v", got, want)
	}
}

// TestConsoleResumesAtOnce: a session reconnecting after its connection
// dropped goes straight back to the question it was on.
func TestConsoleResumesAtOnce(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y 4 enter")
	mustShow(t, a, "second question", "¿Algo que añadir?")
	// The connection drops: the interview stays active, its answer saved.
	now := time.Date(2026, 11, 29, 15, 5, 0, 0, time.UTC)
	var m tea.Model = NewConsole(f, Console{Clock: func() time.Time { return now }, Location: time.UTC,
		SignedIn: &SignInMsg{ID: "ana01", Name: "Ana"}, Resume: "iv1"})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	b := started(m.(App))
	mustShow(t, b, "back at once", "¿Algo que añadir?", "resumed where the interview stopped")
}

// TestSupervisorMessageShowsUntilAKey: a message from a supervisor shows
// over any room until the next key.
func TestSupervisorMessageShowsUntilAKey(t *testing.T) {
	a := signedIn(t, newFake())
	at := time.Date(2026, 11, 29, 15, 7, 0, 0, time.UTC)
	m, _ := a.Update(MessageMsg{From: "sue", Text: "break at four", At: at})
	a = m.(App)
	mustShow(t, a, "message", "Message from sue (15:07): break at four")
	a, _ = feed(a, "down")
	if strings.Contains(screenText(a), "break at four") {
		t.Errorf("the message is still shown after a key:\n%s", screenText(a))
	}
}

// TestMonitor: a supervisor in the call room sees who is where and
// writes to one interviewer or to all of them.
func TestMonitor(t *testing.T) {
	st, _ := reviewFixture(t, t.TempDir()+"/r.db")
	defer st.Close()
	type sent struct{ to, text string }
	var msgs []sent
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	var m tea.Model = NewSupervisor(st, ReviewConfig{Clock: func() time.Time { return now }, Location: time.UTC,
		SignedIn: &SignInMsg{ID: "sue", Name: "Sue"},
		Monitor:  &Monitor{Send: func(to, text string) error { msgs = append(msgs, sent{to, text}); return nil }}})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	a := m.(App)
	a, _ = deliver(a, a.sup().Init()())
	a = feedReview(a, "m")
	mustShowReview(t, a, "monitor", "The call room now", "Waiting for the call room")
	a, _ = deliver(a, MonitorMsg{At: now, ShiftStart: now.Add(-time.Hour),
		Sessions: []MonitorSession{
			{Account: "ana01", Name: "Ana", Role: store.RoleInterviewer, Presence: Presence{Screen: "interview", Survey: "cons", Contact: "C1", Interview: "iv1"}, Since: now},
			{Account: "bo02", Name: "Bo", Role: store.RoleInterviewer, Presence: Presence{Screen: "home"}, Since: now},
			{Account: "sue", Name: "Sue", Role: store.RoleSupervisor, Presence: Presence{Screen: "monitor"}, Since: now},
		},
		Shift: []MonitorCount{{Account: "ana01", Calls: 3, Completes: 1}}})
	mustShowReview(t, a, "sessions", "Signed in: 3 · interviews in progress: 1", "ana01", "C1", "bo02", "3 calls", "1 complete")
	a = feedReview(a, "down s")
	mustShowReview(t, a, "to bo", "Message to bo02:")
	a = feedReview(a, "call space me enter")
	a = feedReview(a, "a")
	mustShowReview(t, a, "to all", "Message to every interviewer:")
	a = feedReview(a, "wrap space it enter")
	mustShowReview(t, a, "sent", "message sent to every interviewer")
	want := []sent{{"bo02", "call me"}, {"", "wrap it"}}
	if !slices.Equal(msgs, want) {
		t.Errorf("messages sent = %+v, want %+v", msgs, want)
	}
	a = feedReview(a, "esc")
	mustShowReview(t, a, "back", "Interviews")
}

// TestInterviewEndedElsewhere: the person opts out in another session
// while the interview is on screen; the next answer finds it ended, and
// the console says so and goes home instead of offering to save again.
func TestInterviewEndedElsewhere(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y 4 enter")
	mustShow(t, a, "second question", "¿Algo que añadir?")
	f.mu.Lock()
	f.optouts["rosa@example.com"] = true
	for _, fc := range f.contacts {
		if f.optedOut(fc.c) {
			f.suppress(fc, "")
		}
	}
	f.mu.Unlock()
	a, _ = feed(a, "1 enter")
	mustShow(t, a, "home", "the interview was ended elsewhere")
	if s := screenText(a); strings.Contains(s, "ANSWER NOT SAVED") || strings.Contains(s, "Resume Rosa") {
		t.Errorf("after the interview ended elsewhere:\n%s", s)
	}
}
