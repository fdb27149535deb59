package tui

import (
	"fmt"
	"time"

	"canvass/model"
	"canvass/store"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// ReviewBackend is what the supervisor console needs from the store;
// *store.Store implements it, tests use a fake. Its reports feed the
// dashboard the console opens.
type ReviewBackend interface {
	ReportSource
	ReviewList(survey string) ([]store.ReviewRow, error)
	ReviewOf(id string) (*store.ReviewDetail, error)
	Survey(id string, rev uint32) (*model.Survey, *store.SurveyRecord, error)
	Approve(interview, supervisor, note string) error
	Reject(interview, supervisor, comment string, items []store.ItemComment) error
	Flag(interview, supervisor, note string, on bool) error
	// LastSupervisor and SetSupervisor remember who signed in on this
	// machine, apart from its interviewer, for the sign-in's prefill.
	LastSupervisor() (store.InterviewerRecord, error)
	SetSupervisor(id, name string) error
}

// ReviewConfig is how the supervisor console is set up besides its store.
type ReviewConfig struct {
	// Clock is the time source; nil means time.Now.
	Clock func() time.Time
	// Location is the supervisor's zone for the times shown; nil means
	// the clock's zone.
	Location *time.Location
	// Survey limits the list to one survey; "" lists every interview.
	Survey string
	// SignedIn starts the console signed in as this supervisor, on the
	// list, as [Console.SignedIn] does for the interviewer: the sign-in
	// is skipped and the account is not remembered on this machine.
	SignedIn *SignInMsg
	// Monitor, when set, adds the call room's monitor (m on the list):
	// the console is served by canvass serve, which pushes [MonitorMsg].
	Monitor *Monitor
}

// Messages of the supervisor console's commands; each carries the
// request it answers, and stale ones are dropped.
type (
	reviewListMsg struct {
		seq  int
		rows []store.ReviewRow
		err  error
	}
	reviewDetailMsg struct {
		seq int
		d   *store.ReviewDetail
		sv  *model.Survey
		err error
	}
	// approvedMsg, rejectedMsg and flaggedMsg report that a decision
	// on the interview is recorded.
	approvedMsg struct {
		seq       int
		interview string
		err       error
	}
	rejectedMsg struct {
		seq       int
		interview string
		err       error
	}
	flaggedMsg struct {
		seq       int
		interview string
		on        bool
		err       error
	}
)

type reviewScreen int

const (
	reviewSignIn reviewScreen = iota
	reviewListing
	reviewDetailing
	reviewDashboarding
	reviewMonitoring
)

// supervisor is the supervisor console, a room of [App] (see
// [NewSupervisor]): sign in, the list of interviews with its filters, one
// interview with the decisions on it, and the progress dashboard of the
// survey in view (opened from the list, back to it where it was). It
// looks and behaves like the interviewer console (same frame, styles,
// help line and key list); every store call runs in a tea.Cmd. The shell
// hands it the frame (window size) and styles, and the keys it does not
// keep; it numbers its own store requests and says when it is busy.
type supervisor struct {
	be    ReviewBackend
	cfg   ReviewConfig
	st    *Styles
	km    keyMap
	frame Frame // the shell's, for measuring the page

	screen reviewScreen
	signIn SignIn
	who    SignInMsg

	list   reviewList
	detail *reviewDetail
	dash   *Dashboard
	// mon is the call room's monitor, when the console is served
	// (ReviewConfig.Monitor).
	mon monitorView

	seq, wait   int
	err, notice string
}

// NewSupervisor builds the supervisor console over a store: an [App]
// hosting the supervisor's screens. Styles start dark with colour until
// the terminal says otherwise (tea.BackgroundColorMsg, and NO_COLOR in
// tea.EnvMsg).
func NewSupervisor(be ReviewBackend, cfg ReviewConfig) App {
	a := newApp("canvass review")
	a.room = newSupervisor(be, cfg, a.st, a.frame)
	return a
}

// newSupervisor builds the supervisor console's screens with the shell's
// styles and frame.
func newSupervisor(be ReviewBackend, cfg ReviewConfig, st *Styles, f Frame) supervisor {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = cfg.Clock().Location()
	}
	a := supervisor{be: be, cfg: cfg, st: st, frame: f, km: newKeyMap()}
	a.signIn = newSupervisorSignIn("", "", a.st)
	a.list = newReviewList(a.st, cfg.Location)
	a.mon = newMonitorView(a.st, cfg.Location)
	if who := cfg.SignedIn; who != nil {
		a.who, a.screen = *who, reviewListing
		a.request() // the list's: see Init
	}
	a.resize()
	return a
}

