package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// Supervisor review: a completed interview is approved, or rejected with
// an overall comment and comments on single items, which returns it to its
// interviewer to correct or explain; any interview can be flagged with a
// note. Each decision is a KindReview event ("approved", "rejected",
// "flagged", "unflagged"); the interviewer reopening a returned interview
// is a KindResumed event, and completing it again the usual
// KindCompleted, which puts it back up for review.
//
// The interview's own record keeps the statuses the interviewer console
// knows (a rejected interview stays "completed" there until it is
// reopened); the review projection is its own bucket, created on first
// write so that older stores open unchanged:
//
//	reviews:   interview id => sealed ReviewState JSON
//
// [ReviewStatus] combines the two into what a supervisor sees.

// Review statuses, besides the interview statuses they refine.
const (
	// InterviewApproved is a completed interview a supervisor approved.
	InterviewApproved = "approved"
	// InterviewRejected is a completed interview a supervisor sent back
	// to its interviewer, not yet reopened.
	InterviewRejected = "rejected"
)

// Review decisions, as recorded in KindReview events.
const (
	DecisionApproved  = "approved"
	DecisionRejected  = "rejected"
	DecisionFlagged   = "flagged"
	DecisionUnflagged = "unflagged"
)

// ErrTransition is returned when a review decision does not apply to an
// interview in its current status (approving a suspended interview,
// reopening one that was not returned, ...).
var ErrTransition = errors.New("not possible in this status")

var bReviews = []byte("reviews")

// ItemComment is a supervisor's comment on one item of an interview.
type ItemComment struct {
	Item string `json:"item"`
	Path []int  `json:"path,omitempty"`
	Text string `json:"text"`
}

// Ref names the item (and repeat instance) the comment is on, as the
// engine writes it.
func (c ItemComment) Ref() string { return model.Ref{Item: c.Item, Path: c.Path}.String() }

// Rejection is one return of an interview to its interviewer.
type Rejection struct {
	By      string        `json:"by"`
	At      time.Time     `json:"at"`
	Comment string        `json:"comment"`
	Items   []ItemComment `json:"items,omitempty"`
	// Reopened is when the interviewer reopened it to correct it (zero
	// until then).
	Reopened time.Time `json:"reopened,omitzero"`
}

// ReviewState is the review projection of one interview.
type ReviewState struct {
	// Decision is the standing decision on the current completion:
	// DecisionApproved, DecisionRejected, or "" (not reviewed, or reopened
	// after a rejection).
	Decision string    `json:"decision,omitempty"`
	By       string    `json:"by,omitempty"`
	At       time.Time `json:"at,omitzero"`
	Note     string    `json:"note,omitempty"`
	// Flagged marks an interview for attention, with FlagNote saying why.
	Flagged  bool      `json:"flagged,omitempty"`
	FlagNote string    `json:"flag_note,omitempty"`
	FlagBy   string    `json:"flag_by,omitempty"`
	FlagAt   time.Time `json:"flag_at,omitzero"`
	// Rejections are every return of the interview, oldest first.
	Rejections []Rejection `json:"rejections,omitempty"`
}

// Open returns the latest rejection when the interview is with its
// interviewer because of it (returned, or reopened and not yet completed
// again), or nil.
func (r *ReviewState) Open(status string) *Rejection {
	if r == nil || len(r.Rejections) == 0 {
		return nil
	}
	switch status {
	case InterviewRejected, InterviewActive, InterviewSuspended:
		return &r.Rejections[len(r.Rejections)-1]
	}
	return nil
}

// ReviewStatus is the status a supervisor sees: the interview's own,
// refined by a standing review decision on a completed interview.
func ReviewStatus(r InterviewRecord, rs *ReviewState) string {
	if r.Status == InterviewCompleted && rs != nil {
		switch rs.Decision {
		case DecisionApproved:
			return InterviewApproved
		case DecisionRejected:
			return InterviewRejected
		}
	}
	return r.Status
}

// reviewRecorded is the payload of a KindReview event.
type reviewRecorded struct {
	Interview string        `json:"interview"`
	Decision  string        `json:"decision"`
	Note      string        `json:"note,omitempty"`
	Items     []ItemComment `json:"items,omitempty"`
}

func (s *Store) reviewStateTx(tx *bolt.Tx, id string) (*ReviewState, error) {
	rs := &ReviewState{}
	b := tx.Bucket(bReviews)
	if b == nil {
		return rs, nil
	}
	v := b.Get([]byte(id))
	if v == nil {
		return rs, nil
	}
	if err := s.openJSON(v, rs); err != nil {
		return nil, fmt.Errorf("decode review of %s: %w", id, err)
	}
	return rs, nil
}

