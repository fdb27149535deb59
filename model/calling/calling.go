// Package calling holds canvass's calling rules as data: the table of call
// outcomes with their AAPOR codes, recall delays and flags; calling windows in
// the contact's own time zone; attempt limits; final dispositions; and the
// AAPOR response, cooperation, refusal and contact rates. It is pure Go with
// an injected clock, so the scheduler's rules can be tested across time zones
// and daylight-saving changes without a store.
//
// The pieces, and who calls them:
//
//   - [Config] is a survey's calling configuration (model.Survey.Calling);
//     [NewRules] checks it and compiles it into [Rules].
//   - [Rules.Due] says whether a contact may be offered now and, if not,
//     when; the store calls it from the queue draw. [Rules.Closed] and
//     [Table.Disposition] say when a contact is done and with which AAPOR
//     code.
//   - [ContactZones] finds a contact's time zones from the sample or the
//     phone number.
//   - [ReadCounts], [ComputeRates] and [FormatRates] are the AAPOR rate
//     calculator behind `canvass rates`.
package calling

import (
	"errors"
	"fmt"
	"time"
)

// Outcome is one row of the outcome table: what an interviewer can record
// after a call, and what it means for the contact.
type Outcome struct {
	Code  string `json:"code" yaml:"code"`
	Label string `json:"label" yaml:"label"`
	// AAPOR is the disposition code of the AAPOR Standard Definitions
	// ("1.1", "2.111", "3.13", ...). For an interim outcome it is the code
	// the contact would get if this call stayed its most telling one.
	AAPOR string `json:"aapor" yaml:"aapor"`
	// Key is the interviewer's hotkey for this outcome on the call screen.
	Key string `json:"key" yaml:"key"`
	// Recall is how long to wait before the contact may be called again.
	Recall time.Duration `json:"recall" yaml:"recall"`

	// Final outcomes close the contact (see TryOtherNumber for the
	// exception).
	Final bool `json:"final,omitempty" yaml:"final"`
	// Contacted means a person was spoken to.
	Contacted bool `json:"contacted,omitempty" yaml:"contacted"`
	// Eligible means the call established that the contact is in scope
	// (AAPOR 1.x and 2.x).
	Eligible     bool `json:"eligible,omitempty" yaml:"eligible"`
	NoteRequired bool `json:"note_required,omitempty" yaml:"note_required"`
	// TryOtherNumber retires the number just dialled (disconnected, fax,
	// wrong number): the contact goes on with its other numbers, and a
	// Final outcome of this kind closes the contact only when no number is
	// left.
	TryOtherNumber bool `json:"try_other_number,omitempty" yaml:"try_other_number"`
	// OfferOptOut prompts the interviewer to offer the opt-out list.
	OfferOptOut bool `json:"offer_opt_out,omitempty" yaml:"offer_opt_out"`
	// Appointment outcomes ask for a time to call back.
	Appointment bool `json:"appointment,omitempty" yaml:"appointment"`
	// Spread asks for the next call to be made, preferably, in a part of the
	// day (morning, afternoon, evening, weekend) in which the contact has
	// not yet been tried without success. It suits no-answer outcomes, not
	// a busy line that is best retried soon.
	Spread bool `json:"spread,omitempty" yaml:"spread"`
}

