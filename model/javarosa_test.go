package model

import (
	"fmt"
	"strings"
	"testing"
)

// These are the scenarios of JavaRosa's (ODK's reference engine) tests
// that need a form instance, re-expressed as canvass questionnaires: each
// names the JavaRosa test it follows (getodk/javarosa, src/test/java/...;
// and the ports of its TriggerableDagTest and IndexedRepeatRelativeRefsTest
// in getodk/web-forms), builds the same instance and asserts what JavaRosa
// asserts. jrDifferences lists, with the reason, the ones where canvass
// deliberately gives another result.

// jrScenario is one JavaRosa scenario: a questionnaire, what the
// interviewer does, and the values expected afterwards.
type jrScenario struct {
	name  string // the JavaRosa test
	items []Item
	lists map[string]*ChoiceList
	// run plays the interview; want are expected values by item[path].
	run  func(t *testing.T, iv *Interview)
	want map[string]string
	// wantErr is an expression error expected instead of values.
	wantErr string
}

// jrDifferences are the scenarios in which canvass differs from JavaRosa.
var jrDifferences = map[string]string{
	// JavaRosa evaluates count(/data/repeat) once for both of its uses
	// (TriggerableDAG shares the triggerable) and applies the outside
	// result inside the repeat too; evaluated where it stands, as its
	// sibling test (whose count is only inside) shows JavaRosa doing, the
	// contextualised path is one instance.
	"TriggerableDagTest.addingOrRemovingRepeatInstance_updatesRepeatCount_insideAndOutsideRepeat": "a shared triggerable",
}

// addAnother answers "add another?" of repeat yes n times, answering q in
// each instance, and then no.
func addAnother(repeat, q string, n int, value func(k int) string) func(t *testing.T, iv *Interview) {
	return func(t *testing.T, iv *Interview) {
		var steps []step
		for k := 1; k <= n; k++ {
			steps = append(steps, step{at: fmt.Sprintf("%s[%d]", repeat, k), value: "yes"},
				step{at: fmt.Sprintf("%s[%d]", q, k), value: value(k)})
		}
		steps = append(steps, step{at: fmt.Sprintf("%s[%d]", repeat, n+1), value: "no"})
		play(t, iv, steps)
	}
}

