package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"canvass/model/calling"

	bolt "go.etcd.io/bbolt"
)

// # The report's projection
//
// The progress report (`canvass report`, the dashboard) is a sum over a
// survey's cases: each contact of the sample with its interview, if any.
// What one case adds to the report is its tally (caseTally): its place in
// the sample, its disposition, its pending appointment, its calls (who,
// when, in which hour of the contact's day, with which credit) and its
// interview (where it stands in review, its quarter hours, its length, its
// overrides). caseTx computes it from the case's records; the recount
// (recountTx) adds up every case, and is the reference.
//
// The projection keeps that sum, updated in the transaction of every
// event that changes a case: the writers of contact states, interviews
// and review states mark their case (markCaseTx, markInterviewTx), and
// before the transaction commits flushTallyTx takes each marked case's
// stored tally out of the sum and puts its new one in. An import adds
// its contacts as they arrive (untouched, 3.11), without a tally each,
// counted by replicate from its contact blocks; a case has a stored tally
// once something happened to it. Buckets (since schema 7; the number
// after an entry is the schema that gave it):
//
//	tally:   's' ‖ survey ‖ 0                       => sealed tallySum JSON                  7
//	         'd' ‖ survey ‖ 0 ‖ slot(8)             => calls(8) ‖ completes(8) in that      7
//	                                                   quarter hour
//	         'q' ‖ survey ‖ 0 ‖ who(8) ‖ slot(8)     => cases(8) that put the interviewer in  7
//	                                                   it
//	         'a' ‖ survey ‖ 0 ‖ time(8) ‖ cid(8)     => ∅, a pending appointment              7
//	         'r' ‖ survey ‖ 0 ‖ rep(8)              => sealed repSum JSON: the replicate's   9
//	                                                   final and interim dispositions
//	tallied: survey ‖ 0 ‖ cid(8)                    => sealed caseTally JSON                 7
//
// who(8) and rep(8) are the start of the keyed hash of the interviewer id
// and of the replicate, so that no name or sample field is in a key.
//
// A case's tally carries its replicate (the contact's sample field
// "replicate", fixed when the contact is written) and the shift of each
// of its calls; the sum keeps the calls, contacts and completes of every
// shift (since schema 9). A shift's contacts are the cases called in it
// at least once over the whole fieldwork, which no count per quarter
// hour can give, so they are summed from the cases, as the interviewers'
// figures are. The sum records the calling rules it was made under (the
// hash of the survey's whole calling configuration, shifts and their
// zone included): a survey revision with other rules (attempt limits,
// outcomes, shifts) changes every worked case, and the survey's
// projection is made again.
//
// [Store.Doctor] recounts every survey and names any difference.

var (
	bTally   = []byte("tally")
	bTallied = []byte("tallied")
)

// Case places in the sample (caseTally.Sample).
const (
	sampleNone uint8 = iota
	sampleUntouched
	sampleInProgress
	sampleFinal
	sampleLimits // final, by the calling limits
	sampleSuppressed
)

// Interview places (caseTally.IV).
const (
	ivPlaceNone uint8 = iota
	ivPlaceActive
	ivPlaceSuspended
	ivPlaceApproved
	ivPlaceReturned
	ivPlaceToReview
	ivPlaceBrokenOff
	ivPlaceRefused
	ivPlaceScreenedOut // ended by a full quota cell
)

// Call credits (caseCall.Credit).
const (
	creditNone uint8 = iota
	creditComplete
	creditPartial
	creditRefusal
)

// caseTally is what one case (survey, cid) adds to the report.
type caseTally struct {
	Sample uint8 `json:"k,omitempty"`
	// Code is the disposition, "" when the case is left out of them (a
	// contact suppressed before it was worked, or none); Final says
	// whether it is a final one.
	Code  string `json:"c,omitempty"`
	Final bool   `json:"f,omitempty"`
	// Appt is the pending appointment counted (unix ns), 0 for none.
	Appt  int64      `json:"a,omitempty"`
	Calls []caseCall `json:"l,omitempty"`

	// The interview.
	IVID      string  `json:"i,omitempty"`
	IV        uint8   `json:"v,omitempty"`
	IVWho     string  `json:"w,omitempty"`
	IVSlots   []int64 `json:"q,omitempty"`
	IVTimed   bool    `json:"m,omitempty"`
	IVTime    int64   `json:"t,omitempty"`
	Overrides int64   `json:"o,omitempty"`

	// Rep is the contact's replicate, "" for none (reported as "none").
	Rep string `json:"p,omitempty"`

	// Err says why the case cannot be reported (an outcome not in the
	// survey's table, a record that does not open): the report then
	// recounts, and fails as the recount does.
	Err string `json:"e,omitempty"`
}

// caseCall is one call of a case.
type caseCall struct {
	Who       string `json:"w"`
	At        int64  `json:"t"` // unix ns
	Hour      uint8  `json:"h"`
	Contacted bool   `json:"c,omitempty"`
	Credit    uint8  `json:"r,omitempty"`
	// Shift is 0 when the survey has no shifts, else 1 + the row of
	// Report.Shifts the call is counted in (the last row: no shift ran).
	Shift int `json:"s,omitempty"`
}

// untouchedCase is the tally of a contact as its import left it.
func untouchedCase() caseTally {
	return caseTally{Sample: sampleUntouched, Code: calling.NotAttempted}
}

// empty reports whether the case adds nothing.
func (c *caseTally) empty() bool {
	return c.Sample == sampleNone && c.IV == ivPlaceNone && c.Err == "" && len(c.Calls) == 0
}

