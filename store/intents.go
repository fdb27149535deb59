package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"canvass/model"
	"canvass/model/calling"

	bolt "go.etcd.io/bbolt"
)

// # Intents
//
// Each thing an interviewer does at the console is one method here: one
// write transaction holding every event of that intent and every
// projection they change, so that a crash leaves all of it or none. The
// console calls these and never composes several commits:
//
//	Present           draw the next contact, with what the call screen shows
//	RecordCall        a call outcome, with its note (and appointment)
//	DeclineConsent    the consent refused: the refusal, its call, and the opt-out if asked
//	StartInterview    the consent given: the interview begins
//	SaveAnswer        one accepted answer with the engine's state after it
//	AddNote           a note on a question
//	OptOutContact     the person asks not to be contacted: every number and the email, the open interview ended, the call
//	SuspendInterview  pause, with the appointment's call when one is made
//	FinishInterview   the interview complete, and its call
//	ResumeInterview   take up a suspended interview again
//	ReopenInterview   take back an interview a supervisor returned
//	Home              what the interviewer's home screen lists (read only)
//
// The supervisor's intents (Approve, Reject, Flag, ReviewOf) are in
// review.go.

// ErrOptedOut is returned when an interview cannot be taken up because
// its person is on the opt-out list; the interview has been ended.
var ErrOptedOut = errors.New("the person is on the opt-out list")

// ErrHeld is returned when another interviewer holds the contact.
var ErrHeld = errors.New("another interviewer has this contact")

// defaultLease is how long a presented contact is reserved.
const defaultLease = 30 * time.Minute

// Present draws the next contact of survey for an interviewer, as [Store.Next]
// does, under the survey's own calling rules (o.Rules overrides them; a
// store loaded with a study that ignores calling hours presents every due
// contact), and returns with it, read in the same transaction, everything
// the call screen shows: the questionnaire, the notes of earlier calls and
// the contact's unfinished interview in the survey, if any.
func (s *Store) Present(survey string, o DrawOptions) (*Presentation, error) {
	if o.Rules == nil {
		r, err := s.surveyRules(survey, o.Interviewer)
		if err != nil {
			return nil, fmt.Errorf("draw next contact of %s: %w", survey, err)
		}
		o.Rules = r
	}
	return s.draw(survey, o, func(tx *bolt.Tx, d *drawn) error {
		p := d.p
		var err error
		if p.Open, err = s.openInterviewTx(tx, survey, d.cid); err != nil {
			return err
		}
		rev := uint32(0)
		if p.Open != nil {
			rev = p.Open.Revision
		}
		if p.Questionnaire, err = s.questionnaireTx(tx, survey, rev); err != nil {
			return err
		}
		if p.Open == nil {
			if p.LastSaved, err = s.lastSavedTx(tx, p.Questionnaire, o.Interviewer, ""); err != nil {
				return err
			}
		}
		p.CallNotes, err = s.callNotesTx(tx, d.cid)
		p.AnyHour = anyHourTx(tx)
		return err
	})
}

// surveyRules are the calling rules a draw of survey by drawer follows:
// nil (every due contact) in a store whose study ignores calling hours.
func (s *Store) surveyRules(survey, drawer string) (Rules, error) {
	var r Rules
	err := s.db.View(func(tx *bolt.Tx) error {
		if anyHourTx(tx) {
			return nil
		}
		q, err := s.questionnaireTx(tx, survey, 0)
		if err != nil {
			return err
		}
		if q.RulesErr != nil {
			return fmt.Errorf("survey %s presents nobody until its calling rules are fixed: %w", survey, q.RulesErr)
		}
		r = NewCallingRules(q.Rules, drawer)
		return nil
	})
	return r, err
}

// kAnyHour marks a store whose study ignores calling hours (the demo):
// its contacts are presented whenever they are due, whichever console
// opens it.
var kAnyHour = []byte("anyhour")

func anyHourTx(tx *bolt.Tx) bool { return tx.Bucket(bMeta).Get(kAnyHour) != nil }

