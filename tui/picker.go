package tui

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"canvass/model/calling"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// Picker asks for an appointment time as the respondent says it, in the
// contact's time zone, and shows the interviewer's own time beside it so
// that nobody has to convert in their head. It reads "18:30" (the next
// 18:30 there), "tomorrow 9:00", "2026-12-01 18:30" and "+2h" / "+30m" /
// "+1d". Enter picks; esc goes back without an appointment. It is a
// dialog: it answers with a dialogMsg, the time in its at.
type Picker struct {
	dialog        dialogID
	title         string
	st            *Styles
	km            keyMap
	in            textinput.Model
	zone, mine    *time.Location
	now           time.Time
	err           string
	sent          bool
	width, height int
	// comesUp says when an appointment at t comes up (the calling rules
	// move one outside the hours a respondent may be called); nil when
	// the survey has no rules. warned is the time whose move the
	// interviewer was told of: a second enter on it keeps it.
	comesUp func(t time.Time) (time.Time, bool)
	warned  time.Time
	name    string // the contact's, for the warning
}

// newPicker builds the picker of dialog d titled title for a contact in
// zone; mine is the interviewer's zone and now the current time.
func newPicker(d dialogID, title string, zone, mine *time.Location, now time.Time, st *Styles) Picker {
	p := Picker{dialog: d, title: title, st: st, km: newKeyMap(), zone: zone, mine: mine, now: now, width: 80, height: 6}
	p.in = newInput(st, "18:30, tomorrow 9:00, 2026-12-01 18:30 or +2h")
	p.in.Prompt = "Call back at › "
	p.in.CharLimit = 32
	p.in.Focus()
	return p
}

// parseWhen reads an appointment time typed in the contact's zone,
// relative to now.
func parseWhen(s string, now time.Time, zone *time.Location) (time.Time, error) {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	if s == "" {
		return time.Time{}, fmt.Errorf("type when to call back")
	}
	if rest, ok := strings.CutPrefix(s, "+"); ok && len(rest) >= 2 {
		n, err := strconv.Atoi(rest[:len(rest)-1])
		if err != nil || n <= 0 {
			return time.Time{}, fmt.Errorf("%q: write +30m, +2h or +1d", s)
		}
		unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[rest[len(rest)-1]]
		if unit == 0 {
			return time.Time{}, fmt.Errorf("%q: write +30m, +2h or +1d", s)
		}
		if int64(n) > math.MaxInt64/int64(unit) {
			return time.Time{}, fmt.Errorf("%q is too far ahead: canvass keeps times up to the year 2262", s)
		}
		t := now.Add(time.Duration(n) * unit)
		if err := calling.CheckInstant(t); err != nil {
			return time.Time{}, err
		}
		return t, nil
	}
	local := now.In(zone)
	day := local.Format("2006-01-02")
	clock, tomorrow := s, false
	if rest, ok := strings.CutPrefix(s, "tomorrow "); ok {
		clock, tomorrow = rest, true
		day = local.AddDate(0, 0, 1).Format("2006-01-02")
	}
	if !strings.Contains(clock, " ") && !strings.Contains(clock, "t") {
		h, m, _, err := readClock(clock)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: write 18:30, tomorrow 9:00, 2026-12-01 18:30 or +2h", s)
		}
		t, err := calling.ParseLocal(fmt.Sprintf("%s %02d:%02d", day, h, m), zone)
		if err != nil {
			return time.Time{}, err
		}
		if !tomorrow && !t.After(now) {
			t, err = calling.ParseLocal(fmt.Sprintf("%s %02d:%02d", local.AddDate(0, 0, 1).Format("2006-01-02"), h, m), zone)
		}
		return t, err
	}
	t, err := calling.ParseLocal(s, zone)
	if errors.Is(err, calling.ErrOutOfRange) {
		return time.Time{}, err
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: write 18:30, tomorrow 9:00, 2026-12-01 18:30 or +2h", s)
	}
	if !t.After(now) {
		return time.Time{}, fmt.Errorf("%s is in the past", t.In(zone).Format("Mon 2 Jan 15:04"))
	}
	return t, nil
}

