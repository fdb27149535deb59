package store

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// OptOutValue turns one opt-out value into its key on the list: a phone in
// any common notation (normalised to E.164, region assumed for numbers
// without a country code), an email (trimmed, lower-cased), the national
// do-not-call notation "415,5550100" (area code, number), or a hashed entry
// "sha256:" + hex. It returns the key and the normalised value ("sha256:…"
// for a hashed entry).
func OptOutValue(raw, region string) ([32]byte, string, error) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return [32]byte{}, "", errors.New("empty value")
	case strings.HasPrefix(strings.ToLower(s), "sha256:"):
		k, ok := model.ParseHashedOptOut("sha256:" + s[len("sha256:"):])
		if !ok {
			return k, "", fmt.Errorf("%q is not sha256: and 64 hex digits", raw)
		}
		return k, "sha256:" + hex.EncodeToString(k[:]), nil
	case strings.ContainsRune(s, '@'):
		e, err := model.NormalizeEmail(s)
		if err != nil {
			return [32]byte{}, "", err
		}
		return model.OptOutKey(e), e, nil
	}
	if area, num, ok := dncFields(s); ok {
		p, err := dncPhone(area, num, region)
		if err != nil {
			return [32]byte{}, "", fmt.Errorf("%q: %w", raw, err)
		}
		return model.OptOutKey(p), p, nil
	}
	p, err := model.NormalizePhone(s, region)
	if err != nil {
		return [32]byte{}, "", err
	}
	return model.OptOutKey(p), p, nil
}

// indexHasher keys the optout and reach buckets of an encrypted store: an
// unkeyed SHA-256 of a phone number can be matched against every number of
// a country in minutes, so there the buckets hold HMAC-SHA256(index key,
// SHA-256(normalised value)) instead. The index key is the codec's keyed
// digest of a fixed label, so it is derived from the data key and needs no
// storing of its own. Hashing the public SHA-256 rather than the value lets
// hashed do-not-call lists ("sha256:" + hex) load into encrypted stores.
type indexHasher struct {
	key  []byte    // the index key, which a sync hub hands its laptops (sync_index.go)
	pool sync.Pool // of hash.Hash, HMAC-SHA256 under the index key
}

// indexKeyLabel is what the codec digests to make the index key.
const indexKeyLabel = "canvass optout and reach index key v1"

// newIndexHasher returns the hasher of a store sealed by c, or nil for a
// plain store, whose buckets keep the plain SHA-256.
func newIndexHasher(c Codec) *indexHasher {
	a, ok := c.(*AESCodec)
	if !ok {
		return nil
	}
	return newKeyedIndexHasher(a.Digest([]byte(indexKeyLabel)))
}

