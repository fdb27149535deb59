package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// What the interviewer console needs beyond the rest of the store: the
// interviewer last signed in on this machine, notes on questions and on
// calls, the appointments due, and loading a whole study (the demo).
//
// Its buckets (created at open since schema 6; see the package doc):
//
//	console:   "interviewer" => sealed InterviewerRecord JSON (this machine only; no event)
//	inotes:    interview id ‖ 0 ‖ seq(8) => sealed Note JSON
//	callnotes: cid(8) ‖ at(8) => sealed note text

// Event kinds of the console.
const (
	KindNote     = "interview.note" // noteAdded
	KindCallNote = "contact.note"   // callNoteAdded
)

var (
	bConsole   = []byte("console")
	bINotes    = []byte("inotes")
	bCallNotes = []byte("callnotes")

	kInterviewer = []byte("interviewer")
	kSupervisor  = []byte("supervisor")
)

// InterviewerRecord is the interviewer (or supervisor) last signed in on
// this machine.
type InterviewerRecord struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SetInterviewer remembers who signed in on this machine, so that the next
// sign-in is prefilled. It is machine-local state, not an event: it says
// nothing about the interviews.
func (s *Store) SetInterviewer(id, name string) error {
	return s.remember(kInterviewer, "interviewer", id, name)
}

// LastInterviewer returns the interviewer last signed in on this machine,
// or the zero record when nobody has signed in yet.
func (s *Store) LastInterviewer() (InterviewerRecord, error) {
	return s.remembered(kInterviewer, "interviewer")
}

// SetSupervisor remembers who last signed in to the supervisor console on
// this machine. It is kept apart from the interviewer, so that a supervisor
// reviewing on an interviewer's laptop is not offered as its interviewer.
func (s *Store) SetSupervisor(id, name string) error {
	return s.remember(kSupervisor, "supervisor", id, name)
}

// LastSupervisor returns the supervisor last signed in on this machine, or
// the zero record.
func (s *Store) LastSupervisor() (InterviewerRecord, error) {
	return s.remembered(kSupervisor, "supervisor")
}

// remember keeps who signed in as role under key of the console bucket.
func (s *Store) remember(key []byte, role, id, name string) error {
	if err := validID(role, id); err != nil {
		return fmt.Errorf("remember %s: %w", role, err)
	}
	// The name is personal data: sealed like every other (schema 4).
	v, err := s.sealJSON(InterviewerRecord{ID: id, Name: name})
	if err != nil {
		return fmt.Errorf("remember %s %s: %w", role, id, err)
	}
	err = s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bConsole)
		if err != nil {
			return err
		}
		return b.Put(key, v)
	})
	if err != nil {
		return fmt.Errorf("remember %s %s: %w", role, id, err)
	}
	return nil
}

// remembered reads what remember kept under key, or the zero record.
func (s *Store) remembered(key []byte, role string) (InterviewerRecord, error) {
	var r InterviewerRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bConsole)
		if b == nil {
			return nil
		}
		v := b.Get(key)
		if v == nil {
			return nil
		}
		return s.openJSON(v, &r)
	})
	if err != nil {
		return InterviewerRecord{}, fmt.Errorf("read last %s: %w", role, err)
	}
	return r, nil
}

// Note is an interviewer's note on a question of an interview: not an
// answer, but kept with it for the supervisor.
type Note struct {
	Item string    `json:"item"`
	Path []int     `json:"path,omitempty"`
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

type noteAdded struct {
	Interview string `json:"interview"`
	Note      Note   `json:"note"`
}

// AddNote records a note on a question of an interview. An empty text
// records that the note was cleared.
func (s *Store) AddNote(interview string, n Note) error {
	if n.At.IsZero() {
		n.At = s.now()
	}
	n.At = n.At.UTC()
	err := s.update(func(tx *bolt.Tx) error {
		if _, err := s.interviewTx(tx, interview); err != nil {
			return err
		}
		e, err := s.appendTx(tx, KindNote, n.By, n.At, noteAdded{Interview: interview, Note: n})
		if err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bINotes)
		if err != nil {
			return err
		}
		v, err := s.sealJSON(n)
		if err != nil {
			return err
		}
		return b.Put(append(idPrefix(interview), u64(e.Seq)...), v)
	})
	if err != nil {
		return fmt.Errorf("add note on %s to interview %s: %w", n.Item, interview, err)
	}
	return nil
}

// Notes returns the notes of an interview in the order they were written;
// a later note on the same question replaces the earlier one.
func (s *Store) Notes(interview string) ([]Note, error) {
	var out []Note
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = s.notesTx(tx, interview)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read notes of interview %s: %w", interview, err)
	}
	return out, nil
}

