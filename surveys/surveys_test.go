package surveys

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"

	"canvass/model"
)

// ignorePlace drops what differs between formats by nature: where things
// were defined.
var ignorePlace = cmp.Options{
	cmpopts.IgnoreFields(model.Item{}, "Pos", "Lines"),
	cmpopts.IgnoreFields(model.Choice{}, "Pos"),
	cmpopts.IgnoreFields(model.ChoiceList{}, "Pos"),
	cmpopts.IgnoreFields(model.Survey{}, "Source"),
}

// smallWant is testdata/small.yaml as a Go value.
func smallWant() *model.Survey {
	return &model.Survey{
		ID: "small", Version: "3", Title: "Small survey",
		Languages: []string{"en", "es"}, DefaultLanguage: "en",
		InstanceName: "concat('age ', ${age})",
		Client:       "Example Research",
		Intro:        model.Text{"en": "Hello, I am calling from ${survey.client}.", "es": "Hola, llamo de ${survey.client}."},
		Consent:      model.Text{"en": "Do you agree to take part?", "es": "¿Acepta participar?"},
		Closing:      model.Text{"en": "Thank you.", "es": "Gracias."},
		Privacy:      model.Privacy{OnwardTransfer: true, PersonalFields: []string{"name", "phone"}},
		Lists: map[string]*model.ChoiceList{
			"yn": {Name: "yn", Choices: []model.Choice{
				{Name: "yes", Label: model.Text{"en": "Yes", "es": "Sí"}},
				{Name: "no", Label: model.Text{"en": "No", "es": "No"}},
			}},
			"fruit": {Name: "fruit", Choices: []model.Choice{
				{Name: "apple", Label: model.Text{"en": "Apple", "es": "Manzana"}, Extra: map[string]string{"colour": "red"}},
				{Name: "pear", Label: model.Text{"en": "Pear", "es": "Pera"}, Extra: map[string]string{"colour": "green"}},
			}},
		},
		Items: []model.Item{
			{
				Name: "age", Type: model.TypeInteger,
				Label:             model.Text{"en": "How old are you?", "es": "¿Cuántos años tiene?"},
				Hint:              model.Text{"en": "In years", "es": "En años"},
				Required:          "true()",
				Constraint:        ". >= 18",
				ConstraintMessage: model.Text{"en": "Adults only", "es": "Solo adultos"},
			},
			{
				Name: "likes", Type: model.TypeSelectMultiple, ListName: "fruit", OrOther: true,
				Label:        model.Text{"en": "Which fruit do you like?", "es": "¿Qué fruta le gusta?"},
				ChoiceFilter: "colour != 'blue'",
			},
			{
				Name: "kids", Type: model.TypeRepeat, RepeatCount: "${age} div 10",
				Label: model.Text{"en": "Children", "es": "Hijos"},
				Items: []model.Item{{
					Name: "kid_name", Type: model.TypeText, Personal: true,
					Label: model.Text{"en": "Name", "es": "Nombre"},
				}},
			},
			{
				Name: "score", Type: model.TypeRange,
				Label: model.Text{"en": "Score", "es": "Puntuación"},
				Range: &model.Range{Start: 0, End: 5, Step: 1},
			},
			{Name: "started", Type: model.TypeMeta, Meta: "start"},
			{Name: "double_age", Type: model.TypeCalculate, Calculation: "${age} * 2"},
		},
	}
}

