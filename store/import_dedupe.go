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
				var buf []byte
				for i := range next {
					if err := p.dedupePartition(i, walkers, &buf); err != nil {
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

func (p *samplePass) dedupePartition(i int, walkers map[byte][]*runWalker, buf *[]byte) error {
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
