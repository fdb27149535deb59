package tui

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"canvass/model"
	"canvass/store"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// interviewer is the working interviewer console, a room of [App]:
// sign-in, home, the call screen, consent, the questionnaire and the
// closing script, over a [Backend] (the store), whose every call runs in
// a tea.Cmd. The shell hands it the frame (window size) and styles, and
// the keys it does not keep (quit, help); the console numbers its store
// requests and says when it is busy, so that the shell holds type-ahead.
type interviewer struct {
	st    *Styles
	km    *keyMap
	frame Frame // the shell's, for measuring the page

	loc *time.Location // the zone dateTime answers are entered in

	screen screen
	signIn SignIn
	who    SignInMsg

	// be is the store; it is nil only while open is still opening it.
	be  Backend
	cfg Console
	now time.Time

	// open opens the store in a tea.Cmd after the first frame, for a
	// console built with [NewConsoleOpening]; it is nil once be is set.
	open func() (Backend, error)
	// held is a sign-in made before the store was open: it goes on once
	// the store is.
	held *SignInMsg
	// fatal is why the store did not open: the console quits with it.
	fatal error

	// seq numbers requests to the store; wait is the one the console
	// waits for (0: none), and replies to any other are stale.
	seq, wait int
	err       string // the last failed store action, shown until a key
	notice    string

	home Home
	sess *session
	// resumed is an interview taken up again, waiting on the call screen
	// until the interviewer says the person is on the line.
	resumed *resumedMsg
	pre     *model.Interview // for the intro's and consent's fills
	call    Call
	iview   Interview
	closing string
	// optedOut is set when the closing ends an interview by an opt-out.
	optedOut bool
	closeSv  string
	lastSv   string
	// modals are the console's own dialogs: the consent question (or
	// the opt-out offered when it was refused) on the consent screen,
	// the quit question over an interview.
	modals modals
	// reported is where the console last said it was (Console.Presence).
	reported Presence
}

type screen int

const (
	screenSignIn screen = iota
	screenHome
	screenCall
	screenConsent
	screenInterview
	screenClosing
)

// Option configures the interviewer console.
type Option func(*interviewer)

// WithInterviewer prefills the sign-in screen with the last interviewer.
func WithInterviewer(id, name string) Option {
	return func(a *interviewer) { a.signIn = NewSignIn(id, name, a.st) }
}

// WithLocation sets the time zone dateTime answers are entered in
// (default Console.Location).
func WithLocation(loc *time.Location) Option {
	return func(a *interviewer) { a.loc = loc }
}

// NewConsole builds the working interviewer console over a store: sign
// in (prefilled with who signed in last on this machine), then home, the
// call screen, consent, the questionnaire and the closing script. Styles
// start dark with colour until the terminal says otherwise. be is a store
// that is open; a console whose store is still to be opened is built with
// [NewConsoleOpening].
func NewConsole(be Backend, cfg Console, opts ...Option) App {
	a := newApp("canvass")
	a.room = newInterviewer(be, cfg, a.st, a.frame, opts)
	return a
}

// NewConsoleOpening builds the working interviewer console over a store
// that open opens: the console draws its first frame at once (the
// sign-in screen, which needs nothing from the store), calls open in a
// tea.Cmd, and prefills the sign-in once the store is open. A sign-in made
// before that waits for it. When open fails the console quits, and
// [RunOpening] returns its error. When cfg.Device is empty it is taken
// from the store (a Device method, as *store.Store has).
func NewConsoleOpening(open func() (Backend, error), cfg Console, opts ...Option) App {
	a := newApp("canvass")
	c := newInterviewer(nil, cfg, a.st, a.frame, opts)
	c.open = open
	if cfg.SignedIn != nil {
		who := *cfg.SignedIn
		c.held = &who // home is loaded once the store is open
	}
	c.resize()
	a.room = c
	return a
}

// newInterviewer builds the interviewer console's screens with the
// shell's styles and frame.
func newInterviewer(be Backend, cfg Console, st *Styles, f Frame, opts []Option) interviewer {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	a := interviewer{st: st, frame: f, km: newKeys(), loc: time.UTC}
	a.be, a.cfg = be, cfg
	a.now = cfg.Clock()
	if a.cfg.Location == nil {
		a.cfg.Location = a.now.Location()
	}
	a.loc = a.cfg.Location
	a.signIn = NewSignIn("", "", a.st)
	for _, o := range opts {
		o(&a)
	}
	a.home = newHome(a.st, a.cfg.Location, cfg.LoadStudy != nil)
	if who := cfg.SignedIn; who != nil {
		a.who, a.screen = *who, screenHome
		if be != nil {
			a.request() // the home screen's: see startStore
		}
	}
	a.resize()
	return a
}

// handleOpened takes the store that Init's command opened: the console
// quits if it did not open, and otherwise prefills the sign-in and lets a
// sign-in made meanwhile go on.
func (a interviewer) handleOpened(msg storeOpenedMsg) (interviewer, tea.Cmd) {
	if msg.err != nil {
		a.fatal = msg.err
		a.err = "could not open the store: " + msg.err.Error()
		return a, tea.Quit
	}
	a.be, a.open = msg.be, nil
	if a.cfg.Device == "" {
		a.cfg.Device = msg.device
	}
	a = a.prefill(msg.who)
	if a.held == nil {
		return a, nil
	}
	a.who, a.held = *a.held, nil
	return a.signedIn()
}

