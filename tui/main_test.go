package tui

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the tests, and the canvass binaries they start in tmux, a
// config directory of their own: stores made by canvass are encrypted and
// their key files go under the user's config directory, which a test run
// must not fill on the developer's machine.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "canvass-tui-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