// Update handles a key.
func (p Picker) Update(msg tea.Msg) (Picker, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		p.in, cmd = p.in.Update(msg)
		return p, cmd
	}
	p.err = ""
	switch {
	case key.Matches(k, p.km.Back):
		p.sent = true
		return p, emit(dialogMsg{dialog: p.dialog, closed: true})
	case key.Matches(k, p.km.Confirm):
		t, err := parseWhen(p.in.Value(), p.now, p.zone)
		if err != nil {
			p.err = err.Error()
			return p, nil
		}
		if _, moved := p.moved(t); moved && !p.warned.Equal(t) {
			// Said once, on the line under the time; enter again keeps it.
			p.warned = t
			p.err = "outside the calling hours: press enter again to keep it, or change the time"
			return p, nil
		}
		p.sent = true
		return p, emit(dialogMsg{dialog: p.dialog, at: t})
	}
	var cmd tea.Cmd
	p.in, cmd = p.in.Update(msg)
	return p, cmd
}

// View draws the field and, as soon as what is typed reads as a time, the
// time there and here.
func (p Picker) View() string {
	st := p.st
	lines := []string{
		st.Prompt.Render(p.title),
		st.Muted.Render(fmt.Sprintf("Their time now: %s (%s) · yours: %s",
			p.now.In(p.zone).Format("Mon 15:04"), p.zone, p.now.In(p.mine).Format("Mon 15:04"))),
		"",
		fit(p.in.View(), p.width),
	}
	if t, err := parseWhen(p.in.Value(), p.now, p.zone); err == nil {
		lines = append(lines, st.Selected.Render(fmt.Sprintf("= %s their time · %s your time",
			t.In(p.zone).Format("Mon 2 Jan 15:04"), t.In(p.mine).Format("Mon 2 Jan 15:04 MST"))))
		if up, moved := p.moved(t); moved {
			for _, l := range wrap(st.Marks.Warning+p.moveWarning(t, up), p.width) {
				lines = append(lines, st.Warning.Render(l))
			}
		}
	}
	for i := range lines {
		lines[i] = fit(lines[i], p.width)
	}
	return strings.Join(lines, "\n")
}

// moved reports when an appointment at t comes up, and whether that is
// not t: the calling rules move it into the hours the contact may be
// called in. A time whose zones' hours never overlap comes up never.
func (p Picker) moved(t time.Time) (time.Time, bool) {
	if p.comesUp == nil {
		return t, false
	}
	up, ok := p.comesUp(t)
	if !ok {
		return time.Time{}, true
	}
	return up, !up.Equal(t)
}

// moveWarning says that an appointment at t is outside the contact's
// calling hours and when it comes up instead.
func (p Picker) moveWarning(t, up time.Time) string {
	if up.IsZero() {
		return fmt.Sprintf("%s is outside the hours %s may be called, and no time is inside them", t.In(p.zone).Format("15:04"), p.who())
	}
	return fmt.Sprintf("%s their time is outside the hours %s may be called (08:00–21:00): it comes up %s their time (%s yours)",
		t.In(p.zone).Format("Mon 15:04"), p.who(), up.In(p.zone).Format("Mon 2 Jan 15:04"), up.In(p.mine).Format("Mon 15:04"))
}

// who names the contact in a warning.
func (p Picker) who() string {
	if p.name != "" {
		return p.name
	}
	return "the contact"
}

// SetSize sets the area the picker draws in.
func (p *Picker) SetSize(w, h int) {
	p.width, p.height = w, h
	p.in.SetWidth(max(w-16, 1))
}

// SetStyles switches to new styles.
func (p *Picker) SetStyles(st *Styles) {
	p.st = st
	p.in.SetStyles(st.inputStyles())
}

// SetNow moves the picker's clock.
func (p *Picker) SetNow(t time.Time) { p.now = t }

// Problem is the inline error, if any.
func (p Picker) Problem() string { return p.err }

// Pending reports whether the picker sent its result.
func (p Picker) Pending() bool { return p.sent }

// Reject takes the picker back after its time could not be used,
// showing problem.
func (p *Picker) Reject(problem string) {
	p.sent = false
	p.err = problem
}

// Typing reports whether printable keys are input: always once typed.
func (p Picker) Typing() bool { return p.in.Value() != "" }

// HelpKeys is the key map of what works now.
func (p Picker) HelpKeys() help.KeyMap {
	k := p.km.base()
	off(&k.DontKnow, &k.Refused, &k.Note, &k.Language, &k.Suspend, &k.OptOut)
	k.Confirm.SetHelp("enter", "set appointment")
	if t, err := parseWhen(p.in.Value(), p.now, p.zone); err == nil && p.warned.Equal(t) {
		k.Confirm.SetHelp("enter", "keep it outside the hours")
	}
	k.Back.SetHelp("esc", "cancel")
	return k
}
