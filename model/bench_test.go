package model

import (
	"fmt"
	"slices"
	"testing"
)

// bigSurvey generates a questionnaire of n questions in groups of 50, with
// a relevance expression on every question whose index is 1 or 3 mod 5 (200
// of 500), each referring to earlier answers, so that answering any
// question re-evaluates a few others. All questions stay relevant when
// answered with the benchmark's answers.
func bigSurvey(n int) *Survey {
	s := &Survey{ID: "big", Version: "1", Languages: []string{"en"}, Lists: map[string]*ChoiceList{
		"yn": {Name: "yn", Choices: []Choice{{Name: "yes", Label: en("Yes")}, {Name: "no", Label: en("No")}, {Name: "maybe", Label: en("Maybe")}}},
	}}
	var group *Item
	for i := range n {
		if i%50 == 0 {
			s.Items = append(s.Items, Item{Name: fmt.Sprintf("g%d", i/50), Type: TypeGroup, Label: en(fmt.Sprintf("Part %d", i/50+1))})
			group = &s.Items[len(s.Items)-1]
			if i > 0 {
				group.Relevant = fmt.Sprintf("${q%d} != 'no'", i-50)
			}
		}
		it := Item{Name: fmt.Sprintf("q%d", i), Label: en(fmt.Sprintf("Question %d about ${q%d}?", i, max(i-1, 0)))}
		switch i % 3 {
		case 0:
			it.Type, it.ListName = TypeSelectOne, "yn"
		case 1:
			it.Type, it.Constraint = TypeInteger, ". >= 0 and . < 1000"
		default:
			it.Type = TypeText
		}
		if i == 0 {
			it.Label = en("First question?")
		}
		switch i % 5 {
		case 1:
			it.Relevant = fmt.Sprintf("${q%d} != 'no'", i-1)
		case 3:
			it.Relevant = fmt.Sprintf("string-length(${q%d}) >= 0 and ${q%d} != 'x'", i-2, max(i-3, 0))
		}
		group.Items = append(group.Items, it)
	}
	return s
}

// benchAnswer is the answer the benchmark gives to a question of type t.
func benchAnswer(t ItemType) string {
	switch t {
	case TypeSelectOne:
		return "yes"
	case TypeInteger:
		return "42"
	}
	return "some text"
}

func TestBigSurveyRoute(t *testing.T) {
	s := bigSurvey(500)
	relevants := 0
	s.Walk(func(it *Item, _ []*Item) bool {
		if it.Relevant != "" && it.Type != TypeGroup {
			relevants++
		}
		return true
	})
	if relevants != 200 {
		t.Fatalf("bigSurvey has %d relevance expressions on questions, want 200", relevants)
	}
	iv := start(t, s, 1)
	steps := 0
	for !iv.Done() {
		if _, res := iv.Answer(Response{Value: benchAnswer(iv.Current().Type)}); !res.Accepted() {
			t.Fatalf("Answer at %s = %v %q", at(iv), res.Status, res.Msg)
		}
		if err := iv.Next(); err != nil {
			t.Fatal(err)
		}
		steps++
	}
	if steps != 500 {
		t.Errorf("route through bigSurvey(500) has %d stops, want 500", steps)
	}
}

