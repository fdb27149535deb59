package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// fixedClock returns a clock, safe for concurrent use, that starts at t and
// advances by step per call.
func fixedClock(t time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := t
		t = t.Add(step)
		return now
	}
}

var t0 = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "canvass.db"), Options{Now: fixedClock(t0, time.Millisecond)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenCreatesPrivateFileWithSchemaAndDevice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	dev := s.Device()
	if len(dev) != 16 {
		t.Errorf("Device() = %q, want 16 hex digits", dev)
	}
	if v, err := s.Schema(); err != nil || v != SchemaVersion {
		t.Errorf("Schema() = %d, %v, want %d", v, err, SchemaVersion)
	}
	s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of %s = %v, want 0600", path, fi.Mode().Perm())
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if s.Device() != dev {
		t.Errorf("device after reopen = %q, want %q (made once)", s.Device(), dev)
	}
}

func TestOpenSecondHandleFailsFastWithInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = Open(path, Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open = %v, want ErrInUse", err)
	}
	want := "the store " + path + " is in use by another canvass"
	if err.Error() != want {
		t.Errorf("second Open error = %q, want %q", err, want)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second Open took %v, want under 2s", d)
	}
}

func TestOpenRefusesWhatIsNotAStore(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte(strings.Repeat("hello, this is not a database\n", 400)), 0o600)
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("x"), 0o600)
	other := filepath.Join(dir, "other.db")
	db, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err })
	db.Close()
	for _, path := range []string{text, short, other} {
		_, err := Open(path, Options{})
		if err == nil || !strings.Contains(err.Error(), "not a canvass store") {
			t.Errorf("Open(%s) = %v, want a 'not a canvass store' error", filepath.Base(path), err)
		}
	}
	// The refused file is left as it was.
	if b, _ := os.ReadFile(short); string(b) != "x" {
		t.Errorf("Open changed a file it refused: %q", b)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kSchema, u64(SchemaVersion+1)) })
	s.Close()
	_, err = Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "use a newer canvass") {
		t.Fatalf("Open(newer schema) = %v, want a 'use a newer canvass' error", err)
	}
}

func TestMigrationsRunInOrderAfterBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var ran []uint64
	migs := append(migrations(),
		migration{to: SchemaVersion + 1, name: "add widgets", up: func(tx *bolt.Tx) error {
			ran = append(ran, SchemaVersion+1)
			_, err := tx.CreateBucket([]byte("widgets"))
			return err
		}},
		migration{to: SchemaVersion + 2, name: "fill widgets", up: func(tx *bolt.Tx) error {
			ran = append(ran, SchemaVersion+2)
			return tx.Bucket([]byte("widgets")).Put([]byte("a"), []byte("b"))
		}},
	)
	s, err = openWith(path, Options{Now: fixedClock(t0, 0)}, migs)
	if err != nil {
		t.Fatalf("open with migrations: %v", err)
	}
	defer s.Close()
	if len(ran) != 2 || ran[0] != SchemaVersion+1 || ran[1] != SchemaVersion+2 {
		t.Errorf("migrations ran %v, want [%d %d]", ran, SchemaVersion+1, SchemaVersion+2)
	}
	if v, _ := s.Schema(); v != SchemaVersion+2 {
		t.Errorf("Schema() = %d, want %d", v, SchemaVersion+2)
	}
	backups, _ := filepath.Glob(fmt.Sprintf("%s.schema%d-*.bak", path, SchemaVersion))
	if len(backups) != 1 {
		t.Fatalf("backups = %v, want one PATH.schema%d-*.bak", backups, SchemaVersion)
	}
	// The backup is the store as it was: schema 1, no widgets.
	b, err := openWith(backups[0], Options{}, migrations())
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer b.Close()
	if v, _ := b.Schema(); v != SchemaVersion {
		t.Errorf("backup schema = %d, want %d", v, SchemaVersion)
	}
}

func TestMigrationFailureLeavesOldSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	migs := append(migrations(), migration{to: SchemaVersion + 1, name: "break", up: func(tx *bolt.Tx) error {
		tx.CreateBucket([]byte("half"))
		return errors.New("disk on fire")
	}})
	if _, err := openWith(path, Options{}, migs); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("open with failing migration = %v, want its error", err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen after failed migration: %v", err)
	}
	defer s.Close()
	if v, _ := s.Schema(); v != SchemaVersion {
		t.Errorf("schema after failed migration = %d, want %d", v, SchemaVersion)
	}
}

func TestEventLogChainsAndDetectsTampering(t *testing.T) {
	s := openTest(t)
	for i := range 3 {
		err := s.db.Update(func(tx *bolt.Tx) error {
			_, err := s.appendTx(tx, KindReview, "sam", s.now(), map[string]int{"n": i})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var got []*Event
	s.Events(1, func(e *Event) error { got = append(got, e); return nil })
	if len(got) != 3 {
		t.Fatalf("Events() gave %d events, want 3", len(got))
	}
	for i, e := range got {
		if want := s.Device() + "-" + strings.Repeat("0", 15) + string(rune('1'+i)); e.ID != want {
			t.Errorf("event %d ID = %q, want %q", i, e.ID, want)
		}
		if i > 0 && e.Prev != got[i-1].Hash {
			t.Errorf("event %d Prev = %s, want previous hash %s", i, e.Prev, got[i-1].Hash)
		}
	}
	check := func() []string {
		var p []string
		s.db.View(func(tx *bolt.Tx) error { p = s.verifyChainTx(tx); return nil })
		return p
	}
	if p := check(); len(p) != 0 {
		t.Fatalf("verifyChain on a sound log = %v, want none", p)
	}
	// Alter the payload of event 2 behind the store's back.
	s.db.Update(func(tx *bolt.Tx) error {
		v := tx.Bucket(bEvents).Get(u64(2))
		nv := strings.Replace(string(v), `"data":"eyJuIjoxfQ=="`, `"data":"eyJuIjo5fQ=="`, 1)
		if nv == string(v) {
			t.Fatalf("test could not find the payload to alter in %s", v)
		}
		return tx.Bucket(bEvents).Put(u64(2), []byte(nv))
	})
	p := check()
	if len(p) != 1 || !strings.Contains(p[0], "event 2") || !strings.Contains(p[0], "altered") {
		t.Errorf("verifyChain after altering event 2 = %q, want one problem naming event 2", p)
	}
}

// xorCodec stands in for encryption at rest: it flips every byte.
type xorCodec struct{}

func (xorCodec) Seal(p []byte) ([]byte, error) { return xorBytes(p), nil }
func (xorCodec) Open(p []byte) ([]byte, error) { return xorBytes(p), nil }

func xorBytes(p []byte) []byte {
	out := make([]byte, len(p))
	for i, b := range p {
		out[i] = b ^ 0x5a
	}
	return out
}

// TestPersonalDataOnlyThroughCodec writes personal data through every path
// and then looks for it in the raw file: with a codec that changes every
// byte, none of it may be there in plain text.
func TestPersonalDataOnlyThroughCodec(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, Options{Codec: xorCodec{}})
	if err != nil {
		t.Fatal(err)
	}
	s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	importCSV(t, s, "s1", "id,phone,email,name,company,location,secret\n"+
		"a,415 555 0142,zelda.quux@example.com,Zelda Quux,Quuxcorp,Quuxville,quuxsecret\n")
	if _, _, err := s.AddOptOut("frodo.quux@example.com", "US", "", "sup"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddOptOut("+1 415 555 0177", "US", "", "sup"); err != nil {
		t.Fatal(err)
	}
	id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: "a", Interviewer: "ivy", Agreed: true, Text: "quuxconsent"})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.SaveAnswer(id, model.AnswerEvent{Item: "age", Value: "quuxanswer", Other: "quuxother"}, []byte(`{"quuxstate":1}`)))
	// What was written reads back through the codec.
	c, _, err := s.Contact("s1", "a")
	if err != nil || c.Name != "Zelda Quux" {
		t.Fatalf("Contact through the codec = %+v, %v", c, err)
	}
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, personal := range []string{"Zelda", "zelda.quux", "+14155550142", "4155550142", "Quuxcorp", "Quuxville", "quuxsecret",
		"frodo.quux", "+14155550177", "quuxconsent", "quuxanswer", "quuxother", "quuxstate"} {
		if bytes.Contains(raw, []byte(personal)) {
			t.Errorf("the store file holds %q in plain text", personal)
		}
	}
}

