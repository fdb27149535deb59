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
// Every bucket is created when a store is made, and by the migration to
// the schema that introduced it; the number after each entry is that
// schema. Buckets marked 1–5 were made on their first write until schema
// 6, whose migration creates those an older store lacks, so that no code
// path finds a bucket missing. Each file named holds the bucket's code.
//
//	meta:       store-wide records, each a key of its own:
//	            "format"     => "canvass-store"                                             1
//	            "schema"     => uint64 schema version                                       1
//	            "device"     => device id (16 hex digits, random, made once)                1
//	            "head"       => seq(8) ‖ sha256(32) of the last event                       1
//	            "crypt"      => codec, key id and key check JSON (encrypted stores)          1
//	            "headmac"    => HMAC-SHA256(head key, head) (encrypted stores)               3
//	            "export-secret" => 32 random bytes keying pseudonymous export ids (export.go) 1–5
//	            "export-steps-indexed" => 1 once xsteps holds every step (export_project.go) 1–5
//	            "anyhour"    => 1 when the study ignores calling hours (intents.go)          1–5
//	            "study:" ‖ source => sha256 of the study loaded (console.go)                1–5
//	            "identity"   => sealed signing and age keys of this store (devices.go)       1–5
//	            "ixkey"      => sealed index key of the sync group (sync_index.go)           1–5
//	events:     seq(8) => Event JSON (payload sealed by the codec)                          1
//	optout:     ixkey(normalised phone or email) => seq(8) of the event that added it       1
//	optrows:    seq(8) ‖ part(4) => sorted ixkeys added by bulk event seq                   1
//	surveys:    survey ‖ 0 ‖ revision(4) => SurveyRecord JSON (questionnaire and raw file)  1
//	contacts:   cid(8) => sealed ContactRecord JSON (older layout: one per contact)         1
//	cids:       survey ‖ 0 ‖ sample id => cid(8) (older layout)                             1
//	reach:      ixkey(phone or email) ‖ cid(8) => survey id (older layout; and, since       1
//	            schema 5, the keys contacts got after their import, see emails.go)
//	cstate:     cid(8) => ContactState JSON (queue status, due, attempts), once the         1
//	            contact has a history
//	queue:      survey ‖ 0 ‖ priority(1) ‖ due(8, unix ns) ‖ cid(8) => ∅, or last cid(8)   1
//	            for a range
//	imports:    seq(8) of the import's first event => ImportRecord JSON                     1
//	interviews: interview id => sealed InterviewRecord JSON (header and consent)            1
//	ibycontact: survey ‖ 0 ‖ cid(8) => interview id                                         1
//	answers:    interview id ‖ 0 ‖ seq(8) => sealed model.AnswerEvent                       1
//	istate:     interview id => sealed engine state snapshot                                1
//	cblocks:    first cid(8) => sealed block of up to 64 imported contacts (sample.go)      2
//	xruns:      kind(1) ‖ import(8) ‖ first key(32) => sorted key(32) ‖ cid(8) entries      2
//	cranges:    last cid(8) => import(8) ‖ first cid(8) ‖ queued at(8) ‖ status(1) ‖ survey 2
//	leases:     cid(8) => until(8) ‖ interviewer                                            2
//	console:    "interviewer", "supervisor" => sealed record of who signed in last on       1–5
//	            this machine (console.go; no event)
//	inotes:     interview id ‖ 0 ‖ seq(8) => sealed Note JSON (console.go)                  1–5
//	callnotes:  cid(8) ‖ at(8) => sealed note text (console.go)                             1–5
//	reviews:    interview id => sealed ReviewState JSON (review.go)                         1–5
//	xdata:      interview id => sealed projection of a closed interview's data              1–5
//	            (export_project.go)
//	xsteps:     interview id ‖ 0 ‖ seq(8) => sealed ExportStep JSON                         1–5
//	xreview:    interview id => the standing review decision (a code, not personal)         1–5
//	lastiv:     survey ‖ 0 ‖ interviewer => the interviewer's latest interview              1–5
//	            (interviews.go; ${last-saved#name})
//	users:      user id => sealed UserRecord JSON (users.go; the call room's accounts)      1–5
//	userkeys:   key fingerprint ("SHA256:…") => user id                                     1–5
//	devices:    device id => DeviceRecord JSON (name, role, public keys, sync state;        1–5
//	            devices.go)
//	assigned:   cid(8) => assignment JSON (device, survey, sample id, a move waiting for    1–5
//	            the device; sync_assign.go)
//	seen:       origin device(8) ‖ origin seq(8) => local seq(8) of the event that          1–5
//	            stands for it (sync_apply.go)
//	held:       sender device(8) ‖ bundle number(8) ‖ part(4) => up to 1 MiB of a bundle   1–5
//	            that came before one it follows (bundle_in.go)
//	messages:   seq(8) => sealed Message JSON (bundle_out.go)                               1–5
//	qcount:     survey ‖ 0 ‖ quota cell => completes(8) ‖ open(8) (quotas.go)                6
//	qiv:        interview id => sealed quota places of the interview (quotas.go)            6
//	iassign:    cid(8) => "interviewer:ID", "team:NAME" or "language:L" (fieldassign.go)    6
//	tally:      the report's counts per survey (see tally.go); since schema 9 also per       7
//	            replicate ('r' keys) and per shift (in the sum)
//	tallied:    survey ‖ 0 ‖ cid(8) => sealed tally of one case, once something happened    7
//	            to it (tally.go); since schema 9 with its replicate and its calls' shifts
//	ivwork:     the home screen's counts and lists of interviews (ivwork.go)                8
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
// # What the log proves, and to whom
//
// Someone holding an encrypted store's file but not its key cannot change
// what the log says without Doctor finding it:
//
//   - an event's payload is sealed (AES-GCM) and enters the hash chain
//     through a digest keyed with the data key, so no event can be
//     altered, forged, or removed from the middle of the log;
//   - the head (meta "head": sequence and hash, in clear) carries an
//     HMAC under a key derived from the data key (meta "headmac"), so
//     the last events cannot be cut off and the head set back to the one
//     before: Open refuses such a store ([ErrAltered]; canvass doctor
//     opens it with Options.AllowAltered to report it), and no event is
//     appended to a head that does not verify, so that the next write
//     cannot launder the cut;
//   - the opt-out index is checked against the log in both directions:
//     every entry must be put there by an event (one by one, or among a
//     bulk event's rows), and every event's entries must be there unless
//     a later removal event took them off. A bulk event records how many
//     rows it added and their SHA-256, so rows deleted from optrows with
//     their keys, or swapped for others, do not match it. The draw gate
//     reads none of this: it stays one Get per key.
//
// A plain store has no key. The same checks find naive edits (an index
// entry or a row taken out), but someone who knows the format can rewrite
// a plain log consistently; canvass makes every store encrypted.
//
// What the key cannot tell is an older copy of the whole file, which is
// consistent in every part (so, often, are older pages left in the file's
// free space, since bbolt writes copy-on-write). Such a rollback is told
// from outside the file: events are numbered per device, so once a store
// has synced, the hub knows the last sequence it took from this device,
// and a device that offers a head below it, or events the hub already has
// with other hashes, has been rolled back. Until its first sync, a
// rollback of a store to an older copy of itself is not detectable.
//
// # Contact imports
//
// A contact import (see importer.go) reads the file once: the structure is
// checked (header, column count, UTF-8, an id column) while workers
// normalise the rows, check them against the opt-out list and seal them
// into a temporary file beside the store (.STORE.import-*: one left by a
// killed import is listed by Doctor and removed by the next import or
// AbandonImport; the opt-out import spills there too), and the rows'
// index keys go to partition files by key (those of suppressed rows too,
// flagged: a row with a suppressed row's id is the same person, and
// suppressed as well). Each partition is then sorted alone to find the
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
// use), and stays plain. The record alone does not decide it, though:
// deleting it from an encrypted store would otherwise make a plain store
// of it, whose later imports write names and phones in clear and whose
// opt-outs (keyed by HMAC) stop matching. Open looks for sealed values in
// a store without the record (the first and last event and the ends of
// every sealed bucket; a sealed value starts with a version byte no plain
// one can) and refuses one that holds them ([ErrAltered]). Zero Options open an encrypted store too, with
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
	"hash/fnv"
	"io"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the schema this code reads and writes.
