package model

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateTravelSurvey(t *testing.T) {
	probs := travelSurvey().Validate()
	// The photo item cannot be captured on a terminal: a warning only.
	if len(probs) != 1 || !probs[0].Warning || probs[0].Item != "photo" {
		t.Fatalf("Validate() = %v, want one warning about photo", probs)
	}
	if want := "travel.yaml: warning: photo: image cannot be captured on a terminal: interviewers will see it explained and skip it"; probs[0].String() != want {
		t.Errorf("String() = %q, want %q", probs[0].String(), want)
	}
	if !Valid(probs) {
		t.Errorf("Valid(%v) = false, want true: warnings do not invalidate", probs)
	}
}

// find returns the item called name in s (anywhere in the tree).
func find(t *testing.T, s *Survey, name string) *Item {
	t.Helper()
	it := s.Find(name)
	if it == nil {
		t.Fatalf("no item %s", name)
	}
	return it
}

func TestValidateProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, s *Survey)
		item   string // the item the problem names
		msg    string // the problem's message, exactly
		warn   bool
		line   int // expected Pos.Line, when set
	}{
		{
			name:   "unknown reference in relevant",
			change: func(t *testing.T, s *Survey) { find(t, s, "employer").Relevant = "${employd} = 'yes'" },
			item:   "employer", msg: "employer: relevant refers to unknown item ${employd}",
		},
		{
			name:   "unknown reference in a label fill",
			change: func(t *testing.T, s *Survey) { find(t, s, "age").Label["en"] = "Age of ${persn}?" },
			item:   "age", msg: "age: label refers to unknown item ${persn}",
		},
		{
			name:   "unknown interviewer field",
			change: func(t *testing.T, s *Survey) { find(t, s, "hello").Hint = bi("${interviewer.phone}", "-") },
			item:   "hello", msg: "hello: hint refers to unknown interviewer field ${interviewer.phone} (known: ${interviewer.name}, ${interviewer.id})",
		},
		{
			name: "syntax error with column",
			change: func(t *testing.T, s *Survey) {
				it := find(t, s, "age")
				it.Constraint = ". >= 0 and and . < 5"
				it.Pos = Pos{File: "travel.yaml", Line: 42}
			},
			item: "age", line: 42,
			msg: `age: constraint: syntax error at column 16: `,
		},
		{
			name:   "syntax error in a choice_filter counts columns from what was written",
			change: func(t *testing.T, s *Survey) { find(t, s, "city").ChoiceFilter = "country = = ${country}" },
			item:   "city", msg: `city: choice_filter: syntax error at column 11: `,
		},
		{
			name: "calculation cycle",
			change: func(t *testing.T, s *Survey) {
				find(t, s, "c1").Calculation = "${c3} + 1"
			},
			item: "c1", msg: "calculation cycle: c1 -> c3 -> c2 -> c1",
		},
		{
			name:   "self-referencing calculation",
			change: func(t *testing.T, s *Survey) { find(t, s, "c1").Calculation = "${c1} + 1" },
			item:   "c1", msg: "calculation cycle: c1 -> c1",
		},
		{
			name:   "relevance cycle through a group",
			change: func(t *testing.T, s *Survey) { find(t, s, "commute").Relevant = "${main_mode} != ''" },
			item:   "commute",
			msg:    "dependency cycle: commute -> main_mode -> commute (relevant of commute uses main_mode; main_mode is inside commute)",
		},
		{
			name:   "select without a list",
			change: func(t *testing.T, s *Survey) { find(t, s, "employed").ListName = "" },
			item:   "employed", msg: "employed: select_one item has no choice list",
		},
		{
			name:   "list that does not exist",
			change: func(t *testing.T, s *Survey) { find(t, s, "country").ListName = "countrys" },
			item:   "country", msg: `country: choice list "countrys" does not exist`,
		},
		{
			name:   "range without bounds",
			change: func(t *testing.T, s *Survey) { find(t, s, "rating").Range = nil },
			item:   "rating", msg: "rating: range item without bounds (start, end, step)",
		},
		{
			name:   "range with a zero step",
			change: func(t *testing.T, s *Survey) { find(t, s, "rating").Range.Step = 0 },
			item:   "rating", msg: "rating: range step must be positive, got 0",
		},
		{
			name:   "repeat_count on a non-repeat",
			change: func(t *testing.T, s *Survey) { find(t, s, "commute").RepeatCount = "3" },
			item:   "commute", msg: "commute: repeat_count on a group item (only repeats have a count)",
		},
		{
			name:   "repeat_count from inside the repeat",
			change: func(t *testing.T, s *Survey) { find(t, s, "member").RepeatCount = "${m_age}" },
			item:   "member", msg: "member: repeat_count refers to ${m_age}, which is inside the repeat",
		},
		{
			name: "duplicate names",
			change: func(t *testing.T, s *Survey) {
				it := find(t, s, "m_age")
				it.Name = "age"
				it.Pos = Pos{File: "travel.yaml", Line: 80}
				find(t, s, "age").Pos = Pos{File: "travel.yaml", Line: 20}
				find(t, s, "m_adult").Calculation = "1"
			},
			item: "age", line: 80, msg: "age: duplicate name (first defined at travel.yaml:20)",
		},
		{
			name:   "empty name",
			change: func(t *testing.T, s *Survey) { find(t, s, "visit").Name = "" },
			item:   "", msg: "date item has no name",
		},
		{
			name:   "invalid name",
			change: func(t *testing.T, s *Survey) { find(t, s, "visit").Name = "2nd visit" },
			item:   "2nd visit", msg: `2nd visit: name "2nd visit" is not a valid name (a letter or _ first, then letters, digits, -, _ or .)`,
		},
		{
			name:   "choice_filter on a non-select",
			change: func(t *testing.T, s *Survey) { find(t, s, "employer").ChoiceFilter = "x = 1" },
			item:   "employer", msg: "employer: a choice_filter on a text item (only select and rank items have options)",
		},
		{
			name:   "missing label on a shown question",
			change: func(t *testing.T, s *Survey) { find(t, s, "visit").Label = nil },
			item:   "visit", msg: "visit: date question has no label",
		},
		{
			name: "duplicate choice names",
			change: func(t *testing.T, s *Survey) {
				l := s.Lists["modes"]
				l.Choices = append(l.Choices, Choice{Name: "bus", Label: bi("Coach", "Autocar"), Pos: Pos{File: "travel.yaml", Line: 99}})
				l.Choices[1].Pos = Pos{File: "travel.yaml", Line: 91}
			},
			item: "", line: 99, msg: `choice list "modes": duplicate choice name "bus" (first at travel.yaml:91)`,
		},
		{
			name: "duplicate choice names allowed by the form are a warning",
			change: func(t *testing.T, s *Survey) {
				s.AllowChoiceDuplicates = true
				l := s.Lists["modes"]
				l.Choices = append(l.Choices, Choice{Name: "bus", Label: bi("Coach", "Autocar"), Pos: Pos{File: "travel.yaml", Line: 99}})
				l.Choices[1].Pos = Pos{File: "travel.yaml", Line: 91}
			},
			item: "", line: 99, msg: `choice list "modes": duplicate choice name "bus" (first at travel.yaml:91)`, warn: true,
		},
		{
			name:   "missing translation is a warning",
			change: func(t *testing.T, s *Survey) { delete(find(t, s, "visit").Label, "es") },
			item:   "visit", msg: `visit: label has no "es" translation`, warn: true,
		},
		{
			name:   "unknown type",
			change: func(t *testing.T, s *Survey) { find(t, s, "visit").Type = "datetime" },
			item:   "visit", msg: `visit: unknown type "datetime"`,
		},
		{
			name:   "constraint on a note",
			change: func(t *testing.T, s *Survey) { find(t, s, "hello").Constraint = ". > 1" },
			item:   "hello", msg: "hello: constraint on a note item, which takes no answer",
		},
		{
			name:   "calculate without a calculation",
			change: func(t *testing.T, s *Survey) { find(t, s, "c3").Calculation = "" },
			item:   "c3", msg: "c3: calculate item without a calculation",
		},
		{
			name:   "unknown function",
			change: func(t *testing.T, s *Survey) { find(t, s, "c3").Calculation = "difference-in-months('x', 'y')" },
			item:   "c3", msg: "c3: calculation: syntax error at column 1: unknown function difference-in-months()",
		},
		{
			name:   "default not among the choices",
			change: func(t *testing.T, s *Survey) { find(t, s, "country").Default = "de" },
			item:   "country", msg: `country: default "de" is not a choice of list "countries"`,
		},
		{
			name:   "default that is not a number",
			change: func(t *testing.T, s *Survey) { find(t, s, "hh_size").Default = "two" },
			item:   "hh_size", msg: `hh_size: default "two" is not a valid integer answer`,
		},
		{
			name:   "default that is not a date",
			change: func(t *testing.T, s *Survey) { find(t, s, "visit").Default = "2026-13-01" },
			item:   "visit", msg: `visit: default "2026-13-01" is not a valid date answer`,
		},
		{
			name: "or_other on a list with an other choice",
			change: func(t *testing.T, s *Survey) {
				l := s.Lists["modes"]
				l.Choices = append(l.Choices, Choice{Name: "other", Label: bi("Other", "Otro")})
			},
			item: "transport", msg: `transport: or_other, but list "modes" already has a choice named "other"`,
		},
		{
			name: "unknown reference in a choice label",
			change: func(t *testing.T, s *Survey) {
				s.Lists["countries"].Choices[1].Label = bi("Spain (${contry})", "España")
				s.Lists["countries"].Choices[1].Pos = Pos{File: "travel.yaml", Line: 12}
			},
			item: "", line: 12, msg: `choice list "countries": choice "es" label refers to unknown item ${contry}`,
		},
		{
			name:   "unknown meta",
			change: func(t *testing.T, s *Survey) { find(t, s, "device").Meta = "audit" },
			item:   "device", msg: `device: metadata "audit" is not recorded by canvass: it stays empty`, warn: true,
		},
		{
			name:   "default language not declared",
			change: func(t *testing.T, s *Survey) { s.DefaultLanguage = "de" },
			item:   "", msg: `default language "de" is not one of the declared languages en, es`,
		},
		{
			name: "children on a question",
			change: func(t *testing.T, s *Survey) {
				find(t, s, "visit").Items = []Item{{Name: "x", Type: TypeText, Label: bi("X", "X")}}
			},
			item: "visit", msg: "visit: only groups and repeats hold items, not date items",
		},
		{
			name:   "unknown survey field in the closing",
			change: func(t *testing.T, s *Survey) { s.Closing = en("Bye from ${survey.owner}") },
			item:   "", msg: "survey closing refers to unknown survey field ${survey.owner} (known: client, title, id, version)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := travelSurvey()
			tt.change(t, s)
			probs := s.Validate()
			var got *Problem
			for i, p := range probs {
				if p.Item == "photo" && p.Warning {
					continue
				}
				if got != nil {
					t.Errorf("Validate() also reported %q", p.String())
					continue
				}
				got = &probs[i]
			}
			if got == nil {
				t.Fatalf("Validate() reported nothing, want %q", tt.msg)
			}
			if got.Item != tt.item || !strings.HasPrefix(got.Msg, tt.msg) || got.Warning != tt.warn {
				t.Errorf("Validate() = {Item: %q, Msg: %q, Warning: %v}, want {%q, %q, %v}", got.Item, got.Msg, got.Warning, tt.item, tt.msg, tt.warn)
			}
			if tt.line != 0 && got.Pos.Line != tt.line {
				t.Errorf("Validate() problem at line %d, want %d", got.Pos.Line, tt.line)
			}
			if got.Pos.File != "travel.yaml" {
				t.Errorf("Validate() problem in file %q, want travel.yaml", got.Pos.File)
			}
			f, _ := Compile(s)
			if (f == nil) != !tt.warn {
				t.Errorf("Compile() form nil = %v, want %v", f == nil, !tt.warn)
			}
		})
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{Pos: Pos{File: "a.yaml", Line: 3}, Item: "x", Msg: "x: bad"}, "a.yaml:3: x: bad"},
		{Problem{Pos: Pos{File: "a.xlsx", Sheet: "survey", Row: 7}, Msg: "m"}, "a.xlsx:survey:7: m"},
		{Problem{Msg: "m", Warning: true}, "warning: m"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestValidateCycleReportedOnce(t *testing.T) {
	s := &Survey{ID: "c", Items: []Item{
		{Name: "a", Type: TypeCalculate, Calculation: "${b}"},
		{Name: "b", Type: TypeCalculate, Calculation: "${a}"},
		{Name: "q", Type: TypeText, Label: en("Q"), Relevant: "${q} = ''"},
	}}
	var got []string
	for _, p := range s.Validate() {
		got = append(got, p.Msg)
	}
	want := []string{
		"calculation cycle: a -> b -> a",
		"dependency cycle: q -> q (relevant of q uses q)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Validate() (-want +got):\n%s", diff)
	}
}

func TestProblemsInFileOrder(t *testing.T) {
	s := &Survey{ID: "o", Source: "o.yaml", Items: []Item{
		{Name: "a", Type: TypeText, Label: en("A"), Relevant: "${zz}", Pos: Pos{Line: 3}},
		{Name: "a", Type: TypeText, Label: en("A again"), Pos: Pos{Line: 9}},
		{Name: "b", Type: TypeSelectOne, Label: en("B"), ListName: "l", Pos: Pos{Line: 5}},
	}, Lists: map[string]*ChoiceList{"l": {Name: "l", Pos: Pos{Line: 20}, Choices: []Choice{
		{Name: "x", Label: en("X"), Pos: Pos{Line: 21}},
		{Name: "x", Label: en("X2"), Pos: Pos{Line: 22}},
	}}}}
	var got []string
	for _, p := range s.Validate() {
		got = append(got, p.String())
	}
	want := []string{
		"o.yaml:3: a: relevant refers to unknown item ${zz}",
		"o.yaml:9: a: duplicate name (first defined at o.yaml:3)",
		`o.yaml:22: choice list "l": duplicate choice name "x" (first at o.yaml:21)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Validate() (-want +got):\n%s", diff)
	}
}
