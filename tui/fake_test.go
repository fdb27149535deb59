package tui

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
	_ "time/tzdata" // the contacts' zones, on machines without zoneinfo

	"canvass/model"
	"canvass/store"

	tea "charm.land/bubbletea/v2"
)

// fakeStore is an in-memory Backend for the console's tests: a gate that
// presents queued contacts in order and never one on its opt-out list,
// and a record of every call made to it.
type fakeStore struct {
	// mu guards everything: a real program runs commands concurrently.
	mu        sync.Mutex
	surveys   map[string]*model.Survey
	contacts  []*fakeContact
	optouts   map[string]bool
	who       store.InterviewerRecord
	ivs       map[string]*store.InterviewRecord
	states    map[string][]byte
	answers   map[string][]model.AnswerEvent
	notes     []store.Note
	calls     []store.Call
	callNotes map[string]map[time.Time]string
	consents  []model.Consent
	appts     []store.Appointment
	draws     int
	// failSave makes the next n SaveAnswer calls fail.
	failSave int
	log      []string
}

type fakeContact struct {
	c     model.Contact
	st    store.ContactState
	drawn bool
}

// newFake is a store with the console test survey and three contacts, the
// first of whom is on the opt-out list.
func newFake() *fakeStore {
	f := &fakeStore{
		surveys:   map[string]*model.Survey{"cons": consoleSurvey()},
		optouts:   map[string]bool{"+12125550199": true},
		ivs:       map[string]*store.InterviewRecord{},
		states:    map[string][]byte{},
		answers:   map[string][]model.AnswerEvent{},
		callNotes: map[string]map[time.Time]string{},
	}
	for _, c := range []model.Contact{
		{ID: "C0", Survey: "cons", Name: "Opted Out", Phones: []string{"+12125550199"}, Timezone: "America/New_York"},
		{ID: "C1", Survey: "cons", Name: "Rosa Diaz", Company: "Acme", Phones: []string{"+13035550123"}, Email: "rosa@example.com", Timezone: "America/Denver", Language: "es"},
		{ID: "C2", Survey: "cons", Name: "Tom Reed", Phones: []string{"+12065550142"}, Timezone: "America/Los_Angeles"},
	} {
		f.contacts = append(f.contacts, &fakeContact{c: c, st: store.ContactState{Survey: "cons", ID: c.ID, Status: store.StatusQueued}})
	}
	return f
}

func (f *fakeStore) LastInterviewer() (store.InterviewerRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.who, nil
}
func (f *fakeStore) SetInterviewer(id, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.who = store.InterviewerRecord{ID: id, Name: name}
	return nil
}

