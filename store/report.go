package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"canvass/model"
	"canvass/model/calling"

	bolt "go.etcd.io/bbolt"
)

// The progress report of a survey (`canvass report`, the supervisor
// dashboard): where the sample stands, the AAPOR dispositions and rates,
// the appointments due, and what each interviewer did. It is aggregate
// output and holds no personal data: no names, phones, emails or sample
// ids, only counts, AAPOR codes, interviewer ids and times of day.

// Report is the progress of one survey at a moment. It marshals to the
// JSON document described at [Report.MarshalJSON].
type Report struct {
	Survey string
	// At is the moment the report is for: appointments at or before it
	// are due.
	At time.Time
	// Zone is the time zone of the days of CompletesByDay.
	Zone string

	Sample SampleStatus
	// Final are the dispositions of the closed contacts; Interim those the
	// open contacts would get if fieldwork ended now (calling.Table's
	// Disposition rules for both). Each list is ordered by code.
	Final   []DispositionCount
	Interim []DispositionCount
	// Counts and Rates are the AAPOR case groups and outcome rates over
	// every disposition, final and interim, with e estimated.
	Counts calling.Counts
	Rates  calling.Rates

	Appointments AppointmentCounts
	// Interviewers are the figures of each interviewer, by id; Totals
	// sums them (its Interviewer is "all").
	Interviewers []InterviewerFigures
	Totals       InterviewerFigures

	// CompletesByDay counts completes (see InterviewerFigures) per day in Zone, every
	// day from the first call's to the last call's (at most MaxReportDays,
	// the latest ones).
	CompletesByDay []DayCount
	// CallsByHour counts calls by the hour of day in the contact's own
	// local time (its timezone column, else its main phone's zone, else
	// the survey's default zone): when people are reached, not when the
	// phone room works.
	CallsByHour [24]HourCount

	// Interviews are the survey's interviews by where they stand in
	// fieldwork and review.
	Interviews InterviewCounts

	// Quotas are the survey's quota cells (see [Store.Quotas]).
	Quotas []QuotaCell

	// Shifts are the calls, contacts and completes per shift of the
	// survey's shift templates, the last row those outside every shift;
	// nil for a survey without shifts.
	Shifts []ShiftFigures

	// ByReplicate are the dispositions and rates of each replicate, by
	// replicate number, when the report was asked for By "replicate".
	ByReplicate []ReportPart

	// recounted says that the report was made by recounting every case
	// rather than from the projection.
	recounted bool
}

// InterviewCounts are a survey's interviews by where they stand, as a
// supervisor follows them. Total is the sum of Active, Suspended,
// Completed, BrokenOff, Refused and ScreenedOut; Completed is the sum of Approved,
// Returned and ToReview.
//
// A completed interview a supervisor rejected is Returned: with its
// interviewer to correct or explain, not yet an accepted complete. It is
// still a complete (1.1) in the dispositions and rates: the respondent
// answered the questionnaire to its end, and AAPOR's codes are about what
// happened with the case, not about the supervisor's check. Only an
// interview found invalid (falsified, the wrong person) stops being a
// complete, and canvass has no such decision yet.
type InterviewCounts struct {
	Total int64 `json:"total"`
	// Active and Suspended interviews were begun (consent given) and not
	// completed; reopened ones after a rejection are Returned instead.
	Active    int64 `json:"active"`
	Suspended int64 `json:"suspended"`
	Completed int64 `json:"completed"`
	Approved  int64 `json:"approved"`
	// Returned interviews were rejected by a supervisor and not completed
	// again since (reopened ones included).
	Returned int64 `json:"returned"`
	// ToReview are completed and wait for a supervisor's decision.
	ToReview int64 `json:"to_review"`
	// BrokenOff interviews were ended by an opt-out (status broken-off):
	// their answers are kept, they are never resumed.
	BrokenOff int64 `json:"broken_off"`
	// Refused are the consents declined.
	Refused int64 `json:"refused"`
	// ScreenedOut interviews were ended by a full quota cell (status
	// screened-out); their contacts are 4.80, quota filled.
	ScreenedOut int64 `json:"screened_out"`
}

// MaxReportDays bounds the days of Report.CompletesByDay.
const MaxReportDays = 366

// SampleStatus says where a survey's contacts stand. Total is the sum of
// Untouched, InProgress, Final and Suppressed; Left is what remains to be
// worked (Untouched + InProgress).
type SampleStatus struct {
	Total int64 `json:"total"`
	// Untouched contacts are queued, were never called and have no
	// interview.
	Untouched int64 `json:"untouched"`
	// InProgress contacts were called or have an interview begun, and are
	// still open.
	InProgress int64 `json:"in_progress"`
	// Final contacts are closed: a final outcome, or the calling limits
	// (ClosedByLimits of them, counted in Final too).
	Final          int64 `json:"final"`
	ClosedByLimits int64 `json:"closed_by_limits"`
	// Suppressed contacts were taken out of the queue by the opt-out list.
	// A suppressed contact never called and never interviewed is left out
	// of the dispositions and rates (it was never part of the worked
	// sample); one called or interviewed before is counted with the final
	// disposition its calls and interview give.
	Suppressed int64 `json:"suppressed"`
	Left       int64 `json:"left"`
	// SuppressedAtImport are the sample rows the opt-out list kept out at
	// import, over the survey's finished imports, each file counted once
	// however often it was imported (the opt-out list only grows, so its
	// last import kept out the most). They never became contacts and are
	// not in Total.
	SuppressedAtImport int64 `json:"suppressed_at_import"`
}

// DispositionCount is the number of contacts with one AAPOR disposition.
type DispositionCount struct {
	Code  string         `json:"code"`
	Group calling.Symbol `json:"group"`
	Name  string         `json:"name"`
	Count int64          `json:"count"`
}

// AppointmentCounts are the pending appointments of queued contacts: Due
// at or before Report.At (overdue included), Later after it.
type AppointmentCounts struct {
	Due   int64 `json:"due"`
	Later int64 `json:"later"`
}

// DayCount is the number of completes on one day.
type DayCount struct {
	Day       string `json:"day"` // YYYY-MM-DD
	Completes int64  `json:"completes"`
}