// smallSheets is testdata/small.yaml as an XLSForm, sheet by sheet.
var smallSheets = []struct {
	name string
	rows [][]string
}{
	{"survey", [][]string{
		{"type", "name", "label::English (en)", "label::Español (es)", "hint::English (en)", "hint::Español (es)",
			"required", "constraint", "constraint_message::English (en)", "constraint_message::Español (es)",
			"choice_filter", "repeat_count", "calculation", "parameters", "personal", "notes for the author"},
		{"integer", "age", "How old are you?", "¿Cuántos años tiene?", "In years", "En años", "yes", ". >= 18", "Adults only", "Solo adultos"},
		{"select_multiple fruit or_other", "likes", "Which fruit do you like?", "¿Qué fruta le gusta?", "", "", "", "", "", "", "colour != 'blue'"},
		{},
		{"begin repeat", "kids", "Children", "Hijos", "", "", "", "", "", "", "", "${age} div 10"},
		{"text", "kid_name", "Name", "Nombre", "", "", "", "", "", "", "", "", "", "", "yes"},
		{"end repeat"},
		{"range", "score", "Score", "Puntuación", "", "", "", "", "", "", "", "", "", "start=0 end=5 step=1", "", "ignored"},
		{"start", "started"},
		{"calculate", "double_age", "", "", "", "", "", "", "", "", "", "", "${age} * 2"},
	}},
	{"choices", [][]string{
		{"list_name", "name", "label::English (en)", "label::Español (es)", "colour"},
		{"yn", "yes", "Yes", "Sí"},
		{"yn", "no", "No", "No"},
		{"fruit", "apple", "Apple", "Manzana", "red"},
		{"fruit", "pear", "Pear", "Pera", "green"},
	}},
	{"settings", [][]string{
		{"form_title", "form_id", "version", "default_language", "instance_name", "client",
			"intro::English (en)", "intro::Español (es)", "consent::English (en)", "consent::Español (es)",
			"closing::English (en)", "closing::Español (es)", "onward_transfer", "personal_fields"},
		{"Small survey", "small", "3", "English (en)", "concat('age ', ${age})", "Example Research",
			"Hello, I am calling from ${survey.client}.", "Hola, llamo de ${survey.client}.",
			"Do you agree to take part?", "¿Acepta participar?", "Thank you.", "Gracias.", "yes", "name phone"},
	}},
}

// xlsxOf builds an .xlsx workbook of sheets.
func xlsxOf(t testing.TB, sheets []struct {
	name string
	rows [][]string
}) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sh.rows {
			cells := make([]any, len(row))
			for j, c := range row {
				cells[j] = c
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(sh.name, cell, &cells); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// csvOf writes sheets in pyxform's single-CSV layout.
func csvOf(sheets []struct {
	name string
	rows [][]string
}) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, sh := range sheets {
		w.Write([]string{sh.name})
		for _, row := range sh.rows {
			w.Write(append([]string{""}, row...))
		}
	}
	w.Flush()
	return buf.Bytes()
}

func TestFormatsLoadTheSameModel(t *testing.T) {
	yamlData, err := os.ReadFile("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"small.yaml", yamlData},
		{"small.xlsx", xlsxOf(t, smallSheets)},
		{"small.csv", csvOf(smallSheets)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, problems, err := Parse(tc.name, tc.data)
			if err != nil {
				t.Fatalf("Parse(%s) error: %v", tc.name, err)
			}
			for _, p := range problems {
				t.Errorf("Parse(%s) problem: %s", tc.name, p)
			}
			if diff := cmp.Diff(smallWant(), s, ignorePlace); diff != "" {
				t.Errorf("Parse(%s) survey mismatch (-want +got):\n%s", tc.name, diff)
			}
			if s.Source != tc.name {
				t.Errorf("Parse(%s).Source = %q, want %q", tc.name, s.Source, tc.name)
			}
		})
	}
}

func TestPositions(t *testing.T) {
	yamlData, _ := os.ReadFile("testdata/small.yaml")
	ys, _, _ := Parse("small.yaml", yamlData)
	xs, _, _ := Parse("small.xlsx", xlsxOf(t, smallSheets))
	cs, _, _ := Parse("small.csv", csvOf(smallSheets))
	for _, tc := range []struct {
		s    *model.Survey
		item string
		want model.Pos
	}{
		{ys, "age", model.Pos{File: "small.yaml", Line: 17}},
		{ys, "kid_name", model.Pos{File: "small.yaml", Line: 34}},
		{xs, "age", model.Pos{File: "small.xlsx", Sheet: "survey", Row: 2}},
		{xs, "kid_name", model.Pos{File: "small.xlsx", Sheet: "survey", Row: 6}},
		{cs, "age", model.Pos{File: "small.csv", Sheet: "survey", Row: 3}},
		{cs, "kid_name", model.Pos{File: "small.csv", Sheet: "survey", Row: 7}},
	} {
		it := tc.s.Find(tc.item)
		if it == nil {
			t.Errorf("%s: no item %s", tc.s.Source, tc.item)
			continue
		}
		got := it.Pos
		got.File = tc.s.Source
		if got != tc.want {
			t.Errorf("%s: Find(%q).Pos = %v, want %v", tc.s.Source, tc.item, got, tc.want)
		}
	}
	if got, want := xs.Lists["fruit"].Choices[1].Pos, (model.Pos{Sheet: "choices", Row: 5}); got != want {
		t.Errorf("small.xlsx: pear Pos = %v, want %v", got, want)
	}
}

