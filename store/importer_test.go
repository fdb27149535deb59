package store

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"canvass/model"

	"github.com/google/go-cmp/cmp"
)

// decodeRowJSON reads a block record back as blockRecordTx does.
func decodeRowJSON(t *testing.T, b []byte) (model.Contact, int) {
	t.Helper()
	var row struct {
		Contact model.Contact `json:"contact"`
		Line    int           `json:"line"`
	}
	if err := json.Unmarshal(b, &row); err != nil {
		t.Fatalf("appendRowJSON wrote %s: %v", b, err)
	}
	return row.Contact, row.Line
}

func TestRowJSONRoundTrips(t *testing.T) {
	for _, c := range []model.Contact{
		{ID: "1", Survey: "s1", Source: "client", Phones: []string{"+14155550100"}},
		{ID: "a\"b\\c", Survey: "s1", Name: "Zoë \"Z\" O'Neil\n<b>&</b>", Company: "Acme\tInc\r", Phones: []string{"+14155550100", "+442071838750"},
			Email: "z@example.com", Location: "São Paulo", Timezone: "America/Sao_Paulo", Language: "pt", Source: "panel",
			Fields: map[string]string{"segment": "s1", "note": "line\x01two\x1f", "empty": ""}},
		{ID: "\u2028", Survey: "s", Source: "client", Email: "x@y.z"},
	} {
		got, line := decodeRowJSON(t, appendRowJSON(nil, &c, 42))
		if diff := cmp.Diff(c, got); diff != "" || line != 42 {
			t.Errorf("round trip of %+v (-want +got), line %d:\n%s", c, line, diff)
		}
	}
}

func FuzzRowJSON(f *testing.F) {
	f.Add("c1", "Ana", "+14155550100", "a@b.co", "k", "v\n\"")
	f.Fuzz(func(t *testing.T, id, name, phone, email, k, v string) {
		for _, s := range []string{id, name, phone, email, k, v} {
			if !utf8.ValidString(s) {
				return // the import refuses such files before this
			}
		}
		c := model.Contact{ID: id, Survey: "s", Name: name, Phones: []string{phone}, Email: email, Source: "client",
			Fields: map[string]string{k: v}}
		got, line := decodeRowJSON(t, appendRowJSON(nil, &c, 7))
		if diff := cmp.Diff(c, got); diff != "" || line != 7 {
			t.Errorf("round trip (-want +got), line %d:\n%s", line, diff)
		}
	})
}