func (s *Store) putReviewStateTx(tx *bolt.Tx, id string, rs *ReviewState) error {
	b, err := tx.CreateBucketIfNotExists(bReviews)
	if err != nil {
		return err
	}
	// A decision moves the interview in the report, and a first
	// rejection its case's disposition.
	if r, err := s.interviewTx(tx, id); err == nil {
		s.markInterviewTx(r, 0)
		if err := s.indexWorkTx(tx, r, rs); err != nil {
			return err
		}
	}
	v, err := s.sealJSON(rs)
	if err != nil {
		return err
	}
	return b.Put([]byte(id), v)
}

// decide applies one review decision to interview inside one transaction:
// check reads the record and review state and says whether the decision
// applies; apply changes the review state after the event is appended.
func (s *Store) decide(what, interview, actor string, p reviewRecorded,
	check func(tx *bolt.Tx, r *InterviewRecord, rs *ReviewState) error, apply func(rs *ReviewState, at time.Time)) error {
	if err := validID("supervisor", actor); err != nil {
		return fmt.Errorf("%s interview %s: %w", what, interview, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		r, err := s.interviewTx(tx, interview)
		if err != nil {
			return err
		}
		rs, err := s.reviewStateTx(tx, interview)
		if err != nil {
			return err
		}
		if err := check(tx, r, rs); err != nil {
			return err
		}
		p.Interview = interview
		e, err := s.appendTx(tx, KindReview, actor, s.now(), p)
		if err != nil {
			return err
		}
		if err := s.noteReviewTx(tx, interview, e, p.Decision, p.Note); err != nil {
			return err
		}
		apply(rs, e.At)
		return s.putReviewStateTx(tx, interview, rs)
	})
	if err != nil {
		return fmt.Errorf("%s interview %s: %w", what, interview, err)
	}
	return nil
}

// mustBeCompleted refuses every status but completed and not yet decided.
func mustBeCompleted(_ *bolt.Tx, r *InterviewRecord, rs *ReviewState) error {
	if st := ReviewStatus(*r, rs); st != InterviewCompleted {
		return fmt.Errorf("it is %s, and only a completed interview can be reviewed: %w", st, ErrTransition)
	}
	return nil
}

// Approve records a supervisor's approval of a completed interview, with
// an optional note.
func (s *Store) Approve(interview, supervisor, note string) error {
	note = strings.TrimSpace(note)
	return s.decide("approve", interview, supervisor, reviewRecorded{Decision: DecisionApproved, Note: note},
		mustBeCompleted,
		func(rs *ReviewState, at time.Time) {
			rs.Decision, rs.By, rs.At, rs.Note = DecisionApproved, supervisor, at, note
		})
}

// Reject returns a completed interview to its interviewer with an overall
// comment (required) and comments on single items, which must be items
// the interview answered. The interviewer sees it on the console's home
// and reopens it with [Store.Reopen].
func (s *Store) Reject(interview, supervisor, comment string, items []ItemComment) error {
	comment = strings.TrimSpace(comment)
	items = slices.Clone(items)
	for i := range items {
		items[i].Text = strings.TrimSpace(items[i].Text)
	}
	check := func(tx *bolt.Tx, r *InterviewRecord, rs *ReviewState) error {
		if err := mustBeCompleted(tx, r, rs); err != nil {
			return err
		}
		if comment == "" {
			return errors.New("a rejection needs a comment for the interviewer")
		}
		answered := map[string]bool{}
		pre := idPrefix(interview)
		c := tx.Bucket(bAnswers).Cursor()
		for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
			var a model.AnswerEvent
			if err := s.openJSON(v, &a); err != nil {
				return fmt.Errorf("decode answer: %w", err)
			}
			answered[model.Ref{Item: a.Item, Path: a.Path}.String()] = true
		}
		seen := map[string]bool{}
		for _, ic := range items {
			switch {
			case !answered[ic.Ref()]:
				return fmt.Errorf("comment on %s: the interview has no answer to it", ic.Ref())
			case ic.Text == "":
				return fmt.Errorf("comment on %s is empty", ic.Ref())
			case seen[ic.Ref()]:
				return fmt.Errorf("two comments on %s", ic.Ref())
			}
			seen[ic.Ref()] = true
		}
		return nil
	}
	return s.decide("reject", interview, supervisor, reviewRecorded{Decision: DecisionRejected, Note: comment, Items: items},
		check,
		func(rs *ReviewState, at time.Time) {
			rs.Decision, rs.By, rs.At, rs.Note = DecisionRejected, supervisor, at, comment
			rs.Rejections = append(rs.Rejections, Rejection{By: supervisor, At: at, Comment: comment, Items: items})
		})
}

