package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// DoctorReport is what [Store.Doctor] found.
type DoctorReport struct {
	Events     int `json:"events"`
	Contacts   int `json:"contacts"`
	OptOuts    int `json:"optouts"`
	Interviews int `json:"interviews"`
	Answers    int `json:"answers"`
	// Problems is empty for a sound store.
	Problems []string `json:"problems"`
}

// maxProblems bounds the problems one check reports.
const maxProblems = 200

// Doctor checks the store: bbolt's own consistency check, the event log's
// hash chain, and every projection against what the log says it should be
// (contact states and the queue, the opt-out index, interviews and their
// answers, surveys). It reads only, in one read transaction.
func (s *Store) Doctor() (*DoctorReport, error) {
	rep := &DoctorReport{}
	problem := func(format string, args ...any) {
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		}
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			problem("bbolt: %v", err)
		}
		// One pass over the log: the chain's problems are named first,
		// then what re-deriving the projections found.
		var derivedProblems []string
		d, each := s.deriver(tx, rep, func(format string, args ...any) {
			if len(derivedProblems) < maxProblems {
				derivedProblems = append(derivedProblems, fmt.Sprintf(format, args...))
			}
		})
		for _, p := range s.walkChainTx(tx, each) {
			problem("event log: %s", p)
		}
		for _, p := range derivedProblems {
			problem("%s", p)
		}
		s.compareContactsTx(tx, d, rep, problem)
		s.compareOptOutsTx(tx, d, rep, problem)
		s.compareInterviewsTx(tx, d, rep, problem)
		s.checkPromisesTx(tx, problem)
		s.checkSyncTx(tx, problem)
		s.checkTallyTx(tx, problem)
		s.checkWorkTx(tx, problem)
		tx.Bucket(bImports).ForEach(func(k, v []byte) error {
			var r ImportRecord
			if err := json.Unmarshal(v, &r); err != nil {
				problem("import %x: %v", k, err)
			} else if r.Status == ImportRunning {
				problem("import %d of %s into %s was interrupted: run it again to finish it, or abandon it (canvass contacts abandon %d)", r.ID, r.File, r.Survey, r.ID)
			}
			return nil
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check store %s: %w", s.path, err)
	}
	stale := s.temps.stale()
	for _, name := range slices.Sorted(maps.Keys(stale)) {
		problem("temporary file %s (%d bytes) was left by an interrupted import: the next import removes it, or canvass contacts abandon", name, stale[name])
	}
	return rep, nil
}

// derived holds the projections as re-derived from the log.
type derived struct {
	// states are the contacts of older imports and those of the sample
	// layout that an event touched; the others are as their range says.
	states     map[uint64]*ContactState
	ranges     []derivedRange
	single     map[[32]byte]uint64 // key => event that added it one by one
	removed    map[[32]byte]uint64 // key => last removal event
	bulk       []uint64            // opt-out import events
	bulkEvents map[uint64]optOutImported
	interviews map[string]*InterviewRecord
	answers    map[string]int
	surveys    map[string]string // survey ‖ revision => sha256
}

// derivedRange is the cid range of a finished import of the sample
// layout, as its event gave it.
type derivedRange struct {
	imp, first, last uint64
	at               time.Time
	survey           string
}

// rangeOf returns the range holding cid, or nil.
func (d *derived) rangeOf(cid uint64) *derivedRange {
	for i := range d.ranges {
		if r := &d.ranges[i]; r.first <= cid && cid <= r.last {
			return r
		}
	}
	return nil
}

// state returns the derived state of cid, making it from its range's
// initial state the first time an event touches a contact of the sample
// layout; nil for a contact no import brought.
func (d *derived) state(s *Store, tx *bolt.Tx, cid uint64) *ContactState {
	if st := d.states[cid]; st != nil {
		return st
	}
	r := d.rangeOf(cid)
	if r == nil {
		return nil
	}
	c, err := s.contactTx(tx, cid)
	if err != nil {
		return nil
	}
	st := initialState(c, r.imp, r.at)
	d.states[cid] = &st
	return &st
}

