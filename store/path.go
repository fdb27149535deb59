package store

import (
	"os"
	"path/filepath"
)

// DefaultPath is where canvass keeps its store when no --db is given:
// CANVASS_DB, else canvass/canvass.db under the user's data directory
// ($XDG_DATA_HOME, else ~/.local/share, else the user's configuration
// directory), else canvass.db here.
func DefaultPath() string {
	if p := os.Getenv("CANVASS_DB"); p != "" {
		return p
	}
	dir, err := os.UserConfigDir()
	if xdg := os.Getenv("XDG_DATA_HOME"); xdg != "" {
		dir, err = xdg, nil
	} else if home, herr := os.UserHomeDir(); herr == nil {
		dir, err = filepath.Join(home, ".local", "share"), nil
	}
	if err != nil {
		return "canvass.db"
	}
	return filepath.Join(dir, "canvass", "canvass.db")
}
