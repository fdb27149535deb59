package tui

import (
	"fmt"
	"strings"

	"canvass/model"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// jumpList is the dialog of F9 in the questionnaire: the questions
// reached so far, in route order, with their answers, to go back to one
// directly. ↑/↓ (and PgUp/PgDn, Home/End) move, enter goes there, esc
// stays. Going there keeps every answer; the route is what they make it.
type jumpList struct {
	st            *Styles
	km            keyMap
	stops         []model.Stop
	answer        func(model.Stop) string // an answer as the interviewer reads it
	cursor, top   int
	width, height int
	sent          bool
}

// newJumpList lists stops, the cursor on the current one.
func newJumpList(stops []model.Stop, answer func(model.Stop) string, st *Styles) jumpList {
	j := jumpList{st: st, km: newKeyMap(), stops: stops, answer: answer, width: 78, height: 10}
	for i, s := range stops {
		if s.Current {
			j.cursor = i
		}
	}
	return j
}

func (j jumpList) id() dialogID { return dialogJump }

func (j jumpList) update(msg tea.Msg) (modal, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || j.sent {
		return j, nil
	}
	rows := max(j.height-2, 1)
	switch {
	case key.Matches(k, j.km.Back), key.Matches(k, j.km.Jump):
		j.sent = true
		return j, emit(dialogMsg{dialog: dialogJump, closed: true})
	case key.Matches(k, j.km.Confirm):
		j.sent = true
		return j, emit(dialogMsg{dialog: dialogJump, choice: j.cursor})
	case key.Matches(k, j.km.Up):
		j.cursor = max(j.cursor-1, 0)
	case key.Matches(k, j.km.Down):
		j.cursor = min(j.cursor+1, len(j.stops)-1)
	case key.Matches(k, j.km.PageUp):
		j.cursor = max(j.cursor-rows, 0)
	case key.Matches(k, j.km.PageDown):
		j.cursor = min(j.cursor+rows, len(j.stops)-1)
	case key.Matches(k, j.km.Home):
		j.cursor = 0
	case key.Matches(k, j.km.End):
		j.cursor = len(j.stops) - 1
	}
	return j, nil
}

func (j jumpList) view() string {
	st := j.st
	lines := []string{st.Prompt.Render("Go to a question reached so far (its answer and every later one are kept):"), ""}
	rows := max(j.height-2, 1)
	j.top = window(len(j.stops), rows, j.cursor, j.top)
	for i := j.top; i < min(j.top+rows, len(j.stops)); i++ {
		s := j.stops[i]
		label := s.Label
		if label == "" {
			label = s.Item
		}
		ans := j.answer(s)
		if s.Current {
			ans += " (here now)"
		}
		row := fmt.Sprintf("%d. %s", i+1, strings.Join(strings.Fields(label), " "))
		mark, style := st.Marks.NoCursor, st.Option
		if i == j.cursor {
			mark, style = st.Marks.Cursor, st.Cursor
		}
		lines = append(lines, fit(style.Render(mark+row)+st.Muted.Render("  "+ans), j.width))
	}
	return strings.Join(lines, "\n")
}

func (j jumpList) keys() help.KeyMap {
	k := j.km.base()
	off(&k.DontKnow, &k.Refused, &k.Note, &k.Language, &k.Suspend, &k.OptOut)
	on(&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Home, &k.End)
	k.Confirm.SetHelp("enter", "go there")
	k.Back.SetHelp("esc", "stay here")
	return k
}

func (j jumpList) problem() string                 { return "" }
func (j jumpList) heading() (string, string, bool) { return "", "", false }
func (j jumpList) pending() bool                   { return j.sent }
func (j jumpList) typing() bool                    { return false }

func (j jumpList) retry() modal {
	j.sent = false
	return j
}

func (j jumpList) resized(w, h int) modal {
	j.width, j.height = w, h
	return j
}

func (j jumpList) restyled(st *Styles) modal {
	j.st = st
	return j
}
