package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The sample layout (schema 2; see "Contact imports" in the package
// comment): contact blocks, index runs and the import directory.

// Bucket names of the sample layout.
var (
	bCBlocks = []byte("cblocks")
	bXRuns   = []byte("xruns")
	bCRanges = []byte("cranges")
	bLeases  = []byte("leases")
)

// Index run kinds.
const (
	runID    byte = 'i'
	runReach byte = 'r'
)

// runEntry is the size of one index run entry: key(32) ‖ cid(8).
const runEntry = 40

// blockRows bounds the contacts in one block; blockBytes closes a block
// earlier when its records are large.
const (
	blockRows  = 64
	blockBytes = 12 << 10
	runEntries = 200
)

// A block's value is uvarint(import) ‖ sealed(uvarint(n) ‖ n ×
// (uvarint(len) ‖ record)): the import in clear, so that the workers of an
// import seal its blocks before the import has an id.

// blockValue is the stored value of a block of import imp.
func blockValue(imp uint64, sealed []byte) []byte {
	b := make([]byte, 0, binary.MaxVarintLen64+len(sealed))
	b = binary.AppendUvarint(b, imp)
	return append(b, sealed...)
}

// splitBlockValue returns a block value's import and sealed part.
func splitBlockValue(v []byte) (uint64, []byte, error) {
	imp, n := binary.Uvarint(v)
	if n <= 0 {
		return 0, nil, errors.New("malformed contact block")
	}
	return imp, v[n:], nil
}

// appendBlockRecord adds a record to a block's plain text being built
// (without its count, which blockPlain puts in front).
func appendBlockRecord(b, rec []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(rec)))
	return append(b, rec...)
}

// blockPlain is the plain text of a block of n records.
func blockPlain(n int, records []byte) []byte {
	b := make([]byte, 0, binary.MaxVarintLen64+len(records))
	b = binary.AppendUvarint(b, uint64(n))
	return append(b, records...)
}

// blockRecords calls fn with each record of a block's plain text.
func blockRecords(plain []byte, fn func(i int, rec []byte) bool) error {
	count, n := binary.Uvarint(plain)
	if n <= 0 {
		return errors.New("malformed contact block")
	}
	p := plain[n:]
	for i := 0; uint64(i) < count; i++ {
		l, n := binary.Uvarint(p)
		if n <= 0 || uint64(len(p)-n) < l {
			return errors.New("malformed contact block")
		}
		if !fn(i, p[n:n+int(l)]) {
			return nil
		}
		p = p[n+int(l):]
	}
	return nil
}

// blockSlot returns the record in slot i of a block's plain text, or
// false when the block has no such slot.
func blockSlot(plain []byte, i uint64) ([]byte, bool) {
	var out []byte
	blockRecords(plain, func(j int, rec []byte) bool {
		if uint64(j) == i {
			out = rec
			return false
		}
		return true
	})
	return out, out != nil
}

// blockCache keeps the plain text of the blocks read last: draws, the
// call screen and reports read neighbouring contacts one after another.
// Blocks never change once written and their cids are never given out
// again; an entry is used only for a sealed value with the same length
// and CRC-32C as the one it was opened from, so a value altered in the
// file is opened (and refused) again.
type blockCache struct {
	mu      sync.Mutex
	entries [8]cachedBlock
	next    int
}

type cachedBlock struct {
	first uint64
	tag   uint64
	plain []byte
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func blockTag(sealed []byte) uint64 {
	return uint64(len(sealed))<<32 | uint64(crc32.Checksum(sealed, castagnoli))
}

func (c *blockCache) get(first uint64, sealed []byte) []byte {
	tag := blockTag(sealed)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.plain != nil && e.first == first && e.tag == tag {
			return e.plain
		}
	}
	return nil
}

func (c *blockCache) put(first uint64, sealed, plain []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[c.next] = cachedBlock{first: first, tag: blockTag(sealed), plain: plain}
	c.next = (c.next + 1) % len(c.entries)
}

// blockRecordTx reads contact cid from the blocks; ok is false when no
// block holds it.
func (s *Store) blockRecordTx(tx *bolt.Tx, cid uint64) (*contactRecord, bool, error) {
	imp, rec, ok, err := s.blockRawTx(tx, cid)
	if err != nil || !ok {
		return nil, ok, err
	}
	// A record has the fields of a contactRecord but the import.
	r := &contactRecord{}
	if err := json.Unmarshal(rec, r); err != nil {
		return nil, false, fmt.Errorf("decode contact %d: %w", cid, err)
	}
	r.Import = imp
	return r, true, nil
}

