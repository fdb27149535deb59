package main

import (
	"bytes"
	"canvass/store"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The command line as a user meets it: these tests build the canvass
// binary once and run it on stores in temporary directories, so that what
// they see is what a shell sees (exit codes, stderr, files left behind,
// crashes the Go runtime would print).

// bin is the canvass binary TestMain built.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "canvass-main-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Stores made by canvass are encrypted; their key files go under
	// the config directory, which a test run must not fill on the
	// developer's machine.
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	os.Unsetenv("CANVASS_DB")
	os.Unsetenv("CANVASS_KEY")
	os.Unsetenv("CANVASS_PASSPHRASE")
	flag.Parse()
	if !testing.Short() {
		bin = filepath.Join(dir, "canvass")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// canvass runs the binary with args and returns its exit code, stdout and
// stderr.
func canvass(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	if bin == "" {
		t.Skip("builds and runs the binary (not with -short)")
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String(), errb.String()
	case err != nil:
		t.Fatalf("run canvass %v: %v", args, err)
	}
	return 0, out.String(), errb.String()
}

// mustRun runs the binary and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := canvass(t, args...)
	if code != 0 {
		t.Fatalf("canvass %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// oneSentence checks that a failure was said on one line of stderr naming
// what it must name, without a Go crash.
func oneSentence(t *testing.T, what, stderr string, names ...string) {
	t.Helper()
	if strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 || stderr == "" {
		t.Errorf("%s: stderr = %q, want one line", what, stderr)
	}
	for _, bad := range []string{"goroutine", "panic", "SIGBUS", "fatal error"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("%s: stderr holds %q (a crash): %s", what, bad, stderr)
		}
	}
	for _, n := range names {
		if !strings.Contains(stderr, n) {
			t.Errorf("%s: stderr = %q, want it to name %q", what, stderr, n)
		}
	}
}

// surveyFile is a small questionnaire with id id.
func surveyFile(t *testing.T, id string) string {
	t.Helper()
	return writeTemp(t, id+".yaml", "id: "+id+"\nversion: \"1\"\ntitle: Survey "+id+"\nitems:\n  - name: age\n    type: integer\n    label: How old are you?\n")
}

// TestTruncatedStoreIsRefused (issue 11.9): a store file cut short (a
// full disk, a copy interrupted) is refused with one sentence and exit 1;
// bbolt would map it and die of SIGBUS reading past its end.
func TestTruncatedStoreIsRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	var dnc strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&dnc, "415,%07d\n", 2000000+i)
	}
	mustRun(t, "--db", db, "optout", "import", writeTemp(t, "dnc.txt", dnc.String()))
	// Cut the file inside the pages in use, not only the room bbolt
	// grows it by.
	bdb, err := bolt.Open(db, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var used int64
	bdb.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
	bdb.Close()
	if err := os.Truncate(db, used/2); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"doctor"}, {"optout", "check", "4155550100"}, {"optout", "add", "4155550100"}} {
		code, _, stderr := canvass(t, append([]string{"--db", db}, args...)...)
		if code != 1 && !(args[0] == "optout" && args[1] == "check" && code == 2) {
			t.Errorf("canvass %v on a truncated store: exit %d, want 1 (2 for check)", args, code)
		}
		oneSentence(t, fmt.Sprint(args), stderr, db, "cut short")
	}
}

// TestFailedOpenLeavesNoStore (issue 17.14): when making a store fails
// (here its key file cannot be written), the empty store file that Open
// made is removed, so that the next command does not take it for a store.
func TestFailedOpenLeavesNoStore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "new.db")
	notDir := writeTemp(t, "file", "x")
	code, _, stderr := canvass(t, "--db", db, "--key", filepath.Join(notDir, "k.key"), "optout", "add", "4155550100")
	if code != 1 {
		t.Errorf("optout add with an unwritable key path: exit %d, want 1 (%s)", code, stderr)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after the failed open, %s: %v; want it not to exist", db, err)
	}
}

// TestStoreModeTightened (issue 17.14): a store file others may read
// (copied with a umask of 022) is made private when canvass opens it, and
// canvass says so.
func TestStoreModeTightened(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	mustRun(t, "--db", db, "optout", "add", "4155550100")
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := canvass(t, "--db", db, "optout", "check", "4155550100")
	if code != 0 {
		t.Fatalf("optout check: exit %d, %s", code, stderr)
	}
	fi, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of the store after canvass opened it = %04o, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(stderr, "0644") || !strings.Contains(stderr, "0600") {
		t.Errorf("stderr = %q, want a note that the mode went from 0644 to 0600", stderr)
	}
}

