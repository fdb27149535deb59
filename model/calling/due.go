package calling

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Call is one dial of one of a contact's numbers, as the store records it.
type Call struct {
	At          time.Time `json:"at"`
	Outcome     string    `json:"outcome"` // an Outcome.Code
	Interviewer string    `json:"interviewer,omitempty"`
	// Phone is the index of the number dialled in the contact's phones.
	Phone int `json:"phone,omitempty"`
}

// Appointment is a hard appointment: a call promised at an instant. Enter it
// in the contact's zone ([ParseLocal]) so that 18:00 in Denver stays 18:00 in
// Denver whatever the interviewer's clock says.
type Appointment struct {
	At time.Time `json:"at"`
	// Interviewer made the appointment and holds it for the grace period.
	Interviewer string `json:"interviewer,omitempty"`
}

// ContactState is what the scheduler knows of a contact when it decides
// whether to offer it.
type ContactState struct {
	// Zones are the contact's time zones ([ContactZones]); empty means the
	// survey's default zone.
	Zones []*time.Location
	// Phones is how many numbers the contact has (0 counts as 1).
	Phones int
	// Calls are the calls made so far, oldest first.
	Calls []Call
	// Appointment is the pending hard appointment, if any; the store drops
	// it when the next call is recorded.
	Appointment *Appointment
	// Final is set once the contact is closed (a final outcome, the limits,
	// an opt-out): it is never offered again.
	Final bool
	// Drawer is the interviewer asking for work; empty when the question
	// is "is it due at all" (a queue listing). An appointment held by
	// another interviewer is not due for Drawer during its grace period.
	Drawer string
}

// Rules are a survey's calling rules, checked and compiled from a [Config]
// by [NewRules]. They are read-only and safe for concurrent use.
type Rules struct {
	table       Table
	week        week
	hard        week
	maxCalls    int
	maxAttempts int
	grace       time.Duration
	expiry      time.Duration
	zone        []*time.Location
	// shifts are the survey's shift templates, each a week of its own,
	// and shiftWeek all of them; shiftZone is their zone.
	shifts    []Shift
	shiftWeek []week
	anyShift  *week
	shiftZone []*time.Location
}

// NewRules checks a survey's calling configuration and compiles it; a nil
// Config gives the defaults.
func NewRules(c *Config) (Rules, error) {
	var cfg Config
	if c != nil {
		cfg = *c
	}
	t, err := cfg.Table()
	if err != nil {
		return Rules{}, fmt.Errorf("calling rules: %w", err)
	}
	ws := cfg.Windows
	if len(ws) == 0 {
		ws = DefaultWindows()
	}
	w, err := compileWindows(ws)
	if err != nil {
		return Rules{}, fmt.Errorf("calling rules: %w", err)
	}
	r := Rules{
		table: t, week: w, hard: hardWeek(),
		maxCalls: cfg.MaxCalls, maxAttempts: cfg.MaxAttempts,
		grace: cfg.AppointmentGrace, expiry: cfg.AppointmentExpiry,
		zone: []*time.Location{time.UTC},
	}
	for _, lim := range []struct {
		name string
		v    *int
		def  int
	}{{"max_calls", &r.maxCalls, DefaultMaxCalls}, {"max_attempts", &r.maxAttempts, DefaultMaxAttempts}} {
		if *lim.v < 0 {
			return Rules{}, fmt.Errorf("calling rules: %s %d is negative", lim.name, *lim.v)
		}
		if *lim.v == 0 {
			*lim.v = lim.def
		}
	}
	if r.grace < 0 || r.expiry < 0 {
		return Rules{}, fmt.Errorf("calling rules: negative appointment grace or expiry")
	}
	if r.grace == 0 {
		r.grace = DefaultAppointmentGrace
	}
	if r.expiry == 0 {
		r.expiry = DefaultAppointmentExpiry
	}
	if cfg.Zone != "" {
		loc, err := time.LoadLocation(cfg.Zone)
		if err != nil {
			return Rules{}, fmt.Errorf("calling rules: zone %q is not an IANA zone name", cfg.Zone)
		}
		r.zone[0] = loc
	}
	if len(cfg.Shifts) > 0 {
		r.shiftZone = []*time.Location{r.zone[0]}
		if cfg.ShiftZone != "" {
			loc, err := time.LoadLocation(cfg.ShiftZone)
			if err != nil {
				return Rules{}, fmt.Errorf("calling rules: shift_zone %q is not an IANA zone name", cfg.ShiftZone)
			}
			r.shiftZone[0] = loc
		}
		var all week
		seen := map[string]bool{}
		for i, sh := range cfg.Shifts {
			if sh.Name == "" || seen[sh.Name] {
				return Rules{}, fmt.Errorf("calling rules: shift %d: a shift needs a name of its own", i+1)
			}
			seen[sh.Name] = true
			w, err := compileShift(sh)
			if err != nil {
				return Rules{}, fmt.Errorf("calling rules: shift %q: %w", sh.Name, err)
			}
			r.shifts = append(r.shifts, sh)
			r.shiftWeek = append(r.shiftWeek, w)
			for d := range all {
				for _, sp := range w[d] {
					all[d] = addSpan(all[d], sp)
				}
			}
		}
		r.anyShift = &all
	}
	return r, nil
}