// blockRawTx returns the import and the JSON record of contact cid from
// the blocks; ok is false when no block holds it.
func (s *Store) blockRawTx(tx *bolt.Tx, cid uint64) (imp uint64, rec []byte, ok bool, err error) {
	b := tx.Bucket(bCBlocks)
	if b == nil {
		return 0, nil, false, nil
	}
	c := b.Cursor()
	k, v := c.Seek(u64(cid))
	if k == nil || binary.BigEndian.Uint64(k) > cid {
		k, v = c.Prev()
	}
	if k == nil {
		return 0, nil, false, nil
	}
	first := binary.BigEndian.Uint64(k)
	imp, sealed, err := splitBlockValue(v)
	if err != nil {
		return 0, nil, false, fmt.Errorf("contact block %d: %w", first, err)
	}
	plain := s.blocks.get(first, v)
	if plain == nil {
		if plain, err = s.codec.Open(sealed); err != nil {
			return 0, nil, false, fmt.Errorf("open contact block %d: %w", first, err)
		}
		s.blocks.put(first, v, plain)
	}
	rec, ok = blockSlot(plain, cid-first)
	return imp, rec, ok, nil
}

// sampleRange is an import's entry in the import directory (cranges):
// which cids it gave out, whether its contacts may be drawn, and when
// they first became due.
type sampleRange struct {
	Import  uint64
	First   uint64
	Last    uint64
	QueueAt time.Time
	Status  string
	Survey  string
}

var rangeStatus = []string{ImportRunning, ImportDone, ImportAbandoned}

func (r *sampleRange) encode() []byte {
	b := make([]byte, 0, 33+len(r.Survey))
	b = append(b, u64(r.Import)...)
	b = append(b, u64(r.First)...)
	b = append(b, timeKey(r.QueueAt)...)
	b = append(b, byte(slices.Index(rangeStatus, r.Status)))
	return append(b, r.Survey...)
}

func decodeRange(k, v []byte) (*sampleRange, error) {
	if len(k) != 8 || len(v) < 25 || int(v[24]) >= len(rangeStatus) {
		return nil, errors.New("malformed import range")
	}
	return &sampleRange{Import: binary.BigEndian.Uint64(v), First: binary.BigEndian.Uint64(v[8:]),
		Last: binary.BigEndian.Uint64(k), QueueAt: keyTime(v[16:24]), Status: rangeStatus[v[24]],
		Survey: string(v[25:])}, nil
}

func putRangeTx(tx *bolt.Tx, r *sampleRange) error {
	return tx.Bucket(bCRanges).Put(u64(r.Last), r.encode())
}

// rangeOfTx returns the import range holding cid, or nil.
func rangeOfTx(tx *bolt.Tx, cid uint64) (*sampleRange, error) {
	b := tx.Bucket(bCRanges)
	if b == nil {
		return nil, nil
	}
	k, v := b.Cursor().Seek(u64(cid))
	if k == nil {
		return nil, nil
	}
	r, err := decodeRange(k, v)
	if err != nil || r.First > cid {
		return nil, err
	}
	return r, nil
}

