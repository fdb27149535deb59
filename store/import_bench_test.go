package store

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeSampleCSV writes the sample store/testdata/bench.sh generates: n
// contacts with a real North American number, an email, a name and one
// extra column.
func writeSampleCSV(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "sample.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	ac := []int{415, 212, 312, 617, 206, 303, 404, 512, 702, 818}
	fmt.Fprintln(w, "id,phone,email,name,segment")
	for i := range n {
		fmt.Fprintf(w, "c%d,(%d) %03d-%04d,p%d@example.com,Person %d,s%d\n", i, ac[i%10], 200+(i/10)%800, (i/8000)%10000, i, i, i%7)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkImportContacts imports a 100 k-row sample into a new encrypted
// store, as `canvass contacts import` does; bench.sh times the 1 M-row
// import on the binary against sqlite3.
func BenchmarkImportContacts(b *testing.B) {
	const n = 100_000
	csv := writeSampleCSV(b, n)
	dir := b.TempDir()
	for i := 0; b.Loop(); i++ {
		s, err := Open(filepath.Join(dir, fmt.Sprintf("c%d.db", i)), Options{Encrypt: true, KeyDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(csv)
		if err != nil {
			b.Fatal(err)
		}
		res, err := s.ImportContacts(f, ImportOptions{Survey: "bench", Source: "client", Region: "US", Actor: "bench", File: csv})
		f.Close()
		s.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Imported != n {
			b.Fatalf("imported %d of %d rows", res.Imported, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "µs/row")
}
