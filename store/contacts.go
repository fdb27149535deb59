package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// contactRecord is a contact as imported; it never changes afterwards.
type contactRecord struct {
	Contact model.Contact `json:"contact"`
	Import  uint64        `json:"import"`
	Line    int           `json:"line"`
}

func (s *Store) contactTx(tx *bolt.Tx, cid uint64) (*model.Contact, error) {
	r, err := s.contactRecordTx(tx, cid)
	if err != nil {
		return nil, err
	}
	return &r.Contact, nil
}

func (s *Store) contactRecordTx(tx *bolt.Tx, cid uint64) (*contactRecord, error) {
	v := tx.Bucket(bContacts).Get(u64(cid))
	if v == nil {
		return nil, fmt.Errorf("contact %d: %w", cid, ErrNotFound)
	}
	plain, err := s.codec.Open(v)
	if err != nil {
		return nil, fmt.Errorf("open contact %d: %w", cid, err)
	}
	var r contactRecord
	if err := json.Unmarshal(plain, &r); err != nil {
		return nil, fmt.Errorf("decode contact %d: %w", cid, err)
	}
	return &r, nil
}

// Contact returns a contact of survey by its sample id, with its state.
func (s *Store) Contact(survey, id string) (*model.Contact, *ContactState, error) {
	var c *model.Contact
	var st *ContactState
	err := s.db.View(func(tx *bolt.Tx) error {
		cid, err := cidTx(tx, survey, id)
		if err != nil {
			return err
		}
		if c, err = s.contactTx(tx, cid); err != nil {
			return err
		}
		st, err = s.stateTx(tx, cid)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read contact: %w", err)
	}
	return c, st, nil
}

// Import statuses.
const (
	ImportRunning   = "running"
	ImportDone      = "done"
	ImportAbandoned = "abandoned"
)

// ImportRecord is the progress of one contact import, kept so that an
// interrupted import can be resumed.
type ImportRecord struct {
	ID     uint64 `json:"id"`
	Survey string `json:"survey"`
	Source string `json:"source"`
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Status string `json:"status"`
	// NextLine is the first line not yet imported.
	NextLine int           `json:"next_line"`
	Counts   ContactImport `json:"counts"`
}

func importTx(tx *bolt.Tx, id uint64) (*ImportRecord, error) {
	v := tx.Bucket(bImports).Get(u64(id))
	if v == nil {
		return nil, fmt.Errorf("import %d: %w", id, ErrNotFound)
	}
	var r ImportRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("decode import %d: %w", id, err)
	}
	return &r, nil
}

func putImportTx(tx *bolt.Tx, r *ImportRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bImports).Put(u64(r.ID), v)
}

// ContactImport reports what a contact import did.
type ContactImport struct {
	Rows       int `json:"rows"`
	Imported   int `json:"imported"`
	Suppressed int `json:"suppressed"`
	Duplicate  int `json:"duplicate"`
	// Rejected lists rows with invalid values (the first maxReported of
	// them); RejectedCount counts them all.
	Rejected      []LineError `json:"rejected,omitempty"`
	RejectedCount int         `json:"rejected_count"`
	// Resumed is set when this run finished an interrupted import; the
	// counts include the rows of the earlier run.
	Resumed bool `json:"resumed,omitempty"`
}

// ImportOptions describe a contact import.
type ImportOptions struct {
	Survey string
	// Source is where the contacts come from: "client" or "panel".
	Source string
	// Region is assumed for phone numbers without a country code.
	Region string
	Actor  string
	// File names the file in events and messages.
	File string
	// DryRun checks and counts without writing anything.
	DryRun bool
}

// StructureError is a file that cannot be imported at all: no header, a
// row with the wrong number of fields, text that is not UTF-8, no id column.
type StructureError struct {
	File string
	Line int
	Msg  string
}

