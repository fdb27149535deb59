package cli

import (
	"canvass/store"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// How the commands open the store: encrypted, with its key, and the hints
// a user needs when the store or its key is not where they said.

// withStore opens the store at --db, runs fn with it and closes it.
func (a *app) withStore(fn func(*store.Store) error) error {
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// inSurvey is withExistingStore for a command on one installed survey:
// an id that is not installed is an error naming it, before fn runs.
func (a *app) inSurvey(survey string, fn func(*store.Store) error) error {
	return a.withExistingStore(func(st *store.Store) error {
		if err := st.CheckSurvey(survey); err != nil {
			return err
		}
		return fn(st)
	})
}

// withExistingStore is withStore for the commands that read, or need what
// the store already holds: a path with no store is an error (exit 1, 2
// for optout check), never a new empty store that answers "not on the
// list".
func (a *app) withExistingStore(fn func(*store.Store) error) error {
	o := a.storeOptions()
	o.MustExist = true
	return a.withOptions(o, fn)
}

// withOptions opens the --db store with o, runs fn with it and closes it.
func (a *app) withOptions(o store.Options, fn func(*store.Store) error) error {
	st, err := a.openWith(a.db, o)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// openExisting opens the --db store, which must exist.
func (a *app) openExisting() (*store.Store, error) {
	o := a.storeOptions()
	o.MustExist = true
	return a.openWith(a.db, o)
}

// openStore opens the --db store, making its directory if need be.
func (a *app) openStore() (*store.Store, error) {
	if err := os.MkdirAll(filepath.Dir(a.db), 0o700); err != nil {
		return nil, fmt.Errorf("make the store's directory: %w", err)
	}
	return a.open(a.db)
}

// storeOptions are how canvass opens every store: a store it creates is
// encrypted, with its key file at --key or the default place, or wrapped
// with CANVASS_PASSPHRASE when that is set (never a flag: ps shows flags).
func (a *app) storeOptions() store.Options {
	return store.Options{Encrypt: true, KeyFile: a.key, Passphrase: os.Getenv("CANVASS_PASSPHRASE")}
}

// open opens the store at path with its key.
func (a *app) open(path string) (*store.Store, error) { return a.openWith(path, a.storeOptions()) }

func (a *app) openWith(path string, o store.Options) (*store.Store, error) {
	st, err := store.Open(path, o)
	if errors.Is(err, store.ErrNoStore) {
		return nil, fmt.Errorf("%w; give the store with --db PATH or CANVASS_DB", err)
	}
	if errors.Is(err, store.ErrKeyMissing) || errors.Is(err, store.ErrWrongKey) {
		return nil, fmt.Errorf("%w; give the store's key file with --key PATH or CANVASS_KEY, or its passphrase in CANVASS_PASSPHRASE", err)
	}
	if err == nil && st.Tightened() != 0 {
		fmt.Fprintf(a.stderr, "canvass: note: others could read the store %s (mode %04o); it is now private (0600)\n", path, st.Tightened())
	}
	return st, err
}
