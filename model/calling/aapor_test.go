package calling

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSymbolOf(t *testing.T) {
	tests := []struct {
		code string
		want Symbol
		err  string
	}{
		{"1.1", I, ""},
		{"1.10", I, ""},
		{"1.2", P, ""},
		{"1.21", P, ""},
		{"2.1", R, ""},
		{"2.111", R, ""},
		{"2.12", R, ""},
		{"2.20", NC, ""},
		{"2.222", NC, ""},
		{"2.33", O, ""},
		{"2.36", O, ""},
		{"3.11", UH, ""},
		{"3.13", UH, ""},
		{"3.161", UH, ""},
		{"3.20", UR, ""},
		{"3.21", UR, ""},
		{"3.30", UO, ""},
		{"3.90", UO, ""},
		{"4", NE, ""},
		{"4.32", NE, ""},
		{"4.70", NE, ""},
		{" 1.1 ", I, ""},
		{"1", "", "whole category"},
		{"1.0", "", "whole category"},
		{"2.0", "", "whole category"},
		{"3", "", "whole category"},
		{"1.3", "", "unknown"},
		{"2.4", "", "unknown"},
		{"5.1", "", "unknown"},
		{"0.1", "", "unknown"},
		{"", "", "empty"},
		{"1.", "", "not an AAPOR code"},
		{"1.1.1", "", "not an AAPOR code"},
		{"11", "", "not an AAPOR code"},
		{"I", "", "unknown"},
		{"1.x", "", "not an AAPOR code"},
		{"-1.1", "", "not an AAPOR code"},
	}
	for _, tt := range tests {
		got, err := SymbolOf(tt.code)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("SymbolOf(%q) = %q, %v, want error containing %q", tt.code, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("SymbolOf(%q) = %q, %v, want %q", tt.code, got, err, tt.want)
		}
	}
}

// counts builds Counts from symbol counts.
func counts(i, p, r, nc, o, uh, ur, uo, ne int64) Counts {
	return Counts{I: i, P: p, R: r, NC: nc, O: o, UH: uh, UR: ur, UO: uo, NE: ne}
}

func rat(a, b int64) *big.Rat { return big.NewRat(a, b) }

