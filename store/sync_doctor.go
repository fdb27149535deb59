package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// What doctor checks of sync: a laptop's assigned contacts are derived
// from the log with the rest (deriveAssignedTx, called from deriveTx);
// checkSyncTx compares the other sync projections with the log.

// deriveAssignedTx re-derives what an assignment event did to a laptop's
// own contacts: new contacts enter as an import's do, contacts given up
// and assigned again are queued again, withdrawn ones leave the queue.
// reach is doctor's index of the per-contact layout, which later opt-outs
// in the log reach the contacts through. A hub's assignment events (to
// other devices) are checked by checkSyncTx.
func (s *Store) deriveAssignedTx(tx *bolt.Tx, d *derived, reach map[[32]byte][]uint64, e *Event, bad func(error)) {
	var p assignedEvent
	if err := json.Unmarshal(e.Data, &p); err != nil {
		bad(err)
		return
	}
	if p.Device != s.device {
		return
	}
	for _, cid := range p.CIDs {
		st := d.states[cid]
		switch {
		case e.Kind == KindUnassigned && st != nil:
			applyWithdrawn(st)
		case e.Kind == KindUnassigned:
			bad(fmt.Errorf("withdraws contact %d, which no event brought", cid))
		case st != nil:
			applyReassigned(st, e.At)
		default:
			r, err := s.contactRecordTx(tx, cid)
			if err != nil {
				bad(err)
				continue
			}
			if r.Import != p.Import {
				bad(fmt.Errorf("contact %d is recorded under import %d, the event says %d", cid, r.Import, p.Import))
			}
			ns := initialState(&r.Contact, p.Import, e.At)
			d.states[cid] = &ns
			for _, key := range s.contactKeys(&r.Contact) {
				reach[key] = append(reach[key], cid)
			}
		}
	}
	if e.Kind == KindAssigned {
		if _, err := importTx(tx, p.Import); err != nil {
			bad(fmt.Errorf("its contacts' import record: %w", err))
		}
	}
}

// checkSyncTx compares the sync projections with the log: every event of
// another store is in the seen set under its own sequence number, every
// seen entry names an event there is; every registered device was added
// by an event; a hub's assignments are what its assignment events leave;
// every message is kept; every held bundle is whole.
func (s *Store) checkSyncTx(tx *bolt.Tx, problem func(string, ...any)) {
	type want struct {
		dev, moveTo string
		releasing   uint64
	}
	assigned := map[uint64]want{}
	added := map[string]deviceAdded{}
	messages := map[uint64]bool{}
	last := nextSeqTx(tx) - 1
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		seq := binary.BigEndian.Uint64(k)
		id, kind := storedField(v, "id"), storedField(v, "kind")
		if originOf(id) != s.device {
			if got, ok := seenTx(tx, id); !ok || got != seq {
				problem("event %d (%s) came from another store but the seen set does not name it", seq, id)
			}
		}
		switch kind {
		case KindAssigned, KindUnassigned, KindReleased, KindDeviceAdded, KindMessage:
		default:
			continue
		}
		e, err := s.decodeEvent(v)
		if err != nil {
			continue // reported by the chain check
		}
		switch kind {
		case KindDeviceAdded:
			var p deviceAdded
			if json.Unmarshal(e.Data, &p) == nil {
				added[p.Device] = p
			}
		case KindMessage:
			messages[seq] = true
		default:
			var p assignedEvent
			if json.Unmarshal(e.Data, &p) != nil || p.Device == s.device {
				continue
			}
			for _, cid := range p.CIDs {
				switch {
				case kind == KindAssigned:
					assigned[cid] = want{dev: p.Device}
				case kind == KindReleased || p.Force:
					delete(assigned, cid)
				default:
					assigned[cid] = want{dev: p.Device, moveTo: p.MoveTo, releasing: seq}
				}
			}
		}
	}
	if b := tx.Bucket(bSeen); b != nil {
		b.ForEach(func(k, v []byte) error {
			if len(v) != 8 || binary.BigEndian.Uint64(v) > last {
				problem("seen entry %x names event %x, which the log does not have", k, v)
			}
			return nil
		})
	}
	ds, err := devicesTx(tx)
	if err != nil {
		problem("devices: %v", err)
	}
	for _, d := range ds {
		p, ok := added[d.ID]
		if !ok || p.Name != d.Name || p.Role != d.Role || p.Age != d.Age || p.Fingerprint != d.Public().Fingerprint() {
			problem("device %s (%s) is registered, but no event registered it so", d.ID, d.Name)
		}
		for _, hb := range d.Held {
			prefix := binary.BigEndian.AppendUint64(devKey(d.ID), hb.Number)
			var n int64
			if b := tx.Bucket(bHeld); b != nil {
				hc := b.Cursor()
				for k, v := hc.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = hc.Next() {
					n += int64(len(v))
				}
			}
			if n != hb.Size {
				problem("bundle %d held from %s has %d of its %d bytes", hb.Number, d.Name, n, hb.Size)
			}
		}
	}
	if len(ds) < len(added) {
		problem("%d devices were registered, %d are", len(added), len(ds))
	}
	got := map[uint64]want{}
	if b := tx.Bucket(bAssigned); b != nil {
		b.ForEach(func(k, v []byte) error {
			var a assignment
			if err := json.Unmarshal(v, &a); err != nil {
				problem("assignment of contact %x: %v", k, err)
				return nil
			}
			got[binary.BigEndian.Uint64(k)] = want{dev: a.Device, moveTo: a.MoveTo, releasing: a.Releasing}
			return nil
		})
	}
	for cid, w := range assigned {
		if got[cid] != w {
			problem("contact %d: the log assigns it to %s (moving to %q after event %d), the store says %s (%q, %d)",
				cid, w.dev, w.moveTo, w.releasing, got[cid].dev, got[cid].moveTo, got[cid].releasing)
		}
		delete(got, cid)
	}
	for cid, g := range got {
		problem("contact %d is assigned to %s, but the log does not assign it", cid, g.dev)
	}
	if b := tx.Bucket(bMessages); b != nil {
		b.ForEach(func(k, _ []byte) error {
			if !messages[binary.BigEndian.Uint64(k)] {
				problem("message %x has no event", k)
			}
			delete(messages, binary.BigEndian.Uint64(k))
			return nil
		})
	}
	for seq := range messages {
		problem("message of event %d is missing", seq)
	}
}
