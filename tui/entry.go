package tui

import (
	"strconv"
	"strings"
	"time"

	"canvass/model"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// newInput is a focused single-line field with the console's keys and
// styles.
func newInput(st *Styles, placeholder string) textinput.Model {
	ti := textinput.New()
	ti.KeyMap = inputKeys()
	ti.Prompt = "› "
	ti.Placeholder = placeholder
	ti.SetStyles(st.inputStyles())
	ti.Focus()
	return ti
}

// field is the single-line entry shared by the text, number and date
// widgets: a text field, a filter that refuses characters that cannot be
// part of the answer, and a parser that turns the text into the ODK value.
// Enter on an empty field sends an empty value: whether the question may
// be left empty (required) is the engine's decision, not the widget's.
type field struct {
	common
	in     textinput.Model
	allow  func(r rune) bool
	refuse string // the error shown for a refused character
	parse  func(string) (string, error)
	format string // the format hint below the field
}

// update handles a key for the field; ok is false for a key it left alone.
// Enter parses and emits; refused characters set the error and are not
// typed.
func (f *field) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if cmd, ok := f.special(msg); ok {
			return cmd
		}
		switch {
		case key.Matches(msg, f.km.Back):
			return f.back()
		case key.Matches(msg, f.km.Confirm):
			v, err := f.parse(f.in.Value())
			if err != nil {
				f.err = err.Error()
				return nil
			}
			f.err = ""
			return f.send(AnswerMsg{Item: f.item.Name, Value: v})
		case isText(msg) && f.allow != nil && !allowed(msg.Text, f.allow):
			f.err = f.refuse
			return nil
		}
	case tea.PasteMsg:
		if f.allow != nil && !allowed(msg.Content, f.allow) {
			f.err = f.refuse
			return nil
		}
	default:
		var cmd tea.Cmd
		f.in, cmd = f.in.Update(msg)
		return cmd
	}
	f.err = ""
	var cmd tea.Cmd
	f.in, cmd = f.in.Update(msg)
	return cmd
}

