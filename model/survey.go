// Package model is canvass's domain, in pure Go: the questionnaire, the
// interview engine that steps through it, contacts and the answer events the
// store records. It does no I/O: no files, no database, no terminal, and its
// clock is injected, so every rule in it can be tested in isolation.
//
// A questionnaire ([Survey]) is a tree of [Item]s with shared [ChoiceList]s.
// Loaders in package surveys build it from YAML or XLSForm files and record
// where each item came from ([Pos]) so that problems found by
// [Survey.Validate] point at a file and line. Expressions (relevant,
// constraint, calculation, ...) are ODK XPath, compiled by package
// model/xpath.
//
// # How an interview moves
//
// [Compile] checks a survey and compiles every expression once into a
// [Form]. [Start] begins an [Interview] of it for a contact, an interviewer,
// a language, a seed (for option randomisation) and an injected clock. The
// route is the list of stops the interview shows, in questionnaire order:
// questions, notes, acknowledgements, items a terminal cannot capture, and
// the "add another?" prompt before each instance of a repeat without a
// repeat_count. Groups and repeats whose relevant is false are skipped with
// everything inside them; calculations, hidden items and metadata are
// filled without being shown.
//
// The console shows [Interview.Current] (text in the current language with
// ${name}, ${contact.FIELD}, ${interviewer.name} and ${survey.client}
// filled, options filtered and ordered), then hands the interviewer's input
// to [Interview.Answer]. Answer checks the type, required, the constraint
// (hard: refused) and the warning (soft: refused until an override reason
// is given); when it accepts, it records the answer and returns exactly one
// [AnswerEvent] without moving. The console saves that event, and only then
// calls [Interview.Next]. [Interview.Back] and [Interview.GoTo] return to
// earlier stops without losing answers. Answering an earlier stop again
// re-evaluates only what depends on it (the expressions' references say
// what) and reports the answers that became irrelevant: they stay in the
// history but leave [Interview.Data]. Past the last stop the interview is
// [Interview.Done]. [Interview.State] and [LoadState] save and resume the
// whole interview as versioned JSON.
package model

import (
	"fmt"
	"sort"
	"strings"

	"canvass/model/calling"
)

// Text is a piece of text in one or more languages, keyed by language code
// ("en", "es"). The empty key holds text given without a language.
type Text map[string]string

// In returns the text in lang, falling back to the given languages in order,
// then to the text without a language, then to any language in a stable order,
// so that an interviewer always sees something rather than an empty line.
func (t Text) In(lang string, fallback ...string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	for _, l := range fallback {
		if s, ok := t[l]; ok && s != "" {
			return s
		}
	}
	if s := t[""]; s != "" {
		return s
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t[k] != "" {
			return t[k]
		}
	}
	return ""
}

// IsZero reports whether the text is empty in every language.
func (t Text) IsZero() bool {
	for _, s := range t {
		if s != "" {
			return false
		}
	}
	return true
}

// ItemType is the kind of a questionnaire item.
type ItemType string

// The item types a terminal can serve (DESIGN §3), plus metadata items that
// are filled automatically and items a terminal cannot capture.
const (
	TypeNote           ItemType = "note"
	TypeText           ItemType = "text"
	TypeInteger        ItemType = "integer"
	TypeDecimal        ItemType = "decimal"
	TypeRange          ItemType = "range"
	TypeSelectOne      ItemType = "select_one"
	TypeSelectMultiple ItemType = "select_multiple"
	TypeRank           ItemType = "rank"
	TypeDate           ItemType = "date"
	TypeTime           ItemType = "time"
	TypeDateTime       ItemType = "dateTime"
	TypeAcknowledge    ItemType = "acknowledge"
	TypeCalculate      ItemType = "calculate"
	TypeHidden         ItemType = "hidden"
	TypeGroup          ItemType = "group"
	TypeRepeat         ItemType = "repeat"
	// TypeMeta items (start, end, today, deviceid, username, ...) are filled
	// by the engine without being shown; Item.Meta says which.
	TypeMeta ItemType = "meta"
	// TypeUnsupported items need a camera, GPS or similar. The interviewer
	// sees them explained and skips them; the skip is recorded with a reason.
	// Item.Unsupported holds the original type name.
	TypeUnsupported ItemType = "unsupported"
)

