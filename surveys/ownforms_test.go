package surveys

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"canvass/model"
)

// ownForms are the test forms of testdata/, written from the ODK XForms
// specification, the XLSForm documentation and SurveyCTO's documentation,
// each with a cases file of what a form author relies on.
var ownForms = []struct {
	file     string
	contacts string // a sample for --auto
	warnings []string
}{
	{file: "odk_roster.csv"},
	{file: "odk_datafiles.csv"},
	{file: "odk_names.csv", warnings: []string{"${name} is ambiguous: 3 items are named name"}},
	{file: "surveycto_cati.csv", contacts: "surveycto_cati_sample.csv", warnings: []string{
		"phone: pulldata('cases', ...): there is no cases.csv beside the form, so it reads the interview's contact",
		"dial: SurveyCTO field plug-in custom-phone-call cannot be captured on a terminal",
		`light_level: metadata "sensor_statistic" is not recorded by canvass`,
	}},
}

func TestOwnForms(t *testing.T) {
	for _, f := range ownForms {
		t.Run(f.file, func(t *testing.T) {
			path := filepath.Join("testdata", f.file)
			_, problems, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			var warnings []string
			for _, p := range problems {
				if !p.Warning {
					t.Errorf("Load(%s): %s, want no errors", f.file, p)
				}
				warnings = append(warnings, p.Msg)
			}
			for _, w := range f.warnings {
				if !slices.ContainsFunc(warnings, func(s string) bool { return strings.Contains(s, w) }) {
					t.Errorf("Load(%s) warnings = %q, want one saying %q", f.file, warnings, w)
				}
			}
			var out strings.Builder
			ok, err := RunCases(&out, path, strings.TrimSuffix(path, ".csv")+"_cases.yaml")
			if err != nil || !ok {
				t.Errorf("survey test %s cases = %v, %v:\n%s", f.file, ok, err, out.String())
			}
			o := AutoOptions{N: 20, Seed: 1}
			if f.contacts != "" {
				if o.Contacts, err = ReadContacts(filepath.Join("testdata", f.contacts), nil); err != nil {
					t.Fatal(err)
				}
			}
			out.Reset()
			if ok, err := RunAuto(&out, path, o); err != nil || !ok {
				t.Errorf("survey test %s --auto 20 = %v, %v:\n%s", f.file, ok, err, out.String())
			}
		})
	}
}

func TestOwnFormRefused(t *testing.T) {
	var out strings.Builder
	if Check(&out, []string{filepath.Join("testdata", "cht_refused.csv")}) {
		t.Errorf("Check(cht_refused.csv) = true, want the CHT database reference refused")
	}
	want := `cht_refused.csv:survey:2: patient: type "db:person" is a Community Health Toolkit database reference, not an ODK type`
	if !strings.Contains(out.String(), want) {
		t.Errorf("Check(cht_refused.csv) printed:\n%s\nwant a line containing %q", out.String(), want)
	}
}

