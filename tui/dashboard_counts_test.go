package tui

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"

	tea "charm.land/bubbletea/v2"
)

// TestDashboardCountsInterviewsAsTheReportDoes is issue 17.12 on the
// dashboard, over a real store: an interview suspended at its first
// question, with consent and no call, is in progress and a break-off
// (2.12), not untouched (3.11); an interview completed, returned by the
// supervisor and completed again is one complete for its interviewer, not
// two.
func TestDashboardCountsInterviewsAsTheReportDoes(t *testing.T) {
	clock := dashAt.Add(-3 * time.Hour)
	st, err := store.Open(filepath.Join(t.TempDir(), "d.db"), store.Options{Now: func() time.Time { clock = clock.Add(time.Minute); return clock }})
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
	sample := "id,phone\nx,+12125550101\ny,+12125550102\nz,+12125550103\n"
	if _, err := st.ImportContacts(strings.NewReader(sample), store.ImportOptions{Survey: "pulse", Source: "client", Region: "US", Actor: "sup", File: "s.csv"}); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	begin := func(contact string) string {
		t.Helper()
		id, err := st.StartInterview(model.Consent{Survey: "pulse", Contact: contact, Interviewer: "ana01", Lang: "en", Text: "May we?", Agreed: true})
		must(err)
		must(st.SaveAnswer(id, model.AnswerEvent{Item: "q", Value: "fine", Answered: clock}, []byte("{}")))
		return id
	}
	complete := func(contact, id string) {
		t.Helper()
		must(st.FinishInterview(id, "ana01", clock))
	}
	// x: quit at the first question, as ^C in the console does.
	must(st.SuspendInterview(begin("x"), store.Suspension{Actor: "ana01", At: clock, Reason: "quit"}))
	// y: completed, returned, reopened and completed again.
	y := begin("y")
	complete("y", y)
	must(st.Reject(y, "sue", "check q", nil))
	if _, err := st.ReopenInterview(y, "ana01", clock); err != nil {
		t.Fatal(err)
	}
	complete("y", y)

	var m tea.Model = NewDashboardApp(st, "pulse", store.ReportOptions{Location: time.UTC}, func() time.Time { return dashAt })
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: 120, Height: 40}, bg(true), tea.EnvMsg{"NO_COLOR=1"}} {
		m, _ = m.Update(msg)
	}
	m = dashDeliver(t, m, m.Init())
	overview := viewText(m)
	for _, want := range []string{"untouched            1", "in progress          1", "final                1", "2.12   Break-off                   1", "1.1    Complete                    1"} {
		if !strings.Contains(overview, want) {
			t.Errorf("overview lacks %q:\n%s", want, overview)
		}
	}
	m, _ = dashKeysFeed(t, m, "2")
	who := viewText(m)
	found := false
	for _, line := range strings.Split(who, "\n") {
		if f := strings.Fields(line); len(f) > 3 && f[0] == "ana01" {
			found = true
			// interviewer calls reach compl ...
			if f[1] != "2" || f[3] != "1" {
				t.Errorf("ana01's row %q: want 2 calls and 1 complete", line)
			}
		}
	}
	if !found {
		t.Errorf("no row for ana01:\n%s", who)
	}
}