// newKeyedIndexHasher returns the hasher keyed with key.
func newKeyedIndexHasher(key []byte) *indexHasher {
	return &indexHasher{key: key, pool: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// indexKey is the key under which the optout and reach buckets (and
// optrows) hold the phone or email whose SHA-256 ([model.OptOutKey],
// [OptOutValue]) is h: h itself in a plain store, its HMAC under the index
// key in an encrypted one. Every read and write of those buckets goes
// through it.
func (s *Store) indexKey(h [32]byte) [32]byte {
	if s.ix == nil {
		return h
	}
	m := s.ix.pool.Get().(hash.Hash)
	m.Reset()
	m.Write(h[:])
	var out [32]byte
	m.Sum(out[:0])
	s.ix.pool.Put(m)
	return out
}

// indexKeys replaces each SHA-256 in hs by its index key ([Store.indexKey]),
// with one hash for the whole slice.
func (s *Store) indexKeys(hs [][32]byte) {
	if s.ix == nil {
		return
	}
	m := s.ix.pool.Get().(hash.Hash)
	for i := range hs {
		m.Reset()
		m.Write(hs[i][:])
		m.Sum(hs[i][:0])
	}
	s.ix.pool.Put(m)
}

// indexKeyName is how a key of the optout bucket is shown: "sha256:" + hex
// in a plain store, where it is the hash a do-not-call list would hold, and
// "hmac:" + hex in an encrypted one, where it means nothing outside it.
func (s *Store) indexKeyName(k []byte) string {
	if s.ix == nil {
		return "sha256:" + hex.EncodeToString(k)
	}
	return "hmac:" + hex.EncodeToString(k)
}

// dncFields splits the do-not-call notation "AAA,NNNNNNN".
func dncFields(s string) (area, num string, ok bool) {
	a, n, found := strings.Cut(s, ",")
	if !found {
		return "", "", false
	}
	a, n = strings.TrimSpace(a), strings.TrimSpace(n)
	if len(a) != 3 || len(n) != 7 || !allDigits(a) || !allDigits(n) {
		return "", "", false
	}
	return a, n, true
}

// dncPhone makes the E.164 number of a do-not-call entry. North American
// entries are built directly (the national list has tens of millions of
// them); others go through model.NormalizePhone.
func dncPhone(area, num, region string) (string, error) {
	r := strings.ToUpper(region)
	if r == "" || r == "US" || r == "CA" {
		if area[0] < '2' || num[0] < '2' {
			return "", errors.New("not a North American number (area code and exchange start with 2-9)")
		}
		return "+1" + area + num, nil
	}
	return model.NormalizePhone(area+num, region)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// LineError is a problem with one line of an imported file.
type LineError struct {
	Line int    `json:"line"`
	Msg  string `json:"message"`
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// optOutParser reads an opt-out file as a stream: one value per line (phone,
// email, do-not-call "area,number" or sha256:hex, with an optional header
// line of words), or a CSV file whose header has a phone and/or email
// column.
type optOutParser struct {
	br     *bufio.Reader
	region string
	csv    *csv.Reader
	cols   []int // CSV columns holding values
	line   int
	first  bool
	queue  []parsed // values of the current CSV row not yet returned
}

type parsed struct {
	key  [32]byte
	line int
	err  error
	// fast marks a do-not-call line "AAA,NNNNNNN" read by the fast path
	// (see [optOutParser.nextValue]): key is not set, nanp holds its ten
	// digits and [nanpKey] makes its key.
	fast bool
	nanp [10]byte
}

func newOptOutParser(r io.Reader, region string) (*optOutParser, error) {
	p := &optOutParser{br: bufio.NewReaderSize(r, 1<<16), region: region, first: true}
	// Look at the first non-empty line to choose the notation.
	peek, err := p.br.Peek(p.br.Size())
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	for len(peek) > 0 {
		line := peek
		if i := bytes.IndexByte(peek, '\n'); i >= 0 {
			line, peek = peek[:i], peek[i+1:]
		} else {
			peek = nil
		}
		head := strings.TrimSpace(strings.TrimPrefix(string(line), "\ufeff"))
		if head == "" {
			continue
		}
		if cols := headerColumns(head); cols != nil {
			p.cols = cols
			p.csv = csv.NewReader(p.br)
			p.csv.FieldsPerRecord = -1
			p.csv.ReuseRecord = true
			if _, err := p.csv.Read(); err != nil { // the header
				return nil, fmt.Errorf("read header: %w", err)
			}
		}
		break
	}
	return p, nil
}

// fastDNC reads the national do-not-call line "AAA,NNNNNNN" without
// allocating or hashing: a list has tens of millions of them. It returns
// the ten digits of the number, whose key [nanpKey] makes; it is the key
// the general path ([dncFields], [dncPhone]) gives the line. Anything else
// is left to the general path.
func (p *optOutParser) fastDNC(b []byte) ([10]byte, bool) {
	var d [10]byte
	b = bytes.TrimRight(b, "\r\n")
	if len(b) != 11 || b[3] != ',' || b[0] < '2' || b[4] < '2' || p.region != "" && p.region != "US" && p.region != "us" {
		return d, false
	}
	for i, c := range b {
		if i == 3 {
			continue
		}
		if c < '0' || c > '9' {
			return d, false
		}
		if i < 3 {
			d[i] = c
		} else {
			d[i-1] = c
		}
	}
	return d, true
}

// headerColumns returns the positions of phone and email columns when line
// is a CSV header naming them, else nil.
func headerColumns(line string) []int {
	rec, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		return nil
	}
	var cols []int
	for i, f := range rec {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(f, "\ufeff"))) {
		case "phone", "email":
			cols = append(cols, i)
		}
	}
	return cols
}

// next returns the next value's key, or a line error, or io.EOF.
func (p *optOutParser) next() (parsed, error) {
	v, err := p.nextValue()
	if v.fast {
		v.key, v.fast = nanpKey(&v.nanp), false
	}
	return v, err
}

// nextValue is next, except that it leaves the hashing of a fast
// do-not-call line to the caller (see parsed.fast), who can spread it over
// several cores.
func (p *optOutParser) nextValue() (parsed, error) {
	if p.csv != nil {
		return p.nextCSV()
	}
	for {
		b, err := p.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			p.line++
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = p.br.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return parsed{}, err
			}
			return parsed{line: p.line, err: errors.New("line too long")}, nil
		}
		if len(b) == 0 && err != nil {
			return parsed{}, err
		}
		p.line++
		if d, ok := p.fastDNC(b); ok {
			p.first = false
			return parsed{line: p.line, fast: true, nanp: d}, nil
		}
		if !utf8.Valid(b) {
			p.first = false
			return parsed{line: p.line, err: errors.New("not UTF-8 text")}, nil
		}
		s := strings.TrimSpace(strings.TrimPrefix(string(b), "\ufeff"))
		if s == "" || s[0] == '#' {
			if err != nil {
				return parsed{}, err
			}
			continue
		}
		first := p.first
		p.first = false
		if first && !strings.ContainsAny(s, "0123456789@") {
			continue // a header line such as "AreaCode,PhoneNumber"
		}
		var k [32]byte
		var verr error
		if area, num, ok := dncFields(s); ok {
			var ph string
			if ph, verr = dncPhone(area, num, p.region); verr == nil {
				k = model.OptOutKey(ph)
			}
		} else {
			k, _, verr = OptOutValue(s, p.region)
		}
		return parsed{key: k, line: p.line, err: verr}, nil
	}
}