func TestComputeRates(t *testing.T) {
	// Every expected value is worked out by hand from the formulas.
	tests := []struct {
		name  string
		c     Counts
		e     *big.Rat
		wantE *big.Rat
		want  map[string]*big.Rat // nil value: undefined
	}{
		{
			// known = 20, unknown = 18, contacted = 16; e estimated 20/28.
			name:  "all groups, e estimated",
			c:     counts(10, 2, 3, 4, 1, 5, 7, 6, 8),
			wantE: rat(5, 7),
			want: map[string]*big.Rat{
				"RR1": rat(10, 38), "RR2": rat(12, 38),
				// 20 + 18·5/7 = 230/7
				"RR3": rat(70, 230), "RR4": rat(84, 230),
				"RR5": rat(10, 20), "RR6": rat(12, 20),
				"COOP1": rat(10, 16), "COOP2": rat(12, 16),
				"COOP3": rat(10, 15), "COOP4": rat(12, 15),
				"REF1": rat(3, 38), "REF2": rat(21, 230), "REF3": rat(3, 20),
				"CON1": rat(16, 38), "CON2": rat(112, 230), "CON3": rat(16, 20),
			},
		},
		{
			// 20 + 0.4·18 = 27.2 = 136/5
			name:  "all groups, e given",
			c:     counts(10, 2, 3, 4, 1, 5, 7, 6, 8),
			e:     rat(2, 5),
			wantE: rat(2, 5),
			want: map[string]*big.Rat{
				"RR1": rat(10, 38), "RR3": rat(50, 136), "RR4": rat(60, 136),
				"REF2": rat(15, 136), "CON2": rat(80, 136), "RR5": rat(1, 2),
			},
		},
		{
			name:  "e of 0 leaves the unknowns out",
			c:     counts(5, 0, 5, 0, 0, 90, 0, 0, 0),
			e:     new(big.Rat),
			wantE: new(big.Rat),
			want:  map[string]*big.Rat{"RR1": rat(5, 100), "RR3": rat(5, 10), "RR5": rat(5, 10)},
		},
		{
			name:  "only completes",
			c:     counts(7, 0, 0, 0, 0, 0, 0, 0, 0),
			wantE: rat(1, 1),
			want: map[string]*big.Rat{
				"RR1": rat(1, 1), "RR6": rat(1, 1), "COOP1": rat(1, 1), "REF1": new(big.Rat), "CON3": rat(1, 1),
			},
		},
		{
			name:  "nothing at all: every rate undefined",
			c:     Counts{},
			wantE: nil,
			want: map[string]*big.Rat{
				"RR1": nil, "RR2": nil, "RR3": nil, "RR4": nil, "RR5": nil, "RR6": nil,
				"COOP1": nil, "COOP2": nil, "COOP3": nil, "COOP4": nil,
				"REF1": nil, "REF2": nil, "REF3": nil, "CON1": nil, "CON2": nil, "CON3": nil,
			},
		},
		{
			// Known eligibility only from NE: e = 0/8 = 0, so RR3's
			// denominator 0 + 0·3 is zero; RR1 is 0/3, defined.
			name:  "only ineligible and unknown",
			c:     counts(0, 0, 0, 0, 0, 3, 0, 0, 8),
			wantE: new(big.Rat),
			want:  map[string]*big.Rat{"RR1": new(big.Rat), "RR3": nil, "RR5": nil, "COOP1": nil, "CON1": new(big.Rat)},
		},
		{
			name:  "unknowns only: e undefined",
			c:     counts(0, 0, 0, 0, 0, 2, 1, 1, 0),
			wantE: nil,
			want:  map[string]*big.Rat{"RR1": new(big.Rat), "RR3": nil, "REF2": nil, "CON2": nil},
		},
		{
			name:  "non-contacts only: cooperation undefined, contact 0",
			c:     counts(0, 0, 0, 9, 0, 0, 0, 0, 0),
			wantE: rat(1, 1),
			want:  map[string]*big.Rat{"COOP1": nil, "COOP4": nil, "CON1": new(big.Rat), "RR1": new(big.Rat)},
		},
		{
			name:  "other but no refusal: COOP3 leaves O out",
			c:     counts(3, 1, 0, 0, 4, 0, 0, 0, 0),
			wantE: rat(1, 1),
			want:  map[string]*big.Rat{"COOP1": rat(3, 8), "COOP2": rat(4, 8), "COOP3": rat(3, 4), "COOP4": rat(1, 1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ComputeRates(tt.c, tt.e)
			if err != nil {
				t.Fatalf("ComputeRates(%+v, %v) error: %v", tt.c, tt.e, err)
			}
			if !ratEqual(got.E, tt.wantE) {
				t.Errorf("ComputeRates(%+v).E = %v, want %v", tt.c, ratString(got.E), ratString(tt.wantE))
			}
			if got.EGiven != (tt.e != nil) {
				t.Errorf("ComputeRates(%+v).EGiven = %v, want %v", tt.c, got.EGiven, tt.e != nil)
			}
			for name, want := range tt.want {
				v, ok := got.Get(name)
				if ok != (want != nil) || !ratEqual(v, want) {
					t.Errorf("%s = %s (ok %v), want %s", name, ratString(v), ok, ratString(want))
				}
			}
			var names []string
			for _, r := range got.Rates {
				names = append(names, r.Name)
			}
			wantNames := strings.Fields("RR1 RR2 RR3 RR4 RR5 RR6 COOP1 COOP2 COOP3 COOP4 REF1 REF2 REF3 CON1 CON2 CON3")
			if diff := cmp.Diff(wantNames, names); diff != "" {
				t.Errorf("rate names (-want +got):\n%s", diff)
			}
		})
	}
}

func TestComputeRatesRejectsE(t *testing.T) {
	for _, e := range []*big.Rat{rat(-1, 10), rat(11, 10)} {
		if _, err := ComputeRates(counts(1, 0, 0, 0, 0, 1, 0, 0, 0), e); err == nil {
			t.Errorf("ComputeRates(e = %s) = nil error, want one", e.RatString())
		}
	}
}

// The 9th edition counted 3.20 in UO; moving those cases to UR must not
// change any rate.
func TestURCountsWithTheUnknowns(t *testing.T) {
	a, _ := ComputeRates(counts(5, 1, 2, 1, 1, 0, 4, 0, 2), rat(37, 100))
	b, _ := ComputeRates(counts(5, 1, 2, 1, 1, 0, 0, 4, 2), rat(37, 100))
	for i := range a.Rates {
		if !ratEqual(a.Rates[i].Value, b.Rates[i].Value) {
			t.Errorf("%s with UR = %s, with UO = %s, want equal", a.Rates[i].Name, ratString(a.Rates[i].Value), ratString(b.Rates[i].Value))
		}
	}
}

func ratEqual(a, b *big.Rat) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Cmp(b) == 0
}