// openInterviewTx is the contact's interview in survey that was started
// and not finished (active or suspended), or nil.
func (s *Store) openInterviewTx(tx *bolt.Tx, survey string, cid uint64) (*InterviewRecord, error) {
	id := tx.Bucket(bIByContact).Get(append(idPrefix(survey), u64(cid)...))
	if id == nil {
		return nil, nil
	}
	r, err := s.interviewTx(tx, string(id))
	if err != nil {
		return nil, err
	}
	if r.Status != InterviewActive && r.Status != InterviewSuspended {
		return nil, nil
	}
	return r, nil
}

// Decline is a consent refused at the consent question.
type Decline struct {
	// Consent is the consent as read, with Agreed false.
	Consent model.Consent
	// OptOut puts the person on the opt-out list as well: they asked not
	// to be contacted again.
	OptOut bool
}

// DeclineConsent records a refused consent: the refusal (an interview
// closed at once, so the person is not asked again in this survey), the
// call as a hard refusal with the note "declined consent", and, when the
// person asked for it, the opt-out of every number and the email. It
// returns the closed interview's id.
func (s *Store) DeclineConsent(d Decline) (string, error) {
	c := d.Consent
	if c.Agreed {
		return "", errors.New("decline consent: the consent says yes")
	}
	if c.At.IsZero() {
		c.At = s.now()
	}
	var id string
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		var cid uint64
		if id, cid, err = s.startInterviewTx(tx, c); err != nil {
			return err
		}
		if d.OptOut {
			if err := s.optOutContactTx(tx, cid, "declined consent and asked not to be contacted", c.Interviewer, c.At); err != nil {
				return err
			}
		}
		q, err := s.questionnaireTx(tx, c.Survey, 0)
		if err != nil {
			return err
		}
		return s.recordCallTx(tx, cid, c.Survey, c.Contact, Call{Outcome: q.Outcome("hard_refusal"),
			Interviewer: c.Interviewer, At: c.At, Note: "declined consent"})
	})
	if err != nil {
		return "", fmt.Errorf("record refused consent of %s in %s: %w", c.Contact, c.Survey, err)
	}
	return id, nil
}

// ContactOptOut is a person asking, on the phone, not to be contacted
// again.
type ContactOptOut struct {
	Survey, Contact string
	Actor           string
	At              time.Time
	// Outcome is the call's outcome code; "" records the survey's
	// break-off when the contact has an interview open, else its hard
	// refusal.
	Outcome string
	// Reason is kept with each value on the list; Note with the call.
	Reason, Note string
}

// OptOutContact is what an opt-out on the phone does, in one transaction:
// every phone number and the email of the contact go on the opt-out list
// (each an event, as [Store.AddOptOut] records it), which takes every
// contact they reach, in every survey, out of the queue and ends their
// unfinished interviews (kept, never resumed: see [InterviewBrokenOff]);
// then the call is recorded with its note.
func (s *Store) OptOutContact(o ContactOptOut) error {
	if o.At.IsZero() {
		o.At = s.now()
	}
	err := s.update(func(tx *bolt.Tx) error {
		cid, err := s.cidTx(tx, o.Survey, o.Contact)
		if err != nil {
			return err
		}
		open, err := s.openInterviewTx(tx, o.Survey, cid)
		if err != nil {
			return err
		}
		q, err := s.questionnaireTx(tx, o.Survey, 0)
		if err != nil {
			return err
		}
		code := o.Outcome
		switch {
		case code != "":
		case open != nil:
			code = "break_off"
		default:
			code = "hard_refusal"
		}
		if err := s.optOutContactTx(tx, cid, o.Reason, o.Actor, o.At); err != nil {
			return err
		}
		return s.recordCallTx(tx, cid, o.Survey, o.Contact, Call{Outcome: q.Outcome(code), Interviewer: o.Actor, At: o.At, Note: o.Note})
	})
	if err != nil {
		return fmt.Errorf("opt out %s of %s: %w", o.Contact, o.Survey, err)
	}
	return nil
}