// yamlHead is the start of every broken-YAML case; the case's lines
// follow from line 10.
const yamlHead = `id: t
title: T
lists:
  yn:
    - {name: "y", label: "Yes"}
items:
  - name: a
    type: integer
    label: A
`

func TestBrokenYAML(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       string // the whole line survey check prints
	}{
		{"typo in key", "  - name: b\n    type: text\n    lable: B\n",
			`t.yaml:12: b: unknown key "lable" (did you mean "label"?)`},
		{"unknown type", "  - name: b\n    type: integr\n    label: B\n",
			`t.yaml:11: b: unknown type "integr"`},
		{"unknown reference", "  - name: b\n    type: text\n    label: B\n    relevant: ${aa} > 3\n",
			`t.yaml:13: b: relevant refers to unknown item ${aa}`},
		{"syntax error", "  - name: b\n    type: integer\n    label: B\n    constraint: . >> 3\n",
			`t.yaml:13: b: constraint: syntax error at column`},
		{"unknown list", "  - name: b\n    type: select_one colours\n    label: B\n",
			`t.yaml:11: b: choice list "colours" does not exist`},
		{"unknown list under list", "  - name: b\n    type: select_one colours\n    label: B\n    hint: pick\n    list: colours\n",
			`t.yaml:14: b: choice list "colours" does not exist`},
		{"fill in a hint", "  - name: b\n    type: text\n    label: B\n    required: yes\n    hint: Ask ${nme} again\n",
			`t.yaml:14: b: hint refers to unknown item ${nme}`},
		{"bad default", "  - name: b\n    type: integer\n    label: B\n    required: yes\n    default: abc\n",
			`t.yaml:14: b: default "abc" is not a valid integer answer`},
		{"bad boolean", "  - name: b\n    type: text\n    label: B\n    read_only: maybe\n",
			`t.yaml:13: read_only must be true or false, found "maybe"`},
		{"read_only expression", "  - name: b\n    type: text\n    label: B\n    read_only: ${aa} > 3\n",
			`t.yaml:13: b: read_only refers to unknown item ${aa}`},
		{"foreign function", "  - name: b\n    type: calculate\n    calculation: difference-in-months(${a}, today())\n",
			`t.yaml:12: b: calculation: syntax error at column 1: unknown function difference-in-months()`},
		{"CHT function", "  - name: b\n    type: calculate\n    calculation: difference-in-months(${a}, today())\n",
			`unknown function difference-in-months()`},
		{"duplicate key", "  - name: b\n    type: text\n    label: B\n    label: C\n",
			`t.yaml:13: b: key "label" given twice (first on line 12)`},
		{"duplicate name", "  - name: a\n    type: text\n    label: B\n",
			`t.yaml:10: a: duplicate name (first defined at t.yaml:7)`},
		{"item not a mapping", "  - just text\n",
			`t.yaml:10: an item must be a mapping with at least name and type, found "just text"`},
		{"calling typo", "calling:\n  max_call: 3\n",
			`t.yaml:11: calling: unknown key "max_call" (did you mean "max_calls"?)`},
		{"calling duration without unit", "calling:\n  outcomes:\n    - {code: busy, label: Busy, aapor: \"3.12\", key: b, recall: 15}\n",
			`t.yaml:12: calling.outcomes.recall: write a duration with its unit, such as 90s, 15m or 3h, not 15`},
		{"calling rules refused", "calling:\n  windows: [{days: someday, from: \"09:00\", to: \"17:00\"}]\n",
			`t.yaml:11: calling: `},
		{"survey key typo", "titel: X\n",
			`t.yaml:10: survey: unknown key "titel" (did you mean "title"?)`},
		{"yaml syntax", "  - name: b\n\ttype: text\n",
			`t.yaml:10: YAML syntax: found a tab character`},
		{"second document", "  - name: b\n    type: text\n    label: B\n---\nid: other\n",
			`t.yaml:13: a second YAML document starts here: a survey file holds one survey`},
		{"syntax error in a second document", "  - name: b\n    type: text\n    label: B\n---\nid: [\n",
			`t.yaml:14: YAML syntax:`},
		{"unsupported type warns", "  - name: b\n    type: geopoint\n    label: B\n",
			`t.yaml:10: warning: b: geopoint cannot be captured on a terminal`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := problemLines(t, "t.yaml", []byte(yamlHead+tc.body))
			if !containsPrefix(got, tc.want) {
				t.Errorf("problems = %q, want one starting %q", got, tc.want)
			}
		})
	}
}