// deriveTx re-derives the projections from the log.
func (s *Store) deriveTx(tx *bolt.Tx, rep *DoctorReport, problem func(string, ...any)) (*derived, error) {
	d, each := s.deriver(tx, rep, problem)
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		e, err := s.decodeEvent(v)
		each(binary.BigEndian.Uint64(k), e, err)
	}
	return d, nil
}

// deriver returns the projections to be re-derived and the function that
// applies each event of the log, in order, to them.
func (s *Store) deriver(tx *bolt.Tx, rep *DoctorReport, problem func(string, ...any)) (*derived, func(seq uint64, e *Event, err error)) {
	d := &derived{
		states: map[uint64]*ContactState{}, single: map[[32]byte]uint64{}, removed: map[[32]byte]uint64{},
		interviews: map[string]*InterviewRecord{}, answers: map[string]int{}, surveys: map[string]string{},
		bulkEvents: map[uint64]optOutImported{},
	}
	// reach re-derived from the contact rows of older imports, which the
	// log references; the sample layout's runs are checked against its
	// rows in compareContactsTx.
	reach := map[[32]byte][]uint64{}
	// rekeyed holds the keys contacts got after their import (schema 5).
	rekeyed := map[[32]byte][]uint64{}
	suppress := func(key [32]byte, seq uint64) {
		cids := append(reach[key][:len(reach[key]):len(reach[key])], rekeyed[key]...)
		for _, r := range d.ranges {
			if cid := runFind(tx, runReach, r.imp, key[:]); cid != 0 {
				cids = append(cids, cid)
			}
		}
		for _, cid := range cids {
			if st := d.state(s, tx, cid); st != nil && st.Status == StatusQueued {
				applySuppressed(st, seq)
			}
		}
	}
	each := func(seq uint64, e *Event, err error) {
		rep.Events++
		if err != nil {
			problem("event %d: %v", seq, err)
			return
		}
		bad := func(err error) { problem("event %s (%s): %v", e.ID, e.Kind, err) }
		switch e.Kind {
		case KindContactsImported:
			var p contactsImported
			if err := json.Unmarshal(e.Data, &p); err != nil {
				bad(err)
				return
			}
			if imp, err := importTx(tx, p.Import); err == nil && imp.Blocks {
				d.ranges = append(d.ranges, derivedRange{imp: p.Import, first: p.FirstCID, last: p.LastCID, at: e.At, survey: p.Survey})
				return
			}
			for cid := p.FirstCID; cid <= p.LastCID && cid != 0; cid++ {
				r, err := s.contactRecordTx(tx, cid)
				if err != nil {
					bad(err)
					continue
				}
				st := initialState(&r.Contact, p.Import, e.At)
				d.states[cid] = &st
				for _, key := range s.importKeys(&r.Contact) {
					reach[key] = append(reach[key], cid)
				}
			}
		case KindContactsRekeyed:
			var p contactsRekeyed
			if err := json.Unmarshal(e.Data, &p); err != nil {
				bad(err)
				return
			}
			for _, en := range p.Entries {
				b, err := hex.DecodeString(strings.TrimPrefix(en.Key, "sha256:"))
				if err != nil || len(b) != 32 {
					bad(fmt.Errorf("bad key %q", en.Key))
					continue
				}
				k := s.indexKey([32]byte(b))
				rekeyed[k] = append(rekeyed[k], en.CID)
			}
		case KindOptOutAdded:
			var p optOutAdded
			key, err := s.decodeKeyJSON(e.Data, &p, func() string { return p.Key })
			if err != nil {
				bad(err)
				return
			}
			d.single[key] = e.Seq
			suppress(key, e.Seq)
		case KindOptOutImported:
			var p optOutImported
			if err := json.Unmarshal(e.Data, &p); err != nil {
				bad(err)
			}
			d.bulk = append(d.bulk, e.Seq)
			d.bulkEvents[e.Seq] = p
			rc := tx.Bucket(bOptRows).Cursor()
			pre := u64(e.Seq)
			for rk, rv := rc.Seek(pre); rk != nil && bytes.HasPrefix(rk, pre); rk, rv = rc.Next() {
				for i := 0; i+32 <= len(rv); i += 32 {
					suppress([32]byte(rv[i:i+32]), e.Seq)
				}
			}
		case KindOptOutRemoved:
			var p optOutRemoved
			key, err := s.decodeKeyJSON(e.Data, &p, func() string { return p.Key })
			if err != nil {
				bad(err)
				return
			}
			d.removed[key] = e.Seq
			delete(d.single, key)
		case KindPresented:
			var p presented
			if err := json.Unmarshal(e.Data, &p); err != nil || d.state(s, tx, p.CID) == nil {
				bad(fmt.Errorf("presents unknown contact %d", p.CID))
				return
			}
			applyPresented(d.states[p.CID], p.Interviewer, p.LeaseUntil)
		case KindCall:
			var p callRecorded
			if err := json.Unmarshal(e.Data, &p); err != nil || d.state(s, tx, p.CID) == nil {
				bad(fmt.Errorf("call to unknown contact %d", p.CID))
				return
			}
			applyCall(d.states[p.CID], p.Call)
		case KindSuppressed:
			var p suppressedAtDraw
			if err := json.Unmarshal(e.Data, &p); err != nil || d.state(s, tx, p.CID) == nil {
				bad(fmt.Errorf("suppresses unknown contact %d", p.CID))
				return
			}
			applySuppressed(d.states[p.CID], p.OptOut)
		case KindRetired:
			var p retired
			if err := json.Unmarshal(e.Data, &p); err != nil || d.state(s, tx, p.CID) == nil {
				bad(fmt.Errorf("retires unknown contact %d", p.CID))
				return
			}
			d.states[p.CID].Status = StatusRetired
		case KindAssigned, KindUnassigned:
			s.deriveAssignedTx(tx, d, reach, e, bad)
		case KindSurveyAdded:
			var p surveyAdded
			if err := json.Unmarshal(e.Data, &p); err != nil {
				bad(err)
				return
			}
			d.surveys[string(surveyKey(p.ID, p.Revision))] = p.SHA256
		case KindConsent:
			var p consentRecorded
			if err := json.Unmarshal(e.Data, &p); err != nil {
				bad(err)
				return
			}
			r := &InterviewRecord{ID: p.Interview, Survey: p.Consent.Survey, Revision: p.Revision, Contact: p.Consent.Contact,
				Interviewer: p.Consent.Interviewer, Status: InterviewActive, Consent: p.Consent, Started: p.Consent.At.UTC()}
			if !p.Consent.Agreed {
				r.Status, r.Ended = InterviewRefused, p.Consent.At.UTC()
			}
			d.interviews[p.Interview] = r
		case KindAnswer:
			var p answerRecorded
			if err := json.Unmarshal(e.Data, &p); err != nil {
				bad(err)
				return
			}
			d.answers[p.Interview]++
			if v := tx.Bucket(bAnswers).Get(answerKey(p.Interview, e.Seq)); v == nil {
				bad(fmt.Errorf("answer to %s in %s is missing from the answers", p.Answer.Item, p.Interview))
			} else {
				var a answerRecorded
				if err := s.openJSON(v, &a.Answer); err != nil {
					bad(err)
				} else if !cmp.Equal(p.Answer, a.Answer) {
					// Equal first: a diff formats a report even when
					// there is no difference, for every answer.
					diff := cmp.Diff(p.Answer, a.Answer)
					bad(fmt.Errorf("stored answer differs from the log (-log +stored):\n%s", diff))
				}
			}
		case KindSuspended, KindResumed, KindCompleted, KindBrokenOff, KindScreenedOut:
			var p interviewStep
			if err := json.Unmarshal(e.Data, &p); err != nil || d.interviews[p.Interview] == nil {
				bad(fmt.Errorf("unknown interview %q", p.Interview))
				return
			}
			r := d.interviews[p.Interview]
			switch e.Kind {
			case KindSuspended:
				r.Status = InterviewSuspended
				if p.Release {
					if cid, err := s.cidTx(tx, r.Survey, r.Contact); err == nil {
						if st := d.state(s, tx, cid); st != nil {
							st.LeasedBy, st.LeaseUntil = "", time.Time{}
						}
					}
				}
			case KindResumed:
				r.Status = InterviewActive
			case KindCompleted:
				r.Status, r.Ended = InterviewCompleted, e.At
			case KindBrokenOff:
				r.Status, r.Ended = InterviewBrokenOff, e.At
			case KindScreenedOut:
				r.Status, r.Ended = InterviewScreenedOut, e.At
			}
		}
	}
	return d, each
}

