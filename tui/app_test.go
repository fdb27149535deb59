package tui

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// healthFake is a store whose one survey is testSurvey, a questionnaire
// with an item of every type the console shows, and whose one queued
// contact is Maria Silva.
func healthFake() *fakeStore {
	f := newFake()
	f.surveys = map[string]*model.Survey{"health": testSurvey()}
	f.contacts = []*fakeContact{{c: model.Contact{ID: "H1", Survey: "health", Name: "Maria Silva", Phones: []string{"+13035550111"}},
		st: store.ContactState{Survey: "health", ID: "H1", Status: store.StatusQueued}}}
	return f
}

// healthIn signs in as Ana, takes the next contact, says she is on the
// line and records her consent: the console then shows the first stop of
// testSurvey, the welcome note.
const healthIn = "ana01 enter Ana enter enter enter y "

// appAt is the interviewer console over healthFake on its sign-in
// screen, sized and coloured as a terminal would report, with its store.
func appAt(w, h int, dark, noColor bool) (App, *fakeStore) {
	f := healthFake()
	return consoleAt(f, w, h, dark, noColor), f
}

// saved is the last answer the store holds for each item of the first
// interview.
func saved(f *fakeStore) map[string]answerRow {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]answerRow{}
	for _, r := range rows(f.answers["iv1"]) {
		out[r.Item] = r
	}
	return out
}

// feed sends a key script to the app, delivering every message the
// commands produce back to it as the Bubble Tea loop would. It reports
// whether the app asked to quit.
func feed(a App, script string) (App, bool) {
	quit := false
	var deliver func(tea.Cmd)
	deliver = func(cmd tea.Cmd) {
		for _, msg := range run(cmd) {
			if _, ok := msg.(tea.QuitMsg); ok {
				quit = true
				continue
			}
			m, next := a.Update(msg)
			a = m.(App)
			deliver(next)
		}
	}
	for _, k := range keys(script) {
		m, cmd := a.Update(k)
		a = m.(App)
		deliver(cmd)
	}
	return a, quit
}

// screenText is the app's view without styling.
func screenText(a App) string { return ansi.Strip(a.View().Content) }

// TestInterviewFlow walks the first questions of the interview: sign-in,
// an answer saved, back to it with the answer marked, the language
// switched, and back past the first question.
func TestInterviewFlow(t *testing.T) {
	a, f := appAt(80, 24, true, false)
	mustShow(t, a, "start", "Interviewer id")
	a, _ = feed(a, healthIn)
	mustShow(t, a, "after consent", "Thank you for taking part", "Ana", "Maria Silva")
	a, _ = feed(a, "enter 3 enter")
	mustShow(t, a, "3 enter on the age groups", "How many people")
	a, _ = feed(a, "esc")
	mustShow(t, a, "back", "> 3 (*) 35 to 44")
	a, _ = feed(a, "f6")
	mustShow(t, a, "F6", "¿En cuál de estos grupos", "35 a 44", "en ES")
	a, _ = feed(a, "esc esc")
	mustShow(t, a, "back on the first stop", "this is the first question")
	if got := saved(f)["agegroup"]; got.Value != "a35" || got.Lang != "en" {
		t.Errorf("saved agegroup = %+v, want a35 in en", got)
	}
}

func TestInterviewHelpKey(t *testing.T) {
	// Each case starts afresh: a screen keeps its widget by pointer, so
	// one App value must not be driven down two paths.
	start := func() App {
		a, _ := appAt(80, 24, true, false)
		a, _ = feed(a, healthIn+"enter")
		return a
	}
	tests := []struct {
		name, script string
		wantAll      bool
	}{
		{"? on a list with nothing typed", "?", true},
		{"F1", "f1", true},
		{"F1 twice closes", "f1 f1", false},
		{"esc closes", "? esc", false},
		{"? after a typed code types", "2 ?", false},
	}
	for _, tc := range tests {
		got, _ := feed(start(), tc.script)
		if got.allKeys != tc.wantAll {
			t.Errorf("%s: all keys shown = %v, want %v", tc.name, got.allKeys, tc.wantAll)
		}
		if tc.wantAll && !strings.Contains(screenText(got), "All keys") {
			t.Errorf("%s: the key list is not drawn:\n%s", tc.name, screenText(got))
		}
	}
	// In a text field with text in it, ? is a character.
	b, _ := feed(start(), "enter 3 ?")
	if b.allKeys {
		t.Errorf("? typed into a number field opened the key list")
	}
	c, _ := feed(start(), "enter f1")
	if !c.allKeys {
		t.Errorf("F1 in a number field did not open the key list")
	}
}

