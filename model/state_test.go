package model

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// midway plays the travel survey into the second household member, in
// Spanish, with a randomised answer, an override, don't know and a change.
var midway = []step{
	{at: "hello"},
	{at: "age", value: "101", override: "saw ID"},
	{at: "employed", value: "yes"},
	{at: "employer", special: Refused},
	{at: "transport", value: "bike train other", other: "kayak"},
	{at: "main_mode", value: "bike"},
	{at: "country", back: true},
	{at: "main_mode", value: "train"},
	{at: "country", value: "fr"},
	{at: "city", value: "paris"},
	{at: "hh_size", value: "2"},
	{at: "m_name[1]", value: "Ann"},
	{at: "m_age[1]", value: "40"},
}

// rest finishes what midway started.
var rest = slices.Concat([]step{
	{at: "m_name[2]", value: "Bo"},
	{at: "m_age[2]", value: "2"},
	{at: "adults_note"},
	{at: "trip[1]", value: "yes"},
	{at: "trip_dest[1]", value: "Lyon"},
	{at: "trip_car[1]", value: "no"},
}, finish[:0], []step{
	{at: "trip[2]", value: "no"},
}, finish[1:])

// snapshot is what must survive a save and resume.
type snapshot struct {
	At       string
	Screen   Screen
	Data     []Datum
	History  []AnswerEvent
	Lang     string
	Progress Progress
	Done     bool
}

func snap(iv *Interview) snapshot {
	return snapshot{at(iv), iv.Current(), iv.Data(), iv.History(), iv.Language(), iv.Progress(), iv.Done()}
}

func TestStateRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"at the start", nil},
		{"midway", midway},
		{"at the end", slices.Concat(midway, rest)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			iv := startWith(t, travelSurvey(), 99, clk)
			if err := iv.SetLanguage("es"); err != nil {
				t.Fatal(err)
			}
			play(t, iv, tt.steps)
			data, err := iv.State()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte(`{"v":2,`)) {
				t.Errorf("State() = %.40s..., want it to start with {\"v\":2,", data)
			}
			clk2 := *clk // the resumed interview's clock reads the same times
			back, err := LoadState(iv.Form(), data, testContact(), clk2.now)
			if err != nil {
				t.Fatalf("LoadState() = %v", err)
			}
			if diff := cmp.Diff(snap(iv), snap(back)); diff != "" {
				t.Errorf("resumed interview differs (-saved +resumed):\n%s", diff)
			}
			again, err := back.State()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, again) {
				t.Errorf("State() after LoadState differs:\n%s\n%s", data, again)
			}
			// Both go on the same way.
			if len(tt.steps) > 0 && !iv.Done() {
				play(t, iv, rest)
				play(t, back, rest)
				if diff := cmp.Diff(snap(iv), snap(back)); diff != "" {
					t.Errorf("after going on, interviews differ (-original +resumed):\n%s", diff)
				}
			}
		})
	}
}