// prefill puts the interviewer remembered on this machine in the sign-in
// fields, unless the interviewer has begun typing there.
func (a interviewer) prefill(who lastWhoMsg) interviewer {
	if who.err == nil && who.who.ID != "" && a.screen == screenSignIn && a.signIn.untouched() {
		a.signIn = NewSignIn(who.who.ID, who.who.Name, a.st)
		a.resize()
	}
	return a
}

// tick moves the console's clock every few seconds, for the contacts'
// local times.
func tick() tea.Cmd {
	return tea.Tick(15*time.Second, func(t time.Time) tea.Msg { return clockMsg(t) })
}

// request starts a store request the console waits for.
func (a *interviewer) request() int {
	a.seq++
	a.wait = a.seq
	return a.seq
}

// reply reports whether msg answers the request waited for, and stops
// waiting if so.
func (a *interviewer) reply(seq int) bool {
	if seq == 0 || seq != a.wait {
		return false
	}
	a.wait = 0
	return true
}

// signedIn remembers the interviewer and opens the home screen.
func (a interviewer) signedIn() (interviewer, tea.Cmd) {
	if a.cfg.SignedIn != nil {
		return a.goHome("") // the session's account: this machine does not remember it
	}
	be, who := a.be, a.who
	remember := func() tea.Msg {
		if err := be.SetInterviewer(who.ID, who.Name); err != nil {
			return interviewerRememberedMsg{err: err}
		}
		return nil
	}
	a.signIn = NewSignIn(who.ID, who.Name, a.st)
	m, cmd := a.goHome("")
	return m, tea.Batch(remember, cmd)
}

// goHome opens the home screen and reloads it.
func (a interviewer) goHome(notice string) (interviewer, tea.Cmd) {
	a.screen = screenHome
	a.notice = notice
	a.sess, a.pre, a.modals, a.resumed = nil, nil, nil, nil
	a.home = newHome(a.st, a.cfg.Location, a.cfg.LoadStudy != nil)
	a.resize()
	seq := a.request()
	return a, loadHome(a.be, seq, a.who.ID, a.now)
}

// handleConsole handles the console's own messages; ok is false for
// messages that go to the focused screen.
func (a interviewer) handleConsole(msg tea.Msg) (interviewer, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case clockMsg:
		a.now = time.Time(msg)
		a.call.now = a.now
		a.iview.now = a.now
		return a, tick(), true
	case lastWhoMsg:
		return a.prefill(msg), nil, true
	case storeOpenedMsg:
		m, cmd := a.handleOpened(msg)
		return m, cmd, true
	case homeLoadedMsg:
		if a.reply(msg.seq) {
			if msg.err != nil {
				a.err = "could not read the store: " + msg.err.Error()
				a.home.loaded = true
			} else {
				a.home.set(msg.home, a.lastSv)
			}
			a.resize()
		}
		return a, nil, true
	case HomeMsg:
		m, cmd := a.handleHome(msg)
		return m, cmd, true
	case presentedMsg:
		m, cmd := a.handlePresented(msg)
		return m, cmd, true
	case resumedMsg:
		m, cmd := a.handleResumed(msg)
		return m, cmd, true
	case ReachedMsg:
		if r := a.resumed; r != nil && a.screen == screenCall {
			return a.goOnWith(*r), nil, true // consent was given when it began
		}
		return a.openConsent(), nil, true
	case OutcomeMsg:
		m, cmd := a.recordOutcome(msg)
		return m, cmd, true
	case dialogMsg:
		if a.modals.on(msg.dialog) {
			m, cmd := a.handleDialog(msg)
			return m, cmd, true
		}
	case OptOutRequestMsg:
		m, cmd := a.recordOptOut()
		return m, cmd, true
	case FinishedMsg:
		m, cmd := a.finish(msg)
		return m, cmd, true
	case ScreenedOutMsg:
		if a.screen != screenInterview || msg.Interview != a.iview.id {
			return a, nil, true
		}
		return a.closeQuotaFull(a.iview.iv.Fill), nil, true
	case EndedMsg:
		if a.screen != screenInterview || msg.Interview != a.iview.id {
			return a, nil, true
		}
		m, cmd := a.goHome("the interview was ended elsewhere (an opt-out, or the call room); the answers before the last one are kept")
		return m, cmd, true
	case SuspendMsg:
		m, cmd := a.suspend(msg)
		return m, cmd, true
	}
	return a.handleReply(msg)
}

func (a interviewer) handleHome(msg HomeMsg) (interviewer, tea.Cmd) {
	a.home.sent = false
	seq := a.request()
	switch {
	case msg.Load:
		load := a.cfg.LoadStudy
		return a, func() tea.Msg { return studyLoadedMsg{seq: seq, err: load()} }
	case msg.Resume != nil:
		resume := resumeInterview(a.be, seq, *msg.Resume, a.engineInterviewer(), msg.Reopen, a.cfg.Device, a.cfg.Clock)
		if !msg.OnTheLine {
			return a, resume
		}
		return a, func() tea.Msg {
			m := resume().(resumedMsg)
			m.atOnce = true // the call screen came first
			return m
		}
	}
	a.lastSv = msg.Survey
	return a, drawNext(a.be, seq, msg.Survey, a.who.ID, a.now)
}

