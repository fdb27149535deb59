package store

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/surveys"

	"canvass/model/phonenumbers"
	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustCodec(t testing.TB, key []byte) *AESCodec {
	t.Helper()
	c, err := NewAESCodec(key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAESCodecRoundTrip(t *testing.T) {
	c := mustCodec(t, testKey(1))
	for _, plain := range [][]byte{nil, {}, []byte("x"), []byte(`{"name":"Ana Alvarez","phone":"+12125550100"}`), bytes.Repeat([]byte("state"), 1000)} {
		sealed, err := c.Seal(plain)
		if err != nil {
			t.Fatalf("Seal(%.20q): %v", plain, err)
		}
		if got, want := len(sealed), 1+12+len(plain)+16; got != want {
			t.Errorf("len(Seal(%.20q)) = %d, want %d", plain, got, want)
		}
		// A short text may turn up in random bytes by chance (a 1-byte one
		// in about one seal in nine), so only texts of 8 bytes or more,
		// which cannot, are looked for.
		if len(plain) >= 8 && bytes.Contains(sealed, plain) {
			t.Errorf("Seal(%.20q) holds the plain text", plain)
		}
		got, err := c.Open(sealed)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("Open(Seal(%.20q)) = %.20q, %v; want the plain text", plain, got, err)
		}
	}
}

func TestAESCodecNonceIsFresh(t *testing.T) {
	c := mustCodec(t, testKey(1))
	seen := map[string]bool{}
	for range 1000 {
		sealed, err := c.Seal([]byte("same"))
		if err != nil {
			t.Fatal(err)
		}
		nonce := string(sealed[1:13])
		if seen[nonce] {
			t.Fatalf("Seal reused nonce %x", nonce)
		}
		seen[nonce] = true
	}
}

func TestAESCodecRejectsTamperedAndForeign(t *testing.T) {
	c := mustCodec(t, testKey(1))
	sealed, err := c.Seal([]byte("Ana Alvarez, (212) 555-0100"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := mustCodec(t, testKey(2)).Seal([]byte("Ana Alvarez, (212) 555-0100"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":              {},
		"version only":       {sealVersion},
		"truncated tag":      sealed[:len(sealed)-1],
		"no ciphertext":      sealed[:13],
		"plain json":         []byte(`{"name":"Ana Alvarez"}`),
		"another key":        other,
		"unknown version":    append([]byte{2}, sealed[1:]...),
		"appended byte":      append(bytes.Clone(sealed), 0),
		"plain with version": append([]byte{sealVersion}, bytes.Repeat([]byte("a"), 40)...),
	}
	for i := range sealed {
		flipped := bytes.Clone(sealed)
		flipped[i] ^= 0x01
		cases[fmt.Sprintf("flip byte %d", i)] = flipped
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := c.Open(v)
			if !errors.Is(err, ErrSealed) {
				t.Errorf("Open(%x) = %q, %v; want an error wrapping ErrSealed", v, got, err)
			}
		})
	}
}

func TestNewAESCodecKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := NewAESCodec(make([]byte, n)); err == nil {
			t.Errorf("NewAESCodec(%d bytes) = nil error, want one (AES-256 needs 32)", n)
		}
	}
}

