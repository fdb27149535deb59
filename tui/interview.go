package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"canvass/model"
	"canvass/store"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// savedMsg reports that an answer was committed to the store (or not).
type savedMsg struct {
	interview string
	token     int
	err       error
}

// SuspendMsg asks to suspend the interview with an appointment at At.
type SuspendMsg struct {
	Interview string
	At        time.Time
}

// OptOutRequestMsg asks the console to record that the contact does not
// want to be contacted again; the call screen and the interview send it
// after a yes to the confirmation prompt.
type OptOutRequestMsg struct{ Item string }

// EndedMsg reports that the interview was ended elsewhere while it was on
// screen (its person opted out in another session, say): the answer just
// given was not saved, every earlier one is kept.
type EndedMsg struct{ Interview string }

// ScreenedOutMsg reports that the last answer put the interview into a
// full quota cell: the store saved it and screened the interview out
// (AAPOR 4.80), and the console reads the survey's quota-full text.
type ScreenedOutMsg struct{ Interview string }

// FinishedMsg reports that the interview reached its end: the console closes
// it in the store and shows the closing script.
type FinishedMsg struct{ Interview string }

// Interview is the questionnaire screen: it shows the engine's current
// stop with the answer widget for its type, hands what the interviewer
// confirms to the engine, and commits every accepted answer to the store
// (in a command) before it lets the engine move on. Until the store has
// said yes, the screen stays on the question and keys wait; if the save
// fails, the interviewer sees it and can only try again or quit.
type Interview struct {
	be   Backend
	st   *Styles
	km   *keyMap
	sess *session
	iv   *model.Interview
	id   string // the store's interview id
	who  string
	loc  *time.Location // dateTime answers
	mine *time.Location
	now  time.Time

	frame Frame
	sc    model.Screen
	w     widget

	// modals are the dialogs open over the question: the soft check
	// (softResp is the answer it is about), a note, the opt-out, the
	// suspension's appointment.
	modals   modals
	softResp model.Response
	notes    map[string]string
	// stops are the questions the go-to list (F9) offers.
	stops []model.Stop

	// token counts saves: a result names the save it belongs to.
	token   int
	saving  bool
	saveErr string
	lastEv  *model.AnswerEvent
	notice  string
	done    bool

	// comments are a supervisor's comments on items of an interview sent
	// back, by item reference; shown with the hint.
	comments map[string]string
}

// newInterview opens the screen on the interview's current stop.
func newInterview(be Backend, sess *session, iv *model.Interview, id, who string, loc, mine *time.Location, now time.Time, f Frame, st *Styles) Interview {
	v := Interview{be: be, st: st, km: newKeys(), sess: sess, iv: iv, id: id, who: who,
		loc: loc, mine: mine, now: now, frame: f, notes: map[string]string{}}
	v.open()
	return v
}

// open builds the widget of the engine's current stop.
func (v *Interview) open() {
	v.sc = v.iv.Current()
	v.w, v.modals = nil, nil
	if v.iv.Done() {
		v.done = true
		return
	}
	var err error
	v.w, err = v.widgetFor(v.sc)
	if err != nil {
		v.notice = err.Error()
	}
	v.resize()
}

