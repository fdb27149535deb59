package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// SurveyRecord is one installed revision of a questionnaire. Revision
// counts from 1 per survey id and grows each time a changed file is added;
// Version is the author's own version string.
type SurveyRecord struct {
	ID       string    `json:"id"`
	Revision uint32    `json:"revision"`
	Version  string    `json:"version"`
	Title    string    `json:"title"`
	Source   string    `json:"source,omitempty"`
	SHA256   string    `json:"sha256"`
	Added    time.Time `json:"added"`
	// Raw is the file as it was added; Survey the questionnaire loaded
	// from it, with the data files it reads (model.Survey.Attachments) as
	// they were when it was added, so that an interview always sees the
	// data it started with.
	Raw    []byte          `json:"raw"`
	Survey json.RawMessage `json:"survey"`
}

// revisionSum is what tells one revision from the next: the file, and the
// data files it reads (by name, in name order), so that a changed data
// file beside an unchanged form is a new revision too. A survey without
// data files sums as its file alone, as revisions have always summed.
func revisionSum(sv *model.Survey, raw []byte) string {
	if len(sv.Attachments) == 0 {
		sum := sha256.Sum256(raw)
		return hex.EncodeToString(sum[:])
	}
	h := sha256.New()
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(raw))))
	h.Write(raw)
	names := make([]string, 0, len(sv.Attachments))
	for name := range sv.Attachments {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		data := sv.Attachments[name]
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(name))))
		h.Write([]byte(name))
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(data))))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

type surveyAdded struct {
	ID       string `json:"id"`
	Revision uint32 `json:"revision"`
	Version  string `json:"version"`
	SHA256   string `json:"sha256"`
}

func surveyKey(id string, rev uint32) []byte {
	k := idPrefix(id)
	return binary.BigEndian.AppendUint32(k, rev)
}

// AddSurvey installs a questionnaire loaded from raw. A file whose contents
// (or whose data files) differ from the survey's latest revision becomes a
// new revision; the same file again changes nothing. Interviews keep the revision they started on.
// It returns the revision and whether it is new.
func (s *Store) AddSurvey(sv *model.Survey, raw []byte, actor string) (uint32, bool, error) {
	if err := validID("survey", sv.ID); err != nil {
		return 0, false, fmt.Errorf("add survey: %w", err)
	}
	sum := revisionSum(sv, raw)
	enc, err := json.Marshal(sv)
	if err != nil {
		return 0, false, fmt.Errorf("add survey %s: %w", sv.ID, err)
	}
	var rev uint32
	added := false
	err = s.updateTallied(func(tx *bolt.Tx) error {
		s.markSurveyTx(sv.ID)
		latest, err := latestSurveyTx(tx, sv.ID)
		if err != nil {
			return err
		}
		if latest != nil && latest.SHA256 == sum {
			rev = latest.Revision
			return nil
		}
		rev = 1
		if latest != nil {
			rev = latest.Revision + 1
		}
		e, err := s.appendTx(tx, KindSurveyAdded, actor, s.now(), surveyAdded{ID: sv.ID, Revision: rev, Version: sv.Version, SHA256: sum})
		if err != nil {
			return err
		}
		rec := SurveyRecord{ID: sv.ID, Revision: rev, Version: sv.Version, Title: sv.Title, Source: sv.Source,
			SHA256: sum, Added: e.At, Raw: raw, Survey: enc}
		v, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		added = true
		return tx.Bucket(bSurveys).Put(surveyKey(sv.ID, rev), v)
	})
	if err != nil {
		return 0, false, fmt.Errorf("add survey %s: %w", sv.ID, err)
	}
	return rev, added, nil
}

func latestSurveyTx(tx *bolt.Tx, id string) (*SurveyRecord, error) {
	pre := idPrefix(id)
	c := tx.Bucket(bSurveys).Cursor()
	k, v := c.Seek(surveyKey(id, ^uint32(0)))
	if k == nil || !bytes.Equal(k, surveyKey(id, ^uint32(0))) {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, pre) || len(k) != len(pre)+4 {
		return nil, nil
	}
	var r SurveyRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("decode survey %s: %w", id, err)
	}
	return &r, nil
}