// compileShift turns a shift's hours into a week; unlike calling windows
// they are the centre's hours, not clipped to 08:00–21:00.
func compileShift(sh Shift) (week, error) {
	var w week
	days, err := parseDays(sh.Days)
	if err != nil {
		return w, err
	}
	from, err := parseClock(sh.From)
	if err != nil {
		return w, fmt.Errorf("from: %w", err)
	}
	to, err := parseClock(sh.To)
	if err != nil {
		return w, fmt.Errorf("to: %w", err)
	}
	if to <= from {
		return w, fmt.Errorf("%s is not after %s", sh.To, sh.From)
	}
	for d := range days {
		if days[d] {
			w[d] = addSpan(w[d], span{from, to})
		}
	}
	return w, nil
}

// ShiftOf is the name of the shift running at t, "" when none is (or the
// survey has none). Shifts that overlap count t in the first.
func (r Rules) ShiftOf(t time.Time) string {
	for i := range r.shiftWeek {
		if r.shiftWeek[i].allowed(t, r.shiftZone[0]) {
			return r.shifts[i].Name
		}
	}
	return ""
}

// Shifts are the survey's shift templates.
func (r Rules) Shifts() []Shift { return slices.Clone(r.shifts) }

// inShift narrows a decision that a contact may be called now to the
// shifts: outside every shift it waits for the next one.
func (r Rules) inShift(ok bool, reason string, next time.Time, now time.Time) (bool, string, time.Time) {
	if !ok || r.anyShift == nil || r.anyShift.allowedAll(now, r.shiftZone) {
		return ok, reason, next
	}
	n, found := r.anyShift.next(now, r.shiftZone)
	if !found {
		return false, ReasonNoShift, time.Time{}
	}
	return false, ReasonShift, n
}

// Table returns the effective outcome table.
func (r Rules) Table() Table { return r.table }

// Zone returns the survey's default zone, for contacts of unknown zone.
func (r Rules) Zone() *time.Location { return r.zone[0] }

// Limits returns the call and attempt limits in force.
func (r Rules) Limits() (maxCalls, maxAttempts int) { return r.maxCalls, r.maxAttempts }

// Allowed reports whether t is inside the calling window in every one of
// zones (empty: the default zone).
func (r Rules) Allowed(t time.Time, zones []*time.Location) bool {
	return r.week.allowedAll(t, r.zonesOr(zones))
}

