package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// App is the root model of every console, the only tea.Model in canvass,
// and a shell: it owns the styles (the terminal's background colour,
// NO_COLOR), the frame and the window size, the help (the key list and
// the help line's defaults), quitting and type-ahead, and hosts one
// console, its room, to which it hands every other message.
//
// [NewConsole] builds it over the working interviewer console,
// [NewSupervisor] over the supervisor console and [NewDashboardApp] over
// the progress dashboard on its own. Everything it shows it learns from
// its constructor and from the messages its program sends it (the window
// size, the background colour, the environment, the colour profile),
// never from the process, so that a server builds one per session.
type App struct {
	room  room
	title string // the terminal window's title

	st    *Styles
	km    *keyMap
	frame Frame
	dark  bool
	// noColor is NO_COLOR in the program's environment; colourless is a
	// terminal that shows no colour (its profile is ASCII, or it is no
	// terminal): either draws with the colourless palette.
	noColor, colourless bool

	// quitKey quits from anywhere (^C; q too on the dashboard alone).
	quitKey key.Binding
	// listTakesAll makes every key only close the key list; otherwise
	// help and back only close it, and any other key goes on to the room.
	listTakesAll bool
	allKeys      bool
	// queue holds keys typed while the room is busy (its result is on
	// its way: commands run concurrently with input): they are replayed,
	// in order, once the result has been acted on, so type-ahead lands on
	// the next question and never on the one just answered.
	queue []tea.KeyPressMsg
	// message is a supervisor's message to this console, shown over the
	// room until the next key.
	message *MessageMsg
}

// room is a console the shell hosts: the interviewer console, the
// supervisor console, or the dashboard on its own. The shell hands it
// the frame and styles, and every message it does not keep; the room
// owns its screens, its dialogs and its store requests.
type room interface {
	// Init is the room's first command (the shell asks for the colours).
	Init() tea.Cmd
	// Update handles a message: a key the shell does not keep, or
	// anything else the program sends.
	Update(tea.Msg) (room, tea.Cmd)
	// Page is what the frame shows.
	Page() Page
	// resized lays the room out in the shell's frame, sized to the
	// window; restyled takes the shell's new styles and the frame drawn
	// with them.
	resized(Frame) room
	restyled(Frame, *Styles) room
	// busy reports whether a result of the room is on its way: keys wait
	// until it has been acted on. saving reports whether what is on its
	// way is an answer that quitting must wait for too.
	busy() bool
	saving() bool
	// typing reports whether printable keys are input right now, so
	// that ? types instead of opening the key list.
	typing() bool
	// quit is the quit key: quit, or ask first.
	quit() (room, tea.Cmd)
}

// newApp is a shell titled title with default styles (dark, with colour)
// and an 80×24 frame until the terminal says otherwise; the caller puts
// the room in it, built with its styles and frame.
func newApp(title string) App {
	a := App{title: title, dark: true, km: newKeys()}
	a.quitKey = a.km.Quit
	a.st = NewStyles(a.dark, a.noColor)
	a.frame = NewFrame(a.st)
	return a
}

// Init asks the terminal for its background colour, to pick the
// palette, and starts the room.
func (a App) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, a.room.Init())
}

// Update keeps the window size, the colours, quitting, the key list and
// type-ahead, and hands everything else to the room.
func (a App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.frame.SetSize(msg.Width, msg.Height)
		a.room = a.room.resized(a.frame)
		return a, nil
	case tea.BackgroundColorMsg:
		a.dark = msg.IsDark()
		return a.restyle(), nil
	case tea.EnvMsg:
		a.noColor = msg.Getenv("NO_COLOR") != ""
		return a.restyle(), nil
	case tea.ColorProfileMsg:
		a.colourless = msg.Profile == colorprofile.NoTTY || msg.Profile == colorprofile.ASCII
		return a.restyle(), nil
	case MessageMsg:
		a.message = &msg
		return a, nil
	case tea.KeyPressMsg:
		a.message = nil
		if a.quits(msg) && !a.room.saving() {
			return a.quit()
		}
		if a.room.busy() {
			a.queue = append(a.queue, msg)
			return a, nil
		}
		return a.handleKey(msg)
	}
	r, cmd := a.room.Update(msg)
	a.room = r
	return a.drain(cmd)
}

// restyle rebuilds the styles for the background and for colour (or
// none) and hands them down.
func (a App) restyle() App {
	a.st = NewStyles(a.dark, a.noColor || a.colourless)
	a.frame.SetStyles(a.st)
	a.room = a.room.restyled(a.frame, a.st)
	return a
}

// quit hands the quit key to the room.
func (a App) quit() (App, tea.Cmd) {
	r, cmd := a.room.quit()
	a.room = r
	return a, cmd
}

// drain replays the keys held back while the room was busy, until it is
// busy again or none are left.
func (a App) drain(cmd tea.Cmd) (App, tea.Cmd) {
	cmds := []tea.Cmd{cmd}
	for len(a.queue) > 0 && !a.room.busy() {
		k := a.queue[0]
		a.queue = a.queue[1:]
		var c tea.Cmd
		a, c = a.handleKey(k)
		cmds = append(cmds, c)
	}
	return a, tea.Batch(cmds...)
}

// quits reports whether msg is the quit key; Esc, which quits the
// dashboard alone, first closes the key list when it is shown.
func (a App) quits(msg tea.KeyPressMsg) bool {
	if a.allKeys && key.Matches(msg, a.km.Back) {
		return false
	}
	return key.Matches(msg, a.quitKey)
}

// handleKey keeps quitting and the key list, and hands the other keys to
// the room.
func (a App) handleKey(msg tea.KeyPressMsg) (App, tea.Cmd) {
	if a.quits(msg) {
		return a.quit() // held back while an answer was being saved
	}
	if a.allKeys {
		// Any key closes the list; only the list's own keys stop there.
		a.allKeys = false
		if a.listTakesAll || key.Matches(msg, a.km.Help, a.km.Back) {
			return a, nil
		}
	} else if key.Matches(msg, a.km.Help) && (msg.Code == tea.KeyF1 || !a.room.typing()) {
		a.allKeys = true
		return a, nil
	}
	r, cmd := a.room.Update(msg)
	a.room = r
	return a, cmd
}

// View renders the room's page in the frame, full-window, or the list
// of every key that works on it.
func (a App) View() tea.View {
	page := a.room.Page()
	page.AllKeys = a.allKeys
	if m := a.message; m != nil {
		page.Warning = "Message from " + m.From + " (" + m.At.Format("15:04") + "): " + m.Text
	}
	if page.Keys == nil {
		page.Keys = help.KeyMap(a.km.base())
	}
	return fullWindow(a.frame.View(page), a.title)
}

// fullWindow is a view of content on the alternate screen, with the
// terminal window's title.
func fullWindow(content, title string) tea.View {
	v := tea.NewView(content)
	v.AltScreen = true
	v.WindowTitle = title
	return v
}
