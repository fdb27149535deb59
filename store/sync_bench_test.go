package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"canvass/model"
)

// BenchmarkBundle is issue 14's figure: a field laptop hands back n
// interviews of 60 answers each (benchSurvey) in one bundle, and the hub
// takes it in. It reports the seconds, the CPU seconds (the machine is
// shared) and the peak live heap (as the collector last measured it, so
// that garbage not yet collected does not count) of each side; the heap
// is the same at 1 k and 10 k interviews when both stream.
//
//	go test ./store -run '^$' -bench 'Bundle/interviews=10000' -benchtime 1x -timeout 30m
//
// The laptop's store is built once per size through the intents (Present,
// StartInterview, SaveAnswer per answer, FinishInterview), with fsync off
// while it is built; each iteration applies the bundle to a fresh copy of
// the hub.
func BenchmarkBundle(b *testing.B) {
	if testing.Short() {
		b.Skip("builds large stores")
	}
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("interviews=%d", n), func(b *testing.B) {
			r, hubFile := buildBundleBench(b, n)
			lap := r.laptops[0]
			var outS, inS, outCPU, inCPU float64
			var outHeap, inHeap, outBase, inBase uint64
			var size int64
			runs := 0
			for b.Loop() {
				b.StopTimer()
				hubCopy := filepath.Join(b.TempDir(), "hub.db")
				if err := copyFile(hubFile, hubCopy); err != nil {
					b.Fatal(err)
				}
				hub, err := Open(hubCopy, Options{Now: func() time.Time { return r.now }, KeyDir: filepath.Join(r.dir, "keys")})
				if err != nil {
					b.Fatal(err)
				}
				// Each iteration resends the laptop's whole log (its next
				// bundle would carry only what is new) to a fresh hub.
				path := filepath.Join(b.TempDir(), "up.bundle")
				b.StartTimer()

				outBase = max(outBase, liveNow())
				stop := peakLive()
				if f := os.Getenv("BUNDLE_PROF_OUT"); f != "" {
					pf, _ := os.Create(f)
					pprof.StartCPUProfile(pf)
				}
				t0, c0 := time.Now(), cpuTime()
				if _, err := lap.BundleOut(BundleOutOptions{To: "hub", Out: path, Actor: "ivy", Resend: true}); err != nil {
					b.Fatal(err)
				}
				outS += time.Since(t0).Seconds()
				outCPU += (cpuTime() - c0).Seconds()
				if os.Getenv("BUNDLE_PROF_OUT") != "" {
					pprof.StopCPUProfile()
				}
				outHeap = max(outHeap, stop())

				inBase = max(inBase, liveNow())
				stop = peakLive()
				t0, c0 = time.Now(), cpuTime()
				if f := os.Getenv("BUNDLE_PROF"); f != "" {
					pf, _ := os.Create(f)
					pprof.StartCPUProfile(pf)
					defer pprof.StopCPUProfile()
				}
				res, err := hub.BundleIn(path, "sup")
				if err != nil {
					b.Fatal(err)
				}
				inS += time.Since(t0).Seconds()
				inCPU += (cpuTime() - c0).Seconds()
				inHeap = max(inHeap, stop())

				b.StopTimer()
				if res.Interviews != n {
					b.Fatalf("the hub took %d interviews, want %d", res.Interviews, n)
				}
				if fi, err := os.Stat(path); err == nil {
					size = fi.Size()
				}
				hub.Close()
				runs++
				b.StartTimer()
			}
			b.ReportMetric(outS/float64(runs), "out-s")
			b.ReportMetric(inS/float64(runs), "in-s")
			b.ReportMetric(outCPU/float64(runs), "out-cpu-s")
			b.ReportMetric(inCPU/float64(runs), "in-cpu-s")
			b.ReportMetric(float64(outHeap)/(1<<20), "out-peak-live-MiB")
			b.ReportMetric(float64(inHeap)/(1<<20), "in-peak-live-MiB")
			// What the open stores and the fixture hold before each step:
			// the step's own memory is the peak less this.
			b.ReportMetric(float64(outBase)/(1<<20), "out-base-live-MiB")
			b.ReportMetric(float64(inBase)/(1<<20), "in-base-live-MiB")
			b.ReportMetric(float64(size)/(1<<20), "bundle-MiB")
		})
	}
}

// buildBundleBench makes a hub with benchSurvey and n contacts, all
// assigned to one encrypted laptop, which interviews every one of them
// with 60 answers; it returns the rig and the hub's file, closed, to copy.
func buildBundleBench(b *testing.B, n int) (*syncRig, string) {
	b.Helper()
	r := newSyncRig(b, rigOptions{laptops: 1, encrypt: true})
	sv := benchSurvey()
	if _, _, err := r.hub.AddSurvey(sv, []byte("benchmark survey"), "author"); err != nil {
		b.Fatal(err)
	}
	var sample strings.Builder
	sample.WriteString("id,phone,name\n")
	for i := range n {
		fmt.Fprintf(&sample, "c%d,+1303%07d,Person %d\n", i, 5000000+i, i)
	}
	if _, err := r.hub.ImportContacts(strings.NewReader(sample.String()), ImportOptions{Survey: "big", Source: "client", Region: "US", Actor: "sup", File: "big.csv"}); err != nil {
		b.Fatal(err)
	}
	if _, err := r.hub.Assign(AssignOptions{Survey: "big", Device: "laptop-1", Count: n, Actor: "sup"}); err != nil {
		b.Fatal(err)
	}
	lap := r.laptops[0]
	r.in(lap, r.out(r.hub, "laptop-1"))

	form, probs := model.Compile(sv)
	if form == nil {
		b.Fatal(probs)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	templates := make([][]model.Datum, 64)
	for i := range templates {
		templates[i] = autoAnswer(b, form, rnd)
	}
	state := []byte(`{"v":2,"at":"` + strings.Repeat("x", 160) + `"}`)
	lap.db.NoSync = true // building the fixture; every bundle step syncs as users get it
	for i := range n {
		p, err := lap.Present("big", DrawOptions{Interviewer: "ivy", Rules: RulesFunc(anyTime)})
		if err != nil {
			b.Fatalf("interview %d: Present: %v", i, err)
		}
		id, err := lap.StartInterview(model.Consent{Survey: "big", Contact: p.Contact.ID, Interviewer: "ivy", Agreed: true, Lang: "en", Text: "May we begin?"})
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range templates[i%len(templates)] {
			r.now = r.now.Add(time.Second)
			if err := lap.SaveAnswer(id, model.AnswerEvent{Item: d.Item, Value: d.Value, Special: d.Special, Answered: r.now}, state); err != nil {
				b.Fatal(err)
			}
		}
		if err := lap.FinishInterview(id, "ivy", r.now); err != nil {
			b.Fatal(err)
		}
	}
	lap.db.NoSync = false
	if err := lap.db.Sync(); err != nil {
		b.Fatal(err)
	}
	hubFile := r.hub.Path()
	if err := r.hub.Close(); err != nil {
		b.Fatal(err)
	}
	return r, hubFile
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o600)
}

// liveNow collects and returns the live heap.
func liveNow() uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// peakLive samples the live heap as of the last collection every few
// milliseconds until stopped, and returns the highest value seen.
func peakLive() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	go func() {
		defer close(stopped)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		return peak.Load()
	}
}