// Answerable reports whether items of this type take an answer from the
// interviewer (and so accept don't know and refused).
func (t ItemType) Answerable() bool {
	switch t {
	case TypeText, TypeInteger, TypeDecimal, TypeRange, TypeSelectOne,
		TypeSelectMultiple, TypeRank, TypeDate, TypeTime, TypeDateTime:
		return true
	}
	return false
}

// Container reports whether items of this type hold child items.
func (t ItemType) Container() bool { return t == TypeGroup || t == TypeRepeat }

// Pos is where something was defined in a questionnaire file. YAML positions
// use Line; XLSForm positions use Sheet and Row (1-based, as a spreadsheet
// shows them).
type Pos struct {
	File  string `json:"file,omitempty"`
	Line  int    `json:"line,omitempty"`
	Sheet string `json:"sheet,omitempty"`
	Row   int    `json:"row,omitempty"`
}

// String formats the position as FILE:LINE or FILE:SHEET:ROW, the prefix of
// every diagnostic `canvass survey check` prints.
func (p Pos) String() string {
	switch {
	case p.Sheet != "":
		return fmt.Sprintf("%s:%s:%d", p.File, p.Sheet, p.Row)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return p.File
	}
}

// Range bounds a range question.
type Range struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
	Step  float64 `json:"step"`
}

// Item is one entry of a questionnaire: a question, a note, a calculation,
// or a group or repeat holding further items. Expressions are kept as source
// text here and compiled once by the engine.
type Item struct {
	// Name identifies the item: ${name} in expressions, and in answers,
	// events and exports. It is unique in the survey.
	Name string `json:"name"`
	// XMLName is the item's element name in the form's instance, which
	// location paths use, when it differs from Name: ODK allows one name in
	// different groups, and a loader then gives the later items names of
	// their own.
	XMLName string   `json:"xml_name,omitempty"`
	Type    ItemType `json:"type"`
	Label   Text     `json:"label,omitempty"`
	// Hint is an instruction to the interviewer: shown, not read aloud.
	Hint Text `json:"hint,omitempty"`

	// Required is an expression; loaders turn "yes" into "true()".
	Required        string `json:"required,omitempty"`
	RequiredMessage Text   `json:"required_message,omitempty"`
	Relevant        string `json:"relevant,omitempty"`
	// Constraint is a hard check: an answer that fails it is refused.
	Constraint        string `json:"constraint,omitempty"`
	ConstraintMessage Text   `json:"constraint_message,omitempty"`
	// Warning is a soft check: the interviewer may go on after confirming,
	// and the override is recorded with a reason.
	Warning        string `json:"warning,omitempty"`
	WarningMessage Text   `json:"warning_message,omitempty"`
	// Calculation computes the item's value. On a question (not only a
	// calculate item), as in ODK, the value is calculated and the question
	// shown read-only with it, unless Editable or Trigger says otherwise.
	Calculation string `json:"calculation,omitempty"`
	// Trigger names the items (${a}, or several: ${a} ${b}) whose change
	// by the interviewer sets this item's value from Calculation, once
	// each time, as XLSForm's trigger column does; the value is then the
	// item's answer, which the interviewer may change. Without
	// Calculation, a trigger clears the item.
	Trigger string `json:"trigger,omitempty"`
	// CalculateHere computes a calculate item when the interview passes
	// its place on the way forward, as SurveyCTO's calculate_here, rather
	// than whenever what it reads changes.
	CalculateHere bool `json:"calculate_here,omitempty"`
	// Editable keeps a question with a calculation open: the calculated
	// value is only the proposed answer (XLSForm's read_only = no).
	Editable     bool   `json:"editable,omitempty"`
	Default      string `json:"default,omitempty"`
	ChoiceFilter string `json:"choice_filter,omitempty"`
	Appearance   string `json:"appearance,omitempty"`
	ReadOnly     bool   `json:"read_only,omitempty"`
	// ReadOnlyIf is an expression: the question is read-only (shown with
	// its value, taking no answer) where it is true, as XLSForm's
	// read_only column with an expression rather than yes or no.
	ReadOnlyIf string `json:"read_only_if,omitempty"`

	// ListName names the shared choice list of select and rank items.
	ListName string `json:"list,omitempty"`
	// OrOther adds an "other, specify" option whose text is asked for.
	OrOther bool `json:"or_other,omitempty"`
	// Randomize shuffles the options, seeded per interview; the order shown
	// is recorded with the interview.
	Randomize bool   `json:"randomize,omitempty"`
	Range     *Range `json:"range,omitempty"`

	// NoDontKnow and NoRefused turn off the interviewer's don't-know and
	// refused keys for this item.
	NoDontKnow bool `json:"no_dont_know,omitempty"`
	NoRefused  bool `json:"no_refused,omitempty"`
	// Personal marks an open answer as personal data, left out of exports
	// unless onward transfer is authorised.
	Personal bool `json:"personal,omitempty"`

	// Meta names the metadata a TypeMeta item records (start, end, today,
	// deviceid, username, ...).
	Meta string `json:"meta,omitempty"`
	// Unsupported is the original type of a TypeUnsupported item.
	Unsupported string `json:"unsupported,omitempty"`

	// Items are the children of a group or repeat.
	Items []Item `json:"items,omitempty"`
	// RepeatCount is an expression giving the number of repeat instances.
	// Empty on a repeat means the interviewer is asked "add another?".
	RepeatCount string `json:"repeat_count,omitempty"`

	// Params holds further parameters given in the file that the engine or
	// console may use (XLSForm's parameters column, for example).
	Params map[string]string `json:"params,omitempty"`

	Pos Pos `json:"pos,omitzero"`
	// Lines are the lines of the item's keys in a YAML file ("relevant":
	// 42), so that a problem with one key is reported where that key is.
	// An XLSForm row has all its columns on one row, and needs none.
	Lines map[string]int `json:"-"`
}