// NextAllowed returns the first instant at or after t that is inside the
// calling window in every one of zones. ok is false when the zones' windows
// never overlap within a week.
func (r Rules) NextAllowed(t time.Time, zones []*time.Location) (next time.Time, ok bool) {
	return r.week.next(t, r.zonesOr(zones))
}

// AppointmentAt is when an appointment made for at comes up: at itself
// when it is inside 08:00–21:00 in every one of zones (the hours a
// respondent may ask to be called in), else the first instant after it
// that is. ok is false when the zones' hours never overlap.
func (r Rules) AppointmentAt(at time.Time, zones []*time.Location) (time.Time, bool) {
	return r.hard.next(at, r.zonesOr(zones))
}

func (r Rules) zonesOr(zones []*time.Location) []*time.Location {
	if len(zones) == 0 {
		return r.zone
	}
	return zones
}

// The reasons [Rules.Due] gives. They are constants so that a draw over many
// contacts allocates nothing.
const (
	ReasonFirstCall      = "first call"
	ReasonRecallDue      = "recall due"
	ReasonAppointmentDue = "appointment due"
	ReasonAppointment    = "appointment pending"
	ReasonHeld           = "appointment held by the interviewer who made it"
	ReasonRecall         = "recall delay not over"
	ReasonSpread         = "waiting for a part of the day not tried yet"
	ReasonWindow         = "outside calling hours"
	ReasonShift          = "no shift is running"
	ReasonNoShift        = "the survey's shifts have no hours"
	ReasonNoWindow       = "calling windows of the contact's time zones never overlap"
	ReasonFinal          = "final outcome"
	ReasonMaxCalls       = "call limit reached"
	ReasonMaxAttempts    = "attempt limit reached"
	ReasonNoNumber       = "no number left to try"
	ReasonUnknownOutcome = "last call has an outcome not in the table"
)

// Due says whether a contact may be offered at now. When it may not, next is
// the instant it becomes due (zero when it never will: closed contacts), and
// reason says why. When it may, next is the instant since which it has been
// due, for ordering (zero for a contact never called).
//
// The rules, in order: a closed contact ([Rules.Closed]) is never due. A
// pending appointment is due at its instant, moved into 08:00–21:00 local
// time if needed (the respondent chose the time, so the survey's narrower
// window does not apply); during the grace period only the interviewer who
// made it gets it; once expired the contact follows the ordinary rules.
// Otherwise the contact is due at max(last call + its outcome's recall delay,
// the next instant inside the calling window in all its zones), moved for
// Spread outcomes to a part of the day not yet tried ([Rules.NextDue]).
//
// Due allocates nothing; the store calls it for every candidate of a draw.
func (r Rules) Due(s ContactState, now time.Time) (ok bool, reason string, next time.Time) {
	ok, reason, next = r.due(s, now)
	return r.inShift(ok, reason, next, now)
}

func (r Rules) due(s ContactState, now time.Time) (ok bool, reason string, next time.Time) {
	if s.Final {
		return false, ReasonFinal, time.Time{}
	}
	if closed, why := r.Closed(s); closed {
		return false, why, time.Time{}
	}
	zones := r.zonesOr(s.Zones)
	if a := s.Appointment; a != nil && !a.At.IsZero() {
		// The appointment's time moved into 08:00–21:00; it lapses expiry
		// after that.
		at, ok := r.hard.next(a.At, zones)
		if ok && now.Before(at.Add(r.expiry)) {
			return r.appointmentDue(s, *a, at, zones, now)
		}
	}
	due, earliest, why := r.nextDue(s, zones)
	if why != "" {
		return false, why, time.Time{}
	}
	if now.Before(due) {
		switch {
		case now.Before(earliest):
			return false, ReasonRecall, due
		case r.week.allowedAll(now, zones):
			return false, ReasonSpread, due
		}
		return false, ReasonWindow, due
	}
	if r.week.allowedAll(now, zones) {
		if len(s.Calls) == 0 {
			return true, ReasonFirstCall, due
		}
		return true, ReasonRecallDue, due
	}
	n, ok := r.week.next(now, zones)
	if !ok {
		return false, ReasonNoWindow, time.Time{}
	}
	return false, ReasonWindow, n
}

