package calling

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestRatesByReplicate: rates broken down by replicate read each part's
// counts, and the parts add up to the whole, whose rates are the rates of
// the undivided counts.
func TestRatesByReplicate(t *testing.T) {
	src := "replicate,code,count\n1,1.1,30\n1,2.11,10\n1,3.13,20\n2,1.1,12\n2,4.80,3\n2,3.13,40\n"
	parts, all, err := ReadCountsBy(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 || parts[0].Key != "1" || parts[1].Counts.NE != 3 {
		t.Fatalf("parts = %+v", parts)
	}
	plain, err := ReadCounts(strings.NewReader("1.1,42\n2.11,10\n3.13,60\n4.80,3\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []Symbol{I, P, R, NC, O, UH, UR, UO, NE} {
		if all.Get(g) != plain.Get(g) || parts[0].Counts.Get(g)+parts[1].Counts.Get(g) != all.Get(g) {
			t.Errorf("group %s: parts %d + %d, all %d, undivided %d", g, parts[0].Counts.Get(g), parts[1].Counts.Get(g), all.Get(g), plain.Get(g))
		}
	}
	var b bytes.Buffer
	if err := FormatRatesBy(&b, "replicate", parts, all, nil, "json"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		By    string `json:"by"`
		Parts []struct {
			Part  string              `json:"part"`
			Rates map[string]*float64 `json:"rates"`
		} `json:"parts"`
		All struct {
			Rates map[string]*float64 `json:"rates"`
		} `json:"all"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("JSON %s: %v", b.Bytes(), err)
	}
	whole, _ := ComputeRates(plain, nil)
	rr1, _ := whole.Get("RR1")
	f, _ := rr1.Float64()
	if doc.By != "replicate" || len(doc.Parts) != 2 || doc.Parts[1].Part != "2" || doc.All.Rates["RR1"] == nil || *doc.All.Rates["RR1"] != f {
		t.Errorf("JSON = %s, want RR1 of all %v", b.Bytes(), f)
	}
	for _, bad := range []string{"1,1.1\n", "1,9.9,3\n", ",1.1,3\n", "1,1.1,-2\n"} {
		if _, _, err := ReadCountsBy(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("ReadCountsBy(%q) = %v, want an error naming line 1", bad, err)
		}
	}
}

// TestWriteRates: `canvass rates` names its input in an error, and with
// --by reads the replicate column.
func TestWriteRates(t *testing.T) {
	var b bytes.Buffer
	if err := WriteRates(&b, strings.NewReader("1.1,3\n9.9,1\n"), "counts.csv", "", nil, "text"); err == nil || !strings.HasPrefix(err.Error(), "counts.csv: line 2: ") {
		t.Errorf("WriteRates of an unknown code = %v, want an error naming counts.csv and line 2", err)
	}
	var plain, by bytes.Buffer
	if err := WriteRates(&plain, strings.NewReader("1.1,30\n3.13,20\n"), "-", "", nil, "json"); err != nil {
		t.Fatal(err)
	}
	if err := WriteRates(&by, strings.NewReader("1,1.1,30\n1,3.13,20\n"), "-", "replicate", nil, "json"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plain.String(), `"RR1"`) || !strings.Contains(by.String(), `"by": "replicate"`) {
		t.Errorf("WriteRates json = %s, by replicate = %s", plain.String(), by.String())
	}
}
