package model

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCalculatedQuestions checks ODK's calculations on questions: the
// value is calculated and shown read-only, unless the question is editable
// (the calculation is then its proposed answer) or has a trigger (the
// calculation sets its answer when the trigger changes).
func TestCalculatedQuestions(t *testing.T) {
	s := &Survey{ID: "calc", Items: []Item{
		{Name: "bill", Type: TypeDecimal, Label: en("Bill?")},
		{Name: "tip", Type: TypeDecimal, Label: en("Tip (18%)"), Calculation: "round(${bill} * 0.18, 2)"},
		{Name: "total", Type: TypeDecimal, Label: en("Total"), Calculation: "${bill} + ${tip}", Editable: true},
		{Name: "current_age", Type: TypeInteger, Label: en("Age?")},
		{Name: "diagnosis_age", Type: TypeInteger, Label: en("Age at diagnosis?"), Calculation: "${current_age}", Trigger: "${current_age}"},
		{Name: "changed_at", Type: TypeCalculate, Calculation: "concat('changed to ', ${current_age})", Trigger: "${current_age}"},
		{Name: "shown", Type: TypeNote, Label: en("Tip ${tip}, total ${total}")},
	}}
	iv := start(t, s, 1)
	play(t, iv, []step{{at: "bill", value: "50"}})
	sc := iv.Current()
	if sc.Item != "tip" || sc.Kind != KindNote || sc.Value != "9" {
		t.Fatalf("at %s: kind %v value %q, want tip shown read-only as 9", sc.Item, sc.Kind, sc.Value)
	}
	if _, res := iv.Answer(Response{Value: "20"}); res.Accepted() {
		t.Errorf("Answer(20) to the calculated tip was accepted, want it refused (read-only)")
	}
	play(t, iv, []step{{at: "tip"}})
	sc = iv.Current()
	if sc.Item != "total" || sc.Kind != KindQuestion || sc.Default != "59" {
		t.Fatalf("at %s: kind %v default %q, want the editable total proposing 59", sc.Item, sc.Kind, sc.Default)
	}
	play(t, iv, []step{
		{at: "total", value: "60"},
		{at: "current_age", value: "7"},
	})
	sc = iv.Current()
	if sc.Item != "diagnosis_age" || !sc.Answered || sc.Value != "7" || sc.Kind != KindQuestion {
		t.Fatalf("at %s: answered %v value %q kind %v, want diagnosis_age set to 7 by its trigger and still a question", sc.Item, sc.Answered, sc.Value, sc.Kind)
	}
	play(t, iv, []step{{at: "diagnosis_age", value: "5"}, {at: "shown"}})
	got := dataMap(iv)
	want := map[string]string{"bill": "50", "tip": "9", "total": "60", "current_age": "7", "diagnosis_age": "5", "changed_at": "changed to 7"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Data() mismatch (-want +got):\n%s", diff)
	}
	// Changing the trigger sets the item again, over the interviewer's
	// answer; changing something else leaves it.
	if err := iv.GoTo("current_age", nil); err != nil {
		t.Fatal(err)
	}
	if _, res := iv.Answer(Response{Value: "8"}); !res.Accepted() {
		t.Fatal(res.Msg)
	}
	if got := dataMap(iv); got["diagnosis_age"] != "8" || got["changed_at"] != "changed to 8" {
		t.Errorf("after current_age = 8: diagnosis_age %q, changed_at %q; want 8 and \"changed to 8\"", got["diagnosis_age"], got["changed_at"])
	}
	if _, res := iv.Answer(Response{Value: "8"}); !res.Accepted() {
		t.Fatal(res.Msg)
	}
	// The state keeps the calculated answers and resumes them.
	data, err := iv.State()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"item":"changed_at","value":"changed to 8","calc":true`)) {
		t.Errorf("State() = %s, want changed_at kept as a calculated answer", data)
	}
	back, err := LoadState(iv.Form(), data, iv.Contact(), newClock().now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dataMap(iv), dataMap(back)); diff != "" {
		t.Errorf("resumed Data() differs (-saved +resumed):\n%s", diff)
	}
}

// TestCalculateHere checks SurveyCTO's calculate_here: computed when the
// interview passes it going forward, not whenever what it reads changes.
func TestCalculateHere(t *testing.T) {
	s := &Survey{ID: "here", Items: []Item{
		{Name: "first_seen", Type: TypeCalculate, CalculateHere: true, Calculation: "once(${q})"},
		{Name: "q", Type: TypeText, Label: en("Q?")},
		{Name: "initial_q", Type: TypeCalculate, CalculateHere: true, Calculation: "once(${q})"},
		{Name: "latest_q", Type: TypeCalculate, CalculateHere: true, Calculation: "${q}"},
		{Name: "live_q", Type: TypeCalculate, Calculation: "${q}"},
		{Name: "end_note", Type: TypeNote, Label: en("Bye")},
	}}
	iv := start(t, s, 1)
	play(t, iv, []step{{at: "q", value: "first"}})
	want := map[string]string{"q": "first", "initial_q": "first", "latest_q": "first", "live_q": "first"}
	if diff := cmp.Diff(want, dataMap(iv)); diff != "" {
		t.Fatalf("Data() after passing (-want +got):\n%s", diff)
	}
	// Going back and changing q: the live calculation follows at once,
	// the calculate_here ones only when the interview passes them again,
	// and once() keeps the first value.
	play(t, iv, []step{{back: true}, {at: "q", value: "second", stay: true}})
	if got := dataMap(iv); got["latest_q"] != "first" || got["live_q"] != "second" {
		t.Errorf("before passing again: latest_q %q live_q %q, want first and second", got["latest_q"], got["live_q"])
	}
	play(t, iv, []step{{at: "q"}})
	want = map[string]string{"q": "second", "initial_q": "first", "latest_q": "second", "live_q": "second"}
	if diff := cmp.Diff(want, dataMap(iv)); diff != "" {
		t.Errorf("Data() after passing again (-want +got):\n%s", diff)
	}
}

func TestPreloads(t *testing.T) {
	s := &Survey{ID: "cati", Version: "1",
		ContactData: []string{"cases"},
		Attachments: map[string][]byte{
			"fruits.csv": []byte("name,label,price\napple,Apple,2\npear,Pear,3\n"),
			"places.xml": []byte("<places><place id=\"p1\"><name>Oslo</name></place><place id=\"p2\"><name>Bergen</name></place></places>"),
			"areas.geojson": []byte(`{"type":"FeatureCollection","features":[` +
				`{"type":"Feature","id":"a1","geometry":{"type":"Point","coordinates":[10.75,59.91]},"properties":{"title":"Centre","pop":700}}]}`),
		},
		Items: []Item{
			{Name: "case", Type: TypeMeta, Meta: "caseid"},
			{Name: "dev", Type: TypeCalculate, Calculation: "device-info()"},
			{Name: "phone", Type: TypeCalculate, Calculation: "pulldata('cases', 'phone', 'id', ${case})"},
			{Name: "plan", Type: TypeCalculate, Calculation: "pulldata('cases', 'plan', 'id', ${case})"},
			{Name: "other", Type: TypeCalculate, Calculation: "pulldata('cases', 'plan', 'id', 'someone-else')"},
			{Name: "price", Type: TypeCalculate, Calculation: "pulldata('fruits', 'price', 'name', 'pear')"},
			{Name: "place", Type: TypeCalculate, Calculation: "instance('places')/places/place[@id = 'p2']/name"},
			{Name: "where", Type: TypeCalculate, Calculation: "instance('areas')/root/item[id = 'a1']/geometry"},
			{Name: "pop", Type: TypeCalculate, Calculation: "instance('areas')/root/item[title = 'Centre']/pop * 2"},
			{Name: "street", Type: TypeText, Label: en("Street?"), Default: "${last-saved#street}"},
			{Name: "prev_plan", Type: TypeCalculate, Calculation: "${last-saved#plan}"},
		},
	}
	c := testContact()
	c.Survey = "cati"
	c.Fields = map[string]string{"plan": "gold"}
	iv, err := Start(mustForm(t, s), Config{Contact: c, Device: "desk-9", Clock: newClock().now,
		LastSaved: map[string]string{"street": "Main St", "plan": "silver"}})
	if err != nil {
		t.Fatal(err)
	}
	if sc := iv.Current(); sc.Default != "Main St" {
		t.Errorf("street default = %q, want the last saved interview's Main St", sc.Default)
	}
	got := dataMap(iv)
	want := map[string]string{
		"case": "c42", "dev": "desk-9", "phone": "+14155550100", "plan": "gold", "price": "3",
		"place": "Bergen", "where": "59.91 10.75 0 0", "pop": "1400", "prev_plan": "silver",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Data() mismatch (-want +got):\n%s", diff)
	}
	// Suspended and resumed, the interview sees the same last saved values.
	data, err := iv.State()
	if err != nil {
		t.Fatal(err)
	}
	back, err := LoadState(iv.Form(), data, c, newClock().now)
	if err != nil {
		t.Fatal(err)
	}
	if got := dataMap(back)["prev_plan"]; got != "silver" {
		t.Errorf("resumed prev_plan = %q, want silver", got)
	}
}

func TestDataFileProblems(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"bad.csv", "name,,label\na,b,c\n", "column 2 of the header has no name"},
		{"dup.csv", "name,name\n", `column "name" appears twice`},
		{"empty.csv", "", "the file is empty"},
		{"bad.xml", "<a><b></a>", "element <b> closed by </a>"},
		{"two.xml", "<a/><b/>", "more than one document element"},
		{"x.geojson", `{"type":"Feature"}`, "not a FeatureCollection"},
		{"y.geojson", `{"type":"FeatureCollection","features":[{"geometry":{"type":"Circle","coordinates":[1,2]}}]}`, `geometry type "Circle"`},
		{"z.txt", "x", "data files are .csv, .xml or .geojson"},
		{"latin1.csv", "name\n\xe9\n", "not UTF-8"},
	} {
		_, err := ParseDataFile(tc.name, []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseDataFile(%s) = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	df, err := ParseDataFile("dir/semi.csv", []byte("\ufeffname;label\na;A\n\nb;B\n"))
	if err != nil {
		t.Fatal(err)
	}
	if df.ID != "semi" || len(df.Rows) != 2 || df.Rows[1]["label"] != "B" || !cmp.Equal(df.Columns, []string{"name", "label"}) {
		t.Errorf("ParseDataFile(semi.csv) = %+v, want id semi and two rows delimited by ;", df)
	}
	s := &Survey{ID: "x", Attachments: map[string][]byte{"bad.csv": []byte("a,a\n")},
		Items: []Item{{Name: "q", Type: TypeCalculate, Calculation: "pulldata('nothere', 'a', 'b', 'c')"}}}
	_, probs := Compile(s)
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.Msg)
	}
	for _, w := range []string{`data file bad.csv: column "a" appears twice`, "pulldata('nothere', ...) names no data file (nothere.csv beside the form)"} {
		if !strings.Contains(strings.Join(msgs, "\n"), w) {
			t.Errorf("Compile problems = %q, want one containing %q", msgs, w)
		}
	}
}

func TestLastSavedValues(t *testing.T) {
	got := LastSavedValues([]Datum{
		{Item: "a", Value: "1"}, {Item: "r", Path: []int{1}, Value: "first"}, {Item: "r", Path: []int{2}, Value: "second"},
		{Item: "dk", Special: DontKnow},
	})
	want := map[string]string{"a": "1", "r": "first"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LastSavedValues mismatch (-want +got):\n%s", diff)
	}
}

func TestTriggerProblems(t *testing.T) {
	s := &Survey{ID: "t", Items: []Item{
		{Name: "a", Type: TypeInteger, Label: en("A")},
		{Name: "c", Type: TypeCalculate, Calculation: "1"},
		{Name: "b1", Type: TypeInteger, Label: en("B"), Calculation: "${a}", Trigger: "a"},
		{Name: "b2", Type: TypeInteger, Label: en("B"), Calculation: "${a}", Trigger: "${nosuch}"},
		{Name: "b3", Type: TypeInteger, Label: en("B"), Calculation: "${a}", Trigger: "${c}"},
		{Name: "b4", Type: TypeCalculate, Calculation: "${a}", CalculateHere: true, Trigger: "${a}"},
		{Name: "b5", Type: TypeInteger, Label: en("B"), CalculateHere: true},
	}}
	_, probs := Compile(s)
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.Msg)
	}
	all := strings.Join(msgs, "\n")
	for _, w := range []string{
		`b1: trigger "a": name the items`, "b2: trigger refers to unknown item ${nosuch}",
		"b3: trigger ${c} is not an item the interviewer answers", "b4: both calculate_here and a trigger",
		"b5: calculate_here on a integer item",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("Compile problems = %q, want one containing %q", msgs, w)
		}
	}
}
