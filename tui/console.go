package tui

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"canvass/model"
	"canvass/model/calling"
	"canvass/store"
	"canvass/tui/termenv"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
)

// Backend is what the interviewer console needs from the store. It is
// declared here, where it is used, so that tests drive the console with a
// fake; *store.Store implements it.
type Backend interface {
	// Device is the store's device id, recorded with interviews.
	Device() string
	// LastInterviewer and SetInterviewer remember who signed in on this
	// machine, for the sign-in's prefill.
	LastInterviewer() (store.InterviewerRecord, error)
	SetInterviewer(id, name string) error
	// Home is what the home screen lists for an interviewer.
	Home(who string, now time.Time) (*store.Home, error)

	// The intents of a call and an interview, one transaction each.
	Present(survey string, o store.DrawOptions) (*store.Presentation, error)
	RecordCall(survey, contact string, c store.Call) error
	DeclineConsent(d store.Decline) (string, error)
	StartInterview(c model.Consent) (string, error)
	SaveAnswer(interview string, ev model.AnswerEvent, state []byte) error
	AddNote(interview string, n store.Note) error
	OptOutContact(o store.ContactOptOut) error
	SuspendInterview(interview string, sp store.Suspension) error
	FinishInterview(interview, actor string, at time.Time) error
	ResumeInterview(interview, who string, now time.Time) (*store.Resumption, error)
	ReopenInterview(interview, who string, now time.Time) (*store.Resumption, error)
}

// Console is how the working console is set up besides its store.
type Console struct {
	// Clock is the time source; nil means time.Now.
	Clock func() time.Time
	// Location is the interviewer's own zone, shown beside contacts'
	// local times; nil means the clock's zone.
	Location *time.Location
	// LoadStudy installs the built-in demo study; when set, an empty store
	// offers it.
	LoadStudy func() error
	// Device is recorded with interviews as the deviceid metadata; a
	// console built with [NewConsoleOpening] takes the store's own when
	// it is empty.
	Device string
	// SignedIn starts the console signed in as this account, on the
	// home screen, for a caller that knows who it is (a server session
	// whose account came with its key). The sign-in screen is skipped,
	// and the account is not remembered as this machine's last
	// interviewer: it belongs to the session, not to the machine.
	SignedIn *SignInMsg
	// Resume, with SignedIn, takes up this interview at once, where it
	// stopped: a session that reconnects after its connection dropped.
	Resume string
	// Presence, when set, is told where the interviewer is each time it
	// changes (see [Presence]): the call room's monitor. It is called
	// from a command, never from Update.
	Presence func(Presence)
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
	// rules are the survey's calling rules (nil when its calling
	// configuration is broken), zones the contact's time zones.
	rules *calling.Rules
	zones []*time.Location
	// open is the contact's interview in this survey that was started and
	// not finished (suspended at an appointment, or cut off), if any: the
	// call goes on with it instead of asking consent again.
	open *store.InterviewRecord
	// lastSaved are the values of the interviewer's last saved interview
	// of the survey, for ${last-saved#name} in the one that starts.
	lastSaved map[string]string
}

// Messages of the console's commands. Each carries the request id (seq)
// of what asked for it; the console drops those it no longer waits for.
type (
	// homeLoadedMsg brings what the home screen lists.
	homeLoadedMsg struct {
		seq  int
		home *store.Home
		err  error
	}
	// presentedMsg brings a contact the gate returned, or why none.
	presentedMsg struct {
		seq  int
		sess *session
		err  error
	}
	// resumedMsg brings an interview taken up again.
	resumedMsg struct {
		seq  int
		sess *session
		id   string
		iv   *model.Interview
		err  error
		// returned is the rejection the interview is being corrected
		// for, when a supervisor sent it back; reopened is set when it
		// was just taken back; fresh when no answer had been saved, so
		// that the questionnaire starts at its beginning.
		returned *store.Rejection
		reopened bool
		fresh    bool
		// atOnce is set when the questionnaire comes back at once: the
		// call screen came first (the gate presented the contact), or the
		// session takes its interview up again after its connection
		// dropped (Console.Resume), the call having gone on meanwhile.
		atOnce bool
	}
	// The replies of the console's intents, one type each, so that each
	// is handled by what it is and never by a name it carries.
	//
	// studyLoadedMsg reports that the demo study is installed.
	studyLoadedMsg struct {
		seq int
		err error
	}
	// callRecordedMsg reports that a call's outcome (its code) is
	// recorded.
	callRecordedMsg struct {
		seq     int
		outcome string
		// suspended is set when the call was on a resumed interview,
		// which went back to suspended with it.
		suspended bool
		err       error
	}
	// consentGivenMsg reports that consent is recorded and the
	// interview begun.
	consentGivenMsg struct {
		seq       int
		interview string
		err       error
	}
	// consentDeclinedMsg reports that a refusal of consent is recorded,
	// with the opt-out when the person asked for it.
	consentDeclinedMsg struct {
		seq    int
		optOut bool
		err    error
	}
	// optedOutMsg reports that the contact on the call screen is on the
	// opt-out list, the call recorded.
	optedOutMsg struct {
		seq int
		err error
	}
	// brokenOffMsg reports that the contact opted out during the
	// interview: it ended with its answers kept.
	brokenOffMsg struct {
		seq int
		err error
	}
	// completedMsg reports that the interview is complete, its call
	// recorded.
	completedMsg struct {
		seq int
		err error
	}
	// suspendedMsg reports that the interview is suspended at an
	// appointment.
	suspendedMsg struct {
		seq int
		err error
	}
	// quitSuspendedMsg reports that the interview is suspended because
	// the interviewer quits.
	quitSuspendedMsg struct {
		seq int
		err error
	}
	// noteSavedMsg reports a note on a question kept in the background:
	// only a failure is shown.
	noteSavedMsg struct{ err error }
	// interviewerRememberedMsg reports that remembering who signed in
	// failed.
	interviewerRememberedMsg struct{ err error }
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
		m := storeOpenedMsg{be: be, device: be.Device()}
		m.who.who, m.who.err = be.LastInterviewer()
		return m
	}
}

