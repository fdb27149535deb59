package tui

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"canvass/store"
)

// TestDemoStoreRemoved: the demo's throwaway store goes with its key file
// when the console ends, and a key file that is the caller's stays.
func TestDemoStoreRemoved(t *testing.T) {
	for _, own := range []bool{false, true} {
		key := filepath.Join(t.TempDir(), "demo.key")
		d := Demo{OwnKey: own, Open: func(path string) (*store.Store, error) {
			return store.Open(path, store.Options{Encrypt: true, KeyFile: key})
		}}
		dir, path, keyFile, err := d.make()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil || keyFile != key {
			t.Fatalf("make: store %s (%v), key %q; want the store made with its key at %s", path, err, keyFile, key)
		}
		ended := errors.New("the console's error")
		if err := d.remove(dir, keyFile, ended); err != ended {
			t.Errorf("remove = %v, want the console's error alone", err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the demo store's directory is left: %v", err)
		}
		if _, err := os.Stat(key); errors.Is(err, os.ErrNotExist) != !own {
			t.Errorf("OwnKey %v: key file kept = %v, want %v", own, err == nil, own)
		}
	}
}
