package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"canvass/store"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// The list's heading.
const reviewListTitle = "Interviews to review"

// reviewStatuses are the status filter's steps, after "all".
func reviewStatuses() []string {
	return []string{store.InterviewCompleted, "partial", store.InterviewSuspended,
		store.InterviewRejected, store.InterviewApproved, store.InterviewRefused}
}

// shownStatus is the status as the supervisor reads it: an interview
// left active (cut off, not suspended) is a partial one.
func shownStatus(status string) string {
	if status == store.InterviewActive {
		return "partial"
	}
	return status
}

// reviewFilter is what the list shows: every field narrows it.
type reviewFilter struct {
	status      string // "" all; "partial" is an interview left active
	interviewer string
	day         string // YYYY-MM-DD in the supervisor's zone
	flagged     bool
	overrides   bool
	notes       bool
	unusual     bool
}

// reviewList is the supervisor's list of interviews: ↑/↓ move, enter
// opens one, and single keys step or toggle the filters.
type reviewList struct {
	st            *Styles
	km            reviewKeys
	loc           *time.Location
	width, height int
	loaded        bool

	rows   []store.ReviewRow
	shown  []int // indexes into rows that pass the filter
	cursor int
	filter reviewFilter
	// lo and hi are the fences outside which a finished interview's
	// duration is unusual (1.5×IQR beyond the quartiles); ok is false
	// when there are too few finished interviews to tell.
	lo, hi time.Duration
	fences bool
}

func newReviewList(st *Styles, loc *time.Location) reviewList {
	return reviewList{st: st, km: newReviewKeys(), loc: loc, width: 78, height: 10}
}

// set fills the list with what the store listed, keeping the filters and,
// where it still shows, the interview under the cursor.
func (l *reviewList) set(rows []store.ReviewRow) {
	var at string
	if l.cursor < len(l.shown) {
		at = l.rows[l.shown[l.cursor]].Interview.ID
	}
	l.rows, l.loaded = rows, true
	var ds []time.Duration
	for _, r := range rows {
		if d := r.Duration(); d > 0 {
			ds = append(ds, d)
		}
	}
	l.lo, l.hi, l.fences = durationFences(ds)
	l.apply()
	for i, j := range l.shown {
		if l.rows[j].Interview.ID == at {
			l.cursor = i
		}
	}
}

// durationFences are Tukey's fences over durations: below Q1−1.5×IQR is
// unusually short, above Q3+1.5×IQR unusually long. Fewer than four
// durations tell nothing.
func durationFences(ds []time.Duration) (lo, hi time.Duration, ok bool) {
	if len(ds) < 4 {
		return 0, 0, false
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) float64 {
		// Linear interpolation between closest ranks.
		x := p * float64(len(s)-1)
		i := int(x)
		if i+1 >= len(s) {
			return float64(s[i])
		}
		return float64(s[i]) + (x-float64(i))*float64(s[i+1]-s[i])
	}
	q1, q3 := q(0.25), q(0.75)
	iqr := q3 - q1
	return time.Duration(q1 - 1.5*iqr), time.Duration(q3 + 1.5*iqr), true
}

// unusual says "short" or "long" for a finished interview outside the
// fences, else "".
func (l *reviewList) unusual(r store.ReviewRow) string {
	d := r.Duration()
	switch {
	case !l.fences || d <= 0:
		return ""
	case d < l.lo:
		return "short"
	case d > l.hi:
		return "long"
	}
	return ""
}

// day is the date an interview started, in the supervisor's zone.
func (l *reviewList) day(r store.ReviewRow) string {
	return r.Interview.Started.In(l.loc).Format("2006-01-02")
}

// pass reports whether a row passes the filter.
func (l *reviewList) pass(r store.ReviewRow) bool {
	f := l.filter
	return (f.status == "" || shownStatus(r.Status) == f.status) &&
		(f.interviewer == "" || r.Interview.Interviewer == f.interviewer) &&
		(f.day == "" || l.day(r) == f.day) &&
		(!f.flagged || r.Review.Flagged) &&
		(!f.overrides || r.Overrides > 0) &&
		(!f.notes || r.Notes > 0) &&
		(!f.unusual || l.unusual(r) != "")
}

// apply recomputes the rows shown.
func (l *reviewList) apply() {
	l.shown = l.shown[:0]
	for i, r := range l.rows {
		if l.pass(r) {
			l.shown = append(l.shown, i)
		}
	}
	l.cursor = min(l.cursor, max(len(l.shown)-1, 0))
}

// nextOf moves cur to the next of values after "" (all), wrapping to "".
func nextOf(values []string, cur string) string {
	i := slices.Index(values, cur)
	if i+1 >= len(values) {
		return ""
	}
	return values[i+1]
}

