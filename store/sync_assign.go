package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// # Assignments
//
// A hub hands contacts to its laptops with [Store.Assign]: each contact
// belongs to one device at a time, and the hub's own draws pass over the
// contacts its laptops hold. Taking a contact back ([Store.Unassign]), or
// moving it to another laptop, waits until the laptop has applied the
// hub's event that withdraws it (its next bundle acknowledges it): until
// then the laptop may still be calling. Forced, the move is at once, and
// the event names the supervisor who forced it.
//
//	assigned: cid(8) => assignment JSON (device, survey, sample id, a move waiting for the device)
//
// A laptop receives the assignment event with the contact records and
// keeps the contacts as the older per-contact layout does (contacts, cids,
// reach, cstate, queue), each assignment with an import record of its own
// so that draws treat them as any finished import; a contact withdrawn
// from it leaves its queue with the status StatusWithdrawn.

// Event kinds of assignments; the payload of each is an assignedEvent.
const (
	// KindAssigned gives contacts to a device.
	KindAssigned = "contacts.assigned"
	// KindUnassigned withdraws contacts from a device: at once when forced,
	// else once the device acknowledges it.
	KindUnassigned = "contacts.unassigned"
	// KindReleased records that the device gave withdrawn contacts up.
	KindReleased = "contacts.released"
)

// StatusWithdrawn contacts were taken back from the laptop by its hub.
const StatusWithdrawn = "withdrawn"

var bAssigned = []byte("assigned")

// assignmentsPerEvent bounds the contacts one assignment event names, so
// that a bundle's records stay small.
const assignmentsPerEvent = 1000

// assignment is where an assigned contact stands on the hub.
type assignment struct {
	Device string `json:"device"`
	Survey string `json:"survey"`
	ID     string `json:"id"`
	// Releasing is the KindUnassigned event the device must acknowledge
	// before the contact is free (0: none); MoveTo the device it goes to
	// then ("" back to the hub), By who asked.
	Releasing uint64 `json:"releasing,omitempty"`
	MoveTo    string `json:"move_to,omitempty"`
	By        string `json:"by,omitempty"`
}

// assignedEvent is the payload of the assignment kinds.
type assignedEvent struct {
	Survey string   `json:"survey"`
	Device string   `json:"device"`
	IDs    []string `json:"ids"`
	// CIDs are the contacts in the store that logged the event (a laptop
	// rewrites them to its own), and Import the import record a laptop
	// keeps its new contacts under.
	CIDs   []uint64 `json:"cids"`
	Import uint64   `json:"import,omitempty"`
	MoveTo string   `json:"move_to,omitempty"`
	Force  bool     `json:"force,omitempty"`
}

func assignmentTx(tx *bolt.Tx, cid uint64) (*assignment, error) {
	b := tx.Bucket(bAssigned)
	if b == nil {
		return nil, nil
	}
	v := b.Get(u64(cid))
	if v == nil {
		return nil, nil
	}
	var a assignment
	if err := json.Unmarshal(v, &a); err != nil {
		return nil, fmt.Errorf("decode assignment of contact %d: %w", cid, err)
	}
	return &a, nil
}

func putAssignmentTx(tx *bolt.Tx, cid uint64, a *assignment) error {
	b, err := tx.CreateBucketIfNotExists(bAssigned)
	if err != nil {
		return err
	}
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return b.Put(u64(cid), v)
}

// assignedProbe reports, for the draws of a hub, whether a laptop holds a
// contact; it costs nothing in a store that never assigned one.
func assignedProbe(tx *bolt.Tx) func(cid uint64) bool {
	b := tx.Bucket(bAssigned)
	if b == nil {
		return func(uint64) bool { return false }
	}
	return func(cid uint64) bool { return b.Get(u64(cid)) != nil }
}

// AssignOptions say which contacts go to which device.
type AssignOptions struct {
	Survey string
	// Device is the laptop's name or id.
	Device string
	// Count takes that many queued contacts, in queue order, that nobody
	// holds; Contacts names them by sample id instead.
	Count    int
	Contacts []string
	// Force moves contacts another laptop holds at once, rather than
	// after it gives them up.
	Force bool
	Actor string
}

