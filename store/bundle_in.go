package store

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

// # Taking a bundle in
//
// [Store.BundleIn] reads a bundle twice. The first pass checks it: the
// sender must be registered, the signature must hold over every byte, the
// bundle must be addressed to this store, it must decrypt and parse, and
// a laptop's bundle must continue that laptop's log: its events' hashes,
// recomputed from the first one's predecessor, must end at the hash the
// laptop wrote, and where its range meets what this store applied, it
// must meet it at the same hash. Nothing is written until all of that
// holds. The second pass applies it in batches of a few thousand events
// per transaction, each batch also moving on the sender's applied mark,
// so memory stays flat and a crash loses only the batch under way:
// importing the bundle again goes on from the mark. The second pass reads
// the file through the digests of the first (one per mebibyte), so it
// applies exactly the bytes that were checked. It uses both cores: a
// goroutine decrypts, decompresses and decodes the records, carries the
// hash chain on and seals the payloads for this store's log, while the
// transaction writes the records before them.
//
// A bundle whose range starts beyond what this store applied of the
// sender waits, as received, in the held bucket, and is applied as soon
// as the bundles before it have been:
//
//	held: sender device(8) ‖ bundle number(8) ‖ part(4) => up to 1 MiB of the bundle file

// ErrRefused is wrapped by the error of a bundle a store will not apply;
// its message says which bundle and why, in one sentence.
var ErrRefused = errors.New("bundle refused")

// ErrBundleHeld is wrapped by the error of a bundle that arrived before an
// earlier one it needs: it is kept and applied when that one arrives.
var ErrBundleHeld = errors.New("bundle held")

type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return ErrRefused }

func refuse(format string, args ...any) error { return &refusal{fmt.Sprintf(format, args...)} }

var bHeld = []byte("held")

const (
	// verifyBlock is the size of the pieces of a bundle whose digests the
	// first pass keeps for the second.
	verifyBlock = 1 << 20
	// batchEvents and batchBytes bound the events one transaction applies.
	batchEvents = 4096
	batchBytes  = 16 << 20
)

// BundleInResult says what taking a bundle in did.
type BundleInResult struct {
	File   string `json:"file"`
	From   string `json:"from"`
	Number uint64 `json:"number"`
	// The bundle covered the sender's events (Start, End].
	Start uint64 `json:"start"`
	End   uint64 `json:"end"`
	// Status is "applied", "already applied" or "held".
	Status string `json:"status"`
	// Events were added to this store's log; Duplicates it had already;
	// Skipped it does not take (the laptop's own records, or events about
	// what this store does not have, Notes saying which).
	Events     int      `json:"events"`
	Duplicates int      `json:"duplicates"`
	Skipped    int      `json:"skipped"`
	Notes      []string `json:"notes,omitempty"`
	// What the events were: interviews started, review decisions,
	// interviews returned to their interviewers, questionnaires,
	// contacts assigned and withdrawals (laptop), interviews flagged as
	// worked twice, contacts the sender gave up (hub).
	Interviews int `json:"interviews,omitempty"`
	Reviews    int `json:"reviews,omitempty"`
	Returned   int `json:"returned,omitempty"`
	Surveys    int `json:"surveys,omitempty"`
	Assigned   int `json:"assigned,omitempty"`
	Withdrawn  int `json:"withdrawn,omitempty"`
	Flagged    int `json:"flagged,omitempty"`
	Released   int `json:"released,omitempty"`
	// States are the engine states taken.
	States   int       `json:"states,omitempty"`
	Messages []Message `json:"messages,omitempty"`
	// Joined is set when a laptop adopted its hub's index key with this
	// bundle.
	Joined bool `json:"joined,omitempty"`
	// Gap says, for a held bundle, which events have not arrived.
	Gap string `json:"gap,omitempty"`
	// Then are the held bundles this one let apply.
	Then []*BundleInResult `json:"then,omitempty"`
}

