package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// The export projections. Loading an interview's engine state to learn its
// data costs about 0.6 ms, far too slow for 100 k interviews, so the store
// keeps, for every suspended or completed interview, the data as the engine
// sees it (model.Interview.Data) in a compact binary form, written in the
// transaction that closes the interview. Resuming deletes it: an active
// interview's data is read from its engine state. Interviews closed before
// the buckets existed take the slow path until they are closed again:
//
//	xdata:   interview id => sealed projection (see encodeProjection)
//	xsteps:  interview id ‖ 0 ‖ seq(8) => sealed ExportStep JSON (suspended,
//	         resumed, completed, review), so that exports need not scan the log
//	xreview: interview id => the standing review decision (approved,
//	         rejected, ...: a code, not personal; flags leave it as it is)
var (
	bXData   = []byte("xdata")
	bXSteps  = []byte("xsteps")
	bXReview = []byte("xreview")
)

// Meta keys of exports.
var (
	// kExportSecret is the per-store HMAC key of pseudonymous respondent
	// keys: random, made on the first export, never exported.
	kExportSecret = []byte("export-secret")
	// kStepsIndexed marks that xsteps holds the steps of every interview
	// logged before the bucket existed.
	kStepsIndexed = []byte("export-steps-indexed")
)

// projectionVersion is the first byte of every projection written:
// version 2 adds Fields. Version 1 projections are still read.
const projectionVersion = 2

// projection is what an export needs of one interview without its engine
// state.
type projection struct {
	Interviewer string
	Status      string
	Started     time.Time
	Ended       time.Time
	Lang        string
	Revision    uint32
	Data        []model.Datum
	// Needles and Phones are what masks the contact's personal values in
	// free text (see scrubber); contacts never change after import, so
	// they are kept here rather than decoding the contact in every export.
	Needles []string
	Phones  []string
	// Fields are the personal fields (beyond name, phone, email and
	// company) whose values Needles hold; nil in version 1 projections,
	// which said nothing of them.
	Fields []string
}

// encodeProjection writes p as: version byte, then length-prefixed strings
// and varints (interviewer, status, started and ended in Unix ns with a
// zero flag, language, revision, the number of data), then per datum: item,
// path length and instances, special, value, other; then the lists
// Needles, Phones and Fields, each a count and its strings.
func encodeProjection(p *projection) []byte {
	b := make([]byte, 0, 64+len(p.Data)*24)
	b = append(b, projectionVersion)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	tm := func(t time.Time) {
		if t.IsZero() {
			b = append(b, 0)
			return
		}
		b = append(b, 1)
		b = binary.AppendVarint(b, t.UnixNano())
	}
	str(p.Interviewer)
	str(p.Status)
	tm(p.Started)
	tm(p.Ended)
	str(p.Lang)
	b = binary.AppendUvarint(b, uint64(p.Revision))
	b = binary.AppendUvarint(b, uint64(len(p.Data)))
	for _, d := range p.Data {
		str(d.Item)
		b = binary.AppendUvarint(b, uint64(len(d.Path)))
		for _, k := range d.Path {
			b = binary.AppendUvarint(b, uint64(k))
		}
		str(string(d.Special))
		str(d.Value)
		str(d.Other)
	}
	for _, list := range [][]string{p.Needles, p.Phones, p.Fields} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			str(s)
		}
	}
	return b
}

var errBadProjection = errors.New("malformed export projection")

// projReader decodes what encodeProjection wrote. Strings alias the buffer
// until intern copies them.
type projReader struct {
	b   []byte
	err error
}

