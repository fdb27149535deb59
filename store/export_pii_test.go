package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"canvass/model"
)

// privacySurvey has every kind of free text an export carries: an open
// answer, an "other" text, a soft check whose override asks for a reason,
// an item a terminal skips with a reason, a calculation, and the four
// metadata items canvass records. The contact's location is personal.
func privacySurvey(version string, onward bool, personal ...string) *model.Survey {
	en := func(s string) model.Text { return model.Text{"en": s} }
	sv := &model.Survey{ID: "pv", Version: version, Title: "Privacy", Languages: []string{"en"},
		Consent: en("May we?"),
		Privacy: model.Privacy{OnwardTransfer: onward, PersonalFields: []string{"location"}},
		Items: []model.Item{
			{Name: "t_start", Type: model.TypeMeta, Meta: "start"},
			{Name: "t_end", Type: model.TypeMeta, Meta: "end"},
			{Name: "day", Type: model.TypeMeta, Meta: "today"},
			{Name: "device", Type: model.TypeMeta, Meta: "deviceid"},
			{Name: "resp_name", Type: model.TypeText, Label: en("Your name?")},
			{Name: "age", Type: model.TypeInteger, Label: en("How old are you?"), Warning: ". < 100", WarningMessage: en("Really?")},
			{Name: "fruit", Type: model.TypeSelectOne, ListName: "fruit", OrOther: true, Label: en("Favourite fruit?")},
			{Name: "where", Type: model.TypeUnsupported, Unsupported: "geopoint", Label: en("Where are you?")},
			{Name: "comment", Type: model.TypeText, Label: en("Anything else?")},
			{Name: "ratio", Type: model.TypeCalculate, Calculation: "2 div 3"},
		},
		Lists: map[string]*model.ChoiceList{
			"fruit": {Name: "fruit", Choices: []model.Choice{{Name: "apple", Label: en("Apple")}, {Name: "pear", Label: en("Pear")}}},
		},
	}
	for i := range sv.Items {
		sv.Items[i].Personal = slices.Contains(personal, sv.Items[i].Name)
	}
	return sv
}

const privacySample = "id,phone,name,location\n" +
	"p1,+12125550100,Pat Doe,Springfield Gardens\n" +
	"p2,+12125550101,Lou Roe,Shelbyville Heights\n"

// privacyTyped is what the interviewer typed into p1's interview: other
// people's numbers in the notations people write, addresses, and the
// contact's location.
var privacyTyped = struct {
	comment, override, other, skip, note, suspend, review string
}{
	comment:  "call my neighbour on 212/555-0199 or (212) 555-0142 ext. 7, or mail neighbour@example.org; I live in Springfield Gardens",
	override: "she said 212.555.0177 is her cell",
	other:    "a friend at +1 (212) 555-0166 sells them",
	skip:     "no GPS; write to kim@example.net",
	note:     "or her sister 212 555 0155 x12",
	suspend:  "neighbour +44 20 7946 0958 knows her",
	review:   "called back on 2125550188 to check",
}

// privacyNeedles are the personal values of privacyTyped in the forms they
// take there and as bare digits.
var privacyNeedles = []string{
	"555-0199", "5550199", "555-0142", "5550142", "neighbour@example.org", "Springfield",
	"555.0177", "5550177", "555-0166", "5550166", "kim@example.net", "555 0155", "5550155",
	"7946 0958", "79460958", "2125550188", "Pat Doe", "Shelbyville",
}

type privacyFix struct {
	s        *Store
	ids      map[string]string
	form     *model.Form
	deviceID string
}

