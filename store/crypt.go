package store

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Encryption at rest: see "Encryption at rest" in the package comment.

// KeySize is the length of a store's data key: AES-256.
const KeySize = 32

// sealVersion is the first byte of every value sealed by [AESCodec]: the
// format (AES-256-GCM, 12-byte random nonce, 16-byte tag) it was sealed with.
const sealVersion = 1

const (
	codecAES      = "aes-256-gcm"
	keyFileHeader = "canvass-store-key 1"
	keyCheckText  = "canvass key check"
)

// kCrypt is the meta key of an encrypted store's [cryptRecord].
var kCrypt = []byte("crypt")

// ErrKeyMissing is returned by [Open] when a store is encrypted and its key
// file does not exist.
var ErrKeyMissing = errors.New("key file missing")

// ErrWrongKey is returned by [Open] when a key file does not open the store.
var ErrWrongKey = errors.New("wrong key")

// ErrAltered is returned when the store file was changed behind canvass's
// back in a way that its own writes never leave: an encrypted store
// without its encryption record, a log head that its key does not
// authenticate.
var ErrAltered = errors.New("the store file was altered")

// ErrSealed is returned when a sealed value fails authentication: it was
// altered, truncated, or sealed with another key.
var ErrSealed = errors.New("sealed value fails authentication (altered, or sealed with another key)")

// keyError is a problem with a store's key: its message says it all, and
// it matches [ErrKeyMissing] or [ErrWrongKey] with errors.Is.
type keyError struct {
	msg  string
	kind error
}

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error { return e.kind }

// AESCodec seals values with AES-256-GCM: each sealed value is a version
// byte, a random 96-bit nonce and the ciphertext with its 16-byte tag. The
// version byte is authenticated too. It is safe for concurrent use.
type AESCodec struct {
	aead cipher.AEAD
	// mac is the key of Digest, derived from the data key so that it
	// needs no storing of its own; macs are HMACs under it, reset and
	// reused (a new HMAC costs more than hashing a payload).
	mac  []byte
	macs *sync.Pool
}

// NewAESCodec returns a codec sealing with the 32-byte data key.
func NewAESCodec(key []byte) (*AESCodec, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("make aes-256-gcm codec: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("make aes-256-gcm codec: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("make aes-256-gcm codec: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("canvass event-chain digest v1"))
	c := &AESCodec{aead: aead, mac: mac.Sum(nil)}
	c.macs = &sync.Pool{New: func() any { return hmac.New(sha256.New, c.mac) }}
	return c, nil
}

// Digest is a keyed HMAC-SHA256 of plain. The event log's hash chain is kept
// in clear, so it hashes this digest of each payload rather than the payload
// itself: a plain hash would let anyone with the file confirm a guessed short
// payload (a phone number, a yes) without the key.
func (c *AESCodec) Digest(plain []byte) []byte {
	m := c.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(plain)
	out := m.Sum(nil)
	c.macs.Put(m)
	return out
}

// Seal encrypts plain under a fresh random nonce.
func (c *AESCodec) Seal(plain []byte) ([]byte, error) {
	ns := c.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plain)+c.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("seal value: make nonce: %w", err)
	}
	return c.aead.Seal(out, out[1:1+ns], plain, out[:1]), nil
}

// Open decrypts and authenticates a value made by Seal. A value that was
// altered, truncated or sealed with another key is an error wrapping
// [ErrSealed]; a value of an unknown format says so.
func (c *AESCodec) Open(sealed []byte) ([]byte, error) {
	ns := c.aead.NonceSize()
	if len(sealed) == 0 {
		return nil, fmt.Errorf("open sealed value: empty: %w", ErrSealed)
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("open sealed value: unknown format %d (plain data in an encrypted store, or a newer canvass): %w", sealed[0], ErrSealed)
	}
	if len(sealed) < 1+ns+c.aead.Overhead() {
		return nil, fmt.Errorf("open sealed value: %d bytes is too short: %w", len(sealed), ErrSealed)
	}
	plain, err := c.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], sealed[:1])
	if err != nil {
		return nil, fmt.Errorf("open sealed value: %w", ErrSealed)
	}
	return plain, nil
}

// cryptRecord is kept under meta "crypt" in an encrypted store. Its
// absence means a plain store.
type cryptRecord struct {
	// Codec names the sealing scheme; only "aes-256-gcm".
	Codec string `json:"codec"`
	// KeyID names the data key (and its default key file, KEYID.key).
	KeyID string `json:"key_id"`
	// Check is a known text sealed with the data key: opening it tells a
	// wrong key from a right one before anything is read or written.
	Check []byte `json:"check"`
	// Wrap says where the data key is: "" in a key file, "passphrase" in
	// WrappedKey, sealed with a key derived from a passphrase by KDF.
	Wrap       string     `json:"wrap,omitempty"`
	KDF        *kdfParams `json:"kdf,omitempty"`
	WrappedKey []byte     `json:"wrapped_key,omitempty"`
}