// loadHome reads what the home screen shows for who.
func loadHome(be Backend, seq int, who string, now time.Time) tea.Cmd {
	return func() tea.Msg {
		h, err := be.Home(who, now)
		return homeLoadedMsg{seq: seq, home: h, err: err}
	}
}

// newSession is the session of a contact on a questionnaire revision,
// with where the contact lives: its zone column or number, else the
// survey's own zone.
func newSession(q *store.Questionnaire, c model.Contact, st store.ContactState, notes map[time.Time]string) *session {
	s := &session{survey: q.Survey, rev: q.Record.Revision, form: q.Form, contact: c, state: st, table: q.Outcomes, notes: notes}
	fallback := time.UTC
	if q.RulesErr == nil {
		fallback = q.Rules.Zone()
	}
	zones, from, _ := calling.ContactZones(c.Timezone, c.Phone(), fallback)
	s.zone, s.zoneFrom, s.zones = fallback, from, zones
	if q.RulesErr == nil {
		r := q.Rules
		s.rules = &r
	}
	if len(zones) > 0 {
		s.zone = zones[0]
	}
	return s
}

// appointmentPicker is the picker of an appointment with the session's
// contact: it warns when the time is outside the hours the contact may
// be called in, and says when the appointment comes up instead.
func (s *session) appointmentPicker(d dialogID, title string, mine *time.Location, now time.Time, st *Styles) Picker {
	p := newPicker(d, title, s.zone, mine, now, st)
	p.name = s.contact.Name
	if r := s.rules; r != nil {
		zones := s.zones
		p.comesUp = func(t time.Time) (time.Time, bool) { return r.AppointmentAt(t, zones) }
	}
	return p
}

// drawNext asks the store's gate for the next contact of survey: the only
// way a contact reaches the screen.
func drawNext(be Backend, seq int, survey, who string, now time.Time) tea.Cmd {
	return func() tea.Msg {
		p, err := be.Present(survey, store.DrawOptions{Interviewer: who, Now: now})
		if err != nil {
			return presentedMsg{seq: seq, err: err}
		}
		s := newSession(p.Questionnaire, p.Contact, p.State, p.CallNotes)
		if p.AnyHour {
			s.rules = nil // the store moves no appointment
		}
		s.open, s.lastSaved = p.Open, p.LastSaved
		return presentedMsg{seq: seq, sess: s}
	}
}

// resumeInterview takes up an interview where it stopped, on the revision
// it started on; with reopen, it takes back one a supervisor returned.
func resumeInterview(be Backend, seq int, rec store.InterviewRecord, who model.Interviewer, reopen bool, device string, clock func() time.Time) tea.Cmd {
	return func() tea.Msg {
		take := be.ResumeInterview
		if reopen {
			take = be.ReopenInterview
		}
		res, err := take(rec.ID, who.ID, clock())
		if err != nil {
			return resumedMsg{seq: seq, id: rec.ID, err: err}
		}
		m := restoreInterview(res, who, device, clock)
		m.seq, m.reopened = seq, reopen
		return m
	}
}