// interviewer is who is signed in, for the engine.
func (a interviewer) engineInterviewer() model.Interviewer {
	return model.Interviewer{ID: a.who.ID, Name: a.who.Name}
}

// start begins an interview of the session's survey for its contact, in
// lang (the contact's language when the survey has it).
func (a interviewer) start(s *session, lang string) (*model.Interview, error) {
	return startEngine(s, lang, a.engineInterviewer(), a.cfg.Device, a.cfg.Clock)
}

// startEngine begins the questionnaire of s for its contact, in lang (the
// contact's language when the survey has it, when lang is empty). The
// option order's seed comes from the survey and contact, so that starting
// it again (an interview resumed before its first answer) orders the
// options as before.
func startEngine(s *session, lang string, who model.Interviewer, device string, clock func() time.Time) (*model.Interview, error) {
	if lang == "" && slices.Contains(s.survey.Languages, s.contact.Language) {
		lang = s.contact.Language
	}
	h := fnv.New64a()
	h.Write([]byte(s.survey.ID + "\x00" + s.contact.ID))
	return model.Start(s.form, model.Config{Contact: &s.contact, Interviewer: who,
		Lang: lang, Seed: h.Sum64(), Device: device, Clock: clock, LastSaved: s.lastSaved})
}

func (a interviewer) handlePresented(msg presentedMsg) (interviewer, tea.Cmd) {
	if !a.reply(msg.seq) {
		return a, nil
	}
	if msg.err != nil {
		if errors.Is(msg.err, store.ErrQueueEmpty) {
			return a.goHome("no contact is due now in " + a.home.title(a.lastSv) + a.nextDue(msg.err))
		}
		m, cmd := a.goHome("")
		m.err = "could not draw a contact: " + msg.err.Error()
		return m, cmd
	}
	pre, err := a.start(msg.sess, "")
	if err != nil {
		m, cmd := a.goHome("")
		m.err = "could not start the questionnaire: " + err.Error()
		return m, cmd
	}
	a.sess, a.pre = msg.sess, pre
	a.call = newCall(msg.sess, pre.Fill(msg.sess.survey.Intro), pre.Language(), a.cfg.Location, a.now, a.st)
	a.screen = screenCall
	a.resize()
	return a, nil
}

// nextDue says when the next contact comes up, after an empty draw:
// the store's answer names the earliest moment one is queued for.
func (a interviewer) nextDue(err error) string {
	var empty *store.QueueEmpty
	if !errors.As(err, &empty) || empty.Next.IsZero() {
		return "; nobody else is waiting to be called"
	}
	at := empty.Next.In(a.cfg.Location)
	in := empty.Next.Sub(a.now).Round(time.Minute)
	when := at.Format("15:04")
	if y, m, d := at.Date(); y != a.now.In(a.cfg.Location).Year() || m != a.now.In(a.cfg.Location).Month() || d != a.now.In(a.cfg.Location).Day() {
		when = at.Format("Mon 2 Jan 15:04")
	}
	if in <= 0 {
		return "; the next comes up in a moment"
	}
	var after string
	switch {
	case in < time.Hour:
		after = fmt.Sprintf("%d min", int(in.Minutes()))
	case in < 48*time.Hour:
		after = fmt.Sprintf("%dh%02d", int(in.Hours()), int(in.Minutes())%60)
	default:
		after = fmt.Sprintf("%d days", int(in.Hours()/24))
	}
	return fmt.Sprintf("; next at %s your time (in %s)", when, after)
}

func (a interviewer) handleResumed(msg resumedMsg) (interviewer, tea.Cmd) {
	if !a.reply(msg.seq) {
		return a, nil
	}
	if msg.err != nil {
		if errors.Is(msg.err, store.ErrOptedOut) {
			return a.goHome("not resumed: the person is on the opt-out list, so the interview was ended with its answers kept")
		}
		m, cmd := a.goHome("")
		m.err = "could not resume the interview: " + msg.err.Error()
		return m, cmd
	}
	a.sess = msg.sess
	a.lastSv = msg.sess.survey.ID
	// The state was saved with the last answer, before moving on: go on
	// from the first stop that still needs the interviewer.
	if !msg.fresh {
		msg.iv.FastForward()
	}
	if msg.reopened && msg.returned != nil {
		// Just taken back after a rejection: start where there is
		// something to check.
		goToComment(msg.iv, msg.returned)
	}
	if msg.returned != nil || msg.atOnce {
		// Correcting what a supervisor sent back needs no call first, and
		// a session back after its connection dropped is still on it.
		return a.goOnWith(msg), nil
	}
	// A call comes first: the intro again, and the interviewer makes
	// sure the right person is on the line before the questions go on.
	rec := store.InterviewRecord{ID: msg.id, Started: msg.iv.Started()}
	a.sess.open = &rec
	a.pre = msg.iv
	a.resumed = &msg
	a.call = newCall(msg.sess, msg.iv.Fill(msg.sess.survey.Intro), msg.iv.Language(), a.cfg.Location, a.now, a.st)
	a.call.resuming = true
	a.screen = screenCall
	a.resize()
	return a, nil
}