func (f *fakeStore) Surveys() ([]store.SurveyInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.SurveyInfo
	for id, s := range f.surveys {
		out = append(out, store.SurveyInfo{ID: id, Title: s.Title, Version: s.Version, Revision: 1, Revisions: 1})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (f *fakeStore) Survey(id string, _ uint32) (*model.Survey, *store.SurveyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.surveys[id]
	if !ok {
		return nil, nil, fmt.Errorf("survey %s: %w", id, store.ErrNotFound)
	}
	return s, &store.SurveyRecord{ID: id, Revision: 1, Version: s.Version, Title: s.Title}, nil
}

func (f *fakeStore) Interviews(survey string) ([]store.InterviewRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.InterviewRecord
	for _, r := range f.ivs {
		if survey == "" || r.Survey == survey {
			out = append(out, *r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (f *fakeStore) Appointments(survey string, until time.Time, _ int) ([]store.Appointment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Appointment
	for _, a := range f.appts {
		if a.Survey == survey && !a.At.After(until) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Next is the gate: the first queued contact not drawn yet and not on
// the opt-out list.
func (f *fakeStore) Next(survey string, o store.DrawOptions) (*store.Presentation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.draws++
	for _, fc := range f.contacts {
		if fc.c.Survey != survey || fc.drawn || fc.st.Status != store.StatusQueued {
			continue
		}
		if f.optedOut(fc.c) {
			fc.st.Status = store.StatusSuppressed
			continue
		}
		fc.drawn = true
		fc.st.LeasedBy = o.Interviewer
		f.log = append(f.log, "draw "+fc.c.ID)
		return &store.Presentation{Contact: fc.c, State: fc.st}, nil
	}
	return nil, store.ErrQueueEmpty
}

func (f *fakeStore) optedOut(c model.Contact) bool {
	for _, p := range c.Phones {
		if f.optouts[p] {
			return true
		}
	}
	return c.Email != "" && f.optouts[c.Email]
}

func (f *fakeStore) contact(survey, id string) (*fakeContact, error) {
	for _, fc := range f.contacts {
		if fc.c.Survey == survey && fc.c.ID == id {
			return fc, nil
		}
	}
	return nil, fmt.Errorf("contact %s/%s: %w", survey, id, store.ErrNotFound)
}

func (f *fakeStore) Contact(survey, id string) (*model.Contact, *store.ContactState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fc, err := f.contact(survey, id)
	if err != nil {
		return nil, nil, err
	}
	c, st := fc.c, fc.st
	return &c, &st, nil
}

func (f *fakeStore) CallNotes(survey, id string) (map[time.Time]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[time.Time]string{}
	for k, v := range f.callNotes[survey+"/"+id] {
		out[k] = v
	}
	return out, nil
}

func (f *fakeStore) RecordCall(survey, id string, c store.Call) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	fc, err := f.contact(survey, id)
	if err != nil {
		return err
	}
	f.calls = append(f.calls, c)
	f.log = append(f.log, "call "+id+" "+c.Outcome.Code)
	fc.st.Calls = append(fc.st.Calls, store.CallRecord{At: c.At.UTC(), Outcome: c.Outcome.Code, Interviewer: c.Interviewer})
	if c.Outcome.Final {
		fc.st.Status = store.StatusFinal
	}
	return nil
}

func (f *fakeStore) AddCallNote(survey, id string, at time.Time, note, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := survey + "/" + id
	if f.callNotes[k] == nil {
		f.callNotes[k] = map[time.Time]string{}
	}
	f.callNotes[k][at.UTC()] = note
	return nil
}

func (f *fakeStore) StartInterview(c model.Consent) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.consents = append(f.consents, c)
	id := fmt.Sprintf("iv%d", len(f.ivs)+1)
	status := store.InterviewActive
	if !c.Agreed {
		status = store.InterviewRefused
	}
	f.ivs[id] = &store.InterviewRecord{ID: id, Survey: c.Survey, Revision: 1, Contact: c.Contact,
		Interviewer: c.Interviewer, Status: status, Consent: c, Started: c.At}
	f.log = append(f.log, "consent "+c.Contact+fmt.Sprint(" ", c.Agreed))
	return id, nil
}

func (f *fakeStore) SaveAnswer(interview string, ev model.AnswerEvent, state []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failSave > 0 {
		f.failSave--
		return errors.New("disk full")
	}
	r, ok := f.ivs[interview]
	if !ok || r.Status != store.InterviewActive {
		return store.ErrClosed
	}
	f.answers[interview] = append(f.answers[interview], ev)
	f.states[interview] = state
	f.log = append(f.log, "save "+ev.Item)
	return nil
}

func (f *fakeStore) AddNote(interview string, n store.Note) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notes = append(f.notes, n)
	return nil
}

func (f *fakeStore) setStatus(id, to string, from ...string) error {
	r, ok := f.ivs[id]
	if !ok {
		return store.ErrNotFound
	}
	for _, s := range from {
		if r.Status == s {
			r.Status = to
			f.log = append(f.log, to+" "+id)
			return nil
		}
	}
	return store.ErrClosed
}

func (f *fakeStore) Suspend(id, _, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.setStatus(id, store.InterviewSuspended, store.InterviewActive)
}

func (f *fakeStore) Resume(id, _ string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.setStatus(id, store.InterviewActive, store.InterviewSuspended, store.InterviewActive); err != nil {
		return nil, err
	}
	return f.states[id], nil
}

func (f *fakeStore) Complete(id, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.setStatus(id, store.InterviewCompleted, store.InterviewActive)
}

func (f *fakeStore) AddOptOut(value, _, _, _ string) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	isNew := !f.optouts[value]
	f.optouts[value] = true
	f.log = append(f.log, "optout "+value)
	return value, isNew, nil
}

// consoleSurvey is a short phone questionnaire with a hard and a soft
// check, a skip, a repeat asked "add another?", a note, two languages and
// intro, consent and closing scripts with fills.
func consoleSurvey() *model.Survey {
	return &model.Survey{
		ID: "cons", Version: "7", Title: "Console Test Study", Client: "Northwind",
		Languages: []string{"en", "es"}, DefaultLanguage: "en",
		Intro:   text("Hello ${contact.name}, this is ${interviewer.name} for ${survey.client}.", "Hola ${contact.name}, soy ${interviewer.name} de ${survey.client}."),
		Consent: text("Taking part is voluntary. May we begin?", "La participación es voluntaria. ¿Empezamos?"),
		Closing: text("Thank you, ${contact.name}. Goodbye.", "Gracias, ${contact.name}. Adiós."),
		Lists: map[string]*model.ChoiceList{
			"yesno": {Name: "yesno", Choices: []model.Choice{
				{Name: "yes", Label: text("Yes", "Sí")}, {Name: "no", Label: text("No", "No")}}},
		},
		Items: []model.Item{
			{Name: "score", Type: model.TypeInteger, Required: "true()",
				Constraint: ". >= 0 and . <= 10", ConstraintMessage: text("A score from 0 to 10.", "Un número de 0 a 10."),
				Warning: ". <= 8", WarningMessage: text("A 9 or 10 is rare here: check it.", "Un 9 o 10 es raro: compruébelo."),
				Label: text("How would you rate us from 0 to 10?", "¿Cómo nos valora de 0 a 10?"),
				Hint:  text("One number.", "Un número.")},
			{Name: "more", Type: model.TypeSelectOne, ListName: "yesno",
				Label: text("Anything to add?", "¿Algo que añadir?")},
			{Name: "what", Type: model.TypeText, Relevant: "${more} = 'yes'",
				Label: text("What would you add?", "¿Qué añadiría?")},
			{Name: "members", Type: model.TypeRepeat, Label: text("household member", "miembro del hogar"), Items: []model.Item{
				{Name: "mname", Type: model.TypeText, Label: text("First name of this member?", "¿Nombre de este miembro?")},
			}},
			{Name: "bye", Type: model.TypeNote, Label: text("That is all.", "Eso es todo.")},
		},
	}
}

// consoleAt is a console over f sized and coloured as a terminal reports,
// with a fixed clock (Sunday 29 November 2026, 15:00 UTC) in UTC.
func consoleAt(f *fakeStore, w, h int, dark, noColor bool) App {
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	var m tea.Model = NewConsole(f, Console{Clock: func() time.Time { return now }, Location: time.UTC, Device: "test"})
	env := tea.EnvMsg{"TERM=xterm-256color"}
	if noColor {
		env = append(env, "NO_COLOR=1")
	}
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: w, Height: h}, bg(dark), env} {
		m, _ = m.Update(msg)
	}
	return m.(App)
}