// BundleIn checks and applies a bundle file (see "Taking a bundle in").
// A refused bundle's error wraps [ErrRefused]; a held one's [ErrBundleHeld],
// with the result saying what is missing.
func (s *Store) BundleIn(path, actor string) (*BundleInResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	return s.bundleIn(fileSource{f: f, size: fi.Size()}, path, actor, false)
}

// verified is what the first pass over a bundle found.
type verified struct {
	env envelope
	off int64
	hdr bundleHeader
	tr  bundleTrailer
	// blocks are the SHA-256 of each verifyBlock of the age file.
	blocks [][32]byte
	// at is the sender's event whose hash the bundle is to meet this
	// store's record at (whole bundles); hashAt its hash, when the range
	// holds it.
	at     uint64
	hashAt [32]byte
	hasAt  bool
}

func (s *Store) bundleIn(src bundleSource, name, actor string, fromHeld bool) (*BundleInResult, error) {
	env, off, err := readEnvelope(src)
	if err != nil {
		if errors.Is(err, errNotBundle) {
			return nil, refuse("%s is not a canvass bundle", name)
		}
		return nil, fmt.Errorf("read bundle %s: %w", name, err)
	}
	var sender *DeviceRecord
	var k *keys
	err = s.db.View(func(tx *bolt.Tx) error {
		var err error
		sender, err = deviceTx(tx, env.From)
		if errors.Is(err, ErrNotFound) && env.From == s.device {
			return refuse("%s was made by this store, for device %s: apply it there", name, env.To)
		} else if errors.Is(err, ErrNotFound) {
			return refuse("%s comes from device %s, which this store does not know: register it first (canvass devices add)", name, env.From)
		} else if err != nil {
			return err
		}
		k, err = s.identityTx(tx)
		if errors.Is(err, ErrNoIdentity) {
			k, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	v := &verified{env: env, off: off, at: sender.Applied}
	if err := s.verifyBundle(src, v, sender, k, name); err != nil {
		return nil, err
	}
	h := v.hdr
	res := &BundleInResult{File: name, From: sender.Name, Number: h.Number, Start: h.Start, End: h.End}
	// Where does it meet what this store has of the sender's log?
	if h.Start > sender.Applied {
		if fromHeld {
			return nil, fmt.Errorf("held bundle %d from %s still starts after event %d", h.Number, sender.Name, sender.Applied)
		}
		return s.hold(src, v, sender, name, res)
	}
	if h.Whole {
		want, err := hex.DecodeString(sender.LastHash)
		if sender.LastHash == "" {
			want, err = make([]byte, 32), nil
		}
		if err != nil || len(want) != 32 {
			return nil, fmt.Errorf("the record of %s has a malformed hash", sender.Name)
		}
		if (h.Start == sender.Applied && h.Prev != hex.EncodeToString(want)) || (v.hasAt && v.hashAt != [32]byte(want)) {
			return nil, refuse("%s does not continue the log of %s: its event %d differs from the one this store applied from %s (was the laptop's store replaced, or restored from a copy?)",
				name, sender.Name, sender.Applied, sender.Name)
		}
	}
	if h.End <= sender.Applied {
		res.Status = "already applied"
	} else {
		res.Status = "applied"
	}
	if err := s.applyBundle(src, v, sender, k, actor, res); err != nil {
		return nil, fmt.Errorf("apply bundle %s: %w", name, err)
	}
	if err := s.applyHeld(sender.ID, actor, res); err != nil {
		return res, err
	}
	return res, nil
}

// blockHasher keeps the SHA-256 of each verifyBlock written to it.
type blockHasher struct {
	buf    []byte
	blocks [][32]byte
}

func (b *blockHasher) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		take := min(len(p), verifyBlock-len(b.buf))
		b.buf = append(b.buf, p[:take]...)
		p = p[take:]
		if len(b.buf) == verifyBlock {
			b.blocks = append(b.blocks, sha256.Sum256(b.buf))
			b.buf = b.buf[:0]
		}
	}
	return n, nil
}

func (b *blockHasher) finish() [][32]byte {
	if len(b.buf) > 0 {
		b.blocks = append(b.blocks, sha256.Sum256(b.buf))
		b.buf = nil
	}
	return b.blocks
}

// checkedReader reads the age file again, block by block, and fails if a
// block is not the one the first pass checked.
type checkedReader struct {
	r      io.Reader
	blocks [][32]byte
	i      int
	buf    []byte
	pos    int
}

var errChanged = errors.New("the bundle file changed while it was being applied")

func (c *checkedReader) Read(p []byte) (int, error) {
	if c.pos == len(c.buf) {
		if c.i == len(c.blocks) {
			return 0, io.EOF
		}
		if c.buf == nil {
			c.buf = make([]byte, verifyBlock)
		}
		n, err := io.ReadFull(c.r, c.buf[:verifyBlock])
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			if errors.Is(err, io.EOF) {
				return 0, errChanged
			}
			return 0, err
		}
		c.buf = c.buf[:n]
		if sha256.Sum256(c.buf) != c.blocks[c.i] {
			return 0, errChanged
		}
		c.i++
		c.pos = 0
	}
	n := copy(p, c.buf[c.pos:])
	c.pos += n
	return n, nil
}

