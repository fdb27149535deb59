package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// # Events from other stores
//
// A store appends each event it takes from a bundle to its own log: with
// a sequence number of its own and chained to its own log, but keeping the
// event's id (the device that made it and that device's sequence number)
// and time, and with the payload rewritten where it names something by a
// number of the sending store: a contact's cid (found again by survey and
// sample id) and an opt-out event's sequence number (found by the event's
// id). It applies the event to its projections as the store that made it
// did, so that doctor re-derives every projection from the one log as it
// always does. The seen set remembers, for every event of another store,
// the local event that stands for it, so that an event applied once is
// never applied again, whichever way it comes:
//
//	seen: origin device(8) ‖ origin seq(8) => local seq(8) of the event that stands for it
//
// An opt-out a store already had is not appended twice: its seen entry
// names the event that put the value on the list.

var bSeen = []byte("seen")

// seenKey is the key of event id in the seen bucket.
func seenKey(id string) ([]byte, error) {
	dev, seq, ok := strings.Cut(id, "-")
	d, err := hex.DecodeString(dev)
	if !ok || err != nil || len(d) != 8 {
		return nil, fmt.Errorf("event id %q is not DEVICE-SEQ", id)
	}
	n, err := parseSeq(seq)
	if err != nil {
		return nil, fmt.Errorf("event id %q is not DEVICE-SEQ", id)
	}
	return binary.BigEndian.AppendUint64(d, n), nil
}

