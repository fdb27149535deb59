package tui

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// dialogID names a dialog a screen opens. It is a type of its own, apart
// from the names of questionnaire items (which answers, back and soft
// checks carry): whatever a questionnaire calls its items, a dialog's
// answer is never taken for an item's, nor an item's for a dialog's.
type dialogID int

// The dialogs of the consoles.
const (
	dialogQuit           dialogID = iota + 1 // ^C in an interview: suspend it and quit?
	dialogConsent                            // did the person agree to take part?
	dialogDecline                            // consent refused: the opt-out offered
	dialogConsentRefused                     // F3/F4 on the consent question: a refusal, confirmed
	dialogOffer                              // a refusal on the call screen: the opt-out offered
	dialogCallOptOut                         // F8 on the call screen: the opt-out, confirmed
	dialogAppointment                        // an appointment outcome: when to call back
	dialogCallNote                           // the note an outcome needs
	dialogOptOut                             // F8 in the interview: the opt-out, confirmed
	dialogSuspend                            // F7: when to go on with the interview
	dialogNote                               // F5: a note on the question
	dialogSoftCheck                          // a soft check: why the answer stands
	dialogApprove                            // the supervisor approves, with a note
	dialogReject                             // the supervisor sends the interview back
	dialogFlag                               // the supervisor flags the interview
	dialogUnflag                             // the supervisor takes the flag off
	dialogComment                            // the supervisor comments on an answer
	dialogMessage                            // the supervisor writes to interviewers
	dialogJump                               // F9: the question to go to
)

// dialogMsg is a dialog's answer: closed without one (esc), or yes or
// no, a time, a text, as the dialog asks. The screen that opened the
// dialog acts on it while the dialog is on top of its stack, and drops
// it otherwise.
type dialogMsg struct {
	dialog dialogID
	closed bool
	yes    bool
	at     time.Time
	text   string
	choice int // the row chosen, for a list
}

// modal is a dialog on a screen's stack ([modals]). While it is on top
// it takes the keys, the screen's body shows it, its keys are the help
// line and its problem the error line. It reports its answer as a
// message, and the screen closes it by popping it.
type modal interface {
	id() dialogID
	update(tea.Msg) (modal, tea.Cmd)
	view() string
	keys() help.KeyMap
	problem() string
	// heading is what the frame shows over the dialog in place of the
	// screen's text and hint; ok is false to keep the screen's.
	heading() (text, hint string, ok bool)
	// pending reports whether the dialog has answered and waits for
	// the screen to act on it: keys wait meanwhile.
	pending() bool
	// typing reports whether printable keys are input right now.
	typing() bool
	// retry takes the dialog back after what its answer asked for did
	// not happen (the store failed), so that it can answer again.
	retry() modal
	resized(w, h int) modal
	restyled(*Styles) modal
}

// modals is a screen's stack of open dialogs, the top one last. Its
// methods return a new stack and leave the one they are called on as it
// was, so a model holding an earlier stack keeps it.
type modals []modal

// top is the open dialog on top, nil when none is open.
func (s modals) top() modal {
	if len(s) == 0 {
		return nil
	}
	return s[len(s)-1]
}

// open reports whether a dialog is open.
func (s modals) open() bool { return len(s) > 0 }

// on reports whether dialog d is on top: an answer from any other is
// stale.
func (s modals) on(d dialogID) bool { return len(s) > 0 && s[len(s)-1].id() == d }

// push opens m over the others.
func (s modals) push(m modal) modals { return append(slices.Clip(s), m) }

// pop closes the dialog on top.
func (s modals) pop() modals {
	if len(s) == 0 {
		return s
	}
	return slices.Clip(s[:len(s)-1])
}

// withTop is the stack with its top replaced by m.
func (s modals) withTop(m modal) modals {
	out := slices.Clone(s)
	out[len(out)-1] = m
	return out
}

// update hands msg to the dialog on top.
func (s modals) update(msg tea.Msg) (modals, tea.Cmd) {
	m := s.top()
	if m == nil {
		return s, nil
	}
	m, cmd := m.update(msg)
	return s.withTop(m), cmd
}

