package store

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// Export formats.
const (
	// ExportCSV writes one row per interview, repeats in roster files, an
	// SPSS (.sps) and a Stata (.do) file that read it with labels, and a
	// Markdown codebook; with Aggregate, frequency tables instead.
	ExportCSV = "csv"
	// ExportJSONL writes one interview per line with everything recorded
	// about it; with Aggregate, one frequency table per line.
	ExportJSONL = "jsonl"
	// ExportParadata writes the interviews' event log as CSV.
	ExportParadata = "paradata"
)

// KindExportPersonal is the event recording an export that included
// personal data (exportPersonal).
const KindExportPersonal = "export.personal"

// ErrNotAuthorised is returned when personal data is asked for in an export
// of a survey whose client has not authorised onward transfer.
var ErrNotAuthorised = errors.New("the survey's client has not authorised onward transfer of personal data")

// ExportOptions say what an export writes.
type ExportOptions struct {
	// Survey is the survey whose interviews are exported.
	Survey string
	// Format is ExportCSV, ExportJSONL or ExportParadata.
	Format string
	// Out is the file to write; CSV exports write further files beside it
	// (see [Store.Export]).
	Out string
	// IncludePII adds personal data (contact fields, personal answers,
	// consent text, unscrubbed notes). It is refused unless the survey's
	// latest privacy settings allow onward transfer, it is logged, and it
	// releases only the interviews collected under a revision that
	// allowed it (see ExportResult.Withheld).
	IncludePII bool
	// Aggregate writes frequency tables of the closed questions instead
	// of interviews, with cells under 5 suppressed.
	Aggregate bool
	// Actor is who exports, for the log.
	Actor string
	// Progress, when set, is called now and then with the interviews done
	// and the total.
	Progress func(done, total int)
}

// writes names what an export with these options writes: "CSV" or
// "JSON lines".
func (o ExportOptions) writes() string {
	if o.Format == ExportJSONL {
		return "JSON lines"
	}
	return "CSV"
}

// OutNameProblem says what is wrong with o.Out's name, or returns nil: a
// name whose extension stands for another format than the one written
// (paradata, which is CSV, to data.jsonl; JSONL to data.csv) is refused
// rather than written, since every tool that opens it by its name would
// misread it. Other extensions, and none, are the caller's choice.
func (o ExportOptions) OutNameProblem() error {
	ext := strings.ToLower(filepath.Ext(o.Out))
	named := map[string]string{".csv": "CSV", ".tsv": "tab-separated values",
		".jsonl": "JSON lines", ".ndjson": "JSON lines", ".json": "JSON"}[ext]
	if named == "" || named == o.writes() {
		return nil
	}
	what := o.Format
	if o.Aggregate {
		what += " --aggregate"
	}
	want := ".csv"
	if o.writes() == "JSON lines" {
		want = ".jsonl"
	}
	return fmt.Errorf("--format %s writes %s, but %s is named for %s: name it %s", what, o.writes(), filepath.Base(o.Out), named, want)
}

// ExportResult says what an export wrote.
type ExportResult struct {
	// Files are the files written, the main one first.
	Files []string `json:"files"`
	// Interviews is the number of interviews exported.
	Interviews int `json:"interviews"`
	// Withheld is, in an export with personal data, the number of them
	// exported without it: their questionnaire revision did not
	// authorise onward transfer.
	Withheld int `json:"withheld,omitempty"`
}

type exportPersonal struct {
	Survey     string   `json:"survey"`
	Format     string   `json:"format"`
	Files      []string `json:"files"`
	Interviews int      `json:"interviews"`
	Withheld   int      `json:"withheld,omitempty"`
}

// minCell is the smallest count an aggregate table shows.
const minCell = 5

