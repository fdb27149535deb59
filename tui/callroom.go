package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// The consoles in the call room (canvass serve): where each interviewer
// is, for the supervisors' monitor, and messages from a supervisor.

// Presence is where an interviewer console is: its screen, and the
// survey, contact (by sample id, never a phone or a name) and interview
// it is on.
type Presence struct {
	Screen    string `json:"screen"`
	Survey    string `json:"survey,omitempty"`
	Contact   string `json:"contact,omitempty"`
	Interview string `json:"interview,omitempty"`
}

// screenNames are the presences' names of the console's screens.
var screenNames = [...]string{screenSignIn: "sign-in", screenHome: "home", screenCall: "call",
	screenConsent: "consent", screenInterview: "interview", screenClosing: "closing"}

// presence is where the console is now.
func (a interviewer) presence() Presence {
	p := Presence{Screen: screenNames[a.screen]}
	if a.sess != nil && a.screen != screenHome && a.screen != screenSignIn {
		p.Survey, p.Contact = a.sess.survey.ID, a.sess.contact.ID
	}
	if a.screen == screenInterview && !a.iview.done {
		p.Interview = a.iview.id
	}
	return p
}

// reportPresence tells Console.Presence where the console is, when that
// changed, in a command of its own.
func (a interviewer) reportPresence(cmd tea.Cmd) (room, tea.Cmd) {
	hook := a.cfg.Presence
	if hook == nil {
		return a, cmd
	}
	p := a.presence()
	if p == a.reported {
		return a, cmd
	}
	a.reported = p
	return a, tea.Batch(cmd, func() tea.Msg { hook(p); return nil })
}

// MessageMsg is a message to the person at this console from a
// supervisor (or from the call room itself, as it closes). The shell
// shows it over whatever room is open until the next key.
type MessageMsg struct {
	From string
	Text string
	At   time.Time
}

// MonitorSession is one console signed in to the call room.
type MonitorSession struct {
	Account string `json:"account"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	Presence
	// Since is when the console came to where it is; Connected when the
	// session began.
	Since     time.Time `json:"since"`
	Connected time.Time `json:"connected"`
}

// MonitorCount is one interviewer's work this shift.
type MonitorCount struct {
	Account   string `json:"account"`
	Calls     int    `json:"calls"`
	Completes int    `json:"completes"`
}

// MonitorMsg is the call room as it is now, pushed to the supervisors'
// consoles whenever it changes: nobody polls the store for it.
type MonitorMsg struct {
	At         time.Time
	ShiftStart time.Time
	Sessions   []MonitorSession
	Shift      []MonitorCount
}

// Monitor is what the supervisor console needs to monitor a call room:
// sending a message to one interviewer's consoles, or to every
// interviewer's when to is "".
type Monitor struct {
	Send func(to, text string) error
}

// messageSentMsg reports a message sent from the monitor.
type messageSentMsg struct {
	seq int
	to  string
	err error
}

// monitorView is the monitor screen of the supervisor console: who is
// signed in, where, since when; the interviews in progress; each
// interviewer's calls and completes this shift.
type monitorView struct {
	st     *Styles
	km     reviewKeys
	mine   *time.Location
	data   MonitorMsg
	cursor int
	width  int
	height int
	modals modals
	// to is the account the message being typed goes to ("" all).
	to string
}

func newMonitorView(st *Styles, mine *time.Location) monitorView {
	return monitorView{st: st, km: newReviewKeys(), mine: mine}
}

// interviewers are the sessions of interviewers, the ones messages go to.
func (m monitorView) interviewers() []MonitorSession {
	var out []MonitorSession
	for _, s := range m.data.Sessions {
		if s.Role != "supervisor" {
			out = append(out, s)
		}
	}
	return out
}

// update handles a key; it returns a message to send (its text and
// account) when one was typed, and back when esc leaves the monitor.
func (m monitorView) update(msg tea.Msg) (monitorView, tea.Cmd, bool) {
	if m.modals.open() {
		var cmd tea.Cmd
		m.modals, cmd = m.modals.update(msg)
		return m, cmd, false
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil, false
	}
	ivs := m.interviewers()
	switch {
	case key.Matches(k, m.km.Back):
		return m, nil, true
	case key.Matches(k, m.km.Up):
		if k.Code == tea.KeyUp {
			m.cursor = max(m.cursor-1, 0)
		} else {
			m.cursor = min(m.cursor+1, max(len(ivs)-1, 0))
		}
	case key.Matches(k, m.km.SendOne) && len(ivs) > 0:
		m.to = ivs[min(m.cursor, len(ivs)-1)].Account
		m.modals = m.modals.push(newNoteEntry(dialogMessage, "Message to "+m.to+":", "what to tell them", "", "type the message", "send", m.width, m.st))
	case key.Matches(k, m.km.SendAll) && len(ivs) > 0:
		m.to = ""
		m.modals = m.modals.push(newNoteEntry(dialogMessage, "Message to every interviewer:", "what to tell them", "", "type the message", "send", m.width, m.st))
	}
	return m, nil, false
}

// view draws the monitor.
func (m monitorView) view() string {
	st := m.st
	var lines []string
	add := func(s string) { lines = append(lines, s) }
	if m.data.At.IsZero() {
		return st.Muted.Render("Waiting for the call room…")
	}
	inProgress := 0
	for _, s := range m.data.Sessions {
		if s.Interview != "" {
			inProgress++
		}
	}
	add(st.Section.Render(fmt.Sprintf("Signed in: %d · interviews in progress: %d", len(m.data.Sessions), inProgress)))
	add(st.Muted.Render(fmt.Sprintf("  %-12s %-20s %-11s %-16s %-10s %s", "account", "name", "screen", "survey", "contact", "since")))
	ivs := m.interviewers()
	row := 0
	for _, s := range m.data.Sessions {
		line := fmt.Sprintf("%-12s %-20s %-11s %-16s %-10s %s", cutTo(s.Account, 12), cutTo(s.Name, 20), s.Screen,
			cutTo(s.Survey, 16), cutTo(s.Contact, 10), s.Since.In(m.mine).Format("15:04:05"))
		if s.Role == "supervisor" {
			add("  " + st.Muted.Render(line))
			continue
		}
		if row == min(m.cursor, len(ivs)-1) {
			add(st.Cursor.Render(st.Marks.Cursor + line))
		} else {
			add(st.Option.Render(st.Marks.NoCursor + line))
		}
		row++
	}
	add("")
	add(st.Section.Render("This shift, since " + m.data.ShiftStart.In(m.mine).Format("Mon 15:04")))
	if len(m.data.Shift) == 0 {
		add(st.Muted.Render("  no calls yet"))
	}
	for _, c := range m.data.Shift {
		add(st.Option.Render(fmt.Sprintf("  %-12s %4d call%s  %4d complete%s", cutTo(c.Account, 12), c.Calls, pluralS(c.Calls), c.Completes, pluralS(c.Completes))))
	}
	if len(lines) > m.height && m.height > 0 {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

// helpKeys are the monitor's keys that work now.
func (m monitorView) helpKeys() help.KeyMap {
	k := m.km.none()
	on(&k.Back)
	k.Back.SetHelp("esc", "back to the list")
	if len(m.interviewers()) > 0 {
		on(&k.Up, &k.SendOne, &k.SendAll)
	}
	return k
}

// sendMessage sends text to to from the monitor, in a command.
func sendMessage(mon *Monitor, seq int, to, text string) tea.Cmd {
	return func() tea.Msg { return messageSentMsg{seq: seq, to: to, err: mon.Send(to, text)} }
}
