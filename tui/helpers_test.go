package tui

import (
	"image/color"
	"strings"
	"testing"
	"unicode/utf8"

	"canvass/model"

	tea "charm.land/bubbletea/v2"
)

// press builds the key message a terminal sends for a key name ("enter",
// "ctrl+d", "shift+up", "f3", "space") or for one printable character.
func press(name string) tea.KeyPressMsg {
	codes := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab,
		"backspace": tea.KeyBackspace, "delete": tea.KeyDelete,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"home": tea.KeyHome, "end": tea.KeyEnd, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"f1": tea.KeyF1, "f2": tea.KeyF2, "f3": tea.KeyF3, "f4": tea.KeyF4,
		"f5": tea.KeyF5, "f6": tea.KeyF6, "f7": tea.KeyF7, "f8": tea.KeyF8,
	}
	if name == "space" {
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	var mod tea.KeyMod
	base := name
	for _, m := range []struct {
		prefix string
		mod    tea.KeyMod
	}{{"ctrl+", tea.ModCtrl}, {"alt+", tea.ModAlt}, {"shift+", tea.ModShift}} {
		if rest, ok := strings.CutPrefix(base, m.prefix); ok && rest != "" {
			mod |= m.mod
			base = rest
		}
	}
	if c, ok := codes[base]; ok {
		return tea.KeyPressMsg{Code: c, Mod: mod}
	}
	r, _ := utf8.DecodeRuneInString(base)
	if mod != 0 {
		return tea.KeyPressMsg{Code: r, Mod: mod}
	}
	return tea.KeyPressMsg{Code: r, Text: base}
}

// keys turns "12 enter" style scripts into key messages: names separated
// by spaces; a word that is not a key name is typed letter by letter.
func keys(script string) []tea.KeyPressMsg {
	var out []tea.KeyPressMsg
	for _, w := range strings.Fields(script) {
		if utf8.RuneCountInString(w) == 1 || isKeyName(w) {
			out = append(out, press(w))
			continue
		}
		for _, r := range w {
			out = append(out, press(string(r)))
		}
	}
	return out
}

func isKeyName(w string) bool {
	switch w {
	case "enter", "esc", "tab", "backspace", "delete", "up", "down", "left", "right",
		"home", "end", "pgup", "pgdown", "space":
		return true
	}
	return strings.Contains(w, "+") && len(w) > 2 || len(w) <= 3 && w[0] == 'f' && w[1] >= '1' && w[1] <= '9'
}

// run executes a command and the commands it batches, returning the
// messages they produce.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, run(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// drive sends a key script to a widget and returns it with every message
// its commands produced, in order.
func drive[W widgetModel[W]](w W, script string) (W, []tea.Msg) {
	var msgs []tea.Msg
	for _, k := range keys(script) {
		var cmd tea.Cmd
		w, cmd = w.Update(k)
		msgs = append(msgs, run(cmd)...)
	}
	return w, msgs
}

// answers keeps only the AnswerMsgs of msgs.
func answers(msgs []tea.Msg) []AnswerMsg {
	var out []AnswerMsg
	for _, m := range msgs {
		if a, ok := m.(AnswerMsg); ok {
			out = append(out, a)
		}
	}
	return out
}

func text(en, es string) model.Text { return model.Text{"en": en, "es": es} }

func choices(pairs ...string) []model.Choice {
	var out []model.Choice
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, model.Choice{Name: pairs[i], Label: model.Text{"en": pairs[i+1]}})
	}
	return out
}

