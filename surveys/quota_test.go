package surveys

import (
	"fmt"
	"strings"
	"testing"

	"canvass/model"

	"github.com/google/go-cmp/cmp"
)

const quotaYAML = `id: q
title: Q
quota_full: {en: "Thank you, we have enough people like you."}
languages: [en]
lists:
  sex:
    - {name: f, label: {en: Female}}
    - {name: m, label: {en: Male}}
items:
  - name: gender
    type: select_one sex
    label: {en: Gender}
  - name: age
    type: integer
    label: {en: Age}
quotas:
  - name: women
    target: 2
    when: {gender: f}
  - name: north_men
    kind: allow_over
    target: 3
    priority: 2
    when:
      gender: m
      contact.region: [north, east]
  - name: all
    kind: counter
    when: "gender=f|m"
`

func TestQuotasYAML(t *testing.T) {
	s, probs, err := Parse("q.yaml", []byte(quotaYAML))
	if err != nil || !model.Valid(probs) {
		t.Fatalf("Parse = %v, %v", probs, err)
	}
	want := []model.Quota{
		{Name: "women", Kind: model.QuotaNormal, Target: 2, Conditions: []model.QuotaCondition{{Variable: "gender", Values: []string{"f"}}}, Pos: model.Pos{Line: 17}},
		{Name: "north_men", Kind: model.QuotaAllowOver, Target: 3, Priority: 2, Conditions: []model.QuotaCondition{
			{Variable: "gender", Values: []string{"m"}}, {Variable: "contact.region", Values: []string{"north", "east"}}}, Pos: model.Pos{Line: 20}},
		{Name: "all", Kind: model.QuotaCounter, Conditions: []model.QuotaCondition{{Variable: "gender", Values: []string{"f", "m"}}}, Pos: model.Pos{Line: 27}},
	}
	if diff := cmp.Diff(want, s.Quotas); diff != "" {
		t.Errorf("quotas (-want +got):\n%s", diff)
	}
	if got := s.QuotaFull.In("en"); !strings.Contains(got, "enough") {
		t.Errorf("QuotaFull = %q", got)
	}
}

func TestQuotasXLSForm(t *testing.T) {
	src := "settings,form_id,quota_full\n,q,Sorry: the quota is full\n" +
		"survey,type,name,label\n,select_one sex,gender,Gender\n" +
		"choices,list_name,name,label\n,sex,f,F\n,sex,m,M\n" +
		"quotas,name,kind,target,priority,conditions\n,women,,5,1,gender=f; contact.region=north|south\n,count,counter,,,gender=m\n"
	s, probs, err := Parse("q.csv", []byte(src))
	if err != nil || !model.Valid(probs) {
		t.Fatalf("Parse = %v, %v", probs, err)
	}
	if len(s.Quotas) != 2 || s.Quotas[0].Target != 5 || s.Quotas[0].Priority != 1 || s.Quotas[0].Kind != model.QuotaNormal ||
		len(s.Quotas[0].Conditions) != 2 || s.Quotas[0].Conditions[1].Values[1] != "south" || s.Quotas[1].Kind != model.QuotaCounter {
		t.Errorf("quotas = %+v", s.Quotas)
	}
	if s.Quotas[0].Pos.Row != 9 || s.Quotas[0].Pos.Sheet != "quotas" {
		t.Errorf("pos = %s", s.Quotas[0].Pos)
	}
	if s.QuotaFull.In("") != "Sorry: the quota is full" {
		t.Errorf("QuotaFull = %v", s.QuotaFull)
	}
}

