package store

import (
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// tallyPending are the cases a write transaction changed. bbolt runs one
// write transaction at a time, and only write transactions touch it.
type tallyPending struct {
	cases map[caseRef]struct{}
	// ivs are interviews by survey and sample id, with the overrides
	// their new answers add.
	ivs map[ivRef]int64
	// imports are the cid ranges of the contacts finished imports add
	// untouched, by survey.
	imports map[string][][2]uint64
	// surveys whose rules may have changed.
	surveys map[string]struct{}
}

type caseRef struct {
	survey string
	cid    uint64
}

type ivRef struct{ survey, contact string }

func (p *tallyPending) empty() bool {
	return len(p.cases) == 0 && len(p.ivs) == 0 && len(p.imports) == 0 && len(p.surveys) == 0
}

func (p *tallyPending) reset() {
	p.cases, p.ivs, p.imports, p.surveys = nil, nil, nil, nil
}

// markCaseTx notes that the state of contact cid of survey changed.
func (s *Store) markCaseTx(survey string, cid uint64) {
	if s.pend.cases == nil {
		s.pend.cases = map[caseRef]struct{}{}
	}
	s.pend.cases[caseRef{survey, cid}] = struct{}{}
}

// markInterviewTx notes that an interview changed (its record, its review,
// or overrides more answers past a soft check).
func (s *Store) markInterviewTx(r *InterviewRecord, overrides int64) {
	if s.pend.ivs == nil {
		s.pend.ivs = map[ivRef]int64{}
	}
	s.pend.ivs[ivRef{r.Survey, r.Contact}] += overrides
}

// markImportTx notes the contacts first to last of survey that an import
// finished with.
func (s *Store) markImportTx(survey string, first, last uint64) {
	if s.pend.imports == nil {
		s.pend.imports = map[string][][2]uint64{}
	}
	s.pend.imports[survey] = append(s.pend.imports[survey], [2]uint64{first, last})
}

// markSurveyTx notes that survey got a new revision, whose calling rules
// may differ.
func (s *Store) markSurveyTx(survey string) {
	if s.pend.surveys == nil {
		s.pend.surveys = map[string]struct{}{}
	}
	s.pend.surveys[survey] = struct{}{}
}

// tallied runs fn in write transaction tx and then brings the report's
// projection up to date with what it changed; if fn fails, what it
// marked is dropped with the transaction. Every write transaction runs
// through it (update does).
func (s *Store) tallied(tx *bolt.Tx, fn func(tx *bolt.Tx) error) error {
	s.pend.reset()
	if err := fn(tx); err != nil {
		s.pend.reset()
		return err
	}
	err := s.flushTallyTx(tx)
	s.pend.reset()
	return err
}

// updateTallied is db.Update for the writers that do not go through
// update (imports, migrations of the sample, new survey revisions).
func (s *Store) updateTallied(fn func(tx *bolt.Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return s.tallied(tx, fn) })
}

// flushTallyTx takes the stored tally of every changed case out of its
// survey's sum and puts the case's new one in.
func (s *Store) flushTallyTx(tx *bolt.Tx) error {
	p := &s.pend
	if p.empty() || tx.Bucket(bTally) == nil {
		// A store before schema 7: its migration makes the projection.
		return nil
	}
	bySurvey := map[string]map[uint64]int64{}
	touch := func(survey string) map[uint64]int64 {
		m := bySurvey[survey]
		if m == nil {
			m = map[uint64]int64{}
			bySurvey[survey] = m
		}
		return m
	}
	for ref := range p.cases {
		touch(ref.survey)[ref.cid] += 0
	}
	for ref, n := range p.ivs {
		cid, err := s.cidTx(tx, ref.survey, ref.contact)
		if err != nil {
			// An interview of a contact this store does not have is in
			// no case.
			continue
		}
		touch(ref.survey)[cid] += n
	}
	for survey := range p.imports {
		touch(survey)
	}
	for survey := range p.surveys {
		touch(survey)
	}
	for _, survey := range slices.Sorted(maps.Keys(bySurvey)) {
		if err := s.flushSurveyTx(tx, survey, bySurvey[survey], p.imports[survey]); err != nil {
			return err
		}
	}
	return nil
}