// Config is a survey's calling configuration. Zero fields take the defaults.
type Config struct {
	// Outcomes override rows of the default table by Code, or add rows. An
	// override replaces the whole row.
	Outcomes []Outcome `json:"outcomes,omitempty" yaml:"outcomes"`
	// Windows are the calling hours in the contact's local time. When
	// given they replace the defaults (weekdays 09:00–20:30, weekends
	// 09:00–17:00) entirely; days not named are not called. Whatever they
	// say, nobody is called before 08:00 or from 21:00 local time.
	Windows []Window `json:"windows,omitempty" yaml:"windows"`
	// MaxCalls caps the dials made to a contact (default 12). It is a hard
	// cap: a pending appointment does not lift it.
	MaxCalls int `json:"max_calls,omitempty" yaml:"max_calls"`
	// MaxAttempts caps the passes over a contact's numbers (default 8).
	MaxAttempts int `json:"max_attempts,omitempty" yaml:"max_attempts"`
	// AppointmentGrace is how long an appointment belongs to the
	// interviewer who made it before anyone may take it (default 15m).
	AppointmentGrace time.Duration `json:"appointment_grace,omitempty" yaml:"appointment_grace"`
	// AppointmentExpiry is how long after its time an appointment that was
	// not kept lapses; the contact then follows the ordinary recall rules
	// (default 2h).
	AppointmentExpiry time.Duration `json:"appointment_expiry,omitempty" yaml:"appointment_expiry"`
	// Zone is the IANA time zone assumed for contacts whose zone is known
	// neither from the sample nor from the phone number (default UTC).
	Zone string `json:"zone,omitempty" yaml:"zone"`
	// Shifts are the call centre's shift templates for this survey, in
	// ShiftZone: when given, contacts are called only while a shift runs
	// (and, as always, inside their own calling windows), and the report
	// counts calls, contacts and completes per shift.
	Shifts []Shift `json:"shifts,omitempty" yaml:"shifts"`
	// ShiftZone is the IANA zone of the shifts' hours (default Zone, else
	// UTC).
	ShiftZone string `json:"shift_zone,omitempty" yaml:"shift_zone"`
}

// Shift is one shift template: a name and its hours on some days, in the
// call centre's zone.
type Shift struct {
	Name string `json:"name" yaml:"name"`
	Days string `json:"days" yaml:"days"`
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}

// The defaults of a zero Config.
const (
	DefaultMaxCalls          = 12
	DefaultMaxAttempts       = 8
	DefaultAppointmentGrace  = 15 * time.Minute
	DefaultAppointmentExpiry = 2 * time.Hour
)

// DefaultOutcomes returns the default outcome table: the AAPOR telephone
// dispositions and the interim outcomes interviewers record. Each call
// returns a fresh slice.
//
// Appointments and "call back later" are coded 2.21 (eligible respondent not
// available): if the limits are reached before the interview, the contact
// was reached but the respondent never was. Answering machines are 2.22x
// (the sample is of named people, so the number is known to be theirs).
func DefaultOutcomes() []Outcome {
	const (
		h = time.Hour
		m = time.Minute
	)
	return []Outcome{
		{Code: "no_answer", Label: "No answer", AAPOR: "3.13", Key: "n", Recall: 3 * h, Spread: true},
		{Code: "busy", Label: "Busy", AAPOR: "3.12", Key: "b", Recall: 15 * m},
		{Code: "machine_message", Label: "Answering machine, message left", AAPOR: "2.222", Key: "m", Recall: 24 * h, Eligible: true, Spread: true},
		{Code: "machine_no_message", Label: "Answering machine, no message left", AAPOR: "2.221", Key: "a", Recall: 4 * h, Eligible: true, Spread: true},
		{Code: "fax", Label: "Fax or modem", AAPOR: "4.20", Key: "f", Final: true, TryOtherNumber: true},
		{Code: "disconnected", Label: "Disconnected / not in service", AAPOR: "4.30", Key: "d", Final: true, TryOtherNumber: true},
		{Code: "wrong_number", Label: "Wrong number", AAPOR: "4.10", Key: "w", Final: true, Contacted: true, TryOtherNumber: true},
		{Code: "language", Label: "Language barrier", AAPOR: "2.33", Key: "g", Final: true, Contacted: true, Eligible: true, NoteRequired: true},
		{Code: "not_available", Label: "Respondent not available", AAPOR: "2.21", Key: "u", Recall: 4 * h, Contacted: true, Eligible: true, Spread: true},
		{Code: "appointment", Label: "Appointment at a set time", AAPOR: "2.21", Key: "t", Contacted: true, Eligible: true, Appointment: true},
		{Code: "callback", Label: "Call back later", AAPOR: "2.21", Key: "l", Recall: 2 * h, Contacted: true, Eligible: true},
		{Code: "soft_refusal", Label: "Soft refusal", AAPOR: "2.11", Key: "s", Recall: 72 * h, Contacted: true, Eligible: true, NoteRequired: true, OfferOptOut: true},
		{Code: "hard_refusal", Label: "Hard refusal", AAPOR: "2.11", Key: "r", Final: true, Contacted: true, Eligible: true, NoteRequired: true, OfferOptOut: true},
		{Code: "break_off", Label: "Break-off", AAPOR: "2.12", Key: "x", Final: true, Contacted: true, Eligible: true, NoteRequired: true, OfferOptOut: true},
		{Code: "not_eligible", Label: "Not eligible", AAPOR: "4.70", Key: "e", Final: true, Contacted: true},
		{Code: "complete", Label: "Complete", AAPOR: "1.1", Key: "c", Final: true, Contacted: true, Eligible: true},
		{Code: "partial", Label: "Partial interview", AAPOR: "1.2", Key: "p", Final: true, Contacted: true, Eligible: true},
		// Recorded by the store when a full quota cell screens an
		// interview out; no hotkey, as the interviewer never picks it.
		{Code: "quota_full", Label: "Quota filled", AAPOR: "4.80", Final: true, Contacted: true},
	}
}

