package tui

import (
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"

	"github.com/charmbracelet/x/ansi"
)

// helpShown is every "key desc" the help line at the bottom of the screen
// lists, read back from the screen itself (the frame's last lines, under
// the status line).
func helpShown(a App) string {
	lines := strings.Split(screenText(a), "\n")
	rows := len(a.frame.ForKeys(a.room.Page().Keys).wrapHelp(a.room.Page().Keys.ShortHelp()))
	return strings.Join(lines[len(lines)-rows:], " · ")
}

// TestHelpLineListsEveryKey (issue 17.1): at 80×24 and 120×40 the help
// line lists every key that works on the screen, wrapping rather than
// cutting; the outcome labels of the call screen are not cut.
func TestHelpLineListsEveryKey(t *testing.T) {
	screens := []struct {
		name, script string
	}{
		{"home", ""},
		{"call", "enter"},
		{"consent", "enter enter"},
		{"question", "enter enter y"},
		{"choice", "enter enter y 4 enter"},
		{"soft check", "enter enter y 9 enter"},
	}
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {60, 16}} {
		for _, sc := range screens {
			f := newFake()
			a, _ := feed(consoleAt(f, sz[0], sz[1], true, false), "ana01 enter Ana enter "+sc.script)
			s := screenText(a)
			if n := strings.Count(s, "\n") + 1; n != sz[1] {
				t.Errorf("%s at %dx%d: %d lines, want %d", sc.name, sz[0], sz[1], n, sz[1])
			}
			shown := helpShown(a)
			if strings.Contains(shown, "…") {
				t.Errorf("%s at %dx%d: the help line is cut: %q", sc.name, sz[0], sz[1], shown)
			}
			for _, k := range keysOf(a.room.Page().Keys) {
				if !strings.Contains(shown, k) {
					t.Errorf("%s at %dx%d: the help line does not list %q:\n%s", sc.name, sz[0], sz[1], k, s)
				}
			}
			if sc.name == "call" && sz[0] >= 80 {
				for _, label := range []string{"Answering machine, message left", "Disconnected / not in service", "Answering machine, no message left"} {
					if !strings.Contains(s, label) {
						t.Errorf("call at %dx%d: the outcome label %q is cut:\n%s", sz[0], sz[1], label, s)
					}
				}
			}
		}
	}
}

// TestOfferOptOutKeys (issue 17.2): the opt-out offered after a refusal
// lists only keys that do something there, esc goes back to the outcome
// keys with nothing recorded, and home's key list has ↓.
func TestOfferOptOutKeys(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter s busy space today enter")
	mustShow(t, a, "offer", "Offer the opt-out")
	got := strings.Join(keysOf(a.consoleKeys()), " · ")
	for _, dead := range []string{"F3", "F4", "F5", "F7", "F8"} {
		if strings.Contains(got, dead) {
			t.Errorf("the offer's help lists %s, which does nothing there: %s", dead, got)
		}
	}
	if !strings.Contains(got, "esc back to the outcomes") {
		t.Errorf("the offer's help = %s, want esc named as going back to the outcomes", got)
	}
	// The keys it lists do nothing that the help does not say.
	for _, k := range []string{"f5", "f7", "f3", "f4"} {
		b, _ := feed(a, k)
		mustShow(t, b, k+" on the offer", "Offer the opt-out")
	}
	a, _ = feed(a, "esc")
	mustShow(t, a, "esc on the offer", "Outcome keys", "nothing recorded")
	if len(f.calls) != 0 || len(f.optouts) != 1 {
		t.Errorf("esc on the offer recorded calls %+v, opt-outs %v; want nothing", f.calls, f.optouts)
	}

	// The opt-out after a refused consent names its esc truly.
	b, _ := feed(signedIn(t, newFake()), "enter enter n")
	mustShow(t, b, "decline offer", "Refusal: offer the opt-out")
	if got := strings.Join(keysOf(b.consoleKeys()), " · "); !strings.Contains(got, "esc back to the question") {
		t.Errorf("the decline offer's help = %s, want esc back to the question", got)
	}

	h := signedIn(t, newFake())
	var full []string
	for _, col := range h.consoleKeys().FullHelp() {
		for _, b := range col {
			if b.Enabled() {
				full = append(full, b.Help().Key)
			}
		}
	}
	if !strings.Contains(strings.Join(full, " "), "↓") {
		t.Errorf("home's key list = %v, want ↓ in it", full)
	}
}