// whoTally is what one interviewer did, as the sum keeps it; Refs counts
// the calls and interviews that name them, so that an interviewer is
// listed exactly when the recount would list them.
type whoTally struct {
	Calls      int64         `json:"calls,omitempty"`
	Contacts   int64         `json:"contacts,omitempty"`
	Completes  int64         `json:"completes,omitempty"`
	Partials   int64         `json:"partials,omitempty"`
	Refusals   int64         `json:"refusals,omitempty"`
	Interviews int64         `json:"interviews,omitempty"`
	Time       time.Duration `json:"time,omitempty"`
	Overrides  int64         `json:"overrides,omitempty"`
	Refs       int64         `json:"refs,omitempty"`
}

// tallySum is the sum of a survey's case tallies, but for what the tally
// bucket keeps in keys (quarter hours, appointments).
type tallySum struct {
	Rules      string               `json:"rules"`
	Sample     SampleStatus         `json:"sample"`
	Final      map[string]int64     `json:"final,omitempty"`
	Interim    map[string]int64     `json:"interim,omitempty"`
	Hours      [24][2]int64         `json:"hours"`
	Interviews InterviewCounts      `json:"interviews"`
	Who        map[string]*whoTally `json:"who,omitempty"`
	// Shifts are the calls, contacts and completes of each row of
	// Report.Shifts (caseCall.Shift - 1); empty for a survey without
	// shifts, and shorter than the rows when the last ones count nothing.
	Shifts [][3]int64 `json:"shifts,omitempty"`
	// Broken counts the cases with an Err.
	Broken int64 `json:"broken,omitempty"`
}

func newTallySum(rules string) *tallySum {
	return &tallySum{Rules: rules, Final: map[string]int64{}, Interim: map[string]int64{}, Who: map[string]*whoTally{}}
}

// tallyDetail is the part of a sum kept in keys, by quarter hour.
type tallyDetail struct {
	// days are the calls and completes of each quarter hour.
	days map[int64][2]int64
	// slots are, per interviewer, the cases that put them in each
	// quarter hour.
	slots map[string]map[int64]int64
	// appts counts pending appointments by time (unix ns).
	appts map[int64]map[uint64]int64
	// reps are the final (0) and interim (1) dispositions by replicate.
	reps map[string]*[2]map[string]int64
}

func newTallyDetail() *tallyDetail {
	return &tallyDetail{days: map[int64][2]int64{}, slots: map[string]map[int64]int64{}, appts: map[int64]map[uint64]int64{},
		reps: map[string]*[2]map[string]int64{}}
}

// rep is the dispositions of replicate rep.
func (d *tallyDetail) rep(rep string) *[2]map[string]int64 {
	p := d.reps[rep]
	if p == nil {
		p = &[2]map[string]int64{{}, {}}
		d.reps[rep] = p
	}
	return p
}

func (w *whoTally) zero() bool { return *w == whoTally{} }

// add adds n times case c (of contact cid) to the sum and the detail.
func (t *tallySum) add(c *caseTally, cid uint64, n int64, d *tallyDetail) {
	if c.Err != "" {
		t.Broken += n
		return
	}
	switch c.Sample {
	case sampleUntouched:
		t.Sample.Total += n
		t.Sample.Untouched += n
	case sampleInProgress:
		t.Sample.Total += n
		t.Sample.InProgress += n
	case sampleFinal:
		t.Sample.Total += n
		t.Sample.Final += n
	case sampleLimits:
		t.Sample.Total += n
		t.Sample.Final += n
		t.Sample.ClosedByLimits += n
	case sampleSuppressed:
		t.Sample.Total += n
		t.Sample.Suppressed += n
	}
	if c.Code != "" {
		m := t.Interim
		if c.Final {
			m = t.Final
		}
		m[c.Code] += n
		if m[c.Code] == 0 {
			delete(m, c.Code)
		}
		i := 1
		if c.Final {
			i = 0
		}
		d.rep(c.Rep)[i][c.Code] += n
	}
	if c.Appt != 0 {
		am := d.appts[c.Appt]
		if am == nil {
			am = map[uint64]int64{}
			d.appts[c.Appt] = am
		}
		am[cid] += n
	}
	var shifts [8]int // those of the case's calls, distinct
	seen := shifts[:0]
	for _, call := range c.Calls {
		if call.Shift > 0 {
			for len(t.Shifts) < call.Shift {
				t.Shifts = append(t.Shifts, [3]int64{})
			}
			sh := &t.Shifts[call.Shift-1]
			sh[0] += n
			if !slices.Contains(seen, call.Shift) {
				seen = append(seen, call.Shift)
				sh[1] += n
			}
			if call.Credit == creditComplete {
				sh[2] += n
			}
		}
		w := t.who(call.Who)
		w.Calls += n
		w.Refs += n
		t.Hours[call.Hour][0] += n
		if call.Contacted {
			w.Contacts += n
			t.Hours[call.Hour][1] += n
		}
		q := slot(time.Unix(0, call.At))
		day := d.days[q]
		day[0] += n
		switch call.Credit {
		case creditComplete:
			w.Completes += n
			day[1] += n
		case creditPartial:
			w.Partials += n
		case creditRefusal:
			w.Refusals += n
		}
		d.days[q] = day
		d.slot(call.Who, q, n)
		t.drop(call.Who)
	}
	if c.IV == ivPlaceNone {
		return
	}
	iv := &t.Interviews
	iv.Total += n
	switch c.IV {
	case ivPlaceActive:
		iv.Active += n
	case ivPlaceSuspended:
		iv.Suspended += n
	case ivPlaceApproved:
		iv.Completed += n
		iv.Approved += n
	case ivPlaceReturned:
		iv.Completed += n
		iv.Returned += n
	case ivPlaceToReview:
		iv.Completed += n
		iv.ToReview += n
	case ivPlaceBrokenOff:
		iv.BrokenOff += n
	case ivPlaceRefused:
		iv.Refused += n
	case ivPlaceScreenedOut:
		iv.ScreenedOut += n
	}
	w := t.who(c.IVWho)
	w.Refs += n
	w.Overrides += n * c.Overrides
	if c.IVTimed {
		w.Interviews += n
		w.Time += time.Duration(n * c.IVTime)
	}
	for _, q := range c.IVSlots {
		d.slot(c.IVWho, q, n)
	}
	t.drop(c.IVWho)
}

