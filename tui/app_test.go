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

	"canvass/store"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// appAt is a preview app sized and coloured as a terminal would report.
func appAt(t testing.TB, w, h int, dark, noColor bool) App {
	t.Helper()
	var m tea.Model = NewPreview(testSurvey())
	env := []string{"TERM=xterm-256color"}
	if noColor {
		env = append(env, "NO_COLOR=1")
	}
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: w, Height: h}, bg(dark), tea.EnvMsg(env)} {
		m, _ = m.Update(msg)
	}
	return m.(App)
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

func TestAppFlow(t *testing.T) {
	a := appAt(t, 80, 24, true, false)
	if s := screenText(a); !strings.Contains(s, "Interviewer id") {
		t.Fatalf("the app does not open on sign-in:\n%s", s)
	}
	a, _ = feed(a, "ana01 enter Ana enter")
	if s := screenText(a); !strings.Contains(s, "Thank you for taking part") || !strings.Contains(s, "Ana") {
		t.Fatalf("after sign-in the first question with the interviewer is not shown:\n%s", s)
	}
	a, _ = feed(a, "enter 3 enter")
	if s := screenText(a); !strings.Contains(s, "How many people") {
		t.Fatalf("3 enter on the age groups did not go on:\n%s", s)
	}
	a, _ = feed(a, "esc")
	if s := screenText(a); !strings.Contains(s, "> 3 (*) 35 to 44") {
		t.Errorf("back shows the previous question with its answer marked and highlighted:\n%s", s)
	}
	a, _ = feed(a, "f6")
	if s := screenText(a); !strings.Contains(s, "¿En cuál de estos grupos") || !strings.Contains(s, "35 a 44") || !strings.Contains(s, "en ES") {
		t.Errorf("F6 switches question and options to Spanish and says so in the header:\n%s", s)
	}
	a, _ = feed(a, "esc esc")
	if s := screenText(a); !strings.Contains(s, "this is the first question") {
		t.Errorf("back on the first question says so:\n%s", s)
	}
	if got := a.preview.answers["agegroup"].Value; got != "a35" {
		t.Errorf("answer of agegroup = %q, want a35", got)
	}
}