// flushSurveyTx applies the changed cases (cid => overrides added) and
// the imported contacts (cid ranges) of one survey.
func (s *Store) flushSurveyTx(tx *bolt.Tx, survey string, cases map[uint64]int64, imported [][2]uint64) error {
	tr, err := s.tallyRulesTx(tx, survey)
	if err != nil {
		return err
	}
	sum, err := s.loadSumTx(tx, survey)
	if err != nil {
		return err
	}
	if sum != nil && sum.Rules != tr.hash {
		// Other calling rules: every worked case may count otherwise.
		return s.rebuildTallyTx(tx, survey)
	}
	if sum == nil {
		sum = newTallySum(tr.hash)
	}
	d := newTallyDetail()
	cc := s.newCaseCtx(tx, survey, tr, false)
	cc.answers = tx.Bucket(bAnswers).Cursor()
	for _, cid := range slices.Sorted(func(yield func(uint64) bool) {
		for cid := range cases {
			if !yield(cid) {
				return
			}
		}
	}) {
		st, _ := s.stateTx(tx, cid)
		in, ranged, err := inSampleTx(tx, survey, cid, st)
		if err != nil {
			return err
		}
		old, ok, err := s.loadCaseTx(tx, survey, cid)
		if err != nil {
			return err
		}
		if !ok && ranged {
			// No tally stored: as its import left it.
			old = untouchedCase()
			// A record that does not open fails the case's new tally
			// too, and the report recounts.
			old.Rep, _ = s.replicateTx(tx, &cc.reps, cid)
		}
		nc, err := s.caseTx(tx, cc, cid, in)
		if err != nil {
			nc = caseTally{Err: err.Error()}
		} else if nc.IVID != "" {
			if nc.IVID == old.IVID {
				nc.Overrides = old.Overrides + cases[cid]
			} else if nc.Overrides, err = s.overridesTx(cc.answers, []byte(nc.IVID)); err != nil {
				nc = caseTally{Err: err.Error()}
			}
		}
		if !ok && !in && old.empty() && nc.empty() {
			continue
		}
		sum.add(&old, cid, -1, d)
		sum.add(&nc, cid, 1, d)
		if ranged && isUntouched(&nc) {
			// Untouched again (an import's opt-outs undone): no tally.
			nc = caseTally{}
		}
		if err := s.putCaseTx(tx, survey, cid, &nc); err != nil {
			return err
		}
	}
	for _, r := range imported {
		reps, err := s.rangeReplicatesTx(tx, r[0], r[1])
		if err != nil {
			return err
		}
		for _, rep := range slices.Sorted(maps.Keys(reps)) {
			u := untouchedCase()
			u.Rep = rep
			sum.add(&u, 0, reps[rep], d)
		}
	}
	if err := s.applyDetailTx(tx, survey, d); err != nil {
		return err
	}
	return s.putSumTx(tx, survey, sum)
}

// isUntouched reports whether a tally is an untouched contact's.
func isUntouched(c *caseTally) bool {
	u := untouchedCase()
	return c.Sample == u.Sample && c.Code == u.Code && !c.Final && c.Appt == 0 && len(c.Calls) == 0 &&
		c.IV == ivPlaceNone && c.Err == ""
}

// sameTally reports whether a contact's state changed in nothing the
// report reads (see contactCaseTx): a deferral, a lease, a new place in
// the queue. Draws defer many contacts at once; they then write no tally.
func sameTally(old, st *ContactState) bool {
	return old.Survey == st.Survey && old.Status == st.Status && len(old.Calls) == len(st.Calls) &&
		old.Appointment.Equal(st.Appointment)
}