func seenTx(tx *bolt.Tx, id string) (uint64, bool) {
	b := tx.Bucket(bSeen)
	if b == nil {
		return 0, false
	}
	k, err := seenKey(id)
	if err != nil {
		return 0, false
	}
	v := b.Get(k)
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

func putSeenTx(tx *bolt.Tx, id string, seq uint64) error {
	b, err := tx.CreateBucketIfNotExists(bSeen)
	if err != nil {
		return err
	}
	k, err := seenKey(id)
	if err != nil {
		return err
	}
	return b.Put(k, u64(seq))
}

// localSeqTx is the sequence number in this store of the event with id,
// or 0 when it has none.
func (s *Store) localSeqTx(tx *bolt.Tx, id string) uint64 {
	if id == "" {
		return 0
	}
	if originOf(id) == s.device {
		_, seq, _ := strings.Cut(id, "-")
		n, _ := parseSeq(seq)
		return n
	}
	n, _ := seenTx(tx, id)
	return n
}

// applier applies the events of one bundle.
type applier struct {
	s    *Store
	peer *DeviceRecord
	// hub is set when this store is the hub (the bundle is a laptop's).
	hub   bool
	actor string
	// xdata holds the interviews whose export data came with the bundle,
	// as the sender had them after its last event: the events leave
	// those alone.
	xdata map[string]bool
	res   *BundleInResult
}

// takes reports whether this store takes events of kind from the peer.
func (a *applier) takes(kind string) bool {
	if a.hub {
		return laptopKinds[kind]
	}
	return hubKinds[kind]
}

// applyTx applies one event of the bundle inside tx.
func (a *applier) applyTx(tx *bolt.Tx, e *bundleEvent) error {
	s := a.s
	if e.Stub || originOf(e.ID) == s.device {
		return nil
	}
	if _, ok := seenTx(tx, e.ID); ok {
		a.res.Duplicates++
		return nil
	}
	if !a.takes(e.Kind) {
		a.res.Skipped++
		return nil
	}
	var x syncExtra
	if len(e.Extra) > 0 {
		if err := json.Unmarshal(e.Extra, &x); err != nil {
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
	}
	if err := a.applyKindTx(tx, e, &x); err != nil {
		return fmt.Errorf("apply event %s (%s): %w", e.ID, e.Kind, err)
	}
	return nil
}

// appendTx appends event e with payload data, and remembers it as seen.
func (a *applier) appendTx(tx *bolt.Tx, e *bundleEvent, data []byte) (*Event, error) {
	return a.appendSealedTx(tx, e, data, nil, nil)
}

// appendSameTx appends event e with its payload as it came, sealed and
// digested ahead when prepare did.
func (a *applier) appendSameTx(tx *bolt.Tx, e *bundleEvent) (*Event, error) {
	return a.appendSealedTx(tx, e, e.Data, e.sealed, e.digest)
}

func (a *applier) appendSealedTx(tx *bolt.Tx, e *bundleEvent, data, sealed, digest []byte) (*Event, error) {
	ev, err := a.s.appendSealedTx(tx, e.ID, e.Kind, e.Actor, e.At, data, sealed, digest)
	if err != nil {
		return nil, err
	}
	a.res.Events++
	return ev, putSeenTx(tx, e.ID, ev.Seq)
}

// prepare does ahead, outside the transaction and on the reader's
// goroutine, the work on event e that does not depend on this store's
// state: sealing its payload and digesting it for the log (for the kinds
// appended as they came), and decoding an answer with its sealed value.
// What it cannot do it leaves to applyTx, which then does it itself. It
// uses only the codec, which is safe for concurrent use and fixed once the
// store is open.
func (a *applier) prepare(e *bundleEvent) {
	s := a.s
	if e.Stub || originOf(e.ID) == s.device || !a.takes(e.Kind) {
		return
	}
	switch e.Kind {
	case KindPresented, KindCall, KindSuppressed, KindRetired, KindCallNote, KindOptOutImported,
		KindSuspended, KindResumed, KindCompleted, KindBrokenOff, KindAssigned, KindUnassigned:
		return // appended rewritten
	}
	sealed, err := s.codec.Seal(e.Data)
	if err != nil {
		return
	}
	e.sealed, e.digest = sealed, s.payloadDigest(e.Data)
	if e.Kind == KindAnswer {
		var p answerRecorded
		if json.Unmarshal(e.Data, &p) != nil {
			return
		}
		if v, err := s.sealJSON(p.Answer); err == nil {
			e.answer, e.answerVal = &p, v
		}
	}
}

// same records that event e stands for this store's event seq.
func (a *applier) same(tx *bolt.Tx, e *bundleEvent, seq uint64) error {
	a.res.Duplicates++
	return putSeenTx(tx, e.ID, seq)
}

// skip counts an event this store cannot apply: about a contact or an
// interview it does not have.
func (a *applier) skip(why string) {
	a.res.Skipped++
	if len(a.res.Notes) < maxReported {
		a.res.Notes = append(a.res.Notes, why)
	}
}

// contactOf finds the contact a payload names in this store.
func (a *applier) contactOf(tx *bolt.Tx, survey, id string) (uint64, bool, error) {
	cid, err := a.s.cidTx(tx, survey, id)
	if errors.Is(err, ErrNotFound) {
		return 0, false, nil
	}
	return cid, err == nil, err
}

func (a *applier) applyKindTx(tx *bolt.Tx, e *bundleEvent, x *syncExtra) error {
	s := a.s
	switch e.Kind {
	case KindSurveyAdded:
		return a.surveyTx(tx, e, x)
	case KindOptOutAdded:
		var p optOutAdded
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return err
		}
		h, ok := model.ParseHashedOptOut(p.Key)
		if !ok {
			return fmt.Errorf("bad opt-out key %q", p.Key)
		}
		k := s.indexKey(h)
		b := tx.Bucket(bOptOut)
		if v := b.Get(k[:]); len(v) == 8 {
			return a.same(tx, e, binary.BigEndian.Uint64(v))
		}
		ev, err := a.appendSameTx(tx, e)
		if err != nil {
			return err
		}
		if err := b.Put(k[:], u64(ev.Seq)); err != nil {
			return err
		}
		return s.suppressTx(tx, k, ev.Seq, ev.Actor, ev.At)
	case KindOptOutImported:
		return a.optOutRowsTx(tx, e)
	case KindPresented:
		var p presented
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return err
		}
		cid, ok, err := a.contactOf(tx, p.Survey, p.ID)
		if err != nil || !ok {
			a.skip("a presentation of " + p.Survey + "/" + p.ID + ", a contact this store does not have")
			return err
		}
		p.CID = cid
		if _, err := a.appendJSONTx(tx, e, p); err != nil {
			return err
		}
		return putLeaseTx(tx, cid, p.Interviewer, p.LeaseUntil)
	case KindCall:
		var p callRecorded
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return err
		}
		cid, ok, err := a.contactOf(tx, p.Survey, p.ID)
		if err != nil || !ok {
			a.skip("a call to " + p.Survey + "/" + p.ID + ", a contact this store does not have")
			return err
		}
		p.CID = cid
		if _, err := a.appendJSONTx(tx, e, p); err != nil {
			return err
		}
		s.leases.forget(cid)
		st, err := s.stateTx(tx, cid)
		if err != nil {
			return err
		}
		if p.Call.Note != "" {
			if err := s.putCallNoteTx(tx, cid, p.Call.At, p.Call.Note); err != nil {
				return err
			}
		}
		ns := *st
		applyCall(&ns, p.Call)
		return s.requeueTx(tx, cid, st, &ns)
	case KindSuppressed:
		var p suppressedAtDraw
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return err
		}
		cid, ok, err := a.contactOf(tx, p.Survey, p.ID)
		if err != nil || !ok {
			a.skip("a suppression of " + p.Survey + "/" + p.ID + ", a contact this store does not have")
			return err
		}
		p.CID, p.OptOut = cid, s.localSeqTx(tx, x.OptOut)
		if _, err := a.appendJSONTx(tx, e, p); err != nil {
			return err
		}
		st, err := s.stateTx(tx, cid)
		if err != nil {
			return err
		}
		ns := *st
		applySuppressed(&ns, p.OptOut)
		return s.requeueTx(tx, cid, st, &ns)
	case KindRetired:
		var p retired
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return err
		}
		cid, ok, err := a.contactOf(tx, p.Survey, p.ID)
		if err != nil || !ok {
			a.skip("a retirement of " + p.Survey + "/" + p.ID + ", a contact this store does not have")
			return err
		}
		p.CID = cid
		if _, err := a.appendJSONTx(tx, e, p); err != nil {
			return err
		}
		st, err := s.stateTx(tx, cid)
		if err != nil {
			return err
		}
		ns := *st
		ns.Status = StatusRetired
		return s.requeueTx(tx, cid, st, &ns)
	case KindCallNote:
		var p callNoteAdded
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return err
		}
		cid, ok, err := a.contactOf(tx, p.Survey, p.ID)
		if err != nil || !ok {
			a.skip("a call note on " + p.Survey + "/" + p.ID + ", a contact this store does not have")
			return err
		}
		p.CID = cid
		if _, err := a.appendJSONTx(tx, e, p); err != nil {
			return err
		}
		return s.putCallNoteTx(tx, cid, p.At, x.Note)
	case KindConsent:
		return a.consentTx(tx, e)
	case KindAnswer:
		p, v := e.answer, e.answerVal
		if p == nil {
			p = &answerRecorded{}
			if err := json.Unmarshal(e.Data, p); err != nil {
				return err
			}
		}
		if tx.Bucket(bInterviews).Get([]byte(p.Interview)) == nil {
			a.skip("an answer in interview " + p.Interview + ", which this store does not have")
			return nil
		}
		ev, err := a.appendSameTx(tx, e)
		if err != nil {
			return err
		}
		if v == nil {
			if v, err = s.sealJSON(p.Answer); err != nil {
				return err
			}
		}
		if p.Answer.Override != "" {
			if r, err := s.interviewTx(tx, p.Interview); err == nil {
				s.markInterviewTx(r, 1)
			}
		}
		return tx.Bucket(bAnswers).Put(answerKey(p.Interview, ev.Seq), v)
	case KindSuspended, KindResumed, KindCompleted, KindBrokenOff, KindScreenedOut:
		return a.stepTx(tx, e, x)
	case KindReview:
		return a.reviewTx(tx, e)
	case KindNote:
		var p noteAdded
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return err
		}
		if tx.Bucket(bInterviews).Get([]byte(p.Interview)) == nil {
			a.skip("a note in interview " + p.Interview + ", which this store does not have")
			return nil
		}
		ev, err := a.appendSameTx(tx, e)
		if err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bINotes)
		if err != nil {
			return err
		}
		v, err := s.sealJSON(p.Note)
		if err != nil {
			return err
		}
		return b.Put(append(idPrefix(p.Interview), u64(ev.Seq)...), v)
	case KindAssigned:
		data, err := s.receiveAssignedTx(tx, e, a.peer, x.Contacts)
		if err != nil {
			return err
		}
		a.res.Assigned += len(x.Contacts)
		_, err = a.appendTx(tx, e, data)
		return err
	case KindUnassigned:
		data, err := s.receiveUnassignedTx(tx, e)
		if err != nil {
			return err
		}
		a.res.Withdrawn++
		_, err = a.appendTx(tx, e, data)
		return err
	case KindMessage:
		var p messageSent
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return err
		}
		ev, err := a.appendSameTx(tx, e)
		if err != nil {
			return err
		}
		m := Message{From: a.peer.Name, By: e.Actor, At: e.At, Text: p.Text}
		a.res.Messages = append(a.res.Messages, m)
		return s.putMessageTx(tx, ev, a.peer.Name, p.Text)
	}
	a.res.Skipped++
	return nil
}

