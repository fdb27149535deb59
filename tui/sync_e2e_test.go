package tui

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"canvass/store"

	"github.com/google/go-cmp/cmp"
)

// TestFieldLaptopEndToEnd drives the real binary through issue 14's round
// trip, as the supervisor and the field researcher would: the hub loads
// the demo study and registers a laptop, which registers the hub; the hub
// assigns a contact and bundles it out; on the laptop the researcher
// interviews the contact (in tmux) and bundles the work back; the
// supervisor rejects it with a comment on the score (`canvass review` in
// tmux) and bundles the decision out; the researcher sees the comment on
// the laptop's home and on the question, corrects the score, and bundles
// it back; the supervisor approves. Along the way a bundle replayed to the
// wrong store, an altered one and one that arrives before the bundle it
// follows are refused or held, each with its exit code.
func TestFieldLaptopEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests build and run the binary")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	hub, lap := filepath.Join(dir, "hub.db"), filepath.Join(dir, "laptop.db")
	file := func(name string) string { return filepath.Join(dir, name) }
	// run runs canvass on a store and returns its output, failing the
	// test unless it exits with code.
	run := func(code int, db string, args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"--db", db}, args...)...).CombinedOutput()
		got := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			got = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("canvass %s: %v", strings.Join(args, " "), err)
		}
		if got != code {
			t.Fatalf("canvass %s exited %d, want %d:\n%s", strings.Join(args, " "), got, code, out)
		}
		return string(out)
	}

	// The hub: the demo study, loaded by starting its console once.
	boot := startTerm(t, "hub0", "exec "+shq(bin)+" --db "+shq(hub)+" demo")
	boot.waitFor("Sign in to start interviewing")
	boot.keys("C-c")
	boot.waitExit()
	run(0, hub, "devices", "identity", "--out", file("hub.pub"))
	run(0, lap, "devices", "identity", "--out", file("laptop.pub"))
	run(0, hub, "devices", "add", "laptop-1", "--key", file("laptop.pub"))
	run(0, lap, "devices", "add", "hub", "--key", file("hub.pub"), "--hub")
	if out := run(0, hub, "assign", "--survey", "northwind-csat", "--to", "laptop-1", "--count", "1"); !strings.Contains(out, "1 assigned") {
		t.Fatalf("assign printed %q", out)
	}
	run(0, hub, "bundle", "out", "--to", "laptop-1", "--out", file("down1.bundle"), "--message", "Ana first, please")
	// The hub's bundle is not the hub's to apply.
	if out := run(1, hub, "bundle", "in", file("down1.bundle")); !strings.Contains(out, "made by this store") {
		t.Errorf("the hub applying its own bundle said %q", out)
	}
	out := run(0, lap, "bundle", "in", file("down1.bundle"))
	for _, want := range []string{"1 contact assigned", "message from hub", "Ana first, please"} {
		if !strings.Contains(out, want) {
			t.Errorf("bundle in on the laptop printed %q, want %q in it", out, want)
		}
	}

	// The field researcher interviews Ana Alvarez on the laptop.
	ivy := startTerm(t, "ivy1", "exec "+shq(bin)+" --db "+shq(lap))
	ivy.waitFor("Sign in to start interviewing")
	ivy.step("ivy", "Your name")
	ivy.step("Ivy Ito", "> Next contact — Northwind customer satisfaction 2026")
	ivy.step("", "Ana Alvarez", "Outcome keys")
	ivy.step("", "Did Ana Alvarez agree to take part?")
	ivy.keys("y")
	ivy.waitFor("On a scale from 0 to 10")
	ivy.step("8", "Which of our services do you use at the moment?")
	ivy.keys("Space")
	ivy.step("", "Speed of the connection")
	ivy.step("4", "Reliability")
	ivy.step("5", "Value for money")
	ivy.step("3", "Customer support")
	ivy.step("4", "have you contacted our customer support?")
	ivy.step("2", "Is there anything else you would like to tell")
	ivy.keys("F3")
	ivy.waitFor("contact you again")
	ivy.step("1", "That was my last question", "interview complete and saved")
	ivy.keys("Escape")
	ivy.waitFor("1 completed (1 by you)")
	ivy.keys("C-c")
	ivy.waitExit()
	if out := run(0, lap, "doctor"); !strings.Contains(out, "not yet handed back to hub") {
		t.Errorf("doctor on the laptop printed %q, want what it has not handed back", out)
	}
	run(0, lap, "bundle", "out", "--to", "hub", "--out", file("up1.bundle"))

	// Altered, or replayed to the store that made it: refused.
	data, err := os.ReadFile(file("up1.bundle"))
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x20
	if err := os.WriteFile(file("altered.bundle"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := run(1, hub, "bundle", "in", file("altered.bundle")); !strings.Contains(out, "was altered") {
		t.Errorf("an altered bundle: %q", out)
	}
	if out := run(1, lap, "bundle", "in", file("up1.bundle")); !strings.Contains(out, "made by this store") {
		t.Errorf("a bundle applied by the store that made it: %q", out)
	}
	if out := run(0, hub, "bundle", "in", file("up1.bundle")); !strings.Contains(out, "1 interview,") {
		t.Errorf("bundle in on the hub printed %q", out)
	}
	run(0, hub, "doctor")

	// The supervisor sends it back with a comment on the score.
	sup := startTerm(t, "sup1", "exec "+shq(bin)+" --db "+shq(hub)+" review")
	sup.waitFor("Sign in to review interviews")
	sup.step("sue", "Your name")
	sup.step("Sue Lee", "> Ana Alvarez", "completed")
	sup.step("", "Interview with Ana Alvarez by ivy: completed", "On a scale from 0 to 10")
	sup.keys("c")
	sup.waitFor("what to check on this answer")
	sup.step("is 8 right?", "comment: is 8 right?")
	sup.keys("r")
	sup.waitFor("what to correct or explain")
	sup.step("please check the score", "Interview with Ana Alvarez by ivy: rejected")
	sup.keys("C-c")
	sup.waitExit()
	run(0, hub, "bundle", "out", "--to", "laptop-1", "--out", file("down2.bundle"))
	if out := run(0, lap, "bundle", "in", file("down2.bundle")); !strings.Contains(out, "1 interview returned for correction") {
		t.Errorf("the rejection's bundle on the laptop printed %q", out)
	}

	// The researcher sees it on home and on the question, and corrects it.
	ivy2 := startTerm(t, "ivy2", "exec "+shq(bin)+" --db "+shq(lap))
	ivy2.waitFor("Sign in to start interviewing", "ivy")
	ivy2.step("", "> Correct Ana Alvarez", `returned by sue: "please check the score"`, "1 question to check")
	ivy2.step("", "On a scale from 0 to 10", "Supervisor: is 8 right?", "› 8")
	ivy2.keys("BSpace")
	ivy2.step("9", "Which of our services do you use at the moment?")
	for _, next := range []string{"Speed of the connection", "Reliability", "Value for money", "Customer support",
		"have you contacted our customer support?", "Is there anything else", "contact you again"} {
		ivy2.step("", next)
	}
	ivy2.step("", "That was my last question", "interview complete and saved")
	ivy2.keys("Escape")
	ivy2.waitFor("Next contact — Northwind")
	ivy2.keys("C-c")
	ivy2.waitExit()
	run(0, lap, "bundle", "out", "--to", "hub", "--out", file("up2.bundle"))
	// A letter asks that a number be never called; the laptop records it
	// and bundles it out, and that bundle reaches the hub before the
	// correction's: held, exit 3; then both apply.
	run(0, lap, "optout", "add", "+1 212 555 0199", "--reason", "letter")
	run(0, lap, "bundle", "out", "--to", "hub", "--out", file("up3.bundle"))
	if out := run(3, hub, "bundle", "in", file("up3.bundle")); !strings.Contains(out, "held") {
		t.Errorf("a bundle ahead of the one it follows: %q", out)
	}
	if out := run(0, hub, "bundle", "in", file("up2.bundle")); !strings.Contains(out, "(held)") {
		t.Errorf("the missing bundle printed %q, want the held one applied after it", out)
	}
	if out := run(0, hub, "optout", "check", "+12125550199"); !strings.Contains(out, "suppressed") {
		t.Errorf("the laptop's opt-out on the hub: %q", out)
	}

	// The supervisor approves the corrected interview.
	sup2 := startTerm(t, "sup2", "exec "+shq(bin)+" --db "+shq(hub)+" review")
	sup2.waitFor("Sign in to review interviews", "Sue Lee")
	sup2.step("", "> Ana Alvarez")
	sup2.step("", "Interview with Ana Alvarez by ivy: completed", "changed 8 → 9", "earlier comment: is 8 right? (sue")
	sup2.keys("a")
	sup2.waitFor("Approve this interview")
	sup2.step("", "by ivy: approved")
	sup2.keys("C-c")
	sup2.waitExit()
	run(0, hub, "bundle", "out", "--to", "laptop-1", "--out", file("down3.bundle"))
	run(0, lap, "bundle", "in", file("down3.bundle"))
	for _, db := range []string{hub, lap} {
		run(0, db, "doctor")
	}
	if out := run(0, hub, "devices"); !strings.Contains(out, "laptop-1") || !strings.Contains(out, "#3") {
		t.Errorf("devices on the hub printed %q", out)
	}

	// Both stores hold the approved interview with the corrected score.
	var answers []map[string]string
	for _, db := range []string{hub, lap} {
		st, err := store.Open(db, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ivs, err := st.Interviews("northwind-csat")
		if err != nil || len(ivs) != 1 {
			t.Fatalf("Interviews on %s = %+v, %v; want one", db, ivs, err)
		}
		d, err := st.ReviewOf(ivs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != store.InterviewApproved {
			t.Errorf("%s: status %s, want approved", filepath.Base(db), d.Status)
		}
		cur := map[string]string{}
		for _, a := range d.Current {
			cur[a.Item] = a.Value
		}
		answers = append(answers, cur)
		st.Close()
	}
	if answers[0]["nps"] != "9" {
		t.Errorf("the hub's score = %q, want the correction, 9", answers[0]["nps"])
	}
	if diff := cmp.Diff(answers[0], answers[1]); diff != "" {
		t.Errorf("answers differ (-hub +laptop):\n%s", diff)
	}
}