func (s *Store) decodeKeyJSON(data []byte, v any, key func() string) ([32]byte, error) {
	if err := json.Unmarshal(data, v); err != nil {
		return [32]byte{}, err
	}
	b, err := hex.DecodeString(string(bytes.TrimPrefix([]byte(key()), []byte("sha256:"))))
	if err != nil || len(b) != 32 {
		return [32]byte{}, fmt.Errorf("bad opt-out key %q", key())
	}
	return s.indexKey([32]byte(b)), nil
}

func (s *Store) compareContactsTx(tx *bolt.Tx, d *derived, rep *DoctorReport, problem func(string, ...any)) {
	importRunning := map[uint64]bool{}
	running := func(imp uint64) bool {
		r, ok := importRunning[imp]
		if !ok {
			rec, err := importTx(tx, imp)
			r = err == nil && rec.Status != ImportDone
			importRunning[imp] = r
		}
		return r
	}
	// Every state record belongs to a contact the log imported.
	tx.Bucket(bCState).ForEach(func(k, v []byte) error {
		cid := binary.BigEndian.Uint64(k)
		if d.states[cid] == nil && d.rangeOf(cid) == nil {
			var st ContactState
			json.Unmarshal(v, &st)
			problem("contact %d (%s/%s) has a state but no import event", cid, st.Survey, st.ID)
		}
		return nil
	})
	check := func(cid uint64, want *ContactState) {
		rep.Contacts++
		st, err := s.stateTx(tx, cid)
		if err != nil {
			problem("contact %d was imported but has no state: %v", cid, err)
			return
		}
		// The queue position may lie later than the log says: the calling
		// rules defer contacts without an event (and a contact deferred,
		// then suppressed or retired, keeps it).
		got := *st
		if !got.QueueAt.Before(want.QueueAt) {
			got.QueueAt = want.QueueAt
		}
		// Draws made before leased contacts kept their place in the queue
		// moved them to the lease's end, due time included.
		if got.Status == StatusQueued && !got.LeaseUntil.IsZero() && got.Due.Equal(got.LeaseUntil) && got.Due.After(want.Due) {
			got.Due = want.Due
		}
		if !statesEqual(want, &got) {
			problem("contact %d (%s/%s): state differs from the log (-log +store):\n%s", cid, st.Survey, st.ID, cmp.Diff(*want, got))
		}
		if st.Status == StatusQueued && !queueHasTx(tx, st.Survey, st.Priority, st.QueueAt, cid) {
			problem("contact %d (%s/%s) is queued but missing from the queue", cid, st.Survey, st.ID)
		}
		if running(st.Import) {
			return // index entries are written when an import ends
		}
		if got, err := s.cidTx(tx, st.Survey, st.ID); err != nil || got != cid {
			problem("contact %d (%s/%s) is missing from the id index", cid, st.Survey, st.ID)
		}
	}
	cids := make([]uint64, 0, len(d.states))
	for cid := range d.states {
		cids = append(cids, cid)
	}
	slices.Sort(cids)
	for _, cid := range cids {
		check(cid, d.states[cid])
	}
	// The contacts of the sample layout no event touched are as their
	// import left them; every one of them is in its import's runs.
	cstates, leases := tx.Bucket(bCState), tx.Bucket(bLeases)
	for _, r := range d.ranges {
		for cid := r.first; cid <= r.last; cid++ {
			c, err := s.contactTx(tx, cid)
			if err != nil {
				problem("contact %d of import %d: %v", cid, r.imp, err)
				continue
			}
			switch {
			case d.states[cid] != nil:
			case cstates.Get(u64(cid)) != nil || leases.Get(u64(cid)) != nil:
				want := initialState(c, r.imp, r.at)
				check(cid, &want) // a state no event explains
			default:
				// As its import left it, by construction of stateTx:
				// only its place in the queue and the index need a look.
				rep.Contacts++
				if !queueHasTx(tx, r.survey, PriorityNormal, r.at, cid) && releasedTx(tx, r.imp, replicateOf(c)) {
					problem("contact %d (%s/%s) is queued but missing from the queue", cid, r.survey, c.ID)
				}
				k := s.sampleIDKey(r.survey, c.ID)
				if runFind(tx, runID, r.imp, k[:]) != cid {
					problem("contact %d (%s/%s) is missing from the id index", cid, r.survey, c.ID)
				}
			}
			for _, key := range s.contactKeys(c) {
				if runFind(tx, runReach, r.imp, key[:]) != cid && !reachBucketHasTx(tx, key[:], cid) {
					problem("contact %d (%s/%s) is missing from the reach index", cid, c.Survey, c.ID)
				}
			}
		}
	}
	// Every queue entry belongs to a queued contact at that very place; a
	// range holds only contacts without a state record.
	c := tx.Bucket(bQueue).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		i := bytes.IndexByte(k, 0)
		if i < 0 || len(k) != i+1+1+8+8 || (len(v) != 0 && len(v) != 8) {
			problem("queue key %x is malformed", k)
			continue
		}
		first := binary.BigEndian.Uint64(k[len(k)-8:])
		last := first
		if len(v) == 8 {
			last = binary.BigEndian.Uint64(v)
		}
		for cid := first; cid <= last && cid >= first; cid++ {
			queued, survey := false, ""
			if st := d.states[cid]; st != nil {
				queued, survey = st.Status == StatusQueued, st.Survey
			} else if r := d.rangeOf(cid); r != nil {
				queued, survey = true, r.survey
			}
			if !queued || survey != string(k[:i]) {
				problem("queue entry for contact %d, which is not queued in %s", cid, k[:i])
			}
			if len(v) == 8 && tx.Bucket(bCState).Get(u64(cid)) != nil {
				problem("contact %d has a state of its own but is still in its import's queue range", cid)
			}
		}
	}
}

