package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// checkTallyTx compares the report's projection of every survey with a
// recount of its cases and names each difference, at most a few per
// survey (see [Store.Doctor]).
func (s *Store) checkTallyTx(tx *bolt.Tx, problem func(format string, args ...any)) {
	if tx.Bucket(bTally) == nil {
		return
	}
	surveys, err := tallySurveysTx(tx)
	if err != nil {
		problem("report projection: %v", err)
		return
	}
	// Surveys the projection has and the store does not.
	pre := []byte{'s'}
	c := tx.Bucket(bTally).Cursor()
	for k, _ := c.Seek(pre); k != nil && k[0] == 's'; k, _ = c.Next() {
		if sv := string(bytes.TrimSuffix(k[1:], []byte{0})); !slices.Contains(surveys, sv) {
			surveys = append(surveys, sv)
		}
	}
	for _, sv := range surveys {
		for _, p := range s.tallyDiffTx(tx, sv) {
			problem("report projection of %s: %s (canvass report recounts; the projection is made again with the next change to the survey's rules)", sv, p)
		}
	}
}

// maxTallyDiffs bounds the differences named per survey.
const maxTallyDiffs = 5

// tallyDiffTx lists how survey's projection differs from a recount.
func (s *Store) tallyDiffTx(tx *bolt.Tx, survey string) []string {
	var out []string
	add := func(format string, args ...any) {
		if len(out) < maxTallyDiffs {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	rc, err := s.recountTx(tx, survey, false)
	if err != nil {
		return []string{fmt.Sprintf("cannot recount: %v", err)}
	}
	sum, err := s.loadSumTx(tx, survey)
	if err != nil {
		return []string{err.Error()}
	}
	if sum == nil {
		if rc.contacts > 0 || rc.sum.Interviews.Total > 0 {
			add("missing (%d contacts, %d interviews)", rc.contacts, rc.sum.Interviews.Total)
		}
		return out
	}
	want := rc.sum
	if sum.Rules != want.Rules {
		add("made under other calling rules (%q, the survey's are %q)", sum.Rules, want.Rules)
	}
	diffValue(add, "sample", sum.Sample, want.Sample)
	diffCounts(add, "final disposition", sum.Final, want.Final)
	diffCounts(add, "interim disposition", sum.Interim, want.Interim)
	for h := range want.Hours {
		if sum.Hours[h] != want.Hours[h] {
			add("calls at hour %d: %d (%d contacts), a recount gives %d (%d)", h, sum.Hours[h][0], sum.Hours[h][1], want.Hours[h][0], want.Hours[h][1])
		}
	}
	diffValue(add, "interviews", sum.Interviews, want.Interviews)
	for _, who := range slices.Sorted(maps.Keys(union(sum.Who, want.Who))) {
		got, exp := sum.Who[who], want.Who[who]
		if got == nil {
			got = &whoTally{}
		}
		if exp == nil {
			exp = &whoTally{}
		}
		diffValue(add, "interviewer "+who, *got, *exp)
	}
	diffShifts(add, s.shiftNames(tx, survey), sum.Shifts, want.Shifts)
	if sum.Broken != want.Broken {
		add("%d cases that cannot be reported, a recount finds %d", sum.Broken, want.Broken)
	}
	// What the keys hold.
	b := tx.Bucket(bTally)
	days := map[int64][2]int64{}
	pre := tallyKey('d', survey)
	c := b.Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		if len(k) == len(pre)+8 && len(v) == 16 {
			days[int64(binary.BigEndian.Uint64(k[len(pre):]))] = [2]int64{int64(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:]))}
		}
	}
	for q, n := range want.days(rc.detail) {
		if days[q] != n {
			add("quarter hour %s: %d calls, %d completes; a recount gives %d, %d", slotTime(q), days[q][0], days[q][1], n[0], n[1])
		}
		delete(days, q)
	}
	for q, n := range days {
		add("quarter hour %s: %d calls, %d completes; a recount gives none", slotTime(q), n[0], n[1])
	}
	slots := map[string]int64{}
	pre = tallyKey('q', survey)
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		if len(k) == len(pre)+16 && len(v) == 8 {
			slots[string(k[len(pre):])] = int64(binary.BigEndian.Uint64(v))
		}
	}
	for who, m := range rc.detail.slots {
		wk := string(s.whoKey(who))
		for q, n := range m {
			if n == 0 {
				continue
			}
			k := wk + string(u64(uint64(q)))
			if slots[k] != n {
				add("interviewer %s in quarter hour %s: %d cases, a recount gives %d", who, slotTime(q), slots[k], n)
			}
			delete(slots, k)
		}
	}
	if len(slots) > 0 {
		add("%d quarter hours of interviewers a recount does not give", len(slots))
	}
	reps, err := s.loadRepsTx(tx, survey)
	if err != nil {
		add("%v", err)
	}
	for _, rep := range slices.Sorted(maps.Keys(union(reps, rc.detail.reps))) {
		name := rep
		if name == "" {
			name = noReplicate
		}
		got, exp := reps[rep], rc.detail.reps[rep]
		for i, what := range []string{"final", "interim"} {
			var g, w map[string]int64
			if got != nil {
				g = got[i]
			}
			if exp != nil {
				w = nonZero(exp[i])
			}
			diffCounts(add, "replicate "+name+" "+what+" disposition", g, w)
		}
	}
	appts := map[string]bool{}
	pre = tallyKey('a', survey)
	for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Next() {
		appts[string(k[len(pre):])] = true
	}
	for at, m := range rc.detail.appts {
		for cid, n := range m {
			if n == 0 {
				continue
			}
			k := string(timeKey(time.Unix(0, at))) + string(u64(cid))
			if !appts[k] {
				add("contact %d's appointment at %s is missing", cid, time.Unix(0, at).UTC().Format(time.RFC3339))
			}
			delete(appts, k)
		}
	}
	if len(appts) > 0 {
		add("%d appointments a recount does not give", len(appts))
	}
	return out
}

