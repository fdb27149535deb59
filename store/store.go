// Package store keeps everything canvass writes to disk in one bbolt file:
// an append-only, hash-chained event log and the projections derived from it
// (contacts, the calling queue, the opt-out index, interviews and answers,
// installed questionnaires). Nothing else in canvass imports bbolt.
//
// Two promises rest on it: no confirmed answer is ever lost (every accepted
// answer is its own durable transaction, never NoSync) and no person on the
// opt-out list is ever presented (the list is checked at the moment a
// contact is drawn, inside the transaction that reserves it).
//
// # Layout
//
// Keys hold no personal data: they are ids, fixed-width big-endian numbers
// and times, and hashes (keyed under encryption, see ixkey below). Personal values (contacts, answers, consent,
// interview state, event payloads, notes, reviews) pass through one
// [Codec], which encrypts them (see Encryption at rest). ‖ is
// concatenation, 0 a zero byte separating a variable-length id from what
// follows.
//
//	meta:      "format"  => "canvass-store"
//	           "crypt"   => codec, key id and key check JSON (encrypted stores only)
//	           "schema"  => uint64 schema version
//	           "device"  => device id (16 hex digits, random, made once)
//	           "head"    => seq(8) ‖ sha256(32) of the last event
//	events:    seq(8) => Event JSON (payload sealed by the codec)
//	optout:    ixkey(normalised phone or email) => seq(8) of the event that added it
//	optrows:   seq(8) ‖ part(4) => sorted ixkeys added by bulk event seq
//	surveys:   survey ‖ 0 ‖ revision(4) => SurveyRecord JSON (questionnaire and raw file)
//	contacts:  cid(8) => sealed ContactRecord JSON (older layout: one per contact)
//	cblocks:   first cid(8) => sealed block of up to 64 imported contacts
//	cids:      survey ‖ 0 ‖ sample id => cid(8) (older layout)
//	reach:     ixkey(phone or email) ‖ cid(8) => survey id (older layout)
//	xruns:     kind(1) ‖ import(8) ‖ first key(32) => sorted key(32) ‖ cid(8) entries
//	cranges:   last cid(8) => import(8) ‖ first cid(8) ‖ queued at(8) ‖ status(1) ‖ survey
//	cstate:    cid(8) => ContactState JSON (queue status, due, attempts), once the contact has a history
//	leases:    cid(8) => until(8) ‖ interviewer
//	queue:     survey ‖ 0 ‖ priority(1) ‖ due(8, unix ns) ‖ cid(8) => ∅, or last cid(8) for a range
//	imports:   seq(8) of the import's first event => ImportRecord JSON
//	interviews: interview id => sealed InterviewRecord JSON (header and consent)
//	ibycontact: survey ‖ 0 ‖ cid(8) => interview id
//	answers:   interview id ‖ 0 ‖ seq(8) => sealed model.AnswerEvent
//	istate:    interview id => sealed engine state snapshot
//
// ixkey(v) is sha256(v) in a plain store. In an encrypted store it is
// HMAC-SHA256(index key, sha256(v)), the index key derived from the data
// key: a plain hash of a phone number is found by hashing every number of
// the country, so a copied file would tell who is on the list and in the
// sample. Keying the hash rather than the value lets hashed do-not-call
// lists (sha256:HEX) load into encrypted stores too.
//
// # Events
//
// Every change appends one [Event] to the events bucket and applies it to the
// projections in the same transaction. An event's id is the device id and
// its sequence number, so that logs of several laptops can later be merged
// idempotently; each event carries the SHA-256 of the previous one, which
// makes the log tamper-evident ([Store.Doctor] verifies the chain). Bulk
// imports write events that reference their rows (one per batch, with
// optrows, for opt-outs; one with a cid range for a contact import).
//
// # Contact imports
//
// A contact import (see importer.go) reads the file once: the structure is
// checked (header, column count, UTF-8, an id column) while workers
// normalise the rows, check them against the opt-out list and seal them
// into a temporary file beside the store, and the rows' index keys go to
// partition files by key. Each partition is then sorted alone to find the
// duplicates, and only then is anything written: the kept rows get
// consecutive cids and are written in sealed blocks, their index entries
// (kind 'i' for sample ids, 'r' for phones and emails, keyed by ixkey) in
// sorted runs of the import, a few megabytes per transaction, and the last
// transaction puts one queue range for all of them, applies the opt-outs
// that came meanwhile and marks the import done. A million single records
// would cost a million B+tree inserts at 1–3 µs each; blocks and runs cost
// a few thousand, and memory holds one bit per row. A malformed file
// imports nothing, and so does a crash: until the import is done its
// contacts are not drawn, found by id or reached by opt-outs, and running
// the same import again (same survey, same file contents) removes what
// the crashed run wrote and starts afresh; [Store.AbandonImport] removes
// it too. Opt-out imports need no such care: every committed batch only
// adds suppression, and a re-run skips the values already on the list.
//
// A contact without a cstate record is as its import left it: queued at
// normal priority, due when the import finished, in its import's queue
// range. The first change to it (a call, a deferral, an opt-out) writes
// its state record and takes it out of the range. Stores written before
// schema 2 keep a record, index entries and a queue entry per contact,
// which are read as well.
//
// # Draws
//
// [Store.Next] walks the survey's queue from the front (appointments first,
// then by due time), skipping contacts of unfinished imports, contacts
// someone holds, refusing any whose phone or email is on the
// opt-out list at that moment, and asking the calling rules ([Rules];
// [CallingRules] adapts package model/calling) whether the contact may be
// called now. Contacts the rules defer move back in the queue without an
// event; contacts they give up on are retired with one.
//
// A drawn contact keeps its queue entry and its state: the lease lives in
// the leases bucket, and draws pass over held contacts (most without
// reading their state, see leaseHints), so that a draw writes its event
// and one lease entry, nothing else. Its entry moves only when its due
// time changes (a call outcome, an appointment, a deferral).
//
// # Encryption at rest
//
// A store made with Options.Encrypt seals every personal value with
// AES-256-GCM ([AESCodec]) under a random 32-byte data key of its own. The
// key never enters the store file: it lives in a key file (mode 0600, in a
// directory of mode 0700) made when the store is made, by default
// KEYID.key under [DefaultKeyDir] (~/.config/canvass/keys on Linux), or
// wherever Options.KeyFile says (canvass --key PATH, CANVASS_KEY). A copy
// of the store file alone therefore holds no readable personal value; a
// copy that is to be read elsewhere needs its key file too, sent by another
// channel. Losing the key file loses the data: back it up apart from the
// store. Instead of a key file, the data key can be kept in the store
// sealed with a key derived from a passphrase (Options.Passphrase, canvass
// reads CANVASS_PASSPHRASE; scrypt N=2^15, r=8, p=1, recorded per store):
// then the store file alone is as strong as the passphrase.
//
// The meta bucket records the codec, the key id and a key check (a known
// text sealed with the key), so that Open, before it writes anything,
// tells a missing key file ([ErrKeyMissing]) and a wrong one
// ([ErrWrongKey]) from a right one. A sealed value is a version byte, a
// random 96-bit nonce and the ciphertext with its tag; one that was altered
// or sealed with another key does not open ([ErrSealed]), and the read or
// the transaction it belongs to fails with nothing written.
// [Store.VerifySealed] opens every sealed value (canvass doctor runs it).
//
// Which codec a store uses is decided once, when it gets its first event,
// and never changes: a store without a "crypt" record is plain (stores
// made before encryption, and stores made with zero Options, which tests
// use), and stays plain. Zero Options open an encrypted store too, with
// its key from the default key directory. The canvass command always asks
// for encryption, so every store it makes, the demo's included, is
// encrypted.
package store

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the schema this code reads and writes.
const SchemaVersion = 2