func jrScenarios() []jrScenario {
	var out []jrScenario
	// IndexedRepeatRelativeRefsTest: indexed-repeat() with the target, the
	// repeat and the index written absolute or relative, from a group
	// beside the repeat.
	for _, target := range []string{"/data/some-group/item/value", "../item/value"} {
		for _, group := range []string{"/data/some-group/item", "../item"} {
			for _, index := range []string{"/data/total-items", "../../total-items"} {
				out = append(out, jrScenario{
					name: fmt.Sprintf("IndexedRepeatRelativeRefsTest (target %s, group %s, index %s)", target, group, index),
					items: []Item{
						{Name: "some-group", Type: TypeGroup, Items: []Item{
							{Name: "item", Type: TypeRepeat, Label: en("Item"), Items: []Item{
								{Name: "value", Type: TypeInteger, Label: en("Value")},
							}},
							{Name: "last-value", Type: TypeCalculate, Calculation: fmt.Sprintf("indexed-repeat(%s, %s, %s)", target, group, index)},
						}},
						{Name: "total-items", Type: TypeCalculate, Calculation: "count(/data/some-group/item)"},
					},
					run:  addAnother("item", "value", 3, func(k int) string { return fmt.Sprint(11 * k) }),
					want: map[string]string{"total-items": "3", "last-value": "33"},
				})
			}
		}
	}
	out = append(out,
		jrScenario{
			name: "IndexedRepeatTest.firstArgNotChildOfRepeat_throwsException",
			items: []Item{
				{Name: "outside", Type: TypeText, Label: en("Outside")},
				{Name: "repeat", Type: TypeRepeat, Label: en("R"), Items: []Item{{Name: "inside", Type: TypeText, Label: en("Inside")}}},
				{Name: "calc", Type: TypeCalculate, Calculation: "indexed-repeat(/data/outside, /data/repeat, 1)"},
			},
			run: func(t *testing.T, iv *Interview) {
				play(t, iv, []step{{at: "outside", value: "x"}, {at: "repeat[1]", value: "no"}})
			},
			wantErr: "must be a repeat that holds the node of argument 1",
		},
		jrScenario{
			name: "IndexedRepeatTest.getsIndexedValueInSingleRepeat",
			items: []Item{
				{Name: "outer_group", Type: TypeGroup, Items: []Item{
					{Name: "repeat", Type: TypeRepeat, Label: en("R"), Items: []Item{{Name: "inside", Type: TypeText, Label: en("Inside")}}},
				}},
				{Name: "index", Type: TypeInteger, Label: en("Index")},
				{Name: "calc", Type: TypeCalculate, Calculation: "indexed-repeat(/data/outer_group/repeat/inside, /data/outer_group/repeat, ../index)"},
				{Name: "calc1", Type: TypeCalculate, Calculation: "indexed-repeat(/data/outer_group/repeat/inside, /data/outer_group/repeat, 1)"},
			},
			run: func(t *testing.T, iv *Interview) {
				addAnother("repeat", "inside", 3, func(k int) string { return fmt.Sprintf("index%d", k) })(t, iv)
				play(t, iv, []step{{at: "index", value: "2"}})
			},
			want: map[string]string{"calc": "index2", "calc1": "index1"},
		},
		jrScenario{
			name: "IndexedRepeatTest.getsIndexedValueUsingParallelRepeatPosition",
			items: []Item{
				{Name: "repeat1", Type: TypeRepeat, RepeatCount: "3", Label: en("R1"), Items: []Item{{Name: "inside1", Type: TypeText, Label: en("Inside")}}},
				{Name: "repeat2", Type: TypeRepeat, RepeatCount: "2", Label: en("R2"), Items: []Item{
					{Name: "from_repeat1", Type: TypeCalculate, Calculation: "indexed-repeat(/data/repeat1/inside1, /data/repeat1, position(..))"},
				}},
			},
			run: func(t *testing.T, iv *Interview) {
				play(t, iv, []step{{at: "inside1[1]", value: "index1"}, {at: "inside1[2]", value: "index2"}, {at: "inside1[3]", value: "index3"}})
			},
			want: map[string]string{"from_repeat1[1]": "index1", "from_repeat1[2]": "index2"},
		},
		jrScenario{
			name: "CurrentTest.current_as_calculate_root_should_refer_to_its_bound_nodeset",
			items: []Item{
				{Name: "my_group", Type: TypeGroup, Items: []Item{
					{Name: "name", Type: TypeText, Label: en("Name")},
					{Name: "name_relative", Type: TypeCalculate, Calculation: "current()/../name"},
				}},
			},
			run:  func(t *testing.T, iv *Interview) { play(t, iv, []step{{at: "name", value: "Bob"}}) },
			want: map[string]string{"name": "Bob", "name_relative": "Bob"},
		},
		jrScenario{
			name: "CurrentTest.current_as_itemset_choice_filter_root_should_refer_to_the_select_node",
			items: []Item{
				{Name: "fruit", Type: TypeSelectOne, ListName: "fruit", Label: en("Fruit")},
				{Name: "variety", Type: TypeSelectOne, ListName: "variety", Label: en("Variety"), ChoiceFilter: "fruit = current()/../fruit"},
				{Name: "offered", Type: TypeCalculate, Calculation: "join(' ', instance('variety')/root/item[fruit = /data/fruit]/name)"},
			},
			lists: map[string]*ChoiceList{
				"fruit": {Name: "fruit", Choices: []Choice{{Name: "blueberry", Label: en("Blueberry")}, {Name: "apple", Label: en("Apple")}}},
				"variety": {Name: "variety", Choices: []Choice{
					{Name: "blueray", Label: en("Blueray"), Extra: map[string]string{"fruit": "blueberry"}},
					{Name: "collins", Label: en("Collins"), Extra: map[string]string{"fruit": "blueberry"}},
					{Name: "duke", Label: en("Duke"), Extra: map[string]string{"fruit": "blueberry"}},
					{Name: "gala", Label: en("Gala"), Extra: map[string]string{"fruit": "apple"}},
				}},
			},
			run: func(t *testing.T, iv *Interview) {
				play(t, iv, []step{{at: "fruit", value: "blueberry"}})
				var got []string
				for _, o := range iv.Current().Options {
					got = append(got, o.Name)
				}
				if strings.Join(got, " ") != "blueray collins duke" {
					t.Errorf("variety options = %v, want blueray collins duke", got)
				}
			},
			want: map[string]string{"offered": "blueray collins duke"},
		},
		jrScenario{
			name: "TriggerableDagTest.addingRepeatInstance_updatesCalculationCascade",
			items: []Item{
				{Name: "repeat", Type: TypeRepeat, Label: en("R"), Items: []Item{
					{Name: "inner1", Type: TypeInteger, Label: en("Inner 1")},
					{Name: "inner2", Type: TypeCalculate, Calculation: "2 * ../inner1"},
					{Name: "inner3", Type: TypeCalculate, Calculation: "2 * ../inner2"},
				}},
			},
			run:  addAnother("repeat", "inner1", 2, func(k int) string { return fmt.Sprint(k - 1) }),
			want: map[string]string{"inner2[1]": "0", "inner3[1]": "0", "inner2[2]": "2", "inner3[2]": "4"},
		},
	)
	cascade := func(name, position2 string) jrScenario {
		return jrScenario{
			name: name,
			items: []Item{
				{Name: "repeat", Type: TypeRepeat, Label: en("R"), Items: []Item{
					{Name: "position", Type: TypeCalculate, Calculation: "position(..)"},
					{Name: "position_2", Type: TypeCalculate, Calculation: position2},
					{Name: "other", Type: TypeCalculate, Calculation: "2 * 2"},
					{Name: "concatenated", Type: TypeText, Label: en("C"), Calculation: "concat(../position_2, '-', ../other)"},
				}},
			},
			run: func(t *testing.T, iv *Interview) {
				play(t, iv, []step{{at: "repeat[1]", value: "yes"}, {at: "concatenated[1]"}, {at: "repeat[2]", value: "yes"},
					{at: "concatenated[2]"}, {at: "repeat[3]", value: "no"}})
			},
			want: map[string]string{"concatenated[1]": "2-4", "concatenated[2]": "4-4"},
		}
	}
	out = append(out,
		cascade("TriggerableDagTest.addingRepeatInstance_updatesInnerCalculations_withMultipleDependencies (absolute path)", "/data/repeat/position * 2"),
		cascade("TriggerableDagTest.addingRepeatInstance_updatesInnerCalculations_withMultipleDependencies (as pyxform writes it)", "../position * 2"),
	)
	counted := func(name string, items []Item, want func(n int) map[string]string) jrScenario {
		return jrScenario{name: name, items: items,
			run:  addAnother("repeat", "question", 5, func(int) string { return "q" }),
			want: want(5)}
	}
	all := func(item string, v func(k int) string) func(int) map[string]string {
		return func(n int) map[string]string {
			m := map[string]string{}
			for k := 1; k <= n; k++ {
				m[fmt.Sprintf("%s[%d]", item, k)] = v(k)
			}
			return m
		}
	}
	out = append(out,
		counted("TriggerableDagTest.addingOrRemovingRepeatInstance_withCalculatedCountOutsideRepeat_updatesReferenceToCountInside",
			[]Item{
				{Name: "count", Type: TypeCalculate, Calculation: "count(/data/repeat)"},
				{Name: "repeat", Type: TypeRepeat, Label: en("R"), Items: []Item{
					{Name: "question", Type: TypeText, Label: en("Q")},
					{Name: "inner-count", Type: TypeCalculate, Calculation: "/data/count"},
				}},
			}, all("inner-count", func(int) string { return "5" })),
		counted("TriggerableDagTest.addingOrRemovingRepeatInstance_updatesRelativeRepeatCount_insideRepeat",
			[]Item{
				{Name: "repeat", Type: TypeRepeat, Label: en("R"), Items: []Item{
					{Name: "question", Type: TypeText, Label: en("Q")},
					{Name: "inner-count", Type: TypeCalculate, Calculation: "count(../../repeat)"},
				}},
			}, all("inner-count", func(int) string { return "5" })),
		// JavaRosa ignores this test of its own because it gives 1, the
		// contextualised instance; canvass does the same.
		counted("TriggerableDagTest.addingOrRemovingRepeatInstance_updatesRepeatCount_insideRepeat (JavaRosa's result)",
			[]Item{
				{Name: "repeat", Type: TypeRepeat, Label: en("R"), Items: []Item{
					{Name: "question", Type: TypeText, Label: en("Q")},
					{Name: "inner-count", Type: TypeCalculate, Calculation: "count(/data/repeat)"},
				}},
			}, all("inner-count", func(int) string { return "1" })),
		counted("TriggerableDagTest.addingOrRemovingRepeatInstance_updatesRepeatCount_insideAndOutsideRepeat",
			[]Item{
				{Name: "count", Type: TypeCalculate, Calculation: "count(/data/repeat)"},
				{Name: "repeat", Type: TypeRepeat, Label: en("R"), Items: []Item{
					{Name: "question", Type: TypeText, Label: en("Q")},
					{Name: "inner-count", Type: TypeCalculate, Calculation: "count(/data/repeat)"},
				}},
			}, all("inner-count", func(int) string { return "5" })),
		counted("TriggerableDagTest (a repeat seen by ${name} from inside it)",
			[]Item{
				{Name: "repeat", Type: TypeRepeat, Label: en("R"), Items: []Item{
					{Name: "question", Type: TypeText, Label: en("Q")},
					{Name: "inner-count", Type: TypeCalculate, Calculation: "count(${repeat})"},
				}},
			}, all("inner-count", func(int) string { return "5" })),
	)
	return out
}

