package store

import (
	"path/filepath"
	"testing"
)

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		name          string
		db, xdg, home string
		want          string
	}{
		{"CANVASS_DB", "/srv/c.db", "/x", "/h", "/srv/c.db"},
		{"XDG_DATA_HOME", "", "/x", "/h", filepath.Join("/x", "canvass", "canvass.db")},
		{"home", "", "", "/h", filepath.Join("/h", ".local", "share", "canvass", "canvass.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CANVASS_DB", tt.db)
			t.Setenv("XDG_DATA_HOME", tt.xdg)
			t.Setenv("HOME", tt.home)
			if got := DefaultPath(); got != tt.want {
				t.Errorf("DefaultPath() = %q, want %q", got, tt.want)
			}
		})
	}
}