func TestYAMLLanguages(t *testing.T) {
	doc := `id: t
title: T
languages: [en, es]
items:
  - name: a
    type: text
    label: {en: A, fr: Ah}
  - name: b
    type: text
    label: {en: B}
`
	got := problemLines(t, "t.yaml", []byte(doc))
	for _, want := range []string{
		`t.yaml:7: a: label: language "fr" is not in the survey's languages (en, es)`,
		`t.yaml:10: warning: b: label has no "es" translation`,
	} {
		if !containsPrefix(got, want) {
			t.Errorf("problems = %q, want one starting %q", got, want)
		}
	}
}

// csvHead starts every broken-XLSForm case; the case's row is line 3.
const csvHead = "survey,type,name,label,calculation,relevant,parameters\n,integer,a,A\n"

const csvChoices = "choices,list_name,name,label\n,yn,y,Yes\n"

func TestBrokenXLSForm(t *testing.T) {
	for _, tc := range []struct {
		name, rows, want string
	}{
		{"choices file missing", ",select_one_from_file places.csv,b,B\n",
			`t.csv:survey:3: b: type "select_one_from_file places.csv": the choices file places.csv is not beside the form`},
		{"choices from xml", ",select_one_from_file places.xml,b,B\n",
			`t.csv:survey:3: b: type "select_one_from_file places.xml": the choices file places.xml is not beside the form`},
		{"choices from a text file", ",select_one_from_file places.txt,b,B\n",
			`t.csv:survey:3: b: type "select_one_from_file places.txt": the choices file places.txt is not beside the form`},
		{"CHT type", ",db:person,b,B\n",
			`t.csv:survey:3: b: type "db:person" is a Community Health Toolkit database reference, not an ODK type: canvass cannot run it`},
		{"external data", ",xml-external,b\n",
			`t.csv:survey:3: b: type "xml-external": the data file b.xml is not beside the form`},
		{"external data without a name", ",csv-external,\n",
			`t.csv:survey:3: csv-external row has no name: the name is the data file's, without .csv`},
		{"CHT contact", ",contact:person,b,B\n",
			`t.csv:survey:3: b: type "contact:person" is a Community Health Toolkit contact reference, not an ODK type`},
		{"CHT function", ",calculate,b,,\"difference-in-months(today(), today())\"\n",
			`t.csv:survey:3: b: calculation: syntax error at column 1: unknown function difference-in-months()`},
		{"foreign function", ",calculate,b,,\"difference-in-months('2020-01-01', today())\"\n",
			`t.csv:survey:3: b: calculation: syntax error at column 1: unknown function difference-in-months()`},
		{"unknown type", ",intger,b,B\n",
			`t.csv:survey:3: b: unknown type "intger"`},
		{"onward transfer not yes or no", ",text,b,B\nsettings,consent,onward_transfer\n,Agree?,perhaps\n",
			`t.csv:settings:5: onward_transfer must be yes or no, found "perhaps"`},
		{"unclosed group", ",begin group,g,G\n,text,b,B\n",
			`t.csv:survey:3: begin group "g" is never closed with end group`},
		{"end without begin", ",end group\n",
			`t.csv:survey:3: end group without a matching begin group`},
		{"mismatched end", ",begin group,g,G\n,text,b,B\n,end repeat\n",
			`t.csv:survey:5: end repeat closes begin group "g" at row 3`},
		{"unknown list", ",select_one colours,b,B\n",
			`t.csv:survey:3: b: choice list "colours" does not exist`},
		{"list name missing", ",select_one,b,B\n",
			`t.csv:survey:3: b: type "select_one" names no choice list`},
		{"bad reference", ",text,b,B,,${c} = 1\n",
			`t.csv:survey:3: b: relevant refers to unknown item ${c}`},
		{"bad range parameter", ",range,b,B,,,start=one\n",
			`t.csv:survey:3: b: parameters: range start must be a number, found "one"`},
		{"bad randomize", ",select_one yn,b,B,,,randomize=often\n",
			`t.csv:survey:3: b: parameter randomize must be true or false, found "often"`},
		{"geopoint warns", ",geopoint,b,B\n",
			`t.csv:survey:3: warning: b: geopoint cannot be captured on a terminal`},
		{"loop over unknown list", ",begin loop over things,l,L\n,text,b,B\n,end loop\n",
			`t.csv:survey:3: l: begin loop over things: there is no list "things" in the choices sheet`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := problemLines(t, "t.csv", []byte(csvHead+tc.rows+csvChoices))
			if !containsPrefix(got, tc.want) {
				t.Errorf("problems = %q, want one starting %q", got, tc.want)
			}
		})
	}
}

