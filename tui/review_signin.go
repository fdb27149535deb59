package tui

import (
	"canvass/store"

	tea "charm.land/bubbletea/v2"
)

// The supervisor is remembered on this machine as the interviewer is:
// the sign-in is prefilled with who signed in last. The record is kept
// apart from the interviewer's, so that a supervisor reviewing on an
// interviewer's machine does not become the interviewer the working
// console offers next.

// lastSupervisorMsg brings the supervisor remembered on this machine.
type lastSupervisorMsg struct {
	who store.InterviewerRecord
	err error
}

// rememberedMsg reports that remembering the supervisor failed.
type rememberedMsg struct{ err error }

// loadLastSupervisor reads who signed in last.
func loadLastSupervisor(be ReviewBackend) tea.Cmd {
	return func() tea.Msg {
		who, err := be.LastSupervisor()
		return lastSupervisorMsg{who: who, err: err}
	}
}

// rememberSupervisor keeps who for the next sign-in.
func rememberSupervisor(be ReviewBackend, who SignInMsg) tea.Cmd {
	return func() tea.Msg {
		if err := be.SetSupervisor(who.ID, who.Name); err != nil {
			return rememberedMsg{err: err}
		}
		return nil
	}
}

// handleLastSupervisor prefills the sign-in with the remembered
// supervisor, unless the supervisor has started typing or a read failed
// (then the sign-in simply stays empty).
func (a supervisor) handleLastSupervisor(msg lastSupervisorMsg) supervisor {
	if msg.err == nil && msg.who.ID != "" && a.screen == reviewSignIn && a.signIn.untouched() {
		a.signIn = newSupervisorSignIn(msg.who.ID, msg.who.Name, a.st)
		a.resize()
	}
	return a
}
