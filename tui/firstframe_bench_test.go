package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"canvass/store"

	tea "charm.land/bubbletea/v2"
)

// benchStore is the store BenchmarkFirstFrame starts on and how to open it
// as the canvass command does (encrypted, its key found by key id).
//
// CANVASS_BENCH_DB names a store to use, such as the 1 M-contact one that
// tui/testdata/firstframe.sh keeps with FIRSTFRAME_DIR=DIR (DIR/c.db), and
// CANVASS_BENCH_KEYS the directory of its key file (for that one,
// DIR/config/canvass/keys; the tests have a config directory of their
// own, see TestMain). Without CANVASS_BENCH_DB, a
// store of 20,000 generated contacts is made in a temporary directory (an
// import of a million takes about a minute, too long for a benchmark's
// setup).
func benchStore(b *testing.B) (path string, opts store.Options) {
	b.Helper()
	if p := os.Getenv("CANVASS_BENCH_DB"); p != "" {
		if _, err := os.Stat(p); err != nil {
			b.Fatalf("CANVASS_BENCH_DB: %v", err)
		}
		return p, store.Options{Encrypt: true, KeyDir: os.Getenv("CANVASS_BENCH_KEYS")}
	}
	dir := b.TempDir()
	path = filepath.Join(dir, "c.db")
	opts = store.Options{Encrypt: true, KeyDir: filepath.Join(dir, "keys")}
	st, err := store.Open(path, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	sv := consoleSurvey()
	if _, _, err := st.AddSurvey(sv, []byte("the console test survey"), "bench"); err != nil {
		b.Fatal(err)
	}
	// The rows of store/testdata/bench.sh.
	const n = 20000
	var csv strings.Builder
	csv.WriteString("id,phone,email,name,segment\n")
	ac := []string{"415", "212", "312", "617", "206", "303", "404", "512", "702", "818"}
	for i := range n {
		fmt.Fprintf(&csv, "c%d,(%s) %03d-%04d,p%d@example.com,Person %d,s%d\n", i, ac[i%10], 200+i/10%800, i/8000%10000, i, i, i%7)
	}
	if _, err := st.ImportContacts(strings.NewReader(csv.String()), store.ImportOptions{
		Survey: sv.ID, Source: "client", Region: "US", Actor: "bench", File: "bench.csv"}); err != nil {
		b.Fatal(err)
	}
	if err := st.SetInterviewer("ff01", "Frank First"); err != nil {
		b.Fatal(err)
	}
	return path, opts
}

// BenchmarkFirstFrame measures a start of the interviewer console in
// process, as `canvass --db STORE` runs it (main's console), in three
// steps, each reported as its median:
//
//   - frame-median-ns: build the root model over a store still to be
//     opened, size it to 100×30 and render it: the first frame, the
//     sign-in screen, which needs nothing from the store;
//   - prefilled-median-ns: then open the store, run Init's store command
//     (read who signed in last), hand its message to the console and
//     render the prefilled sign-in;
//   - home-median-ns: then load the home screen as signing in does (the
//     surveys, their interviews, imports and appointments) and render it.
//
// ns/op is the three together; closing the store after each start (which
// writes its free-page list) is not timed. What comes before main (Go's
// start, package init) and Bubble Tea's terminal setup are not in it:
// tui/testdata/firstframe.sh measures the whole process.
func BenchmarkFirstFrame(b *testing.B) {
	path, opts := benchStore(b)
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	cfg := Console{Clock: func() time.Time { return now }, Location: time.UTC}
	var frame, prefilled, home []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		var st *store.Store
		open := func() (Backend, error) {
			s, err := store.Open(path, opts)
			if err != nil {
				return nil, err
			}
			st = s
			return s, nil
		}
		t0 := time.Now()
		var m tea.Model = NewConsoleOpening(open, cfg)
		m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		a := m.(App)
		v := a.View()
		t1 := time.Now()
		a, _ = deliver(a, a.console().startStore()())
		v2 := a.View()
		t2 := time.Now()
		if a.console().be == nil {
			b.Fatalf("open the store %s: %v", path, a.console().fatal)
		}
		c := a.console()
		c.who = SignInMsg{ID: "ff01", Name: "Frank First"}
		c, cmd := c.goHome("")
		a.room = c
		for _, msg := range run(cmd) {
			m, _ = a.Update(msg)
			a = m.(App)
		}
		v3 := a.View()
		t3 := time.Now()
		b.StopTimer()
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct{ view, want string }{
			{v.Content, "Sign in to start interviewing"}, {v2.Content, "ff01"}, {v3.Content, "completed ("},
		} {
			if !strings.Contains(c.view, c.want) {
				b.Fatalf("a frame does not show %q:\n%s", c.want, c.view)
			}
		}
		frame = append(frame, t1.Sub(t0))
		prefilled = append(prefilled, t2.Sub(t1))
		home = append(home, t3.Sub(t2))
		b.StartTimer()
	}
	for _, r := range []struct {
		name  string
		times []time.Duration
	}{{"frame", frame}, {"prefilled", prefilled}, {"home", home}} {
		slices.Sort(r.times)
		b.ReportMetric(float64(r.times[len(r.times)/2].Nanoseconds()), r.name+"-median-ns")
	}
}