const formatName = "canvass-store"

// Bucket names.
var (
	bMeta       = []byte("meta")
	bEvents     = []byte("events")
	bOptOut     = []byte("optout")
	bOptRows    = []byte("optrows")
	bSurveys    = []byte("surveys")
	bContacts   = []byte("contacts")
	bCIDs       = []byte("cids")
	bReach      = []byte("reach")
	bCState     = []byte("cstate")
	bQueue      = []byte("queue")
	bImports    = []byte("imports")
	bInterviews = []byte("interviews")
	bIByContact = []byte("ibycontact")
	bAnswers    = []byte("answers")
	bIState     = []byte("istate")
)

func allBuckets() [][]byte {
	return [][]byte{bMeta, bEvents, bOptOut, bOptRows, bSurveys, bContacts, bCIDs,
		bReach, bCState, bQueue, bImports, bInterviews, bIByContact, bAnswers, bIState,
		bCBlocks, bXRuns, bCRanges, bLeases}
}

// Meta keys.
var (
	kFormat = []byte("format")
	kSchema = []byte("schema")
	kDevice = []byte("device")
	kHead   = []byte("head")
)

// ErrNotFound is returned when an asked-for survey, contact or interview does
// not exist.
var ErrNotFound = errors.New("not found")

// ErrInUse is returned by [Open] when another process holds the store.
var ErrInUse = errors.New("in use by another canvass")