// newSupervisorSignIn is the sign-in screen asking for a supervisor,
// prefilled with id and name when they are known.
func newSupervisorSignIn(id, name string, st *Styles) SignIn {
	s := NewSignIn(id, name, st)
	s.fields[fieldID].Prompt = "Supervisor id   › "
	s.fields[fieldID].Placeholder = "e.g. sup01"
	s.fields[fieldName].Placeholder = "e.g. Sam Okafor"
	return s
}

// The supervisor sign-in's heading and hint.
const (
	reviewSignInTitle = "Sign in to review interviews"
	reviewSignInHint  = "Your id is recorded with every decision you make."
)

// Init asks the store for the supervisor who signed in last on this
// machine, or for the list when the console starts signed in (the shell
// asks the terminal for its colours).
func (a supervisor) Init() tea.Cmd {
	if a.cfg.SignedIn != nil {
		return loadReviewList(a.be, a.wait, a.cfg.Survey) // the request newSupervisor made
	}
	return loadLastSupervisor(a.be)
}

// request starts a store request the console waits for.
func (a *supervisor) request() int {
	a.seq++
	a.wait = a.seq
	return a.seq
}

// reply reports whether seq is the request waited for, and stops waiting.
func (a *supervisor) reply(seq int) bool {
	if seq == 0 || seq != a.wait {
		return false
	}
	a.wait = 0
	return true
}

func loadReviewList(be ReviewBackend, seq int, survey string) tea.Cmd {
	return func() tea.Msg {
		rows, err := be.ReviewList(survey)
		return reviewListMsg{seq: seq, rows: rows, err: err}
	}
}

func loadReviewDetail(be ReviewBackend, seq int, id string) tea.Cmd {
	return func() tea.Msg {
		d, err := be.ReviewOf(id)
		if err != nil {
			return reviewDetailMsg{seq: seq, err: err}
		}
		sv, _, err := be.Survey(d.Interview.Survey, d.Interview.Revision)
		return reviewDetailMsg{seq: seq, d: d, sv: sv, err: err}
	}
}

// Update routes a message the shell hands on: keys to the focused
// screen, the store's replies to whoever waits for them.
func (a supervisor) Update(msg tea.Msg) (room, tea.Cmd) { return a.update(msg) }

// The supervisor console saves no answers: quitting never waits.
func (a supervisor) saving() bool { return false }

// quit quits at once.
func (a supervisor) quit() (room, tea.Cmd) { return a, tea.Quit }

// busy reports whether the console waits for the store, or for itself
// to act on what the focused screen sent.
func (a supervisor) busy() bool {
	switch {
	case a.wait != 0:
		return true
	case a.screen == reviewSignIn:
		return a.signIn.Pending()
	case a.screen == reviewDetailing:
		return a.detail.sent || a.detail.modals.pending()
	case a.screen == reviewMonitoring:
		return a.mon.modals.pending()
	}
	return false
}

