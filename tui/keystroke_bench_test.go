package tui

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkTmuxKeystroke is what the interviewer sees: the built binary
// in tmux, a key sent with send-keys, and the time until tmux's screen
// shows the change (capture-pane, polled as fast as it answers). Both go
// through one tmux control-mode client (tmux -C), not a tmux process per
// call, which costs 10-20 ms here. It reports the median of
//
//	floor      a key typed into cat: tmux, the pty and the polling alone
//	keystroke  a digit typed into the interview's first question, and deleted
//	enter      Enter on an answered question until the next one shows (the
//	           answer's commit included)
//
//	go test ./tui -run '^$' -bench TmuxKeystroke -benchtime 100x
func BenchmarkTmuxKeystroke(b *testing.B) {
	for _, cmd := range []string{"tmux", "go"} {
		if _, err := exec.LookPath(cmd); err != nil {
			b.Skipf("%s is not installed", cmd)
		}
	}
	bin := buildBinary(b, b.TempDir())
	b.Run("floor", func(b *testing.B) {
		tm := startTerm(b, "kfloor", "exec cat")
		time.Sleep(200 * time.Millisecond)
		measure(b, newCtl(b, tm), func(i int) string { return "x" })
	})
	db := filepath.Join(b.TempDir(), "demo.db")
	tm := startTerm(b, "keys", "exec "+shq(bin)+" --db "+shq(db)+" demo")
	tm.waitFor("Sign in to start interviewing")
	tm.step("kb01", "Your name")
	tm.step("Kay Bee", "Next contact — Northwind customer satisfaction 2026")
	tm.keys("Down")
	tm.step("", "Outcome keys")
	tm.step("", "agree to take part?")
	tm.keys("y")
	tm.waitFor("On a scale from 0 to 10")
	ctl := newCtl(b, tm)
	b.Run("keystroke", func(b *testing.B) {
		measure(b, ctl, func(i int) string {
			if i%2 == 0 {
				return "7"
			}
			return "BSpace"
		})
	})
	b.Run("enter", func(b *testing.B) {
		// The field as an earlier run (-count) left it: empty it first.
		tm.keys("End", "BSpace", "BSpace", "BSpace", "BSpace")
		tm.keys("8")
		tm.waitFor("› 8")
		var d []time.Duration
		for b.Loop() {
			before := ctl.screen()
			start := time.Now()
			ctl.keys("Enter")
			waitChange(b, ctl, before, "Which of our services")
			d = append(d, time.Since(start))
			b.StopTimer()
			tm.keys("Escape")
			tm.waitFor("On a scale from 0 to 10", "› 8")
			time.Sleep(50 * time.Millisecond)
			b.StartTimer()
		}
		reportMedianMs(b, d)
	})
}

// measure sends key(i) b.N times, each time timing until the screen
// changes, with a pause between keys as a typist makes.
func measure(b *testing.B, c *ctl, key func(i int) string) {
	var d []time.Duration
	i := 0
	for b.Loop() {
		before := c.screen()
		start := time.Now()
		c.keys(key(i))
		waitChange(b, c, before, "")
		d = append(d, time.Since(start))
		b.StopTimer()
		time.Sleep(30 * time.Millisecond)
		b.StartTimer()
		i++
	}
	reportMedianMs(b, d)
}

// waitChange polls the screen until it differs from before (and shows
// want, when it is not "").
func waitChange(b *testing.B, c *ctl, before, want string) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := c.screen()
		if s != before && (want == "" || strings.Contains(s, want)) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the screen did not change; it shows:\n%s", s)
		}
	}
}

func reportMedianMs(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(d[len(d)*9/10].Microseconds())/1000, "p90-ms")
}

// ctl is a tmux control-mode client of a term's session: one process
// that takes commands on its input and answers each between %begin and
// %end lines.
type ctl struct {
	b   testing.TB
	in  io.Writer
	out *bufio.Reader
}

func newCtl(b testing.TB, tm *term) *ctl {
	cmd := exec.Command("tmux", "-L", tm.socket, "-C", "attach", "-t", "main")
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
	c := &ctl{b: b, in: in, out: bufio.NewReader(out)}
	c.answer("attach") // tmux answers the attach itself first
	c.run("refresh-client -C 100,30")
	return c
}

// run sends one command and returns its answer's lines.
func (c *ctl) run(command string) []string {
	if _, err := fmt.Fprintln(c.in, command); err != nil {
		c.b.Fatalf("tmux -C %s: %v", command, err)
	}
	return c.answer(command)
}

// answer reads the answer to the command sent last.
func (c *ctl) answer(command string) []string {
	var lines []string
	in := false
	for {
		l, err := c.out.ReadString('\n')
		if err != nil {
			c.b.Fatalf("tmux -C %s: %v", command, err)
		}
		l = strings.TrimRight(l, "\r\n")
		switch {
		case strings.HasPrefix(l, "%begin"):
			in, lines = true, nil
		case strings.HasPrefix(l, "%end"), strings.HasPrefix(l, "%error"):
			if in {
				return lines
			}
		case in:
			lines = append(lines, l)
		}
	}
}

func (c *ctl) screen() string { return strings.Join(c.run("capture-pane -p -t main"), "\n") }
func (c *ctl) keys(k string)  { c.run("send-keys -t main " + k) }
