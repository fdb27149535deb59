package store

import (
	"bufio"
	"bytes"
	"container/heap"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
)

// The opt-out import's keys, from the parser to the writer. A national
// do-not-call file holds tens of millions of numbers, and bbolt takes them
// fastest in key order, so the import (1) hashes the values into their
// index keys on every core, (2) gathers the keys in bounded memory, spilling
// them to a temporary file partitioned by their first byte, and (3) hands
// them to the writer sorted and unique, one partition at a time, sorting the
// next partition while the writer commits the last. Partitioning rather
// than sorting runs and merging them leaves no sorting to the reading
// stage, which every later stage waits for: the writer cannot start before
// the last line is read, since that line may hold the smallest key.

// optParts is how many partitions the keys are spread over: one per value
// of their first byte. Index keys are SHA-256 or HMAC-SHA256 outputs, so
// the partitions come out even; a partition that does not fit in memory
// (repeats, or a crafted hashed list) is sorted in runs and merged.
const optParts = 256

// optJobValues is how many values the parser hands a hashing worker at a
// time.
const optJobValues = 4096

// hashJob is a block of values read by the parser for a hashing worker.
type hashJob struct {
	// nanp holds the ten digits (area code and number) of each fast
	// do-not-call line: the worker makes their E.164 form and its SHA-256.
	nanp [][10]byte
	// keys holds the SHA-256 of every other value; the worker appends
	// those of nanp and turns all of them into index keys.
	keys [][32]byte
}

func (j *hashJob) len() int { return len(j.nanp) + len(j.keys) }

// hash turns the job's values into their index keys ([Store.indexKey]).
func (s *Store) hash(j *hashJob) {
	for i := range j.nanp {
		j.keys = append(j.keys, nanpKey(&j.nanp[i]))
	}
	j.nanp = j.nanp[:0]
	s.indexKeys(j.keys)
}

// nanpKey is the SHA-256 ([model.OptOutKey]) of the North American number
// "+1" followed by the ten digits d.
func nanpKey(d *[10]byte) [32]byte {
	var num [12]byte
	num[0], num[1] = '+', '1'
	copy(num[2:], d[:])
	return sha256.Sum256(num[:])
}

// gatherOptOuts reads every value of p, counting the values and rejected
// lines in res, and puts their index keys in ks. The calling goroutine
// parses; one worker per core hashes; one goroutine adds the keys to ks.
func (s *Store) gatherOptOuts(p *optOutParser, ks *keySet, res *OptOutImport) error {
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan *hashJob)
	hashed := make(chan *hashJob, workers)
	free := make(chan *hashJob, 2*workers+2)
	for range cap(free) {
		free <- &hashJob{}
	}
	failed := make(chan struct{}) // closed when ks fails
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				s.hash(j)
				hashed <- j
			}
		})
	}
	added := make(chan error, 1)
	go func() {
		var err error
		for j := range hashed {
			if err == nil {
				if err = ks.add(j.keys); err != nil {
					close(failed)
				}
			}
			j.keys = j.keys[:0]
			free <- j
		}
		added <- err
	}()
	readErr := func() error {
		j := <-free
		for {
			v, err := p.nextValue()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if v.err != nil {
				res.RejectedCount++
				if len(res.Rejected) < maxReported {
					res.Rejected = append(res.Rejected, LineError{Line: v.line, Msg: v.err.Error()})
				}
				continue
			}
			res.Values++
			if v.fast {
				j.nanp = append(j.nanp, v.nanp)
			} else {
				j.keys = append(j.keys, v.key)
			}
			if j.len() == optJobValues {
				select {
				case jobs <- j:
				case <-failed:
					return nil // the collector's error says why
				}
				j = <-free
			}
		}
		if j.len() > 0 {
			select {
			case jobs <- j:
			case <-failed:
			}
		}
		return nil
	}()
	close(jobs)
	wg.Wait()
	close(hashed)
	if err := <-added; err != nil {
		return err
	}
	return readErr
}