func (t *tallySum) who(id string) *whoTally {
	w := t.Who[id]
	if w == nil {
		w = &whoTally{}
		t.Who[id] = w
	}
	return w
}

// drop forgets an interviewer nothing names any more.
func (t *tallySum) drop(id string) {
	if w := t.Who[id]; w != nil && w.zero() {
		delete(t.Who, id)
	}
}

// slot counts n cases putting who in quarter hour q; a quarter hour
// counts once per interviewer however many cases put them in it.
func (d *tallyDetail) slot(who string, q, n int64) {
	m := d.slots[who]
	if m == nil {
		m = map[int64]int64{}
		d.slots[who] = m
	}
	m[q] += n
}

// tallyRules are the calling rules a survey's report is made under,
// with the hash of the configuration they came from.
type tallyRules struct {
	rules calling.Rules
	table calling.Table
	hash  string
	err   error
}

// tallyRulesTx are the rules of survey's latest revision (the defaults
// when none is installed), as the report reads them.
func (s *Store) tallyRulesTx(tx *bolt.Tx, survey string) (*tallyRules, error) {
	rev := latestRevisionTx(tx, survey)
	key := "tally\x00" + string(surveyKey(survey, rev))
	s.forms.mu.Lock()
	cached := s.tallyRules[key]
	s.forms.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	var raw json.RawMessage
	if rev != 0 {
		rec, err := latestSurveyTx(tx, survey)
		if err != nil {
			return nil, err
		}
		var cfg struct {
			Calling json.RawMessage `json:"calling"`
		}
		if err := json.Unmarshal(rec.Survey, &cfg); err != nil {
			return nil, fmt.Errorf("decode calling rules: %w", err)
		}
		raw = cfg.Calling
	}
	var cfg *calling.Config
	tr := &tallyRules{}
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return nil, fmt.Errorf("decode calling rules: %w", err)
		}
		sum := sha256.Sum256(raw)
		tr.hash = hex.EncodeToString(sum[:8])
	}
	tr.rules, tr.err = calling.NewRules(cfg)
	if tr.err == nil {
		tr.table = tr.rules.Table()
	} else {
		tr.hash += "!" // rules that do not load report nothing
	}
	s.forms.mu.Lock()
	if s.tallyRules == nil {
		s.tallyRules = map[string]*tallyRules{}
	}
	s.tallyRules[key] = tr
	s.forms.mu.Unlock()
	return tr, nil
}

// caseCtx is what computing many cases shares: the rules and caches
// bounded by outcome codes and zones, never by contacts.
type caseCtx struct {
	survey   string
	tr       *tallyRules
	cache    *zoneCache
	outcomes map[string]outcomeInfo
	contact  reportContact
	calls    []calling.Call
	key      []byte
	// overrides says whether to count an interview's overrides from its
	// answers (the recount) or leave them to the caller (a flush, which
	// carries them over).
	overrides bool
	xreview   *bolt.Bucket
	answers   *bolt.Cursor
	// shifts are the rows of Report.Shifts by shift name ("" the last),
	// nil for a survey without shifts.
	shifts map[string]int
	// reps reads the contacts' replicates.
	reps repReader
}

func (s *Store) newCaseCtx(tx *bolt.Tx, survey string, tr *tallyRules, overrides bool) *caseCtx {
	cc := &caseCtx{survey: survey, tr: tr, cache: &s.zones, outcomes: map[string]outcomeInfo{}, overrides: overrides}
	if tr.err == nil {
		if shifts := tr.rules.Shifts(); len(shifts) > 0 {
			cc.shifts = map[string]int{"": len(shifts)}
			for i, sh := range shifts {
				cc.shifts[sh.Name] = i
			}
		}
	}
	// The export's xreview holds each standing decision in clear, once
	// the store indexed its older steps; else the review states tell.
	if tx.Bucket(bMeta).Get(kStepsIndexed) != nil {
		cc.xreview = tx.Bucket(bXReview)
	}
	if overrides {
		cc.answers = tx.Bucket(bAnswers).Cursor()
	}
	return cc
}

// inSampleTx reports whether cid (state st) is one of survey's contacts
// as the report counts them: of a finished import's range (ranged), or
// one of the one-by-one records of the older layout and of contacts a
// laptop was handed.
func inSampleTx(tx *bolt.Tx, survey string, cid uint64, st *ContactState) (in, ranged bool, err error) {
	if st != nil {
		if v := tx.Bucket(bCIDs).Get(append(idPrefix(survey), st.ID...)); len(v) == 8 && binary.BigEndian.Uint64(v) == cid {
			return true, false, nil
		}
	}
	r, err := rangeOfTx(tx, cid)
	if err != nil || r == nil {
		return false, false, err
	}
	in = r.Status == ImportDone && r.Survey == survey
	return in, in, nil
}