// Survey returns a revision of a survey (0 means the latest) with the
// questionnaire decoded.
func (s *Store) Survey(id string, rev uint32) (*model.Survey, *SurveyRecord, error) {
	var rec *SurveyRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if rev == 0 {
			rec, err = latestSurveyTx(tx, id)
		} else if v := tx.Bucket(bSurveys).Get(surveyKey(id, rev)); v != nil {
			rec = &SurveyRecord{}
			err = json.Unmarshal(v, rec)
		}
		return err
	})
	if err == nil && rec == nil {
		err = ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read survey %s: %w", id, err)
	}
	var sv model.Survey
	if err := json.Unmarshal(rec.Survey, &sv); err != nil {
		return nil, nil, fmt.Errorf("decode survey %s revision %d: %w", id, rec.Revision, err)
	}
	return &sv, rec, nil
}

// SurveyInfo describes an installed survey for listings: its latest
// revision and how many there are.
type SurveyInfo struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Version   string    `json:"version"`
	Revision  uint32    `json:"revision"`
	Revisions int       `json:"revisions"`
	Added     time.Time `json:"added"`
	Source    string    `json:"source,omitempty"`
}

// Surveys lists the installed surveys by id.
func (s *Store) Surveys() ([]SurveyInfo, error) {
	var out []SurveyInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = surveysTx(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list surveys: %w", err)
	}
	return out, nil
}

// surveysTx lists the installed surveys by id.
func surveysTx(tx *bolt.Tx) ([]SurveyInfo, error) {
	var out []SurveyInfo
	err := func() error {
		return tx.Bucket(bSurveys).ForEach(func(k, v []byte) error {
			var r SurveyRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode survey %q: %w", k, err)
			}
			info := SurveyInfo{ID: r.ID, Title: r.Title, Version: r.Version, Revision: r.Revision, Revisions: 1, Added: r.Added, Source: r.Source}
			if n := len(out); n > 0 && out[n-1].ID == r.ID {
				info.Revisions = out[n-1].Revisions + 1
				out[n-1] = info
				return nil
			}
			out = append(out, info)
			return nil
		})
	}()
	return out, err
}

// ErrUnknownSurvey is returned by [Store.CheckSurvey] for a survey id the
// store knows nothing of.
var ErrUnknownSurvey = errors.New("no such survey")

// unknownSurveyError names the survey, the store and what is installed.
type unknownSurveyError struct{ msg string }

func (e *unknownSurveyError) Error() string { return e.msg }
func (e *unknownSurveyError) Unwrap() error { return ErrUnknownSurvey }

// CheckSurvey returns nil when the store has survey id installed, or has
// imported contacts for it, and otherwise an error wrapping
// [ErrUnknownSurvey] that says, in one wording for every command, "no
// survey ID in STORE; installed: a, b". Commands given a survey id check
// it first, so that a typo never imports into, reports on or exports a
// survey that does not exist.
func (s *Store) CheckSurvey(id string) error {
	var installed []string
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bSurveys).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				continue
			}
			if name := string(k[:i]); len(installed) == 0 || installed[len(installed)-1] != name {
				installed = append(installed, name)
			}
		}
		found = slices.Contains(installed, id)
		if found {
			return nil
		}
		return tx.Bucket(bImports).ForEach(func(_, v []byte) error {
			var r ImportRecord
			if json.Unmarshal(v, &r) == nil && r.Survey == id {
				found = true
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("look up survey %s: %w", id, err)
	}
	if found {
		return nil
	}
	list := "none"
	if len(installed) > 0 {
		list = strings.Join(installed, ", ")
	}
	return &unknownSurveyError{fmt.Sprintf("no survey %s in %s; installed: %s", id, s.path, list)}
}