// goOnWith opens the questionnaire of a resumed interview where it
// stopped.
func (a interviewer) goOnWith(msg resumedMsg) interviewer {
	a.resumed = nil
	a.call = newCall(msg.sess, "", msg.iv.Language(), a.cfg.Location, a.now, a.st)
	a.iview = newInterview(a.be, msg.sess, msg.iv, msg.id, a.who.ID, a.loc, a.cfg.Location, a.now, a.frame, a.st)
	a.iview.notice = "resumed where the interview stopped"
	if msg.fresh {
		a.iview.notice = "resumed: no answer was saved yet, so the questionnaire starts at its beginning"
	}
	a.iview.setReturned(msg.returned)
	a.screen = screenInterview
	a.resize()
	return a
}

// switchPreLanguage switches the language of the intro and consent.
func (a interviewer) switchPreLanguage() interviewer {
	langs := a.sess.survey.Languages
	if a.pre == nil || len(langs) < 2 {
		return a
	}
	i := slices.Index(langs, a.pre.Language())
	if err := a.pre.SetLanguage(langs[(i+1)%len(langs)]); err != nil {
		a.err = err.Error()
		return a
	}
	a.call.intro = a.pre.Fill(a.sess.survey.Intro)
	a.call.lang = a.pre.Language()
	if a.screen == screenConsent {
		return a.openConsent()
	}
	return a
}

// openConsent shows the consent script and asks for the answer. Neither
// answer is highlighted: a refusal takes n (or an arrow and enter), and
// F3/F4 ask first, so that no refusal is recorded by a key pressed out
// of habit.
func (a interviewer) openConsent() interviewer {
	a.call.sent = false
	name := a.sess.contact.Name
	a.modals = modals{askDialog(dialogConsent, "Did "+name+" agree to take part?",
		"press y if "+name+" agreed to take part, n if not", a.st,
		consentKeys(len(a.sess.survey.Languages), "back to the call", true))}.
		resized(a.frame.ContentWidth(), 4)
	a.screen = screenConsent
	return a
}

// confirmConsentRefused asks, after F3 or F4 on the consent question,
// whether the person really declined; yes goes on to the opt-out offer,
// no back to the question.
func (a interviewer) confirmConsentRefused() interviewer {
	q := "Record that " + a.sess.contact.Name + " did not agree to take part? Yes goes on to offer the opt-out; no goes back to the consent question."
	a.modals = a.modals.push(confirmDialog(dialogConsentRefused, q, false, a.st,
		consentKeys(len(a.sess.survey.Languages), "back to the question", false)).resized(a.frame.ContentWidth(), 4))
	return a
}

// consentKeys are the keys of the consent question and of the questions
// that follow a refusal, in a survey of langs languages: esc goes back
// (named by back), the opt-out can be recorded, the language switched
// when the survey has more than one, and on the consent question itself
// (refusals) F3 and F4 ask whether the person declined.
func consentKeys(langs int, back string, refusals bool) func(keyMap) keyMap {
	return func(k keyMap) keyMap {
		off(&k.DontKnow, &k.Refused, &k.Note, &k.Suspend, &k.Language)
		on(&k.Back, &k.OptOut)
		k.Back.SetHelp("esc", back)
		if refusals {
			on(&k.DontKnow, &k.Refused)
		}
		if langs > 1 {
			on(&k.Language)
		}
		return k
	}
}

// consentRecord is the consent as read, for the store.
func (a interviewer) consentRecord(agreed bool) model.Consent {
	return model.Consent{
		Survey: a.sess.survey.ID, Version: a.sess.survey.Version, Contact: a.sess.contact.ID,
		Interviewer: a.who.ID, Lang: a.pre.Language(), Text: a.pre.Fill(a.sess.survey.Consent),
		At: a.now, Agreed: agreed,
	}
}

// handleDialog acts on the answer of the console's dialog on top.
func (a interviewer) handleDialog(msg dialogMsg) (interviewer, tea.Cmd) {
	switch msg.dialog {
	case dialogQuit:
		a.modals = a.modals.pop()
		if msg.yes {
			return a.suspendAndQuit()
		}
		a.notice = "not quitting"
		return a, nil
	case dialogConsent:
		switch {
		case msg.closed:
			a.modals, a.screen = nil, screenCall
			a.call.sent = false
			a.resize()
			return a, nil
		case msg.yes:
			// The question stays, waiting, until the store has begun the
			// interview; if that fails, it asks again.
			be, c := a.be, a.consentRecord(true)
			seq := a.request()
			return a, func() tea.Msg {
				id, err := be.StartInterview(c)
				return consentGivenMsg{seq: seq, interview: id, err: err}
			}
		}
		// A refusal is recorded once the opt-out is offered: one intent,
		// and a second key before anything is written.
		return a.offerDeclineOptOut(), nil
	case dialogConsentRefused:
		if msg.yes {
			return a.offerDeclineOptOut(), nil
		}
		a.notice = "nothing recorded"
		return a.openConsent(), nil
	case dialogDecline:
		if msg.closed {
			// Back to the consent question: nothing was recorded.
			return a.openConsent(), nil
		}
		be, d := a.be, store.Decline{Consent: a.consentRecord(false), OptOut: msg.yes}
		seq := a.request()
		return a, func() tea.Msg {
			_, err := be.DeclineConsent(d)
			return consentDeclinedMsg{seq: seq, optOut: d.OptOut, err: err}
		}
	}
	return a, nil
}

