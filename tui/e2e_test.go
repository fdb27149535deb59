package tui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"
)

// The end-to-end tests drive the real binary in tmux exactly as an
// interviewer would: keys in with send-keys, the screen read back with
// capture-pane. They need tmux (CI installs it) and the go command.

// term is one console running in a private tmux server.
type term struct {
	t      testing.TB
	socket string
}

// startTerm runs command in a detached 100×30 tmux session on a private
// socket, removed when the test ends.
func startTerm(t testing.TB, name, command string) *term {
	t.Helper()
	return startTermSize(t, name, command, 100, 30)
}

// startTermSize is startTerm in a window of w×h.
func startTermSize(t testing.TB, name, command string, w, h int) *term {
	t.Helper()
	tm := &term{t: t, socket: fmt.Sprintf("canvass-e2e-%d-%s", os.Getpid(), name)}
	tm.tmux("new-session", "-d", "-s", "main", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), command)
	socket := strings.TrimSpace(tm.tmux("display-message", "-p", "#{socket_path}"))
	t.Cleanup(func() {
		_ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run()
		if strings.HasSuffix(socket, tm.socket) {
			_ = os.Remove(socket)
		}
	})
	return tm
}

func (tm *term) tmux(args ...string) string {
	tm.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", tm.socket}, args...)...)
	if t := os.Getenv("TERM"); t == "" || t == "dumb" {
		// CI runs without a terminal; tmux wants to know what the client is.
		cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the terminal shows now.
func (tm *term) screen() string {
	out, err := exec.Command("tmux", "-L", tm.socket, "capture-pane", "-p", "-t", "main").CombinedOutput()
	if err != nil {
		return ""
	}
	return string(out)
}

// waitFor polls the screen until it shows every one of want.
func (tm *term) waitFor(want ...string) {
	tm.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := tm.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the screen never showed %q; it shows:\n%s", want, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// keys sends tmux key names (Enter, Escape, F3, Space, C-c).
func (tm *term) keys(names ...string) {
	tm.t.Helper()
	tm.tmux(append([]string{"send-keys", "-t", "main"}, names...)...)
}

// typeText types text literally.
func (tm *term) typeText(s string) {
	tm.t.Helper()
	tm.tmux("send-keys", "-t", "main", "-l", s)
}

// step types text, presses Enter and waits for the next screen.
func (tm *term) step(text string, next ...string) {
	tm.t.Helper()
	if text != "" {
		tm.typeText(text)
	}
	tm.keys("Enter")
	tm.waitFor(next...)
}

// pid is the process running in the pane.
func (tm *term) pid() int {
	tm.t.Helper()
	p, err := strconv.Atoi(strings.TrimSpace(tm.tmux("display-message", "-p", "-t", "main", "#{pane_pid}")))
	if err != nil {
		tm.t.Fatalf("pane pid: %v", err)
	}
	return p
}

// waitExit waits for the session to end with its process.
func (tm *term) waitExit() {
	tm.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for exec.Command("tmux", "-L", tm.socket, "has-session", "-t", "main").Run() == nil {
		if time.Now().After(deadline) {
			tm.t.Fatalf("the console did not exit; it shows:\n%s", tm.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shq quotes s for the shell tmux runs commands with.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// buildBinary builds canvass into dir.
func buildBinary(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "canvass")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// current is an interview's latest answers by item name (first instance).
func current(t *testing.T, path, survey string) (store.InterviewRecord, map[string]model.AnswerEvent) {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("open the store after the console exited: %v", err)
	}
	defer st.Close()
	ivs, err := st.Interviews(survey)
	if err != nil || len(ivs) != 1 {
		t.Fatalf("Interviews(%s) = %+v, %v; want one", survey, ivs, err)
	}
	rv, err := st.Interview(ivs[0].ID)
	if err != nil {
		t.Fatalf("Interview(%s): %v", ivs[0].ID, err)
	}
	out := map[string]model.AnswerEvent{}
	for _, a := range rv.Current {
		if _, ok := out[a.Item]; !ok {
			out[a.Item] = a
		}
	}
	return rv.Interview, out
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests build and run the binary")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	bin := buildBinary(t, t.TempDir())

	t.Run("complete the demo interview", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "demo.db")
		tm := startTerm(t, "complete", "exec "+shq(bin)+" --db "+shq(db)+" demo")
		tm.waitFor("Sign in to start interviewing")
		tm.step("ana01", "Your name")
		tm.step("Ana Pereira", "Next contact — Northwind customer satisfaction 2026")
		tm.keys("Down")
		tm.step("", "Outcome keys", "Ana Alvarez", "America/New_York", "Hello, may I speak with Ana Alvarez?")
		tm.step("", "Did Ana Alvarez agree to take part?")
		tm.keys("y")
		tm.waitFor("On a scale from 0 to 10")
		tm.step("11", "The score is a whole number from 0 to 10.") // hard check
		tm.keys("BSpace", "BSpace")
		// 8 skips the follow-up question asked of scores up to 6.
		tm.step("8", "Which of our services do you use at the moment?")
		tm.keys("F6")
		tm.waitFor("¿Qué servicios nuestros usa actualmente?")
		tm.keys("Space")
		tm.step("", "Velocidad de la conexión")
		tm.step("4", "Fiabilidad")
		tm.step("5", "Relación calidad-precio")
		tm.step("3", "Atención al cliente")
		tm.step("4", "se ha puesto en contacto con atención al cliente")
		tm.step("1", "¿Cómo contactó con atención al cliente")
		tm.step("1", "¿En qué fecha fue")
		old := time.Now().AddDate(0, -9, 0).Format("2006-01-02")
		tm.step(old, "Hace más de seis meses") // soft check
		tm.step("confirmado", "¿Se resolvió su problema?")
		// Back to it and on again unchanged: the reason given is shown and
		// kept (issue 17.3).
		tm.keys("Escape")
		tm.waitFor("¿En qué fecha fue")
		tm.step("", "Hace más de seis meses", "Kept before because: confirmado")
		tm.step("", "¿Se resolvió su problema?")
		tm.step("1", "¿Hay algo más que quiera decirle")
		tm.keys("F3") // don't know
		tm.waitFor("¿Nos autoriza")
		tm.step("1", "Esa era mi última pregunta", "interview complete and saved")
		tm.keys("Escape")
		tm.waitFor("1 completed (1 by you)")
		tm.keys("C-c")
		tm.waitExit()

		rec, got := current(t, db, "northwind-csat")
		if rec.Status != store.InterviewCompleted || rec.Interviewer != "ana01" || !rec.Consent.Agreed {
			t.Errorf("interview = %+v, want completed by ana01 with consent", rec)
		}
		want := map[string]struct {
			value, override string
			special         model.Special
			lang            string
		}{
			"nps":              {value: "8", lang: "en"},
			"services":         {value: "internet", lang: "es"},
			"rate_speed":       {value: "4", lang: "es"},
			"rate_reliability": {value: "5", lang: "es"},
			"rate_price":       {value: "3", lang: "es"},
			"rate_support":     {value: "4", lang: "es"},
			"support_contact":  {value: "yes", lang: "es"},
			"support_channel":  {value: "phone", lang: "es"},
			"support_date":     {value: old, override: "confirmado", lang: "es"},
			"support_resolved": {value: "yes", lang: "es"},
			"comment":          {special: model.DontKnow, lang: "es"},
			"recontact":        {value: "yes", lang: "es"},
		}
		for item, w := range want {
			a, ok := got[item]
			if !ok {
				t.Errorf("no answer to %s in the store", item)
				continue
			}
			if a.Value != w.value || a.Override != w.override || a.Special != w.special || a.Lang != w.lang {
				t.Errorf("%s = %q override %q special %q lang %s, want %q %q %q %s", item,
					a.Value, a.Override, a.Special, a.Lang, w.value, w.override, w.special, w.lang)
			}
		}
		if a, ok := got["nps_reason"]; ok {
			t.Errorf("nps_reason = %+v, want it skipped for a score of 8", a)
		}
	})

	t.Run("resume after SIGKILL", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "demo.db")
		tm := startTerm(t, "kill", "exec "+shq(bin)+" --db "+shq(db)+" demo")
		tm.waitFor("Sign in to start interviewing")
		tm.step("bo02", "Your name")
		tm.step("Bo Lind", "Next contact — Northwind customer satisfaction 2026")
		tm.keys("Down")
		tm.step("", "Outcome keys")
		tm.step("", "agree to take part?")
		tm.keys("y")
		tm.waitFor("On a scale from 0 to 10")
		tm.step("5", "What is the main reason you gave a score of 5?")
		tm.step("too slow", "Which of our services")
		tm.keys("Space", "Down", "Down", "Down", "Space")
		tm.step("", "Speed of the connection")
		// The answers are on disk before the next question shows: kill it.
		if err := syscall.Kill(tm.pid(), syscall.SIGKILL); err != nil {
			t.Fatalf("kill: %v", err)
		}
		tm.waitExit()

		tm2 := startTerm(t, "resume", "exec "+shq(bin)+" --db "+shq(db))
		tm2.waitFor("Sign in to start interviewing", "bo02", "Bo Lind") // remembered
		tm2.step("", "Resume Ana Alvarez")
		// The call screen first (issue 17.7): the intro, the right person.
		tm2.step("", "Outcome keys", "Hello, may I speak with Ana Alvarez?", "An interview was begun")
		tm2.step("", "Speed of the connection", "resumed where the interview stopped")
		tm2.keys("Escape")
		tm2.waitFor("Which of our services", "[x] Home internet", "[x] Mobile")
		tm2.keys("Escape")
		tm2.waitFor("What is the main reason", "too slow")
		tm2.keys("Escape")
		tm2.waitFor("On a scale from 0 to 10", "› 5")
		tm2.keys("C-c")
		tm2.waitFor("Quit canvass?")
		tm2.keys("y")
		tm2.waitExit()

		rec, got := current(t, db, "northwind-csat")
		if rec.Status != store.InterviewSuspended {
			t.Errorf("status after quitting = %s, want suspended", rec.Status)
		}
		for item, value := range map[string]string{"nps": "5", "nps_reason": "too slow", "services": "internet mobile"} {
			if got[item].Value != value {
				t.Errorf("%s = %q, want %q", item, got[item].Value, value)
			}
		}
	})

	// Issue 11, item 7: consent given and then the process killed before
	// any answer is an interview to resume, from its first question.
	t.Run("resume after SIGKILL before the first answer", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "demo.db")
		tm := startTerm(t, "kill0", "exec "+shq(bin)+" --db "+shq(db)+" demo")
		tm.waitFor("Sign in to start interviewing")
		tm.step("bo02", "Your name")
		tm.step("Bo Lind", "Next contact — Northwind customer satisfaction 2026")
		tm.keys("Down")
		tm.step("", "Outcome keys")
		tm.step("", "agree to take part?")
		tm.keys("y")
		tm.waitFor("On a scale from 0 to 10")
		if err := syscall.Kill(tm.pid(), syscall.SIGKILL); err != nil {
			t.Fatalf("kill: %v", err)
		}
		tm.waitExit()

		tm2 := startTerm(t, "resume0", "exec "+shq(bin)+" --db "+shq(db))
		tm2.waitFor("Sign in to start interviewing", "bo02")
		tm2.step("", "Resume Ana Alvarez")
		tm2.step("", "Outcome keys", "An interview was begun")
		tm2.step("", "On a scale from 0 to 10", "no answer was saved yet")
		tm2.step("9", "Which of our services")
		tm2.keys("C-c")
		tm2.waitFor("Quit canvass?")
		tm2.keys("y")
		tm2.waitExit()
		rec, got := current(t, db, "northwind-csat")
		if rec.Status != store.InterviewSuspended || got["nps"].Value != "9" {
			t.Errorf("after resuming: status %s, nps %q; want suspended with nps 9", rec.Status, got["nps"].Value)
		}
	})

	// Issue 11, item 1: an opt-out ends every open interview of the
	// person; nothing offers to resume it.
	t.Run("an opted-out person is never offered again", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "demo.db")
		tm := startTerm(t, "optout", "exec "+shq(bin)+" --db "+shq(db)+" demo")
		tm.waitFor("Sign in to start interviewing")
		tm.step("ed05", "Your name")
		tm.step("Ed Ross", "Next contact — Northwind customer satisfaction 2026")
		tm.keys("Down")
		tm.step("", "Outcome keys", "Ana Alvarez")
		tm.step("", "agree to take part?")
		tm.keys("y")
		tm.waitFor("On a scale from 0 to 10")
		tm.step("5", "What is the main reason")
		tm.keys("F8")
		tm.waitFor("does not want to be contacted again")
		tm.keys("y")
		tm.waitFor("opt-out recorded")
		tm.keys("Escape")
		tm.waitFor("Next contact — Northwind")
		if s := tm.screen(); strings.Contains(s, "Resume Ana") {
			t.Errorf("home offers to resume the interview of a person who opted out:\n%s", s)
		}
		// The next person's interview is suspended, then their number is
		// put on the list from the command line.
		tm.keys("Down")
		tm.step("", "Outcome keys", "Ben Harper")
		tm.step("", "agree to take part?")
		tm.keys("y")
		tm.waitFor("On a scale from 0 to 10")
		tm.step("8", "Which of our services")
		tm.keys("C-c")
		tm.waitFor("Quit canvass?")
		tm.keys("y")
		tm.waitExit()
		phone := func() string {
			st, err := store.Open(db, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			c, _, err := st.Contact("northwind-csat", "NW1002")
			if err != nil {
				t.Fatal(err)
			}
			return c.Phones[0]
		}()
		if out, err := exec.Command(bin, "--db", db, "optout", "add", phone, "--reason", "letter").CombinedOutput(); err != nil {
			t.Fatalf("optout add %s: %v\n%s", phone, err, out)
		}
		tm2 := startTerm(t, "optout2", "exec "+shq(bin)+" --db "+shq(db))
		tm2.waitFor("Sign in to start interviewing", "ed05")
		tm2.step("", "Next contact — Northwind")
		if s := tm2.screen(); strings.Contains(s, "Resume") {
			t.Errorf("home offers to resume after the number was put on the list:\n%s", s)
		}
		tm2.keys("C-c")
		tm2.waitExit()
		st, err := store.Open(db, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ivs, err := st.Interviews("northwind-csat")
		if err != nil || len(ivs) != 2 {
			t.Fatalf("Interviews = %+v, %v; want two", ivs, err)
		}
		for _, r := range ivs {
			if r.Status != store.InterviewBrokenOff {
				t.Errorf("interview of %s is %s, want %s", r.Contact, r.Status, store.InterviewBrokenOff)
			}
		}
	})

	t.Run("a store in use, and a hang-up", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "demo.db")
		exit1, exit2 := filepath.Join(dir, "exit1"), filepath.Join(dir, "exit2")
		// The shell around canvass records how it ended.
		tm := startTerm(t, "hold", shq(bin)+" --db "+shq(db)+" demo; echo exit=$? >"+shq(exit1))
		tm.waitFor("Sign in to start interviewing")
		tm.step("di04", "Your name")
		tm.step("Di Okafor", "Next contact — Northwind customer satisfaction 2026")

		// A second console on the same store says why it cannot run.
		tm2 := startTerm(t, "second", shq(bin)+" --db "+shq(db)+" 2>"+shq(exit2)+"; echo exit=$? >>"+shq(exit2))
		tm2.waitExit()
		out, err := os.ReadFile(exit2)
		if err != nil {
			t.Fatal(err)
		}
		if s := string(out); !strings.Contains(s, "canvass: the store "+db+" is in use by another canvass") || !strings.HasSuffix(s, "exit=1\n") {
			t.Errorf("a second console on the store printed %q, want the store in use and exit=1", s)
		}

		// The terminal goes away (an SSH connection drops): the console
		// ends as ^C ends it, and closes the store, rather than dying.
		children, err := exec.Command("pgrep", "-P", strconv.Itoa(tm.pid())).Output()
		if err != nil {
			t.Fatalf("find canvass under the shell: %v", err)
		}
		pid, err := strconv.Atoi(strings.Fields(string(children))[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
			t.Fatalf("hang up: %v", err)
		}
		tm.waitExit()
		if out, err := os.ReadFile(exit1); err != nil || string(out) != "exit=0\n" {
			t.Errorf("after a hang-up the console ended with %q, %v; want exit=0 (129 is killed by SIGHUP)", out, err)
		}
	})

	t.Run("call outcomes, a note and an appointment", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "demo.db")
		tm := startTerm(t, "calls", "exec "+shq(bin)+" --db "+shq(db)+" demo")
		tm.waitFor("Sign in to start interviewing")
		tm.step("cy03", "Your name")
		tm.step("Cy Ng", "Next contact — Northwind customer satisfaction 2026")
		tm.keys("Down")
		tm.step("", "Outcome keys", "Ana Alvarez")
		tm.keys("s") // soft refusal: needs a note
		tm.waitFor("Soft refusal: note (needed)")
		tm.step("call after six", "Offer the opt-out")
		tm.keys("n")
		tm.waitFor("opt-out not recorded", "> Next contact — Northwind")
		tm.step("", "Outcome keys", "Ben Harper")
		tm.keys("t")
		tm.waitFor("Appointment: when should we call Ben Harper back?")
		tm.step("+2h", "recorded: Appointment", "Appointments in the next 24 hours", "Ben Harper (NW1002)")
		tm.keys("C-c")
		tm.waitExit()

		st, err := store.Open(db, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		_, ana, err := st.Contact("northwind-csat", "NW1001")
		if err != nil || len(ana.Calls) != 1 || ana.Calls[0].Outcome != "soft_refusal" || ana.Calls[0].Interviewer != "cy03" {
			t.Fatalf("Ana's calls = %+v, %v; want one soft refusal by cy03", ana, err)
		}
		notes, err := st.CallNotes("northwind-csat", "NW1001")
		if err != nil || notes[ana.Calls[0].At] != "call after six" {
			t.Errorf("Ana's call notes = %v, %v; want the note", notes, err)
		}
		_, ben, err := st.Contact("northwind-csat", "NW1002")
		if err != nil || ben.Appointment.IsZero() || ben.AppointmentBy != "cy03" {
			t.Errorf("Ben's state = %+v, %v; want an appointment by cy03", ben, err)
		}
		if d := time.Until(ben.Appointment); d < 100*time.Minute || d > 2*time.Hour {
			t.Errorf("Ben's appointment is in %v, want about two hours", d)
		}
	})
}
