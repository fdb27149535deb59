package tui

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"canvass/model"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// NoteMsg is a note the interviewer wrote on a question; it is not read
// aloud and is kept with the interview.
type NoteMsg struct {
	Item string
	Text string
}

// LanguageMsg reports that the interviewer switched the interview's
// language.
type LanguageMsg struct{ Lang string }

// SuspendRequestMsg asks to suspend the interview (to be resumed later).
type SuspendRequestMsg struct{ Item string }

// OptOutRequestMsg asks to record that the contact does not want to be
// contacted again; it follows a yes to the confirmation prompt.
type OptOutRequestMsg struct{ Item string }

// step is one item the preview shows, with the group or repeat it is in.
type step struct {
	item    *model.Item
	parent  *model.Item
	choices []model.Choice
}

// Preview steps through a questionnaire's items in file order WITHOUT the
// interview engine: relevance, calculations, repeats and constraints are
// not evaluated (only the simple numeric bounds a widget checks itself),
// fills show answers given so far, and answers live only in memory. It is for seeing the widgets
// and the keyboard at work, and for authors to read a questionnaire as an
// interviewer will; [Interview] is the real interview screen.
type Preview struct {
	survey  *model.Survey
	st      *Styles
	km      keyMap
	frame   Frame
	loc     *time.Location
	steps   []step
	pos     int
	lang    string
	answers map[string]AnswerMsg
	notes   map[string]string

	w      widget
	notice string

	// noting is open while a note is typed; confirming while the opt-out
	// is confirmed.
	noting     bool
	note       textinput.Model
	confirming *YesNo
}

// newPreview lays out the survey's items as steps.
func newPreview(s *model.Survey, st *Styles, f Frame, loc *time.Location) Preview {
	p := Preview{
		survey: s, st: st, km: newKeyMap(), frame: f, loc: loc,
		answers: map[string]AnswerMsg{}, notes: map[string]string{},
		lang: s.DefaultLanguage,
	}
	if p.lang == "" && len(s.Languages) > 0 {
		p.lang = s.Languages[0]
	}
	s.Walk(func(it *model.Item, parents []*model.Item) bool {
		switch it.Type {
		case model.TypeGroup, model.TypeRepeat, model.TypeCalculate, model.TypeHidden, model.TypeMeta:
			return true
		}
		st := step{item: it}
		if n := len(parents); n > 0 {
			st.parent = parents[n-1]
		}
		if l := s.Lists[it.ListName]; l != nil {
			st.choices = l.Choices
		}
		p.steps = append(p.steps, st)
		return true
	})
	p.open()
	return p
}

// open builds the widget of the current step, prefilled with its answer.
func (p *Preview) open() {
	p.w = nil
	if p.pos >= len(p.steps) {
		return
	}
	s := p.steps[p.pos]
	a := p.answers[s.item.Name]
	w, err := newWidget(Spec{Item: s.item, Choices: s.choices, Lang: p.lang,
		Value: a.Value, Other: a.Other, Location: p.loc}, p.st)
	if err != nil {
		p.notice = err.Error()
		return
	}
	p.w = w
	p.resize()
}

// resize gives the widget the room the frame leaves under the question.
func (p *Preview) resize() {
	if p.w == nil {
		return
	}
	text, hint := p.texts()
	p.w.setSize(p.frame.ContentWidth(), p.frame.BodyHeight(text, hint))
}

// setFrame takes the window's new layout or styles.
func (p *Preview) setFrame(f Frame, st *Styles) {
	p.frame, p.st = f, st
	if p.w != nil {
		p.w.setStyles(st)
	}
	p.note.SetStyles(st.inputStyles())
	if p.confirming != nil {
		p.confirming.SetStyles(st)
		p.confirming.SetSize(f.ContentWidth(), 4)
	}
	p.resize()
}

var fillRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}`)

// fill replaces ${name} with the answer given so far, as far as the
// preview knows it; unknown names stay as written.
func (p *Preview) fill(s string) string {
	return fillRe.ReplaceAllStringFunc(s, func(ref string) string {
		name := fillRe.FindStringSubmatch(ref)[1]
		if a, ok := p.answers[name]; ok && a.Special == "" {
			if st := p.stepOf(name); st != nil && len(st.choices) > 0 {
				return answerText(st.choices, a.Value, p.lang)
			}
			return a.Value
		}
		return ref
	})
}

func (p *Preview) stepOf(name string) *step {
	for i := range p.steps {
		if p.steps[i].item.Name == name {
			return &p.steps[i]
		}
	}
	return nil
}

// texts are the current question's text and hint in the current language.
func (p *Preview) texts() (text, hint string) {
	if p.pos >= len(p.steps) {
		return "Preview finished.", "Nothing was saved: a preview keeps answers in memory only."
	}
	it := p.steps[p.pos].item
	text = p.fill(it.Label.In(p.lang, p.survey.DefaultLanguage))
	if text == "" {
		text = it.Name
	}
	return text, p.fill(it.Hint.In(p.lang, p.survey.DefaultLanguage))
}

// pending reports whether a result was sent (an answer, back, the opt-out
// decision) that the preview has not acted on yet; keys wait meanwhile.
func (p *Preview) pending() bool {
	return p.w != nil && p.w.pending() || p.confirming != nil && p.confirming.Pending()
}

// typing reports whether printable keys are input right now.
func (p *Preview) typing() bool {
	switch {
	case p.noting:
		return p.note.Value() != ""
	case p.confirming != nil:
		return false
	case p.w != nil:
		return p.w.typing()
	}
	return false
}

// Update handles keys and the widgets' messages.
func (p Preview) Update(msg tea.Msg) (Preview, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p.handleKey(msg)
	case AnswerMsg:
		if msg.Item != p.current() {
			return p, nil // stale: for a question no longer shown
		}
		p.answers[msg.Item] = msg
		return p.advance(1), nil
	case NextMsg:
		if msg.Item != p.current() {
			return p, nil
		}
		return p.advance(1), nil
	case BackMsg:
		if msg.Item != p.current() {
			return p, nil
		}
		if p.pos == 0 {
			if p.w != nil {
				p.w.reject("")
			}
			p.notice = "this is the first question"
			return p, nil
		}
		return p.advance(-1), nil
	case ConfirmMsg:
		if p.confirming == nil || msg.ID != p.confirming.id {
			return p, nil
		}
		p.confirming = nil
		if msg.Yes {
			return p, emit(OptOutRequestMsg{Item: p.current()})
		}
		p.notice = "opt-out not recorded"
	case SuspendRequestMsg:
		p.notice = "preview: suspending would save the interview and close it; nothing is saved here"
	case OptOutRequestMsg:
		p.notice = "preview: the opt-out would be recorded now; there is no contact here"
	default:
		if p.w != nil {
			return p, p.w.update(msg)
		}
	}
	return p, nil
}

// current is the name of the item shown, or "".
func (p *Preview) current() string {
	if p.pos < len(p.steps) {
		return p.steps[p.pos].item.Name
	}
	return ""
}

// advance moves by delta steps and opens the widget there.
func (p Preview) advance(delta int) Preview {
	p.pos = min(max(p.pos+delta, 0), len(p.steps))
	p.notice = ""
	p.open()
	return p
}

func (p Preview) handleKey(msg tea.KeyPressMsg) (Preview, tea.Cmd) {
	km := &p.km
	if p.noting {
		switch {
		case key.Matches(msg, km.Back):
			p.noting = false
			return p, nil
		case key.Matches(msg, km.Confirm):
			p.noting = false
			text := strings.TrimSpace(p.note.Value())
			if text == "" {
				delete(p.notes, p.current())
				return p, nil
			}
			// Kept at once, so that a key typed next already sees it; the
			// message tells the root, which will store it.
			p.notes[p.current()] = text
			p.notice = "note kept: " + text
			return p, emit(NoteMsg{Item: p.current(), Text: text})
		}
		var cmd tea.Cmd
		p.note, cmd = p.note.Update(msg)
		return p, cmd
	}
	if p.confirming != nil {
		if key.Matches(msg, km.Back) {
			p.confirming = nil
			p.notice = "opt-out not recorded"
			return p, nil
		}
		var cmd tea.Cmd
		*p.confirming, cmd = p.confirming.Update(msg)
		return p, cmd
	}
	p.notice = ""
	if p.pos >= len(p.steps) {
		switch {
		case key.Matches(msg, km.Back):
			return p.advance(-1), nil
		case key.Matches(msg, km.Confirm):
			p.pos = 0
			p.answers, p.notes = map[string]AnswerMsg{}, map[string]string{}
			p.open()
		}
		return p, nil
	}
	switch {
	case key.Matches(msg, km.Note):
		p.noting = true
		p.note = newInput(p.st, "what to remember about this answer")
		p.note.SetWidth(max(p.frame.ContentWidth()-3, 1))
		p.note.SetValue(p.notes[p.current()])
		p.note.CursorEnd()
		return p, nil
	case key.Matches(msg, km.Language):
		langs := p.survey.Languages
		if len(langs) < 2 {
			p.notice = "this survey has one language"
			return p, nil
		}
		i := 0
		for j, l := range langs {
			if l == p.lang {
				i = j
			}
		}
		p.lang = langs[(i+1)%len(langs)]
		if p.w != nil {
			p.w.setLang(p.lang)
		}
		p.resize()
		return p, emit(LanguageMsg{Lang: p.lang})
	case key.Matches(msg, km.Suspend):
		return p, emit(SuspendRequestMsg{Item: p.current()})
	case key.Matches(msg, km.OptOut):
		y := NewYesNo("optout", "Record that this person does not want to be contacted again? Every survey will leave them out.", false, p.st)
		y.SetSize(p.frame.ContentWidth(), 4)
		p.confirming = &y
		return p, nil
	}
	if p.w == nil {
		return p, nil
	}
	return p, p.w.update(msg)
}

// Page is what the frame shows.
func (p Preview) Page(who string) Page {
	text, hint := p.texts()
	pg := Page{
		Header: Header{
			Title:       p.survey.Title + " — preview",
			Contact:     "no contact (preview)",
			Interviewer: who,
			Lang:        p.lang,
			Langs:       p.survey.Languages,
			Done:        min(p.pos, len(p.steps)),
			Total:       len(p.steps),
		},
		Text:   text,
		Hint:   hint,
		Notice: p.notice,
	}
	if p.pos < len(p.steps) {
		if parent := p.steps[p.pos].parent; parent != nil {
			pg.Header.Section = parent.Label.In(p.lang, p.survey.DefaultLanguage)
		}
		if pg.Header.Section == "" {
			pg.Header.Section = fmt.Sprintf("Question %d of %d", p.pos+1, len(p.steps))
		}
		pg.Header.Done = p.pos
	} else {
		pg.Header.Section = "Finished"
	}
	switch {
	case p.noting:
		pg.Body = p.st.Prompt.Render("Note on this question (not read aloud):") + "\n" + p.note.View()
		k := p.km.base()
		off(&k.DontKnow, &k.Refused, &k.Note)
		k.Confirm.SetHelp("enter", "keep note")
		k.Back.SetHelp("esc", "cancel")
		pg.Keys = k
	case p.confirming != nil:
		pg.Body = p.confirming.View()
		pg.Keys = p.confirming.HelpKeys()
		pg.Error = p.confirming.Problem()
	case p.pos >= len(p.steps):
		pg.Body = p.summary()
		k := p.km.base()
		off(&k.DontKnow, &k.Refused, &k.Note)
		k.Confirm.SetHelp("enter", "start again")
		pg.Keys = k
	case p.w != nil:
		pg.Body = p.w.view()
		pg.Keys = p.w.keys()
		pg.Error = p.w.problem()
	}
	if k, ok := pg.Keys.(keyMap); ok && len(p.survey.Languages) < 2 {
		off(&k.Language) // nothing to switch to
		pg.Keys = k
	}
	if n := p.notes[p.current()]; n != "" && pg.Notice == "" && !p.noting {
		pg.Notice = "note: " + n
	}
	return pg
}

// summary lists the answers given, one a line.
func (p *Preview) summary() string {
	var lines []string
	for _, s := range p.steps {
		a, ok := p.answers[s.item.Name]
		if !ok {
			continue
		}
		v := a.Value
		switch {
		case a.Special != "":
			v = "[" + string(a.Special) + "]"
		case len(s.choices) > 0:
			v = answerText(s.choices, a.Value, p.lang)
		}
		if a.Other != "" {
			v += ": " + a.Other
		}
		lines = append(lines, fit(p.st.Muted.Render(s.item.Name+" ")+p.st.Option.Render(v), p.frame.ContentWidth()))
	}
	if len(lines) == 0 {
		return p.st.Muted.Render("No answers were given.")
	}
	return strings.Join(lines, "\n")
}
