package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// # Quotas
//
// A survey's quota cells (model.Quota, from its latest revision) are
// counted in two projections, written in the transactions of the intents
// that change them, so that a check and the count it protects can never
// be apart:
//
//	qcount: survey ‖ 0 ‖ cell name => completes(8) ‖ open(8)
//	qiv:    interview id => sealed quotaMember JSON
//
// An interview enters a cell (open+1) when the last of the cell's
// conditions becomes known: at consent (StartInterview) for a cell of
// sample fields only, else with the answer that decides it (SaveAnswer).
// A cell that is full (model.Quota.Full) is not entered: the interview
// is screened out in that same transaction, with a call of outcome
// quota_full (AAPOR 4.80). A completion moves the interview's places from
// open to completes; a break-off, a refused consent or a screen-out gives
// them back. An answer changed later so that the interview leaves a cell
// gives its place back too. The draw reads qcount to pass over contacts
// whose sample fields put them in a full cell and to draw those in the
// emptiest cells first (see quotaDraw).
//
// Both buckets are created at open (schema 6; see the package doc).

var (
	bQCount = []byte("qcount")
	bQIV    = []byte("qiv")
)

// ErrQuotaFull is returned by [Store.SaveAnswer] and
// [Store.StartInterview] when the interview fell into a full quota cell:
// what was asked is recorded, and the interview has been screened out
// (status screened-out, the call recorded as quota_full, AAPOR 4.80).
// The console reads the survey's quota-full text and goes home.
var ErrQuotaFull = errors.New("the interview's quota cell is full")

// QuotaFullError says which cell screened the interview out; it wraps
// [ErrQuotaFull].
type QuotaFullError struct {
	Interview string
	Cell      string
}

func (e *QuotaFullError) Error() string {
	return fmt.Sprintf("interview %s screened out: quota %s is full", e.Interview, e.Cell)
}

func (e *QuotaFullError) Unwrap() error { return ErrQuotaFull }

// InterviewScreenedOut interviews were ended because they fell into a
// full quota cell; their answers are kept, and their contact's
// disposition is 4.80 (quota filled).
const InterviewScreenedOut = "screened-out"

// KindScreenedOut is the event of a screen-out: an interviewStep whose
// note names the cell.
const KindScreenedOut = "interview.screened-out"

// quotaCount is one cell's counts.
type quotaCount struct {
	Completes, Open int64
}

func quotaCountKey(survey, cell string) []byte { return append(idPrefix(survey), cell...) }

// quotaCountsTx are the counts of every cell of survey, by cell name.
func quotaCountsTx(tx *bolt.Tx, survey string) map[string]quotaCount {
	m := map[string]quotaCount{}
	b := tx.Bucket(bQCount)
	if b == nil {
		return m
	}
	pre := idPrefix(survey)
	c := b.Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		if len(v) == 16 {
			m[string(k[len(pre):])] = quotaCount{int64(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:]))}
		}
	}
	return m
}

// addQuotaCountTx adds to a cell's counts.
func addQuotaCountTx(tx *bolt.Tx, survey, cell string, completes, open int64) error {
	b, err := tx.CreateBucketIfNotExists(bQCount)
	if err != nil {
		return err
	}
	k := quotaCountKey(survey, cell)
	var n quotaCount
	if v := b.Get(k); len(v) == 16 {
		n = quotaCount{int64(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:]))}
	}
	n.Completes += completes
	n.Open = max(n.Open+open, 0)
	v := binary.BigEndian.AppendUint64(nil, uint64(n.Completes))
	return b.Put(k, binary.BigEndian.AppendUint64(v, uint64(n.Open)))
}

// quotaMember is where one interview stands with the survey's cells.
type quotaMember struct {
	// Answers are the values given to the items the quotas read; a
	// don't-know or refused answer is there with an empty value.
	Answers map[string]string `json:"answers,omitempty"`
	// Open are the cells holding a place for the interview in progress.
	Open []string `json:"open,omitempty"`
	// Done are the cells it counts as a complete in.
	Done []string `json:"done,omitempty"`
	// Screened is the cell that screened it out.
	Screened string `json:"screened,omitempty"`
	// Closed is set once the interview ended without completing: it
	// holds no place any more.
	Closed bool `json:"closed,omitempty"`
	// Tracked is set once the interview was checked as it went (at
	// consent and with its answers) in this store.
	Tracked bool `json:"tracked,omitempty"`
}