// testSurvey is a questionnaire with one item of every type the console
// shows, in two languages.
func testSurvey() *model.Survey {
	return &model.Survey{
		ID: "health", Version: "3", Title: "Household Health Survey",
		Languages: []string{"en", "es"}, DefaultLanguage: "en",
		Lists: map[string]*model.ChoiceList{
			"agegrp": {Name: "agegrp", Choices: []model.Choice{
				{Name: "a18", Label: text("18 to 24", "18 a 24")},
				{Name: "a25", Label: text("25 to 34", "25 a 34")},
				{Name: "a35", Label: text("35 to 44", "35 a 44")},
				{Name: "a45", Label: text("45 to 54", "45 a 54")},
				{Name: "a55", Label: text("55 to 64", "55 a 64")},
				{Name: "a65", Label: text("65 or older", "65 o más")},
			}},
			"sports": {Name: "sports", Choices: []model.Choice{
				{Name: "walk", Label: text("Walking", "Caminar")},
				{Name: "run", Label: text("Running", "Correr")},
				{Name: "swim", Label: text("Swimming", "Nadar")},
				{Name: "bike", Label: text("Cycling", "Ciclismo")},
			}},
			"media": {Name: "media", Choices: []model.Choice{
				{Name: "tv", Label: text("Television", "Televisión")},
				{Name: "radio", Label: text("Radio", "Radio")},
				{Name: "web", Label: text("Websites", "Sitios web")},
			}},
		},
		Items: []model.Item{
			{Name: "welcome", Type: model.TypeNote, Label: text("Thank you for taking part. This survey takes about ten minutes.", "Gracias por participar. La encuesta dura unos diez minutos."),
				Hint: text("Read slowly.", "Lea despacio.")},
			{Name: "about", Type: model.TypeGroup, Label: text("About you", "Sobre usted"), Items: []model.Item{
				{Name: "agegroup", Type: model.TypeSelectOne, ListName: "agegrp",
					Label: text("Which of these age groups are you in?", "¿En cuál de estos grupos de edad está?"),
					Hint:  text("Read the groups aloud.", "Lea los grupos en voz alta.")},
				{Name: "people", Type: model.TypeInteger, Constraint: ". >= 1 and . <= 20",
					Label: text("How many people live in your household, including you?", "¿Cuántas personas viven en su hogar, incluido usted?")},
				{Name: "sport", Type: model.TypeSelectMultiple, ListName: "sports", OrOther: true,
					Label: text("Which of these do you do at least once a week?", "¿Cuáles de estos hace al menos una vez por semana?"),
					Hint:  text("Tick all that apply.", "Marque todas las que apliquen.")},
			}},
			{Name: "weight", Type: model.TypeDecimal, Label: text("What is your weight in kilograms?", "¿Cuál es su peso en kilogramos?")},
			{Name: "health", Type: model.TypeRange, Range: &model.Range{Start: 0, End: 10, Step: 1},
				Label: text("On a scale from 0 to 10, how would you rate your health?", "En una escala de 0 a 10, ¿cómo calificaría su salud?")},
			{Name: "birth", Type: model.TypeDate, Label: text("What is your date of birth?", "¿Cuál es su fecha de nacimiento?")},
			{Name: "wake", Type: model.TypeTime, Label: text("At what time do you usually wake up?", "¿A qué hora suele despertarse?")},
			{Name: "callback", Type: model.TypeDateTime, Label: text("When may we call you back?", "¿Cuándo podemos volver a llamarle?")},
			{Name: "rankmedia", Type: model.TypeRank, ListName: "media",
				Label: text("Rank these by how much you trust them for health news.", "Ordene según cuánto confía en ellos para noticias de salud.")},
			{Name: "comments", Type: model.TypeText, Appearance: "multiline",
				Label: text("Is there anything else you would like to tell us?", "¿Hay algo más que quiera decirnos?")},
			{Name: "town", Type: model.TypeText, NoDontKnow: true, Label: text("In which town do you live?", "¿En qué ciudad vive?")},
			{Name: "photo", Type: model.TypeUnsupported, Unsupported: "image", Label: text("Take a photo of the house.", "Tome una foto de la casa.")},
			{Name: "calc", Type: model.TypeCalculate, Calculation: "1+1"},
			{Name: "thanks", Type: model.TypeAcknowledge, Label: text("I confirm the respondent was thanked.", "Confirmo que se agradeció a la persona.")},
		},
	}
}

// item returns a test survey's item.
func item(t testing.TB, name string) *model.Item {
	t.Helper()
	it := testSurvey().Find(name)
	if it == nil {
		t.Fatalf("no item %s in the test survey", name)
	}
	return it
}

// spec is the Spec of a test survey item in English.
func spec(t testing.TB, name string) Spec {
	t.Helper()
	s := testSurvey()
	it := s.Find(name)
	if it == nil {
		t.Fatalf("no item %s in the test survey", name)
	}
	sp := Spec{Item: it, Lang: "en"}
	if l := s.Lists[it.ListName]; l != nil {
		sp.Choices = l.Choices
	}
	return sp
}

// bg is a BackgroundColorMsg for a dark or light terminal.
func bg(dark bool) tea.BackgroundColorMsg {
	if dark {
		return tea.BackgroundColorMsg{Color: color.Black}
	}
	return tea.BackgroundColorMsg{Color: color.White}
}

// console is the interviewer console a hosts.
func (a App) console() interviewer { return a.room.(interviewer) }

// sup is the supervisor console a hosts.
func (a App) sup() supervisor { return a.room.(supervisor) }

// dash is the dashboard a hosts on its own.
func (a App) dash() Dashboard { return a.room.(dashboardApp).d }

// withDash is a with its dashboard replaced by d.
func (a App) withDash(d Dashboard) App {
	r := a.room.(dashboardApp)
	r.d = d
	a.room = r
	return a
}