func (r *projReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	// Most numbers (lengths, instances) fit one byte.
	if len(r.b) > 0 && r.b[0] < 0x80 {
		v := uint64(r.b[0])
		r.b = r.b[1:]
		return v
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadProjection
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *projReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errBadProjection
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *projReader) time() time.Time {
	if r.err != nil || len(r.b) == 0 {
		r.err = errBadProjection
		return time.Time{}
	}
	flag := r.b[0]
	r.b = r.b[1:]
	if flag == 0 {
		return time.Time{}
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errBadProjection
		return time.Time{}
	}
	r.b = r.b[n:]
	return time.Unix(0, v).UTC()
}

// decodeProjection reads a projection into p, reusing p.Data's storage.
// Values are substrings of one copy of b; intern turns item names into
// shared strings so that decoding 100 k interviews does not allocate a
// name per datum.
func decodeProjection(b []byte, p *projection, intern func([]byte) string) error {
	if len(b) == 0 || b[0] < 1 || b[0] > projectionVersion {
		return errBadProjection
	}
	version := b[0]
	all := string(b)
	// x is always a subslice of b, at offset cap(b)-cap(x).
	sub := func(x []byte) string {
		if len(x) == 0 {
			return ""
		}
		off := cap(b) - cap(x)
		return all[off : off+len(x)]
	}
	r := &projReader{b: b[1:]}
	p.Interviewer = intern(r.bytes())
	p.Status = intern(r.bytes())
	p.Started = r.time()
	p.Ended = r.time()
	p.Lang = intern(r.bytes())
	p.Revision = uint32(r.uvarint())
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		return errBadProjection
	}
	prev := p.Data
	p.Data = p.Data[:0]
	for i := range n {
		var d model.Datum
		// Interviews of one survey mostly list the same items in the
		// same order: reuse the name decoded last time at this place.
		if item := r.bytes(); i < uint64(len(prev)) && string(item) == prev[i].Item {
			d.Item = prev[i].Item
		} else {
			d.Item = intern(item)
		}
		if k := r.uvarint(); k > 0 {
			if k > 64 {
				return errBadProjection
			}
			d.Path = make([]int, k)
			for i := range d.Path {
				d.Path[i] = int(r.uvarint())
			}
		}
		d.Special = special(r.bytes(), intern)
		d.Value = sub(r.bytes())
		d.Other = sub(r.bytes())
		if r.err != nil {
			return r.err
		}
		p.Data = append(p.Data, d)
	}
	list := func(dst []string) []string {
		n := r.uvarint()
		if r.err != nil || n > uint64(len(r.b)) {
			r.err = errBadProjection
			return nil
		}
		dst = dst[:0]
		for range n {
			dst = append(dst, sub(r.bytes()))
		}
		return dst
	}
	p.Needles = list(p.Needles)
	p.Phones = list(p.Phones)
	p.Fields = p.Fields[:0]
	if version >= 2 {
		p.Fields = list(p.Fields)
	}
	if len(p.Fields) == 0 {
		p.Fields = nil
	}
	if r.err != nil || len(r.b) != 0 {
		return errBadProjection
	}
	return nil
}

// special returns the special code spelt b without allocating for the
// known ones.
func special(b []byte, intern func([]byte) string) model.Special {
	switch string(b) {
	case "":
		return model.NoSpecial
	case string(model.DontKnow):
		return model.DontKnow
	case string(model.Refused):
		return model.Refused
	case string(model.Skipped):
		return model.Skipped
	}
	return model.Special(intern(b))
}

