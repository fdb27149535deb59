package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"canvass/model"
	"canvass/model/calling"

	bolt "go.etcd.io/bbolt"
)

// Contact statuses.
const (
	// StatusQueued contacts are in the queue, to be presented when due.
	StatusQueued = "queued"
	// StatusSuppressed contacts were reached by the opt-out list.
	StatusSuppressed = "suppressed"
	// StatusFinal contacts have a final call outcome.
	StatusFinal = "final"
	// StatusRetired contacts were given up on by the calling rules.
	StatusRetired = "retired"
)

// Queue priorities: appointments come before fresh and recalled contacts
// that are due at the same time.
const (
	PriorityAppointment uint8 = 0
	PriorityNormal      uint8 = 1
	priorities                = 2
)

// ContactState is where a contact stands in the calling process: the
// projection of its import, presentations, call outcomes and opt-outs.
type ContactState struct {
	Survey   string `json:"survey"`
	ID       string `json:"id"`
	Import   uint64 `json:"import"`
	Status   string `json:"status"`
	Priority uint8  `json:"priority"`
	// Due is when the contact may next be presented, as the events say.
	Due time.Time `json:"due"`
	// QueueAt is its place in the queue: Due, or later when the calling
	// rules deferred it (outside its calling window, say).
	QueueAt     time.Time `json:"queue_at"`
	Attempts    int       `json:"attempts"`
	LastOutcome string    `json:"last_outcome,omitempty"`
	LastCall    time.Time `json:"last_call,omitzero"`
	// Calls are the calls made so far, oldest first, for the calling rules.
	Calls       []CallRecord `json:"calls,omitempty"`
	Appointment time.Time    `json:"appointment,omitzero"`
	// AppointmentBy is the interviewer who made the appointment.
	AppointmentBy string    `json:"appointment_by,omitempty"`
	LeasedBy      string    `json:"leased_by,omitempty"`
	LeaseUntil    time.Time `json:"lease_until,omitzero"`
	// SuppressedBy is the event that put one of its numbers or its email
	// on the opt-out list.
	SuppressedBy uint64 `json:"suppressed_by,omitempty"`
}

func queueKey(survey string, prio uint8, at time.Time, cid uint64) []byte {
	k := idPrefix(survey)
	k = append(k, prio)
	k = append(k, timeKey(at)...)
	return append(k, u64(cid)...)
}

func (s *Store) stateTx(tx *bolt.Tx, cid uint64) (*ContactState, error) {
	v := tx.Bucket(bCState).Get(u64(cid))
	var st *ContactState
	if v == nil {
		var err error
		if st, err = s.freshStateTx(tx, cid); err != nil {
			return nil, err
		}
	} else {
		st = &ContactState{}
		if err := json.Unmarshal(v, st); err != nil {
			return nil, fmt.Errorf("decode state of contact %d: %w", cid, err)
		}
	}
	if l := tx.Bucket(bLeases).Get(u64(cid)); len(l) >= 8 {
		st.LeaseUntil, st.LeasedBy = keyTime(l[:8]), string(l[8:])
	}
	return st, nil
}

// Leases live in their own bucket (leases: cid(8) => until(8) ‖
// interviewer) rather than in the contact's state, so that a draw writes
// one small entry and leaves the state, and the queue range a fresh
// contact is in, alone. An entry stays until a call or an opt-out ends
// the lease (a lapsed lease is still shown, as the log has it).

// putLeaseTx records a lease.
func putLeaseTx(tx *bolt.Tx, cid uint64, by string, until time.Time) error {
	return tx.Bucket(bLeases).Put(u64(cid), append(timeKey(until), by...))
}

// freshStateTx is the state of a contact of the sample layout that has no
// state record: as its finished import left it, in the import's queue
// range.
func (s *Store) freshStateTx(tx *bolt.Tx, cid uint64) (*ContactState, error) {
	r, err := rangeOfTx(tx, cid)
	if err != nil {
		return nil, fmt.Errorf("state of contact %d: %w", cid, err)
	}
	if r == nil || r.Status != ImportDone {
		return nil, fmt.Errorf("contact %d: %w", cid, ErrNotFound)
	}
	c, err := s.contactTx(tx, cid)
	if err != nil {
		return nil, err
	}
	st := initialState(c, r.Import, r.QueueAt)
	return &st, nil
}

