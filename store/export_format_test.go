package store

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteExport(t *testing.T) {
	for _, tc := range []struct {
		res  ExportResult
		want string
	}{
		{ExportResult{Files: []string{"out.csv"}, Interviews: 1}, "exported 1 interview of s1:\n  out.csv\n"},
		{ExportResult{Files: []string{"out.csv", "out.sps"}, Interviews: 3, Withheld: 2},
			"exported 3 interviews of s1:\n  out.csv\n  out.sps\n" +
				"2 of them without personal data: the questionnaire revision they were collected under did not authorise onward transfer\n"},
	} {
		var b bytes.Buffer
		if err := WriteExport(&b, "s1", &tc.res); err != nil || b.String() != tc.want {
			t.Errorf("WriteExport(%+v) = %q, %v; want %q", tc.res, b.String(), err, tc.want)
		}
	}
}

func TestExportProgress(t *testing.T) {
	var b bytes.Buffer
	p := ExportProgress(&b)
	p(1, 2)
	p(2, 2)
	want := "\rexporting [###############               ] 1/2" + "\rexporting [##############################] 2/2\n"
	if b.String() != want {
		t.Errorf("progress = %q, want %q", b.String(), want)
	}
}

// TestTerminalProgress: the bar is drawn only on a character device (a
// terminal; /dev/null is one too), never into a file or a pipe's buffer.
func TestTerminalProgress(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	tests := []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"buffer", &bytes.Buffer{}, false},
		{"file", file, false},
		{"character device", null, true},
	}
	for _, tt := range tests {
		if got := TerminalProgress(tt.w) != nil; got != tt.want {
			t.Errorf("TerminalProgress(%s) != nil = %v, want %v", tt.name, got, tt.want)
		}
	}
}
