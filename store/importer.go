package store

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// A contact import runs in three passes (see the package comment):
//
//  1. read: one pass over the file checks its structure and hashes it,
//     while workers normalise the rows, check them against the opt-out list
//     and seal them to a temporary row file; their index keys (sample id,
//     phones, email) go to partition files by key. Nothing reaches the store,
//     so a malformed file imports nothing.
//  2. dedupe: each partition is sorted; a row whose id, phone or email an
//     earlier row of the file, or a contact already in the survey, has is
//     a duplicate.
//  3. write: the kept rows get consecutive cids and go into the store in
//     blocks, their index entries in runs, a few megabytes per transaction,
//     and one last transaction queues them all and marks the import done.
//
// Memory stays flat: the rows and keys wait in files beside the store
// (sealed with a key that exists only in the importing process), and
// what is held per row is one bit.

// importGCHeadroom is how much more memory than it already uses the
// process may take before the garbage collector runs during a contact
// import (see relaxGC): the import keeps a few tens of megabytes live and
// allocates briskly, and collecting at every doubling of that cost a
// tenth of its CPU.
const importGCHeadroom = 128 << 20

// importTxBytes is about how much one write transaction of an import holds.
const importTxBytes = 8 << 20

// partitionCount is the number of key partitions; partitionMemory is
// what the partitions hold in memory before they move to files.
const (
	partitionCount  = 128
	partitionMemory = 8 << 20
)

// entrySize is a partition entry: kind(1) ‖ key(32) ‖ row(4) ‖ pad(3).
const entrySize = 40

// ImportContacts loads a survey's sample from a CSV file. Invalid rows are
// rejected with their line numbers; rows reached by the opt-out list are
// counted as suppressed and never stored; a row whose sample id, a phone
// or email was already taken by an earlier row of the file (imported or
// itself a duplicate: a chain of shared numbers is one household) or by a
// contact of the survey is a duplicate. A malformed file (no header, a row
// with the wrong number of fields, text that is not UTF-8, no id column)
// imports nothing, and neither does a crash: the import's contacts become
// visible in its last transaction.
func (s *Store) ImportContacts(r io.Reader, o ImportOptions) (*ContactImport, error) {
	if err := validID("survey", o.Survey); err != nil {
		return nil, fmt.Errorf("import contacts: %w", err)
	}
	if o.Source != "client" && o.Source != "panel" {
		return nil, fmt.Errorf("import contacts: source %q is neither client nor panel", o.Source)
	}
	if o.File == "" {
		o.File = "contacts"
	}
	var stale *ImportRecord
	var head uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		head = nextSeqTx(tx) - 1
		var err error
		stale, err = runningImportTx(tx, o.Survey)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("import contacts from %s: %w", o.File, err)
	}
	p, err := s.newSamplePass(&o)
	if err != nil {
		return nil, fmt.Errorf("import contacts from %s: %w", o.File, err)
	}
	defer p.close()
	defer relaxGC(importGCHeadroom)()
	if err := p.read(r); err != nil {
		return nil, err
	}
	if stale != nil && stale.SHA256 != p.sum {
		return nil, fmt.Errorf("import contacts from %s: an earlier import of %s into %s was interrupted; run it again to finish it, or abandon it (canvass contacts abandon %d)",
			o.File, stale.File, stale.Survey, stale.ID)
	}
	if err := p.dedupe(); err != nil {
		return nil, fmt.Errorf("import contacts from %s: %w", o.File, err)
	}
	res := p.res
	if o.DryRun {
		return &res, nil
	}
	rec, err := p.write(stale, head)
	if err != nil {
		return nil, fmt.Errorf("import contacts from %s: %w", o.File, err)
	}
	return &rec.Counts, nil
}

// errCrash is what an import stopped by Store.importHook returns.
var errCrash = errors.New("stopped as by a crash")

// runningImportTx returns the survey's unfinished import, if any.
func runningImportTx(tx *bolt.Tx, survey string) (*ImportRecord, error) {
	var out *ImportRecord
	err := tx.Bucket(bImports).ForEach(func(k, v []byte) error {
		var r ImportRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode import %x: %w", k, err)
		}
		if r.Status == ImportRunning && r.Survey == survey {
			out = &r
		}
		return nil
	})
	return out, err
}