func (s *Store) compareOptOutsTx(tx *bolt.Tx, d *derived, rep *DoctorReport, problem func(string, ...any)) {
	b := tx.Bucket(bOptOut)
	b.ForEach(func(k, v []byte) error {
		rep.OptOuts++
		key := [32]byte(k)
		seq := binary.BigEndian.Uint64(v)
		if d.single[key] == seq {
			return nil
		}
		if slices.Contains(d.bulk, seq) && optRowsHasTx(tx, seq, k) && d.removed[key] < seq {
			return nil
		}
		problem("opt-out sha256:%x is on the list but the log does not put it there (event %d)", k, seq)
		return nil
	})
	for key := range d.single {
		if b.Get(key[:]) == nil {
			problem("opt-out sha256:%x was added and never removed but is not on the list", key)
		}
	}
	for _, seq := range d.bulk {
		// The event, sealed and chained, says how many rows it added and
		// (since schema 3) their digest: rows taken out of optrows with
		// their keys, or swapped for others, do not match it.
		ev := d.bulkEvents[seq]
		rows, parts, sum := 0, 0, sha256.New()
		rc := tx.Bucket(bOptRows).Cursor()
		pre := u64(seq)
		for rk, rv := rc.Seek(pre); rk != nil && bytes.HasPrefix(rk, pre); rk, rv = rc.Next() {
			rows += len(rv) / 32
			parts++
			sum.Write(rv)
		}
		if rows != ev.Added || parts != ev.Parts {
			problem("opt-out import event %d added %d values in %d parts, but optrows holds %d in %d: opt-outs were taken out", seq, ev.Added, ev.Parts, rows, parts)
		} else if ev.Rows != "" && ev.Rows != hex.EncodeToString(sum.Sum(nil)) {
			problem("the rows of opt-out import event %d are not the ones it added: opt-outs were swapped", seq)
		}
		for rk, rv := rc.Seek(pre); rk != nil && bytes.HasPrefix(rk, pre); rk, rv = rc.Next() {
			for i := 0; i+32 <= len(rv); i += 32 {
				key := [32]byte(rv[i : i+32])
				if d.removed[key] < seq && b.Get(key[:]) == nil {
					problem("opt-out sha256:%x was imported by event %d and never removed but is not on the list", key, seq)
				}
			}
		}
	}
}

