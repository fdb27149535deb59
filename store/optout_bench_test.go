package store

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// writeDNCFile writes the do-not-call file store/testdata/bench.sh
// generates: n lines "AAA,NNNNNNN", area codes from 201 up, 8 M numbers
// each.
func writeDNCFile(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "dnc.txt")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, "%03d,%07d\n", 201+i/8000000, 2000000+i%8000000)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// benchDNCNumbers is the size of the do-not-call file of the benchmarks:
// 1 M numbers, or CANVASS_BENCH_DNC of them (10000000 profiles the import
// bench.sh times).
func benchDNCNumbers() int {
	if v, err := strconv.Atoi(os.Getenv("CANVASS_BENCH_DNC")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// BenchmarkImportOptOuts imports a do-not-call file into a new encrypted
// store, as `canvass optout import` does; bench.sh times the 10 M-number
// import on the binary (DESIGN §7: 30 s, 256 MiB).
func BenchmarkImportOptOuts(b *testing.B) {
	n := benchDNCNumbers()
	file := writeDNCFile(b, n)
	dir := b.TempDir()
	for i := 0; b.Loop(); i++ {
		path := filepath.Join(dir, fmt.Sprintf("o%d.db", i))
		s, err := Open(path, Options{Encrypt: true, KeyDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		res, err := s.ImportOptOuts(f, file, "US", "bench")
		f.Close()
		s.Close()
		os.Remove(path)
		if err != nil {
			b.Fatal(err)
		}
		if res.Added != n {
			b.Fatalf("added %d of %d numbers", res.Added, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/number")
}

// BenchmarkGatherOptOuts measures the import's first stage alone: reading
// the do-not-call file, hashing its numbers into index keys on every core
// and gathering them (spilling to the temporary file), as in an encrypted
// store. Everything the writer does comes after it.
func BenchmarkGatherOptOuts(b *testing.B) {
	n := benchDNCNumbers()
	file := writeDNCFile(b, n)
	dir := b.TempDir()
	s, err := Open(filepath.Join(dir, "o.db"), Options{Encrypt: true, KeyDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		p, err := newOptOutParser(f, "US")
		if err != nil {
			b.Fatal(err)
		}
		ks := newKeySet(optChunkKeys)
		var res OptOutImport
		err = s.gatherOptOuts(p, ks, &res)
		if err == nil {
			_, err = ks.sorted()
		}
		ks.close()
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Values != n {
			b.Fatalf("read %d of %d numbers", res.Values, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/number")
}

// BenchmarkSortPartition sorts one partition of a 10 M-number import
// (some 40 000 keys sharing their first byte), with the radix pass on the
// second byte and with the plain comparison sort.
func BenchmarkSortPartition(b *testing.B) {
	keys := randomKeys(rand.New(rand.NewPCG(1, 1)), 40_000, 1, 0x42)
	for _, bc := range []struct {
		name string
		sort func(*[][32]byte)
	}{{"radix", sortPartition}, {"comparison", sortUnique}} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([][32]byte, len(keys))
			for b.Loop() {
				buf = append(buf[:0], keys...)
				bc.sort(&buf)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(keys)), "ns/key")
		})
	}
}