func (s *Store) quotaMemberTx(tx *bolt.Tx, interview string) (*quotaMember, error) {
	m := &quotaMember{}
	b := tx.Bucket(bQIV)
	if b == nil {
		return m, nil
	}
	if v := b.Get([]byte(interview)); v != nil {
		if err := s.openJSON(v, m); err != nil {
			return nil, fmt.Errorf("decode quota places of %s: %w", interview, err)
		}
	}
	return m, nil
}

func (s *Store) putQuotaMemberTx(tx *bolt.Tx, interview string, m *quotaMember) error {
	b, err := tx.CreateBucketIfNotExists(bQIV)
	if err != nil {
		return err
	}
	v, err := s.sealJSON(m)
	if err != nil {
		return err
	}
	return b.Put([]byte(interview), v)
}

// surveyQuotasTx are the quota cells of survey's latest revision, or nil.
func (s *Store) surveyQuotasTx(tx *bolt.Tx, survey string) ([]model.Quota, error) {
	q, err := s.questionnaireTx(tx, survey, 0)
	if err != nil {
		if errors.Is(err, ErrSealed) {
			return nil, err
		}
		// Not installed, or not a questionnaire anyone can interview
		// on: there is nothing to count.
		return nil, nil
	}
	return q.Survey.Quotas, nil
}

