package calling

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
)

// WriteRates is `canvass rates`: it reads the counts of r, named name in
// its errors, and writes their rates in format ("text" or "json"). With by
// "replicate" the rows are replicate,code,count ([ReadCountsBy]) and the
// rates those of each replicate and of all; with by "" they are
// code,count ([ReadCounts]). A nil e is estimated.
func WriteRates(w io.Writer, r io.Reader, name, by string, e *big.Rat, format string) error {
	if by != "" {
		parts, all, err := ReadCountsBy(r)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return FormatRatesBy(w, by, parts, all, e, format)
	}
	counts, err := ReadCounts(r)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	rates, err := ComputeRates(counts, e)
	if err != nil {
		return err
	}
	return FormatRates(w, counts, rates, format)
}

// ReadCounts reads a CSV of final disposition counts, one `code,count` row
// per AAPOR code (a code may repeat; its counts are summed). A first row
// whose count is not a number is a header and is skipped; blank lines and
// lines starting with # are ignored, as is a byte-order mark. An unknown code, a count that is not a
// whole number of zero or more, or a row without exactly two fields is an
// error naming the line.
func ReadCounts(r io.Reader) (Counts, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3) // the byte-order mark spreadsheets put before a CSV
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var c Counts
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			return Counts{}, fmt.Errorf("read counts: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 2 {
			return Counts{}, fmt.Errorf("line %d: want code,count, got %d fields", line, len(rec))
		}
		code, count := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		n, err := strconv.ParseInt(count, 10, 64)
		if err != nil || n < 0 {
			if first && !isNumberish(count) {
				if _, cerr := SymbolOf(code); cerr != nil {
					continue // a header such as "code,count"
				}
			}
			return Counts{}, fmt.Errorf("line %d: count %q is not a whole number of zero or more", line, count)
		}
		if err := c.Add(code, n); err != nil {
			return Counts{}, fmt.Errorf("line %d: %w", line, err)
		}
	}
}