// rangesTx lists the import ranges whose contacts may be drawn, of one
// survey or (survey "") of all.
func rangesTx(tx *bolt.Tx, survey string) ([]*sampleRange, error) {
	b := tx.Bucket(bCRanges)
	if b == nil {
		return nil, nil
	}
	var out []*sampleRange
	err := b.ForEach(func(k, v []byte) error {
		r, err := decodeRange(k, v)
		if err != nil {
			return err
		}
		if r.Status == ImportDone && (survey == "" || r.Survey == survey) {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// runKey is where a run block whose first entry has key k is stored.
func runKey(kind byte, imp uint64, k []byte) []byte {
	b := make([]byte, 0, 41)
	b = append(b, kind)
	b = append(b, u64(imp)...)
	return append(b, k...)
}

// runFind returns the cid of key k in import imp's run of kind, or 0.
func runFind(tx *bolt.Tx, kind byte, imp uint64, k []byte) uint64 {
	v, ok := runBlockFor(tx.Bucket(bXRuns).Cursor(), runKey(kind, imp, nil), k)
	if !ok {
		return 0
	}
	return blockFind(v, k)
}

// runBlockFor moves c to the block of the run with key prefix pre that
// would hold k: the one starting at k, else the one before; ok is false
// when k comes before the run's first block.
func runBlockFor(c *bolt.Cursor, pre, k []byte) (block []byte, ok bool) {
	rk, v := c.Seek(append(bytes.Clone(pre), k...))
	if rk == nil || !bytes.HasPrefix(rk, pre) || !bytes.Equal(rk[len(pre):], k) {
		rk, v = c.Prev()
	}
	return v, rk != nil && bytes.HasPrefix(rk, pre)
}

// blockFind binary-searches a run block for k.
func blockFind(v, k []byte) uint64 {
	n := len(v) / runEntry
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(v[m*runEntry:m*runEntry+32], k) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < n && bytes.Equal(v[lo*runEntry:lo*runEntry+32], k) {
		return binary.BigEndian.Uint64(v[lo*runEntry+32:])
	}
	return 0
}

// runWalker answers lookups in one import's run for keys that come in
// ascending order, reading each run block at most once.
type runWalker struct {
	c     *bolt.Cursor
	pre   []byte
	block []byte // the block that may hold the next key
	next  []byte // the first key of the block after it, nil at the end
}

func newRunWalker(tx *bolt.Tx, kind byte, imp uint64) *runWalker {
	return &runWalker{c: tx.Bucket(bXRuns).Cursor(), pre: runKey(kind, imp, nil)}
}

// find returns the cid of k, or 0.
func (w *runWalker) find(k []byte) uint64 {
	if w.block == nil || (w.next != nil && bytes.Compare(k, w.next) >= 0) ||
		bytes.Compare(k, w.block[:32]) < 0 {
		v, ok := runBlockFor(w.c, w.pre, k)
		if !ok {
			// k is before the first block: remember the first block.
			var rk []byte
			rk, v = w.c.Seek(w.pre)
			if rk == nil || !bytes.HasPrefix(rk, w.pre) {
				w.block, w.next = nil, nil
				return 0
			}
		}
		w.block = v
		nk, _ := w.c.Next()
		if nk != nil && bytes.HasPrefix(nk, w.pre) {
			w.next = nk[len(w.pre):]
		} else {
			w.next = nil
		}
	}
	return blockFind(w.block, k)
}

// runWriter writes one import's run of one kind, a block at a time.
type runWriter struct {
	kind  byte
	imp   uint64
	block []byte
}

// add appends an entry; entries must come in ascending key order. full
// reports that the block should be written.
func (w *runWriter) add(k []byte, cid uint64) (full bool) {
	w.block = append(w.block, k...)
	w.block = binary.BigEndian.AppendUint64(w.block, cid)
	return len(w.block) >= runEntries*runEntry
}

// take returns the block made so far with its key, and starts the next.
func (w *runWriter) take() (key, block []byte) {
	key, block = runKey(w.kind, w.imp, w.block[:32]), w.block
	w.block = nil
	return key, block
}

// deleteSampleTx removes what an unfinished import of the sample layout
// wrote: its blocks, its runs and its range.
func deleteSampleTx(tx *bolt.Tx, r *sampleRange) error {
	if r.Last != 0 {
		c := tx.Bucket(bCBlocks).Cursor()
		for k, _ := c.Seek(u64(r.First)); k != nil && binary.BigEndian.Uint64(k) <= r.Last; k, _ = c.Seek(u64(r.First)) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
	}
	for _, kind := range []byte{runID, runReach} {
		pre := runKey(kind, r.Import, nil)
		c := tx.Bucket(bXRuns).Cursor()
		for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Seek(pre) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
	}
	return tx.Bucket(bCRanges).Delete(u64(r.Last))
}

// surveyContactsTx calls fn with every contact of survey whose import
// finished: those of the older layout by sample id, then those of each
// import of the sample layout in cid order.
func (s *Store) surveyContactsTx(tx *bolt.Tx, survey string, fn func(cid uint64) error) error {
	pre := idPrefix(survey)
	c := tx.Bucket(bCIDs).Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		if len(v) != 8 {
			continue
		}
		if err := fn(binary.BigEndian.Uint64(v)); err != nil {
			return err
		}
	}
	ranges, err := rangesTx(tx, survey)
	if err != nil {
		return err
	}
	for _, r := range ranges {
		for cid := r.First; cid <= r.Last; cid++ {
			if err := fn(cid); err != nil {
				return err
			}
		}
	}
	return nil
}