func TestAppHelpKey(t *testing.T) {
	// Each case starts afresh: a screen keeps its widget by pointer, so
	// one App value must not be driven down two paths.
	start := func() App {
		a, _ := feed(appAt(t, 80, 24, true, false), "ana01 enter Ana enter enter")
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
	a := appAt(t, 80, 24, false, false)
	if a.st.Dark || a.st.NoColor {
		t.Errorf("styles after a white background = dark %v, no colour %v; want light with colour", a.st.Dark, a.st.NoColor)
	}
	b := appAt(t, 80, 24, true, true)
	if !b.st.NoColor {
		t.Errorf("NO_COLOR=1 in the environment did not turn colour off")
	}
	if s := b.View().Content; strings.Contains(s, "\x1b[38;") || strings.Contains(s, "\x1b[48;") {
		t.Errorf("NO_COLOR view has colour sequences:\n%q", s)
	}
	if _, quit := feed(a, "ctrl+c"); !quit {
		t.Errorf("ctrl+c did not quit")
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
	a := appAt(t, 50, 12, true, false)
	s := screenText(a)
	if !strings.Contains(s, "make it larger") || !strings.Contains(s, "50×12") {
		t.Errorf("a 50×12 window does not ask to be enlarged:\n%s", s)
	}
	m, _ := a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if s := screenText(m.(App)); strings.Contains(s, "make it larger") {
		t.Errorf("after growing to 80×24 the message stays:\n%s", s)
	}
}

func TestAppNoteAndOptOut(t *testing.T) {
	a := appAt(t, 80, 24, true, false)
	a, _ = feed(a, "ana01 enter Ana enter enter")
	a, _ = feed(a, "f5 call space back space after space 6pm enter")
	if got := a.preview.notes["agegroup"]; got != "call back after 6pm" {
		t.Errorf("note on agegroup = %q, want the typed note", got)
	}
	if s := screenText(a); !strings.Contains(s, "call back after 6pm") {
		t.Errorf("the note is not shown on its question:\n%s", s)
	}
	a, _ = feed(a, "f8")
	if s := screenText(a); !strings.Contains(s, "does not want to be contacted") {
		t.Fatalf("F8 does not ask to confirm the opt-out:\n%s", s)
	}
	a, _ = feed(a, "n")
	if s := screenText(a); !strings.Contains(s, "opt-out not recorded") {
		t.Errorf("n to the opt-out does not say it was not recorded:\n%s", s)
	}
	d, _ := feed(a, "f8 y")
	if s := screenText(d); !strings.Contains(s, "opt-out would be recorded") {
		t.Errorf("y to the opt-out does not reach the request:\n%s", s)
	}
}

func TestAppFinishes(t *testing.T) {
	a := appAt(t, 80, 24, true, false)
	a, _ = feed(a, "ana01 enter Ana enter")
	// Every item in order: note, age, people, sport, weight, health, birth,
	// wake, callback, rank, comments, town, photo, thanks.
	a, _ = feed(a, "enter 2 enter 4 enter 1 space enter 70 enter f4 1990-01-02 enter 7:00 enter f3 enter ok enter Porto enter enter enter")
	s := screenText(a)
	for _, want := range []string{"Preview finished", "agegroup 25 to 34", "people 4", "sport Walking", "health [rf]", "callback [dk]", "wake 07:00:00", "town Porto", "photo [skip]", "thanks OK"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

// TestFrameFits checks every screen of the preview at several sizes: the
// view has exactly the window's height and no line is wider than it.
func TestFrameFits(t *testing.T) {
	sizes := [][2]int{{60, 16}, {80, 24}, {120, 40}, {200, 60}}
	script := []string{"ana01 enter Ana enter", "enter", "enter", "enter", "enter", "f1", "esc", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "f5", "esc", "enter", "enter", "enter", "enter"}
	for _, sz := range sizes {
		a := appAt(t, sz[0], sz[1], true, false)
		for i, s := range script {
			a, _ = feed(a, s)
			view := a.View().Content
			lines := strings.Split(view, "\n")
			if len(lines) != sz[1] {
				t.Errorf("%dx%d step %d: %d lines, want %d", sz[0], sz[1], i, len(lines), sz[1])
			}
			for n, l := range lines {
				if w := ansi.StringWidth(l); w > sz[0] {
					t.Errorf("%dx%d step %d: line %d is %d wide: %q", sz[0], sz[1], i, n, w, ansi.Strip(l))
				}
			}
		}
	}
}

// TestAppTypeAhead types a whole script before any command has run, as a
// fast interviewer does while answers are still on their way, and checks
// that the answers come out as when every key waits for the screen.
func TestAppTypeAhead(t *testing.T) {
	const script = "ana01 enter Ana enter enter 4 enter 2 enter 1 space 3 space enter 70 enter esc backspace backspace 71 enter right enter"
	sync, _ := feed(appAt(t, 80, 24, true, false), script)

	a := appAt(t, 80, 24, true, false)
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
	if diff := cmp.Diff(sync.preview.answers, a.preview.answers); diff != "" {
		t.Errorf("answers typed ahead (-in step +ahead):\n%s", diff)
	}
	if want := (map[string]string{"agegroup": "a45", "people": "2", "sport": "walk swim", "weight": "71", "health": "0"}); len(a.preview.answers) != len(want) {
		t.Errorf("answers = %v, want %v", a.preview.answers, want)
	} else {
		for k, v := range want {
			if got := a.preview.answers[k].Value; got != v {
				t.Errorf("answer %s = %q, want %q", k, got, v)
			}
		}
	}
	if len(a.queue) != 0 {
		t.Errorf("%d keys still held back", len(a.queue))
	}
}

func TestAppOptions(t *testing.T) {
	zone := time.FixedZone("UTC+1", 3600)
	var m tea.Model = NewPreview(testSurvey(), WithInterviewer("ana01", "Ana"), WithLocation(zone))
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	a, _ := feed(m.(App), "enter")
	if a.who != (SignInMsg{ID: "ana01", Name: "Ana"}) {
		t.Fatalf("enter on a prefilled sign-in signed in %+v, want ana01 Ana", a.who)
	}
	a, _ = feed(a, "enter f3 f3 f3 f3 f3 f3 f3 2026-05-01 space 09:00 enter")
	if got := a.preview.answers["callback"].Value; got != "2026-05-01T09:00:00+01:00" {
		t.Errorf("callback = %q, want the time in the configured zone", got)
	}
}

func TestAppDropsStaleResults(t *testing.T) {
	a, _ := feed(appAt(t, 80, 24, true, false), "ana01 enter Ana enter enter")
	for _, msg := range []tea.Msg{
		AnswerMsg{Item: "welcome"}, NextMsg{Item: "welcome"}, BackMsg{Item: "town"},
		ConfirmMsg{ID: "optout", Yes: true},
	} {
		m, cmd := a.Update(msg)
		a = m.(App)
		if got := a.preview.current(); got != "agegroup" || cmd != nil && len(run(cmd)) > 0 {
			t.Errorf("after stale %#v: on %s with follow-up %v, want agegroup untouched", msg, got, run(cmd))
		}
	}
	if len(a.preview.answers) != 0 {
		t.Errorf("stale answers recorded: %v", a.preview.answers)
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
		{"preview", NewPreview(testSurvey()), "canvass", true},
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
		{"supervisor gets a console save", sup, doneMsg{seq: sup.sup.seq, what: "save", err: errors.New("disk full")}},
		{"supervisor gets a console home", sup, homeLoadedMsg{seq: sup.sup.seq, empty: true}},
		{"supervisor gets a stale list", sup, reviewListMsg{seq: sup.sup.seq - 1}},
		{"dashboard gets a review list", dash, reviewListMsg{seq: 1}},
		{"dashboard gets a console save", dash, doneMsg{seq: 1, what: "save", err: errors.New("disk full")}},
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