// Codec seals personal values before they are written and opens them after
// they are read. It is the one place where encryption at rest plugs in.
type Codec interface {
	Seal(plain []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// PlainCodec stores values as they are: the codec of stores made before
// encryption at rest and of stores made with zero [Options].
type PlainCodec struct{}

// Seal returns a copy of plain.
func (PlainCodec) Seal(plain []byte) ([]byte, error) { return bytes.Clone(plain), nil }

// Open returns a copy of sealed.
func (PlainCodec) Open(sealed []byte) ([]byte, error) { return bytes.Clone(sealed), nil }

// Options adjust how a store is opened. The zero value is fine.
type Options struct {
	// Timeout bounds the wait for another process to release the file;
	// zero means one second.
	Timeout time.Duration
	// Codec seals personal values of a plain store; nil means PlainCodec.
	// An encrypted store takes its codec from its key and refuses any
	// codec but nil or PlainCodec.
	Codec Codec
	// Encrypt makes a new store (one with no events yet) encrypted, with a
	// new data key in a new key file. Zero Options make a new store plain.
	Encrypt bool
	// KeyFile is the key file of an encrypted store, overriding the
	// default KeyDir/KEYID.key. With Encrypt, a new store takes the key in
	// this file if it exists, and otherwise creates it.
	KeyFile string
	// KeyDir holds key files named by key id; empty means DefaultKeyDir().
	KeyDir string
	// Passphrase opens a store whose data key is wrapped with a
	// passphrase; with Encrypt, a new store is made so (no key file).
	Passphrase string
	// Now is the clock used for event times; nil means time.Now.
	Now func() time.Time
}

// Store is an open canvass store. Its methods are safe for concurrent use by
// several goroutines of one process.
type Store struct {
	db     *bolt.DB
	path   string
	codec  Codec
	now    func() time.Time
	device string
	// keyFile is the key file of an encrypted store, "" for a plain one
	// or one opened with a passphrase.
	keyFile string
	// ix keys the optout and reach buckets of an encrypted store; nil
	// for a plain one (see indexKey).
	ix *indexHasher
	// optChunk and optBatch override the opt-out import's keys held in
	// memory before they spill and keys per transaction (tests).
	optChunk, optBatch int
	// leases lets draws pass over held contacts without reading their
	// state (see leaseHints).
	leases leaseHints
	// blocks caches the contact blocks read last.
	blocks blockCache
	// forms caches compiled questionnaire revisions.
	forms questionnaires
	// commits counts the write transactions update committed; txHook,
	// when set (tests), runs at the end of each of them, and an error
	// from it rolls the transaction back; eventHook, when set (tests),
	// runs before each event is appended, and an error from it fails
	// the append.
	commits   atomic.Int64
	txHook    func(tx *bolt.Tx) error
	eventHook func(kind string) error
	// importHook, when set (tests), is called between the writing steps of
	// a contact import; an error from it stops the import as a crash
	// would, leaving what was written.
	importHook func(step string) error
}

// migration upgrades a store from schema to-1 to schema to, inside one
// transaction.
type migration struct {
	to   uint64
	name string
	up   func(tx *bolt.Tx) error
}

// migrations is the ordered list of schema upgrades. Schema 1 is the first
// released layout; a fresh file gets all buckets directly.
func migrations() []migration {
	return []migration{
		{to: 1, name: "create the buckets of the first layout", up: createBucketsTx},
		{to: 2, name: "add the buckets of the sample layout (contact blocks, index runs, import ranges, leases)", up: createBucketsTx},
	}
}

func createBucketsTx(tx *bolt.Tx) error {
	for _, name := range allBuckets() {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// Open opens the store at path, creating it (mode 0600) if it does not exist,
// and upgrades an older schema after writing a backup beside it. A second
// process opening the same store gets an error wrapping [ErrInUse] after
// opts.Timeout rather than waiting.
func Open(path string, opts Options) (*Store, error) {
	return openWith(path, opts, migrations())
}

func openWith(path string, opts Options, migs []migration) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Codec == nil {
		opts.Codec = PlainCodec{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	// Every commit is synced (never NoSync). The free-page list is not
	// written with each commit, as etcd does: on a large store it would
	// otherwise be rewritten with every answer and every draw, tripling
	// their cost. Close writes it once (see Close), so that the next Open
	// reads it instead of scanning the whole file for free pages (over a
	// second on a million-contact store); after a crash, Open scans.
	// The map reserves a gibibyte of address space from the start (no
	// memory): a bulk import then grows the file without remapping it a
	// dozen times, and read transactions do not hold writers back.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, FreelistType: bolt.FreelistMapType,
		NoFreelistSync: true, InitialMmapSize: 1 << 30})
	if err != nil {
		switch {
		case errors.Is(err, bolterr.ErrTimeout):
			return nil, fmt.Errorf("the store %s is %w", path, ErrInUse)
		case errors.Is(err, bolterr.ErrInvalid), errors.Is(err, bolterr.ErrChecksum), errors.Is(err, bolterr.ErrVersionMismatch):
			return nil, fmt.Errorf("open store %s: not a canvass store (%v)", path, err)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, codec: opts.Codec, now: opts.Now}
	if err := s.unlock(opts); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.init(migs); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.sealNew(opts); err != nil {
		db.Close()
		return nil, err
	}
	s.ix = newIndexHasher(s.codec)
	if err := s.loadGroupIndexKey(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// checkHeader refuses a non-empty file that is not a bbolt file before bbolt
// sees it, so that the user gets a plain message rather than a page error.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	defer f.Close()
	var hdr [32]byte
	n, err := io.ReadFull(f, hdr[:])
	if n == 0 {
		return nil
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	// A bbolt meta page has the magic 0xED0CDAED at offset 16 + 0.
	if n < 24 || binary.LittleEndian.Uint32(hdr[16:20]) != 0xED0CDAED {
		return fmt.Errorf("open store %s: not a canvass store", path)
	}
	return nil
}

// init checks the format and schema, runs pending migrations (after a
// backup) and makes the device id, all before any other use.
func (s *Store) init(migs []migration) error {
	var schema uint64
	var fresh bool
	err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			empty := true
			tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if !empty {
				return fmt.Errorf("open store %s: not a canvass store (a bbolt file of another program)", s.path)
			}
			fresh = true
			return nil
		}
		if string(meta.Get(kFormat)) != formatName {
			return fmt.Errorf("open store %s: not a canvass store", s.path)
		}
		if v := meta.Get(kSchema); len(v) == 8 {
			schema = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	latest := uint64(0)
	if len(migs) > 0 {
		latest = migs[len(migs)-1].to
	}
	if schema > latest {
		return fmt.Errorf("open store %s: it has schema %d but this canvass knows only up to %d; use a newer canvass", s.path, schema, latest)
	}
	if schema < latest && !fresh {
		if err := s.backup(schema); err != nil {
			return err
		}
	}
	for _, m := range migs {
		if m.to <= schema {
			continue
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			if err := m.up(tx); err != nil {
				return err
			}
			meta, err := tx.CreateBucketIfNotExists(bMeta)
			if err != nil {
				return err
			}
			if err := meta.Put(kFormat, []byte(formatName)); err != nil {
				return err
			}
			return meta.Put(kSchema, u64(m.to))
		})
		if err != nil {
			return fmt.Errorf("migrate store %s to schema %d (%s): %w", s.path, m.to, m.name, err)
		}
	}
	// Most opens find the device id made: reading it costs no commit (two
	// fdatasyncs on every start of canvass).
	err = s.db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bMeta); meta != nil {
			s.device = string(meta.Get(kDevice))
		}
		return nil
	})
	if err != nil || s.device != "" {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			return fmt.Errorf("open store %s: no migrations to create it", s.path)
		}
		if d := meta.Get(kDevice); d != nil {
			s.device = string(d)
			return nil
		}
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("make device id: %w", err)
		}
		s.device = hex.EncodeToString(b[:])
		return meta.Put(kDevice, []byte(s.device))
	})
}

