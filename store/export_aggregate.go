package store

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"canvass/model"
)

// FreqTable is one frequency table of an aggregate export: how often each
// choice of a closed question was given, over all interviews (and repeat
// instances) where the question was part of the interview.
//
// Small counts are suppressed so that no table, alone or with the others,
// tells what one person answered:
//
//   - a cell of 1 to 4 is suppressed;
//   - a table of fewer than 5 answers is suppressed whole, zeros
//     included: with one answer, every other cell 0 would give it away;
//   - within a table whose total is shown, the suppressed cells must not
//     be recoverable from it: when one cell alone is suppressed, the next
//     smallest non-empty one is too; in a single-choice table (whose
//     cells add up to N), when the suppressed cells would each have to be
//     1, an empty cell is suppressed too (else the next smallest), so
//     that a suppressed cell may be 0. Cells do not say why they are
//     suppressed, which would tell the reader which ones are under 5;
//   - a question asked only after an answer that is suppressed in another
//     table (its relevance names that item) would give that cell away by
//     its number of answers: its N and percentages are withheld, and a
//     single-choice table (whose cells add up to N) has at least one cell
//     suppressed; the rule applies again to questions filtered on it.
type FreqTable struct {
	Variable string `json:"variable"`
	Item     string `json:"item"`
	Question string `json:"question"`
	Type     string `json:"type"`
	// N is the number of answers (don't know and refused included); nil
	// when the table is suppressed or its N withheld (see Reason).
	N     *int       `json:"n"`
	Cells []FreqCell `json:"cells"`
	// Suppressed marks a table suppressed whole.
	Suppressed bool `json:"suppressed,omitempty"`
	// Reason says why the table is suppressed or its N withheld.
	Reason string `json:"reason,omitempty"`
}

// FreqCell is one row of a frequency table. Count and Percent are nil when
// the cell is suppressed; Percent is nil too where the table's N is
// withheld, since it would give N away.
type FreqCell struct {
	Code       string   `json:"code"`
	Choice     string   `json:"choice"`
	Label      string   `json:"label"`
	Count      *int     `json:"count"`
	Percent    *float64 `json:"percent"`
	Suppressed bool     `json:"suppressed,omitempty"`
}

// reasonSmallTable is why a table is suppressed whole.
const reasonSmallTable = "fewer than 5 answers"

type tally struct {
	v      *variable
	n      int
	counts map[string]int // by choice name, plus "dk" and "rf"
	// refs are the items the question's relevance, and its groups',
	// depends on.
	refs []string
}

