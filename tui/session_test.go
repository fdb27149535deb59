package tui

import (
	"path/filepath"
	"testing"
	"time"

	"canvass/store"

	tea "charm.land/bubbletea/v2"
)

// The tests of a root built per session, as a server builds one for
// each SSH session: signed in from the start as the session's account,
// and as many roots as sessions over one store.

// sessionAt is an interviewer console over be signed in as who, sized
// 80×24, before Init's commands have run.
func sessionAt(be Backend, who SignInMsg) App {
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	var m tea.Model = NewConsole(be, Console{Clock: func() time.Time { return now }, Location: time.UTC, SignedIn: &who})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return m.(App)
}

// started is a after its store command has run, as a program runs
// Init's (the clock's tick is left out: it waits 15 seconds).
func started(a App) App {
	a, _ = deliver(a, a.console().startStore()())
	return a
}

func TestConsoleSignedIn(t *testing.T) {
	f := newFake()
	a := sessionAt(f, SignInMsg{ID: "ana01", Name: "Ana"})
	mustShow(t, a, "first frame", "Home", "Loading…", "Ana")
	a = started(a)
	mustShow(t, a, "home", "Next contact — Console Test Study")
	if f.who != (store.InterviewerRecord{}) {
		t.Errorf("the store remembers %+v; a session's account is not this machine's last interviewer", f.who)
	}
	a, _ = feed(a, "enter")
	mustShow(t, a, "call", "Rosa Diaz", "Hola Rosa Diaz, soy Ana de Northwind.")
	a, _ = feed(a, "enter y 4 enter")
	if got := f.ivs["iv1"]; got == nil || got.Interviewer != "ana01" {
		t.Errorf("interview = %+v, want one by ana01", got)
	}
}

func TestConsoleOpeningSignedIn(t *testing.T) {
	f := newFake()
	f.who = store.InterviewerRecord{ID: "rem07", Name: "Rita Remembered"}
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	open := func() (Backend, error) { return f, nil }
	var m tea.Model = NewConsoleOpening(open, Console{Clock: func() time.Time { return now }, SignedIn: &SignInMsg{ID: "ana01", Name: "Ana"}})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	a := m.(App)
	mustShow(t, a, "first frame", "Home", "Loading…", "Ana")
	a = started(a)
	mustShow(t, a, "home once the store is open", "Next contact — Console Test Study")
	if f.who.ID != "rem07" {
		t.Errorf("the store remembers %+v, want rem07 still", f.who)
	}
}

// TestSessionsShareAStore runs two consoles over one store, as two SSH
// sessions of a server do: each has its own interviewer, screens and
// requests, and the store's gate gives them different contacts.
func TestSessionsShareAStore(t *testing.T) {
	f := newFake()
	ana := started(sessionAt(f, SignInMsg{ID: "ana01", Name: "Ana"}))
	bo := started(sessionAt(f, SignInMsg{ID: "bo02", Name: "Bo"}))
	ana, _ = feed(ana, "enter")
	bo, _ = feed(bo, "enter")
	mustShow(t, ana, "ana's call", "Rosa Diaz", "soy Ana")
	mustShow(t, bo, "bo's call", "Tom Reed", "this is Bo")
	ana, _ = feed(ana, "n")
	mustShow(t, ana, "ana home", "recorded: No answer")
	mustShow(t, bo, "bo still on the call", "Tom Reed", "Outcome keys")
	if len(f.calls) != 1 || f.calls[0].Interviewer != "ana01" {
		t.Errorf("calls = %+v, want ana's one", f.calls)
	}
}

func TestSupervisorSignedIn(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	be := &rememberingReview{Store: st, last: store.InterviewerRecord{ID: "max", Name: "Max"}}
	now := reviewT0.Add(48 * time.Hour)
	a := NewSupervisor(be, ReviewConfig{Clock: func() time.Time { return now }, Location: time.UTC,
		SignedIn: &SignInMsg{ID: "sue", Name: "Sue Lee"}})
	m, _ := a.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	a = m.(App)
	mustShowReview(t, a, "first frame", "Interviews", "Sue Lee")
	for _, msg := range run(a.Init()) {
		a, _ = deliver(a, msg)
	}
	mustShowReview(t, a, "the list", "6 of 6", "Sue Lee")
	if len(be.set) != 0 {
		t.Errorf("supervisors remembered = %+v; a session's account is not remembered", be.set)
	}
	if a.sup().who.ID != "sue" {
		t.Errorf("signed in as %+v, want sue", a.sup().who)
	}
}