// samplePass is one contact import on its way through the three passes.
type samplePass struct {
	s   *Store
	o   *ImportOptions
	dir string
	sum string
	res ContactImport
	// cand counts the candidate rows: valid, not suppressed, not a
	// duplicate of a contact of the older layout. dup marks, per
	// candidate, a duplicate found in pass 2.
	cand  int
	dup   []uint64
	rank  []uint32
	kept  int
	lines [2]int // the first and last kept line
	rows  *rowFile
	parts *partitionSet
}

func (s *Store) newSamplePass(o *ImportOptions) (*samplePass, error) {
	dir := filepath.Dir(s.path)
	removeStaleImportFiles(dir)
	return &samplePass{s: s, o: o, dir: dir, rows: &rowFile{dir: dir}, parts: newPartitionSet(dir)}, nil
}

// importFilePattern names the temporary files of an import, beside the
// store; one left by a crash is removed by the next import.
const importFilePattern = ".canvass-import-*"

func removeStaleImportFiles(dir string) {
	old, _ := filepath.Glob(filepath.Join(dir, importFilePattern))
	for _, f := range old {
		if fi, err := os.Stat(f); err == nil && time.Since(fi.ModTime()) > time.Minute {
			os.Remove(f)
		}
	}
}

func (p *samplePass) close() {
	p.rows.close()
	p.parts.close()
}

// Row outcomes of pass 1.
const (
	rowCandidate = iota
	rowRejected
	rowSuppressed
	rowDuplicate
)

type passRow struct {
	fields []string
	line   int
	status int
	err    error
	keys   [][32]byte // the id key first, then the reach keys
}

type passChunk struct {
	rows []passRow
	// blocks are the candidates' records in sealed blocks of up to
	// blockRows, in order.
	blocks []passBlock
	fail   error
	done   chan struct{}
}

// passBlock is a sealed block of n candidate rows.
type passBlock struct {
	n      int
	sealed []byte
}

const chunkRows = 512

// parseHeader checks a contact file's header row.
func parseHeader(rec []string, file string) (*header, error) {
	hd := &header{col: map[string]int{}}
	for i, name := range rec {
		if !utf8.ValidString(name) {
			return nil, &StructureError{File: file, Line: 1, Msg: "header is not UTF-8 text"}
		}
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff")
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			return nil, &StructureError{File: file, Line: 1, Msg: fmt.Sprintf("column %d of the header has no name", i+1)}
		}
		if _, dup := hd.col[name]; dup {
			return nil, &StructureError{File: file, Line: 1, Msg: fmt.Sprintf("column %q appears twice in the header", name)}
		}
		hd.col[name] = i
		hd.names = append(hd.names, name)
	}
	if _, ok := hd.col["id"]; !ok {
		return nil, &StructureError{File: file, Line: 1, Msg: "the header has no id column"}
	}
	_, ph := hd.col["phone"]
	_, em := hd.col["email"]
	if !ph && !em {
		return nil, &StructureError{File: file, Line: 1, Msg: "the header has neither a phone nor an email column"}
	}
	hd.index()
	return hd, nil
}

