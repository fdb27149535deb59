package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// dedupe is pass 2: it sorts every partition (two at a time) and marks
// the duplicates, then counts what is kept.
func (p *samplePass) dedupe() error {
	p.dup = make([]uint64, (p.cand+63)/64)
	p.supp = make([]uint64, len(p.dup))
	ranges, err := p.surveyRanges()
	if err != nil {
		return err
	}
	next := make(chan int)
	errs := make(chan error, partitionCount)
	var wg sync.WaitGroup
	var mu sync.Mutex
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
				notes := &dupNotes{}
				var buf []byte
				for i := range next {
					if err := p.dedupePartition(i, walkers, reach, notes, &buf); err != nil {
						return err
					}
				}
				mu.Lock()
				p.notes = append(p.notes, notes.list...)
				mu.Unlock()
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
	supp := 0
	for _, w := range p.supp {
		supp += bits.OnesCount64(w)
	}
	p.res.Suppressed += supp
	p.res.Duplicate += p.cand - p.kept - supp
	p.res.Imported = p.kept
	return p.listDuplicates()
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

func (p *samplePass) dedupePartition(i int, walkers map[byte][]*runWalker, reach *surveyReachWalker, notes *dupNotes, buf *[]byte) error {
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
		p.dedupeGroup(es[a*entrySize:b*entrySize], walkers, reach, notes)
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

// dedupeGroup decides the rows of one group of entries with the same kind
// and key. A row is imported only if it is the first holder of the key in
// the file and no contact of the survey has it; every later holder is a
// duplicate. Rows suppressed in pass 1 hold their keys too: a row after
// one that shares its phone or email is a duplicate of it, and every row
// with the sample id of a suppressed row, before or after it, is
// suppressed itself, since the same id is the same person.
func (p *samplePass) dedupeGroup(g []byte, walkers map[byte][]*runWalker, reach *surveyReachWalker, notes *dupNotes) {
	kind, key := g[0], g[1:33]
	first := uint32(math.MaxUint32) // the first candidate
	suppAt, suppO := uint32(math.MaxUint32), uint32(0)
	for e := 0; e < len(g); e += entrySize {
		row := binary.BigEndian.Uint32(g[e+33:])
		if g[e+37] == entrySuppressed {
			if at := p.suppNext[row]; at < suppAt {
				suppAt, suppO = at, row
			}
		} else if row < first {
			first = row
		}
	}
	if first == math.MaxUint32 {
		return // suppressed rows only
	}
	switch {
	case kind == runID && suppAt != math.MaxUint32:
		for e := 0; e < len(g); e += entrySize {
			if g[e+37] != entrySuppressed {
				p.setSupp(binary.BigEndian.Uint32(g[e+33:]))
			}
		}
		return
	case suppAt <= first:
		// A suppressed row holds the key first.
		for e := 0; e < len(g); e += entrySize {
			if g[e+37] != entrySuppressed {
				row := binary.BigEndian.Uint32(g[e+33:])
				p.setDup(row)
				notes.add(dupNote{cand: row, kind: kind, ref: suppO, refSupp: true})
			}
		}
		return
	}
	inSurvey := false
	for _, w := range walkers[kind] {
		if w.find(key) != 0 {
			inSurvey = true
			break
		}
	}
	inSurvey = inSurvey || kind == runReach && reach.has(key)
	if inSurvey {
		p.setDup(first)
		notes.add(dupNote{cand: first, kind: kind, inSurvey: true})
	}
	for e := 0; e < len(g); e += entrySize {
		if row := binary.BigEndian.Uint32(g[e+33:]); g[e+37] != entrySuppressed && row != first {
			p.setDup(row)
			notes.add(dupNote{cand: row, kind: kind, ref: first})
		}
	}
}

// setSupp marks candidate i suppressed (and so not imported).
func (p *samplePass) setSupp(i uint32) {
	atomic.OrUint64(&p.supp[i/64], 1<<(i%64))
	p.setDup(i)
}

func (p *samplePass) isSupp(i uint32) bool { return p.supp[i/64]&(1<<(i%64)) != 0 }

// dupNote is why a candidate is a duplicate: it repeats the key (of kind)
// of candidate ref, or of suppressed row ref, or of a contact already in
// the survey.
type dupNote struct {
	cand     uint32
	kind     byte
	ref      uint32
	refSupp  bool
	inSurvey bool
}

// dupNotes keeps the notes of the candidates with the lowest numbers, at
// least maxReported of them, one per candidate: the import lists the
// first duplicates by line, and a file of duplicates must not fill memory.
type dupNotes struct {
	list  []dupNote
	limit uint32 // notes of candidates above it are dropped, once full
	full  bool
}

func (n *dupNotes) add(d dupNote) {
	if n.full && d.cand > n.limit {
		return
	}
	n.list = append(n.list, d)
	if len(n.list) >= 4*maxReported {
		n.trim()
	}
}

// trim keeps the first note of each of the maxReported lowest candidates.
func (n *dupNotes) trim() {
	slices.SortStableFunc(n.list, func(a, b dupNote) int { return cmp.Compare(a.cand, b.cand) })
	n.list = slices.CompactFunc(n.list, func(a, b dupNote) bool { return a.cand == b.cand })
	if len(n.list) >= maxReported {
		n.list = n.list[:maxReported]
		n.limit, n.full = n.list[maxReported-1].cand, true
	}
}

// listDuplicates fills res.Duplicates: the first maxReported duplicate
// rows by line, each with what it repeats. The lines of candidates are in
// their records in the row file: only the blocks holding the rows listed
// are opened.
func (p *samplePass) listDuplicates() error {
	n := &dupNotes{list: p.notes}
	n.trim()
	notes := n.list
	need := map[uint32]int{}
	for _, d := range notes {
		need[d.cand] = 0
		if !d.refSupp && !d.inSurvey {
			need[d.ref] = 0
		}
	}
	if len(need) > 0 {
		var cand uint32
		err := p.rows.each(func(count int, sealed []byte) error {
			c0 := cand
			cand += uint32(count)
			wanted := false
			for i := c0; i < cand && !wanted; i++ {
				_, wanted = need[i]
			}
			if !wanted {
				return nil
			}
			plain, err := p.s.codec.Open(sealed)
			if err != nil {
				return fmt.Errorf("open contacts: %w", err)
			}
			return blockRecords(plain, func(i int, rec []byte) bool {
				if _, ok := need[c0+uint32(i)]; ok {
					need[c0+uint32(i)] = recordLine(rec)
				}
				return true
			})
		})
		if err != nil {
			return err
		}
	}
	what := map[byte]string{runID: "id", runReach: "phone or email"}
	out := slices.Clone(p.legacyDups)
	for _, d := range notes {
		var msg string
		switch {
		case d.inSurvey:
			msg = fmt.Sprintf("its %s is already in the survey", what[d.kind])
		case d.refSupp:
			msg = fmt.Sprintf("same %s as line %d, which the opt-out list suppressed", what[d.kind], p.suppLine[d.ref])
		default:
			msg = fmt.Sprintf("same %s as line %d", what[d.kind], need[d.ref])
		}
		out = append(out, LineError{Line: need[d.cand], Msg: msg})
	}
	slices.SortStableFunc(out, func(a, b LineError) int { return cmp.Compare(a.Line, b.Line) })
	p.res.Duplicates = out[:min(len(out), maxReported)]
	return nil
}
