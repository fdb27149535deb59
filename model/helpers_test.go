package model

import (
	"strings"
	"testing"
	"time"
)

// en is a label in English only.
func en(s string) Text { return Text{"en": s} }

// bi is a label in English and Spanish.
func bi(e, s string) Text { return Text{"en": e, "es": s} }

// travelSurvey is a realistic questionnaire exercising the engine: fills,
// skip logic, hard and soft checks, a calculation chain, or_other with
// randomised options, a choice_filter, a repeat counted from an answer, an
// "add another?" repeat, rank, dates, an unsupported item and metadata.
func travelSurvey() *Survey {
	return &Survey{
		ID:        "travel",
		Version:   "3",
		Title:     "Travel habits",
		Client:    "Acme Transit",
		Languages: []string{"en", "es"},
		Closing:   bi("Thank you, ${contact.name}.", "Gracias, ${contact.name}."),
		Source:    "travel.yaml",
		Lists: map[string]*ChoiceList{
			"yesno": {Name: "yesno", Choices: []Choice{
				{Name: "yes", Label: bi("Yes", "Sí")},
				{Name: "no", Label: bi("No", "No")},
			}},
			"modes": {Name: "modes", Choices: []Choice{
				{Name: "car", Label: bi("Car", "Coche")},
				{Name: "bus", Label: bi("Bus", "Autobús")},
				{Name: "bike", Label: bi("Bicycle", "Bicicleta")},
				{Name: "walk", Label: bi("Walking", "A pie")},
				{Name: "train", Label: bi("Train", "Tren")},
			}},
			"countries": {Name: "countries", Choices: []Choice{
				{Name: "fr", Label: bi("France", "Francia")},
				{Name: "es", Label: bi("Spain", "España")},
			}},
			"cities": {Name: "cities", Choices: []Choice{
				{Name: "paris", Label: bi("Paris", "París"), Extra: map[string]string{"country": "fr"}},
				{Name: "lyon", Label: bi("Lyon", "Lyon"), Extra: map[string]string{"country": "fr"}},
				{Name: "madrid", Label: bi("Madrid", "Madrid"), Extra: map[string]string{"country": "es"}},
				{Name: "sevilla", Label: bi("Seville", "Sevilla"), Extra: map[string]string{"country": "es"}},
			}},
			"prio": {Name: "prio", Choices: []Choice{
				{Name: "price", Label: bi("Price", "Precio")},
				{Name: "speed", Label: bi("Speed", "Rapidez")},
				{Name: "comfort", Label: bi("Comfort", "Comodidad")},
			}},
		},
		Items: []Item{
			{Name: "started", Type: TypeMeta, Meta: "start"},
			{Name: "day", Type: TypeMeta, Meta: "today"},
			{Name: "device", Type: TypeMeta, Meta: "deviceid"},
			{Name: "hello", Type: TypeNote, Label: bi(
				"Hello ${contact.name}, this is ${interviewer.name} calling for ${survey.client} about ${contact.panel}.",
				"Hola ${contact.name}, soy ${interviewer.name} de ${survey.client}.")},
			{Name: "age", Type: TypeInteger, Label: bi("How old are you?", "¿Cuántos años tiene?"),
				Required: "true()", Constraint: ". >= 0 and . <= 120",
				ConstraintMessage: bi("Age must be between 0 and 120", "La edad debe estar entre 0 y 120"),
				Warning:           ". < 100", WarningMessage: bi("Over 100: please confirm", "Más de 100: confirme")},
			{Name: "adult", Type: TypeCalculate, Calculation: "if(${age} >= 18, 'yes', 'no')"},
			{Name: "employed", Type: TypeSelectOne, ListName: "yesno", Relevant: "${adult} = 'yes'",
				Label: bi("Do you work?", "¿Trabaja?")},
			{Name: "employer", Type: TypeText, Relevant: "${employed} = 'yes'",
				Label: bi("Where do you work, ${contact.name}?", "¿Dónde trabaja?")},
			{Name: "commute", Type: TypeGroup, Label: bi("Commuting", "Desplazamientos"), Relevant: "${employed} != 'no'", Items: []Item{
				{Name: "transport", Type: TypeSelectMultiple, ListName: "modes", OrOther: true, Randomize: true,
					Label: bi("How do you travel?", "¿Cómo viaja?")},
				{Name: "main_mode", Type: TypeSelectOne, ListName: "modes", ChoiceFilter: "selected(${transport}, name)",
					Relevant: "count-selected(${transport}) > 1",
					Label:    bi("Which of ${transport} do you use most?", "¿Cuál usa más?")},
			}},
			{Name: "country", Type: TypeSelectOne, ListName: "countries", Label: bi("Country?", "¿País?")},
			{Name: "city", Type: TypeSelectOne, ListName: "cities", ChoiceFilter: "country = ${country}",
				Label: bi("City in ${country}?", "¿Ciudad?")},
			{Name: "hh_size", Type: TypeInteger, Required: "true()", Constraint: ". >= 1 and . <= 20",
				Label: bi("How many people live in your household?", "¿Cuántas personas viven en su hogar?")},
			{Name: "member", Type: TypeRepeat, RepeatCount: "${hh_size}", Label: bi("Person", "Persona"), Items: []Item{
				{Name: "m_name", Type: TypeText, Required: "true()", Label: bi("Name of person ${hh_size}?", "¿Nombre?")},
				{Name: "m_age", Type: TypeInteger, Label: bi("How old is ${m_name}?", "¿Qué edad tiene ${m_name}?")},
				{Name: "m_adult", Type: TypeCalculate, Calculation: "if(${m_age} >= 18, 1, 0)"},
			}},
			{Name: "n_adults", Type: TypeCalculate, Calculation: "sum(${m_adult})"},
			{Name: "adults_note", Type: TypeNote, Label: bi("${n_adults} adults: ${m_name}.", "${n_adults} adultos.")},
			{Name: "trip", Type: TypeRepeat, Label: bi("Trip", "Viaje"), Items: []Item{
				{Name: "trip_dest", Type: TypeText, Label: bi("Where to?", "¿Adónde?")},
				{Name: "trip_car", Type: TypeSelectOne, ListName: "yesno", Label: bi("By car to ${trip_dest}?", "¿En coche?")},
			}},
			{Name: "n_trips", Type: TypeCalculate, Calculation: "count(${trip})"},
			{Name: "rating", Type: TypeRange, Range: &Range{Start: 0, End: 10, Step: 2},
				Label: bi("Rate ${survey.client} (0-10, even numbers)", "Puntúe")},
			{Name: "prios", Type: TypeRank, ListName: "prio", Label: bi("Rank these", "Ordene")},
			{Name: "photo", Type: TypeUnsupported, Unsupported: "image", Label: bi("Take a photo", "Foto")},
			{Name: "c1", Type: TypeCalculate, Calculation: "${age} * 2"},
			{Name: "c2", Type: TypeCalculate, Calculation: "${c1} + ${n_trips}"},
			{Name: "c3", Type: TypeCalculate, Calculation: "concat('score-', ${c2})"},
			{Name: "visit", Type: TypeDate, Label: bi("Date of last visit", "Fecha")},
			{Name: "done_ack", Type: TypeAcknowledge, Label: bi("I read the closing", "Leído"), Required: "true()"},
		},
	}
}