// optOutContactTx puts every phone and the email of contact cid on the
// opt-out list, with the effects of [Store.AddOptOut] for each, and makes
// sure the contact itself is out of the queue and its open interview
// ended even when every value was on the list already.
func (s *Store) optOutContactTx(tx *bolt.Tx, cid uint64, reason, actor string, at time.Time) error {
	c, err := s.contactTx(tx, cid)
	if err != nil {
		return err
	}
	values := append([]string(nil), c.Phones...)
	if c.Email != "" {
		values = append(values, c.Email)
	}
	if len(values) == 0 {
		return errors.New("the contact has no phone or email to put on the list")
	}
	var seq uint64
	for _, v := range values {
		_, n, err := s.addOptOutTx(tx, model.OptOutKey(v), v, reason, actor, at)
		if err != nil {
			return err
		}
		if seq == 0 {
			seq = n
		}
	}
	if _, _, err := s.suppressContactTx(tx, cid, seq, actor, at); err != nil {
		return err
	}
	return nil
}

// endInterviewTx ends an unfinished interview because its person opted
// out (event seq): it is broken off, with every answer kept. An interview
// reopened after a supervisor's rejection was complete before: it is
// closed as complete again instead, as it stands.
func (s *Store) endInterviewTx(tx *bolt.Tx, r *InterviewRecord, seq uint64, actor string, at time.Time) error {
	rs, err := s.reviewStateTx(tx, r.ID)
	if err != nil {
		return err
	}
	kind, to, note := KindBrokenOff, InterviewBrokenOff, "the person opted out"
	if len(rs.Rejections) > 0 {
		kind, to, note = KindCompleted, InterviewCompleted, "closed as it stood: the person opted out"
	}
	e, err := s.appendTx(tx, kind, actor, at, interviewStep{Interview: r.ID, Note: note, OptOut: seq})
	if err != nil {
		return err
	}
	if err := s.noteStatusTx(tx, r, e, note, to); err != nil {
		return err
	}
	r.Status, r.Ended = to, e.At
	return s.putInterviewTx(tx, r)
}

// Suspension is an interview paused by its interviewer.
type Suspension struct {
	Actor string
	At    time.Time
	// Reason is kept with the suspension ("appointment", "quit").
	Reason string
	// Appointment, when set, is when to call back: the call is recorded
	// with the survey's appointment outcome.
	Appointment time.Time
	// Outcome, when set, is how the call that took the interview up
	// again went when the person could not go on (no answer, call back
	// later, ...): the call is recorded with it, its Appointment and
	// Note, in the same step.
	Outcome string
	Note    string
	// Release ends the contact's lease without a call, so that the
	// contact may be drawn again (by anyone) when due: for an interviewer
	// who went away (a dropped connection, the call room closing).
	Release bool
}

// checkAppointment refuses an appointment canvass cannot keep (before
// 1678 or after 2262: its queue keys would overflow); none is fine.
func checkAppointment(at time.Time) error {
	if at.IsZero() {
		return nil
	}
	if err := calling.CheckInstant(at); err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	return nil
}

// SuspendInterview pauses an active interview, keeping its answers and
// state, and records the appointment's call when one was made.
func (s *Store) SuspendInterview(interview string, sp Suspension) error {
	if sp.At.IsZero() {
		sp.At = s.now()
	}
	if err := checkAppointment(sp.Appointment); err != nil {
		return fmt.Errorf("suspend interview %s: %w", interview, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		r, err := s.stepTx(tx, interview, sp.Actor, sp.Reason, sp.At, KindSuspended, InterviewSuspended, sp.Release, InterviewActive)
		if err != nil {
			return err
		}
		if sp.Release {
			cid, err := s.cidTx(tx, r.Survey, r.Contact)
			if err != nil {
				return err
			}
			s.leases.forget(cid)
			if err := tx.Bucket(bLeases).Delete(u64(cid)); err != nil {
				return err
			}
		}
		switch {
		case sp.Outcome != "":
			return s.interviewCallTx(tx, r, sp.Outcome, sp.Actor, sp.At, sp.Appointment, sp.Note)
		case sp.Appointment.IsZero():
			return nil
		}
		return s.interviewCallTx(tx, r, "appointment", sp.Actor, sp.At, sp.Appointment, "")
	})
	if err != nil {
		return fmt.Errorf("suspend interview %s: %w", interview, err)
	}
	return nil
}

