package store

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
)

// # Bundles
//
// A bundle is one file that carries events from one store to another. It
// is, in order:
//
//	"canvass-bundle 1\n"
//	envelope JSON and "\n": sender and recipient device ids, bundle number
//	an age file encrypted to the recipient's X25519 recipient, holding a
//	  gzip stream of records (below)
//	64 bytes: the sender's ed25519 signature (Ed25519ph, context
//	  "canvass bundle 1") of the SHA-512 of everything before it
//
// The envelope says nothing personal; it is there so that the receiver
// can tell, before decrypting, a bundle from an unknown device and one made
// for another store. The signature covers every byte before it, envelope
// included, so that any byte altered is found before anything is applied.
//
// A record is a type byte, a uvarint length and that many bytes:
//
//	'H' header JSON (bundleHeader): the range of the sender's log, acks,
//	    and, from a hub, its index key
//	'I' istate: interview id, the sender's latest engine state
//	'X' xdata: interview id, its export projection as the sender has it
//	'E' event: seq, id, kind, actor, time, payload, payload digest, extra
//	'S' event stub: seq, id, hash (an event the receiver does not take)
//	'R' rows of the event before: sorted opt-out index keys, 32 bytes each
//	'T' trailer JSON (bundleTrailer): counts, and the sender's hash of its
//	    last event
//
// Strings and byte fields are a uvarint length and the bytes; numbers are
// uvarints, times varint Unix nanoseconds.

const (
	bundleMagic   = "canvass-bundle 1"
	bundleContext = "canvass bundle 1"
	// maxRecord bounds one record: a questionnaire with its raw file is
	// the largest.
	maxRecord = 64 << 20
	// maxEnvelope bounds the envelope line.
	maxEnvelope = 4096
)

// Record types.
const (
	recHeader  = 'H'
	recIState  = 'I'
	recXData   = 'X'
	recEvent   = 'E'
	recStub    = 'S'
	recRows    = 'R'
	recTrailer = 'T'
)

// envelope is the clear part of a bundle.
type envelope struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Number uint64 `json:"number"`
}

// bundleHeader opens the encrypted records.
type bundleHeader struct {
	Format string `json:"format"`
	From   string `json:"from"`
	To     string `json:"to"`
	Number uint64 `json:"number"`
	// The bundle covers the sender's events (Start, End].
	Start uint64 `json:"start"`
	End   uint64 `json:"end"`
	// Whole bundles carry every event of the range, in full or as a stub,
	// with Prev the sender's hash of event Start: the receiver checks that
	// they continue the sender's log. A laptop's bundles are whole; a
	// hub's carry only what the laptop needs.
	Whole bool   `json:"whole"`
	Prev  string `json:"prev,omitempty"`
	// Ack is how far the sender has applied the recipient's log.
	Ack     uint64    `json:"ack"`
	Created time.Time `json:"created"`
	// A hub's bundles carry its index key (IndexPlain: a plain hub's
	// unkeyed index), and whether its study ignores calling hours.
	IndexKey   []byte `json:"index_key,omitempty"`
	IndexPlain bool   `json:"index_plain,omitempty"`
	AnyHour    bool   `json:"any_hour,omitempty"`
}

// bundleTrailer closes the records.
type bundleTrailer struct {
	Events int    `json:"events"`
	Stubs  int    `json:"stubs"`
	Hash   string `json:"hash,omitempty"`
}

// bundleEvent is an event as a bundle carries it.
type bundleEvent struct {
	Seq   uint64
	ID    string
	Kind  string
	Actor string
	At    time.Time
	Data  []byte
	// Digest is what the sender's hash chain hashed of Data (empty: Data
	// itself, a plain store's chain).
	Digest []byte
	// Extra is what the receiver needs besides the payload (syncExtra).
	Extra []byte
	// Stub events carry only their hash.
	Stub bool
	Hash []byte
	// Rows are the opt-out index keys of a bulk opt-out event.
	Rows []byte

	// Made ahead by the receiver (applier.prepare): the payload sealed
	// with its codec and the digest its log hashes, and an answer's
	// payload decoded, with its sealed value for the answers bucket.
	sealed, digest []byte
	answer         *answerRecorded
	answerVal      []byte
}

// chainHash is the event hash of the log (see eventHash), from the
// payload's digest as the chain hashes it.
func chainHash(prev [32]byte, id, kind, actor string, at time.Time, digest []byte) [32]byte {
	var buf [512]byte
	b := append(buf[:0], prev[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(id)))
	b = append(b, id...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(kind)))
	b = append(b, kind...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(actor)))
	b = append(b, actor...)
	n := len(b)
	b = binary.BigEndian.AppendUint64(b, 0)
	b = at.UTC().AppendFormat(b, time.RFC3339Nano)
	binary.BigEndian.PutUint64(b[n:], uint64(len(b)-n-8))
	b = binary.BigEndian.AppendUint64(b, uint64(len(digest)))
	b = append(b, digest...)
	return sha256.Sum256(b)
}

