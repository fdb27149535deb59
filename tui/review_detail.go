package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"canvass/model"
	"canvass/store"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// The decisions the detail screen asks its console to record on the
// interview it shows: approve with an optional note, reject with a
// comment and the item comments, flag (on) or take the flag off.
type (
	approveMsg struct{ note string }
	rejectMsg  struct {
		comment string
		items   []store.ItemComment
	}
	flagMsg struct {
		note string
		on   bool
	}
)

// reviewPrompt is the dialog of a decision or an item comment: a line
// of text, under the decision as the frame's heading. Enter answers with
// the text (a dialogMsg), esc closes it.
type reviewPrompt struct {
	of          dialogID // approve, reject, flag, unflag, comment
	confirm     string   // what enter does, for the help line
	title, hint string
	required    string // the problem shown when enter finds it empty; "" when optional
	ref         string // the item commented on
	// drafts are the item comments that go with a rejection, shown
	// under its comment.
	drafts []draft
	st     *Styles
	km     reviewKeys
	width  int
	input  textinput.Model
	err    string
	sent   bool
}

// draft is an item comment written for a rejection.
type draft struct{ ref, text string }

func (p reviewPrompt) id() dialogID { return p.of }

func (p reviewPrompt) update(msg tea.Msg) (modal, tea.Cmd) {
	if p.sent {
		return p, nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		p.input, cmd = p.input.Update(msg)
		return p, cmd
	}
	p.err = ""
	switch {
	case key.Matches(k, p.km.Back):
		p.sent = true
		return p, emit(dialogMsg{dialog: p.of, closed: true})
	case key.Matches(k, p.km.Confirm):
		text := strings.TrimSpace(p.input.Value())
		if text == "" && p.required != "" {
			p.err = p.required
			return p, nil
		}
		p.sent = true
		return p, emit(dialogMsg{dialog: p.of, text: text})
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return p, cmd
}

// view draws the entry and, for a rejection, the item comments going
// with it.
func (p reviewPrompt) view() string {
	lines := []string{p.input.View()}
	if len(p.drafts) > 0 {
		lines = append(lines, "", p.st.Section.Render("Comments on items"))
		for _, d := range p.drafts {
			lines = append(lines, fit("  "+p.st.Option.Render(d.ref+": "+d.text), p.width))
		}
	}
	return strings.Join(lines, "\n")
}

func (p reviewPrompt) keys() help.KeyMap {
	k := p.km.none()
	on(&k.Confirm, &k.Back)
	k.Back.SetHelp("esc", "cancel")
	k.Confirm.SetHelp("enter", p.confirm)
	return k
}

func (p reviewPrompt) problem() string                 { return p.err }
func (p reviewPrompt) heading() (string, string, bool) { return p.title, p.hint, true }
func (p reviewPrompt) pending() bool                   { return p.sent }
func (p reviewPrompt) typing() bool                    { return p.input.Value() != "" }

func (p reviewPrompt) retry() modal {
	p.sent = false
	return p
}

func (p reviewPrompt) resized(w, _ int) modal {
	p.width = w
	p.input.SetWidth(max(w-3, 1))
	return p
}

func (p reviewPrompt) restyled(st *Styles) modal {
	p.st = st
	p.input.SetStyles(st.inputStyles())
	return p
}

// transcriptItem is one answered item of the transcript, where the
// cursor can rest.
type transcriptItem struct {
	item string
	path []int
	ref  string
	line int // its first line in the body
	// head is the item's heading ("3. question text") and tag the styled
	// reference after it; the cursor's style is put on at View.
	head, tag string
}

// reviewDetail is one interview as a supervisor reviews it: who and
// when, the consent record, the transcript (each item as asked, the
// answer, the time spent on it, its changes, soft-check overrides, notes
// and comments), the status history and the contact's calls. ↑/↓ move
// between answers, PgUp/PgDn scroll; the decisions open a prompt.
type reviewDetail struct {
	st            *Styles
	km            reviewKeys
	loc           *time.Location
	d             *store.ReviewDetail
	sv            *model.Survey
	width, height int

	lines  []string
	items  []transcriptItem
	cursor int
	top    int

	// drafts are the item comments written for a rejection not yet sent,
	// by item reference.
	drafts map[string]string
	// modals is the prompt open over the interview: a decision or a
	// comment.
	modals modals
	sent   bool
}

// newReviewDetail builds the screen for d; keep is the screen it
// replaces after a reload of the same interview, whose cursor, scroll
// and drafts carry over.
func newReviewDetail(d *store.ReviewDetail, sv *model.Survey, keep *reviewDetail, st *Styles, loc *time.Location) reviewDetail {
	v := reviewDetail{st: st, km: newReviewKeys(), loc: loc, d: d, sv: sv, width: 78, height: 10, drafts: map[string]string{}}
	if keep != nil {
		v.cursor, v.top, v.drafts = keep.cursor, keep.top, keep.drafts
		v.width, v.height = keep.width, keep.height
	}
	v.build()
	return v
}

// reviewable reports whether approve, reject and item comments apply.
func (v *reviewDetail) reviewable() bool { return v.d.Status == store.InterviewCompleted }

// texts are the screen's heading and the hint under it.
func (v *reviewDetail) texts() (text, hint string) {
	if text, hint, ok := v.modals.heading(); ok {
		return text, hint
	}
	name := v.d.Interview.Contact
	if v.d.Contact != nil && v.d.Contact.Name != "" {
		name = v.d.Contact.Name
	}
	text = fmt.Sprintf("Interview with %s by %s: %s", name, v.d.Interview.Interviewer, shownStatus(v.d.Status))
	switch {
	case v.reviewable() && len(v.drafts) > 0:
		hint = fmt.Sprintf("%d item comment%s drafted: r sends the interview back with them.", len(v.drafts), pluralS(len(v.drafts)))
	case v.reviewable():
		hint = "Approve it, or comment on answers (c) and send it back to the interviewer (r)."
	case v.d.Status == store.InterviewRejected:
		hint = "Sent back to " + v.d.Interview.Interviewer + "; it comes back here when completed again."
	case v.d.Status == store.InterviewApproved:
		hint = "Approved."
	default:
		hint = "Only a completed interview can be approved or sent back; any can be flagged."
	}
	return text, hint
}

// label is an item's question text in lang, its fills as written.
func (v *reviewDetail) label(name, lang string) string {
	if v.sv == nil {
		return name
	}
	it := v.sv.Find(name)
	if it == nil {
		return name
	}
	if l := it.Label.In(lang, v.sv.Languages...); l != "" {
		return l
	}
	return name
}

// shown is the question of answer a as the interviewer read it: the
// text kept with the answer, else (answers recorded before the text was
// kept) the question filled from this interview's answers and contact.
func (v *reviewDetail) shown(a model.AnswerEvent) string {
	if a.Label != "" {
		return a.Label
	}
	return model.FillWith(v.label(a.Item, a.Lang), func(name string) (string, bool) {
		if f, ok := strings.CutPrefix(name, "contact."); ok && v.d.Contact != nil {
			return v.d.Contact.Field(f), true
		}
		if strings.HasPrefix(name, "survey.") && v.sv != nil {
			return v.sv.FillGeneric("${" + name + "}"), true
		}
		for _, c := range v.d.Current {
			if c.Item == name && (len(c.Path) == 0 || slices.Equal(c.Path, a.Path[:min(len(c.Path), len(a.Path))])) {
				return v.answerText(c.Item, a.Lang, c.Value, c.Special, c.Other, c.Reason), true
			}
		}
		return "[" + name + "]", true
	})
}

// answerText is an answer as the supervisor reads it: choice labels in
// the language used, DK/RF and skips spelled out.
func (v *reviewDetail) answerText(name, lang, value string, special model.Special, other, reason string) string {
	switch special {
	case model.DontKnow:
		return "DK (don't know)"
	case model.Refused:
		return "RF (refused)"
	case model.Skipped:
		return "skipped: " + reason
	}
	if value == "" {
		return "(empty)"
	}
	var it *model.Item
	if v.sv != nil {
		it = v.sv.Find(name)
	}
	if it != nil && it.ListName != "" {
		if list := v.sv.Lists[it.ListName]; list != nil {
			var labels []string
			for _, n := range strings.Fields(value) {
				l := n
				for _, c := range list.Choices {
					if c.Name == n && !c.Label.IsZero() {
						l = c.Label.In(lang, v.sv.Languages...)
					}
				}
				labels = append(labels, l)
			}
			value = strings.Join(labels, ", ")
		}
	}
	if other != "" {
		value += " (other: " + other + ")"
	}
	return value
}

// when writes a time in the supervisor's zone.
func (v *reviewDetail) when(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(v.loc).Format("Mon 2 Jan 15:04")
}

// build lays the interview out in lines for the current width.
func (v *reviewDetail) build() {
	st, d, w := v.st, v.d, max(v.width, 20)
	var lines []string
	add := func(s string) { lines = append(lines, fit(s, w)) }
	field := func(name, value string) { add(st.Section.Render(fmt.Sprintf("%-10s", name)) + st.Option.Render(value)) }
	wrapped := func(indent string, style func(...string) string, s string) {
		for _, l := range wrap(s, max(w-len(indent), 10)) {
			add(indent + style(l))
		}
	}

	// Who and when.
	if c := d.Contact; c != nil {
		parts := []string{contactName(*c)}
		parts = append(parts, c.Phones...)
		if c.Email != "" {
			parts = append(parts, c.Email)
		}
		field("Contact", strings.Join(parts, " · "))
	}
	iv := d.Interview
	span := v.when(iv.Started)
	if !iv.Ended.IsZero() && iv.Status != store.InterviewRefused {
		span += fmt.Sprintf(" → %s (%s)", iv.Ended.In(v.loc).Format("15:04"), shortDuration(iv.Ended.Sub(iv.Started)))
	}
	field("Interview", fmt.Sprintf("%s · %s · %s · %s rev %d", iv.Interviewer, span, shownStatus(d.Status), iv.Survey, iv.Revision))
	if d.Review.Flagged {
		add(st.Section.Render(fmt.Sprintf("%-10s", "Flagged")) + st.Warning.Render(fmt.Sprintf("%s — %s, %s", d.Review.FlagNote, d.Review.FlagBy, v.when(d.Review.FlagAt))))
	}
	if o := d.Review.Open(d.Status); o != nil {
		add(st.Section.Render(fmt.Sprintf("%-10s", "Returned")) + st.Warning.Render(fmt.Sprintf("%q — %s, %s", o.Comment, o.By, v.when(o.At))))
	}
	cs := iv.Consent
	agreed := "refused"
	if cs.Agreed {
		agreed = "agreed"
	}
	version := "version " + cs.Version
	if cs.Version == "" {
		version = "no version given"
	}
	field("Consent", fmt.Sprintf("%s · %s · %s · %s · asked by %s", agreed, strings.ToUpper(cs.Lang), version, v.when(cs.At), cs.Interviewer))
	if cs.Text != "" {
		wrapped("          ", st.Muted.Render, "“"+cs.Text+"”")
	}

	// The transcript.
	notes := map[string]string{}
	for _, n := range d.Notes {
		notes[model.Ref{Item: n.Item, Path: n.Path}.String()] = n.Text
	}
	earlier := map[string][]string{}
	for _, r := range d.Review.Rejections {
		for _, c := range r.Items {
			earlier[c.Ref()] = append(earlier[c.Ref()], fmt.Sprintf("%s (%s, %s)", c.Text, r.By, v.when(r.At)))
		}
	}
	var changes, overrides int
	for _, h := range d.History {
		if realChange(h.Answer) {
			changes++
		}
	}
	for _, a := range d.Current {
		if a.Override != "" {
			overrides++
		}
	}
	add("")
	add(st.Section.Render(fmt.Sprintf("Answers (%d; %d changed, %d soft-check override%s, %d note%s)",
		len(d.Current), changes, overrides, pluralS(overrides), len(notes), pluralS(len(notes)))))
	v.items = v.items[:0]
	for i, a := range d.Current {
		ref := model.Ref{Item: a.Item, Path: a.Path}.String()
		ti := transcriptItem{item: a.Item, path: a.Path, ref: ref, line: len(lines),
			head: fmt.Sprintf("%d. %s", i+1, v.shown(a)), tag: st.Muted.Render("  [" + ref + "]")}
		v.items = append(v.items, ti)
		add(st.ReadAloud.Render(st.Marks.NoCursor+ti.head) + ti.tag)
		var spent time.Duration
		var hist []model.AnswerEvent
		for _, h := range d.History {
			if h.Answer.Item == a.Item && slices.Equal(h.Answer.Path, a.Path) {
				if !h.Answer.Shown.IsZero() && h.Answer.Answered.After(h.Answer.Shown) {
					spent += h.Answer.Answered.Sub(h.Answer.Shown)
				}
				hist = append(hist, h.Answer)
			}
		}
		info := []string{v.answerText(a.Item, a.Lang, a.Value, a.Special, a.Other, a.Reason), shortDuration(spent), strings.ToUpper(a.Lang)}
		add("     " + st.Selected.Render(info[0]) + st.Muted.Render(" · "+strings.Join(info[1:], " · ")))
		for _, h := range hist {
			if realChange(h) {
				add("     " + st.Muted.Render(fmt.Sprintf("changed %s → %s at %s",
					v.answerText(h.Item, h.Lang, h.Previous, h.PreviousSpecial, "", ""),
					v.answerText(h.Item, h.Lang, h.Value, h.Special, h.Other, h.Reason),
					h.Answered.In(v.loc).Format("Mon 2 Jan 15:04:05"))))
			}
		}
		if a.Override != "" {
			add("     " + st.Warning.Render(st.Marks.Warning+"soft check overridden: "+fmt.Sprintf("%q", a.Override)))
		}
		if n := notes[ref]; n != "" {
			add("     " + st.Hint.Render("note: "+n))
		}
		for _, e := range earlier[ref] {
			add("     " + st.Muted.Render("earlier comment: "+e))
		}
		if c := v.drafts[ref]; c != "" {
			add("     " + st.Error.Render("comment: "+c))
		}
	}
	if len(d.Current) == 0 {
		add(st.Muted.Render("  no answers"))
	}

	// Status history and calls.
	add("")
	add(st.Section.Render("Status history"))
	for _, e := range d.Changes {
		add("  " + st.Option.Render(fmt.Sprintf("%s  %-28s %s", v.when(e.At), changeText(e), e.By)))
	}
	add("")
	add(st.Section.Render("Calls"))
	if len(d.Calls) == 0 {
		add(st.Muted.Render("  none recorded"))
	}
	for _, c := range d.Calls {
		s := fmt.Sprintf("%s  %-20s %s", v.when(c.At), c.Outcome, c.Interviewer)
		if n := d.CallNotes[c.At]; n != "" {
			s += " · " + n
		}
		add("  " + st.Option.Render(s))
	}
	v.lines = lines
	v.cursor = min(v.cursor, max(len(v.items)-1, 0))
	v.top = v.clampTop(v.top)
}

// realChange reports whether an answer event replaced a different answer
// (going back and confirming the same answer again is not a change).
func realChange(a model.AnswerEvent) bool {
	return a.Change && (a.Previous != a.Value || a.PreviousSpecial != a.Special)
}

// changeText describes a step of an interview in the status history.
func changeText(e store.StatusChange) string {
	var s string
	switch e.Kind {
	case store.KindConsent:
		s = "consent refused"
		if e.Agreed {
			s = "consent given: started"
		}
	case store.KindSuspended:
		s = "suspended"
	case store.KindResumed:
		s = "resumed"
	case store.KindCompleted:
		s = "completed"
	case store.KindBrokenOff:
		s = "broken off"
	case store.KindScreenedOut:
		s = "screened out"
	case store.KindReview:
		s = e.Decision
	default:
		s = e.Kind
	}
	if e.Note != "" {
		s += " (" + e.Note + ")"
	}
	return s
}

func (v *reviewDetail) clampTop(top int) int {
	return min(max(top, 0), max(len(v.lines)-v.height, 0))
}

// follow scrolls so that the cursor's answer shows, with its details
// where they fit.
func (v *reviewDetail) follow() {
	if v.cursor >= len(v.items) {
		return
	}
	first := v.items[v.cursor].line
	last := len(v.lines) - 1
	if v.cursor+1 < len(v.items) {
		last = v.items[v.cursor+1].line - 1
	}
	if last >= v.top+v.height {
		v.top = last - v.height + 1
	}
	if first < v.top || first >= v.top+v.height {
		v.top = first
	}
	v.top = v.clampTop(v.top)
}

// Update handles a key and the answers of its prompts; back is true
// when esc leaves the screen.
func (v reviewDetail) Update(msg tea.Msg) (reviewDetail, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case dialogMsg:
		cmd := v.handlePrompt(msg)
		return v, cmd, false
	case tea.KeyPressMsg:
		return v.handleKey(msg)
	}
	// Other input (a paste) goes where the keys go.
	var cmd tea.Cmd
	v.modals, cmd = v.modals.update(msg)
	return v, cmd, false
}

