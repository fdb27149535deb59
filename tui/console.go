package tui

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"canvass/model"
	"canvass/model/calling"
	"canvass/store"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Backend is what the interviewer console needs from the store. It is
// declared here, where it is used, so that tests drive the console with a
// fake; *store.Store implements it.
type Backend interface {
	LastInterviewer() (store.InterviewerRecord, error)
	SetInterviewer(id, name string) error
	Surveys() ([]store.SurveyInfo, error)
	Survey(id string, rev uint32) (*model.Survey, *store.SurveyRecord, error)
	Interviews(survey string) ([]store.InterviewRecord, error)
	Appointments(survey string, until time.Time, limit int) ([]store.Appointment, error)
	Next(survey string, o store.DrawOptions) (*store.Presentation, error)
	Contact(survey, id string) (*model.Contact, *store.ContactState, error)
	CallNotes(survey, id string) (map[time.Time]string, error)
	RecordCall(survey, id string, c store.Call) error
	AddCallNote(survey, id string, at time.Time, note, actor string) error
	StartInterview(c model.Consent) (string, error)
	SaveAnswer(interview string, ev model.AnswerEvent, state []byte) error
	AddNote(interview string, n store.Note) error
	Suspend(interview, actor, note string) error
	Resume(interview, actor string) ([]byte, error)
	Complete(interview, actor string) error
	AddOptOut(value, region, reason, actor string) (string, bool, error)
}

// Console is how the working console is set up besides its store.
type Console struct {
	// Clock is the time source; nil means time.Now.
	Clock func() time.Time
	// Location is the interviewer's own zone, shown beside contacts'
	// local times; nil means the clock's zone.
	Location *time.Location
	// Rules builds a survey's calling rules for the draw; nil presents
	// every due contact.
	Rules func(sv *model.Survey, who string) store.Rules
	// LoadStudy installs the built-in demo study; when set, an empty store
	// offers it.
	LoadStudy func() error
	// Device is recorded with interviews as the deviceid metadata; a
	// console built with [NewConsoleOpening] takes the store's own when
	// it is empty.
	Device string
	// Region is assumed for opt-out phone numbers without a country code.
	Region string
}

// session is what the screens of one contact share: the survey, its
// compiled form, the contact as the store's gate presented it, and where
// that contact lives.
type session struct {
	survey   *model.Survey
	rev      uint32
	form     *model.Form
	contact  model.Contact
	state    store.ContactState
	zone     *time.Location // the contact's (first) zone
	zoneFrom string
	notes    map[time.Time]string // call notes by the call's time
	table    calling.Table
	// open is the contact's interview in this survey that was started and
	// not finished (suspended at an appointment, or cut off), if any: the
	// call goes on with it instead of asking consent again.
	open *store.InterviewRecord
}

// Messages of the console's commands. Each carries the request id (seq)
// of what asked for it; the root drops those it no longer waits for.
type (
	// homeLoadedMsg brings what the home screen lists.
	homeLoadedMsg struct {
		seq    int
		rows   []homeSurvey
		appts  []store.Appointment
		resume []store.InterviewRecord
		names  map[string]string // contact names of resume rows, by survey/id
		empty  bool
		err    error

		// returned are the interviews a supervisor sent back to who.
		returned []store.Returned
	}
	// presentedMsg brings a contact the gate returned, or why none.
	presentedMsg struct {
		seq  int
		sess *session
		err  error
	}
	// resumedMsg brings a reopened interview.
	resumedMsg struct {
		seq  int
		sess *session
		id   string
		iv   *model.Interview
		err  error
		// returned is the rejection the interview is being corrected
		// for, when a supervisor sent it back; reopened is set when it
		// was just taken back.
		returned *store.Rejection
		reopened bool
	}
	// doneMsg reports that a store action finished; what says which.
	doneMsg struct {
		seq  int
		what string
		id   string
		err  error
	}
	// lastWhoMsg brings the interviewer remembered on this machine.
	lastWhoMsg struct {
		who store.InterviewerRecord
		err error
	}
	// storeOpenedMsg brings the store a console built with
	// NewConsoleOpening waited for, or why it did not open; with it, its
	// device id and the interviewer it remembers.
	storeOpenedMsg struct {
		be     Backend
		device string
		who    lastWhoMsg
		err    error
	}
	// clockMsg moves the console's clock on.
	clockMsg time.Time
)

// deviceBackend is a store that names its device; *store.Store does.
type deviceBackend interface {
	Device() string
}

// lastWho reads the interviewer remembered on this machine.
func lastWho(be Backend) tea.Cmd {
	return func() tea.Msg {
		who, err := be.LastInterviewer()
		return lastWhoMsg{who: who, err: err}
	}
}

// openStore opens the console's store and reads what the sign-in screen
// is prefilled with.
func openStore(open func() (Backend, error)) tea.Cmd {
	return func() tea.Msg {
		be, err := open()
		if err != nil {
			return storeOpenedMsg{err: err}
		}
		m := storeOpenedMsg{be: be}
		if d, ok := be.(deviceBackend); ok {
			m.device = d.Device()
		}
		m.who.who, m.who.err = be.LastInterviewer()
		return m
	}
}

