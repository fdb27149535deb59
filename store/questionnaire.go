package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"

	"canvass/model"
	"canvass/model/calling"

	bolt "go.etcd.io/bbolt"
)

// Questionnaire is one installed revision of a survey, compiled: what an
// interview of it runs on, and the calling rules and outcomes its calls
// follow. A revision never changes once installed, so the store decodes
// and compiles each one once and hands the same value to every caller
// (every session of a call room): it is read-only.
type Questionnaire struct {
	// Record describes the revision; its Raw file and Survey JSON are
	// left out (Survey below is the decoded questionnaire).
	Record SurveyRecord
	Survey *model.Survey
	// Form is the compiled questionnaire.
	Form *model.Form
	// Outcomes is the survey's table of call outcomes.
	Outcomes calling.Table
	// Rules are the survey's calling rules (windows, recall delays,
	// attempt limits); RulesErr says why there are none, when its calling
	// configuration is broken.
	Rules    calling.Rules
	RulesErr error
}

// Outcome finds an outcome of the survey's table by code; an unknown
// code stands for itself (no recall, not final).
func (q *Questionnaire) Outcome(code string) calling.Outcome {
	if o, ok := q.Outcomes.Lookup(code); ok {
		return o
	}
	return calling.Outcome{Code: code, Label: code}
}

// questionnaires caches compiled revisions by survey ‖ 0 ‖ revision,
// and why a revision does not compile: a revision never changes.
type questionnaires struct {
	mu     sync.Mutex
	m      map[string]*Questionnaire
	failed map[string]error
}

// Questionnaire returns a revision of a survey (0: the latest), compiled.
// A revision that cannot be interviewed (it does not compile) is an error
// naming its first problem.
func (s *Store) Questionnaire(survey string, rev uint32) (*Questionnaire, error) {
	var q *Questionnaire
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		q, err = s.questionnaireTx(tx, survey, rev)
		return err
	})
	return q, err
}

// questionnaireTx is [Store.Questionnaire] inside tx.
func (s *Store) questionnaireTx(tx *bolt.Tx, survey string, rev uint32) (*Questionnaire, error) {
	if rev == 0 {
		if rev = latestRevisionTx(tx, survey); rev == 0 {
			return nil, fmt.Errorf("survey %s is not installed: %w", survey, ErrNotFound)
		}
	}
	key := string(surveyKey(survey, rev))
	s.forms.mu.Lock()
	q, failed := s.forms.m[key], s.forms.failed[key]
	s.forms.mu.Unlock()
	if q != nil {
		return q, nil
	}
	if failed != nil {
		return nil, failed
	}
	v := tx.Bucket(bSurveys).Get(surveyKey(survey, rev))
	if v == nil {
		return nil, fmt.Errorf("survey %s revision %d: %w", survey, rev, ErrNotFound)
	}
	q, err := compileRevision(v)
	if err != nil {
		err = fmt.Errorf("survey %s revision %d: %w", survey, rev, err)
		s.forms.mu.Lock()
		if s.forms.failed == nil {
			s.forms.failed = map[string]error{}
		}
		s.forms.failed[key] = err
		s.forms.mu.Unlock()
		return nil, err
	}
	s.forms.mu.Lock()
	defer s.forms.mu.Unlock()
	if s.forms.m == nil {
		s.forms.m = map[string]*Questionnaire{}
	}
	if old := s.forms.m[key]; old != nil {
		return old, nil
	}
	s.forms.m[key] = q
	return q, nil
}

// latestRevisionTx is the latest installed revision of a survey, from its
// key alone; 0 when the survey is not installed.
func latestRevisionTx(tx *bolt.Tx, id string) uint32 {
	pre := idPrefix(id)
	c := tx.Bucket(bSurveys).Cursor()
	last := surveyKey(id, ^uint32(0))
	k, _ := c.Seek(last)
	if k == nil || !bytes.Equal(k, last) {
		k, _ = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, pre) || len(k) != len(pre)+4 {
		return 0
	}
	return binary.BigEndian.Uint32(k[len(pre):])
}

// compileRevision decodes and compiles a stored survey record.
func compileRevision(v []byte) (*Questionnaire, error) {
	q := &Questionnaire{}
	if err := json.Unmarshal(v, &q.Record); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	q.Survey = &model.Survey{}
	if err := json.Unmarshal(q.Record.Survey, q.Survey); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	q.Record.Raw, q.Record.Survey = nil, nil
	form, probs := model.Compile(q.Survey)
	if form == nil {
		return nil, fmt.Errorf("it cannot be interviewed: %s", probs[0])
	}
	q.Form = form
	table, err := q.Survey.Calling.Table()
	if err != nil {
		return nil, fmt.Errorf("outcome table: %w", err)
	}
	q.Outcomes = table
	q.Rules, q.RulesErr = calling.NewRules(q.Survey.Calling)
	return q, nil
}