// verifyBundle is the first pass: it reads the whole bundle, hashing it
// for the signature while it decrypts and parses it, and refuses it with
// one sentence when any check fails.
func (s *Store) verifyBundle(src bundleSource, v *verified, sender *DeviceRecord, k *keys, name string) error {
	sum := sha512.New()
	head := make([]byte, v.off)
	if _, err := src.ReadAt(head, 0); err != nil {
		return fmt.Errorf("read bundle %s: %w", name, err)
	}
	sum.Write(head)
	bh := &blockHasher{}
	sec := io.NewSectionReader(src, v.off, src.Size()-64-v.off)
	tee := io.TeeReader(sec, io.MultiWriter(sum, bh))
	var content error
	noKey := false
	if k == nil {
		noKey = true
	} else if dec, err := age.Decrypt(tee, k.age); err != nil {
		var nm *age.NoIdentityMatchError
		noKey = errors.As(err, &nm)
		content = err
	} else {
		content = s.scanBundle(dec, v, sender)
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return fmt.Errorf("read bundle %s: %w", name, err)
	}
	v.blocks = bh.finish()
	if !verifySignature(src, sum.Sum(nil), sender.Ed25519) {
		return refuse("%s was altered after %s signed it: its signature does not hold", name, sender.Name)
	}
	if v.env.To != s.device {
		return refuse("%s was made for device %s, not for this store (%s): a bundle is applied only by the store it is addressed to", name, v.env.To, s.device)
	}
	if noKey {
		return refuse("%s cannot be opened with this store's key: %s encrypted it to another key", name, sender.Name)
	}
	if content != nil {
		return refuse("%s is signed by %s but malformed: %v", name, sender.Name, content)
	}
	return nil
}

