package store

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func openTemp(t *testing.T, name string, encrypt bool) *Store {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, name), Options{Encrypt: encrypt, KeyDir: filepath.Join(dir, "keys"), Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestIdentityIsMadeOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.db")
	opts := Options{Encrypt: true, KeyDir: filepath.Join(dir, "keys")}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Identity()
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	again, err := s.Identity()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("identity changed across opens (-first +again):\n%s", diff)
	}
	if first.Device != s.Device() {
		t.Errorf("identity names device %s, the store is %s", first.Device, s.Device())
	}
}

func TestPublicIdentityFile(t *testing.T) {
	s := openTemp(t, "s.db", false)
	p, err := s.Identity()
	if err != nil {
		t.Fatal(err)
	}
	text, err := p.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePublicIdentity(text)
	if err != nil {
		t.Fatalf("ParsePublicIdentity(%q): %v", text, err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	lines := strings.Split(string(text), "\n")
	bad := map[string]string{
		"empty":         "",
		"another file":  "hello\n",
		"no device":     strings.Join([]string{lines[0], lines[2], lines[3]}, "\n"),
		"bad device":    strings.Replace(string(text), p.Device, "xyz", 1),
		"bad age":       strings.Replace(string(text), p.Age, "age1nothing", 1),
		"short ed25519": strings.Replace(string(text), lines[3], "ed25519 AAAA", 1),
		"unknown line":  string(text) + "colour blue\n",
	}
	for name, in := range bad {
		if _, err := ParsePublicIdentity([]byte(in)); err == nil {
			t.Errorf("%s: ParsePublicIdentity(%q) = nil error, want one", name, in)
		}
	}
}

func TestAddDeviceRules(t *testing.T) {
	hub := openTemp(t, "hub.db", false)
	lap := openTemp(t, "lap.db", false)
	other := openTemp(t, "other.db", false)
	hp, lp, op := mustIdentity(t, hub), mustIdentity(t, lap), mustIdentity(t, other)
	if _, err := hub.AddDevice("laptop-1", lp, RoleLaptop, "sup"); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.AddDevice("laptop-1", lp, RoleLaptop, "sup"); err != nil {
		t.Errorf("registering the same laptop again: %v, want nil", err)
	}
	for name, f := range map[string]func() error{
		"its own identity":         func() error { _, err := hub.AddDevice("me", hp, RoleLaptop, "sup"); return err },
		"a name taken":             func() error { _, err := hub.AddDevice("laptop-1", op, RoleLaptop, "sup"); return err },
		"a device under two names": func() error { _, err := hub.AddDevice("laptop-9", lp, RoleLaptop, "sup"); return err },
		"a hub of a hub":           func() error { _, err := hub.AddDevice("hq", op, RoleHub, "sup"); return err },
		"a bad name":               func() error { _, err := hub.AddDevice("two words", op, RoleLaptop, "sup"); return err },
	} {
		if err := f(); err == nil {
			t.Errorf("%s: AddDevice = nil, want an error", name)
		}
	}
	if _, err := lap.AddDevice("hub", hp, RoleHub, "ivy"); err != nil {
		t.Fatal(err)
	}
	if _, err := lap.AddDevice("hub2", op, RoleHub, "ivy"); err == nil {
		t.Error("a second hub: AddDevice = nil, want an error")
	}
	if _, err := lap.AddDevice("laptop-2", op, RoleLaptop, "ivy"); err == nil {
		t.Error("a laptop registering a laptop: AddDevice = nil, want an error")
	}
	ds, err := hub.Devices()
	if err != nil || len(ds) != 1 || ds[0].Name != "laptop-1" || ds[0].Role != RoleLaptop {
		t.Errorf("hub's Devices = %+v, %v", ds, err)
	}
}

func TestLaptopWithItsOwnListCannotJoin(t *testing.T) {
	hub := openTemp(t, "hub.db", true)
	// Contacts of its own.
	withSample := newIntentStore(t)
	if _, err := withSample.AddDevice("hub", mustIdentity(t, hub), RoleHub, "ivy"); err == nil || !strings.Contains(err.Error(), "contacts of its own") {
		t.Errorf("a store with contacts joining a hub: %v, want the refusal", err)
	}
	// A bulk opt-out list of its own.
	withList := openTemp(t, "list.db", true)
	if _, err := withList.ImportOptOuts(strings.NewReader("+13035550100\n"), "dnc.txt", "US", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := withList.AddDevice("hub", mustIdentity(t, hub), RoleHub, "ivy"); err == nil || !strings.Contains(err.Error(), "imported in bulk") {
		t.Errorf("a store with a bulk list joining a hub: %v, want the refusal", err)
	}
	// Opt-outs recorded one by one are no obstacle.
	withOne := openTemp(t, "one.db", true)
	if _, _, err := withOne.AddOptOut("+13035550100", "US", "asked", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := withOne.AddDevice("hub", mustIdentity(t, hub), RoleHub, "ivy"); err != nil {
		t.Errorf("a store with a single opt-out joining a hub: %v, want nil", err)
	}
	// Once joined, a laptop takes no contacts of its own, and no list
	// before its hub's first bundle.
	if _, err := withOne.ImportContacts(strings.NewReader("id,phone\nX,+13035550199\n"), ImportOptions{Survey: "s", Source: "client", Region: "US"}); err == nil || !strings.Contains(err.Error(), "takes its contacts from it") {
		t.Errorf("a contact import on a laptop: %v, want the refusal", err)
	}
	if _, err := withOne.ImportOptOuts(strings.NewReader("+13035550101\n"), "dnc.txt", "US", "x"); err == nil || !strings.Contains(err.Error(), "not yet applied a bundle") {
		t.Errorf("a list import on a laptop before its hub's first bundle: %v, want the refusal", err)
	}
}

func mustIdentity(t testing.TB, s *Store) PublicIdentity {
	t.Helper()
	p, err := s.Identity()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
