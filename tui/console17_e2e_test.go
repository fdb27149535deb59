package tui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConsoleIssue17EndToEnd drives the built binary in tmux through what
// issue 17 found in the console, as an interviewer meets it at 80×24.
func TestConsoleIssue17EndToEnd(t *testing.T) {
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
	signIn := func(tm *term, id string) {
		t.Helper()
		tm.waitFor("Sign in to start interviewing")
		tm.step(id, "Your name")
		tm.step("Ivy Ito", "Next contact — Northwind customer satisfaction 2026")
	}
	notShown := func(tm *term, what string, bad ...string) {
		t.Helper()
		s := tm.screen()
		for _, b := range bad {
			if strings.Contains(s, b) {
				t.Errorf("%s: the screen shows %q:\n%s", what, b, s)
			}
		}
	}

	// 17.1, 17.8, 17.3, 17.7 (F9), 17.4, then 17.9 in the review.
	t.Run("help, consent, going back, jumping, the opt-out closing, the transcript", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "demo.db")
		tm := startTermSize(t, "i17a", "exec "+shq(bin)+" --db "+shq(db)+" demo", 80, 24)
		signIn(tm, "ivy01")
		tm.keys("Down")
		// Every key on the help line, wrapped; outcome labels whole.
		tm.step("", "Outcome keys", "Answering machine, message left", "Disconnected / not in service", "F8 opt-out")
		notShown(tm, "call screen", "…")
		// Enter alone on consent records nothing; F4 asks first.
		tm.step("", "Did Ana Alvarez agree to take part?")
		tm.step("", "press y if Ana Alvarez agreed to take part, n if not")
		tm.keys("F4")
		tm.waitFor("Record that Ana Alvarez did not agree to take part?")
		tm.keys("n")
		tm.waitFor("Did Ana Alvarez agree to take part?", "nothing recorded")
		tm.keys("y")
		tm.waitFor("On a scale from 0 to 10", "F9 go to question", "F8 opt-out", "F1 all keys")
		// Don't know, then back to it: it says so.
		tm.keys("F3")
		tm.waitFor("Which of our services do you use at the moment?")
		tm.keys("Escape")
		tm.waitFor("On a scale from 0 to 10", "answered: don't know")
		tm.step("5", "What is the main reason you gave a score of 5?")
		tm.step("too slow", "Which of our services")
		// F9: the questions reached, and back to the first.
		tm.keys("F9")
		tm.waitFor("Go to a question reached so far", "What is the main reason you gave a score of 5?  too slow", "(here")
		tm.keys("Home")
		tm.step("", "went to question 1; the answers after it are kept")
		tm.step("", "What is the main reason you gave a score of 5?", "too slow")
		// The opt-out is closed with the opt-out closing.
		tm.keys("F8")
		tm.waitFor("does not want to be contacted again")
		tm.keys("y")
		tm.waitFor("Closing after the opt-out", "You will not be contacted again for any of", "opt-out recorded")
		notShown(tm, "opt-out closing", "Thank you very much for your time")
		tm.keys("Escape")
		tm.waitFor("Next contact — Northwind")
		tm.keys("C-c")
		tm.waitExit()

		sup := startTerm(t, "i17a-sup", "exec "+shq(bin)+" --db "+shq(db)+" review")
		sup.waitFor("Sign in to review interviews", "Supervisor id")
		sup.step("sue", "Your name")
		sup.step("Sue Lee", "> Ana Alvarez")
		sup.step("", "Interview with Ana Alvarez by ivy01", "2. What is the main reason you gave a score of 5?")
		notShown(sup, "transcript", "${")
		sup.keys("C-c")
		sup.waitExit()
	})

	// 17.2: the opt-out offered after a refusal.
	t.Run("the opt-out offer", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "demo.db")
		tm := startTermSize(t, "i17b", "exec "+shq(bin)+" --db "+shq(db)+" demo", 80, 24)
		signIn(tm, "ivy02")
		tm.keys("Down")
		tm.step("", "Outcome keys", "Ana Alvarez")
		tm.keys("s")
		tm.waitFor("Soft refusal: note (needed)")
		tm.step("busy today", "Offer the opt-out", "esc back to the outcomes")
		notShown(tm, "the offer", "F5 note", "F7 suspend", "F3 don't know")
		tm.keys("F5")
		tm.keys("F7")
		tm.waitFor("Offer the opt-out")
		tm.keys("Escape")
		tm.waitFor("Outcome keys", "nothing recorded: press the outcome key again")
		tm.keys("n")
		tm.waitFor("recorded: No answer")
		tm.keys("C-c")
		tm.waitExit()
	})

	// 17.5 and 17.7 on a store that keeps calling hours: an email-only
	// contact is never presented, an appointment outside the hours is
	// warned about, one past 2262 refused, and the empty queue says when
	// the next contact comes up.
	t.Run("calling hours, an email-only contact, the next one due", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "hours.db")
		// A zone where it is about noon now, inside every calling window.
		off := (12 - time.Now().UTC().Hour() + 24) % 24
		if off > 12 {
			off -= 24
		}
		zone := "Etc/UTC"
		switch {
		case off > 0:
			zone = fmt.Sprintf("Etc/GMT-%d", off)
		case off < 0:
			zone = fmt.Sprintf("Etc/GMT+%d", -off)
		}
		sample := filepath.Join(dir, "sample.csv")
		csv := "id,phone,email,name,timezone\n" +
			"E1,,una.mail@example.com,Una Mail," + zone + "\n" +
			"P1,+1 206 555 0199,,Pat Lane," + zone + "\n"
		if err := os.WriteFile(sample, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"survey", "add", filepath.Join("..", "surveys", "demo", "csat.yaml")},
			{"contacts", "import", "--survey", "northwind-csat", "--source", "client", sample},
		} {
			if out, err := exec.Command(bin, append([]string{"--db", db}, args...)...).CombinedOutput(); err != nil {
				t.Fatalf("canvass %v: %v\n%s", args, err, out)
			}
		}
		tm := startTermSize(t, "i17c", "exec "+shq(bin)+" --db "+shq(db), 80, 24)
		signIn(tm, "ivy03")
		tm.step("", "Outcome keys", "Pat Lane")
		notShown(tm, "the first contact", "Una Mail")
		tm.keys("t")
		tm.waitFor("Appointment: when should we call Pat Lane back?")
		tm.typeText("+300000d")
		tm.keys("Enter")
		tm.waitFor("2262")
		tm.keys("C-u")
		tm.typeText("22:30")
		tm.waitFor("outside the hours Pat Lane may be called", "it comes up")
		tm.keys("Enter")
		tm.waitFor("press enter again to keep it")
		tm.step("", "recorded: Appointment")
		tm.step("", "no contact is due now in Northwind customer satisfaction 2026; next at")
		notShown(tm, "the empty queue", "Una Mail")
		tm.keys("C-c")
		tm.waitExit()
	})
}
