package tui

import (
	"os/exec"
	"path/filepath"
	"testing"

	"canvass/store"

	"github.com/google/go-cmp/cmp"
)

// TestReviewEndToEnd drives the real binary in tmux through a whole
// review round: the supervisor sends an interview back with a comment on
// one answer (`canvass review`), the interviewer sees it on the console's
// home, reopens it, sees the comment on the question, corrects the
// answer and completes it again, and the supervisor approves it.
func TestReviewEndToEnd(t *testing.T) {
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
	db := filepath.Join(t.TempDir(), "review.db")
	st, ids := reviewFixture(t, db)
	st.Close()
	ann := ids["C1"]

	// The supervisor rejects Ann's interview with a comment on the score.
	sup := startTerm(t, "sup1", "exec "+shq(bin)+" --db "+shq(db)+" review")
	sup.waitFor("Sign in to review interviews", "Supervisor id")
	sup.step("sue", "Your name")
	sup.step("Sue Lee", "6 of 6", "> Ann Alvarez")
	// The survey's dashboard, and back to the list.
	sup.keys("p")
	sup.waitFor("canvass review · dashboard", "Survey cons: progress at", "esc back to the list")
	sup.keys("Escape")
	sup.waitFor("6 of 6", "> Ann Alvarez", "p dashboard")
	sup.step("", "Interview with Ann Alvarez by ivy: completed", "How would you rate us from 0 to 10?")
	sup.keys("c")
	sup.waitFor("Comment on score")
	sup.step("is 9 correct?", "comment: is 9 correct?", "1 item comment drafted")
	sup.keys("r")
	sup.waitFor("Send this interview back to ivy")
	sup.step("please check the score", "rejected: sent back", "by ivy: rejected")
	sup.keys("C-c")
	sup.waitExit()

	// The interviewer finds it on home, reopens it at the score with the
	// comment, corrects it and completes the interview again.
	ivy := startTerm(t, "ivy", "exec "+shq(bin)+" --db "+shq(db))
	ivy.waitFor("Sign in to start interviewing")
	ivy.step("ivy", "Your name")
	ivy.step("Ivy Ito", "> Correct Ann Alvarez", `returned by sue: "please check the score"`, "1 question to check")
	ivy.step("", "How would you rate us from 0 to 10?", "Supervisor: is 9 correct?", "returned by sue: please check the score", "› 9")
	ivy.keys("BSpace")
	ivy.step("8", "Anything to add?")
	ivy.step("", "What would you add?", "faster service")
	ivy.step("", "Add a household member?")
	ivy.step("", "First name of this member?", "Ann")
	ivy.step("", "Add household member 2?")
	ivy.step("", "First name of this member?", "Raj")
	ivy.step("", "Add household member 3?")
	ivy.step("", "That is all.")
	ivy.step("", "interview complete and saved")
	ivy.keys("Escape")
	ivy.waitFor("Next contact — Console Test Study")
	ivy.keys("C-c")
	ivy.waitExit()

	// Back with the supervisor: completed again, with the change; approve.
	sup2 := startTerm(t, "sup2", "exec "+shq(bin)+" --db "+shq(db)+" review")
	// The sign-in remembers the supervisor from the first session, with the
	// focus on the name: one Enter signs in.
	sup2.waitFor("Sign in to review interviews", "Sue Lee")
	sup2.step("", "> Ann Alvarez")
	sup2.step("", "Interview with Ann Alvarez by ivy: completed", "changed 9 → 8", "earlier comment: is 9 correct? (sue")
	sup2.keys("a")
	sup2.waitFor("Approve this interview")
	sup2.step("", "by ivy: approved")
	sup2.keys("C-c")
	sup2.waitExit()

	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.ReviewOf(ann)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != store.InterviewApproved {
		t.Errorf("status at the end = %s, want approved", d.Status)
	}
	var kinds, decisions []string
	for _, e := range d.Changes {
		kinds = append(kinds, e.Kind)
	}
	for _, r := range d.Review.Rejections {
		decisions = append(decisions, r.Comment)
	}
	want := []string{store.KindConsent, store.KindCompleted, store.KindReview, store.KindResumed, store.KindCompleted, store.KindReview}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("status history (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"please check the score"}, decisions); diff != "" {
		t.Errorf("rejections (-want +got):\n%s", diff)
	}
	var score, members []string
	for _, h := range d.History {
		switch h.Answer.Item {
		case "score":
			score = append(score, h.Answer.Previous+"→"+h.Answer.Value)
		case "mname":
			members = append(members, h.Answer.Value)
		}
	}
	if diff := cmp.Diff([]string{"→9", "9→8"}, score); diff != "" {
		t.Errorf("score events (-want +got):\n%s", diff)
	}
	if got := d.Current; len(got) == 0 || got[0].Item != "score" || got[0].Value != "8" || !got[0].Change {
		t.Errorf("current score = %+v, want the correction to 8 as a change", got)
	}
	if diff := cmp.Diff([]string{"Ann", "Raj", "Ann", "Raj"}, members); diff != "" {
		t.Errorf("member names given (-want +got):\n%s", diff)
	}
}
