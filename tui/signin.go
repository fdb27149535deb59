package tui

import (
	"strings"
	"unicode"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// SignInMsg reports who signed in. The root remembers the interviewer (the
// store will keep them); the sign-in screen itself does no I/O.
type SignInMsg struct {
	ID   string
	Name string
}

// SignIn is the sign-in screen: the interviewer's id and name. Enter moves
// from the id to the name and signs in from the name; Tab and ↑/↓ move
// between the fields.
type SignIn struct {
	st            *Styles
	km            *keyMap
	fields        *[2]textinput.Model // id, name; see own
	focus         int
	err           string
	width, height int
	sent          bool
}

// The sign-in fields.
const (
	fieldID = iota
	fieldName
)

// NewSignIn builds the screen, prefilled with the last interviewer when
// known.
func NewSignIn(id, name string, st *Styles) SignIn {
	s := SignIn{st: st, km: newKeys(), fields: new([2]textinput.Model)}
	s.fields[fieldID] = newInput(st, "e.g. ana01")
	s.fields[fieldID].Prompt = "Interviewer id  › "
	s.fields[fieldID].CharLimit = 32
	s.fields[fieldID].SetValue(id)
	s.fields[fieldName] = newInput(st, "e.g. Ana Pereira")
	s.fields[fieldName].Prompt = "Your name       › "
	s.fields[fieldName].CharLimit = 80
	s.fields[fieldName].SetValue(name)
	s.fields[fieldName].Blur()
	if id != "" {
		s.setFocus(fieldName)
	}
	return s
}

// own gives s fields of its own before they change. The two text inputs
// are most of the console's model (16 KB), which Bubble Tea copies at
// every message, every session of a call room; held behind a pointer they
// are copied only while someone types on this screen, and copying them
// here keeps earlier copies of the screen as they were.
func (s *SignIn) own() {
	f := *s.fields
	s.fields = &f
}

func (s *SignIn) setFocus(i int) {
	s.fields[s.focus].Blur()
	s.focus = i
	s.fields[i].Focus()
	s.fields[i].CursorEnd()
}

// validID reports what is wrong with an interviewer id, or "".
func validID(id string) string {
	if id == "" {
		return "type your interviewer id"
	}
	for _, r := range id {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-", r)) {
			return "an interviewer id has letters, digits, . _ or - only"
		}
	}
	return ""
}

// Update handles a key.
func (s SignIn) Update(msg tea.Msg) (SignIn, tea.Cmd) {
	s.own()
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		s.fields[s.focus], cmd = s.fields[s.focus].Update(msg)
		return s, cmd
	}
	s.err = ""
	switch {
	case key.Matches(k, s.km.NextField):
		s.setFocus((s.focus + 1) % len(s.fields))
		return s, nil
	case key.Matches(k, s.km.Prev), key.Matches(k, s.km.Back) && s.focus > 0:
		s.setFocus((s.focus + len(s.fields) - 1) % len(s.fields))
		return s, nil
	case key.Matches(k, s.km.Confirm):
		id := strings.TrimSpace(s.fields[fieldID].Value())
		name := strings.Join(strings.Fields(s.fields[fieldName].Value()), " ")
		if e := validID(id); e != "" {
			s.err = e
			s.setFocus(fieldID)
			return s, nil
		}
		if s.focus == fieldID {
			s.setFocus(fieldName)
			return s, nil
		}
		if name == "" {
			s.err = "type your name as respondents will hear it"
			return s, nil
		}
		s.sent = true
		return s, emit(SignInMsg{ID: id, Name: name})
	}
	var cmd tea.Cmd
	s.fields[s.focus], cmd = s.fields[s.focus].Update(msg)
	return s, cmd
}

// The sign-in screen's heading and the explanation under it, for the
// frame.
const (
	signInTitle = "Sign in to start interviewing"
	signInHint  = "Your id is recorded with every answer and call you make."
)

// View draws the two fields.
func (s SignIn) View() string {
	var lines []string
	for i := range s.fields {
		lines = append(lines, fit(s.fields[i].View(), s.width))
	}
	return strings.Join(lines, "\n")
}

// SetSize sets the area the screen draws in. The console sets every
// screen's size at each change of screen: an unchanged size changes
// nothing, and copies no fields.
func (s *SignIn) SetSize(w, h int) {
	if w == s.width && h == s.height {
		return
	}
	s.width, s.height = w, h
	s.own()
	for i := range s.fields {
		s.fields[i].SetWidth(max(w-lipgloss.Width(s.fields[i].Prompt)-1, 1))
	}
}

// SetStyles switches to new styles.
func (s *SignIn) SetStyles(st *Styles) {
	if st == s.st {
		return
	}
	s.st = st
	s.own()
	for i := range s.fields {
		s.fields[i].SetStyles(st.inputStyles())
	}
}

// Problem is the inline error, if any.
func (s SignIn) Problem() string { return s.err }

// Pending reports whether the screen has sent SignInMsg and waits for the
// root to act on it.
func (s SignIn) Pending() bool { return s.sent }

// HelpKeys is the key map of what works now.
func (s SignIn) HelpKeys() help.KeyMap {
	k := s.km.base()
	off(&k.DontKnow, &k.Refused, &k.Note, &k.Language, &k.Suspend, &k.OptOut, &k.Back)
	on(&k.NextField)
	if s.focus == fieldID {
		k.Confirm.SetHelp("enter", "next")
	} else {
		k.Confirm.SetHelp("enter", "sign in")
	}
	return k
}

// Typing reports whether printable keys are taken as input: the focused
// field is not empty.
func (s SignIn) Typing() bool { return s.fields[s.focus].Value() != "" }

// untouched reports whether nothing was typed or sent yet, so that the
// remembered interviewer may still be filled in.
func (s SignIn) untouched() bool {
	return s.fields[fieldID].Value() == "" && s.fields[fieldName].Value() == "" && !s.sent
}
