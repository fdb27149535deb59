package tui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// TestProgram runs the preview under a real Bubble Tea program, typing
// into it as a terminal would (raw bytes: \r is Enter, \x1b[B the down
// arrow, \x1bOR F3) all at once, faster than any interviewer, and checks
// the answers it ends with.
func TestProgram(t *testing.T) {
	typed := strings.Join([]string{
		"ana01\r", "Ana\r", // sign in
		"\r",         // the welcome note
		"4\r",        // age group 4
		"\x1bOR",     // F3: don't know how many people
		" \x1b[B \r", // tick walking and running
	}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	var p *tea.Program
	// Quit once the last answer has arrived.
	quitAfterSport := func(_ tea.Model, msg tea.Msg) tea.Msg {
		if a, ok := msg.(AnswerMsg); ok && a.Item == "sport" {
			go p.Quit()
		}
		return msg
	}
	p = tea.NewProgram(NewPreview(testSurvey()),
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
	got := map[string]AnswerMsg{}
	for k, v := range a.preview.answers {
		got[k] = v
	}
	want := map[string]AnswerMsg{
		"agegroup": {Item: "agegroup", Value: "a45"},
		"people":   {Item: "people", Special: "dk"},
		"sport":    {Item: "sport", Value: "walk run"},
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("answer %s = %+v, want %+v", k, got[k], w)
		}
	}
	if a.who.ID != "ana01" || !a.st.NoColor {
		t.Errorf("interviewer %q, no colour %v; want ana01 and NO_COLOR honoured", a.who.ID, a.st.NoColor)
	}
	if out.Len() == 0 {
		t.Errorf("the program drew nothing")
	}
}
