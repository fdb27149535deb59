// Package termenv keeps the console's start from asking tmux for its
// colours.
//
// lipgloss detects the colour profile of standard output when its package
// is initialised, and inside tmux that detection runs `tmux info` (a
// process, and a round trip to the tmux server: 10 to 100 ms before the
// first frame, every start). This package is initialised before lipgloss
// (Go initialises packages in the order of their import paths wherever
// their imports allow, and canvass/… sorts before charm.land/…; this one
// imports only os), and hides TMUX from that detection; [Restore] puts it
// back once lipgloss is initialised. Inside tmux the console then draws
// with the 256 colours the terminal name promises (tmux-256color,
// screen-256color), or with true colour when COLORTERM says so.
package termenv

import "os"

// tmux is TMUX as the process was started with it; set reports whether
// it was set at all.
var (
	tmux string
	set  bool
)

func init() {
	tmux, set = os.LookupEnv("TMUX")
	if set {
		os.Unsetenv("TMUX")
	}
}

// Restore puts TMUX back in the environment as the process was started
// with it, and reports whether it was set (the console runs inside tmux).
// The tui package calls it when it is initialised, after lipgloss.
func Restore() (inTmux bool) {
	if set && os.Getenv("TMUX") == "" {
		os.Setenv("TMUX", tmux)
	}
	return set && tmux != ""
}
