package surveys

import (
	"bytes"
	"fmt"
	"testing"
)

// largeYAML writes a questionnaire of n questions: every fifth one is
// relevant on the one before it, so references grow with the items.
// chained makes every question relevant on the one before it instead, the
// worst case for what a change may affect.
func largeYAML(n int, chained bool) []byte {
	var b bytes.Buffer
	b.WriteString("id: large\nversion: \"1\"\ntitle: Large\nconsent: Do you agree to take part?\nlists:\n  yn:\n    - {name: \"yes\", label: \"Yes\"}\n    - {name: \"no\", label: \"No\"}\nitems:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - name: q%d\n    type: select_one yn\n    label: Question %d\n", i, i)
		if i > 0 && (chained || i%5 == 0) {
			fmt.Fprintf(&b, "    relevant: ${q%d} != 'no'\n", i-1)
		}
	}
	return b.Bytes()
}

// largeXLSForm is largeYAML as an .xlsx workbook.
func largeXLSForm(tb testing.TB, n int, chained bool) []byte {
	rows := [][]string{{"type", "name", "label", "relevant", "constraint"}}
	for i := range n {
		rel := ""
		if i > 0 && (chained || i%5 == 0) {
			rel = fmt.Sprintf("${q%d} != 'no'", i-1)
		}
		switch i % 2 {
		case 0:
			rows = append(rows, []string{"select_one yn", fmt.Sprintf("q%d", i), fmt.Sprintf("Question %d", i), rel, ""})
		default:
			rows = append(rows, []string{"integer", fmt.Sprintf("q%d", i), fmt.Sprintf("Question %d", i), rel, ". >= 0"})
		}
	}
	return xlsxOf(tb, []struct {
		name string
		rows [][]string
	}{
		{"survey", rows},
		{"choices", [][]string{{"list_name", "name", "label"}, {"yn", "yes", "Yes"}, {"yn", "no", "No"}}},
		{"settings", [][]string{{"form_id", "version"}, {"large", "1"}}},
	})
}

func benchParse(b *testing.B, name string, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_, probs, err := Parse(name, data)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range probs {
			if !p.Warning {
				b.Fatal(p)
			}
		}
	}
}

func BenchmarkCheckYAML10k(b *testing.B) { benchParse(b, "large.yaml", largeYAML(10_000, false)) }
func BenchmarkCheckYAML80k(b *testing.B) { benchParse(b, "large.yaml", largeYAML(80_000, false)) }
func BenchmarkCheckYAMLChained10k(b *testing.B) {
	benchParse(b, "large.yaml", largeYAML(10_000, true))
}
func BenchmarkCheckXLSForm10k(b *testing.B) {
	benchParse(b, "large.xlsx", largeXLSForm(b, 10_000, false))
}
func BenchmarkCheckXLSFormChained10k(b *testing.B) {
	benchParse(b, "large.xlsx", largeXLSForm(b, 10_000, true))
}

func BenchmarkCheckXLSForm80k(b *testing.B) {
	benchParse(b, "large.xlsx", largeXLSForm(b, 80_000, false))
}