// caseTx computes the tally of contact cid in cc's survey with its
// interview. sample says whether the contact is one of the survey's
// sample (else only its interview is counted).
func (s *Store) caseTx(tx *bolt.Tx, cc *caseCtx, cid uint64, sample bool) (caseTally, error) {
	var c caseTally
	if cc.tr.err != nil {
		return c, cc.tr.err
	}
	cc.key = binary.BigEndian.AppendUint64(append(cc.key[:0], idPrefix(cc.survey)...), cid)
	ivID := tx.Bucket(bIByContact).Get(cc.key)
	if sample {
		rep, err := s.replicateTx(tx, &cc.reps, cid)
		if err != nil {
			return c, fmt.Errorf("contact %d: %w", cid, err)
		}
		c.Rep = rep
		if ivID == nil && tx.Bucket(bCState).Get(u64(cid)) == nil {
			// As its import left it (see freshStateTx): nothing else to
			// read.
			u := untouchedCase()
			u.Rep = rep
			return u, nil
		}
	}
	var ir *InterviewRecord
	if ivID != nil {
		if v := tx.Bucket(bInterviews).Get(ivID); v != nil {
			ir = &InterviewRecord{}
			if err := s.openJSON(v, ir); err != nil {
				return c, fmt.Errorf("decode interview %s: %w", ivID, err)
			}
		}
	}
	ev := ivNone
	if ir != nil {
		var err error
		if ev, err = s.evidenceTx(tx, ivID, ir); err != nil {
			return c, err
		}
	}
	if sample {
		st, err := s.stateTx(tx, cid)
		if err != nil {
			return c, err
		}
		if err := s.contactCaseTx(tx, cc, cid, st, ev, &c); err != nil {
			return c, fmt.Errorf("contact %d: %w", cid, err)
		}
	}
	if ir != nil {
		if err := s.interviewCaseTx(tx, cc, ivID, ir, &c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// contactCaseTx fills in the contact's part of its tally: status,
// disposition, appointment and calls.
//
// The disposition is what its calls give (calling.Table.Disposition),
// corrected by its interview, which the calls may not tell (an interview
// suspended at the first question and never called back has consent and
// no call): see interviewDisposition.
func (s *Store) contactCaseTx(tx *bolt.Tx, cc *caseCtx, cid uint64, st *ContactState, ev ivEvidence, c *caseTally) error {
	if len(st.Calls) == 0 && ev == ivNone {
		switch st.Status {
		case StatusSuppressed:
			// Taken out before any call: not part of the worked sample.
			c.Sample = sampleSuppressed
			return nil
		case StatusQueued:
			c.Sample, c.Code = sampleUntouched, calling.NotAttempted
		default: // retired or closed without a call
			c.Sample, c.Code, c.Final = sampleLimits, calling.NotAttempted, true
		}
		c.Appt = appointmentOf(st)
		return nil
	}
	var ct *reportContact
	phones := 0
	calls := cc.calls[:0]
	if len(st.Calls) > 0 {
		var err error
		if ct, err = s.readContactTx(tx, cid, &cc.contact); err != nil {
			return err
		}
		phones = ct.phones()
		for _, c := range st.Calls {
			calls = append(calls, calling.Call{At: c.At, Outcome: c.Outcome, Interviewer: c.Interviewer, Phone: c.Phone})
		}
	}
	cc.calls = calls
	code, err := cc.tr.table.Disposition(calls, phones)
	if err != nil {
		return err
	}
	if code, err = interviewDisposition(code, ev); err != nil {
		return err
	}
	closed := true
	switch st.Status {
	case StatusSuppressed:
		c.Sample = sampleSuppressed
	case StatusFinal:
		c.Sample = sampleFinal
	case StatusRetired:
		c.Sample = sampleLimits
	default:
		// The draw retires a contact at the limits only when it meets it;
		// the rules say now whether it is done.
		if done, _ := cc.tr.rules.Closed(calling.ContactState{Phones: phones, Calls: calls}); done && len(calls) > 0 {
			c.Sample = sampleLimits
		} else if ev.ends() {
			// A completed, refused or broken-off interview ends the
			// case: a person is not interviewed twice for a survey.
			c.Sample = sampleFinal
		} else {
			c.Sample = sampleInProgress
			closed = false
		}
	}
	c.Code, c.Final = code, closed
	if !closed {
		c.Appt = appointmentOf(st)
	}
	if ct == nil {
		return nil
	}
	zone := cc.zone(ct)
	// The first complete call of a completed case is its complete; a case
	// whose interview was not completed has none, whatever was recorded.
	sym, err := calling.SymbolOf(code)
	if err != nil {
		return err
	}
	completed := sym != calling.I
	c.Calls = make([]caseCall, 0, len(st.Calls))
	for _, call := range st.Calls {
		oi, err := cc.outcome(call.Outcome)
		if err != nil {
			return err
		}
		cl := caseCall{Who: call.Interviewer, At: call.At.UnixNano(), Hour: uint8(call.At.In(zone).Hour()), Contacted: oi.o.Contacted}
		if cc.shifts != nil {
			cl.Shift = 1 + cc.shifts[cc.tr.rules.ShiftOf(call.At)]
		}
		switch oi.sym {
		case calling.I:
			if !completed {
				completed = true
				cl.Credit = creditComplete
			}
		case calling.P:
			cl.Credit = creditPartial
		case calling.R:
			cl.Credit = creditRefusal
		}
		c.Calls = append(c.Calls, cl)
	}
	return nil
}

// repReader reads contacts' replicates, keeping the contact block read
// last: a recount and an import's flush read the contacts of a range in
// cid order.
type repReader struct {
	first, n uint64
	plain    []byte
	// named says whether a record of the block names a replicate; most
	// blocks name none, and their records are not decoded.
	named bool
}

// replicateKey is how a replicate appears in a contact record's JSON. It
// cannot occur inside a JSON string (its quotes would be escaped).
var replicateKey = []byte(`"` + ReplicateField + `":`)

// replicateTx is contact cid's replicate, "" for none (the report's
// "none"), as reportDetailedTx reads it: its sample field "replicate".
// A contact the store does not hold has none.
func (s *Store) replicateTx(tx *bolt.Tx, rr *repReader, cid uint64) (string, error) {
	if rr.plain == nil || cid < rr.first || cid >= rr.first+rr.n {
		if v := tx.Bucket(bContacts).Get(u64(cid)); v != nil {
			plain, err := s.codec.Open(v)
			if err != nil {
				return "", fmt.Errorf("open contact record: %w", err)
			}
			return recordReplicate(plain)
		}
		if err := s.readBlockTx(tx, rr, cid); err != nil || rr.plain == nil {
			return "", err
		}
		if cid >= rr.first+rr.n {
			return "", nil
		}
	}
	if !rr.named {
		return "", nil
	}
	rec, ok := blockSlot(rr.plain, cid-rr.first)
	if !ok {
		return "", nil
	}
	return recordReplicate(rec)
}

// readBlockTx loads the contact block that would hold cid into rr (none:
// rr.plain is nil).
func (s *Store) readBlockTx(tx *bolt.Tx, rr *repReader, cid uint64) error {
	rr.plain = nil
	b := tx.Bucket(bCBlocks)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	k, v := c.Seek(u64(cid))
	if k == nil || binary.BigEndian.Uint64(k) > cid {
		k, v = c.Prev()
	}
	if k == nil {
		return nil
	}
	first := binary.BigEndian.Uint64(k)
	_, sealed, err := splitBlockValue(v)
	if err != nil {
		return fmt.Errorf("contact block %d: %w", first, err)
	}
	plain, err := s.codec.Open(sealed)
	if err != nil {
		return fmt.Errorf("open contact block %d: %w", first, err)
	}
	n, l := binary.Uvarint(plain)
	if l <= 0 {
		return fmt.Errorf("contact block %d: malformed", first)
	}
	rr.first, rr.n, rr.plain, rr.named = first, n, plain, bytes.Contains(plain, replicateKey)
	return nil
}

// recordReplicate is the replicate a contact record (a block's or the
// older layout's) names.
func recordReplicate(rec []byte) (string, error) {
	if !bytes.Contains(rec, replicateKey) {
		return "", nil
	}
	var r struct {
		Contact struct {
			Fields map[string]string `json:"fields"`
		} `json:"contact"`
	}
	if err := json.Unmarshal(rec, &r); err != nil {
		return "", fmt.Errorf("decode contact record: %w", err)
	}
	return normalReplicate(r.Contact.Fields[ReplicateField]), nil
}

// normalReplicate is how a tally keeps a replicate: "" for none, which
// the report, as reportDetailedTx, calls "none".
func normalReplicate(rep string) string {
	if rep == noReplicate {
		return ""
	}
	return rep
}

// noReplicate is the replicate of the contacts imported without one.
const noReplicate = "none"

// rangeReplicatesTx counts the contacts of cids first to last by
// replicate, a block at a time.
func (s *Store) rangeReplicatesTx(tx *bolt.Tx, first, last uint64) (map[string]int64, error) {
	out := map[string]int64{}
	var rr repReader
	counted := int64(0)
	for cid := first; cid <= last; {
		if err := s.readBlockTx(tx, &rr, cid); err != nil {
			return nil, err
		}
		if rr.plain == nil || rr.first+rr.n <= cid {
			break // no block holds cid: those left have no replicate
		}
		end := min(rr.first+rr.n-1, last)
		if !rr.named {
			out[""] += int64(end - cid + 1)
		} else {
			for c := cid; c <= end; c++ {
				rep, err := s.replicateTx(tx, &rr, c)
				if err != nil {
					return nil, fmt.Errorf("contact %d: %w", c, err)
				}
				out[rep]++
			}
		}
		counted += int64(end - cid + 1)
		cid = end + 1
	}
	if left := int64(last-first+1) - counted; left > 0 {
		out[""] += left
	}
	return out, nil
}

// appointmentOf is a queued contact's pending appointment (unix ns), or 0.
func appointmentOf(st *ContactState) int64 {
	if st.Status != StatusQueued || st.Appointment.IsZero() {
		return 0
	}
	return st.Appointment.UnixNano()
}

// evidenceTx is what interview ir (id) says of its contact's disposition.
func (s *Store) evidenceTx(tx *bolt.Tx, id []byte, ir *InterviewRecord) (ivEvidence, error) {
	switch ir.Status {
	case InterviewCompleted:
		return ivCompleted, nil
	case InterviewRefused:
		return ivRefused, nil
	case InterviewBrokenOff:
		return ivBrokenOff, nil
	case InterviewScreenedOut:
		return ivScreenedOut, nil
	}
	returned, err := s.everReturnedTx(tx, id)
	if err != nil || !returned {
		return ivBegun, err
	}
	return ivCompleted, nil
}

// maxInterviewSpan is the longest an interview can take from consent to
// its end without having been suspended in between.
const maxInterviewSpan = 4 * time.Hour

// interviewCaseTx fills in the interview's part of a tally: where it
// stands, its quarter hours, its length when completed, and (when cc
// counts them) its soft-check overrides.
func (s *Store) interviewCaseTx(tx *bolt.Tx, cc *caseCtx, id []byte, ir *InterviewRecord, c *caseTally) error {
	place, err := s.interviewPlaceTx(tx, id, ir, cc.xreview)
	if err != nil {
		return err
	}
	c.IVID, c.IV, c.IVWho = string(id), place, ir.Interviewer
	// An interview's quarter hours run from consent to its end; one
	// that lasted longer than maxInterviewSpan was suspended, and
	// counts the quarter hours of its start and its end only.
	c.IVSlots = append(c.IVSlots, slot(ir.Started))
	span := ir.Ended.Sub(ir.Started)
	switch {
	case ir.Ended.IsZero() || span < 0:
	case span <= maxInterviewSpan:
		for q := slot(ir.Started) + 1; q <= slot(ir.Ended); q++ {
			c.IVSlots = append(c.IVSlots, q)
		}
		if ir.Status == InterviewCompleted {
			c.IVTimed, c.IVTime = true, int64(span)
		}
	default:
		if q := slot(ir.Ended); q != c.IVSlots[0] {
			c.IVSlots = append(c.IVSlots, q)
		}
	}
	if cc.overrides {
		n, err := s.overridesTx(cc.answers, id)
		if err != nil {
			return fmt.Errorf("interview %s: %w", id, err)
		}
		c.Overrides = n
	}
	return nil
}

// interviewPlaceTx is where an interview stands in fieldwork and review.
func (s *Store) interviewPlaceTx(tx *bolt.Tx, id []byte, ir *InterviewRecord, xreview *bolt.Bucket) (uint8, error) {
	switch ir.Status {
	case InterviewCompleted:
		var decision string
		if xreview != nil {
			decision = string(xreview.Get(id))
		} else {
			rs, err := s.reviewStateTx(tx, string(id))
			if err != nil {
				return 0, err
			}
			decision = rs.Decision
		}
		switch decision {
		case DecisionApproved:
			return ivPlaceApproved, nil
		case DecisionRejected:
			return ivPlaceReturned, nil
		default:
			return ivPlaceToReview, nil
		}
	case InterviewRefused:
		return ivPlaceRefused, nil
	case InterviewBrokenOff:
		return ivPlaceBrokenOff, nil
	case InterviewScreenedOut:
		return ivPlaceScreenedOut, nil
	}
	returned, err := s.everReturnedTx(tx, id)
	switch {
	case err != nil:
		return 0, err
	case returned:
		return ivPlaceReturned, nil
	case ir.Status == InterviewSuspended:
		return ivPlaceSuspended, nil
	default:
		return ivPlaceActive, nil
	}
}

// zone is a contact's first zone, as the calling rules find it.
func (cc *caseCtx) zone(c *reportContact) *time.Location {
	return cc.cache.zone(cc.tr.rules, c)
}

// zoneCache keeps contacts' first zones by fallback zone and timezone
// column or number prefix (see contactZone) across transactions: finding
// a number's zones loads zone files, a tenth of a millisecond, which
// every call recorded would otherwise pay. It holds at most
// maxStoreZones entries.
type zoneCache struct {
	mu sync.Mutex
	m  map[string]*time.Location
}

// maxStoreZones bounds zoneCache: the 9-digit prefixes of a large
// national sample.
const maxStoreZones = 1 << 17

func (zc *zoneCache) zone(rules calling.Rules, c *reportContact) *time.Location {
	key := rules.Zone().String() + "\x00" + zoneKey(c)
	zc.mu.Lock()
	z, ok := zc.m[key]
	zc.mu.Unlock()
	if ok {
		return z
	}
	z = contactZone(map[string]*time.Location{}, rules, c)
	zc.mu.Lock()
	if zc.m == nil || len(zc.m) >= maxStoreZones {
		zc.m = map[string]*time.Location{}
	}
	zc.m[key] = z
	zc.mu.Unlock()
	return z
}

// outcome is the table's row for a code, with its case group.
func (cc *caseCtx) outcome(code string) (outcomeInfo, error) {
	if oi, ok := cc.outcomes[code]; ok {
		return oi, nil
	}
	o, ok := cc.tr.table.Lookup(code)
	if !ok {
		return outcomeInfo{}, fmt.Errorf("outcome %q is not in the survey's table", code)
	}
	sym, err := calling.SymbolOf(o.AAPOR)
	if err != nil {
		return outcomeInfo{}, err
	}
	oi := outcomeInfo{o, sym}
	cc.outcomes[code] = oi
	return oi, nil
}

// recount is a survey's report sum as its records give it, case by case:
// the reference the projection is held to.
type recount struct {
	sum    *tallySum
	detail *tallyDetail
	// contacts counts the sample's contacts; completes are the complete
	// calls by time (unix ns), first and last the first and last call.
	contacts    int64
	completes   map[int64]int64
	first, last time.Time
	// err is the first case that could not be reported.
	err error
	// cases are the tallies that differ from an untouched contact's (when
	// asked for: a rebuild stores them).
	cases map[uint64]caseTally
}

// recountTx adds up every case of survey. With keep, the tallies of the
// cases that are not untouched are kept, for a rebuild to store.
func (s *Store) recountTx(tx *bolt.Tx, survey string, keep bool) (*recount, error) {
	tr, err := s.tallyRulesTx(tx, survey)
	if err != nil {
		return nil, err
	}
	rc := &recount{sum: newTallySum(tr.hash), detail: newTallyDetail(), completes: map[int64]int64{}}
	if keep {
		rc.cases = map[uint64]caseTally{}
	}
	cc := s.newCaseCtx(tx, survey, tr, true)
	put := func(cid uint64, c caseTally, err error, ranged bool) {
		if err != nil {
			if rc.err == nil {
				rc.err = err
			}
			c = caseTally{Err: err.Error()}
		}
		rc.sum.add(&c, cid, 1, rc.detail)
		if c.Err != "" {
			return
		}
		for _, call := range c.Calls {
			at := time.Unix(0, call.At)
			if rc.first.IsZero() || at.Before(rc.first) {
				rc.first = at
			}
			if at.After(rc.last) {
				rc.last = at
			}
			if call.Credit == creditComplete {
				rc.completes[call.At]++
			}
		}
		// A contact of a range without a tally is untouched (see
		// flushSurveyTx); every other case keeps its tally.
		if keep && (!ranged || !isUntouched(&c)) {
			rc.cases[cid] = c
		}
	}
	// The contacts, as surveyContactsTx walks them.
	pre := idPrefix(survey)
	cids := tx.Bucket(bCIDs).Cursor()
	for k, v := cids.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = cids.Next() {
		if len(v) != 8 {
			continue
		}
		cid := binary.BigEndian.Uint64(v)
		rc.contacts++
		c, err := s.caseTx(tx, cc, cid, true)
		put(cid, c, err, false)
	}
	ranges, err := rangesTx(tx, survey)
	if err != nil {
		return nil, err
	}
	for _, r := range ranges {
		for cid := r.First; cid <= r.Last; cid++ {
			rc.contacts++
			c, err := s.caseTx(tx, cc, cid, true)
			put(cid, c, err, true)
		}
	}
	// Interviews of cids that are not in the sample count too, as the
	// report's interviews are its survey's, whatever their contact.
	cur := tx.Bucket(bIByContact).Cursor()
	for k, _ := cur.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = cur.Next() {
		if len(k) != len(pre)+8 {
			continue
		}
		cid := binary.BigEndian.Uint64(k[len(pre):])
		st, _ := s.stateTx(tx, cid)
		in, _, err := inSampleTx(tx, survey, cid, st)
		if err != nil {
			return nil, err
		}
		if in {
			continue
		}
		c, err := s.caseTx(tx, cc, cid, false)
		if err == nil && c.empty() {
			continue
		}
		put(cid, c, err, false)
	}
	return rc, nil
}

// Keys of the tally bucket.

func tallyKey(kind byte, survey string, rest ...[]byte) []byte {
	k := append([]byte{kind}, idPrefix(survey)...)
	for _, r := range rest {
		k = append(k, r...)
	}
	return k
}

func casedKey(survey string, cid uint64) []byte {
	return binary.BigEndian.AppendUint64(idPrefix(survey), cid)
}

// whoKey is the 8 bytes that stand for an interviewer in keys.
func (s *Store) whoKey(who string) []byte {
	h := s.indexKey(sha256.Sum256([]byte("interviewer\x00" + who)))
	return h[:8]
}

// repKey is the 8 bytes that stand for a replicate in keys.
func (s *Store) repKey(rep string) []byte {
	h := s.indexKey(sha256.Sum256([]byte("replicate\x00" + rep)))
	return h[:8]
}

// repSum is what the tally bucket keeps of one replicate: its final and
// interim dispositions, as a report by replicate lists them.
type repSum struct {
	Replicate string           `json:"replicate"`
	Final     map[string]int64 `json:"final,omitempty"`
	Interim   map[string]int64 `json:"interim,omitempty"`
}

// loadRepsTx reads the replicates' sums of survey, by replicate.
func (s *Store) loadRepsTx(tx *bolt.Tx, survey string) (map[string]*[2]map[string]int64, error) {
	out := map[string]*[2]map[string]int64{}
	pre := tallyKey('r', survey)
	c := tx.Bucket(bTally).Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		var r repSum
		if err := s.openJSON(v, &r); err != nil {
			return nil, fmt.Errorf("decode the report's projection of a replicate of %s: %w", survey, err)
		}
		p := &[2]map[string]int64{r.Final, r.Interim}
		for i := range p {
			if p[i] == nil {
				p[i] = map[string]int64{}
			}
		}
		out[r.Replicate] = p
	}
	return out, nil
}

// loadSumTx reads the stored sum of survey, or nil.
func (s *Store) loadSumTx(tx *bolt.Tx, survey string) (*tallySum, error) {
	b := tx.Bucket(bTally)
	if b == nil {
		return nil, nil
	}
	v := b.Get(tallyKey('s', survey))
	if v == nil {
		return nil, nil
	}
	t := newTallySum("")
	if err := s.openJSON(v, t); err != nil {
		return nil, fmt.Errorf("decode the report's projection of %s: %w", survey, err)
	}
	if t.Final == nil {
		t.Final = map[string]int64{}
	}
	if t.Interim == nil {
		t.Interim = map[string]int64{}
	}
	if t.Who == nil {
		t.Who = map[string]*whoTally{}
	}
	return t, nil
}

func (s *Store) putSumTx(tx *bolt.Tx, survey string, t *tallySum) error {
	v, err := s.sealJSON(t)
	if err != nil {
		return err
	}
	return tx.Bucket(bTally).Put(tallyKey('s', survey), v)
}

// applyDetailTx adds the detail's counts to the keys of the tally bucket.
func (s *Store) applyDetailTx(tx *bolt.Tx, survey string, d *tallyDetail) error {
	b := tx.Bucket(bTally)
	for q, n := range d.days {
		if n == [2]int64{} {
			continue
		}
		k := tallyKey('d', survey, u64(uint64(q)))
		var cur [2]int64
		if v := b.Get(k); len(v) == 16 {
			cur[0], cur[1] = int64(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:]))
		}
		cur[0] += n[0]
		cur[1] += n[1]
		var err error
		if cur == [2]int64{} {
			err = b.Delete(k)
		} else {
			err = b.Put(k, binary.BigEndian.AppendUint64(u64(uint64(cur[0])), uint64(cur[1])))
		}
		if err != nil {
			return err
		}
	}
	for who, m := range d.slots {
		wk := s.whoKey(who)
		for q, n := range m {
			if n == 0 {
				continue
			}
			k := tallyKey('q', survey, wk, u64(uint64(q)))
			var cur int64
			if v := b.Get(k); len(v) == 8 {
				cur = int64(binary.BigEndian.Uint64(v))
			}
			var err error
			if cur += n; cur == 0 {
				err = b.Delete(k)
			} else {
				err = b.Put(k, u64(uint64(cur)))
			}
			if err != nil {
				return err
			}
		}
	}
	for rep, p := range d.reps {
		k := tallyKey('r', survey, s.repKey(rep))
		cur := repSum{Replicate: rep, Final: map[string]int64{}, Interim: map[string]int64{}}
		if v := b.Get(k); v != nil {
			if err := s.openJSON(v, &cur); err != nil {
				return fmt.Errorf("decode the report's projection of a replicate of %s: %w", survey, err)
			}
		}
		changed := false
		for i, m := range []*map[string]int64{&cur.Final, &cur.Interim} {
			for code, n := range p[i] {
				if n == 0 {
					continue
				}
				if *m == nil {
					*m = map[string]int64{}
				}
				changed = true
				if (*m)[code] += n; (*m)[code] == 0 {
					delete(*m, code)
				}
			}
		}
		var err error
		switch {
		case !changed:
		case len(cur.Final) == 0 && len(cur.Interim) == 0:
			err = b.Delete(k)
		default:
			var v []byte
			if v, err = s.sealJSON(cur); err == nil {
				err = b.Put(k, v)
			}
		}
		if err != nil {
			return err
		}
	}
	for at, m := range d.appts {
		for cid, n := range m {
			k := tallyKey('a', survey, timeKey(time.Unix(0, at)), u64(cid))
			var err error
			switch {
			case n > 0:
				err = b.Put(k, nil)
			case n < 0:
				err = b.Delete(k)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// loadCaseTx reads the stored tally of a case; ok is false when none is
// stored.
func (s *Store) loadCaseTx(tx *bolt.Tx, survey string, cid uint64) (c caseTally, ok bool, err error) {
	v := tx.Bucket(bTallied).Get(casedKey(survey, cid))
	if v == nil {
		return c, false, nil
	}
	if err := s.openJSON(v, &c); err != nil {
		return c, false, fmt.Errorf("decode the report's tally of contact %d: %w", cid, err)
	}
	return c, true, nil
}

func (s *Store) putCaseTx(tx *bolt.Tx, survey string, cid uint64, c *caseTally) error {
	if c.empty() {
		return tx.Bucket(bTallied).Delete(casedKey(survey, cid))
	}
	v, err := s.sealJSON(c)
	if err != nil {
		return err
	}
	return tx.Bucket(bTallied).Put(casedKey(survey, cid), v)
}

// rebuildTallyTx makes survey's projection again from a recount.
func (s *Store) rebuildTallyTx(tx *bolt.Tx, survey string) error {
	if err := clearTallyTx(tx, survey); err != nil {
		return err
	}
	rc, err := s.recountTx(tx, survey, true)
	if err != nil {
		return err
	}
	for cid, c := range rc.cases {
		if err := s.putCaseTx(tx, survey, cid, &c); err != nil {
			return err
		}
	}
	if err := s.applyDetailTx(tx, survey, rc.detail); err != nil {
		return err
	}
	return s.putSumTx(tx, survey, rc.sum)
}

// clearTallyTx removes survey's projection.
func clearTallyTx(tx *bolt.Tx, survey string) error {
	for _, b := range []struct {
		bucket []byte
		pre    []byte
	}{
		{bTally, tallyKey('s', survey)}, {bTally, tallyKey('d', survey)}, {bTally, tallyKey('q', survey)},
		{bTally, tallyKey('a', survey)}, {bTally, tallyKey('r', survey)}, {bTallied, idPrefix(survey)},
	} {
		bk := tx.Bucket(b.bucket)
		var keys [][]byte
		c := bk.Cursor()
		for k, _ := c.Seek(b.pre); k != nil && bytes.HasPrefix(k, b.pre); k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := bk.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}

// tallySurveysTx are the surveys a store has a report for: those
// installed and those with contacts or interviews.
func tallySurveysTx(tx *bolt.Tx) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	err := tx.Bucket(bSurveys).ForEach(func(k, _ []byte) error {
		if i := bytes.IndexByte(k, 0); i > 0 {
			add(string(k[:i]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ranges, err := rangesTx(tx, "")
	if err != nil {
		return nil, err
	}
	for _, r := range ranges {
		add(r.Survey)
	}
	for _, name := range [][]byte{bCIDs, bIByContact} {
		c := tx.Bucket(name).Cursor()
		for k, _ := c.First(); k != nil; {
			i := bytes.IndexByte(k, 0)
			if i <= 0 {
				k, _ = c.Next()
				continue
			}
			add(string(k[:i]))
			// Skip to the next survey.
			k, _ = c.Seek(append(bytes.Clone(k[:i]), 1))
		}
	}
	return out, nil
}

// buildTallyTx makes the projection of every survey (schema 7; again at
// schema 9, for the replicates and shifts).
func (s *Store) buildTallyTx(tx *bolt.Tx) error {
	for _, name := range [][]byte{bTally, bTallied} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	surveys, err := tallySurveysTx(tx)
	if err != nil {
		return err
	}
	for _, sv := range surveys {
		if err := s.rebuildTallyTx(tx, sv); err != nil {
			return fmt.Errorf("survey %s: %w", sv, err)
		}
	}
	return nil
}
