package store

import (
	"bytes"
	"testing"
)

func TestWriteOptOutImport(t *testing.T) {
	var out, errs bytes.Buffer
	WriteOptOutImport(&out, &errs, "o.txt", &OptOutImport{Values: 5, Added: 1, Already: 1, RejectedCount: 3,
		Rejected: []LineError{{Line: 3, Msg: "not a phone number or email"}}})
	if want := "5 values read: 1 added, 1 already on the list, 3 rejected\n"; out.String() != want {
		t.Errorf("WriteOptOutImport counts = %q, want %q", out.String(), want)
	}
	if want := "o.txt:3: not a phone number or email\no.txt: and 2 rejected lines more\n"; errs.String() != want {
		t.Errorf("WriteOptOutImport rejected lines = %q, want %q", errs.String(), want)
	}
}