func TestStateKeepsOrdersAndOnce(t *testing.T) {
	s := travelSurvey()
	s.Items = append(s.Items, Item{Name: "draw", Type: TypeCalculate, Calculation: "once(random())"})
	iv := start(t, s, 3)
	play(t, iv, []step{{at: "hello"}, {at: "age", value: "10"}})
	order := iv.Current().Options
	draw := dataMap(iv)["draw"]
	if draw == "" {
		t.Fatalf("draw is empty")
	}
	data, err := iv.State()
	if err != nil {
		t.Fatal(err)
	}
	back, err := LoadState(iv.Form(), data, testContact(), newClock().now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(order, back.Current().Options); diff != "" {
		t.Errorf("option order after resume (-saved +resumed):\n%s", diff)
	}
	if got := dataMap(back)["draw"]; got != draw {
		t.Errorf("once(random()) after resume = %q, want %q", got, draw)
	}
}

func TestLoadStateErrors(t *testing.T) {
	iv := start(t, travelSurvey(), 99)
	play(t, iv, midway)
	good, err := iv.State()
	if err != nil {
		t.Fatal(err)
	}
	// edit decodes the good state, changes it and encodes it again.
	edit := func(fn func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		fn(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	answers := func(m map[string]any) []any { return m["answers"].([]any) }
	tests := []struct {
		name string
		data string
		want string
	}{
		{"empty", "", "unexpected end of JSON input"},
		{"not an object", "[1,2]", "cannot unmarshal array"},
		{"no version", `{"survey":"travel"}`, `no version ("v")`},
		{"newer version", `{"v":3}`, "unsupported version 3 (this canvass reads versions 1 to 2)"},
		{"version 0", `{"v":0}`, "unsupported version 0"},
		{"calculated answer in version 1", edit(func(m map[string]any) {
			m["v"] = 1
			m["answers"] = []any{map[string]any{"item": "age", "value": "3", "calc": true}}
		}), "version 1 has no last_saved or calc"},
		{"calculated answer to a question", edit(func(m map[string]any) {
			m["answers"] = []any{map[string]any{"item": "age", "value": "3", "calc": true}}
		}), "calculated, but the item is not set by a trigger or calculate_here"},
		{"version as a string", `{"v":"1"}`, "cannot unmarshal string"},
		{"other survey", edit(func(m map[string]any) { m["survey"] = "health" }), "state is for survey health version 3, not travel version 3"},
		{"other version", edit(func(m map[string]any) { m["version"] = "2" }), "state is for survey travel version 2"},
		{"other contact", edit(func(m map[string]any) { m["contact"] = "c1" }), `state is for contact "c1", not "c42"`},
		{"unknown field", edit(func(m map[string]any) { m["colour"] = "red" }), `unknown field "colour"`},
		{"trailing data", string(good) + "{}", "after top-level value"},
		{"undeclared language", edit(func(m map[string]any) { m["lang"] = "fr" }), `language "fr" is not one of`},
		{"no start time", edit(func(m map[string]any) { delete(m, "started") }), "no start time"},
		{"unknown item", edit(func(m map[string]any) { answers(m)[0].(map[string]any)["item"] = "agee" }), `answer: no item "agee" in the survey`},
		{"path on a top-level item", edit(func(m map[string]any) { answers(m)[0].(map[string]any)["path"] = []int{1} }), "does not match its 0 enclosing repeats"},
		{"instance zero", edit(func(m map[string]any) {
			for _, a := range answers(m) {
				if a.(map[string]any)["item"] == "m_name" {
					a.(map[string]any)["path"] = []int{0}
				}
			}
		}), "instance 0 out of range"},
		{"answer twice", edit(func(m map[string]any) { m["answers"] = append(answers(m), answers(m)[0]) }), "given twice"},
		{"unknown special", edit(func(m map[string]any) {
			a := answers(m)[0].(map[string]any)
			delete(a, "value")
			a["special"] = "zz"
		}), `unknown special code "zz"`},
		{"value and special", edit(func(m map[string]any) { answers(m)[0].(map[string]any)["special"] = "dk" }), "both a value and a special code"},
		{"malformed integer", edit(func(m map[string]any) { answers(m)[0].(map[string]any)["value"] = "1O1" }), `"1O1" is not a valid integer answer`},
		{"choice not in the list", edit(func(m map[string]any) {
			for _, a := range answers(m) {
				if a.(map[string]any)["item"] == "city" {
					a.(map[string]any)["value"] = "berlin"
				}
			}
		}), `"berlin" is not a valid select_one answer`},
		{"answer for a calculation", edit(func(m map[string]any) { answers(m)[0].(map[string]any)["item"] = "adult" }), "adult is not shown to the interviewer"},
		{"counted repeat prompt", edit(func(m map[string]any) {
			m["answers"] = append(answers(m), map[string]any{"item": "member", "path": []int{1}, "value": "yes"})
		}), "member has a repeat_count"},
		{"bad order", edit(func(m map[string]any) {
			m["orders"].([]any)[0].(map[string]any)["order"] = []string{"car", "car", "bus", "bike", "walk"}
		}), `option order for transport is not an order of list "modes"`},
		{"current not a stop", edit(func(m map[string]any) { m["current"] = map[string]any{"item": "c1"} }), "current item: c1 is not shown"},
		{"history of an unknown item", edit(func(m map[string]any) {
			m["history"].([]any)[0].(map[string]any)["item"] = "nope"
		}), `history event 1: no item "nope"`},
		{"bad seed", edit(func(m map[string]any) { m["seed"] = -1 }), "cannot unmarshal number -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadState(iv.Form(), []byte(tt.data), testContact(), newClock().now)
			if err == nil {
				t.Fatalf("LoadState() = %v, nil; want error containing %q", got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "load interview state: ") {
				t.Errorf("LoadState() error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := LoadState(iv.Form(), good, testContact(), newClock().now); err != nil {
		t.Errorf("LoadState(good) = %v", err)
	}
}

func FuzzLoadState(f *testing.F) {
	s := travelSurvey()
	form := mustForm(f, s)
	iv := start(f, s, 1)
	if good, err := iv.State(); err == nil {
		f.Add(good)
	}
	// A state with repeats, changes and every kind of answer.
	r := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 200 && !iv.Done(); i++ {
		if i%7 == 6 {
			iv.Back()
		}
		resp := iv.RandomResponse(r)
		resp.Override = "fuzz"
		iv.Answer(resp)
		iv.Next()
	}
	if full, err := iv.State(); err == nil {
		f.Add(full)
	}
	for _, seed := range []string{
		`{"v":1}`,
		`{"v":1,"survey":"travel","version":"3","lang":"en","started":"2026-01-01T00:00:00Z","answers":[{"item":"trip","path":[1],"value":"yes"}],"current":{"item":"trip_dest","path":[1]},"history":[]}`,
		`{"v":1,"survey":"travel","version":"3","lang":"en","started":"2026-01-01T00:00:00Z","answers":[{"item":"m_name","path":[3]}],"current":{"item":"m_name","path":[1000]},"history":[]}`,
		`{"v":1,"survey":"travel","version":"3","lang":"es","started":"2026-01-01T00:00:00Z","calcs":[{"item":"c1","value":"x"}],"orders":[{"item":"transport","order":[]}],"history":[{"item":"age"}]}`,
		`{"v":1,"survey":"travel","version":"3","lang":"en","started":"2026-01-01T00:00:00Z","answers":[],"current":null,"history":null}`,
		`{"v":2}`, `null`, `{"v":null}`, `{"v":1e400}`, `"v"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := LoadState(form, data, nil, newClock().now)
		if err != nil {
			return
		}
		// A loaded interview must be usable: nothing may panic.
		got.Current()
		got.Data()
		got.Progress()
		if _, err := got.State(); err != nil {
			t.Errorf("State() after LoadState = %v", err)
		}
		got.Answer(Response{Value: "yes"})
		got.Next()
		got.Back()
	})
}

// TestLoadStateV1 resumes an interview that the previous canvass (whose
// states were version 1) suspended midway through the travel survey: the
// fixture was written by that version's Interview.State. It must resume
// exactly where it was, as if it had never been suspended.
func TestLoadStateV1(t *testing.T) {
	data, err := os.ReadFile("testdata/state-v1-travel-midway.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(`{"v":1,`)) {
		t.Fatalf("fixture is not a version 1 state: %.20s", data)
	}
	clk := newClock()
	iv := startWith(t, travelSurvey(), 99, clk)
	if err := iv.SetLanguage("es"); err != nil {
		t.Fatal(err)
	}
	play(t, iv, midway)
	clk2 := *clk
	back, err := LoadState(iv.Form(), data, testContact(), clk2.now)
	if err != nil {
		t.Fatalf("LoadState(version 1) = %v", err)
	}
	// Version 1 kept no question text with its answers (issue 17.9 added
	// it): everything else must be as played.
	if diff := cmp.Diff(snap(iv), snap(back), cmpopts.IgnoreFields(AnswerEvent{}, "Label")); diff != "" {
		t.Errorf("resumed version 1 interview differs (-played +resumed):\n%s", diff)
	}
	play(t, back, rest)
	if !back.Done() {
		t.Errorf("resumed interview did not finish: at %s", at(back))
	}
	again, err := back.State()
	if err != nil || !bytes.HasPrefix(again, []byte(`{"v":2,`)) {
		t.Errorf("State() after resuming = %.20s, %v; want a version 2 state", again, err)
	}
}