func TestAppQuitAndStyles(t *testing.T) {
	a, _ := appAt(80, 24, false, false)
	if a.st.Dark || a.st.NoColor {
		t.Errorf("styles after a white background = dark %v, no colour %v; want light with colour", a.st.Dark, a.st.NoColor)
	}
	b, _ := appAt(80, 24, true, true)
	if !b.st.NoColor {
		t.Errorf("NO_COLOR=1 in the environment did not turn colour off")
	}
	if s := b.View().Content; strings.Contains(s, "\x1b[38;") || strings.Contains(s, "\x1b[48;") {
		t.Errorf("NO_COLOR view has colour sequences:\n%q", s)
	}
	if _, quit := feed(a, "ctrl+c"); !quit {
		t.Errorf("ctrl+c on the sign-in screen did not quit")
	}
	if _, quit := feed(a, "q"); quit {
		t.Errorf("q quit; it must type")
	}
	if cmd := a.Init(); cmd == nil {
		t.Errorf("Init() = nil, want the background colour request")
	}
	if v := a.View(); !v.AltScreen {
		t.Errorf("View().AltScreen = false, want the full window")
	}
}

func TestAppTooSmall(t *testing.T) {
	a, _ := appAt(50, 12, true, false)
	s := screenText(a)
	if !strings.Contains(s, "make it larger") || !strings.Contains(s, "50×12") {
		t.Errorf("a 50×12 window does not ask to be enlarged:\n%s", s)
	}
	m, _ := a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if s := screenText(m.(App)); strings.Contains(s, "make it larger") {
		t.Errorf("after growing to 80×24 the message stays:\n%s", s)
	}
}

// TestInterviewNoteAndOptOut: a note stays with its question (the store
// gets it, and it is shown on the question again), and the opt-out asks
// first and is recorded only after a yes.
func TestInterviewNoteAndOptOut(t *testing.T) {
	a, f := appAt(80, 24, true, false)
	a, _ = feed(a, healthIn+"enter")
	a, _ = feed(a, "f5 call space back space after space 6pm enter")
	mustShow(t, a, "note typed", "note kept")
	if len(f.notes) != 1 || f.notes[0].Item != "agegroup" || f.notes[0].Text != "call back after 6pm" {
		t.Errorf("notes = %+v, want the typed note on agegroup", f.notes)
	}
	a, _ = feed(a, "1 enter esc")
	mustShow(t, a, "back on the noted question", "note: call back after 6pm", "Which of these age groups")
	a, _ = feed(a, "f8")
	mustShow(t, a, "F8", "Maria Silva does not want to be contacted")
	a, _ = feed(a, "n")
	mustShow(t, a, "no to the opt-out", "opt-out not recorded", "Which of these age groups")
	if len(f.optouts) != 1 {
		t.Errorf("opt-out list after no = %v, want only the fake's first entry", f.optouts)
	}
	a, _ = feed(a, "f8 y")
	mustShow(t, a, "yes to the opt-out", "opt-out recorded")
	if !f.optouts["+13035550111"] {
		t.Errorf("opt-out list after yes = %v, want Maria Silva's phone", f.optouts)
	}
}