// retry takes back the dialog on top after its answer failed.
func (s modals) retry() modals {
	if m := s.top(); m != nil {
		return s.withTop(m.retry())
	}
	return s
}

// resized lays every open dialog out in w×h.
func (s modals) resized(w, h int) modals {
	if len(s) == 0 {
		return s
	}
	out := make(modals, len(s))
	for i, m := range s {
		out[i] = m.resized(w, h)
	}
	return out
}

// restyled hands every open dialog new styles.
func (s modals) restyled(st *Styles) modals {
	if len(s) == 0 {
		return s
	}
	out := make(modals, len(s))
	for i, m := range s {
		out[i] = m.restyled(st)
	}
	return out
}

// pending reports whether the dialog on top has answered and waits.
func (s modals) pending() bool { return len(s) > 0 && s.top().pending() }

// typing reports whether the dialog on top takes printable keys now.
func (s modals) typing() bool { return len(s) > 0 && s.top().typing() }

// heading is the top dialog's heading, if it has one.
func (s modals) heading() (text, hint string, ok bool) {
	if m := s.top(); m != nil {
		return m.heading()
	}
	return "", "", false
}

// over lays the dialog on top over a screen's page: its body, its keys
// as the help line, its problem on the error line (else the page's), and
// its heading when it has one.
func (s modals) over(pg Page) Page {
	m := s.top()
	if m == nil {
		return pg
	}
	if text, hint, ok := m.heading(); ok {
		pg.Text, pg.Hint = text, hint
	}
	pg.Body, pg.Keys = m.view(), m.keys()
	if p := m.problem(); p != "" {
		pg.Error = p
	}
	return pg
}

// dialogPtr is the pointer side of a widget shown as a dialog.
type dialogPtr[W any] interface {
	*W
	SetSize(w, h int)
	SetStyles(*Styles)
	Reject(problem string)
}

// dialog is a widget ([YesNo], [Picker], [SoftCheck]) shown as a dialog.
// It keeps the widget by value, so that a screen's earlier value keeps
// its dialog as it was.
type dialog[W widgetModel[W], P dialogPtr[W]] struct {
	of dialogID
	w  W
	// keyed adjusts the widget's keys to where it is open (turning off
	// the interview keys that do nothing there, naming esc); nil keeps
	// them.
	keyed func(keyMap) keyMap
	// text and hint replace the screen's over the dialog; "" keeps the
	// screen's.
	text, hint string
}

// newDialog shows widget w as dialog d.
func newDialog[W widgetModel[W], P dialogPtr[W]](d dialogID, w W, keyed func(keyMap) keyMap) dialog[W, P] {
	return dialog[W, P]{of: d, w: w, keyed: keyed}
}

func (d dialog[W, P]) id() dialogID { return d.of }

// update hands msg to the widget; keys reaching a widget that has
// answered are dropped, as [hosted] does.
func (d dialog[W, P]) update(msg tea.Msg) (modal, tea.Cmd) {
	if _, ok := msg.(tea.KeyPressMsg); ok && d.w.Pending() {
		return d, nil
	}
	var cmd tea.Cmd
	d.w, cmd = d.w.Update(msg)
	return d, cmd
}

func (d dialog[W, P]) view() string    { return d.w.View() }
func (d dialog[W, P]) problem() string { return d.w.Problem() }
func (d dialog[W, P]) pending() bool   { return d.w.Pending() }
func (d dialog[W, P]) typing() bool    { return d.w.Typing() }

func (d dialog[W, P]) keys() help.KeyMap {
	k := d.w.HelpKeys()
	if km, ok := k.(keyMap); ok && d.keyed != nil {
		return d.keyed(km)
	}
	return k
}

func (d dialog[W, P]) heading() (string, string, bool) {
	return d.text, d.hint, d.text != ""
}

func (d dialog[W, P]) retry() modal {
	P(&d.w).Reject("")
	return d
}

func (d dialog[W, P]) resized(w, h int) modal {
	P(&d.w).SetSize(w, h)
	return d
}

func (d dialog[W, P]) restyled(st *Styles) modal {
	P(&d.w).SetStyles(st)
	return d
}