// offerDeclineOptOut asks, after the person declined consent, whether
// they want to be taken off every list; the answer records the refusal.
func (a interviewer) offerDeclineOptOut() interviewer {
	q := "Refusal: offer the opt-out. Does " + a.sess.contact.Name + " want to be removed from all calling lists?"
	a.modals = modals{confirmDialog(dialogDecline, q, false, a.st, consentKeys(len(a.sess.survey.Languages), "back to the question", false))}.resized(a.frame.ContentWidth(), 4)
	return a
}

// recordOutcome records a call outcome from the call screen: with the
// opt-out the person asked for, the opt-out's intent records the call.
func (a interviewer) recordOutcome(msg OutcomeMsg) (interviewer, tea.Cmd) {
	be, sv, who := a.be, a.sess.survey.ID, a.who.ID
	seq := a.request()
	if msg.OptOut {
		o := store.ContactOptOut{Survey: sv, Contact: msg.Contact, Actor: who, At: a.now, Outcome: msg.Outcome.Code,
			Reason: "asked on the phone after a refusal", Note: msg.Note}
		return a, func() tea.Msg { return optedOutMsg{seq: seq, err: be.OptOutContact(o)} }
	}
	if r := a.resumed; r != nil {
		// The interview was taken up again for this call: it goes back
		// to suspended with how the call went, in one step.
		sp := store.Suspension{Actor: who, At: a.now, Reason: "not reached: " + msg.Outcome.Code,
			Outcome: msg.Outcome.Code, Note: msg.Note, Appointment: msg.Appointment}
		id, code := r.id, msg.Outcome.Code
		return a, func() tea.Msg {
			return callRecordedMsg{seq: seq, outcome: code, suspended: true, err: be.SuspendInterview(id, sp)}
		}
	}
	c := store.Call{Outcome: msg.Outcome, Interviewer: who, At: a.now, Appointment: msg.Appointment, Note: msg.Note}
	return a, func() tea.Msg {
		return callRecordedMsg{seq: seq, outcome: msg.Outcome.Code, err: be.RecordCall(sv, msg.Contact, c)}
	}
}

// recordOptOut puts the contact on the opt-out list from the call screen
// or mid-interview (the store ends the interview, keeping what was
// answered, and records the call as a break-off); the closing script
// follows.
func (a interviewer) recordOptOut() (interviewer, tea.Cmd) {
	be, s, who, now := a.be, a.sess, a.who.ID, a.now
	seq := a.request()
	o := store.ContactOptOut{Survey: s.survey.ID, Contact: s.contact.ID, Actor: who, At: now,
		Reason: "asked on the phone", Note: "asked not to be contacted again"}
	if a.screen == screenInterview {
		o.Reason, o.Note = "asked during the interview", "opted out during the interview"
		return a, func() tea.Msg { return brokenOffMsg{seq: seq, err: be.OptOutContact(o)} }
	}
	return a, func() tea.Msg { return optedOutMsg{seq: seq, err: be.OptOutContact(o)} }
}

// finish closes a completed interview: complete in the store with its
// call, then the closing script.
func (a interviewer) finish(msg FinishedMsg) (interviewer, tea.Cmd) {
	if a.screen != screenInterview || msg.Interview != a.iview.id {
		return a, nil
	}
	be, who, now := a.be, a.who.ID, a.now
	seq := a.request()
	return a, func() tea.Msg { return completedMsg{seq: seq, err: be.FinishInterview(msg.Interview, who, now)} }
}

// suspend pauses the interview and turns it into an appointment.
func (a interviewer) suspend(msg SuspendMsg) (interviewer, tea.Cmd) {
	if a.screen != screenInterview || msg.Interview != a.iview.id {
		return a, nil
	}
	be := a.be
	sp := store.Suspension{Actor: a.who.ID, At: a.now, Reason: "appointment", Appointment: msg.At}
	seq := a.request()
	return a, func() tea.Msg { return suspendedMsg{seq: seq, err: be.SuspendInterview(msg.Interview, sp)} }
}

// handleQuit asks before quitting an interview, and suspends it; anywhere
// else ^C quits at once (a contact on the call screen is released when its
// lease runs out).
func (a interviewer) handleQuit() (interviewer, tea.Cmd) {
	if a.be == nil || a.screen != screenInterview || a.iview.done {
		return a, tea.Quit
	}
	if a.modals.on(dialogQuit) {
		// ^C on the question itself: yes.
		a.modals = a.modals.pop()
		return a.suspendAndQuit()
	}
	q := "Quit canvass? The interview is suspended with every answer saved so far, and can be resumed from the home screen."
	a.modals = a.modals.push(confirmDialog(dialogQuit, q, true, a.st, quiet("stay")).resized(a.frame.ContentWidth(), 4))
	return a, nil
}

// suspendAndQuit suspends the interview, then quits.
func (a interviewer) suspendAndQuit() (interviewer, tea.Cmd) {
	be, id := a.be, a.iview.id
	sp := store.Suspension{Actor: a.who.ID, At: a.cfg.Clock(), Reason: "quit"}
	seq := a.request()
	return a, func() tea.Msg { return quitSuspendedMsg{seq: seq, err: be.SuspendInterview(id, sp)} }
}