func problemLines(t *testing.T, name string, data []byte) []string {
	t.Helper()
	_, problems, err := Parse(name, data)
	if err != nil {
		t.Fatalf("Parse(%s) error: %v", name, err)
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	return lines
}

// containsPrefix reports whether one of lines holds want; the cases give
// the line from its start where the position matters.
func containsPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.Contains(l, prefix) {
			return true
		}
	}
	return false
}

func TestXLSFormFeatures(t *testing.T) {
	form := "survey,type,name,label,parameters,relevant\n" +
		",select one from colours or specify other,fav,Favourite\n" +
		",begin_group,g,G\n" +
		",begin loop over colours,per,Per colour\n" +
		",integer,times,How often %(label)s?,,\"selected(${fav}, '%(name)s')\"\n" +
		",end loop\n" +
		",end_group\n" +
		",select_one colours,pick,Pick,randomize=true seed=7\n" +
		",note,,Thanks\n" +
		",imei,dev\n" +
		",begin repeat,r1,R1\n,text,nm,Name\n,end repeat\n" +
		",begin repeat,r2,R2\n,text,nm,Name\n,end repeat\n" +
		"choices,list name,name,label\n,colours,red,Red\n,colours,blue,Blue\n" +
		"settings,form_id,form_title\n,My form,Mine\n"
	s, problems, err := Parse("f.csv", []byte(form))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if !p.Warning {
			t.Errorf("problem: %s", p)
		}
	}
	fav := s.Find("fav")
	if fav == nil || fav.Type != model.TypeSelectOne || fav.ListName != "colours" || !fav.OrOther {
		t.Errorf("fav = %+v, want select_one colours or_other", fav)
	}
	red := s.Find("times_red")
	if red == nil {
		t.Fatalf("loop not expanded: no times_red")
	}
	if got, want := red.Label[""], "How often Red?"; got != want {
		t.Errorf("times_red label = %q, want %q", got, want)
	}
	if got, want := red.Relevant, "selected(${fav}, 'red')"; got != want {
		t.Errorf("times_red relevant = %q, want %q", got, want)
	}
	if s.Find("times_blue") == nil || s.Find("blue") == nil {
		t.Errorf("loop over colours lacks the blue copy")
	}
	pick := s.Find("pick")
	if !pick.Randomize || pick.Params["seed"] != "7" {
		t.Errorf("pick = randomize %v params %v, want randomize and seed 7", pick.Randomize, pick.Params)
	}
	if n := s.Find("generated_note_name_9"); n == nil || n.Type != model.TypeNote {
		t.Errorf("nameless note not named generated_note_name_9")
	}
	if d := s.Find("dev"); d == nil || d.Type != model.TypeMeta || d.Meta != "deviceid" {
		t.Errorf("imei = %+v, want meta deviceid", d)
	}
	if s.Find("r2_nm") == nil {
		t.Errorf("second nm (in r2) not renamed r2_nm")
	}
	if s.ID != "My_form" || s.Title != "Mine" {
		t.Errorf("ID, Title = %q, %q; want My_form, Mine", s.ID, s.Title)
	}
}

func TestLegacyXLS(t *testing.T) {
	for _, name := range []string{"form.xls", "form.xlsx"} {
		_, _, err := Parse(name, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0})
		if err == nil || !strings.Contains(err.Error(), "save it as .xlsx") {
			t.Errorf("Parse(%s, OLE2 bytes) error = %v, want advice to save it as .xlsx", name, err)
		}
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte("consent: Do you agree to take part?\n"+yamlHead), 0o644)
	os.WriteFile(bad, []byte(csvHead+",geopoint,g,G\n,calculate,c,,\"add-months('f', 'c')\"\n"+csvChoices), 0o644)
	for _, tc := range []struct {
		paths  []string
		ok     bool
		output string
	}{
		{[]string{good}, true, ""},
		{[]string{good, bad}, false, bad + ": warning: survey: no consent text, so the consent screen has nothing to read; add a consent column on the settings sheet\n" +
			bad + ":survey:3: warning: g: geopoint cannot be captured on a terminal: interviewers will see it explained and skip it\n" +
			bad + ":survey:4: c: calculation: syntax error at column 1: unknown function add-months() (in \"add-months('f', 'c')\")\n"},
		{[]string{filepath.Join(dir, "missing.yaml")}, false, filepath.Join(dir, "missing.yaml") + ": open: no such file or directory\n"},
	} {
		var buf bytes.Buffer
		if ok := Check(&buf, tc.paths); ok != tc.ok {
			t.Errorf("Check(%v) = %v, want %v", tc.paths, ok, tc.ok)
		}
		if diff := cmp.Diff(tc.output, buf.String()); diff != "" {
			t.Errorf("Check(%v) output (-want +got):\n%s", tc.paths, diff)
		}
	}
}

