package tui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"
)

// TestProgram runs the console under a real Bubble Tea program over the
// fake store, typing into it as a terminal would (raw bytes: \r is Enter,
// \x1b[B the down arrow, \x1bOR F3) all at once, faster than any
// interviewer, and checks the answers the store ends with.
func TestProgram(t *testing.T) {
	typed := strings.Join([]string{
		"ana01\r", "Ana\r", // sign in
		"\r", "\r", "y", // next contact, on the line, consent
		"\r",         // the welcome note
		"4\r",        // age group 4
		"\x1bOR",     // F3: don't know how many people
		" \x1b[B \r", // tick walking and running
	}, "")
	f := healthFake()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	var p *tea.Program
	// Quit once the last answer is saved and the environment has come
	// (Bubble Tea delivers it beside the typed keys, in no set order; a
	// program that never honours NO_COLOR runs into the deadline).
	saved, env := false, false
	quitAfterSport := func(m tea.Model, msg tea.Msg) tea.Msg {
		switch msg.(type) {
		case savedMsg:
			saved = saved || m.(App).console().iview.sc.Item == "sport"
		case tea.EnvMsg:
			env = true
		default:
			return msg
		}
		if saved && env {
			saved = false
			go p.Quit() // handled after msg
		}
		return msg
	}
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	p = tea.NewProgram(NewConsole(f, Console{Clock: func() time.Time { return now }}),
		tea.WithFilter(quitAfterSport),
		tea.WithContext(ctx),
		tea.WithInput(strings.NewReader(typed)),
		tea.WithOutput(&out),
		tea.WithWindowSize(80, 24),
		tea.WithEnvironment([]string{"TERM=xterm-256color", "NO_COLOR=1"}),
		tea.WithoutSignals(),
	)
	m, err := p.Run()
	if err != nil {
		t.Fatalf("Run() error: %v", err)
	}
	a := m.(App)
	f.mu.Lock()
	got := rows(f.answers["iv1"])
	f.mu.Unlock()
	want := []answerRow{
		{Item: "agegroup", Value: "a45", Lang: "en"},
		{Item: "people", Special: model.DontKnow, Lang: "en"},
		{Item: "sport", Value: "walk run", Lang: "en"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("saved answers (-want +got):\n%s", diff)
	}
	if a.console().who.ID != "ana01" || !a.st.NoColor {
		t.Errorf("interviewer %q, no colour %v; want ana01 and NO_COLOR honoured", a.console().who.ID, a.st.NoColor)
	}
	if out.Len() == 0 {
		t.Errorf("the program drew nothing")
	}
}

// TestConsoleProgram runs the working console under a real Bubble Tea
// program over the fake store, with every key of a whole interview typed
// at once: store calls run concurrently with input, so this checks that
// type-ahead waits for each save and lands on the right question.
func TestConsoleProgram(t *testing.T) {
	typed := strings.Join([]string{
		"ana01\r", "Ana\r", // sign in
		"\r",      // home: next contact
		"\r", "y", // on the line; consent given
		"4\r",   // score
		"2\r",   // anything to add: no
		"y",     // add a member
		"Ann\r", // their name
		"n",     // no more members
		"\r",    // the closing note
	}, "")
	f := newFake()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var p *tea.Program
	quitWhenDone := func(_ tea.Model, msg tea.Msg) tea.Msg {
		if _, ok := msg.(completedMsg); ok {
			go p.Quit()
		}
		return msg
	}
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	p = tea.NewProgram(NewConsole(f, Console{Clock: func() time.Time { return now }}),
		tea.WithFilter(quitWhenDone),
		tea.WithContext(ctx),
		tea.WithInput(strings.NewReader(typed)),
		tea.WithOutput(&bytes.Buffer{}),
		tea.WithWindowSize(80, 24),
		tea.WithEnvironment([]string{"TERM=xterm-256color"}),
		tea.WithoutSignals(),
	)
	if _, err := p.Run(); err != nil {
		t.Fatalf("Run() error: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	want := []answerRow{
		{Item: "score", Value: "4", Lang: "es"},
		{Item: "more", Value: "no", Lang: "es"},
		{Item: "members", Path: []int{1}, Value: "yes", Lang: "es"},
		{Item: "mname", Path: []int{1}, Value: "Ann", Lang: "es"},
		{Item: "members", Path: []int{2}, Value: "no", Lang: "es"},
	}
	if diff := cmp.Diff(want, rows(f.answers["iv1"])); diff != "" {
		t.Errorf("saved answers (-want +got):\n%s", diff)
	}
	if st := f.ivs["iv1"]; st == nil || st.Status != store.InterviewCompleted {
		t.Errorf("interview = %+v, want completed", st)
	}
}