// handleReply acts on the replies of the console's intents; ok is false
// for messages that are none of them.
func (a interviewer) handleReply(msg tea.Msg) (interviewer, tea.Cmd, bool) {
	var ok bool
	switch msg := msg.(type) {
	case noteSavedMsg:
		return a.background("note", msg.err), nil, true
	case interviewerRememberedMsg:
		return a.background("remember", msg.err), nil, true
	case studyLoadedMsg:
		if a, ok = a.settled(msg.seq, "load", msg.err); !ok {
			return a, nil, true
		}
		m, cmd := a.goHome("demo study loaded")
		return m, cmd, true
	case callRecordedMsg:
		if a, ok = a.settled(msg.seq, "call", msg.err); !ok {
			return a, nil, true
		}
		o := a.sess.outcome(msg.outcome)
		notice := "recorded: " + o.Label
		if o.OfferOptOut {
			notice += "; opt-out not recorded"
		}
		if msg.suspended {
			notice += "; the interview stays suspended"
		}
		m, cmd := a.goHome(notice)
		return m, cmd, true
	case consentGivenMsg:
		if errors.Is(msg.err, store.ErrQuotaFull) && a.reply(msg.seq) {
			a.modals = nil
			return a.closeQuotaFull(a.pre.Fill), nil, true
		}
		if a, ok = a.settled(msg.seq, "consent given", msg.err); !ok {
			return a, nil, true
		}
		m, cmd := a.beginInterview(msg.interview)
		return m, cmd, true
	case consentDeclinedMsg:
		what, notice := "consent refused", "refusal recorded; opt-out not recorded"
		if msg.optOut {
			what = "consent refused, opted out"
			notice = "refusal recorded; opt-out recorded: " + a.sess.contact.Name + " will not be contacted again"
		}
		if a, ok = a.settled(msg.seq, what, msg.err); !ok {
			return a, nil, true
		}
		m, cmd := a.goHome(notice)
		return m, cmd, true
	case optedOutMsg:
		if a, ok = a.settled(msg.seq, "optout-call", msg.err); !ok {
			return a, nil, true
		}
		m, cmd := a.goHome("opt-out recorded: " + a.sess.contact.Name + " will not be contacted again")
		return m, cmd, true
	case brokenOffMsg:
		if a, ok = a.settled(msg.seq, "optout-interview", msg.err); !ok {
			return a, nil, true
		}
		return a.closeOptedOut(), nil, true
	case completedMsg:
		if a, ok = a.settled(msg.seq, "complete", msg.err); !ok {
			return a, nil, true
		}
		return a.closeInterview("interview complete and saved"), nil, true
	case suspendedMsg:
		if a, ok = a.settled(msg.seq, "suspend", msg.err); !ok {
			return a, nil, true
		}
		m, cmd := a.goHome("interview suspended; appointment set")
		return m, cmd, true
	case quitSuspendedMsg:
		if a, ok = a.settled(msg.seq, "quit", msg.err); !ok {
			return a, nil, true
		}
		return a, tea.Quit, true
	}
	return a, nil, false
}

// settled reports whether seq is the reply the console waits for and
// the intent happened. A failure is shown as "what failed: err", and the
// screen can be used again.
func (a interviewer) settled(seq int, what string, err error) (interviewer, bool) {
	if !a.reply(seq) {
		return a, false
	}
	if err != nil {
		return a.failed(what, err), false
	}
	return a, true
}

// background shows the failure of work nobody waits for (a note,
// remembering the interviewer): only a failure is worth a word.
func (a interviewer) background(what string, err error) interviewer {
	if err != nil {
		a.err = fmt.Sprintf("%s not saved: %v", what, err)
	}
	return a
}

// closeInterview shows the closing script of the interview just ended.
func (a interviewer) closeInterview(notice string) interviewer {
	a.closing, a.optedOut = a.iview.iv.Fill(a.sess.survey.Closing), false
	a.closeSv = a.sess.survey.ID
	a.screen = screenClosing
	a.notice = notice
	return a
}

// optOutClosing is what the interviewer says when the survey has no
// opt-out closing script of its own: never the thanks for an interview
// taken part in.
const optOutClosing = "Tell the person that they will not be contacted again for any survey, apologise for the call, and say goodbye."

// closeOptedOut shows the opt-out closing of the interview the person
// just stopped by opting out: the survey's own opt-out closing script,
// else the instruction for one.
func (a interviewer) closeOptedOut() interviewer {
	a = a.closeInterview("opt-out recorded; the answers given so far are kept")
	a.closing, a.optedOut = a.iview.iv.Fill(a.sess.survey.OptOutClosing), true
	return a
}

// defaultQuotaFull is read to a person screened out by a full quota cell
// when the survey has no quota_full text of its own.
const defaultQuotaFull = "Thank you for your time. We already have enough interviews with people like you, so we will not go on with the questions."

// closeQuotaFull shows the survey's quota-full text as the closing of an
// interview a full quota cell screened out, filled with fill.
func (a interviewer) closeQuotaFull(fill func(model.Text) string) interviewer {
	a.closing = fill(a.sess.survey.QuotaFull)
	if a.closing == "" {
		a.closing = defaultQuotaFull
	}
	a.closeSv = a.sess.survey.ID
	a.screen = screenClosing
	a.notice = "screened out: the quota is full (recorded as 4.80, quota filled)"
	a.resize()
	return a
}

// failed shows a store action that did not happen and lets the screen be
// used again.
func (a interviewer) failed(what string, err error) interviewer {
	a.err = fmt.Sprintf("%s failed: %v", what, err)
	a.home.sent = false
	a.call.sent = false
	a.call.modals = a.call.modals.retry()
	a.modals = a.modals.retry()
	a.iview.modals = a.iview.modals.retry()
	return a
}

