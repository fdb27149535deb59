package cli_test

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"
	"canvass/surveys"
	"canvass/tui/cli"
)

// The command line in process: the exit codes and the words a script and a
// person rely on, with the questionnaire readers main gives it (package
// surveys) or fakes that record what the commands passed them. main_test.go
// runs the same contract through the built binary.

// run runs the command line with q on a private store and config
// directory and returns the exit code, stdout and stderr.
func run(t *testing.T, q cli.Questionnaires, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(args, strings.NewReader(""), &out, &errb, q)
	return code, out.String(), errb.String()
}

// private points the store and its key files at a test's own directory.
func private(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("CANVASS_DB", filepath.Join(dir, "c.db"))
	t.Setenv("CANVASS_KEY", "")
	t.Setenv("CANVASS_PASSPHRASE", "")
	return dir
}

// real is what main.go gives the command line.
var real = cli.Questionnaires{
	Check: surveys.Check, Eval: surveys.Eval, Test: surveys.RunTest, Installable: surveys.Installable,
	Demo: func() (store.Study, error) { return store.Study{}, fmt.Errorf("no demo in this test") },
}

// TestQuestionnaireCommandsPassTheirFlags: eval and survey test hand the
// tools exactly the flags given, parsed; a tool's verdict is the exit code.
func TestQuestionnaireCommandsPassTheirFlags(t *testing.T) {
	private(t)
	var gotEval model.EvalOptions
	var gotExprs []string
	var gotTest model.TestOptions
	var gotChecked []string
	fake := cli.Questionnaires{
		Check: func(w io.Writer, paths []string) bool {
			gotChecked = paths
			fmt.Fprintln(w, "bad.yaml:3: an error")
			return false
		},
		Eval: func(w io.Writer, exprs []string, o model.EvalOptions) (bool, error) {
			gotExprs, gotEval = exprs, o
			return true, nil
		},
		Test: func(w io.Writer, args []string, o model.TestOptions) (bool, error) {
			gotTest = o
			return false, o.Validate(args)
		},
	}
	code, stdout, _ := run(t, fake, "survey", "check", "a.yaml", "bad.yaml")
	if code != 1 || stdout != "bad.yaml:3: an error\n" || strings.Join(gotChecked, " ") != "a.yaml bad.yaml" {
		t.Errorf("survey check: exit %d, %q, checked %q; want exit 1 with the checker's report", code, stdout, gotChecked)
	}
	code, _, _ = run(t, fake, "eval", "--set", "age=41", "--lang", "es", "--survey", "s.yaml", "--now", "2026-03-01T09:30:00+01:00", "--", "-1", "${age}")
	want := model.EvalOptions{Sets: []string{"age=41"}, Now: time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("", 3600)),
		Survey: "s.yaml", Lang: "es"}
	if code != 0 || strings.Join(gotExprs, " ") != "-1 ${age}" || !gotEval.Now.Equal(want.Now) ||
		gotEval.Survey != want.Survey || gotEval.Lang != want.Lang || strings.Join(gotEval.Sets, ",") != "age=41" {
		t.Errorf("eval: exit %d, exprs %q, options %+v; want 0, [-1 ${age}], %+v", code, gotExprs, gotEval, want)
	}
	code, _, stderr := run(t, fake, "survey", "test", "s.yaml", "cases.yaml", "--seed", "3")
	if code != 2 || stderr != "canvass: survey test: --seed goes with --auto\n" || !gotTest.SeedSet || gotTest.AutoSet || gotTest.Seed != 3 {
		t.Errorf("survey test --seed without --auto: exit %d, %q, options %+v; want exit 2 and one sentence", code, stderr, gotTest)
	}
}

// TestUsageErrorsExit2: a command line canvass cannot take is exit 2 and
// one sentence on stderr naming what is wrong, before any file is read.
func TestUsageErrorsExit2(t *testing.T) {
	private(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"survey", "check"}, "canvass: survey check: give at least one questionnaire file\n"},
		{[]string{"eval", "--now", "noon", "1"}, "canvass: eval: --now \"noon\": want an RFC 3339 time such as 2026-03-01T09:30:00+01:00\n"},
		{[]string{"eval", "--nosuch", "1"}, "canvass: unknown flag: --nosuch (put -- before expressions that start with -)\n"},
		{[]string{"rates", "-", "--format", "xml"}, "canvass: rates: --format must be text or json, not \"xml\"\n"},
		{[]string{"optout", "remove", "555-0100"}, "canvass: optout remove: --reason is required\n"},
		{[]string{"contacts", "release", "--survey", "small"}, "canvass: contacts release: --survey and --replicate (a number from 1) are required\n"},
		{[]string{"queue", "--nosuch"}, "canvass: unknown flag: --nosuch\n"},
	} {
		code, stdout, stderr := run(t, real, tc.args...)
		if code != 2 || stdout != "" || stderr != tc.want {
			t.Errorf("canvass %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
}

// TestStoreCommandsInProcess: a survey installed, listed, and the opt-out
// list's check answering 0 (on it), 1 (not on it), 2 (not a value).
func TestStoreCommandsInProcess(t *testing.T) {
	dir := private(t)
	small := filepath.Join("..", "..", "surveys", "testdata", "small.yaml")
	if code, stdout, stderr := run(t, real, "survey", "add", small); code != 0 || !strings.Contains(stdout, "small") {
		t.Fatalf("survey add: exit %d, %q, %q", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, real, "survey", "list"); code != 0 || !strings.Contains(stdout, "Small survey") {
		t.Errorf("survey list: exit %d, %q; want the installed survey", code, stdout)
	}
	if code, _, stderr := run(t, real, "optout", "add", "+1 202 555 0100", "--reason", "asked on the phone"); code != 0 {
		t.Fatalf("optout add: exit %d, %q", code, stderr)
	}
	for _, tc := range []struct {
		value string
		code  int
	}{{"(202) 555-0100", 0}, {"202-555-0199", 1}, {"not a number", 2}} {
		if code, _, stderr := run(t, real, "optout", "check", tc.value); code != tc.code {
			t.Errorf("optout check %q: exit %d (%q), want %d", tc.value, code, stderr, tc.code)
		}
	}
	missing := filepath.Join(dir, "none.db")
	code, stdout, stderr := run(t, real, "--db", missing, "queue", "--survey", "small", "--format", "csv")
	if code != 1 || stdout != "" || !strings.Contains(stderr, missing) || !strings.Contains(stderr, "--db PATH") {
		t.Errorf("queue on a missing store: exit %d, %q, %q; want exit 1, nothing on stdout, the path and the hint", code, stdout, stderr)
	}
}