// FinishInterview closes an active interview as complete (no answer can
// be added after) and records the call as complete. An interview
// completed again after a rejection goes back up for review.
func (s *Store) FinishInterview(interview, actor string, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	err := s.update(func(tx *bolt.Tx) error {
		r, err := s.stepTx(tx, interview, actor, "", at, KindCompleted, InterviewCompleted, false, InterviewActive)
		if err != nil {
			return err
		}
		return s.interviewCallTx(tx, r, "complete", actor, at, time.Time{}, "")
	})
	if err != nil {
		return fmt.Errorf("complete interview %s: %w", interview, err)
	}
	return nil
}

// stepTx moves an interview from one of the statuses in from to to, with
// an event of kind, and returns it as it now is.
func (s *Store) stepTx(tx *bolt.Tx, interview, actor, note string, at time.Time, kind, to string, release bool, from ...string) (*InterviewRecord, error) {
	r, err := s.interviewTx(tx, interview)
	if err != nil {
		return nil, err
	}
	ok := false
	for _, f := range from {
		ok = ok || r.Status == f
	}
	if !ok {
		return nil, fmt.Errorf("it is %s: %w", r.Status, ErrClosed)
	}
	e, err := s.appendTx(tx, kind, actor, at, interviewStep{Interview: interview, Note: note, Release: release})
	if err != nil {
		return nil, err
	}
	if err := s.noteStatusTx(tx, r, e, note, to); err != nil {
		return nil, err
	}
	r.Status = to
	if to == InterviewCompleted {
		r.Ended = e.At
	}
	return r, s.putInterviewTx(tx, r)
}

// interviewCallTx records the call of an interview's contact with the
// outcome code of the interview's questionnaire.
func (s *Store) interviewCallTx(tx *bolt.Tx, r *InterviewRecord, code, actor string, at, appointment time.Time, note string) error {
	q, err := s.questionnaireTx(tx, r.Survey, r.Revision)
	if err != nil {
		return err
	}
	cid, err := s.cidTx(tx, r.Survey, r.Contact)
	if err != nil {
		return err
	}
	return s.recordCallTx(tx, cid, r.Survey, r.Contact, Call{Outcome: q.Outcome(code), Interviewer: actor, At: at, Appointment: appointment, Note: note})
}

// Resumption is an interview taken up again, with everything the console
// needs to go on with it, read in the same transaction.
type Resumption struct {
	Interview InterviewRecord
	// State is the engine's state saved with the last answer; empty when
	// no answer was saved yet (consent given, then the interview stopped):
	// the questionnaire then starts from its beginning.
	State []byte
	// Questionnaire is the revision the interview started on.
	Questionnaire *Questionnaire
	Contact       model.Contact
	ContactState  ContactState
	CallNotes     map[time.Time]string
	// Rejection is the supervisor's rejection the interview is being
	// corrected for, or nil.
	Rejection *Rejection
	// AnyHour is Presentation.AnyHour: the store ignores calling hours.
	AnyHour bool
}