// TestOptOutClosingScript (issue 17.4): an opt-out in the interview is
// closed with the survey's opt-out closing, filled, never its thanks.
func TestOptOutClosingScript(t *testing.T) {
	f := newFake()
	sv := consoleSurvey()
	sv.OptOutClosing = text("Understood, ${contact.name}: nobody will call you again.", "Entendido, ${contact.name}: nadie le volverá a llamar.")
	f.surveys["cons"] = sv
	a, _ := feed(signedIn(t, f), "enter enter y 4 enter f8 y")
	mustShow(t, a, "opt-out closing", "Entendido, Rosa Diaz: nadie le volverá a llamar.", "Closing after the opt-out")
	if s := screenText(a); strings.Contains(s, "Gracias") {
		t.Errorf("the opt-out closing thanks the person for the interview:\n%s", s)
	}
	// A completed interview still gets the thanks.
	a, _ = feed(signedIn(t, newFake()), "enter enter y 4 enter 2 enter n enter")
	mustShow(t, a, "closing", "Gracias, Rosa Diaz. Adiós.")
}

// TestConsentNeedsAnExplicitRefusal (issue 17.8): enter alone on the
// consent question records nothing, n is the refusal, and F3/F4 ask
// before they go on to the refusal.
func TestConsentNeedsAnExplicitRefusal(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter")
	mustShow(t, a, "consent", "Did Rosa Diaz agree")
	a, _ = feed(a, "enter enter enter")
	mustShow(t, a, "enter alone", "Did Rosa Diaz agree", "press y if Rosa Diaz agreed to take part, n if not")
	if len(f.consents) != 0 || len(f.calls) != 0 {
		t.Fatalf("enter on the consent question recorded consents %+v, calls %+v", f.consents, f.calls)
	}
	for _, k := range []string{"f3", "f4"} {
		b, _ := feed(a, k)
		mustShow(t, b, k, "Record that Rosa Diaz did not agree to take part?")
		b, _ = feed(b, "n")
		mustShow(t, b, k+" then no", "Did Rosa Diaz agree", "nothing recorded")
		b, _ = feed(b, k+" y")
		mustShow(t, b, k+" then yes", "Refusal: offer the opt-out")
		if len(f.consents) != 0 {
			t.Fatalf("%s recorded consents %+v before the opt-out was answered", k, f.consents)
		}
	}
	// An arrow chooses, then enter answers.
	a, _ = feed(a, "left enter")
	mustShow(t, a, "left enter", "¿Cómo nos valora")
	if len(f.consents) != 1 || !f.consents[0].Agreed {
		t.Errorf("consents = %+v, want one agreement", f.consents)
	}
}

// TestBackShowsEarlierAnswers (issue 17.3): going back to a question
// answered don't know says so; confirming an unchanged soft-checked
// answer again shows the reason given before and keeps it.
func TestBackShowsEarlierAnswers(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y 4 enter 2 enter y f3")
	mustShow(t, a, "after don't know", "miembro del hogar 2")
	a, _ = feed(a, "esc")
	mustShow(t, a, "back to the don't know", "¿Nombre de este miembro?", "answered: don't know")

	f = newFake()
	a, _ = feed(signedIn(t, f), "enter enter y 9 enter sure enter")
	mustShow(t, a, "after the override", "¿Algo que añadir?")
	a, _ = feed(a, "esc")
	mustShow(t, a, "back to the score", "¿Cómo nos valora")
	a, _ = feed(a, "enter")
	mustShow(t, a, "soft check again", "Keep it anyway?", "Kept before because: sure")
	a, _ = feed(a, "enter")
	mustShow(t, a, "kept", "¿Algo que añadir?")
	got := rows(f.answers["iv1"])
	if len(got) != 2 || got[1].Item != "score" || got[1].Value != "9" || got[1].Override != "sure" {
		t.Errorf("saved answers = %+v, want score 9 kept twice with the reason sure", got)
	}
}