// TestFrameFits checks every screen of the console, from sign-in through
// every answer widget and dialog to the end of the interview, at several
// sizes: the view has exactly the window's height and no line is wider
// than it.
func TestFrameFits(t *testing.T) {
	sizes := [][2]int{{60, 16}, {80, 24}, {120, 40}, {200, 60}}
	script := []string{
		"ana01", "enter", "Ana enter", // sign-in, home
		"enter", "f1", "esc", // the call screen and its key list
		"enter", "y", // consent, the welcome note
		"enter", "f1", "esc", "3 enter", // a list
		"25 enter", "ctrl+u 4 enter", // a number and its hard check
		"1 space 5 space enter", "Golf enter", // multi-select with other
		"70 enter", "right right", "enter", // decimal, range
		"1990-01-02 enter", "7:00 enter", // date, time
		"2026-12-01", "f5", "esc", "f3", // dateTime, a note
		"space down", "f8", "esc", "f7", "esc", "enter", // rank, opt-out and suspend dialogs
		"f6", "Muy space bien alt+enter gracias", "enter", // multi-line text in Spanish
		"Porto enter", "enter", "enter", // text, unsupported, acknowledge: the end
	}
	for _, sz := range sizes {
		a, _ := appAt(sz[0], sz[1], true, false)
		for i, s := range script {
			a, _ = feed(a, s)
			view := a.View().Content
			lines := strings.Split(view, "\n")
			if len(lines) != sz[1] {
				t.Errorf("%dx%d step %d (%q): %d lines, want %d", sz[0], sz[1], i, s, len(lines), sz[1])
			}
			for n, l := range lines {
				if w := ansi.StringWidth(l); w > sz[0] {
					t.Errorf("%dx%d step %d (%q): line %d is %d wide: %q", sz[0], sz[1], i, s, n, w, ansi.Strip(l))
				}
			}
		}
		if a.console().screen != screenClosing {
			t.Errorf("%dx%d: the script ended on screen %d, want the closing:\n%s", sz[0], sz[1], a.console().screen, screenText(a))
		}
	}
}

// TestInterviewTypeAhead types a whole interview's keys before any command
// has run, as a fast interviewer does while the store is still answering,
// and checks that the answers saved are those saved when every key waits
// for the screen.
func TestInterviewTypeAhead(t *testing.T) {
	const script = healthIn + "enter 4 enter 2 enter 1 space 3 space enter 70 enter esc backspace backspace 71 enter right enter"
	inStep, fs := appAt(80, 24, true, false)
	feed(inStep, script)

	a, f := appAt(80, 24, true, false)
	var pending []tea.Cmd
	for _, k := range keys(script) {
		m, cmd := a.Update(k)
		a = m.(App)
		pending = append(pending, cmd)
	}
	for len(pending) > 0 {
		cmd := pending[0]
		pending = pending[1:]
		for _, msg := range run(cmd) {
			m, next := a.Update(msg)
			a = m.(App)
			pending = append(pending, next)
		}
	}
	if diff := cmp.Diff(rows(fs.answers["iv1"]), rows(f.answers["iv1"])); diff != "" {
		t.Errorf("answers typed ahead (-in step +ahead):\n%s", diff)
	}
	got := saved(f)
	want := map[string]string{"agegroup": "a45", "people": "2", "sport": "walk swim", "weight": "71", "health": "0"}
	if len(got) != len(want) {
		t.Errorf("saved = %+v, want %v", got, want)
	}
	for k, v := range want {
		if got[k].Value != v {
			t.Errorf("saved %s = %q, want %q", k, got[k].Value, v)
		}
	}
	if len(a.queue) != 0 {
		t.Errorf("%d keys still held back", len(a.queue))
	}
	mustShow(t, a, "after the script", "date of birth")
}

// TestConsoleOptions: WithInterviewer prefills the sign-in, and
// WithLocation is the zone a dateTime answer is typed in, whatever the
// interviewer's own zone (Console.Location).
func TestConsoleOptions(t *testing.T) {
	zone := time.FixedZone("UTC+1", 3600)
	f := healthFake()
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	var m tea.Model = NewConsole(f, Console{Clock: func() time.Time { return now }, Location: time.UTC},
		WithInterviewer("ana01", "Ana"), WithLocation(zone))
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	a, _ := feed(m.(App), "enter")
	if a.console().who != (SignInMsg{ID: "ana01", Name: "Ana"}) {
		t.Fatalf("enter on a prefilled sign-in signed in %+v, want ana01 Ana", a.console().who)
	}
	a, _ = feed(a, "enter enter y enter f3 f3 f3 f3 f3 f3 f3 2026-05-01 space 09:00 enter")
	mustShow(t, a, "after the dateTime", "Rank these")
	if got := saved(f)["callback"].Value; got != "2026-05-01T09:00:00+01:00" {
		t.Errorf("callback = %q, want the time in the configured zone", got)
	}
}

