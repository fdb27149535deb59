package tui

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/model/calling"
	"canvass/store"
)

// dashboardStore writes a small survey with a few calls to path, through
// the store's own methods.
func dashboardStore(t *testing.T, path string) {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sv := &model.Survey{ID: "pulse", Version: "1", Title: "Pulse",
		Items: []model.Item{{Name: "q", Type: model.TypeText, Label: model.Text{"en": "Q?"}}}}
	raw, _ := json.Marshal(sv)
	if _, _, err := st.AddSurvey(sv, raw, "sup"); err != nil {
		t.Fatal(err)
	}
	sample := "id,phone,name\nsmpl-a,+12125550101,Ann Example\nsmpl-b,+12125550102,Bob Example\nsmpl-c,+12125550103,Cy Example\n"
	if _, err := st.ImportContacts(strings.NewReader(sample), store.ImportOptions{Survey: "pulse", Source: "client", Region: "US", Actor: "sup", File: "s.csv"}); err != nil {
		t.Fatal(err)
	}
	table, _ := (*calling.Config)(nil).Table()
	at := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC) // 10:00 in New York
	for _, c := range []struct{ id, outcome, who string }{{"smpl-a", "complete", "ana01"}, {"smpl-b", "hard_refusal", "ana01"}, {"smpl-c", "no_answer", "bo"}} {
		o, _ := table.Lookup(c.outcome)
		if err := st.RecordCall("pulse", c.id, store.Call{Outcome: o, Interviewer: c.who, At: at}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDashboardEndToEnd runs `canvass dashboard` in tmux: the figures
// load, the tabs switch, r refreshes and q quits; `canvass report` gives
// the same counts.
func TestDashboardEndToEnd(t *testing.T) {
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
	db := filepath.Join(dir, "c.db")
	dashboardStore(t, db)

	tm := startTerm(t, "dashboard", "NO_COLOR=1 exec "+shq(bin)+" --db "+shq(db)+" dashboard --survey pulse --zone UTC")
	tm.waitFor("[1 Overview]", "contacts             3", "RR1    33.3%")
	tm.keys("2")
	tm.waitFor("[2 Interviewers]", "ana01", "all")
	tm.keys("3")
	tm.waitFor("[3 Charts]", "Completes per day (UTC; 1 in 1 day)", "Calls by hour of day (contact's local time)")
	tm.keys("r")
	tm.waitFor("[3 Charts]", "Survey pulse: progress at")
	// F1 and Esc, as in the other consoles: Esc closes the key list, then
	// quits.
	tm.keys("F1")
	tm.waitFor("all keys", "esc q ^C")
	tm.keys("Escape")
	tm.waitFor("[3 Charts]", "F1 all keys · esc quit")
	tm.keys("Escape")
	tm.waitExit()

	out, err := exec.Command(bin, "--db", db, "report", "--survey", "pulse", "--format", "json").Output()
	if err != nil {
		t.Fatalf("canvass report: %v", err)
	}
	var doc struct {
		Sample store.SampleStatus `json:"sample"`
		Rates  map[string]*float64
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("canvass report JSON: %v\n%s", err, out)
	}
	if doc.Sample.Total != 3 || doc.Sample.Final != 2 || doc.Sample.InProgress != 1 {
		t.Errorf("canvass report sample = %+v, want 3 contacts, 2 final, 1 in progress", doc.Sample)
	}
	for _, p := range []string{"Ann", "Example", "smpl-", "2125550101", "212) 555"} {
		if strings.Contains(string(out), p) {
			t.Errorf("canvass report output contains %q", p)
		}
	}

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"report"}, 2, "canvass: report: --survey is required"},
		{[]string{"report", "--survey", "pulse", "--format", "xml"}, 2, "canvass: report: --format must be text or json"},
		{[]string{"report", "--survey", "pulse", "--zone", "Mars/Olympus"}, 2, `canvass: report: --zone "Mars/Olympus" is not a time zone`},
		{[]string{"report", "--survey", "pulse", "--at", "yesterday"}, 2, `canvass: report: --at "yesterday"`},
		{[]string{"report", "--survey", "nope"}, 1, "canvass: no survey nope in " + db + "; installed: pulse\n"},
		{[]string{"dashboard"}, 2, "canvass: dashboard: --survey is required"},
	} {
		cmd := exec.Command(bin, append([]string{"--db", db}, c.args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != c.code || !strings.HasPrefix(stderr.String(), c.msg) {
			t.Errorf("canvass %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), code, stderr.String(), c.code, c.msg)
		}
	}
}