// shiftNames are the names of the rows of Report.Shifts for survey, nil
// for a survey without shifts.
func (s *Store) shiftNames(tx *bolt.Tx, survey string) []string {
	tr, err := s.tallyRulesTx(tx, survey)
	if err != nil || tr.err != nil {
		return nil
	}
	var names []string
	for _, sh := range tr.rules.Shifts() {
		names = append(names, sh.Name)
	}
	if names != nil {
		names = append(names, "outside every shift")
	}
	return names
}

// diffShifts names the shifts whose calls, contacts or completes differ.
func diffShifts(add func(string, ...any), names []string, got, want [][3]int64) {
	for i := range max(len(got), len(want)) {
		var g, w [3]int64
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g == w {
			continue
		}
		name := fmt.Sprintf("row %d", i+1)
		if i < len(names) {
			name = names[i]
		}
		add("shift %s: %d calls, %d contacts, %d completes; a recount gives %d, %d, %d", name, g[0], g[1], g[2], w[0], w[1], w[2])
	}
}

func nonZero(m map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, n := range m {
		if n != 0 {
			out[k] = n
		}
	}
	return out
}

// days are the non-empty quarter hours of a detail.
func (t *tallySum) days(d *tallyDetail) map[int64][2]int64 {
	out := map[int64][2]int64{}
	for q, n := range d.days {
		if n != [2]int64{} {
			out[q] = n
		}
	}
	return out
}

func slotTime(q int64) string {
	return time.Unix(q*int64(HourSlot/time.Second), 0).UTC().Format(time.RFC3339)
}

func union[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// diffValue names the fields of a struct of counts that differ.
func diffValue[T any](add func(string, ...any), what string, got, want T) {
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		if gf, wf := g.Field(i).Interface(), w.Field(i).Interface(); gf != wf {
			add("%s %s: %v, a recount gives %v", what, g.Type().Field(i).Name, gf, wf)
		}
	}
}

func diffCounts(add func(string, ...any), what string, got, want map[string]int64) {
	for _, code := range slices.Sorted(maps.Keys(union(got, want))) {
		if got[code] != want[code] {
			add("%s %s: %d, a recount gives %d", what, code, got[code], want[code])
		}
	}
}
