package phonenumbers

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"sync"
	"testing"
)

// upstreamCase is one number as upstream v1.8.1 read it.
type upstreamCase struct {
	Raw, Region string
	Err         bool
	Valid       bool
	Possible    bool
	E164        string
	National    string
	Zones       []string
	PrefixZones []string
}

// TestSameAsUpstream reads 2,529 numbers (written every way people write
// them, valid and not, in 17 regions) as canvass does and compares each
// answer with upstream's: loading the metadata lazily changes nothing.
func TestSameAsUpstream(t *testing.T) {
	f, err := os.Open("testdata/upstream.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []upstreamCase
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var c upstreamCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	// Half the numbers at once from many goroutines: the first use loads
	// the metadata exactly once, whoever comes first.
	var wg sync.WaitGroup
	errs := make([]string, len(cases))
	for i, c := range cases {
		run := func() { errs[i] = check(c) }
		if i%2 == 0 {
			wg.Go(run)
		} else {
			run()
		}
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Error(e)
		}
	}
}

// check reads c.Raw and says how the answers differ from upstream's, or "".
func check(c upstreamCase) string {
	got := upstreamCase{Raw: c.Raw, Region: c.Region}
	num, err := Parse(c.Raw, c.Region)
	if err != nil {
		got.Err = true
	} else {
		got.Valid = IsValidNumber(num)
		got.Possible = IsPossibleNumber(num)
		got.E164 = Format(num, E164)
		got.National = Format(num, NATIONAL)
		got.Zones, _ = GetTimezonesForNumber(num)
		got.PrefixZones, _ = GetTimezonesForPrefix(got.E164)
	}
	if got.Err != c.Err || got.Valid != c.Valid || got.Possible != c.Possible || got.E164 != c.E164 ||
		got.National != c.National || !slices.Equal(got.Zones, c.Zones) || !slices.Equal(got.PrefixZones, c.PrefixZones) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(c)
		return "Parse(" + c.Raw + ", " + c.Region + ") = " + string(g) + ", want upstream's " + string(w)
	}
	return ""
}

// FuzzParse: no input panics, and a valid number's E.164 form reads back
// as the same number.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"+1 303 555 0100", "(415) 200-0000", "020 7946 0958", "+800 1234 5678", "tel:+1-303-555-0100", "", "+"} {
		f.Add(s, "US")
		f.Add(s, "GB")
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		num, err := Parse(raw, region)
		if err != nil || !IsValidNumber(num) {
			return
		}
		e := Format(num, E164)
		again, err := Parse(e, "ZZ")
		if err != nil {
			t.Fatalf("Parse(%q) of Format(Parse(%q, %q), E164): %v", e, raw, region, err)
		}
		if e2 := Format(again, E164); e2 != e {
			t.Fatalf("Format(Parse(%q)) = %q, want %q", e, e2, e)
		}
	})
}