// notesTx is [Store.Notes] inside tx.
func (s *Store) notesTx(tx *bolt.Tx, interview string) ([]Note, error) {
	var out []Note
	b := tx.Bucket(bINotes)
	if b == nil {
		return nil, nil
	}
	p := idPrefix(interview)
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		var n Note
		if err := s.openJSON(v, &n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

type callNoteAdded struct {
	CID    uint64    `json:"cid"`
	Survey string    `json:"survey"`
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
}

// CallNotes returns the notes of a contact's calls by the call's time
// (UTC).
func (s *Store) CallNotes(survey, id string) (map[time.Time]string, error) {
	var out map[time.Time]string
	err := s.db.View(func(tx *bolt.Tx) error {
		cid, err := s.cidTx(tx, survey, id)
		if err != nil {
			return err
		}
		out, err = s.callNotesTx(tx, cid)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read call notes of %s/%s: %w", survey, id, err)
	}
	return out, nil
}

// callNotesTx reads the notes of contact cid's calls by the call's time.
func (s *Store) callNotesTx(tx *bolt.Tx, cid uint64) (map[time.Time]string, error) {
	out := map[time.Time]string{}
	b := tx.Bucket(bCallNotes)
	if b == nil {
		return out, nil
	}
	p := u64(cid)
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		plain, err := s.codec.Open(v)
		if err != nil {
			return nil, err
		}
		out[keyTime(k[8:])] = string(plain)
	}
	return out, nil
}

// putCallNoteTx keeps the note of contact cid's call at at.
func (s *Store) putCallNoteTx(tx *bolt.Tx, cid uint64, at time.Time, note string) error {
	b, err := tx.CreateBucketIfNotExists(bCallNotes)
	if err != nil {
		return err
	}
	v, err := s.codec.Seal([]byte(note))
	if err != nil {
		return err
	}
	return b.Put(append(u64(cid), timeKey(at)...), v)
}

// Appointment is a contact waiting for a call back at a set time.
type Appointment struct {
	Survey string    `json:"survey"`
	ID     string    `json:"id"`
	Name   string    `json:"name,omitempty"`
	At     time.Time `json:"at"`
	By     string    `json:"by,omitempty"`
}

// Appointments lists the appointments of a survey due by until, earliest
// first, at most limit of them (0 for all). It reads the appointment part
// of the queue only.
func (s *Store) Appointments(survey string, until time.Time, limit int) ([]Appointment, error) {
	var out []Appointment
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = s.appointmentsTx(tx, survey, until, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list appointments of %s: %w", survey, err)
	}
	return out, nil
}

// appointmentsTx is [Store.Appointments] inside tx.
func (s *Store) appointmentsTx(tx *bolt.Tx, survey string, until time.Time, limit int) ([]Appointment, error) {
	var out []Appointment
	err := func() error {
		return queueScan(tx, survey, PriorityAppointment, timeKey(until), func(cid uint64, _ []byte) (bool, error) {
			st, err := s.stateTx(tx, cid)
			if err != nil {
				return false, err
			}
			if st.Appointment.IsZero() || st.Status != StatusQueued {
				return true, nil
			}
			ct, err := s.contactTx(tx, cid)
			if err != nil {
				return false, err
			}
			out = append(out, Appointment{Survey: survey, ID: st.ID, Name: ct.Name, At: st.Appointment, By: st.AppointmentBy})
			return limit <= 0 || len(out) < limit, nil
		})
	}()
	return out, err
}

// Study is a set of questionnaires with a sample and an opt-out list, such
// as the built-in demo study.
type Study struct {
	Surveys []*model.Survey
	// Sample is a contacts CSV for SampleSurvey.
	Sample       []byte
	SampleSurvey string
	// OptOuts are phone numbers or emails, one each.
	OptOuts []string
	// Source names the study in import records ("demo").
	Source string
	// AnyHour makes the store present contacts whenever they are due,
	// without calling windows, recall delays or attempt limits, so that
	// a demonstration works at any time of day; it stays so, whichever
	// console opens the store later.
	AnyHour bool
}

// LoadStudy installs a study: the opt-out list first, so that the sample
// import already leaves those people out, then the questionnaires, then the
// sample. Loading the same study again changes nothing and writes
// nothing: the store remembers what it loaded under the study's Source.
// Phone numbers without a country code are read as region's.
func (s *Store) LoadStudy(st Study, region, actor string) error {
	sum, err := st.digest()
	if err != nil {
		return fmt.Errorf("load study %s: %w", st.Source, err)
	}
	loaded := false
	if err := s.db.View(func(tx *bolt.Tx) error {
		loaded = bytes.Equal(tx.Bucket(bMeta).Get(studyKey(st.Source)), sum)
		return nil
	}); err != nil || loaded {
		return err // the same study again: nothing to do
	}
	if err := s.loadStudy(st, region, actor); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(studyKey(st.Source), sum) })
}

// studyKey is the meta key that records which study named source was
// loaded (since schema 3): "study:" ‖ source => sha256 of the study.
func studyKey(source string) []byte { return []byte("study:" + source) }

// digest is the SHA-256 of everything a study holds.
func (st Study) digest() ([]byte, error) {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, v := range []any{st.Surveys, st.SampleSurvey, st.OptOuts, st.AnyHour} {
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
	}
	h.Write(st.Sample)
	return h.Sum(nil), nil
}

// loadStudy is LoadStudy for a study not loaded yet.
func (s *Store) loadStudy(st Study, region, actor string) error {
	if st.AnyHour {
		err := s.update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kAnyHour, []byte{1}) })
		if err != nil {
			return fmt.Errorf("load study %s: %w", st.Source, err)
		}
	}
	if len(st.OptOuts) > 0 {
		r := strings.NewReader(strings.Join(st.OptOuts, "\n") + "\n")
		if _, err := s.ImportOptOuts(r, st.Source+" opt-out list", region, actor); err != nil {
			return fmt.Errorf("load study %s: %w", st.Source, err)
		}
	}
	for _, sv := range st.Surveys {
		raw, err := json.Marshal(sv)
		if err != nil {
			return fmt.Errorf("load study %s: encode survey %s: %w", st.Source, sv.ID, err)
		}
		if _, _, err := s.AddSurvey(sv, raw, actor); err != nil {
			return fmt.Errorf("load study %s: %w", st.Source, err)
		}
	}
	if len(st.Sample) > 0 {
		_, err := s.ImportContacts(bytes.NewReader(st.Sample), ImportOptions{
			Survey: st.SampleSurvey, Source: "client", Region: region, Actor: actor,
			File: st.Source + " sample",
		})
		if err != nil && !errors.Is(err, ErrInterviewed) {
			return fmt.Errorf("load study %s: %w", st.Source, err)
		}
	}
	return nil
}
