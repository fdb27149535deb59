package tui

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
	_ "time/tzdata" // the contacts' zones, on machines without zoneinfo

	"canvass/model"
	"canvass/model/calling"
	"canvass/store"

	tea "charm.land/bubbletea/v2"
)

// fakeStore is an in-memory Backend for the console's tests: a gate that
// presents queued contacts in order, each once, and never one on its
// opt-out list, and a record of every call made to it. The contract
// suite (contract_test.go) holds it to what the store does.
type fakeStore struct {
	// mu guards everything: a real program runs commands concurrently.
	mu        sync.Mutex
	surveys   map[string]*model.Survey
	compiled  map[string]*store.Questionnaire
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
	// rejections are the open rejections of interviews a supervisor
	// returned, by interview.
	rejections map[string]*store.Rejection
	// noSample lists surveys whose sample is not imported yet.
	noSample map[string]bool
	draws    int
	// failSave makes the next n SaveAnswer calls fail.
	failSave int
	log      []string
}

type fakeContact struct {
	c     model.Contact
	st    store.ContactState
	drawn bool
	// listed is set for a contact whose number was on the opt-out list
	// when it came in: an import keeps it out of the sample's count.
	listed bool
	// due is when a contact with an appointment comes up again.
	due time.Time
}

// newFake is a store with the console test survey and three contacts, the
// first of whom is on the opt-out list.
func newFake() *fakeStore {
	f := &fakeStore{
		surveys:    map[string]*model.Survey{"cons": consoleSurvey()},
		compiled:   map[string]*store.Questionnaire{},
		optouts:    map[string]bool{"+12125550199": true},
		ivs:        map[string]*store.InterviewRecord{},
		states:     map[string][]byte{},
		answers:    map[string][]model.AnswerEvent{},
		callNotes:  map[string]map[time.Time]string{},
		rejections: map[string]*store.Rejection{},
		noSample:   map[string]bool{},
	}
	for _, c := range []model.Contact{
		{ID: "C0", Survey: "cons", Name: "Opted Out", Phones: []string{"+12125550199"}, Timezone: "America/New_York"},
		{ID: "C1", Survey: "cons", Name: "Rosa Diaz", Company: "Acme", Phones: []string{"+13035550123"}, Email: "rosa@example.com", Timezone: "America/Denver", Language: "es"},
		{ID: "C2", Survey: "cons", Name: "Tom Reed", Phones: []string{"+12065550142"}, Timezone: "America/Los_Angeles"},
		{ID: "C3", Survey: "cons", Name: "Una Mail", Email: "una@example.com"}, // email only: nobody to call
	} {
		f.contacts = append(f.contacts, &fakeContact{c: c, st: store.ContactState{Survey: "cons", ID: c.ID, Status: store.StatusQueued}, listed: f.optedOut(c)})
	}
	return f
}

func (f *fakeStore) Device() string { return "fake" }

func (f *fakeStore) LastInterviewer() (store.InterviewerRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.who, nil
}

func (f *fakeStore) SetInterviewer(id, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id == "" {
		return errors.New("remember interviewer: empty interviewer id")
	}
	f.who = store.InterviewerRecord{ID: id, Name: name}
	return nil
}

// questionnaire compiles survey id once, as the store does.
func (f *fakeStore) questionnaire(id string) (*store.Questionnaire, error) {
	if q := f.compiled[id]; q != nil {
		return q, nil
	}
	sv, ok := f.surveys[id]
	if !ok {
		return nil, fmt.Errorf("survey %s is not installed: %w", id, store.ErrNotFound)
	}
	form, probs := model.Compile(sv)
	if form == nil {
		return nil, fmt.Errorf("survey %s: it cannot be interviewed: %s", id, probs[0])
	}
	table, err := sv.Calling.Table()
	if err != nil {
		return nil, err
	}
	q := &store.Questionnaire{Record: store.SurveyRecord{ID: id, Revision: 1, Version: sv.Version, Title: sv.Title},
		Survey: sv, Form: form, Outcomes: table}
	q.Rules, q.RulesErr = calling.NewRules(sv.Calling)
	f.compiled[id] = q
	return q, nil
}

