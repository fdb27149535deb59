package store

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// A contact import runs in three passes (see the package comment):
//
//  1. read (this file): one pass over the file checks its structure and
//     hashes it, while workers normalise the rows, check them against the
//     opt-out list and seal them in blocks into a temporary row file; their
//     index keys (sample id, phones, email) go to partitions by key.
//     Nothing reaches the store, so a malformed file imports nothing.
//  2. dedupe (import_dedupe.go): each partition is sorted; a row whose id,
//     phone or email an earlier row of the file, or a contact already in
//     the survey, has is a duplicate.
//  3. write (import_write.go): the kept rows get consecutive cids and go
//     into the store in blocks, their index entries in runs, a few
//     megabytes per transaction, and one last transaction queues them all
//     and marks the import done.
//
// Memory stays flat: the rows and keys wait in files beside the store
// (importfiles.go; the rows sealed by the store's codec), and what is held
// per row is one bit.

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

// entrySize is a partition entry: kind(1) ‖ key(32) ‖ row(4) ‖ flag(1) ‖
// pad(2).
const entrySize = 40

// entrySuppressed flags the entry of a row suppressed in pass 1.
const entrySuppressed = 1

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
	if err := s.laptopTakesNoImport(); err != nil { // sync_index.go
		return nil, fmt.Errorf("import contacts: %w", err)
	}
	if o.Source != "client" && o.Source != "panel" {
		return nil, fmt.Errorf("import contacts: source %q is neither client nor panel", o.Source)
	}
	if o.File == "" {
		o.File = "contacts"
	}
	if o.Replicates < 0 || o.Replicates > MaxReplicates {
		return nil, fmt.Errorf("import contacts: --replicates %d is not between 1 and %d", o.Replicates, MaxReplicates)
	}
	var stale *ImportRecord
	var head uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		head = nextSeqTx(tx) - 1
		var err error
		if stale, err = runningImportTx(tx, o.Survey); err != nil {
			return err
		}
		last, err := lastReplicateTx(tx, o.Survey)
		o.firstReplicate = last + 1
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
	sum string
	res ContactImport
	// cand counts the candidate rows: valid, not suppressed, not a
	// duplicate of a contact of the older layout. dup marks, per
	// candidate, a duplicate found in pass 2.
	cand int
	dup  []uint64
	// supp marks, per candidate, one suppressed in pass 2: it has the
	// sample id of a row the opt-out list suppressed (the same person).
	supp []uint64
	rank []uint32
	// suppNext and suppLine are, per row suppressed in pass 1, the
	// candidate that followed it and its line: its keys take part in
	// pass 2 (flagged), so that a later row with its id, phone or email
	// is not imported (see dedupePartition).
	suppNext, suppLine []uint32
	// notes are the duplicates found (the first of them, see dupNotes);
	// legacyDups the duplicate rows of pass 1, with their lines.
	notes      []dupNote
	legacyDups []LineError
	kept       int
	lines      [2]int // the first and last kept line
	rows       *rowFile
	parts      *partitionSet
}

func (s *Store) newSamplePass(o *ImportOptions) (*samplePass, error) {
	// What a crashed import left beside the store goes first (see
	// tempFiles).
	s.temps.removeStale()
	return &samplePass{s: s, o: o, rows: &rowFile{tmp: &s.temps}, parts: newPartitionSet(&s.temps)}, nil
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
		return structErr(file, err, rec, 0)
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
				readErr = structErr(file, err, fields, len(rec))
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
				o := uint32(len(p.suppNext))
				for j, k := range row.keys {
					kind := runReach
					if j == 0 {
						kind = runID
					}
					if err := p.parts.addFlagged(kind, &k, o, entrySuppressed); err != nil {
						return err
					}
				}
				p.suppNext = append(p.suppNext, uint32(p.cand))
				p.suppLine = append(p.suppLine, uint32(row.line))
			case rowDuplicate:
				p.res.Duplicate++
				if len(p.legacyDups) < maxReported {
					p.legacyDups = append(p.legacyDups, LineError{Line: row.line, Msg: "its id, a phone or its email is already in the survey"})
				}
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
	// Contacts of the older layout are looked up row by row; keys given
	// to contacts after their import, also in the reach bucket, are
	// found by pass 2 (surveyReachWalker).
	legacy := false
	if k, _ := cids.Cursor().First(); k != nil {
		legacy = true
	}
	for i := range ch.rows {
		row := &ch.rows[i]
		c, err := rowContact(w.h, row.fields, p.o, w.zones, w.phones)
		var legacyKey [32]byte
		legacyForm := false
		if err == nil && c.Email != "" {
			// An opt-out keyed before schema 5 in the email's old form
			// (lower-cased as written) still suppresses the row.
			if old := legacyEmail(w.h.get(row.fields, colEmail), c.Email); old != "" {
				legacyKey, legacyForm = p.s.indexKey(model.OptOutKey(old)), true
			}
		}
		row.fields = nil
		if err == nil && p.o.Replicates > 0 {
			err = assignReplicate(c, p.o)
		}
		if err != nil {
			row.status, row.err = rowRejected, err
			continue
		}
		reach := p.s.contactKeys(c)
		if len(reach) > 1 {
			slices.SortFunc(reach, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
			reach = slices.Compact(reach)
		}
		suppressed := legacyForm && optout.Get(legacyKey[:]) != nil
		for _, k := range reach {
			if optout.Get(k[:]) != nil {
				suppressed = true
				break
			}
		}
		// A suppressed row's keys take part in the duplicate pass too:
		// the same id is the same person, and a later row of a phone or
		// email it shares is of its household.
		row.keys = append(make([][32]byte, 0, len(reach)+1), p.s.sampleIDKey(c.Survey, c.ID))
		row.keys = append(row.keys, reach...)
		if suppressed {
			row.status = rowSuppressed
			continue
		}
		if legacy && legacyDuplicateTx(tx, c, reach) {
			row.status, row.keys = rowDuplicate, nil
			continue
		}
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