func (e *StructureError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// importBatch is the number of rows written per transaction. The rows'
// id and reach index entries are not written with them but collected and
// written in key order when the import ends (see [Store.finishImport]).
const importBatch = 20000

// header maps the known columns of a contact file to their positions.
type header struct {
	names []string
	col   map[string]int
}

var knownColumns = []string{"id", "phone", "email", "name", "company", "location", "timezone", "language", "source"}

func (h *header) get(rec []string, name string) string {
	if i, ok := h.col[name]; ok {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	return cr
}

// checkStructure reads the whole file once: header, field counts, UTF-8.
// It returns the header, the number of data rows and the file's SHA-256.
func checkStructure(r io.Reader, file string) (*header, int, string, error) {
	h := sha256.New()
	cr := newCSVReader(io.TeeReader(r, h))
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, 0, "", &StructureError{File: file, Msg: "empty file: no header row"}
	}
	if err != nil {
		return nil, 0, "", structErr(file, err)
	}
	hd := &header{col: map[string]int{}}
	for i, name := range rec {
		if !utf8.ValidString(name) {
			return nil, 0, "", &StructureError{File: file, Line: 1, Msg: "header is not UTF-8 text"}
		}
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff")
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			return nil, 0, "", &StructureError{File: file, Line: 1, Msg: fmt.Sprintf("column %d of the header has no name", i+1)}
		}
		if _, dup := hd.col[name]; dup {
			return nil, 0, "", &StructureError{File: file, Line: 1, Msg: fmt.Sprintf("column %q appears twice in the header", name)}
		}
		hd.col[name] = i
		hd.names = append(hd.names, name)
	}
	if _, ok := hd.col["id"]; !ok {
		return nil, 0, "", &StructureError{File: file, Line: 1, Msg: "the header has no id column"}
	}
	_, p := hd.col["phone"]
	_, e := hd.col["email"]
	if !p && !e {
		return nil, 0, "", &StructureError{File: file, Line: 1, Msg: "the header has neither a phone nor an email column"}
	}
	rows := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, "", structErr(file, err)
		}
		rows++
		for _, f := range rec {
			if !utf8.ValidString(f) {
				line, _ := cr.FieldPos(0)
				return nil, 0, "", &StructureError{File: file, Line: line, Msg: "not UTF-8 text"}
			}
		}
	}
	return hd, rows, hex.EncodeToString(h.Sum(nil)), nil
}

func structErr(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = "wrong number of fields (the header has a different count)"
		}
		return &StructureError{File: file, Line: pe.Line, Msg: msg}
	}
	return fmt.Errorf("read %s: %w", file, err)
}

// rowContact builds and checks the contact of one data row.
func rowContact(h *header, rec []string, o *ImportOptions, zones map[string]error, phones *phoneMemo) (*model.Contact, error) {
	c := &model.Contact{
		ID:       h.get(rec, "id"),
		Survey:   o.Survey,
		Name:     h.get(rec, "name"),
		Company:  h.get(rec, "company"),
		Location: h.get(rec, "location"),
		Timezone: h.get(rec, "timezone"),
		Language: h.get(rec, "language"),
		Source:   o.Source,
	}
	if err := validID("sample", c.ID); err != nil {
		return nil, err
	}
	if src := h.get(rec, "source"); src != "" {
		src = strings.ToLower(src)
		if src != "client" && src != "panel" {
			return nil, fmt.Errorf("source %q is neither client nor panel", src)
		}
		c.Source = src
	}
	if ph := h.get(rec, "phone"); ph != "" {
		for _, raw := range strings.Split(ph, ";") {
			if strings.TrimSpace(raw) == "" {
				continue
			}
			p, err := phones.normalize(raw, o.Region)
			if err != nil {
				return nil, fmt.Errorf("phone: %w", err)
			}
			c.Phones = append(c.Phones, p)
		}
	}
	if em := h.get(rec, "email"); em != "" {
		e, err := model.NormalizeEmail(em)
		if err != nil {
			return nil, fmt.Errorf("email: %w", err)
		}
		c.Email = e
	}
	if len(c.Phones) == 0 && c.Email == "" {
		return nil, errors.New("no phone or email")
	}
	if c.Timezone != "" {
		err, seen := zones[c.Timezone]
		if !seen {
			_, err = time.LoadLocation(c.Timezone)
			zones[c.Timezone] = err
		}
		if err != nil {
			return nil, fmt.Errorf("timezone %q is not an IANA time zone", c.Timezone)
		}
	}
	for i, name := range h.names {
		if isKnown(name) || rec[i] == "" {
			continue
		}
		if c.Fields == nil {
			c.Fields = map[string]string{}
		}
		c.Fields[name] = rec[i]
	}
	return c, nil
}

func isKnown(name string) bool {
	for _, k := range knownColumns {
		if k == name {
			return true
		}
	}
	return false
}

type contactsImported struct {
	Import    uint64 `json:"import"`
	Survey    string `json:"survey"`
	FirstCID  uint64 `json:"first_cid"`
	LastCID   uint64 `json:"last_cid"`
	FirstLine int    `json:"first_line"`
	LastLine  int    `json:"last_line"`
}

