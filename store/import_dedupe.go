package store

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// dedupe is pass 2: it sorts every partition (two at a time) and marks
// the duplicates, then counts what is kept.
func (p *samplePass) dedupe() error {
	p.dup = make([]uint64, (p.cand+63)/64)
	ranges, err := p.surveyRanges()
	if err != nil {
		return err
	}
	next := make(chan int)
	errs := make(chan error, partitionCount)
	var wg sync.WaitGroup
	for range max(1, min(2, runtime.GOMAXPROCS(0))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := p.s.db.View(func(tx *bolt.Tx) error {
				walkers := map[byte][]*runWalker{}
				for _, r := range ranges {
					walkers[runID] = append(walkers[runID], newRunWalker(tx, runID, r.Import))
					walkers[runReach] = append(walkers[runReach], newRunWalker(tx, runReach, r.Import))
				}
				reach := newSurveyReachWalker(tx, p.o.Survey)
				var buf []byte
				for i := range next {
					if err := p.dedupePartition(i, walkers, reach, &buf); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				errs <- err
				for range next {
				}
			}
		}()
	}
	for i := range partitionCount {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	p.rank = make([]uint32, len(p.dup)+1)
	for w := range p.dup {
		live := ^p.dup[w]
		if rest := p.cand - w*64; rest < 64 {
			live &= 1<<rest - 1
		}
		p.rank[w+1] = p.rank[w] + uint32(bits.OnesCount64(live))
	}
	p.kept = int(p.rank[len(p.dup)])
	p.res.Duplicate += p.cand - p.kept
	p.res.Imported = p.kept
	return nil
}

// surveyRanges are the finished imports of the sample layout into the
// survey: a row is a duplicate if one of them has its key.
func (p *samplePass) surveyRanges() ([]*sampleRange, error) {
	var out []*sampleRange
	err := p.s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = rangesTx(tx, p.o.Survey)
		return err
	})
	return out, err
}

func (p *samplePass) dedupePartition(i int, walkers map[byte][]*runWalker, reach *surveyReachWalker, buf *[]byte) error {
	es, err := p.parts.load(i, *buf)
	if err != nil {
		return err
	}
	if p.parts.files[i] != nil {
		*buf = es // reused for the next partition read from a file
	}
	n := len(es) / entrySize
	sortEntries(es)
	for a := 0; a < n; {
		e := es[a*entrySize : (a+1)*entrySize]
		b := a + 1
		for b < n && bytes.Equal(es[b*entrySize:b*entrySize+33], e[:33]) {
			b++
		}
		first := binary.BigEndian.Uint32(e[33:])
		for _, w := range walkers[e[0]] {
			if w.find(e[1:33]) != 0 {
				p.setDup(first)
				break
			}
		}
		if e[0] == runReach && reach.has(e[1:33]) {
			p.setDup(first)
		}
		for c := a + 1; c < b; c++ {
			if row := binary.BigEndian.Uint32(es[c*entrySize+33:]); row != first {
				p.setDup(row)
			}
		}
		a = b
	}
	return p.parts.store(i, es)
}

// sortEntries sorts partition entries by kind, key and row, in place.
func sortEntries(es []byte) {
	n := len(es) / entrySize
	if n < 2 {
		return
	}
	// A view of the bytes as entries: [entrySize]byte has no pointers and
	// an alignment of one, so any byte slice of whole entries is one.
	v := unsafe.Slice((*[entrySize]byte)(unsafe.Pointer(&es[0])), n)
	slices.SortFunc(v, func(a, b [entrySize]byte) int {
		// Keys are hashes: their first eight bytes nearly always decide.
		if x, y := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8]); x != y {
			if x < y {
				return -1
			}
			return 1
		}
		return bytes.Compare(a[8:37], b[8:37])
	})
}

// cidOf is the cid a kept candidate gets.
func (p *samplePass) cidOf(base uint64, i uint32) uint64 {
	w := i / 64
	below := ^p.dup[w] & (1<<(i%64) - 1)
	return base + uint64(p.rank[w]) + uint64(bits.OnesCount64(below))
}

// surveyReachWalker answers, for keys in ascending order, whether the
// reach bucket makes a contact of one survey reachable by a key: the keys
// contacts got after their import (see emails.go) live there, beside the
// entries of the older layout. It walks the bucket alongside the keys,
// and costs nothing when the bucket is empty, as it is in most stores.
type surveyReachWalker struct {
	c      *bolt.Cursor
	survey []byte
	k, v   []byte
	last   []byte
	ok     bool
	empty  bool
}

func newSurveyReachWalker(tx *bolt.Tx, survey string) *surveyReachWalker {
	w := &surveyReachWalker{c: tx.Bucket(bReach).Cursor(), survey: []byte(survey)}
	k, _ := w.c.First()
	w.empty = k == nil
	return w
}

func (w *surveyReachWalker) has(key []byte) bool {
	if w.empty {
		return false
	}
	if w.ok && bytes.Compare(key, w.last) < 0 {
		w.ok = false // not ascending: search afresh
	}
	w.last = append(w.last[:0], key...)
	// A few steps forward are cheaper than a search from the root.
	for step := 0; w.ok && w.k != nil && bytes.Compare(w.k[:32], key) < 0 && step < 8; step++ {
		w.k, w.v = w.c.Next()
	}
	if !w.ok || (w.k != nil && bytes.Compare(w.k[:32], key) < 0) {
		w.k, w.v = w.c.Seek(key)
		w.ok = true
	}
	found := false
	for ; w.k != nil && bytes.Equal(w.k[:32], key); w.k, w.v = w.c.Next() {
		found = found || bytes.Equal(w.v, w.survey)
	}
	return found
}
