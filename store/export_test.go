package store

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"canvass/model"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// exportSurvey has a personal open question, numeric, coded and
// multiple-choice questions (with "other"), a question that becomes
// irrelevant, a date, a free text, a calculation filled from the contact's
// name, and a repeat.
func exportSurvey(onward bool) *model.Survey {
	en := func(s string) model.Text { return model.Text{"en": s} }
	return &model.Survey{ID: "hs", Version: "3", Title: "Health | habits", Client: "Health Trust", Languages: []string{"en"},
		Consent: en("Hello ${contact.name}, may we ask a few questions?"),
		Privacy: model.Privacy{OnwardTransfer: onward, PersonalFields: []string{"staff_no"}},
		Items: []model.Item{
			{Name: "resp_name", Type: model.TypeText, Label: en("What is your name?"), Personal: true},
			{Name: "age", Type: model.TypeInteger, Label: en("How old are you?")},
			{Name: "fruit", Type: model.TypeSelectOne, ListName: "fruit", OrOther: true, Label: en("Favourite fruit?")},
			{Name: "likes_pets", Type: model.TypeSelectOne, ListName: "yn", Label: en("Do you like pets, ${resp_name}? (for ${survey.client})")},
			{Name: "pets", Type: model.TypeSelectMultiple, ListName: "pets", OrOther: true, Label: en("Which pets?"), Relevant: "${likes_pets} = '1'"},
			{Name: "visit", Type: model.TypeDate, Label: en("Last visit?")},
			{Name: "comment", Type: model.TypeText, Label: en("Anything else?")},
			{Name: "greet", Type: model.TypeCalculate, Calculation: "concat('Hi ', ${contact.name})"},
			{Name: "members", Type: model.TypeRepeat, Label: en("Household members"), Items: []model.Item{
				{Name: "m_age", Type: model.TypeInteger, Label: en("Member's age?")},
				{Name: "m_sex", Type: model.TypeSelectOne, ListName: "sex", Label: en("Member's sex?")},
			}},
		},
		Lists: map[string]*model.ChoiceList{
			"fruit": {Name: "fruit", Choices: []model.Choice{{Name: "apple", Label: en("Apple")}, {Name: "pear", Label: en("Pear")}}},
			"yn":    {Name: "yn", Choices: []model.Choice{{Name: "1", Label: en("Yes")}, {Name: "2", Label: en("No")}}},
			"pets":  {Name: "pets", Choices: []model.Choice{{Name: "dog", Label: en("Dog")}, {Name: "cat", Label: en("Cat")}, {Name: "fish", Label: en("Fish")}}},
			"sex":   {Name: "sex", Choices: []model.Choice{{Name: "f", Label: en("Female")}, {Name: "m", Label: en("Male")}}},
		},
	}
}

// The sample. Its names, phones, emails, companies and staff numbers must
// never appear in an export without personal data.
const exportSample = "id,phone,email,name,company,staff_no,segment\n" +
	"a,(415) 555-0100,Ann.Smith@Example.com,Ann Smith,Acme Widgets,S-778899,gold\n" +
	"b,415 555 0101,bob.jones@example.org,Bob Jones,Globex Corp,S-112233,blue\n" +
	"c,4155550102,cora.quist@example.net,Cora Quist,Initech,S-000001,gold\n" +
	"d,4155550103,dan.vole@example.net,Dan Vole,Umbrella,S-000002,gold\n" +
	"e,4155550104,eve.marsh@example.net,Eve Marsh,Hooli,S-000003,gold\n" +
	"f,4155550105,fay.brook@example.net,Fay Brook,Vandelay,S-000004,gold\n" +
	"g,4155550106,gus.trent@example.net,Gus Trent,Soylent,S-000005,gold\n" +
	"h,4155550107,hal.yards@example.net,Hal Yards,Tyrell,S-000006,gold\n"

// exportNeedles are the personal values of the sample in the forms they may
// take in text.
var exportNeedles = []string{
	"Ann Smith", "Smith", "Bob Jones", "Jones", "Acme Widgets", "Globex",
	"+14155550100", "14155550100", "4155550100", "(415) 555-0100", "415-555-0100", "415 555 0100",
	"+14155550101", "4155550101", "415 555 0101",
	"ann.smith@example.com", "Ann.Smith@Example.com", "bob.jones@example.org",
	"S-778899", "S-112233", "Cora Quist", "Hal Yards", "Gus Trent", "Trent",
}

type answers map[string]model.Response

func dk() model.Response { return model.Response{Special: model.DontKnow} }
func rf() model.Response { return model.Response{Special: model.Refused} }
func val(v string) model.Response {
	return model.Response{Value: v}
}