func (a supervisor) update(msg tea.Msg) (supervisor, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return a.handleKey(msg)
	case SignInMsg:
		a.who = msg
		a.screen = reviewListing
		seq := a.request()
		return a, tea.Batch(rememberSupervisor(a.be, msg), loadReviewList(a.be, seq, a.cfg.Survey))
	case lastSupervisorMsg:
		return a.handleLastSupervisor(msg), nil
	case MonitorMsg:
		a.mon.data = msg
		return a, nil
	case messageSentMsg:
		if !a.reply(msg.seq) {
			return a, nil
		}
		if msg.err != nil {
			a.err = "message not sent: " + msg.err.Error()
			a.mon.modals = a.mon.modals.retry()
			return a, nil
		}
		a.mon.modals = a.mon.modals.pop()
		a.notice = "message sent to every interviewer"
		if msg.to != "" {
			a.notice = "message sent to " + msg.to
		}
		return a, nil
	case rememberedMsg:
		a.err = "could not remember you on this machine: " + msg.err.Error()
		return a, nil
	case reviewListMsg:
		if a.reply(msg.seq) {
			if msg.err != nil {
				a.err = "could not read the interviews: " + msg.err.Error()
				return a, nil
			}
			a.list.set(msg.rows)
		}
		return a, nil
	case reviewDetailMsg:
		if !a.reply(msg.seq) {
			return a, nil
		}
		if msg.err != nil {
			a.err = "could not open the interview: " + msg.err.Error()
			return a, nil
		}
		var keep *reviewDetail
		if a.detail != nil && a.detail.d.Interview.ID == msg.d.Interview.ID {
			keep = a.detail
		}
		d := newReviewDetail(msg.d, msg.sv, keep, a.st, a.cfg.Location)
		a.detail = &d
		a.screen = reviewDetailing
		a.resize()
		return a, nil
	case dashboardLoadedMsg:
		if a.dash != nil {
			*a.dash, _ = a.dash.Update(msg)
			a.resize() // the title names the report's time once it is loaded
		}
		return a, nil
	case dialogMsg, tea.PasteMsg:
		if a.screen == reviewMonitoring {
			return a.monitorInput(msg)
		}
		// A prompt's answer, or input for it.
		if a.screen != reviewDetailing || a.detail == nil {
			return a, nil
		}
		var cmd tea.Cmd
		*a.detail, cmd, _ = a.detail.Update(msg)
		return a, cmd
	case approveMsg, rejectMsg, flagMsg:
		return a.decide(msg)
	case approvedMsg:
		return a.decided(msg.seq, msg.interview, "approve", msg.err, "approved")
	case rejectedMsg:
		a, cmd := a.decided(msg.seq, msg.interview, "reject", msg.err, "rejected: sent back to the interviewer with the comments")
		if msg.err == nil && a.detail != nil {
			a.detail.drafts = map[string]string{}
		}
		return a, cmd
	case flaggedMsg:
		what, notice := "unflag", "flag taken off"
		if msg.on {
			what, notice = "flag", "flagged"
		}
		return a.decided(msg.seq, msg.interview, what, msg.err, notice)
	}
	return a, nil
}

// decide records a decision the detail screen asked for on the
// interview it shows.
func (a supervisor) decide(msg tea.Msg) (supervisor, tea.Cmd) {
	if a.detail == nil {
		return a, nil
	}
	be, who, id := a.be, a.who.ID, a.detail.d.Interview.ID
	seq := a.request()
	switch msg := msg.(type) {
	case approveMsg:
		return a, func() tea.Msg { return approvedMsg{seq: seq, interview: id, err: be.Approve(id, who, msg.note)} }
	case rejectMsg:
		return a, func() tea.Msg {
			return rejectedMsg{seq: seq, interview: id, err: be.Reject(id, who, msg.comment, msg.items)}
		}
	case flagMsg:
		return a, func() tea.Msg {
			return flaggedMsg{seq: seq, interview: id, on: msg.on, err: be.Flag(id, who, msg.note, msg.on)}
		}
	}
	a.wait = 0
	return a, nil
}

// decided acts on the reply to a decision: a failure is shown as "what
// failed: err" and the screen can be used again; else notice says what
// was recorded, and the interview is read again.
func (a supervisor) decided(seq int, interview, what string, err error, notice string) (supervisor, tea.Cmd) {
	if !a.reply(seq) {
		return a, nil
	}
	if a.detail != nil {
		a.detail.sent = false
	}
	if err != nil {
		a.err = fmt.Sprintf("%s failed: %v", what, err)
		return a, nil
	}
	a.notice = notice
	seq = a.request()
	return a, loadReviewDetail(a.be, seq, interview)
}