// appointmentDue is Due for a contact with an appointment that has not
// lapsed, due at at.
func (r Rules) appointmentDue(s ContactState, a Appointment, at time.Time, zones []*time.Location, now time.Time) (bool, string, time.Time) {
	start := at
	if s.Drawer != "" && a.Interviewer != "" && s.Drawer != a.Interviewer {
		start, _ = r.hard.next(at.Add(r.grace), zones)
	}
	if now.Before(start) {
		if now.Before(at) {
			return false, ReasonAppointment, start
		}
		return false, ReasonHeld, start
	}
	if !r.hard.allowedAll(now, zones) {
		n, _ := r.hard.next(now, zones)
		return false, ReasonWindow, n
	}
	return true, ReasonAppointmentDue, at
}

// NextDue returns the instant a contact becomes due by its last call, ignoring
// appointments and limits: the first instant inside the calling window at or
// after the last call plus its outcome's recall delay. After an outcome
// marked Spread, the first such instant in a day part (morning before 12:00,
// afternoon before 17:00, evening, and weekend) in which the contact has not
// yet been tried with a Spread outcome is preferred, when there is one
// within two days; day parts are read in the contact's first zone. A contact
// never called is due from the zero time: whenever the window is open. ok is
// false when it never becomes due.
func (r Rules) NextDue(s ContactState) (time.Time, bool) {
	t, _, why := r.nextDue(s, r.zonesOr(s.Zones))
	return t, why == ""
}

// nextDue returns when the contact is due and the end of its recall delay;
// a non-empty reason says it never is.
func (r Rules) nextDue(s ContactState, zones []*time.Location) (due, earliest time.Time, never string) {
	if len(s.Calls) == 0 {
		return time.Time{}, time.Time{}, ""
	}
	last := s.Calls[len(s.Calls)-1]
	o, found := r.table.Lookup(last.Outcome)
	if !found {
		return time.Time{}, time.Time{}, ReasonUnknownOutcome
	}
	earliest = last.At.Add(o.Recall)
	due, ok := r.week.next(earliest, zones)
	if !ok {
		return time.Time{}, time.Time{}, ReasonNoWindow
	}
	if o.Spread {
		due = r.spread(due, s.Calls, zones)
	}
	return due, earliest, ""
}

// The parts of the day that recalls are spread over.
const (
	morning = iota
	afternoon
	evening
	weekend
	allParts = 1<<morning | 1<<afternoon | 1<<evening | 1<<weekend
)

func dayPart(t time.Time, loc *time.Location) int {
	lt := t.In(loc)
	if wd := lt.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return weekend
	}
	switch h := lt.Hour(); {
	case h < 12:
		return morning
	case h < 17:
		return afternoon
	}
	return evening
}

// partEnd returns the start of the day part after the one t is in.
func partEnd(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	y, m, d := lt.Date()
	var n time.Time
	switch h := lt.Hour(); {
	case dayPart(t, loc) == weekend || h >= 17:
		n = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	case h < 12:
		n = time.Date(y, m, d, 12, 0, 0, 0, loc)
	default:
		n = time.Date(y, m, d, 17, 0, 0, 0, loc)
	}
	if !n.After(t) { // a daylight-saving change at the boundary
		n = t.Add(time.Hour)
	}
	return n
}

func (r Rules) spread(due time.Time, calls []Call, zones []*time.Location) time.Time {
	loc := zones[0]
	tried := 0
	for _, c := range calls {
		if o, ok := r.table.Lookup(c.Outcome); ok && o.Spread {
			tried |= 1 << dayPart(c.At, loc)
		}
	}
	if tried == allParts {
		return due
	}
	horizon := due.Add(48 * time.Hour)
	for c := due; c.Before(horizon); {
		if tried&(1<<dayPart(c, loc)) == 0 {
			return c
		}
		n, ok := r.week.next(partEnd(c, loc), zones)
		if !ok {
			break
		}
		c = n
	}
	return due
}