// widgetFor builds the widget of a stop. Choice labels come from the
// survey's list in every language, so that switching language keeps what
// was typed.
func (v *Interview) widgetFor(sc model.Screen) (widget, error) {
	lang := v.iv.Language()
	if sc.Kind == model.KindRepeatPrompt {
		q := sc.Label
		// Yes is offered first for the first one; an answered prompt
		// (going back, correcting a returned interview) offers its answer.
		def := sc.Instance == 1
		if sc.Answered {
			def = sc.Value == "yes"
		}
		var ask string
		switch {
		case q == "" && sc.Instance == 1:
			ask = "Add the first one?" // the repeat's name is the author's, not for reading
		case q == "":
			ask = fmt.Sprintf("Add another one (no. %d)?", sc.Instance)
		case sc.Instance == 1:
			ask = fmt.Sprintf("Add a %s?", q)
		default:
			ask = fmt.Sprintf("Add %s %d?", q, sc.Instance)
		}
		y := NewYesNo(sc.Item, ask, def, v.st)
		return host(y), nil
	}
	it := v.sess.survey.Find(sc.Item)
	if it == nil {
		return nil, fmt.Errorf("item %s is not in the questionnaire", sc.Item)
	}
	switch sc.Kind {
	case model.KindNote:
		note := *it
		note.Type = model.TypeNote
		it = &note
	case model.KindAcknowledge:
		ack := *it
		ack.Type = model.TypeAcknowledge
		it = &ack
	case model.KindUnsupported:
		un := *it
		un.Type = model.TypeUnsupported
		un.Unsupported = sc.Unsupported
		it = &un
	default:
		cp := *it
		cp.NoDontKnow, cp.NoRefused = !sc.DontKnow, !sc.Refused
		it = &cp
	}
	var list *model.ChoiceList
	if it.ListName != "" {
		list = v.sess.survey.Lists[it.ListName]
	}
	var choices []model.Choice
	for _, o := range sc.Options {
		if o.Other {
			continue
		}
		ch := model.Choice{Name: o.Name, Label: model.Text{lang: o.Label}}
		if list != nil {
			for _, c := range list.Choices {
				if c.Name == o.Name && !c.Label.IsZero() {
					ch.Label = c.Label
				}
			}
		}
		choices = append(choices, ch)
	}
	value := sc.Value
	if !sc.Answered {
		value = sc.Default
	}
	return newWidget(Spec{Item: it, Choices: choices, Lang: lang, Value: value, Other: sc.Other, Location: v.loc}, v.st)
}

// resize gives the widget the room under the question.
func (v *Interview) resize() {
	text, hint := v.texts()
	h := v.frame.ForKeys(v.keys()).BodyHeight(text, hint)
	if v.w != nil {
		v.w.setSize(v.frame.ContentWidth(), h)
	}
	v.modals = v.modals.resized(v.frame.ContentWidth(), h)
}

// setFrame takes the window's new layout or styles.
func (v *Interview) setFrame(f Frame, st *Styles) {
	v.frame, v.st = f, st
	if v.w != nil {
		v.w.setStyles(st)
	}
	v.modals = v.modals.restyled(st)
	v.resize()
}

// texts are the stop's read-aloud text and the interviewer hint, or the
// open dialog's heading.
func (v *Interview) texts() (text, hint string) {
	if text, hint, ok := v.modals.heading(); ok {
		return text, hint
	}
	if v.sc.Kind == model.KindRepeatPrompt {
		return "", "Ask whether there is another one to add."
	}
	return v.sc.Label, v.commentHint(v.sc.Hint)
}

// pending reports whether a result is on its way: keys wait meanwhile.
func (v *Interview) pending() bool {
	if v.saveErr != "" {
		return false // the retry key must get through
	}
	if v.modals.open() {
		return v.modals.pending()
	}
	return v.saving || v.w != nil && v.w.pending()
}

// typing reports whether printable keys are input right now.
func (v *Interview) typing() bool {
	switch {
	case v.modals.open():
		return v.modals.typing()
	case v.w != nil:
		return v.w.typing()
	}
	return false
}

// Update handles keys, the widgets' results and the store's replies.
func (v Interview) Update(msg tea.Msg) (Interview, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return v.handleKey(msg)
	case AnswerMsg:
		if msg.Item != v.sc.Item {
			return v, nil
		}
		return v.answer(model.Response{Value: msg.Value, Special: msg.Special, Other: msg.Other, Reason: msg.Reason})
	case NextMsg:
		if msg.Item != v.sc.Item {
			return v, nil
		}
		return v.next()
	case ConfirmMsg:
		return v.handleConfirm(msg)
	case BackMsg:
		return v.handleBack(msg)
	case SoftCheckMsg:
		return v.handleSoftCheck(msg)
	case dialogMsg:
		return v.handleDialog(msg)
	case savedMsg:
		return v.handleSaved(msg)
	}
	// Other input (a paste) goes where the keys go.
	if v.modals.open() {
		var cmd tea.Cmd
		v.modals, cmd = v.modals.update(msg)
		return v, cmd
	}
	if v.w != nil {
		return v, v.w.update(msg)
	}
	return v, nil
}

