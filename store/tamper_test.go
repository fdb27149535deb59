package store

import (
	"bytes"
	"encoding/binary"
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

	bolt "go.etcd.io/bbolt"
)

// Tampering tests: each edits the store file with bbolt directly, as
// someone holding the file but not its key could, and checks that canvass
// refuses or reports what was done.

// tamper opens the closed store file at path with bbolt and runs fn in a
// write transaction.
func tamper(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// sealedStore makes an encrypted store holding a survey, a sample, opt-outs
// and an interview, closes it, and returns its path and key directory.
func sealedStore(t *testing.T) (path, keys string) {
	t.Helper()
	path, keys = filepath.Join(t.TempDir(), "c.db"), filepath.Join(t.TempDir(), "keys")
	s := openEncrypted(t, path, keys)
	s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	importCSV(t, s, "s1", "id,phone,email,name\na,4155550100,,Ana\nb,4155550101,b@example.com,Bo\nc,4155550102,,Cy\n")
	if _, _, err := s.AddOptOut("415 555 0199", "US", "asked", "sup"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportOptOuts(strings.NewReader("212,5550100\n212,5550101\n212,5550102\n"), "dnc", "US", "sup"); err != nil {
		t.Fatal(err)
	}
	id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: "a", Interviewer: "ivy", Agreed: true})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.SaveAnswer(id, model.AnswerEvent{Item: "age", Value: "30"}, []byte("{}")))
	must(t, s.Close())
	return path, keys
}