// TestTranscriptShowsFilledText (issue 17.9): the review transcript
// shows each question as the interviewer read it, its fills filled:
// the text kept with the answer, else filled from the interview.
func TestTranscriptShowsFilledText(t *testing.T) {
	sv := consoleSurvey()
	why := model.Item{Name: "why", Type: model.TypeText,
		Label: text("Why ${score} for ${survey.client}, ${contact.name}?", "¿Por qué ${score}?")}
	sv.Items = append([]model.Item{sv.Items[0], why}, sv.Items[1:]...)
	form, probs := model.Compile(sv)
	if form == nil {
		t.Fatal(probs)
	}
	ct := &model.Contact{ID: "C1", Name: "Rosa Diaz"}
	iv, err := model.Start(form, model.Config{Contact: ct, Interviewer: model.Interviewer{ID: "ana01", Name: "Ana"}, Lang: "en", Clock: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	var evs []model.AnswerEvent
	for _, r := range []model.Response{{Value: "5"}, {Value: "fast"}} {
		ev, res := iv.Answer(r)
		if res.Status != model.Accepted {
			t.Fatalf("answer %+v: %+v", r, res)
		}
		evs = append(evs, *ev)
		if err := iv.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := evs[1].Label, "Why 5 for Northwind, Rosa Diaz?"; got != want {
		t.Errorf("the answer keeps the question as %q, want %q as read", got, want)
	}
	old := evs[1]
	old.Label = "" // recorded before the text was kept
	for _, a := range []model.AnswerEvent{evs[1], old} {
		d := &store.ReviewDetail{Contact: ct}
		d.Current = []model.AnswerEvent{evs[0], a}
		d.Interview.Interviewer = "ana01"
		v := newReviewDetail(d, sv, nil, NewStyles(true, true), time.UTC)
		s := ansi.Strip(strings.Join(v.lines, "\n"))
		if !strings.Contains(s, "Why 5 for Northwind, Rosa Diaz?") || strings.Contains(s, "${") {
			t.Errorf("transcript (label kept %t) does not show the filled question:\n%s", a.Label != "", s)
		}
	}
}

// TestUnlabelledGroupHasNoHeading (issue 17.9): a group without a label
// does not put its name, the author's, over the question.
func TestUnlabelledGroupHasNoHeading(t *testing.T) {
	tests := []struct {
		headings []model.Heading
		want     string
	}{
		{[]model.Heading{{Item: "grp_internal"}}, "Questionnaire"},
		{[]model.Heading{{Item: "grp_internal"}, {Item: "people", Label: "Person", Instance: 2}}, "Person 2"},
		{[]model.Heading{{Item: "sec_a", Label: "Section A"}, {Item: "rep_x", Instance: 3}}, "Section A › no. 3"},
	}
	for _, tc := range tests {
		if got := section(model.Screen{Headings: tc.headings}); got != tc.want {
			t.Errorf("section(%+v) = %q, want %q", tc.headings, got, tc.want)
		}
	}
}

// TestAppointmentOutsideCallingHours (issue 17.5): an appointment outside
// the hours the contact may be called is not taken silently: the picker
// says when it will come up, and a second enter keeps it; one past the
// year 2262 is refused with a sentence.
func TestAppointmentOutsideCallingHours(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter t 22:30")
	mustShow(t, a, "typed", "outside the hours Rosa Diaz may be called", "comes up Mon 30 Nov 08:00 their time")
	a, _ = feed(a, "enter")
	mustShow(t, a, "first enter", "press enter again to keep it")
	if len(f.calls) != 0 {
		t.Fatalf("the first enter recorded %+v", f.calls)
	}
	a, _ = feed(a, "enter")
	mustShow(t, a, "second enter", "recorded: Appointment")
	denver, _ := time.LoadLocation("America/Denver")
	if len(f.calls) != 1 || !f.calls[0].Appointment.Equal(time.Date(2026, 11, 29, 22, 30, 0, 0, denver)) {
		t.Errorf("calls = %+v, want the appointment kept at 22:30 as asked", f.calls)
	}

	// Inside the hours: no warning, one enter.
	f = newFake()
	a, _ = feed(signedIn(t, f), "enter t 18:30")
	if s := screenText(a); strings.Contains(s, "outside the hours") {
		t.Errorf("an appointment at 18:30 is warned about:\n%s", s)
	}
	a, _ = feed(a, "enter")
	mustShow(t, a, "inside", "recorded: Appointment")

	for _, far := range []string{"+200000d", "2263-01-01 10:00"} {
		f = newFake()
		a, _ = feed(signedIn(t, f), "enter t "+strings.ReplaceAll(far, " ", " space ")+" enter")
		mustShow(t, a, far, "2262")
		if len(f.calls) != 0 {
			t.Errorf("%s: calls = %+v, want none", far, f.calls)
		}
	}
}

// TestEmptyQueueSaysWhenNext (issue 17.7): "no contact is due now" says
// when the next one comes up, and an email-only contact (C3) is never
// presented to be called.
func TestEmptyQueueSaysWhenNext(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter t 10:00 enter")
	mustShow(t, a, "appointment", "recorded: Appointment")
	a, _ = feed(a, "enter")
	mustShow(t, a, "next contact", "Tom Reed")
	a, _ = feed(a, "n enter")
	mustShow(t, a, "empty", "no contact is due now in Console Test Study; next at 17:00 your time (in 2h00)")
	if s := screenText(a); strings.Contains(s, "Una Mail") {
		t.Errorf("an email-only contact was presented to be called:\n%s", s)
	}
	if f.contacts[3].st.Status != store.StatusRetired {
		t.Errorf("the email-only contact is %s, want retired from the calling queue", f.contacts[3].st.Status)
	}
}

// TestResumeGoesThroughTheCall (issue 17.7): resuming from home shows
// the call screen first (the intro again, the person to confirm on the
// line); an outcome there records the call and leaves the interview
// suspended, in one step.
func TestResumeGoesThroughTheCall(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y 4 enter")
	_, _ = feed(a, "ctrl+c y")
	if got := f.ivs["iv1"].Status; got != store.InterviewSuspended {
		t.Fatalf("status after quitting = %s, want suspended", got)
	}
	b := signedIn(t, f)
	b, _ = feed(b, "enter")
	mustShow(t, b, "call screen", "Call", "Hola Rosa Diaz, soy Ana de Northwind.", "An interview was begun", "on the line: go on")
	if s := screenText(b); strings.Contains(s, "¿Algo que añadir?") {
		t.Fatalf("the questionnaire shows before the person is on the line:\n%s", s)
	}
	calls := len(f.calls)
	b, _ = feed(b, "n")
	mustShow(t, b, "no answer", "recorded: No answer; the interview stays suspended", "Resume Rosa Diaz")
	if len(f.calls) != calls+1 || f.calls[len(f.calls)-1].Outcome.Code != "no_answer" {
		t.Errorf("calls = %+v, want a no answer recorded", f.calls[calls:])
	}
	if got := f.ivs["iv1"].Status; got != store.InterviewSuspended {
		t.Errorf("status after no answer = %s, want suspended", got)
	}
	// Reached this time: enter goes on where it stopped, without consent.
	b, _ = feed(b, "up enter enter")
	mustShow(t, b, "resumed", "¿Algo que añadir?", "resumed where the interview stopped")
	if len(f.consents) != 1 {
		t.Errorf("consents = %d, want the one given at the start", len(f.consents))
	}
}

// TestJumpToAReachedQuestion (issue 17.7): F9 lists the questions
// reached so far; going to one keeps every answer, and the route after
// it follows the answers as they are then.
func TestJumpToAReachedQuestion(t *testing.T) {
	f := newFake()
	a, _ := feed(signedIn(t, f), "enter enter y 4 enter 2 enter y Ana enter")
	mustShow(t, a, "at the second member", "miembro del hogar 2")
	if got := strings.Join(keysOf(a.consoleKeys()), " · "); !strings.Contains(got, "F9 go to question") {
		t.Errorf("the question's help = %s, want F9 go to question", got)
	}
	a, _ = feed(a, "f9")
	mustShow(t, a, "the list", "Go to a question reached so far", "1. ¿Cómo nos valora de 0 a 10?  4",
		"2. ¿Algo que añadir?  No", "¿Nombre de este miembro?  Ana", "(here now)")
	a, _ = feed(a, "esc")
	mustShow(t, a, "esc stays", "miembro del hogar 2")
	a, _ = feed(a, "f9 home down enter")
	mustShow(t, a, "went to the second question", "¿Algo que añadir?", "went to question 2; the answers after it are kept")
	a, _ = feed(a, "1 enter")
	mustShow(t, a, "the route follows the new answer", "¿Qué añadiría?")
	saved := rows(f.answers["iv1"])
	if len(saved) != 5 || saved[3].Item != "mname" || saved[4].Item != "more" || saved[4].Value != "yes" {
		t.Errorf("saved answers = %+v, want the member's answers kept and more changed to yes", saved)
	}
	a, _ = feed(a, "mucho enter")
	mustShow(t, a, "after the new question", "miembro del hogar")
}