// keySet holds the index keys of an import in bounded memory: up to limit
// of them in memory, and beyond that in a temporary file, in segments of
// one partition each. The first time the memory fills it is partitioned
// in place and written out; from then on the same memory serves as one
// buffer per partition, written out as a segment whenever it fills.
type keySet struct {
	limit int
	mem   [][32]byte
	f     *os.File // nil until the first spill
	// tmp makes the spill file beside the store (see tempFiles); nil
	// puts it in the system's temporary directory.
	tmp  *tempFiles
	size int64 // bytes written to f
	// segs lists where in f the keys of each partition lie.
	segs [optParts][]segment
	// bufs are the partition buffers, parts of mem, once f exists.
	bufs    [optParts][][32]byte
	scratch []byte // what writeKeys writes
}

// segment is where in the file some keys of one partition lie.
type segment struct{ off, n int64 }

func newKeySet(limit int) *keySet {
	return &keySet{limit: max(limit, 1)}
}

// add copies keys into the set.
func (ks *keySet) add(keys [][32]byte) error {
	if ks.f != nil {
		for i := range keys {
			p := keys[i][0]
			ks.bufs[p] = append(ks.bufs[p], keys[i])
			if len(ks.bufs[p]) == cap(ks.bufs[p]) {
				if err := ks.write(int(p), ks.bufs[p]); err != nil {
					return err
				}
				ks.bufs[p] = ks.bufs[p][:0]
			}
		}
		return nil
	}
	for len(keys) > 0 {
		n := min(len(keys), ks.limit-len(ks.mem))
		ks.mem = append(ks.mem, keys[:n]...)
		keys = keys[n:]
		if len(ks.mem) == ks.limit {
			if err := ks.spill(); err != nil {
				return err
			}
			return ks.add(keys)
		}
	}
	return nil
}

// write appends keys of partition p to the file as one segment.
func (ks *keySet) write(p int, keys [][32]byte) error {
	if len(keys) == 0 {
		return nil
	}
	off := ks.size
	if err := ks.writeKeys(keys); err != nil {
		return err
	}
	ks.segs[p] = append(ks.segs[p], segment{off: off, n: int64(len(keys))})
	return nil
}

// writeKeys appends keys to the file.
func (ks *keySet) writeKeys(keys [][32]byte) error {
	if ks.scratch == nil {
		ks.scratch = make([]byte, 0, 1<<16)
	}
	for len(keys) > 0 {
		b := ks.scratch[:0]
		for len(keys) > 0 && len(b) < cap(b) {
			b = append(b, keys[0][:]...)
			keys = keys[1:]
		}
		if _, err := ks.f.Write(b); err != nil {
			return err
		}
		ks.size += int64(len(b))
	}
	return nil
}

// spill writes the keys in memory to a new temporary file, partitioned,
// and cuts the memory into the partition buffers.
func (ks *keySet) spill() error {
	var f *os.File
	var err error
	if ks.tmp != nil {
		f, err = ks.tmp.create()
	} else {
		f, err = os.CreateTemp("", "canvass-optout-*.keys")
	}
	if err != nil {
		return err
	}
	ks.f = f
	ends := partitionByFirstByte(ks.mem)
	start := 0
	for p, end := range ends {
		if err := ks.write(p, ks.mem[start:end]); err != nil {
			return err
		}
		start = end
	}
	mem := ks.mem[:cap(ks.mem)]
	w := max(len(mem)/optParts, 1)
	for p := range ks.bufs {
		if len(mem) >= w {
			ks.bufs[p], mem = mem[:0:w], mem[w:]
		} else {
			ks.bufs[p] = make([][32]byte, 0, w)
		}
	}
	ks.mem = nil
	return nil
}

// partitionByFirstByte reorders keys in place so that they are grouped by
// their first byte in ascending order, and returns where each group ends.
func partitionByFirstByte(keys [][32]byte) [optParts]int {
	return partitionByByte(keys, 0)
}

// partitionByByte reorders keys in place so that they are grouped by their
// byte at i in ascending order, and returns where each group ends. It is a
// radix pass (American flag sort): two passes over the keys, no second
// buffer.
func partitionByByte(keys [][32]byte, i int) (ends [256]int) {
	var count [256]int
	for j := range keys {
		count[keys[j][i]]++
	}
	var next [256]int // where the next key of each group goes
	sum := 0
	for b, c := range count {
		next[b] = sum
		sum += c
		ends[b] = sum
	}
	for b := range 256 {
		for next[b] < ends[b] {
			k := keys[next[b]]
			// Carry k to its group, taking the key found there along,
			// until a key of group b turns up.
			for int(k[i]) != b {
				d := k[i]
				k, keys[next[d]] = keys[next[d]], k
				next[d]++
			}
			keys[next[b]] = k
			next[b]++
		}
	}
	return ends
}

// sortPartition sorts the keys of one partition (all sharing their first
// byte) and drops repeats, as sortUnique does: a radix pass on the second
// byte leaves groups of a few hundred keys for the comparison sort, which
// takes about a third less time than sorting them all at once
// (BenchmarkSortPartition).
func sortPartition(keys *[][32]byte) {
	ks := *keys
	if len(ks) < 4096 {
		sortUnique(keys)
		return
	}
	start := 0
	for _, end := range partitionByByte(ks, 1) {
		slices.SortFunc(ks[start:end], compareKeys)
		start = end
	}
	*keys = slices.Compact(ks)
}

// sorted returns the keys of the set in ascending order, each once. The
// set must not be added to afterwards. The function it returns loads and
// sorts one partition at a time.
func (ks *keySet) sorted() (func() ([32]byte, bool, error), error) {
	st := &keyStream{ks: ks}
	if ks.f == nil {
		sortUnique(&ks.mem)
		st.cur, st.part = ks.mem, optParts
		return st.next, nil
	}
	for p := range ks.bufs {
		if err := ks.write(p, ks.bufs[p]); err != nil {
			return nil, err
		}
		ks.bufs[p] = nil
	}
	return st.next, nil
}

// close removes the temporary file.
func (ks *keySet) close() {
	if ks.f != nil {
		if ks.tmp != nil {
			ks.tmp.remove(ks.f)
		} else {
			ks.f.Close()
			os.Remove(ks.f.Name())
		}
		ks.f = nil
	}
}

// partition returns a reader of the keys of partition p and their number.
func (ks *keySet) partition(p int) (io.Reader, int) {
	rs := make([]io.Reader, 0, len(ks.segs[p]))
	n := 0
	for _, sg := range ks.segs[p] {
		rs = append(rs, io.NewSectionReader(ks.f, sg.off, sg.n*32))
		n += int(sg.n)
	}
	return io.MultiReader(rs...), n
}

// keyStream yields the keys of a keySet in order, partition by partition.
type keyStream struct {
	ks   *keySet
	cur  [][32]byte // the sorted, unique keys of the current partition
	i    int        // next key of cur
	part int        // next partition to load
	m    *merger    // merges the current partition when it is too large for memory
	buf  []byte
}

func (st *keyStream) next() ([32]byte, bool, error) {
	for {
		if st.i < len(st.cur) {
			st.i++
			return st.cur[st.i-1], true, nil
		}
		if st.m != nil {
			k, ok, err := st.m.next()
			if ok || err != nil {
				return k, ok, err
			}
			st.m = nil
		}
		if st.part == optParts {
			return [32]byte{}, false, nil
		}
		if err := st.load(st.part); err != nil {
			return [32]byte{}, false, err
		}
		st.part++
	}
}

