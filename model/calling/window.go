package calling

import (
	"fmt"
	"strings"
	"time"
)

// Window is a span of calling hours on some days of the week, in the
// contact's local time.
type Window struct {
	// Days are weekday names or ranges, comma-separated: "mon-fri",
	// "sat,sun", "mon,wed,fri-sun". English three-letter names or full
	// names, any case.
	Days string `json:"days" yaml:"days"`
	// From and To are local clock times "HH:MM"; To is exclusive, and
	// "24:00" means midnight at the end of the day.
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}

// DefaultWindows returns the default calling hours: weekdays 09:00–20:30,
// weekends 09:00–17:00.
func DefaultWindows() []Window {
	return []Window{
		{Days: "mon-fri", From: "09:00", To: "20:30"},
		{Days: "sat-sun", From: "09:00", To: "17:00"},
	}
}

// The hours outside which nobody is ever called, whatever a survey says:
// 08:00 to 21:00 local time.
const (
	EarliestCall = 8 * time.Hour
	LatestCall   = 21 * time.Hour
)

// span is [from, to) in seconds after local midnight.
type span struct{ from, to int }

// week holds each weekday's calling spans (indexed by time.Weekday), sorted
// and disjoint.
type week [7][]span

// hardWeek is the absolute limit, every day.
func hardWeek() week {
	var w week
	for d := range w {
		w[d] = []span{{int(EarliestCall / time.Second), int(LatestCall / time.Second)}}
	}
	return w
}

// compileWindows turns windows into a week clipped to the absolute limit.
func compileWindows(ws []Window) (week, error) {
	var w week
	for i, win := range ws {
		days, err := parseDays(win.Days)
		if err != nil {
			return week{}, fmt.Errorf("window %d: %w", i+1, err)
		}
		from, err := parseClock(win.From)
		if err != nil {
			return week{}, fmt.Errorf("window %d: from: %w", i+1, err)
		}
		to, err := parseClock(win.To)
		if err != nil {
			return week{}, fmt.Errorf("window %d: to: %w", i+1, err)
		}
		if to <= from {
			return week{}, fmt.Errorf("window %d: %s is not after %s", i+1, win.To, win.From)
		}
		from = max(from, int(EarliestCall/time.Second))
		to = min(to, int(LatestCall/time.Second))
		if to <= from {
			continue // wholly outside 08:00–21:00: nothing to add
		}
		for d := range days {
			if days[d] {
				w[d] = addSpan(w[d], span{from, to})
			}
		}
	}
	return w, nil
}

// addSpan inserts s into the sorted, disjoint spans, merging overlaps.
func addSpan(spans []span, s span) []span {
	var out []span
	placed := false
	for _, x := range spans {
		switch {
		case x.to < s.from:
			out = append(out, x)
		case s.to < x.from:
			if !placed {
				out, placed = append(out, s), true
			}
			out = append(out, x)
		default:
			s = span{min(s.from, x.from), max(s.to, x.to)}
		}
	}
	if !placed {
		out = append(out, s)
	}
	return out
}

func parseDays(s string) ([7]bool, error) {
	var days [7]bool
	if strings.TrimSpace(s) == "" {
		return days, fmt.Errorf("no days")
	}
	for part := range strings.SplitSeq(s, ",") {
		a, b, isRange := strings.Cut(part, "-")
		d1, err := parseDay(a)
		if err != nil {
			return days, err
		}
		d2 := d1
		if isRange {
			if d2, err = parseDay(b); err != nil {
				return days, err
			}
		}
		for d := d1; ; d = (d + 1) % 7 {
			days[d] = true
			if d == d2 {
				break
			}
		}
	}
	return days, nil
}

func parseDay(s string) (time.Weekday, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if t == name || t == name[:3] {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%q is not a day of the week", s)
}

// parseClock reads "HH:MM" (00:00 to 24:00) as seconds after midnight.
func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err == nil {
		return t.Hour()*3600 + t.Minute()*60, nil
	}
	if strings.TrimSpace(s) == "24:00" {
		return 24 * 3600, nil
	}
	return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
}

// secondOfDay is the local clock time of t in seconds after midnight.
func secondOfDay(t time.Time) int {
	h, m, s := t.Clock()
	return h*3600 + m*60 + s
}

// allowed reports whether t is inside w in zone loc.
func (w *week) allowed(t time.Time, loc *time.Location) bool {
	lt := t.In(loc)
	sod := secondOfDay(lt)
	for _, s := range w[lt.Weekday()] {
		if sod >= s.from && sod < s.to {
			return true
		}
	}
	return false
}

// allowedAll reports whether t is inside w in every zone; never when no
// zone is known.
func (w *week) allowedAll(t time.Time, zones []*time.Location) bool {
	if len(zones) == 0 {
		return false
	}
	for _, z := range zones {
		if !w.allowed(t, z) {
			return false
		}
	}
	return true
}

// nextIn returns the first instant at or after t that is inside w in zone
// loc, looking at most eight days ahead.
func (w *week) nextIn(t time.Time, loc *time.Location) (time.Time, bool) {
	if w.allowed(t, loc) {
		return t, true
	}
	lt := t.In(loc)
	y, m, d := lt.Date()
	for i := range 9 {
		// Noon of the day is never in a daylight-saving gap, so its
		// weekday is the day's.
		wd := time.Date(y, m, d+i, 12, 0, 0, 0, loc).Weekday()
		for _, s := range w[wd] {
			start := time.Date(y, m, d+i, 0, 0, s.from, 0, loc)
			// A start in an hour that daylight saving skips normalises
			// to a clock time that may fall outside the span: skip it.
			if start.After(t) && w.allowed(start, loc) {
				return start, true
			}
		}
	}
	return time.Time{}, false
}

// next returns the first instant at or after t that is inside w in every
// zone. ok is false when there is none within eight days (zones whose
// windows never overlap).
func (w *week) next(t time.Time, zones []*time.Location) (time.Time, bool) {
	if len(zones) == 0 {
		return time.Time{}, false
	}
	limit := t.Add(8 * 24 * time.Hour)
	c := t
	for !c.After(limit) {
		moved := false
		for _, z := range zones {
			n, ok := w.nextIn(c, z)
			if !ok {
				return time.Time{}, false
			}
			if n.After(c) {
				c, moved = n, true
			}
		}
		if !moved {
			return c, true
		}
	}
	return time.Time{}, false
}