const SchemaVersion = 9

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
		bCBlocks, bXRuns, bCRanges, bLeases,
		// Made on first write before schema 6.
		bConsole, bINotes, bCallNotes, bReviews, bXData, bXSteps, bXReview, bLastIV,
		bUsers, bUserKeys, bDevices, bAssigned, bSeen, bHeld, bMessages,
		// New in schema 6.
		bQCount, bQIV, bIAssign,
		// New in schema 7.
		bTally, bTallied,
		// New in schema 8.
		bIVWork}
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
	// GroupCommit commits the intents of concurrent callers together
	// (see update): for the call room, where many sessions write at once.
	GroupCommit bool
	// MustExist makes Open fail with an error wrapping [ErrNoStore]
	// rather than create a store when there is no file at the path:
	// commands that only read never make an empty store of a mistyped
	// path and answer from it.
	MustExist bool
	// AllowAltered opens an encrypted store whose log's head its key does
	// not vouch for (the log cut back, the head set by hand), so that
	// canvass doctor can report what is wrong; every write to it still
	// fails with [ErrAltered]. Without it, Open refuses such a store.
	AllowAltered bool
}

// Store is an open canvass store. Its methods are safe for concurrent use by
// several goroutines of one process.
type Store struct {
	db   *bolt.DB
	path string
	// tightened is the mode Open found the file with when it made it
	// private (see Tightened).
	tightened os.FileMode
	codec     Codec
	now       func() time.Time
	device    string
	// keyFile is the key file of an encrypted store, "" for a plain one
	// or one opened with a passphrase.
	keyFile string
	// ix keys the optout and reach buckets of an encrypted store; nil
	// for a plain one (see indexKey).
	ix *indexHasher
	// heads authenticates the log's head in an encrypted store; nil for
	// a plain one (see headAuth).
	heads *headAuth
	// temps are the temporary files of the imports running now.
	temps tempFiles
	// optChunk and optBatch override the opt-out import's keys held in
	// memory before they spill and keys per transaction (tests).
	optChunk, optBatch int
	// leases lets draws pass over held contacts without reading their
	// state (see leaseHints).
	leases leaseHints
	// blocks caches the contact blocks read last.
	blocks blockCache
	// forms caches compiled questionnaire revisions; tallyRules, under
	// forms.mu, the calling rules the report's projection uses.
	forms      questionnaires
	tallyRules map[string]*tallyRules
	// zones caches contacts' zones for the report's projection.
	zones zoneCache
	// pend are the cases the write transaction under way changed, for
	// the report's projection (see flushTallyTx).
	pend tallyPending
	// commits counts the write transactions update committed; txHook,
	// when set (tests), runs at the end of each of them, and an error
	// from it rolls the transaction back; eventHook, when set (tests),
	// runs before each event is appended, and an error from it fails
	// the append.
	commits   atomic.Int64
	txHook    func(tx *bolt.Tx) error
	eventHook func(kind string) error
	// group is the group commit writer (Options.GroupCommit), or nil.
	group *committer
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
	// apply is up for a migration that needs the store (its codec, its
	// keys, its device id for events); a migration has one of them.
	apply func(s *Store, tx *bolt.Tx) error
}

