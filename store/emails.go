package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// Emails keyed under two normalisations. Before schema 5 an email was
// keyed trimmed and lower-cased only, so that the NFC and NFD spellings
// of one address, or a domain in Unicode and in its IDNA A-label, were
// different keys and an opt-out of one did not stop the other (issue
// 11.4). [model.NormalizeEmail] now gives every spelling one form. What
// was keyed before keeps matching:
//
//   - a contact stored with its email in the old form is reached under
//     both keys (contactKeys), and schema 5 indexes it under the new one
//     (a "contacts.rekeyed" event and an entry in the reach bucket, which
//     opt-outs and imports consult) and suppresses it if the new key is
//     on the list;
//   - an opt-out added one by one keeps its value in its event, so schema
//     5 adds the new form with an event of its own;
//   - a value checked, imported or removed is looked up in its old form
//     too (legacyEmailKey), so that entries of bulk lists imported before
//     still match new samples and can be taken off.
//
// What cannot be re-keyed are bulk entries (a list file, hashed or not,
// keeps only the hash): an old entry for a non-ASCII address matches only
// a row or value whose spelling lower-cases to the one hashed, and a
// hashed (sha256:) list computed elsewhere must use the new form to match
// contacts imported from now on. ASCII addresses are the same in both
// forms.

// legacyEmail is the form an email had as a key before schema 5 (trimmed,
// lower-cased), when it differs from its normalised form norm; "" when
// it does not, or raw is no email.
func legacyEmail(raw, norm string) string {
	if !highByte(raw) {
		return "" // ASCII: the same in both forms
	}
	old := strings.ToLower(strings.TrimSpace(raw))
	if old == norm || !strings.Contains(old, "@") || !utf8.ValidString(old) {
		return ""
	}
	return old
}

// emailKeys are the index keys of a contact's stored email: its key as
// stored, and, for an email stored before schema 5 in a form the
// normalisation now changes, the key of its normalised form. An ASCII
// email (nearly all) has one key and costs one scan for a high byte.
func (s *Store) emailKeys(keys [][32]byte, email string) [][32]byte {
	keys = append(keys, s.indexKey(model.OptOutKey(email)))
	if n := renormalized(email); n != "" {
		keys = append(keys, s.indexKey(model.OptOutKey(n)))
	}
	return keys
}

// renormalized is the normalised form of an email stored before schema
// 5, when it differs; "" otherwise.
func renormalized(email string) string {
	for i := 0; i < len(email); i++ {
		if email[i] >= utf8.RuneSelf {
			n, err := model.NormalizeEmail(email)
			if err != nil || n == email {
				return ""
			}
			return n
		}
	}
	return "" // ASCII: unchanged
}

// importKeys are a contact's index keys as its import wrote them: its
// phones and its email as stored. The doctor derives the index from them
// and from the rekey events.
func (s *Store) importKeys(c *model.Contact) [][32]byte {
	keys := make([][32]byte, 0, len(c.Phones)+1)
	for _, p := range c.Phones {
		keys = append(keys, s.indexKey(model.OptOutKey(p)))
	}
	if c.Email != "" {
		keys = append(keys, s.indexKey(model.OptOutKey(c.Email)))
	}
	return keys
}

// KindContactsRekeyed records index keys given to contacts after their
// import: the normalised form of emails stored in an older one.
const KindContactsRekeyed = "contacts.rekeyed" // contactsRekeyed

type contactsRekeyed struct {
	Reason  string       `json:"reason"`
	Entries []rekeyEntry `json:"entries"`
}

// rekeyEntry is one contact and the key (sha256: + hex of the normalised
// email, before the index key) it is now reached by too.
type rekeyEntry struct {
	CID uint64 `json:"cid"`
	Key string `json:"key"`
}

const rekeyReason = "email normalised to Unicode NFC and an IDNA ASCII domain (schema 5)"

// rekeyBatch bounds the entries of one rekey event.
const rekeyBatch = 4096

// rekeyEmailsTx is schema 5: it re-keys under the new normalisation what
// was keyed under the old and can be (see the comment at the top of this
// file). Backed up first, like every migration.
func (s *Store) rekeyEmailsTx(tx *bolt.Tx) error {
	if err := s.rekeyOptOutsTx(tx); err != nil {
		return err
	}
	return s.rekeyContactsTx(tx)
}

// rekeyOptOutsTx adds, for every email opted out one by one and still on
// the list, its normalised form when that is new, each with an event (and
// the suppression of the queued contacts it reaches), as AddOptOut would.
func (s *Store) rekeyOptOutsTx(tx *bolt.Tx) error {
	optout := tx.Bucket(bOptOut)
	var add []string
	seen := map[string]bool{}
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		e, err := s.decodeEvent(v)
		if err != nil {
			return err
		}
		if e.Kind != KindOptOutAdded {
			continue
		}
		var p optOutAdded
		if err := json.Unmarshal(e.Data, &p); err != nil || !strings.Contains(p.Value, "@") {
			continue
		}
		n := renormalized(p.Value)
		if n == "" || seen[n] {
			continue
		}
		if old := s.indexKey(model.OptOutKey(p.Value)); optout.Get(old[:]) == nil {
			continue // removed since
		}
		if nk := s.indexKey(model.OptOutKey(n)); optout.Get(nk[:]) != nil {
			continue
		}
		seen[n] = true
		add = append(add, n)
	}
	for _, n := range add {
		h := model.OptOutKey(n)
		k := s.indexKey(h)
		e, err := s.appendTx(tx, KindOptOutAdded, "canvass", s.now(), optOutAdded{
			Key: "sha256:" + hex.EncodeToString(h[:]), Value: n, Reason: rekeyReason})
		if err != nil {
			return err
		}
		if err := optout.Put(k[:], u64(e.Seq)); err != nil {
			return err
		}
		if err := s.suppressTx(tx, k, e.Seq, "canvass", e.At); err != nil {
			return err
		}
	}
	return nil
}