// confirmDialog asks question as dialog d, yes or no; keyed adjusts its
// keys as in [dialog].
func confirmDialog(d dialogID, question string, defaultYes bool, st *Styles, keyed func(keyMap) keyMap) modal {
	y := NewYesNo("", question, defaultYes, st)
	y.dialog = d
	return newDialog[YesNo](d, y, keyed)
}

// askDialog asks question as dialog d with neither answer highlighted:
// it takes y or n (or an arrow, then enter), so that no answer is
// recorded by an enter pressed out of habit; choose is what enter alone
// says.
func askDialog(d dialogID, question, choose string, st *Styles, keyed func(keyMap) keyMap) modal {
	y := NewYesNo("", question, false, st)
	y.dialog, y.undecided, y.choose = d, true, choose
	return newDialog[YesNo](d, y, keyed)
}

// quiet turns off the interview keys that do nothing while a dialog
// over the interview is open, and names esc.
func quiet(back string) func(keyMap) keyMap {
	return func(k keyMap) keyMap {
		off(&k.DontKnow, &k.Refused, &k.Note, &k.Language, &k.Suspend, &k.OptOut)
		if back != "" {
			k.Back.SetHelp("esc", back)
		}
		return k
	}
}

// noteEntry is a dialog with one line of text to type: a note on a
// call's outcome or on a question. Enter answers with the text (trimmed),
// esc closes it without one.
type noteEntry struct {
	of     dialogID
	st     *Styles
	km     keyMap
	prompt string // the line over the field
	// required is the problem shown when enter finds the field empty;
	// "" lets it answer with no text.
	required string
	confirm  string // what enter does, for the help line
	input    textinput.Model
	err      string
	sent     bool
}

// newNoteEntry opens a note entry as dialog d, with value in the field.
func newNoteEntry(d dialogID, prompt, placeholder, value, required, confirm string, width int, st *Styles) noteEntry {
	n := noteEntry{of: d, st: st, km: newKeyMap(), prompt: prompt, required: required, confirm: confirm,
		input: newInput(st, placeholder)}
	n.input.SetWidth(max(width-3, 1))
	if value != "" {
		n.input.SetValue(value)
		n.input.CursorEnd()
	}
	return n
}

func (n noteEntry) id() dialogID { return n.of }

func (n noteEntry) update(msg tea.Msg) (modal, tea.Cmd) {
	if n.sent {
		return n, nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		n.input, cmd = n.input.Update(msg)
		return n, cmd
	}
	n.err = ""
	switch {
	case key.Matches(k, n.km.Back):
		n.sent = true
		return n, emit(dialogMsg{dialog: n.of, closed: true})
	case key.Matches(k, n.km.Confirm):
		text := n.text()
		if text == "" && n.required != "" {
			n.err = n.required
			return n, nil
		}
		n.sent = true
		return n, emit(dialogMsg{dialog: n.of, text: text})
	}
	var cmd tea.Cmd
	n.input, cmd = n.input.Update(msg)
	return n, cmd
}

// text is what is typed, without the spaces around it.
func (n noteEntry) text() string { return strings.TrimSpace(n.input.Value()) }

func (n noteEntry) view() string {
	return n.st.Prompt.Render(n.prompt) + "\n" + n.input.View()
}

func (n noteEntry) keys() help.KeyMap {
	k := n.km.base()
	off(&k.DontKnow, &k.Refused, &k.Note, &k.Language, &k.Suspend, &k.OptOut)
	k.Confirm.SetHelp("enter", n.confirm)
	k.Back.SetHelp("esc", "cancel")
	return k
}

func (n noteEntry) problem() string                 { return n.err }
func (n noteEntry) heading() (string, string, bool) { return "", "", false }
func (n noteEntry) pending() bool                   { return n.sent }
func (n noteEntry) typing() bool                    { return n.input.Value() != "" }

func (n noteEntry) retry() modal {
	n.sent = false
	return n
}

func (n noteEntry) resized(w, _ int) modal {
	n.input.SetWidth(max(w-3, 1))
	return n
}

func (n noteEntry) restyled(st *Styles) modal {
	n.st = st
	n.input.SetStyles(st.inputStyles())
	return n
}