// Flag marks an interview for attention with a note (required), or, with
// on false, takes the mark off (the note then says why, and may be empty).
// Any interview can be flagged, whatever its status.
func (s *Store) Flag(interview, supervisor, note string, on bool) error {
	note = strings.TrimSpace(note)
	d, what := DecisionFlagged, "flag"
	if !on {
		d, what = DecisionUnflagged, "unflag"
	}
	return s.decide(what, interview, supervisor, reviewRecorded{Decision: d, Note: note},
		func(_ *bolt.Tx, _ *InterviewRecord, rs *ReviewState) error {
			switch {
			case on && note == "":
				return errors.New("a flag needs a note saying why")
			case !on && !rs.Flagged:
				return fmt.Errorf("it is not flagged: %w", ErrTransition)
			}
			return nil
		},
		func(rs *ReviewState, at time.Time) {
			if on {
				rs.Flagged, rs.FlagNote, rs.FlagBy, rs.FlagAt = true, note, supervisor, at
			} else {
				rs.Flagged, rs.FlagNote, rs.FlagBy, rs.FlagAt = false, "", "", time.Time{}
			}
		})
}

// reopenTx reopens a returned interview for its interviewer at at and
// returns it as it now is.
func (s *Store) reopenTx(tx *bolt.Tx, interview, interviewer string, at time.Time) (*InterviewRecord, error) {
	r, err := s.interviewTx(tx, interview)
	if err != nil {
		return nil, err
	}
	rs, err := s.reviewStateTx(tx, interview)
	if err != nil {
		return nil, err
	}
	if st := ReviewStatus(*r, rs); st != InterviewRejected {
		return nil, fmt.Errorf("it is %s, and only a returned interview can be reopened: %w", st, ErrTransition)
	}
	if r.Interviewer != interviewer {
		return nil, fmt.Errorf("it was returned to %s, not %s: %w", r.Interviewer, interviewer, ErrTransition)
	}
	const note = "reopened after rejection"
	e, err := s.appendTx(tx, KindResumed, interviewer, at, interviewStep{Interview: interview, Note: note})
	if err != nil {
		return nil, err
	}
	if err := s.noteStatusTx(tx, r, e, note, InterviewActive); err != nil {
		return nil, err
	}
	r.Status = InterviewActive
	if err := s.putInterviewTx(tx, r); err != nil {
		return nil, err
	}
	rs.Decision, rs.By, rs.At, rs.Note = "", "", time.Time{}, ""
	rs.Rejections[len(rs.Rejections)-1].Reopened = e.At
	return r, s.putReviewStateTx(tx, interview, rs)
}

// ReviewState returns the review state of an interview (the zero state when
// it was never reviewed).
func (s *Store) ReviewState(interview string) (*ReviewState, error) {
	var rs *ReviewState
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := s.interviewTx(tx, interview); err != nil {
			return err
		}
		var err error
		rs, err = s.reviewStateTx(tx, interview)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read review of interview %s: %w", interview, err)
	}
	return rs, nil
}

// Returned is an interview a supervisor sent back, as its interviewer's
// console lists it.
type Returned struct {
	Interview   InterviewRecord `json:"interview"`
	ContactName string          `json:"contact_name"`
	Rejection   Rejection       `json:"rejection"`
}

// Returned lists the interviews returned to interviewer and not yet
// reopened, oldest rejection first.
func (s *Store) Returned(interviewer string) ([]Returned, error) {
	var out []Returned
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = s.returnedTx(tx, interviewer)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list interviews returned to %s: %w", interviewer, err)
	}
	return out, nil
}

// returnedTx is [Store.Returned] inside tx.
func (s *Store) returnedTx(tx *bolt.Tx, interviewer string) ([]Returned, error) {
	var out []Returned
	err := func() error {
		// The work index lists them (ivwork.go): only they are opened.
		rejected, err := s.workListTx(tx, 'r', interviewer)
		if err != nil {
			return err
		}
		for _, r := range rejected {
			rs, err := s.reviewStateTx(tx, r.ID)
			if err != nil {
				return err
			}
			if ReviewStatus(*r, rs) != InterviewRejected || len(rs.Rejections) == 0 {
				continue
			}
			ret := Returned{Interview: *r, Rejection: rs.Rejections[len(rs.Rejections)-1]}
			if cid, err := s.cidTx(tx, r.Survey, r.Contact); err == nil {
				if c, err := s.contactTx(tx, cid); err == nil {
					ret.ContactName = c.Name
				}
			}
			out = append(out, ret)
		}
		return nil
	}()
	slices.SortFunc(out, func(a, b Returned) int { return a.Rejection.At.Compare(b.Rejection.At) })
	return out, err
}