func putStateTx(tx *bolt.Tx, cid uint64, st *ContactState) error {
	if st.LeasedBy == "" && st.LeaseUntil.IsZero() {
		if err := tx.Bucket(bLeases).Delete(u64(cid)); err != nil {
			return err
		}
	}
	// The lease is kept in the leases bucket only.
	rec := *st
	rec.LeasedBy, rec.LeaseUntil = "", time.Time{}
	v, err := json.Marshal(&rec)
	if err != nil {
		return err
	}
	return tx.Bucket(bCState).Put(u64(cid), v)
}

// requeueTx moves a contact's queue entry to match st after the caller
// changed it from old; a contact no longer queued loses its entry. A
// contact that was still in its import's range leaves the range.
func (s *Store) requeueTx(tx *bolt.Tx, cid uint64, old, st *ContactState) error {
	if old == nil || !sameTally(old, st) {
		s.markCaseTx(st.Survey, cid)
	}
	fresh := tx.Bucket(bCState).Get(u64(cid)) == nil
	if old != nil && !fresh && old.Status == StatusQueued && st.Status == StatusQueued &&
		old.Survey == st.Survey && old.Priority == st.Priority && old.QueueAt.Equal(st.QueueAt) {
		// The entry stays where it is: leaving the queue's pages alone
		// keeps a draw's commit small.
		return putStateTx(tx, cid, st)
	}
	if old != nil && old.Status == StatusQueued {
		if err := queueRemoveTx(tx, old.Survey, old.Priority, old.QueueAt, cid); err != nil {
			return err
		}
	}
	if st.Status == StatusQueued {
		if err := tx.Bucket(bQueue).Put(queueKey(st.Survey, st.Priority, st.QueueAt, cid), nil); err != nil {
			return err
		}
	}
	return putStateTx(tx, cid, st)
}

// A queue entry whose value is 8 bytes is a range: the cids from the one in
// its key to the one in its value, all due at the same time with the same
// priority, none with a state record (an import's fresh contacts).

// queueFind moves c to the queue entry that holds cid, whose own key
// would be key: that key itself, or a range before it that covers cid.
func queueFind(c *bolt.Cursor, key []byte, cid uint64) (k, v []byte, ok bool) {
	if k, v = c.Seek(key); k != nil && bytes.Equal(k, key) {
		return k, v, true
	}
	k, v = c.Prev()
	pre := key[:len(key)-8]
	if k == nil || len(v) != 8 || len(k) != len(key) || !bytes.Equal(k[:len(pre)], pre) {
		return nil, nil, false
	}
	first, last := binary.BigEndian.Uint64(k[len(pre):]), binary.BigEndian.Uint64(v)
	return k, v, first < cid && cid <= last
}

// queueRemoveTx takes cid, queued at prio and at, out of the queue,
// splitting the range that holds it if it is in one.
func queueRemoveTx(tx *bolt.Tx, survey string, prio uint8, at time.Time, cid uint64) error {
	q := tx.Bucket(bQueue)
	key := queueKey(survey, prio, at, cid)
	c := q.Cursor()
	k, v, ok := queueFind(c, key, cid)
	if !ok {
		return nil
	}
	last := cid
	if len(v) == 8 {
		last = binary.BigEndian.Uint64(v)
	}
	if bytes.Equal(k, key) {
		if err := c.Delete(); err != nil {
			return err
		}
	} else if err := q.Put(bytes.Clone(k), u64(cid-1)); err != nil {
		return err
	}
	if cid < last {
		return q.Put(queueKey(survey, prio, at, cid+1), u64(last))
	}
	return nil
}

// queueHasTx reports whether cid is queued at prio and at.
func queueHasTx(tx *bolt.Tx, survey string, prio uint8, at time.Time, cid uint64) bool {
	_, _, ok := queueFind(tx.Bucket(bQueue).Cursor(), queueKey(survey, prio, at, cid), cid)
	return ok
}