// ExportStep is an interview's step after the consent, as exports show it:
// a suspension, resumption, completion or review decision, with its note.
type ExportStep struct {
	Seq      uint64    `json:"seq"`
	Kind     string    `json:"kind"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
	Note     string    `json:"note,omitempty"`
	Decision string    `json:"decision,omitempty"`
}

func stepKey(interview string, seq uint64) []byte {
	return append(idPrefix(interview), u64(seq)...)
}

func (s *Store) putStepTx(tx *bolt.Tx, interview string, st ExportStep) error {
	b, err := tx.CreateBucketIfNotExists(bXSteps)
	if err != nil {
		return err
	}
	v, err := s.sealJSON(st)
	if err != nil {
		return err
	}
	if err := b.Put(stepKey(interview, st.Seq), v); err != nil {
		return err
	}
	// xreview holds the standing decision: flags do not change it, and
	// taking the interview back (resumed, reopened after a rejection)
	// ends it. The report reads the decision there once the steps are
	// indexed (see interviewPlaceTx).
	if st.Kind == KindReview || st.Kind == KindResumed {
		if r, err := s.interviewTx(tx, interview); err == nil {
			s.markInterviewTx(r, 0)
		}
	}
	switch {
	case st.Kind == KindReview && st.Decision != DecisionFlagged && st.Decision != DecisionUnflagged:
		rb, err := tx.CreateBucketIfNotExists(bXReview)
		if err != nil {
			return err
		}
		return rb.Put([]byte(interview), []byte(st.Decision))
	case st.Kind == KindResumed:
		if rb := tx.Bucket(bXReview); rb != nil {
			return rb.Delete([]byte(interview))
		}
	}
	return nil
}

// noteStatusTx keeps the export projections of an interview whose status
// changed to to with event e: the step, and the data projection (written
// when the interview closes, deleted when it becomes active again). It runs
// inside the transaction that changes the status. A projection that cannot
// be made (an unreadable state) is left out, never fatal: the export then
// reads the engine state itself.
func (s *Store) noteStatusTx(tx *bolt.Tx, r *InterviewRecord, e *Event, note, to string) error {
	if err := s.quotaStatusTx(tx, r, to); err != nil {
		return fmt.Errorf("count quotas of %s: %w", r.ID, err)
	}
	if err := s.putStepTx(tx, r.ID, ExportStep{Seq: e.Seq, Kind: e.Kind, Actor: e.Actor, At: e.At, Note: note}); err != nil {
		return fmt.Errorf("index %s of %s: %w", e.Kind, r.ID, err)
	}
	b, err := tx.CreateBucketIfNotExists(bXData)
	if err != nil {
		return err
	}
	if to == InterviewActive {
		return b.Delete([]byte(r.ID))
	}
	rec := *r
	rec.Status = to
	if to == InterviewCompleted {
		rec.Ended = e.At
	}
	p, err := s.projectTx(tx, &rec, s.newFormCache(), e.At)
	if err != nil {
		return b.Delete([]byte(r.ID))
	}
	v, err := s.codec.Seal(encodeProjection(p))
	if err != nil {
		return err
	}
	return b.Put([]byte(r.ID), v)
}

// noteReviewTx records a review decision in the export projections.
func (s *Store) noteReviewTx(tx *bolt.Tx, interview string, e *Event, decision, note string) error {
	return s.putStepTx(tx, interview, ExportStep{Seq: e.Seq, Kind: e.Kind, Actor: e.Actor, At: e.At, Note: note, Decision: decision})
}

// formCache finds the compiled revisions an export or a projection
// needs. They come from the store's cache of questionnaires (see
// questionnaire.go), so that closing an interview does not compile its
// questionnaire again; the map saves the cache's lock within an export.
type formCache struct {
	s     *Store
	forms map[string]*compiledRev
}

type compiledRev struct {
	survey *model.Survey
	form   *model.Form
	err    error
}

func (s *Store) newFormCache() *formCache { return &formCache{s: s, forms: map[string]*compiledRev{}} }

func (fc *formCache) getTx(tx *bolt.Tx, survey string, rev uint32) *compiledRev {
	key := string(surveyKey(survey, rev))
	if c, ok := fc.forms[key]; ok {
		return c
	}
	c := &compiledRev{}
	fc.forms[key] = c
	q, err := fc.s.questionnaireTx(tx, survey, rev)
	if err != nil {
		c.err = err
		return c
	}
	c.survey, c.form = q.Survey, q.Form
	return c
}

// projectTx computes an interview's projection from its record and engine
// state: the slow path, about 0.6 ms for a long interview. at is the
// moment the data are taken at (what now() and today() in calculations
// see): when the interview closed, or now for an active one.
func (s *Store) projectTx(tx *bolt.Tx, r *InterviewRecord, fc *formCache, at time.Time) (*projection, error) {
	p := &projection{Interviewer: r.Interviewer, Status: r.Status, Started: r.Started, Ended: r.Ended,
		Lang: r.Consent.Lang, Revision: r.Revision}
	v := tx.Bucket(bIState).Get([]byte(r.ID))
	if v == nil {
		return p, nil
	}
	state, err := s.codec.Open(v)
	if err != nil {
		return nil, fmt.Errorf("open state of %s: %w", r.ID, err)
	}
	c := fc.getTx(tx, r.Survey, r.Revision)
	if c.err != nil {
		return nil, c.err
	}
	var contact *model.Contact
	if cid, err := s.cidTx(tx, r.Survey, r.Contact); err == nil {
		contact, _ = s.contactTx(tx, cid)
	}
	if contact != nil {
		p.Fields = maskedFields(c.survey.Privacy.PersonalFields)
		sc := newScrubber(contact, p.Fields)
		p.Needles, p.Phones = sc.needles, sc.phones
	}
	iv, err := model.LoadState(c.form, state, contact, func() time.Time { return at })
	if err != nil {
		return nil, fmt.Errorf("interview %s: %w", r.ID, err)
	}
	if r.Status == InterviewCompleted && !iv.Done() {
		// The state is saved with each answer, before the engine moves
		// past it, so a completed interview's state still stands at its
		// last question: move it to the end, as completing it did, so
		// that the end metadata is the completion time (at).
		iv.FastForward()
	}
	p.Lang = iv.Language()
	p.Data = iv.Data()
	return p, nil
}

// ensureStepsTx fills xsteps and xreview from the log once, for interviews
// suspended, resumed, completed or reviewed before those buckets existed.
func (s *Store) ensureStepsTx(tx *bolt.Tx) error {
	meta := tx.Bucket(bMeta)
	if meta.Get(kStepsIndexed) != nil {
		return nil
	}
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		// The kind is stored in clear; only interview steps are decoded.
		if !isStepEvent(v) {
			continue
		}
		e, err := s.decodeEvent(v)
		if err != nil {
			return err
		}
		switch e.Kind {
		case KindSuspended, KindResumed, KindCompleted:
			var p interviewStep
			if err := json.Unmarshal(e.Data, &p); err != nil {
				return fmt.Errorf("decode event %s: %w", e.ID, err)
			}
			if err := s.putStepTx(tx, p.Interview, ExportStep{Seq: e.Seq, Kind: e.Kind, Actor: e.Actor, At: e.At, Note: p.Note}); err != nil {
				return err
			}
		case KindReview:
			var p reviewDecision
			if err := json.Unmarshal(e.Data, &p); err != nil {
				return fmt.Errorf("decode event %s: %w", e.ID, err)
			}
			if err := s.putStepTx(tx, p.Interview, ExportStep{Seq: e.Seq, Kind: e.Kind, Actor: e.Actor, At: e.At, Note: p.Note, Decision: p.Decision}); err != nil {
				return err
			}
		}
	}
	for _, name := range [][]byte{bXData, bXSteps, bXReview} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return meta.Put(kStepsIndexed, []byte{1})
}

// isStepEvent reports whether a stored event is an interview step, from
// its clear-text kind, without decoding it.
func isStepEvent(v []byte) bool {
	for _, k := range []string{KindSuspended, KindResumed, KindCompleted, KindReview} {
		if bytes.Contains(v, []byte(`"kind":"`+k+`"`)) {
			return true
		}
	}
	return false
}

// stepsTx returns an interview's steps in order.
func (s *Store) stepsTx(tx *bolt.Tx, interview string) ([]ExportStep, error) {
	b := tx.Bucket(bXSteps)
	if b == nil {
		return nil, nil
	}
	var out []ExportStep
	pre := idPrefix(interview)
	c := b.Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		var st ExportStep
		if err := s.openJSON(v, &st); err != nil {
			return nil, fmt.Errorf("decode step of %s: %w", interview, err)
		}
		out = append(out, st)
	}
	return out, nil
}