// TestQuotaProblems: survey check names the cell no answer can reach, and
// every malformed definition, with its line.
func TestQuotaProblems(t *testing.T) {
	head := strings.Split(quotaYAML, "quotas:\n")[0] + "quotas:\n"
	for _, tc := range []struct{ name, cell, want string }{
		{"unknown item", "  - {name: x, target: 1, when: {sex: f}}\n", `q.yaml:17: quota "x": no answer can reach this cell: "sex" is not an item of the survey`},
		{"unknown choice", "  - {name: x, target: 1, when: {gender: [w, x]}}\n", `q.yaml:17: quota "x": no answer can reach this cell: "gender" has no choice w or x`},
		{"bad kind", "  - {name: x, kind: big, target: 1, when: {gender: f}}\n", `q.yaml:17: quota kind "big" is not normal, allow_over or counter`},
		{"bad target", "  - {name: x, target: -1, when: {gender: f}}\n", `q.yaml:17: quota target "-1" is not a whole number of 0 or more`},
		{"no target", "  - {name: x, when: {gender: f}}\n", `q.yaml:17: quota "x" has no target`},
		{"no when", "  - {name: x, target: 3}\n", `q.yaml:17: quota "x" has no conditions (when)`},
		{"bad line", "  - {name: x, target: 3, when: gender}\n", `q.yaml:17: when: condition "gender" has no '='`},
		{"twice", "  - {name: x, target: 3, when: 'gender=f; gender=m'}\n", `q.yaml:17: when: variable "gender" is given twice`},
		{"same name", "  - {name: x, target: 3, when: {gender: f}}\n  - {name: x, target: 3, when: {gender: m}}\n", `q.yaml:18: quota "x": the name is used by another cell`},
		{"unknown key", "  - {name: x, target: 3, when: {gender: f}, goal: 2}\n", `unknown key "goal"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs, err := Parse("q.yaml", []byte(head+tc.cell))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if !strings.Contains(strings.Join(got, "\n"), tc.want) || model.Valid(probs) {
				t.Errorf("problems = %q, want one with %q", got, tc.want)
			}
		})
	}
}

// FuzzQuotaConditions: the one-line condition parser never panics, and
// what it accepts has a variable and values for every condition, each
// variable once.
func FuzzQuotaConditions(f *testing.F) {
	for _, s := range []string{"gender=f", "a=1|2; contact.region=north", ";;", "a=", "=b", "a=b;a=c", "a = b | | c ;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		conds, err := model.ParseQuotaConditions(src)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, c := range conds {
			if c.Variable == "" || len(c.Values) == 0 || seen[c.Variable] {
				t.Fatalf("ParseQuotaConditions(%q) = %+v", src, conds)
			}
			seen[c.Variable] = true
			for _, v := range c.Values {
				if !c.Matches(v) {
					t.Fatalf("condition %+v does not match its own value %q", c, v)
				}
			}
		}
	})
}

// FuzzQuotasYAML: any quotas section loads without panicking.
func FuzzQuotasYAML(f *testing.F) {
	head := strings.Split(quotaYAML, "quotas:\n")[0]
	f.Add([]byte(quotaYAML))
	f.Add([]byte(head + "quotas: {a: 1}\n"))
	f.Add([]byte(head + "quotas:\n  - [1, 2]\n  - {when: [a]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := Parse("f.yaml", data)
		if err == nil && s == nil {
			t.Fatal("Parse returned neither a survey nor an error")
		}
	})
}

// TestShiftsYAML: shift templates load with the calling rules, and a
// misspelt key in one is named.
func TestShiftsYAML(t *testing.T) {
	head := strings.Split(quotaYAML, "quotas:\n")[0]
	s, probs, err := Parse("s.yaml", []byte(head+"calling:\n  shift_zone: Europe/Lisbon\n  shifts:\n    - {name: day, days: mon-fri, from: \"09:00\", to: \"15:00\"}\n    - {name: late, days: mon-sat, from: \"15:00\", to: \"21:00\"}\n"))
	if err != nil || !model.Valid(probs) {
		t.Fatalf("Parse = %v, %v", probs, err)
	}
	if s.Calling == nil || len(s.Calling.Shifts) != 2 || s.Calling.Shifts[1].Name != "late" || s.Calling.ShiftZone != "Europe/Lisbon" {
		t.Errorf("calling = %+v", s.Calling)
	}
	_, probs, _ = Parse("s.yaml", []byte(head+"calling:\n  shifts:\n    - {name: day, dayz: mon-fri, from: \"09:00\", to: \"15:00\"}\n"))
	if model.Valid(probs) || !strings.Contains(fmt.Sprint(probs), "dayz") {
		t.Errorf("a misspelt shift key: %v", probs)
	}
}
