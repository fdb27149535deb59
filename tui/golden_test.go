package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name.golden byte for byte, or writes
// it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if string(want) == got {
		return
	}
	// Show the difference as text first: styling-only changes show as an
	// empty text diff followed by the raw one.
	textDiff := cmp.Diff(strings.Split(ansi.Strip(string(want)), "\n"), strings.Split(ansi.Strip(got), "\n"))
	t.Errorf("%s differs (-want +got); run go test -update if the change is intended.\ntext:\n%s\nraw:\n%s",
		path, textDiff, cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")))
}

var sgrRe = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// colourCodes lists the SGR colour codes in s (30-49 and 90-107: the
// foreground and background colours, basic, bright, 256 and true colour).
func colourCodes(s string) []string {
	var out []string
	for _, m := range sgrRe.FindAllStringSubmatch(s, -1) {
		params := strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' })
		for i := 0; i < len(params); i++ {
			n, _ := strconv.Atoi(params[i])
			if n == 38 || n == 48 || n == 58 { // extended colour: skip its arguments
				out = append(out, m[0])
				break
			}
			if n >= 30 && n <= 49 || n >= 90 && n <= 107 {
				out = append(out, m[0])
				break
			}
		}
	}
	return out
}

// palettes are the three style sets every golden view is drawn in.
// goldenView checks a drawn screen: colour codes exactly when colour is
// on, the full height when height is not 0, and the golden file.
func goldenView(t *testing.T, name, view string, noColor bool, height int) {
	t.Helper()
	if c := colourCodes(view); noColor && len(c) > 0 {
		t.Errorf("NO_COLOR view uses colour: %q", c)
	} else if !noColor && len(c) == 0 {
		t.Errorf("coloured view uses no colour")
	}
	if n := strings.Count(view, "\n") + 1; height != 0 && n != height {
		t.Errorf("the view has %d lines, want %d", n, height)
	}
	golden(t, name, view)
}

var palettes = []struct {
	name          string
	dark, noColor bool
}{
	{"dark", true, false},
	{"light", false, false},
	{"nocolor", true, true},
}

// TestGoldenScreens draws the sign-in screen and the interview screen
// with each answer widget and dialog an interviewer meets, over the fake
// store's testSurvey, at 80×24 and 120×40, in each palette, after a key
// script from sign-in.
func TestGoldenScreens(t *testing.T) {
	// Sign in, take the next contact, on the line, consent: the welcome note.
	const in = "ana01 enter Ana space Pereira enter enter enter y "
	screens := []struct{ name, script string }{
		{"signin", "ana01"},
		{"interview_note", in},
		{"interview_choice", in + "enter 3"},
		{"interview_choice_error", in + "enter 9"},
		{"interview_allkeys", in + "enter f1"},
		{"interview_multi", in + "enter 2 enter 4 enter 1 space 3 space down down"},
		{"interview_specify", in + "enter 2 enter 4 enter 5 space enter Golf"},
		{"interview_number_error", in + "enter 2 enter 25 enter"},
		{"interview_range", in + "enter 2 enter 4 enter enter 70 enter right right right right right right right right"},
		{"interview_datetime", in + "enter 2 enter 4 enter enter 70 enter f3 f3 f3 2026-12-01"},
		{"interview_rank_carry", in + "enter 2 enter 4 enter enter 70 enter f3 f3 f3 f3 space down"},
		{"interview_multiline_es", in + "enter 2 enter 4 enter enter 70 enter f3 f3 f3 f3 enter f6 Muy space bien alt+enter gracias"},
		{"interview_optout", in + "enter f8"},
	}
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		for _, p := range palettes {
			for _, sc := range screens {
				name := fmt.Sprintf("%s_%dx%d_%s", sc.name, sz[0], sz[1], p.name)
				t.Run(name, func(t *testing.T) {
					a, _ := appAt(sz[0], sz[1], p.dark, p.noColor)
					a, _ = feed(a, sc.script)
					goldenView(t, name, a.View().Content, p.noColor, sz[1])
				})
			}
		}
	}
}

// TestGoldenSoftCheck draws the soft-check dialog in the frame.
func TestGoldenSoftCheck(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		for _, p := range palettes {
			name := fmt.Sprintf("softcheck_%dx%d_%s", sz[0], sz[1], p.name)
			t.Run(name, func(t *testing.T) {
				st := NewStyles(p.dark, p.noColor)
				f := NewFrame(st)
				f.SetSize(sz[0], sz[1])
				it := item(t, "people")
				text := it.Label.In("en")
				s := NewSoftCheck(it, "More than 12 people in one household is unusual. Check the number with the respondent.", "15", st)
				s.SetSize(f.ContentWidth(), f.BodyHeight(text, ""))
				s, _ = drive(s, "checked space twice")
				page := Page{
					Header: Header{Title: "Household Health Survey", Contact: "M. Silva +351 21 000 0000",
						Interviewer: "Ana Pereira", Lang: "en", Langs: []string{"en", "es"}, Section: "About you", Done: 2, Total: 14},
					Text: text, Body: s.View(), Error: s.Problem(), Keys: s.HelpKeys(),
				}
				golden(t, name, f.View(page))
			})
		}
	}
}

// TestGoldenTooSmall draws the message for a window below the minimum.
func TestGoldenTooSmall(t *testing.T) {
	for _, p := range palettes {
		name := "toosmall_50x12_" + p.name
		t.Run(name, func(t *testing.T) {
			a, _ := appAt(50, 12, p.dark, p.noColor)
			golden(t, name, a.View().Content)
		})
	}
}

// TestGoldenConsole draws the working console's screens over the fake
// store: home, the call screen, the appointment picker, consent, a
// question, a soft check, the quit question and the closing script.
func TestGoldenConsole(t *testing.T) {
	const in = "ana01 enter Ana space Pereira enter "
	screens := []struct{ name, script string }{
		{"console_home", in},
		{"console_call", in + "enter"},
		{"console_appointment", in + "enter t 18:30"},
		{"console_consent", in + "enter f6 enter"},
		{"console_question", in + "enter f6 enter y"},
		{"console_softcheck", in + "enter f6 enter y 9 enter"},
		{"console_repeat", in + "enter f6 enter y 4 enter 2 enter"},
		{"console_quit", in + "enter f6 enter y 4 enter ctrl+c"},
		{"console_closing", in + "enter f6 enter y 4 enter 2 enter n enter"},
	}
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		for _, p := range palettes {
			for _, sc := range screens {
				name := fmt.Sprintf("%s_%dx%d_%s", sc.name, sz[0], sz[1], p.name)
				t.Run(name, func(t *testing.T) {
					a, _ := feed(consoleAt(newFake(), sz[0], sz[1], p.dark, p.noColor), sc.script)
					view := a.View().Content
					goldenView(t, name, view, p.noColor, sz[1])
				})
			}
		}
	}
}