func TestParseKeyFile(t *testing.T) {
	good := storeKey{ID: "0123456789abcdef", Key: testKey(7)}
	text := string(formatKeyFile(good))
	tests := []struct {
		name, in string
		want     storeKey
		ok       bool
	}{
		{"as written", text, good, true},
		{"crlf", strings.ReplaceAll(text, "\n", "\r\n"), good, true},
		{"no final newline", strings.TrimSuffix(text, "\n"), good, true},
		{"empty", "", storeKey{}, false},
		{"raw key bytes", string(testKey(7)), storeKey{}, false},
		{"other header", strings.Replace(text, "canvass-store-key 1", "canvass-store-key 2", 1), storeKey{}, false},
		{"short id", strings.Replace(text, "id 0123456789abcdef", "id 0123", 1), storeKey{}, false},
		{"upper-case id", strings.Replace(text, "id 0123456789abcdef", "id 0123456789ABCDEF", 1), storeKey{}, false},
		{"short key", "canvass-store-key 1\nid 0123456789abcdef\nkey AAAA\n", storeKey{}, false},
		{"bad base64", "canvass-store-key 1\nid 0123456789abcdef\nkey !!!!\n", storeKey{}, false},
		{"extra line", text + "more\n", storeKey{}, false},
		{"lines swapped", "canvass-store-key 1\n" + strings.SplitN(text, "\n", 3)[2] + "id 0123456789abcdef\n", storeKey{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseKeyFile([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("parseKeyFile(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); tt.ok && diff != "" {
				t.Errorf("parseKeyFile(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func FuzzParseKeyFile(f *testing.F) {
	f.Add(string(formatKeyFile(storeKey{ID: "0123456789abcdef", Key: testKey(7)})))
	f.Add("canvass-store-key 1\r\nid 0123456789abcdef\r\nkey AAAA\r\n")
	f.Add("")
	f.Add("canvass-store-key 1\nid \nkey \n")
	f.Fuzz(func(t *testing.T, in string) {
		k, err := parseKeyFile([]byte(in))
		if err != nil {
			return
		}
		if len(k.Key) != KeySize || !validKeyID(k.ID) {
			t.Fatalf("parseKeyFile(%q) = %+v, an invalid key without an error", in, k)
		}
		again, err := parseKeyFile(formatKeyFile(k))
		if err != nil || again.ID != k.ID || !bytes.Equal(again.Key, k.Key) {
			t.Fatalf("parseKeyFile(formatKeyFile(%+v)) = %+v, %v; want the same key", k, again, err)
		}
	})
}

// openEncrypted makes or opens an encrypted store the way main does, with
// its key files in keys instead of the user's configuration directory.
func openEncrypted(t testing.TB, path, keys string) *Store {
	t.Helper()
	s, err := Open(path, Options{Encrypt: true, KeyDir: keys, Now: fixedClock(t0, time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEncryptedStoreKeyFile(t *testing.T) {
	dir, keys := t.TempDir(), filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "c.db")
	s := openEncrypted(t, path, keys)
	if !s.Encrypted() {
		t.Fatalf("Encrypted() = false for a store opened with Encrypt")
	}
	kf := s.KeyFile()
	if filepath.Dir(kf) != keys {
		t.Errorf("KeyFile() = %s, want a file in %s", kf, keys)
	}
	s.Close()
	for _, c := range []struct {
		path string
		want os.FileMode
	}{{kf, 0o600}, {keys, 0o700 | os.ModeDir}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != c.want {
			t.Errorf("mode of %s = %v, want %v", c.path, fi.Mode(), c.want)
		}
	}
	// Opening again, with or without Encrypt, uses the same key file.
	for _, opts := range []Options{{KeyDir: keys}, {Encrypt: true, KeyDir: keys}, {KeyFile: kf}} {
		s, err := Open(path, opts)
		if err != nil {
			t.Fatalf("Open(%+v) again: %v", opts, err)
		}
		if s.KeyFile() != kf {
			t.Errorf("Open(%+v).KeyFile() = %s, want %s", opts, s.KeyFile(), kf)
		}
		s.Close()
	}
	entries, _ := os.ReadDir(keys)
	if len(entries) != 1 {
		t.Errorf("key directory holds %d files after reopening, want 1", len(entries))
	}
}

// TestEncryptedStoreHoldsNoPersonalData loads the demo study into a store
// made the way canvass makes it, takes an interview with open answers and
// notes, suspends it, and then looks for the sample's personal data in the
// raw file.
func TestEncryptedStoreHoldsNoPersonalData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s := openEncrypted(t, path, t.TempDir())
	d, err := surveys.Demo()
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.LoadStudy(Study{Surveys: d.Surveys, Sample: d.Sample, SampleSurvey: d.SampleSurvey, OptOuts: d.OptOuts, Source: "demo"}, "US", "sup"))
	sv := d.SampleSurvey
	id, err := s.StartInterview(model.Consent{Survey: sv, Contact: "NW1001", Interviewer: "ivy", Agreed: true, At: t0})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.SaveAnswer(id, model.AnswerEvent{Item: "nps_reason", Value: "zorblax staff were kind", Answered: t0}, []byte(`{"nps_reason":"zorblax staff were kind"}`)))
	must(t, s.SaveAnswer(id, model.AnswerEvent{Item: "comment", Value: "quibbleford waited long", Answered: t0}, []byte(`{"comment":"quibbleford waited long"}`)))
	must(t, s.AddNote(id, Note{Item: "comment", Text: "notewise frobnicate", By: "ivy"}))
	must(t, s.AddCallNote(sv, "NW1002", t0, "callnote snorkel", "ivy"))
	must(t, s.Suspend(id, "ivy", "suspendnote wibble"))
	c, _, err := s.Contact(sv, "NW1001")
	if err != nil || c.Name != "Ana Alvarez" {
		t.Fatalf("Contact(%s, NW1001) = %+v, %v; want Ana Alvarez read back", sv, c, err)
	}
	if p, err := s.VerifySealed(0); err != nil || len(p) != 0 {
		t.Errorf("VerifySealed = %q, %v; want no problems", p, err)
	}
	s.Close()

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	personal := []string{"zorblax", "quibbleford", "notewise", "snorkel", "suspendnote"}
	rows, err := csv.NewReader(bytes.NewReader(d.Sample)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, r := range rows[1:] {
		personal = append(personal, r[col["name"]], r[col["phone"]])
		if e := r[col["email"]]; e != "" {
			personal = append(personal, e)
		}
		n, err := phonenumbers.Parse(r[col["phone"]], "US")
		if err != nil {
			t.Fatalf("demo phone %q: %v", r[col["phone"]], err)
		}
		personal = append(personal, phonenumbers.Format(n, phonenumbers.E164),
			phonenumbers.GetNationalSignificantNumber(n), phonenumbers.Format(n, phonenumbers.NATIONAL))
	}
	personal = append(personal, d.OptOuts...)
	for _, p := range personal {
		if bytes.Contains(raw, []byte(p)) {
			t.Errorf("the encrypted store file holds %q in plain text", p)
		}
	}
	if len(personal) < 150 {
		t.Fatalf("looked for only %d personal values; the demo sample did not load", len(personal))
	}
}

// keyErrorCase is a broken key situation and what Open must say about it.
type keyErrorCase struct {
	name   string
	break_ func(t *testing.T, kf string) Options
	is     error
	says   string
}

func TestOpenEncryptedStoreKeyProblems(t *testing.T) {
	cases := []keyErrorCase{
		{"missing", func(t *testing.T, kf string) Options {
			must(t, os.Remove(kf))
			return Options{KeyDir: filepath.Dir(kf)}
		}, ErrKeyMissing, "is encrypted and its key file " + "KF" + " is missing"},
		{"missing, given explicitly", func(t *testing.T, kf string) Options {
			return Options{KeyFile: kf + ".elsewhere"}
		}, ErrKeyMissing, "is encrypted and its key file KF.elsewhere is missing"},
		{"another store's key", func(t *testing.T, kf string) Options {
			o := openEncrypted(t, filepath.Join(t.TempDir(), "other.db"), t.TempDir())
			defer o.Close()
			return Options{KeyFile: o.KeyFile()}
		}, ErrWrongKey, "wrong key"},
		{"same id, other key", func(t *testing.T, kf string) Options {
			k, err := readKeyFile(kf)
			must(t, err)
			k.Key[0] ^= 1
			must(t, os.WriteFile(kf, formatKeyFile(k), 0o600))
			return Options{KeyDir: filepath.Dir(kf)}
		}, ErrWrongKey, "does not open it (wrong key)"},
		{"readable by others", func(t *testing.T, kf string) Options {
			must(t, os.Chmod(kf, 0o644))
			return Options{KeyDir: filepath.Dir(kf)}
		}, nil, "chmod 600"},
		{"not a key file", func(t *testing.T, kf string) Options {
			must(t, os.WriteFile(kf, testKey(1), 0o600))
			return Options{KeyDir: filepath.Dir(kf)}
		}, nil, "not a canvass key file"},
		{"another codec", func(t *testing.T, kf string) Options {
			return Options{KeyDir: filepath.Dir(kf), Codec: xorCodec{}}
		}, nil, "cannot be opened with another codec"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.db")
			s := openEncrypted(t, path, t.TempDir())
			s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
			importCSV(t, s, "s1", "id,phone,name\na,4155550100,Zelda Quux\n")
			kf := s.KeyFile()
			s.Close()
			opts := tc.break_(t, kf)
			before, err := os.ReadFile(path)
			must(t, err)
			got, err := Open(path, opts)
			if err == nil {
				got.Close()
				t.Fatalf("Open with %s = a store, want an error", tc.name)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Open with %s = %v, want an error wrapping %v", tc.name, err, tc.is)
			}
			if want := strings.ReplaceAll(tc.says, "KF", kf); !strings.Contains(err.Error(), want) {
				t.Errorf("Open with %s = %q, want it to say %q", tc.name, err, want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("Open with %s = %q, want it to name the store %s", tc.name, err, path)
			}
			after, err := os.ReadFile(path)
			must(t, err)
			if !bytes.Equal(before, after) {
				t.Errorf("Open with %s changed the store file", tc.name)
			}
		})
	}
}

// TestTamperedValue flips a byte in sealed values of every kind: reads say
// so, writes that need the value write nothing, doctor lists them.
func TestTamperedValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	keys := t.TempDir()
	s := openEncrypted(t, path, keys)
	defer func() { s.Close() }()
	s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	importCSV(t, s, "s1", "id,phone,name\na,4155550100,Zelda Quux\nb,4155550101,Yuri Quux\n")
	id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: "a", Interviewer: "ivy", Agreed: true})
	must(t, err)
	must(t, s.SaveAnswer(id, model.AnswerEvent{Item: "age", Value: "41"}, []byte(`{}`)))
	flip := func(bucket, key []byte) {
		t.Helper()
		must(t, s.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucket)
			v := bytes.Clone(b.Get(key))
			v[len(v)/2] ^= 0x20
			return b.Put(key, v)
		}))
	}
	head := func() []byte {
		var h []byte
		s.db.View(func(tx *bolt.Tx) error { h = bytes.Clone(tx.Bucket(bMeta).Get(kHead)); return nil })
		return h
	}

	flip(bInterviews, []byte(id))
	before := head()
	err = s.SaveAnswer(id, model.AnswerEvent{Item: "fruit", Value: "pear"}, []byte(`{}`))
	if !errors.Is(err, ErrSealed) || !strings.Contains(err.Error(), "altered") {
		t.Errorf("SaveAnswer to a tampered interview = %v, want an error wrapping ErrSealed", err)
	}
	if !bytes.Equal(head(), before) {
		t.Errorf("SaveAnswer to a tampered interview appended an event")
	}

	var block []byte
	s.db.View(func(tx *bolt.Tx) error {
		cid, err := s.cidTx(tx, "s1", "b")
		must(t, err)
		c := tx.Bucket(bCBlocks).Cursor()
		k, _ := c.Seek(u64(cid))
		if k == nil || !bytes.Equal(k, u64(cid)) {
			k, _ = c.Prev()
		}
		block = bytes.Clone(k)
		return nil
	})
	flip(bCBlocks, block)
	if _, _, err := s.Contact("s1", "b"); !errors.Is(err, ErrSealed) {
		t.Errorf("Contact(s1, b) after tampering = %v, want an error wrapping ErrSealed", err)
	}

	// The payload of event 1 (a survey added) is sealed inside its JSON.
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		var se storedEvent
		if err := json.Unmarshal(tx.Bucket(bEvents).Get(u64(1)), &se); err != nil {
			return err
		}
		se.Sealed[len(se.Sealed)-1] ^= 1
		v, err := json.Marshal(se)
		if err != nil {
			return err
		}
		return tx.Bucket(bEvents).Put(u64(1), v)
	}))

	p, err := s.VerifySealed(0)
	must(t, err)
	want := []string{"event", "cblocks", "interviews"}
	if len(p) != len(want) {
		t.Fatalf("VerifySealed = %q, want %d problems", p, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(p[i], w+" ") || !strings.Contains(p[i], "altered") {
			t.Errorf("VerifySealed()[%d] = %q, want a problem with %s", i, p[i], w)
		}
	}
	if p, _ := s.VerifySealed(2); len(p) != 2 {
		t.Errorf("VerifySealed(2) = %d problems, want 2", len(p))
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) == 0 {
		t.Errorf("Doctor after tampering = %+v, %v; want problems reported", rep, err)
	}
}