// TestMistypedStoreOrSurvey (issue 11.6): a reading command on a path
// with no store says so and exits non-zero, and leaves no store there; a
// command given a survey the store does not know says so, in one wording,
// and exits 1.
func TestMistypedStoreOrSurvey(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	sample := writeTemp(t, "sample.csv", "id,phone\na,4155550100\n")
	out := filepath.Join(dir, "out.csv")
	for _, args := range [][]string{
		{"optout", "check", "4155550100"},
		{"optout", "list"},
		{"optout", "remove", "4155550100", "--reason", "typo"},
		{"queue", "--survey", "s1"},
		{"queue", "--survey", "s1", "--format", "csv"},
		{"report", "--survey", "s1"},
		{"dashboard", "--survey", "s1"},
		{"export", "--survey", "s1", "--format", "csv", "--out", out},
		{"doctor"},
		{"review"},
		{"survey", "list"},
		{"contacts", "import", "--survey", "s1", "--source", "client", sample},
		{"contacts", "imports"},
		{"contacts", "abandon", "1"},
		{"compact"},
		{"devices"},
		{"assign", "--survey", "s1", "--to", "laptop-1", "--count", "1"},
		{"unassign", "--survey", "s1", "--from", "laptop-1", "--count", "1"},
		{"bundle", "out", "--to", "hub", "--out", out},
		{"bundle", "in", sample},
		{"users", "list"},
		{"users", "disable", "ana01"},
		{"serve", "--listen", "127.0.0.1:0"},
	} {
		code, stdout, stderr := canvass(t, append([]string{"--db", missing}, args...)...)
		want := 1
		if len(args) > 1 && args[1] == "check" {
			want = 2 // check: 0 on the list, 1 not, 2 on error
		}
		if code != want {
			t.Errorf("canvass %v on a missing store: exit %d, want %d (stdout %q)", args, code, want, stdout)
		}
		if stdout != "" {
			t.Errorf("canvass %v on a missing store printed %q, want nothing on standard output", args, stdout)
		}
		oneSentence(t, fmt.Sprint(args), stderr, "no store at "+missing)
		if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("canvass %v on a missing store made %s (%v)", args, missing, err)
		}
	}

	db := filepath.Join(dir, "c.db")
	mustRun(t, "--db", db, "survey", "add", surveyFile(t, "s1"))
	mustRun(t, "--db", db, "survey", "add", surveyFile(t, "s2"))
	for _, args := range [][]string{
		{"contacts", "import", "--survey", "TYPO", "--source", "client", sample},
		{"queue", "--survey", "TYPO"},
		{"report", "--survey", "TYPO"},
		{"dashboard", "--survey", "TYPO"},
		{"export", "--survey", "TYPO", "--format", "csv", "--out", out},
		{"review", "--survey", "TYPO"},
	} {
		code, _, stderr := canvass(t, append([]string{"--db", db}, args...)...)
		if code != 1 {
			t.Errorf("canvass %v: exit %d, want 1", args, code)
		}
		if want := "canvass: no survey TYPO in " + db + "; installed: s1, s2\n"; stderr != want {
			t.Errorf("canvass %v: stderr = %q, want %q", args, stderr, want)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("export of an unknown survey wrote %s", out)
	}
	// The known survey still works.
	mustRun(t, "--db", db, "contacts", "import", "--survey", "s1", "--source", "client", sample)
	if got := mustRun(t, "--db", db, "queue", "--survey", "s1", "--at", "2030-12-02T20:00:00Z"); !strings.HasPrefix(got, "a ") {
		t.Errorf("queue --survey s1 = %q, want contact a", got)
	}
}