// HourCount is the number of calls in one hour of the day, and how many of
// them reached a person (outcomes marked contacted).
type HourCount struct {
	Hour     int   `json:"hour"`
	Calls    int64 `json:"calls"`
	Contacts int64 `json:"contacts"`
}

// HourSlot is the unit interviewer hours are counted in.
const HourSlot = 15 * time.Minute

// InterviewerFigures is what one interviewer did in a survey. It marshals
// to the object described at [Report.MarshalJSON].
//
// Hours are working time as the store can see it: the number of quarter
// hours (aligned to the clock, UTC) in which the interviewer recorded a
// call or had an interview running (from consent to its end; an interview
// not ended counts its start only, one that took more than 4 hours, and
// so was suspended, its start and its end), times ¼. A quarter hour with five
// calls counts once; a 40-minute interview counts the three or four
// quarter hours it touched. It is a floor for time on the phone, not
// time signed in, which the store does not record.
type InterviewerFigures struct {
	Interviewer string
	// Calls are the calls recorded; Contacts those that reached a person.
	Calls    int64
	Contacts int64
	// Completes are the completed cases (disposition 1.1), each credited
	// to the interviewer and the day of its first complete call: a second
	// complete call (on completing a returned interview again) is not a
	// second complete, and a complete call of a case whose interview was
	// not completed is none. Partials and Refusals are calls with a 1.2
	// and a 2.1x outcome (refusal, break-off).
	Completes int64
	Partials  int64
	Refusals  int64
	// Slots are the quarter hours worked (see Hours).
	Slots int64
	// Interviews are the completed interviews timed, and InterviewTime
	// their total length (consent to completion). An interview that took
	// longer than 4 hours was suspended and resumed later: its length
	// says nothing about the questionnaire, and it is not timed.
	Interviews    int64
	InterviewTime time.Duration
	// Overrides are the answers given past a soft check.
	Overrides int64
}

// add adds an interviewer's figures to t (the report's totals).
func (t *InterviewerFigures) add(f InterviewerFigures) {
	t.Calls += f.Calls
	t.Contacts += f.Contacts
	t.Completes += f.Completes
	t.Partials += f.Partials
	t.Refusals += f.Refusals
	t.Slots += f.Slots
	t.Interviews += f.Interviews
	t.InterviewTime += f.InterviewTime
	t.Overrides += f.Overrides
}

// Hours is the time worked in hours (see InterviewerFigures).
func (f InterviewerFigures) Hours() float64 {
	return float64(f.Slots) * HourSlot.Hours()
}

// CompletesPerHour is Completes / Hours; ok is false with no hours.
func (f InterviewerFigures) CompletesPerHour() (v float64, ok bool) {
	if f.Slots == 0 {
		return 0, false
	}
	return float64(f.Completes) / f.Hours(), true
}

// AverageInterview is the mean length of the completed interviews; ok is
// false when there were none.
func (f InterviewerFigures) AverageInterview() (d time.Duration, ok bool) {
	if f.Interviews == 0 {
		return 0, false
	}
	return f.InterviewTime / time.Duration(f.Interviews), true
}

// RefusalRate is the share of conversations with an eligible respondent
// that ended in a refusal or break-off: Refusals / (Completes + Partials +
// Refusals), exactly. It is nil when there was no such conversation.
func (f InterviewerFigures) RefusalRate() *big.Rat {
	den := f.Completes + f.Partials + f.Refusals
	if den == 0 {
		return nil
	}
	return big.NewRat(f.Refusals, den)
}

// ReportOptions say for which moment and in which zone a report is made.
type ReportOptions struct {
	// At is the moment of the report; zero means the store's clock.
	At time.Time
	// Location is the zone of the completes-per-day days; nil means UTC.
	Location *time.Location
	// By breaks the dispositions and rates down: "replicate" (see
	// [Report.ByReplicate]); empty for none.
	By string
}

// ReportPart is the dispositions and AAPOR rates of one part of the
// sample, such as one replicate. The parts' counts add up to the
// report's.
type ReportPart struct {
	// Replicate is the part's replicate number, or "none" for contacts
	// imported without replicates.
	Replicate string
	Final     []DispositionCount
	Interim   []DispositionCount
	Counts    calling.Counts
	Rates     calling.Rates
}

// reportAcc gathers a report while the store is read: only maps bounded
// by the outcome codes, the interviewers, the days and the quarter hours
// of the fieldwork, never by the number of contacts.
type reportAcc struct {
	r       *Report
	table   calling.Table
	rules   calling.Rules
	loc     *time.Location
	final   map[string]int64
	interim map[string]int64
	who     map[string]*interviewerAcc
	days    map[string]int64
	first   time.Time // of any call
	last    time.Time
	zones   map[string]*time.Location // by timezone column or number prefix
	calls   []calling.Call            // reused for each contact
	contact reportContact             // reused for each contact
	// outcomes caches each code's row and case group.
	outcomes map[string]outcomeInfo
	// key is the ibycontact key of the contact being counted.
	key []byte
	// byRep breaks the counts down by replicate: parts holds each
	// replicate's final and interim counts, rep the current contact's.
	byRep bool
	rep   string
	parts map[string]*[2]map[string]int64
	// shifts is set when the survey has shift templates: shiftIndex
	// finds a shift's row in Report.Shifts, shiftSeen the shifts the
	// current contact was called in.
	shifts     []calling.Shift
	shiftIndex map[string]int
	shiftSeen  map[int]bool
}

// count counts a contact of disposition code, final or interim, in the
// report and in its part.
func (acc *reportAcc) count(final bool, code string) {
	m := acc.interim
	if final {
		m = acc.final
	}
	m[code]++
	if !acc.byRep {
		return
	}
	p := acc.parts[acc.rep]
	if p == nil {
		p = &[2]map[string]int64{{}, {}}
		acc.parts[acc.rep] = p
	}
	i := 1
	if final {
		i = 0
	}
	p[i][code]++
}

type outcomeInfo struct {
	o   calling.Outcome
	sym calling.Symbol
}

type interviewerAcc struct {
	f     InterviewerFigures
	slots map[int64]struct{}
}

