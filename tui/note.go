package tui

import (
	"strings"

	"canvass/model"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// NextMsg reports that the interviewer went on from a note, which takes no
// answer.
type NextMsg struct{ Item string }

// NoteView shows a note (Enter continues), an acknowledge question (Enter
// acknowledges, recorded as ODK's "OK") or an item a terminal cannot
// capture (Enter skips it, recorded with the reason).
type NoteView struct {
	common
}

// NewNoteView builds the widget for a note, acknowledge or unsupported
// item.
func NewNoteView(sp Spec, st *Styles) NoteView {
	return NoteView{common: newCommon(sp, st)}
}

// Update handles a key.
func (n NoteView) Update(msg tea.Msg) (NoteView, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return n, nil
	}
	switch {
	case key.Matches(k, n.km.Back):
		return n, n.back()
	case key.Matches(k, n.km.Confirm):
		switch n.item.Type {
		case model.TypeAcknowledge:
			return n, n.send(AnswerMsg{Item: n.item.Name, Value: "OK"})
		case model.TypeUnsupported:
			return n, n.send(AnswerMsg{Item: n.item.Name, Special: model.Skipped,
				Reason: n.item.Unsupported + " cannot be captured on a terminal"})
		}
		return n, n.send(NextMsg{Item: n.item.Name})
	}
	return n, nil
}

// View draws what Enter will do.
func (n NoteView) View() string {
	st := n.st
	var lines []string
	switch n.item.Type {
	case model.TypeAcknowledge:
		lines = append(lines, st.Option.Render("Press enter to acknowledge."))
	case model.TypeUnsupported:
		lines = append(lines,
			st.Warning.Render(st.Marks.Warning+"This question needs a "+n.item.Unsupported+" answer, which a terminal cannot capture."),
			st.Option.Render("Press enter to skip it; the skip is recorded with the reason."))
	default:
		lines = append(lines, st.Muted.Render("Press enter to continue."))
	}
	for i := range lines {
		lines[i] = fit(lines[i], n.width)
	}
	return strings.Join(lines, "\n")
}

// SetStyles switches to new styles.
func (n *NoteView) SetStyles(st *Styles) { n.st = st }

// HelpKeys is the key map of what works now.
func (n NoteView) HelpKeys() help.KeyMap {
	k := n.km.base()
	switch n.item.Type {
	case model.TypeAcknowledge:
		k.Confirm.SetHelp("enter", "acknowledge")
	case model.TypeUnsupported:
		k.Confirm.SetHelp("enter", "skip")
	default:
		k.Confirm.SetHelp("enter", "continue")
	}
	return k
}

// Typing reports whether printable keys are taken as input: never.
func (n NoteView) Typing() bool { return false }

// YesNo is a yes/no prompt, for the repeat's "add another?" and for
// confirmations: y or n (or 1 or 2) answer at once; ←/→ and Enter answer
// with the highlighted one. Esc goes back without an answer.
type YesNo struct {
	common
	id       string
	question string
	yes      bool
	// undecided is set while neither answer is highlighted (a question
	// whose "no" records something, such as consent): enter alone then
	// answers nothing and says what to press, in choose.
	undecided bool
	choose    string
	// dialog is set when the prompt is a dialog ([confirmDialog]): it
	// answers with a dialogMsg then, never with an item's messages.
	dialog dialogID
}

// NewYesNo builds a prompt asking question; its answer comes back as a
// ConfirmMsg with id (esc as a BackMsg with id), the questionnaire item
// it asks. defaultYes highlights yes first.
func NewYesNo(id, question string, defaultYes bool, st *Styles) YesNo {
	it := &model.Item{Name: id, Type: model.TypeNote}
	return YesNo{common: newCommon(Spec{Item: it}, st), id: id, question: question, yes: defaultYes}
}

// Update handles a key.
func (y YesNo) Update(msg tea.Msg) (YesNo, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return y, nil
	}
	y.err = ""
	switch {
	case key.Matches(k, y.km.Back):
		if y.dialog != 0 {
			return y, y.send(dialogMsg{dialog: y.dialog, closed: true})
		}
		return y, y.send(BackMsg{Item: y.id})
	case key.Matches(k, y.km.Yes):
		return y, y.answer(true)
	case key.Matches(k, y.km.No):
		return y, y.answer(false)
	case y.undecided && key.Matches(k, y.km.Left, y.km.Up):
		y.undecided, y.yes = false, true
	case y.undecided && key.Matches(k, y.km.Right, y.km.Down):
		y.undecided, y.yes = false, false
	case key.Matches(k, y.km.Left, y.km.Right, y.km.Up, y.km.Down) || k.Code == tea.KeyTab:
		y.undecided, y.yes = false, !y.yes
	case key.Matches(k, y.km.Confirm):
		if y.undecided {
			y.err = y.choose
			return y, nil
		}
		return y, y.answer(y.yes)
	case isText(k):
		y.err = "press y for yes or n for no"
	}
	return y, nil
}