// homeSurvey is one survey row of the home screen.
type homeSurvey struct {
	info                  store.SurveyInfo
	completed, mine, open int
	refused               int
	// noSample is set when the store says no contact was ever imported
	// into the survey: there is nobody to call yet.
	noSample bool
}

// sampleBackend tells which surveys have a sample: every contact comes
// in through an import, so the import records say it. *store.Store
// implements it; a [Backend] without it (an older fake) offers a next
// contact on every survey.
type sampleBackend interface {
	Imports() ([]store.ImportRecord, error)
}

// sampleSizes counts the contacts imported into each survey, leaving out
// abandoned imports, whose contacts are never drawn; ok is false when the
// backend cannot tell.
func sampleSizes(be Backend) (sizes map[string]int, ok bool, err error) {
	sb, ok := be.(sampleBackend)
	if !ok {
		return nil, false, nil
	}
	recs, err := sb.Imports()
	if err != nil {
		return nil, false, fmt.Errorf("list contact imports: %w", err)
	}
	sizes = map[string]int{}
	for _, r := range recs {
		if r.Status != store.ImportAbandoned {
			sizes[r.Survey] += r.Counts.Imported
		}
	}
	return sizes, true, nil
}

// loadHome reads what the home screen shows for who.
func loadHome(be Backend, seq int, who string, now time.Time, canLoad bool) tea.Cmd {
	return func() tea.Msg {
		m := homeLoadedMsg{seq: seq, names: map[string]string{}}
		infos, err := be.Surveys()
		if err != nil {
			m.err = err
			return m
		}
		m.empty = len(infos) == 0
		if m.returned, err = loadReturned(be, who); err != nil {
			m.err = err
			return m
		}
		sizes, knowSizes, err := sampleSizes(be)
		if err != nil {
			m.err = err
			return m
		}
		for _, in := range infos {
			row := homeSurvey{info: in, noSample: knowSizes && sizes[in.ID] == 0}
			ivs, err := be.Interviews(in.ID)
			if err != nil {
				m.err = err
				return m
			}
			for _, r := range ivs {
				switch r.Status {
				case store.InterviewCompleted:
					row.completed++
					if r.Interviewer == who {
						row.mine++
					}
				case store.InterviewRefused:
					row.refused++
				case store.InterviewActive, store.InterviewSuspended:
					row.open++
					if r.Interviewer == who {
						m.resume = append(m.resume, r)
						if c, _, err := be.Contact(r.Survey, r.Contact); err == nil {
							m.names[r.Survey+"/"+r.Contact] = c.Name
						}
					}
				}
			}
			m.rows = append(m.rows, row)
			as, err := be.Appointments(in.ID, now.Add(24*time.Hour), 20)
			if err != nil {
				m.err = err
				return m
			}
			for _, a := range as {
				if a.By == "" || a.By == who {
					m.appts = append(m.appts, a)
				}
			}
		}
		return m
	}
}

// openSession loads and compiles survey id (latest revision when rev is 0)
// and the contact's zone and call notes, for a contact the gate returned.
func openSession(be Backend, id string, rev uint32, c model.Contact, st store.ContactState) (*session, error) {
	sv, rec, err := be.Survey(id, rev)
	if err != nil {
		return nil, err
	}
	form, probs := model.Compile(sv)
	if form == nil {
		return nil, fmt.Errorf("survey %s cannot be interviewed: %s", id, probs[0])
	}
	table, err := sv.Calling.Table()
	if err != nil {
		return nil, fmt.Errorf("survey %s: outcome table: %w", id, err)
	}
	s := &session{survey: sv, rev: rec.Revision, form: form, contact: c, state: st, table: table}
	fallback := time.UTC
	if sv.Calling != nil && sv.Calling.Zone != "" {
		if loc, err := time.LoadLocation(sv.Calling.Zone); err == nil {
			fallback = loc
		}
	}
	zones, from, _ := calling.ContactZones(c.Timezone, c.Phone(), fallback)
	s.zone, s.zoneFrom = fallback, from
	if len(zones) > 0 {
		s.zone = zones[0]
	}
	if s.notes, err = be.CallNotes(id, c.ID); err != nil {
		return nil, err
	}
	return s, nil
}

// drawNext asks the store's gate for the next contact of survey: the only
// way a contact reaches the screen.
func drawNext(be Backend, seq int, survey, who string, rules func(*model.Survey, string) store.Rules, now time.Time) tea.Cmd {
	return func() tea.Msg {
		var r store.Rules
		if rules != nil {
			sv, _, err := be.Survey(survey, 0)
			if err != nil {
				return presentedMsg{seq: seq, err: err}
			}
			r = rules(sv, who)
		}
		p, err := be.Next(survey, store.DrawOptions{Interviewer: who, Now: now, Rules: r})
		if err != nil {
			return presentedMsg{seq: seq, err: err}
		}
		s, err := openSession(be, survey, 0, p.Contact, p.State)
		if err != nil {
			return presentedMsg{seq: seq, err: err}
		}
		if len(p.State.Calls) > 0 {
			// Called before: an interview may have been started.
			if s.open, err = openInterview(be, survey, p.Contact.ID); err != nil {
				return presentedMsg{seq: seq, err: err}
			}
		}
		return presentedMsg{seq: seq, sess: s}
	}
}

