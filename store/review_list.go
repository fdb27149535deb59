package store

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// ReviewRow is one interview in the supervisor's list: its record, the
// status a supervisor sees, its review state and what the filters need.
type ReviewRow struct {
	Interview InterviewRecord `json:"interview"`
	// Status is [ReviewStatus] of the interview.
	Status      string      `json:"status"`
	Review      ReviewState `json:"review"`
	ContactName string      `json:"contact_name,omitempty"`
	// Answers counts the answers given, changes included; Overrides the
	// answers that went on past a soft check; Notes the interviewer's
	// notes on questions.
	Answers   int `json:"answers"`
	Overrides int `json:"overrides"`
	Notes     int `json:"notes"`
}

// Duration is how long a finished interview took from consent to its
// (latest) completion; zero when it has not been completed.
func (r ReviewRow) Duration() time.Duration {
	if r.Interview.Ended.IsZero() || r.Interview.Status == InterviewRefused {
		return 0
	}
	return r.Interview.Ended.Sub(r.Interview.Started)
}

// ReviewList lists every interview of survey ("" for all) for review,
// ordered by start time, in one read transaction.
func (s *Store) ReviewList(survey string) ([]ReviewRow, error) {
	var out []ReviewRow
	err := s.db.View(func(tx *bolt.Tx) error {
		pos := map[string]int{}
		err := tx.Bucket(bInterviews).ForEach(func(k, v []byte) error {
			var r InterviewRecord
			if err := s.openJSON(v, &r); err != nil {
				return fmt.Errorf("decode interview %s: %w", k, err)
			}
			if survey != "" && r.Survey != survey {
				return nil
			}
			rs, err := s.reviewStateTx(tx, r.ID)
			if err != nil {
				return err
			}
			row := ReviewRow{Interview: r, Status: ReviewStatus(r, rs), Review: *rs}
			if cid, err := s.cidTx(tx, r.Survey, r.Contact); err == nil {
				if c, err := s.contactTx(tx, cid); err == nil {
					row.ContactName = c.Name
				}
			}
			pos[r.ID] = len(out)
			out = append(out, row)
			return nil
		})
		if err != nil {
			return err
		}
		// Answers and notes are keyed interview id ‖ 0 ‖ seq: one pass
		// over each bucket counts them for every interview.
		count := func(bucket []byte, fn func(row *ReviewRow, v []byte) error) error {
			b := tx.Bucket(bucket)
			if b == nil {
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				i := bytes.IndexByte(k, 0)
				if i < 0 {
					return nil
				}
				p, ok := pos[string(k[:i])]
				if !ok {
					return nil
				}
				return fn(&out[p], v)
			})
		}
		// An answer's JSON has an "override" key only when there was an
		// override (omitempty): looking for it spares decoding every
		// answer of every interview.
		overrideKey := []byte(`"override":`)
		err = count(bAnswers, func(row *ReviewRow, v []byte) error {
			plain, err := s.codec.Open(v)
			if err != nil {
				return fmt.Errorf("open answer of %s: %w", row.Interview.ID, err)
			}
			row.Answers++
			if bytes.Contains(plain, overrideKey) {
				row.Overrides++
			}
			return nil
		})
		if err != nil {
			return err
		}
		return count(bINotes, func(row *ReviewRow, _ []byte) error {
			row.Notes++
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list interviews for review: %w", err)
	}
	slices.SortStableFunc(out, func(a, b ReviewRow) int {
		if c := a.Interview.Started.Compare(b.Interview.Started); c != 0 {
			return c
		}
		return bytes.Compare([]byte(a.Interview.ID), []byte(b.Interview.ID))
	})
	return out, nil
}

// ReviewDetail is everything a supervisor reviews of one interview: what
// [Store.Interview] returns, the status and review state, the notes on
// questions, and the contact with the notes of its calls. The contact's
// personal data is here because the supervisor is the client's staff; it
// is never exported from here.
type ReviewDetail struct {
	InterviewReview
	Status    string               `json:"status"`
	Review    ReviewState          `json:"review"`
	Notes     []Note               `json:"notes,omitempty"`
	Contact   *model.Contact       `json:"contact,omitempty"`
	CallNotes map[time.Time]string `json:"call_notes,omitempty"`
}

// ReviewOf returns everything a supervisor reviews of interview id, read
// in one transaction.
func (s *Store) ReviewOf(id string) (*ReviewDetail, error) {
	var d *ReviewDetail
	err := s.db.View(func(tx *bolt.Tx) error {
		iv, err := s.interviewReviewTx(tx, id)
		if err != nil {
			return err
		}
		d = &ReviewDetail{InterviewReview: *iv}
		rs, err := s.reviewStateTx(tx, id)
		if err != nil {
			return err
		}
		d.Review, d.Status = *rs, ReviewStatus(iv.Interview, rs)
		if d.Notes, err = s.notesTx(tx, id); err != nil {
			return err
		}
		cid, err := s.cidTx(tx, iv.Interview.Survey, iv.Interview.Contact)
		if err != nil {
			return err
		}
		if d.Contact, err = s.contactTx(tx, cid); err != nil {
			return err
		}
		d.CallNotes, err = s.callNotesTx(tx, cid)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("review interview %s: %w", id, err)
	}
	return d, nil
}