// queueScan calls fn with the contacts of survey queued at prio, in queue
// order, up to those due at limit (nil: all), with each one's queue key,
// until fn returns false. fn must not change the queue.
func queueScan(tx *bolt.Tx, survey string, prio uint8, limit []byte, fn func(cid uint64, key []byte) (bool, error)) error {
	pre := append(idPrefix(survey), prio)
	c := tx.Bucket(bQueue).Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		if len(k) != len(pre)+16 {
			continue
		}
		if limit != nil && bytes.Compare(k[len(pre):len(pre)+8], limit) > 0 {
			break
		}
		first := binary.BigEndian.Uint64(k[len(pre)+8:])
		last := first
		if len(v) == 8 {
			last = binary.BigEndian.Uint64(v)
		}
		for cid := first; cid <= last; cid++ {
			key := k
			if cid != first {
				key = binary.BigEndian.AppendUint64(bytes.Clone(k[:len(pre)+8]), cid)
			}
			more, err := fn(cid, key)
			if err != nil || !more {
				return err
			}
		}
	}
	return nil
}

// suppressTx is what opt-out key (event seq, by actor at at) does to every
// contact it reaches: see suppressContactTx.
func (s *Store) suppressTx(tx *bolt.Tx, key [32]byte, seq uint64, actor string, at time.Time) error {
	cids, err := reachedTx(tx, key)
	if err != nil {
		return err
	}
	for _, cid := range cids {
		if _, _, err := s.suppressContactTx(tx, cid, seq, actor, at); err != nil {
			return err
		}
	}
	return nil
}

// suppressContactTx is what an opt-out (event seq) does to a contact it
// reaches: a queued contact leaves the queue (done is false when it was
// not queued), and its unfinished interview is ended, whatever the
// contact's status, so that nobody resumes it.
func (s *Store) suppressContactTx(tx *bolt.Tx, cid, seq uint64, actor string, at time.Time) (st *ContactState, done bool, err error) {
	if st, err = s.stateTx(tx, cid); err != nil {
		return nil, false, err
	}
	open, err := s.openInterviewTx(tx, st.Survey, cid)
	if err != nil {
		return nil, false, err
	}
	if open != nil {
		if err := s.endInterviewTx(tx, open, seq, actor, at); err != nil {
			return nil, false, err
		}
	}
	if st.Status != StatusQueued {
		return st, false, nil
	}
	old := *st
	applySuppressed(st, seq)
	return st, true, s.requeueTx(tx, cid, &old, st)
}

// applySuppressed is the effect of an opt-out reaching a queued contact.
func applySuppressed(st *ContactState, seq uint64) {
	st.Status = StatusSuppressed
	st.SuppressedBy = seq
	st.LeasedBy, st.LeaseUntil = "", time.Time{}
}

// contactKeys are the keys of a contact's phones and email in the optout
// and reach buckets (see [Store.indexKey]); an email stored before schema
// 5 has two (see emailKeys).
func (s *Store) contactKeys(c *model.Contact) [][32]byte {
	keys := make([][32]byte, 0, len(c.Phones)+1)
	for _, p := range c.Phones {
		keys = append(keys, s.indexKey(model.OptOutKey(p)))
	}
	if c.Email != "" {
		keys = s.emailKeys(keys, c.Email)
	}
	return keys
}

// Rules decides whether a due contact may be presented now: inside its
// calling window, past its recall delay, under the attempt limit. When it
// may not, next is when to look again; a zero next means never (the contact
// is retired from the queue). The calling rules of package model/calling
// plug in here.
type Rules interface {
	Eligible(c *model.Contact, st *ContactState, now time.Time) (ok bool, next time.Time)
}

// RulesFunc adapts a function to [Rules].
type RulesFunc func(c *model.Contact, st *ContactState, now time.Time) (bool, time.Time)

// Eligible calls f.
func (f RulesFunc) Eligible(c *model.Contact, st *ContactState, now time.Time) (bool, time.Time) {
	return f(c, st, now)
}

// DrawOptions say who draws, when, and under which rules.
type DrawOptions struct {
	Interviewer string
	// Now is the moment of the draw; zero means the store's clock.
	Now time.Time
	// Lease is how long the contact is reserved; zero means 30 minutes.
	Lease time.Duration
	// Rules are the calling rules; nil presents every due contact.
	Rules Rules
}

