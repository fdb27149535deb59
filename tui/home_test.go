package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"canvass/store"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"
)

// homeStore is a real store with the console survey and one contact in
// its sample, and the surveys of extra without any.
func homeStore(t *testing.T, extra map[string]string) *store.Store {
	t.Helper()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sv := consoleSurvey()
	if _, _, err := st.AddSurvey(sv, []byte("console survey"), "author"); err != nil {
		t.Fatal(err)
	}
	csv := "id,phone,name\nC1,4155550101,Ann Alvarez\n"
	if _, err := st.ImportContacts(strings.NewReader(csv), store.ImportOptions{Survey: sv.ID, Source: "client", Region: "US", Actor: "sup", File: "s.csv"}); err != nil {
		t.Fatal(err)
	}
	for id, title := range extra {
		x := consoleSurvey()
		x.ID, x.Title = id, title
		if _, _, err := st.AddSurvey(x, []byte("survey "+id), "author"); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// homeOver is the interviewer console over st at 100×30, signed in as
// ana, on the home screen.
func homeOver(t *testing.T, be Backend) App {
	t.Helper()
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	var m tea.Model = NewConsole(be, Console{Clock: func() time.Time { return now }, Location: time.UTC})
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: 100, Height: 30}, bg(true), tea.EnvMsg{"NO_COLOR=1"}} {
		m, _ = m.Update(msg)
	}
	a, _ := feed(m.(App), "ana enter Ana enter")
	return a
}

// TestHomeSurveyWithoutSample: a survey nobody was imported into is
// named by its title as having no sample, and is not offered.
func TestHomeSurveyWithoutSample(t *testing.T) {
	st := homeStore(t, map[string]string{"roster": "Household Roster"})
	a := homeOver(t, st)
	mustShow(t, a, "home", "> Next contact — Console Test Study", "Household Roster — no sample yet",
		"nobody to call until a supervisor imports its contacts")
	if s := screenText(a); strings.Contains(s, "Next contact — Household Roster") {
		t.Errorf("home offers a contact of a survey without a sample:\n%s", s)
	}
	var offered []string
	for _, e := range a.console().home.entries {
		offered = append(offered, e.msg.Survey)
	}
	if diff := cmp.Diff([]string{"cons"}, offered); diff != "" {
		t.Errorf("surveys offered (-want +got):\n%s", diff)
	}
	// The cursor cannot reach the survey without a sample.
	a, _ = feed(a, "down down down")
	if a.console().home.cursor != 0 {
		t.Errorf("cursor after three downs = %d, want 0", a.console().home.cursor)
	}
}

// TestHomeOnlySurveysWithoutSample: nothing to take, so enter does
// nothing and the help line does not offer it.
func TestHomeOnlySurveysWithoutSample(t *testing.T) {
	f := newFake()
	f.noSample["cons"] = true
	a := homeOver(t, f)
	mustShow(t, a, "home", "Console Test Study — no sample yet")
	s := screenText(a)
	for _, bad := range []string{"There are no surveys", "enter take it", "Next contact"} {
		if strings.Contains(s, bad) {
			t.Errorf("home shows %q with only a survey without sample:\n%s", bad, s)
		}
	}
	a, _ = feed(a, "enter")
	if a.console().screen != screenHome || f.draws != 0 {
		t.Errorf("enter on home without a sample: screen %d, draws %d; want home and no draw", a.console().screen, f.draws)
	}
}

// TestGoldenHomeWithoutSample draws home with a survey to work and one
// without a sample, at 80×24 and 120×40 in each palette.
func TestGoldenHomeWithoutSample(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		for _, p := range palettes {
			name := fmt.Sprintf("home_nosample_%dx%d_%s", sz[0], sz[1], p.name)
			t.Run(name, func(t *testing.T) {
				f := newFake()
				roster := consoleSurvey()
				roster.ID, roster.Title = "household-roster", "Household living conditions (field)"
				f.surveys[roster.ID] = roster
				f.noSample[roster.ID] = true
				be := f
				now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
				var m tea.Model = NewConsole(be, Console{Clock: func() time.Time { return now }, Location: time.UTC})
				env := tea.EnvMsg{"TERM=xterm-256color"}
				if p.noColor {
					env = append(env, "NO_COLOR=1")
				}
				for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: sz[0], Height: sz[1]}, bg(p.dark), env} {
					m, _ = m.Update(msg)
				}
				a, _ := feed(m.(App), "ana01 enter Ana space Pereira enter")
				view := a.View().Content
				if c := colourCodes(view); p.noColor && len(c) > 0 {
					t.Errorf("NO_COLOR view uses colour: %q", c)
				}
				if n := strings.Count(view, "\n") + 1; n != sz[1] {
					t.Errorf("the view has %d lines, want %d", n, sz[1])
				}
				golden(t, name, view)
			})
		}
	}
}