// scanBundle parses the decrypted records, checking their order, their
// ranges and, for a whole bundle, the hash chain.
func (s *Store) scanBundle(r io.Reader, v *verified, sender *DeviceRecord) error {
	bs, err := newBundleStream(r)
	if err != nil {
		return err
	}
	typ, body, err := bs.next()
	if err != nil || typ != recHeader {
		return errors.New("it does not start with a header")
	}
	h := &v.hdr
	if err := json.Unmarshal(body, h); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	switch {
	case h.Format != bundleMagic:
		return fmt.Errorf("header format %q", h.Format)
	case h.From != v.env.From || h.To != v.env.To || h.Number != v.env.Number:
		return errors.New("its header and envelope disagree")
	case h.Start > h.End:
		return fmt.Errorf("its range (%d, %d] is reversed", h.Start, h.End)
	case sender.Role == RoleLaptop && !h.Whole:
		return errors.New("a laptop's bundle must carry its whole log")
	case sender.Role == RoleHub && h.Whole:
		return errors.New("a hub's bundle carries what concerns the laptop, not its whole log")
	}
	var prev [32]byte
	if h.Whole {
		b, err := hex.DecodeString(h.Prev)
		if err != nil || len(b) != 32 {
			return errors.New("its first event's predecessor hash is malformed")
		}
		prev = [32]byte(b)
		if v.at == h.Start {
			v.hashAt, v.hasAt = prev, true
		}
	}
	next, last := h.Start+1, h.Start
	events, stubs := 0, 0
	inEvents := false
	for {
		typ, body, err := bs.next()
		if errors.Is(err, io.EOF) {
			return errors.New("it ends before its trailer")
		} else if err != nil {
			return err
		}
		switch typ {
		case recIState, recXData:
			if inEvents {
				return errors.New("an engine state after the events")
			}
			if _, _, err := decodePair(body); err != nil {
				return err
			}
		case recEvent, recStub:
			inEvents = true
			e, err := bs.decodeEvent(typ, body)
			if err != nil {
				return err
			}
			if _, err := seenKey(e.ID); err != nil {
				return err
			}
			if h.Whole {
				if e.Seq != next {
					return fmt.Errorf("event %d where event %d should be", e.Seq, next)
				}
				next++
				if e.Stub {
					prev = [32]byte(e.Hash)
				} else {
					d := e.Digest
					if len(d) == 0 {
						d = e.Data
					}
					prev = chainHash(prev, e.ID, e.Kind, e.Actor, e.At, d)
				}
				if e.Seq == v.at {
					v.hashAt, v.hasAt = prev, true
				}
			} else {
				if e.Stub || e.Seq <= last || e.Seq > h.End {
					return fmt.Errorf("event %d is out of order", e.Seq)
				}
				last = e.Seq
			}
			if e.Stub {
				stubs++
				continue
			}
			events++
			if !sortedRows(e.Rows) {
				return fmt.Errorf("the opt-out rows of event %s are not in order", e.ID)
			}
			if (len(e.Rows) > 0) != (e.Kind == KindOptOutImported) {
				return fmt.Errorf("event %s has rows it should not have", e.ID)
			}
		case recTrailer:
			if err := json.Unmarshal(body, &v.tr); err != nil {
				return fmt.Errorf("trailer: %w", err)
			}
			if v.tr.Events != events || v.tr.Stubs != stubs {
				return fmt.Errorf("the trailer counts %d events and %d stubs, the bundle has %d and %d", v.tr.Events, v.tr.Stubs, events, stubs)
			}
			if h.Whole {
				if next != h.End+1 {
					return fmt.Errorf("its events end at %d, its range at %d", next-1, h.End)
				}
				if v.tr.Hash != hex.EncodeToString(prev[:]) {
					return errors.New("its events' hashes do not lead to the hash of its last event: the chain is broken")
				}
			}
			if _, _, err := bs.next(); !errors.Is(err, io.EOF) {
				return errors.New("records after the trailer")
			}
			if n, _ := io.Copy(io.Discard, r); n != 0 {
				return errors.New("data after the records")
			}
			return nil
		default:
			return fmt.Errorf("unknown record %q", typ)
		}
	}
}