// Presentation is a contact drawn for an interviewer, reserved until
// LeaseUntil.
type Presentation struct {
	Contact    model.Contact `json:"contact"`
	State      ContactState  `json:"state"`
	Event      string        `json:"event"`
	LeaseUntil time.Time     `json:"lease_until"`

	// What [Store.Present] reads with the draw (Next leaves them empty):
	// the questionnaire (the revision of the open interview, else the
	// latest), the notes of the contact's calls by the call's time, and
	// the contact's unfinished interview in the survey.
	Questionnaire *Questionnaire       `json:"-"`
	CallNotes     map[time.Time]string `json:"call_notes,omitempty"`
	Open          *InterviewRecord     `json:"open,omitempty"`
	// LastSaved are the values of the interviewer's latest interview of
	// the survey, for ${last-saved#name}; nil when the form reads none.
	LastSaved map[string]string `json:"last_saved,omitempty"`
	// AnyHour is set in a store whose study ignores calling hours (the
	// demo): its appointments come up at the time they were made for.
	AnyHour bool `json:"any_hour,omitempty"`
}

// ErrQueueEmpty is returned by [Store.Next] when no contact may be presented
// now; the error is a [*QueueEmpty] saying when the next one comes up.
var ErrQueueEmpty = errors.New("no contact is due")

// QueueEmpty is the answer of a draw that found nobody to present: Next
// is the earliest moment a queued contact of the survey comes up (a
// recall, an appointment, calling hours opening; held contacts come back
// when their interviewer records the call or the lease lapses), zero when
// no contact is waiting. It is ErrQueueEmpty to errors.Is.
type QueueEmpty struct {
	Next time.Time
}

func (e *QueueEmpty) Error() string        { return ErrQueueEmpty.Error() }
func (e *QueueEmpty) Is(target error) bool { return target == ErrQueueEmpty }

