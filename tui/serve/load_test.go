package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// The call room's load driver: N SSH sessions on loopback, each an
// interviewer typing whole interviews at a few keys a second, against a
// call room in a process of its own (so that its memory is its own).
//
//	go test ./tui/serve -run '^$' -bench CallRoom -benchtime 1x -timeout 30m
//	go test ./tui/serve -run '^$' -bench 'CallRoom/sessions=200' -benchtime 1x -args -load-for 60s
//
// It reports the p50 and p99 of an answer's commit (measured in the
// server) and of keypress → frame (from writing a key to the first bytes
// of the frame it caused), the server's peak resident memory, and checks
// after the run, from the store's log: no contact given to two sessions
// at once, no contact presented after its person opted out, doctor clean.

var (
	loadFor     = flag.Duration("load-for", 40*time.Second, "how long BenchmarkCallRoom types at each number of sessions")
	loadProfile = flag.String("load-profile", "", "directory where the call room of BenchmarkCallRoom writes its CPU and heap profiles (cpu-N.pprof, heap-N.pprof for N sessions)")
)

// loadQuestions is the load survey's length.
const loadQuestions = 6

// loadStore makes a call room's store with n interviewers (keys under
// dir), two surveys over the same 20 000 people, any hour.
func loadStore(tb testing.TB, dir string, n int) (string, []gossh.Signer) {
	db := filepath.Join(dir, "load.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	var items []model.Item
	for i := range loadQuestions {
		items = append(items, model.Item{Name: fmt.Sprintf("q%d", i), Type: model.TypeText, Label: model.Text{"en": fmt.Sprintf("Question %d?", i)}})
	}
	var sample strings.Builder
	sample.WriteString("id,name,phone\n")
	for i := range 20_000 {
		fmt.Fprintf(&sample, "L%d,Person %d,+1303%07d\n", i, i, 5550000+i)
	}
	for _, id := range []string{"la", "lb"} {
		sv := &model.Survey{ID: id, Version: "1", Title: "Load " + id, Consent: model.Text{"en": "May we begin?"}, Items: items}
		if _, _, err := st.AddSurvey(sv, []byte(id), "author"); err != nil {
			tb.Fatal(err)
		}
		if _, err := st.ImportContacts(strings.NewReader(sample.String()), store.ImportOptions{Survey: id, Source: "client", Region: "US", Actor: "sup", File: id}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := st.LoadStudy(store.Study{Source: "load", AnyHour: true}, "US", "sup"); err != nil {
		tb.Fatal(err)
	}
	signers := make([]gossh.Signer, n)
	for i := range n {
		signers[i] = newKey(tb)
		k := store.UserKey{Fingerprint: gossh.FingerprintSHA256(signers[i].PublicKey())}
		if err := st.AddUser(fmt.Sprintf("int%03d", i), fmt.Sprintf("Interviewer %d", i), store.RoleInterviewer, k, "sup"); err != nil {
			tb.Fatal(err)
		}
	}
	return db, signers
}

// TestLoadServer is the call room of BenchmarkCallRoom, in a process of
// its own: it serves until SIGTERM, then prints its measurements.
func TestLoadServer(t *testing.T) {
	db := os.Getenv("CANVASS_LOAD_DB")
	if db == "" {
		t.Skip("run by BenchmarkCallRoom")
	}
	TuneGC() // as Run does
	st, err := store.Open(db, store.Options{GroupCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: st, HostKey: db + ".hostkey", Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("listening", l.Addr())
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go srv.Serve(l)
	stopProfile := startProfile(t, os.Getenv("CANVASS_LOAD_PROFILE"))
	<-term
	stopProfile()
	stats := srv.Stats()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	st.Close()
	b, _ := json.Marshal(stats.Commits)
	fmt.Println("commits", string(b))
}

func BenchmarkCallRoom(b *testing.B) {
	for _, n := range []int{50, 100, 200} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			for b.Loop() {
				runLoad(b, n)
			}
		})
	}
}

// runLoad runs one load of n sessions and reports its figures.
func runLoad(b *testing.B, n int) {
	dir := b.TempDir()
	db, signers := loadStore(b, dir, n)
	server := exec.Command(os.Args[0], "-test.run=^TestLoadServer$", "-test.timeout=0")
	server.Env = append(os.Environ(), "CANVASS_LOAD_DB="+db)
	if *loadProfile != "" {
		abs, err := filepath.Abs(*loadProfile)
		if err != nil {
			b.Fatal(err)
		}
		server.Env = append(server.Env, "CANVASS_LOAD_PROFILE="+filepath.Join(abs, strconv.Itoa(n)))
	}
	out, err := server.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	server.Stderr = os.Stderr
	if err := server.Start(); err != nil {
		b.Fatal(err)
	}
	defer server.Process.Kill()
	lines := bufio.NewScanner(out)
	lines.Buffer(make([]byte, 1<<20), 1<<28)
	var addr string
	for lines.Scan() {
		if a, ok := strings.CutPrefix(lines.Text(), "listening "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		b.Fatal("the call room did not start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *loadFor)
	defer cancel()
	var mu sync.Mutex
	var frames, escFrames []time.Duration
	var interviews, failures int
	var wg sync.WaitGroup
	driverFrom := cpuSelf()
	serverFrom := cpuOf(server.Process.Pid)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Sessions arrive over the first seconds, as a shift starts.
			time.Sleep(time.Duration(i) * 20 * time.Millisecond)
			fr, escs, done, err := typeInterviews(ctx, addr, fmt.Sprintf("int%03d", i), signers[i], i%2, uint64(i))
			mu.Lock()
			frames = append(frames, fr...)
			escFrames = append(escFrames, escs...)
			interviews += done
			if err != nil {
				failures++
				if failures <= 3 {
					b.Logf("session %d: %v", i, err)
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	rss := peakRSS(server.Process.Pid)
	driverCPU, serverCPU := cpuSelf()-driverFrom, cpuOf(server.Process.Pid)-serverFrom
	server.Process.Signal(syscall.SIGTERM)
	var commits []time.Duration
	for lines.Scan() {
		if c, ok := strings.CutPrefix(lines.Text(), "commits "); ok {
			json.Unmarshal([]byte(c), &commits)
		}
	}
	server.Wait()
	if failures > 0 {
		b.Errorf("%d of %d sessions failed", failures, n)
	}
	given, suppressed := checkLoad(b, db)
	b.ReportMetric(float64(percentile(commits, 50).Microseconds())/1000, "commit-p50-ms")
	b.ReportMetric(float64(percentile(commits, 99).Microseconds())/1000, "commit-p99-ms")
	b.ReportMetric(float64(percentile(frames, 50).Microseconds())/1000, "frame-p50-ms")
	b.ReportMetric(float64(percentile(frames, 99).Microseconds())/1000, "frame-p99-ms")
	// The Esc keys among them, which a key reader may hold back to tell
	// them from the start of another key's sequence.
	b.ReportMetric(float64(percentile(escFrames, 50).Microseconds())/1000, "esc-frame-p50-ms")
	b.ReportMetric(float64(rss)/1024, "server-peak-rss-MiB")
	// The cores each side used while the sessions typed: the driver
	// shares the machine with the call room, and must stay the cheaper.
	b.ReportMetric(serverCPU.Seconds()/loadFor.Seconds(), "server-cores")
	b.ReportMetric(driverCPU.Seconds()/loadFor.Seconds(), "driver-cores")
	b.ReportMetric(float64(interviews), "interviews")
	b.ReportMetric(float64(len(commits)), "answers")
	b.ReportMetric(float64(given), "given-twice")
	b.ReportMetric(float64(suppressed), "suppressed-drawn")
}

// startProfile profiles the call room's CPU from now until the returned
// function is called, which also writes its heap then: prefix-cpu.pprof
// and prefix-heap.pprof. An empty prefix profiles nothing.
func startProfile(t *testing.T, prefix string) func() {
	if prefix == "" {
		return func() {}
	}
	cpu, err := os.Create(prefix + "-cpu.pprof")
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		cpu.Close()
		heap, err := os.Create(prefix + "-heap.pprof")
		if err != nil {
			t.Fatal(err)
		}
		defer heap.Close()
		if err := pprof.Lookup("heap").WriteTo(heap, 0); err != nil {
			t.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		status, _ := os.ReadFile("/proc/self/status")
		var rss []string
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "VmHWM") || strings.HasPrefix(l, "Rss") {
				rss = append(rss, strings.Join(strings.Fields(l), " "))
			}
		}
		fmt.Fprintf(os.Stderr, "call room memory: heap in use %d MiB (peak goal %d MiB), stacks %d MiB, from the OS %d MiB, %d goroutines, %d GCs; %s\n",
			ms.HeapInuse>>20, ms.NextGC>>20, ms.StackInuse>>20, ms.Sys>>20, runtime.NumGoroutine(), ms.NumGC, strings.Join(rss, ", "))
	}
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	return d[min(len(d)-1, len(d)*p/100)]
}

// cpuOf is the CPU time process pid has used so far (user and system),
// from /proc/pid/stat; zero when it cannot be read.
func cpuOf(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command's name, which is in parentheses:
	// utime and stime are the 14th and 15th of the line.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// cpuSelf is the CPU time this process has used so far.
func cpuSelf() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is a process's peak resident memory in KiB (VmHWM).
func peakRSS(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.Fields(v)[0])
			return kb
		}
	}
	return 0
}

// typeInterviews is one interviewer: it takes contacts of survey (0: la,
// 1: lb) one after another and answers every question, typing three keys
// a second, until ctx is done; one interview in twenty ends with an
// opt-out. It returns each key's time to the frame it caused, and those
// of the Esc keys among them again.
func typeInterviews(ctx context.Context, addr, who string, key gossh.Signer, survey int, seed uint64) (frames, escs []time.Duration, done int, err error) {
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: who, Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 30 * time.Second})
	if err != nil {
		return nil, nil, 0, err
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return nil, nil, 0, err
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		return nil, nil, 0, err
	}
	stdin, _ := sess.StdinPipe()
	stdout, _ := sess.StdoutPipe()
	if err := sess.Shell(); err != nil {
		return nil, nil, 0, err
	}
	// Every read after a key is the frame it caused (or part of it).
	got := make(chan time.Time, 64)
	var lastMu sync.Mutex
	var last []byte
	go func() {
		buf := make([]byte, 64*1024)
		for {
			n, err := stdout.Read(buf)
			if err != nil {
				close(got)
				return
			}
			lastMu.Lock()
			last = append(last, buf[:n]...)
			if len(last) > 4000 {
				last = last[len(last)-4000:]
			}
			lastMu.Unlock()
			select {
			case got <- time.Now():
			default:
			}
		}
	}()
	rng := rand.New(rand.NewPCG(seed, 9))
	// press types k, waits for its frame, and reports whether the home
	// screen came up (an interview ended elsewhere: its person opted out
	// in another session).
	press := func(k string) (home bool, err error) {
		// Whatever came before this key is not its frame.
		for drained := false; !drained; {
			select {
			case <-got:
			default:
				drained = true
			}
		}
		lastMu.Lock()
		last = last[:0]
		lastMu.Unlock()
		sent := time.Now()
		if _, err := io.WriteString(stdin, k); err != nil {
			return false, err
		}
		select {
		case at, ok := <-got:
			if !ok {
				return false, fmt.Errorf("the session ended")
			}
			frames = append(frames, at.Sub(sent))
			if k == esc {
				escs = append(escs, at.Sub(sent))
			}
		case <-time.After(5 * time.Second):
			lastMu.Lock()
			defer lastMu.Unlock()
			o := ansi.Strip(string(last))
			return false, fmt.Errorf("no frame 5 s after %q; the last output: %q", k, o[max(0, len(o)-700):])
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(250+rng.IntN(200)) * time.Millisecond):
		}
		lastMu.Lock()
		home = strings.Contains(ansi.Strip(string(last)), "Choose what to do next")
		lastMu.Unlock()
		return home, nil
	}
	time.Sleep(time.Second) // the first frame and the colour query
	if survey == 1 {
		if _, err := press(down); err != nil {
			return frames, escs, 0, err
		}
	}
	for ctx.Err() == nil {
		keys := []string{enter, enter, "y"} // the next contact; on the line; consent
		for q := range loadQuestions {
			if q == 3 && rng.IntN(20) == 0 {
				keys = append(keys, f8, "y") // the person opts out
				break
			}
			keys = append(keys, "a", "b", "c", enter)
		}
		keys = append(keys, esc) // the closing: home
		for i, k := range keys {
			if ctx.Err() != nil {
				break
			}
			home, err := press(k)
			if err != nil {
				return frames, escs, done, err
			}
			if home && i > 0 && i < len(keys)-1 {
				break // ended elsewhere: the next contact
			}
		}
		done++
	}
	return frames, escs, done, nil
}