// answer hands a response to the engine and saves what it accepts.
func (v Interview) answer(resp model.Response) (Interview, tea.Cmd) {
	ev, res := v.iv.Answer(resp)
	switch res.Status {
	case model.Rejected:
		v.reject(res.Msg)
		return v, nil
	case model.NeedsOverride:
		s := NewSoftCheck(v.sess.survey.Find(v.sc.Item), res.Msg, v.display(resp), v.st)
		if v.sc.Answered && v.sc.Override != "" && resp.Special == v.sc.Special &&
			resp.Value == v.sc.Value && resp.Other == v.sc.Other {
			// The answer stands as it was confirmed: its reason too,
			// shown and kept unless the interviewer changes it.
			s.keepReason(v.sc.Override)
		}
		v.modals = v.modals.push(newDialog[SoftCheck](dialogSoftCheck, s, quiet("")))
		v.softResp = resp
		v.reject("") // the dialog takes the keys now
		v.resize()
		return v, nil
	}
	return v.save(ev)
}

// display is a response as the interviewer reads it back.
func (v *Interview) display(resp model.Response) string {
	if resp.Special != "" {
		return "[" + string(resp.Special) + "]"
	}
	var labels []string
	for _, name := range strings.Fields(resp.Value) {
		found := false
		for _, o := range v.sc.Options {
			if o.Name == name {
				labels, found = append(labels, o.Label), true
			}
		}
		if !found {
			return resp.Value
		}
	}
	if len(labels) == 0 {
		return resp.Value
	}
	return strings.Join(labels, ", ")
}

// reject gives the widget back with the engine's message.
func (v *Interview) reject(msg string) {
	if v.w != nil {
		v.w.reject(msg)
	}
}

// save commits an accepted answer with the engine's state after it.
func (v Interview) save(ev *model.AnswerEvent) (Interview, tea.Cmd) {
	state, err := v.iv.State()
	if err != nil {
		v.saveErr = "the answer could not be prepared for saving: " + err.Error()
		v.saving = true
		return v, nil
	}
	v.token++
	v.saving, v.saveErr, v.lastEv = true, "", ev
	be, id, tok, e := v.be, v.id, v.token, *ev
	return v, func() tea.Msg {
		return savedMsg{interview: id, token: tok, err: be.SaveAnswer(id, e, state)}
	}
}

// retry saves the last answer again after a failure.
func (v Interview) retry() (Interview, tea.Cmd) {
	if v.lastEv == nil {
		return v, nil
	}
	return v.save(v.lastEv)
}

func (v Interview) handleSaved(msg savedMsg) (Interview, tea.Cmd) {
	if msg.interview != v.id || msg.token != v.token || !v.saving {
		return v, nil // stale
	}
	if errors.Is(msg.err, store.ErrQuotaFull) {
		// Saved, and the interview is over: nothing to retry.
		v.saving, v.lastEv = false, nil
		return v, emit(ScreenedOutMsg{Interview: v.id})
	}
	if errors.Is(msg.err, store.ErrClosed) {
		// Ended meanwhile, elsewhere: the person opted out in another
		// session or survey, or the call room suspended it. Trying again
		// cannot help.
		v.saving, v.lastEv = false, nil
		return v, emit(EndedMsg{Interview: v.id})
	}
	if msg.err != nil {
		v.saveErr = "ANSWER NOT SAVED: " + msg.err.Error() + " — press enter to try again"
		return v, nil
	}
	v.saving, v.saveErr, v.lastEv = false, "", nil
	return v.next()
}

