package tui

import (
	"fmt"
	"strings"
	"time"

	"canvass/model"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// AnswerMsg is what an answer widget reports when the interviewer confirms:
// the value in ODK's string form (see model.AnswerEvent), or a special code
// (don't know, refused) with an empty value. Other is the "other, specify"
// text of an or_other question; Reason explains a skip. The engine turns
// it into a model.AnswerEvent.
type AnswerMsg struct {
	Item    string
	Value   string
	Special model.Special
	Other   string
	Reason  string
}

// BackMsg asks to return to the previous question on the route.
type BackMsg struct{ Item string }

// SoftCheckMsg is the interviewer's decision on a soft check: Confirmed
// with the Reason for going on, or not confirmed to go back and change the
// answer.
type SoftCheckMsg struct {
	Item      string
	Confirmed bool
	Reason    string
}

// ConfirmMsg is the answer to a yes/no prompt, tagged with the prompt's id
// so that a stale answer can be told apart.
type ConfirmMsg struct {
	ID  string
	Yes bool
}

// Spec is what an answer widget is built from: the item, the options to
// show (already filtered and in the order to show them; the engine
// supplies them), the language, the current answer when the interviewer
// returns to an answered question, and the time zone a dateTime is entered
// in.
type Spec struct {
	Item    *model.Item
	Choices []model.Choice
	Lang    string
	// Value is the current answer in ODK string form; empty for none.
	Value string
	// Other is the current "other, specify" text.
	Other string
	// Location is the zone dateTime answers are entered in; nil means UTC.
	Location *time.Location
}

// widget is what a screen needs from an answer widget, whatever its
// concrete type: the concrete types keep the Bubble Tea shape
// (Update returns the widget itself) and [host] adapts them.
type widget interface {
	update(tea.Msg) tea.Cmd
	view() string
	setSize(w, h int)
	setStyles(*Styles)
	setLang(string)
	keys() help.KeyMap
	typing() bool
	problem() string
	pending() bool
	reject(problem string)
}

// widgetModel is the shape every concrete widget has.
type widgetModel[W any] interface {
	Update(tea.Msg) (W, tea.Cmd)
	View() string
	HelpKeys() help.KeyMap
	Typing() bool
	Problem() string
	Pending() bool
}

// widgetPtr is the pointer side of a widget: the setters.
type widgetPtr[W any] interface {
	*W
	SetSize(w, h int)
	SetStyles(*Styles)
	SetLang(string)
	Reject(problem string)
}

// hosted adapts a concrete widget to the widget interface.
type hosted[W widgetModel[W], P widgetPtr[W]] struct{ w W }

// update hands msg to the widget; keys reaching a widget that has sent
// its result are dropped, a last guard for hosts that do not hold them
// back, since applying them to the old question would be worse.
func (h *hosted[W, P]) update(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(tea.KeyPressMsg); ok && h.w.Pending() {
		return nil
	}
	var cmd tea.Cmd
	h.w, cmd = h.w.Update(msg)
	return cmd
}
func (h *hosted[W, P]) view() string        { return h.w.View() }
func (h *hosted[W, P]) setSize(w, ht int)   { P(&h.w).SetSize(w, ht) }
func (h *hosted[W, P]) setStyles(s *Styles) { P(&h.w).SetStyles(s) }
func (h *hosted[W, P]) setLang(l string)    { P(&h.w).SetLang(l) }
func (h *hosted[W, P]) keys() help.KeyMap   { return h.w.HelpKeys() }
func (h *hosted[W, P]) typing() bool        { return h.w.Typing() }
func (h *hosted[W, P]) problem() string     { return h.w.Problem() }
func (h *hosted[W, P]) pending() bool       { return h.w.Pending() }
func (h *hosted[W, P]) reject(p string)     { P(&h.w).Reject(p) }

// host wraps a concrete widget for a screen.
func host[W widgetModel[W], P widgetPtr[W]](w W) widget {
	return &hosted[W, P]{w: w}
}

// newWidget builds the answer widget for an item's type. Items that take
// no answer (note, acknowledge, unsupported) get a [NoteView]; calculate,
// hidden, meta and containers are never shown, so asking for one is an
// error.
func newWidget(sp Spec, st *Styles) (widget, error) {
	it := sp.Item
	switch it.Type {
	case model.TypeSelectOne:
		return host(NewChoiceList(sp, st)), nil
	case model.TypeSelectMultiple:
		return host(NewMultiSelect(sp, st)), nil
	case model.TypeInteger, model.TypeDecimal:
		return host(NewNumberEntry(sp, st)), nil
	case model.TypeRange:
		return host(NewRangeSlider(sp, st)), nil
	case model.TypeText:
		return host(NewTextEntry(sp, st)), nil
	case model.TypeDate, model.TypeTime, model.TypeDateTime:
		return host(NewDateTimeEntry(sp, st)), nil
	case model.TypeRank:
		return host(NewRankList(sp, st)), nil
	case model.TypeNote, model.TypeAcknowledge, model.TypeUnsupported:
		return host(NewNoteView(sp, st)), nil
	}
	return nil, fmt.Errorf("item %s: type %s is not shown to the interviewer", it.Name, it.Type)
}

// common is what every answer widget shares: its item, language, styles,
// keys, size, the problem line, and whether it has sent its result.
type common struct {
	item   *model.Item
	lang   string
	st     *Styles
	km     keyMap
	width  int
	height int
	err    string
	// sent is set once the widget has sent its result (an answer, back, a
	// decision) and stays set until the host acts on it or rejects it:
	// keys typed ahead in the meantime belong to whatever comes next, so
	// the host holds them back rather than letting them reach this widget.
	sent bool
}

// send reports the widget's result and marks it as sent.
func (c *common) send(msg tea.Msg) tea.Cmd {
	c.sent = true
	return emit(msg)
}

// Pending reports whether the widget has sent its result and waits for
// the host to act on it.
func (c common) Pending() bool { return c.sent }

// Reject takes the widget back after its result was not accepted (the
// engine refused the answer, or there is no previous question), showing
// problem, so the interviewer can go on from where they were.
func (c *common) Reject(problem string) {
	c.sent = false
	c.err = problem
}

func newCommon(sp Spec, st *Styles) common {
	it := sp.Item
	return common{
		item:   it,
		lang:   sp.Lang,
		st:     st,
		km:     newKeyMap().forItem(it.Type.Answerable(), it.NoDontKnow, it.NoRefused),
		width:  80,
		height: 10,
	}
}

// special handles the don't-know and refused keys: it returns the answer
// command and true when msg is one of them and the item allows it.
func (c *common) special(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	var sp model.Special
	switch {
	case key.Matches(msg, c.km.DontKnow):
		sp = model.DontKnow
	case key.Matches(msg, c.km.Refused):
		sp = model.Refused
	default:
		return nil, false
	}
	c.err = ""
	return c.send(AnswerMsg{Item: c.item.Name, Special: sp}), true
}

// back returns the command asking for the previous question.
func (c *common) back() tea.Cmd { return c.send(BackMsg{Item: c.item.Name}) }

// Problem is the inline error of the last key, or "".
func (c common) Problem() string { return c.err }

// SetSize sets the area the widget draws in.
func (c *common) SetSize(w, h int) { c.width, c.height = max(w, 1), max(h, 1) }

// SetLang sets the language labels are shown in.
func (c *common) SetLang(l string) { c.lang = l }

// label is a choice's label in the current language, or its name.
func (c *common) label(ch model.Choice) string {
	if s := ch.Label.In(c.lang); s != "" {
		return s
	}
	return ch.Name
}

// emit is a command that reports msg.
func emit(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// fit cuts a rendered line to width, marking the cut with an ellipsis.
func fit(s string, width int) string {
	if cells(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// cells is the width of a one-line string on screen. Most of what the
// console draws is ASCII with colour sequences; that is counted directly,
// and anything else is measured grapheme by grapheme. This is on the path
// of every keypress, where measuring every line in full took a third of a
// frame's time.
func cells(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return ansi.StringWidth(s)
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			// CSI: parameter and intermediate bytes, then one final byte;
			// anything else in it is left to the full measure.
			i += 2
			for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
				i++
			}
			if i >= len(s) || s[i] < 0x40 || s[i] > 0x7e {
				return ansi.StringWidth(s)
			}
		case c == 0x1b:
			return ansi.StringWidth(s)
		case c >= 0x20 && c != 0x7f:
			n++
		}
	}
	return n
}

// wrap breaks plain text into lines of at most width cells.
func wrap(s string, width int) []string {
	if s == "" {
		return nil
	}
	return strings.Split(ansi.Wrap(s, width, ""), "\n")
}

// window returns the first index of a scrolled view of n rows of which
// height fit, keeping cursor visible with the previous offset top.
func window(n, height, cursor, top int) int {
	if n <= height {
		return 0
	}
	if cursor < top {
		top = cursor
	}
	if cursor >= top+height {
		top = cursor - height + 1
	}
	return min(max(top, 0), n-height)
}

// isText reports whether a key press types a character.
func isText(msg tea.KeyPressMsg) bool {
	return msg.Text != "" && msg.Mod&^tea.ModShift == 0
}