// openInterview finds a contact's unfinished interview in survey.
func openInterview(be Backend, survey, contact string) (*store.InterviewRecord, error) {
	ivs, err := be.Interviews(survey)
	if err != nil {
		return nil, err
	}
	for _, r := range ivs {
		if r.Contact == contact && (r.Status == store.InterviewSuspended || r.Status == store.InterviewActive) {
			return &r, nil
		}
	}
	return nil, nil
}

// resumeInterview reopens an interview where it stopped, on the revision
// it started on.
func resumeInterview(be Backend, seq int, rec store.InterviewRecord, who string, clock func() time.Time) tea.Cmd {
	return func() tea.Msg {
		return restoreInterview(be, seq, rec, clock, func() ([]byte, error) { return be.Resume(rec.ID, who) })
	}
}

// restoreInterview rebuilds an interview from the engine state that load
// takes from the store (resuming or reopening it), with the session of the
// revision it started on and any open rejection's comments.
func restoreInterview(be Backend, seq int, rec store.InterviewRecord, clock func() time.Time, load func() ([]byte, error)) resumedMsg {
	m := resumedMsg{seq: seq, id: rec.ID}
	c, st, err := be.Contact(rec.Survey, rec.Contact)
	if err != nil {
		m.err = err
		return m
	}
	s, err := openSession(be, rec.Survey, rec.Revision, *c, *st)
	if err != nil {
		m.err = err
		return m
	}
	state, err := load()
	if err != nil {
		m.err = err
		return m
	}
	if len(state) == 0 {
		m.err = errors.New("no saved state: the interview has no answer yet")
		return m
	}
	iv, err := model.LoadState(s.form, state, &s.contact, clock)
	if err != nil {
		m.err = err
		return m
	}
	if m.returned, err = openRejection(be, rec); err != nil {
		m.err = err
		return m
	}
	m.sess, m.iv = s, iv
	return m
}

// act runs a store action and reports it as a doneMsg.
func act(seq int, what, id string, f func() error) tea.Cmd {
	return func() tea.Msg { return doneMsg{seq: seq, what: what, id: id, err: f()} }
}

// outcome finds an outcome of the session's table by code.
func (s *session) outcome(code string) calling.Outcome {
	if o, ok := s.table.Lookup(code); ok {
		return o
	}
	return calling.Outcome{Code: code, Label: code}
}

// optOut puts every phone and the email of the contact on the list.
func optOut(be Backend, c model.Contact, region, reason, actor string) error {
	values := append([]string(nil), c.Phones...)
	if c.Email != "" {
		values = append(values, c.Email)
	}
	if len(values) == 0 {
		return errors.New("the contact has no phone or email to put on the list")
	}
	for _, v := range values {
		if _, _, err := be.AddOptOut(v, region, reason, actor); err != nil {
			return err
		}
	}
	return nil
}

// noteFor is the store's note on the stop sc.
func noteFor(sc model.Screen, text, who string, at time.Time) store.Note {
	return store.Note{Item: sc.Item, Path: sc.Path, Text: text, By: who, At: at}
}

// Run runs the console full-screen on the terminal until the interviewer
// quits.
func Run(be Backend, cfg Console) error {
	if _, err := runProgram(NewConsole(be, cfg)); err != nil {
		return fmt.Errorf("run the console: %w", err)
	}
	return nil
}

// RunOpening runs the console full-screen over the store that open opens
// meanwhile (see [NewConsoleOpening]), until the interviewer quits. If the
// store does not open, it returns open's error unchanged.
func RunOpening(open func() (Backend, error), cfg Console) error {
	return runOpening(open, cfg)
}

// runOpening is RunOpening with Bubble Tea options (tests run it without
// a terminal).
func runOpening(open func() (Backend, error), cfg Console, opts ...tea.ProgramOption) error {
	m, err := runProgram(NewConsoleOpening(open, cfg), opts...)
	if err != nil {
		return fmt.Errorf("run the console: %w", err)
	}
	if a, ok := m.(App); ok && a.fatal != nil {
		return a.fatal
	}
	return nil
}

// runProgram runs m full-screen on the terminal until it quits; opts are
// for tests.
//
// It gives Bubble Tea the colour profile lipgloss detected when the
// process started, from the same standard output and environment:
// detecting it again would run `tmux info` once more inside tmux, 10 to
// 40 ms before the first frame.
//
// A hang-up (the SSH connection or the terminal window closed) quits the
// program as well, so that the caller closes the store: killed by SIGHUP,
// the process would leave the store's free-page list unwritten, and the
// next start would rebuild it from every page of the file (0.3 to 2 s on
// a million-contact store). Everything confirmed is on disk either way.
func runProgram(m tea.Model, opts ...tea.ProgramOption) (tea.Model, error) {
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithColorProfile(lipgloss.Writer.Profile)}, opts...)...)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-hup:
			p.Quit()
		case <-done:
		}
	}()
	return p.Run()
}