// Report computes the progress report of survey in one read transaction.
// It reads the survey's projection (see tally.go): a few records, however
// large the sample. It recounts every case instead, streaming over the
// contacts and interviews, when the projection cannot say: the store has
// none yet, a case in it could not be reported (the recount then fails
// as the report always did), or the zone of o.Location has a day that
// does not begin on a quarter hour in the fieldwork's time. o.At only
// decides which appointments are due, so a report at another moment
// reads the projection too, and so does a report by replicate or of a
// survey with shifts (their figures are in the projection since schema
// 8). A survey with neither an installed questionnaire nor contacts is
// ErrNotFound.
func (s *Store) Report(survey string, o ReportOptions) (*Report, error) {
	if o.At.IsZero() {
		o.At = s.now()
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.By != "" && o.By != "replicate" {
		return nil, fmt.Errorf("report on %s: cannot break down by %q (only by replicate)", survey, o.By)
	}
	var r *Report
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if r, err = s.reportTx(tx, survey, o, false); err != nil {
			return err
		}
		cells, err := s.quotaCellsTx(tx, survey)
		if len(cells) > 0 {
			r.Quotas = cells
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("report on %s: %w", survey, err)
	}
	return r, nil
}

// reportDetailedTx makes the report by streaming over every contact and
// interview of survey, reading their records as the report did before it
// had a projection. It shares nothing with the projection's tallies
// (caseTx), and so is the reference the tests hold both the projection
// and the recount (recountTx) to, the figures per shift and by
// replicate among them.
func (s *Store) reportDetailedTx(tx *bolt.Tx, survey string, o ReportOptions) (*Report, error) {
	r := &Report{Survey: survey, At: o.At, Zone: o.Location.String(), recounted: true}
	err := func() error {
		rec, err := latestSurveyTx(tx, survey)
		if err != nil {
			return err
		}
		var cfg struct {
			Calling *calling.Config `json:"calling"`
		}
		if rec != nil {
			if err := json.Unmarshal(rec.Survey, &cfg); err != nil {
				return fmt.Errorf("decode calling rules: %w", err)
			}
		}
		rules, err := calling.NewRules(cfg.Calling)
		if err != nil {
			return err
		}
		acc := &reportAcc{r: r, table: rules.Table(), rules: rules, loc: o.Location,
			final: map[string]int64{}, interim: map[string]int64{}, who: map[string]*interviewerAcc{},
			days: map[string]int64{}, zones: map[string]*time.Location{}, outcomes: map[string]outcomeInfo{},
			byRep: o.By == "replicate", parts: map[string]*[2]map[string]int64{}}
		if acc.shifts = rules.Shifts(); len(acc.shifts) > 0 {
			acc.shiftIndex, acc.shiftSeen = map[string]int{}, map[int]bool{}
			for i, sh := range acc.shifts {
				acc.shiftIndex[sh.Name] = i
				r.Shifts = append(r.Shifts, ShiftFigures{Shift: sh.Name})
			}
			acc.shiftIndex[""] = len(r.Shifts)
			r.Shifts = append(r.Shifts, ShiftFigures{})
		} else {
			acc.shifts = nil
		}
		n, err := s.reportContactsTx(tx, survey, acc)
		if err != nil {
			return err
		}
		if rec == nil && n == 0 {
			return fmt.Errorf("survey %s: %w", survey, ErrNotFound)
		}
		if err := s.reportInterviewsTx(tx, survey, acc); err != nil {
			return err
		}
		if err := reportImportsTx(tx, survey, r); err != nil {
			return err
		}
		if r.Quotas, err = s.quotaCellsTx(tx, survey); err != nil {
			return err
		}
		return acc.finish()
	}()
	if err != nil {
		return nil, err
	}
	return r, nil
}

// reportContactsTx adds every contact of survey to the report and returns
// how many there were.
func (s *Store) reportContactsTx(tx *bolt.Tx, survey string, acc *reportAcc) (int64, error) {
	var n int64
	err := s.surveyContactsTx(tx, survey, func(cid uint64) error {
		st, err := s.stateTx(tx, cid)
		if err != nil {
			return err
		}
		n++
		if err := s.reportContactTx(tx, cid, st, acc); err != nil {
			return fmt.Errorf("contact %d: %w", cid, err)
		}
		return nil
	})
	return n, err
}

// reportContactTx adds one contact: its status, disposition, appointment
// and calls.
//
// The disposition is what its calls give (calling.Table.Disposition),
// corrected by its interview, which the calls may not tell (an interview
// suspended at the first question and never called back has consent and
// no call): see interviewDisposition.
func (s *Store) reportContactTx(tx *bolt.Tx, cid uint64, st *ContactState, acc *reportAcc) error {
	r := acc.r
	r.Sample.Total++
	if acc.byRep {
		c, err := s.contactTx(tx, cid)
		if err != nil {
			return err
		}
		if acc.rep = c.Fields[ReplicateField]; acc.rep == "" {
			acc.rep = "none"
		}
	}
	ev, err := s.interviewEvidenceTx(tx, cid, acc)
	if err != nil {
		return err
	}
	if len(st.Calls) == 0 && ev == ivNone {
		switch st.Status {
		case StatusSuppressed:
			// Taken out before any call: not part of the worked sample.
			r.Sample.Suppressed++
			return nil
		case StatusQueued:
			r.Sample.Untouched++
			acc.count(false, calling.NotAttempted)
		default: // retired or closed without a call
			r.Sample.Final++
			r.Sample.ClosedByLimits++
			acc.count(true, calling.NotAttempted)
		}
		acc.appointment(st)
		return nil
	}
	var ct *reportContact
	phones := 0
	calls := acc.calls[:0]
	if len(st.Calls) > 0 {
		if ct, err = s.readContactTx(tx, cid, &acc.contact); err != nil {
			return err
		}
		phones = ct.phones()
		for _, c := range st.Calls {
			calls = append(calls, calling.Call{At: c.At, Outcome: c.Outcome, Interviewer: c.Interviewer, Phone: c.Phone})
		}
	}
	acc.calls = calls
	code, err := acc.table.Disposition(calls, phones)
	if err != nil {
		return err
	}
	if code, err = interviewDisposition(code, ev); err != nil {
		return err
	}
	closed := false
	switch st.Status {
	case StatusSuppressed:
		r.Sample.Suppressed++
		closed = true
	case StatusFinal:
		r.Sample.Final++
		closed = true
	case StatusRetired:
		r.Sample.Final++
		r.Sample.ClosedByLimits++
		closed = true
	default:
		// The draw retires a contact at the limits only when it meets it;
		// the rules say now whether it is done.
		if done, _ := acc.rules.Closed(calling.ContactState{Phones: phones, Calls: calls}); done && len(calls) > 0 {
			r.Sample.Final++
			r.Sample.ClosedByLimits++
			closed = true
		} else if ev.ends() {
			// A completed, refused or broken-off interview ends the
			// case: a person is not interviewed twice for a survey.
			r.Sample.Final++
			closed = true
		} else {
			r.Sample.InProgress++
		}
	}
	if closed {
		acc.count(true, code)
	} else {
		acc.count(false, code)
		acc.appointment(st)
	}
	if ct == nil {
		return nil
	}
	zone := acc.zone(ct)
	// The first complete call of a completed case is its complete; a case
	// whose interview was not completed has none, whatever was recorded.
	sym, err := calling.SymbolOf(code)
	if err != nil {
		return err
	}
	completed := sym != calling.I
	clear(acc.shiftSeen)
	for _, c := range st.Calls {
		if err := acc.call(c, zone, &completed); err != nil {
			return err
		}
	}
	return nil
}

// ShiftFigures are the calls, contacts called and completes of one shift
// of the survey's shift templates; Shift "" is the calls made while no
// shift ran.
type ShiftFigures struct {
	Shift     string `json:"shift"`
	Calls     int64  `json:"calls"`
	Contacts  int64  `json:"contacts"`
	Completes int64  `json:"completes"`
}

// ivEvidence is what a contact's interview says of its disposition.
type ivEvidence uint8

const (
	// ivNone: no interview.
	ivNone ivEvidence = iota
	// ivRefused: consent was declined.
	ivRefused
	// ivBegun: consent was given and the interview not completed
	// (active or suspended).
	ivBegun
	// ivBrokenOff: the interview was ended by an opt-out.
	ivBrokenOff
	// ivCompleted: the interview was completed (reviewed or not), or
	// reopened after a supervisor returned it.
	ivCompleted
	// ivScreenedOut: a full quota cell ended the interview.
	ivScreenedOut
)

// ends reports whether the interview closes the case.
func (ev ivEvidence) ends() bool {
	return ev == ivRefused || ev == ivBrokenOff || ev == ivCompleted || ev == ivScreenedOut
}

// breakOff is the AAPOR code of an interview begun and not completed.
const breakOff = "2.12"

// interviewDisposition corrects the disposition code the calls give with
// what the contact's interview says, following the AAPOR Standard
// Definitions:
//
//   - a completed interview is a complete (1.1), whatever the calls (a
//     re-completion after a rejection records a second complete call; an
//     interview completed without a call record is still one);
//   - an interview begun and not completed, whether suspended (an
//     interim code: what the case gets if fieldwork ends now) or ended by
//     an opt-out, is a break-off (2.12): the respondent was reached,
//     agreed and began. AAPOR counts an interview broken off after enough
//     of it as a partial (1.2), by a threshold each survey sets in
//     advance; canvass surveys set none, so a break-off stays 2.12 unless
//     the interviewer recorded a partial (1.2) call, which is kept;
//   - declined consent is a refusal (2.11) unless the calls already say
//     a refusal, break-off or interview.
func interviewDisposition(code string, ev ivEvidence) (string, error) {
	if ev == ivNone {
		return code, nil
	}
	sym, err := calling.SymbolOf(code)
	if err != nil {
		return "", err
	}
	switch ev {
	case ivCompleted:
		return "1.1", nil
	case ivScreenedOut:
		return model.QuotaFullCode, nil
	case ivBegun, ivBrokenOff:
		if sym == calling.P {
			return code, nil
		}
		return breakOff, nil
	default: // ivRefused
		if sym == calling.I || sym == calling.P || sym == calling.R {
			return code, nil
		}
		return "2.11", nil
	}
}

// interviewEvidenceTx reads what the contact's interview in the report's
// survey says of its disposition.
func (s *Store) interviewEvidenceTx(tx *bolt.Tx, cid uint64, acc *reportAcc) (ivEvidence, error) {
	acc.key = binary.BigEndian.AppendUint64(append(acc.key[:0], idPrefix(acc.r.Survey)...), cid)
	id := tx.Bucket(bIByContact).Get(acc.key)
	if id == nil {
		return ivNone, nil
	}
	v := tx.Bucket(bInterviews).Get(id)
	if v == nil {
		return ivNone, nil
	}
	var ir InterviewRecord
	if err := s.openJSON(v, &ir); err != nil {
		return ivNone, fmt.Errorf("decode interview %s: %w", id, err)
	}
	return s.evidenceTx(tx, id, &ir) // as the projection reads it (tally.go)
}

// everReturnedTx reports whether a supervisor ever returned the interview (a
// rejection, reopened or not).
func (s *Store) everReturnedTx(tx *bolt.Tx, id []byte) (bool, error) {
	if b := tx.Bucket(bReviews); b == nil || b.Get(id) == nil {
		return false, nil
	}
	rs, err := s.reviewStateTx(tx, string(id))
	if err != nil {
		return false, err
	}
	return len(rs.Rejections) > 0, nil
}

// appointment counts a queued contact's pending appointment.
func (acc *reportAcc) appointment(st *ContactState) {
	if st.Status != StatusQueued || st.Appointment.IsZero() {
		return
	}
	if st.Appointment.After(acc.r.At) {
		acc.r.Appointments.Later++
	} else {
		acc.r.Appointments.Due++
	}
}

// reportContact is the part of a contact record the report reads: what
// its zone and its number of phones come from.
type reportContact struct {
	Contact struct {
		Phones   []string `json:"phones"`
		Timezone string   `json:"timezone"`
	} `json:"contact"`
}

// phones is how many numbers the contact has.
func (c *reportContact) phones() int { return len(c.Contact.Phones) }

// readContactTx decodes what the report needs of a contact into the
// accumulator's reused record.
func (s *Store) readContactTx(tx *bolt.Tx, cid uint64, c *reportContact) (*reportContact, error) {
	v := tx.Bucket(bContacts).Get(u64(cid))
	if v == nil {
		// A block record decodes into a reportContact as a contact
		// record does.
		_, rec, ok, err := s.blockRawTx(tx, cid)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("contact record: %w", ErrNotFound)
		}
		c.Contact.Phones, c.Contact.Timezone = c.Contact.Phones[:0], ""
		if err := json.Unmarshal(rec, c); err != nil {
			return nil, fmt.Errorf("decode contact record: %w", err)
		}
		return c, nil
	}
	plain, err := s.codec.Open(v)
	if err != nil {
		return nil, fmt.Errorf("open contact record: %w", err)
	}
	c.Contact.Phones, c.Contact.Timezone = c.Contact.Phones[:0], ""
	if err := json.Unmarshal(plain, c); err != nil {
		return nil, fmt.Errorf("decode contact record: %w", err)
	}
	return c, nil
}