// isNumberish reports whether s looks like a (bad) number rather than a
// column name: "-3", "2.5", "1e3".
func isNumberish(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// FormatRates writes counts and their rates as "text" (a table for people)
// or "json": {"counts": {"I": n, ...}, "codes": [{"code", "count"}],
// "e": x, "e_given": bool, "rates": {"RR1": x, ...}}, with null for an
// undefined e or rate.
func FormatRates(w io.Writer, c Counts, r Rates, format string) error {
	switch format {
	case "json":
		return writeRatesJSON(w, c, r)
	case "text", "":
		return writeRatesText(w, c, r)
	}
	return fmt.Errorf("unknown format %q (want text or json)", format)
}

// ratesJSON fixes the key order of the JSON output.
type ratesJSON struct {
	Counts orderedInts  `json:"counts"`
	Codes  []CodeCount  `json:"codes"`
	E      *float64     `json:"e"`
	EGiven bool         `json:"e_given"`
	Rates  orderedRates `json:"rates"`
}

type orderedInts struct {
	keys []Symbol
	vals []int64
}

func (o orderedInts) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%d", k, o.vals[i])
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

type orderedRates []Rate

func (o orderedRates) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, r := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		v, err := json.Marshal(ratFloat(r.Value))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%q:%s", r.Name, v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// ratFloat is x as the nearest float64, or nil.
func ratFloat(x *big.Rat) *float64 {
	if x == nil {
		return nil
	}
	f, _ := x.Float64()
	return &f
}

func writeRatesJSON(w io.Writer, c Counts, r Rates) error {
	out := ratesJSON{Codes: c.Codes, E: ratFloat(r.E), EGiven: r.EGiven, Rates: r.Rates}
	if out.Codes == nil {
		out.Codes = []CodeCount{}
	}
	for _, s := range Symbols() {
		out.Counts.keys = append(out.Counts.keys, s)
		out.Counts.vals = append(out.Counts.vals, c.Get(s))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write rates: %w", err)
	}
	return nil
}

// symbolName is the report's words for a group.
func symbolName(s Symbol) string {
	switch s {
	case I:
		return "complete interviews (1.1)"
	case P:
		return "partial interviews (1.2)"
	case R:
		return "refusals and break-offs (2.1)"
	case NC:
		return "non-contacts (2.2)"
	case O:
		return "other eligible non-interviews (2.3)"
	case UH:
		return "unknown if household (3.1)"
	case UR:
		return "unknown if eligible respondent (3.2)"
	case UO:
		return "unknown eligibility, other (3.3-3.9)"
	case NE:
		return "not eligible (4)"
	}
	return string(s)
}

func writeRatesText(w io.Writer, c Counts, r Rates) error {
	var b strings.Builder
	b.WriteString("AAPOR outcome rates (Standard Definitions, 10th edition)\n\n")
	for _, s := range Symbols() {
		fmt.Fprintf(&b, "  %-6s %10d  %s\n", s, c.Get(s), symbolName(s))
	}
	b.WriteByte('\n')
	switch {
	case r.E == nil:
		fmt.Fprintf(&b, "  %-6s %10s  %s\n", "e", "undefined", "no case of known eligibility")
	case r.EGiven:
		fmt.Fprintf(&b, "  %-6s %10s  %s\n", "e", r.E.FloatString(4), "given")
	default:
		fmt.Fprintf(&b, "  %-6s %10s  %s\n", "e", r.E.FloatString(4), "estimated: (I+P+R+NC+O)/(I+P+R+NC+O+NE)")
	}
	b.WriteByte('\n')
	for _, x := range r.Rates {
		v := "undefined"
		if x.Value != nil {
			v = new(big.Rat).Mul(x.Value, big.NewRat(100, 1)).FloatString(2) + "%"
		}
		fmt.Fprintf(&b, "  %-6s %10s  %s\n", x.Name, v, x.Formula)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write rates: %w", err)
	}
	return nil
}

// CountsPart is the disposition counts of one part of a sample (one
// replicate).
type CountsPart struct {
	Key    string
	Counts Counts
}

// ReadCountsBy reads a CSV of final disposition counts broken down by a
// part (`replicate,code,count`), with the rules of [ReadCounts]. It
// returns the parts in the order first seen and the counts of them all.
func ReadCountsBy(r io.Reader) ([]CountsPart, Counts, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	var parts []CountsPart
	var all Counts
	index := map[string]int{}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return parts, all, nil
		}
		if err != nil {
			return nil, Counts{}, fmt.Errorf("read counts: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 3 {
			return nil, Counts{}, fmt.Errorf("line %d: want part,code,count, got %d fields", line, len(rec))
		}
		key, code, count := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2])
		n, err := strconv.ParseInt(count, 10, 64)
		if err != nil || n < 0 {
			if _, cerr := SymbolOf(code); first && !isNumberish(count) && cerr != nil {
				continue // a header such as "replicate,code,count"
			}
			return nil, Counts{}, fmt.Errorf("line %d: count %q is not a whole number of zero or more", line, count)
		}
		if key == "" {
			return nil, Counts{}, fmt.Errorf("line %d: no part (replicate) before the code", line)
		}
		i, ok := index[key]
		if !ok {
			i = len(parts)
			index[key] = i
			parts = append(parts, CountsPart{Key: key})
		}
		if err := parts[i].Counts.Add(code, n); err != nil {
			return nil, Counts{}, fmt.Errorf("line %d: %w", line, err)
		}
		if err := all.Add(code, n); err != nil {
			return nil, Counts{}, fmt.Errorf("line %d: %w", line, err)
		}
	}
}

// FormatRatesBy writes the rates of each part and of them all: "text",
// each part's table under its name then the whole's, or "json", {"by":
// NAME, "parts": [{"part": KEY, ...rates JSON}], "all": rates JSON}.
func FormatRatesBy(w io.Writer, by string, parts []CountsPart, all Counts, e *big.Rat, format string) error {
	type partRates struct {
		key string
		c   Counts
		r   Rates
	}
	var rs []partRates
	for _, p := range append(parts, CountsPart{Key: "", Counts: all}) {
		r, err := ComputeRates(p.Counts, e)
		if err != nil {
			return err
		}
		rs = append(rs, partRates{p.Key, p.Counts, r})
	}
	switch format {
	case "text", "":
		for i, p := range rs {
			title := by + " " + p.key
			if i == len(rs)-1 {
				title = "all " + by + "s"
			}
			if _, err := fmt.Fprintf(w, "%s\n", title); err != nil {
				return err
			}
			if err := writeRatesText(w, p.c, p.r); err != nil {
				return err
			}
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		return nil
	case "json":
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"by":%q,"parts":[`, by)
		for i, p := range rs {
			var one bytes.Buffer
			if err := writeRatesJSON(&one, p.c, p.r); err != nil {
				return err
			}
			obj := bytes.TrimSpace(one.Bytes())
			if i == len(rs)-1 {
				b.WriteString(`],"all":`)
				b.Write(obj)
				break
			}
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"part":%q,`, p.key)
			b.Write(obj[1:])
		}
		b.WriteString("}\n")
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, b.Bytes(), "", "  "); err != nil {
			return err
		}
		_, err := w.Write(append(pretty.Bytes(), '\n'))
		return err
	}
	return fmt.Errorf("unknown format %q (want text or json)", format)
}