// Update handles a key; open is the interview to open, when enter took one.
func (l reviewList) Update(msg tea.Msg) (reviewList, string) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !l.loaded {
		return l, ""
	}
	km := l.km
	switch {
	case k.Code == tea.KeyUp:
		l.cursor = max(l.cursor-1, 0)
	case k.Code == tea.KeyDown:
		l.cursor = min(l.cursor+1, max(len(l.shown)-1, 0))
	case k.Code == tea.KeyPgUp:
		l.cursor = max(l.cursor-max(l.height-1, 1), 0)
	case k.Code == tea.KeyPgDown:
		l.cursor = min(l.cursor+max(l.height-1, 1), max(len(l.shown)-1, 0))
	case key.Matches(k, km.Open):
		if l.cursor < len(l.shown) {
			return l, l.rows[l.shown[l.cursor]].Interview.ID
		}
	case key.Matches(k, km.Status):
		l.filter.status = nextOf(reviewStatuses(), l.filter.status)
	case key.Matches(k, km.Interviewer):
		var who []string
		for _, r := range l.rows {
			if !slices.Contains(who, r.Interview.Interviewer) {
				who = append(who, r.Interview.Interviewer)
			}
		}
		slices.Sort(who)
		l.filter.interviewer = nextOf(who, l.filter.interviewer)
	case key.Matches(k, km.Date):
		var days []string
		for _, r := range l.rows {
			if d := l.day(r); !slices.Contains(days, d) {
				days = append(days, d)
			}
		}
		slices.Sort(days)
		slices.Reverse(days) // the latest day first
		l.filter.day = nextOf(days, l.filter.day)
	case key.Matches(k, km.Flagged):
		l.filter.flagged = !l.filter.flagged
	case key.Matches(k, km.Overrides):
		l.filter.overrides = !l.filter.overrides
	case key.Matches(k, km.Notes):
		l.filter.notes = !l.filter.notes
	case key.Matches(k, km.Unusual):
		l.filter.unusual = !l.filter.unusual
	case key.Matches(k, km.Clear):
		l.filter = reviewFilter{}
	default:
		return l, ""
	}
	l.apply()
	return l, ""
}

// filterLine says which filters are on and how many interviews show.
func (l reviewList) filterLine() string {
	f := l.filter
	or := func(s, all string) string {
		if s == "" {
			return all
		}
		return s
	}
	parts := []string{"status " + or(f.status, "all"), "interviewer " + or(f.interviewer, "all"), "date " + or(f.day, "any")}
	for _, t := range []struct {
		on   bool
		name string
	}{{f.flagged, "flagged"}, {f.overrides, "with overrides"}, {f.notes, "with notes"}, {f.unusual, "short or long"}} {
		if t.on {
			parts = append(parts, t.name)
		}
	}
	return fmt.Sprintf("%d of %d · %s", len(l.shown), len(l.rows), strings.Join(parts, " · "))
}

// View draws one line per interview shown.
func (l reviewList) View() string {
	st := l.st
	if !l.loaded {
		return st.Muted.Render("Loading…")
	}
	if len(l.shown) == 0 {
		if len(l.rows) == 0 {
			return st.Muted.Render("There are no interviews in this store yet.")
		}
		return st.Muted.Render("No interview matches the filters; x clears them.")
	}
	top := window(len(l.shown), l.height, l.cursor, 0)
	var lines []string
	for i := top; i < len(l.shown) && i < top+l.height; i++ {
		r := l.rows[l.shown[i]]
		mark, style := st.Marks.NoCursor, st.Option
		if i == l.cursor {
			mark, style = st.Marks.Cursor, st.Cursor
		}
		name := r.ContactName
		if name == "" {
			name = r.Interview.Contact
		}
		dur := "–"
		if d := r.Duration(); d > 0 {
			dur = shortDuration(d)
		}
		var marks []string
		if r.Review.Flagged {
			marks = append(marks, "flagged")
		}
		if u := l.unusual(r); u != "" {
			marks = append(marks, u)
		}
		if r.Overrides > 0 {
			marks = append(marks, fmt.Sprintf("%d override", r.Overrides)+pluralS(r.Overrides))
		}
		if r.Notes > 0 {
			marks = append(marks, fmt.Sprintf("%d note", r.Notes)+pluralS(r.Notes))
		}
		line := fmt.Sprintf("%s%-18s %-10s %s %6s  %-9s", mark, cutTo(name, 18), cutTo(r.Interview.Interviewer, 10),
			r.Interview.Started.In(l.loc).Format("Mon 2 Jan 15:04"), dur, shownStatus(r.Status))
		out := style.Render(line)
		if len(marks) > 0 {
			out += " " + st.Warning.Render(strings.Join(marks, " · "))
		}
		lines = append(lines, fit(out, l.width))
	}
	return strings.Join(lines, "\n")
}

// SetSize sets the area the list draws in.
func (l *reviewList) SetSize(w, h int) { l.width, l.height = w, max(h, 1) }

// surveyInView is the survey whose dashboard the list opens: fixed (the
// console's --survey) when set, else that of the interview under the
// cursor; "" when there is none.
func (l reviewList) surveyInView(fixed string) string {
	if fixed != "" {
		return fixed
	}
	if l.cursor < len(l.shown) {
		return l.rows[l.shown[l.cursor]].Interview.Survey
	}
	return ""
}

// HelpKeys is the key map of what works now; fixed is the console's
// survey, as for surveyInView.
func (l reviewList) HelpKeys(fixed string, monitor bool) help.KeyMap {
	k := l.km.none()
	if monitor {
		on(&k.Monitor)
	}
	if l.loaded && l.surveyInView(fixed) != "" {
		on(&k.Dashboard)
	}
	if len(l.rows) > 0 {
		on(&k.Status, &k.Interviewer, &k.Date, &k.Flagged, &k.Overrides, &k.Notes, &k.Unusual, &k.Clear)
	}
	if len(l.shown) > 0 {
		on(&k.Up, &k.Open)
	}
	k.Flagged.SetHelp("f", "flagged")
	return k
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// cutTo shortens plain text to n cells.
func cutTo(s string, n int) string {
	if cells(s) <= n {
		return s
	}
	return fit(s, n)
}

// shortDuration writes a duration as 45s, 12m05s or 1h02m.
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