// AssignResult counts what an assignment did.
type AssignResult struct {
	Device string `json:"device"`
	// Assigned went to the device now; Waiting go once their laptop gives
	// them up; Moved were taken from another laptop at once (forced);
	// Already were the device's; Refused could not be assigned, Reasons
	// saying why (the first maxReported).
	Assigned int      `json:"assigned"`
	Waiting  int      `json:"waiting"`
	Moved    int      `json:"moved"`
	Already  int      `json:"already"`
	Refused  int      `json:"refused"`
	Reasons  []string `json:"reasons,omitempty"`
}

func (r *AssignResult) refuse(id, why string) {
	r.Refused++
	if len(r.Reasons) < maxReported {
		r.Reasons = append(r.Reasons, id+": "+why)
	}
}

// assignBatch gathers contacts for chunked events.
type assignBatch struct {
	ids  []string
	cids []uint64
}

func (b *assignBatch) add(id string, cid uint64) {
	b.ids = append(b.ids, id)
	b.cids = append(b.cids, cid)
}

// logAssignedTx appends the events of kind for the batch, a thousand
// contacts each, and calls each with every event.
func (s *Store) logAssignedTx(tx *bolt.Tx, kind, actor string, at time.Time, b assignBatch, p assignedEvent, each func(e *Event, i int) error) error {
	for start := 0; start < len(b.ids); start += assignmentsPerEvent {
		end := min(start+assignmentsPerEvent, len(b.ids))
		p.IDs, p.CIDs = b.ids[start:end], b.cids[start:end]
		e, err := s.appendTx(tx, kind, actor, at, p)
		if err != nil {
			return err
		}
		for i := start; i < end; i++ {
			if err := each(e, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// Assign hands contacts of a survey to a laptop, in one transaction (see
// the package's Assignments). A contact can be assigned when it is queued
// and has no interview; one another laptop holds moves once that laptop
// gives it up, or at once with Force.
func (s *Store) Assign(o AssignOptions) (*AssignResult, error) {
	if o.Count <= 0 && len(o.Contacts) == 0 {
		return nil, errors.New("assign: say how many contacts (a count) or which (sample ids)")
	}
	res := &AssignResult{}
	err := s.update(func(tx *bolt.Tx) error {
		d, err := findDeviceTx(tx, o.Device)
		if err != nil {
			return err
		}
		if d.Role != RoleLaptop {
			return fmt.Errorf("%s is this store's hub, not one of its laptops", d.Name)
		}
		res.Device = d.Name
		if latestRevisionTx(tx, o.Survey) == 0 {
			return fmt.Errorf("survey %s is not installed: %w", o.Survey, ErrNotFound)
		}
		now := s.now().UTC()
		held := assignedProbe(tx)
		var fresh, moved, waiting assignBatch
		from := map[string]*assignBatch{} // device => contacts forced away from it
		var movedFrom, waitFrom []string
		if o.Count > 0 {
			err = s.freeContactsTx(tx, o.Survey, now, held, func(cid uint64, st *ContactState) bool {
				fresh.add(st.ID, cid)
				return len(fresh.ids) < o.Count
			})
			if err != nil {
				return err
			}
		}
		seen := map[string]bool{}
		for _, id := range o.Contacts {
			if seen[id] {
				continue
			}
			seen[id] = true
			cid, err := s.cidTx(tx, o.Survey, id)
			if errors.Is(err, ErrNotFound) {
				res.refuse(id, "not in the survey's sample")
				continue
			} else if err != nil {
				return err
			}
			a, err := assignmentTx(tx, cid)
			if err != nil {
				return err
			}
			switch {
			case a != nil && a.Device == d.ID && a.Releasing == 0:
				res.Already++
				continue
			case a != nil && a.Device == d.ID:
				res.refuse(id, "is being taken back from this device; wait for it to give it up")
				continue
			case a != nil:
				if o.Force {
					moved.add(id, cid)
					movedFrom = append(movedFrom, a.Device)
				} else {
					waiting.add(id, cid)
					waitFrom = append(waitFrom, a.Device)
				}
				continue
			}
			if why, err := s.unassignableTx(tx, o.Survey, cid, now); err != nil {
				return err
			} else if why != "" {
				res.refuse(id, why)
				continue
			}
			fresh.add(id, cid)
		}
		// Forced moves: the old laptop loses them at once, recorded.
		for i, dev := range movedFrom {
			b := from[dev]
			if b == nil {
				b = &assignBatch{}
				from[dev] = b
			}
			b.add(moved.ids[i], moved.cids[i])
		}
		for _, dev := range sortedKeys(from) {
			err := s.logAssignedTx(tx, KindUnassigned, o.Actor, now, *from[dev], assignedEvent{Survey: o.Survey, Device: dev, MoveTo: d.ID, Force: true},
				func(*Event, int) error { return nil })
			if err != nil {
				return err
			}
			res.Moved += len(from[dev].ids)
		}
		fresh.ids, fresh.cids = append(fresh.ids, moved.ids...), append(fresh.cids, moved.cids...)
		err = s.logAssignedTx(tx, KindAssigned, o.Actor, now, fresh, assignedEvent{Survey: o.Survey, Device: d.ID},
			func(_ *Event, i int) error {
				return putAssignmentTx(tx, fresh.cids[i], &assignment{Device: d.ID, Survey: o.Survey, ID: fresh.ids[i]})
			})
		if err != nil {
			return err
		}
		res.Assigned += len(fresh.ids) - len(moved.ids)
		// Moves that wait for the old laptop to give the contact up.
		wf := map[string]*assignBatch{}
		for i, dev := range waitFrom {
			b := wf[dev]
			if b == nil {
				b = &assignBatch{}
				wf[dev] = b
			}
			b.add(waiting.ids[i], waiting.cids[i])
		}
		for _, dev := range sortedKeys(wf) {
			b := wf[dev]
			err := s.logAssignedTx(tx, KindUnassigned, o.Actor, now, *b, assignedEvent{Survey: o.Survey, Device: dev, MoveTo: d.ID},
				func(e *Event, i int) error {
					return putAssignmentTx(tx, b.cids[i], &assignment{Device: dev, Survey: o.Survey, ID: b.ids[i], Releasing: e.Seq, MoveTo: d.ID, By: o.Actor})
				})
			if err != nil {
				return err
			}
			res.Waiting += len(b.ids)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("assign contacts of %s to %s: %w", o.Survey, o.Device, err)
	}
	return res, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// unassignableTx says why contact cid of survey cannot go to a laptop, or
// "" when it can.
func (s *Store) unassignableTx(tx *bolt.Tx, survey string, cid uint64, now time.Time) (string, error) {
	st, err := s.stateTx(tx, cid)
	if err != nil {
		return "", err
	}
	if st.Status != StatusQueued {
		return "it is " + st.Status, nil
	}
	if rec, err := importTx(tx, st.Import); err != nil || rec.Status != ImportDone {
		return "its import has not finished", nil
	}
	if leased(st, now) {
		return "it is with " + st.LeasedBy + " now", nil
	}
	if id := tx.Bucket(bIByContact).Get(append(idPrefix(survey), u64(cid)...)); id != nil {
		return "it has an interview (" + string(id) + ")", nil
	}
	c, err := s.contactTx(tx, cid)
	if err != nil {
		return "", err
	}
	if s.optedOutTx(tx, c) != 0 {
		return "the person is on the opt-out list", nil
	}
	return "", nil
}

// freeContactsTx calls fn with the contacts of survey that could go to a
// laptop, in queue order, until fn returns false.
func (s *Store) freeContactsTx(tx *bolt.Tx, survey string, now time.Time, held func(uint64) bool, fn func(cid uint64, st *ContactState) bool) error {
	more := true
	for prio := uint8(0); prio < priorities && more; prio++ {
		err := queueScan(tx, survey, prio, nil, func(cid uint64, _ []byte) (bool, error) {
			if held(cid) {
				return true, nil
			}
			why, err := s.unassignableTx(tx, survey, cid, now)
			if err != nil || why != "" {
				return err == nil, err
			}
			st, err := s.stateTx(tx, cid)
			if err != nil {
				return false, err
			}
			more = fn(cid, st)
			return more, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// UnassignOptions say which contacts a hub takes back from a laptop.
type UnassignOptions struct {
	Survey string
	Device string
	// Count takes back that many, Contacts these (sample ids), All all of
	// the survey's.
	Count    int
	Contacts []string
	All      bool
	// Force frees them at once instead of when the laptop gives them up.
	Force bool
	Actor string
}

// UnassignResult counts what taking contacts back did.
type UnassignResult struct {
	Device string `json:"device"`
	// Freed are back with the hub now (forced); Waiting once the laptop
	// gives them up; Refused were not the laptop's.
	Freed   int      `json:"freed"`
	Waiting int      `json:"waiting"`
	Refused int      `json:"refused"`
	Reasons []string `json:"reasons,omitempty"`
}

// Unassign takes contacts of a survey back from a laptop, in one
// transaction: once the laptop acknowledges giving them up, or at once
// with Force. Their interviews and calls, whenever they arrive, are kept.
func (s *Store) Unassign(o UnassignOptions) (*UnassignResult, error) {
	if o.Count <= 0 && len(o.Contacts) == 0 && !o.All {
		return nil, errors.New("unassign: say how many contacts (a count), which (sample ids), or all")
	}
	res := &UnassignResult{}
	err := s.update(func(tx *bolt.Tx) error {
		d, err := findDeviceTx(tx, o.Device)
		if err != nil {
			return err
		}
		res.Device = d.Name
		var b assignBatch
		take := func(cid uint64, a *assignment) {
			b.add(a.ID, cid)
		}
		if len(o.Contacts) > 0 {
			for _, id := range o.Contacts {
				cid, err := s.cidTx(tx, o.Survey, id)
				if err != nil {
					res.Refused++
					res.Reasons = append(res.Reasons, id+": not in the survey's sample")
					continue
				}
				a, err := assignmentTx(tx, cid)
				if err != nil {
					return err
				}
				if a == nil || a.Device != d.ID || a.Releasing != 0 {
					res.Refused++
					if len(res.Reasons) < maxReported {
						res.Reasons = append(res.Reasons, id+": not held by "+d.Name)
					}
					continue
				}
				take(cid, a)
			}
		} else if ab := tx.Bucket(bAssigned); ab != nil {
			err := ab.ForEach(func(k, v []byte) error {
				if !o.All && len(b.ids) >= o.Count {
					return nil
				}
				var a assignment
				if err := json.Unmarshal(v, &a); err != nil {
					return err
				}
				if a.Device == d.ID && a.Survey == o.Survey && a.Releasing == 0 {
					take(binary.BigEndian.Uint64(k), &a)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		at := s.now().UTC()
		return s.logAssignedTx(tx, KindUnassigned, o.Actor, at, b, assignedEvent{Survey: o.Survey, Device: d.ID, Force: o.Force},
			func(e *Event, i int) error {
				if o.Force {
					res.Freed++
					return tx.Bucket(bAssigned).Delete(u64(b.cids[i]))
				}
				res.Waiting++
				return putAssignmentTx(tx, b.cids[i], &assignment{Device: d.ID, Survey: o.Survey, ID: b.ids[i], Releasing: e.Seq, By: o.Actor})
			})
	})
	if err != nil {
		return nil, fmt.Errorf("take contacts of %s back from %s: %w", o.Survey, o.Device, err)
	}
	return res, nil
}

// releaseTx frees, once device d has applied the hub's log up to acked,
// the contacts it was asked to give up: they return to the hub, or go to
// the laptop they were moving to. It returns how many it freed.
func (s *Store) releaseTx(tx *bolt.Tx, d *DeviceRecord, acked uint64) (int, error) {
	ab := tx.Bucket(bAssigned)
	if ab == nil {
		return 0, nil
	}
	type key struct{ survey, to, by string }
	groups := map[key]*assignBatch{}
	var order []key
	err := ab.ForEach(func(k, v []byte) error {
		var a assignment
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		if a.Device != d.ID || a.Releasing == 0 || a.Releasing > acked {
			return nil
		}
		g := key{a.Survey, a.MoveTo, a.By}
		if groups[g] == nil {
			groups[g] = &assignBatch{}
			order = append(order, g)
		}
		groups[g].add(a.ID, binary.BigEndian.Uint64(k))
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	at := s.now().UTC()
	for _, g := range order {
		b := groups[g]
		n += len(b.ids)
		if g.to == "" {
			err = s.logAssignedTx(tx, KindReleased, g.by, at, *b, assignedEvent{Survey: g.survey, Device: d.ID},
				func(_ *Event, i int) error { return ab.Delete(u64(b.cids[i])) })
		} else {
			err = s.logAssignedTx(tx, KindAssigned, g.by, at, *b, assignedEvent{Survey: g.survey, Device: g.to},
				func(_ *Event, i int) error {
					return putAssignmentTx(tx, b.cids[i], &assignment{Device: g.to, Survey: g.survey, ID: b.ids[i]})
				})
		}
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// applyWithdrawn is what withdrawing a contact from a laptop does to it
// there: a queued contact leaves the queue.
func applyWithdrawn(st *ContactState) {
	if st.Status == StatusQueued {
		st.Status = StatusWithdrawn
		st.LeasedBy, st.LeaseUntil = "", time.Time{}
	}
}

// applyReassigned is what assigning a contact a laptop gave up back to it
// does there: it is queued again, due at once.
func applyReassigned(st *ContactState, at time.Time) {
	if st.Status == StatusWithdrawn {
		st.Status, st.Priority = StatusQueued, PriorityNormal
		st.Due, st.QueueAt = at.UTC(), at.UTC()
	}
}

// receiveAssignedTx is a laptop taking an assignment from its hub (event
// e, contacts their records): new contacts are written in the per-contact
// layout under an import record of their own, contacts it gave up earlier
// are queued again. It returns the payload as the laptop logs it.
func (s *Store) receiveAssignedTx(tx *bolt.Tx, e *bundleEvent, hub *DeviceRecord, contacts []model.Contact) ([]byte, error) {
	var p assignedEvent
	if err := json.Unmarshal(e.Data, &p); err != nil {
		return nil, err
	}
	if len(contacts) != len(p.IDs) {
		return nil, fmt.Errorf("assignment %s names %d contacts and carries %d", e.ID, len(p.IDs), len(contacts))
	}
	seq := nextSeqTx(tx)
	p.CIDs, p.Import = make([]uint64, len(p.IDs)), seq
	cb := tx.Bucket(bContacts)
	n := 0
	for i, c := range contacts {
		if c.ID != p.IDs[i] || c.Survey != p.Survey {
			return nil, fmt.Errorf("assignment %s: contact %d is %s/%s, not %s/%s", e.ID, i, c.Survey, c.ID, p.Survey, p.IDs[i])
		}
		if cid, err := s.cidTx(tx, p.Survey, c.ID); err == nil {
			p.CIDs[i] = cid
			st, err := s.stateTx(tx, cid)
			if err != nil {
				return nil, err
			}
			ns := *st
			applyReassigned(&ns, e.At)
			if err := s.requeueTx(tx, cid, st, &ns); err != nil {
				return nil, err
			}
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		cid := cb.Sequence() + 1
		if err := cb.SetSequence(cid); err != nil {
			return nil, err
		}
		p.CIDs[i] = cid
		v, err := s.sealJSON(contactRecord{Contact: c, Import: seq})
		if err != nil {
			return nil, err
		}
		if err := cb.Put(u64(cid), v); err != nil {
			return nil, err
		}
		if err := tx.Bucket(bCIDs).Put(append(idPrefix(p.Survey), c.ID...), u64(cid)); err != nil {
			return nil, err
		}
		for _, k := range s.contactKeys(&c) {
			if err := tx.Bucket(bReach).Put(append(k[:], u64(cid)...), []byte(p.Survey)); err != nil {
				return nil, err
			}
		}
		st := initialState(&c, seq, e.At)
		if err := s.requeueTx(tx, cid, nil, &st); err != nil {
			return nil, err
		}
		n++
	}
	rec := &ImportRecord{ID: seq, Survey: p.Survey, Source: "hub", File: "assigned by hub " + hub.Name + " (event " + e.ID + ")",
		Status: ImportDone, Counts: ContactImport{Rows: len(contacts), Imported: n}}
	if err := putImportTx(tx, rec); err != nil {
		return nil, err
	}
	return json.Marshal(p)
}

// receiveUnassignedTx is a laptop giving up contacts its hub withdrew. It
// returns the payload as the laptop logs it.
func (s *Store) receiveUnassignedTx(tx *bolt.Tx, e *bundleEvent) ([]byte, error) {
	var p assignedEvent
	if err := json.Unmarshal(e.Data, &p); err != nil {
		return nil, err
	}
	p.CIDs = p.CIDs[:0]
	ids := p.IDs[:0:0]
	for _, id := range p.IDs {
		cid, err := s.cidTx(tx, p.Survey, id)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		st, err := s.stateTx(tx, cid)
		if err != nil {
			return nil, err
		}
		ns := *st
		applyWithdrawn(&ns)
		s.leases.forget(cid)
		if err := s.requeueTx(tx, cid, st, &ns); err != nil {
			return nil, err
		}
		ids = append(ids, id)
		p.CIDs = append(p.CIDs, cid)
	}
	p.IDs = ids
	return json.Marshal(p)
}