// backup copies the store to PATH.schemaN-TIME.bak before a migration.
func (s *Store) backup(schema uint64) error {
	dst := fmt.Sprintf("%s.schema%d-%s.bak", s.path, schema, s.now().UTC().Format("20060102T150405Z"))
	err := s.db.View(func(tx *bolt.Tx) error { return tx.CopyFile(dst, 0o600) })
	if err != nil {
		return fmt.Errorf("back up store %s before migrating: %w", s.path, err)
	}
	return nil
}

// Close releases the store file. It first commits the free-page list,
// which no other commit writes, so that the next Open reads the list
// rather than rebuilding it from every page of the file. If that commit
// fails (a full disk), nothing is lost: the next Open rebuilds the list.
func (s *Store) Close() error {
	s.db.Update(func(tx *bolt.Tx) error {
		// Inside the write transaction, so no other commit reads the
		// flag meanwhile; the store is closed right after.
		tx.DB().NoFreelistSync = false
		return nil
	})
	return s.db.Close()
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Device is this store's device id, the first half of every event id.
func (s *Store) Device() string { return s.device }

// Schema reports the schema version recorded in the store.
func (s *Store) Schema() (uint64, error) {
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		v = binary.BigEndian.Uint64(tx.Bucket(bMeta).Get(kSchema))
		return nil
	})
	return v, err
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// timeKey encodes t as 8 big-endian bytes of Unix nanoseconds, offset so
// that times before 1970 still sort first.
func timeKey(t time.Time) []byte {
	return u64(uint64(t.UnixNano()) ^ (1 << 63))
}

func keyTime(b []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)^(1<<63))).UTC()
}

// idPrefix is id ‖ 0, the start of composite keys led by a variable id.
func idPrefix(id string) []byte {
	b := make([]byte, 0, len(id)+1+17)
	b = append(b, id...)
	return append(b, 0)
}

func validID(what, id string) error {
	if id == "" {
		return fmt.Errorf("empty %s id", what)
	}
	if bytes.IndexByte([]byte(id), 0) >= 0 {
		return fmt.Errorf("%s id %q contains a NUL byte", what, id)
	}
	return nil
}

// update runs fn in one write transaction and commits it (durably: never
// NoSync). The intents call it once each; tests count its commits and
// inject failures inside the transaction through txHook.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if s.txHook != nil {
			return s.txHook(tx)
		}
		return nil
	})
	if err == nil {
		s.commits.Add(1)
	}
	return err
}