// maxZoneCache bounds the zones kept by timezone column or number prefix.
const maxZoneCache = 10_000

// phoneZonePrefix is how much of an E.164 number decides its zones: the
// phone-number library maps zones by prefixes of at most 9 digits
// (TestPhoneZonePrefixAgrees holds it to that), so numbers sharing "+"
// and 9 digits share their zones, and the cache grows with the numbering
// plan's blocks, not with the sample.
const phoneZonePrefix = 1 + 9

// zone is a contact's first zone, as the calling rules find it.
func (acc *reportAcc) zone(c *reportContact) *time.Location {
	key := ""
	tz := strings.TrimSpace(c.Contact.Timezone)
	phone := ""
	if len(c.Contact.Phones) > 0 {
		phone = c.Contact.Phones[0]
	}
	switch {
	case tz != "":
		key = "tz:" + tz
	case len(phone) > phoneZonePrefix && phone[0] == '+':
		key = phone[:phoneZonePrefix]
	default:
		key = phone
	}
	if z, ok := acc.zones[key]; ok {
		return z
	}
	zs, _, _ := calling.ContactZones(tz, phone, acc.rules.Zone())
	z := acc.rules.Zone()
	if len(zs) > 0 {
		z = zs[0]
	}
	if len(acc.zones) >= maxZoneCache {
		clear(acc.zones)
	}
	acc.zones[key] = z
	return z
}