// hold keeps a bundle that starts beyond what this store has of its
// sender's log, and reports the gap.
func (s *Store) hold(src bundleSource, v *verified, sender *DeviceRecord, name string, res *BundleInResult) (*BundleInResult, error) {
	h := v.hdr
	res.Status = "held"
	res.Gap = fmt.Sprintf("bundle %d from %s starts after its event %d, and this store has its events only up to %d: events %d–%d have not arrived (an earlier bundle is missing; ask for it, or for a resend)",
		h.Number, sender.Name, h.Start, sender.Applied, sender.Applied+1, h.Start)
	for _, hb := range sender.Held {
		if hb.Number == h.Number && hb.Size == src.Size() {
			return res, fmt.Errorf("%s is held already: %s: %w", name, res.Gap, ErrBundleHeld)
		}
	}
	prefix := binary.BigEndian.AppendUint64(devKey(sender.ID), h.Number)
	size := src.Size()
	buf := make([]byte, verifyBlock)
	for off := int64(0); off < size; {
		err := s.update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bHeld)
			if err != nil {
				return err
			}
			for i := 0; i < 16 && off < size; i++ {
				n, err := src.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
				if err != nil && !errors.Is(err, io.EOF) {
					return err
				}
				part := uint32(off / verifyBlock)
				if err := b.Put(binary.BigEndian.AppendUint32(bytes.Clone(prefix), part), buf[:n]); err != nil {
					return err
				}
				off += int64(n)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("hold bundle %s: %w", name, err)
		}
	}
	err := s.update(func(tx *bolt.Tx) error {
		cur, err := deviceTx(tx, sender.ID)
		if err != nil {
			return err
		}
		cur.Held = append(removeHeld(cur.Held, h.Number), HeldBundle{Number: h.Number, From: h.Start, To: h.End, File: name, Size: size, Received: s.now().UTC()})
		return putDeviceTx(tx, cur)
	})
	if err != nil {
		return nil, fmt.Errorf("hold bundle %s: %w", name, err)
	}
	return res, fmt.Errorf("%s: %s; it is kept and will be applied when they do: %w", name, res.Gap, ErrBundleHeld)
}

func removeHeld(hs []HeldBundle, number uint64) []HeldBundle {
	out := hs[:0:0]
	for _, h := range hs {
		if h.Number != number {
			out = append(out, h)
		}
	}
	return out
}

// devKey is a device id as 8 bytes.
func devKey(id string) []byte {
	b, _ := hex.DecodeString(id)
	return b
}

// heldSource reads a held bundle from the store, a part per read
// transaction.
type heldSource struct {
	s      *Store
	prefix []byte
	size   int64
}

func (h heldSource) Size() int64 { return h.size }

