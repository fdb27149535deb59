// Package calling holds canvass's calling rules as data: the table of call
// outcomes with their AAPOR codes, recall delays and flags; calling windows in
// the contact's own time zone; attempt limits; final dispositions; and the
// AAPOR response, cooperation, refusal and contact rates. It is pure Go with
// an injected clock, so the scheduler's rules can be tested across time zones
// and daylight-saving changes without a store.
package calling

import "time"

// Outcome is one row of the outcome table: what an interviewer can record
// after a call, and what it means for the contact.
type Outcome struct {
	Code  string `json:"code" yaml:"code"`
	Label string `json:"label" yaml:"label"`
	// AAPOR is the disposition code of the AAPOR Standard Definitions
	// ("1.1", "2.111", "3.13", ...).
	AAPOR string `json:"aapor" yaml:"aapor"`
	// Key is the interviewer's hotkey for this outcome on the call screen.
	Key string `json:"key" yaml:"key"`
	// Recall is how long to wait before the contact may be called again.
	Recall time.Duration `json:"recall" yaml:"recall"`

	Final          bool `json:"final,omitempty" yaml:"final"`
	Contacted      bool `json:"contacted,omitempty" yaml:"contacted"`
	Eligible       bool `json:"eligible,omitempty" yaml:"eligible"`
	NoteRequired   bool `json:"note_required,omitempty" yaml:"note_required"`
	TryOtherNumber bool `json:"try_other_number,omitempty" yaml:"try_other_number"`
	OfferOptOut    bool `json:"offer_opt_out,omitempty" yaml:"offer_opt_out"`
	// Appointment outcomes ask for a time to call back.
	Appointment bool `json:"appointment,omitempty" yaml:"appointment"`
}

// Config is a survey's calling configuration. Zero fields take the defaults.
type Config struct {
	// Outcomes override rows of the default table by Code, or add rows.
	Outcomes []Outcome `json:"outcomes,omitempty"`
}