func ratString(x *big.Rat) string {
	if x == nil {
		return "undefined"
	}
	return x.RatString()
}

func TestParseE(t *testing.T) {
	tests := []struct {
		in   string
		want *big.Rat
	}{
		{"0.4", rat(2, 5)},
		{"2/5", rat(2, 5)},
		{" 1 ", rat(1, 1)},
		{"0", new(big.Rat)},
		{"1.5", nil},
		{"-0.1", nil},
		{"abc", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got, err := ParseE(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("ParseE(%q) = %s, want an error", tt.in, got.RatString())
			}
			continue
		}
		if err != nil || got.Cmp(tt.want) != 0 {
			t.Errorf("ParseE(%q) = %v, %v, want %s", tt.in, got, err, tt.want.RatString())
		}
	}
}

func TestReadCounts(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Counts
		err  string
	}{
		{
			name: "header and codes at several depths",
			in:   "code,count\n1.1,10\n2.111,3\n3.13,5\n4.32,2\n",
			want: Counts{I: 10, R: 3, UH: 5, NE: 2, Codes: []CodeCount{{"1.1", 10}, {"2.111", 3}, {"3.13", 5}, {"4.32", 2}}},
		},
		{
			name: "no header, spaces, comments, blank lines, repeated code, CRLF",
			in:   "# final dispositions\r\n1.1, 4\r\n\r\n 1.1 ,6\r\n3.20,1\r\n",
			want: Counts{I: 10, UR: 1, Codes: []CodeCount{{"1.1", 10}, {"3.20", 1}}},
		},
		{
			name: "byte-order mark from a spreadsheet",
			in:   "\ufeffcode,count\n1.1,2\n",
			want: Counts{I: 2, Codes: []CodeCount{{"1.1", 2}}},
		},
		{
			name: "byte-order mark, no header",
			in:   "\ufeff2.112,2\n",
			want: Counts{R: 2, Codes: []CodeCount{{"2.112", 2}}},
		},
		{
			name: "zero counts are kept",
			in:   "1.2,0\n",
			want: Counts{Codes: []CodeCount{{"1.2", 0}}},
		},
		{name: "empty input", in: "", want: Counts{}},
		{name: "unknown code", in: "code,count\n1.1,3\n9.1,2\n", err: `line 3: unknown AAPOR code "9.1"`},
		{name: "ambiguous code", in: "1,3\n", err: "line 1: AAPOR code \"1\" is a whole category"},
		{name: "bad count", in: "1.1,3\n2.11,many\n", err: `line 2: count "many" is not a whole number`},
		{name: "negative count", in: "1.1,-3\n", err: `line 1: count "-3"`},
		{name: "fractional count", in: "1.1,2.5\n", err: `line 1: count "2.5"`},
		{name: "numeric-looking header is no header", in: "1.1,-1\n", err: "line 1"},
		{name: "header only on the first line", in: "1.1,2\ncode,count\n", err: `line 2: count "count"`},
		{name: "too many fields", in: "1.1,2,x\n", err: "line 1: want code,count, got 3 fields"},
		{name: "too few fields", in: "1.1\n", err: "line 1: want code,count, got 1 fields"},
		{name: "overflow", in: "1.1,9223372036854775807\n1.2,1\n1.1,1\n", err: "line 3: count for I overflows"},
		{name: "bad quoting", in: "\"1.1,2\n", err: "read counts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCounts(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ReadCounts(%q) error = %v, want one containing %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadCounts(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadCounts(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func FuzzReadCounts(f *testing.F) {
	for _, s := range []string{
		"code,count\n1.1,10\n2.111,3\n3.13,5\n4.32,2\n",
		"1.1, 4\r\n\r\n 1.1 ,6\r\n3.20,1\r\n",
		"# c\n1.2,0\n",
		"1,3\n", "\ufeff1.1,2\n", "\"1.1,2\n", "1.1,9223372036854775807\n1.1,1\n", "a,b\nc,d\n", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ReadCounts(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") && !strings.HasPrefix(err.Error(), "read counts") {
				t.Fatalf("ReadCounts(%q) error %q names no line", in, err)
			}
			return
		}
		// The groups are the sums of their codes, and writing the codes
		// back gives the same counts.
		var again strings.Builder
		var sum Counts
		for _, cc := range c.Codes {
			if err := sum.Add(cc.Code, cc.Count); err != nil {
				t.Fatalf("code %q read but not addable: %v", cc.Code, err)
			}
			fmt.Fprintf(&again, "%s,%d\n", cc.Code, cc.Count)
		}
		if diff := cmp.Diff(c, sum); diff != "" {
			t.Fatalf("ReadCounts(%q) groups differ from their codes (-read +summed):\n%s", in, diff)
		}
		c2, err := ReadCounts(strings.NewReader(again.String()))
		if err != nil {
			t.Fatalf("re-reading %q: %v", again.String(), err)
		}
		if diff := cmp.Diff(c, c2); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", in, diff)
		}
		if _, err := ComputeRates(c, nil); err != nil {
			t.Fatalf("ComputeRates after ReadCounts(%q): %v", in, err)
		}
	})
}