func TestHostileFiles(t *testing.T) {
	deepYAML := "id: t\nitems: &a [{name: x, type: group, items: *a}, {name: y, type: group, items: *a}]\n"
	deepCSV := "survey,type,name,label\n" + strings.Repeat(",begin group,g,G\n", 100) + ",text,a,A\n"
	loopCSV := "survey,type,name,label\n" + strings.Repeat(",begin loop over big,l,L\n", 3) + ",text,a,A\n" +
		strings.Repeat(",end loop\n", 3) + "choices,list_name,name,label\n"
	for i := range 100 {
		loopCSV += fmt.Sprintf(",big,c%d,C\n", i)
	}
	for _, tc := range []struct {
		name string
		data string
		want string
	}{
		{"t.yaml", deepYAML, "groups and repeats nest more than 64 deep"},
		{"t.csv", deepCSV, "t.csv:survey:66: groups and repeats nest more than 64 deep"},
		{"t.csv", loopCSV, "the loops of this form make more than 20000 items"},
		{"t.yaml", "a: &a [*a, *a]\nb: &b [*a, *a]\nid: x\nitems: [*b, *b, *b]\n", "an item must be a mapping"},
	} {
		got := problemLines(t, tc.name, []byte(tc.data))
		if !containsPrefix(got, tc.want) {
			t.Errorf("Parse(%s, %.40q...) problems = %q, want one saying %q", tc.name, tc.data, got, tc.want)
		}
	}
}

func TestFileTooLarge(t *testing.T) {
	data := append([]byte("id: big\nitems: []\n#"), bytes.Repeat([]byte("x"), maxFileSize)...)
	_, _, err := Parse("big.yaml", data)
	want := "big.yaml: the file is 32.0 MiB; canvass reads questionnaire files of up to 32 MiB"
	if err == nil || err.Error() != want {
		t.Errorf("Parse(32 MiB + 20 bytes) error = %v, want %q", err, want)
	}
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(path); err == nil || !strings.Contains(err.Error(), "canvass reads questionnaire files of up to 32 MiB") {
		t.Errorf("Load(%s) error = %v, want the size refused", path, err)
	}
}

// readmeBlocks returns the ```yaml blocks of README.md.
func readmeBlocks(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(data), "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, block)
	}
	return blocks
}

func TestReadmeExamples(t *testing.T) {
	blocks := readmeBlocks(t)
	if len(blocks) != 2 {
		t.Fatalf("README.md has %d yaml blocks, want the questionnaire and the cases", len(blocks))
	}
	s, problems, err := Parse("README.yaml", []byte(blocks[0]))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("README example: %s", p)
	}
	// The example shows every key of every mapping.
	for _, keys := range [][]string{surveyKeys, itemKeys, privacyKeys, rangeKeys, choiceKeys} {
		for _, k := range keys {
			if !strings.Contains(blocks[0], k+":") {
				t.Errorf("README example does not show the key %s", k)
			}
		}
	}
	if s.Calling == nil || len(s.Calling.Windows) == 0 || s.Calling.Zone == "" {
		t.Errorf("README example's calling section did not load: %+v", s.Calling)
	}
	if _, problems := parseCases("README-cases.yaml", []byte(blocks[1])); len(problems) > 0 {
		t.Errorf("README cases example: %v", problems)
	}
}