// checkLoad reads the store's log after a load: how often a contact was
// presented while another session held it, and how often one was
// presented after its person's opt-out; doctor must be clean.
func checkLoad(tb testing.TB, db string) (given, suppressed int) {
	st, err := store.Open(db, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	type lease struct {
		who   string
		until time.Time
	}
	held := map[string]lease{}
	listed := map[string]bool{}
	err = st.Events(1, func(e *store.Event) error {
		var p struct {
			Survey      string    `json:"survey"`
			ID          string    `json:"id"`
			Interviewer string    `json:"interviewer"`
			LeaseUntil  time.Time `json:"lease_until"`
			Value       string    `json:"value"`
		}
		json.Unmarshal(e.Data, &p)
		// Both surveys hold the same people under the same sample ids.
		switch e.Kind {
		case store.KindPresented:
			if l, ok := held[p.Survey+"/"+p.ID]; ok && l.who != p.Interviewer && l.until.After(e.At) {
				given++
			}
			held[p.Survey+"/"+p.ID] = lease{p.Interviewer, p.LeaseUntil}
			if listed[p.ID] {
				suppressed++
			}
		case store.KindCall:
			var c struct {
				Survey string `json:"survey"`
				ID     string `json:"id"`
			}
			json.Unmarshal(e.Data, &c)
			delete(held, c.Survey+"/"+c.ID)
		case store.KindOptOutAdded:
			// Person i's phone is +1303555xxxx with i = xxxx - 0000.
			if n, err := strconv.Atoi(strings.TrimPrefix(p.Value, "+1303")); err == nil {
				listed[fmt.Sprintf("L%d", n-5550000)] = true
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	rep, err := st.Doctor()
	if err != nil || len(rep.Problems) > 0 {
		tb.Errorf("doctor after the load: %v, %v", rep.Problems, err)
	}
	return given, suppressed
}