// migrations is the ordered list of schema upgrades. Schema 1 is the first
// released layout; a fresh file gets all buckets directly.
func migrations() []migration {
	return []migration{
		{to: 1, name: "create the buckets of the first layout", up: createBucketsTx},
		{to: 2, name: "add the buckets of the sample layout (contact blocks, index runs, import ranges, leases)", up: createBucketsTx},
		{to: 3, name: "authenticate the log's head with the store's key", apply: (*Store).authenticateHeadTx},
		{to: 4, name: "seal the names of the interviewer and supervisor last signed in", apply: (*Store).sealConsoleTx},
		{to: 5, name: "re-key emails under Unicode NFC and IDNA", apply: (*Store).rekeyEmailsTx},
		{to: 6, name: "create the buckets that were made on their first write, and those of quotas and assignments", up: createBucketsTx},
		{to: 7, name: "keep the report's counts as a projection", apply: (*Store).buildTallyTx},
		{to: 8, name: "index the interviewers' work for the home screen", apply: (*Store).buildWorkTx},
		{to: 9, name: "keep the report's counts by replicate and by shift in its projection", apply: (*Store).buildTallyTx},
	}
}

// sealConsoleTx seals the console's records of who signed in last, which
// stores before schema 4 kept in clear (a plain store's codec keeps them
// as they are).
func (s *Store) sealConsoleTx(tx *bolt.Tx) error {
	b := tx.Bucket(bConsole)
	if b == nil {
		return nil
	}
	type kv struct{ k, v []byte }
	var plain []kv
	b.ForEach(func(k, v []byte) error {
		if len(v) > 0 && v[0] == '{' {
			plain = append(plain, kv{bytes.Clone(k), bytes.Clone(v)})
		}
		return nil
	})
	for _, p := range plain {
		sealed, err := s.codec.Seal(p.v)
		if err != nil {
			return err
		}
		if err := b.Put(p.k, sealed); err != nil {
			return err
		}
	}
	return nil
}

