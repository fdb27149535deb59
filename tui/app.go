package tui

import (
	"time"

	"canvass/model"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// App is the root model of every console, the only tea.Model in canvass:
// it owns the styles, the frame and focus, hands window size and styles
// down to the screens, sends keys to the focused one and renders the
// frame around it, full-window.
//
// Built with [NewConsole] it is the working interviewer console: sign-in,
// home, the call screen, consent, the questionnaire and the closing
// script, over a [Backend] (the store), whose every call runs in a
// tea.Cmd. Built with [NewSupervisor] it hosts the supervisor console,
// and with [NewDashboardApp] the progress dashboard on its own.
type App struct {
	kind    rootKind
	st      *Styles
	km      keyMap
	frame   Frame
	dark    bool
	noColor bool

	loc *time.Location // the zone dateTime answers are entered in

	screen  screen
	signIn  SignIn
	who     SignInMsg
	allKeys bool
	// queue holds keys typed while the focused screen's result is on its
	// way (commands run concurrently with input): they are replayed, in
	// order, once the result has been acted on, so type-ahead lands on the
	// next question and never on the one just answered.
	queue []tea.KeyPressMsg

	console

	// The hosted consoles, behind pointers so that an App stays the size
	// of the interviewer console's state when it is copied (every Update
	// returns one). Each is copied before it is changed, so an App value
	// keeps its own: see updateSupervisor and updateDashboard.
	sup  *supervisor // the supervisor console (hostSupervisor)
	dash *Dashboard  // the standalone dashboard (hostDashboard)
}

// rootKind is which console an App is.
type rootKind int

const (
	hostInterviewer rootKind = iota // the interviewer console
	hostSupervisor                  // the supervisor console: sup
	hostDashboard                   // the dashboard on its own: dash
)

// newHost is the root of a console with default styles (dark, with
// colour) and an empty frame, before its children are built.
func newHost(k rootKind) App {
	a := App{kind: k, dark: true, km: newKeyMap(), loc: time.UTC}
	a.st = NewStyles(a.dark, a.noColor)
	a.frame = NewFrame(a.st)
	return a
}

// console is the state of the interviewer console.
type console struct {
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

	home    Home
	sess    *session
	pre     *model.Interview // for the intro's and consent's fills
	call    Call
	iview   Interview
	closing string
	closeSv string
	lastSv  string
	// modals are the console's own dialogs: the consent question (or
	// the opt-out offered when it was refused) on the consent screen,
	// the quit question over an interview.
	modals modals
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

// Option configures an App.
type Option func(*App)

// WithInterviewer prefills the sign-in screen with the last interviewer.
func WithInterviewer(id, name string) Option {
	return func(a *App) { a.signIn = NewSignIn(id, name, a.st) }
}

// WithLocation sets the time zone dateTime answers are entered in
// (default UTC; the command line passes the local zone).
func WithLocation(loc *time.Location) Option {
	return func(a *App) { a.loc = loc }
}

// Init asks the terminal for its background colour, to pick the palette;
// the console also starts its clock and reads who signed in last on this
// machine, after opening the store when it is not open yet.
func (a App) Init() tea.Cmd {
	switch a.kind {
	case hostSupervisor:
		return tea.Batch(tea.RequestBackgroundColor, a.sup.Init())
	case hostDashboard:
		return tea.Batch(tea.RequestBackgroundColor, a.dash.Init())
	}
	return tea.Batch(tea.RequestBackgroundColor, tick(), a.startStore())
}

// startStore is the console's first store command: the sign-in screen's
// prefill, read once the store is open (opening it first when it is not).
func (a App) startStore() tea.Cmd {
	if a.be == nil {
		return openStore(a.open)
	}
	return lastWho(a.be)
}

// Update routes a message: sizes and colours to every screen, keys to the
// focused one, screens' messages to whoever acts on them.
func (a App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch a.kind {
	case hostSupervisor:
		return a.updateSupervisor(msg)
	case hostDashboard:
		return a.updateDashboard(msg)
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.frame.SetSize(msg.Width, msg.Height)
		a.resize()
		return a, nil
	case tea.BackgroundColorMsg:
		a.dark = msg.IsDark()
		a.restyle()
		return a, nil
	case tea.EnvMsg:
		a.noColor = msg.Getenv("NO_COLOR") != ""
		a.restyle()
		return a, nil
	case tea.KeyPressMsg:
		if key.Matches(msg, a.km.Quit) && !a.saving() {
			return a.handleQuit()
		}
		if a.busy() {
			a.queue = append(a.queue, msg)
			return a, nil
		}
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
		return m.drain(cmd)
	}
	return a.drain(a.toScreen(msg))
}

// toScreen hands a message to the focused screen.
func (a *App) toScreen(msg tea.Msg) tea.Cmd {
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
func (a App) saving() bool {
	return a.be != nil && a.screen == screenInterview && a.iview.saving && a.iview.saveErr == ""
}

// busy reports whether the focused screen has sent a result not yet acted
// on, or the console waits for the store.
func (a App) busy() bool {
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

// drain replays the keys held back while the screen was busy, until it is
// busy again or none are left.
func (a App) drain(cmd tea.Cmd) (tea.Model, tea.Cmd) {
	cmds := []tea.Cmd{cmd}
	for len(a.queue) > 0 && !a.busy() {
		k := a.queue[0]
		a.queue = a.queue[1:]
		m, c := a.handleKey(k)
		a = m.(App)
		cmds = append(cmds, c)
	}
	return a, tea.Batch(cmds...)
}

func (a App) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if key.Matches(msg, a.km.Quit) {
		return a.handleQuit() // held back while an answer was being saved
	}
	if a.allKeys {
		// Any key closes the list; only the list's own keys stop there.
		a.allKeys = false
		if key.Matches(msg, a.km.Help, a.km.Back) {
			return a, nil
		}
	} else if key.Matches(msg, a.km.Help) && (msg.Code == tea.KeyF1 || !a.typing()) {
		a.allKeys = true
		return a, nil
	}
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
func (a App) typing() bool {
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

// resize hands the frame's layout to the screens.
func (a *App) resize() {
	a.signIn.SetSize(a.frame.ContentWidth(), a.frame.BodyHeight(signInTitle, signInHint))
	a.home.SetSize(a.frame.ContentWidth(), a.frame.BodyHeight(homeTitle, ""))
	if a.sess != nil {
		text, hint := a.call.Script()
		a.call.SetSize(a.frame.ContentWidth(), a.frame.BodyHeight(text, hint))
	}
	a.modals = a.modals.resized(a.frame.ContentWidth(), 4)
	if a.screen == screenInterview {
		a.iview.setFrame(a.frame, a.st)
	}
}

// restyle rebuilds the styles for the background and NO_COLOR and hands
// them down.
func (a *App) restyle() {
	a.st = NewStyles(a.dark, a.noColor)
	a.frame.SetStyles(a.st)
	a.signIn.SetStyles(a.st)
	a.home.SetStyles(a.st)
	if a.sess != nil {
		a.call.SetStyles(a.st)
	}
	a.modals = a.modals.restyled(a.st)
	if a.screen == screenInterview {
		a.iview.setFrame(a.frame, a.st)
	}
}

// View renders the focused screen in the frame, full-window.
func (a App) View() tea.View {
	switch a.kind {
	case hostSupervisor:
		return fullWindow(a.sup.View(), "canvass review")
	case hostDashboard:
		return fullWindow(a.frame.View(a.dashboardPage()), "canvass dashboard")
	}
	var page Page
	switch a.screen {
	case screenSignIn:
		page = Page{
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
	default:
		page = a.consolePage()
	}
	page.AllKeys = a.allKeys
	if page.Keys == nil {
		page.Keys = help.KeyMap(a.km.base())
	}
	return fullWindow(a.frame.View(page), "canvass")
}

// fullWindow is a view of content on the alternate screen, with the
// terminal window's title.
func fullWindow(content, title string) tea.View {
	v := tea.NewView(content)
	v.AltScreen = true
	v.WindowTitle = title
	return v
}

// updateSupervisor hosts the supervisor console: the root keeps the
// window size and colours and hands them down; everything else, keys
// included, goes to the console, which owns its focus, its requests and
// its type-ahead.
func (a App) updateSupervisor(msg tea.Msg) (tea.Model, tea.Cmd) {
	sup := *a.sup // a's own copy: the App this one came from keeps its console
	a.sup = &sup
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.frame.SetSize(msg.Width, msg.Height)
		a.sup.setFrame(a.frame)
		return a, nil
	case tea.BackgroundColorMsg:
		a.dark = msg.IsDark()
		a.restyleSupervisor()
		return a, nil
	case tea.EnvMsg:
		a.noColor = msg.Getenv("NO_COLOR") != ""
		a.restyleSupervisor()
		return a, nil
	}
	var cmd tea.Cmd
	*a.sup, cmd = a.sup.Update(msg)
	return a, cmd
}

// restyleSupervisor rebuilds the styles and hands them and the restyled
// frame to the supervisor console.
func (a *App) restyleSupervisor() {
	a.st = NewStyles(a.dark, a.noColor)
	a.frame.SetStyles(a.st)
	a.sup.setStyles(a.st, a.frame)
}