func (f *fakeStore) Home(who string, now time.Time) (*store.Home, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := &store.Home{}
	ids := make([]string, 0, len(f.surveys))
	for id := range f.surveys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	pos := map[string]int{}
	for _, id := range ids {
		sv := f.surveys[id]
		pos[id] = len(h.Surveys)
		row := store.HomeSurvey{Info: store.SurveyInfo{ID: id, Title: sv.Title, Version: sv.Version, Revision: 1, Revisions: 1}}
		if !f.noSample[id] {
			for _, fc := range f.contacts {
				if fc.c.Survey == id && !fc.listed {
					row.Sample++
				}
			}
		}
		h.Surveys = append(h.Surveys, row)
	}
	ivIDs := make([]string, 0, len(f.ivs))
	for id := range f.ivs {
		ivIDs = append(ivIDs, id)
	}
	sort.Strings(ivIDs)
	for _, id := range ivIDs {
		r := f.ivs[id]
		i, ok := pos[r.Survey]
		if !ok {
			continue
		}
		row := &h.Surveys[i]
		switch r.Status {
		case store.InterviewCompleted:
			row.Completed++
			if r.Interviewer == who {
				row.Mine++
			}
			if rj := f.rejections[id]; rj != nil && rj.Reopened.IsZero() && r.Interviewer == who {
				ret := store.Returned{Interview: *r, Rejection: *rj}
				if fc, err := f.contact(r.Survey, r.Contact); err == nil {
					ret.ContactName = fc.c.Name
				}
				h.Returned = append(h.Returned, ret)
			}
		case store.InterviewRefused:
			row.Refused++
		case store.InterviewActive, store.InterviewSuspended:
			row.Open++
			if r.Interviewer == who {
				hi := store.HomeInterview{Interview: *r}
				if fc, err := f.contact(r.Survey, r.Contact); err == nil {
					hi.ContactName = fc.c.Name
				}
				h.Resume = append(h.Resume, hi)
			}
		}
	}
	for _, a := range f.appts {
		if !a.At.After(now.Add(24*time.Hour)) && (a.By == "" || a.By == who) {
			h.Appointments = append(h.Appointments, a)
		}
	}
	return h, nil
}

// Present is the gate: the first queued contact not drawn yet, not held
// by another interviewer and not on the opt-out list.
func (f *fakeStore) Present(survey string, o store.DrawOptions) (*store.Presentation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.draws++
	q, err := f.questionnaire(survey)
	if err != nil {
		return nil, err
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	var next time.Time
	for _, fc := range f.contacts {
		if fc.c.Survey != survey || fc.drawn || fc.st.Status != store.StatusQueued {
			continue
		}
		if fc.st.LeasedBy != "" && fc.st.LeaseUntil.After(o.Now) {
			continue
		}
		if f.optedOut(fc.c) {
			f.suppress(fc, "")
			continue
		}
		if len(fc.c.Phones) == 0 {
			fc.st.Status = store.StatusRetired // nobody can call it
			continue
		}
		if fc.due.After(o.Now) {
			if next.IsZero() || fc.due.Before(next) {
				next = fc.due
			}
			continue
		}
		fc.drawn = true
		fc.st.LeasedBy, fc.st.LeaseUntil = o.Interviewer, o.Now.Add(30*time.Minute)
		f.log = append(f.log, "draw "+fc.c.ID)
		p := &store.Presentation{Contact: fc.c, State: fc.st, LeaseUntil: fc.st.LeaseUntil, Questionnaire: q,
			CallNotes: f.notesOf(survey, fc.c.ID), Open: f.openInterview(survey, fc.c.ID)}
		return p, nil
	}
	return nil, &store.QueueEmpty{Next: next}
}

func (f *fakeStore) notesOf(survey, id string) map[time.Time]string {
	out := map[time.Time]string{}
	for k, v := range f.callNotes[survey+"/"+id] {
		out[k] = v
	}
	return out
}

// openInterview is a copy of the contact's unfinished interview, or nil.
func (f *fakeStore) openInterview(survey, contact string) *store.InterviewRecord {
	for _, r := range f.ivs {
		if r.Survey == survey && r.Contact == contact && (r.Status == store.InterviewActive || r.Status == store.InterviewSuspended) {
			c := *r
			return &c
		}
	}
	return nil
}

func (f *fakeStore) optedOut(c model.Contact) bool {
	for _, p := range c.Phones {
		if f.optouts[p] {
			return true
		}
	}
	return c.Email != "" && f.optouts[c.Email]
}

// suppress is what an opt-out does to a contact: out of the queue, and
// its unfinished interview ended.
func (f *fakeStore) suppress(fc *fakeContact, _ string) {
	if r := f.openInterview(fc.c.Survey, fc.c.ID); r != nil {
		f.ivs[r.ID].Status = store.InterviewBrokenOff
		if f.rejections[r.ID] != nil {
			f.ivs[r.ID].Status = store.InterviewCompleted
		}
		f.log = append(f.log, f.ivs[r.ID].Status+" "+r.ID)
	}
	if fc.st.Status == store.StatusQueued {
		fc.st.Status = store.StatusSuppressed
		fc.st.LeasedBy, fc.st.LeaseUntil = "", time.Time{}
	}
}

func (f *fakeStore) contact(survey, id string) (*fakeContact, error) {
	for _, fc := range f.contacts {
		if fc.c.Survey == survey && fc.c.ID == id {
			return fc, nil
		}
	}
	return nil, fmt.Errorf("contact %s/%s: %w", survey, id, store.ErrNotFound)
}

func (f *fakeStore) RecordCall(survey, id string, c store.Call) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.recordCall(survey, id, c)
}