// next moves the engine on, once the current stop is complete and saved.
func (v Interview) next() (Interview, tea.Cmd) {
	v.notice = ""
	if err := v.iv.Next(); err != nil {
		if errors.Is(err, model.ErrComplete) {
			v.done = true
			return v, emit(FinishedMsg{Interview: v.id})
		}
		v.reject(err.Error())
		return v, nil
	}
	v.open()
	if v.done {
		return v, emit(FinishedMsg{Interview: v.id})
	}
	return v, nil
}

// handleConfirm takes the answer of a repeat's "add another?".
func (v Interview) handleConfirm(msg ConfirmMsg) (Interview, tea.Cmd) {
	if v.sc.Kind != model.KindRepeatPrompt || msg.ID != v.sc.Item {
		return v, nil
	}
	val := "no"
	if msg.Yes {
		val = "yes"
	}
	return v.answer(model.Response{Value: val})
}

// handleDialog acts on the answer of the dialog on top: the note, the
// opt-out, the suspension's appointment.
func (v Interview) handleDialog(msg dialogMsg) (Interview, tea.Cmd) {
	if !v.modals.on(msg.dialog) {
		return v, nil
	}
	switch msg.dialog {
	case dialogNote:
		v.modals = v.modals.pop()
		if msg.closed {
			return v, nil
		}
		return v.keepNote(msg.text)
	case dialogOptOut:
		v.modals = v.modals.pop()
		if msg.yes {
			return v, emit(OptOutRequestMsg{Item: v.sc.Item})
		}
		v.notice = "opt-out not recorded"
		return v, nil
	case dialogJump:
		v.modals = v.modals.pop()
		if msg.closed || msg.choice < 0 || msg.choice >= len(v.stops) {
			v.resize()
			return v, nil
		}
		to := v.stops[msg.choice]
		if to.Current {
			v.resize()
			return v, nil
		}
		if err := v.iv.GoTo(to.Item, to.Path); err != nil {
			v.notice = "cannot go there: " + err.Error()
			v.resize()
			return v, nil
		}
		v.open()
		v.notice = fmt.Sprintf("went to question %d; the answers after it are kept", msg.choice+1)
		return v, nil
	case dialogSuspend:
		if msg.closed {
			v.modals = v.modals.pop()
			v.notice = "not suspended"
			v.resize()
			return v, nil
		}
		// The picker stays, waiting, until the store has suspended the
		// interview; if that fails, it asks again.
		return v, emit(SuspendMsg{Interview: v.id, At: msg.at})
	}
	return v, nil
}

func (v Interview) handleBack(msg BackMsg) (Interview, tea.Cmd) {
	if msg.Item != v.sc.Item {
		return v, nil
	}
	if err := v.iv.Back(); err != nil {
		v.reject("")
		v.notice = "this is the first question"
		return v, nil
	}
	v.open()
	return v, nil
}

func (v Interview) handleSoftCheck(msg SoftCheckMsg) (Interview, tea.Cmd) {
	if !v.modals.on(dialogSoftCheck) || msg.Item != v.sc.Item {
		return v, nil
	}
	v.modals = v.modals.pop()
	if !msg.Confirmed {
		v.reject("")
		v.resize()
		return v, nil
	}
	resp := v.softResp
	resp.Override = msg.Reason
	v.resize()
	return v.answer(resp)
}

