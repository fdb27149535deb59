package tui

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"
	"canvass/surveys"
)

// quotaStudy is a survey with one normal quota cell of one woman.
const quotaStudy = `id: qdemo
title: Quota demo
quota_full: "Thank you, ${contact.name}: we already have enough people like you."
lists:
  sex:
    - {name: f, label: Female}
    - {name: m, label: Male}
items:
  - name: gender
    type: select_one sex
    label: Are you female or male?
  - name: age
    type: integer
    label: How old are you?
quotas:
  - {name: women, target: 1, when: {gender: f}}
`

// quotaStore writes the quota study and two contacts to path. Their time
// zone puts them at midday now, inside every calling window.
func quotaE2EStore(t *testing.T, path string) {
	t.Helper()
	sv, probs, err := surveys.Parse("qdemo.yaml", []byte(quotaStudy))
	if err != nil || !model.Valid(probs) {
		t.Fatalf("quota study: %v %v", probs, err)
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, err := st.AddSurvey(sv, []byte(quotaStudy), "sup"); err != nil {
		t.Fatal(err)
	}
	// Etc/GMT-N is N hours east of UTC.
	offset := 12 - time.Now().UTC().Hour()
	zone := fmt.Sprintf("Etc/GMT%+d", -offset)
	if offset == 0 {
		zone = "Etc/GMT"
	}
	sample := "id,phone,name,timezone\nq1,+12125550101,Ann Example," + zone + "\nq2,+12125550102,Bea Example," + zone + "\n"
	if _, err := st.ImportContacts(strings.NewReader(sample), store.ImportOptions{Survey: "qdemo", Source: "client", Region: "US", Actor: "sup", File: "s.csv"}); err != nil {
		t.Fatal(err)
	}
}

// TestQuotaEndToEnd: the only place of a quota cell is taken by the first
// woman interviewed; the next woman is screened out at her answer, hears
// the quota-full text, and is recorded as 4.80 (quota filled).
func TestQuotaEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests build and run the binary")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	db := filepath.Join(dir, "q.db")
	quotaE2EStore(t, db)

	tm := startTerm(t, "quota", "exec "+shq(bin)+" --db "+shq(db))
	tm.waitFor("Sign in to start interviewing")
	tm.step("ana01", "Your name")
	tm.step("Ana Pereira", "Next contact — Quota demo")
	tm.keys("Down")
	tm.step("", "Outcome keys")
	tm.step("", "agree to take part?")
	tm.keys("y")
	tm.waitFor("Are you female or male?")
	tm.step("1", "How old are you?")
	tm.step("34", "interview complete and saved")
	tm.step("", "Outcome keys") // the next contact
	tm.step("", "agree to take part?")
	tm.keys("y")
	tm.waitFor("Are you female or male?")
	tm.step("1", "we already have enough people like you", "screened out: the quota is full")
	screen := tm.screen()
	if strings.Contains(screen, "How old are you?") {
		t.Errorf("the screened-out respondent was asked the next question:\n%s", screen)
	}
	tm.keys("Escape")
	tm.waitFor("Next contact — Quota demo")
	tm.keys("C-c")
	tm.waitExit()

	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ivs, err := st.Interviews("qdemo")
	if err != nil || len(ivs) != 2 {
		t.Fatalf("Interviews = %+v, %v; want two", ivs, err)
	}
	statuses := map[string]string{}
	for _, iv := range ivs {
		statuses[iv.Contact] = iv.Status
	}
	if got := []string{statuses["q1"], statuses["q2"]}; !(got[0] == store.InterviewCompleted && got[1] == store.InterviewScreenedOut ||
		got[1] == store.InterviewCompleted && got[0] == store.InterviewScreenedOut) {
		t.Errorf("interview statuses = %v, want one completed and one screened out", statuses)
	}
	r, err := st.Report("qdemo", store.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]int64{}
	for _, d := range r.Final {
		codes[d.Code] = d.Count
	}
	if codes["4.80"] != 1 || codes["1.1"] != 1 {
		t.Errorf("final dispositions = %v, want one 4.80 (quota filled) and one 1.1", codes)
	}
	q, err := st.Quotas("qdemo")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(q.Cells)
	if len(q.Cells) != 1 || q.Cells[0].Completes != 1 || q.Cells[0].InProgress != 0 || !q.Cells[0].Full {
		t.Errorf("quota cells = %s, want women full with one complete", b)
	}
}