// outcome is the table's row for a code, with its case group.
func (acc *reportAcc) outcome(code string) (outcomeInfo, error) {
	if oi, ok := acc.outcomes[code]; ok {
		return oi, nil
	}
	o, ok := acc.table.Lookup(code)
	if !ok {
		return outcomeInfo{}, fmt.Errorf("outcome %q is not in the survey's table", code)
	}
	sym, err := calling.SymbolOf(o.AAPOR)
	if err != nil {
		return outcomeInfo{}, err
	}
	oi := outcomeInfo{o, sym}
	acc.outcomes[code] = oi
	return oi, nil
}

// interviewer is the accumulator of one interviewer.
func (acc *reportAcc) interviewer(id string) *interviewerAcc {
	a, ok := acc.who[id]
	if !ok {
		a = &interviewerAcc{f: InterviewerFigures{Interviewer: id}, slots: map[int64]struct{}{}}
		acc.who[id] = a
	}
	return a
}

// slot is the quarter hour t falls in.
func slot(t time.Time) int64 { return t.Unix() / int64(HourSlot/time.Second) }

// call adds one call, made to a contact in zone. completed says whether a
// complete call of the contact was counted already: a contact is
// completed once, and a second complete call (after a supervisor returned
// the interview, on completing it again) counts as a call, not as a
// second complete.
func (acc *reportAcc) call(c CallRecord, zone *time.Location, completed *bool) error {
	oi, err := acc.outcome(c.Outcome)
	if err != nil {
		return err
	}
	var sh *ShiftFigures
	if acc.shifts != nil {
		name := acc.rules.ShiftOf(c.At)
		i := acc.shiftIndex[name]
		sh = &acc.r.Shifts[i]
		sh.Calls++
		if !acc.shiftSeen[i] {
			acc.shiftSeen[i] = true
			sh.Contacts++
		}
	}
	a := acc.interviewer(c.Interviewer)
	a.f.Calls++
	a.slots[slot(c.At)] = struct{}{}
	h := &acc.r.CallsByHour[c.At.In(zone).Hour()]
	h.Calls++
	if oi.o.Contacted {
		a.f.Contacts++
		h.Contacts++
	}
	switch oi.sym {
	case calling.I:
		if *completed {
			break
		}
		*completed = true
		a.f.Completes++
		if sh != nil {
			sh.Completes++
		}
		acc.days[c.At.In(acc.loc).Format(time.DateOnly)]++
	case calling.P:
		a.f.Partials++
	case calling.R:
		a.f.Refusals++
	}
	if acc.first.IsZero() || c.At.Before(acc.first) {
		acc.first = c.At
	}
	if c.At.After(acc.last) {
		acc.last = c.At
	}
	return nil
}

// reportImportsTx counts the rows the opt-out list kept out of the
// survey's finished imports. The same file imported again (the demo on a
// kept store, a re-run) keeps the same people out again: each file is
// counted once, with its latest import's count, the highest since the
// opt-out list only grows.
func reportImportsTx(tx *bolt.Tx, survey string, r *Report) error {
	byFile := map[string]int64{}
	err := tx.Bucket(bImports).ForEach(func(k, v []byte) error {
		var rec struct {
			Survey string `json:"survey"`
			SHA256 string `json:"sha256"`
			Status string `json:"status"`
			Counts struct {
				Suppressed int64 `json:"suppressed"`
			} `json:"counts"`
		}
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decode import record: %w", err)
		}
		switch {
		case rec.Survey != survey || rec.Status != ImportDone:
		case rec.SHA256 == "":
			r.Sample.SuppressedAtImport += rec.Counts.Suppressed
		default:
			byFile[rec.SHA256] = max(byFile[rec.SHA256], rec.Counts.Suppressed)
		}
		return nil
	})
	for _, n := range byFile {
		r.Sample.SuppressedAtImport += n
	}
	return err
}