func (p *optOutParser) nextCSV() (parsed, error) {
	for len(p.queue) == 0 {
		rec, err := p.csv.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return parsed{line: pe.Line, err: pe.Err}, nil
			}
			return parsed{}, err
		}
		line, _ := p.csv.FieldPos(0)
		for _, c := range p.cols {
			if c >= len(rec) || strings.TrimSpace(rec[c]) == "" {
				continue
			}
			if !utf8.ValidString(rec[c]) {
				p.queue = append(p.queue, parsed{line: line, err: errors.New("not UTF-8 text")})
				continue
			}
			k, _, err := OptOutValue(rec[c], p.region)
			p.queue = append(p.queue, parsed{key: k, line: line, err: err})
		}
	}
	v := p.queue[0]
	p.queue = p.queue[1:]
	return v, nil
}

// OptOutImport reports what an opt-out import did.
type OptOutImport struct {
	// Values is the number of values read; Added of them were new to the
	// list and Already were on it (or repeated in the file).
	Values  int `json:"values"`
	Added   int `json:"added"`
	Already int `json:"already"`
	// Rejected lists lines that hold no valid value (the first
	// maxReported of them); RejectedCount counts them all.
	Rejected      []LineError `json:"rejected,omitempty"`
	RejectedCount int         `json:"rejected_count"`
}

const maxReported = 100

// Sizes of the opt-out import's stages: keys held in memory before they
// spill to a temporary file (and the most of them sorted in memory at
// once), keys written per transaction, keys per optrows value.
//
// A batch's keys all go into the leaf node bbolt is filling, which it
// searches twice per Put and splits only at the commit: 1<<17 keys per
// transaction cost a fifth more CPU per key than 1<<16, and 1<<15 saved no
// more than its extra commits (two fdatasyncs each) cost.
//
// A part of 1022 keys is a value of 32704 bytes, which with its key and
// element header fills 8 pages exactly, and 2, 3 or 4 of them (a leaf holds
// at least two) fill 16, 24 or 32. Parts stay small because every batch
// rewrites the last leaf of optrows, old values and all, reading them
// through the memory map into the process's resident set: with parts of
// 512 KiB that was over a mebibyte per batch.
const (
	optChunkKeys = 1 << 19
	optBatchKeys = 1 << 16
	optPartKeys  = 1022
)

type optOutAdded struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason,omitempty"`
}

type optOutImported struct {
	Source  string `json:"source"`
	Batch   int    `json:"batch"`
	Added   int    `json:"added"`
	Already int    `json:"already"`
	Parts   int    `json:"parts"`
	// Rows is the SHA-256 of the batch's rows as optrows holds them (its
	// new index keys in order), so that the sealed, chained event vouches
	// for them: without it, rows swapped in both optout and optrows would
	// keep every count (since schema 3; empty in older events).
	Rows string `json:"rows_sha256,omitempty"`
}