// nextQueuedTx is the earliest queue time after now among survey's
// queued contacts, zero when none waits: one seek per priority.
func nextQueuedTx(tx *bolt.Tx, survey string, now time.Time) time.Time {
	var next time.Time
	after := binary.BigEndian.Uint64(timeKey(now))
	c := tx.Bucket(bQueue).Cursor()
	for prio := uint8(0); prio < priorities; prio++ {
		pre := append(idPrefix(survey), prio)
		k, _ := c.Seek(append(bytes.Clone(pre), u64(after+1)...))
		if k == nil || !bytes.HasPrefix(k, pre) || len(k) != len(pre)+16 {
			continue
		}
		if t := keyTime(k[len(pre) : len(pre)+8]); next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}

type presented struct {
	CID         uint64    `json:"cid"`
	Survey      string    `json:"survey"`
	ID          string    `json:"id"`
	Interviewer string    `json:"interviewer"`
	LeaseUntil  time.Time `json:"lease_until"`
}

type suppressedAtDraw struct {
	CID    uint64 `json:"cid"`
	Survey string `json:"survey"`
	ID     string `json:"id"`
	OptOut uint64 `json:"optout"`
}

// draw is [Store.Next]; with, when set, reads what goes with the drawn
// contact in the draw's transaction.
func (s *Store) draw(survey string, o DrawOptions, with func(tx *bolt.Tx, d *drawn) error) (*Presentation, error) {
	if o.Now.IsZero() {
		o.Now = s.now()
	}
	if o.Lease <= 0 {
		o.Lease = defaultLease
	}
	for {
		var d *drawn
		var next time.Time
		more := false
		err := s.update(func(tx *bolt.Tx) error {
			var err error
			d, more, err = s.nextTx(tx, survey, o)
			if err == nil && d != nil && with != nil {
				err = with(tx, d)
			}
			if err == nil && d == nil && !more {
				next = nextQueuedTx(tx, survey, o.Now)
			}
			if d != nil {
				// Noted while this transaction still excludes every
				// other writer: a call recorded just after the commit
				// then forgets it.
				s.leases.note(d.cid, d.key, d.p.LeaseUntil, o.Now)
			}
			return err
		})
		if err != nil {
			if d != nil {
				s.leases.forget(d.cid)
			}
			return nil, fmt.Errorf("draw next contact of %s: %w", survey, err)
		}
		if d != nil {
			return d.p, nil
		}
		if !more {
			return nil, &QueueEmpty{Next: next}
		}
	}
}

// maxExamined bounds the contacts one draw transaction looks at, so that a
// queue full of deferred contacts is worked through in short transactions.
const maxExamined = 1000

type move struct {
	cid     uint64
	old, st ContactState
}

// drawn is a presentation and the queue entry of its contact, which stays
// in place while the contact is leased.
type drawn struct {
	p   *Presentation
	cid uint64
	key []byte
}

func (s *Store) nextTx(tx *bolt.Tx, survey string, o DrawOptions) (*drawn, bool, error) {
	imports := map[uint64]bool{}
	importDone := func(id uint64) bool {
		done, ok := imports[id]
		if !ok {
			rec, err := importTx(tx, id)
			done = err == nil && rec.Status == ImportDone
			imports[id] = done
		}
		return done
	}
	var moves []move
	var found *Presentation
	var foundCID uint64
	var foundKey []byte
	optout := tx.Bucket(bOptOut)
	limit := timeKey(o.Now)
	examined := 0
	more := false
	assigned := assignedProbe(tx) // a hub's laptops hold these (sync_assign.go)
	// A field laptop (a store with a hub) visits its contacts: one without
	// a phone number is still someone to see, not a number nobody can dial.
	hub, err := hubTx(tx)
	if err != nil {
		return nil, false, err
	}
	visits := hub != nil
	qd, err := s.quotaDrawTx(tx, survey)
	if err != nil {
		return nil, false, err
	}
	mine, err := s.drawerProbe(tx, o.Interviewer) // fieldassign.go
	if err != nil {
		return nil, false, err
	}
	take := func(cid uint64, k []byte, c *model.Contact, st *ContactState) error {
		ns := *st
		until := o.Now.Add(o.Lease).UTC()
		applyPresented(&ns, o.Interviewer, until)
		if err := putLeaseTx(tx, cid, o.Interviewer, until); err != nil {
			return err
		}
		found = &Presentation{Contact: *c, State: ns, LeaseUntil: until}
		foundCID = cid
		foundKey = bytes.Clone(k)
		return nil
	}
	// With quotas, the presentable contacts of the normal queue are
	// compared a few at a time, and the one in the emptiest cell drawn.
	type candidate struct {
		cid  uint64
		key  []byte
		c    *model.Contact
		st   *ContactState
		rank quotaRank
	}
	var best *candidate
	seen := 0
	for prio := uint8(0); prio < priorities && found == nil && !more; prio++ {
		err := queueScan(tx, survey, prio, limit, func(cid uint64, k []byte) (bool, error) {
			if s.leases.held(cid, k, o.Now) || assigned(cid) || (prio != PriorityAppointment && !mine(cid)) {
				return true, nil
			}
			st, err := s.stateTx(tx, cid)
			if err != nil {
				return false, err
			}
			if !importDone(st.Import) {
				// Not counted: an interrupted import slows draws
				// until it is resumed or abandoned, nothing worse.
				return true, nil
			}
			if examined++; examined > maxExamined && len(moves) > 0 {
				more = true
				return false, nil
			}
			if leased(st, o.Now) {
				// Held contacts keep their place in the queue; the
				// state read here is committed, so the hint is sound.
				s.leases.note(cid, k, st.LeaseUntil, o.Now)
				return true, nil
			}
			c, err := s.contactTx(tx, cid)
			if err != nil {
				return false, err
			}
			var hit uint64
			for _, key := range s.contactKeys(c) {
				if v := optout.Get(key[:]); v != nil {
					hit = binary.BigEndian.Uint64(v)
					break
				}
			}
			if hit != 0 {
				// The opt-out's own event should already have taken it
				// out; this gate holds even if it did not.
				if open, err := s.openInterviewTx(tx, st.Survey, cid); err != nil {
					return false, err
				} else if open != nil {
					if err := s.endInterviewTx(tx, open, hit, o.Interviewer, o.Now); err != nil {
						return false, err
					}
				}
				ns := *st
				applySuppressed(&ns, hit)
				moves = append(moves, move{cid, *st, ns})
				if _, err := s.appendTx(tx, KindSuppressed, o.Interviewer, o.Now,
					suppressedAtDraw{CID: cid, Survey: st.Survey, ID: st.ID, OptOut: hit}); err != nil {
					return false, err
				}
				return true, nil
			}
			if len(c.Phones) == 0 && !visits {
				// Nobody can call a contact without a number (an
				// email-only one): it is retired from the calling queue,
				// never presented to an interviewer who would dial.
				ns := *st
				ns.Status = StatusRetired
				moves = append(moves, move{cid, *st, ns})
				return true, nil
			}
			if o.Rules != nil {
				ok, next := o.Rules.Eligible(c, st, o.Now)
				if !ok {
					ns := *st
					if next.IsZero() {
						ns.Status = StatusRetired
					} else {
						if !next.After(o.Now) {
							next = o.Now.Add(time.Minute)
						}
						ns.QueueAt = next.UTC()
					}
					moves = append(moves, move{cid, *st, ns})
					return true, nil
				}
			}
			if qd != nil {
				blocked, rank := qd.rank(c)
				if blocked {
					// Its cell is full: nobody calls it now.
					ns := *st
					ns.QueueAt = o.Now.Add(quotaRecheck).UTC()
					moves = append(moves, move{cid, *st, ns})
					return true, nil
				}
				if prio != PriorityAppointment {
					if best == nil || rank.better(best.rank) {
						best = &candidate{cid, bytes.Clone(k), c, st, rank}
					}
					seen++
					return seen < quotaLookahead, nil
				}
			}
			return false, take(cid, k, c, st)
		})
		if err != nil {
			return nil, false, err
		}
	}
	if found == nil && best != nil {
		if err := take(best.cid, best.key, best.c, best.st); err != nil {
			return nil, false, err
		}
	}
	for _, m := range moves {
		if m.st.Status == StatusRetired && m.old.Status != StatusRetired {
			if _, err := s.appendTx(tx, KindRetired, o.Interviewer, o.Now,
				retired{CID: m.cid, Survey: m.st.Survey, ID: m.st.ID}); err != nil {
				return nil, false, err
			}
		}
		if err := s.requeueTx(tx, m.cid, &m.old, &m.st); err != nil {
			return nil, false, err
		}
	}
	if found == nil {
		return nil, more, nil
	}
	e, err := s.appendTx(tx, KindPresented, o.Interviewer, o.Now, presented{
		CID: foundCID, Survey: survey, ID: found.State.ID, Interviewer: o.Interviewer, LeaseUntil: found.LeaseUntil})
	if err != nil {
		return nil, false, err
	}
	found.Event = e.ID
	return &drawn{p: found, cid: foundCID, key: foundKey}, false, nil
}

// leased reports whether someone holds the contact at now.
func leased(st *ContactState, now time.Time) bool {
	return st.LeasedBy != "" && st.LeaseUntil.After(now)
}

// leaseHintsPruneAt is the size from which noting a lease first drops the
// lapsed ones.
const leaseHintsPruneAt = 4096

// leaseHints remembers, per contact, the queue entry and end of leases this
// Store granted or read, so that a draw passes over the entries of held
// contacts (which keep their place in the queue) without decoding their
// state. The lease itself lives in the leases bucket; a hint only ever
// makes a draw skip an entry it would skip anyway: it names the exact
// queue entry, and RecordCall, the one change that ends a lease and may
// leave the entry where it was, forgets it. A missing hint costs a state
// read, nothing else. The zero value is ready to use.
type leaseHints struct {
	mu      sync.Mutex
	m       map[uint64]leaseHint
	pruneAt int
}

type leaseHint struct {
	key   string
	until time.Time
}

// held reports whether the contact is known to be leased at now with its
// queue entry at key.
func (h *leaseHints) held(cid uint64, key []byte, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.m[cid]
	return ok && l.key == string(key) && l.until.After(now)
}

// note remembers that the contact, queued at key, is leased until until.
func (h *leaseHints) note(cid uint64, key []byte, until, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[uint64]leaseHint{}
	}
	if len(h.m) >= max(h.pruneAt, leaseHintsPruneAt) {
		for c, l := range h.m {
			if !l.until.After(now) {
				delete(h.m, c)
			}
		}
		h.pruneAt = 2 * len(h.m)
	}
	h.m[cid] = leaseHint{key: string(key), until: until}
}