// quotaEnterTx enters interview r (contact c, member m) into every cell
// it now falls into, and takes it out of those it no longer does. It
// returns the first full cell it would have to enter, having entered none
// then: the caller screens the interview out.
func quotaEnterTx(tx *bolt.Tx, quotas []model.Quota, survey string, c *model.Contact, m *quotaMember) (*model.Quota, error) {
	var enter []*model.Quota
	var counts map[string]quotaCount
	for i := range quotas {
		q := &quotas[i]
		held := slices.Contains(m.Open, q.Name) || slices.Contains(m.Done, q.Name)
		switch q.Member(c, m.Answers) {
		case model.MemberIn:
			if held {
				continue
			}
			if q.Screens() {
				if counts == nil {
					counts = quotaCountsTx(tx, survey)
				}
				n := counts[q.Name]
				if q.Full(int(n.Completes), int(n.Open)) {
					return q, nil
				}
			}
			enter = append(enter, q)
		case model.MemberOut:
			if i := slices.Index(m.Open, q.Name); i >= 0 {
				m.Open = slices.Delete(m.Open, i, i+1)
				if err := addQuotaCountTx(tx, survey, q.Name, 0, -1); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, q := range enter {
		m.Open = append(m.Open, q.Name)
		if err := addQuotaCountTx(tx, survey, q.Name, 0, 1); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// quotaCheckTx is the quota check of interview r after its consent
// (answer nil) or after answer: it keeps r's places and returns the full
// cell that screens r out, if any. A survey without quotas, or an answer
// no quota reads, costs nothing.
func (s *Store) quotaCheckTx(tx *bolt.Tx, r *InterviewRecord, answer *model.AnswerEvent) (*model.Quota, error) {
	quotas, err := s.surveyQuotasTx(tx, r.Survey)
	if err != nil || len(quotas) == 0 {
		return nil, err
	}
	m, err := s.quotaMemberTx(tx, r.ID)
	if err != nil {
		return nil, err
	}
	if answer != nil {
		if !quotaReads(quotas, answer.Item) {
			return nil, nil
		}
		if m.Answers == nil {
			m.Answers = map[string]string{}
		}
		m.Answers[answer.Item] = answer.Value
		if answer.Special != "" {
			m.Answers[answer.Item] = ""
		}
	}
	cid, err := s.cidTx(tx, r.Survey, r.Contact)
	if err != nil {
		return nil, err
	}
	c, err := s.contactTx(tx, cid)
	if err != nil {
		return nil, err
	}
	full, err := quotaEnterTx(tx, quotas, r.Survey, c, m)
	if err != nil {
		return nil, err
	}
	if full != nil {
		m.Screened = full.Name
	}
	m.Tracked = true
	return full, s.putQuotaMemberTx(tx, r.ID, m)
}

// quotaReads reports whether a quota cell reads item.
func quotaReads(quotas []model.Quota, item string) bool {
	for _, q := range quotas {
		for _, c := range q.Conditions {
			if c.Variable == item {
				return true
			}
		}
	}
	return false
}

// quotaStatusTx keeps the counts when interview r (its status before the
// change) moves to status to: a complete turns its places into completes;
// an end without completing gives them back.
func (s *Store) quotaStatusTx(tx *bolt.Tx, r *InterviewRecord, to string) error {
	switch to {
	case InterviewCompleted, InterviewBrokenOff, InterviewRefused, InterviewScreenedOut:
	case InterviewActive:
		if r.Status == InterviewCompleted {
			return s.quotaReopenTx(tx, r)
		}
		return nil
	default:
		return nil
	}
	quotas, err := s.surveyQuotasTx(tx, r.Survey)
	if err != nil || len(quotas) == 0 {
		return err
	}
	m, err := s.quotaMemberTx(tx, r.ID)
	if err != nil {
		return err
	}
	if to != InterviewCompleted {
		for _, cell := range m.Open {
			if err := addQuotaCountTx(tx, r.Survey, cell, 0, -1); err != nil {
				return err
			}
		}
		m.Open, m.Closed = nil, true
		return s.putQuotaMemberTx(tx, r.ID, m)
	}
	if len(m.Done) > 0 {
		// Completed again after a supervisor returned it: it counted.
		return nil
	}
	if !m.Tracked {
		// Interviewed where nothing was counted as it went (a field
		// laptop's interview arriving in a bundle): its cells are read
		// from its answers now, and counted whatever the targets say,
		// since the interview was done.
		if err := s.quotaAnswersTx(tx, r.ID, quotas, m); err != nil {
			return err
		}
		cid, err := s.cidTx(tx, r.Survey, r.Contact)
		if err != nil {
			return err
		}
		c, err := s.contactTx(tx, cid)
		if err != nil {
			return err
		}
		for _, q := range quotas {
			if q.Member(c, m.Answers) == model.MemberIn {
				m.Done = append(m.Done, q.Name)
				if err := addQuotaCountTx(tx, r.Survey, q.Name, 1, 0); err != nil {
					return err
				}
			}
		}
		return s.putQuotaMemberTx(tx, r.ID, m)
	}
	for _, cell := range m.Open {
		if err := addQuotaCountTx(tx, r.Survey, cell, 1, -1); err != nil {
			return err
		}
	}
	m.Done, m.Open = m.Open, nil
	return s.putQuotaMemberTx(tx, r.ID, m)
}

// quotaReopenTx turns the completes of an interview a supervisor returned
// back into places in progress while it is corrected: an answer changed
// then leaves or enters cells as during the interview, and entering a
// full one screens it out, so that a correction cannot take a normal cell
// past its target; completing it again counts its places as completes.
func (s *Store) quotaReopenTx(tx *bolt.Tx, r *InterviewRecord) error {
	quotas, err := s.surveyQuotasTx(tx, r.Survey)
	if err != nil || len(quotas) == 0 {
		return err
	}
	m, err := s.quotaMemberTx(tx, r.ID)
	if err != nil || len(m.Done) == 0 {
		return err
	}
	for _, cell := range m.Done {
		if err := addQuotaCountTx(tx, r.Survey, cell, -1, 1); err != nil {
			return err
		}
	}
	m.Open, m.Done, m.Tracked = append(m.Open, m.Done...), nil, true
	return s.putQuotaMemberTx(tx, r.ID, m)
}

// quotaAnswersTx fills m.Answers with the latest answers of interview to
// the items the quotas read.
func (s *Store) quotaAnswersTx(tx *bolt.Tx, interview string, quotas []model.Quota, m *quotaMember) error {
	m.Answers = map[string]string{}
	pre := append([]byte(interview), 0)
	c := tx.Bucket(bAnswers).Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		var a model.AnswerEvent
		if err := s.openJSON(v, &a); err != nil {
			return fmt.Errorf("decode answer of %s: %w", interview, err)
		}
		if quotaReads(quotas, a.Item) {
			m.Answers[a.Item] = a.Value
			if a.Special != "" {
				m.Answers[a.Item] = ""
			}
		}
	}
	return nil
}

// screenOutTx ends interview r because cell is full: the screen-out
// event, the status, and the call with the survey's quota_full outcome,
// which ends the contact's lease and gives it its final disposition.
func (s *Store) screenOutTx(tx *bolt.Tx, r *InterviewRecord, cell, actor string, at time.Time) error {
	note := "quota " + cell + " is full"
	e, err := s.appendTx(tx, KindScreenedOut, actor, at, interviewStep{Interview: r.ID, Note: note})
	if err != nil {
		return err
	}
	if err := s.noteStatusTx(tx, r, e, note, InterviewScreenedOut); err != nil {
		return err
	}
	r.Status, r.Ended = InterviewScreenedOut, e.At
	if err := s.putInterviewTx(tx, r); err != nil {
		return err
	}
	return s.interviewCallTx(tx, r, model.QuotaOutcome, actor, at, time.Time{}, "")
}

// quotaDraw is what a draw knows of the survey's quotas: the screening
// cells of sample fields only (the ones a contact is known to be in
// before anyone calls it) and their counts, read once per draw.
type quotaDraw struct {
	cells  []*model.Quota
	counts map[string]quotaCount
}

// quotaDrawTx reads the quota state a draw of survey needs; nil when no
// cell of sample fields only can screen anyone out.
func (s *Store) quotaDrawTx(tx *bolt.Tx, survey string) (*quotaDraw, error) {
	quotas, err := s.surveyQuotasTx(tx, survey)
	if err != nil || len(quotas) == 0 {
		return nil, err
	}
	d := &quotaDraw{}
	for i := range quotas {
		if q := &quotas[i]; q.Screens() && q.SampleOnly() {
			d.cells = append(d.cells, q)
		}
	}
	if len(d.cells) == 0 {
		return nil, nil
	}
	d.counts = quotaCountsTx(tx, survey)
	return d, nil
}

// quotaRank orders the contacts a draw may present: those of cells of
// higher priority first, then those whose emptiest cell is emptiest
// (places taken over target). A contact in no cell ranks after every
// contact in one, as if its cell were full.
type quotaRank struct {
	priority int
	fill     float64
}

// better reports whether a contact of rank r should be drawn before one
// of rank o.
func (r quotaRank) better(o quotaRank) bool {
	if r.priority != o.priority {
		return r.priority > o.priority
	}
	return r.fill < o.fill
}

// rank says whether contact c may be drawn (not in a full cell) and how
// soon.
func (d *quotaDraw) rank(c *model.Contact) (blocked bool, r quotaRank) {
	r.fill = 1
	in := false
	for _, q := range d.cells {
		if q.Member(c, nil) != model.MemberIn {
			continue
		}
		n := d.counts[q.Name]
		if q.Full(int(n.Completes), int(n.Open)) {
			return true, r
		}
		fill := 1.0
		if q.Target > 0 {
			fill = float64(n.Completes+n.Open) / float64(q.Target)
		}
		if !in || q.Priority > r.priority || (q.Priority == r.priority && fill < r.fill) {
			r.priority, r.fill = q.Priority, fill
		}
		in = true
	}
	return false, r
}

// quotaRecheck is how long a contact found in a full cell waits in the
// queue before a draw looks at it again: a place may come free (an
// interview in progress broken off) meanwhile.
const quotaRecheck = time.Hour

// quotaLookahead is how many presentable contacts a draw compares, in
// queue order, to present the one in the emptiest cell: balancing looks
// a few contacts ahead, so that a draw stays one short scan.
const quotaLookahead = 8