// Export writes a survey's interviews to files, as the engine sees their
// data: answers that became irrelevant are left out. Every file is written
// to a temporary file beside its target and renamed only when all are
// complete, so an error leaves nothing behind; memory does not grow with
// the number of interviews.
//
// Personal data (the contact's name, phones, email, company and the fields
// the survey marks personal, answers to items marked personal, consent
// text) is left out unless o.IncludePII; rows carry a pseudonymous
// respondent key instead, an HMAC-SHA256 of the contact's internal id under
// a secret kept in the store (stable across exports, not reversible
// without the store). Free text that is exported (open answers, "other"
// text, notes, override and skip reasons, suspension and review notes) has
// the contact's own values masked, and every email address and phone
// number in it, whoever's (see export_mask.go); calculations have the
// contact's values masked, and the rest too unless they are a number.
//
// Onward transfer is judged per interview, by the questionnaire revision
// it was collected under: with o.IncludePII, an interview collected under
// a revision that did not authorise it is exported as without (and counted
// in ExportResult.Withheld), and an item personal in either that revision
// or the latest one is withheld. An export with o.IncludePII is recorded
// in the event log.
//
// For ExportCSV with o.Out = DIR/NAME.csv the files are NAME.csv (one row
// per interview), NAME_REPEAT.csv per repeat (one row per instance, keyed
// by interview and instance numbers), NAME.sps, NAME.do and
// NAME_codebook.md.
func (s *Store) Export(o ExportOptions) (*ExportResult, error) {
	res, err := s.export(o)
	if err != nil {
		return nil, fmt.Errorf("export %s to %s: %w", o.Survey, o.Out, err)
	}
	return res, nil
}