// ResumeInterview takes up a suspended interview again (or one a crash
// left active) for interviewer at now: the contact is leased to them, as
// a draw would, so that nobody else is given it meanwhile. When the person
// has opted out since, the interview is ended instead, and the error
// wraps [ErrOptedOut]; when another interviewer holds the contact, it
// wraps [ErrHeld].
func (s *Store) ResumeInterview(interview, interviewer string, now time.Time) (*Resumption, error) {
	if now.IsZero() {
		now = s.now()
	}
	var res *Resumption
	ended := false
	err := s.update(func(tx *bolt.Tx) error {
		r, err := s.interviewTx(tx, interview)
		if err != nil {
			return err
		}
		if r.Status != InterviewSuspended && r.Status != InterviewActive {
			return fmt.Errorf("it is %s: %w", r.Status, ErrClosed)
		}
		cid, err := s.cidTx(tx, r.Survey, r.Contact)
		if err != nil {
			return err
		}
		c, err := s.contactTx(tx, cid)
		if err != nil {
			return err
		}
		if seq := s.optedOutTx(tx, c); seq != 0 {
			// The opt-out's own event should have ended it; this gate
			// holds even if it did not.
			ended = true
			st, done, err := s.suppressContactTx(tx, cid, seq, interviewer, now)
			if err != nil || !done {
				return err
			}
			_, err = s.appendTx(tx, KindSuppressed, interviewer, now, suppressedAtDraw{CID: cid, Survey: st.Survey, ID: st.ID, OptOut: seq})
			return err
		}
		st, err := s.stateTx(tx, cid)
		if err != nil {
			return err
		}
		if leased(st, now) && st.LeasedBy != interviewer {
			return fmt.Errorf("%s is with %s until %s: %w", r.Contact, st.LeasedBy, st.LeaseUntil.Format(time.Kitchen), ErrHeld)
		}
		until := now.Add(defaultLease).UTC()
		if err := s.leaseTx(tx, cid, st, interviewer, now, until); err != nil {
			return err
		}
		if r, err = s.stepTx(tx, interview, interviewer, "", now, KindResumed, InterviewActive, false, InterviewSuspended, InterviewActive); err != nil {
			return err
		}
		res, err = s.resumptionTx(tx, r, cid, c)
		return err
	})
	if err == nil && ended {
		err = ErrOptedOut
	}
	if err != nil {
		return nil, fmt.Errorf("resume interview %s: %w", interview, err)
	}
	return res, nil
}

// leaseTx leases contact cid (state st) to interviewer until until, with
// the presentation event a draw writes.
func (s *Store) leaseTx(tx *bolt.Tx, cid uint64, st *ContactState, interviewer string, now, until time.Time) error {
	if err := putLeaseTx(tx, cid, interviewer, until); err != nil {
		return err
	}
	_, err := s.appendTx(tx, KindPresented, interviewer, now, presented{
		CID: cid, Survey: st.Survey, ID: st.ID, Interviewer: interviewer, LeaseUntil: until})
	return err
}

// resumptionTx reads what the console needs to go on with interview r of
// contact cid.
func (s *Store) resumptionTx(tx *bolt.Tx, r *InterviewRecord, cid uint64, c *model.Contact) (*Resumption, error) {
	res := &Resumption{Interview: *r, Contact: *c, AnyHour: anyHourTx(tx)}
	var err error
	if res.Questionnaire, err = s.questionnaireTx(tx, r.Survey, r.Revision); err != nil {
		return nil, err
	}
	st, err := s.stateTx(tx, cid)
	if err != nil {
		return nil, err
	}
	res.ContactState = *st
	if v := tx.Bucket(bIState).Get([]byte(r.ID)); v != nil {
		if res.State, err = s.codec.Open(v); err != nil {
			return nil, err
		}
	}
	if res.CallNotes, err = s.callNotesTx(tx, cid); err != nil {
		return nil, err
	}
	rs, err := s.reviewStateTx(tx, r.ID)
	if err != nil {
		return nil, err
	}
	res.Rejection = rs.Open(r.Status)
	return res, nil
}