// RepeatChoices names the item whose answers in a repeat are this select's
// options (select_one ${name}), or "" for a select over a choice list.
func (it *Item) RepeatChoices() string {
	l := strings.TrimSpace(it.ListName)
	if strings.HasPrefix(l, "${") && strings.HasSuffix(l, "}") {
		return strings.TrimSpace(l[2 : len(l)-1])
	}
	return ""
}

// PersonalIn reports whether the item's answers are personal data in s: it
// is marked personal, or it chooses among the answers to a personal item
// (select_one ${name} over the names of a household's members).
func (it *Item) PersonalIn(s *Survey) bool {
	if it.Personal {
		return true
	}
	if ref := it.RepeatChoices(); ref != "" {
		src := s.Find(ref)
		return src != nil && src.Personal
	}
	return false
}

// listPos is where the item's choice list was named: its list key, else
// its type.
func (it *Item) listPos() Pos {
	if _, ok := it.Lines["list"]; ok {
		return it.PosOf("list")
	}
	return it.PosOf("type")
}

// PosOf is where the item's key (relevant, constraint, type, ...) was
// given: its own line in a YAML file, else the item's position.
func (it *Item) PosOf(key string) Pos {
	if line, ok := it.Lines[key]; ok && line > 0 {
		p := it.Pos
		p.Line = line
		return p
	}
	return it.Pos
}

// Choice is one option of a choice list. Extra holds further columns of the
// choices sheet, used by choice_filter expressions.
type Choice struct {
	Name  string            `json:"name"`
	Label Text              `json:"label,omitempty"`
	Extra map[string]string `json:"extra,omitempty"`
	Pos   Pos               `json:"pos,omitzero"`
}

// ChoiceList is a named list of options shared by select and rank items.
type ChoiceList struct {
	Name    string   `json:"name"`
	Choices []Choice `json:"choices"`
	Pos     Pos      `json:"pos,omitzero"`
}

