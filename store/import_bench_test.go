package store

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// writeSampleCSV writes the sample store/testdata/bench.sh generates: n
// contacts with a real North American number, an email, a name and one
// extra column.
func writeSampleCSV(tb testing.TB, n int) string {
	tb.Helper()
	ac := []int{415, 212, 312, 617, 206, 303, 404, 512, 702, 818}
	return writeCSV(tb, "id,phone,email,name,segment", n, func(w io.Writer, i int) {
		fmt.Fprintf(w, "c%d,(%d) %03d-%04d,p%d@example.com,Person %d,s%d\n", i, ac[i%10], 200+(i/10)%800, (i/8000)%10000, i, i, i%7)
	})
}

// writeCSV writes a contact file of n rows made by row.
func writeCSV(tb testing.TB, head string, n int, row func(w io.Writer, i int)) string {
	tb.Helper()
	f, err := os.CreateTemp(tb.TempDir(), "sample-*.csv")
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, head)
	for i := range n {
		row(w, i)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return f.Name()
}

// importFixture imports a contact file made by writeCSV into survey, at
// the store's clock, and returns the cids its n rows got.
func importFixture(tb testing.TB, s *Store, survey, path string, n int) (first, last uint64) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	res, err := s.ImportContacts(f, ImportOptions{Survey: survey, Source: "client", Region: "US", Actor: "bench", File: path})
	if err != nil {
		tb.Fatal(err)
	}
	if res.Imported != n {
		tb.Fatalf("fixture: imported %d of %d rows (%d rejected, %v; %d duplicate)", res.Imported, n, res.RejectedCount, res.Rejected, res.Duplicate)
	}
	imps, err := s.Imports()
	if err != nil {
		tb.Fatal(err)
	}
	r := imps[len(imps)-1]
	return r.FirstCID, r.LastCID
}

// importRows sizes BenchmarkImportContacts: go test -bench ImportContacts
// -args -import-rows 1000000.
var importRows = flag.Int("import-rows", 100_000, "rows of the sample BenchmarkImportContacts imports")

// BenchmarkImportContacts imports a generated sample (100 k rows unless
// -import-rows says otherwise) into a new encrypted store, as `canvass
// contacts import` does; bench.sh times the 1 M-row import on the binary
// against sqlite3.
func BenchmarkImportContacts(b *testing.B) {
	n := *importRows
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
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/row")
}
