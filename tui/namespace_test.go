package tui

import (
	"testing"

	"canvass/model"
	"canvass/store"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"
)

// collidingSurvey is the console test study with its questions named
// like the console's own dialogs once were (quit, consent, decline,
// offer, optout, appointment, suspend): a questionnaire may name its
// items anything, and none of these names may reach a dialog.
func collidingSurvey() *model.Survey {
	s := consoleSurvey()
	s.Items = []model.Item{
		{Name: "consent", Type: model.TypeSelectOne, ListName: "yesno",
			Label: text("Have you used our service before?", "¿Ha usado nuestro servicio antes?")},
		{Name: "decline", Type: model.TypeInteger, Label: text("How many times?", "¿Cuántas veces?")},
		{Name: "quit", Type: model.TypeRepeat, Label: text("household member", "miembro del hogar"), Items: []model.Item{
			{Name: "offer", Type: model.TypeText, Label: text("First name of this member?", "¿Nombre de este miembro?")},
		}},
		{Name: "optout", Type: model.TypeSelectOne, ListName: "yesno", Label: text("Any complaints?", "¿Alguna queja?")},
		{Name: "appointment", Type: model.TypeText, Label: text("Where do you live?", "¿Dónde vive?")},
		{Name: "suspend", Type: model.TypeNote, Label: text("That is all.", "Eso es todo.")},
	}
	return s
}

// collidingAt is a console over a store whose one survey is
// collidingSurvey, signed in, on the line with Rosa Diaz and past
// consent: the first question shows.
func collidingAt(t *testing.T) (App, *fakeStore) {
	t.Helper()
	f := newFake()
	f.surveys = map[string]*model.Survey{"cons": collidingSurvey()}
	a, _ := feed(signedIn(t, f), "enter enter y")
	mustShow(t, a, "first question", "¿Ha usado nuestro servicio antes?")
	return a, f
}

// settle delivers every message cmd produces to a, and what their
// commands produce in turn, as the Bubble Tea loop would; it reports
// whether a asked to quit.
func settle(a App, cmd tea.Cmd) (App, bool) {
	quit := false
	for _, msg := range run(cmd) {
		var q bool
		a, q = deliver(a, msg)
		quit = quit || q
	}
	return a, quit
}

// TestItemsNamedLikeDialogs walks a questionnaire whose items are named
// like the console's dialogs, with back and answers on each: every key
// acts on the question, and nothing is recorded but the answers.
func TestItemsNamedLikeDialogs(t *testing.T) {
	a, f := collidingAt(t)
	steps := []struct{ script, show string }{
		{"1 enter", "¿Cuántas veces?"},
		{"esc", "¿Ha usado nuestro servicio antes?"}, // back from decline to consent
		{"enter", "¿Cuántas veces?"},
		{"3 enter", "miembro del hogar"},
		{"esc", "¿Cuántas veces?"}, // back from the quit prompt
		{"enter", "miembro del hogar"},
		{"y", "¿Nombre de este miembro?"},
		{"Ann enter", "miembro del hogar 2"},
		{"n", "¿Alguna queja?"},
		{"2 enter", "¿Dónde vive?"},
		{"Lisboa enter", "Eso es todo."},
		{"enter", "Gracias, Rosa Diaz. Adiós."},
	}
	for _, s := range steps {
		var quit bool
		a, quit = feed(a, s.script)
		if quit {
			t.Fatalf("%q quit the console:\n%s", s.script, screenText(a))
		}
		mustShow(t, a, s.script, s.show)
	}
	want := []answerRow{
		{Item: "consent", Value: "yes", Lang: "es"},
		{Item: "decline", Value: "3", Lang: "es"},
		{Item: "quit", Path: []int{1}, Value: "yes", Lang: "es"},
		{Item: "offer", Path: []int{1}, Value: "Ann", Lang: "es"},
		{Item: "quit", Path: []int{2}, Value: "no", Lang: "es"},
		{Item: "optout", Value: "no", Lang: "es"},
		{Item: "appointment", Value: "Lisboa", Lang: "es"},
	}
	// Going back and confirming again records the answer again.
	got := rows(f.answers["iv1"])
	if diff := cmp.Diff(want, dedupe(got)); diff != "" {
		t.Errorf("saved answers (-want +got):\n%s", diff)
	}
	if got := f.ivs["iv1"].Status; got != store.InterviewCompleted {
		t.Errorf("interview status = %s, want completed", got)
	}
	if len(f.optouts) != 1 {
		t.Errorf("opt-out list = %v, want only the fake's first entry", f.optouts)
	}
	if n := len(f.calls); n != 1 || f.calls[0].Outcome.Code != "complete" {
		t.Errorf("calls = %+v, want one complete", f.calls)
	}
}

// dedupe keeps the last answer saved for each stop, in the order the
// stops were first answered.
func dedupe(rs []answerRow) []answerRow {
	var out []answerRow
	at := map[string]int{}
	for _, r := range rs {
		k := model.Ref{Item: r.Item, Path: r.Path}.String()
		if i, ok := at[k]; ok {
			out[i] = r
			continue
		}
		at[k] = len(out)
		out = append(out, r)
	}
	return out
}

// TestItemAnswersNeverReachTheQuitDialog: ^C typed while the answer of
// a yes/no question named "quit" is on its way opens the quit question,
// and that answer lands on its question; it neither answers nor closes
// the quit question.
func TestItemAnswersNeverReachTheQuitDialog(t *testing.T) {
	t.Run("an answer", func(t *testing.T) {
		a, f := collidingAt(t)
		a, _ = feed(a, "1 enter 3 enter")
		mustShow(t, a, "the prompt named quit", "miembro del hogar")
		m, answer := a.Update(press("y")) // the prompt's answer is on its way
		a = m.(App)
		a, quit := feed(a, "ctrl+c")
		if quit {
			t.Fatalf("ctrl+c in an interview quit without asking")
		}
		a, quit = settle(a, answer)
		if quit {
			t.Fatalf("the answer of the question named quit answered the quit question")
		}
		mustShow(t, a, "after the answer", "Quit canvass?")
		if got := f.ivs["iv1"].Status; got != store.InterviewActive {
			t.Errorf("interview status = %s, want active", got)
		}
		if rs := rows(f.answers["iv1"]); len(rs) != 3 || rs[2].Item != "quit" || rs[2].Value != "yes" {
			t.Errorf("saved = %+v, want the prompt's yes third", rs)
		}
		a, _ = feed(a, "esc")
		mustShow(t, a, "staying", "not quitting", "¿Nombre de este miembro?")
	})
	t.Run("back", func(t *testing.T) {
		a, _ := collidingAt(t)
		a, _ = feed(a, "1 enter 3 enter")
		m, back := a.Update(press("esc")) // the prompt's back is on its way
		a = m.(App)
		a, _ = feed(a, "ctrl+c")
		a, quit := settle(a, back)
		if quit {
			t.Fatalf("going back from the question named quit quit the console")
		}
		mustShow(t, a, "after going back", "Quit canvass?")
		a, _ = feed(a, "esc")
		mustShow(t, a, "staying", "not quitting", "¿Cuántas veces?")
	})
}
