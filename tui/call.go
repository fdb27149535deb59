package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"canvass/model"
	"canvass/model/calling"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// ReachedMsg reports that the contact is on the line and the consent
// question comes next.
type ReachedMsg struct{ Contact string }

// OutcomeMsg is a call outcome the interviewer recorded on the call
// screen, with the note it needs and the appointment it sets; OptOut is
// set when the person, refusing, asked to be taken off every list.
type OutcomeMsg struct {
	Contact     string
	Outcome     calling.Outcome
	Note        string
	Appointment time.Time
	OptOut      bool
}

// recordedByConsole reports whether the console records an outcome
// itself, at the end of an interview, and so never offers it on the call
// screen.
func recordedByConsole(code string) bool {
	switch code {
	case "complete", "partial", "break_off":
		return true
	}
	return false
}

// Call is the call screen: the contact card, the intro script to read,
// and a key for every call outcome of the survey's outcome table. An
// outcome that needs a note asks for one; an appointment asks for the time
// in the contact's zone. Enter means the person is on the line: consent
// comes next.
type Call struct {
	st            *Styles
	km            *keyMap
	sess          *session
	intro         string
	lang          string
	mine          *time.Location
	now           time.Time
	outcomes      []calling.Outcome
	width, height int

	chosen *calling.Outcome
	noted  string // the chosen outcome's note, while the opt-out is offered
	// modals are the dialogs open over the card: the appointment's time,
	// the note an outcome needs, the opt-out offer of a refusal (before
	// it is recorded), the opt-out confirmed (F8).
	modals modals
	err    string
	notice string // what the last dialog left, until the next key
	sent   bool
	// resuming is set when the call is to go on with an interview taken
	// up from the home screen: enter goes on with it.
	resuming bool
}

// newCall builds the call screen for a contact the gate presented.
func newCall(s *session, intro, lang string, mine *time.Location, now time.Time, st *Styles) Call {
	c := Call{st: st, km: newKeys(), sess: s, intro: intro, lang: lang, mine: mine, now: now}
	for _, o := range s.table.Rows() {
		if o.Key != "" && !recordedByConsole(o.Code) {
			c.outcomes = append(c.outcomes, o)
		}
	}
	return c
}

// Update handles keys and the answers of its dialogs.
func (c Call) Update(msg tea.Msg) (Call, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return c.handleKey(msg)
	case dialogMsg:
		return c.handleDialog(msg)
	}
	// Other input (a paste) goes where the keys go.
	var cmd tea.Cmd
	c.modals, cmd = c.modals.update(msg)
	return c, cmd
}

// handleDialog acts on the answer of the dialog on top.
func (c Call) handleDialog(msg dialogMsg) (Call, tea.Cmd) {
	if !c.modals.on(msg.dialog) {
		return c, nil
	}
	c.modals = c.modals.pop()
	switch msg.dialog {
	case dialogAppointment, dialogCallNote:
		if msg.closed || c.chosen == nil {
			c.chosen = nil
			return c, nil
		}
		return c.record(*c.chosen, msg.text, msg.at)
	case dialogCallOptOut:
		if msg.yes {
			c.sent = true
			return c, emit(OptOutRequestMsg{Item: c.sess.contact.ID})
		}
	case dialogOffer:
		if msg.closed || c.chosen == nil {
			// Esc goes back to the outcome keys, the screen before the
			// offer: nothing was recorded, and the outcome is chosen again.
			c.chosen, c.noted = nil, ""
			c.notice = "nothing recorded: press the outcome key again"
			return c, nil
		}
		c.sent = true
		return c, emit(OutcomeMsg{Contact: c.sess.contact.ID, Outcome: *c.chosen, Note: c.noted, OptOut: msg.yes})
	}
	return c, nil
}

// open shows dialog m over the card.
func (c *Call) open(m modal) {
	c.modals = c.modals.push(m.resized(c.width, c.height))
}