// Privacy holds a survey's privacy settings: whether its client authorised
// onward transfer of personal data, and which contact fields are personal
// beyond the ones that always are (name, phone, email, company).
type Privacy struct {
	OnwardTransfer bool     `json:"onward_transfer"`
	PersonalFields []string `json:"personal_fields,omitempty"`
}

// AlwaysPersonal lists the contact fields that are personal data in every
// survey, whatever its privacy settings say.
var AlwaysPersonal = []string{"name", "phone", "email", "company"}

// Survey is a questionnaire with its settings and scripts.
type Survey struct {
	ID              string   `json:"id"`
	Version         string   `json:"version"`
	Title           string   `json:"title"`
	Client          string   `json:"client,omitempty"`
	Languages       []string `json:"languages,omitempty"`
	DefaultLanguage string   `json:"default_language,omitempty"`

	// Intro is read when the contact answers; Consent asks for consent;
	// Closing ends the interview. All may use fills.
	Intro   Text `json:"intro,omitempty"`
	Consent Text `json:"consent,omitempty"`
	Closing Text `json:"closing,omitempty"`
	// OptOutClosing ends an interview the person stopped by asking not
	// to be contacted again, in place of Closing's thanks for taking part.
	OptOutClosing Text `json:"optout_closing,omitempty"`
	// QuotaFull is read, instead of the closing, to a person screened out
	// because their quota cell is full.
	QuotaFull Text `json:"quota_full,omitempty"`
	// Quotas are the survey's quota cells (see [Quota]).
	Quotas []Quota `json:"quotas,omitempty"`

	Privacy Privacy `json:"privacy"`

	Items []Item                 `json:"items"`
	Lists map[string]*ChoiceList `json:"lists,omitempty"`
	// AllowChoiceDuplicates is XLSForm's allow_choice_duplicates setting:
	// a list may hold two choices of one name, as cascading selects do when
	// a choice_filter tells them apart. Duplicates are then not an error.
	AllowChoiceDuplicates bool `json:"allow_choice_duplicates,omitempty"`

	// InstanceName is an expression naming an interview for review screens.
	InstanceName string `json:"instance_name,omitempty"`
	// Root names the document element of the form's instance, which
	// absolute paths start with (/data/...); empty means DefaultRoot.
	Root string `json:"root,omitempty"`

	// Calling holds the survey's calling rules: outcome overrides, calling
	// windows and attempt limits. Nil means the defaults of model/calling.
	Calling *calling.Config `json:"calling,omitempty"`

	// Source is the file the survey was loaded from.
	Source string `json:"source,omitempty"`

	// Attachments are the data files the questionnaire reads, by file name
	// (CSV, XML or GeoJSON; see ParseDataFile): choices from a file,
	// pulldata() and instance('id'), id being the name without its
	// extension. They are part of the questionnaire, so that an interview
	// always sees the data it started with.
	Attachments map[string][]byte `json:"attachments,omitempty"`
	// ContactData names the datasets that are the interview's contact
	// rather than a file: pulldata('cases', 'phone', 'id', ${caseid}), as
	// SurveyCTO reads a server dataset of cases, reads a one-row dataset of
	// the contact's id, name, phone, email, company, location, language,
	// timezone and sample columns.
	ContactData []string `json:"contact_data,omitempty"`
}

// Walk calls fn for every item in questionnaire order, depth first, with the
// chain of enclosing groups and repeats. It stops early when fn returns false.
func (s *Survey) Walk(fn func(it *Item, parents []*Item) bool) {
	var walk func(items []Item, parents []*Item) bool
	walk = func(items []Item, parents []*Item) bool {
		for i := range items {
			it := &items[i]
			if !fn(it, parents) {
				return false
			}
			if len(it.Items) > 0 {
				if !walk(it.Items, append(parents[:len(parents):len(parents)], it)) {
					return false
				}
			}
		}
		return true
	}
	walk(s.Items, nil)
}

// Find returns the item with the given name, or nil.
func (s *Survey) Find(name string) *Item {
	var found *Item
	s.Walk(func(it *Item, _ []*Item) bool {
		if it.Name == name {
			found = it
			return false
		}
		return true
	})
	return found
}