type importStarted struct {
	Survey string `json:"survey"`
	Source string `json:"source"`
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Rows   int    `json:"rows"`
}

type importEnded struct {
	Import uint64        `json:"import"`
	Counts ContactImport `json:"counts"`
}

// ImportContacts loads a survey's sample from a CSV file (see the package
// comment for how a crash is made safe). r is read twice: once to check the
// structure, when a malformed file imports nothing, and once to import.
// Invalid rows are rejected with their line numbers, duplicates (same id,
// phone or email in the survey) skipped, and rows reached by the opt-out
// list counted as suppressed and never stored.
func (s *Store) ImportContacts(r io.ReadSeeker, o ImportOptions) (*ContactImport, error) {
	if err := validID("survey", o.Survey); err != nil {
		return nil, fmt.Errorf("import contacts: %w", err)
	}
	if o.Source != "client" && o.Source != "panel" {
		return nil, fmt.Errorf("import contacts: source %q is neither client nor panel", o.Source)
	}
	if o.File == "" {
		o.File = "contacts"
	}
	h, rows, sum, err := checkStructure(r, o.File)
	if err != nil {
		return nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("import contacts from %s: %w", o.File, err)
	}
	var rec *ImportRecord
	if !o.DryRun {
		if rec, err = s.startImport(o, sum, rows); err != nil {
			return nil, fmt.Errorf("import contacts from %s: %w", o.File, err)
		}
	} else {
		rec = &ImportRecord{Survey: o.Survey, NextLine: 2}
	}
	res := rec.Counts
	res.Rows = rows
	cr := newCSVReader(r)
	cr.Read() // the header, checked above
	// seen holds, hashed, the ids, phones and emails this import has taken
	// so far: its index entries reach the store only at the end.
	seen := newDrySet(true)
	ix := &importIndexes{}
	defer ix.close()
	if rec.Counts.Resumed {
		if err := s.rebuildImportIndexes(rec, ix, seen); err != nil {
			return nil, fmt.Errorf("import contacts from %s: resume: %w", o.File, err)
		}
	}
	type row struct {
		c    *model.Contact
		line int
	}
	batchRows := s.importBatch
	if batchRows <= 0 {
		batchRows = importBatch
	}
	batch := make([]row, 0, batchRows)
	flush := func(nextLine int) error {
		if o.DryRun {
			err := s.db.View(func(tx *bolt.Tx) error {
				for _, r := range batch {
					s.classifyRow(tx, r.c, seen, &res, r.line)
				}
				return nil
			})
			batch = batch[:0]
			return err
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			counts := res
			at := s.now()
			var seq = nextSeqTx(tx)
			keep := make([]row, 0, len(batch))
			for _, r := range batch {
				if s.classifyRow(tx, r.c, seen, &counts, r.line) {
					keep = append(keep, r)
				}
			}
			var first, lastCID uint64
			if len(keep) > 0 {
				cs := make([]*model.Contact, len(keep))
				lines := make([]int, len(keep))
				for i, r := range keep {
					cs[i], lines[i] = r.c, r.line
				}
				var err error
				if first, lastCID, err = s.putContactsTx(tx, cs, lines, rec.ID, at, ix); err != nil {
					return err
				}
			}
			if first != 0 {
				e, err := s.appendTx(tx, KindContactsImported, o.Actor, at, contactsImported{
					Import: rec.ID, Survey: o.Survey, FirstCID: first, LastCID: lastCID,
					FirstLine: batch[0].line, LastLine: batch[len(batch)-1].line})
				if err != nil {
					return err
				}
				if e.Seq != seq {
					return fmt.Errorf("event sequence moved from %d to %d", seq, e.Seq)
				}
			}
			nr := *rec
			nr.NextLine = nextLine
			nr.Counts = counts
			nr.Counts.Rows = rows
			if err := putImportTx(tx, &nr); err != nil {
				return err
			}
			res = counts
			*rec = nr
			return nil
		})
		batch = batch[:0]
		return err
	}
	// Rows are checked and normalised by a few workers (phone parsing is
	// the costly part) and come back in file order, a chunk at a time, so
	// memory stays bounded.
	type parsedRow struct {
		fields []string
		c      *model.Contact
		line   int
		err    error
	}
	type chunk struct {
		rows []parsedRow
		done chan struct{}
	}
	const chunkRows = 512
	workers := max(1, min(runtime.GOMAXPROCS(0), 4))
	jobs := make(chan *chunk, workers*2)
	order := make(chan *chunk, workers*2)
	var readErr error
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(stop)
		wg.Wait()
	}()
	go func() {
		defer close(jobs)
		defer close(order)
		cr.ReuseRecord = false
		cur := &chunk{done: make(chan struct{})}
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
			cur = &chunk{done: make(chan struct{})}
			return true
		}
		for {
			fields, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				readErr = err
				break
			}
			line, _ := cr.FieldPos(0)
			if line < rec.NextLine {
				continue // imported by the interrupted run
			}
			cur.rows = append(cur.rows, parsedRow{line: line, fields: fields})
			if len(cur.rows) == chunkRows && !send() {
				return
			}
		}
		if len(cur.rows) > 0 {
			send()
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			zones := map[string]error{}
			phones := newPhoneMemo()
			for ch := range jobs {
				for i := range ch.rows {
					r := &ch.rows[i]
					r.c, r.err = rowContact(h, r.fields, &o, zones, phones)
					r.fields = nil
				}
				close(ch.done)
			}
		}()
	}
	for ch := range order {
		<-ch.done
		for _, pr := range ch.rows {
			if pr.err != nil {
				res.RejectedCount++
				if len(res.Rejected) < maxReported {
					res.Rejected = append(res.Rejected, LineError{Line: pr.line, Msg: pr.err.Error()})
				}
				continue
			}
			batch = append(batch, row{pr.c, pr.line})
			if len(batch) == batchRows {
				if err := flush(pr.line + 1); err != nil {
					return nil, fmt.Errorf("import contacts from %s: %w", o.File, err)
				}
			}
		}
	}
	if readErr != nil {
		return nil, fmt.Errorf("import contacts from %s: file changed while importing: %w", o.File, readErr)
	}
	if err := flush(1 << 62); err != nil {
		return nil, fmt.Errorf("import contacts from %s: %w", o.File, err)
	}
	if !o.DryRun {
		if err := s.finishImport(rec, ix, o.Actor); err != nil {
			return nil, fmt.Errorf("import contacts from %s: %w", o.File, err)
		}
		res = rec.Counts
	}
	return &res, nil
}