func (c Call) handleKey(msg tea.KeyPressMsg) (Call, tea.Cmd) {
	c.err, c.notice = "", ""
	if c.modals.open() {
		var cmd tea.Cmd
		c.modals, cmd = c.modals.update(msg)
		return c, cmd
	}
	switch {
	case key.Matches(msg, c.km.Confirm):
		c.sent = true
		if c.sess.open != nil && !c.resuming {
			// Consent was recorded when the interview began.
			return c, emit(HomeMsg{Resume: c.sess.open, OnTheLine: true})
		}
		return c, emit(ReachedMsg{Contact: c.sess.contact.ID})
	case key.Matches(msg, c.km.OptOut):
		c.open(confirmDialog(dialogCallOptOut, "Record that "+c.sess.contact.Name+" does not want to be contacted again? Every survey will leave them out.", false, c.st, c.dialogKeys("cancel")))
		return c, nil
	case key.Matches(msg, c.km.Back):
		c.err = "record how the call went first: press an outcome key"
		return c, nil
	}
	if msg.Text == "" {
		return c, nil
	}
	for _, o := range c.outcomes {
		if strings.EqualFold(o.Key, msg.Text) {
			o := o
			c.chosen = &o
			switch {
			case o.Appointment:
				p := c.sess.appointmentPicker(dialogAppointment, "Appointment: when should we call "+c.sess.contact.Name+" back?",
					c.mine, c.now, c.st)
				c.open(newDialog[Picker](dialogAppointment, p, nil))
				return c, nil
			case o.NoteRequired:
				c.open(newNoteEntry(dialogCallNote, o.Label+": note (needed)", "what happened on the call", "",
					o.Label+" needs a note: type what happened", "record outcome", c.width, c.st))
				return c, nil
			}
			return c.record(o, "", time.Time{})
		}
	}
	if isText(msg) {
		c.err = fmt.Sprintf("%q is not an outcome key", msg.Text)
	}
	return c, nil
}

// record sends the chosen outcome to the console; a refusal first offers
// the opt-out, and its answer records both in one step.
func (c Call) record(o calling.Outcome, note string, at time.Time) (Call, tea.Cmd) {
	if o.OfferOptOut {
		c.noted = note
		c.offerOptOut()
		return c, nil
	}
	c.sent = true
	return c, emit(OutcomeMsg{Contact: c.sess.contact.ID, Outcome: o, Note: note, Appointment: at})
}

// offerOptOut asks, for a refusal, whether the person wants to be taken
// off every list.
func (c *Call) offerOptOut() {
	c.open(confirmDialog(dialogOffer, "Offer the opt-out: does "+c.sess.contact.Name+" want to be removed from all calling lists?", false, c.st, c.dialogKeys("back to the outcomes")))
}

// dialogKeys are the keys of a yes/no question over the card: the
// interview's keys do nothing there (the dialog takes every key), the
// language key switches the intro's language when the survey has more
// than one, and esc goes back, named by back.
func (c Call) dialogKeys(back string) func(keyMap) keyMap {
	multi := len(c.sess.survey.Languages) > 1
	return func(k keyMap) keyMap {
		off(&k.DontKnow, &k.Refused, &k.Note, &k.Suspend, &k.OptOut)
		k.Language.SetEnabled(multi)
		k.Back.SetHelp("esc", back)
		return k
	}
}

// pending reports whether a result is on its way to the console.
func (c Call) pending() bool { return c.sent || c.modals.pending() }

// typing reports whether printable keys are input right now.
func (c Call) typing() bool { return c.modals.typing() }

// languageKey reports whether the language key switches the intro's
// language now: not while the appointment's time or a note is typed.
func (c Call) languageKey() bool {
	return !c.modals.on(dialogAppointment) && !c.modals.on(dialogCallNote)
}

// SetSize sets the area the screen draws in.
func (c *Call) SetSize(w, h int) {
	c.width, c.height = w, h
	c.modals = c.modals.resized(w, h)
}

// SetStyles switches to new styles.
func (c *Call) SetStyles(st *Styles) {
	c.st = st
	c.modals = c.modals.restyled(st)
}

// card is the contact card: who, where and when it is there, and how
// earlier calls went.
func (c Call) card() []string {
	st, s, ct := c.st, c.sess, c.sess.contact
	w := c.width
	line := func(label, value string) string {
		return fit(st.Muted.Render(fmt.Sprintf("%-11s", label))+st.Option.Render(value), w)
	}
	name := ct.Name
	if name == "" {
		name = "(no name)"
	}
	head := st.Section.Render(name)
	if ct.Company != "" {
		head += st.Muted.Render(" · ") + st.Option.Render(ct.Company)
	}
	head += st.Muted.Render("  " + ct.ID)
	phone := strings.Join(ct.Phones, ", ")
	if ct.Email != "" {
		phone += "  " + ct.Email
	}
	local := c.now.In(s.zone)
	lines := []string{fit(head, w), line("Phone", phone),
		line("Their time", fmt.Sprintf("%s  %s (%s)  · yours %s", local.Format("Mon 15:04"), s.zone, s.zoneFrom,
			c.now.In(c.mine).Format("15:04")))}
	var where []string
	if ct.Location != "" {
		where = append(where, ct.Location)
	}
	if ct.Language != "" {
		where = append(where, "speaks "+ct.Language)
	}
	if len(where) > 0 {
		lines = append(lines, line("Location", strings.Join(where, " · ")))
	}
	if !s.state.Appointment.IsZero() {
		a := s.state.Appointment
		lines = append(lines, line("Appt", fmt.Sprintf("%s their time (%s yours), made by %s",
			a.In(s.zone).Format("Mon 2 Jan 15:04"), a.In(c.mine).Format("15:04"), s.state.AppointmentBy)))
	}
	if s.open != nil {
		lines = append(lines, fit(st.Warning.Render(fmt.Sprintf("%sAn interview was begun on %s and not finished: enter goes on with it.",
			st.Marks.Warning, s.open.Started.In(c.mine).Format("Mon 2 Jan 15:04"))), w))
	}
	if len(s.state.Calls) == 0 {
		lines = append(lines, line("Calls", "none yet: first call"))
	} else {
		lines = append(lines, line("Calls", fmt.Sprintf("%d so far, latest first:", len(s.state.Calls))))
		calls := append([]storeCall(nil), toCalls(s)...)
		sort.SliceStable(calls, func(i, j int) bool { return calls[i].at.After(calls[j].at) })
		for _, cl := range calls[:min(len(calls), 3)] {
			txt := fmt.Sprintf("  %s  %s", cl.at.In(c.mine).Format("Mon 2 Jan 15:04"), s.outcome(cl.code).Label)
			if cl.by != "" {
				txt += " (" + cl.by + ")"
			}
			if cl.note != "" {
				txt += ": " + cl.note
			}
			lines = append(lines, fit(st.Option.Render(txt), w))
		}
	}
	return lines
}

