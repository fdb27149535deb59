package store

import (
	"bytes"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// reachProbe answers, for opt-out keys given in ascending order, whether
// any contact has the key: it walks the reach index (the per-contact
// entries of the older layout and the runs of every finished import)
// alongside the keys rather than searching each from the root.
type reachProbe struct {
	c     *bolt.Cursor
	cur   []byte
	ok    bool
	runs  []*runWalker
	ready bool
	tx    *bolt.Tx
}

func newReachProbe(tx *bolt.Tx) *reachProbe {
	return &reachProbe{c: tx.Bucket(bReach).Cursor(), tx: tx}
}

// has reports whether a contact has key k; keys must come in ascending order.
func (p *reachProbe) has(k []byte) bool {
	if !p.ready {
		p.ready = true
		if ranges, err := rangesTx(p.tx, ""); err == nil {
			for _, r := range ranges {
				p.runs = append(p.runs, newRunWalker(p.tx, runReach, r.Import))
			}
		}
	}
	for _, w := range p.runs {
		if w.find(k) != 0 {
			return true
		}
	}
	if !p.ok {
		p.cur, _ = p.c.Seek(k)
		p.ok = true
	}
	for p.cur != nil && bytes.Compare(p.cur[:32], k) < 0 {
		p.cur, _ = p.c.Next()
	}
	return p.cur != nil && bytes.Equal(p.cur[:32], k)
}

// reachedTx returns the contacts, of any survey, that have opt-out key k.
func reachedTx(tx *bolt.Tx, k [32]byte) ([]uint64, error) {
	var cids []uint64
	c := tx.Bucket(bReach).Cursor()
	for rk, _ := c.Seek(k[:]); rk != nil && bytes.HasPrefix(rk, k[:]); rk, _ = c.Next() {
		cids = append(cids, binary.BigEndian.Uint64(rk[32:]))
	}
	ranges, err := rangesTx(tx, "")
	if err != nil {
		return nil, err
	}
	for _, r := range ranges {
		if cid := runFind(tx, runReach, r.Import, k[:]); cid != 0 {
			cids = append(cids, cid)
		}
	}
	return cids, nil
}