func TestZeroOptionsFindDefaultKey(t *testing.T) {
	// The store's default key directory comes from the user's configuration
	// directory: stores canvass made open in tests with zero Options.
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Setenv("HOME", t.TempDir())
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, Options{Encrypt: true})
	must(t, err)
	if want := filepath.Join(cfg, "canvass", "keys"); filepath.Dir(s.KeyFile()) != want {
		t.Errorf("KeyFile() = %s, want a file in %s", s.KeyFile(), want)
	}
	importCSV(t, s, "s1", "id,phone,name\na,4155550100,Zelda Quux\n")
	s.Close()
	s, err = Open(path, Options{})
	must(t, err)
	defer s.Close()
	if c, _, err := s.Contact("s1", "a"); !s.Encrypted() || err != nil || c.Name != "Zelda Quux" {
		t.Errorf("zero Options: Encrypted() = %v, Contact(s1, a) = %+v, %v; want the encrypted store read", s.Encrypted(), c, err)
	}
}

func TestPlainStoreStaysPlain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, Options{})
	must(t, err)
	s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	importCSV(t, s, "s1", "id,phone,name\na,4155550100,Zelda Quux\n")
	s.Close()
	keys := t.TempDir()
	s, err = Open(path, Options{Encrypt: true, KeyDir: keys})
	must(t, err)
	defer s.Close()
	if s.Encrypted() {
		t.Errorf("Encrypted() = true for a plain store with data opened with Encrypt, want it to stay plain")
	}
	if c, _, err := s.Contact("s1", "a"); err != nil || c.Name != "Zelda Quux" {
		t.Errorf("Contact(s1, a) = %+v, %v; want Zelda Quux", c, err)
	}
	if entries, _ := os.ReadDir(keys); len(entries) != 0 {
		t.Errorf("opening a plain store made %d key files, want none", len(entries))
	}
	if p, err := s.VerifySealed(0); err != nil || p != nil {
		t.Errorf("VerifySealed on a plain store = %q, %v; want nothing", p, err)
	}
}