func (v Interview) handleKey(msg tea.KeyPressMsg) (Interview, tea.Cmd) {
	km := v.km
	switch {
	case v.saveErr != "":
		if key.Matches(msg, km.Confirm) {
			return v.retry()
		}
		return v, nil
	case v.done:
		// The end is being recorded; if that failed, enter tries again.
		if key.Matches(msg, km.Confirm) {
			return v, emit(FinishedMsg{Interview: v.id})
		}
		return v, nil
	case v.modals.open():
		var cmd tea.Cmd
		v.modals, cmd = v.modals.update(msg)
		return v, cmd
	}
	v.notice = ""
	switch {
	case key.Matches(msg, km.Note):
		v.modals = v.modals.push(newNoteEntry(dialogNote, "Note on this question (not read aloud):",
			"what to remember about this answer (not read aloud)", v.notes[v.noteKey()], "", "keep note",
			v.frame.ContentWidth(), v.st))
		return v, nil
	case key.Matches(msg, km.Language):
		return v.switchLanguage()
	case key.Matches(msg, km.Suspend):
		p := v.sess.appointmentPicker(dialogSuspend, "When should we call "+v.sess.contact.Name+" back to go on?", v.mine, v.now, v.st)
		d := newDialog[Picker](dialogSuspend, p, nil)
		d.text, d.hint = "Suspend the interview", "It is saved as it is and resumed at this question at the appointment."
		v.modals = v.modals.push(d)
		v.resize()
		return v, nil
	case key.Matches(msg, km.Jump):
		v.stops = v.iv.Reached()
		v.modals = v.modals.push(newJumpList(v.stops, v.stopAnswer, v.st))
		v.resize()
		return v, nil
	case key.Matches(msg, km.OptOut):
		q := "Record that " + v.sess.contact.Name + " does not want to be contacted again? The interview stops here and every survey will leave them out."
		v.modals = v.modals.push(confirmDialog(dialogOptOut, q, false, v.st, quiet("cancel")))
		v.resize()
		return v, nil
	}
	if v.w == nil {
		return v, nil
	}
	return v, v.w.update(msg)
}

// noteKey names the stop a note belongs to.
func (v *Interview) noteKey() string {
	return model.Ref{Item: v.sc.Item, Path: v.sc.Path}.String()
}

// keepNote keeps the note typed on the question, in the store too (in
// the background: only a failure is shown).
func (v Interview) keepNote(text string) (Interview, tea.Cmd) {
	if text == v.notes[v.noteKey()] {
		return v, nil
	}
	v.notes[v.noteKey()] = text
	v.notice = "note kept"
	if text == "" {
		delete(v.notes, v.noteKey())
		v.notice = "note cleared"
	}
	be, id := v.be, v.id
	n := noteFor(v.sc, text, v.who, v.now)
	return v, func() tea.Msg { return noteSavedMsg{err: be.AddNote(id, n)} }
}

func (v Interview) switchLanguage() (Interview, tea.Cmd) {
	langs := v.sess.survey.Languages
	if len(langs) < 2 {
		v.notice = "this survey has one language"
		return v, nil
	}
	i := 0
	for j, l := range langs {
		if l == v.iv.Language() {
			i = j
		}
	}
	lang := langs[(i+1)%len(langs)]
	if err := v.iv.SetLanguage(lang); err != nil {
		v.notice = err.Error()
		return v, nil
	}
	v.sc = v.iv.Current()
	if v.w != nil {
		v.w.setLang(lang)
	}
	v.notice = "language: " + strings.ToUpper(lang)
	v.resize()
	return v, nil
}

// Page is what the frame shows.
func (v Interview) Page(who string) Page {
	text, hint := v.texts()
	p := v.iv.Progress()
	pg := Page{
		Header: Header{
			Title:       v.sess.survey.Title,
			Contact:     contactName(v.sess.contact),
			Interviewer: who,
			Lang:        v.iv.Language(),
			Langs:       v.sess.survey.Languages,
			Section:     section(v.sc),
			Done:        p.Answered,
			Total:       p.Answered + p.Remaining,
		},
		Text:   text,
		Hint:   hint,
		Notice: v.notice,
	}
	switch {
	case v.saveErr != "":
		pg.Body = v.bodyOf()
		pg.Error = v.saveErr
	case v.modals.open():
		pg = v.modals.over(pg)
	case v.w != nil:
		pg.Body = v.w.view()
		pg.Error = v.w.problem()
	case v.done:
		pg.Body = v.st.Muted.Render("The last answer is saved; closing the interview…")
	}
	pg.Keys = v.keys()
	if v.saving && v.saveErr == "" {
		pg.Notice = "saving…"
	}
	if n := v.notes[v.noteKey()]; n != "" && pg.Notice == "" && !v.modals.on(dialogNote) {
		pg.Notice = "note: " + n
	}
	if pg.Notice == "" && pg.Error == "" && !v.modals.open() {
		pg.Notice = v.earlierSpecial()
	}
	return pg
}

