package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportRefusesAnOutNamedForAnotherFormat is issue 17.12 on the built
// binary: `export --format paradata` writes CSV, so an --out named .jsonl
// is refused with one sentence and exit 2, and nothing is written; the
// same holds for JSONL to a .csv name. A matching name, or another
// extension, is written.
func TestExportRefusesAnOutNamedForAnotherFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t, t.TempDir())
	db := filepath.Join(t.TempDir(), "x.db")
	if code, _, stderr := runBinary(t, bin, "--db", db, "survey", "add", filepath.Join("..", "surveys", "demo", "csat.yaml")); code != 0 {
		t.Fatalf("survey add: exit %d, %s", code, stderr)
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		format, out string
		aggregate   bool
		code        int
	}{
		{"paradata", "para.jsonl", false, 2},
		{"paradata", "para.JSON", false, 2},
		{"jsonl", "data.csv", false, 2},
		{"csv", "data.ndjson", false, 2},
		{"jsonl", "freq.csv", true, 2},
		{"paradata", "para.csv", false, 0},
		{"paradata", "para.txt", false, 0},
		{"jsonl", "data.jsonl", false, 0},
		{"csv", "freq.csv", true, 0},
	} {
		args := []string{"--db", db, "export", "--survey", "northwind-csat", "--format", tt.format, "--out", filepath.Join(dir, tt.out)}
		if tt.aggregate {
			args = append(args, "--aggregate")
		}
		code, _, stderr := runBinary(t, bin, args...)
		if code != tt.code {
			t.Errorf("export --format %s --out %s: exit %d (%s), want %d", tt.format, tt.out, code, stderr, tt.code)
			continue
		}
		_, statErr := os.Stat(filepath.Join(dir, tt.out))
		if tt.code == 0 {
			if statErr != nil {
				t.Errorf("export --format %s --out %s wrote nothing: %v", tt.format, tt.out, statErr)
			}
			continue
		}
		if statErr == nil {
			t.Errorf("refused export --format %s --out %s left the file behind", tt.format, tt.out)
		}
		if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 || !strings.Contains(stderr, tt.out) || !strings.Contains(stderr, "name it") {
			t.Errorf("export --format %s --out %s: stderr %q, want one line naming the file and the name to give it", tt.format, tt.out, stderr)
		}
	}
}