// authenticateHeadTx writes the MAC of the log's head as it is (schema
// 3); a plain store has no key and gets none. It vouches for the head
// found at the upgrade: a log cut back before it cannot be told.
func (s *Store) authenticateHeadTx(tx *bolt.Tx) error {
	if s.heads == nil {
		return nil
	}
	seq, hash := headTx(tx)
	return tx.Bucket(bMeta).Put(kHeadMAC, s.heads.sum(seq, hash))
}

func createBucketsTx(tx *bolt.Tx) error {
	for _, name := range allBuckets() {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// Open opens the store at path, creating it (mode 0600) if it does not exist
// (unless opts.MustExist), and upgrades an older schema after writing a
// backup beside it. A second process opening the same store gets an error
// wrapping [ErrInUse] after opts.Timeout rather than waiting. An existing
// file that others may read is made private (0600; see [Store.Tightened]).
// If Open fails, a file it created is removed again.
func Open(path string, opts Options) (*Store, error) {
	return openWith(path, opts, migrations())
}

// ErrNoStore is returned by [Open] with Options.MustExist when there is no
// file at the path.
var ErrNoStore = errors.New("no store")

// noStoreError names the path that holds no store.
type noStoreError struct{ path string }

func (e *noStoreError) Error() string { return "no store at " + e.path }
func (e *noStoreError) Unwrap() error { return ErrNoStore }

func openWith(path string, opts Options, migs []migration) (_ *Store, err error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Codec == nil {
		opts.Codec = PlainCodec{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	_, statErr := os.Stat(path)
	existed := statErr == nil
	if errors.Is(statErr, os.ErrNotExist) && opts.MustExist {
		return nil, &noStoreError{path}
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	var db *bolt.DB
	defer func() {
		if err == nil {
			return
		}
		if db != nil {
			db.Close()
		}
		// A store this Open made and could not finish is not left
		// behind as an empty file that the next command takes for one.
		if !existed {
			os.Remove(path)
		}
	}()
	// Every commit is synced (never NoSync). The free-page list is not
	// written with each commit, as etcd does: on a large store it would
	// otherwise be rewritten with every answer and every draw, tripling
	// their cost. Close writes it once (see Close), so that the next Open
	// reads it instead of scanning the whole file for free pages (over a
	// second on a million-contact store); after a crash, Open scans.
	// The map reserves a gibibyte of address space from the start (no
	// memory): a bulk import then grows the file without remapping it a
	// dozen times, and read transactions do not hold writers back.
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, FreelistType: bolt.FreelistMapType,
		NoFreelistSync: true, InitialMmapSize: 1 << 30})
	if err != nil {
		db = nil
		switch {
		case errors.Is(err, bolterr.ErrTimeout):
			return nil, fmt.Errorf("the store %s is %w", path, ErrInUse)
		case errors.Is(err, bolterr.ErrInvalid), errors.Is(err, bolterr.ErrChecksum), errors.Is(err, bolterr.ErrVersionMismatch):
			return nil, fmt.Errorf("open store %s: not a canvass store (%v)", path, err)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil {
		db.AllocSize = growStep(fi.Size())
	}
	s := &Store{db: db, path: path, codec: opts.Codec, now: opts.Now, temps: tempFiles{path: path}}
	s.tightened = tightenMode(path)
	if err := s.unlock(opts); err != nil {
		return nil, err
	}
	s.deriveKeys()
	if err := s.checkHead(opts.AllowAltered); err != nil {
		return nil, err
	}
	if err := s.init(migs); err != nil {
		return nil, err
	}
	if err := s.sealNew(opts); err != nil {
		return nil, err
	}
	s.deriveKeys()
	if err := s.loadGroupIndexKey(); err != nil {
		db.Close()
		return nil, err
	}
	if opts.GroupCommit {
		s.startGroupCommit()
	}
	return s, nil
}

// checkHead refuses an encrypted store whose log's head does not verify
// with its key (see headAuth), unless allowed: its opt-out list may have
// lost entries with the events cut off, and a command answering from it
// ("not on the opt-out list") would pass the loss on. Stores older than
// schema 3 have no head MAC yet; the migration makes it.
func (s *Store) checkHead(allow bool) error {
	if s.heads == nil || allow {
		return nil
	}
	var bad bool
	var seq uint64
	s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			return nil
		}
		if v := meta.Get(kSchema); len(v) != 8 || binary.BigEndian.Uint64(v) < 3 {
			return nil
		}
		var hash [32]byte
		seq, hash = headTx(tx)
		bad = !s.heads.verify(meta.Get(kHeadMAC), seq, hash)
		return nil
	})
	if bad {
		return fmt.Errorf("open store %s: its log's head (event %d) does not verify with the store's key, so the file was altered (events cut off?): %w; run canvass doctor and restore the store from a backup", s.path, seq, ErrAltered)
	}
	return nil
}

// deriveKeys makes the keyed hashers of the store's codec: the index
// hasher and the head authenticator (both nil for a plain store).
func (s *Store) deriveKeys() {
	s.ix = newIndexHasher(s.codec)
	s.heads = newHeadAuth(s.codec)
}

// growStep is how much room bbolt adds when a commit needs the file to
// grow (DB.AllocSize), for a file of size bytes: as much again as it
// holds, from 32 KiB up to bbolt's own 16 MiB. bbolt adds its AllocSize
// whenever the map is larger than it, and the map reserves a gibibyte
// from the start (see openWith): with the default, the first commit made
// a new store 16 MiB. Doubling keeps the grows (each a truncate and an
// fsync) as few as bbolt's own doubling map made them, so that a bulk
// import grows a new store a handful of times, then by 16 MiB steps.
// Commits that append an event, and the import's writers, set it inside
// their write transaction, where only the writer reads it.
func growStep(size int64) int {
	return int(min(max(size, 32<<10), 16<<20))
}

// growStepTx sets the step for the file as tx finds it (see growStep).
func growStepTx(tx *bolt.Tx) {
	tx.DB().AllocSize = growStep(tx.Size())
}

// tightenMode makes the store file private to its owner when others may
// read or write it, and returns the mode it had then (0 when it was
// private already or could not be changed). Stores made by canvass are
// 0600; one copied or unpacked with a umask of 022 is not.
func tightenMode(path string) os.FileMode {
	if runtime.GOOS == "windows" {
		return 0
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return 0
	}
	if err := os.Chmod(path, fi.Mode().Perm()&0o700); err != nil {
		return 0
	}
	return fi.Mode().Perm()
}

// Tightened reports the mode the store file had when [Open] found it
// readable or writable by others and made it private, or 0.
func (s *Store) Tightened() os.FileMode { return s.tightened }

// checkFile refuses, before bbolt sees it, a non-empty file that is not a
// bbolt file, so that the user gets a plain message rather than a page
// error, and a bbolt file shorter than its own pages say: bbolt maps the
// file and would read past its end, which kills the process with SIGBUS.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	var hdr [metaEnd]byte
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
	m, ok := newestMeta(f, hdr[:n], fi.Size())
	if !ok {
		return nil // bbolt says what is wrong with both meta pages
	}
	if need := m.pgid * uint64(m.pageSize); uint64(fi.Size()) < need {
		return fmt.Errorf("open store %s: the file is cut short (%d bytes where its pages need %d); restore it from a backup", path, fi.Size(), need)
	}
	return nil
}

// The fields of a bbolt meta page (go.etcd.io/bbolt/internal/common.Meta,
// after the 16-byte page header) that checkFile reads, in the byte order
// of the machine that wrote it (little-endian everywhere canvass runs).
const (
	metaPageSize = 16 + 8  // uint32
	metaPgid     = 16 + 40 // uint64: the high-water mark, pages in use
	metaTxid     = 16 + 48 // uint64
	metaChecksum = 16 + 56 // uint64: FNV-1a of the meta before it
	metaEnd      = metaChecksum + 8
)

type boltMeta struct {
	pageSize uint32
	pgid     uint64
	txid     uint64
}

// parseMeta reads a bbolt meta page and reports whether it is valid
// (magic, version 2, checksum), as bbolt's own Meta.Validate decides.
func parseMeta(b []byte) (boltMeta, bool) {
	if len(b) < metaEnd {
		return boltMeta{}, false
	}
	le := binary.LittleEndian
	if le.Uint32(b[16:]) != 0xED0CDAED || le.Uint32(b[20:]) != 2 {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(b[16:metaChecksum])
	if h.Sum64() != le.Uint64(b[metaChecksum:]) {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: le.Uint32(b[metaPageSize:]), pgid: le.Uint64(b[metaPgid:]), txid: le.Uint64(b[metaTxid:])}, true
}

// newestMeta returns the valid meta page with the highest transaction id,
// the one bbolt opens the file with. The second meta page is one page in;
// when the first is damaged, the page sizes bbolt tries are tried.
func newestMeta(f *os.File, first []byte, size int64) (boltMeta, bool) {
	m0, ok0 := parseMeta(first)
	var offsets []int64
	if ok0 {
		offsets = []int64{int64(m0.pageSize)}
	} else {
		for i := range 15 {
			offsets = append(offsets, 1024<<i)
		}
	}
	for _, off := range offsets {
		if off+metaEnd > size {
			break
		}
		var b [metaEnd]byte
		if _, err := f.ReadAt(b[:], off); err != nil {
			continue
		}
		if m1, ok1 := parseMeta(b[:]); ok1 {
			if !ok0 || m1.txid > m0.txid {
				return m1, true
			}
			break
		}
	}
	return m0, ok0
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
		// Migrations that append events need the device id.
		s.device = string(meta.Get(kDevice))
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
			up := m.up
			if m.apply != nil {
				up = func(tx *bolt.Tx) error { return m.apply(s, tx) }
			}
			if err := up(tx); err != nil {
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
	s.stopGroupCommit()
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
