package tui

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStartAsksTmuxNothing starts the console in tmux with a tmux command
// on its PATH that notes each run: the start must not run it (lipgloss's
// colour detection would, `tmux info`, 10 to 100 ms before the first
// frame), and the console still draws in the 256 colours tmux's terminal
// name promises.
func TestStartAsksTmuxNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests build and run the binary")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	fake := filepath.Join(dir, "bin")
	calls := filepath.Join(dir, "tmux-calls")
	if err := os.Mkdir(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho \"$@\" >> " + shq(calls) + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(fake, "tmux"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "c.db")
	tm := startTerm(t, "notmux", "PATH="+shq(fake)+":\"$PATH\" exec "+shq(bin)+" --db "+shq(db))
	tm.waitFor("Sign in to start interviewing")
	if b, err := os.ReadFile(calls); err == nil {
		t.Errorf("starting the console ran tmux: %q", strings.TrimSpace(string(b)))
	}
	// The pane's TERM is tmux's (tmux-256color or screen-256color):
	// colours come as 256-colour indexes, not as none and not as RGB.
	styled := tm.tmux("capture-pane", "-e", "-p", "-t", "main")
	if !strings.Contains(styled, "38;5;") {
		t.Errorf("the console in tmux draws no 256-colour text; the screen:\n%q", styled)
	}
	tm.keys("C-c")
	tm.waitExit()
}
