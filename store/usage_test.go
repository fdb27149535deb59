package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"canvass/model"
)

// TestOptionChecks: each combination of flags a command does not take is
// a usage error (exit 2) with the sentence the command line prints, and
// the combinations it takes are not.
func TestOptionChecks(t *testing.T) {
	queue := func(survey, at, format string) error {
		_, _, err := NewQueueRun(&bytes.Buffer{}, survey, at, format)
		return err
	}
	report := func(f ReportFlags) error {
		_, err := f.Options()
		return err
	}
	dashboard := func(survey, zone string) error {
		_, err := ReportFlagOptions("dashboard", survey, "", zone)
		return err
	}
	importID := func(s string) error {
		_, err := ParseImportID(s)
		return err
	}
	export := ExportOptions{Survey: "s", Format: ExportCSV, Out: "x.csv"}
	with := func(f func(*ExportOptions)) ExportOptions { o := export; f(&o); return o }
	assign := AssignRequest{Survey: "s", Device: "d", Count: 2}
	unassign := AssignRequest{Unassign: true, Survey: "s", Device: "d", All: true}
	tests := []struct {
		name string
		err  error
		want string // "" for none
	}{
		{"import", ImportOptions{Survey: "s", Source: "panel"}.Validate(), ""},
		{"import without survey", ImportOptions{Source: "client"}.Validate(), "contacts import: --survey is required"},
		{"import from elsewhere", ImportOptions{Survey: "s", Source: "web"}.Validate(), "contacts import: --source must be client or panel"},
		{"abandon", importID("12"), ""},
		{"abandon a name", importID("x"), "contacts abandon: \"x\" is not an import id (a number from `canvass contacts imports`)"},

		{"export", export.Validate(), ""},
		{"export without survey", with(func(o *ExportOptions) { o.Survey = "" }).Validate(), "export: --survey is required"},
		{"export without out", with(func(o *ExportOptions) { o.Out = "" }).Validate(), "export: --out is required"},
		{"export as xml", with(func(o *ExportOptions) { o.Format = "xml" }).Validate(), "export: --format must be csv, jsonl or paradata"},
		{"aggregate with pii", with(func(o *ExportOptions) { o.Aggregate, o.IncludePII = true, true }).Validate(),
			"export: --aggregate never includes personal data; leave out --include-pii"},
		{"aggregate paradata", with(func(o *ExportOptions) { o.Aggregate, o.Format = true, ExportParadata }).Validate(),
			"export: --aggregate works with --format csv or jsonl"},
		{"jsonl named csv", with(func(o *ExportOptions) { o.Format = ExportJSONL }).Validate(),
			"export: --format jsonl writes JSON lines, but x.csv is named for CSV: name it .jsonl"},

		{"queue", queue("s", "2026-03-01T09:30:00Z", "json"), ""},
		{"queue without survey", queue("", "", "text"), "queue: --survey is required"},
		{"queue at a bad time", queue("s", "noon", "xml"), `queue: --at "noon": want an RFC 3339 time such as 2026-03-01T09:30:00+01:00`},

		{"report", report(ReportFlags{Survey: "s", Format: "json", By: "replicate", Zone: "UTC"}), ""},
		{"report without survey", report(ReportFlags{Format: "text"}), "report: --survey is required"},
		{"report in no zone", report(ReportFlags{Survey: "s", Zone: "Nowhere/X", Format: "xml"}), `report: --zone "Nowhere/X" is not a time zone`},
		{"report as xml", report(ReportFlags{Survey: "s", Format: "xml", By: "zone"}), "report: --format must be text or json"},
		{"report by zone", report(ReportFlags{Survey: "s", Format: "text", By: "zone"}), `report: --by must be replicate, not "zone"`},
		{"dashboard", dashboard("s", ""), ""},
		{"dashboard without survey", dashboard("", "UTC"), "dashboard: --survey is required"},
		{"quotas", CheckQuotasFlags("s", "json"), ""},
		{"quotas without survey", CheckQuotasFlags("", "xml"), "quotas: --survey is required"},
		{"quotas as xml", CheckQuotasFlags("s", "xml"), "quotas: --format must be text or json"},
		{"bundle out", BundleOutOptions{To: "d", Out: "f"}.Validate(), ""},
		{"bundle out nowhere", BundleOutOptions{To: "d"}.Validate(), "bundle out: --to and --out are required"},

		{"assign", assign.Validate(), ""},
		{"assign without laptop", AssignRequest{Survey: "s", Count: 2}.Validate(), "assign: --survey and --to are required"},
		{"assign count and file", AssignRequest{Survey: "s", Device: "d", Count: 2, ContactsFile: "f"}.Validate(), "assign: give either --count N or --contacts FILE"},
		{"assign neither", AssignRequest{Survey: "s", Device: "d"}.Validate(), "assign: give either --count N or --contacts FILE"},
		{"assign a language", AssignRequest{Survey: "s", Language: "es"}.Validate(), ""},
		{"assign a team without survey", AssignRequest{Team: "t"}.Validate(), "assign: --survey is required"},
		{"assign a laptop and a team", AssignRequest{Survey: "s", Device: "d", Team: "t"}.Validate(),
			"assign: give a laptop (--to/--from) or an interviewer, team or language, not both"},
		{"assign to one, count and file", AssignRequest{Survey: "s", Interviewer: "i", Count: 2, ContactsFile: "f"}.Validate(),
			"assign: give either --count N or --contacts FILE"},
		{"unassign", unassign.Validate(), ""},
		{"unassign without laptop", AssignRequest{Unassign: true, Survey: "s", All: true}.Validate(), "unassign: --survey and --from are required"},
		{"unassign two ways", AssignRequest{Unassign: true, Survey: "s", Device: "d", All: true, Count: 1}.Validate(),
			"unassign: give one of --count N, --contacts FILE or --all"},
		{"unassign no way", AssignRequest{Unassign: true, Survey: "s", Device: "d"}.Validate(),
			"unassign: give one of --count N, --contacts FILE or --all"},
		{"unassign a team's", AssignRequest{Unassign: true, Survey: "s", Team: "t"}.Validate(), ""},
		{"unassign a count from one", AssignRequest{Unassign: true, Survey: "s", Interviewer: "i", Count: 2}.Validate(),
			"unassign: from an interviewer, team or language, give --contacts FILE or nothing (all of them)"},
		{"unassign from a laptop and one", AssignRequest{Unassign: true, Survey: "s", Interviewer: "i", Device: "d"}.Validate(),
			"unassign: give a laptop (--to/--from) or an interviewer, team or language, not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == "" {
				if tt.err != nil {
					t.Errorf("check = %v, want nil", tt.err)
				}
				return
			}
			var ue *model.UsageError
			if !errors.As(tt.err, &ue) {
				t.Fatalf("check = %v (%T), want a *model.UsageError", tt.err, tt.err)
			}
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("check = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRunAssignment: a request goes to the laptop or to the target it
// names, and one to an interviewer, team or language of a survey that is
// not installed is refused before anything is assigned.
func TestRunAssignment(t *testing.T) {
	s := assignStore(t)
	must(t, s.CheckSurvey("s1"))
	var w strings.Builder
	if err := s.RunAssignment(&w, AssignRequest{Survey: "nope", Language: "es", Actor: "sup"}, nil); !errors.Is(err, ErrUnknownSurvey) {
		t.Errorf("RunAssignment(survey nope) = %v, want ErrUnknownSurvey", err)
	}
	if w.Len() != 0 {
		t.Errorf("RunAssignment(survey nope) wrote %q, want nothing", w.String())
	}
	for _, unassign := range []bool{false, true} {
		w.Reset()
		must(t, s.RunAssignment(&w, AssignRequest{Unassign: unassign, Survey: "s1", Language: "es", Actor: "sup"}, nil))
		want := map[bool]string{false: " 4 assigned, 0 already", true: " 4 unassigned, 0 already"}[unassign]
		if !strings.Contains(w.String(), want) {
			t.Errorf("RunAssignment(unassign %v, language es) wrote %q, want %q in it", unassign, w.String(), want)
		}
	}
}