// aggregate counts the closed questions and writes one table per question.
func (ex *exporter) aggregate() error {
	var tallies []*tally
	byItem := map[string]*tally{}
	for _, l := range ex.lay.levels {
		for _, v := range l.vars {
			if v.kind == kindCoded || v.kind == kindMulti {
				t := &tally{v: v, counts: map[string]int{}, refs: relevanceRefs(v.relevant)}
				tallies = append(tallies, t)
				byItem[v.item.Name] = t
			}
		}
	}
	err := ex.eachTx(func(r *row) error {
		for _, d := range r.p.Data {
			t := byItem[d.Item]
			if t == nil || ex.withheld(r, d.Item) {
				// An item personal in the revision the interview was
				// collected under is left out of the tables too.
				continue
			}
			t.n++
			switch d.Special {
			case model.DontKnow:
				t.counts[string(model.DontKnow)]++
			case model.Refused:
				t.counts[string(model.Refused)]++
			case model.NoSpecial:
				for _, name := range strings.Fields(d.Value) {
					t.counts[name]++
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	w, err := ex.files.create(ex.o.Out)
	if err != nil {
		return err
	}
	tables := freqTables(tallies)
	if ex.o.Format == ExportJSONL {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, tb := range tables {
			if err := enc.Encode(tb); err != nil {
				return fmt.Errorf("write %s: %w", ex.o.Out, err)
			}
		}
		return nil
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"variable", "item", "question", "n", "code", "choice", "label", "count", "percent", "suppressed", "reason"})
	for _, tb := range tables {
		n := ""
		switch {
		case tb.N != nil:
			n = strconv.Itoa(*tb.N)
		case tb.Suppressed:
			n = "<" + strconv.Itoa(minCell)
		}
		for _, c := range tb.Cells {
			count, pct, sup := "", "", "0"
			if c.Count != nil {
				count = strconv.Itoa(*c.Count)
			}
			if c.Percent != nil {
				pct = strconv.FormatFloat(*c.Percent, 'f', 1, 64)
			}
			if c.Suppressed {
				sup = "1"
			}
			cw.Write([]string{tb.Variable, tb.Item, tb.Question, n, c.Code, c.Choice, c.Label, count, pct, sup, tb.Reason})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s: %w", ex.o.Out, err)
	}
	return nil
}

// relevanceRefs are the items a relevance condition names (${name}).
func relevanceRefs(cond string) []string {
	var out []string
	for rest := cond; ; {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		rest = rest[i+2:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			break
		}
		out = append(out, strings.TrimSpace(rest[:j]))
		rest = rest[j+1:]
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// cellState is one cell of a table being built.
type cellState struct {
	FreqCell
	n int
}

// tableState is a table being built: its cells, which are suppressed, and
// whether its N is withheld.
type tableState struct {
	t        *tally
	cells    []cellState
	supp     []bool
	whole    bool
	withheld string // why N is withheld, "" when shown
}

func (ts *tableState) suppressed() bool { return ts.whole || slices.Contains(ts.supp, true) }

// freqTables builds the tables of the tallies, suppressing what would tell
// one person's answer (see FreqTable).
func freqTables(tallies []*tally) []FreqTable {
	states := make([]*tableState, len(tallies))
	byItem := map[string]*tableState{}
	for i, t := range tallies {
		states[i] = t.state()
		byItem[t.v.item.Name] = states[i]
	}
	// A table filtered on an item with suppressed cells is protected; its
	// own suppression may protect the tables filtered on it in turn.
	for changed := true; changed; {
		changed = false
		for _, ts := range states {
			if ts.whole || ts.withheld != "" {
				continue
			}
			for _, ref := range ts.t.refs {
				if f := byItem[ref]; f != nil && f != ts && f.suppressed() {
					ts.withheld = fmt.Sprintf("n withheld: the question is asked after an answer to %s, whose table has suppressed cells that its number of answers would give away", ref)
					if ts.t.v.kind == kindCoded && !ts.suppressed() {
						// The cells of a single choice add up to N.
						ts.suppressNext(true)
					}
					changed = true
					break
				}
			}
		}
	}
	out := make([]FreqTable, len(states))
	for i, ts := range states {
		out[i] = ts.table()
	}
	return out
}

// state counts a tally's cells and makes the suppressions that depend on
// the table alone.
func (t *tally) state() *tableState {
	v := t.v
	ts := &tableState{t: t}
	for _, ch := range sortedChoices(v) {
		ts.cells = append(ts.cells, cellState{FreqCell{Code: v.codes[ch.Name], Choice: ch.Name, Label: ch.Label.In("")}, t.counts[ch.Name]})
	}
	ts.cells = append(ts.cells, cellState{FreqCell{Code: v.dk, Choice: string(model.DontKnow), Label: "Don't know"}, t.counts[string(model.DontKnow)]},
		cellState{FreqCell{Code: v.rf, Choice: string(model.Refused), Label: "Refused"}, t.counts[string(model.Refused)]})
	ts.supp = make([]bool, len(ts.cells))
	if t.n > 0 && t.n < minCell {
		ts.whole = true
		return ts
	}
	primary, sum := 0, 0
	for i, c := range ts.cells {
		if c.n > 0 && c.n < minCell {
			ts.supp[i] = true
			primary++
			sum += c.n
		}
	}
	switch {
	case primary == 1:
		// One suppressed cell is the total less the others.
		ts.suppressNext(false)
	case primary > 1 && v.kind == kindCoded && sum == primary:
		// Single-choice cells add up to N: suppressed cells that must
		// each be 1 to make up the rest are known, unless one may be 0.
		ts.suppressNext(true)
	}
	return ts
}

// suppressNext suppresses one more cell so that the suppressed ones cannot
// be worked out: an empty one when zeros may do and there is one, else the
// smallest non-empty one not yet suppressed.
func (ts *tableState) suppressNext(zeros bool) {
	next := -1
	if zeros {
		for i, c := range ts.cells {
			if !ts.supp[i] && c.n == 0 {
				next = i
				break
			}
		}
	}
	if next < 0 {
		for i, c := range ts.cells {
			if !ts.supp[i] && c.n > 0 && (next < 0 || c.n < ts.cells[next].n) {
				next = i
			}
		}
	}
	if next >= 0 {
		ts.supp[next] = true
	}
}

// table writes out a built table.
func (ts *tableState) table() FreqTable {
	t, v := ts.t, ts.t.v
	tb := FreqTable{Variable: v.name, Item: v.item.Name, Question: v.label, Type: string(v.item.Type)}
	switch {
	case ts.whole:
		tb.Suppressed, tb.Reason = true, reasonSmallTable
	case ts.withheld != "":
		tb.Reason = ts.withheld
	default:
		n := t.n
		tb.N = &n
	}
	for i, c := range ts.cells {
		fc := c.FreqCell
		switch {
		case ts.whole:
			fc.Suppressed = true
		case ts.supp[i]:
			fc.Suppressed = true
		default:
			n := c.n
			fc.Count = &n
			if t.n > 0 && ts.withheld == "" {
				p := float64(c.n) * 100 / float64(t.n)
				fc.Percent = &p
			}
		}
		tb.Cells = append(tb.Cells, fc)
	}
	return tb
}
