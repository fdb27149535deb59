package model

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rosterSurvey refers to a roster by location paths the way real forms
// do: absolute and relative paths, predicates over the repeat's instances,
// indexed-repeat() and ODK's meta/instanceID.
func rosterSurvey() *Survey {
	return &Survey{ID: "roster", Version: "1", Items: []Item{
		{Name: "hh_size", Type: TypeInteger, Label: en("How many people?")},
		{Name: "person", Type: TypeRepeat, RepeatCount: "/data/hh_size", Label: en("Person"), Items: []Item{
			{Name: "pname", Type: TypeText, Label: en("Name?")},
			{Name: "page", Type: TypeInteger, Label: en("Age of ${pname}?")},
			{Name: "pidx", Type: TypeCalculate, Calculation: "position(..)"},
			{Name: "before", Type: TypeCalculate,
				Calculation: "if(position(..) > 1, indexed-repeat(/data/person/pname, /data/person, position(..) - 1), '')"},
			{Name: "prev_age", Type: TypeCalculate,
				Calculation: "../../person[position() = position(current()/..) - 1]/page"},
			{Name: "work", Type: TypeGroup, Relevant: "../page >= 18", Items: []Item{
				{Name: "job", Type: TypeText, Label: en("Job of ${pname}?"), Relevant: "../../pname != 'Zed'"},
			}},
		}},
		{Name: "n_adults", Type: TypeCalculate, Calculation: "count(/data/person[page >= 18])"},
		{Name: "total_age", Type: TypeCalculate, Calculation: "sum(/data/person/page)"},
		{Name: "first", Type: TypeCalculate, Calculation: "indexed-repeat(${pname}, ${person}, 1)"},
		{Name: "kids", Type: TypeCalculate, Calculation: "join(' ', ${person}[page < 18]/pname)"},
		{Name: "has_id", Type: TypeCalculate, Calculation: "string-length(/data/meta/instanceID) = 41"},
		{Name: "summary", Type: TypeNote, Label: en("${n_adults} adults, ${total_age} years")},
	}}
}

func TestInstancePathsInInterview(t *testing.T) {
	iv := start(t, rosterSurvey(), 1)
	play(t, iv, []step{
		{at: "hh_size", value: "3"},
		{at: "pname[1]", value: "Ana"}, {at: "page[1]", value: "40"}, {at: "job[1]", value: "baker"},
		{at: "pname[2]", value: "Bo"}, {at: "page[2]", value: "10"},
		{at: "pname[3]", value: "Zed"}, {at: "page[3]", value: "20"},
	})
	if got := at(iv); got != "summary" {
		t.Fatalf("after the roster the interview is at %s, want summary (Zed has no job question)", got)
	}
	got := dataMap(iv)
	want := map[string]string{
		"hh_size":  "3",
		"pname[1]": "Ana", "page[1]": "40", "pidx[1]": "1", "job[1]": "baker",
		"pname[2]": "Bo", "page[2]": "10", "pidx[2]": "2", "before[2]": "Ana", "prev_age[2]": "40",
		"pname[3]": "Zed", "page[3]": "20", "pidx[3]": "3", "before[3]": "Bo", "prev_age[3]": "10",
		"n_adults": "2", "total_age": "70", "first": "Ana", "kids": "Bo", "has_id": "true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Data() mismatch (-want +got):\n%s", diff)
	}
	if sc := iv.Current(); sc.Label != "2 adults, 70 years" {
		t.Errorf("summary label = %q, want %q", sc.Label, "2 adults, 70 years")
	}

	// Changing an answer in the roster recomputes what paths read from it.
	if err := iv.GoTo("page", []int{2}); err != nil {
		t.Fatal(err)
	}
	if _, res := iv.Answer(Response{Value: "30"}); !res.Accepted() {
		t.Fatal(res.Msg)
	}
	got = dataMap(iv)
	for k, v := range map[string]string{"n_adults": "3", "total_age": "90", "prev_age[3]": "30", "kids": ""} {
		if got[k] != v {
			t.Errorf("after page[2] = 30: %s = %q, want %q", k, got[k], v)
		}
	}
	iv.FastForward()
	if got := at(iv); got != "job[2]" {
		t.Errorf("after Bo turned 30 the route stops at %s, want job[2] (his group became relevant)", got)
	}
	if errs := iv.Errors(); len(errs) > 0 {
		t.Errorf("Errors() = %q, want none", errs)
	}
}

func TestPathWarnings(t *testing.T) {
	s := rosterSurvey()
	s.Items = append(s.Items,
		Item{Name: "nothing", Type: TypeCalculate, Calculation: "if(null = '', 1, 0)"},
		Item{Name: "typo", Type: TypeCalculate, Calculation: "hh_size + 1"},
		Item{Name: "lost", Type: TypeCalculate, Calculation: "/data/person/nosuch"},
		Item{Name: "bad_list", Type: TypeCalculate, Calculation: "instance('nosuch')/root/item[1]/name"},
	)
	_, probs := Compile(s)
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	want := []string{
		"warning: nothing: calculation: the path null matches no element of the form: XPath takes it as an empty node-set",
		"warning: typo: calculation: the path hh_size matches no element of the form: XPath takes it as an empty node-set (to refer to the item, write ${hh_size})",
		"warning: lost: calculation: the path /data/person/nosuch matches no element of the form",
		"bad_list: calculation: instance('nosuch') names no choice list",
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if strings.Contains(g, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("Compile problems = %q, want one containing %q", got, w)
		}
	}
}