// read is pass 1.
func (p *samplePass) read(r io.Reader) error {
	file := p.o.File
	h := sha256.New()
	cr := csv.NewReader(io.TeeReader(bufio.NewReaderSize(r, 1<<20), h))
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return &StructureError{File: file, Msg: "empty file: no header row"}
	}
	if err != nil {
		return structErr(file, err)
	}
	hd, err := parseHeader(rec, file)
	if err != nil {
		return err
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan *passChunk, workers*2)
	order := make(chan *passChunk, workers*4)
	stop := make(chan struct{})
	var readErr error
	var wg sync.WaitGroup
	defer func() {
		close(stop)
		wg.Wait()
	}()
	go func() {
		defer close(jobs)
		defer close(order)
		cur := &passChunk{done: make(chan struct{})}
		send := func() bool {
			select {
			case jobs <- cur:
			case <-stop:
				return false
			}
			select {
			case order <- cur:
			case <-stop:
				return false
			}
			cur = &passChunk{done: make(chan struct{})}
			return true
		}
		for {
			fields, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				readErr = structErr(file, err)
				return
			}
			line, _ := cr.FieldPos(0)
			for _, f := range fields {
				if !utf8.ValidString(f) {
					readErr = &StructureError{File: file, Line: line, Msg: "not UTF-8 text"}
					return
				}
			}
			cur.rows = append(cur.rows, passRow{fields: fields, line: line})
			if len(cur.rows) == chunkRows && !send() {
				return
			}
		}
		if len(cur.rows) > 0 {
			send()
		}
	}()
	blocks := &sharedBlocks{}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &passWorker{p: p, h: hd, zones: map[string]error{}, phones: newPhoneMemo()}
			w.phones.shared = blocks
			for ch := range jobs {
				w.chunk(ch)
				close(ch.done)
			}
		}()
	}
	for ch := range order {
		<-ch.done
		for i := range ch.rows {
			row := &ch.rows[i]
			p.res.Rows++
			switch row.status {
			case rowRejected:
				p.res.RejectedCount++
				if len(p.res.Rejected) < maxReported {
					p.res.Rejected = append(p.res.Rejected, LineError{Line: row.line, Msg: row.err.Error()})
				}
			case rowSuppressed:
				p.res.Suppressed++
			case rowDuplicate:
				p.res.Duplicate++
			case rowCandidate:
				for j, k := range row.keys {
					kind := runReach
					if j == 0 {
						kind = runID
					}
					if err := p.parts.add(kind, &k, uint32(p.cand)); err != nil {
						return err
					}
				}
				p.cand++
			}
		}
		if ch.fail != nil {
			return fmt.Errorf("import contacts from %s: %w", file, ch.fail)
		}
		for _, b := range ch.blocks {
			if err := p.rows.write(b.sealed, b.n); err != nil {
				return err
			}
		}
	}
	if readErr != nil {
		return readErr
	}
	if p.cand > 1<<31 {
		return fmt.Errorf("import contacts from %s: more than %d rows", file, 1<<31)
	}
	p.sum = hex.EncodeToString(h.Sum(nil))
	return nil
}

// passWorker normalises, checks and seals the rows of a chunk.
type passWorker struct {
	p      *samplePass
	h      *header
	zones  map[string]error
	phones *phoneMemo
	rec    []byte
}