// newPrivacyFixture installs privacySurvey and runs p1's interview with
// everything typed into it (suspended with a note, resumed, completed,
// approved with a note), and p2's, completed.
func newPrivacyFixture(t *testing.T, onward bool) *privacyFix {
	t.Helper()
	s := openTest(t)
	sv := privacySurvey("1", onward)
	if _, _, err := s.AddSurvey(sv, []byte("privacy 1"), "author"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "pv", privacySample)
	form, probs := model.Compile(sv)
	if form == nil {
		t.Fatalf("Compile: %v", probs)
	}
	fx := &privacyFix{s: s, ids: map[string]string{}, form: form, deviceID: "dev42"}
	for _, contact := range []string{"p1", "p2"} {
		id, iv := fx.begin(t, contact, form)
		typed := privacyTyped
		if contact == "p2" {
			typed.comment, typed.override, typed.other, typed.skip = "fine", "", "", ""
		}
		script := answers{"resp_name": val(contact + " person"), "age": {Value: "130", Override: "checked"},
			"fruit": {Value: "other", Other: "durian"}, "where": {Special: model.Skipped, Reason: "no GPS here"},
			"comment": val(typed.comment)}
		if contact == "p1" {
			script["age"] = model.Response{Value: "130", Override: typed.override}
			script["fruit"] = model.Response{Value: "other", Other: typed.other}
			script["where"] = model.Response{Special: model.Skipped, Reason: typed.skip}
		}
		drive(t, s, id, iv, script)
		if contact == "p1" {
			must(t, s.AddNote(id, Note{Item: "age", Text: typed.note, By: "ivy"}))
			must(t, s.Suspend(id, "ivy", typed.suspend))
			if _, err := s.Resume(id, "ivy"); err != nil {
				t.Fatal(err)
			}
		}
		must(t, s.Complete(id, "ivy"))
		if contact == "p1" {
			must(t, s.Review(id, "sam", DecisionApproved, typed.review))
		}
	}
	return fx
}