// ReopenInterview is the interviewer taking back an interview a
// supervisor returned (see [Store.Reopen]), with what the console needs to
// correct it.
func (s *Store) ReopenInterview(interview, interviewer string, now time.Time) (*Resumption, error) {
	if now.IsZero() {
		now = s.now()
	}
	var res *Resumption
	err := s.update(func(tx *bolt.Tx) error {
		r, err := s.reopenTx(tx, interview, interviewer, now)
		if err != nil {
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
		res, err = s.resumptionTx(tx, r, cid, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reopen interview %s: %w", interview, err)
	}
	return res, nil
}

// optedOutTx is the event that put one of the contact's phones or its
// email on the opt-out list, or 0.
func (s *Store) optedOutTx(tx *bolt.Tx, c *model.Contact) uint64 {
	b := tx.Bucket(bOptOut)
	for _, key := range s.contactKeys(c) {
		if v := b.Get(key[:]); len(v) >= 8 {
			return binary.BigEndian.Uint64(v)
		}
	}
	return 0
}

// Home is what the interviewer's home screen lists.
type Home struct {
	Surveys []HomeSurvey `json:"surveys"`
	// Resume are the interviewer's unfinished interviews, by survey and
	// oldest first.
	Resume []HomeInterview `json:"resume,omitempty"`
	// Appointments are those due within a day, made by the interviewer
	// or by nobody in particular, earliest first.
	Appointments []Appointment `json:"appointments,omitempty"`
	// Returned are the interviews a supervisor sent back to the
	// interviewer, oldest rejection first.
	Returned []Returned `json:"returned,omitempty"`
}

// HomeSurvey is one survey on the home screen, with its progress.
type HomeSurvey struct {
	Info SurveyInfo `json:"info"`
	// Completed and Refused count every interviewer's interviews; Mine
	// the interviewer's completes; Open the unfinished interviews.
	Completed, Mine, Open, Refused int
	// Sample counts the contacts imported (abandoned imports left out):
	// with none, there is nobody to call yet.
	Sample int `json:"sample"`
}

// HomeInterview is an unfinished interview to resume.
type HomeInterview struct {
	Interview   InterviewRecord `json:"interview"`
	ContactName string          `json:"contact_name,omitempty"`
}

// homeAppointmentsPerSurvey bounds the appointments listed per survey.
const homeAppointmentsPerSurvey = 20

// Home reads, in one read transaction, what interviewer who's home screen
// lists at now.
func (s *Store) Home(who string, now time.Time) (*Home, error) {
	if now.IsZero() {
		now = s.now()
	}
	h := &Home{}
	err := s.db.View(func(tx *bolt.Tx) error {
		infos, err := surveysTx(tx)
		if err != nil {
			return err
		}
		pos := map[string]int{}
		for i, in := range infos {
			pos[in.ID] = i
			h.Surveys = append(h.Surveys, HomeSurvey{Info: in})
		}
		err = tx.Bucket(bImports).ForEach(func(k, v []byte) error {
			var r ImportRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode import %x: %w", k, err)
			}
			if i, ok := pos[r.Survey]; ok && r.Status != ImportAbandoned {
				h.Surveys[i].Sample += r.Counts.Imported
			}
			return nil
		})
		if err != nil {
			return err
		}
		// The counts and the interviewer's open interviews are the work
		// index's (ivwork.go): only the interviews listed are opened.
		for i := range h.Surveys {
			row := &h.Surveys[i]
			c := s.workCountsTx(tx, row.Info.ID, who)
			row.Completed, row.Mine, row.Open, row.Refused = c.completed, c.mine, c.open, c.refused
		}
		open, err := s.workListTx(tx, 'o', who)
		if err != nil {
			return err
		}
		for _, r := range open {
			if _, ok := pos[r.Survey]; !ok {
				continue
			}
			hi := HomeInterview{Interview: *r}
			if cid, err := s.cidTx(tx, r.Survey, r.Contact); err == nil {
				if c, err := s.contactTx(tx, cid); err == nil {
					hi.ContactName = c.Name
				}
			}
			h.Resume = append(h.Resume, hi)
		}
		// By survey, then oldest first (ids grow with the log).
		slices.SortStableFunc(h.Resume, func(a, b HomeInterview) int { return pos[a.Interview.Survey] - pos[b.Interview.Survey] })
		for _, in := range infos {
			as, err := s.appointmentsTx(tx, in.ID, now.Add(24*time.Hour), homeAppointmentsPerSurvey)
			if err != nil {
				return err
			}
			for _, a := range as {
				if a.By == "" || a.By == who {
					h.Appointments = append(h.Appointments, a)
				}
			}
		}
		h.Returned, err = s.returnedTx(tx, who)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read the home screen of %s: %w", who, err)
	}
	return h, nil
}
