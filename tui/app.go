package tui

import (
	"time"

	"canvass/model"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// App is the console's root model, the only tea.Model: it owns the styles,
// the frame and focus, hands window size and styles down to the screens,
// sends keys to the focused one and renders the frame around it.
//
// This version hosts the sign-in screen and then a [Preview] of a
// questionnaire; the interview screen takes the preview's place once the
// engine and the store are wired in.
type App struct {
	st      *Styles
	km      keyMap
	frame   Frame
	dark    bool
	noColor bool

	loc *time.Location // the zone dateTime answers are entered in

	screen  screen
	signIn  SignIn
	preview Preview
	who     SignInMsg
	allKeys bool
	// queue holds keys typed while the focused screen's result is on its
	// way (commands run concurrently with input): they are replayed, in
	// order, once the result has been acted on, so type-ahead lands on the
	// next question and never on the one just answered.
	queue []tea.KeyPressMsg
}

type screen int

const (
	screenSignIn screen = iota
	screenPreview
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

// NewPreview builds the console for previewing a questionnaire without the
// interview engine: sign in, then step through the items in file order
// (see [Preview]). Styles start dark with colour until the terminal says
// otherwise (tea.BackgroundColorMsg, and NO_COLOR in tea.EnvMsg).
func NewPreview(s *model.Survey, opts ...Option) App {
	a := App{dark: true, km: newKeyMap(), loc: time.UTC}
	a.st = NewStyles(a.dark, a.noColor)
	a.frame = NewFrame(a.st)
	a.signIn = NewSignIn("", "", a.st)
	for _, o := range opts {
		o(&a)
	}
	a.preview = newPreview(s, a.st, a.frame, a.loc)
	a.resize()
	return a
}

// Init asks the terminal for its background colour, to pick the palette.
func (a App) Init() tea.Cmd { return tea.RequestBackgroundColor }

// Update routes a message: sizes and colours to every screen, keys to the
// focused one, screens' messages to whoever acts on them.
func (a App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
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
		if key.Matches(msg, a.km.Quit) {
			return a, tea.Quit
		}
		if a.busy() {
			a.queue = append(a.queue, msg)
			return a, nil
		}
		return a.handleKey(msg)
	case SignInMsg:
		a.who = msg
		a.screen = screenPreview
		return a.drain(nil)
	}
	var cmd tea.Cmd
	switch a.screen {
	case screenSignIn:
		a.signIn, cmd = a.signIn.Update(msg)
	case screenPreview:
		a.preview, cmd = a.preview.Update(msg)
	}
	return a.drain(cmd)
}

// busy reports whether the focused screen has sent a result not yet acted
// on.
func (a App) busy() bool {
	if a.screen == screenSignIn {
		return a.signIn.Pending()
	}
	return a.preview.pending()
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
	var cmd tea.Cmd
	switch a.screen {
	case screenSignIn:
		a.signIn, cmd = a.signIn.Update(msg)
	case screenPreview:
		a.preview, cmd = a.preview.Update(msg)
	}
	return a, cmd
}

// typing reports whether the focused screen takes printable keys as input
// right now, so that ? types instead of opening the key list.
func (a App) typing() bool {
	if a.screen == screenSignIn {
		return a.signIn.Typing()
	}
	return a.preview.typing()
}

// resize hands the frame's layout to the screens.
func (a *App) resize() {
	a.signIn.SetSize(a.frame.ContentWidth(), a.frame.BodyHeight(signInTitle, signInHint))
	a.preview.setFrame(a.frame, a.st)
}

// restyle rebuilds the styles for the background and NO_COLOR and hands
// them down.
func (a *App) restyle() {
	a.st = NewStyles(a.dark, a.noColor)
	a.frame.SetStyles(a.st)
	a.signIn.SetStyles(a.st)
	a.preview.setFrame(a.frame, a.st)
}

// View renders the focused screen in the frame, full-window.
func (a App) View() tea.View {
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
	case screenPreview:
		page = a.preview.Page(a.who.Name)
	}
	page.AllKeys = a.allKeys
	if page.Keys == nil {
		page.Keys = help.KeyMap(a.km.base())
	}
	v := tea.NewView(a.frame.View(page))
	v.AltScreen = true
	v.WindowTitle = "canvass"
	return v
}