// beginInterview starts the questionnaire after consent was recorded.
func (a interviewer) beginInterview(id string) (interviewer, tea.Cmd) {
	iv, err := a.start(a.sess, a.pre.Language())
	if err != nil {
		a.err = "could not start the questionnaire: " + err.Error()
		return a, nil
	}
	a.modals = nil
	a.iview = newInterview(a.be, a.sess, iv, id, a.who.ID, a.loc, a.cfg.Location, a.now, a.frame, a.st)
	a.screen = screenInterview
	a.resize()
	return a, nil
}

func (a interviewer) handleClosingKey(msg tea.KeyPressMsg) (interviewer, tea.Cmd) {
	switch {
	case key.Matches(msg, a.km.Confirm):
		a.lastSv = a.closeSv
		a.sess, a.pre = nil, nil
		a.screen = screenHome
		seq := a.request()
		return a, drawNext(a.be, seq, a.closeSv, a.who.ID, a.now)
	case key.Matches(msg, a.km.Back):
		return a.goHome("")
	}
	return a, nil
}

// consolePage is the page of the console's screens.
func (a interviewer) consolePage() Page {
	hd := Header{Title: "canvass", Interviewer: a.who.Name}
	var pg Page
	switch a.screen {
	case screenHome:
		hd.Section = "Home"
		pg = Page{Text: homeTitle, Body: a.home.View(), Keys: a.home.HelpKeys()}
	case screenCall:
		hd.Title, hd.Contact, hd.Section = a.sess.survey.Title, contactName(a.sess.contact), "Call"
		hd.Lang, hd.Langs = a.call.lang, a.sess.survey.Languages
		text, hint := a.call.Script()
		pg = Page{Text: text, Hint: hint, Body: a.call.View(), Keys: a.call.HelpKeys(), Error: a.call.Problem(), Notice: a.call.notice}
	case screenConsent:
		hd.Title, hd.Contact, hd.Section = a.sess.survey.Title, contactName(a.sess.contact), "Consent"
		hd.Lang, hd.Langs = a.pre.Language(), a.sess.survey.Languages
		pg = Page{Text: a.pre.Fill(a.sess.survey.Consent),
			Hint: "Read the consent text as written. Yes starts the interview; no records a refusal."}
	case screenInterview:
		pg = a.iview.Page(a.who.Name)
		hd = pg.Header
	case screenClosing:
		hd.Title, hd.Contact, hd.Section = a.sess.survey.Title, contactName(a.sess.contact), "Closing"
		closing, hint := a.closing, "Read the closing script, then end the call."
		switch {
		case a.optedOut:
			hd.Section = "Closing after the opt-out"
			hint = "The person opted out: read the opt-out closing, then end the call."
			if closing == "" {
				closing, hint = optOutClosing, ""
			}
		case closing == "":
			closing = "The interview is complete. Thank the respondent for their time."
		}
		pg = Page{Text: closing, Hint: hint,
			Body: a.st.Muted.Render("Press enter for the next contact, esc for the home screen.")}
		k := a.km.base()
		off(&k.DontKnow, &k.Refused, &k.Note, &k.Language, &k.Suspend, &k.OptOut)
		k.Confirm.SetHelp("enter", "next contact")
		k.Back.SetHelp("esc", "home")
		pg.Keys = k
	}
	pg.Header = hd
	pg = a.modals.over(pg)
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

// keysOf is a help key map, for tests and the full list.
func keysOf(k help.KeyMap) []string {
	var out []string
	for _, b := range k.ShortHelp() {
		if b.Enabled() {
			out = append(out, strings.TrimSpace(b.Help().Key+" "+b.Help().Desc))
		}
	}
	return out
}

// Init starts the console's clock and reads who signed in last on this
// machine, after opening the store when it is not open yet.
func (a interviewer) Init() tea.Cmd {
	return tea.Batch(tick(), a.startStore())
}

// startStore is the console's first store command: the sign-in screen's
// prefill, read once the store is open (opening it first when it is
// not), or the home screen of a console that starts signed in.
func (a interviewer) startStore() tea.Cmd {
	switch {
	case a.be == nil:
		return openStore(a.open)
	case a.cfg.SignedIn != nil && a.cfg.Resume != "":
		// The request newInterviewer made: back to the interview at once,
		// the call having gone on while the session was away.
		resume := resumeInterview(a.be, a.wait, store.InterviewRecord{ID: a.cfg.Resume}, a.engineInterviewer(), false, a.cfg.Device, a.cfg.Clock)
		return func() tea.Msg {
			m := resume().(resumedMsg)
			m.atOnce = true
			return m
		}
	case a.cfg.SignedIn != nil:
		return loadHome(a.be, a.wait, a.who.ID, a.now) // the request newInterviewer made
	}
	return lastWho(a.be)
}

// Update routes a message: keys to the focused screen, screens' messages
// and the store's replies to whoever acts on them; a console that reports
// where it is (Console.Presence) reports each change.
func (a interviewer) Update(msg tea.Msg) (room, tea.Cmd) {
	r, cmd := a.update(msg)
	return r.reportPresence(cmd)
}

func (a interviewer) update(msg tea.Msg) (interviewer, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return a.handleKey(msg)
	case SignInMsg:
		a.who = msg
		if a.be == nil {
			a.held = &msg // the store is still opening: see storeOpenedMsg
			return a, nil
		}
		return a.signedIn()
	}
	if m, cmd, ok := a.handleConsole(msg); ok {
		return m, cmd
	}
	cmd := a.toScreen(msg)
	return a, cmd
}