// TestDuplicateElementNames checks that items of one element name in
// different groups are told apart by their paths.
func TestDuplicateElementNames(t *testing.T) {
	s := &Survey{ID: "dup", Items: []Item{
		{Name: "a", Type: TypeGroup, Items: []Item{{Name: "name", Type: TypeText, Label: en("A name?")}}},
		{Name: "b", Type: TypeGroup, Items: []Item{{Name: "b_name", XMLName: "name", Type: TypeText, Label: en("B name?")}}},
		{Name: "both", Type: TypeCalculate, Calculation: "concat(/data/a/name, '+', /data/b/name)"},
	}}
	iv := start(t, s, 1)
	play(t, iv, []step{{at: "name", value: "x"}, {at: "b_name", value: "y"}})
	if got := dataMap(iv)["both"]; got != "x+y" {
		t.Errorf("both = %q, want x+y", got)
	}
	s.Items[1].Items = append(s.Items[1].Items, Item{Name: "b_name2", XMLName: "name", Type: TypeText, Label: en("again")})
	if _, probs := Compile(s); Valid(probs) {
		t.Errorf("Compile with two elements named name in group b = %v, want an error", probs)
	}
}

// TestCountInsideTheRepeat checks that a calculation in a repeat can count
// the repeat's instances by a predicate: count() takes how many nodes
// there are, never the text of the instances, which holds the calculation
// itself.
func TestCountInsideTheRepeat(t *testing.T) {
	s := &Survey{ID: "z", Items: []Item{
		{Name: "hh", Type: TypeRepeat, RepeatCount: "2", Label: en("M"), Items: []Item{
			{Name: "r0", Type: TypeText, Label: en("r0")},
			{Name: "rc0", Type: TypeCalculate, Calculation: "count(/data/hh[r0 != '']) + count(/data/hh[r0])"},
		}},
	}}
	iv := start(t, s, 1)
	play(t, iv, []step{{at: "r0[1]", value: "a"}, {at: "r0[2]", value: "b"}})
	if got := dataMap(iv); got["rc0[1]"] != "4" || got["rc0[2]"] != "4" {
		t.Errorf("rc0 = %q, %q; want 4 in both instances", got["rc0[1]"], got["rc0[2]"])
	}
	if errs := iv.Errors(); len(errs) > 0 {
		t.Errorf("Errors() = %q, want none", errs)
	}
}

// TestRepeatAnswerChoices checks pyxform's select_one ${name}: the options
// are the answers given to name in its repeat, filtered per instance.
func TestRepeatAnswerChoices(t *testing.T) {
	s := &Survey{ID: "pick", Items: []Item{
		{Name: "rep", Type: TypeRepeat, RepeatCount: "3", Label: en("Member"), Items: []Item{
			{Name: "name", Type: TypeText, Label: en("Name?")},
			{Name: "demo", Type: TypeGroup, Items: []Item{{Name: "age", Type: TypeInteger, Label: en("Age?")}}},
		}},
		{Name: "anyone", Type: TypeSelectOne, ListName: "${name}", Label: en("Who answers?")},
		{Name: "adult", Type: TypeSelectOne, ListName: "${name}", ChoiceFilter: "${age} > 18", Label: en("Which adult?")},
		{Name: "some", Type: TypeSelectMultiple, ListName: "${name}", ChoiceFilter: "starts-with(${name}, 'B')", Label: en("Which B?")},
	}}
	iv := start(t, s, 1)
	play(t, iv, []step{
		{at: "name[1]", value: "Ann"}, {at: "age[1]", value: "40"},
		{at: "name[2]", value: "Bob"}, {at: "age[2]", value: "12"},
		{at: "name[3]", value: "Bea"}, {at: "age[3]", value: "30"},
	})
	names := func() []string {
		var out []string
		for _, o := range iv.Current().Options {
			out = append(out, o.Name)
		}
		return out
	}
	for _, tc := range []struct {
		at, answer string
		want       []string
	}{
		{"anyone", "Bob", []string{"Ann", "Bob", "Bea"}},
		{"adult", "Bea", []string{"Ann", "Bea"}},
		{"some", "Bob Bea", []string{"Bob", "Bea"}},
	} {
		if got := at(iv); got != tc.at {
			t.Fatalf("at %s, want %s", got, tc.at)
		}
		if diff := cmp.Diff(tc.want, names()); diff != "" {
			t.Errorf("%s options (-want +got):\n%s", tc.at, diff)
		}
		play(t, iv, []step{{value: tc.answer}})
	}
	// Renaming Bob takes him out of the options: the answer no longer
	// passes, and the state still loads.
	if err := iv.GoTo("name", []int{2}); err != nil {
		t.Fatal(err)
	}
	if _, res := iv.Answer(Response{Value: "Rob"}); !res.Accepted() || len(res.Invalid) == 0 {
		t.Errorf("renaming Bob: %v, invalid %v; want anyone and some reported invalid", res.Status, res.Invalid)
	}
	data, err := iv.State()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadState(iv.Form(), data, iv.Contact(), newClock().now); err != nil {
		t.Errorf("LoadState = %v", err)
	}
}