// appendJSONTx appends e with payload v, as rewritten.
func (a *applier) appendJSONTx(tx *bolt.Tx, e *bundleEvent, v any) (*Event, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return a.appendTx(tx, e, data)
}

// surveyTx installs a questionnaire revision from the hub, as the hub has
// it: revisions are numbered alike in every store of a sync group.
func (a *applier) surveyTx(tx *bolt.Tx, e *bundleEvent, x *syncExtra) error {
	var p surveyAdded
	if err := json.Unmarshal(e.Data, &p); err != nil {
		return err
	}
	if x.Survey == nil || x.Survey.ID != p.ID || x.Survey.Revision != p.Revision || x.Survey.SHA256 != p.SHA256 {
		return fmt.Errorf("survey %s revision %d comes without its questionnaire", p.ID, p.Revision)
	}
	b := tx.Bucket(bSurveys)
	if v := b.Get(surveyKey(p.ID, p.Revision)); v != nil {
		var have SurveyRecord
		if err := json.Unmarshal(v, &have); err != nil {
			return err
		}
		if have.SHA256 != p.SHA256 {
			return fmt.Errorf("survey %s revision %d of this store is not the hub's: a laptop takes its questionnaires from its hub, so use a new store for it", p.ID, p.Revision)
		}
		return a.same(tx, e, 0)
	}
	if _, err := a.appendSameTx(tx, e); err != nil {
		return err
	}
	v, err := json.Marshal(x.Survey)
	if err != nil {
		return err
	}
	a.res.Surveys++
	return b.Put(surveyKey(p.ID, p.Revision), v)
}

