package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The store's primitives from before the intents (issue 12): each one step
// of what a person does, in a transaction of its own. No command or screen
// uses them any more (an interviewer's or supervisor's action is one intent
// and one transaction, intents.go); tests keep them to build histories and
// to check that the intents and the steps they replaced agree.

// Suspend pauses an active interview; it keeps its answers and state.
func (s *Store) Suspend(interview, actor, note string) error {
	return s.setStatus(interview, actor, note, KindSuspended, InterviewSuspended, InterviewActive)
}

// Resume reopens a suspended interview and returns its last saved engine
// state, so that the engine continues exactly where it stopped.
func (s *Store) Resume(interview, actor string) ([]byte, error) {
	if err := s.setStatus(interview, actor, "", KindResumed, InterviewActive, InterviewSuspended, InterviewActive); err != nil {
		return nil, err
	}
	var state []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bIState).Get([]byte(interview))
		if v == nil {
			return nil
		}
		var err error
		state, err = s.codec.Open(v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("resume interview %s: %w", interview, err)
	}
	return state, nil
}

// Complete closes an interview as complete; no answer can be added after.
func (s *Store) Complete(interview, actor string) error {
	return s.setStatus(interview, actor, "", KindCompleted, InterviewCompleted, InterviewActive)
}

// Review records a supervisor's decision on an interview ("approved",
// "returned", ...) with a note. The interview itself does not change.
func (s *Store) Review(interview, actor, decision, note string) error {
	err := s.update(func(tx *bolt.Tx) error {
		if _, err := s.interviewTx(tx, interview); err != nil {
			return err
		}
		e, err := s.appendTx(tx, KindReview, actor, s.now(), reviewDecision{Interview: interview, Decision: decision, Note: note})
		if err != nil {
			return err
		}
		return s.noteReviewTx(tx, interview, e, decision, note)
	})
	if err != nil {
		return fmt.Errorf("review interview %s: %w", interview, err)
	}
	return nil
}

// setStatus moves an interview from one of the statuses in from to to, with
// an event of kind.
func (s *Store) setStatus(interview, actor, note, kind, to string, from ...string) error {
	err := s.update(func(tx *bolt.Tx) error {
		r, err := s.interviewTx(tx, interview)
		if err != nil {
			return err
		}
		ok := false
		for _, f := range from {
			ok = ok || r.Status == f
		}
		if !ok {
			return fmt.Errorf("it is %s: %w", r.Status, ErrClosed)
		}
		e, err := s.appendTx(tx, kind, actor, s.now(), interviewStep{Interview: interview, Note: note})
		if err != nil {
			return err
		}
		if err := s.noteStatusTx(tx, r, e, note, to); err != nil {
			return err
		}
		r.Status = to
		if to == InterviewCompleted {
			r.Ended = e.At
		}
		return s.putInterviewTx(tx, r)
	})
	if err != nil {
		return fmt.Errorf("%s interview %s: %w", kind, interview, err)
	}
	return nil
}

// AddCallNote keeps the note of a call recorded at at (the Call.At given to
// RecordCall), so that the contact card can show it beside the outcome.
func (s *Store) AddCallNote(survey, id string, at time.Time, note, actor string) error {
	err := s.update(func(tx *bolt.Tx) error {
		cid, err := s.cidTx(tx, survey, id)
		if err != nil {
			return err
		}
		if _, err := s.appendTx(tx, KindCallNote, actor, s.now(), callNoteAdded{CID: cid, Survey: survey, ID: id, At: at.UTC()}); err != nil {
			return err
		}
		return s.putCallNoteTx(tx, cid, at, note)
	})
	if err != nil {
		return fmt.Errorf("add call note to %s/%s: %w", survey, id, err)
	}
	return nil
}

// Next draws the next contact of survey for an interviewer: the first in
// queue order that is due, whose import has finished, that no one holds,
// whose phones and email are not on the opt-out list at this moment, and
// that the rules allow. It reserves the contact with a lease and records the
// presentation, all in one transaction.
func (s *Store) Next(survey string, o DrawOptions) (*Presentation, error) {
	return s.draw(survey, o, nil)
}

// Reopen is the interviewer taking back an interview a supervisor
// returned: it becomes active again (answers can be changed, each change
// an answer-change event) and its last saved engine state is returned.
// Only the interview's own interviewer can reopen it. Completing it again
// ([Store.Complete]) puts it back up for review.
func (s *Store) Reopen(interview, interviewer string) ([]byte, error) {
	var state []byte
	err := s.update(func(tx *bolt.Tx) error {
		if _, err := s.reopenTx(tx, interview, interviewer, s.now()); err != nil {
			return err
		}
		var err error
		if v := tx.Bucket(bIState).Get([]byte(interview)); v != nil {
			if state, err = s.codec.Open(v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reopen interview %s: %w", interview, err)
	}
	return state, nil
}