func (w *passWorker) chunk(ch *passChunk) {
	p := w.p
	var recs []byte
	n := 0
	seal := func() {
		if n == 0 || ch.fail != nil {
			return
		}
		sealed, err := p.s.codec.Seal(blockPlain(n, recs))
		if err != nil {
			ch.fail = fmt.Errorf("seal contacts: %w", err)
			return
		}
		ch.blocks = append(ch.blocks, passBlock{n: n, sealed: sealed})
		recs, n = recs[:0], 0
	}
	// A short read transaction per chunk: the opt-out list as it is now
	// (opt-outs added later are applied when the import ends), without
	// holding bbolt's remapping back for long.
	tx, err := p.s.db.Begin(false)
	if err != nil {
		ch.fail = err
		return
	}
	defer tx.Rollback()
	optout := tx.Bucket(bOptOut)
	cids := tx.Bucket(bCIDs)
	legacy := false
	if k, _ := cids.Cursor().First(); k != nil {
		legacy = true
	}
	if k, _ := tx.Bucket(bReach).Cursor().First(); k != nil {
		legacy = true
	}
	for i := range ch.rows {
		row := &ch.rows[i]
		c, err := rowContact(w.h, row.fields, p.o, w.zones, w.phones)
		row.fields = nil
		if err != nil {
			row.status, row.err = rowRejected, err
			continue
		}
		reach := p.s.contactKeys(c)
		if len(reach) > 1 {
			slices.SortFunc(reach, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
			reach = slices.Compact(reach)
		}
		suppressed := false
		for _, k := range reach {
			if optout.Get(k[:]) != nil {
				suppressed = true
				break
			}
		}
		if suppressed {
			row.status = rowSuppressed
			continue
		}
		if legacy && legacyDuplicateTx(tx, c, reach) {
			row.status = rowDuplicate
			continue
		}
		row.keys = append(make([][32]byte, 0, len(reach)+1), p.s.sampleIDKey(c.Survey, c.ID))
		row.keys = append(row.keys, reach...)
		w.rec = appendRowJSON(w.rec[:0], c, row.line)
		recs = appendBlockRecord(recs, w.rec)
		if n++; n == blockRows || len(recs) >= blockBytes {
			seal()
		}
	}
	seal()
}

// appendRowJSON appends a row's record as a block holds it, {"contact":
// CONTACT,"line":LINE}, encoded as encoding/json would decode it back
// (TestRowJSONRoundTrips): json.Marshal spent a tenth of a large import
// on reflection.
func appendRowJSON(b []byte, c *model.Contact, line int) []byte {
	b = append(b, `{"contact":{"id":`...)
	b = appendJSONString(b, c.ID)
	b = append(b, `,"survey":`...)
	b = appendJSONString(b, c.Survey)
	opt := func(name, v string) {
		if v != "" {
			b = append(b, `,"`...)
			b = append(b, name...)
			b = append(b, `":`...)
			b = appendJSONString(b, v)
		}
	}
	opt("name", c.Name)
	opt("company", c.Company)
	if len(c.Phones) > 0 {
		b = append(b, `,"phones":[`...)
		for i, p := range c.Phones {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, p)
		}
		b = append(b, ']')
	}
	opt("email", c.Email)
	opt("location", c.Location)
	opt("timezone", c.Timezone)
	opt("language", c.Language)
	b = append(b, `,"source":`...)
	b = appendJSONString(b, c.Source)
	if len(c.Fields) > 0 {
		b = append(b, `,"fields":{`...)
		first := true
		field := func(k, v string) {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, v)
		}
		if len(c.Fields) == 1 {
			for k, v := range c.Fields {
				field(k, v)
			}
		} else {
			for _, k := range slices.Sorted(maps.Keys(c.Fields)) {
				field(k, c.Fields[k])
			}
		}
		b = append(b, '}')
	}
	b = append(b, `},"line":`...)
	b = strconv.AppendInt(b, int64(line), 10)
	return append(b, '}')
}

// appendJSONString appends s, valid UTF-8, as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// legacyDuplicateTx reports whether a contact of the survey in the older
// per-contact layout has c's sample id, a phone or its email.
func legacyDuplicateTx(tx *bolt.Tx, c *model.Contact, reach [][32]byte) bool {
	if tx.Bucket(bCIDs).Get(append(idPrefix(c.Survey), c.ID...)) != nil {
		return true
	}
	for _, k := range reach {
		if reachedInSurveyTx(tx, k, c.Survey) {
			return true
		}
	}
	return false
}

// sampleIDKey is the index key of a sample id within a survey.
func (s *Store) sampleIDKey(survey, id string) [32]byte {
	var buf [128]byte
	b := append(buf[:0], "canvass sample id\x00"...)
	b = append(b, survey...)
	b = append(b, 0)
	b = append(b, id...)
	return s.indexKey(sha256.Sum256(b))
}

// isDup reports whether candidate i is a duplicate.
func (p *samplePass) isDup(i uint32) bool { return p.dup[i/64]&(1<<(i%64)) != 0 }

func (p *samplePass) setDup(i uint32) { atomic.OrUint64(&p.dup[i/64], 1<<(i%64)) }

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