// syncedFreelist reads the store file's current bbolt meta page (the one of
// the two with the higher transaction id) and reports whether it records a
// free-page list, which lets Open read the list instead of scanning every
// page of the file.
func syncedFreelist(t *testing.T, path string) bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A meta page: 16-byte page header, then magic(4) version(4)
	// pageSize(4) flags(4) root(16) freelist(8) pgid(8) txid(8).
	pageSize := int(binary.LittleEndian.Uint32(raw[16+8:]))
	var freelist, txid uint64
	for _, off := range []int{0, pageSize} {
		m := raw[off+16:]
		if tx := binary.LittleEndian.Uint64(m[48:]); tx >= txid {
			txid, freelist = tx, binary.LittleEndian.Uint64(m[32:])
		}
	}
	return freelist != ^uint64(0)
}

// TestCloseWritesFreelist: commits leave the free-page list out (it would
// be rewritten with every answer), and Close writes it, so that opening a
// large store does not scan it; after a crash (no Close) Open rebuilds it.
func TestCloseWritesFreelist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, Options{Now: fixedClock(t0, time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "s1", "id,phone\n1,4155550100\n2,4155550101\n")
	if _, _, err := s.AddOptOut("4155550101", "US", "asked", "ivy"); err != nil {
		t.Fatal(err)
	}
	if syncedFreelist(t, path) {
		t.Errorf("after a commit the file records a free-page list; commits should leave it out")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !syncedFreelist(t, path) {
		t.Errorf("after Close the file records no free-page list; the next Open would scan the file")
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if on, _, err := s.OptedOut("(415) 555-0101", "US"); err != nil || !on {
		t.Errorf("OptedOut after reopening = %v, %v, want true", on, err)
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) > 0 {
		t.Errorf("Doctor() after reopening = %+v, %v, want no problems", rep, err)
	}
}

// TestEveryBucketExistsAtOpen (issue 12): a new store has every bucket of
// the layout, and a store of schema 5, which made some of them on their
// first write, gets the missing ones from the migration to schema 6.
func TestEveryBucketExistsAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	missing := func(s *Store) (out []string) {
		s.db.View(func(tx *bolt.Tx) error {
			for _, name := range allBuckets() {
				if tx.Bucket(name) == nil {
					out = append(out, string(name))
				}
			}
			return nil
		})
		return out
	}
	if m := missing(s); len(m) > 0 {
		t.Fatalf("a new store lacks the buckets %v", m)
	}
	// As a schema 5 store that never wrote a note, a review or a device.
	lazy := [][]byte{bConsole, bINotes, bCallNotes, bReviews, bXData, bXSteps, bXReview, bLastIV,
		bUsers, bUserKeys, bDevices, bAssigned, bSeen, bHeld, bMessages, bQCount, bQIV, bIAssign}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range lazy {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(5))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m := missing(s); len(m) > 0 {
		t.Errorf("after the migration to schema 6 the store lacks %v", m)
	}
	if v, _ := s.Schema(); v != SchemaVersion {
		t.Errorf("Schema() = %d, want %d", v, SchemaVersion)
	}
}