// startImport makes the import's record, or picks up an interrupted run of
// the same file for the same survey.
func (s *Store) startImport(o ImportOptions, sum string, rows int) (*ImportRecord, error) {
	var rec *ImportRecord
	err := s.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bImports).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r ImportRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode import %x: %w", k, err)
			}
			if r.Status != ImportRunning || r.Survey != o.Survey {
				continue
			}
			if r.SHA256 != sum {
				return fmt.Errorf("an earlier import of %s into %s was interrupted at line %d; run it again to finish it, or abandon it (import %d)", r.File, r.Survey, r.NextLine, r.ID)
			}
			r.Counts.Resumed = true
			rec = &r
			return nil
		}
		e, err := s.appendTx(tx, KindImportStarted, o.Actor, s.now(), importStarted{
			Survey: o.Survey, Source: o.Source, File: o.File, SHA256: sum, Rows: rows})
		if err != nil {
			return err
		}
		rec = &ImportRecord{ID: e.Seq, Survey: o.Survey, Source: o.Source, File: o.File, SHA256: sum,
			Status: ImportRunning, NextLine: 2}
		return putImportTx(tx, rec)
	})
	return rec, err
}

// AbandonImport gives up an interrupted import, so that another file can
// be imported into its survey. The contacts it had written stay in the store
// for the record but are never drawn.
func (s *Store) AbandonImport(id uint64, actor string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		r, err := importTx(tx, id)
		if err != nil {
			return err
		}
		if r.Status != ImportRunning {
			return fmt.Errorf("import %d is %s, not running", id, r.Status)
		}
		r.Status = ImportAbandoned
		if _, err := s.appendTx(tx, KindImportAbandoned, actor, s.now(), importEnded{Import: id, Counts: r.Counts}); err != nil {
			return err
		}
		return putImportTx(tx, r)
	})
	if err != nil {
		return fmt.Errorf("abandon import %d: %w", id, err)
	}
	return nil
}

