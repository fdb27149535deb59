package model

import "time"

// Special is the code an interviewer records instead of a value.
type Special string

// The special codes. They are stored as codes, never as values.
const (
	NoSpecial Special = ""
	DontKnow  Special = "dk"
	Refused   Special = "rf"
	// Skipped marks an item a terminal cannot capture (a photo, a GPS
	// point), skipped with a recorded reason.
	Skipped Special = "skip"
)

// AnswerEvent is what the engine hands the store for every accepted answer:
// one event, committed to disk before the next item is shown.
type AnswerEvent struct {
	// Item is the item's name; Path gives the 1-based repeat instance of
	// each enclosing repeat, outermost first.
	Item string `json:"item"`
	Path []int  `json:"path,omitempty"`
	// Value is the answer in ODK's string form: select_multiple as
	// space-separated choice names, dates as YYYY-MM-DD, times as
	// HH:MM:SS, dateTimes as RFC 3339. Empty when Special is set.
	Value   string  `json:"value,omitempty"`
	Special Special `json:"special,omitempty"`
	// Reason explains a skip; Override is the interviewer's reason for
	// going on past a soft check (warning).
	Reason   string `json:"reason,omitempty"`
	Override string `json:"override,omitempty"`
	// Other is the "other, specify" text of an or_other question.
	Other string `json:"other,omitempty"`
	// Order is the option order shown, when options were randomised.
	Order []string `json:"order,omitempty"`
	Lang  string   `json:"lang,omitempty"`
	// Label is the question as the interviewer read it: in Lang, with
	// its fills filled (empty in events recorded before it was kept).
	Label string `json:"label,omitempty"`
	// Shown is when the item appeared; Answered when the answer was given.
	Shown    time.Time `json:"shown"`
	Answered time.Time `json:"answered"`
	// Change is true when this replaces an earlier answer; Previous holds
	// the value it replaced (with PreviousSpecial).
	Change          bool    `json:"change,omitempty"`
	Previous        string  `json:"previous,omitempty"`
	PreviousSpecial Special `json:"previous_special,omitempty"`
}

// Consent is the record of consent asked for and given or refused: who asked
// whom, when, which text (and version and language) was read, and the answer.
type Consent struct {
	Survey      string    `json:"survey"`
	Version     string    `json:"version"`
	Contact     string    `json:"contact"`
	Interviewer string    `json:"interviewer"`
	Lang        string    `json:"lang"`
	Text        string    `json:"text"`
	At          time.Time `json:"at"`
	Agreed      bool      `json:"agreed"`
}