func (a supervisor) handleKey(msg tea.KeyPressMsg) (supervisor, tea.Cmd) {
	a.err, a.notice = "", ""
	var cmd tea.Cmd
	switch a.screen {
	case reviewSignIn:
		a.signIn, cmd = a.signIn.Update(msg)
	case reviewListing:
		if key.Matches(msg, a.list.km.Dashboard) {
			return a.openDashboard()
		}
		if a.cfg.Monitor != nil && key.Matches(msg, a.list.km.Monitor) {
			a.screen = reviewMonitoring
			a.resize()
			return a, nil
		}
		var open string
		a.list, open = a.list.Update(msg)
		if open != "" {
			seq := a.request()
			return a, loadReviewDetail(a.be, seq, open)
		}
	case reviewDetailing:
		var back bool
		*a.detail, cmd, back = a.detail.Update(msg)
		if back {
			a.screen = reviewListing
			a.detail = nil
			seq := a.request()
			return a, loadReviewList(a.be, seq, a.cfg.Survey)
		}
	case reviewMonitoring:
		var back bool
		a.mon, cmd, back = a.mon.update(msg)
		if back {
			a.screen = reviewListing
		}
	case reviewDashboarding:
		if key.Matches(msg, a.list.km.Back) {
			// Back to the list as it was: same filters, same cursor. The
			// dashboard is kept for the next visit.
			a.screen = reviewListing
			return a, nil
		}
		*a.dash, cmd = a.dash.Update(msg)
	}
	return a, cmd
}

// monitorInput takes the message dialog's answer (sending the message),
// or input for it.
func (a supervisor) monitorInput(msg tea.Msg) (supervisor, tea.Cmd) {
	d, ok := msg.(dialogMsg)
	if !ok {
		var cmd tea.Cmd
		a.mon, cmd, _ = a.mon.update(msg)
		return a, cmd
	}
	if !a.mon.modals.on(dialogMessage) || d.dialog != dialogMessage {
		return a, nil
	}
	if d.closed {
		a.mon.modals = a.mon.modals.pop()
		return a, nil
	}
	seq := a.request()
	return a, sendMessage(a.cfg.Monitor, seq, a.mon.to, d.text)
}

// openDashboard opens the dashboard of the survey in view with a fresh
// report; with no survey in view the key does nothing. The dashboard
// last open is reused for the same survey, on the tab it was left on, so
// that a report it asked for before is told apart from the new one.
func (a supervisor) openDashboard() (supervisor, tea.Cmd) {
	survey := a.list.surveyInView(a.cfg.Survey)
	if !a.list.loaded || survey == "" {
		return a, nil
	}
	a.screen = reviewDashboarding
	if a.dash != nil && a.dash.survey == survey {
		var cmd tea.Cmd
		if !a.dash.Loading() {
			*a.dash, cmd = a.dash.Load()
		}
		a.resize()
		return a, cmd
	}
	back := a.list.km.Back
	back.SetHelp("esc", "back to the list")
	d := NewDashboard(a.be, survey, store.ReportOptions{Location: a.cfg.Location}, a.cfg.Clock, a.st).WithHostKeys(back)
	a.dash = &d
	a.resize()
	return a, d.Init()
}

// typing reports whether printable keys are input on the focused screen.
func (a supervisor) typing() bool {
	switch a.screen {
	case reviewSignIn:
		return a.signIn.Typing()
	case reviewDetailing:
		return a.detail.modals.typing()
	case reviewMonitoring:
		return a.mon.modals.typing()
	}
	return false
}