// TestCryptRecordRemovedRefused (issue 11.3): an encrypted store whose
// meta "crypt" record was deleted is refused by every command, in one
// sentence naming the file, rather than opened as a plain store.
func TestCryptRecordRemovedRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	sample := writeTemp(t, "sample.csv", "id,phone,name\na,4155550100,Ana\n")
	mustRun(t, "--db", db, "survey", "add", surveyFile(t, "s1"))
	mustRun(t, "--db", db, "contacts", "import", "--survey", "s1", "--source", "client", sample)
	mustRun(t, "--db", db, "optout", "add", "4155550199")
	bdb, err := bolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Delete([]byte("crypt")) }); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	for _, args := range [][]string{
		{"optout", "check", "4155550199"},
		{"contacts", "import", "--survey", "s1", "--source", "client", writeTemp(t, "more.csv", "id,phone,name\nz,4155550150,Zebedee\n")},
		{"optout", "add", "4155550198"},
		{"doctor"},
	} {
		code, _, stderr := canvass(t, append([]string{"--db", db}, args...)...)
		want := 1
		if len(args) > 1 && args[1] == "check" {
			want = 2
		}
		if code != want {
			t.Errorf("canvass %v without the crypt record: exit %d, want %d", args, code, want)
		}
		oneSentence(t, fmt.Sprint(args), stderr, db, "encryption record")
	}
	if raw, _ := os.ReadFile(db); bytes.Contains(raw, []byte("Zebedee")) {
		t.Errorf("the store holds a name in clear after its crypt record was deleted")
	}
}

// TestOptOutListCutBack (issue 11.2): the last opt-out cut off the log and
// the list, with the head set back to the event before, is refused by the
// commands that would answer from the list, and doctor reports it.
func TestOptOutListCutBack(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	mustRun(t, "--db", db, "optout", "import", writeTemp(t, "dnc.txt", "212,5550100\n212,5550101\n"))
	mustRun(t, "--db", db, "optout", "add", "4155550188")
	mustRun(t, "--db", db, "optout", "check", "4155550188")
	bdb, err := bolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		meta, events, optout := tx.Bucket([]byte("meta")), tx.Bucket([]byte("events")), tx.Bucket([]byte("optout"))
		k, _ := events.Cursor().Last()
		last := binary.BigEndian.Uint64(k)
		if err := events.Delete(k); err != nil {
			return err
		}
		k, v := events.Cursor().Last()
		var prev struct {
			Hash string `json:"hash"`
		}
		if err := json.Unmarshal(v, &prev); err != nil {
			return err
		}
		h, _ := hex.DecodeString(prev.Hash)
		if err := meta.Put([]byte("head"), append(bytes.Clone(k), h...)); err != nil {
			return err
		}
		c := optout.Cursor()
		for ok, ov := c.First(); ok != nil; ok, ov = c.Next() {
			if binary.BigEndian.Uint64(ov) == last {
				return c.Delete()
			}
		}
		return errors.New("no opt-out entry of the last event")
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := canvass(t, "--db", db, "optout", "check", "4155550188")
	if code != 2 {
		t.Errorf("optout check after the cut: exit %d (%s), want 2", code, stdout)
	}
	oneSentence(t, "optout check", stderr, db, "does not verify")
	code, stdout, _ = canvass(t, "--db", db, "doctor")
	if code != 1 || !strings.Contains(stdout, "problem: event log: meta head (event") {
		t.Errorf("doctor after the cut: exit %d, %q; want exit 1 and the head problem", code, stdout)
	}
}

// TestEquivalentEmailsOptedOut (issue 11.4): an email opted out in one
// Unicode spelling (decomposed, or with its domain as an IDNA A-label) is
// on the list in every other, and a sample row in another spelling is
// suppressed.
func TestEquivalentEmailsOptedOut(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	mustRun(t, "--db", db, "survey", "add", surveyFile(t, "s1"))
	mustRun(t, "--db", db, "optout", "add", "JOSE\u0301@B\u00dcCHER.DE")
	for _, v := range []string{"jos\u00e9@b\u00fccher.de", "jose\u0301@xn--bcher-kva.de", "JOS\u00c9@XN--BCHER-KVA.DE"} {
		if code, stdout, stderr := canvass(t, "--db", db, "optout", "check", v); code != 0 {
			t.Errorf("optout check %q: exit %d (%s%s), want 0: on the list", v, code, stdout, stderr)
		}
	}
	sample := writeTemp(t, "sample.csv", "id,email\na,jos\u00e9@xn--bcher-kva.de\nb,ana@example.com\n")
	out := mustRun(t, "--db", db, "contacts", "import", "--survey", "s1", "--source", "client", sample)
	if !strings.Contains(out, "2 rows: imported 1, suppressed by opt-out 1") {
		t.Errorf("contacts import = %q, want the row in another spelling suppressed", out)
	}
}