// TestDataFilesTravelWithTheSurvey checks that the files a form reads are
// part of the survey the loader returns (for the store to keep with the
// revision), and that the survey still runs from them once the files are
// gone: a stored survey is decoded from JSON, without the directory.
func TestDataFilesTravelWithTheSurvey(t *testing.T) {
	s, problems, err := Load(filepath.Join("testdata", "odk_datafiles.csv"))
	if err != nil || !model.Valid(problems) {
		t.Fatalf("Load = %v, %v", problems, err)
	}
	var names []string
	for name := range s.Attachments {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"crops.csv", "districts.xml", "households.csv", "plots.geojson", "prices.csv", "species.xml", "villages.csv"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Attachments mismatch (-want +got):\n%s", diff)
	}
	data, _ := os.ReadFile(filepath.Join("testdata", "prices.csv"))
	if string(s.Attachments["prices.csv"]) != string(data) {
		t.Errorf("Attachments[prices.csv] = %q, want the file as it is", s.Attachments["prices.csv"])
	}
	form, probs := model.Compile(s)
	if form == nil {
		t.Fatalf("Compile = %v", probs)
	}
	iv, err := model.Start(form, model.Config{Clock: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if sc := iv.Current(); sc.Item != "district" || len(sc.Options) != 2 || sc.Options[1].Label != "South" {
		t.Errorf("first stop = %s with %+v, want district with the options of districts.xml", sc.Item, sc.Options)
	}
}

func TestLoaderReadsODKColumns(t *testing.T) {
	form := "survey,type,name,label,calculation,read_only,trigger,appearance\n" +
		",integer,a,A,,,,\n" +
		",integer,b,B,${a} * 2,no,,\n" +
		",integer,c,C,${a} + 1,,${a},\n" +
		",text,d,D,,,,custom-table-list\n" +
		",text,f,F,,${a} < 18,,\n" +
		",select_one yn,e,E,,,,ex:org.example.scan\n" +
		",text audit,audit,,,,,\n" +
		",comments,notes,,,,,\n" +
		",begin group,g,G,,,,\n" +
		",text,a,Again,,,,\n" +
		",end group,,,,,,\n" +
		"choices,list_name,name,label\n,yn,y,Yes\n" +
		"settings,form_id,name\n,t,household\n"
	s, problems, err := Parse("t.csv", []byte(form))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if !p.Warning {
			t.Errorf("problem: %s", p)
		}
	}
	get := func(name string) *model.Item {
		it := s.Find(name)
		if it == nil {
			t.Fatalf("no item %s", name)
		}
		return it
	}
	if it := get("f"); it.ReadOnlyIf != "${a} < 18" || it.ReadOnly {
		t.Errorf("f: read_only ${a} < 18 = ReadOnlyIf %q, ReadOnly %v; want the expression", it.ReadOnlyIf, it.ReadOnly)
	}
	if it := get("b"); !it.Editable {
		t.Errorf("b: read_only no with a calculation: Editable = false, want true")
	}
	if it := get("c"); it.Trigger != "${a}" || it.Editable {
		t.Errorf("c = trigger %q editable %v, want trigger ${a}, not editable", it.Trigger, it.Editable)
	}
	if it := get("d"); it.Type != model.TypeUnsupported || it.Unsupported != "SurveyCTO field plug-in custom-table-list" {
		t.Errorf("d = %s %q, want a plug-in field, unsupported", it.Type, it.Unsupported)
	}
	if it := get("e"); it.Type != model.TypeUnsupported || it.ListName != "" || it.Unsupported != "external app org.example.scan" {
		t.Errorf("e = %s %q list %q, want an external app field, unsupported, without its list", it.Type, it.Unsupported, it.ListName)
	}
	if s.Find("audit") != nil || s.Find("notes") != nil {
		t.Errorf("text audit and comments made items, want none: canvass records both itself")
	}
	if it := get("g_a"); it.XMLName != "a" {
		t.Errorf("g's a is named %q with element %q, want g_a with element a", it.Name, it.XMLName)
	}
	if s.Root != "household" {
		t.Errorf("Root = %q, want the settings name household", s.Root)
	}
}

func TestContacts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sample.csv")
	os.WriteFile(path, []byte("\ufeffid,name,phone,email,plan\nC1,Ana,+14155550101,a@example.com,gold\nC2,Bo,,,\n"), 0o644)
	got, err := ReadContacts(path, map[string]string{"wave": "2"})
	if err != nil {
		t.Fatal(err)
	}
	want := []*model.Contact{
		{ID: "C1", Name: "Ana", Phones: []string{"+14155550101"}, Email: "a@example.com", Source: "client", Fields: map[string]string{"plan": "gold", "wave": "2"}},
		{ID: "C2", Name: "Bo", Phones: []string{""}, Source: "client", Fields: map[string]string{"plan": "", "wave": "2"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadContacts mismatch (-want +got):\n%s", diff)
	}
	os.WriteFile(path, []byte("id,name\n"), 0o644)
	if _, err := ReadContacts(path, nil); err == nil || !strings.Contains(err.Error(), "no contacts") {
		t.Errorf("ReadContacts(header only) = %v, want an error", err)
	}
	if _, err := ReadContacts(filepath.Join(dir, "nosuch.csv"), nil); err == nil {
		t.Errorf("ReadContacts(missing file) = nil error")
	}
}

func fixedNow() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }
