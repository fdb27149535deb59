package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// rowFile holds the candidate rows of pass 1 in file order, in the sealed
// blocks the workers made: in memory while small, then in a file beside
// the store.
type rowFile struct {
	tmp *tempFiles
	mem []byte
	f   *os.File
	w   *bufio.Writer
}

func (r *rowFile) write(sealed []byte, n int) error {
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(n))
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(sealed)))
	if r.f == nil && len(r.mem)+len(sealed) > partitionMemory {
		f, err := r.tmp.create()
		if err != nil {
			return fmt.Errorf("make a temporary file for the rows: %w", err)
		}
		r.f, r.w = f, bufio.NewWriterSize(f, 1<<20)
		if _, err := r.w.Write(r.mem); err != nil {
			return err
		}
		r.mem = nil
	}
	if r.f == nil {
		r.mem = append(append(r.mem, hdr[:]...), sealed...)
		return nil
	}
	r.w.Write(hdr[:])
	_, err := r.w.Write(sealed)
	return err
}

// each calls fn with every sealed block of n rows, in order.
func (r *rowFile) each(fn func(n int, sealed []byte) error) error {
	var in io.Reader = bytes.NewReader(r.mem)
	if r.f != nil {
		if err := r.w.Flush(); err != nil {
			return err
		}
		if _, err := r.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		in = bufio.NewReaderSize(r.f, 1<<20)
	}
	var hdr [8]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(in, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read the rows back: %w", err)
		}
		n, size := binary.BigEndian.Uint32(hdr[:]), binary.BigEndian.Uint32(hdr[4:])
		buf = slices.Grow(buf[:0], int(size))[:size]
		if _, err := io.ReadFull(in, buf); err != nil {
			return fmt.Errorf("read the rows back: %w", err)
		}
		if err := fn(int(n), buf); err != nil {
			return err
		}
	}
}

func (r *rowFile) close() {
	if r.f != nil {
		r.tmp.remove(r.f)
		r.f = nil
	}
	r.mem = nil
}

// partitionSet holds the index keys of pass 1 in partitions by their
// first byte, so that each can be sorted alone and the partitions in turn
// give all keys in order.
type partitionSet struct {
	tmp   *tempFiles
	mem   [partitionCount][]byte
	size  int
	files [partitionCount]*os.File
	bufs  [partitionCount]*bufio.Writer
}

func newPartitionSet(tmp *tempFiles) *partitionSet { return &partitionSet{tmp: tmp} }

func (ps *partitionSet) add(kind byte, key *[32]byte, row uint32) error {
	return ps.addFlagged(kind, key, row, 0)
}

// addFlagged adds an entry whose flag byte (after the row) is flag: 0 for
// a candidate, entrySuppressed for a row suppressed in pass 1, whose row
// field is then its number among the suppressed rows.
func (ps *partitionSet) addFlagged(kind byte, key *[32]byte, row uint32, flag byte) error {
	var e [entrySize]byte
	e[0] = kind
	copy(e[1:33], key[:])
	binary.BigEndian.PutUint32(e[33:], row)
	e[37] = flag
	i := int(key[0]) * partitionCount / 256
	if ps.bufs[i] != nil {
		_, err := ps.bufs[i].Write(e[:])
		return err
	}
	ps.mem[i] = append(ps.mem[i], e[:]...)
	ps.size += entrySize
	if ps.size > partitionMemory {
		return ps.toFiles()
	}
	return nil
}

func (ps *partitionSet) toFiles() error {
	for i := range ps.files {
		f, err := ps.tmp.create()
		if err != nil {
			return fmt.Errorf("make a temporary file for index keys: %w", err)
		}
		ps.files[i], ps.bufs[i] = f, bufio.NewWriterSize(f, 32<<10)
		if _, err := ps.bufs[i].Write(ps.mem[i]); err != nil {
			return err
		}
		ps.mem[i] = nil
	}
	ps.size = 0
	return nil
}

// load returns partition i's entries, in buf's memory when they come
// from a file.
func (ps *partitionSet) load(i int, buf []byte) ([]byte, error) {
	if ps.files[i] == nil {
		return ps.mem[i], nil
	}
	if err := ps.bufs[i].Flush(); err != nil {
		return nil, err
	}
	f := ps.files[i]
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := slices.Grow(buf[:0], int(fi.Size()))[:fi.Size()]
	if _, err := f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read index keys back: %w", err)
	}
	return b, nil
}

// store puts partition i's entries back, sorted.
func (ps *partitionSet) store(i int, es []byte) error {
	if ps.files[i] == nil {
		ps.mem[i] = es
		return nil
	}
	if _, err := ps.files[i].WriteAt(es, 0); err != nil {
		return fmt.Errorf("write index keys back: %w", err)
	}
	return nil
}

func (ps *partitionSet) close() {
	for i, f := range ps.files {
		if f != nil {
			ps.tmp.remove(f)
			ps.files[i] = nil
		}
		ps.mem[i] = nil
	}
}

// tempFiles are the temporary files of a store's imports, beside the store
// and named after it (.STORE.import-*), so that those a crashed import
// left behind can be told from the files of imports running now: the
// store is locked by one process, and this one knows its own. The next
// import (contact or opt-out) and AbandonImport remove the others, and
// Doctor lists them.
type tempFiles struct {
	path string // the store's
	mu   sync.Mutex
	live map[string]bool
}

// importFilePattern is the pattern of a temporary import file of the store
// with file name base.
func importFilePattern(base string) string { return "." + base + ".import-*" }

// legacyImportFilePattern named the temporary files of every store in a
// directory alike, before they were named after their store.
const legacyImportFilePattern = ".canvass-import-*"

func (t *tempFiles) create() (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(t.path), importFilePattern(filepath.Base(t.path)))
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if t.live == nil {
		t.live = map[string]bool{}
	}
	t.live[f.Name()] = true
	t.mu.Unlock()
	return f, nil
}

func (t *tempFiles) remove(f *os.File) {
	f.Close()
	os.Remove(f.Name())
	t.mu.Lock()
	delete(t.live, f.Name())
	t.mu.Unlock()
}

// stale lists the store's temporary import files that no import of this
// process holds, with their sizes: what crashed imports left.
func (t *tempFiles) stale() map[string]int64 {
	out := map[string]int64{}
	dir := filepath.Dir(t.path)
	names, _ := filepath.Glob(filepath.Join(dir, importFilePattern(filepath.Base(t.path))))
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range names {
		if t.live[n] {
			continue
		}
		if fi, err := os.Lstat(n); err == nil && fi.Mode().IsRegular() {
			out[n] = fi.Size()
		}
	}
	return out
}

// removeStale removes what stale lists, and files of the older naming
// (which any store in the directory may have made) untouched for a minute.
func (t *tempFiles) removeStale() {
	for n := range t.stale() {
		os.Remove(n)
	}
	old, _ := filepath.Glob(filepath.Join(filepath.Dir(t.path), legacyImportFilePattern))
	for _, f := range old {
		if fi, err := os.Stat(f); err == nil && time.Since(fi.ModTime()) > time.Minute {
			os.Remove(f)
		}
	}
}