// TestSuppressedIdNotQueued (issue 11.5): a row suppressed by the opt-out
// list keeps its id: a later row with the same id and another phone is
// the same person and is not queued; duplicates are listed by line.
func TestSuppressedIdNotQueued(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	mustRun(t, "--db", db, "survey", "add", surveyFile(t, "s1"))
	mustRun(t, "--db", db, "optout", "add", "4155550101")
	sample := writeTemp(t, "sample.csv", "id,phone\na,4155550101\na,4155550102\nb,4155550103\nc,4155550103\n")
	out := mustRun(t, "--db", db, "contacts", "import", "--survey", "s1", "--source", "client", sample)
	for _, want := range []string{
		"4 rows: imported 1, suppressed by opt-out 2, duplicate 1, rejected 0",
		sample + ":5: duplicate: same phone or email as line 4\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("contacts import printed %q, want %q", out, want)
		}
	}
	if got := mustRun(t, "--db", db, "queue", "--survey", "s1", "--at", "2030-12-02T20:00:00Z"); strings.Count(got, "\n") != 1 || !strings.HasPrefix(got, "b ") {
		t.Errorf("queue = %q, want b alone", got)
	}
}

// TestKilledImportLeavesNoTempFiles (issue 17.14): a contact import
// killed while it works leaves its temporary files beside the store;
// doctor lists them and the next import removes them.
func TestKilledImportLeavesNoTempFiles(t *testing.T) {
	if bin == "" {
		t.Skip("builds and runs the binary (not with -short)")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	mustRun(t, "--db", db, "survey", "add", surveyFile(t, "s1"))
	var csv strings.Builder
	csv.WriteString("id,phone,name\n")
	for i := range 300000 {
		fmt.Fprintf(&csv, "c%d,(415) %03d-%04d,Person %d\n", i, 200+i/10000%800, i%10000, i)
	}
	big := writeTemp(t, "big.csv", csv.String())
	temps := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, ".c.db.import-*"))
		old, _ := filepath.Glob(filepath.Join(dir, ".canvass-import-*")) // before they were named after the store
		return append(m, old...)
	}
	cmd := exec.Command(bin, "--db", db, "contacts", "import", "--survey", "s1", "--source", "client", big)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); len(temps()) < 2 && time.Since(start) < 20*time.Second; {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	left := temps()
	if len(left) == 0 {
		t.Fatal("the killed import left no temporary file to find (it finished first?)")
	}
	code, stdout, _ := canvass(t, "--db", db, "doctor")
	if code != 1 || strings.Count(stdout, "was left by an interrupted import") != len(left) {
		t.Errorf("doctor after the kill: exit %d, %q; want exit 1 listing the %d temporary files", code, stdout, len(left))
	}
	mustRun(t, "--db", db, "contacts", "import", "--survey", "s1", "--source", "client", writeTemp(t, "small.csv", "id,phone\nx,4155550100\n"))
	if left := temps(); len(left) != 0 {
		t.Errorf("temporary files after the next import: %v, want none", left)
	}
	mustRun(t, "--db", db, "doctor")
}

// TestNewStoreIsSmall (issue 17.10): a new store is as large as what it
// holds, not the 16 MiB bbolt added to it at the first commit because the
// map reserves a gibibyte.
func TestNewStoreIsSmall(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	mustRun(t, "--db", db, "survey", "add", surveyFile(t, "s1"))
	mustRun(t, "--db", db, "optout", "add", "4155550100")
	fi, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 1<<20 {
		t.Errorf("a new store with a survey and an opt-out is %d bytes, want under 1 MiB", fi.Size())
	}
}

// TestTimesCanvassCannotKeep (issue 17.5): a --at past the year 2262 or
// before 1678 would overflow the nanoseconds the queue counts in; it is
// refused with one sentence naming the value, not listed silently wrong.
func TestTimesCanvassCannotKeep(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	mustRun(t, "--db", db, "survey", "add", surveyFile(t, "s1"))
	for _, args := range [][]string{
		{"queue", "--survey", "s1", "--at", "2263-01-01T00:00:00Z"},
		{"queue", "--survey", "s1", "--at", "1600-06-01T00:00:00Z"},
		{"report", "--survey", "s1", "--at", "9999-12-31T23:59:59Z"},
	} {
		code, out, stderr := canvass(t, append([]string{"--db", db}, args...)...)
		if code == 0 || out != "" {
			t.Errorf("canvass %v: exit %d, stdout %q; want a refusal", args, code, out)
		}
		oneSentence(t, strings.Join(args, " "), stderr, args[len(args)-1], "outside the years 1678 to 2262")
	}
}

