package store

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// indexSpill collects the index entries of a bulk import so that they can
// be written in key order once the rows are in: random-order inserts would
// rewrite most leaf pages of a large index with every batch. Entries are
// sorted in bounded memory, spilling sorted runs to temporary files.
type indexSpill struct {
	buf   []kvEntry
	bytes int
	runs  []*os.File
	// limit overrides spillBytes (tests).
	limit int
}

type kvEntry struct{ k, v []byte }

// spillBytes is the memory an indexSpill holds before it writes a run.
const spillBytes = 24 << 20

func (x *indexSpill) add(k, v []byte) error {
	x.buf = append(x.buf, kvEntry{k, v})
	x.bytes += len(k) + len(v) + 48
	if x.bytes >= spillBytes || x.limit > 0 && x.bytes >= x.limit {
		return x.spill()
	}
	return nil
}

func (x *indexSpill) sortBuf() {
	slices.SortFunc(x.buf, func(a, b kvEntry) int { return bytes.Compare(a.k, b.k) })
}

func (x *indexSpill) spill() error {
	if len(x.buf) == 0 {
		return nil
	}
	x.sortBuf()
	f, err := os.CreateTemp("", "canvass-index-*.run")
	if err != nil {
		return fmt.Errorf("spill index entries: %w", err)
	}
	x.runs = append(x.runs, f)
	w := bufio.NewWriterSize(f, 1<<16)
	var n [binary.MaxVarintLen64]byte
	for _, e := range x.buf {
		w.Write(n[:binary.PutUvarint(n[:], uint64(len(e.k)))])
		w.Write(e.k)
		w.Write(n[:binary.PutUvarint(n[:], uint64(len(e.v)))])
		w.Write(e.v)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("spill index entries: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spill index entries: %w", err)
	}
	x.buf, x.bytes = x.buf[:0], 0
	return nil
}

func (x *indexSpill) close() {
	for _, f := range x.runs {
		f.Close()
		os.Remove(f.Name())
	}
	x.runs, x.buf = nil, nil
}

// sorted returns the entries in key order, one at a time; ok is false at
// the end.
func (x *indexSpill) sorted() (func() (kvEntry, bool, error), error) {
	if len(x.runs) == 0 {
		x.sortBuf()
		i := 0
		return func() (kvEntry, bool, error) {
			if i == len(x.buf) {
				return kvEntry{}, false, nil
			}
			i++
			return x.buf[i-1], true, nil
		}, nil
	}
	if err := x.spill(); err != nil {
		return nil, err
	}
	h := &kvHeap{}
	for _, f := range x.runs {
		r := &kvRun{r: bufio.NewReaderSize(f, 1<<16)}
		ok, err := r.next()
		if err != nil {
			return nil, err
		}
		if ok {
			h.runs = append(h.runs, r)
		}
	}
	heap.Init(h)
	return func() (kvEntry, bool, error) {
		if len(h.runs) == 0 {
			return kvEntry{}, false, nil
		}
		top := h.runs[0]
		e := top.cur
		ok, err := top.next()
		if err != nil {
			return e, false, err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
		return e, true, nil
	}, nil
}

type kvRun struct {
	r   *bufio.Reader
	cur kvEntry
}

func (r *kvRun) next() (bool, error) {
	read := func() ([]byte, error) {
		n, err := binary.ReadUvarint(r.r)
		if err != nil {
			return nil, err
		}
		b := make([]byte, n)
		_, err = io.ReadFull(r.r, b)
		return b, err
	}
	k, err := read()
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read index run: %w", err)
	}
	v, err := read()
	if err != nil {
		return false, fmt.Errorf("read index run: %w", err)
	}
	r.cur = kvEntry{k, v}
	return true, nil
}

type kvHeap struct{ runs []*kvRun }

func (h *kvHeap) Len() int { return len(h.runs) }
func (h *kvHeap) Less(i, j int) bool {
	return bytes.Compare(h.runs[i].cur.k, h.runs[j].cur.k) < 0
}
func (h *kvHeap) Swap(i, j int) { h.runs[i], h.runs[j] = h.runs[j], h.runs[i] }
func (h *kvHeap) Push(x any)    { h.runs = append(h.runs, x.(*kvRun)) }
func (h *kvHeap) Pop() any {
	x := h.runs[len(h.runs)-1]
	h.runs = h.runs[:len(h.runs)-1]
	return x
}