func TestEncryptEmptyPlainStore(t *testing.T) {
	// A store made plain but never written to (no event) takes encryption
	// when it is next opened with Encrypt: nothing plain can be mixed in.
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, Options{})
	must(t, err)
	s.Close()
	s = openEncrypted(t, path, t.TempDir())
	defer s.Close()
	if !s.Encrypted() {
		t.Errorf("Encrypted() = false for an empty plain store opened with Encrypt, want true")
	}
}

func TestSharedKeyFile(t *testing.T) {
	// --key PATH for several new stores: the first makes the file, the
	// others take the key in it.
	dir := t.TempDir()
	kf := filepath.Join(dir, "keys", "team.key")
	for _, name := range []string{"a.db", "b.db"} {
		s, err := Open(filepath.Join(dir, name), Options{Encrypt: true, KeyFile: kf})
		must(t, err)
		if s.KeyFile() != kf || !s.Encrypted() {
			t.Errorf("Open(%s).KeyFile() = %q, Encrypted %v; want %s", name, s.KeyFile(), s.Encrypted(), kf)
		}
		importCSV(t, s, "s1", "id,phone,name\na,4155550100,Zelda Quux\n")
		s.Close()
	}
	for _, name := range []string{"a.db", "b.db"} {
		s, err := Open(filepath.Join(dir, name), Options{KeyFile: kf})
		must(t, err)
		if c, _, err := s.Contact("s1", "a"); err != nil || c.Name != "Zelda Quux" {
			t.Errorf("%s: Contact(s1, a) = %+v, %v; want Zelda Quux", name, c, err)
		}
		s.Close()
	}
}