type optOutRemoved struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// ImportOptOuts adds every value of an opt-out file to the list. Lines that
// hold no valid value are reported and the rest are still added: a partial
// list only ever suppresses more. The file is read once, its values hashed
// on every core and their keys gathered in bounded memory, spilling to a
// temporary file partitioned by key (see optout_keys.go); nothing is
// written to the store before the whole file is read. The keys are then
// written in key order, batch by batch, each batch one transaction, so
// that a national do-not-call file needs neither much memory nor random
// writes; a feeder sorts the next batch's keys while the writer commits one.
func (s *Store) ImportOptOuts(r io.Reader, source, region, actor string) (*OptOutImport, error) {
	if err := s.bulkListKeyed(); err != nil { // sync_index.go
		return nil, fmt.Errorf("import opt-outs from %s: %w", source, err)
	}
	p, err := newOptOutParser(r, region)
	if err != nil {
		return nil, fmt.Errorf("import opt-outs from %s: %w", source, err)
	}
	defer relaxGC(optGCHeadroom)()
	res := &OptOutImport{}
	ks := newKeySet(cmp.Or(s.optChunk, optChunkKeys))
	// Its spill file goes beside the store, where a killed import's is
	// found and removed (see tempFiles).
	s.temps.removeStale()
	ks.tmp = &s.temps
	defer ks.close()
	if err := s.gatherOptOuts(p, ks, res); err != nil {
		return nil, fmt.Errorf("import opt-outs from %s: %w", source, err)
	}
	next, err := ks.sorted()
	if err != nil {
		return nil, fmt.Errorf("import opt-outs from %s: sort: %w", source, err)
	}
	batches := make(chan optBatch)
	stop := make(chan struct{})
	go feedBatches(next, cmp.Or(s.optBatch, optBatchKeys), batches, stop)
	defer func() {
		// Let the feeder end before the file it reads is removed.
		close(stop)
		for range batches {
		}
	}()
	n := 0
	var fresh []byte
	for b := range batches {
		if b.err != nil {
			return nil, fmt.Errorf("import opt-outs from %s: sort: %w", source, b.err)
		}
		n++
		var added int
		added, fresh, err = s.addOptOutBatch(b.keys, fresh, source, n, actor)
		if err != nil {
			return nil, fmt.Errorf("import opt-outs from %s: %w", source, err)
		}
		res.Added += added
		b.done <- b.keys
	}
	res.Already = res.Values - res.Added
	return res, nil
}

// optGCHeadroom is how much more memory than it already uses the process
// may take before the garbage collector runs during an opt-out import.
const optGCHeadroom = 96 << 20

// relaxGC lets the garbage collector run only when the process's memory
// grows headroom beyond what it uses now, rather than whenever the heap
// doubles, until the function it returns is called; a memory limit at
// least as tight, set by the user (GOMEMLIMIT) or already by relaxGC, is
// left as it is. bbolt allocates a few hundred bytes of short-lived nodes
// and cursors per key written, gigabytes for a national list, while an
// import keeps some ten megabytes live (the keys wait in a temporary
// file): with the usual target the collector ran every few megabytes and
// took a quarter of the writer's time. The limit is relative, so a process
// that holds much already does not collect without pause; the import's
// own live heap is bounded, so it cannot outgrow the headroom.
func relaxGC(headroom int64) (restore func()) {
	m := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(m)
	limit := headroom
	if m[0].Value.Kind() == metrics.KindUint64 && m[1].Value.Kind() == metrics.KindUint64 {
		limit += int64(m[0].Value.Uint64() - m[1].Value.Uint64())
	}
	prev := debug.SetMemoryLimit(-1)
	if prev <= limit {
		return func() {}
	}
	debug.SetMemoryLimit(limit)
	pct := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(prev)
	}
}

// optBatch is one batch of sorted, unique index keys for the writer, which
// hands the slice back on done for the next batch.
type optBatch struct {
	keys [][32]byte
	done chan<- [][32]byte
	err  error
}