// maxPhones is how many numbers per contact the limits track separately;
// calls to numbers beyond it count against the last one.
const maxPhones = 16

// Closed reports whether a contact is done, and why: a final outcome (one
// that does not just retire a number), every number retired by a
// TryOtherNumber outcome, MaxCalls dials, or MaxAttempts passes over its
// numbers (the most calls made to any one number). Closed does not look at
// s.Final.
func (r Rules) Closed(s ContactState) (bool, string) {
	if len(s.Calls) >= r.maxCalls {
		return true, ReasonMaxCalls
	}
	phones := min(max(s.Phones, 1), maxPhones)
	var perPhone [maxPhones]int
	retired, attempts := 0, 0
	for _, c := range s.Calls {
		o, _ := r.table.Lookup(c.Outcome)
		if o.Final && !o.TryOtherNumber {
			return true, ReasonFinal
		}
		p := min(max(c.Phone, 0), phones-1)
		perPhone[p]++
		attempts = max(attempts, perPhone[p])
		if o.TryOtherNumber {
			retired |= 1 << p
		}
	}
	if retired == 1<<phones-1 {
		return true, ReasonNoNumber
	}
	if attempts >= r.maxAttempts {
		return true, ReasonMaxAttempts
	}
	return false, ""
}

// NextPhone returns the index of the number to dial next: of the numbers not
// retired by a TryOtherNumber outcome, the one called least, the first on a
// tie. ok is false when every number is retired.
func (r Rules) NextPhone(s ContactState) (phone int, ok bool) {
	phones := min(max(s.Phones, 1), maxPhones)
	var perPhone [maxPhones]int
	retired := 0
	for _, c := range s.Calls {
		p := min(max(c.Phone, 0), phones-1)
		perPhone[p]++
		if o, _ := r.table.Lookup(c.Outcome); o.TryOtherNumber {
			retired |= 1 << p
		}
	}
	best := -1
	for p := range phones {
		if retired&(1<<p) == 0 && (best < 0 || perPhone[p] < perPhone[best]) {
			best = p
		}
	}
	return best, best >= 0
}

// The instants canvass can keep: its keys and durations are nanoseconds
// since 1970 in an int64, from 1677-09-21 to 2262-04-11.
var (
	earliestInstant = time.Unix(0, math.MinInt64)
	latestInstant   = time.Unix(0, math.MaxInt64)
)

// ErrOutOfRange is a time canvass cannot keep ([CheckInstant]).
var ErrOutOfRange = errors.New("outside the years 1678 to 2262, the times canvass can keep")

// CheckInstant says, in a sentence, why t cannot be kept: a time before
// 1678 or after 2262 would overflow the nanoseconds canvass counts in.
// The error wraps ErrOutOfRange.
func CheckInstant(t time.Time) error {
	if t.Before(earliestInstant) || t.After(latestInstant) {
		return fmt.Errorf("%s is %w", t.Format("2006-01-02 15:04 MST"), ErrOutOfRange)
	}
	return nil
}

// ParseLocal reads an appointment time as the interviewer types it,
// "2006-01-02 15:04" (or with a "T"), as a clock time in the contact's zone.
// A time that daylight saving skips is an error, since it would not be the
// time the respondent asked for.
func ParseLocal(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04"} {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			continue
		}
		if t.Format(layout) != s {
			return time.Time{}, fmt.Errorf("%s does not exist in %s (daylight saving)", s, loc)
		}
		if err := CheckInstant(t); err != nil {
			return time.Time{}, err
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("appointment time %q is not YYYY-MM-DD HH:MM", s)
}