func BenchmarkAnswerNext500(b *testing.B) {
	s := bigSurvey(500)
	form := mustForm(b, s)
	clk := newClock()
	newIV := func() *Interview {
		iv, err := Start(form, Config{Lang: "en", Seed: 1, Clock: clk.now})
		if err != nil {
			b.Fatal(err)
		}
		return iv
	}
	iv := newIV()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if iv.Done() {
			b.StopTimer()
			iv = newIV()
			b.StartTimer()
		}
		sc := iv.Current()
		if _, res := iv.Answer(Response{Value: benchAnswer(sc.Type)}); !res.Accepted() {
			b.Fatalf("Answer at %s = %v %q", sc.Item, res.Status, res.Msg)
		}
		if err := iv.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChangeEarlyAnswer500 changes the first answer of a completed
// 500-question interview, which the relevance of a whole group depends on.
func BenchmarkChangeEarlyAnswer500(b *testing.B) {
	iv := start(b, bigSurvey(500), 1)
	for !iv.Done() {
		iv.Answer(Response{Value: benchAnswer(iv.Current().Type)})
		iv.Next()
	}
	vals := []string{"yes", "maybe"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := iv.GoTo("q0", nil); err != nil {
			b.Fatal(err)
		}
		if _, res := iv.Answer(Response{Value: vals[i%2]}); !res.Accepted() {
			b.Fatal(res.Msg)
		}
		i++
	}
}

func BenchmarkStateRoundTrip(b *testing.B) {
	iv := start(b, travelSurvey(), 1)
	t := &testing.T{}
	play(t, iv, slices.Concat(midway, rest))
	if !iv.Done() {
		b.Fatalf("interview not complete: at %s", at(iv))
	}
	form := iv.Form()
	clk := newClock()
	var size int
	b.ReportAllocs()
	for b.Loop() {
		data, err := iv.State()
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
		if _, err := LoadState(form, data, testContact(), clk.now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size), "bytes/state")
}

// BenchmarkProgress500 measures Progress midway through a 500-question
// interview after a change (it is memoised until the next one).
func BenchmarkProgress500(b *testing.B) {
	iv := start(b, bigSurvey(500), 1)
	for range 250 {
		iv.Answer(Response{Value: benchAnswer(iv.Current().Type)})
		iv.Next()
	}
	b.ReportAllocs()
	for b.Loop() {
		iv.gen++ // as if an answer had changed
		iv.Progress()
	}
}

// BenchmarkCurrent500 measures Current midway through a 500-question
// interview.
func BenchmarkCurrent500(b *testing.B) {
	iv := start(b, bigSurvey(500), 1)
	for range 250 {
		iv.Answer(Response{Value: benchAnswer(iv.Current().Type)})
		iv.Next()
	}
	b.ReportAllocs()
	for b.Loop() {
		iv.Current()
	}
}

// bigPathSurvey is a 500-item questionnaire written as real forms use the
// instance tree: nine groups of 50 questions whose relevance reads earlier
// answers by absolute and relative paths, then a repeat of 40 questions and
// 10 calculations, asked four times, that reads the previous instance with
// indexed-repeat() and counts instances with a predicate.
func bigPathSurvey() *Survey {
	s := &Survey{ID: "bigpaths", Version: "1", Languages: []string{"en"}, Lists: map[string]*ChoiceList{
		"yn": {Name: "yn", Choices: []Choice{{Name: "yes", Label: en("Yes")}, {Name: "no", Label: en("No")}, {Name: "maybe", Label: en("Maybe")}}},
	}}
	question := func(name string, i int) Item {
		it := Item{Name: name, Label: en("Question " + name + "?")}
		switch i % 3 {
		case 0:
			it.Type, it.ListName = TypeSelectOne, "yn"
		case 1:
			it.Type, it.Constraint = TypeInteger, ". >= 0 and . < 1000"
		default:
			it.Type = TypeText
		}
		return it
	}
	for g := range 9 {
		group := Item{Name: fmt.Sprintf("g%d", g), Type: TypeGroup, Label: en(fmt.Sprintf("Part %d", g+1))}
		if g > 0 {
			group.Relevant = fmt.Sprintf("/data/g%d/q%d_0 != 'no'", g-1, g-1)
		}
		for i := range 50 {
			it := question(fmt.Sprintf("q%d_%d", g, i), i)
			switch i % 5 {
			case 1:
				it.Relevant = fmt.Sprintf("../q%d_%d != 'no'", g, i-1)
			case 3:
				it.Relevant = fmt.Sprintf("string-length(/data/g%d/q%d_%d) >= 0 and ../q%d_%d != 'x'", g, g, i-2, g, max(i-3, 0))
			}
			group.Items = append(group.Items, it)
		}
		s.Items = append(s.Items, group)
	}
	rep := Item{Name: "hh", Type: TypeRepeat, RepeatCount: "4", Label: en("Member")}
	for i := range 40 {
		it := question(fmt.Sprintf("r%d", i), i)
		if i%4 == 1 {
			it.Relevant = fmt.Sprintf("position(..) = 1 or indexed-repeat(/data/hh/r%d, /data/hh, position(..) - 1) != 'no'", i-1)
		}
		rep.Items = append(rep.Items, it)
	}
	for i := range 10 {
		rep.Items = append(rep.Items, Item{Name: fmt.Sprintf("rc%d", i), Type: TypeCalculate,
			Calculation: fmt.Sprintf("count(/data/hh[r%d != '']) + count(../../g0/q0_%d)", i*4, i)})
	}
	s.Items = append(s.Items, rep)
	return s
}

func TestBigPathSurveyRoute(t *testing.T) {
	s := bigPathSurvey()
	items := 0
	s.Walk(func(*Item, []*Item) bool { items++; return true })
	if items != 500+10 { // 500 items and the 10 containers holding them
		t.Fatalf("bigPathSurvey has %d items and containers, want 510", items)
	}
	iv := start(t, s, 1)
	steps := 0
	for !iv.Done() {
		if _, res := iv.Answer(Response{Value: benchAnswer(iv.Current().Type)}); !res.Accepted() {
			t.Fatalf("Answer at %s = %v %q", at(iv), res.Status, res.Msg)
		}
		if err := iv.Next(); err != nil {
			t.Fatal(err)
		}
		steps++
	}
	if want := 9*50 + 4*40; steps != want {
		t.Errorf("route through bigPathSurvey has %d stops, want %d", steps, want)
	}
	if got := dataMap(iv)["rc0[4]"]; got != "5" {
		t.Errorf("rc0[4] = %q, want 5 (four members answered r0, one q0_0)", got)
	}
	if errs := iv.Errors(); len(errs) > 0 {
		t.Errorf("Errors() = %q", errs)
	}
}

// BenchmarkAnswerNext500Paths is BenchmarkAnswerNext500 on bigPathSurvey:
// answer and next on a form that reads its instance by paths and
// indexed-repeat(). The budget is the same 50 µs.
func BenchmarkAnswerNext500Paths(b *testing.B) {
	form := mustForm(b, bigPathSurvey())
	clk := newClock()
	newIV := func() *Interview {
		iv, err := Start(form, Config{Lang: "en", Seed: 1, Clock: clk.now})
		if err != nil {
			b.Fatal(err)
		}
		return iv
	}
	iv := newIV()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if iv.Done() {
			b.StopTimer()
			iv = newIV()
			b.StartTimer()
		}
		sc := iv.Current()
		if _, res := iv.Answer(Response{Value: benchAnswer(sc.Type)}); !res.Accepted() {
			b.Fatalf("Answer at %s = %v %q", sc.Item, res.Status, res.Msg)
		}
		if err := iv.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileChained10k compiles 10 000 questions each relevant on the
// one before: the form keeps the direct dependencies only, so compiling
// stays linear though the closures add up to 50 million entries.
func BenchmarkCompileChained10k(b *testing.B) {
	s := chainSurvey(10_000)
	b.ReportAllocs()
	for b.Loop() {
		if f, probs := Compile(s); f == nil {
			b.Fatal(probs)
		}
	}
}