func (h heldSource) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) && off < h.size {
		part := uint32(off / verifyBlock)
		in := off % verifyBlock
		err := h.s.db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(bHeld)
			if b == nil {
				return errors.New("the held bundle is gone")
			}
			v := b.Get(binary.BigEndian.AppendUint32(bytes.Clone(h.prefix), part))
			if int64(len(v)) <= in {
				return errors.New("a part of the held bundle is missing")
			}
			c := copy(p[n:], v[in:])
			n += c
			off += int64(c)
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// dropHeldTx removes a held bundle's parts.
func dropHeldTx(tx *bolt.Tx, dev string, number uint64) error {
	b := tx.Bucket(bHeld)
	if b == nil {
		return nil
	}
	prefix := binary.BigEndian.AppendUint64(devKey(dev), number)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// applyHeld applies the sender's held bundles that can now be, and drops
// those that nothing new is left in.
func (s *Store) applyHeld(dev, actor string, res *BundleInResult) error {
	for {
		var d *DeviceRecord
		err := s.db.View(func(tx *bolt.Tx) error {
			var err error
			d, err = deviceTx(tx, dev)
			return err
		})
		if err != nil {
			return err
		}
		var next *HeldBundle
		var stale []HeldBundle
		for i := range d.Held {
			hb := &d.Held[i]
			switch {
			case hb.To <= d.Applied:
				stale = append(stale, *hb)
			case hb.From <= d.Applied && next == nil:
				next = hb
			}
		}
		if len(stale) > 0 || next != nil {
			drop := stale
			var src heldSource
			if next != nil {
				src = heldSource{s: s, prefix: binary.BigEndian.AppendUint64(devKey(dev), next.Number), size: next.Size}
			}
			if next != nil {
				r, err := s.bundleIn(src, fmt.Sprintf("%s (held)", next.File), actor, true)
				if err != nil {
					return err
				}
				res.Then = append(res.Then, r)
				drop = append(drop, *next)
			}
			err := s.update(func(tx *bolt.Tx) error {
				cur, err := deviceTx(tx, dev)
				if err != nil {
					return err
				}
				for _, hb := range drop {
					if err := dropHeldTx(tx, dev, hb.Number); err != nil {
						return err
					}
					cur.Held = removeHeld(cur.Held, hb.Number)
				}
				return putDeviceTx(tx, cur)
			})
			if err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
	}
}

// applyBundle is the second pass: it reads the checked bundle again and
// applies it in batches, each one transaction that also moves the
// sender's applied mark on. A goroutine decrypts, decompresses and
// decodes the records (readRecords) while this one applies them.
func (s *Store) applyBundle(src bundleSource, v *verified, sender *DeviceRecord, k *keys, actor string, res *BundleInResult) error {
	h := v.hdr
	cr := &checkedReader{r: io.NewSectionReader(src, v.off, src.Size()-64-v.off), blocks: v.blocks}
	dec, err := age.Decrypt(cr, k.age)
	if err != nil {
		return err
	}
	bs, err := newBundleStream(dec)
	if err != nil {
		return err
	}
	if typ, _, err := bs.next(); err != nil || typ != recHeader {
		return errors.New("the header is gone")
	}
	var prev [32]byte
	if h.Whole {
		b, _ := hex.DecodeString(h.Prev)
		prev = [32]byte(b)
	}
	fresh := h.End > sender.Applied
	a := &applier{s: s, peer: sender, hub: sender.Role == RoleLaptop, actor: actor, xdata: map[string]bool{}, res: res}
	chunks := make(chan recChunk, 4)
	stop := make(chan struct{})
	read := make(chan struct{})
	go func() {
		defer close(read)
		readRecords(bs, h.Whole, prev, a.prepare, chunks, stop)
	}()
	// The reader is done with src before this returns.
	defer func() {
		close(stop)
		<-read
	}()
	var chunk []applyRec
	next := func() (*applyRec, error) {
		for len(chunk) == 0 {
			c, ok := <-chunks
			if !ok {
				return nil, errors.New("the records end before the trailer")
			}
			if c.err != nil {
				return nil, c.err
			}
			chunk = c.recs
		}
		r := &chunk[0]
		chunk = chunk[1:]
		return r, nil
	}

	done, first := false, true
	for !done {
		var undo func()
		err := s.update(func(tx *bolt.Tx) error {
			cur, err := deviceTx(tx, sender.ID)
			if err != nil {
				return err
			}
			a.peer = cur
			// The bundle's events, their seen entries, answers and states
			// go in at the end of their buckets, in key order: pages
			// filled further are fewer pages to write (bbolt splits
			// them half full by default).
			for _, name := range [][]byte{bEvents, bSeen, bAnswers, bIState, bXData} {
				if b := tx.Bucket(name); b != nil {
					b.FillPercent = 0.9
				}
			}
			if first && !a.hub && fresh {
				if err := s.joinTx(tx, cur, &h, res, &undo); err != nil {
					return err
				}
			}
			events, size := 0, 0
			for events < batchEvents && size < batchBytes {
				r, err := next()
				if err != nil {
					return fmt.Errorf("read the bundle again: %w", err)
				}
				size += r.size
				switch r.typ {
				case recIState, recXData:
					if !fresh || originOf(r.id) != sender.ID {
						continue // only a laptop's own interviews come with states
					}
					if r.typ == recIState {
						res.States++
						err = s.putIStateTx(tx, r.id, r.val)
					} else {
						a.xdata[r.id] = true
						err = s.putXDataTx(tx, r.id, r.val)
					}
					if err != nil {
						return err
					}
				case recEvent, recStub:
					e := r.e
					if e.Seq <= cur.Applied {
						continue
					}
					if err := a.applyTx(tx, e); err != nil {
						return err
					}
					events++
					cur.Applied = e.Seq
					if h.Whole {
						cur.LastHash = hex.EncodeToString(r.hash[:])
					}
				case recTrailer:
					done = true
					return s.finishBundleTx(tx, cur, &h, res)
				}
			}
			return putDeviceTx(tx, cur)
		})
		if err != nil {
			if undo != nil {
				undo()
			}
			return err
		}
		first = false
	}
	return nil
}

// applyRec is a record of a checked bundle, decoded for the applier.
type applyRec struct {
	typ byte
	// size is the bytes it carries, for the batch's bound.
	size int
	// An engine state or export data.
	id  string
	val []byte
	// An event or a stub, with (whole bundles) the sender's hash of it.
	e    *bundleEvent
	hash [32]byte
}

// recChunk is a run of records, or the error that ended them.
type recChunk struct {
	recs []applyRec
	err  error
}

// chunkRecs is how many records go to the applier at a time.
const chunkRecs = 256

// readRecords decodes the records after the header, the trailer last,
// and sends them in chunks until the trailer, an error, or stop. Each
// record owns its bytes. For a whole bundle it carries the hash chain on
// from prev, the hash of the event before the first, and has prepare do
// what it can ahead on each event.
func readRecords(bs *bundleStream, whole bool, prev [32]byte, prepare func(*bundleEvent), out chan<- recChunk, stop <-chan struct{}) {
	send := func(c recChunk) bool {
		select {
		case out <- c:
			return true
		case <-stop:
			return false
		}
	}
	recs := make([]applyRec, 0, chunkRecs)
	for {
		typ, body, err := bs.next()
		if err != nil {
			send(recChunk{err: err})
			return
		}
		r := applyRec{typ: typ, size: len(body)}
		switch typ {
		case recIState, recXData:
			id, val, err := decodePair(body)
			if err != nil {
				send(recChunk{err: err})
				return
			}
			r.id, r.val = id, bytes.Clone(val)
		case recEvent, recStub:
			e, err := bs.decodeEvent(typ, body)
			if err != nil {
				send(recChunk{err: err})
				return
			}
			r.size += len(e.Rows)
			if whole {
				if e.Stub {
					prev = [32]byte(e.Hash)
				} else {
					d := e.Digest
					if len(d) == 0 {
						d = e.Data
					}
					prev = chainHash(prev, e.ID, e.Kind, e.Actor, e.At, d)
				}
				r.hash = prev
			}
			prepare(e)
			r.e = e
		}
		recs = append(recs, r)
		if typ == recTrailer {
			send(recChunk{recs: recs})
			return
		}
		if len(recs) == chunkRecs {
			if !send(recChunk{recs: recs}) {
				return
			}
			recs = make([]applyRec, 0, chunkRecs)
		}
	}
}

// joinTx is a laptop taking its hub's settings with the hub's bundle: the
// index key (adopted with the first) and whether the study ignores
// calling hours.
func (s *Store) joinTx(tx *bolt.Tx, hub *DeviceRecord, h *bundleHeader, res *BundleInResult, undo *func()) error {
	joined := tx.Bucket(bMeta).Get(kGroupIndexKey) == nil && !h.IndexPlain
	u, err := s.adoptIndexKeyTx(tx, hub.ID, h.IndexKey, h.IndexPlain)
	*undo = u
	if err != nil {
		return refuse("the bundle from %s cannot be applied: %v", hub.Name, err)
	}
	res.Joined = joined
	if h.AnyHour {
		return tx.Bucket(bMeta).Put(kAnyHour, []byte{1})
	}
	return nil
}

// finishBundleTx closes a bundle's application: the sender's range and
// acknowledgement, and on a hub the contacts the laptop has now given up.
func (s *Store) finishBundleTx(tx *bolt.Tx, d *DeviceRecord, h *bundleHeader, res *BundleInResult) error {
	if h.End > d.Applied {
		if h.Whole {
			return fmt.Errorf("the events of bundle %d end at %d, before its range", h.Number, d.Applied)
		}
		d.Applied = h.End
	}
	if res.Status == "applied" {
		d.In = &BundleMark{Number: h.Number, From: h.Start, To: h.End, At: s.now().UTC(), Events: res.Events}
	}
	d.Acked = max(d.Acked, min(h.Ack, nextSeqTx(tx)-1))
	if d.Role == RoleLaptop {
		n, err := s.releaseTx(tx, d, d.Acked)
		if err != nil {
			return err
		}
		res.Released += n
	}
	return putDeviceTx(tx, d)
}