// TestInterviewDropsStaleResults: results that name another question, or
// a dialog that is not open, change nothing.
func TestInterviewDropsStaleResults(t *testing.T) {
	a, f := appAt(80, 24, true, false)
	a, _ = feed(a, healthIn+"enter")
	before := screenText(a)
	for _, msg := range []tea.Msg{
		AnswerMsg{Item: "welcome"}, NextMsg{Item: "welcome"}, BackMsg{Item: "town"},
		ConfirmMsg{ID: "optout", Yes: true}, SoftCheckMsg{Item: "people", Confirmed: true},
	} {
		m, cmd := a.Update(msg)
		a = m.(App)
		if got := a.console().iview.sc.Item; got != "agegroup" || cmd != nil && len(run(cmd)) > 0 {
			t.Errorf("after stale %#v: on %s with follow-up %v, want agegroup untouched", msg, got, run(cmd))
		}
	}
	if after := screenText(a); after != before {
		t.Errorf("stale results changed the screen:\n%s", cmp.Diff(before, after))
	}
	if got := saved(f); len(got) != 0 {
		t.Errorf("stale answers saved: %+v", got)
	}
}

// TestOneRootModel keeps App the only root: no other type in the package
// is a tea.Model (Update returning tea.Model) or returns a tea.View.
func TestOneRootModel(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var roots []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Type.Results == nil {
				continue
			}
			for _, r := range fn.Type.Results.List {
				if s := types.ExprString(r.Type); s == "tea.Model" || s == "tea.View" {
					roots = append(roots, types.ExprString(fn.Recv.List[0].Type)+"."+fn.Name.Name)
					break
				}
			}
		}
	}
	for _, r := range roots {
		if recv, _, _ := strings.Cut(r, "."); recv != "App" && recv != "*App" {
			t.Errorf("%s returns a tea.Model or tea.View; only App may (roots found: %v)", r, roots)
		}
	}
	if !slices.Contains(roots, "App.View") || !slices.Contains(roots, "App.Update") {
		t.Errorf("App.Update and App.View are not the root's methods; found %v", roots)
	}
}

// TestRootWindow: every console is an App that shows full-window under
// its own terminal title, and its Init asks the terminal for its colours
// (the working console's Init also starts its clock, a 15-second
// command, so it is not run here).
func TestRootWindow(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	tests := []struct {
		name    string
		app     App
		title   string
		runInit bool
	}{
		{"console", NewConsole(st, Console{Clock: func() time.Time { return reviewT0 }}), "canvass", false},
		{"supervisor", NewSupervisor(st, ReviewConfig{Clock: func() time.Time { return reviewT0 }}), "canvass review", true},
		{"dashboard", NewDashboardApp(&fakeReports{}, "health", store.ReportOptions{}, func() time.Time { return dashAt }), "canvass dashboard", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m tea.Model = tt.app
			m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			v := m.View()
			if v.WindowTitle != tt.title || !v.AltScreen {
				t.Errorf("View() title %q, alt screen %v; want %q, true", v.WindowTitle, v.AltScreen, tt.title)
			}
			if got := len(strings.Split(ansi.Strip(v.Content), "\n")); got != 24 {
				t.Errorf("View() is %d lines, want the window's 24", got)
			}
			if !tt.runInit {
				return
			}
			asked := false
			for _, msg := range run(m.Init()) {
				if fmt.Sprintf("%T", msg) == fmt.Sprintf("%T", tea.RequestBackgroundColor()) {
					asked = true
				}
			}
			if !asked {
				t.Errorf("Init() does not ask the terminal for its background colour")
			}
		})
	}
}

// TestRootKeepsConsolesApart: a reply meant for one console's screens
// changes nothing in another console hosted by App, and the supervisor
// console's own stale replies are dropped by its own numbering.
func TestRootKeepsConsolesApart(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	sup := feedReview(reviewAt(t, st, 100, 30, true, true), supIn)
	dash := dashApp(t, &fakeReports{}, 100, 30, true, true)
	for _, tt := range []struct {
		name string
		app  App
		msg  tea.Msg
	}{
		{"supervisor gets a console save", sup, savedMsg{interview: "iv1", token: 1, err: errors.New("disk full")}},
		{"supervisor gets a console home", sup, homeLoadedMsg{seq: sup.sup().seq, home: &store.Home{}}},
		{"supervisor gets a stale list", sup, reviewListMsg{seq: sup.sup().seq - 1}},
		{"dashboard gets a review list", dash, reviewListMsg{seq: 1}},
		{"dashboard gets a console save", dash, savedMsg{interview: "iv1", token: 1, err: errors.New("disk full")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := ansi.Strip(tt.app.View().Content)
			m, cmd := tt.app.Update(tt.msg)
			if after := ansi.Strip(m.View().Content); after != before {
				t.Errorf("Update(%T) changed the screen:\n%s", tt.msg, cmp.Diff(before, after))
			}
			if cmd != nil {
				t.Errorf("Update(%T) returned a command, want none", tt.msg)
			}
		})
	}
}

