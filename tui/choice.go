package tui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// ChoiceList answers a select_one question: type an option's number (or
// code) and Enter, or move with the arrows and Enter. Long lists scroll
// within the height. An or_other question asks for the specify text when
// "other" is chosen.
type ChoiceList struct {
	common
	list options
	// chosen is the current answer, marked when returning to the question.
	chosen int
	other  specify
}

// NewChoiceList builds the widget for a select_one item.
func NewChoiceList(sp Spec, st *Styles) ChoiceList {
	c := ChoiceList{common: newCommon(sp, st), list: newOptions(sp.Choices, sp.Item.OrOther),
		other: newSpecify(st, sp.Other)}
	c.chosen = c.list.index(sp.Value)
	if c.chosen >= 0 {
		c.list.cur = c.chosen
	}
	return c
}

// Update handles a key: typing a code, moving, choosing, the answer keys.
func (c ChoiceList) Update(msg tea.Msg) (ChoiceList, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if isKey {
		if cmd, ok := c.special(k); ok {
			return c, cmd
		}
	}
	if c.other.open {
		return c, c.other.update(&c.common, msg, otherName,
			"type what the respondent said, or esc to choose another option")
	}
	if !isKey {
		return c, nil
	}
	return c.handleKey(k)
}

func (c ChoiceList) handleKey(msg tea.KeyPressMsg) (ChoiceList, tea.Cmd) {
	c.err = ""
	switch {
	case key.Matches(msg, c.km.Back):
		if c.list.typed != "" {
			c.list.typed = ""
			return c, nil
		}
		return c, c.back()
	case c.list.navigate(msg, &c.km, c.height-1):
		return c, nil
	case key.Matches(msg, c.km.Confirm):
		i, err := c.list.resolve()
		if err != "" {
			c.err = err
			return c, nil
		}
		if c.list.opts[i].Name == otherName && c.item.OrOther {
			c.other.show()
			return c, nil
		}
		return c, c.send(AnswerMsg{Item: c.item.Name, Value: c.list.opts[i].Name})
	case msg.Code == tea.KeyBackspace:
		c.list.erase()
		return c, nil
	case isText(msg) && msg.Text != " ":
		c.err = c.list.typeText(msg.Text)
		return c, nil
	}
	return c, nil
}

// View draws the options, the highlighted one marked, and the specify
// field when it is open.
func (c ChoiceList) View() string {
	rows := c.list.rows(&c.common, max(c.height-c.other.lines(), 2), func(i int) string {
		if i == c.chosen {
			return c.st.Marks.Chosen
		}
		return c.st.Marks.Unchosen
	})
	rows = append(rows, c.other.view(c.st, c.width)...)
	return strings.Join(rows, "\n")
}

// SetSize sets the area the list draws in.
func (c *ChoiceList) SetSize(w, h int) {
	c.common.SetSize(w, h)
	c.other.in.SetWidth(max(w-4, 1))
}

// SetStyles switches to new styles (the background changed).
func (c *ChoiceList) SetStyles(st *Styles) {
	c.st = st
	c.other.in.SetStyles(st.inputStyles())
}

// Typing reports whether printable keys are taken as input right now.
func (c ChoiceList) Typing() bool { return c.other.typing() || c.list.typed != "" }

// HelpKeys is the key map of what works now.
func (c ChoiceList) HelpKeys() help.KeyMap {
	k := c.km.base()
	if c.other.open {
		k.Confirm.SetHelp("enter", "done")
		k.Back.SetHelp("esc", "other option")
		return k
	}
	if len(c.list.opts) == 0 {
		return k
	}
	k.Type.SetHelp(typeHelp(&c.list), "choose")
	k.Confirm.SetHelp("enter", "select")
	on(&k.Type, &k.Up, &k.Down)
	if len(c.list.opts) > c.height-1 {
		on(&k.PageUp, &k.PageDown, &k.Home, &k.End)
	}
	return k
}

// typeHelp labels what can be typed: "1-9", or the codes.
func typeHelp(o *options) string {
	switch n := len(o.codes); {
	case n == 0:
		return ""
	case n == 1 || o.codes[0] != "1":
		return o.codes[0] + "…" + o.codes[n-1]
	default:
		return "1-" + o.codes[n-1]
	}
}

// MultiSelect answers a select_multiple question: Space ticks the
// highlighted option, a typed number (or code) followed by Space or Enter
// ticks that option, and Enter with nothing typed confirms. With or_other
// and "other" ticked, confirming asks for the specify text first.
type MultiSelect struct {
	common
	list   options
	ticked []bool
	other  specify
}

// NewMultiSelect builds the widget for a select_multiple item.
func NewMultiSelect(sp Spec, st *Styles) MultiSelect {
	m := MultiSelect{common: newCommon(sp, st), list: newOptions(sp.Choices, sp.Item.OrOther),
		other: newSpecify(st, sp.Other)}
	m.ticked = make([]bool, len(m.list.opts))
	for _, name := range strings.Fields(sp.Value) {
		if i := m.list.index(name); i >= 0 {
			m.ticked[i] = true
		}
	}
	return m
}

// Update handles a key: ticking, typing a code, moving, confirming.
func (m MultiSelect) Update(msg tea.Msg) (MultiSelect, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if isKey {
		if cmd, ok := m.special(k); ok {
			return m, cmd
		}
	}
	if m.other.open {
		return m, m.other.update(&m.common, msg, m.value(),
			"type what the respondent said, or esc to change the ticks")
	}
	if !isKey {
		return m, nil
	}
	return m.handleKey(k)
}