// optOutRowsTx applies a bulk opt-out event: the rows new to this store
// go on the list under the event, and suppress the contacts they reach.
func (a *applier) optOutRowsTx(tx *bolt.Tx, e *bundleEvent) error {
	s := a.s
	var p optOutImported
	if err := json.Unmarshal(e.Data, &p); err != nil {
		return err
	}
	b := tx.Bucket(bOptOut)
	var fresh []byte
	for i := 0; i+32 <= len(e.Rows); i += 32 {
		if b.Get(e.Rows[i:i+32]) == nil {
			fresh = append(fresh, e.Rows[i:i+32]...)
		}
	}
	if len(fresh) == 0 {
		return a.same(tx, e, 0)
	}
	seq := nextSeqTx(tx)
	reach := newReachProbe(tx)
	var suppress [][32]byte
	for i := 0; i < len(fresh); i += 32 {
		if reach.has(fresh[i : i+32]) {
			suppress = append(suppress, [32]byte(fresh[i:i+32]))
		}
	}
	for i := 0; i < len(fresh); i += 32 {
		if err := b.Put(fresh[i:i+32], u64(seq)); err != nil {
			return err
		}
	}
	parts := 0
	for i := 0; i < len(fresh); i += optPartKeys * 32 {
		k := binary.BigEndian.AppendUint32(u64(seq), uint32(parts))
		if err := tx.Bucket(bOptRows).Put(k, fresh[i:min(i+optPartKeys*32, len(fresh))]); err != nil {
			return err
		}
		parts++
	}
	p.Already += p.Added - len(fresh)/32
	p.Added, p.Parts = len(fresh)/32, parts
	// The digest vouches for the rows as this store holds them: only the
	// fresh ones (see optOutImported.Rows).
	sum := sha256.Sum256(fresh)
	p.Rows = hex.EncodeToString(sum[:])
	ev, err := a.appendJSONTx(tx, e, p)
	if err != nil {
		return err
	}
	if ev.Seq != seq {
		return fmt.Errorf("event sequence moved from %d to %d", seq, ev.Seq)
	}
	for _, k := range suppress {
		if err := s.suppressTx(tx, k, seq, ev.Actor, ev.At); err != nil {
			return err
		}
	}
	return nil
}