// reset drops every hint.
func (h *leaseHints) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.m)
}

// forget drops what is known of the contact's lease.
func (h *leaseHints) forget(cid uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, cid)
}

type retired struct {
	CID    uint64 `json:"cid"`
	Survey string `json:"survey"`
	ID     string `json:"id"`
}

// applyPresented is the effect of a presentation: a lease, which keeps the
// contact out of everyone's way until it ends. The contact keeps its place
// in the queue (draws pass over held contacts) and the lease is kept in
// the leases bucket, so that a draw writes no queue or state page; a
// lapsed lease leaves it due where it was.
func applyPresented(st *ContactState, interviewer string, until time.Time) {
	st.LeasedBy, st.LeaseUntil = interviewer, until
}

// CallRecord is one call as kept in a contact's state.
type CallRecord struct {
	At          time.Time `json:"at"`
	Outcome     string    `json:"outcome"`
	Interviewer string    `json:"interviewer,omitempty"`
	Phone       int       `json:"phone,omitempty"`
}

// Call is the outcome of one call to a contact, as the interviewer recorded
// it.
type Call struct {
	Outcome     calling.Outcome `json:"outcome"`
	Interviewer string          `json:"interviewer"`
	At          time.Time       `json:"at"`
	// Phone is the index of the number dialled in the contact's phones.
	Phone int `json:"phone,omitempty"`
	// Appointment is when to call back, for appointment outcomes.
	Appointment time.Time `json:"appointment,omitzero"`
	Note        string    `json:"note,omitempty"`
}