// recBuf builds one record.
type recBuf []byte

func (b *recBuf) uvarint(v uint64) { *b = binary.AppendUvarint(*b, v) }
func (b *recBuf) varint(v int64)   { *b = binary.AppendVarint(*b, v) }
func (b *recBuf) bytes(p []byte)   { b.uvarint(uint64(len(p))); *b = append(*b, p...) }
func (b *recBuf) str(s string)     { b.uvarint(uint64(len(s))); *b = append(*b, s...) }

// recReader decodes one record.
type recReader struct {
	b   []byte
	err error
}

var errBadRecord = errors.New("malformed record")

func (r *recReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadRecord
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errBadRecord
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errBadRecord
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *recReader) str() string { return string(r.bytes()) }

// bundleWriter writes a bundle to a temporary file beside its target and
// puts it in place when closed, so that no partial bundle is ever left.
type bundleWriter struct {
	target string
	f      *os.File
	sum    hash.Hash
	age    io.WriteCloser
	gz     *gzip.Writer
	bw     *bufio.Writer
	sign   ed25519.PrivateKey
	rec    recBuf
	size   int64
}

// newBundleWriter starts a bundle for recipient ageTo at path.
func newBundleWriter(path string, env envelope, ageTo string, sign ed25519.PrivateKey) (*bundleWriter, error) {
	rcpt, err := age.ParseX25519Recipient(ageTo)
	if err != nil {
		return nil, fmt.Errorf("the recipient's age key: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	w := &bundleWriter{target: path, f: f, sum: sha512.New(), sign: sign}
	env2, err := json.Marshal(env)
	if err != nil {
		w.abort()
		return nil, err
	}
	out := io.MultiWriter(f, w.sum, countWriter{&w.size})
	if _, err := fmt.Fprintf(out, "%s\n%s\n", bundleMagic, env2); err != nil {
		w.abort()
		return nil, err
	}
	if w.age, err = age.Encrypt(out, rcpt); err != nil {
		w.abort()
		return nil, err
	}
	if w.gz, err = gzip.NewWriterLevel(w.age, gzip.BestSpeed); err != nil {
		w.abort()
		return nil, err
	}
	w.bw = bufio.NewWriterSize(w.gz, 1<<16)
	return w, nil
}

type countWriter struct{ n *int64 }

func (c countWriter) Write(p []byte) (int, error) { *c.n += int64(len(p)); return len(p), nil }

// write adds one record.
func (w *bundleWriter) write(typ byte, body []byte) error {
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = typ
	n := binary.PutUvarint(hdr[1:], uint64(len(body)))
	if _, err := w.bw.Write(hdr[:1+n]); err != nil {
		return err
	}
	_, err := w.bw.Write(body)
	return err
}

func (w *bundleWriter) writeJSON(typ byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.write(typ, b)
}

func (w *bundleWriter) writeEvent(e *bundleEvent) error {
	w.rec = w.rec[:0]
	w.rec.uvarint(e.Seq)
	w.rec.str(e.ID)
	if e.Stub {
		w.rec.bytes(e.Hash)
		return w.write(recStub, w.rec)
	}
	w.rec.str(e.Kind)
	w.rec.str(e.Actor)
	w.rec.varint(e.At.UnixNano())
	w.rec.bytes(e.Data)
	w.rec.bytes(e.Digest)
	w.rec.bytes(e.Extra)
	if err := w.write(recEvent, w.rec); err != nil {
		return err
	}
	for i := 0; i < len(e.Rows); i += optPartKeys * 32 {
		if err := w.write(recRows, e.Rows[i:min(i+optPartKeys*32, len(e.Rows))]); err != nil {
			return err
		}
	}
	return nil
}

func (w *bundleWriter) writePair(typ byte, id string, v []byte) error {
	w.rec = w.rec[:0]
	w.rec.str(id)
	w.rec.bytes(v)
	return w.write(typ, w.rec)
}

// close finishes the encryption, signs the file and puts it in place.
func (w *bundleWriter) close() error {
	err := w.bw.Flush()
	if err == nil {
		err = w.gz.Close()
	}
	if err == nil {
		err = w.age.Close()
	}
	if err == nil {
		var sig []byte
		sig, err = w.sign.Sign(nil, w.sum.Sum(nil), &ed25519.Options{Hash: crypto.SHA512, Context: bundleContext})
		if err == nil {
			_, err = w.f.Write(sig)
			w.size += int64(len(sig))
		}
	}
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.f.Name(), w.target)
	}
	if err != nil {
		os.Remove(w.f.Name())
		return err
	}
	if d, err := os.Open(filepath.Dir(w.target)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// abort removes the temporary file.
func (w *bundleWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

// bundleSource is a bundle's bytes: a file, or a held bundle in the store.
type bundleSource interface {
	io.ReaderAt
	Size() int64
}

// fileSource is a bundle file.
type fileSource struct {
	f    *os.File
	size int64
}

func (f fileSource) ReadAt(p []byte, off int64) (int, error) { return f.f.ReadAt(p, off) }
func (f fileSource) Size() int64                             { return f.size }

// bytesSource is a bundle in memory (tests).
type bytesSource []byte

func (b bytesSource) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(b).ReadAt(p, off)
}
func (b bytesSource) Size() int64 { return int64(len(b)) }

// errNotBundle is a file that is not a bundle at all.
var errNotBundle = errors.New("not a canvass bundle")

// readEnvelope reads a bundle's clear envelope and returns it with the
// offset where the age file starts.
func readEnvelope(src bundleSource) (envelope, int64, error) {
	var env envelope
	head := make([]byte, min(src.Size(), maxEnvelope))
	n, err := src.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return env, 0, err
	}
	head = head[:n]
	magic, rest, ok := bytes.Cut(head, []byte("\n"))
	if !ok || string(magic) != bundleMagic {
		return env, 0, errNotBundle
	}
	line, _, ok := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return env, 0, errNotBundle
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil || !validDevice(env.From) || !validDevice(env.To) {
		return env, 0, errNotBundle
	}
	off := int64(len(magic) + 1 + len(line) + 1)
	if src.Size() < off+ed25519.SignatureSize {
		return env, 0, errNotBundle
	}
	return env, off, nil
}

// bundleStream reads the records of a decrypted bundle.
type bundleStream struct {
	br     *bufio.Reader
	buf    []byte
	peeked bool
	ptyp   byte
	pbody  []byte
	// Records counts the records read.
	records int
}

func newBundleStream(r io.Reader) (*bundleStream, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	gz.Multistream(false)
	return &bundleStream{br: bufio.NewReaderSize(gz, 1<<16)}, nil
}

// next returns the next record; its body is valid until the next call.
func (bs *bundleStream) next() (byte, []byte, error) {
	if bs.peeked {
		bs.peeked = false
		return bs.ptyp, bs.pbody, nil
	}
	typ, err := bs.br.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, err := binary.ReadUvarint(bs.br)
	if err != nil {
		return 0, nil, io.ErrUnexpectedEOF
	}
	if n > maxRecord {
		return 0, nil, fmt.Errorf("a record of %d bytes: %w", n, errBadRecord)
	}
	if uint64(cap(bs.buf)) < n {
		bs.buf = make([]byte, n)
	}
	body := bs.buf[:n]
	if _, err := io.ReadFull(bs.br, body); err != nil {
		return 0, nil, io.ErrUnexpectedEOF
	}
	bs.records++
	return typ, body, nil
}

// unread makes the record just read come again from next.
func (bs *bundleStream) unread(typ byte, body []byte) {
	bs.peeked, bs.ptyp, bs.pbody = true, typ, body
}

// decodeEvent decodes an 'E' or 'S' record body, then reads the 'R'
// records that follow an event. The event owns its bytes.
func (bs *bundleStream) decodeEvent(typ byte, body []byte) (*bundleEvent, error) {
	r := recReader{b: body}
	e := &bundleEvent{Seq: r.uvarint(), ID: r.str()}
	if typ == recStub {
		e.Stub = true
		e.Hash = bytes.Clone(r.bytes())
		if r.err != nil || len(r.b) != 0 || len(e.Hash) != 32 {
			return nil, errBadRecord
		}
		return e, nil
	}
	e.Kind = r.str()
	e.Actor = r.str()
	e.At = time.Unix(0, r.varint()).UTC()
	e.Data = bytes.Clone(r.bytes())
	e.Digest = bytes.Clone(r.bytes())
	e.Extra = bytes.Clone(r.bytes())
	if r.err != nil || len(r.b) != 0 {
		return nil, errBadRecord
	}
	for {
		t, b, err := bs.next()
		if err != nil {
			return nil, err
		}
		if t != recRows {
			bs.unread(t, b)
			return e, nil
		}
		if len(b)%32 != 0 {
			return nil, errBadRecord
		}
		e.Rows = append(e.Rows, b...)
	}
}

// decodePair decodes an 'I' or 'X' record body.
func decodePair(body []byte) (string, []byte, error) {
	r := recReader{b: body}
	id := r.str()
	v := r.bytes()
	if r.err != nil || len(r.b) != 0 {
		return "", nil, errBadRecord
	}
	return id, v, nil
}

// verifySignature checks a bundle's signature with the sender's key; sum
// is the SHA-512 of everything before it.
func verifySignature(src bundleSource, sum []byte, pub ed25519.PublicKey) bool {
	sig := make([]byte, ed25519.SignatureSize)
	if _, err := src.ReadAt(sig, src.Size()-ed25519.SignatureSize); err != nil {
		return false
	}
	return ed25519.VerifyWithOptions(pub, sum, sig, &ed25519.Options{Hash: crypto.SHA512, Context: bundleContext}) == nil
}