// TestRootIsAValue: Update returns a new App and leaves the one it was
// called on as it was, whichever console it hosts, so a program (or a
// test) holding an earlier App still sees that earlier screen.
func TestRootIsAValue(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	tests := []struct {
		name string
		app  App
		msg  tea.Msg
	}{
		{"supervisor key", feedReview(reviewAt(t, st, 100, 30, true, true), supIn), press("down")},
		{"supervisor resize", feedReview(reviewAt(t, st, 100, 30, true, true), supIn), tea.WindowSizeMsg{Width: 70, Height: 20}},
		{"supervisor colours", feedReview(reviewAt(t, st, 100, 30, true, false), supIn), bg(false)},
		{"dashboard tab", dashApp(t, &fakeReports{}, 100, 30, true, true), press("2")},
		{"dashboard help", dashApp(t, &fakeReports{}, 100, 30, true, true), press("?")},
		{"dashboard resize", dashApp(t, &fakeReports{}, 100, 30, true, true), tea.WindowSizeMsg{Width: 70, Height: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.app.View().Content
			m, _ := tt.app.Update(tt.msg)
			if m.View().Content == before {
				t.Fatalf("Update(%v) did not change the screen; the test needs one that does", tt.msg)
			}
			if got := tt.app.View().Content; got != before {
				t.Errorf("Update(%v) changed the App it was called on:\n%s", tt.msg, cmp.Diff(ansi.Strip(before), ansi.Strip(got)))
			}
		})
	}
}

// TestRootStylesFromMessages: the root takes its palette from the
// messages its program sends (background colour, environment, colour
// profile) and from nothing else, so that two roots in one process (two
// sessions of a server) each draw for their own terminal.
func TestRootStylesFromMessages(t *testing.T) {
	f := healthFake()
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	session := func(msgs ...tea.Msg) App {
		var m tea.Model = NewConsole(f, Console{Clock: func() time.Time { return now }})
		for _, msg := range append([]tea.Msg{tea.WindowSizeMsg{Width: 80, Height: 24}}, msgs...) {
			m, _ = m.Update(msg)
		}
		return m.(App)
	}
	tests := []struct {
		name          string
		msgs          []tea.Msg
		dark, noColor bool
	}{
		{"nothing said yet", nil, true, false},
		{"light terminal", []tea.Msg{bg(false)}, false, false},
		{"NO_COLOR", []tea.Msg{tea.EnvMsg{"TERM=xterm", "NO_COLOR=1"}}, true, true},
		{"a terminal without colour", []tea.Msg{tea.ColorProfileMsg{Profile: colorprofile.ASCII}}, true, true},
		{"no terminal", []tea.Msg{tea.ColorProfileMsg{Profile: colorprofile.NoTTY}}, true, true},
		{"colour upgraded", []tea.Msg{tea.ColorProfileMsg{Profile: colorprofile.ASCII}, tea.ColorProfileMsg{Profile: colorprofile.TrueColor}}, true, false},
		{"NO_COLOR on a colour terminal", []tea.Msg{tea.EnvMsg{"NO_COLOR=1"}, tea.ColorProfileMsg{Profile: colorprofile.TrueColor}}, true, true},
	}
	var views []string
	for _, tt := range tests {
		a := session(tt.msgs...)
		if a.st.Dark != tt.dark || a.st.NoColor != tt.noColor {
			t.Errorf("%s: styles dark %v, no colour %v; want %v, %v", tt.name, a.st.Dark, a.st.NoColor, tt.dark, tt.noColor)
		}
		if c := colourCodes(a.View().Content); tt.noColor != (len(c) == 0) {
			t.Errorf("%s: the view uses colours %q; want colour %v", tt.name, c, !tt.noColor)
		}
		views = append(views, a.View().Content)
	}
	// Each root kept its own: the first, told nothing, still draws as
	// it did before the others were told anything.
	if again := session().View().Content; again != views[0] {
		t.Errorf("a root told nothing draws differently after other roots were restyled:\n%s", cmp.Diff(views[0], again))
	}
}