// reportInterviewsTx adds the survey's interviews: their time, their
// length when completed, and their soft-check overrides.
func (s *Store) reportInterviewsTx(tx *bolt.Tx, survey string, acc *reportAcc) error {
	pre := idPrefix(survey)
	interviews := tx.Bucket(bInterviews)
	answers := tx.Bucket(bAnswers).Cursor()
	c := tx.Bucket(bIByContact).Cursor()
	// The export's xreview holds each standing decision in clear, once
	// the store indexed its older steps; else the review states tell.
	var xreview *bolt.Bucket
	if tx.Bucket(bMeta).Get(kStepsIndexed) != nil {
		xreview = tx.Bucket(bXReview)
	}
	var ir InterviewRecord
	for k, id := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, id = c.Next() {
		v := interviews.Get(id)
		if v == nil {
			continue
		}
		ir = InterviewRecord{}
		if err := s.openJSON(v, &ir); err != nil {
			return fmt.Errorf("decode interview %s: %w", id, err)
		}
		if err := s.countInterviewTx(tx, id, &ir, &acc.r.Interviews, xreview); err != nil {
			return err
		}
		a := acc.interviewer(ir.Interviewer)
		// An interview's quarter hours run from consent to its end; one
		// that lasted longer than maxInterviewSpan was suspended, and
		// counts the quarter hours of its start and its end only.
		a.slots[slot(ir.Started)] = struct{}{}
		span := ir.Ended.Sub(ir.Started)
		switch {
		case ir.Ended.IsZero() || span < 0:
		case span <= maxInterviewSpan:
			for q := slot(ir.Started); q <= slot(ir.Ended); q++ {
				a.slots[q] = struct{}{}
			}
			if ir.Status == InterviewCompleted {
				a.f.Interviews++
				a.f.InterviewTime += span
			}
		default:
			a.slots[slot(ir.Ended)] = struct{}{}
		}
		n, err := s.overridesTx(answers, id)
		if err != nil {
			return fmt.Errorf("interview %s: %w", id, err)
		}
		a.f.Overrides += n
	}
	return nil
}

// countInterviewTx counts one interview in the review progress.
func (s *Store) countInterviewTx(tx *bolt.Tx, id []byte, ir *InterviewRecord, n *InterviewCounts, xreview *bolt.Bucket) error {
	n.Total++
	switch ir.Status {
	case InterviewCompleted:
		n.Completed++
		var decision string
		if xreview != nil {
			decision = string(xreview.Get(id))
		} else {
			rs, err := s.reviewStateTx(tx, string(id))
			if err != nil {
				return err
			}
			decision = rs.Decision
		}
		switch decision {
		case DecisionApproved:
			n.Approved++
		case DecisionRejected:
			n.Returned++
		default:
			n.ToReview++
		}
		return nil
	case InterviewRefused:
		n.Refused++
		return nil
	case InterviewBrokenOff:
		n.BrokenOff++
		return nil
	case InterviewScreenedOut:
		n.ScreenedOut++
		return nil
	}
	returned, err := s.everReturnedTx(tx, id)
	switch {
	case err != nil:
		return err
	case returned:
		n.Completed++
		n.Returned++
	case ir.Status == InterviewSuspended:
		n.Suspended++
	default:
		n.Active++
	}
	return nil
}

// overrideKey is how an override appears in an answer's JSON. It cannot
// occur inside a JSON string (its quotes would be escaped), so answers
// without it are skipped without decoding.
const overrideKey = `"override":`

// overridesTx counts the answers of an interview given past a soft check.
func (s *Store) overridesTx(c *bolt.Cursor, interview []byte) (int64, error) {
	pre := append(append(make([]byte, 0, len(interview)+1), interview...), 0)
	var n int64
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		plain, err := s.codec.Open(v)
		if err != nil {
			return n, fmt.Errorf("open answer: %w", err)
		}
		if !bytes.Contains(plain, []byte(overrideKey)) {
			continue
		}
		var a struct {
			Override string `json:"override"`
		}
		if err := json.Unmarshal(plain, &a); err != nil {
			return n, fmt.Errorf("decode answer: %w", err)
		}
		if a.Override != "" {
			n++
		}
	}
	return n, nil
}

// finish turns the accumulated counts into the report's lists and rates.
func (acc *reportAcc) finish() error {
	r := acc.r
	r.Sample.Left = r.Sample.Untouched + r.Sample.InProgress
	var err error
	if r.Final, err = dispositionList(acc.final, &r.Counts); err != nil {
		return err
	}
	if r.Interim, err = dispositionList(acc.interim, &r.Counts); err != nil {
		return err
	}
	if r.Rates, err = calling.ComputeRates(r.Counts, nil); err != nil {
		return err
	}
	if acc.byRep {
		if r.ByReplicate, err = replicateParts(acc.parts); err != nil {
			return err
		}
	}
	ids := make([]string, 0, len(acc.who))
	for id := range acc.who {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	r.Interviewers = make([]InterviewerFigures, 0, len(ids))
	r.Totals = InterviewerFigures{Interviewer: "all"}
	for _, id := range ids {
		a := acc.who[id]
		a.f.Slots = int64(len(a.slots))
		r.Interviewers = append(r.Interviewers, a.f)
		r.Totals.add(a.f)
	}
	for h := range r.CallsByHour {
		r.CallsByHour[h].Hour = h
	}
	r.CompletesByDay = []DayCount{}
	if !acc.first.IsZero() {
		first := dayStart(acc.first.In(acc.loc))
		last := dayStart(acc.last.In(acc.loc))
		if d := first.AddDate(0, 0, MaxReportDays-1); last.After(d) {
			first = last.AddDate(0, 0, -(MaxReportDays - 1))
		}
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			day := d.Format(time.DateOnly)
			r.CompletesByDay = append(r.CompletesByDay, DayCount{Day: day, Completes: acc.days[day]})
		}
	}
	return nil
}