func (s *Store) compareInterviewsTx(tx *bolt.Tx, d *derived, rep *DoctorReport, problem func(string, ...any)) {
	tx.Bucket(bInterviews).ForEach(func(k, _ []byte) error {
		rep.Interviews++
		r, err := s.interviewTx(tx, string(k))
		if err != nil {
			problem("interview %s: %v", k, err)
			return nil
		}
		want := d.interviews[r.ID]
		if want == nil {
			problem("interview %s has no consent event", r.ID)
			return nil
		}
		if !cmp.Equal(want, r) {
			diff := cmp.Diff(want, r)
			problem("interview %s differs from the log (-log +store):\n%s", r.ID, diff)
		}
		return nil
	})
	for id := range d.interviews {
		if tx.Bucket(bInterviews).Get([]byte(id)) == nil {
			problem("interview %s was started but has no record", id)
		}
	}
	counts := map[string]int{}
	tx.Bucket(bAnswers).ForEach(func(k, _ []byte) error {
		rep.Answers++
		if i := bytes.IndexByte(k, 0); i > 0 {
			counts[string(k[:i])]++
		}
		return nil
	})
	for id, n := range counts {
		if d.answers[id] != n {
			problem("interview %s holds %d answers, the log has %d", id, n, d.answers[id])
		}
	}
	for id, n := range d.answers {
		if counts[id] != n {
			problem("interview %s holds %d answers, the log has %d", id, counts[id], n)
		}
	}
	tx.Bucket(bSurveys).ForEach(func(k, v []byte) error {
		var r SurveyRecord
		if err := json.Unmarshal(v, &r); err != nil {
			problem("survey %q: %v", k, err)
			return nil
		}
		if d.surveys[string(k)] != r.SHA256 {
			problem("survey %s revision %d is not the one the log added", r.ID, r.Revision)
		}
		delete(d.surveys, string(k))
		return nil
	})
	for k := range d.surveys {
		problem("survey %q was added but is missing", k)
	}
}

