package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// reportMedian adds the median of the per-operation times to a benchmark's
// results: DESIGN §7 budgets medians, not means.
func reportMedian(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Nanoseconds()), "median-ns/op")
}

// BenchmarkBareWriteFdatasync is the floor SaveAnswer is measured against:
// one 4 KiB write and fdatasync on the same disk.
func BenchmarkBareWriteFdatasync(b *testing.B) {
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "bare"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := f.WriteAt(buf, int64(i%256)*4096); err != nil {
			b.Fatal(err)
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(start))
	}
	reportMedian(b, d)
}

// BenchmarkBoltCommitFloor is the least a bbolt commit costs: one 8-byte
// value put into a small bucket of an empty file. bbolt writes the changed
// pages, fdatasyncs, writes the meta page and fdatasyncs again, so that a
// crash between the two leaves the old meta page pointing at intact pages:
// this floor is two bare writes and syncs, which is why SaveAnswer cannot
// come within 2× BenchmarkBareWriteFdatasync (DESIGN §7).
func BenchmarkBoltCommitFloor(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "floor.db"), 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	d := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			return bk.Put([]byte("k"), u64(uint64(i)))
		})
		if err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(start))
	}
	reportMedian(b, d)
}

// BenchmarkSaveAnswer is the hot path: one answer and a 2 KiB engine state
// committed durably.
func BenchmarkSaveAnswer(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "c.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchSaveAnswer(b, s)
}

// benchSaveAnswer measures SaveAnswer on s: one answer and a 2 KiB engine
// state per commit, reporting the median.
func benchSaveAnswer(b *testing.B, s *Store) {
	s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	importCSV(b, s, "s1", "id,phone\na,4155550100\n")
	id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: "a", Interviewer: "ivy", Agreed: true})
	if err != nil {
		b.Fatal(err)
	}
	state := []byte(`{"pos":` + strings.Repeat(`"x",`, 500) + `0}`)
	d := make([]time.Duration, 0, b.N)
	now := time.Now()
	before := s.db.Stats().TxStats
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ev := model.AnswerEvent{Item: fmt.Sprintf("q%d", i%60), Value: "some answer text", Shown: now, Answered: now}
		start := time.Now()
		if err := s.SaveAnswer(id, ev, state); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(start))
	}
	reportMedian(b, d)
	after := s.db.Stats().TxStats
	tx := after.Sub(&before)
	b.ReportMetric(float64(tx.GetWrite())/float64(len(d)), "page-writes/op")
}

// drawFixture builds a store with one million opt-outs and n contacts
// imported at t0, a tenth of them with an appointment later than the
// draws.
func drawFixture(b *testing.B, n int) *Store {
	s, err := Open(filepath.Join(b.TempDir(), "draw.db"), Options{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.ImportOptOuts(dncFile(1_000_000, 5_000_000), "dnc", "US", "bench"); err != nil {
		b.Fatal(err)
	}
	first, last := importFixture(b, s, "s1", writeSampleCSV(b, n), n)
	const batch = 20_000
	for from := first; from <= last; from += batch {
		err := s.db.Update(func(tx *bolt.Tx) error {
			for cid := from; cid < from+batch && cid <= last; cid += 10 {
				st, err := s.stateTx(tx, cid)
				if err != nil {
					return err
				}
				old := *st
				applyCall(st, Call{Outcome: callBack, At: t0, Appointment: t0.Add(240 * time.Hour)})
				if err := requeueTx(tx, cid, &old, st); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkNext draws contacts one after another, each a durable
// transaction that checks the opt-out list and leases the contact, as a
// phone room does: after each draw (untimed) the call's outcome is
// recorded, which ends the lease.
func BenchmarkNext(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("contacts=%d", n), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("builds a million-contact store")
			}
			s := drawFixture(b, n)
			// Reopening is part of every start of canvass.
			path := s.Path()
			s.Close()
			start := time.Now()
			s, err := Open(path, Options{})
			if err != nil {
				b.Fatal(err)
			}
			opened := time.Since(start)
			b.Cleanup(func() { s.Close() })
			now := t0.Add(time.Hour)
			d := make([]time.Duration, 0, b.N)
			var writes, allocated int64
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				who := fmt.Sprintf("int%d", i%20)
				before := s.db.Stats().TxStats
				start := time.Now()
				p, err := s.Next("s1", DrawOptions{Interviewer: who, Now: now})
				if errors.Is(err, ErrQueueEmpty) {
					now = now.Add(time.Hour) // every lease has lapsed
					continue
				}
				if err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(start))
				after := s.db.Stats().TxStats
				tx := after.Sub(&before)
				writes += tx.GetWrite()
				allocated += tx.GetPageCount()
				b.StopTimer()
				if err := s.RecordCall("s1", p.Contact.ID, Call{Outcome: noAnswer, Interviewer: who, At: now}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			reportMedian(b, d)
			b.ReportMetric(float64(opened.Microseconds()), "open-µs")
			// A draw is bound by the pages its commit writes (DESIGN §7).
			b.ReportMetric(float64(writes)/float64(len(d)), "page-writes/op")
			b.ReportMetric(float64(allocated)/float64(len(d)), "pages-allocated/op")
		})
	}
}
