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

// Interview statuses.
const (
	InterviewActive    = "active"
	InterviewSuspended = "suspended"
	InterviewCompleted = "completed"
	// InterviewRefused interviews ended at the consent question.
	InterviewRefused = "refused"
	// InterviewBrokenOff interviews were ended before completion because
	// the person opted out (during the interview, or later while it was
	// suspended): their answers are kept, they are never resumed, and
	// their contact's disposition is a break-off (AAPOR 2.12).
	InterviewBrokenOff = "broken-off"
)

// ErrClosed is returned when answers are saved to an interview that is not
// active (suspended, completed or refused).
var ErrClosed = errors.New("interview is not active")

// ErrInterviewed is returned when a contact already has an interview in a
// survey: a person is not interviewed twice for the same survey.
var ErrInterviewed = errors.New("contact already has an interview in this survey")

// InterviewRecord is an interview's header: whom, which questionnaire
// revision, the consent, and where it stands.
type InterviewRecord struct {
	ID          string        `json:"id"`
	Survey      string        `json:"survey"`
	Revision    uint32        `json:"revision"`
	Contact     string        `json:"contact"`
	Interviewer string        `json:"interviewer"`
	Status      string        `json:"status"`
	Consent     model.Consent `json:"consent"`
	Started     time.Time     `json:"started"`
	Ended       time.Time     `json:"ended,omitzero"`
}

type consentRecorded struct {
	Interview string        `json:"interview"`
	Revision  uint32        `json:"revision"`
	Consent   model.Consent `json:"consent"`
}

type answerRecorded struct {
	Interview string            `json:"interview"`
	Answer    model.AnswerEvent `json:"answer"`
}

type interviewStep struct {
	Interview string `json:"interview"`
	Note      string `json:"note,omitempty"`
	// OptOut is the opt-out event that ended the interview
	// (KindBrokenOff, or KindCompleted of a reopened interview).
	OptOut uint64 `json:"optout,omitempty"`
	// Release is set on a suspension that ended the contact's lease
	// (KindSuspended without a call: the interviewer went away).
	Release bool `json:"release,omitempty"`
}

func (s *Store) sealJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return s.codec.Seal(b)
}

func (s *Store) openJSON(b []byte, v any) error {
	plain, err := s.codec.Open(b)
	if err != nil {
		return err
	}
	return json.Unmarshal(plain, v)
}

func (s *Store) interviewTx(tx *bolt.Tx, id string) (*InterviewRecord, error) {
	v := tx.Bucket(bInterviews).Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("interview %s: %w", id, ErrNotFound)
	}
	var r InterviewRecord
	if err := s.openJSON(v, &r); err != nil {
		return nil, fmt.Errorf("decode interview %s: %w", id, err)
	}
	return &r, nil
}

func (s *Store) putInterviewTx(tx *bolt.Tx, r *InterviewRecord) error {
	v, err := s.sealJSON(r)
	if err != nil {
		return err
	}
	s.markInterviewTx(r, 0)
	rs, err := s.reviewOfTx(tx, r.ID)
	if err != nil {
		return err
	}
	if err := s.indexWorkTx(tx, r, rs); err != nil {
		return err
	}
	return tx.Bucket(bInterviews).Put([]byte(r.ID), v)
}

// StartInterview records the consent asked of a contact. When it was given,
// an active interview on the survey's latest revision begins; when refused,
// the refusal is recorded and the interview is closed at once. Either way
// the interview's id is returned. The contact must be in the survey's
// sample and have no interview in it yet. A consent given by someone whose
// sample fields put them in a full quota cell screens the interview out
// at once: its id is returned with an error wrapping [ErrQuotaFull].
func (s *Store) StartInterview(c model.Consent) (string, error) {
	if c.At.IsZero() {
		c.At = s.now()
	}
	var id string
	var full *model.Quota
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if id, _, err = s.startInterviewTx(tx, c); err != nil || !c.Agreed {
			return err
		}
		r, err := s.interviewTx(tx, id)
		if err != nil {
			return err
		}
		if full, err = s.quotaCheckTx(tx, r, nil); err != nil || full == nil {
			return err
		}
		return s.screenOutTx(tx, r, full.Name, c.Interviewer, c.At)
	})
	if err != nil {
		return "", fmt.Errorf("start interview with %s in %s: %w", c.Contact, c.Survey, err)
	}
	if full != nil {
		return id, &QuotaFullError{Interview: id, Cell: full.Name}
	}
	return id, nil
}