func (fx *privacyFix) begin(t *testing.T, contact string, form *model.Form) (string, *model.Interview) {
	t.Helper()
	c, _, err := fx.s.Contact("pv", contact)
	if err != nil {
		t.Fatal(err)
	}
	id, err := fx.s.StartInterview(model.Consent{Survey: "pv", Contact: contact, Interviewer: "ivy", Lang: "en", Text: "May we?", At: t0, Agreed: true})
	if err != nil {
		t.Fatal(err)
	}
	iv, err := model.Start(form, model.Config{Contact: c, Interviewer: model.Interviewer{ID: "ivy", Name: "Ivy"}, Lang: "en",
		Device: fx.deviceID, Clock: fixedClock(t0, time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	fx.ids[contact] = id
	return id, iv
}

// exportEvery writes every format of export into dir, with personal data
// when pii, and returns the files.
func exportEvery(t *testing.T, s *Store, survey, dir string, pii bool) []string {
	t.Helper()
	var files []string
	for _, o := range []ExportOptions{
		{Format: ExportCSV, Out: "data.csv"},
		{Format: ExportJSONL, Out: "data.jsonl"},
		{Format: ExportParadata, Out: "para.csv"},
		{Format: ExportCSV, Out: "freq.csv", Aggregate: true},
		{Format: ExportJSONL, Out: "freq.jsonl", Aggregate: true},
	} {
		o.Survey, o.Out, o.IncludePII = survey, filepath.Join(dir, o.Out), pii && !o.Aggregate
		res, err := s.Export(o)
		if err != nil {
			t.Fatalf("Export(%s) = %v", o.Out, err)
		}
		files = append(files, res.Files...)
	}
	return files
}

// TestExportMasksEveryFreeTextField is issue 11.8: other people's phone
// numbers (212/555-0199, (212) 555-0142 ext. 7, 212.555.0177, +44 20 7946
// 0958, ...) and addresses typed into an open answer, an "other" text, an
// override reason, a skip reason, a note, a suspension note or a review
// note, and the contact's location (a personal field), appear in no file
// of any export format.
func TestExportMasksEveryFreeTextField(t *testing.T) {
	fx := newPrivacyFixture(t, false)
	dir := t.TempDir()
	for _, f := range exportEvery(t, fx.s, "pv", dir, false) {
		text := readAll(t, f)
		for _, n := range privacyNeedles {
			if strings.Contains(strings.ToLower(text), strings.ToLower(n)) {
				t.Errorf("%s contains the personal value %q", filepath.Base(f), n)
			}
		}
	}
	// What is not personal is still there.
	data := readAll(t, filepath.Join(dir, "data.csv"))
	for _, want := range []string{"call my neighbour on [personal] or [personal], or mail [personal]; I live in [personal]", ",130,", "0.6666666666666666"} {
		if !strings.Contains(data, want) {
			t.Errorf("data.csv lacks %q", want)
		}
	}
	jsonl := readAll(t, filepath.Join(dir, "data.jsonl"))
	for _, want := range []string{`"reason":"she said [personal] is her cell"`, `"text":"or her sister [personal]"`, `"note":"neighbour [personal] knows her"`} {
		if !strings.Contains(jsonl, want) {
			t.Errorf("data.jsonl lacks %s", want)
		}
	}
	para := readAll(t, filepath.Join(dir, "para.csv"))
	for _, want := range []string{"override,age,,en,she said [personal] is her cell", "note,age,,,or her sister [personal]", "skipped,where,,en,no GPS; write to [personal]"} {
		if !strings.Contains(para, want) {
			t.Errorf("para.csv lacks %q", want)
		}
	}
}

// TestExportMetadataItems is issue 17.12: the start, end, today and
// deviceid metadata of a completed interview are all exported, end being
// when it was completed.
func TestExportMetadataItems(t *testing.T) {
	fx := newPrivacyFixture(t, false)
	dir := t.TempDir()
	exportEvery(t, fx.s, "pv", dir, false)
	rec := readCSV(t, filepath.Join(dir, "data.csv"))
	col := func(name string) int {
		i := slices.Index(rec[0], name)
		if i < 0 {
			t.Fatalf("data.csv has no column %s: %q", name, rec[0])
		}
		return i
	}
	ivs, err := fx.s.Interviews("pv")
	if err != nil {
		t.Fatal(err)
	}
	ended := map[string]time.Time{}
	for _, r := range ivs {
		ended[r.ID] = r.Ended
	}
	for _, row := range rec[1:] {
		id := row[col("interview")]
		want := map[string]string{
			"t_start": "2026-03-02T15:00:00.000+00:00",
			"t_end":   ended[id].Format("2006-01-02T15:04:05.000-07:00"),
			"day":     "2026-03-02",
			"device":  fx.deviceID,
		}
		if ended[id].IsZero() {
			t.Fatalf("interview %s has no end time", id)
		}
		for name, w := range want {
			if got := row[col(name)]; got != w {
				t.Errorf("interview %s: %s = %q, want %q", id, name, got, w)
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(readAll(t, filepath.Join(dir, "data.jsonl"))), "\n") {
		var iv ExportedInterview
		if err := json.Unmarshal([]byte(line), &iv); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, d := range iv.Data {
			got[d.Item] = d.Value
		}
		if w := ended[iv.Interview].Format("2006-01-02T15:04:05.000-07:00"); got["t_end"] != w || got["t_start"] == "" || got["day"] == "" || got["device"] != fx.deviceID {
			t.Errorf("JSONL of %s: metadata %q, want ended %s and start, today and deviceid", iv.Interview, got, w)
		}
	}
}

// TestExportJSONLHasNotesAndOverrides is issue 11.10: the notes on
// questions and the override reasons of the standing answers are in the
// JSONL export, masked without personal data, as typed with it.
func TestExportJSONLHasNotesAndOverrides(t *testing.T) {
	for _, pii := range []bool{false, true} {
		t.Run(fmt.Sprint("pii=", pii), func(t *testing.T) {
			fx := newPrivacyFixture(t, true)
			out := filepath.Join(t.TempDir(), "d.jsonl")
			if _, err := fx.s.Export(ExportOptions{Survey: "pv", Format: ExportJSONL, Out: out, IncludePII: pii, Actor: "sam"}); err != nil {
				t.Fatal(err)
			}
			var p1 ExportedInterview
			for _, line := range strings.Split(strings.TrimSpace(readAll(t, out)), "\n") {
				var iv ExportedInterview
				if err := json.Unmarshal([]byte(line), &iv); err != nil {
					t.Fatal(err)
				}
				if iv.Interview == fx.ids["p1"] {
					p1 = iv
				}
			}
			note, reason := "or her sister [personal]", "she said [personal] is her cell"
			if pii {
				note, reason = privacyTyped.note, privacyTyped.override
			}
			if len(p1.Notes) != 1 || p1.Notes[0].Item != "age" || p1.Notes[0].Text != note || p1.Notes[0].By != "ivy" {
				t.Errorf("p1's notes = %+v, want one on age by ivy: %q", p1.Notes, note)
			}
			if len(p1.Overrides) != 1 || p1.Overrides[0].Item != "age" || p1.Overrides[0].Reason != reason || p1.Overrides[0].Event == "" {
				t.Errorf("p1's overrides = %+v, want one on age: %q", p1.Overrides, reason)
			}
		})
	}
}

// TestExportPIIJudgedPerRevision is issue 11.8: a later questionnaire
// revision that authorises onward transfer does not release the personal
// data of interviews collected under one that did not, and an item that
// was personal in the revision an interview was collected under stays
// withheld for it when a later revision drops the mark.
func TestExportPIIJudgedPerRevision(t *testing.T) {
	s := openTest(t)
	rev1 := privacySurvey("1", false, "resp_name")
	if _, _, err := s.AddSurvey(rev1, []byte("privacy 1"), "author"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "pv", privacySample)
	fx := &privacyFix{s: s, ids: map[string]string{}, deviceID: "dev42"}
	run := func(contact string, sv *model.Survey) {
		form, probs := model.Compile(sv)
		if form == nil {
			t.Fatalf("Compile: %v", probs)
		}
		id, iv := fx.begin(t, contact, form)
		drive(t, s, id, iv, answers{"resp_name": val("Secret " + contact), "age": {Value: "30"}, "fruit": val("pear"),
			"where": {Special: model.Skipped}, "comment": val("I live in " + map[string]string{"p1": "Springfield Gardens", "p2": "Shelbyville Heights"}[contact])})
		must(t, s.Complete(id, "ivy"))
	}
	run("p1", rev1)
	rev2 := privacySurvey("2", true)
	if _, _, err := s.AddSurvey(rev2, []byte("privacy 2"), "author"); err != nil {
		t.Fatal(err)
	}
	run("p2", rev2)

	t.Run("without personal data", func(t *testing.T) {
		dir := t.TempDir()
		for _, f := range exportEvery(t, s, "pv", dir, false) {
			if text := readAll(t, f); strings.Contains(text, "Secret p1") {
				t.Errorf("%s holds p1's answer to resp_name, personal in the revision it was collected under", filepath.Base(f))
			}
		}
	})
	t.Run("with personal data", func(t *testing.T) {
		dir := t.TempDir()
		res, err := s.Export(ExportOptions{Survey: "pv", Format: ExportCSV, Out: filepath.Join(dir, "d.csv"), IncludePII: true, Actor: "sam"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Interviews != 2 || res.Withheld != 1 {
			t.Errorf("Export = %+v, want 2 interviews, 1 of them withheld", res)
		}
		recs := readCSV(t, filepath.Join(dir, "d.csv"))
		rows := map[string]map[string]string{}
		for _, rec := range recs[1:] {
			row := map[string]string{}
			for i, h := range recs[0] {
				row[h] = rec[i]
			}
			for c, id := range fx.ids {
				if id == row["interview"] {
					rows[c] = row
				}
			}
		}
		if p1 := rows["p1"]; p1["contact_name"] != "" || p1["contact_location"] != "" || p1["resp_name"] != "" ||
			p1["personal_data"] != "0" || p1["comment"] != "I live in [personal]" {
			t.Errorf("p1 (revision 1, no onward transfer) in an export with personal data: %q", p1)
		}
		if p2 := rows["p2"]; p2["contact_name"] != "Lou Roe" || p2["contact_location"] != "Shelbyville Heights" ||
			p2["resp_name"] != "Secret p2" || p2["personal_data"] != "1" || p2["comment"] != "I live in Shelbyville Heights" {
			t.Errorf("p2 (revision 2, onward transfer) in an export with personal data: %q", p2)
		}
		out := filepath.Join(dir, "d.jsonl")
		if _, err := s.Export(ExportOptions{Survey: "pv", Format: ExportJSONL, Out: out, IncludePII: true, Actor: "sam"}); err != nil {
			t.Fatal(err)
		}
		text := readAll(t, out)
		for _, n := range []string{"Secret p1", "Pat Doe", "Springfield", "+12125550100"} {
			if strings.Contains(text, n) {
				t.Errorf("d.jsonl holds p1's %q, collected under a revision without onward transfer", n)
			}
		}
		for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
			var iv ExportedInterview
			if err := json.Unmarshal([]byte(line), &iv); err != nil {
				t.Fatal(err)
			}
			if want := iv.Interview == fx.ids["p1"]; iv.PersonalWithheld != want || (iv.Contact != nil) == want {
				t.Errorf("JSONL of %s: personal_withheld %v, contact %v; want withheld %v", iv.Interview, iv.PersonalWithheld, iv.Contact, want)
			}
		}
		var logged []exportPersonal
		s.Events(0, func(e *Event) error {
			if e.Kind == KindExportPersonal {
				var p exportPersonal
				json.Unmarshal(e.Data, &p)
				logged = append(logged, p)
			}
			return nil
		})
		if len(logged) != 2 || logged[0].Interviews != 2 || logged[0].Withheld != 1 {
			t.Errorf("logged exports of personal data = %+v, want two saying 1 of 2 withheld", logged)
		}
	})
}

// readTables reads the tables of a JSONL aggregate export by item.
func readTables(t *testing.T, path string) map[string]FreqTable {
	t.Helper()
	tables := map[string]FreqTable{}
	for _, line := range strings.Split(strings.TrimSpace(readAll(t, path)), "\n") {
		var tb FreqTable
		if err := json.Unmarshal([]byte(line), &tb); err != nil {
			t.Fatal(err)
		}
		tables[tb.Item] = tb
	}
	return tables
}

// TestExportAggregateSuppressesWholeSmallTables is issue 11.8: with fewer
// than 5 interviews no table shows anything, not even its empty cells
// (with one interview, every other cell 0 gave the answer away), and the
// CSV's n says why instead of being empty (17.12).
func TestExportAggregateSuppressesWholeSmallTables(t *testing.T) {
	fx := newPrivacyFixture(t, false)
	dir := t.TempDir()
	exportEvery(t, fx.s, "pv", dir, false)
	tables := readTables(t, filepath.Join(dir, "freq.jsonl"))
	if len(tables) == 0 {
		t.Fatal("no tables")
	}
	for item, tb := range tables {
		if !tb.Suppressed || tb.N != nil || tb.Reason == "" {
			t.Errorf("table %s of 2 answers: suppressed %v, n %v, reason %q; want suppressed whole with a reason", item, tb.Suppressed, tb.N, tb.Reason)
		}
		for _, c := range tb.Cells {
			if c.Count != nil || c.Percent != nil || !c.Suppressed {
				t.Errorf("table %s of 2 answers shows cell %s: count %v, percent %v", item, c.Choice, c.Count, c.Percent)
			}
		}
	}
	recs := readCSV(t, filepath.Join(dir, "freq.csv"))
	n := slices.Index(recs[0], "n")
	for _, rec := range recs[1:] {
		if rec[n] != "<5" {
			t.Errorf("freq.csv row %q: n = %q, want <5", rec, rec[n])
		}
	}
}

// TestExportAggregateLinkedTables is issue 11.8's complementary
// suppression across tables: pets is asked only of those who like pets,
// so its number of answers would give away the suppressed "yes" cell of
// likes_pets, and with it the suppressed "no". Its N and percentages are
// withheld.
func TestExportAggregateLinkedTables(t *testing.T) {
	fx := newExportFixture(t, false)
	out := filepath.Join(t.TempDir(), "freq.jsonl")
	if _, err := fx.s.Export(ExportOptions{Survey: "hs", Format: ExportJSONL, Out: out, Aggregate: true}); err != nil {
		t.Fatal(err)
	}
	tables := readTables(t, out)
	lp, pets := tables["likes_pets"], tables["pets"]
	if lp.N == nil || lp.Cells[0].Count != nil || lp.Cells[1].Count != nil {
		t.Fatalf("fixture: likes_pets = %+v, want N shown and yes and no suppressed", lp)
	}
	if pets.N != nil || !strings.Contains(pets.Reason, "likes_pets") {
		t.Errorf("pets (asked when likes_pets = 1): n %v, reason %q; want n withheld because of likes_pets", intOrNil(pets.N), pets.Reason)
	}
	for _, c := range pets.Cells {
		if c.Percent != nil {
			t.Errorf("pets cell %s shows percent %v, which gives its n away", c.Choice, *c.Percent)
		}
	}
}

// TestFreqTablesLeaveNothingDerivable checks the suppression of random
// single-choice tables, filters and follow-ups against what a reader can
// work out: no table with fewer than 5 answers shows anything; no table
// shows exactly one suppressed cell with its total; no table's suppressed
// cells are all non-empty and forced to be 1 each by its total (a reader
// knows that only an empty cell suppressed alongside would allow a 0);
// and no follow-up of a question with suppressed cells shows its N or all
// its cells.
func TestFreqTablesLeaveNothingDerivable(t *testing.T) {
	mk := func(name, relevant string, counts ...int) *tally {
		v := &variable{item: &model.Item{Name: name, Type: model.TypeSelectOne}, name: name, kind: kindCoded, relevant: relevant, dk: "-8", rf: "-9"}
		tl := &tally{v: v, counts: map[string]int{}, refs: relevanceRefs(relevant)}
		for i, n := range counts {
			ch := model.Choice{Name: fmt.Sprint("c", i), Label: model.Text{"": "C"}}
			v.choices = append(v.choices, ch)
			tl.counts[ch.Name] = n
			tl.n += n
		}
		v.codes = choiceCodes(v.choices)
		return tl
	}
	r := rand.New(rand.NewPCG(11, 11))
	for trial := range 5000 {
		filter := mk("filter", "", r.IntN(9), r.IntN(9), r.IntN(3))
		follow := mk("follow", "${filter} = 'c0'", r.IntN(12), r.IntN(12))
		tallies := map[string]*tally{"filter": filter, "follow": follow}
		tables := freqTables([]*tally{filter, follow})
		for _, tb := range tables {
			tl := tallies[tb.Item]
			supp, sum, zeros := 0, 0, 0
			for _, c := range tb.Cells {
				if c.Count == nil {
					n := tl.counts[c.Choice]
					supp, sum = supp+1, sum+n
					if n == 0 {
						zeros++
					}
				}
			}
			switch {
			case tl.n > 0 && tl.n < minCell && (supp != len(tb.Cells) || tb.N != nil):
				t.Errorf("trial %d: %s of %d answers shows something: %+v", trial, tb.Item, tl.n, tb)
			case tb.N != nil && supp == 1:
				t.Errorf("trial %d: %s shows N and one suppressed cell (= %d): %+v", trial, tb.Item, sum, tb)
			case tb.N != nil && supp > 1 && zeros == 0 && sum == supp:
				t.Errorf("trial %d: %s: its %d suppressed cells must each be 1: %+v", trial, tb.Item, supp, tb)
			}
		}
		if slices.ContainsFunc(tables[0].Cells, func(c FreqCell) bool { return c.Suppressed }) {
			fw := tables[1]
			shownAll := !slices.ContainsFunc(fw.Cells, func(c FreqCell) bool { return c.Suppressed })
			if fw.N != nil || shownAll {
				t.Errorf("trial %d: follow-up of a filter with suppressed cells shows its n (%v) or all its cells: %+v", trial, fw.N, fw)
			}
		}
	}
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestExportAggregateLeavesOutItemsPersonalInTheirRevision: answers to an
// item marked personal in the revision an interview was collected under
// stay out of the frequency tables when a later revision drops the mark.
func TestExportAggregateLeavesOutItemsPersonalInTheirRevision(t *testing.T) {
	s := openTest(t)
	var sample strings.Builder
	sample.WriteString("id,phone\n")
	for i := range 10 {
		fmt.Fprintf(&sample, "r%d,+1212555%04d\n", i, 200+i)
	}
	fx := &privacyFix{s: s, ids: map[string]string{}, deviceID: "dev42"}
	for rev, sv := range []*model.Survey{privacySurvey("1", false, "fruit"), privacySurvey("2", false)} {
		if _, _, err := s.AddSurvey(sv, []byte(fmt.Sprint("privacy ", rev)), "author"); err != nil {
			t.Fatal(err)
		}
		if rev == 0 {
			importCSV(t, s, "pv", sample.String())
		}
		form, probs := model.Compile(sv)
		if form == nil {
			t.Fatalf("Compile: %v", probs)
		}
		for i := rev * 5; i < rev*5+5; i++ {
			id, iv := fx.begin(t, fmt.Sprint("r", i), form)
			drive(t, s, id, iv, answers{"resp_name": val("x"), "age": {Value: "30"}, "fruit": val([]string{"apple", "pear"}[rev]),
				"where": {Special: model.Skipped}, "comment": val("")})
			must(t, s.Complete(id, "ivy"))
		}
	}
	out := filepath.Join(t.TempDir(), "freq.jsonl")
	if _, err := s.Export(ExportOptions{Survey: "pv", Format: ExportJSONL, Out: out, Aggregate: true}); err != nil {
		t.Fatal(err)
	}
	fruit := readTables(t, out)["fruit"]
	if fruit.N == nil || *fruit.N != 5 || fruit.Cells[0].Count == nil || *fruit.Cells[0].Count != 0 {
		t.Errorf("fruit table = n %v, cells %+v; want the 5 answers of revision 2 only (pear), none of revision 1's apples", intOrNil(fruit.N), fruit.Cells)
	}
}