func (v reviewDetail) handleKey(msg tea.KeyPressMsg) (reviewDetail, tea.Cmd, bool) {
	if v.sent {
		return v, nil, false
	}
	if v.modals.open() {
		var cmd tea.Cmd
		v.modals, cmd = v.modals.update(msg)
		return v, cmd, false
	}
	km := v.km
	switch {
	case msg.Code == tea.KeyUp:
		v.cursor = max(v.cursor-1, 0)
		v.follow()
	case msg.Code == tea.KeyDown:
		v.cursor = min(v.cursor+1, max(len(v.items)-1, 0))
		v.follow()
	case msg.Code == tea.KeyPgUp:
		v.top = v.clampTop(v.top - max(v.height-1, 1))
	case msg.Code == tea.KeyPgDown:
		v.top = v.clampTop(v.top + max(v.height-1, 1))
	case key.Matches(msg, km.Back):
		return v, nil, true
	case key.Matches(msg, km.Approve) && v.reviewable():
		hint := "A note is optional; enter approves."
		if len(v.drafts) > 0 {
			hint = "The item comments drafted are dropped. A note is optional; enter approves."
		}
		v.open(reviewPrompt{of: dialogApprove, confirm: "approve", title: "Approve this interview", hint: hint}, "note (optional)", "")
	case key.Matches(msg, km.Reject) && v.reviewable():
		p := reviewPrompt{of: dialogReject, confirm: "reject", title: "Send this interview back to " + v.d.Interview.Interviewer,
			hint:     "They correct or explain and complete it again. " + draftsGo(len(v.drafts)),
			required: "a rejection needs a comment for the interviewer"}
		for _, it := range v.items {
			if c := v.drafts[it.ref]; c != "" {
				p.drafts = append(p.drafts, draft{it.ref, c})
			}
		}
		v.open(p, "what to correct or explain", "")
	case key.Matches(msg, km.Comment) && v.reviewable() && len(v.items) > 0:
		it := v.items[v.cursor]
		v.open(reviewPrompt{of: dialogComment, confirm: "keep comment", ref: it.ref, title: "Comment on " + it.ref + ": " + v.shown(v.d.Current[v.cursor]),
			hint: "The interviewer sees it on this question; an empty comment removes it."}, "what to check on this answer", v.drafts[it.ref])
	case key.Matches(msg, km.Flag) && v.d.Review.Flagged:
		v.open(reviewPrompt{of: dialogUnflag, confirm: "unflag", title: "Take the flag off", hint: "Flagged: " + v.d.Review.FlagNote + ". A note is optional."}, "note (optional)", "")
	case key.Matches(msg, km.Flag):
		v.open(reviewPrompt{of: dialogFlag, confirm: "flag", title: "Flag this interview", hint: "Say why; the flag shows in the list until taken off.",
			required: "a flag needs a note saying why"}, "why it needs attention", "")
	}
	return v, nil, false
}