type callRecorded struct {
	CID    uint64 `json:"cid"`
	Survey string `json:"survey"`
	ID     string `json:"id"`
	Call   Call   `json:"call"`
}

// RecordCall records a call outcome for a contact of survey, with its note:
// the lease ends and the contact is due again after the outcome's recall
// delay, at the appointment, or never for a final outcome.
func (s *Store) RecordCall(survey, id string, c Call) error {
	if c.At.IsZero() {
		c.At = s.now()
	}
	if err := checkAppointment(c.Appointment); err != nil {
		return fmt.Errorf("record call to %s/%s: %w", survey, id, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		cid, err := s.cidTx(tx, survey, id)
		if err != nil {
			return err
		}
		return s.recordCallTx(tx, cid, survey, id, c)
	})
	if err != nil {
		return fmt.Errorf("record call to %s/%s: %w", survey, id, err)
	}
	return nil
}

// recordCallTx records call c to contact cid (sample id id of survey):
// the call event, the contact's new state and place in the queue, and the
// call's note beside it for the contact card.
func (s *Store) recordCallTx(tx *bolt.Tx, cid uint64, survey, id string, c Call) error {
	if c.At.IsZero() {
		c.At = s.now()
	}
	// The call ends any lease; its entry may stay where it is.
	s.leases.forget(cid)
	st, err := s.stateTx(tx, cid)
	if err != nil {
		return err
	}
	if _, err := s.appendTx(tx, KindCall, c.Interviewer, c.At, callRecorded{CID: cid, Survey: survey, ID: id, Call: c}); err != nil {
		return err
	}
	if c.Note != "" {
		if err := s.putCallNoteTx(tx, cid, c.At, c.Note); err != nil {
			return err
		}
	}
	ns := *st
	applyCall(&ns, c)
	return s.requeueTx(tx, cid, st, &ns)
}

// applyCall is the effect of a call outcome.
func applyCall(st *ContactState, c Call) {
	st.Attempts++
	st.LastOutcome = c.Outcome.Code
	st.LastCall = c.At.UTC()
	st.Calls = append(st.Calls, CallRecord{At: c.At.UTC(), Outcome: c.Outcome.Code, Interviewer: c.Interviewer, Phone: c.Phone})
	st.LeasedBy, st.LeaseUntil = "", time.Time{}
	st.Appointment, st.AppointmentBy = time.Time{}, ""
	switch {
	case st.Status != StatusQueued:
		// A suppressed or finished contact stays out of the queue.
	case c.Outcome.Final:
		st.Status = StatusFinal
	case !c.Appointment.IsZero():
		st.Appointment, st.AppointmentBy = c.Appointment.UTC(), c.Interviewer
		st.Priority = PriorityAppointment
		st.Due = st.Appointment
	default:
		st.Priority = PriorityNormal
		st.Due = st.LastCall.Add(c.Outcome.Recall)
	}
	st.QueueAt = st.Due
}

// cidTx finds a contact of survey by its sample id.
func (s *Store) cidTx(tx *bolt.Tx, survey, id string) (uint64, error) {
	if v := tx.Bucket(bCIDs).Get(append(idPrefix(survey), id...)); v != nil {
		return binary.BigEndian.Uint64(v), nil
	}
	ranges, err := rangesTx(tx, survey)
	if err != nil {
		return 0, err
	}
	if len(ranges) > 0 {
		k := s.sampleIDKey(survey, id)
		for _, r := range ranges {
			if cid := runFind(tx, runID, r.Import, k[:]); cid != 0 {
				return cid, nil
			}
		}
	}
	return 0, fmt.Errorf("contact %s of survey %s: %w", id, survey, ErrNotFound)
}

