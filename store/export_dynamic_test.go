package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"canvass/model"
)

// TestExportRepeatChoices (issue 15): a select_one ${name} question, whose
// options are the answers given in a repeat, exports the chosen answer as
// its label, not as a code of a list that does not exist; when the answers
// it chooses from are personal, it is personal too, and aggregates never
// tabulate it.
func TestExportRepeatChoices(t *testing.T) {
	s := openTest(t)
	sv := &model.Survey{ID: "dyn", Version: "1", Title: "Household", Items: []model.Item{
		{Name: "member", Type: model.TypeRepeat, Label: model.Text{"": "Members"}, Items: []model.Item{
			{Name: "m_name", Type: model.TypeText, Label: model.Text{"": "Name?"}, Personal: true},
			{Name: "m_job", Type: model.TypeText, Label: model.Text{"": "Job?"}},
		}},
		{Name: "head", Type: model.TypeSelectOne, ListName: "${m_name}", Label: model.Text{"": "Who is the head?"}},
		{Name: "job", Type: model.TypeSelectOne, ListName: "${m_job}", Label: model.Text{"": "Which job pays most?"}},
	}}
	if _, _, err := s.AddSurvey(sv, []byte("dyn"), "author"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "dyn", "id,phone\na,4155550100\n")
	form, probs := model.Compile(sv)
	if form == nil {
		t.Fatal(probs)
	}
	c, _, err := s.Contact("dyn", "a")
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.StartInterview(model.Consent{Survey: "dyn", Contact: "a", Interviewer: "ivy", At: t0, Agreed: true})
	if err != nil {
		t.Fatal(err)
	}
	iv, err := model.Start(form, model.Config{Contact: c, Clock: fixedClock(t0, time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	drive(t, s, id, iv, answers{
		"member[1]": val("yes"), "m_name[1]": val("Anarosa"), "m_job[1]": val("nurse"),
		"member[2]": val("yes"), "m_name[2]": val("Bolindqvist"), "m_job[2]": val("baker"),
		"member[3]": val("no"), "head": val("Anarosa"), "job": val("baker"),
	})
	must(t, s.Complete(id, "ivy"))
	dir := t.TempDir()
	for _, o := range []ExportOptions{
		{Format: ExportCSV, Out: filepath.Join(dir, "d.csv")},
		{Format: ExportCSV, Out: filepath.Join(dir, "f.csv"), Aggregate: true},
	} {
		o.Survey = "dyn"
		if _, err := s.Export(o); err != nil {
			t.Fatalf("Export(%s): %v", o.Out, err)
		}
	}
	recs := readCSV(t, filepath.Join(dir, "d.csv"))
	col := func(name string) string {
		for i, h := range recs[0] {
			if h == name {
				return recs[1][i]
			}
		}
		return "(no column " + name + ")"
	}
	if diff := cmp.Diff([]string{"(no column head)", "baker"}, []string{col("head"), col("job")}); diff != "" {
		t.Errorf("head and job columns (-want +got):\n%s", diff)
	}
	for _, f := range []string{"d.csv", "d.sps", "d.do", "d_codebook.md", "f.csv"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			continue // not every export writes every file
		}
		for _, bad := range []string{"Anarosa", "Bolindqvist", "not in the list"} {
			if strings.Contains(string(data), bad) {
				t.Errorf("%s holds %q:\n%s", f, bad, data)
			}
		}
	}
	freq := readAll(t, filepath.Join(dir, "f.csv"))
	if strings.Contains(freq, ",job,") || strings.Contains(freq, ",head,") {
		t.Errorf("the aggregate export tabulates repeat answers:\n%s", freq)
	}
}