func allowed(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

// view draws the field and the format hint under it.
func (f *field) view() string {
	lines := []string{fit(f.in.View(), f.width)}
	if f.format != "" {
		lines = append(lines, fit("  "+f.st.Muted.Render(f.format), f.width))
	}
	return strings.Join(lines, "\n")
}

func (f *field) setSize(w, h int) {
	f.common.SetSize(w, h)
	f.in.SetWidth(max(w-3, 1))
}

func (f *field) setStyles(st *Styles) {
	f.st = st
	f.in.SetStyles(st.inputStyles())
}

func (f *field) helpKeys() help.KeyMap {
	k := f.km.base()
	k.Confirm.SetHelp("enter", "confirm")
	return k
}

// NumberEntry answers an integer or decimal question. Letters are refused
// as they are typed; the bounds of a simple constraint are shown and
// checked before the answer is sent.
type NumberEntry struct{ field }

// NewNumberEntry builds the widget for an integer or decimal item.
func NewNumberEntry(sp Spec, st *Styles) NumberEntry {
	it := sp.Item
	f := field{common: newCommon(sp, st), in: newInput(st, "")}
	decimal := it.Type == model.TypeDecimal
	// A decimal point typed into a whole number is let through and refused
	// on Enter with the reason: dropping it silently would turn 1.5 into 15.
	f.allow = func(r rune) bool {
		return r >= '0' && r <= '9' || strings.ContainsRune("-+ .,", r)
	}
	parse, kind := parseInteger, "a whole number"
	f.refuse = "numbers only: letters cannot be typed here"
	if decimal {
		parse, kind = parseDecimal, "a number, decimals with . or ,"
	}
	b, hasBounds := constraintBounds(it.Constraint)
	f.format = kind
	if hasBounds {
		f.format += ", " + b.String()
	}
	f.parse = func(s string) (string, error) {
		v, err := parse(s)
		if err != nil || v == "" || !hasBounds {
			return v, err
		}
		x, _ := strconv.ParseFloat(v, 64)
		if !b.check(x) {
			if msg := it.ConstraintMessage.In(sp.Lang); msg != "" {
				return "", plainError(msg)
			}
			return "", plainError(v + " is out of range: " + b.String())
		}
		return v, nil
	}
	f.in.SetValue(sp.Value)
	return NumberEntry{f}
}

// plainError is an error whose text is shown as it is.
type plainError string

// Error is the message as it is.
func (e plainError) Error() string { return string(e) }

// Update handles a key.
func (n NumberEntry) Update(msg tea.Msg) (NumberEntry, tea.Cmd) {
	cmd := n.update(msg)
	return n, cmd
}

// View draws the field and what may be typed.
func (n NumberEntry) View() string { return n.view() }

// SetSize sets the area the field draws in.
func (n *NumberEntry) SetSize(w, h int) { n.setSize(w, h) }

// SetStyles switches to new styles.
func (n *NumberEntry) SetStyles(st *Styles) { n.setStyles(st) }

// HelpKeys is the key map of what works now.
func (n NumberEntry) HelpKeys() help.KeyMap { return n.helpKeys() }

// Typing reports whether printable keys are taken as input right now.
func (n NumberEntry) Typing() bool { return n.in.Value() != "" }

// DateTimeEntry answers a date, time or dateTime question, typed in a fixed
// format shown in the field.
type DateTimeEntry struct{ field }

// NewDateTimeEntry builds the widget for a date, time or dateTime item.
// dateTime answers are read in sp.Location.
func NewDateTimeEntry(sp Spec, st *Styles) DateTimeEntry {
	f := field{common: newCommon(sp, st)}
	f.allow = func(r rune) bool {
		return r >= '0' && r <= '9' || strings.ContainsRune("-/.: T", r)
	}
	f.refuse = "digits only, with - between date parts and : between time parts"
	value := sp.Value
	switch sp.Item.Type {
	case model.TypeDate:
		f.in = newInput(st, "YYYY-MM-DD")
		f.parse, f.format = parseDate, "year-month-day, e.g. 2026-03-31"
	case model.TypeTime:
		f.in = newInput(st, "HH:MM")
		f.parse, f.format = parseTime, "24-hour clock, e.g. 14:30"
		if len(value) >= 5 {
			value = value[:5]
		}
	default:
		loc := sp.Location
		if loc == nil {
			loc = time.UTC
		}
		f.in = newInput(st, "YYYY-MM-DD HH:MM")
		f.parse = func(s string) (string, error) { return parseDateTime(s, loc) }
		f.format = "date and 24-hour time, e.g. 2026-03-31 14:30 (" + loc.String() + ")"
		if t, err := time.Parse(time.RFC3339, value); err == nil {
			value = t.In(loc).Format("2006-01-02 15:04")
		}
	}
	f.in.SetValue(value)
	return DateTimeEntry{f}
}

// Update handles a key.
func (d DateTimeEntry) Update(msg tea.Msg) (DateTimeEntry, tea.Cmd) {
	cmd := d.update(msg)
	return d, cmd
}

// View draws the field and its format.
func (d DateTimeEntry) View() string { return d.view() }

// SetSize sets the area the field draws in.
func (d *DateTimeEntry) SetSize(w, h int) { d.setSize(w, h) }

// SetStyles switches to new styles.
func (d *DateTimeEntry) SetStyles(st *Styles) { d.setStyles(st) }

// HelpKeys is the key map of what works now.
func (d DateTimeEntry) HelpKeys() help.KeyMap { return d.helpKeys() }

// Typing reports whether printable keys are taken as input right now.
func (d DateTimeEntry) Typing() bool { return d.in.Value() != "" }

// TextEntry answers a text question: one line, or several when the item's
// appearance is "multiline" (Enter still confirms; Alt+Enter or ^J starts
// a new line). The "numbers" appearance refuses letters.
type TextEntry struct {
	field
	multi bool
	area  textarea.Model
}

// NewTextEntry builds the widget for a text item.
func NewTextEntry(sp Spec, st *Styles) TextEntry {
	t := TextEntry{field: field{common: newCommon(sp, st), in: newInput(st, "")}}
	t.parse = func(s string) (string, error) { return strings.TrimSpace(s), nil }
	app := " " + sp.Item.Appearance + " "
	if strings.Contains(app, " numbers ") {
		t.allow = func(r rune) bool { return r >= '0' && r <= '9' || strings.ContainsRune("+-. ", r) }
		t.refuse = "digits only for this question"
		t.format = "digits"
	}
	if strings.Contains(app, " multiline ") {
		t.multi = true
		t.area = textarea.New()
		t.area.KeyMap = areaKeys()
		t.area.ShowLineNumbers = false
		t.area.Prompt = "│ "
		t.area.SetStyles(st.areaStyles())
		t.area.SetValue(sp.Value)
		t.area.Focus()
		t.format = "alt+enter or ^J for a new line"
		return t
	}
	t.in.SetValue(sp.Value)
	return t
}

// Update handles a key.
func (t TextEntry) Update(msg tea.Msg) (TextEntry, tea.Cmd) {
	if !t.multi {
		cmd := t.update(msg)
		return t, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		if cmd, ok := t.special(msg); ok {
			return t, cmd
		}
		switch {
		case key.Matches(msg, t.km.Back):
			return t, t.back()
		case key.Matches(msg, t.km.Confirm):
			t.err = ""
			return t, t.send(AnswerMsg{Item: t.item.Name, Value: strings.TrimSpace(t.area.Value())})
		}
	}
	var cmd tea.Cmd
	t.area, cmd = t.area.Update(msg)
	return t, cmd
}

// View draws the field.
func (t TextEntry) View() string {
	if !t.multi {
		return t.view()
	}
	return t.area.View() + "\n  " + t.st.Muted.Render(t.format)
}

// SetSize sets the area the field draws in; a multi-line field takes up to
// six lines of it.
func (t *TextEntry) SetSize(w, h int) {
	t.setSize(w, h)
	if t.multi {
		t.area.SetWidth(max(w-1, 1))
		t.area.SetHeight(max(min(h-1, 6), 1))
	}
}

// SetStyles switches to new styles.
func (t *TextEntry) SetStyles(st *Styles) {
	t.setStyles(st)
	if t.multi {
		t.area.SetStyles(st.areaStyles())
	}
}

// HelpKeys is the key map of what works now.
func (t TextEntry) HelpKeys() help.KeyMap {
	k := t.km.base()
	if t.multi {
		on(&k.Newline)
	}
	return k
}

// Typing reports whether printable keys are taken as input right now.
func (t TextEntry) Typing() bool {
	if t.multi {
		return t.area.Value() != ""
	}
	return t.in.Value() != ""
}