// startInterviewTx records consent c (its time set) and the interview it
// begins or closes; it returns the interview's id and the contact's cid.
func (s *Store) startInterviewTx(tx *bolt.Tx, c model.Consent) (string, uint64, error) {
	rev := latestRevisionTx(tx, c.Survey)
	if rev == 0 {
		return "", 0, fmt.Errorf("survey %s is not installed: %w", c.Survey, ErrNotFound)
	}
	cid, err := s.cidTx(tx, c.Survey, c.Contact)
	if err != nil {
		return "", 0, err
	}
	byKey := append(idPrefix(c.Survey), u64(cid)...)
	if old := tx.Bucket(bIByContact).Get(byKey); old != nil {
		return "", 0, fmt.Errorf("%s has interview %s: %w", c.Contact, old, ErrInterviewed)
	}
	if c.Version == "" {
		rec, err := latestSurveyTx(tx, c.Survey)
		if err != nil {
			return "", 0, err
		}
		c.Version = rec.Version
	}
	id := fmt.Sprintf("%s-%016x", s.device, nextSeqTx(tx))
	if _, err := s.appendTx(tx, KindConsent, c.Interviewer, c.At, consentRecorded{Interview: id, Revision: rev, Consent: c}); err != nil {
		return "", 0, err
	}
	r := &InterviewRecord{ID: id, Survey: c.Survey, Revision: rev, Contact: c.Contact,
		Interviewer: c.Interviewer, Status: InterviewActive, Consent: c, Started: c.At.UTC()}
	if !c.Agreed {
		r.Status, r.Ended = InterviewRefused, c.At.UTC()
	}
	if err := s.putInterviewTx(tx, r); err != nil {
		return "", 0, err
	}
	if c.Agreed {
		// The interviewer's latest interview of the survey, whose values
		// the next one may read (${last-saved#name}).
		b, err := tx.CreateBucketIfNotExists(bLastIV)
		if err != nil {
			return "", 0, err
		}
		if err := b.Put(append(idPrefix(c.Survey), c.Interviewer...), []byte(id)); err != nil {
			return "", 0, err
		}
	}
	return id, cid, tx.Bucket(bIByContact).Put(byKey, []byte(id))
}

// bLastIV is survey ‖ 0 ‖ interviewer => the interviewer's latest
// interview of the survey (since schema 3).
var bLastIV = []byte("lastiv")

// lastSavedTx is what ${last-saved#name} gives in a new interview of
// questionnaire q by interviewer: the values of their latest interview of
// the survey but except, or nil when the form reads none or there is none.
func (s *Store) lastSavedTx(tx *bolt.Tx, q *Questionnaire, interviewer, except string) (map[string]string, error) {
	if !q.Form.UsesLastSaved() {
		return nil, nil
	}
	b := tx.Bucket(bLastIV)
	if b == nil {
		return nil, nil
	}
	id := b.Get(append(idPrefix(q.Record.ID), interviewer...))
	if id == nil || string(id) == except {
		return nil, nil
	}
	r, err := s.interviewTx(tx, string(id))
	if err != nil {
		return nil, err
	}
	v := tx.Bucket(bIState).Get(id)
	if v == nil {
		return nil, nil
	}
	state, err := s.codec.Open(v)
	if err != nil {
		return nil, err
	}
	// Its own revision's form reads its state; the names carry over.
	last, err := s.questionnaireTx(tx, r.Survey, r.Revision)
	if err != nil {
		return nil, err
	}
	cid, err := s.cidTx(tx, r.Survey, r.Contact)
	if err != nil {
		return nil, err
	}
	c, err := s.contactTx(tx, cid)
	if err != nil {
		return nil, err
	}
	iv, err := model.LoadState(last.Form, state, c, s.now)
	if err != nil {
		return nil, fmt.Errorf("read the last saved interview %s: %w", id, err)
	}
	return model.LastSavedValues(iv.Data()), nil
}

func answerKey(interview string, seq uint64) []byte {
	return append(idPrefix(interview), u64(seq)...)
}

// SaveAnswer commits one accepted answer, with the engine's state after it,
// in one durable transaction: when it returns nil the answer survives a
// crash, and resuming gives back exactly this state. An answer that puts
// the interview into a full quota cell is saved and screens the interview
// out in the same transaction: the error then wraps [ErrQuotaFull] (a
// [QuotaFullError]) and the interview is closed.
func (s *Store) SaveAnswer(interview string, ev model.AnswerEvent, state []byte) error {
	var full *model.Quota
	err := s.update(func(tx *bolt.Tx) error {
		r, err := s.interviewTx(tx, interview)
		if err != nil {
			return err
		}
		if r.Status != InterviewActive {
			return fmt.Errorf("%s is %s: %w", interview, r.Status, ErrClosed)
		}
		at := ev.Answered
		if at.IsZero() {
			at = s.now()
		}
		e, err := s.appendTx(tx, KindAnswer, r.Interviewer, at, answerRecorded{Interview: interview, Answer: ev})
		if err != nil {
			return err
		}
		v, err := s.sealJSON(ev)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bAnswers).Put(answerKey(interview, e.Seq), v); err != nil {
			return err
		}
		if ev.Override != "" {
			s.markInterviewTx(r, 1)
		}
		st, err := s.codec.Seal(state)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bIState).Put([]byte(interview), st); err != nil {
			return err
		}
		if full, err = s.quotaCheckTx(tx, r, &ev); err != nil || full == nil {
			return err
		}
		return s.screenOutTx(tx, r, full.Name, r.Interviewer, at)
	})
	if err != nil {
		return fmt.Errorf("save answer to %s in %s: %w", ev.Item, interview, err)
	}
	if full != nil {
		return &QuotaFullError{Interview: interview, Cell: full.Name}
	}
	return nil
}