// Compact rewrites the store at path into a fresh file without free pages,
// then puts it in the old one's place. It holds the store's lock
// throughout, so no other canvass can write meanwhile.
func Compact(path string, opts Options) (before, after int64, err error) {
	src, err := Open(path, opts)
	if err != nil {
		return 0, 0, err
	}
	defer src.Close()
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".compact")
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := bolt.Compact(dst, src.db, 64<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	nfi, err := os.Stat(tmp)
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return fi.Size(), nfi.Size(), nil
}

// statesEqual reports whether two contact states are the same, as
// cmp.Equal would (times by Equal), without its reflection: Doctor
// compares every contact a call touched (TestStatesEqualSeesEveryField
// holds it to every field).
func statesEqual(a, b *ContactState) bool {
	if a.Survey != b.Survey || a.ID != b.ID || a.Import != b.Import || a.Status != b.Status ||
		a.Priority != b.Priority || !a.Due.Equal(b.Due) || !a.QueueAt.Equal(b.QueueAt) ||
		a.Attempts != b.Attempts || a.LastOutcome != b.LastOutcome || !a.LastCall.Equal(b.LastCall) ||
		!a.Appointment.Equal(b.Appointment) || a.AppointmentBy != b.AppointmentBy || a.LeasedBy != b.LeasedBy ||
		!a.LeaseUntil.Equal(b.LeaseUntil) || a.SuppressedBy != b.SuppressedBy || len(a.Calls) != len(b.Calls) {
		return false
	}
	for i := range a.Calls {
		x, y := a.Calls[i], b.Calls[i]
		if !x.At.Equal(y.At) || x.Outcome != y.Outcome || x.Interviewer != y.Interviewer || x.Phone != y.Phone {
			return false
		}
	}
	return true
}