func (f *fakeStore) recordCall(survey, id string, c store.Call) error {
	if !c.Appointment.IsZero() {
		if err := calling.CheckInstant(c.Appointment); err != nil {
			return err
		}
	}
	fc, err := f.contact(survey, id)
	if err != nil {
		return err
	}
	f.calls = append(f.calls, c)
	f.log = append(f.log, "call "+id+" "+c.Outcome.Code)
	fc.st.Calls = append(fc.st.Calls, store.CallRecord{At: c.At.UTC(), Outcome: c.Outcome.Code, Interviewer: c.Interviewer})
	fc.st.LastOutcome, fc.st.LastCall = c.Outcome.Code, c.At.UTC()
	fc.st.LeasedBy, fc.st.LeaseUntil = "", time.Time{}
	fc.st.Appointment, fc.st.AppointmentBy = time.Time{}, ""
	switch {
	case fc.st.Status != store.StatusQueued:
	case c.Outcome.Final:
		fc.st.Status = store.StatusFinal
	case !c.Appointment.IsZero():
		fc.st.Appointment, fc.st.AppointmentBy = c.Appointment.UTC(), c.Interviewer
		fc.drawn, fc.due = false, c.Appointment.UTC() // comes up at the appointment
	}
	if c.Note != "" {
		k := survey + "/" + id
		if f.callNotes[k] == nil {
			f.callNotes[k] = map[time.Time]string{}
		}
		f.callNotes[k][c.At.UTC()] = c.Note
	}
	return nil
}

func (f *fakeStore) startInterview(c model.Consent) (string, error) {
	if _, err := f.questionnaire(c.Survey); err != nil {
		return "", err
	}
	if _, err := f.contact(c.Survey, c.Contact); err != nil {
		return "", err
	}
	for _, r := range f.ivs {
		if r.Survey == c.Survey && r.Contact == c.Contact {
			return "", fmt.Errorf("%s has interview %s: %w", c.Contact, r.ID, store.ErrInterviewed)
		}
	}
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

func (f *fakeStore) StartInterview(c model.Consent) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.startInterview(c)
}

func (f *fakeStore) DeclineConsent(d store.Decline) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d.Consent.Agreed {
		return "", errors.New("decline consent: the consent says yes")
	}
	id, err := f.startInterview(d.Consent)
	if err != nil {
		return "", err
	}
	if d.OptOut {
		if err := f.optOut(d.Consent.Survey, d.Consent.Contact); err != nil {
			return "", err
		}
	}
	q, _ := f.questionnaire(d.Consent.Survey)
	return id, f.recordCall(d.Consent.Survey, d.Consent.Contact, store.Call{Outcome: q.Outcome("hard_refusal"),
		Interviewer: d.Consent.Interviewer, At: d.Consent.At, Note: "declined consent"})
}

// optOut lists every phone and the email of a contact and applies the
// opt-out to every contact they reach.
func (f *fakeStore) optOut(survey, id string) error {
	fc, err := f.contact(survey, id)
	if err != nil {
		return err
	}
	values := append(append([]string(nil), fc.c.Phones...), fc.c.Email)
	if fc.c.Email == "" {
		values = values[:len(values)-1]
	}
	if len(values) == 0 {
		return errors.New("the contact has no phone or email to put on the list")
	}
	for _, v := range values {
		f.optouts[v] = true
		f.log = append(f.log, "optout "+v)
	}
	for _, other := range f.contacts {
		if f.optedOut(other.c) {
			f.suppress(other, "")
		}
	}
	return nil
}

func (f *fakeStore) OptOutContact(o store.ContactOptOut) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, err := f.questionnaire(o.Survey)
	if err != nil {
		return err
	}
	code := o.Outcome
	if code == "" {
		code = "hard_refusal"
		if f.openInterview(o.Survey, o.Contact) != nil {
			code = "break_off"
		}
	}
	if err := f.optOut(o.Survey, o.Contact); err != nil {
		return err
	}
	return f.recordCall(o.Survey, o.Contact, store.Call{Outcome: q.Outcome(code), Interviewer: o.Actor, At: o.At, Note: o.Note})
}

func (f *fakeStore) SaveAnswer(interview string, ev model.AnswerEvent, state []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failSave > 0 {
		f.failSave--
		return errors.New("disk full")
	}
	r, ok := f.ivs[interview]
	if !ok {
		return fmt.Errorf("interview %s: %w", interview, store.ErrNotFound)
	}
	if r.Status != store.InterviewActive {
		return fmt.Errorf("%s is %s: %w", interview, r.Status, store.ErrClosed)
	}
	f.answers[interview] = append(f.answers[interview], ev)
	f.states[interview] = state
	f.log = append(f.log, "save "+ev.Item)
	return nil
}