// testClock is a clock that moves a second on every reading.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time {
	c.t = c.t.Add(time.Second)
	return c.t
}

func newClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
}

func testContact() *Contact {
	return &Contact{ID: "c42", Survey: "travel", Name: "Ada Lovelace", Phones: []string{"+14155550100"},
		Source: "client", Fields: map[string]string{"panel": "spring wave"}}
}

// mustForm compiles s, failing the test on any error.
func mustForm(t testing.TB, s *Survey) *Form {
	t.Helper()
	f, probs := Compile(s)
	if f == nil {
		var b strings.Builder
		for _, p := range probs {
			b.WriteString("\n" + p.String())
		}
		t.Fatalf("Compile(%s) failed:%s", s.ID, b.String())
	}
	return f
}

// start begins an interview of s with fixed settings.
func start(t testing.TB, s *Survey, seed uint64) *Interview {
	t.Helper()
	return startWith(t, s, seed, newClock())
}

// startWith is start with the given clock.
func startWith(t testing.TB, s *Survey, seed uint64, clk *testClock) *Interview {
	t.Helper()
	c := testContact()
	c.Survey = s.ID
	iv, err := Start(mustForm(t, s), Config{
		Contact:     c,
		Interviewer: Interviewer{ID: "iv7", Name: "Grace"},
		Lang:        "en",
		Seed:        seed,
		Device:      "laptop-3",
		Clock:       clk.now,
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return iv
}

// at is where the interview is: "item", "item[2]", or "END".
func at(iv *Interview) string {
	if iv.Done() {
		return "END"
	}
	sc := iv.Current()
	return Ref{sc.Item, sc.Path}.String()
}

// step is one action of a scripted interview. The zero action on a note is
// Next; a value or special is answered, then Next unless stay is set.
type step struct {
	at       string // where the interview must be before the step
	value    string
	special  Special
	other    string
	override string
	blank    bool   // answer with an empty value
	back     bool   // go back instead of answering
	stay     bool   // do not call Next after the answer
	want     Status // expected status of the answer
	msg      string // expected substring of the result message
}

// play runs steps on iv, failing on the first surprise.
func play(t *testing.T, iv *Interview, steps []step) {
	t.Helper()
	for i, s := range steps {
		if s.at != "" {
			if got := at(iv); got != s.at {
				t.Fatalf("step %d: at %s, want %s", i+1, got, s.at)
			}
		}
		if s.at == "END" {
			continue
		}
		if s.back {
			if err := iv.Back(); err != nil {
				t.Fatalf("step %d: Back() = %v", i+1, err)
			}
			continue
		}
		if s.value != "" || s.special != NoSpecial || s.blank || s.override != "" {
			ev, res := iv.Answer(Response{Value: s.value, Special: s.special, Other: s.other, Override: s.override})
			if res.Status != s.want {
				t.Fatalf("step %d at %s: Answer(%q, %q) = %v %q, want %v", i+1, at(iv), s.value, s.special, res.Status, res.Msg, s.want)
			}
			if s.msg != "" && !strings.Contains(res.Msg, s.msg) {
				t.Fatalf("step %d at %s: Answer(%q) message = %q, want it to contain %q", i+1, at(iv), s.value, res.Msg, s.msg)
			}
			if (ev != nil) != (res.Status == Accepted) {
				t.Fatalf("step %d: Answer(%q) returned event %v with status %v", i+1, s.value, ev, res.Status)
			}
			if res.Status != Accepted || s.stay {
				continue
			}
		}
		if err := iv.Next(); err != nil {
			t.Fatalf("step %d at %s: Next() = %v", i+1, at(iv), err)
		}
	}
}

// nestedSurvey has a repeat with a literal count holding an "add another?"
// repeat, with calculations across instances and levels.
func nestedSurvey() *Survey {
	return &Survey{ID: "n", Items: []Item{
		{Name: "hh", Type: TypeRepeat, RepeatCount: "2", Label: en("Household"), Items: []Item{
			{Name: "hh_name", Type: TypeText, Label: en("Household name?")},
			{Name: "person", Type: TypeRepeat, Label: en("Person in ${hh_name}"), Items: []Item{
				{Name: "p_name", Type: TypeText, Label: en("Name of person ${p_num} in ${hh_name}?")},
				{Name: "p_num", Type: TypeCalculate, Calculation: "position()"},
				{Name: "p_pet", Type: TypeSelectOne, ListName: "yn", Relevant: "${hh_name} != 'alpha' and ${p_name} != 'delta'",
					Label: en("Does ${p_name} have a pet?")},
			}},
			{Name: "hh_people", Type: TypeCalculate, Calculation: "count(${person})"},
			{Name: "hh_pets", Type: TypeInteger, Relevant: "selected(join(' ', ${p_pet}), 'yes') and ${hh_people} > 0",
				Label: en("How many pets in ${hh_name}?"), Constraint: ". <= ${hh_people} * 5"},
		}},
		{Name: "total", Type: TypeCalculate, Calculation: "sum(${hh_people})"},
		{Name: "everyone", Type: TypeNote, Label: en("People: ${p_name}.")},
		{Name: "more", Type: TypeSelectOne, ListName: "yn", Relevant: "${total} > 2", Label: en("Anyone else?")},
	}, Lists: map[string]*ChoiceList{"yn": {Name: "yn", Choices: []Choice{
		{Name: "yes", Label: en("Yes")}, {Name: "no", Label: en("No")},
	}}}}
}