// Table is a checked outcome table: unique codes and hotkeys, valid AAPOR
// codes. Build it with [Config.Table].
type Table struct {
	rows   []Outcome
	byCode map[string]int
	byKey  map[string]int
}

// Table returns the effective outcome table of the configuration: the
// defaults, with rows of c.Outcomes replacing those of the same code and new
// codes appended in order. A nil Config gives the defaults. Errors name the
// offending row.
func (c *Config) Table() (Table, error) {
	rows := DefaultOutcomes()
	if c != nil {
		for _, o := range c.Outcomes {
			replaced := false
			for i := range rows {
				if rows[i].Code == o.Code && o.Code != "" {
					rows[i], replaced = o, true
					break
				}
			}
			if !replaced {
				rows = append(rows, o)
			}
		}
	}
	return NewTable(rows)
}

// NewTable checks rows and makes a Table of them, in their order.
func NewTable(rows []Outcome) (Table, error) {
	t := Table{
		rows:   append([]Outcome(nil), rows...),
		byCode: make(map[string]int, len(rows)),
		byKey:  make(map[string]int, len(rows)),
	}
	var errs []error
	for i, o := range t.rows {
		name := fmt.Sprintf("outcome %d (%q)", i+1, o.Code)
		fail := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
		}
		if o.Code == "" {
			fail("no code")
		} else if j, dup := t.byCode[o.Code]; dup {
			fail("code repeats outcome %d", j+1)
		} else {
			t.byCode[o.Code] = i
		}
		if o.Label == "" {
			fail("no label")
		}
		if _, err := SymbolOf(o.AAPOR); err != nil {
			fail("%v", err)
		}
		if o.Key != "" {
			if j, dup := t.byKey[o.Key]; dup {
				fail("hotkey %q is also outcome %d (%q)", o.Key, j+1, t.rows[j].Code)
			} else {
				t.byKey[o.Key] = i
			}
		}
		if o.Recall < 0 {
			fail("negative recall delay %v", o.Recall)
		}
		if o.Final && o.Appointment {
			fail("an appointment cannot be final")
		}
	}
	if len(errs) > 0 {
		return Table{}, fmt.Errorf("outcome table: %w", errors.Join(errs...))
	}
	return t, nil
}

// Rows returns the table's outcomes in order, as a copy.
func (t Table) Rows() []Outcome { return append([]Outcome(nil), t.rows...) }

// Lookup returns the outcome with the given code.
func (t Table) Lookup(code string) (Outcome, bool) {
	i, ok := t.byCode[code]
	if !ok {
		return Outcome{}, false
	}
	return t.rows[i], true
}

// ByKey returns the outcome an interviewer's hotkey stands for.
func (t Table) ByKey(key string) (Outcome, bool) {
	i, ok := t.byKey[key]
	if !ok {
		return Outcome{}, false
	}
	return t.rows[i], true
}