// toScreen hands a message to the focused screen.
func (a *interviewer) toScreen(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch a.screen {
	case screenSignIn:
		a.signIn, cmd = a.signIn.Update(msg)
	case screenHome:
		a.home, cmd = a.home.Update(msg)
	case screenCall:
		a.call, cmd = a.call.Update(msg)
	case screenConsent:
		a.modals, cmd = a.modals.update(msg)
	case screenInterview:
		a.iview, cmd = a.iview.Update(msg)
	}
	return cmd
}

// saving reports whether an answer is on its way to the store: quitting
// waits for it, so that suspending cannot overtake the save.
func (a interviewer) saving() bool {
	return a.be != nil && a.screen == screenInterview && a.iview.saving && a.iview.saveErr == ""
}

// busy reports whether the focused screen has sent a result not yet acted
// on, or the console waits for the store.
func (a interviewer) busy() bool {
	if a.wait != 0 {
		return true
	}
	if a.modals.open() {
		return a.modals.pending()
	}
	switch a.screen {
	case screenSignIn:
		return a.signIn.Pending()
	case screenHome:
		return a.home.Pending()
	case screenCall:
		return a.call.pending()
	case screenInterview:
		return a.iview.pending()
	}
	return false
}

// quit is ^C: see handleQuit.
func (a interviewer) quit() (room, tea.Cmd) { return a.handleQuit() }

func (a interviewer) handleKey(msg tea.KeyPressMsg) (interviewer, tea.Cmd) {
	a.err, a.notice = "", ""
	// What a key records (a call, an appointment, consent) happens now.
	a.now = a.cfg.Clock()
	a.call.now, a.iview.now = a.now, a.now
	if a.screen == screenClosing {
		return a.handleClosingKey(msg)
	}
	if a.screen == screenConsent && key.Matches(msg, a.km.Language) {
		return a.switchPreLanguage(), nil
	}
	if a.screen == screenConsent && a.modals.on(dialogConsent) && key.Matches(msg, a.km.DontKnow, a.km.Refused) {
		return a.confirmConsentRefused(), nil
	}
	if a.screen == screenConsent && key.Matches(msg, a.km.OptOut) {
		// The opt-out is asked for on the call screen, where the person is.
		a.modals, a.screen = nil, screenCall
		a.call.sent = false
	}
	if a.modals.open() {
		var cmd tea.Cmd
		a.modals, cmd = a.modals.update(msg)
		return a, cmd
	}
	if a.screen == screenCall && key.Matches(msg, a.km.Language) && a.call.languageKey() {
		return a.switchPreLanguage(), nil
	}
	return a, a.toScreen(msg)
}

// typing reports whether the focused screen takes printable keys as input
// right now, so that ? types instead of opening the key list.
func (a interviewer) typing() bool {
	if a.modals.open() {
		return a.modals.typing()
	}
	switch a.screen {
	case screenSignIn:
		return a.signIn.Typing()
	case screenCall:
		return a.call.typing()
	case screenInterview:
		return a.iview.typing()
	}
	return false
}

// resized lays the screens out in the shell's frame, sized to the
// window.
func (a interviewer) resized(f Frame) room {
	a.frame = f
	a.resize()
	return a
}

// resize hands the frame's layout to the screens.
func (a *interviewer) resize() {
	a.signIn.SetSize(a.frame.ContentWidth(), a.frame.ForKeys(a.signIn.HelpKeys()).BodyHeight(signInTitle, signInHint))
	a.home.SetSize(a.frame.ContentWidth(), a.frame.ForKeys(a.home.HelpKeys()).BodyHeight(homeTitle, ""))
	if a.sess != nil {
		text, hint := a.call.Script()
		a.call.SetSize(a.frame.ContentWidth(), a.frame.ForKeys(a.call.HelpKeys()).BodyHeight(text, hint))
	}
	a.modals = a.modals.resized(a.frame.ContentWidth(), 4)
	if a.screen == screenInterview {
		a.iview.setFrame(a.frame, a.st)
	}
}

// restyled hands the shell's new styles, and its frame drawn with them,
// to the screens.
func (a interviewer) restyled(f Frame, st *Styles) room {
	a.frame, a.st = f, st
	a.signIn.SetStyles(a.st)
	a.home.SetStyles(a.st)
	if a.sess != nil {
		a.call.SetStyles(a.st)
	}
	a.modals = a.modals.restyled(a.st)
	if a.screen == screenInterview {
		a.iview.setFrame(a.frame, a.st)
	}
	return a
}

// Page is the focused screen's content for the frame.
func (a interviewer) Page() Page {
	if a.screen != screenSignIn {
		return a.consolePage()
	}
	page := Page{
		Header: Header{Title: "canvass", Section: "Sign in"},
		Text:   signInTitle,
		Hint:   signInHint,
		Body:   a.signIn.View(),
		Error:  a.signIn.Problem(),
		Keys:   a.signIn.HelpKeys(),
	}
	if a.held != nil {
		page.Notice = "Opening the store…"
	}
	if a.fatal != nil {
		page.Error = a.err
	}
	return page
}