// drive answers the interview's stops from script (keyed by item[path])
// until it is done, saving every answer with the engine's state.
func drive(t *testing.T, s *Store, id string, iv *model.Interview, script answers) {
	t.Helper()
	for !iv.Done() {
		scr := iv.Current()
		if scr.Kind == model.KindNote {
			if err := iv.Next(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		key := model.Ref{Item: scr.Item, Path: scr.Path}.String()
		resp, ok := script[key]
		if !ok {
			t.Fatalf("no scripted answer for %s", key)
		}
		save(t, s, id, iv, resp)
		if err := iv.Next(); err != nil {
			t.Fatalf("Next after %s: %v", key, err)
		}
	}
}

func save(t *testing.T, s *Store, id string, iv *model.Interview, resp model.Response) {
	t.Helper()
	ev, res := iv.Answer(resp)
	if !res.Accepted() {
		t.Fatalf("Answer(%+v) at %s = %v %s", resp, iv.Current().Item, res.Status, res.Msg)
	}
	state, err := iv.State()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAnswer(id, *ev, state); err != nil {
		t.Fatal(err)
	}
}

type exportFix struct {
	s   *Store
	ids map[string]string           // contact => interview
	ivs map[string]*model.Interview // contact => engine
}

// newExportFixture runs eight interviews through the engine and the store:
// a (completed, approved; a changed answer made pets irrelevant; two
// household members), b (don't know and refused; suspended), c..h
// (completed, simple), and leaves nothing else.
func newExportFixture(t *testing.T, onward bool) *exportFix {
	t.Helper()
	return newExportFixtureOn(t, openTest(t), onward)
}

// newExportFixtureOn is newExportFixture on a given store.
func newExportFixtureOn(t *testing.T, s *Store, onward bool) *exportFix {
	t.Helper()
	sv := exportSurvey(onward)
	if _, _, err := s.AddSurvey(sv, []byte(fmt.Sprint("survey onward=", onward)), "author"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "hs", exportSample)
	form, probs := model.Compile(sv)
	if form == nil {
		t.Fatalf("Compile: %v", probs)
	}
	fx := &exportFix{s: s, ids: map[string]string{}, ivs: map[string]*model.Interview{}}
	begin := func(contact string) (string, *model.Interview) {
		c, _, err := s.Contact("hs", contact)
		if err != nil {
			t.Fatal(err)
		}
		id, err := s.StartInterview(model.Consent{Survey: "hs", Contact: contact, Interviewer: "ivy", Lang: "en",
			Text: "Hello " + c.Name + ", may we ask a few questions?", At: t0, Agreed: true})
		if err != nil {
			t.Fatal(err)
		}
		iv, err := model.Start(form, model.Config{Contact: c, Interviewer: model.Interviewer{ID: "ivy", Name: "Ivy"}, Lang: "en", Clock: fixedClock(t0, time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		fx.ids[contact], fx.ivs[contact] = id, iv
		return id, iv
	}
	// a: everything, then a change that makes pets irrelevant.
	id, iv := begin("a")
	drive(t, s, id, iv, answers{
		"resp_name": val("Ann Smith"), "age": val("41"), "fruit": {Value: "other", Other: "durian from Acme Widgets"},
		"likes_pets": val("1"), "pets": {Value: "dog cat other", Other: "iguana"}, "visit": val("2026-03-01"),
		"comment":    val("Ann Smith asked to be called on 415-555-0100 or ann.smith@example.com"),
		"members[1]": val("yes"), "m_age[1]": val("40"), "m_sex[1]": val("f"),
		"members[2]": val("yes"), "m_age[2]": dk(), "m_sex[2]": val("m"),
		"members[3]": val("no"),
	})
	if err := iv.GoTo("likes_pets", nil); err != nil {
		t.Fatal(err)
	}
	save(t, s, id, iv, val("2"))
	iv.FastForward()
	if !iv.Done() {
		t.Fatalf("after the change the interview is at %s, want the end", iv.Current().Item)
	}
	must(t, s.Complete(id, "ivy"))
	must(t, s.Review(id, "sam", "approved", "good work, Ann Smith was patient"))
	// b: don't know and refused, suspended with a note naming her.
	id, iv = begin("b")
	drive(t, s, id, iv, answers{
		"resp_name": rf(), "age": rf(), "fruit": dk(), "likes_pets": val("1"), "pets": dk(), "visit": dk(),
		"comment": val(""), "members[1]": val("no"),
	})
	must(t, s.Suspend(id, "ivy", "Bob Jones will call back from 415 555 0101"))
	for i, c := range []string{"c", "d", "e", "f", "g", "h"} {
		id, iv := begin(c)
		fruit, pets := "apple", val("fish")
		if c == "h" {
			fruit = "pear"
		}
		if c == "g" {
			pets = model.Response{Value: "cat other", Other: "a hamster called Gus Trent"}
		}
		drive(t, s, id, iv, answers{
			"resp_name": val(strings.ToUpper(c) + " person"), "age": val(fmt.Sprint(30 + i)), "fruit": val(fruit),
			"likes_pets": val("1"), "pets": pets, "visit": val("2026-02-0" + fmt.Sprint(i+1)), "comment": val("fine"),
			"members[1]": val("no"),
		})
		must(t, s.Complete(id, "ivy"))
	}
	return fx
}

// wantData is the engine's data of an interview as a default export must
// show it: personal items left out, the contact's values masked.
func (fx *exportFix) wantData(contact string, pii bool) []model.Datum {
	iv := fx.ivs[contact]
	sc := newScrubber(iv.Contact(), []string{"staff_no"})
	var out []model.Datum
	for _, d := range iv.Data() {
		if !pii {
			if d.Item == "resp_name" {
				continue
			}
			d.Value, d.Other = sc.mask(d.Value), sc.mask(d.Other)
		}
		out = append(out, d)
	}
	return out
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return recs
}

func readAll(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// csvDecoder turns CSV cells back into data, knowing the survey's codes as
// the codebook documents them.
type csvSpec struct {
	item   string
	codes  map[string]string // code => choice name
	dk, rf string
	multi  bool
	other  string // the other-text column
}

var exportSpecs = []csvSpec{
	{item: "age", dk: "-999999998", rf: "-999999999"},
	{item: "fruit", codes: map[string]string{"1": "apple", "2": "pear", "3": "other"}, dk: "-8", rf: "-9", other: "fruit_specify"},
	{item: "likes_pets", codes: map[string]string{"1": "1", "2": "2"}, dk: "-8", rf: "-9"},
	{item: "pets", codes: map[string]string{"1": "dog", "2": "cat", "3": "fish", "4": "other"}, dk: "-8", rf: "-9", multi: true, other: "pets_specify"},
	{item: "visit", dk: "-8", rf: "-9"},
	{item: "comment", dk: "-8", rf: "-9"},
	{item: "greet", dk: "-8", rf: "-9"},
	{item: "m_age", dk: "-999999998", rf: "-999999999"},
	{item: "m_sex", codes: map[string]string{"1": "f", "2": "m"}, dk: "-8", rf: "-9"},
}

// decodeRow reads the data of one CSV row back, with the instance path.
func decodeRow(t *testing.T, header, rec []string, path []int) []model.Datum {
	t.Helper()
	col := map[string]string{}
	for i, h := range header {
		col[h] = rec[i]
	}
	var out []model.Datum
	for _, sp := range exportSpecs {
		cell, ok := col[sp.item]
		if !ok || cell == "" {
			continue
		}
		d := model.Datum{Item: sp.item, Path: path}
		switch {
		case cell == sp.dk:
			d.Special = model.DontKnow
		case cell == sp.rf:
			d.Special = model.Refused
		case sp.codes != nil:
			var names []string
			for _, code := range strings.Fields(cell) {
				name, ok := sp.codes[code]
				if !ok {
					t.Errorf("%s: code %q is not in the codebook", sp.item, code)
				}
				names = append(names, name)
				if sp.multi && col[sp.item+"_"+name] != "1" {
					t.Errorf("%s = %q but its column %s_%s = %q, want 1", sp.item, cell, sp.item, name, col[sp.item+"_"+name])
				}
			}
			d.Value = strings.Join(names, " ")
		default:
			d.Value = cell
		}
		if sp.other != "" {
			d.Other = col[sp.other]
		}
		out = append(out, d)
	}
	return out
}

func byItemOrder(ds []model.Datum) []model.Datum {
	order := map[string]int{}
	for i, sp := range exportSpecs {
		order[sp.item] = i
	}
	slices.SortStableFunc(ds, func(a, b model.Datum) int {
		if c := slices.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return order[a.Item] - order[b.Item]
	})
	return ds
}

func TestExportCSVRoundTrip(t *testing.T) {
	fx := newExportFixture(t, false)
	dir := t.TempDir()
	out := filepath.Join(dir, "wave1.csv")
	res, err := fx.s.Export(ExportOptions{Survey: "hs", Format: ExportCSV, Out: out})
	if err != nil {
		t.Fatalf("Export = %v", err)
	}
	wantFiles := []string{out, filepath.Join(dir, "wave1_members.csv"), filepath.Join(dir, "wave1.sps"), filepath.Join(dir, "wave1.do"), filepath.Join(dir, "wave1_codebook.md")}
	if diff := cmp.Diff(wantFiles, res.Files); diff != "" || res.Interviews != 8 {
		t.Errorf("Export files (-want +got):\n%s; interviews = %d, want 8", diff, res.Interviews)
	}
	main := readCSV(t, out)
	members := readCSV(t, filepath.Join(dir, "wave1_members.csv"))
	if len(main) != 9 {
		t.Fatalf("%s has %d rows, want a header and 8 interviews", out, len(main))
	}
	got := map[string][]model.Datum{}
	meta := map[string]map[string]string{}
	byID := map[string]string{}
	for c, id := range fx.ids {
		byID[id] = c
	}
	for _, rec := range main[1:] {
		c := byID[rec[0]]
		got[c] = decodeRow(t, main[0], rec, nil)
		meta[c] = map[string]string{}
		for i, h := range main[0] {
			meta[c][h] = rec[i]
		}
	}
	if diff := cmp.Diff([]string{"interview", "respondent", "members_index", "m_age", "m_sex"}, members[0]); diff != "" {
		t.Errorf("roster header (-want +got):\n%s", diff)
	}
	for _, rec := range members[1:] {
		c := byID[rec[0]]
		if rec[1] != meta[c]["respondent"] {
			t.Errorf("roster row of %s has respondent %s, want %s as in the main file", rec[0], rec[1], meta[c]["respondent"])
		}
		got[c] = append(got[c], decodeRow(t, members[0], rec, []int{atoi(t, rec[2])})...)
	}
	for c := range fx.ids {
		// An empty answer and no answer are both an empty cell.
		want := slices.DeleteFunc(byItemOrder(fx.wantData(c, false)), func(d model.Datum) bool { return d.Value == "" && d.Special == "" })
		if diff := cmp.Diff(want, byItemOrder(got[c])); diff != "" {
			t.Errorf("CSV data of %s (-engine +csv):\n%s", c, diff)
		}
	}
	// The change made pets irrelevant: its columns are empty.
	if meta["a"]["pets"] != "" || meta["a"]["pets_dog"] != "" {
		t.Errorf("a's pets = %q, pets_dog = %q, want empty (irrelevant after the change)", meta["a"]["pets"], meta["a"]["pets_dog"])
	}
	tests := []struct {
		contact, col, want string
	}{
		{"a", "status", "completed"},
		{"a", "review", "approved"},
		{"a", "interviewer", "ivy"},
		{"a", "language", "en"},
		{"a", "survey_version", "3"},
		{"a", "revision", "1"},
		{"b", "status", "suspended"},
		{"b", "review", ""},
		{"b", "ended", ""},
		{"b", "duration_s", ""},
		{"c", "pets", "3"},
		{"g", "pets", "2 4"},
		{"g", "pets_other", "1"},
		{"g", "pets_cat", "1"},
		{"g", "pets_specify", "a hamster called [personal]"},
		{"c", "pets_fish", "1"},
		{"c", "pets_dog", "0"},
		{"b", "pets_dog", "-8"},
		{"b", "age", "-999999999"},
		{"a", "comment", "[personal] asked to be called on [personal] or [personal]"},
		{"a", "greet", "Hi [personal]"},
		{"a", "fruit_specify", "durian from [personal]"},
	}
	for _, tt := range tests {
		if got := meta[tt.contact][tt.col]; got != tt.want {
			t.Errorf("CSV %s of %s = %q, want %q", tt.col, tt.contact, got, tt.want)
		}
	}
	if k := meta["a"]["respondent"]; len(k) != 32 || k == meta["b"]["respondent"] {
		t.Errorf("respondent keys %q, %q: want distinct 32-hex-digit keys", k, meta["b"]["respondent"])
	}
	if _, ok := meta["a"]["resp_name"]; ok {
		t.Error("the personal item resp_name has a column in a default export")
	}
	// A second export gives the same pseudonymous keys.
	out2 := filepath.Join(dir, "again.csv")
	if _, err := fx.s.Export(ExportOptions{Survey: "hs", Format: ExportCSV, Out: out2}); err != nil {
		t.Fatal(err)
	}
	if again := readCSV(t, out2); again[1][1] != main[1][1] {
		t.Errorf("respondent key changed between exports: %s then %s", main[1][1], again[1][1])
	}
	// The syntax files and codebook name every variable with its labels.
	sps, do, book := readAll(t, filepath.Join(dir, "wave1.sps")), readAll(t, filepath.Join(dir, "wave1.do")), readAll(t, filepath.Join(dir, "wave1_codebook.md"))
	for _, want := range []string{"/FILE='wave1.csv'", "fruit F12.0", "comment A", "VALUE LABELS fruit 1 'Apple' 2 'Pear' 3 'Other' -8 'Don''t know' -9 'Refused'.", "MISSING VALUES age (-999999998, -999999999).", "/FILE='wave1_members.csv'"} {
		if !strings.Contains(strings.Join(strings.Fields(sps), " "), want) {
			t.Errorf("wave1.sps lacks %q", want)
		}
	}
	for _, want := range []string{"import delimited using `\"wave1.csv\"'", "mvdecode age, mv(-999999998=.d \\ -999999999=.r)", "label define fruit_l 1 `\"Apple\"', add", "label values fruit fruit_l", "label variable pets_cat `\"Which pets?: Cat\"'"} {
		if !strings.Contains(do, want) {
			t.Errorf("wave1.do lacks %q", want)
		}
	}
	for _, want := range []string{"| `pets` | pets | Which pets? | select_multiple", "(${likes_pets} = '1')", "1 = Apple (`apple`)", "Left out as personal data: `resp_name`", "## Repeat members: wave1_members.csv", "Health \\| habits"} {
		if !strings.Contains(book, want) {
			t.Errorf("codebook lacks %q", want)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

func TestExportJSONLRoundTrip(t *testing.T) {
	fx := newExportFixture(t, false)
	out := filepath.Join(t.TempDir(), "all.jsonl")
	if _, err := fx.s.Export(ExportOptions{Survey: "hs", Format: ExportJSONL, Out: out}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]ExportedInterview{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var iv ExportedInterview
		if err := json.Unmarshal(sc.Bytes(), &iv); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got[iv.Interview] = iv
	}
	if len(got) != 8 {
		t.Fatalf("%d interviews in the JSONL, want 8", len(got))
	}
	for c, id := range fx.ids {
		iv := got[id]
		if diff := cmp.Diff(fx.wantData(c, false), iv.Data); diff != "" {
			t.Errorf("JSONL data of %s (-engine +jsonl):\n%s", c, diff)
		}
		rv, err := fx.s.Interview(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(iv.History) != len(rv.History) {
			t.Errorf("JSONL history of %s has %d answers, want %d", c, len(iv.History), len(rv.History))
			continue
		}
		for i, h := range rv.History {
			w := h.Answer
			if w.Item == "resp_name" {
				w.Value = ""
			}
			sc := newScrubber(fx.ivs[c].Contact(), nil)
			w.Value, w.Other, w.Previous = sc.mask(w.Value), sc.mask(w.Other), sc.mask(w.Previous)
			w.Label = "" // the question as read fills in personal data
			if diff := cmp.Diff(w, iv.History[i].Answer); diff != "" || h.Event != iv.History[i].Event {
				t.Errorf("JSONL history %d of %s (-store +jsonl):\n%s", i, c, diff)
			}
		}
		if iv.Consent.Text != "" || iv.Consent.Contact != "" || iv.Contact != nil {
			t.Errorf("JSONL of %s carries the consent text %q, contact id %q or contact %v without personal data", c, iv.Consent.Text, iv.Consent.Contact, iv.Contact)
		}
	}
	a, b := got[fx.ids["a"]], got[fx.ids["b"]]
	var changed bool
	for _, h := range a.History {
		changed = changed || h.Answer.Item == "likes_pets" && h.Answer.Change && h.Answer.Previous == "1" && h.Answer.Value == "2"
	}
	if !changed {
		t.Error("a's JSONL history lacks the change of likes_pets from 1 to 2")
	}
	if a.Review != "approved" || len(a.Steps) != 2 || a.Steps[1].Note != "good work, [personal] was patient" || a.DurationS == nil {
		t.Errorf("a's review %q, steps %+v, duration %v: want approved, completed + review with the name masked, a duration", a.Review, a.Steps, a.DurationS)
	}
	if len(b.Steps) != 1 || b.Steps[0].Kind != KindSuspended || b.Steps[0].Note != "[personal] will call back from [personal]" {
		t.Errorf("b's steps = %+v, want the suspension with its note masked", b.Steps)
	}
	if diff := cmp.Diff([]string{"resp_name"}, a.Withheld); diff != "" {
		t.Errorf("a's withheld items (-want +got):\n%s", diff)
	}
}

func TestExportParadata(t *testing.T) {
	fx := newExportFixture(t, false)
	out := filepath.Join(t.TempDir(), "para.csv")
	if _, err := fx.s.Export(ExportOptions{Survey: "hs", Format: ExportParadata, Out: out}); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, out)
	if diff := cmp.Diff(paradataHeader(), recs[0]); diff != "" {
		t.Fatalf("paradata header (-want +got):\n%s", diff)
	}
	events := map[string][]string{}
	for _, rec := range recs[1:] {
		c := ""
		for k, id := range fx.ids {
			if id == rec[0] {
				c = k
			}
		}
		if rec[3] == "" && rec[4] != ParaConsent {
			t.Errorf("paradata row %v has no time", rec)
		}
		events[c] = append(events[c], rec[4]+" "+rec[5]+"["+rec[6]+"]")
	}
	tests := []struct {
		contact string
		want    []string
	}{
		{"a", []string{"consent []", "shown age[]", "answered age[]", "changed likes_pets[]", "dont_know m_age[2]", "completed []", "review []"}},
		{"b", []string{"refused age[]", "dont_know fruit[]", "refused resp_name[]", "suspended []"}},
	}
	for _, tt := range tests {
		for _, w := range tt.want {
			if !slices.Contains(events[tt.contact], w) {
				t.Errorf("paradata of %s lacks %q; has %q", tt.contact, w, events[tt.contact])
			}
		}
	}
	if ev := events["a"]; ev[0] != "consent []" || ev[len(ev)-1] != "review []" {
		t.Errorf("paradata of a = %q, want it in log order from the consent to the review", ev)
	}
}

// exportAll writes every kind of default export into dir and returns the
// files.
func exportAll(t *testing.T, s *Store, dir string) []string {
	t.Helper()
	var files []string
	for _, o := range []ExportOptions{
		{Format: ExportCSV, Out: "data.csv"},
		{Format: ExportJSONL, Out: "data.jsonl"},
		{Format: ExportParadata, Out: "para.csv"},
		{Format: ExportCSV, Out: "freq.csv", Aggregate: true},
		{Format: ExportJSONL, Out: "freq.jsonl", Aggregate: true},
	} {
		o.Survey, o.Out = "hs", filepath.Join(dir, o.Out)
		res, err := s.Export(o)
		if err != nil {
			t.Fatalf("Export(%s) = %v", o.Out, err)
		}
		files = append(files, res.Files...)
	}
	return files
}

func TestExportKeepsPersonalDataOut(t *testing.T) {
	fx := newExportFixture(t, true)
	dir := t.TempDir()
	for _, f := range exportAll(t, fx.s, dir) {
		text := strings.ToLower(readAll(t, f))
		for _, n := range exportNeedles {
			if strings.Contains(text, strings.ToLower(n)) {
				t.Errorf("%s contains the personal value %q", filepath.Base(f), n)
			}
		}
	}
	// Aggregates hold no ids or keys either.
	for _, f := range []string{"freq.csv", "freq.jsonl"} {
		text := readAll(t, filepath.Join(dir, f))
		for c, id := range fx.ids {
			if strings.Contains(text, id) || strings.Contains(text, "durian") || strings.Contains(text, "iguana") {
				t.Errorf("%s holds the interview id of %s or open text", f, c)
			}
		}
	}
}

func TestExportIncludePII(t *testing.T) {
	t.Run("authorised", func(t *testing.T) {
		fx := newExportFixture(t, true)
		out := filepath.Join(t.TempDir(), "pii.csv")
		if _, err := fx.s.Export(ExportOptions{Survey: "hs", Format: ExportCSV, Out: out, IncludePII: true, Actor: "sam"}); err != nil {
			t.Fatal(err)
		}
		text := readAll(t, out)
		for _, want := range []string{"Ann Smith", "+14155550100", "ann.smith@example.com", "S-778899", "Ann Smith asked to be called on 415-555-0100"} {
			if !strings.Contains(text, want) {
				t.Errorf("an authorised export with personal data lacks %q", want)
			}
		}
		var logged []exportPersonal
		fx.s.Events(0, func(e *Event) error {
			if e.Kind == KindExportPersonal {
				var p exportPersonal
				json.Unmarshal(e.Data, &p)
				if e.Actor != "sam" {
					t.Errorf("export event actor = %q, want sam", e.Actor)
				}
				logged = append(logged, p)
			}
			return nil
		})
		if len(logged) != 1 || logged[0].Survey != "hs" || logged[0].Files[0] != out || logged[0].Interviews != 8 {
			t.Errorf("export events = %+v, want one for hs naming %s and 8 interviews", logged, out)
		}
		rep, err := fx.s.Doctor()
		if err != nil || len(rep.Problems) > 0 {
			t.Errorf("Doctor after an export = %+v, %v, want no problems", rep, err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		fx := newExportFixture(t, false)
		dir := t.TempDir()
		for _, format := range []string{ExportCSV, ExportJSONL, ExportParadata} {
			_, err := fx.s.Export(ExportOptions{Survey: "hs", Format: format, Out: filepath.Join(dir, "x."+format), IncludePII: true})
			if !errors.Is(err, ErrNotAuthorised) {
				t.Errorf("Export(%s, IncludePII) of a survey without onward transfer = %v, want ErrNotAuthorised", format, err)
			}
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("a refused export left %d files", len(ents))
		}
		fx.s.Events(0, func(e *Event) error {
			if e.Kind == KindExportPersonal {
				t.Errorf("a refused export was logged as done: %+v", e)
			}
			return nil
		})
	})
}

func TestExportAggregateSuppressesSmallCells(t *testing.T) {
	fx := newExportFixture(t, false)
	out := filepath.Join(t.TempDir(), "freq.jsonl")
	if _, err := fx.s.Export(ExportOptions{Survey: "hs", Format: ExportJSONL, Out: out, Aggregate: true}); err != nil {
		t.Fatal(err)
	}
	tables := map[string]FreqTable{}
	for _, line := range strings.Split(strings.TrimSpace(readAll(t, out)), "\n") {
		var tb FreqTable
		if err := json.Unmarshal([]byte(line), &tb); err != nil {
			t.Fatal(err)
		}
		tables[tb.Item] = tb
	}
	if _, ok := tables["age"]; ok {
		t.Error("an open question (age) has a frequency table")
	}
	count := func(item, choice string) string {
		for _, c := range tables[item].Cells {
			if c.Choice == choice {
				if c.Count == nil {
					return "suppressed"
				}
				return fmt.Sprint(*c.Count)
			}
		}
		return "missing"
	}
	tests := []struct {
		item, choice, want string
	}{
		{"fruit", "apple", "5"},
		{"fruit", "pear", "suppressed"},
		{"fruit", "other", "suppressed"},
		{"fruit", "dk", "suppressed"},
		// With apple and N shown, pear, other and dk would each have
		// to be 1: the empty rf is suppressed too, so that they cannot
		// be worked out (11.8).
		{"fruit", "rf", "suppressed"},
		// likes_pets: 7 yes, 1 no; the 1 alone would be recoverable from
		// the total, so the 7 is suppressed as well.
		{"likes_pets", "2", "suppressed"},
		{"likes_pets", "1", "suppressed"},
		// pets: 5 fish, 1 cat and other, 1 don't know (a's answer left
		// with the change).
		{"pets", "fish", "5"},
		{"pets", "dog", "0"},
		{"pets", "cat", "suppressed"},
		{"pets", "other", "suppressed"},
		{"pets", "dk", "suppressed"},
		// m_sex: two answers in all, under 5: nothing shown.
		{"m_sex", "f", "suppressed"},
	}
	for _, tt := range tests {
		if got := count(tt.item, tt.choice); got != tt.want {
			t.Errorf("aggregate %s = %s count %s, want %s", tt.item, tt.choice, got, tt.want)
		}
	}
	if tables["m_sex"].N != nil || tables["fruit"].N == nil || *tables["fruit"].N != 8 {
		t.Errorf("table sizes: m_sex %v (want suppressed), fruit %v (want 8)", tables["m_sex"].N, tables["fruit"].N)
	}
}

func TestExportBadInput(t *testing.T) {
	fx := newExportFixture(t, true)
	dir := t.TempDir()
	tests := []struct {
		name string
		o    ExportOptions
		want string
	}{
		{"unknown survey", ExportOptions{Survey: "nope", Format: ExportCSV, Out: filepath.Join(dir, "a.csv")}, `survey "nope" is not installed`},
		{"unwritable out", ExportOptions{Survey: "hs", Format: ExportCSV, Out: filepath.Join(dir, "missing", "a.csv")}, "write " + filepath.Join(dir, "missing", "a.csv")},
		{"unwritable jsonl", ExportOptions{Survey: "hs", Format: ExportJSONL, Out: filepath.Join(dir, "missing", "a.jsonl")}, "no such file or directory"},
		{"unknown format", ExportOptions{Survey: "hs", Format: "xlsx", Out: filepath.Join(dir, "a.xlsx")}, `unknown format "xlsx"`},
		{"aggregate paradata", ExportOptions{Survey: "hs", Format: ExportParadata, Out: filepath.Join(dir, "a.csv"), Aggregate: true}, "cannot be aggregated"},
		{"onto the store", ExportOptions{Survey: "hs", Format: ExportJSONL, Out: fx.s.Path()}, "it is the store itself"},
		{"data onto its own syntax file", ExportOptions{Survey: "hs", Format: ExportCSV, Out: filepath.Join(dir, "a.sps")}, "would write it twice"},
		{"aggregate with pii", ExportOptions{Survey: "hs", Format: ExportCSV, Out: filepath.Join(dir, "a.csv"), Aggregate: true, IncludePII: true}, "never hold personal data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fx.s.Export(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Export = %v, want one line containing %q", err, tt.want)
			}
		})
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("failed exports left %q", names)
	}
}

// TestExportProjectionMatchesEngine checks that the projections written
// when interviews close give the same data as loading their engine state,
// and that resuming drops the projection so that new answers are seen.
func TestExportProjectionMatchesEngine(t *testing.T) {
	fx := newExportFixture(t, false)
	s := fx.s
	check := func(contact string, wantProjection bool) {
		t.Helper()
		id := fx.ids[contact]
		s.db.View(func(tx *bolt.Tx) error {
			v := tx.Bucket(bXData).Get([]byte(id))
			if (v != nil) != wantProjection {
				t.Errorf("projection of %s present = %v, want %v", contact, v != nil, wantProjection)
			}
			rec, err := s.interviewTx(tx, id)
			if err != nil {
				t.Fatal(err)
			}
			slow, err := s.projectTx(tx, rec, s.newFormCache(), rec.Ended)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(fx.ivs[contact].Data(), slow.Data); diff != "" {
				t.Errorf("engine-state data of %s (-engine +store):\n%s", contact, diff)
			}
			if v == nil {
				return nil
			}
			var p projection
			if err := decodeProjection(v, &p, func(b []byte) string { return string(b) }); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(slow, &p); diff != "" {
				t.Errorf("projection of %s (-engine state +projection):\n%s", contact, diff)
			}
			return nil
		})
	}
	check("a", true)
	check("b", true)
	id := fx.ids["b"]
	state, err := s.Resume(id, "ivy")
	if err != nil {
		t.Fatal(err)
	}
	check("b", false)
	iv, err := model.LoadState(fx.ivs["b"].Form(), state, fx.ivs["b"].Contact(), fixedClock(t0.Add(time.Hour), time.Second))
	if err != nil {
		t.Fatal(err)
	}
	fx.ivs["b"] = iv
	if err := iv.GoTo("age", nil); err != nil {
		t.Fatal(err)
	}
	save(t, s, id, iv, val("52"))
	// Active: the export reads the engine state and sees the new age.
	out := filepath.Join(t.TempDir(), "d.csv")
	if _, err := s.Export(ExportOptions{Survey: "hs", Format: ExportCSV, Out: out}); err != nil {
		t.Fatal(err)
	}
	for _, rec := range readCSV(t, out)[1:] {
		if rec[0] == id && (rec[slices.Index(readCSV(t, out)[0], "age")] != "52" || rec[slices.Index(readCSV(t, out)[0], "status")] != "active") {
			t.Errorf("b after resuming and answering age 52: row %q", rec)
		}
	}
	must(t, s.Complete(id, "ivy"))
	check("b", true)
}

func TestProjectionEncoding(t *testing.T) {
	tests := []projection{
		{},
		{Interviewer: "ivy", Status: "completed", Started: t0, Ended: t0.Add(time.Minute), Lang: "es", Revision: 7,
			Data: []model.Datum{{Item: "a", Value: "1"}, {Item: "b", Path: []int{2, 3}, Special: model.DontKnow}, {Item: "c", Value: "x y", Other: "ünïcode"}}},
	}
	for _, p := range tests {
		var got projection
		if err := decodeProjection(encodeProjection(&p), &got, func(b []byte) string { return string(b) }); err != nil {
			t.Fatalf("decodeProjection(encodeProjection(%+v)) = %v", p, err)
		}
		if diff := cmp.Diff(p, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("projection round trip (-want +got):\n%s", diff)
		}
	}
}

func FuzzDecodeProjection(f *testing.F) {
	f.Add(encodeProjection(&projection{Interviewer: "ivy", Status: "completed", Started: t0, Revision: 1,
		Data: []model.Datum{{Item: "a", Path: []int{1}, Value: "x"}}}))
	f.Add([]byte{projectionVersion})
	f.Add([]byte{projectionVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p projection
		if err := decodeProjection(b, &p, func(b []byte) string { return string(b) }); err != nil {
			return
		}
		// What decodes re-encodes to something that decodes the same.
		var q projection
		if err := decodeProjection(encodeProjection(&p), &q, func(b []byte) string { return string(b) }); err != nil {
			t.Fatalf("re-decoding %+v: %v", p, err)
		}
		if diff := cmp.Diff(p, q, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("re-decoded projection differs (-first +second):\n%s", diff)
		}
	})
}

func TestScrubberMasks(t *testing.T) {
	c := &model.Contact{Name: "Ann Smith", Company: "Acme", Phones: []string{"+14155550100", "+442079460958"}, Email: "ann@example.com",
		Fields: map[string]string{"staff_no": "S-778899"}}
	sc := newScrubber(c, []string{"staff_no"})
	tests := []struct{ in, want string }{
		{"call ANN SMITH", "call [personal]"},
		{"smith said", "[personal] said"},
		{"mail Ann@Example.COM now", "mail [personal] now"},
		{"on +1 (415) 555-0100!", "on [personal]!"},
		{"on 415.555.0100", "on [personal]"},
		{"UK 020 7946 0958", "UK [personal]"},
		{"staff S-778899", "staff [personal]"},
		{"age 41, 3 pets", "age 41, 3 pets"},
		{"", ""},
		{"\xf3Ann Smith!", "\xf3[personal]!"},
		{"Über ANN SMİTH", "Über [personal]"},
	}
	for _, tt := range tests {
		if got := sc.mask(tt.in); got != tt.want {
			t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzScrubberMask(f *testing.F) {
	for _, s := range []string{"call Ann Smith on 415-555-0100", "ann@example.com", "+1 415 555 0100", "x", "\xf3Ann Smith", "İ ANN SMİTH Ⅻ"} {
		f.Add(s)
	}
	sc := newScrubber(&model.Contact{Name: "Ann Smith", Phones: []string{"+14155550100"}, Email: "ann@example.com"}, nil)
	f.Fuzz(func(t *testing.T, s string) {
		got := strings.ToLower(sc.mask(s))
		for _, n := range []string{"ann smith", "ann@example.com", "4155550100"} {
			if strings.Contains(got, n) {
				t.Errorf("mask(%q) = %q, still holding %q", s, got, n)
			}
		}
	})
}

func TestSanitizeName(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"age", 32, "age"},
		{"q1.2-b", 32, "q1_2_b"},
		{"1st", 32, "v1st"},
		{"_x", 32, "v_x"},
		{"ünï", 32, "v_n_"},
		{strings.Repeat("a", 40), 32, strings.Repeat("a", 32)},
	}
	for _, tt := range tests {
		if got := sanitizeName(tt.in, tt.max); got != tt.want {
			t.Errorf("sanitizeName(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestMissingCodes(t *testing.T) {
	tests := []struct {
		name   string
		v      *variable
		dk, rf string
	}{
		{"coded", &variable{kind: kindCoded, codes: map[string]string{"a": "1"}, item: &model.Item{}}, "-8", "-9"},
		{"coded with -9", &variable{kind: kindCoded, codes: map[string]string{"a": "-9", "b": "1"}, item: &model.Item{}}, "-98", "-99"},
		{"range -10..10", &variable{kind: kindNumeric, item: &model.Item{Type: model.TypeRange, Range: &model.Range{Start: -10, End: 10, Step: 1}}}, "-98", "-99"},
		{"range 0..10", &variable{kind: kindNumeric, item: &model.Item{Type: model.TypeRange, Range: &model.Range{Start: 0, End: 10, Step: 1}}}, "-8", "-9"},
		{"integer", &variable{kind: kindNumeric, item: &model.Item{Type: model.TypeInteger}}, "-999999998", "-999999999"},
		{"text", &variable{kind: kindString, item: &model.Item{Type: model.TypeText}}, "-8", "-9"},
	}
	for _, tt := range tests {
		if dk, rf := missingCodes(tt.v); dk != tt.dk || rf != tt.rf {
			t.Errorf("missingCodes(%s) = %s, %s, want %s, %s", tt.name, dk, rf, tt.dk, tt.rf)
		}
	}
}

// TestExportIndexesStepsOfOlderStores checks that a store whose interviews
// were reviewed before the export buckets existed still exports their
// review decisions and notes, from the log.
func TestExportIndexesStepsOfOlderStores(t *testing.T) {
	fx := newExportFixture(t, false)
	err := fx.s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bXSteps, bXReview, bXData} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bMeta).Delete(kStepsIndexed)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "old.jsonl")
	if _, err := fx.s.Export(ExportOptions{Survey: "hs", Format: ExportJSONL, Out: out}); err != nil {
		t.Fatal(err)
	}
	var a ExportedInterview
	for _, line := range strings.Split(strings.TrimSpace(readAll(t, out)), "\n") {
		var iv ExportedInterview
		if err := json.Unmarshal([]byte(line), &iv); err != nil {
			t.Fatal(err)
		}
		if iv.Interview == fx.ids["a"] {
			a = iv
		}
	}
	var kinds []string
	for _, st := range a.Steps {
		kinds = append(kinds, st.Kind)
	}
	if a.Review != "approved" || !slices.Equal(kinds, []string{KindCompleted, KindReview}) {
		t.Errorf("a after indexing the log: review %q, steps %q, want approved after completed and review", a.Review, kinds)
	}
	if diff := cmp.Diff(fx.wantData("a", false), a.Data); diff != "" {
		t.Errorf("a's data read from its engine state (-want +got):\n%s", diff)
	}
}

// TestExportAcrossRevisions checks that an item dropped in a later revision
// keeps its column for the interviews that answered it, and that clashing
// names are made unique.
func TestExportAcrossRevisions(t *testing.T) {
	s := openTest(t)
	rev := func(version string, items ...string) *model.Survey {
		sv := &model.Survey{ID: "r", Version: version, Title: "Revisions"}
		for _, name := range items {
			sv.Items = append(sv.Items, model.Item{Name: name, Type: model.TypeInteger, Label: model.Text{"": "Q " + name}})
		}
		return sv
	}
	importCSV(t, s, "r", "id,phone\na,4155550100\nb,4155550101\n")
	run := func(sv *model.Survey, contact string, values ...string) {
		if _, _, err := s.AddSurvey(sv, []byte(sv.Version), "author"); err != nil {
			t.Fatal(err)
		}
		form, probs := model.Compile(sv)
		if form == nil {
			t.Fatal(probs)
		}
		id, err := s.StartInterview(model.Consent{Survey: "r", Contact: contact, Interviewer: "ivy", At: t0, Agreed: true})
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := s.Contact("r", contact)
		if err != nil {
			t.Fatal(err)
		}
		iv, err := model.Start(form, model.Config{Contact: c, Clock: fixedClock(t0, time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		script := answers{}
		for i, it := range sv.Items {
			script[it.Name] = val(values[i])
		}
		drive(t, s, id, iv, script)
		must(t, s.Complete(id, "ivy"))
	}
	run(rev("1", "age", "old-q"), "a", "30", "7")
	run(rev("2", "age", "q-1", "q_1"), "b", "40", "1", "2")
	out := filepath.Join(t.TempDir(), "r.csv")
	if _, err := s.Export(ExportOptions{Survey: "r", Format: ExportCSV, Out: out}); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, out)
	col := func(rec []string, name string) string {
		i := slices.Index(recs[0], name)
		if i < 0 {
			t.Fatalf("no column %s in %q", name, recs[0])
		}
		return rec[i]
	}
	tests := []struct {
		row       int
		col, want string
	}{
		{1, "age", "30"}, {1, "old_q", "7"}, {1, "q_1", ""}, {1, "revision", "1"}, {1, "survey_version", "1"},
		{2, "age", "40"}, {2, "old_q", ""}, {2, "q_1", "1"}, {2, "q_1_2", "2"}, {2, "revision", "2"}, {2, "survey_version", "2"},
	}
	for _, tt := range tests {
		if got := col(recs[tt.row], tt.col); got != tt.want {
			t.Errorf("row %d %s = %q, want %q", tt.row, tt.col, got, tt.want)
		}
	}
}

// TestExportRefusedAndProgress checks that an interview refused at the
// consent is a row with its status and no data, and that progress is
// reported up to the total.
func TestExportRefusedAndProgress(t *testing.T) {
	fx := newExportFixture(t, false)
	importCSV(t, fx.s, "hs", "id,phone\nz,4155550199\n")
	id, err := fx.s.StartInterview(model.Consent{Survey: "hs", Contact: "z", Interviewer: "ivy", Lang: "en", At: t0, Agreed: false})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "d.csv")
	var calls [][2]int
	res, err := fx.s.Export(ExportOptions{Survey: "hs", Format: ExportCSV, Out: out, Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Interviews != 9 || len(calls) == 0 || calls[len(calls)-1] != [2]int{9, 9} {
		t.Errorf("Export = %d interviews, progress %v, want 9 and a last call (9, 9)", res.Interviews, calls)
	}
	recs := readCSV(t, out)
	for _, rec := range recs[1:] {
		if rec[0] != id {
			continue
		}
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		if row["status"] != InterviewRefused || row["age"] != "" || row["fruit"] != "" || row["ended"] == "" {
			t.Errorf("refused interview row = %v, want status refused, an end time and no data", row)
		}
		return
	}
	t.Errorf("the refused interview %s is not in the export", id)
}

// TestExportSPSSSyntaxRuns reads a CSV export with its .sps file in PSPP,
// the free SPSS, where it is installed: every variable must come in with
// its labels and missing values, and the counts must match the data.
func TestExportSPSSSyntaxRuns(t *testing.T) {
	pspp, err := exec.LookPath("pspp")
	if err != nil {
		t.Skip("pspp is not installed")
	}
	fx := newExportFixture(t, false)
	dir := t.TempDir()
	if _, err := fx.s.Export(ExportOptions{Survey: "hs", Format: ExportCSV, Out: filepath.Join(dir, "w.csv")}); err != nil {
		t.Fatal(err)
	}
	script := "INCLUDE FILE='w.sps'.\nDATASET ACTIVATE w.\nFREQUENCIES VARIABLES=fruit pets_fish.\nLIST VARIABLES=comment greet.\n" +
		"DATASET ACTIVATE w_members.\nFREQUENCIES VARIABLES=m_sex.\n"
	if err := os.WriteFile(filepath.Join(dir, "check.sps"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pspp, "-o", "out.csv", "check.sps")
	cmd.Dir = dir
	msg, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(msg), "error") || strings.Contains(string(msg), "warning") {
		t.Fatalf("pspp check.sps = %v:\n%s", err, msg)
	}
	out := readAll(t, filepath.Join(dir, "out.csv"))
	for _, want := range []string{"Valid,Apple,5,", "Missing,Don't know,1,", ",Selected,5,", "Valid,Not selected,1,", "Hi [personal]", "Valid,Female,1,", ",Male,1,"} {
		if !strings.Contains(out, want) {
			t.Errorf("pspp output lacks %q:\n%s", want, out)
		}
	}
}

// TestExportNestedRepeats checks that a repeat inside a repeat gets its own
// file keyed by both instance numbers.
func TestExportNestedRepeats(t *testing.T) {
	s := openTest(t)
	sv := &model.Survey{ID: "n", Version: "1", Title: "Nested", Items: []model.Item{
		{Name: "hh", Type: model.TypeRepeat, Label: model.Text{"": "Households"}, Items: []model.Item{
			{Name: "rooms", Type: model.TypeInteger, Label: model.Text{"": "Rooms?"}},
			{Name: "person", Type: model.TypeRepeat, Label: model.Text{"": "People"}, Items: []model.Item{
				{Name: "p_age", Type: model.TypeInteger, Label: model.Text{"": "Age?"}},
			}},
		}},
	}}
	if _, _, err := s.AddSurvey(sv, []byte("nested"), "author"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "n", "id,phone\na,4155550100\n")
	form, probs := model.Compile(sv)
	if form == nil {
		t.Fatal(probs)
	}
	c, _, err := s.Contact("n", "a")
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.StartInterview(model.Consent{Survey: "n", Contact: "a", Interviewer: "ivy", At: t0, Agreed: true})
	if err != nil {
		t.Fatal(err)
	}
	iv, err := model.Start(form, model.Config{Contact: c, Clock: fixedClock(t0, time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	drive(t, s, id, iv, answers{
		"hh[1]": val("yes"), "rooms[1]": val("3"),
		"person[1,1]": val("yes"), "p_age[1,1]": val("40"), "person[1,2]": val("yes"), "p_age[1,2]": val("12"), "person[1,3]": val("no"),
		"hh[2]": val("yes"), "rooms[2]": val("1"), "person[2,1]": val("yes"), "p_age[2,1]": dk(), "person[2,2]": val("no"),
		"hh[3]": val("no"),
	})
	must(t, s.Complete(id, "ivy"))
	dir := t.TempDir()
	if _, err := s.Export(ExportOptions{Survey: "n", Format: ExportCSV, Out: filepath.Join(dir, "n.csv")}); err != nil {
		t.Fatal(err)
	}
	drop := func(recs [][]string) [][]string {
		for i := range recs {
			recs[i] = recs[i][2:] // interview and respondent
		}
		return recs
	}
	tests := []struct {
		file string
		want [][]string
	}{
		{"n_hh.csv", [][]string{{"hh_index", "rooms"}, {"1", "3"}, {"2", "1"}}},
		{"n_person.csv", [][]string{{"hh_index", "person_index", "p_age"}, {"1", "1", "40"}, {"1", "2", "12"}, {"2", "1", "-999999998"}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, drop(readCSV(t, filepath.Join(dir, tt.file)))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.file, diff)
		}
	}
}

// TestExportReviewColumn checks that the review column holds the standing
// decision: flags leave it, reopening after a rejection clears it.
func TestExportReviewColumn(t *testing.T) {
	fx := newExportFixture(t, false)
	s := fx.s
	c, d, e := fx.ids["c"], fx.ids["d"], fx.ids["e"]
	must(t, s.Approve(c, "sam", ""))
	must(t, s.Flag(c, "sam", "odd timings", true))
	must(t, s.Reject(d, "sam", "ask the age again", nil))
	must(t, s.Reject(e, "sam", "check", nil))
	if _, err := s.Reopen(e, "ivy"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "r.csv")
	if _, err := s.Export(ExportOptions{Survey: "hs", Format: ExportCSV, Out: out}); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, out)
	review := map[string]string{}
	for _, rec := range recs[1:] {
		review[rec[0]] = rec[slices.Index(recs[0], "review")] + "/" + rec[slices.Index(recs[0], "status")]
	}
	tests := []struct{ id, want string }{
		{c, "approved/completed"},
		{d, "rejected/completed"},
		{e, "/active"},
		{fx.ids["a"], "approved/completed"},
	}
	for _, tt := range tests {
		if got := review[tt.id]; got != tt.want {
			t.Errorf("review/status of %s = %q, want %q", tt.id, got, tt.want)
		}
	}
}

// TestExportEncryptedStore checks exports of a store encrypted at rest: the
// projections are sealed like every personal value, and read back right.
func TestExportEncryptedStore(t *testing.T) {
	dir := t.TempDir()
	s := openEncrypted(t, filepath.Join(dir, "enc.db"), filepath.Join(dir, "keys"))
	t.Cleanup(func() { s.Close() })
	fx := newExportFixtureOn(t, s, false)
	out := filepath.Join(t.TempDir(), "e.jsonl")
	if _, err := s.Export(ExportOptions{Survey: "hs", Format: ExportJSONL, Out: out}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(readAll(t, out)), "\n") {
		var iv ExportedInterview
		if err := json.Unmarshal([]byte(line), &iv); err != nil {
			t.Fatal(err)
		}
		for c, id := range fx.ids {
			if id == iv.Interview {
				if diff := cmp.Diff(fx.wantData(c, false), iv.Data); diff != "" {
					t.Errorf("data of %s from an encrypted store (-engine +jsonl):\n%s", c, diff)
				}
			}
		}
	}
	if problems, err := s.VerifySealed(0); err != nil || len(problems) > 0 {
		t.Errorf("VerifySealed = %q, %v, want no problems", problems, err)
	}
	var plain []string
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bXData).ForEach(func(k, v []byte) error {
			if strings.Contains(string(v), "durian") || strings.Contains(string(v), "ann smith") {
				plain = append(plain, string(k))
			}
			return nil
		})
	})
	if len(plain) > 0 {
		t.Errorf("projections of %q hold personal text in clear", plain)
	}
}

// TestExportQuestionTextFilled (issue 17.9): the question text of an
// export reads as it does across interviews: the survey's own fills
// filled, an answer's shown by its name, never raw ${...} nor a
// person's answer.
func TestExportQuestionTextFilled(t *testing.T) {
	fx := newExportFixture(t, false)
	out := filepath.Join(t.TempDir(), "freq.jsonl")
	if _, err := fx.s.Export(ExportOptions{Survey: "hs", Format: ExportJSONL, Out: out, Aggregate: true}); err != nil {
		t.Fatal(err)
	}
	text := readAll(t, out)
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var tb FreqTable
		if err := json.Unmarshal([]byte(line), &tb); err != nil {
			t.Fatal(err)
		}
		if tb.Item == "likes_pets" {
			if want := "Do you like pets, [resp_name]? (for Health Trust)"; tb.Question != want {
				t.Errorf("aggregate question of likes_pets = %q, want %q", tb.Question, want)
			}
		}
	}
	if strings.Contains(text, "${") {
		t.Errorf("the aggregate export shows raw fills:\n%s", text)
	}
}
