package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"canvass/model/calling"

	bolt "go.etcd.io/bbolt"
)

// reportBenchStore is an encrypted store holding reportFixture's history
// for n contacts (two in three called, one in sixty interviewed, every
// call and interview in the log as the intents write it), made
// once and kept under the temporary directory (keyed by size and schema:
// building a million contacts takes minutes), so that BenchmarkReport,
// BenchmarkDoctor and the timings of the binary (see README) share it.
// It returns the store's path and its key file.
func reportBenchStore(b *testing.B, n int) (path, key string) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("canvass-bench-report-v2-schema%d-%d", SchemaVersion, n))
	path = filepath.Join(dir, "report.db")
	if keys, _ := filepath.Glob(filepath.Join(dir, "keys", "*.key")); len(keys) == 1 {
		if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
			return path, keys[0]
		}
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	s, err := Open(path, Options{Now: func() time.Time { return t0 }, Encrypt: true, KeyDir: filepath.Join(dir, "keys")})
	if err != nil {
		b.Fatal(err)
	}
	fillReportFixture(b, s, n)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "complete"), nil, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %s in %v", path, time.Since(start).Round(time.Second))
	keys, _ := filepath.Glob(filepath.Join(dir, "keys", "*.key"))
	return path, keys[0]
}

// shiftBenchStore is reportBenchStore's store with a second revision of
// its survey that has shifts (morning, afternoon and evening, in New
// York), made once and kept beside it: the revision's other rules make
// the survey's projection again, a recount of every case.
func shiftBenchStore(b *testing.B, n int) (path, key string) {
	base, key := reportBenchStore(b, n)
	dir := filepath.Dir(base) + "-shifts"
	path = filepath.Join(dir, "report.db")
	if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
		return path, key
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(base)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	s, err := Open(path, Options{KeyFile: key, MustExist: true, Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	sv := demoSurvey("2")
	sv.Calling = &calling.Config{ShiftZone: "America/New_York", Shifts: []calling.Shift{
		{Name: "morning", Days: "mon-fri", From: "08:00", To: "12:00"},
		{Name: "afternoon", Days: "mon-fri", From: "12:00", To: "17:00"},
		{Name: "evening", Days: "mon-sat", From: "17:00", To: "21:00"},
	}}
	rawSv, _ := json.Marshal(sv)
	if _, _, err := s.AddSurvey(sv, rawSv, "sup"); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "complete"), nil, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %s in %v", path, time.Since(start).Round(time.Second))
	return path, key
}

func openBenchStore(b *testing.B, n int) *Store {
	return openReportBench(b, n, false)
}

// openReportBench opens reportBenchStore's store, or with shifts
// shiftBenchStore's.
func openReportBench(b *testing.B, n int, shifts bool) *Store {
	if n > 10_000 && testing.Short() {
		b.Skip("builds a million-contact store")
	}
	path, key := reportBenchStore(b, n)
	if shifts {
		path, key = shiftBenchStore(b, n)
	}
	s, err := Open(path, Options{KeyFile: key, MustExist: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	b.Logf("store %s, key %s", path, key)
	return s
}

// BenchmarkReport makes the report of an encrypted 10 k- and 1 M-contact
// survey from its projection, as `canvass report` and the dashboard do;
// recount=1 makes it from every case instead (the reference, and what
// the report cost before the projection). by=replicate is `canvass
// report --by replicate` (ten replicates); shifts=1 the survey with
// three shifts (before schema 9 both streamed over every case, as
// recount=1 does).
func BenchmarkReport(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		for _, c := range []struct {
			by      string
			shifts  bool
			recount bool
		}{
			{"", false, false}, {"", false, true}, {"replicate", false, false},
			{"", true, false}, {"replicate", true, false}, {"replicate", true, true},
		} {
			recount := c.recount
			b.Run(fmt.Sprintf("contacts=%d/by=%s/shifts=%v/recount=%v", n, c.by, c.shifts, recount), func(b *testing.B) {
				s := openReportBench(b, n, c.shifts)
				at := t0.Add(30 * 24 * time.Hour)
				o := ReportOptions{At: at, Location: time.UTC, By: c.by}
				b.ReportAllocs()
				cpu0, runs := cpuTime(), 0
				b.ResetTimer()
				for b.Loop() {
					var r *Report
					err := s.db.View(func(tx *bolt.Tx) error {
						var err error
						r, err = s.reportTx(tx, "s1", o, recount)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
					if r.Sample.Total != int64(n) || r.recounted != recount {
						b.Fatalf("report of %d contacts, recounted %v", r.Sample.Total, r.recounted)
					}
					if (c.by != "") != (len(r.ByReplicate) == 10) || c.shifts != (len(r.Shifts) == 4 && r.Shifts[0].Calls > 0) {
						b.Fatalf("report with %d replicates, shifts %+v", len(r.ByReplicate), r.Shifts)
					}
					runs++
				}
				b.StopTimer()
				b.ReportMetric(float64((cpuTime()-cpu0)/time.Duration(runs))/1e6, "cpu-ms/op")
			})
		}
	}
}

// BenchmarkDoctor checks an encrypted 10 k- and 1 M-contact store, as
// `canvass doctor` does.
func BenchmarkDoctor(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("contacts=%d", n), func(b *testing.B) {
			s := openBenchStore(b, n)
			cpu0, runs := cpuTime(), 0
			b.ResetTimer()
			for b.Loop() {
				rep, err := s.Doctor()
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Problems) != 0 {
					b.Fatalf("Doctor() = %v", rep.Problems)
				}
				runs++
			}
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-cpu0)/time.Duration(runs))/1e6, "cpu-ms/op")
		})
	}
}