// DefaultKeyDir is where key files go when neither Options.KeyFile nor
// Options.KeyDir says otherwise: canvass/keys under the user's
// configuration directory (~/.config/canvass/keys on Linux).
func DefaultKeyDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the directory for key files: %w", err)
	}
	return filepath.Join(dir, "canvass", "keys"), nil
}

// keyFilePath is where the key of keyID is looked for or made.
func keyFilePath(opts Options, keyID string) (string, error) {
	if opts.KeyFile != "" {
		return opts.KeyFile, nil
	}
	dir := opts.KeyDir
	if dir == "" {
		d, err := DefaultKeyDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	return filepath.Join(dir, keyID+".key"), nil
}

// storeKey is the content of a key file.
type storeKey struct {
	ID  string
	Key []byte
}

// formatKeyFile writes k in the key file format:
//
//	canvass-store-key 1
//	id KEYID
//	key BASE64(32 bytes)
func formatKeyFile(k storeKey) []byte {
	return fmt.Appendf(nil, "%s\nid %s\nkey %s\n", keyFileHeader, k.ID, base64.StdEncoding.EncodeToString(k.Key))
}

// parseKeyFile reads the key file format written by formatKeyFile.
func parseKeyFile(data []byte) (storeKey, error) {
	lines := strings.Split(strings.TrimRight(string(data), "\r\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
	}
	if len(lines) != 3 || lines[0] != keyFileHeader {
		return storeKey{}, errors.New(`not a canvass key file (want the lines "` + keyFileHeader + `", "id ...", "key ...")`)
	}
	id, ok := strings.CutPrefix(lines[1], "id ")
	if !ok || !validKeyID(id) {
		return storeKey{}, errors.New("line 2: want id and 16 hex digits")
	}
	b64, ok := strings.CutPrefix(lines[2], "key ")
	if !ok {
		return storeKey{}, errors.New("line 3: want key and the base64 key")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil {
		return storeKey{}, fmt.Errorf("line 3: %w", err)
	}
	if len(key) != KeySize {
		return storeKey{}, fmt.Errorf("line 3: key is %d bytes, want %d", len(key), KeySize)
	}
	return storeKey{ID: id, Key: key}, nil
}

func validKeyID(id string) bool {
	if len(id) != 16 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

// readKeyFile reads the key file at path, refusing one that others may read.
func readKeyFile(path string) (storeKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return storeKey{}, err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return storeKey{}, fmt.Errorf("key file %s may be read by others (mode %04o); make it private with chmod 600", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return storeKey{}, err
	}
	k, err := parseKeyFile(data)
	if err != nil {
		return storeKey{}, fmt.Errorf("read key file %s: %w", path, err)
	}
	return k, nil
}

// writeKeyFile creates the key file at path (mode 0600, its directory 0700)
// and syncs it; an existing file is never overwritten. The key is written
// to a temporary file first and linked into place, so that a crash never
// leaves a half-written key file at path.
func writeKeyFile(path string, k storeKey) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("make key directory: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create key file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(formatKeyFile(k))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		return fmt.Errorf("create key file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// unlock chooses the store's codec before anything is written to it: an
// encrypted store's key file is read and checked against the store's key
// check; a plain store gets opts.Codec or PlainCodec. Errors leave the file
// as it was.
func (s *Store) unlock(opts Options) error {
	var rec *cryptRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			return nil
		}
		v := meta.Get(kCrypt)
		if v == nil {
			return nil
		}
		rec = &cryptRecord{}
		if err := json.Unmarshal(v, rec); err != nil {
			return fmt.Errorf("open store %s: read its encryption record: %w", s.path, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if rec == nil {
		if _, plain := opts.Codec.(PlainCodec); plain {
			var sealed string
			s.db.View(func(tx *bolt.Tx) error { sealed = sealedEvidenceTx(tx); return nil })
			if sealed != "" {
				return fmt.Errorf("open store %s: it holds encrypted values (%s) but its encryption record is gone, so the file was altered: %w; restore it from a backup", s.path, sealed, ErrAltered)
			}
		}
		s.codec = opts.Codec
		return nil
	}
	if rec.Codec != codecAES {
		return fmt.Errorf("open store %s: it is sealed with %q, which this canvass does not know; use a newer canvass", s.path, rec.Codec)
	}
	if opts.Codec != nil {
		if _, ok := opts.Codec.(PlainCodec); !ok {
			return fmt.Errorf("open store %s: it is encrypted and cannot be opened with another codec", s.path)
		}
	}
	if rec.Wrap == wrapPassphrase {
		return s.unlockPassphrase(rec, opts.Passphrase)
	}
	if rec.Wrap != "" {
		return fmt.Errorf("open store %s: its key is kept as %q, which this canvass does not know; use a newer canvass", s.path, rec.Wrap)
	}
	path, err := keyFilePath(opts, rec.KeyID)
	if err != nil {
		return fmt.Errorf("the store %s is encrypted: %w", s.path, err)
	}
	k, err := readKeyFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &keyError{fmt.Sprintf("the store %s is encrypted and its key file %s is missing", s.path, path), ErrKeyMissing}
	}
	if err != nil {
		return fmt.Errorf("open store %s: %w", s.path, err)
	}
	if k.ID != rec.KeyID {
		return &keyError{fmt.Sprintf("the store %s is encrypted with key %s but the key file %s holds key %s (wrong key)", s.path, rec.KeyID, path, k.ID), ErrWrongKey}
	}
	c, err := checkKey(rec, k.Key)
	if err != nil {
		return &keyError{fmt.Sprintf("the store %s is encrypted and the key file %s does not open it (wrong key)", s.path, path), ErrWrongKey}
	}
	s.codec, s.keyFile = c, path
	return nil
}

// sealedEvidenceTx looks, in a store without a crypt record, for values
// that only an encrypted store writes, and names the first it finds ("" if
// none). Deleting meta "crypt" must not turn an encrypted store into a
// plain one that writes names and phones in clear and whose opt-outs stop
// matching: the codec is decided by the data, not by a record that can be
// removed. A value sealed by [AESCodec] starts with sealVersion, which no
// plain value of these buckets can (a JSON text starts with one of
// {["tfn-0-9; a plain contact block with a record count, then records
// that are JSON objects). The probes are the first and last event (every
// change is an event, so a store with personal data has them), the head's
// MAC, and the first and last value of the sealed buckets that hold JSON
// or contact blocks: to pass them, a file would
// have to lose every sealed value they reach, which erases the store
// rather than downgrading it, and canvass doctor finds the projections
// that the log no longer explains.
func sealedEvidenceTx(tx *bolt.Tx) string {
	if meta := tx.Bucket(bMeta); meta != nil && meta.Get(kHeadMAC) != nil {
		return "meta " + string(kHeadMAC)
	}
	ends := func(b *bolt.Bucket) [][]byte {
		if b == nil {
			return nil
		}
		c := b.Cursor()
		_, first := c.First()
		_, last := c.Last()
		return [][]byte{first, last}
	}
	if b := tx.Bucket(bEvents); b != nil {
		for _, v := range ends(b) {
			var se storedEvent
			if v != nil && json.Unmarshal(v, &se) == nil && looksSealed(se.Sealed) {
				return "event " + se.ID
			}
		}
	}
	// The sealed buckets whose plain values are JSON, and contact blocks;
	// the others (engine states, call notes, export projections) may hold
	// any bytes when plain.
	for _, name := range [][]byte{bContacts, bCBlocks, bInterviews, bAnswers, bINotes, bReviews, bConsole} {
		for _, v := range ends(tx.Bucket(name)) {
			if v == nil {
				continue
			}
			if bytes.Equal(name, bCBlocks) {
				if _, sealed, err := splitBlockValue(v); err == nil && looksSealed(sealed) && !plainBlock(sealed) {
					return "a contact block"
				}
				continue
			}
			if looksSealed(v) {
				return "bucket " + string(name)
			}
		}
	}
	return ""
}

// looksSealed reports whether v has the form of a value sealed by
// [AESCodec]: the version byte, a nonce and at least a tag.
func looksSealed(v []byte) bool {
	return len(v) >= 1+12+16 && v[0] == sealVersion
}

// plainBlock reports whether v parses as the plain text of a contact
// block: a count, then that many length-prefixed JSON objects, nothing
// after. A sealed block (random nonce, ciphertext) practically never does.
func plainBlock(v []byte) bool {
	count, n := binary.Uvarint(v)
	if n <= 0 || count == 0 {
		return false
	}
	p := v[n:]
	for range count {
		l, n := binary.Uvarint(p)
		if n <= 0 || l == 0 || uint64(len(p)-n) < l || p[n] != '{' {
			return false
		}
		p = p[n+int(l):]
	}
	return len(p) == 0
}

// headAuth authenticates the log's head in an encrypted store: meta
// "headmac" is HMAC-SHA256(head key, seq(8) ‖ hash(32)) of meta "head",
// the head key derived from the data key (like the index key) so that it
// needs no storing of its own. The head's sequence number and hash are in
// clear and every event carries its own hash, so without it anyone could
// cut off the last events (an opt-out among them) and set the head back to
// the event before; with it, a head set back does not verify and
// [Store.Doctor] says so, and no event is appended to it (appendTx checks
// the head it extends), so that the next write cannot launder the cut.
type headAuth struct {
	pool sync.Pool // of hash.Hash, HMAC-SHA256 under the head key
}

const headKeyLabel = "canvass event log head key v1"

// newHeadAuth returns the head authenticator of a store sealed by c, or
// nil for a plain store, which has no key to vouch with.
func newHeadAuth(c Codec) *headAuth {
	a, ok := c.(*AESCodec)
	if !ok {
		return nil
	}
	key := a.Digest([]byte(headKeyLabel))
	return &headAuth{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// sum is the MAC of the head seq ‖ hash (0 and zeros for an empty log).
func (h *headAuth) sum(seq uint64, head [32]byte) []byte {
	m := h.pool.Get().(hash.Hash)
	m.Reset()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	m.Write(b[:])
	m.Write(head[:])
	out := m.Sum(nil)
	h.pool.Put(m)
	return out
}

// verify reports whether mac authenticates the head seq ‖ hash.
func (h *headAuth) verify(mac []byte, seq uint64, head [32]byte) bool {
	return hmac.Equal(mac, h.sum(seq, head))
}

// headTx is the log's head as meta records it: 0 and zeros when empty.
func headTx(tx *bolt.Tx) (uint64, [32]byte) {
	h := tx.Bucket(bMeta).Get(kHead)
	if len(h) != 40 {
		return 0, [32]byte{}
	}
	return binary.BigEndian.Uint64(h[:8]), [32]byte(h[8:])
}

// kHeadMAC is the meta key of the head's MAC (encrypted stores, schema 3).
var kHeadMAC = []byte("headmac")

// checkKey returns the codec of key if it opens rec's key check.
func checkKey(rec *cryptRecord, key []byte) (*AESCodec, error) {
	c, err := NewAESCodec(key)
	if err != nil {
		return nil, err
	}
	check, err := c.Open(rec.Check)
	if err != nil {
		return nil, err
	}
	if string(check) != keyCheckText+" "+rec.KeyID {
		return nil, ErrWrongKey
	}
	return c, nil
}

// sealNew encrypts a store that has no codec record and no events yet when
// opts.Encrypt asks for it: it makes a data key (or takes the one in
// opts.KeyFile if that exists), writes the key file first and then records
// the key check in meta; with opts.Passphrase the key is wrapped into meta
// instead. A store with events stays as it is: values written plain are
// never mixed with sealed ones.
func (s *Store) sealNew(opts Options) error {
	if !opts.Encrypt || s.Encrypted() {
		return nil
	}
	if _, ok := s.codec.(PlainCodec); !ok {
		return fmt.Errorf("open store %s: Options.Encrypt and Options.Codec exclude each other", s.path)
	}
	var used bool
	err := s.db.View(func(tx *bolt.Tx) error {
		used = tx.Bucket(bMeta).Get(kHead) != nil
		return nil
	})
	if err != nil || used {
		return err
	}
	if opts.Passphrase != "" {
		if opts.KeyFile != "" {
			return fmt.Errorf("encrypt new store %s: give a key file or a passphrase, not both", s.path)
		}
		return s.sealNewPassphrase(opts.Passphrase)
	}
	var k storeKey
	path := opts.KeyFile
	if path != "" {
		if old, err := readKeyFile(path); err == nil {
			k = old
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("encrypt new store %s: %w", s.path, err)
		}
	}
	fresh := k.Key == nil
	if fresh {
		nk, err := newStoreKey()
		if err != nil {
			return fmt.Errorf("encrypt new store %s: %w", s.path, err)
		}
		k = nk
		p, err := keyFilePath(opts, k.ID)
		if err != nil {
			return fmt.Errorf("encrypt new store %s: %w", s.path, err)
		}
		path = p
	}
	c, rec, err := newCryptRecord(k)
	if err != nil {
		return fmt.Errorf("encrypt new store %s: %w", s.path, err)
	}
	if fresh {
		if err := writeKeyFile(path, k); err != nil {
			return fmt.Errorf("encrypt new store %s: %s: %w", s.path, path, err)
		}
	}
	if err := s.putCryptRecord(rec, c); err != nil {
		if fresh {
			os.Remove(path)
		}
		return fmt.Errorf("encrypt new store %s: %w", s.path, err)
	}
	s.codec, s.keyFile = c, path
	return nil
}

// newCryptRecord is the codec of k and the crypt record (with its key
// check) of a store encrypted with it.
func newCryptRecord(k storeKey) (*AESCodec, *cryptRecord, error) {
	c, err := NewAESCodec(k.Key)
	if err != nil {
		return nil, nil, err
	}
	check, err := c.Seal([]byte(keyCheckText + " " + k.ID))
	if err != nil {
		return nil, nil, err
	}
	return c, &cryptRecord{Codec: codecAES, KeyID: k.ID, Check: check}, nil
}

// putCryptRecord records that the store is sealed by c, with the
// authenticated head of its (empty) log in the same transaction: from its
// first event on, an encrypted store's head is one its key vouches for.
func (s *Store) putCryptRecord(rec *cryptRecord, c *AESCodec) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	heads := newHeadAuth(c)
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if err := meta.Put(kCrypt, v); err != nil {
			return err
		}
		seq, hash := headTx(tx)
		return meta.Put(kHeadMAC, heads.sum(seq, hash))
	})
}

// newStoreKey makes a random data key and key id.
func newStoreKey() (storeKey, error) {
	var id [8]byte
	k := storeKey{Key: make([]byte, KeySize)}
	if _, err := rand.Read(id[:]); err != nil {
		return storeKey{}, fmt.Errorf("make key id: %w", err)
	}
	if _, err := rand.Read(k.Key); err != nil {
		return storeKey{}, fmt.Errorf("make key: %w", err)
	}
	k.ID = hex.EncodeToString(id[:])
	return k, nil
}

// Encrypted reports whether the store seals personal values with a data
// key (AES-256-GCM) rather than keeping them plain.
func (s *Store) Encrypted() bool {
	_, ok := s.codec.(*AESCodec)
	return ok
}

// KeyFile is the key file that opened the store, or "" for a plain store
// or one whose key is wrapped with a passphrase.
func (s *Store) KeyFile() string { return s.keyFile }

// sealedBuckets are the buckets whose every value passes through the codec
// (a contact block after its import id).
// The events bucket is checked apart: only each event's payload is sealed.
func sealedBuckets() [][]byte {
	return [][]byte{bContacts, bCBlocks, bInterviews, bAnswers, bIState, bINotes, bCallNotes, bReviews, bXSteps, bXData, bConsole}
}

// VerifySealed opens every sealed value of the store with its codec (every
// event payload, contact, interview, answer, engine state, note, review and
// export projection) and returns one problem per value that does not open,
// up to limit problems (0: no limit). With a plain codec it checks nothing
// and returns none. It reads only.
func (s *Store) VerifySealed(limit int) ([]string, error) {
	if !s.Encrypted() {
		return nil, nil
	}
	var problems []string
	full := func() bool { return limit > 0 && len(problems) >= limit }
	err := s.db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bEvents).ForEach(func(k, v []byte) error {
			if full() {
				return nil
			}
			var se storedEvent
			if err := json.Unmarshal(v, &se); err != nil {
				problems = append(problems, fmt.Sprintf("event %x: %v", k, err))
				return nil
			}
			if _, err := s.codec.Open(se.Sealed); err != nil {
				problems = append(problems, fmt.Sprintf("event %s: payload: %v", se.ID, err))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, name := range sealedBuckets() {
			b := tx.Bucket(name)
			if b == nil {
				continue
			}
			err := b.ForEach(func(k, v []byte) error {
				if full() || v == nil {
					return nil
				}
				sealed := v
				if bytes.Equal(name, bCBlocks) {
					var err error
					if _, sealed, err = splitBlockValue(v); err != nil {
						problems = append(problems, fmt.Sprintf("%s %s: %v", name, printableKey(k), err))
						return nil
					}
				}
				if _, err := s.codec.Open(sealed); err != nil {
					problems = append(problems, fmt.Sprintf("%s %s: %v", name, printableKey(k), err))
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("verify sealed values of %s: %w", s.path, err)
	}
	return problems, nil
}

// printableKey shows a bucket key as text when it is printable, else hex.
func printableKey(k []byte) string {
	for _, c := range k {
		if c < 0x20 || c > 0x7e {
			return hex.EncodeToString(k)
		}
	}
	return string(k)
}