type reviewDecision struct {
	Interview string `json:"interview"`
	Decision  string `json:"decision"`
	Note      string `json:"note,omitempty"`
}

// SavedAnswer is an answer as recorded, with the event that recorded it.
type SavedAnswer struct {
	Event  string            `json:"event"`
	Answer model.AnswerEvent `json:"answer"`
}

// InterviewReview is everything a supervisor reviews: the header and
// consent, every answer in the order given (changes included), the current
// answers, the last engine state, the contact's calls, and the interview's
// status changes (consent, suspensions, resumptions, completions, review
// decisions).
type InterviewReview struct {
	Interview InterviewRecord `json:"interview"`
	History   []SavedAnswer   `json:"history"`
	// Current holds the latest answer per item and repeat path, in the
	// order they were first given.
	Current []model.AnswerEvent `json:"current"`
	State   []byte              `json:"state,omitempty"`
	Calls   []CallRecord        `json:"calls,omitempty"`
	Changes []StatusChange      `json:"changes,omitempty"`
}

// StatusChange is one step of an interview's history, oldest first.
type StatusChange struct {
	// Kind is the event kind: KindConsent, KindSuspended, KindResumed,
	// KindCompleted, KindBrokenOff or KindReview.
	Kind string `json:"kind"`
	// Agreed says, for KindConsent, whether consent was given.
	Agreed bool `json:"agreed,omitempty"`
	// Decision is a KindReview's decision (DecisionApproved, ...).
	Decision string    `json:"decision,omitempty"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Note     string    `json:"note,omitempty"`
}

// Interview returns an interview with everything recorded about it.
func (s *Store) Interview(id string) (*InterviewReview, error) {
	var rv *InterviewReview
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		rv, err = s.interviewReviewTx(tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read interview %s: %w", id, err)
	}
	return rv, nil
}

// interviewReviewTx is [Store.Interview] inside tx.
func (s *Store) interviewReviewTx(tx *bolt.Tx, id string) (*InterviewReview, error) {
	var rv InterviewReview
	r, err := s.interviewTx(tx, id)
	if err != nil {
		return nil, err
	}
	rv.Interview = *r
	pre := idPrefix(id)
	c := tx.Bucket(bAnswers).Cursor()
	pos := map[string]int{}
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		var a model.AnswerEvent
		if err := s.openJSON(v, &a); err != nil {
			return nil, fmt.Errorf("decode answer: %w", err)
		}
		seq := binary.BigEndian.Uint64(k[len(pre):])
		rv.History = append(rv.History, SavedAnswer{Event: fmt.Sprintf("%s-%016x", s.device, seq), Answer: a})
		key := fmt.Sprint(a.Item, a.Path)
		if i, ok := pos[key]; ok {
			rv.Current[i] = a
		} else {
			pos[key] = len(rv.Current)
			rv.Current = append(rv.Current, a)
		}
	}
	if v := tx.Bucket(bIState).Get([]byte(id)); v != nil {
		if rv.State, err = s.codec.Open(v); err != nil {
			return nil, err
		}
	}
	if cid, err := s.cidTx(tx, r.Survey, r.Contact); err == nil {
		if st, err := s.stateTx(tx, cid); err == nil {
			rv.Calls = st.Calls
		}
	}
	// The consent is in the record; every later step in the interview's
	// export steps, written with each change.
	rv.Changes = append(rv.Changes, StatusChange{Kind: KindConsent, Agreed: r.Consent.Agreed, By: r.Consent.Interviewer, At: r.Consent.At.UTC()})
	steps, err := s.stepsTx(tx, id)
	if err != nil {
		return nil, err
	}
	for _, st := range steps {
		rv.Changes = append(rv.Changes, StatusChange{Kind: st.Kind, Decision: st.Decision, By: st.Actor, At: st.At, Note: st.Note})
	}
	return &rv, nil
}

// Interviews lists the interviews of a survey ("" for all).
func (s *Store) Interviews(survey string) ([]InterviewRecord, error) {
	var out []InterviewRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bInterviews).ForEach(func(k, v []byte) error {
			var r InterviewRecord
			if err := s.openJSON(v, &r); err != nil {
				return fmt.Errorf("decode interview %s: %w", k, err)
			}
			if survey == "" || r.Survey == survey {
				out = append(out, r)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list interviews: %w", err)
	}
	return out, nil
}
