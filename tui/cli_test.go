package tui

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runBinary runs the canvass binary with args and returns its exit code,
// standard output and standard error.
func runBinary(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String(), errb.String()
	case err != nil:
		t.Fatalf("run %s: %v", bin, err)
	}
	return 0, out.String(), errb.String()
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestContactsCommands follows DESIGN §6 for contact imports on the built
// binary: counts on stdout, rejected rows with their lines and exit 1, a
// malformed file refused whole with the line at fault, and the imports
// listed and (when interrupted) abandoned.
func TestContactsCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t, t.TempDir())
	canvass := func(t *testing.T, args ...string) (int, string, string) {
		t.Helper()
		return runBinary(t, bin, args...)
	}
	db := filepath.Join(t.TempDir(), "c.db")
	if code, _, stderr := canvass(t, "--db", db, "optout", "add", "415.555.0101"); code != 0 {
		t.Fatalf("optout add: exit %d, %s", code, stderr)
	}
	// A sample goes into an installed survey (issue 11.6).
	sv := writeFile(t, "s1.yaml", "id: s1\nversion: \"1\"\ntitle: S1\nitems:\n  - name: age\n    type: integer\n    label: Age?\n")
	if code, _, stderr := canvass(t, "--db", db, "survey", "add", sv); code != 0 {
		t.Fatalf("survey add: exit %d, %s", code, stderr)
	}
	sample := writeFile(t, "sample.csv", "id,phone,email\n"+
		"a,(415) 555-0100,a@example.com\n"+
		"b,+1 415 555 0101,\n"+ // on the opt-out list
		"c,4155550100,\n"+ // a's phone
		"d,not a number,\n"+
		"e,,e@example.com\n")
	code, stdout, _ := canvass(t, "--db", db, "contacts", "import", "--survey", "s1", "--source", "client", sample)
	if code != 1 {
		t.Errorf("contacts import with a rejected row: exit %d, want 1", code)
	}
	for _, want := range []string{
		"5 rows: imported 2, suppressed by opt-out 1, duplicate 1, rejected 1",
		sample + ":5: rejected: phone:",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("contacts import printed %q, want it to contain %q", stdout, want)
		}
	}
	bad := writeFile(t, "bad.csv", "id,phone\nx,4155550102\ny,4155550103,extra\n")
	code, stdout, stderr := canvass(t, "--db", db, "contacts", "import", "--survey", "s1", "--source", "client", bad)
	if code != 1 || !strings.Contains(stderr, bad+":3: wrong number of fields: the row has 3, the header has 2; nothing was imported") || stdout != "" {
		t.Errorf("malformed file: exit %d, stdout %q, stderr %q; want exit 1 naming line 3", code, stdout, stderr)
	}
	code, stdout, _ = canvass(t, "--db", db, "contacts", "imports")
	if code != 0 || strings.Count(stdout, "\n") != 1 || !strings.Contains(stdout, "\ts1\tdone\t"+sample+"\timported 2,") {
		t.Errorf("contacts imports: exit %d, %q; want the one finished import", code, stdout)
	}
	id := strings.SplitN(stdout, "\t", 2)[0]
	if code, _, stderr := canvass(t, "--db", db, "contacts", "abandon", id); code != 1 || !strings.Contains(stderr, "not running") {
		t.Errorf("contacts abandon of a finished import: exit %d, %q; want exit 1, not running", code, stderr)
	}
	if code, _, _ := canvass(t, "--db", db, "contacts", "abandon", "first"); code != 2 {
		t.Errorf("contacts abandon first: exit %d, want 2 (usage)", code)
	}
	if code, stdout, _ := canvass(t, "--db", db, "doctor"); code != 0 {
		t.Errorf("doctor after the imports: exit %d, %s", code, stdout)
	}
}