// QueueEntry is one contact of a queue listing.
type QueueEntry struct {
	ID       string    `json:"id"`
	Due      time.Time `json:"due"`
	Local    string    `json:"local_time"`
	Zone     string    `json:"zone"`
	Why      string    `json:"why"`
	Priority uint8     `json:"priority"`
	Attempts int       `json:"attempts"`
}

// QueueOptions say at which moment, under which rules and in which zone a
// queue is listed.
type QueueOptions struct {
	At time.Time
	// Rules decide who is due; nil means the installed survey's calling
	// rules (and, with them, its zones for local times), as draws use.
	Rules Rules
	// Zone gives a contact's time zone for its local time; nil uses the
	// contact's timezone column, else UTC.
	Zone func(c *model.Contact) *time.Location
}

// Queue calls fn for every contact of survey that would be presented at
// o.At, in the order draws would present them, with why each is due. It
// changes nothing.
func (s *Store) Queue(survey string, o QueueOptions, fn func(QueueEntry) error) error {
	if o.At.IsZero() {
		o.At = s.now()
	}
	if o.Rules == nil {
		q, err := s.Questionnaire(survey, 0)
		switch {
		case err == nil && q.RulesErr != nil:
			return fmt.Errorf("queue: calling rules of %s: %w", survey, q.RulesErr)
		case err == nil:
			cr := NewCallingRules(q.Rules, "")
			o.Rules = cr
			if o.Zone == nil {
				o.Zone = cr.Zone
			}
		case !errors.Is(err, ErrNotFound):
			return err
		}
	}
	if o.Zone == nil {
		o.Zone = func(c *model.Contact) *time.Location {
			if c.Timezone != "" {
				if l, err := time.LoadLocation(c.Timezone); err == nil {
					return l
				}
			}
			return time.UTC
		}
	}
	return s.db.View(func(tx *bolt.Tx) error {
		imports := map[uint64]bool{}
		optout := tx.Bucket(bOptOut)
		limit := timeKey(o.At)
		assigned := assignedProbe(tx)
		hub, err := hubTx(tx)
		if err != nil {
			return err
		}
		visits := hub != nil // see nextTx
		qd, err := s.quotaDrawTx(tx, survey)
		if err != nil {
			return err
		}
		for prio := uint8(0); prio < priorities; prio++ {
			err := queueScan(tx, survey, prio, limit, func(cid uint64, _ []byte) (bool, error) {
				if assigned(cid) {
					return true, nil
				}
				st, err := s.stateTx(tx, cid)
				if err != nil {
					return false, err
				}
				done, ok := imports[st.Import]
				if !ok {
					rec, err := importTx(tx, st.Import)
					done = err == nil && rec.Status == ImportDone
					imports[st.Import] = done
				}
				if !done || leased(st, o.At) {
					return true, nil
				}
				ct, err := s.contactTx(tx, cid)
				if err != nil {
					return false, err
				}
				for _, key := range s.contactKeys(ct) {
					if optout.Get(key[:]) != nil {
						return true, nil
					}
				}
				if len(ct.Phones) == 0 && !visits {
					return true, nil // no number to call: see nextTx
				}
				if o.Rules != nil {
					if ok, _ := o.Rules.Eligible(ct, st, o.At); !ok {
						return true, nil
					}
				}
				if qd != nil {
					if blocked, _ := qd.rank(ct); blocked {
						return true, nil
					}
				}
				loc := o.Zone(ct)
				e := QueueEntry{ID: st.ID, Due: st.Due, Local: o.At.In(loc).Format("2006-01-02 15:04 MST"),
					Zone: loc.String(), Why: whyDue(st), Priority: st.Priority, Attempts: st.Attempts}
				return true, fn(e)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// whyDue says in a few words why a queued contact is due.
func whyDue(st *ContactState) string {
	switch {
	case !st.Appointment.IsZero():
		return "appointment at " + st.Appointment.Format(time.RFC3339)
	case !st.LeaseUntil.IsZero():
		return "reservation by " + st.LeasedBy + " lapsed at " + st.LeaseUntil.Format(time.RFC3339)
	case st.Attempts == 0:
		return "new contact"
	default:
		return fmt.Sprintf("recall after %s (call %d) at %s", st.LastOutcome, st.Attempts, st.Due.Format(time.RFC3339))
	}
}