func TestXLSXProblemsNameTheSheet(t *testing.T) {
	data := xlsxOf(t, []struct {
		name string
		rows [][]string
	}{
		{"Survey", [][]string{{"type", "name", "label"}, {"text", "a", "A"}, {"sensor_stream", "s", "S"}, {}, {"integer", "b", "B", "extra"}}},
		{"Choices", [][]string{{"list_name", "name", "label"}, {"yn", "", "Yes"}}},
	})
	got := problemLines(t, "t.xlsx", data)
	want := []string{
		`t.xlsx: warning: survey: no consent text, so the consent screen has nothing to read; add a consent column on the settings sheet`,
		`t.xlsx:Survey:3: warning: s: metadata "sensor_stream" is not recorded by canvass: it stays empty`,
		`t.xlsx:Survey:5: warning: cell 4 has no column header; it is ignored`,
		`t.xlsx:Choices:2: a choice of list "yn" has no name`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestSelectFromFile(t *testing.T) {
	dir := t.TempDir()
	form := "survey,type,name,label\n,select_one_from_file regions.csv,region,Region\nsettings,consent\n,Do you agree?\n"
	os.WriteFile(filepath.Join(dir, "form.csv"), []byte(form), 0o644)
	os.WriteFile(filepath.Join(dir, "regions.csv"), []byte("name,label::English (en),zone\nnorth,North,a\nsouth,South,b\n"), 0o644)
	s, problems, err := Load(filepath.Join(dir, "form.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("problem: %s", p)
	}
	l := s.Lists["regions.csv"]
	if it := s.Find("region"); it == nil || it.ListName != "regions.csv" || l == nil {
		t.Fatalf("region does not use the list regions.csv: %+v", it)
	}
	want := []model.Choice{
		{Name: "north", Label: model.Text{"en": "North"}, Extra: map[string]string{"zone": "a"}},
		{Name: "south", Label: model.Text{"en": "South"}, Extra: map[string]string{"zone": "b"}},
	}
	if diff := cmp.Diff(want, l.Choices, ignorePlace); diff != "" {
		t.Errorf("regions.csv choices (-want +got):\n%s", diff)
	}
	// A path out of the form's directory is not "beside the form".
	os.WriteFile(filepath.Join(dir, "form2.csv"), []byte(strings.Replace(form, "regions.csv", "../regions.csv", 1)), 0o644)
	_, problems, _ = Load(filepath.Join(dir, "form2.csv"))
	if model.Valid(problems) {
		t.Errorf("select_one_from_file ../regions.csv was accepted")
	}
}

func TestXLSFormLanguages(t *testing.T) {
	for _, tc := range []struct {
		name      string
		header    string
		row       string
		settings  string
		languages []string
		deflt     string
		label     model.Text
	}{
		{"codes in brackets", "label::English (en),label::Español (es)", "A,B", "default_language\n,Español",
			[]string{"en", "es"}, "es", model.Text{"en": "A", "es": "B"}},
		{"names only", "label::English,label::French", "A,B", "default_language\n,French",
			[]string{"English", "French"}, "French", model.Text{"English": "A", "French": "B"}},
		{"old single colon", "label:english,hint:english", "A,H", "form_id\n,x",
			[]string{"english"}, "", model.Text{"english": "A"}},
		{"default column and a translation", "label,label::Español (es)", "A,B", "form_id\n,x",
			[]string{"es"}, "", model.Text{"": "A", "es": "B"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := "survey,type,name," + tc.header + "\n,text,a," + tc.row + "\nsettings," + tc.settings + "\n"
			s, _, err := Parse("f.csv", []byte(form))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.Languages, tc.languages) || s.DefaultLanguage != tc.deflt {
				t.Errorf("languages %v, default %q; want %v, %q", s.Languages, s.DefaultLanguage, tc.languages, tc.deflt)
			}
			if diff := cmp.Diff(tc.label, s.Find("a").Label); diff != "" {
				t.Errorf("label (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMissingColumns(t *testing.T) {
	for _, tc := range []struct {
		form, want string
	}{
		{"survey,type,label\n,text,A\n", "t.csv:survey:1: the survey sheet has no name column"},
		{"survey\n,Label,Value\n,A,a\n", "t.csv:survey:2: the survey sheet has no type column"},
		{"survey,type,name\n,text,a\nchoices,list name,label\n,yn,Yes\n", "t.csv:choices:3: the choices sheet has no name column"},
	} {
		got := problemLines(t, "t.csv", []byte(tc.form))
		if !containsPrefix(got, tc.want) {
			t.Errorf("Parse(%q) problems = %q, want %q", tc.form, got, tc.want)
		}
	}
}
