package tui

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"

	tea "charm.land/bubbletea/v2"
)

// bigSurvey is a 500-item questionnaire of select_one questions with 25
// options each (a country or region list), two languages, in groups of 20.
func bigSurvey() *model.Survey {
	s := &model.Survey{ID: "big", Title: "Large Tracking Study", Languages: []string{"en", "es"}, DefaultLanguage: "en",
		Lists: map[string]*model.ChoiceList{}}
	var opts []model.Choice
	for i := 1; i <= 25; i++ {
		opts = append(opts, model.Choice{Name: fmt.Sprintf("r%02d", i),
			Label: text(fmt.Sprintf("Region number %d of the country", i), fmt.Sprintf("Región número %d del país", i))})
	}
	s.Lists["regions"] = &model.ChoiceList{Name: "regions", Choices: opts}
	for g := 0; g < 25; g++ {
		grp := model.Item{Name: fmt.Sprintf("g%d", g), Type: model.TypeGroup, Label: text(fmt.Sprintf("Section %d", g+1), fmt.Sprintf("Sección %d", g+1))}
		for q := 0; q < 20; q++ {
			grp.Items = append(grp.Items, model.Item{Name: fmt.Sprintf("q%d_%d", g, q), Type: model.TypeSelectOne, ListName: "regions",
				Label: text("In which region did you live when you were fifteen years old?", "¿En qué región vivía cuando tenía quince años?"),
				Hint:  text("Read the list only if the respondent hesitates.", "Lea la lista solo si la persona duda.")})
		}
		s.Items = append(s.Items, grp)
	}
	return s
}

// BenchmarkConsoleKeypressFrame measures one keypress to a new frame on
// the real interview screen (engine, store-backed console, fake store):
// App.Update with an arrow key on question 251 of the 500-item
// questionnaire, then App.View, at 80×24 with colour. It reports the
// median as median-ns/op.
func BenchmarkConsoleKeypressFrame(b *testing.B) {
	f := newFake()
	f.surveys = map[string]*model.Survey{"big": bigSurvey()}
	f.contacts = []*fakeContact{{c: model.Contact{ID: "B1", Survey: "big", Name: "Big Respondent", Phones: []string{"+13035550100"}},
		st: store.ContactState{Survey: "big", ID: "B1", Status: store.StatusQueued}}}
	a, _ := feed(consoleAt(f, 80, 24, true, false), "ana01 enter Ana enter enter enter y")
	for range 250 {
		a, _ = feed(a, "1 enter")
	}
	if a.console().screen != screenInterview || a.console().iview.sc.Item != "q12_10" {
		b.Fatalf("not on question 251: screen %d, item %s", a.console().screen, a.console().iview.sc.Item)
	}
	keys := []tea.KeyPressMsg{press("down"), press("up"), press("down"), press("down")}
	times := make([]time.Duration, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		var mm tea.Model
		mm, _ = a.Update(keys[i%len(keys)])
		a = mm.(App)
		_ = a.View()
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	if len(times) > 0 {
		slices.Sort(times)
		b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "median-ns/op")
	}
}

// BenchmarkConsoleAnswerFrame measures Enter on an answered question of
// the 500-item questionnaire to the next question's frame, walking the
// questionnaire forward: the engine checks and records the answer, its
// state is encoded for the store (the fake store keeps it in memory, so
// no disk time is counted), the engine moves on and the next widget is
// drawn.
func BenchmarkConsoleAnswerFrame(b *testing.B) {
	// A fresh interview every 200 answers, so that each answer is a new
	// one on the route, as in a real interview, and the history (and the
	// state saved with every answer) stays the size real ones have.
	fresh := func() App {
		f := newFake()
		f.surveys = map[string]*model.Survey{"big": bigSurvey()}
		f.contacts = []*fakeContact{{c: model.Contact{ID: "B1", Survey: "big", Name: "Big Respondent", Phones: []string{"+13035550100"}},
			st: store.ContactState{Survey: "big", ID: "B1", Status: store.StatusQueued}}}
		a, _ := feed(consoleAt(f, 80, 24, true, false), "ana01 enter Ana enter enter enter y")
		return a
	}
	a := fresh()
	answered := 0
	times := make([]time.Duration, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		if answered == 200 {
			a, answered = fresh(), 0
		}
		before := a.console().iview.sc.Item
		a, _ = feed(a, "1")
		b.StartTimer()
		start := time.Now()
		a, _ = feed(a, "enter")
		_ = a.View()
		times = append(times, time.Since(start))
		b.StopTimer()
		if a.console().iview.sc.Item == before {
			b.Fatalf("enter on %s did not move on", before)
		}
		answered++
		b.StartTimer()
	}
	b.StopTimer()
	if len(times) > 0 {
		slices.Sort(times)
		b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "median-ns/op")
	}
}
