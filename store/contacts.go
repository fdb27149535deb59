package store

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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
		r, ok, err := s.blockRecordTx(tx, cid)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("contact %d: %w", cid, ErrNotFound)
		}
		return r, nil
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
		cid, err := s.cidTx(tx, survey, id)
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
	// NextLine is the first line not yet imported (imports made before
	// the sample layout, which wrote rows batch by batch).
	NextLine int           `json:"next_line,omitempty"`
	Counts   ContactImport `json:"counts"`
	// Blocks marks an import of the sample layout; its kept rows have the
	// cids FirstCID to LastCID (none when it kept no row).
	Blocks   bool   `json:"blocks,omitempty"`
	FirstCID uint64 `json:"first_cid,omitempty"`
	LastCID  uint64 `json:"last_cid,omitempty"`
	// Replicates is how many replicates the import was split into (0:
	// none, every contact released at once); they are numbered from
	// FirstReplicate, after the survey's earlier ones, and each contact
	// holds its number in the sample field "replicate". Released are
	// those released so far: only their contacts are in the queue.
	Replicates     int   `json:"replicates,omitempty"`
	FirstReplicate int   `json:"first_replicate,omitempty"`
	Released       []int `json:"released,omitempty"`
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
	// Duplicates lists the duplicate rows (the first maxReported of
	// them, by line) with the row or contact each repeats.
	Duplicates []LineError `json:"duplicates,omitempty"`
	// Rejected lists rows with invalid values (the first maxReported of
	// them); RejectedCount counts them all.
	Rejected      []LineError `json:"rejected,omitempty"`
	RejectedCount int         `json:"rejected_count"`
	// Resumed is set when this run replaced an interrupted import of the
	// same file, whose partial work it removed.
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
	// Replicates splits the import into that many replicates, released
	// one at a time ([Store.ReleaseReplicate]); 0 releases every contact
	// at once.
	Replicates int
	// firstReplicate is the number of the first replicate, found when
	// the import starts.
	firstReplicate int
}

// StructureError is a file that cannot be imported at all: no header, a
// row with the wrong number of fields, text that is not UTF-8, no id column.
type StructureError struct {
	File string
	Line int
	Msg  string
}

// Error names the place and says that the file was not imported: a
// malformed file imports nothing, so the user need not check what did.
func (e *StructureError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s; nothing was imported", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s; nothing was imported", e.File, e.Msg)
}

// header maps the known columns of a contact file to their positions.
type header struct {
	names []string
	col   map[string]int
	// known holds the position of each of knownColumns, -1 when absent;
	// extra the positions of the other columns, by name.
	known [len(knownColumns)]int
	extra []int
}

// The known columns, in the order of header.known.
const (
	colID = iota
	colPhone
	colEmail
	colName
	colCompany
	colLocation
	colTimezone
	colLanguage
	colSource
)

var knownColumns = [...]string{"id", "phone", "email", "name", "company", "location", "timezone", "language", "source"}

// index fills known and extra from col and names.
func (h *header) index() {
	for k, name := range knownColumns {
		h.known[k] = -1
		if i, ok := h.col[name]; ok {
			h.known[k] = i
		}
	}
	h.extra = h.extra[:0]
	for i, name := range h.names {
		if !isKnown(name) {
			h.extra = append(h.extra, i)
		}
	}
	slices.SortFunc(h.extra, func(a, b int) int { return strings.Compare(h.names[a], h.names[b]) })
}

func (h *header) get(rec []string, col int) string {
	if i := h.known[col]; i >= 0 {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

// structErr turns a CSV reading error into a StructureError; fields are
// what the reader returned with it and columns the header's count, so that
// a row of the wrong length says both.
func structErr(file string, err error, fields []string, columns int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = fmt.Sprintf("wrong number of fields: the row has %d, the header has %d", len(fields), columns)
		}
		return &StructureError{File: file, Line: pe.Line, Msg: msg}
	}
	return fmt.Errorf("read %s: %w", file, err)
}

// rowContact builds and checks the contact of one data row.
func rowContact(h *header, rec []string, o *ImportOptions, zones map[string]error, phones *phoneMemo) (*model.Contact, error) {
	c := &model.Contact{
		ID:       h.get(rec, colID),
		Survey:   o.Survey,
		Name:     h.get(rec, colName),
		Company:  h.get(rec, colCompany),
		Location: h.get(rec, colLocation),
		Timezone: h.get(rec, colTimezone),
		Language: h.get(rec, colLanguage),
		Source:   o.Source,
	}
	if err := validID("sample", c.ID); err != nil {
		return nil, err
	}
	if src := h.get(rec, colSource); src != "" {
		src = strings.ToLower(src)
		if src != "client" && src != "panel" {
			return nil, fmt.Errorf("source %q is neither client nor panel", src)
		}
		c.Source = src
	}
	if ph := h.get(rec, colPhone); ph != "" {
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
	if em := h.get(rec, colEmail); em != "" {
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
	for _, i := range h.extra {
		if rec[i] == "" {
			continue
		}
		if c.Fields == nil {
			c.Fields = make(map[string]string, len(h.extra))
		}
		c.Fields[h.names[i]] = rec[i]
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

// AbandonImport gives up an interrupted import, so that another file can
// be imported into its survey. What it had written is removed (imports
// made before the sample layout leave their contacts for the record,
// never drawn).
func (s *Store) AbandonImport(id uint64, actor string) error {
	// The crashed import's temporary files go with it.
	s.temps.removeStale()
	err := s.updateTallied(func(tx *bolt.Tx) error {
		r, err := importTx(tx, id)
		if err != nil {
			return err
		}
		if r.Status != ImportRunning {
			return fmt.Errorf("import %d is %s, not running", id, r.Status)
		}
		return s.abandonTx(tx, r, actor)
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

// initialState is the state of a freshly imported contact.
func initialState(c *model.Contact, imp uint64, at time.Time) ContactState {
	return ContactState{Survey: c.Survey, ID: c.ID, Import: imp, Status: StatusQueued,
		Priority: PriorityNormal, Due: at.UTC(), QueueAt: at.UTC()}
}
