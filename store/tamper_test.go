package store

import (
	"errors"
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