// replicateParts lists the dispositions and rates of each replicate
// (final and interim counts by replicate name), numbered replicates first
// in their order, then the others ("none") by name.
func replicateParts(parts map[string]*[2]map[string]int64) ([]ReportPart, error) {
	out := []ReportPart{}
	keys := slices.Collect(maps.Keys(parts))
	slices.SortFunc(keys, func(a, b string) int {
		x, errA := strconv.Atoi(a)
		y, errB := strconv.Atoi(b)
		switch {
		case errA == nil && errB == nil:
			return cmp.Compare(x, y)
		case errA == nil:
			return -1
		case errB == nil:
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		p := ReportPart{Replicate: k}
		var err error
		if p.Final, err = dispositionList(parts[k][0], &p.Counts); err != nil {
			return nil, err
		}
		if p.Interim, err = dispositionList(parts[k][1], &p.Counts); err != nil {
			return nil, err
		}
		if p.Rates, err = calling.ComputeRates(p.Counts, nil); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// dayStart is midnight of t's day in t's zone.
func dayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// dispositionList orders counts by code, adding them to all.
func dispositionList(counts map[string]int64, all *calling.Counts) ([]DispositionCount, error) {
	out := make([]DispositionCount, 0, len(counts))
	// Code order is the Standard Definitions' order: 1.1 < 2.11 < 2.111 <
	// 2.12. Added to all in that order too, so that its codes are listed
	// the same way in every report.
	for _, code := range slices.Sorted(maps.Keys(counts)) {
		n := counts[code]
		sym, err := calling.SymbolOf(code)
		if err != nil {
			return nil, err
		}
		if err := all.Add(code, n); err != nil {
			return nil, err
		}
		out = append(out, DispositionCount{Code: code, Group: sym, Name: AAPORName(code), Count: n})
	}
	return out, nil
}

// AAPORName is the Standard Definitions' name of a disposition code, or
// of its case group when the code is not one of the telephone codes.
func AAPORName(code string) string {
	switch code {
	case "1.0":
		return "Interview"
	case "1.1":
		return "Complete"
	case "1.2":
		return "Partial"
	case "2.10":
		return "Refusal and break-off"
	case "2.11":
		return "Refusal"
	case "2.111":
		return "Household-level refusal"
	case "2.112":
		return "Known-respondent refusal"
	case "2.12":
		return "Break-off"
	case "2.20":
		return "Non-contact"
	case "2.21":
		return "Respondent never available"
	case "2.22":
		return "Telephone answering device"
	case "2.221":
		return "Answering machine, no message left"
	case "2.222":
		return "Answering machine, message left"
	case "2.30":
		return "Other"
	case "2.31":
		return "Dead"
	case "2.32":
		return "Physically or mentally unable"
	case "2.33":
		return "Language"
	case "2.35":
		return "Miscellaneous"
	case "3.10":
		return "Unknown if housing unit"
	case "3.11":
		return "Not attempted or worked"
	case "3.12":
		return "Always busy"
	case "3.13":
		return "No answer"
	case "3.14":
		return "Answering machine, don't know if household"
	case "3.15":
		return "Call blocking"
	case "3.16":
		return "Technical phone problems"
	case "3.20":
		return "Housing unit, unknown if eligible respondent"
	case "3.90":
		return "Other"
	case "4.10":
		return "Out of sample"
	case "4.20":
		return "Fax or data line"
	case "4.30":
		return "Non-working or disconnected number"
	case "4.31":
		return "Non-working number"
	case "4.32":
		return "Disconnected number"
	case "4.70":
		return "No eligible respondent"
	case "4.80":
		return "Quota filled"
	}
	sym, err := calling.SymbolOf(code)
	if err != nil {
		return code
	}
	return map[calling.Symbol]string{
		calling.I: "Complete", calling.P: "Partial", calling.R: "Refusal or break-off",
		calling.NC: "Non-contact", calling.O: "Other eligible", calling.UH: "Unknown if household",
		calling.UR: "Unknown if eligible respondent", calling.UO: "Unknown eligibility, other",
		calling.NE: "Not eligible",
	}[sym]
}

// reportTx makes the report from the projection, or with recount (or
// when the projection cannot say) from every case.
func (s *Store) reportTx(tx *bolt.Tx, survey string, o ReportOptions, recount bool) (*Report, error) {
	r := &Report{Survey: survey, At: o.At, Zone: o.Location.String()}
	installed := latestRevisionTx(tx, survey) != 0
	tr, err := s.tallyRulesTx(tx, survey)
	if err != nil {
		return nil, err
	}
	if tr.err != nil {
		return nil, tr.err
	}
	if !recount {
		sum, err := s.loadSumTx(tx, survey)
		if err != nil {
			return nil, err
		}
		if sum != nil && sum.Rules == tr.hash && sum.Broken == 0 {
			ok, err := s.reportFromTallyTx(tx, r, sum, o.Location)
			if err != nil || ok {
				if err == nil && !installed && sum.Sample.Total == 0 {
					err = fmt.Errorf("survey %s: %w", survey, ErrNotFound)
				}
				if err != nil {
					return r, err
				}
				var reps map[string]*[2]map[string]int64
				if o.By == "replicate" {
					if reps, err = s.loadRepsTx(tx, survey); err != nil {
						return nil, err
					}
				}
				return r, finishParts(r, tr, sum, reps, o)
			}
		}
	}
	r.recounted = true
	rc, err := s.recountTx(tx, survey, false)
	if err != nil {
		return nil, err
	}
	if rc.err != nil {
		return nil, rc.err
	}
	if !installed && rc.contacts == 0 {
		return nil, fmt.Errorf("survey %s: %w", survey, ErrNotFound)
	}
	if err := reportImportsTx(tx, survey, r); err != nil {
		return nil, err
	}
	for at := range rc.detail.appts {
		if time.Unix(0, at).After(r.At) {
			r.Appointments.Later += int64(len(rc.detail.appts[at]))
		} else {
			r.Appointments.Due += int64(len(rc.detail.appts[at]))
		}
	}
	slots := map[string]int64{}
	for who, m := range rc.detail.slots {
		for _, n := range m {
			if n > 0 {
				slots[who]++
			}
		}
	}
	days := map[string]int64{}
	for at, n := range rc.completes {
		days[time.Unix(0, at).In(o.Location).Format(time.DateOnly)] += n
	}
	if err := finishReport(r, rc.sum, slots, days, rc.first, rc.last, o.Location); err != nil {
		return nil, err
	}
	return r, finishParts(r, tr, rc.sum, rc.detail.reps, o)
}

// finishParts fills in the figures per shift of a survey with shifts and,
// for a report by replicate, those of each replicate (reps).
func finishParts(r *Report, tr *tallyRules, sum *tallySum, reps map[string]*[2]map[string]int64, o ReportOptions) error {
	if shifts := tr.rules.Shifts(); len(shifts) > 0 {
		r.Shifts = make([]ShiftFigures, len(shifts)+1)
		for i := range r.Shifts {
			if i < len(shifts) {
				r.Shifts[i].Shift = shifts[i].Name
			}
			if i < len(sum.Shifts) {
				n := sum.Shifts[i]
				r.Shifts[i].Calls, r.Shifts[i].Contacts, r.Shifts[i].Completes = n[0], n[1], n[2]
			}
		}
	}
	if o.By != "replicate" {
		return nil
	}
	parts := map[string]*[2]map[string]int64{}
	for rep, p := range reps {
		if len(p[0]) == 0 && len(p[1]) == 0 {
			continue
		}
		if rep == "" {
			rep = noReplicate
		}
		parts[rep] = p
	}
	var err error
	r.ByReplicate, err = replicateParts(parts)
	return err
}

// reportFromTallyTx fills r from survey's projection sum; ok is false
// when the quarter hours cannot tell the days of loc.
func (s *Store) reportFromTallyTx(tx *bolt.Tx, r *Report, sum *tallySum, loc *time.Location) (ok bool, err error) {
	b := tx.Bucket(bTally)
	// Completes by day, and the days of the first and last call, from the
	// quarter hours: exact when no day of loc begins inside one.
	days := map[string]int64{}
	var first, last time.Time
	pre := tallyKey('d', r.Survey)
	c := b.Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		if len(k) != len(pre)+8 || len(v) != 16 {
			continue
		}
		q := int64(binary.BigEndian.Uint64(k[len(pre):]))
		start := time.Unix(q*int64(HourSlot/time.Second), 0)
		day := start.In(loc).Format(time.DateOnly)
		if start.Add(HourSlot-time.Nanosecond).In(loc).Format(time.DateOnly) != day {
			return false, nil
		}
		if first.IsZero() {
			first = start
		}
		last = start
		if n := int64(binary.BigEndian.Uint64(v[8:])); n != 0 {
			days[day] += n
		}
	}
	// Quarter hours worked, per interviewer.
	byKey := map[string]string{}
	for who := range sum.Who {
		byKey[string(s.whoKey(who))] = who
	}
	slots := map[string]int64{}
	pre = tallyKey('q', r.Survey)
	for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Next() {
		if len(k) == len(pre)+16 {
			slots[byKey[string(k[len(pre):len(pre)+8])]]++
		}
	}
	// Appointments, in time order.
	pre = tallyKey('a', r.Survey)
	limit := timeKey(r.At)
	for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Next() {
		if len(k) != len(pre)+16 {
			continue
		}
		if bytes.Compare(k[len(pre):len(pre)+8], limit) > 0 {
			r.Appointments.Later++
		} else {
			r.Appointments.Due++
		}
	}
	if err := reportImportsTx(tx, r.Survey, r); err != nil {
		return false, err
	}
	return true, finishReport(r, sum, slots, days, first, last, loc)
}

// finishReport turns a sum into the report's lists and rates: slots are
// the quarter hours of each interviewer, days the completes by day in
// loc, first and last the times (or quarter hours) of the first and last
// call.
func finishReport(r *Report, sum *tallySum, slots map[string]int64, days map[string]int64, first, last time.Time, loc *time.Location) error {
	imported := r.Sample.SuppressedAtImport
	r.Sample = sum.Sample
	r.Sample.SuppressedAtImport = imported
	r.Sample.Left = r.Sample.Untouched + r.Sample.InProgress
	r.Interviews = sum.Interviews
	var err error
	if r.Final, err = dispositionList(sum.Final, &r.Counts); err != nil {
		return err
	}
	if r.Interim, err = dispositionList(sum.Interim, &r.Counts); err != nil {
		return err
	}
	if r.Rates, err = calling.ComputeRates(r.Counts, nil); err != nil {
		return err
	}
	ids := make([]string, 0, len(sum.Who))
	for id, w := range sum.Who {
		if w.Refs > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	r.Interviewers = make([]InterviewerFigures, 0, len(ids))
	r.Totals = InterviewerFigures{Interviewer: "all"}
	for _, id := range ids {
		w := sum.Who[id]
		f := InterviewerFigures{Interviewer: id, Calls: w.Calls, Contacts: w.Contacts, Completes: w.Completes,
			Partials: w.Partials, Refusals: w.Refusals, Slots: slots[id], Interviews: w.Interviews,
			InterviewTime: w.Time, Overrides: w.Overrides}
		r.Interviewers = append(r.Interviewers, f)
		r.Totals.add(f)
	}
	for h := range r.CallsByHour {
		r.CallsByHour[h] = HourCount{Hour: h, Calls: sum.Hours[h][0], Contacts: sum.Hours[h][1]}
	}
	r.CompletesByDay = []DayCount{}
	if !first.IsZero() {
		first := dayStart(first.In(loc))
		last := dayStart(last.In(loc))
		if d := first.AddDate(0, 0, MaxReportDays-1); last.After(d) {
			first = last.AddDate(0, 0, -(MaxReportDays - 1))
		}
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			day := d.Format(time.DateOnly)
			r.CompletesByDay = append(r.CompletesByDay, DayCount{Day: day, Completes: days[day]})
		}
	}
	return nil
}

// zoneKey is what decides a contact's zones: its timezone column, else
// the prefix of its first number.
func zoneKey(c *reportContact) string {
	tz := strings.TrimSpace(c.Contact.Timezone)
	phone := ""
	if len(c.Contact.Phones) > 0 {
		phone = c.Contact.Phones[0]
	}
	switch {
	case tz != "":
		return "tz:" + tz
	case len(phone) > phoneZonePrefix && phone[0] == '+':
		return phone[:phoneZonePrefix]
	default:
		return phone
	}
}

// contactZone is a contact's first zone, as the calling rules find it,
// with zones caching them by timezone column or number prefix.
func contactZone(zones map[string]*time.Location, rules calling.Rules, c *reportContact) *time.Location {
	key := zoneKey(c)
	tz := strings.TrimSpace(c.Contact.Timezone)
	phone := ""
	if len(c.Contact.Phones) > 0 {
		phone = c.Contact.Phones[0]
	}
	if z, ok := zones[key]; ok {
		return z
	}
	zs, _, _ := calling.ContactZones(tz, phone, rules.Zone())
	z := rules.Zone()
	if len(zs) > 0 {
		z = zs[0]
	}
	if len(zones) >= maxZoneCache {
		clear(zones)
	}
	zones[key] = z
	return z
}