// TestJavaRosaScenarios runs the scenarios and reports how many behave as
// JavaRosa's tests say.
func TestJavaRosaScenarios(t *testing.T) {
	passed, differ := 0, 0
	scenarios := jrScenarios()
	for _, sc := range scenarios {
		_, known := jrDifferences[sc.name]
		ok := t.Run(sc.name, func(t *testing.T) {
			if known {
				t.Skipf("known difference: %s", jrDifferences[sc.name])
			}
			iv := start(t, &Survey{ID: "jr", Items: sc.items, Lists: sc.lists}, 1)
			sc.run(t, iv)
			got := dataMap(iv)
			if sc.wantErr != "" {
				errs := strings.Join(iv.Errors(), "\n")
				if !strings.Contains(errs, sc.wantErr) {
					t.Errorf("Errors() = %q, want one containing %q", errs, sc.wantErr)
				}
				return
			}
			for k, want := range sc.want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
			if errs := iv.Errors(); len(errs) > 0 {
				t.Errorf("Errors() = %q, want none", errs)
			}
		})
		switch {
		case known:
			differ++
		case ok:
			passed++
		}
	}
	t.Logf("JavaRosa instance scenarios: %d of %d behave as JavaRosa's tests say, %d known differences", passed, len(scenarios), differ)
}