func (s *Store) export(o ExportOptions) (*ExportResult, error) {
	switch o.Format {
	case ExportCSV, ExportJSONL:
	case ExportParadata:
		if o.Aggregate {
			return nil, errors.New("paradata cannot be aggregated")
		}
	default:
		return nil, fmt.Errorf("unknown format %q (want csv, jsonl or paradata)", o.Format)
	}
	if o.Aggregate && o.IncludePII {
		return nil, errors.New("aggregate tables never hold personal data; leave out --include-pii")
	}
	if o.Out == "" {
		return nil, errors.New("no output file")
	}
	if err := o.OutNameProblem(); err != nil {
		return nil, err
	}
	sv, _, err := s.Survey(o.Survey, 0)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("survey %q is not installed: %w", o.Survey, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if o.IncludePII && !sv.Privacy.OnwardTransfer {
		return nil, fmt.Errorf("personal data refused for survey %s: %w", o.Survey, ErrNotAuthorised)
	}
	secret, err := s.exportSetup()
	if err != nil {
		return nil, err
	}
	files := &outFiles{store: s.path}
	defer files.abort()
	ex := &exporter{s: s, o: o, secret: secret, files: files, fc: s.newFormCache(), latest: sv}
	err = s.db.View(func(tx *bolt.Tx) error {
		ex.tx = tx
		if err := ex.layoutTx(); err != nil {
			return err
		}
		switch {
		case o.Aggregate:
			return ex.aggregate()
		case o.Format == ExportCSV:
			return ex.csv()
		case o.Format == ExportJSONL:
			return ex.jsonl()
		default:
			return ex.paradata()
		}
	})
	if err != nil {
		return nil, err
	}
	if err := files.flush(); err != nil {
		return nil, err
	}
	res := &ExportResult{Files: files.targets(), Interviews: ex.count, Withheld: ex.withheldN}
	if o.IncludePII {
		err := s.db.Update(func(tx *bolt.Tx) error {
			_, err := s.appendTx(tx, KindExportPersonal, o.Actor, s.now(),
				exportPersonal{Survey: o.Survey, Format: o.Format, Files: res.Files, Interviews: res.Interviews, Withheld: res.Withheld})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("record the export of personal data: %w", err)
		}
	}
	if err := files.commit(); err != nil {
		return nil, err
	}
	return res, nil
}

// exportSetup makes the pseudonym secret and the step index on first use.
func (s *Store) exportSetup() ([]byte, error) {
	var secret []byte
	read := func(tx *bolt.Tx) bool {
		meta := tx.Bucket(bMeta)
		if v := meta.Get(kExportSecret); len(v) == 32 && meta.Get(kStepsIndexed) != nil {
			secret = bytes.Clone(v)
			return true
		}
		return false
	}
	var ok bool
	s.db.View(func(tx *bolt.Tx) error { ok = read(tx); return nil })
	if ok {
		return secret, nil
	}
	err := s.updateTallied(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if v := meta.Get(kExportSecret); len(v) != 32 {
			k := make([]byte, 32)
			if _, err := rand.Read(k); err != nil {
				return fmt.Errorf("make the pseudonym secret: %w", err)
			}
			if err := meta.Put(kExportSecret, k); err != nil {
				return err
			}
		}
		if err := s.ensureStepsTx(tx); err != nil {
			return fmt.Errorf("index interview steps: %w", err)
		}
		read(tx)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return secret, nil
}

// outFiles are the files of one export, written to temporary files and
// renamed together at the end.
type outFiles struct {
	// store is the store's file, which an export must never replace.
	store string
	list  []*outFile
}

// sameFile reports whether two paths name the same file, existing or not.
func sameFile(a, b string) bool {
	if fa, err := os.Stat(a); err == nil {
		if fb, err := os.Stat(b); err == nil {
			return os.SameFile(fa, fb)
		}
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

type outFile struct {
	target string
	tmp    *os.File
	w      *bufio.Writer
}

func (f *outFiles) create(target string) (*bufio.Writer, error) {
	if sameFile(target, f.store) {
		return nil, fmt.Errorf("write %s: it is the store itself", target)
	}
	for _, of := range f.list {
		if sameFile(target, of.target) {
			return nil, fmt.Errorf("write %s: the export would write it twice", target)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		// The temporary name means nothing to the user; the reason does.
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("write %s: %w", target, err)
	}
	of := &outFile{target: target, tmp: tmp, w: bufio.NewWriterSize(tmp, 256<<10)}
	f.list = append(f.list, of)
	return of.w, nil
}

func (f *outFiles) flush() error {
	for _, of := range f.list {
		if err := of.w.Flush(); err != nil {
			return fmt.Errorf("write %s: %w", of.target, err)
		}
		if err := of.tmp.Sync(); err != nil {
			return fmt.Errorf("write %s: %w", of.target, err)
		}
		if err := of.tmp.Close(); err != nil {
			return fmt.Errorf("write %s: %w", of.target, err)
		}
	}
	return nil
}

func (f *outFiles) commit() error {
	for _, of := range f.list {
		if err := os.Chmod(of.tmp.Name(), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", of.target, err)
		}
		if err := os.Rename(of.tmp.Name(), of.target); err != nil {
			return fmt.Errorf("write %s: %w", of.target, err)
		}
		of.tmp = nil
	}
	return nil
}

// abort removes whatever temporary files remain (all of them unless commit
// succeeded).
func (f *outFiles) abort() {
	for _, of := range f.list {
		if of.tmp != nil {
			of.tmp.Close()
			os.Remove(of.tmp.Name())
		}
	}
}

func (f *outFiles) targets() []string {
	out := make([]string, len(f.list))
	for i, of := range f.list {
		out[i] = of.target
	}
	return out
}

// exporter is the state of one export, inside one read transaction.
type exporter struct {
	s      *Store
	o      ExportOptions
	tx     *bolt.Tx
	secret []byte
	files  *outFiles
	fc     *formCache
	latest *model.Survey
	lay    *layout
	count  int
	// withheldN counts the interviews whose personal data an export with
	// personal data left out (see pii).
	withheldN int
	names     map[string]string
	mac       hash.Hash
	sum       [sha256.Size]byte
	// reviews is the xreview bucket, once looked up.
	reviews *bolt.Bucket
}

// intern returns a shared string equal to b.
func (ex *exporter) intern(b []byte) string {
	if s, ok := ex.names[string(b)]; ok {
		return s
	}
	if len(ex.names) > 1<<16 {
		return string(b)
	}
	s := string(b)
	ex.names[s] = s
	return s
}

// respondentKey is the pseudonymous key of a contact.
func (ex *exporter) respondentKey(cid uint64) string {
	if ex.mac == nil {
		ex.mac = hmac.New(sha256.New, ex.secret)
	}
	ex.mac.Reset()
	ex.mac.Write([]byte("canvass respondent\x00"))
	ex.mac.Write(u64(cid))
	return hex.EncodeToString(ex.mac.Sum(ex.sum[:0])[:16])
}

// row is one interview as an export sees it.
type row struct {
	id    string
	cid   uint64
	p     projection
	rec   *InterviewRecord // set on the slow path and for JSONL
	scrub *scrubber
	sc    scrubber
}

// eachTx calls fn for every interview of the survey, in contact order,
// with its data as the engine sees it.
func (ex *exporter) eachTx(fn func(r *row) error) error {
	pre := idPrefix(ex.o.Survey)
	total := 0
	c := ex.tx.Bucket(bIByContact).Cursor()
	if ex.o.Progress != nil {
		for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Next() {
			total++
		}
	}
	if ex.names == nil {
		ex.names = map[string]string{}
	}
	xdata := ex.tx.Bucket(bXData)
	r := &row{}
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		if len(k) != len(pre)+8 {
			continue
		}
		r.id, r.cid, r.rec, r.scrub = string(v), binary.BigEndian.Uint64(k[len(pre):]), nil, nil
		done := false
		if xdata != nil {
			if pv := xdata.Get(v); pv != nil {
				// decodeProjection copies what it keeps, so the plain
				// codec's value can be read in place.
				plain := pv
				if _, ok := ex.s.codec.(PlainCodec); !ok {
					var err error
					if plain, err = ex.s.codec.Open(pv); err != nil {
						return fmt.Errorf("open projection of %s: %w", r.id, err)
					}
				}
				if err := decodeProjection(plain, &r.p, ex.intern); err != nil {
					return fmt.Errorf("projection of %s: %w", r.id, err)
				}
				done = true
			}
		}
		if !done {
			rec, err := ex.s.interviewTx(ex.tx, r.id)
			if err != nil {
				return err
			}
			at := rec.Ended
			if at.IsZero() {
				at = ex.s.now()
			}
			p, err := ex.s.projectTx(ex.tx, rec, ex.fc, at)
			if err != nil {
				return err
			}
			r.rec, r.p = rec, *p
		}
		if err := fn(r); err != nil {
			return err
		}
		ex.count++
		if ex.o.IncludePII && !ex.pii(r) {
			ex.withheldN++
		}
		if ex.o.Progress != nil && (ex.count%1000 == 0 || ex.count == total) {
			ex.o.Progress(ex.count, total)
		}
	}
	return nil
}

// record returns the interview's header, decoding it if needed.
func (ex *exporter) record(r *row) (*InterviewRecord, error) {
	if r.rec == nil {
		rec, err := ex.s.interviewTx(ex.tx, r.id)
		if err != nil {
			return nil, err
		}
		r.rec = rec
	}
	return r.rec, nil
}

// contactScrub returns the masker of the row's contact: from the
// projection when it was made with every personal field the export masks
// for the row's revision, else from the contact record.
func (ex *exporter) contactScrub(r *row) *scrubber {
	if r.scrub != nil {
		return r.scrub
	}
	fields := ex.lay.privacy(r.p.Revision).fields
	if (len(r.p.Needles) > 0 || len(r.p.Phones) > 0) && subset(fields, r.p.Fields) {
		r.sc = scrubber{needles: r.p.Needles, phones: r.p.Phones}
		r.scrub = &r.sc
		return r.scrub
	}
	c, err := ex.s.contactTx(ex.tx, r.cid)
	if err != nil {
		c = &model.Contact{}
	}
	r.scrub = newScrubber(c, fields)
	return r.scrub
}

// subset reports whether every element of the sorted list a is in the
// sorted list b.
func subset(a, b []string) bool {
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			return false
		}
	}
	return true
}

// pii reports whether the row's personal data go into this export: only
// when personal data were asked for and the questionnaire revision the
// interview was collected under authorised onward transfer. A later
// revision that authorises it does not release what was collected
// under one that did not: the person consented to what they were told
// then.
func (ex *exporter) pii(r *row) bool {
	return ex.o.IncludePII && ex.lay.privacy(r.p.Revision).onward
}

// withheld reports whether the row's values of item are left out as
// personal: the item is personal in the latest revision or in the one
// the interview was collected under, and the row's personal data are not
// exported.
func (ex *exporter) withheld(r *row, item string) bool {
	if ex.pii(r) {
		return false
	}
	if v, ok := ex.lay.byItem[item]; ok && (v == nil || v.personal) {
		return true
	}
	return ex.lay.privacy(r.p.Revision).personal[item]
}

// review returns the latest review decision of an interview, or "".
func (ex *exporter) review(id string) string {
	if ex.reviews == nil {
		ex.reviews = ex.tx.Bucket(bXReview)
	}
	if ex.reviews != nil {
		if v := ex.reviews.Get([]byte(id)); v != nil {
			return ex.intern(v)
		}
	}
	return ""
}

// duration is ended-started in whole seconds, or "" when not ended.
func duration(started, ended time.Time) string {
	if ended.IsZero() || started.IsZero() {
		return ""
	}
	return strconv.FormatInt(int64(ended.Sub(started).Round(time.Second)/time.Second), 10)
}

func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
