package tui

import (
	"fmt"
	"strings"
	"time"

	"canvass/store"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// HomeMsg is what the interviewer picked on the home screen: the next
// contact of a survey, an interview to resume, or loading the demo study.
type HomeMsg struct {
	Survey string
	Resume *store.InterviewRecord
	// Reopen is set when Resume is an interview a supervisor sent back.
	Reopen bool
	// OnTheLine is set when Resume comes from the call screen, the
	// person on the line: the questionnaire goes on at once.
	OnTheLine bool
	Load      bool
}

// homeEntry is one row the cursor can rest on.
type homeEntry struct {
	msg   HomeMsg
	label string
	info  string
}

// Home is the interviewer's start screen: the surveys they work on with
// their progress and a "next contact" row each, their suspended
// interviews to resume, and the appointments due for them soon. ↑/↓ pick
// a row and Enter takes it.
type Home struct {
	st            *Styles
	km            *keyMap
	width, height int
	loaded        bool
	entries       []homeEntry
	// idle are the surveys without a sample: shown, not taken.
	idle []homeEntry
	// titles are the surveys' titles by id, for messages about them.
	titles  map[string]string
	appts   []store.Appointment
	empty   bool
	canLoad bool
	cursor  int
	sent    bool
	mine    *time.Location
}

// The home screen's heading.
const homeTitle = "Choose what to do next"

// newHome builds an empty home screen, waiting for its data.
func newHome(st *Styles, mine *time.Location, canLoad bool) Home {
	return Home{st: st, km: newKeys(), mine: mine, canLoad: canLoad, width: 78, height: 10}
}

// set fills the screen with what the store listed; the cursor stays on
// the survey last worked on when there is one.
func (h *Home) set(m *store.Home, last string) {
	empty := len(m.Surveys) == 0
	h.loaded, h.sent, h.empty = true, false, empty
	h.entries, h.idle, h.appts = nil, nil, m.Appointments
	h.titles = map[string]string{}
	h.cursor = 0
	if empty && h.canLoad {
		h.entries = append(h.entries, homeEntry{msg: HomeMsg{Load: true},
			label: "Load the demo study", info: "two surveys, a sample of fictional contacts and an opt-out list"})
	}
	for _, r := range m.Returned {
		h.entries = append(h.entries, returnedEntry(r))
	}
	for _, r := range m.Resume {
		rec := r.Interview
		name := r.ContactName
		if name == "" {
			name = rec.Contact
		}
		h.entries = append(h.entries, homeEntry{msg: HomeMsg{Resume: &rec},
			label: "Resume " + name, info: fmt.Sprintf("%s · %s since %s", rec.Survey, rec.Status, rec.Started.In(h.mine).Format("Mon 2 Jan 15:04"))})
	}
	for _, row := range m.Surveys {
		h.titles[row.Info.ID] = row.Info.Title
		if row.Sample == 0 {
			h.idle = append(h.idle, homeEntry{label: surveyTitle(row.Info) + " — no sample yet",
				info: "nobody to call until a supervisor imports its contacts"})
			continue
		}
		if row.Info.ID == last {
			h.cursor = len(h.entries)
		}
		info := fmt.Sprintf("%d completed (%d by you) · %d open · %d refused", row.Completed, row.Mine, row.Open, row.Refused)
		h.entries = append(h.entries, homeEntry{msg: HomeMsg{Survey: row.Info.ID},
			label: "Next contact — " + surveyTitle(row.Info), info: info})
	}
}

// Update handles a key.
func (h Home) Update(msg tea.Msg) (Home, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !h.loaded {
		return h, nil
	}
	switch {
	case key.Matches(k, h.km.Up, h.km.Prev):
		h.cursor = max(h.cursor-1, 0)
	case key.Matches(k, h.km.Down, h.km.NextField):
		h.cursor = min(h.cursor+1, max(len(h.entries)-1, 0))
	case key.Matches(k, h.km.Confirm):
		if h.cursor < len(h.entries) {
			h.sent = true
			return h, emit(h.entries[h.cursor].msg)
		}
	}
	return h, nil
}

// View draws the rows and the appointments.
func (h Home) View() string {
	st := h.st
	if !h.loaded {
		return st.Muted.Render("Loading…")
	}
	var lines []string
	if len(h.entries) == 0 && len(h.idle) == 0 {
		lines = append(lines, st.Muted.Render("There are no surveys in this store. Add one with `canvass survey add FILE`."))
	}
	for i, e := range h.entries {
		mark, style := st.Marks.NoCursor, st.Option
		if i == h.cursor {
			mark, style = st.Marks.Cursor, st.Cursor
		}
		lines = append(lines, fit(style.Render(mark+e.label), h.width))
		if e.info != "" {
			lines = append(lines, fit(st.Muted.Render("    "+e.info), h.width))
		}
	}
	for _, e := range h.idle {
		lines = append(lines, fit(st.Muted.Render(st.Marks.NoCursor+e.label), h.width),
			fit(st.Muted.Render("    "+e.info), h.width))
	}
	lines = append(lines, "", st.Section.Render("Appointments in the next 24 hours"))
	if len(h.appts) == 0 {
		lines = append(lines, st.Muted.Render("  none"))
	}
	for _, a := range h.appts {
		who := "anyone"
		if a.By != "" {
			who = "yours"
		}
		lines = append(lines, fit(st.Option.Render(fmt.Sprintf("  %s  %s (%s) · %s · %s",
			a.At.In(h.mine).Format("Mon 15:04"), a.Name, a.ID, a.Survey, who)), h.width))
	}
	if len(lines) > h.height && h.height > 0 {
		// Keep the cursor's row in view.
		top := window(len(lines), h.height, 2*h.cursor+1, 0)
		lines = lines[top : top+h.height]
	}
	return strings.Join(lines, "\n")
}

// surveyTitle is how a survey is named to the interviewer: its title,
// else its id.
func surveyTitle(in store.SurveyInfo) string {
	if in.Title != "" {
		return in.Title
	}
	return in.ID
}

// title names survey id by its title, as last listed; the id when the
// home screen does not know it.
func (h Home) title(id string) string {
	if t := h.titles[id]; t != "" {
		return t
	}
	return id
}

// SetSize sets the area the screen draws in.
func (h *Home) SetSize(w, ht int) { h.width, h.height = w, ht }

// SetStyles switches to new styles.
func (h *Home) SetStyles(st *Styles) { h.st = st }

// Pending reports whether the screen sent its choice.
func (h Home) Pending() bool { return h.sent }

// HelpKeys is the key map of what works now.
func (h Home) HelpKeys() help.KeyMap {
	k := h.km.base()
	off(&k.DontKnow, &k.Refused, &k.Note, &k.Language, &k.Suspend, &k.OptOut, &k.Back)
	on(&k.Up, &k.Down)
	if len(h.entries) == 0 {
		// Nothing to take: no survey, or none with a sample yet.
		off(&k.Up, &k.Down, &k.Confirm)
	}
	k.Confirm.SetHelp("enter", "take it")
	return k
}