// load makes partition p the current one: sorted in memory when it fits
// the set's limit, else sorted in runs of that size, written to the end of
// the file and merged.
func (st *keyStream) load(p int) error {
	r, n := st.ks.partition(p)
	st.cur, st.i = st.cur[:0], 0
	if n <= st.ks.limit {
		if err := st.read(r, n); err != nil {
			return err
		}
		sortPartition(&st.cur)
		return nil
	}
	var runs []io.Reader
	for n > 0 {
		c := min(n, st.ks.limit)
		if err := st.read(r, c); err != nil {
			return err
		}
		n -= c
		sortUnique(&st.cur)
		off := st.ks.size
		if err := st.ks.writeKeys(st.cur); err != nil {
			return err
		}
		runs = append(runs, io.NewSectionReader(st.ks.f, off, st.ks.size-off))
		st.cur = st.cur[:0]
	}
	m, err := newMerger(runs)
	if err != nil {
		return err
	}
	st.m = m
	return nil
}

// read appends the next n keys of r to st.cur.
func (st *keyStream) read(r io.Reader, n int) error {
	if st.buf == nil {
		st.buf = make([]byte, 1<<16)
	}
	st.cur = slices.Grow(st.cur, n)
	for n > 0 {
		b := st.buf[:min(n*32, len(st.buf))]
		if _, err := io.ReadFull(r, b); err != nil {
			return err
		}
		for i := 0; i < len(b); i += 32 {
			st.cur = append(st.cur, [32]byte(b[i:i+32]))
		}
		n -= len(b) / 32
	}
	return nil
}

// feedBatches cuts the keys next yields into batches of size and
// sends them on out, which it closes at the end (or after a batch with an
// error, or when stop closes). Two slices take turns, so that the next
// batch is made while the writer commits the last.
func feedBatches(next func() ([32]byte, bool, error), size int, out chan<- optBatch, stop <-chan struct{}) {
	defer close(out)
	back := make(chan [][32]byte, 2)
	back <- make([][32]byte, 0, size)
	back <- make([][32]byte, 0, size)
	for {
		var batch [][32]byte
		select {
		case batch = <-back:
		case <-stop:
			return
		}
		batch = batch[:0]
		var err error
		for len(batch) < size {
			k, ok, e := next()
			if e != nil {
				err = e
				break
			}
			if !ok {
				break
			}
			batch = append(batch, k)
		}
		if len(batch) == 0 && err == nil {
			return
		}
		select {
		case out <- optBatch{keys: batch, done: back, err: err}:
		case <-stop:
			return
		}
		if err != nil {
			return
		}
	}
}

func sortUnique(keys *[][32]byte) {
	slices.SortFunc(*keys, compareKeys)
	*keys = slices.Compact(*keys)
}

// compareKeys orders hashes as bytes.Compare does, deciding almost always
// on their first eight bytes.
func compareKeys(a, b [32]byte) int {
	x, y := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return bytes.Compare(a[8:], b[8:])
}

// merger merges sorted runs of 32-byte keys, dropping repeats.
type merger struct {
	h    runHeap
	last [32]byte
	any  bool
}

type run struct {
	r   *bufio.Reader
	cur [32]byte
}

type runHeap []*run

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return compareKeys(h[i].cur, h[j].cur) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*run)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newMerger(runs []io.Reader) (*merger, error) {
	m := &merger{}
	for _, rr := range runs {
		r := &run{r: bufio.NewReaderSize(rr, 1<<16)}
		if _, err := io.ReadFull(r.r, r.cur[:]); err != nil {
			if errors.Is(err, io.EOF) {
				continue
			}
			return nil, err
		}
		m.h = append(m.h, r)
	}
	heap.Init(&m.h)
	return m, nil
}

func (m *merger) next() ([32]byte, bool, error) {
	for len(m.h) > 0 {
		top := m.h[0]
		k := top.cur
		if _, err := io.ReadFull(top.r, top.cur[:]); err != nil {
			if !errors.Is(err, io.EOF) {
				return k, false, err
			}
			heap.Pop(&m.h)
		} else {
			heap.Fix(&m.h, 0)
		}
		if m.any && k == m.last {
			continue
		}
		m.last, m.any = k, true
		return k, true, nil
	}
	return [32]byte{}, false, nil
}