// Imports lists the contact imports, oldest first.
func (s *Store) Imports() ([]ImportRecord, error) {
	var out []ImportRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bImports).ForEach(func(k, v []byte) error {
			var r ImportRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode import %x: %w", k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

// drySet remembers, hashed, the sample ids and the phones and emails an
// import has taken so far, before they reach the store's indexes.
type drySet struct {
	ids  map[[16]byte]struct{}
	keys map[[16]byte]struct{}
}

func newDrySet(on bool) *drySet {
	if !on {
		return nil
	}
	return &drySet{ids: map[[16]byte]struct{}{}, keys: map[[16]byte]struct{}{}}
}

// h16 is the first half of a SHA-256: enough to tell a million ids apart
// with no collision in any lifetime, at half the memory.
func h16(b []byte) [16]byte {
	s := sha256.Sum256(b)
	return [16]byte(s[:16])
}

func (d *drySet) add(survey string, idKey []byte, keys [][32]byte) {
	d.ids[h16(idKey)] = struct{}{}
	for _, k := range keys {
		d.keys[h16(append(idPrefix(survey), k[:]...))] = struct{}{}
	}
}

// classifyRow decides whether a valid row is imported, a duplicate or
// suppressed, and counts it; dry holds what this import already took.
// rows are already in tx.
func (s *Store) classifyRow(tx *bolt.Tx, c *model.Contact, dry *drySet, res *ContactImport, line int) bool {
	keys := s.contactKeys(c)
	optout := tx.Bucket(bOptOut)
	for _, k := range keys {
		if optout.Get(k[:]) != nil {
			res.Suppressed++
			return false
		}
	}
	idKey := append(idPrefix(c.Survey), c.ID...)
	dup := tx.Bucket(bCIDs).Get(idKey) != nil
	if dry != nil && !dup {
		_, dup = dry.ids[h16(idKey)]
	}
	for i := 0; i < len(keys) && !dup; i++ {
		dup = reachedInSurveyTx(tx, keys[i], c.Survey)
		if dry != nil && !dup {
			_, dup = dry.keys[h16(append(idPrefix(c.Survey), keys[i][:]...))]
		}
	}
	if dup {
		res.Duplicate++
		return false
	}
	if dry != nil {
		dry.add(c.Survey, idKey, keys)
	}
	res.Imported++
	return true
}

// reachedInSurveyTx reports whether a contact of survey has opt-out key k.
func reachedInSurveyTx(tx *bolt.Tx, k [32]byte, survey string) bool {
	c := tx.Bucket(bReach).Cursor()
	for rk, v := c.Seek(k[:]); rk != nil && bytes.HasPrefix(rk, k[:]); rk, v = c.Next() {
		if string(v) == survey {
			return true
		}
	}
	return false
}

// putContactsTx writes new contacts with their indexes and queue entries
// and returns the first and last contact id given. The index entries are
// put in key order: random-order inserts into a large bbolt node cost a
// memmove each.
//
// With ix, the index entries are collected there instead, to be written
// in key order when the import ends ([Store.finishImport]).
func (s *Store) putContactsTx(tx *bolt.Tx, cs []*model.Contact, lines []int, imp uint64, at time.Time, ix *importIndexes) (uint64, uint64, error) {
	cb := tx.Bucket(bContacts)
	cb.FillPercent = 1 // append-only, by ascending id
	type kv struct{ k, v []byte }
	ids := make([]kv, 0, len(cs))
	reach := make([]kv, 0, len(cs)*2)
	var first, last uint64
	for i, c := range cs {
		cid, err := cb.NextSequence()
		if err != nil {
			return 0, 0, err
		}
		if first == 0 {
			first = cid
		}
		last = cid
		plain, err := json.Marshal(contactRecord{Contact: *c, Import: imp, Line: lines[i]})
		if err != nil {
			return 0, 0, err
		}
		sealed, err := s.codec.Seal(plain)
		if err != nil {
			return 0, 0, fmt.Errorf("seal contact: %w", err)
		}
		cidB := u64(cid)
		if err := cb.Put(cidB, sealed); err != nil {
			return 0, 0, err
		}
		ids = append(ids, kv{append(idPrefix(c.Survey), c.ID...), cidB})
		for _, k := range s.contactKeys(c) {
			rk := make([]byte, 0, 40)
			reach = append(reach, kv{append(append(rk, k[:]...), cidB...), []byte(c.Survey)})
		}
		st := initialState(c, imp, at)
		if err := requeueTx(tx, cid, nil, &st); err != nil {
			return 0, 0, err
		}
	}
	if ix != nil {
		for _, e := range ids {
			if err := ix.ids.add(e.k, e.v); err != nil {
				return 0, 0, err
			}
		}
		for _, e := range reach {
			if err := ix.reach.add(e.k, e.v); err != nil {
				return 0, 0, err
			}
		}
		return first, last, nil
	}
	for _, idx := range []struct {
		b   *bolt.Bucket
		kvs []kv
	}{{tx.Bucket(bCIDs), ids}, {tx.Bucket(bReach), reach}} {
		slices.SortFunc(idx.kvs, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
		for _, e := range idx.kvs {
			if err := idx.b.Put(e.k, e.v); err != nil {
				return 0, 0, err
			}
		}
	}
	return first, last, nil
}

// initialState is the state of a freshly imported contact.
func initialState(c *model.Contact, imp uint64, at time.Time) ContactState {
	return ContactState{Survey: c.Survey, ID: c.ID, Import: imp, Status: StatusQueued,
		Priority: PriorityNormal, Due: at.UTC(), QueueAt: at.UTC()}
}

// importIndexes are the index entries of a running import.
type importIndexes struct {
	ids, reach indexSpill
}

func (ix *importIndexes) close() {
	ix.ids.close()
	ix.reach.close()
}

// indexBatch is the number of index entries written per transaction when an
// import ends.
const indexBatch = 200000

// finishImport writes an import's index entries in key order, a batch per
// transaction, takes out of the queue any contact an opt-out added during
// the import reaches, and marks the import done in the last transaction.
// Until then its contacts are not drawn.
func (s *Store) finishImport(rec *ImportRecord, ix *importIndexes, actor string) error {
	for _, idx := range []struct {
		bucket []byte
		spill  *indexSpill
	}{{bCIDs, &ix.ids}, {bReach, &ix.reach}} {
		next, err := idx.spill.sorted()
		if err != nil {
			return err
		}
		for done := false; !done; {
			err := s.db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(idx.bucket)
				for range indexBatch {
					e, ok, err := next()
					if err != nil {
						return err
					}
					if !ok {
						done = true
						return nil
					}
					if err := b.Put(e.k, e.v); err != nil {
						return err
					}
					if idx.bucket[0] == bReach[0] {
						if err := s.suppressLateTx(tx, e.k); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("write index %s: %w", idx.bucket, err)
			}
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		nr, err := importTx(tx, rec.ID)
		if err != nil {
			return err
		}
		nr.Status = ImportDone
		if _, err := s.appendTx(tx, KindImportDone, actor, s.now(), importEnded{Import: rec.ID, Counts: nr.Counts}); err != nil {
			return err
		}
		if err := putImportTx(tx, nr); err != nil {
			return err
		}
		*rec = *nr
		return nil
	})
}

// suppressLateTx applies to a newly indexed reach entry an opt-out that
// came while its import was running (the import's own check came earlier).
func (s *Store) suppressLateTx(tx *bolt.Tx, reachKey []byte) error {
	v := tx.Bucket(bOptOut).Get(reachKey[:32])
	if v == nil {
		return nil
	}
	cid := binary.BigEndian.Uint64(reachKey[32:])
	st, err := s.stateTx(tx, cid)
	if err != nil {
		return err
	}
	if st.Status != StatusQueued {
		return nil
	}
	old := *st
	applySuppressed(st, binary.BigEndian.Uint64(v))
	return requeueTx(tx, cid, &old, st)
}

// rebuildImportIndexes gathers again the index entries of the rows an
// interrupted import had written, which were lost with the process.
func (s *Store) rebuildImportIndexes(rec *ImportRecord, ix *importIndexes, seen *drySet) error {
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Seek(u64(rec.ID)); k != nil; k, v = c.Next() {
			e, err := s.decodeEvent(v)
			if err != nil {
				return err
			}
			if e.Kind != KindContactsImported {
				continue
			}
			var p contactsImported
			if err := json.Unmarshal(e.Data, &p); err != nil {
				return fmt.Errorf("event %s: %w", e.ID, err)
			}
			if p.Import != rec.ID {
				continue
			}
			for cid := p.FirstCID; cid <= p.LastCID && cid != 0; cid++ {
				r, err := s.contactRecordTx(tx, cid)
				if err != nil {
					return err
				}
				c := &r.Contact
				idKey := append(idPrefix(c.Survey), c.ID...)
				keys := s.contactKeys(c)
				seen.add(c.Survey, idKey, keys)
				if err := ix.ids.add(idKey, u64(cid)); err != nil {
					return err
				}
				for _, k := range keys {
					if err := ix.reach.add(append(bytes.Clone(k[:]), u64(cid)...), []byte(c.Survey)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