// storeCall is a call of the history, with its note.
type storeCall struct {
	at       time.Time
	code, by string
	note     string
}

func toCalls(s *session) []storeCall {
	out := make([]storeCall, 0, len(s.state.Calls))
	for _, r := range s.state.Calls {
		out = append(out, storeCall{at: r.At, code: r.Outcome, by: r.Interviewer, note: s.notes[r.At.UTC()]})
	}
	return out
}

// outcomeLines lists the outcome keys in columns, as wide as the longest
// label needs and as many as fit the width; labels are cut only when the
// window is too small to show them whole in rows lines.
func (c Call) outcomeLines(rows int) []string {
	st := c.st
	n := len(c.outcomes)
	full := 12
	for _, o := range c.outcomes {
		full = max(full, cells(o.Key)+1+cells(o.Label)+2)
	}
	colW, cols := full, 1
	for colW = full; colW > 12; colW -= 2 {
		cols = max(c.width/colW, 1)
		if (n+cols-1)/cols <= rows {
			break
		}
	}
	cols = max(c.width/colW, 1)
	var lines []string
	var row []string
	for i, o := range c.outcomes {
		cell := fit(st.Prompt.Render(o.Key)+" "+st.Option.Render(o.Label), colW-1)
		row = append(row, cell+strings.Repeat(" ", max(colW-cells(cell), 1)))
		if len(row) == cols || i == n-1 {
			lines = append(lines, fit(strings.Join(row, ""), c.width))
			row = nil
		}
	}
	return lines
}

// View draws the card, the intro and the outcome keys, or the open dialog.
func (c Call) View() string {
	st := c.st
	var lines []string
	switch m := c.modals.top(); {
	case m != nil:
		// Who is on the line stays in view over the dialog.
		lines = append(c.card()[:1], "", m.view())
	default:
		// The outcome keys always show in full; a short window loses the
		// end of the card (the oldest calls) first.
		keys := append([]string{"", fit(st.Section.Render("Outcome keys")+st.Muted.Render("  (enter: the person is on the line)"), c.width)},
			c.outcomeLines(c.height-2)...)
		if len(keys)+1 > c.height {
			keys = keys[1:] // a short window loses the blank line too
		}
		card := c.card()
		if room := c.height - len(keys); room < len(card) {
			card = card[:max(room, 1)]
		}
		lines = append(card, keys...)
	}
	return strings.Join(lines, "\n")
}

// Problem is the inline error, if any.
func (c Call) Problem() string {
	if c.err != "" {
		return c.err
	}
	if m := c.modals.top(); m != nil {
		return m.problem()
	}
	return ""
}

// HelpKeys is the key map of what works now.
func (c Call) HelpKeys() help.KeyMap {
	if m := c.modals.top(); m != nil {
		return m.keys()
	}
	k := c.km.base()
	off(&k.DontKnow, &k.Refused, &k.Note, &k.Suspend, &k.Back)
	if len(c.sess.survey.Languages) < 2 {
		off(&k.Language)
	}
	on(&k.Type)
	k.Type.SetHelp("letter", "outcome")
	k.Confirm.SetHelp("enter", "on the line: consent")
	if c.sess.open != nil {
		k.Confirm.SetHelp("enter", "on the line: go on")
	}
	return k
}

// Script is the intro to read, for the frame's read-aloud text.
func (c Call) Script() (text, hint string) {
	if c.modals.open() {
		return "", ""
	}
	return c.intro, "Read the intro when the person answers; press the outcome key otherwise."
}

// contactName is the header's contact.
func contactName(ct model.Contact) string {
	if ct.Name != "" {
		return ct.Name + " (" + ct.ID + ")"
	}
	return ct.ID
}
