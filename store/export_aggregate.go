package store

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"canvass/model"
)

// FreqTable is one frequency table of an aggregate export: how often each
// choice of a closed question was given, over all interviews (and repeat
// instances) where the question was part of the interview.
type FreqTable struct {
	Variable string `json:"variable"`
	Item     string `json:"item"`
	Question string `json:"question"`
	Type     string `json:"type"`
	// N is the number of answers (don't know and refused included); nil
	// when it is under 5 and so suppressed.
	N     *int       `json:"n"`
	Cells []FreqCell `json:"cells"`
}

// FreqCell is one row of a frequency table. Count and Percent are nil when
// the cell is suppressed: its count is 1 to 4, or it is the next smallest
// cell of a table where one cell alone would be suppressed (so that it
// cannot be worked out from the total).
type FreqCell struct {
	Code       string   `json:"code"`
	Choice     string   `json:"choice"`
	Label      string   `json:"label"`
	Count      *int     `json:"count"`
	Percent    *float64 `json:"percent"`
	Suppressed bool     `json:"suppressed,omitempty"`
}

type tally struct {
	v      *variable
	n      int
	counts map[string]int // by choice name, plus "dk" and "rf"
}

// aggregate counts the closed questions and writes one table per question.
func (ex *exporter) aggregate() error {
	var tallies []*tally
	byItem := map[string]*tally{}
	for _, l := range ex.lay.levels {
		for _, v := range l.vars {
			if v.kind == kindCoded || v.kind == kindMulti {
				t := &tally{v: v, counts: map[string]int{}}
				tallies = append(tallies, t)
				byItem[v.item.Name] = t
			}
		}
	}
	err := ex.eachTx(func(r *row) error {
		for _, d := range r.p.Data {
			t := byItem[d.Item]
			if t == nil {
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
	var tables []FreqTable
	for _, t := range tallies {
		tables = append(tables, t.table())
	}
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
	cw.Write([]string{"variable", "item", "question", "n", "code", "choice", "label", "count", "percent", "suppressed"})
	for _, tb := range tables {
		n := ""
		if tb.N != nil {
			n = strconv.Itoa(*tb.N)
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
			cw.Write([]string{tb.Variable, tb.Item, tb.Question, n, c.Code, c.Choice, c.Label, count, pct, sup})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s: %w", ex.o.Out, err)
	}
	return nil
}

// table builds the frequency table of a tally, suppressing small cells.
func (t *tally) table() FreqTable {
	v := t.v
	tb := FreqTable{Variable: v.name, Item: v.item.Name, Question: v.label, Type: string(v.item.Type)}
	type cell struct {
		FreqCell
		n int
	}
	var cells []cell
	for _, ch := range sortedChoices(v) {
		cells = append(cells, cell{FreqCell{Code: v.codes[ch.Name], Choice: ch.Name, Label: ch.Label.In("")}, t.counts[ch.Name]})
	}
	cells = append(cells, cell{FreqCell{Code: v.dk, Choice: string(model.DontKnow), Label: "Don't know"}, t.counts[string(model.DontKnow)]},
		cell{FreqCell{Code: v.rf, Choice: string(model.Refused), Label: "Refused"}, t.counts[string(model.Refused)]})
	small := func(n int) bool { return n > 0 && n < minCell }
	suppressed := make([]bool, len(cells))
	primary := 0
	for i, c := range cells {
		if small(c.n) || t.n < minCell && c.n > 0 {
			suppressed[i] = true
			primary++
		}
	}
	// One suppressed cell could be recovered from the total and the
	// others: suppress the next smallest non-empty cell too.
	if primary == 1 {
		next := -1
		for i, c := range cells {
			if !suppressed[i] && c.n > 0 && (next < 0 || c.n < cells[next].n) {
				next = i
			}
		}
		if next >= 0 {
			suppressed[next] = true
		}
	}
	if t.n >= minCell {
		n := t.n
		tb.N = &n
	}
	for i, c := range cells {
		fc := c.FreqCell
		if suppressed[i] {
			fc.Suppressed = true
		} else {
			n := c.n
			fc.Count = &n
			if t.n > 0 {
				p := float64(c.n) * 100 / float64(t.n)
				fc.Percent = &p
			}
		}
		tb.Cells = append(tb.Cells, fc)
	}
	return tb
}