// answer reports the prompt's answer.
func (y *YesNo) answer(yes bool) tea.Cmd {
	if y.dialog != 0 {
		return y.send(dialogMsg{dialog: y.dialog, yes: yes})
	}
	return y.send(ConfirmMsg{ID: y.id, Yes: yes})
}

// View draws the question and the two answers, the highlighted one marked.
func (y YesNo) View() string {
	st := y.st
	button := func(label string, on bool) string {
		if on {
			return st.Cursor.Render(st.Marks.Cursor + label + " ")
		}
		return st.Option.Render(st.Marks.NoCursor + label + " ")
	}
	lines := wrap(y.question, y.width)
	for i := range lines {
		lines[i] = st.ReadAloud.Render(lines[i])
	}
	lines = append(lines, "", button("Yes (y)", y.yes && !y.undecided)+"   "+button("No (n)", !y.yes && !y.undecided))
	return strings.Join(lines, "\n")
}

// SetStyles switches to new styles.
func (y *YesNo) SetStyles(st *Styles) { y.st = st }

// HelpKeys is the key map of what works now.
func (y YesNo) HelpKeys() help.KeyMap {
	k := y.km.base()
	k.Left.SetHelp("←/→", "switch")
	on(&k.Yes, &k.No, &k.Left, &k.Right)
	k.Confirm.SetHelp("enter", "answer")
	if y.undecided {
		// Nothing is highlighted: enter answers only once an arrow has
		// chosen.
		k.Left.SetHelp("←/→", "choose")
		off(&k.Confirm)
	}
	return k
}

// Typing reports whether printable keys are taken as input: never.
func (y YesNo) Typing() bool { return false }

// SoftCheck is the dialog of a soft check (a warning): it shows the
// warning and the answer given, and going on past it needs a reason, which
// is recorded with the answer. Esc goes back to change the answer.
type SoftCheck struct {
	common
	message string
	value   string
	reason  textinput.Model
	// earlier is the reason given when this answer was confirmed before.
	earlier string
}

// NewSoftCheck builds the dialog for item's warning about value; message
// is the warning text to show (the item's warning_message, already in the
// interview's language and with fills applied by the engine).
func NewSoftCheck(it *model.Item, message, value string, st *Styles) SoftCheck {
	s := SoftCheck{common: newCommon(Spec{Item: it}, st), message: message, value: value}
	s.reason = newInput(st, "why the answer stands, e.g. respondent confirmed")
	return s
}

// keepReason fills the reason field with the one given when the same
// answer was confirmed before, for the interviewer to keep (enter) or
// change.
func (s *SoftCheck) keepReason(reason string) {
	s.earlier = reason
	s.reason.SetValue(reason)
	s.reason.CursorEnd()
}

// Update handles a key.
func (s SoftCheck) Update(msg tea.Msg) (SoftCheck, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, s.km.Back):
			return s, s.send(SoftCheckMsg{Item: s.item.Name})
		case key.Matches(k, s.km.Confirm):
			reason := strings.TrimSpace(s.reason.Value())
			if reason == "" {
				s.err = "type the reason for keeping this answer, or esc to change it"
				return s, nil
			}
			s.err = ""
			return s, s.send(SoftCheckMsg{Item: s.item.Name, Confirmed: true, Reason: reason})
		}
	}
	s.err = ""
	var cmd tea.Cmd
	s.reason, cmd = s.reason.Update(msg)
	return s, cmd
}

// View draws the warning box with the reason field.
func (s SoftCheck) View() string {
	st := s.st
	inner := max(s.width-4, 10)
	var lines []string
	for _, l := range wrap(st.Marks.Warning+s.message, inner) {
		lines = append(lines, st.Warning.Render(l))
	}
	lines = append(lines, st.Muted.Render("Answer: ")+st.Input.Render(s.value))
	if s.earlier != "" {
		lines = append(lines, st.Muted.Render("Kept before because: ")+st.Input.Render(s.earlier))
	}
	lines = append(lines, "",
		st.Prompt.Render("Keep it anyway? Reason:"),
		fit(s.reason.View(), inner),
	)
	return st.Dialog.Width(s.width).Render(strings.Join(lines, "\n"))
}

// SetSize sets the area the dialog draws in.
func (s *SoftCheck) SetSize(w, h int) {
	s.common.SetSize(w, h)
	s.reason.SetWidth(max(w-8, 1))
}

// SetStyles switches to new styles.
func (s *SoftCheck) SetStyles(st *Styles) {
	s.st = st
	s.reason.SetStyles(st.inputStyles())
}

// HelpKeys is the key map of what works now.
func (s SoftCheck) HelpKeys() help.KeyMap {
	k := s.km.base()
	off(&k.DontKnow, &k.Refused)
	k.Confirm.SetHelp("enter", "keep answer")
	k.Back.SetHelp("esc", "change answer")
	return k
}

// Typing reports whether printable keys are taken as input: always, the
// reason is typed.
func (s SoftCheck) Typing() bool { return s.reason.Value() != "" }