// open shows prompt p with an entry.
func (v *reviewDetail) open(p reviewPrompt, placeholder, value string) {
	p.st, p.km, p.width = v.st, v.km, v.width
	p.input = newInput(v.st, placeholder)
	p.input.CharLimit = 500
	p.input.SetWidth(max(v.width-3, 1))
	p.input.SetValue(value)
	p.input.CursorEnd()
	v.modals = v.modals.push(p)
}

// handlePrompt acts on the answer of the prompt on top: a comment is
// kept with the drafts, a decision goes to the console to be recorded.
func (v *reviewDetail) handlePrompt(msg dialogMsg) tea.Cmd {
	if !v.modals.on(msg.dialog) {
		return nil
	}
	p := v.modals.top().(reviewPrompt)
	v.modals = v.modals.pop()
	if msg.closed {
		return nil
	}
	text := msg.text
	switch msg.dialog {
	case dialogComment:
		ref := p.ref
		if text == "" {
			delete(v.drafts, ref)
		} else {
			v.drafts[ref] = text
		}
		v.build()
		v.follow()
		return nil
	case dialogApprove:
		v.sent = true
		return emit(approveMsg{note: text})
	case dialogReject:
		v.sent = true
		r := rejectMsg{comment: text}
		for _, it := range v.items {
			if c := v.drafts[it.ref]; c != "" {
				r.items = append(r.items, store.ItemComment{Item: it.item, Path: it.path, Text: c})
			}
		}
		return emit(r)
	case dialogFlag, dialogUnflag:
		v.sent = true
		return emit(flagMsg{note: text, on: msg.dialog == dialogFlag})
	}
	return nil
}

