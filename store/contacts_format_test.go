package store

import (
	"bytes"
	"testing"
)

func TestWriteContactImport(t *testing.T) {
	for _, tc := range []struct {
		name   string
		res    ContactImport
		dryRun bool
		want   string
	}{
		{"one row", ContactImport{Rows: 1, Imported: 1}, false, "1 row: imported 1, suppressed by opt-out 0, duplicate 0, rejected 0\n"},
		{"dry run, resumed", ContactImport{Rows: 2, Imported: 2, Resumed: true}, true,
			"an interrupted import of this file was removed and the file imported afresh\n" +
				"2 rows: would import 2, suppressed by opt-out 0, duplicate 0, rejected 0\n"},
		{"more than listed", ContactImport{Rows: 9, Imported: 3, Duplicate: 3, RejectedCount: 3,
			Rejected:   []LineError{{Line: 2, Msg: "phone: not a number"}, {Line: 4, Msg: "id: empty"}},
			Duplicates: []LineError{{Line: 5, Msg: "repeats line 3"}}}, false,
			"9 rows: imported 3, suppressed by opt-out 0, duplicate 3, rejected 3\n" +
				"s.csv:2: rejected: phone: not a number\ns.csv:4: rejected: id: empty\ns.csv: and 1 rejected row more\n" +
				"s.csv:5: duplicate: repeats line 3\ns.csv: and 2 more duplicate rows\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			WriteContactImport(&b, "s.csv", &tc.res, tc.dryRun)
			if b.String() != tc.want {
				t.Errorf("WriteContactImport = %q, want %q", b.String(), tc.want)
			}
		})
	}
}