func deleteAll(tx *bolt.Tx, bucket []byte) error {
	b := tx.Bucket(bucket)
	var keys [][]byte
	b.ForEach(func(k, _ []byte) error { keys = append(keys, k); return nil })
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// TestCryptRecordRemoved (issue 11.3): deleting meta "crypt" (and more)
// does not turn an encrypted store into a plain one that writes personal
// values in clear and whose opt-outs stop matching: Open refuses it.
func TestCryptRecordRemoved(t *testing.T) {
	for _, tc := range []struct {
		name  string
		alter func(tx *bolt.Tx) error
	}{
		{"crypt record", func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Delete(kCrypt) }},
		{"crypt record and every event", func(tx *bolt.Tx) error {
			tx.Bucket(bMeta).Delete(kHead)
			tx.Bucket(bMeta).Delete(kCrypt)
			return deleteAll(tx, bEvents)
		}},
		{"crypt record, events, interviews and answers", func(tx *bolt.Tx) error {
			tx.Bucket(bMeta).Delete(kHead)
			tx.Bucket(bMeta).Delete(kCrypt)
			for _, b := range [][]byte{bEvents, bInterviews, bAnswers} {
				if err := deleteAll(tx, b); err != nil {
					return err
				}
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, keys := sealedStore(t)
			tamper(t, path, tc.alter)
			before, _ := os.ReadFile(path)
			for _, opts := range []Options{{KeyDir: keys}, {Encrypt: true, KeyDir: keys}, {}} {
				s, err := Open(path, opts)
				if err == nil {
					// What the downgrade did: a contact imported now is
					// written in clear.
					importCSV(t, s, "s1", "id,phone,name\nz,4155550150,Zebedee Plaintext\n")
					s.Close()
					raw, _ := os.ReadFile(path)
					t.Fatalf("Open(%+v) of a sealed store without its crypt record succeeded (plain text written: %v)", opts, strings.Contains(string(raw), "Zebedee Plaintext"))
				}
				if !errors.Is(err, ErrAltered) || !strings.Contains(err.Error(), path) {
					t.Errorf("Open(%+v) = %v, want an error naming %s that wraps ErrAltered", opts, err, path)
				}
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Errorf("the refused store file was changed")
			}
		})
	}
}

// bulkSeq is the sequence number of the store's first opt-out import
// event.
func bulkSeq(t *testing.T, tx *bolt.Tx) uint64 {
	t.Helper()
	k, _ := tx.Bucket(bOptRows).Cursor().First()
	if k == nil {
		t.Fatal("the store has no optrows")
	}
	return binary.BigEndian.Uint64(k)
}

// takeRow removes the i-th row of bulk event seq's first part from optrows
// and returns it.
func takeRow(t *testing.T, tx *bolt.Tx, seq uint64, i int) []byte {
	t.Helper()
	k := append(u64(seq), 0, 0, 0, 0)
	v := bytes.Clone(tx.Bucket(bOptRows).Get(k))
	if len(v) < (i+1)*32 {
		t.Fatalf("optrows %x holds %d rows", k, len(v)/32)
	}
	row := bytes.Clone(v[i*32 : i*32+32])
	v = append(v[:i*32], v[i*32+32:]...)
	if len(v) == 0 {
		must(t, tx.Bucket(bOptRows).Delete(k))
	} else {
		must(t, tx.Bucket(bOptRows).Put(k, v))
	}
	return row
}

// TestOptOutErasureFound (issue 11.2): the opt-out list erased by editing
// the file without the key (keys deleted from optout with their bytes in
// optrows, rows swapped, the last events cut off and the head set back)
// is found by Doctor; in an encrypted store a head set back is also
// refused by Open and by every write.
func TestOptOutErasureFound(t *testing.T) {
	cases := []struct {
		name  string
		alter func(t *testing.T, tx *bolt.Tx)
		want  string
		plain bool // found in a plain store too
	}{
		{"a bulk entry and its row deleted", func(t *testing.T, tx *bolt.Tx) {
			row := takeRow(t, tx, bulkSeq(t, tx), 1)
			must(t, tx.Bucket(bOptOut).Delete(row))
		}, "opt-outs were taken out", true},
		{"a whole bulk batch deleted", func(t *testing.T, tx *bolt.Tx) {
			seq := bulkSeq(t, tx)
			for range 3 {
				must(t, tx.Bucket(bOptOut).Delete(takeRow(t, tx, seq, 0)))
			}
		}, "opt-outs were taken out", true},
		{"a bulk entry swapped for another key", func(t *testing.T, tx *bolt.Tx) {
			seq := bulkSeq(t, tx)
			k := append(u64(seq), 0, 0, 0, 0)
			v := bytes.Clone(tx.Bucket(bOptRows).Get(k))
			old := bytes.Clone(v[32:64])
			fake := bytes.Clone(old)
			fake[31] ^= 1 // a key of no one, still between its neighbours
			copy(v[32:64], fake)
			must(t, tx.Bucket(bOptRows).Put(k, v))
			must(t, tx.Bucket(bOptOut).Delete(old))
			must(t, tx.Bucket(bOptOut).Put(fake, u64(seq)))
		}, "opt-outs were swapped", true},
		{"the last event (an opt-out) cut off and the head set back", func(t *testing.T, tx *bolt.Tx) {
			meta, events := tx.Bucket(bMeta), tx.Bucket(bEvents)
			k, v := events.Cursor().Last()
			var last storedEvent
			must(t, json.Unmarshal(v, &last))
			if last.Kind != KindOptOutAdded {
				t.Fatalf("the last event is %s, want the opt-out added last", last.Kind)
			}
			must(t, events.Delete(k))
			k, v = events.Cursor().Last()
			var prev storedEvent
			must(t, json.Unmarshal(v, &prev))
			h, _ := hex.DecodeString(prev.Hash)
			must(t, meta.Put(kHead, append(bytes.Clone(k), h...)))
			c := tx.Bucket(bOptOut).Cursor()
			for ok, ov := c.First(); ok != nil; ok, ov = c.Next() {
				if binary.BigEndian.Uint64(ov) == last.Seq {
					must(t, c.Delete())
					break
				}
			}
		}, "does not verify with the store's key", false},
	}
	for _, encrypted := range []bool{true, false} {
		for _, tc := range cases {
			if !encrypted && !tc.plain {
				continue
			}
			t.Run(fmt.Sprintf("%s/encrypted=%v", tc.name, encrypted), func(t *testing.T) {
				path, keys := erasureStore(t, encrypted)
				tamper(t, path, func(tx *bolt.Tx) error { tc.alter(t, tx); return nil })
				opts := Options{KeyDir: keys}
				if tc.plain == false {
					if _, err := Open(path, opts); !errors.Is(err, ErrAltered) || !strings.Contains(err.Error(), path) {
						t.Errorf("Open of a store whose head was set back = %v, want ErrAltered naming the file", err)
					}
					opts.AllowAltered = true
				}
				s, err := Open(path, opts)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				rep, err := s.Doctor()
				if err != nil {
					t.Fatal(err)
				}
				if all := strings.Join(rep.Problems, "\n"); !strings.Contains(all, tc.want) {
					t.Errorf("Doctor() after %s = %q, want a problem containing %q", tc.name, all, tc.want)
				}
				if !tc.plain {
					// The next write would launder the cut: it is refused.
					if _, _, err := s.AddOptOut("415 555 0177", "US", "", "sup"); !errors.Is(err, ErrAltered) {
						t.Errorf("AddOptOut on a head set back = %v, want ErrAltered", err)
					}
				}
			})
		}
	}
}

// lastOptOutKey is the opt-out erasureStore adds last.
const lastOptOutKey = "415 555 0188"

// erasureStore makes a store (encrypted or plain) with a bulk opt-out
// import of three numbers and, as its last event, one opt-out added by
// hand; it is closed.
func erasureStore(t *testing.T, encrypted bool) (path, keys string) {
	t.Helper()
	path, keys = filepath.Join(t.TempDir(), "c.db"), filepath.Join(t.TempDir(), "keys")
	s, err := Open(path, Options{Encrypt: encrypted, KeyDir: keys, Now: fixedClock(t0, time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "s1", "id,phone\na,4155550100\n")
	if _, err := s.ImportOptOuts(strings.NewReader("212,5550100\n212,5550101\n212,5550102\n"), "dnc", "US", "sup"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddOptOut(lastOptOutKey, "US", "asked", "sup"); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) != 0 {
		t.Fatalf("Doctor() before the damage = %+v, %v", rep, err)
	}
	must(t, s.Close())
	return path, keys
}

// TestHeadAuthenticatedByMigration: an encrypted store of schema 2 (no
// head MAC) gets one when it is upgraded, and is sound afterwards.
func TestHeadAuthenticatedByMigration(t *testing.T) {
	path, keys := sealedStore(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		tx.Bucket(bMeta).Delete(kHeadMAC)
		return tx.Bucket(bMeta).Put(kSchema, u64(2))
	})
	s, err := Open(path, Options{KeyDir: keys})
	if err != nil {
		t.Fatalf("Open(schema 2 encrypted store) = %v", err)
	}
	defer s.Close()
	if v, _ := s.Schema(); v != SchemaVersion {
		t.Errorf("schema after the upgrade = %d, want %d", v, SchemaVersion)
	}
	must(t, s.db.View(func(tx *bolt.Tx) error {
		seq, hash := headTx(tx)
		if !s.heads.verify(tx.Bucket(bMeta).Get(kHeadMAC), seq, hash) {
			t.Errorf("the head of the upgraded store does not verify")
		}
		return nil
	}))
	if _, _, err := s.AddOptOut("415 555 0177", "US", "", "sup"); err != nil {
		t.Errorf("AddOptOut after the upgrade: %v", err)
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) != 0 {
		t.Errorf("Doctor() after the upgrade = %+v, %v", rep, err)
	}
}

// TestInterviewerNameSealed (issue 17.14): the name of the interviewer and
// supervisor last signed in is sealed like every personal value, and a
// record kept in clear by an older schema is sealed by the upgrade.
func TestInterviewerNameSealed(t *testing.T) {
	path, keys := filepath.Join(t.TempDir(), "c.db"), filepath.Join(t.TempDir(), "keys")
	s := openEncrypted(t, path, keys)
	must(t, s.SetInterviewer("ivy", "Ivy Quillfeather"))
	must(t, s.SetSupervisor("sue", "Sue Marchbanks"))
	must(t, s.Close())
	raw, _ := os.ReadFile(path)
	for _, name := range []string{"Quillfeather", "Marchbanks"} {
		if bytes.Contains(raw, []byte(name)) {
			t.Errorf("the encrypted store file holds %q in clear", name)
		}
	}
	// As schema 3 left it: the record in clear.
	tamper(t, path, func(tx *bolt.Tx) error {
		v, _ := json.Marshal(InterviewerRecord{ID: "max", Name: "Max Oldclear"})
		tx.Bucket(bConsole).Put(kInterviewer, v)
		return tx.Bucket(bMeta).Put(kSchema, u64(3))
	})
	s, err := Open(path, Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.LastInterviewer(); err != nil || r.Name != "Max Oldclear" {
		t.Errorf("LastInterviewer() after the upgrade = %+v, %v; want Max Oldclear", r, err)
	}
	if r, err := s.LastSupervisor(); err != nil || r.Name != "Sue Marchbanks" {
		t.Errorf("LastSupervisor() = %+v, %v; want Sue Marchbanks", r, err)
	}
	if p, err := s.VerifySealed(0); err != nil || len(p) != 0 {
		t.Errorf("VerifySealed() = %q, %v", p, err)
	}
	must(t, s.Close())
	if raw, _ := os.ReadFile(path); bytes.Contains(raw, []byte("Oldclear")) {
		// The old page may linger in free space until reused; the
		// record itself must be sealed.
		must(t, func() error {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			return db.View(func(tx *bolt.Tx) error {
				if v := tx.Bucket(bConsole).Get(kInterviewer); bytes.Contains(v, []byte("Oldclear")) {
					t.Errorf("the upgraded console record is still in clear")
				}
				return nil
			})
		}())
	}
}