// rekeyContactsTx indexes every contact whose stored email normalises to
// another form under that form too, records it in rekey events, and
// suppresses those the new key puts on the opt-out list.
func (s *Store) rekeyContactsTx(tx *bolt.Tx) error {
	type found struct {
		cid    uint64
		survey string
		key    [32]byte // SHA-256 of the normalised email
	}
	var all []found
	consider := func(cid uint64, c *model.Contact) {
		if n := renormalized(c.Email); n != "" {
			all = append(all, found{cid, c.Survey, model.OptOutKey(n)})
		}
	}
	cb := tx.Bucket(bContacts).Cursor()
	for k, v := cb.First(); k != nil; k, v = cb.Next() {
		plain, err := s.codec.Open(v)
		if err != nil {
			return fmt.Errorf("open contact %x: %w", k, err)
		}
		if !highByte(plain) {
			continue
		}
		var r contactRecord
		if err := json.Unmarshal(plain, &r); err != nil {
			return fmt.Errorf("decode contact %x: %w", k, err)
		}
		consider(binary.BigEndian.Uint64(k), &r.Contact)
	}
	bc := tx.Bucket(bCBlocks).Cursor()
	for k, v := bc.First(); k != nil; k, v = bc.Next() {
		_, sealed, err := splitBlockValue(v)
		if err != nil {
			return err
		}
		plain, err := s.codec.Open(sealed)
		if err != nil {
			return fmt.Errorf("open contact block %x: %w", k, err)
		}
		if !highByte(plain) {
			continue // ASCII emails are unchanged
		}
		first := binary.BigEndian.Uint64(k)
		if r, err := rangeOfTx(tx, first); err != nil || r == nil || r.Status != ImportDone {
			continue // an unfinished import is imported afresh, normalised anew
		}
		var derr error
		blockRecords(plain, func(i int, rec []byte) bool {
			if !highByte(rec) {
				return true
			}
			var r contactRecord
			if derr = json.Unmarshal(rec, &r); derr != nil {
				return false
			}
			consider(first+uint64(i), &r.Contact)
			return true
		})
		if derr != nil {
			return fmt.Errorf("decode contact block %x: %w", k, derr)
		}
	}
	for start := 0; start < len(all); start += rekeyBatch {
		batch := all[start:min(start+rekeyBatch, len(all))]
		p := contactsRekeyed{Reason: rekeyReason}
		for _, f := range batch {
			p.Entries = append(p.Entries, rekeyEntry{CID: f.cid, Key: "sha256:" + hex.EncodeToString(f.key[:])})
			if err := s.indexContactKeyTx(tx, f.cid, f.survey, s.indexKey(f.key)); err != nil {
				return err
			}
		}
		if _, err := s.appendTx(tx, KindContactsRekeyed, "canvass", s.now(), p); err != nil {
			return err
		}
	}
	optout := tx.Bucket(bOptOut)
	for _, f := range all {
		k := s.indexKey(f.key)
		v := optout.Get(k[:])
		if v == nil {
			continue
		}
		seq := binary.BigEndian.Uint64(v)
		st, done, err := s.suppressContactTx(tx, f.cid, seq, "canvass", s.now())
		if err != nil {
			return err
		}
		if !done {
			continue
		}
		if _, err := s.appendTx(tx, KindSuppressed, "canvass", s.now(),
			suppressedAtDraw{CID: f.cid, Survey: st.Survey, ID: st.ID, OptOut: seq}); err != nil {
			return err
		}
	}
	return nil
}

func highByte[T string | []byte](b T) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// indexContactKeyTx makes contact cid reachable by index key k in the
// reach bucket, which holds any number of contacts per key, rather than
// in its import's run: the runs stay as the import wrote them, so that
// the doctor re-derives from them what the import did and from the rekey
// events what came later.
func (s *Store) indexContactKeyTx(tx *bolt.Tx, cid uint64, survey string, k [32]byte) error {
	key := append(bytes.Clone(k[:]), u64(cid)...)
	return tx.Bucket(bReach).Put(key, []byte(survey))
}

// reachBucketHasTx reports whether the reach bucket makes contact cid
// reachable by index key k.
func reachBucketHasTx(tx *bolt.Tx, k []byte, cid uint64) bool {
	return tx.Bucket(bReach).Get(append(bytes.Clone(k), u64(cid)...)) != nil
}