// consentTx starts (or records the refusal of) an interview of another
// store. When this store has an interview of the same contact in the
// survey already, both are kept and both are flagged for review.
func (a *applier) consentTx(tx *bolt.Tx, e *bundleEvent) error {
	s := a.s
	var p consentRecorded
	if err := json.Unmarshal(e.Data, &p); err != nil {
		return err
	}
	if tx.Bucket(bInterviews).Get([]byte(p.Interview)) != nil {
		return a.same(tx, e, 0)
	}
	ev, err := a.appendSameTx(tx, e)
	if err != nil {
		return err
	}
	c := p.Consent
	r := &InterviewRecord{ID: p.Interview, Survey: c.Survey, Revision: p.Revision, Contact: c.Contact,
		Interviewer: c.Interviewer, Status: InterviewActive, Consent: c, Started: c.At.UTC()}
	if !c.Agreed {
		r.Status, r.Ended = InterviewRefused, c.At.UTC()
	}
	if err := s.putInterviewTx(tx, r); err != nil {
		return err
	}
	a.res.Interviews++
	cid, ok, err := a.contactOf(tx, c.Survey, c.Contact)
	if err != nil || !ok {
		return err
	}
	byKey := append(idPrefix(c.Survey), u64(cid)...)
	old := tx.Bucket(bIByContact).Get(byKey)
	if old == nil {
		return tx.Bucket(bIByContact).Put(byKey, []byte(p.Interview))
	}
	first := string(old)
	note := fmt.Sprintf("%s/%s was interviewed twice: on %s (interview %s) and on %s (interview %s); both are kept",
		c.Survey, c.Contact, a.deviceName(tx, originOf(first)), first, a.deviceName(tx, originOf(p.Interview)), p.Interview)
	for _, id := range []string{first, p.Interview} {
		if err := s.flagTx(tx, id, syncActor, note, ev.At); err != nil {
			return err
		}
	}
	a.res.Flagged += 2
	return nil
}

// syncActor is who the events sync itself writes name.
const syncActor = "canvass-sync"

// deviceName names a device for a note: its registered name, or this
// store.
func (a *applier) deviceName(tx *bolt.Tx, dev string) string {
	if dev == a.s.device {
		return "this store"
	}
	if d, err := deviceTx(tx, dev); err == nil {
		return d.Name
	}
	return "device " + dev
}

// flagTx flags an interview for review, as [Store.Flag] does.
func (s *Store) flagTx(tx *bolt.Tx, interview, actor, note string, at time.Time) error {
	rs, err := s.reviewStateTx(tx, interview)
	if err != nil {
		return err
	}
	e, err := s.appendTx(tx, KindReview, actor, at, reviewRecorded{Interview: interview, Decision: DecisionFlagged, Note: note})
	if err != nil {
		return err
	}
	if err := s.noteReviewTx(tx, interview, e, DecisionFlagged, note); err != nil {
		return err
	}
	rs.Flagged, rs.FlagNote, rs.FlagBy, rs.FlagAt = true, note, actor, e.At
	return s.putReviewStateTx(tx, interview, rs)
}