func (m MultiSelect) handleKey(msg tea.KeyPressMsg) (MultiSelect, tea.Cmd) {
	m.err = ""
	switch {
	case key.Matches(msg, m.km.Back):
		if m.list.typed != "" {
			m.list.typed = ""
			return m, nil
		}
		return m, m.back()
	case m.list.navigate(msg, &m.km, m.height-1):
		return m, nil
	case key.Matches(msg, m.km.Toggle), key.Matches(msg, m.km.Confirm) && m.list.typed != "":
		i, err := m.list.resolve()
		if err != "" {
			m.err = err
			return m, nil
		}
		m.ticked[i] = !m.ticked[i]
		return m, nil
	case key.Matches(msg, m.km.Confirm):
		if m.item.OrOther {
			if i := m.list.index(otherName); i >= 0 && m.ticked[i] {
				m.other.show()
				return m, nil
			}
		}
		return m, m.send(AnswerMsg{Item: m.item.Name, Value: m.value()})
	case msg.Code == tea.KeyBackspace:
		m.list.erase()
		return m, nil
	case isText(msg):
		m.err = m.list.typeText(msg.Text)
		return m, nil
	}
	return m, nil
}

// value is the answer in ODK form: the ticked names, space-separated, in
// the order shown.
func (m MultiSelect) value() string {
	var names []string
	for i, t := range m.ticked {
		if t {
			names = append(names, m.list.opts[i].Name)
		}
	}
	return strings.Join(names, " ")
}

// View draws the options with their boxes, and the specify field when it
// is open.
func (m MultiSelect) View() string {
	rows := m.list.rows(&m.common, max(m.height-m.other.lines(), 2), func(i int) string {
		if m.ticked[i] {
			return m.st.Marks.Checked
		}
		return m.st.Marks.Unchecked
	})
	n := 0
	for _, t := range m.ticked {
		if t {
			n++
		}
	}
	last := len(rows) - 1
	count := m.st.Muted.Render(plural(n, "ticked"))
	if rows[last] == "" {
		rows[last] = count
	} else {
		rows[last] = fit(rows[last]+m.st.Muted.Render(" · ")+count, m.width)
	}
	rows = append(rows, m.other.view(m.st, m.width)...)
	return strings.Join(rows, "\n")
}

// plural writes "1 ticked", "3 ticked", "none ticked".
func plural(n int, what string) string {
	if n == 0 {
		return "none " + what
	}
	return strconv.Itoa(n) + " " + what
}

// SetSize sets the area the list draws in.
func (m *MultiSelect) SetSize(w, h int) {
	m.common.SetSize(w, h)
	m.other.in.SetWidth(max(w-4, 1))
}

// SetStyles switches to new styles.
func (m *MultiSelect) SetStyles(st *Styles) {
	m.st = st
	m.other.in.SetStyles(st.inputStyles())
}

// Typing reports whether printable keys are taken as input right now.
func (m MultiSelect) Typing() bool { return m.other.typing() || m.list.typed != "" }

// HelpKeys is the key map of what works now.
func (m MultiSelect) HelpKeys() help.KeyMap {
	k := m.km.base()
	if m.other.open {
		k.Confirm.SetHelp("enter", "done")
		k.Back.SetHelp("esc", "change ticks")
		return k
	}
	k.Confirm.SetHelp("enter", "done")
	if len(m.list.opts) == 0 {
		return k
	}
	k.Type.SetHelp(typeHelp(&m.list), "go to")
	on(&k.Type, &k.Up, &k.Down, &k.Toggle)
	if len(m.list.opts) > m.height-1 {
		on(&k.PageUp, &k.PageDown, &k.Home, &k.End)
	}
	return k
}

// specify is the "other, specify" field of an or_other question, opened
// when "other" is chosen.
type specify struct {
	open bool
	in   textinput.Model
}

func newSpecify(st *Styles, text string) specify {
	s := specify{in: newInput(st, "what the respondent said")}
	s.in.SetValue(text)
	return s
}

// show opens the field, the cursor after any text already there.
func (s *specify) show() {
	s.open = true
	s.in.CursorEnd()
}

// update handles msg while the field is open: esc closes it, Enter sends
// value with the text (refusing an empty one with emptyErr), other keys
// edit the text.
func (s *specify) update(c *common, msg tea.Msg, value, emptyErr string) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, c.km.Back):
			s.open, c.err = false, ""
			return nil
		case key.Matches(k, c.km.Confirm):
			text := strings.TrimSpace(s.in.Value())
			if text == "" {
				c.err = emptyErr
				return nil
			}
			c.err = ""
			return c.send(AnswerMsg{Item: c.item.Name, Value: value, Other: text})
		}
		c.err = ""
	}
	var cmd tea.Cmd
	s.in, cmd = s.in.Update(msg)
	return cmd
}

// lines is how many lines the field takes under the options.
func (s *specify) lines() int {
	if s.open {
		return 2
	}
	return 0
}

// view draws the field when open.
func (s *specify) view(st *Styles, width int) []string {
	if !s.open {
		return nil
	}
	return []string{st.Prompt.Render("Specify other:"), fit(s.in.View(), width)}
}

// typing reports whether the open field has text, so printable keys type.
func (s *specify) typing() bool { return s.open && s.in.Value() != "" }
