package store

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// reachProbe answers, for opt-out keys given in ascending order, whether
// any contact has the key: it walks the reach index alongside the keys
// rather than searching each from the root.
type reachProbe struct {
	c   *bolt.Cursor
	cur []byte
	ok  bool
}

func newReachProbe(tx *bolt.Tx) *reachProbe {
	return &reachProbe{c: tx.Bucket(bReach).Cursor()}
}

// has reports whether a contact has key k; keys must come in ascending order.
func (p *reachProbe) has(k []byte) bool {
	if !p.ok {
		p.cur, _ = p.c.Seek(k)
		p.ok = true
	}
	for p.cur != nil && bytes.Compare(p.cur[:32], k) < 0 {
		p.cur, _ = p.c.Next()
	}
	return p.cur != nil && bytes.Equal(p.cur[:32], k)
}