// stepTx applies an interview's suspension, resumption, completion or
// break-off, as the store that made it did.
func (a *applier) stepTx(tx *bolt.Tx, e *bundleEvent, x *syncExtra) error {
	s := a.s
	var p interviewStep
	if err := json.Unmarshal(e.Data, &p); err != nil {
		return err
	}
	r, err := s.interviewTx(tx, p.Interview)
	if errors.Is(err, ErrNotFound) {
		a.skip("a step of interview " + p.Interview + ", which this store does not have")
		return nil
	} else if err != nil {
		return err
	}
	p.OptOut = s.localSeqTx(tx, x.OptOut)
	ev, err := a.appendJSONTx(tx, e, p)
	if err != nil {
		return err
	}
	to := map[string]string{KindSuspended: InterviewSuspended, KindResumed: InterviewActive,
		KindCompleted: InterviewCompleted, KindBrokenOff: InterviewBrokenOff, KindScreenedOut: InterviewScreenedOut}[e.Kind]
	if e.Kind == KindResumed {
		// Reopened after a rejection (see reopenTx).
		rs, err := s.reviewStateTx(tx, r.ID)
		if err != nil {
			return err
		}
		if ReviewStatus(*r, rs) == InterviewRejected {
			rs.Decision, rs.By, rs.At, rs.Note = "", "", time.Time{}, ""
			rs.Rejections[len(rs.Rejections)-1].Reopened = ev.At
			if err := s.putReviewStateTx(tx, r.ID, rs); err != nil {
				return err
			}
		}
	}
	if a.xdata[r.ID] {
		if err := s.quotaStatusTx(tx, r, to); err != nil {
			return err
		}
		err = s.putStepTx(tx, r.ID, ExportStep{Seq: ev.Seq, Kind: ev.Kind, Actor: ev.Actor, At: ev.At, Note: p.Note})
	} else {
		err = s.noteStatusTx(tx, r, ev, p.Note, to)
	}
	if err != nil {
		return err
	}
	r.Status = to
	if to == InterviewCompleted || to == InterviewBrokenOff || to == InterviewScreenedOut {
		r.Ended = ev.At
	}
	return s.putInterviewTx(tx, r)
}

// reviewTx applies a review decision, as [Store.decide] does.
func (a *applier) reviewTx(tx *bolt.Tx, e *bundleEvent) error {
	s := a.s
	var p reviewRecorded
	if err := json.Unmarshal(e.Data, &p); err != nil {
		return err
	}
	if tx.Bucket(bInterviews).Get([]byte(p.Interview)) == nil {
		a.skip("a review of interview " + p.Interview + ", which this store does not have")
		return nil
	}
	rs, err := s.reviewStateTx(tx, p.Interview)
	if err != nil {
		return err
	}
	ev, err := a.appendSameTx(tx, e)
	if err != nil {
		return err
	}
	if err := s.noteReviewTx(tx, p.Interview, ev, p.Decision, p.Note); err != nil {
		return err
	}
	switch p.Decision {
	case DecisionApproved:
		rs.Decision, rs.By, rs.At, rs.Note = DecisionApproved, ev.Actor, ev.At, p.Note
	case DecisionRejected:
		rs.Decision, rs.By, rs.At, rs.Note = DecisionRejected, ev.Actor, ev.At, p.Note
		rs.Rejections = append(rs.Rejections, Rejection{By: ev.Actor, At: ev.At, Comment: p.Note, Items: slices.Clone(p.Items)})
		a.res.Returned++
	case DecisionFlagged:
		rs.Flagged, rs.FlagNote, rs.FlagBy, rs.FlagAt = true, p.Note, ev.Actor, ev.At
	case DecisionUnflagged:
		rs.Flagged, rs.FlagNote, rs.FlagBy, rs.FlagAt = false, "", "", time.Time{}
	}
	a.res.Reviews++
	return s.putReviewStateTx(tx, p.Interview, rs)
}

// putIStateTx keeps an interview's engine state from a bundle.
func (s *Store) putIStateTx(tx *bolt.Tx, id string, state []byte) error {
	v, err := s.codec.Seal(state)
	if err != nil {
		return err
	}
	return tx.Bucket(bIState).Put([]byte(id), v)
}

// putXDataTx keeps an interview's export projection from a bundle.
func (s *Store) putXDataTx(tx *bolt.Tx, id string, plain []byte) error {
	var p projection
	if err := decodeProjection(plain, &p, func(b []byte) string { return string(b) }); err != nil {
		return fmt.Errorf("export data of %s: %w", id, err)
	}
	b, err := tx.CreateBucketIfNotExists(bXData)
	if err != nil {
		return err
	}
	v, err := s.codec.Seal(plain)
	if err != nil {
		return err
	}
	return b.Put([]byte(id), v)
}

// sortedRows reports whether rows are ascending 32-byte keys.
func sortedRows(rows []byte) bool {
	for i := 32; i+32 <= len(rows); i += 32 {
		if bytes.Compare(rows[i-32:i], rows[i:i+32]) >= 0 {
			return false
		}
	}
	return true
}
