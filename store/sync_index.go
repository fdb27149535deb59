package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// # One opt-out index for the whole sync group
//
// Bulk opt-out lists are kept only as index keys (HMAC-SHA256 under the
// store's index key, see indexKey): a hub cannot tell its laptops the
// numbers, only those keys. So every store of a sync group keys its
// optout and reach buckets with the hub's index key: the hub's bundles
// carry it (inside the encryption), and a laptop adopts it from the first
// one, keeping it sealed in meta:
//
//	meta "ixkey" => sealed groupIndexKey JSON (the hub's index key)
//
// Re-keying a bulk list is impossible (its values are not known), and so
// is re-keying a contact import's index runs, so a laptop that holds
// contacts or a bulk opt-out list of its own cannot join a hub. Opt-outs
// recorded one by one carry their SHA-256 in their events: those are
// re-keyed when the key is adopted, so a laptop on which someone already
// recorded an opt-out can still join.

var kGroupIndexKey = []byte("ixkey")

// groupIndexKey is the index key a laptop adopted from its hub.
type groupIndexKey struct {
	Hub string `json:"hub"`
	Key []byte `json:"key"`
}

// loadGroupIndexKey makes an opened store key its index with the key it
// adopted from its hub, if it did.
func (s *Store) loadGroupIndexKey() error {
	return s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			return nil // a new store, before init
		}
		v := meta.Get(kGroupIndexKey)
		if v == nil {
			return nil
		}
		var g groupIndexKey
		if err := s.openJSON(v, &g); err != nil {
			return fmt.Errorf("open store %s: the sync group's index key: %w", s.path, err)
		}
		s.ix = newKeyedIndexHasher(g.Key)
		return nil
	})
}

// indexKeyOffer is what a hub's bundle says of its index key: the key, or
// that the hub's index is unkeyed (a plain store).
func (s *Store) indexKeyOffer() (key []byte, plain bool) {
	if s.ix == nil {
		return nil, true
	}
	return bytes.Clone(s.ix.key), false
}

// canJoinTx says why this store cannot adopt a hub's index key, if it
// cannot: it holds contacts, or an opt-out list imported in bulk.
func (s *Store) canJoinTx(tx *bolt.Tx) error {
	if tx.Bucket(bMeta).Get(kGroupIndexKey) != nil {
		return nil
	}
	if k, _ := tx.Bucket(bImports).Cursor().First(); k != nil {
		return errors.New("this store holds contacts of its own, and a laptop takes its contacts from its hub: use a new store for the laptop (its opt-out and contact index would have to be keyed anew with the hub's key, which cannot be done for imported lists)")
	}
	var bulk bool
	err := tx.Bucket(bOptOut).ForEach(func(_, v []byte) error {
		if bulk || len(v) < 8 {
			return nil
		}
		e, err := s.eventTx(tx, binary.BigEndian.Uint64(v))
		if err != nil {
			return err
		}
		bulk = e.Kind != KindOptOutAdded
		return nil
	})
	if err != nil {
		return err
	}
	if bulk {
		return errors.New("this store holds an opt-out list imported in bulk, whose numbers it does not know, so it cannot key it anew with the hub's key: use a new store for the laptop, and import the list on the hub")
	}
	return nil
}

// adoptIndexKeyTx makes the store key its index with the hub's key, as the
// hub's bundle offers it, inside tx; undo restores the store's own hasher
// if tx does not commit. A store that adopted the key already checks that
// the hub still offers the same one.
func (s *Store) adoptIndexKeyTx(tx *bolt.Tx, hub string, key []byte, plain bool) (undo func(), err error) {
	undo = func() {}
	meta := tx.Bucket(bMeta)
	if v := meta.Get(kGroupIndexKey); v != nil {
		var g groupIndexKey
		if err := s.openJSON(v, &g); err != nil {
			return undo, err
		}
		if plain || !bytes.Equal(g.Key, key) {
			return undo, errors.New("it keys its opt-out index differently from the key this store adopted when it joined")
		}
		return undo, nil
	}
	if plain {
		if s.ix != nil {
			return undo, errors.New("the hub's store is not encrypted and this one is: keying this store's opt-out index as the hub does would take its protection away; use an encrypted hub")
		}
		return undo, nil
	}
	if len(key) != 32 {
		return undo, errors.New("its index key is malformed")
	}
	if err := s.canJoinTx(tx); err != nil {
		return undo, err
	}
	old := s.ix
	s.ix = newKeyedIndexHasher(bytes.Clone(key))
	undo = func() { s.ix = old }
	if err := s.rekeySinglesTx(tx); err != nil {
		return undo, err
	}
	v, err := s.sealJSON(groupIndexKey{Hub: hub, Key: key})
	if err != nil {
		return undo, err
	}
	return undo, meta.Put(kGroupIndexKey, v)
}

// rekeySinglesTx moves every entry of the opt-out list, all added one by
// one (canJoinTx checked), to its key under the store's new index key.
func (s *Store) rekeySinglesTx(tx *bolt.Tx) error {
	b := tx.Bucket(bOptOut)
	type entry struct{ old, seq []byte }
	var entries []entry
	err := b.ForEach(func(k, v []byte) error {
		entries = append(entries, entry{bytes.Clone(k), bytes.Clone(v)})
		return nil
	})
	if err != nil {
		return err
	}
	fresh := make([][32]byte, len(entries))
	for i, en := range entries {
		e, err := s.eventTx(tx, binary.BigEndian.Uint64(en.seq))
		if err != nil {
			return err
		}
		var p optOutAdded
		if fresh[i], err = s.decodeKeyJSON(e.Data, &p, func() string { return p.Key }); err != nil {
			return fmt.Errorf("opt-out of event %s: %w", e.ID, err)
		}
	}
	for _, en := range entries {
		if err := b.Delete(en.old); err != nil {
			return err
		}
	}
	for i, en := range entries {
		if err := b.Put(fresh[i][:], en.seq); err != nil {
			return err
		}
	}
	return nil
}

// laptopTakesNoImport refuses a contact import on a laptop: its contacts
// come from its hub, which would know nothing of contacts imported on the
// laptop, nor take their interviews.
func (s *Store) laptopTakesNoImport() error {
	return s.db.View(func(tx *bolt.Tx) error {
		hub, err := hubTx(tx)
		if err != nil || hub == nil {
			return err
		}
		return fmt.Errorf("this store is a laptop of hub %s, and takes its contacts from it: import them on the hub and assign them (canvass assign)", hub.Name)
	})
}

// bulkListKeyed refuses an opt-out list import on a laptop that has not
// yet taken its hub's index key with the hub's first bundle: the list
// would be keyed with a key the laptop is about to give up.
func (s *Store) bulkListKeyed() error {
	return s.db.View(func(tx *bolt.Tx) error {
		hub, err := hubTx(tx)
		if err != nil || hub == nil || hub.In != nil {
			return err
		}
		return fmt.Errorf("this laptop has not yet applied a bundle from its hub %s, whose opt-out index it is to share: apply one first (canvass bundle in), or import the list on the hub", hub.Name)
	})
}