// addOptOutBatch writes one sorted batch of keys in one transaction, with
// its event and its rows, and suppresses queued contacts they reach. The
// keys new to the list go into buf (reused from the last batch, and
// returned for the next): back to back they are the batch's optrows values
// too, which bbolt reads until the commit.
func (s *Store) addOptOutBatch(keys [][32]byte, buf []byte, source string, batch int, actor string) (int, []byte, error) {
	fresh := slices.Grow(buf[:0], len(keys)*32)
	err := s.updateTallied(func(tx *bolt.Tx) error {
		fresh = fresh[:0]
		seq := nextSeqTx(tx)
		seqB := u64(seq)
		b := tx.Bucket(bOptOut)
		at := s.now()
		// keys are sorted: walk the list and the contacts' reach index
		// alongside them rather than searching each from the root.
		lc := b.Cursor()
		lk, _ := lc.Seek(keys[0][:])
		reach := newReachProbe(tx)
		var suppress [][32]byte
		for i := range keys {
			k := keys[i][:]
			for lk != nil && bytes.Compare(lk, k) < 0 {
				lk, _ = lc.Next()
			}
			if bytes.Equal(lk, k) {
				continue
			}
			if reach.has(k) {
				suppress = append(suppress, keys[i])
			}
			fresh = append(fresh, k...)
		}
		if len(fresh) == 0 {
			return nil
		}
		b.FillPercent = 0.9
		for i := 0; i < len(fresh); i += 32 {
			if err := b.Put(fresh[i:i+32], seqB); err != nil {
				return err
			}
		}
		rb := tx.Bucket(bOptRows)
		parts := 0
		for i := 0; i < len(fresh); i += optPartKeys * 32 {
			k := make([]byte, 12)
			binary.BigEndian.PutUint64(k, seq)
			binary.BigEndian.PutUint32(k[8:], uint32(parts))
			if err := rb.Put(k, fresh[i:min(i+optPartKeys*32, len(fresh))]); err != nil {
				return err
			}
			parts++
		}
		added := len(fresh) / 32
		rows := sha256.Sum256(fresh)
		e, err := s.appendTx(tx, KindOptOutImported, actor, at, optOutImported{
			Source: source, Batch: batch, Added: added, Already: len(keys) - added, Parts: parts,
			Rows: hex.EncodeToString(rows[:])})
		if err != nil {
			return err
		}
		if e.Seq != seq {
			return fmt.Errorf("event sequence moved from %d to %d", seq, e.Seq)
		}
		// After the batch's own event: what the opt-outs end (open
		// interviews) is recorded as events of its own.
		for _, k := range suppress {
			if err := s.suppressTx(tx, k, seq, actor, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fresh, err
	}
	return len(fresh) / 32, fresh, nil
}

// nextSeqTx is the sequence number the next appended event will get.
func nextSeqTx(tx *bolt.Tx) uint64 {
	if h := tx.Bucket(bMeta).Get(kHead); len(h) == 40 {
		return binary.BigEndian.Uint64(h[:8]) + 1
	}
	return 1
}

// AddOptOut puts one phone or email (any notation, see [OptOutValue]) on
// the opt-out list and takes every queued contact it reaches out of the
// queue. It reports the normalised value and whether it was new.
func (s *Store) AddOptOut(value, region, reason, actor string) (string, bool, error) {
	h, norm, err := OptOutValue(value, region)
	if err != nil {
		return "", false, fmt.Errorf("add opt-out: %w", err)
	}
	added := false
	err = s.updateTallied(func(tx *bolt.Tx) error {
		added, _, err = s.addOptOutTx(tx, h, norm, reason, actor, s.now())
		return err
	})
	if err != nil {
		return "", false, fmt.Errorf("add opt-out %s: %w", norm, err)
	}
	return norm, added, nil
}

// addOptOutTx puts normalised value norm (hash h) on the list with its
// event, and applies the opt-out to every contact it reaches (see
// suppressContactTx). It returns whether the value was new, and the event
// that put it on the list (this one, or the earlier one).
func (s *Store) addOptOutTx(tx *bolt.Tx, h [32]byte, norm, reason, actor string, at time.Time) (bool, uint64, error) {
	k := s.indexKey(h)
	b := tx.Bucket(bOptOut)
	if v := b.Get(k[:]); v != nil {
		return false, binary.BigEndian.Uint64(v), nil
	}
	p := optOutAdded{Key: "sha256:" + hex.EncodeToString(h[:]), Reason: reason}
	if !strings.HasPrefix(norm, "sha256:") {
		p.Value = norm
	}
	e, err := s.appendTx(tx, KindOptOutAdded, actor, at, p)
	if err != nil {
		return false, 0, err
	}
	if err := b.Put(k[:], u64(e.Seq)); err != nil {
		return false, 0, err
	}
	return true, e.Seq, s.suppressTx(tx, k, e.Seq, actor, e.At)
}

// RemoveOptOut takes a value off the opt-out list: a supervisor's audited
// action, recorded with its reason. Contacts suppressed while it was listed
// stay suppressed.
func (s *Store) RemoveOptOut(value, region, reason, actor string) (string, error) {
	if strings.TrimSpace(reason) == "" {
		return "", errors.New("remove opt-out: a reason is required")
	}
	h, norm, err := OptOutValue(value, region)
	if err != nil {
		return "", fmt.Errorf("remove opt-out: %w", err)
	}
	hashes := [][32]byte{h}
	if old := legacyEmail(value, norm); old != "" {
		// An entry keyed before schema 5 in the old form goes too.
		hashes = append(hashes, model.OptOutKey(old))
	}
	err = s.updateTallied(func(tx *bolt.Tx) error {
		b := tx.Bucket(bOptOut)
		removed := 0
		for _, h := range hashes {
			k := s.indexKey(h)
			if b.Get(k[:]) == nil {
				continue
			}
			if _, err := s.appendTx(tx, KindOptOutRemoved, actor, s.now(),
				optOutRemoved{Key: "sha256:" + hex.EncodeToString(h[:]), Reason: reason}); err != nil {
				return err
			}
			if err := b.Delete(k[:]); err != nil {
				return err
			}
			removed++
		}
		if removed == 0 {
			return fmt.Errorf("%s is not on the list: %w", norm, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("remove opt-out: %w", err)
	}
	return norm, nil
}

// OptedOut reports whether value (any notation) is on the opt-out list.
func (s *Store) OptedOut(value, region string) (bool, string, error) {
	h, norm, err := OptOutValue(value, region)
	if err != nil {
		return false, "", fmt.Errorf("check opt-out: %w", err)
	}
	keys := [][32]byte{s.indexKey(h)}
	if old := legacyEmail(value, norm); old != "" {
		// Bulk entries keyed before schema 5 in the old form still count.
		keys = append(keys, s.indexKey(model.OptOutKey(old)))
	}
	var on bool
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, k := range keys {
			on = on || tx.Bucket(bOptOut).Get(k[:]) != nil
		}
		return nil
	})
	return on, norm, err
}

// OptOutEntry is one entry of the opt-out list as listed for a supervisor.
// Value is known only for entries added one by one; bulk entries show their
// key and source file. Key is "sha256:" + hex of the normalised value,
// except for bulk entries of an encrypted store, whose SHA-256 the store
// does not keep: they show "hmac:" + hex of their keyed index hash.
type OptOutEntry struct {
	Key    string    `json:"key"`
	Value  string    `json:"value,omitempty"`
	Added  time.Time `json:"added"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty"`
	Source string    `json:"source,omitempty"`
}

// OptOuts calls fn for every entry of the list in key order.
func (s *Store) OptOuts(fn func(OptOutEntry) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		var last *Event
		var tmpl OptOutEntry
		c := tx.Bucket(bOptOut).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(v)
			if last == nil || last.Seq != seq {
				e, err := s.eventTx(tx, seq)
				if err != nil {
					return fmt.Errorf("list opt-outs: %w", err)
				}
				last = e
				tmpl = OptOutEntry{Added: e.At, Actor: e.Actor}
				switch e.Kind {
				case KindOptOutAdded:
					var p optOutAdded
					json.Unmarshal(e.Data, &p)
					tmpl.Key, tmpl.Value, tmpl.Reason = p.Key, p.Value, p.Reason
				case KindOptOutImported:
					var p optOutImported
					json.Unmarshal(e.Data, &p)
					tmpl.Source = p.Source
				}
			}
			ent := tmpl
			if ent.Key == "" {
				ent.Key = s.indexKeyName(k)
			}
			if err := fn(ent); err != nil {
				return err
			}
		}
		return nil
	})
}

// optRowsHasTx reports whether bulk event seq lists key among its rows.
func optRowsHasTx(tx *bolt.Tx, seq uint64, key []byte) bool {
	c := tx.Bucket(bOptRows).Cursor()
	pre := u64(seq)
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		n := len(v) / 32
		lo, hi := 0, n
		for lo < hi {
			m := (lo + hi) / 2
			switch bytes.Compare(v[m*32:m*32+32], key) {
			case 0:
				return true
			case -1:
				lo = m + 1
			default:
				hi = m
			}
		}
	}
	return false
}
