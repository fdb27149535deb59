package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

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

	// recounted says that the report was made by recounting every case
	// rather than from the projection.
	recounted bool
}

// InterviewCounts are a survey's interviews by where they stand, as a
// supervisor follows them. Total is the sum of Active, Suspended,
// Completed, BrokenOff and Refused; Completed is the sum of Approved,
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
}

type outcomeInfo struct {
	o   calling.Outcome
	sym calling.Symbol
}

// Report computes the progress report of survey in one read transaction.
// It reads the survey's projection (see tally.go): a few records, however
// large the sample. It recounts every case instead, streaming over the
// contacts and interviews, when the projection cannot say: the store has
// none yet, a case in it could not be reported (the recount then fails
// as the report always did), or the zone of o.Location has a day that
// does not begin on a quarter hour in the fieldwork's time. o.At only
// decides which appointments are due, so a report at another moment
// reads the projection too. A survey with neither an installed
// questionnaire nor contacts is ErrNotFound.
func (s *Store) Report(survey string, o ReportOptions) (*Report, error) {
	if o.At.IsZero() {
		o.At = s.now()
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	var r *Report
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		r, err = s.reportTx(tx, survey, o, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("report on %s: %w", survey, err)
	}
	return r, nil
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
				return r, err
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
	return r, finishReport(r, rc.sum, slots, days, rc.first, rc.last, o.Location)
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
		t := &r.Totals
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
)

// ends reports whether the interview closes the case.
func (ev ivEvidence) ends() bool { return ev == ivRefused || ev == ivBrokenOff || ev == ivCompleted }

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

// slot is the quarter hour t falls in.
func slot(t time.Time) int64 { return t.Unix() / int64(HourSlot/time.Second) }

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