// TestEmailOnlyNotQueued (issue 17.7): a contact with an email and no
// phone number is imported (an opt-out by email still reaches it) but is
// never queued to be called.
func TestEmailOnlyNotQueued(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	mustRun(t, "--db", db, "survey", "add", surveyFile(t, "s1"))
	sample := writeTemp(t, "sample.csv", "id,phone,email\nm,,una@example.com\np,4155550103,\n")
	mustRun(t, "--db", db, "contacts", "import", "--survey", "s1", "--source", "client", sample)
	if got := mustRun(t, "--db", db, "queue", "--survey", "s1", "--at", "2030-12-02T20:00:00Z"); strings.Count(got, "\n") != 1 || !strings.HasPrefix(got, "p ") {
		t.Errorf("queue = %q, want p alone", got)
	}
}

// TestVersion (issue 17.10): --version says the module version, and the
// commit when the build recorded one.
func TestVersion(t *testing.T) {
	code, stdout, stderr := canvass(t, "--version")
	if code != 0 || !strings.HasPrefix(stdout, "canvass ") || strings.Count(stdout, "\n") != 1 || stderr != "" {
		t.Errorf("canvass --version: exit %d, %q, %q; want one line starting canvass", code, stdout, stderr)
	}
	// The wording for each kind of build: TestVersionOf in tui/cli.
}

// TestStoreFlagsOnlyWhereUsed (issue 17.10): commands that open no store
// do not offer --db and --key in their help, but accept them.
func TestStoreFlagsOnlyWhereUsed(t *testing.T) {
	for _, args := range [][]string{{"eval"}, {"rates"}, {"survey", "check"}, {"survey", "test"}} {
		_, stdout, _ := canvass(t, append(args, "--help")...)
		if strings.Contains(stdout, "--db") || strings.Contains(stdout, "--key") {
			t.Errorf("canvass %v --help offers the store flags:\n%s", args, stdout)
		}
	}
	for _, args := range [][]string{{"report"}, {"survey", "add"}, {"contacts", "import"}, {"devices", "add"}} {
		_, stdout, _ := canvass(t, append(args, "--help")...)
		if !strings.Contains(stdout, "--db") {
			t.Errorf("canvass %v --help does not offer --db:\n%s", args, stdout)
		}
	}
	if got := mustRun(t, "--db", "unused.db", "eval", "1 + 1"); got != "2\n" {
		t.Errorf("canvass --db x eval 1 + 1 = %q, want 2", got)
	}
}

// TestSingularCounts (issue 17.10): one of a thing is said as one.
func TestSingularCounts(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	mustRun(t, "--db", db, "survey", "add", surveyFile(t, "s1"))
	sample := writeTemp(t, "sample.csv", "id,phone\na,4155550100\n")
	if got := mustRun(t, "--db", db, "contacts", "import", "--survey", "s1", "--source", "client", sample); !strings.Contains(got, "1 row: imported 1,") {
		t.Errorf("contacts import of one row = %q, want 1 row", got)
	}
	list := writeTemp(t, "optouts.txt", "4155550199\n")
	if got := mustRun(t, "--db", db, "optout", "import", list); !strings.HasPrefix(got, "1 value read: 1 added") {
		t.Errorf("optout import of one value = %q, want 1 value", got)
	}
	if got := mustRun(t, "--db", db, "doctor"); !strings.Contains(got, "1 contact, 1 opt-out, 0 interviews, 0 answers: 0 problems") {
		t.Errorf("doctor = %q, want the counts in the singular where one", got)
	}
}

// TestReportZoneIsLocal (issue 17.10): report and dashboard count days in
// the same zone by default, this machine's, and the report names it.
func TestReportZoneIsLocal(t *testing.T) {
	t.Setenv("TZ", "America/New_York")
	r, err := store.ReportFlagOptions("report", "s1", "", "")
	if err != nil {
		t.Fatal(err)
	}
	d, err := store.ReportFlagOptions("dashboard", "s1", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Location.String() != "America/New_York" || d.Location.String() != "America/New_York" {
		t.Errorf("default zones: report %s, dashboard %s; want America/New_York for both", r.Location, d.Location)
	}
	if bin == "" {
		return
	}
	db := filepath.Join(t.TempDir(), "c.db")
	mustRun(t, "--db", db, "survey", "add", surveyFile(t, "s1"))
	cmd := exec.Command(bin, "--db", db, "report", "--survey", "s1")
	cmd.Env = append(os.Environ(), "TZ=Asia/Tokyo")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "Completes per day (Asia/Tokyo)") {
		t.Errorf("report with TZ=Asia/Tokyo: %v\n%s\nwant the days in Asia/Tokyo, named", err, out)
	}
}
