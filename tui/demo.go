package tui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"canvass/store"
)

// Demo is the throwaway store `canvass demo` runs the console on: made in
// a directory of its own, loaded with the built-in study, and removed with
// its key file when the console ends, unless kept.
type Demo struct {
	// Open opens (and, the first time, makes) the store at path.
	Open func(path string) (*store.Store, error)
	// Study loads the built-in study into the store (see [RunOnStore]).
	Study func(*store.Store) error
	// Keep keeps the store, and says where on Notes before the console
	// starts, so that it is known however the console ends.
	Keep  bool
	Notes io.Writer
	// OwnKey is set when the store's key file is the caller's (--key):
	// it may serve other stores, so it is never removed.
	OwnKey bool
}

// Run makes the demo store, runs the console on it and removes it.
func (d Demo) Run() error {
	dir, path, keyFile, err := d.make()
	if err != nil {
		return err
	}
	if d.Keep {
		where := "its key at " + keyFile
		if keyFile == "" {
			where = "opened with CANVASS_PASSPHRASE"
		}
		fmt.Fprintf(d.Notes, "canvass: the demo store is kept at %s (%s)\n", path, where)
	}
	err = RunOnStore(func() (*store.Store, error) { return d.Open(path) }, d.Study, true, Console{})
	if d.Keep {
		return err
	}
	return d.remove(dir, keyFile, err)
}

// make makes the store, in a new directory dir, to learn its key file.
func (d Demo) make() (dir, path, keyFile string, err error) {
	dir, err = os.MkdirTemp("", "canvass-demo-")
	if err != nil {
		return "", "", "", fmt.Errorf("make the demo store: %w", err)
	}
	path = filepath.Join(dir, "demo.db")
	st, err := d.Open(path)
	if err != nil {
		os.RemoveAll(dir)
		return "", "", "", fmt.Errorf("make the demo store: %w", err)
	}
	keyFile = st.KeyFile()
	st.Close()
	return dir, path, keyFile, nil
}

// remove removes the store's directory and its key file (unless the key
// is the caller's), adding what fails to err, the console's.
func (d Demo) remove(dir, keyFile string, err error) error {
	if rerr := os.RemoveAll(dir); rerr != nil {
		return errors.Join(err, fmt.Errorf("remove the demo store: %w", rerr))
	}
	if keyFile != "" && !d.OwnKey {
		if rerr := os.Remove(keyFile); rerr != nil && err == nil {
			err = fmt.Errorf("remove the demo store's key: %w", rerr)
		}
	}
	return err
}