// restoreInterview rebuilds an interview from the engine state the store
// kept with its last answer, with the session of the revision it started
// on and any open rejection's comments. An interview with no answer saved
// yet (consent given, then the console stopped) starts its questionnaire
// afresh, in the language consent was given in.
func restoreInterview(res *store.Resumption, who model.Interviewer, device string, clock func() time.Time) resumedMsg {
	m := resumedMsg{id: res.Interview.ID, returned: res.Rejection}
	s := newSession(res.Questionnaire, res.Contact, res.ContactState, res.CallNotes)
	if res.AnyHour {
		s.rules = nil // the store moves no appointment
	}
	var err error
	if len(res.State) == 0 {
		m.fresh = true
		m.iv, err = startEngine(s, res.Interview.Consent.Lang, who, device, clock)
	} else {
		m.iv, err = model.LoadState(s.form, res.State, &s.contact, clock)
	}
	if err != nil {
		m.err = err
		return m
	}
	m.sess = s
	return m
}

// outcome finds an outcome of the session's table by code.
func (s *session) outcome(code string) calling.Outcome {
	if o, ok := s.table.Lookup(code); ok {
		return o
	}
	return calling.Outcome{Code: code, Label: code}
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

// RunOnStore runs the console on the store that open opens while the
// first frame is drawn (which needs nothing from it: DESIGN §7, start to
// first frame), and closes the store when the console ends, even when the
// interviewer quit before it had opened (a closed store opens fast next
// time). study, when set, is the built-in study that an empty store can
// load from home (cfg.LoadStudy); with demo it is loaded before the first
// frame, so that the demo opens on its contacts.
func RunOnStore(open func() (*store.Store, error), study func(*store.Store) error, demo bool, cfg Console) error {
	done := make(chan struct{})
	var st *store.Store
	var openErr error
	go func() {
		defer close(done)
		st, openErr = open()
	}()
	opened := func() (*store.Store, error) { <-done; return st, openErr }
	defer func() {
		if st, err := opened(); err == nil {
			st.Close()
		}
	}()
	if study != nil {
		cfg.LoadStudy = func() error {
			st, err := opened()
			if err != nil {
				return err
			}
			return study(st)
		}
	}
	if demo {
		if _, err := opened(); err != nil {
			return err
		}
		if cfg.LoadStudy != nil {
			if err := cfg.LoadStudy(); err != nil {
				return fmt.Errorf("load the demo study: %w", err)
			}
		}
	}
	return RunOpening(func() (Backend, error) {
		st, err := opened()
		if err != nil {
			return nil, err
		}
		return st, nil
	}, cfg)
}

// runOpening is RunOpening with Bubble Tea options (tests run it without
// a terminal).
func runOpening(open func() (Backend, error), cfg Console, opts ...tea.ProgramOption) error {
	m, err := runProgram(NewConsoleOpening(open, cfg), opts...)
	if err != nil {
		return fmt.Errorf("run the console: %w", err)
	}
	if a, ok := m.(App); ok {
		if c, ok := a.room.(interviewer); ok && c.fatal != nil {
			return c.fatal
		}
	}
	return nil
}

// Package termenv hid TMUX from lipgloss's colour detection while
// lipgloss was initialised, so that starting never waits for `tmux info`;
// the environment is the process's again from here on.
func init() { termenv.Restore() }

// consoleProfile is the colour profile of standard output: what lipgloss
// detected from the terminal's name, its terminfo entry and NO_COLOR,
// without asking tmux (see package termenv). Inside tmux, whose terminal
// names promise 256 colours, COLORTERM=truecolor (or 24bit) asks for true
// colour, as outside it.
func consoleProfile() colorprofile.Profile {
	p := lipgloss.Writer.Profile
	if os.Getenv("TMUX") != "" && p == colorprofile.ANSI256 {
		switch os.Getenv("COLORTERM") {
		case "truecolor", "24bit":
			p = colorprofile.TrueColor
		}
	}
	return p
}

// runProgram runs m full-screen on the terminal until it quits; opts are
// for tests.
//
// It gives Bubble Tea the colour profile of [consoleProfile]: detecting
// it again would run `tmux info` inside tmux, 10 to 100 ms before the
// first frame.
//
// It renders at 120 frames a second, Bubble Tea's most: a frame waits for
// the renderer's tick, and at the default 60 that wait was most of what an
// interviewer sees between a key and its echo (BenchmarkTmuxKeystroke).
//
// A hang-up (the SSH connection or the terminal window closed) quits the
// program as well, so that the caller closes the store: killed by SIGHUP,
// the process would leave the store's free-page list unwritten, and the
// next start would rebuild it from every page of the file (0.3 to 2 s on
// a million-contact store). Everything confirmed is on disk either way.
func runProgram(m tea.Model, opts ...tea.ProgramOption) (tea.Model, error) {
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithColorProfile(consoleProfile()), tea.WithFPS(120)}, opts...)...)
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
