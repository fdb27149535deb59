package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
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

// drawFixture builds an encrypted store with one million opt-outs and n
// contacts imported at t0, a tenth of them with an appointment later than
// the draws, and one in fifty listed in the opt-out index behind the
// queue's back (as if the suppression had not reached it), so that draws
// take the gate's own suppression path too.
func drawFixture(b *testing.B, n int) *Store { return drawFixtureOf(b, n, writeSampleCSV(b, n)) }

// drawFixtureOf is drawFixture with the contacts of sample.
func drawFixtureOf(b *testing.B, n int, sample string) *Store {
	dir := b.TempDir()
	s, err := Open(filepath.Join(dir, "draw.db"), Options{Now: func() time.Time { return t0 }, Encrypt: true, KeyDir: filepath.Join(dir, "keys")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.ImportOptOuts(dncFile(1_000_000, 5_000_000), "dnc", "US", "bench"); err != nil {
		b.Fatal(err)
	}
	first, last := importFixture(b, s, "s1", sample, n)
	const batch = 20_000
	for from := first; from <= last; from += batch {
		err := s.updateTallied(func(tx *bolt.Tx) error {
			for cid := from; cid < from+batch && cid <= last; cid++ {
				switch (cid - first) % 50 {
				case 0, 10, 20, 30, 40:
					st, err := s.stateTx(tx, cid)
					if err != nil {
						return err
					}
					old := *st
					applyCall(st, Call{Outcome: callBack, At: t0, Appointment: t0.Add(240 * time.Hour)})
					if err := s.requeueTx(tx, cid, &old, st); err != nil {
						return err
					}
				case 7:
					c, err := s.contactTx(tx, cid)
					if err != nil {
						return err
					}
					k := s.indexKey(model.OptOutKey(c.Phones[0]))
					if err := tx.Bucket(bOptOut).Put(k[:], u64(1)); err != nil {
						return err
					}
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
// phone room does: twenty interviewers each hold the contacts of their
// last two draws, so that a draw passes held contacts at the head of the
// queue, and the call of the oldest is recorded (untimed), which ends its
// lease.
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
			s, err := Open(path, Options{KeyDir: filepath.Join(filepath.Dir(path), "keys")})
			if err != nil {
				b.Fatal(err)
			}
			opened := time.Since(start)
			b.Cleanup(func() { s.Close() })
			now := t0.Add(time.Hour)
			d := make([]time.Duration, 0, b.N)
			var writes, allocated int64
			type held struct{ who, id string }
			var fifo []held
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
				fifo = append(fifo, held{who, p.Contact.ID})
				if len(fifo) > 40 {
					h := fifo[0]
					fifo = fifo[1:]
					if err := s.RecordCall("s1", h.id, Call{Outcome: noAnswer, Interviewer: h.who, At: now}); err != nil {
						b.Fatal(err)
					}
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

// commitRig is the three commits DESIGN §7 compares, on one disk: a bare
// 4 KiB write with fdatasync, the least bbolt commit, and SaveAnswer on an
// encrypted store (what canvass makes).
type commitRig struct {
	bare  *os.File
	floor *bolt.DB
	s     *Store
	iv    string
	state []byte
	i     int
}

func newCommitRig(b *testing.B) *commitRig {
	dir := b.TempDir()
	r := &commitRig{state: []byte(`{"pos":` + strings.Repeat(`"x",`, 500) + `0}`)}
	var err error
	if r.bare, err = os.OpenFile(filepath.Join(dir, "bare"), os.O_CREATE|os.O_RDWR, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.bare.Close() })
	if r.floor, err = bolt.Open(filepath.Join(dir, "floor.db"), 0o600, &bolt.Options{NoFreelistSync: true}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.floor.Close() })
	if r.s, err = Open(filepath.Join(dir, "c.db"), Options{Encrypt: true, KeyDir: filepath.Join(dir, "keys")}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.s.Close() })
	r.s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	importCSV(b, r.s, "s1", "id,phone\na,4155550100\n")
	if r.iv, err = r.s.StartInterview(model.Consent{Survey: "s1", Contact: "a", Interviewer: "ivy", Agreed: true}); err != nil {
		b.Fatal(err)
	}
	return r
}

// bareWrite, floorCommit and saveAnswer each time one commit of their kind.
func (r *commitRig) bareWrite(b *testing.B) time.Duration {
	buf := make([]byte, 4096)
	start := time.Now()
	if _, err := r.bare.WriteAt(buf, int64(r.i%256)*4096); err != nil {
		b.Fatal(err)
	}
	if err := syscall.Fdatasync(int(r.bare.Fd())); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func (r *commitRig) floorCommit(b *testing.B) time.Duration {
	start := time.Now()
	err := r.floor.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte("b"))
		if err != nil {
			return err
		}
		return bk.Put([]byte("k"), u64(uint64(r.i)))
	})
	if err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func (r *commitRig) saveAnswer(b *testing.B) time.Duration {
	now := time.Now()
	ev := model.AnswerEvent{Item: fmt.Sprintf("q%d", r.i%60), Value: "some answer text", Shown: now, Answered: now}
	start := time.Now()
	if err := r.s.SaveAnswer(r.iv, ev, r.state); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// median is the middle of d (sorted in place).
func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// runCommits times n rounds of the three commits, interleaved so that
// the machine's moment touches all three alike, pausing pause() between
// rounds; it reports each median and the ratios DESIGN §7 budgets.
func runCommits(b *testing.B, r *commitRig, pause func() time.Duration) {
	var bare, floor, save []time.Duration
	for b.Loop() {
		if p := pause(); p > 0 {
			b.StopTimer()
			time.Sleep(p)
			b.StartTimer()
		}
		// Rotate which goes first, so that none always follows the pause.
		ops := []func(*testing.B) time.Duration{r.bareWrite, r.floorCommit, r.saveAnswer}
		for k := range ops {
			switch (r.i + k) % 3 {
			case 0:
				bare = append(bare, ops[0](b))
			case 1:
				floor = append(floor, ops[1](b))
			case 2:
				save = append(save, ops[2](b))
			}
		}
		r.i++
	}
	mb, mf, ms := median(bare), median(floor), median(save)
	b.ReportMetric(float64(ms.Nanoseconds()), "save-median-ns")
	b.ReportMetric(float64(mf.Nanoseconds()), "floor-median-ns")
	b.ReportMetric(float64(mb.Nanoseconds()), "bare-median-ns")
	if mf > 0 && mb > 0 {
		b.ReportMetric(float64(ms)/float64(mf), "save/floor")
		b.ReportMetric(float64(ms)/float64(mb), "save/bare")
	}
}

// BenchmarkCommits interleaves the bare write, the bbolt floor and an
// encrypted SaveAnswer back to back, so that their ratio is one run's.
func BenchmarkCommits(b *testing.B) {
	runCommits(b, newCommitRig(b), func() time.Duration { return 0 })
}

// BenchmarkCommitsSpaced is BenchmarkCommits with the pause real answers
// have between them (0.1 to 1 s, untimed): a disk and CPU left idle
// answer slower than back to back. Run it with -benchtime 60x or so.
func BenchmarkCommitsSpaced(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	runCommits(b, newCommitRig(b), func() time.Duration { return time.Duration(100+rng.IntN(900)) * time.Millisecond })
}