func (f *fakeStore) AddNote(interview string, n store.Note) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ivs[interview]; !ok {
		return fmt.Errorf("interview %s: %w", interview, store.ErrNotFound)
	}
	f.notes = append(f.notes, n)
	return nil
}

// step moves interview id from one of the statuses from to to.
func (f *fakeStore) step(id, to string, from ...string) (*store.InterviewRecord, error) {
	r, ok := f.ivs[id]
	if !ok {
		return nil, fmt.Errorf("interview %s: %w", id, store.ErrNotFound)
	}
	for _, s := range from {
		if r.Status == s {
			r.Status = to
			f.log = append(f.log, to+" "+id)
			return r, nil
		}
	}
	return nil, fmt.Errorf("it is %s: %w", r.Status, store.ErrClosed)
}

func (f *fakeStore) SuspendInterview(id string, sp store.Suspension) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !sp.Appointment.IsZero() {
		if err := calling.CheckInstant(sp.Appointment); err != nil {
			return err
		}
	}
	r, err := f.step(id, store.InterviewSuspended, store.InterviewActive)
	code := sp.Outcome
	if code == "" && !sp.Appointment.IsZero() {
		code = "appointment"
	}
	if err != nil || code == "" {
		return err
	}
	q, _ := f.questionnaire(r.Survey)
	return f.recordCall(r.Survey, r.Contact, store.Call{Outcome: q.Outcome(code), Interviewer: sp.Actor, At: sp.At, Appointment: sp.Appointment, Note: sp.Note})
}

func (f *fakeStore) FinishInterview(id, actor string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.step(id, store.InterviewCompleted, store.InterviewActive)
	if err != nil {
		return err
	}
	r.Ended = at
	q, _ := f.questionnaire(r.Survey)
	return f.recordCall(r.Survey, r.Contact, store.Call{Outcome: q.Outcome("complete"), Interviewer: actor, At: at})
}

func (f *fakeStore) resumption(r *store.InterviewRecord) (*store.Resumption, error) {
	fc, err := f.contact(r.Survey, r.Contact)
	if err != nil {
		return nil, err
	}
	q, err := f.questionnaire(r.Survey)
	if err != nil {
		return nil, err
	}
	return &store.Resumption{Interview: *r, State: f.states[r.ID], Questionnaire: q, Contact: fc.c, ContactState: fc.st,
		CallNotes: f.notesOf(r.Survey, r.Contact), Rejection: f.rejections[r.ID]}, nil
}

func (f *fakeStore) ResumeInterview(id, who string, now time.Time) (*store.Resumption, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.ivs[id]
	if !ok {
		return nil, fmt.Errorf("interview %s: %w", id, store.ErrNotFound)
	}
	if r.Status != store.InterviewSuspended && r.Status != store.InterviewActive {
		return nil, fmt.Errorf("it is %s: %w", r.Status, store.ErrClosed)
	}
	fc, err := f.contact(r.Survey, r.Contact)
	if err != nil {
		return nil, err
	}
	if f.optedOut(fc.c) {
		f.suppress(fc, who)
		return nil, fmt.Errorf("resume interview %s: %w", id, store.ErrOptedOut)
	}
	if fc.st.LeasedBy != "" && fc.st.LeasedBy != who && fc.st.LeaseUntil.After(now) {
		return nil, fmt.Errorf("%s is with %s: %w", r.Contact, fc.st.LeasedBy, store.ErrHeld)
	}
	fc.st.LeasedBy, fc.st.LeaseUntil = who, now.Add(30*time.Minute)
	if _, err := f.step(id, store.InterviewActive, store.InterviewSuspended, store.InterviewActive); err != nil {
		return nil, err
	}
	return f.resumption(r)
}

func (f *fakeStore) ReopenInterview(id, who string, now time.Time) (*store.Resumption, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.ivs[id]
	if !ok {
		return nil, fmt.Errorf("interview %s: %w", id, store.ErrNotFound)
	}
	rj := f.rejections[id]
	if rj == nil || !rj.Reopened.IsZero() || r.Status != store.InterviewCompleted {
		return nil, fmt.Errorf("it is %s, and only a returned interview can be reopened: %w", r.Status, store.ErrTransition)
	}
	if r.Interviewer != who {
		return nil, fmt.Errorf("it was returned to %s, not %s: %w", r.Interviewer, who, store.ErrTransition)
	}
	rj.Reopened = now
	if _, err := f.step(id, store.InterviewActive, store.InterviewCompleted); err != nil {
		return nil, err
	}
	return f.resumption(r)
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