func TestFormatRatesJSON(t *testing.T) {
	c, err := ReadCounts(strings.NewReader("1.1,3\n2.11,1\n3.13,4\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := ComputeRates(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := FormatRates(&buf, c, r, "json"); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Counts map[string]int64    `json:"counts"`
		Codes  []CodeCount         `json:"codes"`
		E      *float64            `json:"e"`
		Rates  map[string]*float64 `json:"rates"`
		Extra  map[string]any      `json:"-"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("FormatRates json is not JSON: %v\n%s", err, buf.String())
	}
	wantCounts := map[string]int64{"I": 3, "P": 0, "R": 1, "NC": 0, "O": 0, "UH": 4, "UR": 0, "UO": 0, "NE": 0}
	if diff := cmp.Diff(wantCounts, got.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if got.E == nil || *got.E != 1 {
		t.Errorf("e = %v, want 1", got.E)
	}
	if len(got.Rates) != 16 {
		t.Errorf("got %d rates, want 16", len(got.Rates))
	}
	if v := got.Rates["RR1"]; v == nil || *v != 3.0/8 {
		t.Errorf("RR1 = %v, want 0.375", v)
	}
	if v := got.Rates["COOP1"]; v == nil || *v != 0.75 {
		t.Errorf("COOP1 = %v, want 0.75", v)
	}
	// Keys appear in the documented order.
	s := buf.String()
	if strings.Index(s, `"RR6"`) > strings.Index(s, `"COOP1"`) || strings.Index(s, `"REF3"`) > strings.Index(s, `"CON1"`) {
		t.Errorf("rates out of order:\n%s", s)
	}

	// Undefined rates and e are null, not 0.
	buf.Reset()
	r, _ = ComputeRates(Counts{}, nil)
	if err := FormatRates(&buf, Counts{}, r, "json"); err != nil {
		t.Fatal(err)
	}
	var empty struct {
		E     *float64            `json:"e"`
		Rates map[string]*float64 `json:"rates"`
		Codes []CodeCount         `json:"codes"`
	}
	if err := json.Unmarshal(buf.Bytes(), &empty); err != nil {
		t.Fatal(err)
	}
	if empty.E != nil || len(empty.Rates) != 16 || empty.Codes == nil {
		t.Errorf("empty study: e = %v, %d rates, codes %v; want null e, 16 rates, []", empty.E, len(empty.Rates), empty.Codes)
	}
	for name, v := range empty.Rates {
		if v != nil {
			t.Errorf("empty study: %s = %v, want null", name, *v)
		}
	}
}

func TestFormatRatesText(t *testing.T) {
	c := counts(1, 0, 1, 0, 0, 0, 0, 0, 0)
	r, _ := ComputeRates(c, rat(1, 2))
	var buf bytes.Buffer
	if err := FormatRates(&buf, c, r, "text"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  RR1        50.00%  I/((I+P)+(R+NC+O)+(UH+UR+UO))\n",
		"  e          0.5000  given\n",
		"  COOP1      50.00%",
		"  I               1  complete interviews (1.1)\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	r, _ = ComputeRates(Counts{}, nil)
	_ = FormatRates(&buf, Counts{}, r, "text")
	if !strings.Contains(buf.String(), "  RR1     undefined") || !strings.Contains(buf.String(), "e       undefined") {
		t.Errorf("text output of an empty study lacks undefined rates:\n%s", buf.String())
	}
	if err := FormatRates(&buf, c, r, "xml"); err == nil {
		t.Errorf("FormatRates(xml) = nil error, want one")
	}
}
