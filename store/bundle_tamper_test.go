package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// syncState is what a bundle in could change: the log's length and the
// record of every device.
func syncState(t testing.TB, s *Store) string {
	t.Helper()
	var b bytes.Buffer
	err := s.db.View(func(tx *bolt.Tx) error {
		fmt.Fprintf(&b, "head %d\n", nextSeqTx(tx))
		ds, err := devicesTx(tx)
		for _, d := range ds {
			fmt.Fprintf(&b, "%s applied %d acked %d held %d\n", d.Name, d.Applied, d.Acked, len(d.Held))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// refusesEveryAlteration applies copies of the bundle at path to s, each
// with one byte altered at one of positions, and fails unless each is
// refused with nothing changed.
func refusesEveryAlteration(t *testing.T, s *Store, path string, positions []int) {
	t.Helper()
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before := syncState(t, s)
	for _, i := range positions {
		b := bytes.Clone(orig)
		b[i] ^= byte(1 << (i % 8))
		_, err := s.bundleIn(bytesSource(b), "altered.bundle", "t", false)
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("byte %d of %d altered: BundleIn = %v, want it refused", i, len(b), err)
		}
	}
	if after := syncState(t, s); after != before {
		t.Errorf("altered bundles changed the store:\n%s\nwas\n%s", after, before)
	}
}

func TestEveryAlteredByteIsRefused(t *testing.T) {
	r := newSyncRig(t, rigOptions{laptops: 2, contacts: 2, encrypt: true})
	lap := r.laptops[0]
	must(t, errOf(r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-1", Count: 1, Actor: "sup"})))
	down := r.out(r.hub, "laptop-1")
	// Every byte of a small bundle, each way.
	all := func(path string) []int {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		var ps []int
		for i := range int(fi.Size()) {
			ps = append(ps, i)
		}
		return ps
	}
	refusesEveryAlteration(t, lap, down, all(down))
	r.in(lap, down)
	r.interview(lap, "ivy")
	up := r.out(lap, "hub")
	refusesEveryAlteration(t, r.hub, up, all(up))
	r.in(r.hub, up)
	// A bundle replayed to another laptop.
	if _, err := r.laptops[1].BundleIn(down, "t"); !errors.Is(err, ErrRefused) {
		t.Errorf("a bundle for laptop 1 applied on laptop 2: %v, want it refused", err)
	}
	r.clean()
}

func TestAlteredBytesOfALargeBundleAreRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("makes a bundle of a few hundred interviews")
	}
	r := newSyncRig(t, rigOptions{laptops: 1, contacts: 120})
	lap := r.laptops[0]
	must(t, errOf(r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-1", Count: 120, Actor: "sup"})))
	r.in(lap, r.out(r.hub, "laptop-1"))
	for r.interview(lap, "ivy") != "" {
	}
	up := r.out(lap, "hub")
	fi, err := os.Stat(up)
	if err != nil {
		t.Fatal(err)
	}
	n := int(fi.Size())
	rnd := rand.New(rand.NewPCG(1, 2))
	var ps []int
	for i := range 200 {
		ps = append(ps, i, n-1-i)
	}
	for range 400 {
		ps = append(ps, rnd.IntN(n))
	}
	refusesEveryAlteration(t, r.hub, up, ps)
	r.in(r.hub, up)
	r.clean()
}
