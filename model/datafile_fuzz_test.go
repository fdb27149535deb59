package model

import (
	"testing"
)

// FuzzParseDataFile checks that no data file makes ParseDataFile panic,
// and that what it reads is consistent: every row is an item of the
// instance, with no field outside the columns.
func FuzzParseDataFile(f *testing.F) {
	for _, s := range []struct{ name, data string }{
		{"a.csv", "name,label\na,A\nb,B\n"},
		{"a.csv", "name;label::English (en)\n\"a;x\";A\n"},
		{"a.csv", "name\tlabel\n\n a\t\"b\n"},
		{"a.xml", "<root><item><name>a</name><label>A</label></item></root>"},
		{"a.xml", "<?xml version='1.0'?><x a='1'><y>t<z/>u</y></x>"},
		{"a.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"geometry":{"type":"Point","coordinates":[1,2,3]},"properties":{"title":"t","n":2,"b":true,"z":null}}]}`},
		{"a.geojson", `{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":[]}}]}`},
	} {
		f.Add(s.name, []byte(s.data))
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		df, err := ParseDataFile(name, data)
		if err != nil {
			return
		}
		cols := map[string]bool{}
		for _, c := range df.Columns {
			cols[c] = true
		}
		for i, r := range df.Rows {
			for k := range r {
				if !cols[k] {
					t.Fatalf("ParseDataFile(%q): row %d has field %q, not among the columns %q", name, i, k, df.Columns)
				}
			}
		}
		if df.ID != DataFileID(name) {
			t.Fatalf("ParseDataFile(%q).ID = %q, want %q", name, df.ID, DataFileID(name))
		}
	})
}