// stopAnswer is a reached stop's answer as the go-to list shows it.
func (v *Interview) stopAnswer(s model.Stop) string {
	switch {
	case !s.Answered && s.Kind == model.KindNote:
		return ""
	case !s.Answered:
		return "not answered yet"
	case s.Special == model.DontKnow:
		return "don't know"
	case s.Special == model.Refused:
		return "refused"
	case s.Special == model.Skipped:
		return "skipped"
	}
	it := v.sess.survey.Find(s.Item)
	if it == nil || it.ListName == "" || v.sess.survey.Lists[it.ListName] == nil {
		return s.Value
	}
	var labels []string
	for _, name := range strings.Fields(s.Value) {
		l := name
		for _, c := range v.sess.survey.Lists[it.ListName].Choices {
			if c.Name == name && !c.Label.IsZero() {
				l = c.Label.In(v.iv.Language(), v.sess.survey.Languages...)
			}
		}
		labels = append(labels, l)
	}
	return strings.Join(labels, ", ")
}

// earlierSpecial says, on a question answered don't know or refused
// (gone back to), what the answer is: the widget has no value to show.
func (v Interview) earlierSpecial() string {
	if !v.sc.Answered {
		return ""
	}
	switch v.sc.Special {
	case model.DontKnow:
		return "answered: don't know (F3 keeps it; type an answer to change it)"
	case model.Refused:
		return "answered: refused (F4 keeps it; type an answer to change it)"
	}
	return ""
}

// keys are the keys that work on the screen now: the widget's, the open
// dialog's, or the retry of a failed save.
func (v Interview) keys() help.KeyMap {
	var keys help.KeyMap
	switch {
	case v.saveErr != "":
		k := v.km.base()
		off(&k.DontKnow, &k.Refused, &k.Note, &k.Language, &k.Suspend, &k.OptOut, &k.Back)
		k.Confirm.SetHelp("enter", "try saving again")
		keys = k
	case v.modals.open():
		keys = v.modals.top().keys()
	case v.w != nil:
		keys = v.w.keys()
		if k, ok := keys.(keyMap); ok {
			// One copy for both changes: the help is drawn every frame.
			k.Jump.SetEnabled(true)
			if len(v.sess.survey.Languages) < 2 {
				off(&k.Language)
			}
			return k
		}
	case v.done:
		k := v.km.base()
		off(&k.DontKnow, &k.Refused, &k.Note, &k.Language, &k.Suspend, &k.OptOut, &k.Back)
		k.Confirm.SetHelp("enter", "try again")
		keys = k
	}
	if k, ok := keys.(keyMap); ok && len(v.sess.survey.Languages) < 2 {
		off(&k.Language)
		keys = k
	}
	return keys
}

func (v Interview) bodyOf() string {
	if v.w != nil {
		return v.w.view()
	}
	return ""
}

// section names where the stop is: its groups and repeat instances. A
// group without a label names nothing (its name is the author's, not
// the interviewer's); a repeat without one keeps its instance number.
func section(sc model.Screen) string {
	var parts []string
	for _, h := range sc.Headings {
		l := h.Label
		switch {
		case l != "" && h.Instance > 0:
			l = fmt.Sprintf("%s %d", l, h.Instance)
		case h.Instance > 0:
			l = fmt.Sprintf("no. %d", h.Instance)
		}
		if l != "" {
			parts = append(parts, l)
		}
	}
	if len(parts) == 0 {
		return "Questionnaire"
	}
	return strings.Join(parts, " › ")
}