func TestKeyCheckIsBoundToKeyID(t *testing.T) {
	// A crypt record whose key id was edited no longer opens, even with the
	// right key under the new id: the check text names the id.
	path := filepath.Join(t.TempDir(), "c.db")
	keys := t.TempDir()
	s := openEncrypted(t, path, keys)
	k, err := readKeyFile(s.KeyFile())
	must(t, err)
	k.ID = "0000000000000000"
	if strings.HasSuffix(s.KeyFile(), k.ID+".key") {
		k.ID = "1111111111111111"
	}
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		var rec cryptRecord
		if err := json.Unmarshal(tx.Bucket(bMeta).Get(kCrypt), &rec); err != nil {
			return err
		}
		rec.KeyID = k.ID
		v, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kCrypt, v)
	}))
	s.Close()
	must(t, os.WriteFile(filepath.Join(keys, k.ID+".key"), formatKeyFile(k), 0o600))
	if _, err := Open(path, Options{KeyDir: keys}); !errors.Is(err, ErrWrongKey) {
		t.Errorf("Open with the key check of another key id = %v, want ErrWrongKey", err)
	}
}

func TestPassphraseStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.db")
	keys := filepath.Join(dir, "keys")
	s, err := Open(path, Options{Encrypt: true, Passphrase: "correct horse battery", KeyDir: keys})
	must(t, err)
	if !s.Encrypted() || s.KeyFile() != "" {
		t.Errorf("passphrase store: Encrypted() = %v, KeyFile() = %q; want true and no key file", s.Encrypted(), s.KeyFile())
	}
	s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	importCSV(t, s, "s1", "id,phone,name\na,4155550100,Zelda Quux\n")
	s.Close()
	if _, err := os.Stat(keys); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a passphrase store made a key directory (%v)", err)
	}
	raw, err := os.ReadFile(path)
	must(t, err)
	for _, p := range []string{"Zelda", "4155550100", "correct horse"} {
		if bytes.Contains(raw, []byte(p)) {
			t.Errorf("the passphrase store file holds %q in plain text", p)
		}
	}
	tests := []struct {
		name, passphrase string
		is               error
	}{
		{"none", "", ErrKeyMissing},
		{"wrong", "correct horse battery staple", ErrWrongKey},
	}
	for _, tt := range tests {
		s, err := Open(path, Options{Passphrase: tt.passphrase})
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open with %s passphrase = %v, want an error naming the store and wrapping %v", tt.name, err, tt.is)
		}
	}
	s, err = Open(path, Options{Passphrase: "correct horse battery"})
	must(t, err)
	defer s.Close()
	if c, _, err := s.Contact("s1", "a"); err != nil || c.Name != "Zelda Quux" {
		t.Errorf("Contact(s1, a) with the passphrase = %+v, %v; want Zelda Quux", c, err)
	}
}