// write is pass 3.
func (p *samplePass) write(stale *ImportRecord, head uint64) (_ *ImportRecord, err error) {
	s, o := p.s, p.o
	var rec *ImportRecord
	var rng *sampleRange
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := s.dropStaleImportTx(tx, stale, o.Actor); err != nil {
			return err
		}
		if r, err := runningImportTx(tx, o.Survey); err != nil || r != nil {
			if err == nil {
				err = fmt.Errorf("another import into %s started meanwhile (import %d)", o.Survey, r.ID)
			}
			return err
		}
		e, err := s.appendTx(tx, KindImportStarted, o.Actor, s.now(), importStarted{
			Survey: o.Survey, Source: o.Source, File: o.File, SHA256: p.sum, Rows: p.res.Rows})
		if err != nil {
			return err
		}
		rec = &ImportRecord{ID: e.Seq, Survey: o.Survey, Source: o.Source, File: o.File, SHA256: p.sum,
			Status: ImportRunning, Blocks: true, Counts: p.res}
		rec.Counts.Resumed = stale != nil
		if p.kept > 0 {
			cb := tx.Bucket(bContacts)
			seq := cb.Sequence()
			if err := cb.SetSequence(seq + uint64(p.kept)); err != nil {
				return err
			}
			rec.FirstCID, rec.LastCID = seq+1, seq+uint64(p.kept)
			rng = &sampleRange{Import: rec.ID, First: rec.FirstCID, Last: rec.LastCID, QueueAt: e.At,
				Status: ImportRunning, Survey: o.Survey}
			if err := putRangeTx(tx, rng); err != nil {
				return err
			}
		}
		return putImportTx(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	// An error from here on leaves a running import; it is abandoned and
	// what it wrote removed, unless the process is gone (then running the
	// import again does that).
	crashed := false
	step := func(name string, f func() error) error {
		if err := f(); err != nil {
			return err
		}
		if s.importHook != nil {
			if err := s.importHook(name); err != nil {
				crashed = true
				return fmt.Errorf("%w: %w", errCrash, err)
			}
		}
		return nil
	}
	defer func() {
		if err != nil && !crashed {
			s.db.Update(func(tx *bolt.Tx) error {
				cur, err := importTx(tx, rec.ID)
				if err != nil || cur.Status != ImportRunning {
					return err
				}
				return s.abandonTx(tx, cur, o.Actor)
			})
		}
	}()
	if p.kept > 0 {
		if err = step("written", func() error { return p.writeSample(rec) }); err != nil {
			return nil, err
		}
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		cur, err := importTx(tx, rec.ID)
		if err != nil {
			return err
		}
		if cur.Status != ImportRunning {
			return fmt.Errorf("import %d was %s meanwhile", rec.ID, cur.Status)
		}
		at := s.now()
		if rng != nil {
			rng.Status, rng.QueueAt = ImportDone, at
			if err := putRangeTx(tx, rng); err != nil {
				return err
			}
			k := queueKey(o.Survey, PriorityNormal, at, rng.First)
			if err := tx.Bucket(bQueue).Put(k, u64(rng.Last)); err != nil {
				return err
			}
			if _, err := s.appendTx(tx, KindContactsImported, o.Actor, at, contactsImported{
				Import: rec.ID, Survey: o.Survey, FirstCID: rng.First, LastCID: rng.Last,
				FirstLine: p.lines[0], LastLine: p.lines[1]}); err != nil {
				return err
			}
			if err := s.suppressLateTx(tx, rec.ID, head, o.Actor, at); err != nil {
				return err
			}
		}
		cur.Status = ImportDone
		if _, err := s.appendTx(tx, KindImportDone, o.Actor, at, importEnded{Import: rec.ID, Counts: cur.Counts}); err != nil {
			return err
		}
		if err := putImportTx(tx, cur); err != nil {
			return err
		}
		rec = cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// dropStaleImportTx abandons the survey's interrupted import of the same
// file, removing what it wrote, before the file is imported again.
func (s *Store) dropStaleImportTx(tx *bolt.Tx, stale *ImportRecord, actor string) error {
	if stale == nil {
		return nil
	}
	cur, err := importTx(tx, stale.ID)
	if err != nil {
		return err
	}
	if cur.Status != ImportRunning {
		return nil
	}
	return s.abandonTx(tx, cur, actor)
}

// abandonTx marks an unfinished import abandoned; what an import of the
// sample layout wrote is removed with it.
func (s *Store) abandonTx(tx *bolt.Tx, r *ImportRecord, actor string) error {
	if r.Blocks && r.LastCID != 0 {
		if err := deleteSampleTx(tx, &sampleRange{Import: r.ID, First: r.FirstCID, Last: r.LastCID}); err != nil {
			return err
		}
	}
	r.Status = ImportAbandoned
	if _, err := s.appendTx(tx, KindImportAbandoned, actor, s.now(), importEnded{Import: r.ID, Counts: r.Counts}); err != nil {
		return err
	}
	return putImportTx(tx, r)
}

// txWriter runs writes in transactions of about importTxBytes.
type txWriter struct {
	db    *bolt.DB
	tx    *bolt.Tx
	bytes int
}

func (w *txWriter) begin() (*bolt.Tx, error) {
	if w.tx == nil {
		tx, err := w.db.Begin(true)
		if err != nil {
			return nil, err
		}
		w.tx, w.bytes = tx, 0
	}
	return w.tx, nil
}

// wrote counts n bytes and commits when the transaction is full.
func (w *txWriter) wrote(n int) error {
	w.bytes += n
	if w.bytes < importTxBytes {
		return nil
	}
	return w.commit()
}

func (w *txWriter) commit() error {
	if w.tx == nil {
		return nil
	}
	err := w.tx.Commit()
	w.tx = nil
	return err
}

func (w *txWriter) rollback() {
	if w.tx != nil {
		w.tx.Rollback()
		w.tx = nil
	}
}

// samplePut is one value the write pass stores.
type samplePut struct {
	bucket     []byte
	key, value []byte
	fill       float64
}

// writeSample writes the import's blocks and runs. Two goroutines make
// them (the blocks from the row file, the runs from the sorted
// partitions) while this one puts them, a few megabytes per transaction.
func (p *samplePass) writeSample(rec *ImportRecord) error {
	stop := make(chan struct{})
	blocks, runs := make(chan samplePut, 64), make(chan samplePut, 64)
	errs := make(chan error, 2)
	go func() {
		defer close(blocks)
		errs <- p.blockPuts(rec, blocks, stop)
	}()
	go func() {
		defer close(runs)
		errs <- p.runPuts(rec, runs, stop)
	}()
	err := p.putAll(blocks, runs)
	close(stop)
	for range 2 {
		if e := <-errs; err == nil {
			err = e
		}
	}
	return err
}

// putAll writes what the two channels bring until both are closed.
func (p *samplePass) putAll(a, b <-chan samplePut) error {
	w := &txWriter{db: p.s.db}
	defer w.rollback()
	for a != nil || b != nil {
		var sp samplePut
		var ok bool
		select {
		case sp, ok = <-a:
			if !ok {
				a = nil
				continue
			}
		case sp, ok = <-b:
			if !ok {
				b = nil
				continue
			}
		}
		tx, err := w.begin()
		if err != nil {
			return err
		}
		bk := tx.Bucket(sp.bucket)
		bk.FillPercent = sp.fill
		if err := bk.Put(sp.key, sp.value); err != nil {
			return err
		}
		if err := w.wrote(len(sp.value)); err != nil {
			return err
		}
	}
	return w.commit()
}

// send hands a put to the writer unless it has stopped.
func send(out chan<- samplePut, sp samplePut, stop <-chan struct{}) error {
	select {
	case out <- sp:
		return nil
	case <-stop:
		return errors.New("the writer stopped")
	}
}

// blockPuts makes the blocks the workers sealed into puts, each keyed by
// the cid of its first row; a block holding a duplicate is opened and
// sealed again without it.
func (p *samplePass) blockPuts(rec *ImportRecord, out chan<- samplePut, stop <-chan struct{}) error {
	s := p.s
	next := rec.FirstCID
	var cand uint32
	var last []byte // the last block put
	err := p.rows.each(func(n int, sealed []byte) error {
		c0 := cand
		cand += uint32(n)
		kept, plain := n, []byte(nil)
		for i := c0; i < cand; i++ {
			if p.isDup(i) {
				kept--
			}
		}
		if kept == 0 {
			return nil
		}
		if kept < n || p.lines[0] == 0 {
			var err error
			if plain, err = s.codec.Open(sealed); err != nil {
				return fmt.Errorf("open contacts: %w", err)
			}
		}
		if kept < n {
			var recs []byte
			err := blockRecords(plain, func(i int, r []byte) bool {
				if !p.isDup(c0 + uint32(i)) {
					recs = appendBlockRecord(recs, r)
				}
				return true
			})
			if err != nil {
				return err
			}
			plain = blockPlain(kept, recs)
			if sealed, err = s.codec.Seal(plain); err != nil {
				return fmt.Errorf("seal contacts: %w", err)
			}
		}
		if p.lines[0] == 0 {
			if r, ok := blockSlot(plain, 0); ok {
				p.lines[0] = recordLine(r)
			}
		}
		last = append(last[:0], sealed...)
		err := send(out, samplePut{bucket: bCBlocks, key: u64(next), value: blockValue(rec.ID, sealed), fill: 1}, stop)
		next += uint64(kept)
		return err
	})
	if err != nil {
		return err
	}
	if next != rec.LastCID+1 {
		return fmt.Errorf("wrote contacts up to %d, want %d", next-1, rec.LastCID)
	}
	if last != nil {
		plain, err := s.codec.Open(last)
		if err != nil {
			return fmt.Errorf("open contacts: %w", err)
		}
		blockRecords(plain, func(_ int, r []byte) bool {
			p.lines[1] = recordLine(r)
			return true
		})
	}
	return nil
}

// recordLine is the line number a block record came from.
func recordLine(rec []byte) int {
	var r struct {
		Line int `json:"line"`
	}
	json.Unmarshal(rec, &r)
	return r.Line
}

// runPuts makes the kept rows' index entries into the import's runs,
// partition by partition (so in key order).
func (p *samplePass) runPuts(rec *ImportRecord, out chan<- samplePut, stop <-chan struct{}) error {
	runs := map[byte]*runWriter{runID: {kind: runID, imp: rec.ID}, runReach: {kind: runReach, imp: rec.ID}}
	flush := func(r *runWriter) error {
		if len(r.block) == 0 {
			return nil
		}
		k, v := r.take()
		return send(out, samplePut{bucket: bXRuns, key: k, value: v, fill: 0.95}, stop)
	}
	var buf []byte
	for i := range partitionCount {
		es, err := p.parts.load(i, buf)
		if err != nil {
			return err
		}
		if p.parts.files[i] != nil {
			buf = es // reused for the next partition read from a file
		}
		for j := 0; j+entrySize <= len(es); j += entrySize {
			e := es[j : j+entrySize]
			row := binary.BigEndian.Uint32(e[33:])
			if p.isDup(row) {
				continue
			}
			r := runs[e[0]]
			if r.add(e[1:33], p.cidOf(rec.FirstCID, row)) {
				if err := flush(r); err != nil {
					return err
				}
			}
		}
	}
	for _, kind := range []byte{runID, runReach} {
		if err := flush(runs[kind]); err != nil {
			return err
		}
	}
	return nil
}

// suppressLateTx applies to the import's contacts the opt-outs added
// after pass 1 began (head was the last event then), each recorded as a
// suppression event.
func (s *Store) suppressLateTx(tx *bolt.Tx, imp, head uint64, actor string, at time.Time) error {
	var keys [][32]byte
	var seqs []uint64
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.Seek(u64(head + 1)); k != nil; k, v = c.Next() {
		e, err := s.decodeEvent(v)
		if err != nil {
			return err
		}
		switch e.Kind {
		case KindOptOutAdded:
			var p optOutAdded
			key, err := s.decodeKeyJSON(e.Data, &p, func() string { return p.Key })
			if err != nil {
				return err
			}
			keys, seqs = append(keys, key), append(seqs, e.Seq)
		case KindOptOutImported:
			rc := tx.Bucket(bOptRows).Cursor()
			pre := u64(e.Seq)
			for rk, rv := rc.Seek(pre); rk != nil && bytes.HasPrefix(rk, pre); rk, rv = rc.Next() {
				for i := 0; i+32 <= len(rv); i += 32 {
					keys, seqs = append(keys, [32]byte(rv[i:i+32])), append(seqs, e.Seq)
				}
			}
		}
	}
	for i, key := range keys {
		if tx.Bucket(bOptOut).Get(key[:]) == nil {
			continue // removed again meanwhile
		}
		cid := runFind(tx, runReach, imp, key[:])
		if cid == 0 {
			continue
		}
		st, done, err := s.suppressContactTx(tx, cid, seqs[i])
		if err != nil {
			return err
		}
		if !done {
			continue
		}
		if _, err := s.appendTx(tx, KindSuppressed, actor, at,
			suppressedAtDraw{CID: cid, Survey: st.Survey, ID: st.ID, OptOut: seqs[i]}); err != nil {
			return err
		}
	}
	return nil
}