// View draws the visible part of the interview, or the prompt.
func (v reviewDetail) View() string {
	if m := v.modals.top(); m != nil {
		return m.view()
	}
	end := min(v.top+v.height, len(v.lines))
	lines := v.lines[v.top:end]
	if v.cursor < len(v.items) {
		if at := v.items[v.cursor]; at.line >= v.top && at.line < end {
			lines = slices.Clone(lines)
			lines[at.line-v.top] = fit(v.st.Cursor.Render(v.st.Marks.Cursor+at.head)+at.tag, max(v.width, 20))
		}
	}
	return strings.Join(lines, "\n")
}

// SetSize sets the area the screen draws in and lays it out again.
func (v *reviewDetail) SetSize(w, h int) {
	v.width, v.height = max(w, 1), max(h, 1)
	v.modals = v.modals.resized(w, h)
	v.build()
}

// SetStyles switches to new styles.
func (v *reviewDetail) SetStyles(st *Styles) {
	v.st = st
	v.modals = v.modals.restyled(st)
	v.build()
}

// problem is the open prompt's problem, if any.
func (v reviewDetail) problem() string {
	if m := v.modals.top(); m != nil {
		return m.problem()
	}
	return ""
}

// HelpKeys is the key map of what works now.
func (v reviewDetail) HelpKeys() help.KeyMap {
	if m := v.modals.top(); m != nil {
		return m.keys()
	}
	k := v.km.none()
	on(&k.Back, &k.Flag, &k.PageUp)
	if len(v.items) > 1 {
		on(&k.Up)
		k.Up.SetHelp("↑/↓", "answer")
	}
	if v.reviewable() {
		on(&k.Approve, &k.Reject)
		if len(v.items) > 0 {
			on(&k.Comment)
		}
	}
	if v.d.Review.Flagged {
		k.Flag.SetHelp("f", "unflag")
	}
	k.Back.SetHelp("esc", "list")
	return k
}

// draftsGo says which item comments go with a rejection.
func draftsGo(n int) string {
	switch n {
	case 0:
		return "No item comment goes with it."
	case 1:
		return "1 item comment goes with it."
	}
	return fmt.Sprintf("%d item comments go with it.", n)
}