// resize hands the frame's layout to the screens.
func (a *supervisor) resize() {
	w := a.frame.ContentWidth()
	a.signIn.SetSize(w, a.frame.ForKeys(a.signIn.HelpKeys()).BodyHeight(reviewSignInTitle, reviewSignInHint))
	a.list.SetSize(w, a.frame.ForKeys(a.list.HelpKeys(a.cfg.Survey, a.cfg.Monitor != nil)).BodyHeight(reviewListTitle, a.list.filterLine()))
	if a.detail != nil {
		text, hint := a.detail.texts()
		a.detail.SetSize(w, a.frame.ForKeys(a.detail.HelpKeys()).BodyHeight(text, hint))
	}
	if a.dash != nil {
		a.dash.SetSize(w, a.frame.ForKeys(a.dash.HelpKeys()).BodyHeight(a.dash.Title(), ""))
	}
	a.mon.width, a.mon.height = w, a.frame.ForKeys(a.mon.helpKeys()).BodyHeight(monitorTitle, "")
	a.mon.modals = a.mon.modals.resized(w, a.mon.height)
}

// monitorTitle heads the monitor screen.
const monitorTitle = "The call room now"

// resized takes the shell's frame, sized to the window, and lays the
// screens out in it.
func (a supervisor) resized(f Frame) room {
	a.frame = f
	a.resize()
	return a
}

// restyled takes the shell's styles and the frame restyled with them,
// and hands them down.
func (a supervisor) restyled(f Frame, st *Styles) room {
	a.st = st
	a.frame = f
	a.signIn.SetStyles(a.st)
	a.list.st = a.st
	if a.detail != nil {
		a.detail.SetStyles(a.st)
	}
	if a.dash != nil {
		a.dash.SetStyles(a.st)
	}
	a.mon.st = a.st
	a.mon.modals = a.mon.modals.restyled(a.st)
	a.resize()
	return a
}

// Page is the focused screen's content for the frame.
func (a supervisor) Page() Page {
	hd := Header{Title: "canvass review", Interviewer: a.who.Name}
	var pg Page
	switch a.screen {
	case reviewSignIn:
		hd.Section = "Sign in"
		k := a.signIn.HelpKeys()
		pg = Page{Text: reviewSignInTitle, Hint: reviewSignInHint, Body: a.signIn.View(),
			Error: a.signIn.Problem(), Keys: k}
		if a.signIn.Problem() == "type your interviewer id" {
			pg.Error = "type your supervisor id"
		}
	case reviewListing:
		hd.Section = "Interviews"
		pg = Page{Text: reviewListTitle, Hint: a.list.filterLine(), Body: a.list.View(), Keys: a.list.HelpKeys(a.cfg.Survey, a.cfg.Monitor != nil)}
	case reviewMonitoring:
		hd.Section = "Monitor"
		pg = a.mon.modals.over(Page{Text: monitorTitle, Body: a.mon.view(), Keys: a.mon.helpKeys()})
	case reviewDetailing:
		hd.Section = "Interview"
		hd.Contact = contactName(*a.detail.d.Contact)
		text, hint := a.detail.texts()
		pg = Page{Text: text, Hint: hint, Body: a.detail.View(), Keys: a.detail.HelpKeys(), Error: a.detail.problem()}
	case reviewDashboarding:
		hd = a.dash.Header()
		hd.Title, hd.Interviewer = "canvass review · dashboard", a.who.Name
		pg = Page{Text: a.dash.Title(), Body: a.dash.View(), Keys: a.dash.HelpKeys(), Error: a.dash.Problem()}
		if a.dash.Loading() {
			pg.Notice = "Loading the figures…"
		}
	}
	pg.Header = hd
	if pg.Notice == "" {
		pg.Notice = a.notice
	}
	if a.err != "" {
		pg.Error = a.err
	}
	if a.wait != 0 && pg.Notice == "" {
		pg.Notice = "working…"
	}
	return pg
}

// RunReview runs the supervisor console full-screen until the supervisor
// quits.
func RunReview(be ReviewBackend, cfg ReviewConfig) error {
	if _, err := runProgram(NewSupervisor(be, cfg)); err != nil {
		return fmt.Errorf("run the review console: %w", err)
	}
	return nil
}