func TestKDFBounds(t *testing.T) {
	good, err := defaultKDF()
	must(t, err)
	for _, tt := range []struct {
		name string
		edit func(k *kdfParams)
	}{
		{"n not a power of two", func(k *kdfParams) { k.N = 1<<15 + 1 }},
		{"n huge", func(k *kdfParams) { k.N = 1 << 30 }},
		{"n tiny", func(k *kdfParams) { k.N = 2 }},
		{"r zero", func(k *kdfParams) { k.R = 0 }},
		{"p huge", func(k *kdfParams) { k.P = 1 << 20 }},
		{"short salt", func(k *kdfParams) { k.Salt = k.Salt[:4] }},
		{"other kdf", func(k *kdfParams) { k.Name = "md5" }},
	} {
		k := *good
		tt.edit(&k)
		if _, err := k.derive("x"); err == nil {
			t.Errorf("derive with %s = nil error, want one", tt.name)
		}
	}
	if _, err := good.derive("x"); err != nil {
		t.Errorf("derive with the defaults = %v, want nil", err)
	}
}

func FuzzAESCodecOpen(f *testing.F) {
	c := mustCodec(f, testKey(1))
	sealed, err := c.Seal([]byte("Ana Alvarez"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add([]byte{})
	f.Add([]byte{sealVersion})
	f.Add([]byte(`{"name":"Ana Alvarez"}`))
	f.Fuzz(func(t *testing.T, v []byte) {
		plain, err := c.Open(v)
		if err != nil {
			if !errors.Is(err, ErrSealed) {
				t.Fatalf("Open(%x) = %v, want an error wrapping ErrSealed", v, err)
			}
			return
		}
		// Only the seed sealed above (in this or the coordinating process,
		// with another nonce) opens: forging a GCM tag by chance does not
		// happen.
		if string(plain) != "Ana Alvarez" || len(v) != len(sealed) {
			t.Fatalf("Open(%x) = %q, nil: a value canvass did not seal opened", v, plain)
		}
	})
}

func TestOpenDamagedCryptRecord(t *testing.T) {
	tests := []struct {
		name, record, says string
	}{
		{"not json", `{"codec":`, "read its encryption record"},
		{"unknown codec", `{"codec":"rot13","key_id":"0123456789abcdef"}`, `sealed with "rot13"`},
		{"unknown wrap", `{"codec":"aes-256-gcm","key_id":"0123456789abcdef","wrap":"tpm"}`, `kept as "tpm"`},
		{"hostile kdf", `{"codec":"aes-256-gcm","key_id":"0123456789abcdef","wrap":"passphrase","kdf":{"name":"scrypt","salt":"AAAAAAAAAAAAAAAAAAAAAA==","n":1073741824,"r":8,"p":1}}`, "out of bounds"},
		{"passphrase without kdf", `{"codec":"aes-256-gcm","key_id":"0123456789abcdef","wrap":"passphrase"}`, "unknown key derivation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.db")
			keys := t.TempDir()
			s := openEncrypted(t, path, keys)
			must(t, s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kCrypt, []byte(tt.record)) }))
			s.Close()
			got, err := Open(path, Options{KeyDir: keys, Passphrase: "x"})
			if err == nil {
				got.Close()
				t.Fatalf("Open with a crypt record %s = a store, want an error", tt.record)
			}
			if !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), path) {
				t.Errorf("Open with a crypt record %s = %q, want it to name the store and say %q", tt.record, err, tt.says)
			}
		})
	}
}

func TestWriteKeyFileNeverOverwrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k", "a.key")
	first := storeKey{ID: "0123456789abcdef", Key: testKey(1)}
	must(t, writeKeyFile(path, first))
	if err := writeKeyFile(path, storeKey{ID: "fedcba9876543210", Key: testKey(2)}); err == nil {
		t.Errorf("writeKeyFile over an existing key file = nil error, want one")
	}
	got, err := readKeyFile(path)
	if err != nil || got.ID != first.ID || !bytes.Equal(got.Key, first.Key) {
		t.Errorf("key file after a second write = %+v, %v; want the first key kept", got, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("key directory holds %d files, want only the key file (no temporary left)", len(entries))
	}
}

// TestEncryptedChainConfirmsNoGuess: the hash chain is stored in clear, so
// under encryption it must not be a plain hash of the payload, which would
// let anyone holding the file confirm a guessed opt-out number. The chain
// still verifies with the key.
func TestEncryptedChainConfirmsNoGuess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s := openEncrypted(t, path, filepath.Join(t.TempDir(), "keys"))
	defer s.Close()
	if _, _, err := s.AddOptOut("(415) 555-0100", "US", "asked", "ivy"); err != nil {
		t.Fatal(err)
	}
	var last *Event
	if err := s.Events(1, func(e *Event) error { last = e; return nil }); err != nil {
		t.Fatal(err)
	}
	var prev [32]byte
	if _, err := hex.Decode(prev[:], []byte(last.Prev)); err != nil {
		t.Fatal(err)
	}
	guesser := &Store{codec: PlainCodec{}}
	if plain := guesser.eventHash(prev, last); hex.EncodeToString(plain[:]) == last.Hash {
		t.Errorf("event %s hash = the plain hash of its payload; a guessed payload could be confirmed without the key", last.ID)
	}
	if probs := s.verifyChain(t); len(probs) > 0 {
		t.Errorf("chain of an encrypted store does not verify: %v", probs)
	}
}

func (s *Store) verifyChain(t *testing.T) []string {
	t.Helper()
	var probs []string
	if err := s.db.View(func(tx *bolt.Tx) error { probs = s.verifyChainTx(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	return probs
}
