package store

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Event kinds. The payload of each is described beside it.
const (
	KindSurveyAdded      = "survey.added"      // surveyAdded
	KindOptOutAdded      = "optout.added"      // optOutAdded
	KindOptOutImported   = "optout.imported"   // optOutImported (rows in optrows)
	KindOptOutRemoved    = "optout.removed"    // optOutRemoved
	KindContactsImported = "contacts.imported" // contactsImported (a cid range)
	KindImportDone       = "contacts.import.done"
	KindImportAbandoned  = "contacts.import.abandoned"
	KindPresented        = "contact.presented"  // presented
	KindCall             = "contact.call"       // callRecorded
	KindSuppressed       = "contact.suppressed" // suppressedAtDraw
	KindRetired          = "contact.retired"    // retired
	KindImportStarted    = "contacts.import.started"
	KindConsent          = "interview.consent" // consentRecorded
	KindAnswer           = "interview.answer"  // answerRecorded
	KindSuspended        = "interview.suspended"
	KindResumed          = "interview.resumed"
	KindCompleted        = "interview.completed"
	KindBrokenOff        = "interview.broken-off" // interviewStep with the opt-out's seq
	KindReview           = "interview.review"
)

// Event is one entry of the append-only log. ID is the device id and the
// sequence number, unique across every laptop; Prev and Hash chain the log.
type Event struct {
	Seq   uint64    `json:"seq"`
	ID    string    `json:"id"`
	Kind  string    `json:"kind"`
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
	// Data is the kind's payload as JSON.
	Data json.RawMessage `json:"-"`
	Prev string          `json:"prev"`
	Hash string          `json:"hash"`
}

// storedEvent is an Event as written: the payload sealed by the codec.
type storedEvent struct {
	Event
	Sealed []byte `json:"data"`
}

// eventHash is SHA-256 over the previous hash and the event's fields, each
// length-prefixed so that no two events can hash alike by shifting bytes.
// The payload enters as the codec's digest of it (see payloadDigest).
func (s *Store) eventHash(prev [32]byte, e *Event) [32]byte {
	return chainHash(prev, e.ID, e.Kind, e.Actor, e.At, s.payloadDigest(e.Data))
}

// digester is a codec that can hash a payload with its key.
type digester interface {
	Digest(plain []byte) []byte
}

// payloadDigest is what the hash chain hashes of a payload: the payload
// itself under a plain codec, a keyed digest under encryption, so that the
// chain (stored in clear) cannot confirm a guessed personal value.
func (s *Store) payloadDigest(data []byte) []byte {
	if d, ok := s.codec.(digester); ok {
		return d.Digest(data)
	}
	return data
}

// appendTx appends an event of kind with payload to the log inside tx and
// returns it. The caller applies it to the projections in the same tx.
func (s *Store) appendTx(tx *bolt.Tx, kind, actor string, at time.Time, payload any) (*Event, error) {
	if s.eventHook != nil {
		if err := s.eventHook(kind); err != nil {
			return nil, err
		}
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", kind, err)
	}
	return s.appendDataTx(tx, "", kind, actor, at, data)
}

// appendDataTx appends an event whose payload is already JSON. An empty
// id gives it this store's id (device id and sequence number); an event
// received from another store keeps its own (see sync_apply.go).
func (s *Store) appendDataTx(tx *bolt.Tx, id, kind, actor string, at time.Time, data []byte) (*Event, error) {
	return s.appendSealedTx(tx, id, kind, actor, at, data, nil, nil)
}

// appendSealedTx is appendDataTx given, when not nil, the payload as the
// codec seals it and its digest (payloadDigest), made ahead of the
// transaction (see applyBundle).
func (s *Store) appendSealedTx(tx *bolt.Tx, id, kind, actor string, at time.Time, data, sealed, digest []byte) (*Event, error) {
	meta := tx.Bucket(bMeta)
	growStepTx(tx)
	seq, prev := headTx(tx)
	// An event extends only a head the store's key vouches for: appended
	// to a head set back, it would launder the cut (see headAuth).
	if s.heads != nil && !s.heads.verify(meta.Get(kHeadMAC), seq, prev) {
		return nil, fmt.Errorf("append %s event: the log's head (event %d) does not verify with the store's key, so the file was altered (run canvass doctor): %w", kind, seq, ErrAltered)
	}
	seq++
	if id == "" {
		id = fmt.Sprintf("%s-%016x", s.device, seq)
	}
	e := &Event{
		Seq:   seq,
		ID:    id,
		Kind:  kind,
		Actor: actor,
		At:    at.UTC(),
		Data:  data,
		Prev:  hex.EncodeToString(prev[:]),
	}
	if digest == nil {
		digest = s.payloadDigest(data)
	}
	sum := chainHash(prev, e.ID, e.Kind, e.Actor, e.At, digest)
	e.Hash = hex.EncodeToString(sum[:])
	if sealed == nil {
		var err error
		if sealed, err = s.codec.Seal(data); err != nil {
			return nil, fmt.Errorf("seal %s event: %w", kind, err)
		}
	}
	v, err := marshalStored(e, sealed)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", kind, err)
	}
	if err := tx.Bucket(bEvents).Put(u64(seq), v); err != nil {
		return nil, fmt.Errorf("append %s event: %w", kind, err)
	}
	head := make([]byte, 40)
	binary.BigEndian.PutUint64(head, seq)
	copy(head[8:], sum[:])
	if err := meta.Put(kHead, head); err != nil {
		return nil, fmt.Errorf("append %s event: %w", kind, err)
	}
	if s.heads != nil {
		if err := meta.Put(kHeadMAC, s.heads.sum(seq, sum)); err != nil {
			return nil, fmt.Errorf("append %s event: %w", kind, err)
		}
	}
	return e, nil
}

// decodeEvent reads a stored event, opening its payload with the codec.
func (s *Store) decodeEvent(v []byte) (*Event, error) {
	var se storedEvent
	if err := unmarshalStored(v, &se); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	return s.openStored(&se)
}

// openStored opens the payload of a decoded stored event.
func (s *Store) openStored(se *storedEvent) (*Event, error) {
	data, err := s.codec.Open(se.Sealed)
	if err != nil {
		return nil, fmt.Errorf("open event %s: %w", se.ID, err)
	}
	e := se.Event
	e.Data = data
	return &e, nil
}

// eventTx returns the event with sequence number seq.
func (s *Store) eventTx(tx *bolt.Tx, seq uint64) (*Event, error) {
	v := tx.Bucket(bEvents).Get(u64(seq))
	if v == nil {
		return nil, fmt.Errorf("event %d: %w", seq, ErrNotFound)
	}
	return s.decodeEvent(v)
}

// Events calls fn for every event from sequence number from on, in order,
// stopping at the first error fn returns.
func (s *Store) Events(from uint64, fn func(*Event) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Seek(u64(from)); k != nil; k, v = c.Next() {
			e, err := s.decodeEvent(v)
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// verifyChain checks every event's hash and its link to the one before, and
// that the meta head names the last event. It returns one line per problem.
func (s *Store) verifyChainTx(tx *bolt.Tx) []string {
	return s.walkChainTx(tx, nil)
}

// walkChainTx is verifyChainTx, handing each event, as it decodes it, to
// each (with its decoding error): Doctor re-derives the projections in
// the same pass rather than opening every event twice.
func (s *Store) walkChainTx(tx *bolt.Tx, each func(seq uint64, e *Event, err error)) []string {
	var problems []string
	var prev [32]byte
	var last uint64
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		seq := binary.BigEndian.Uint64(k)
		e, err := s.decodeEvent(v)
		if each != nil {
			each(seq, e, err)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("event %d: %v", seq, err))
			continue
		}
		if seq != last+1 {
			problems = append(problems, fmt.Sprintf("event %d follows event %d: events are missing", seq, last))
		}
		if e.Seq != seq {
			problems = append(problems, fmt.Sprintf("event %d says it is event %d", seq, e.Seq))
		}
		if e.Prev != hex.EncodeToString(prev[:]) {
			problems = append(problems, fmt.Sprintf("event %d (%s): previous hash does not match event %d", seq, e.ID, last))
		}
		sum := s.eventHash(prev, e)
		if e.Hash != hex.EncodeToString(sum[:]) {
			problems = append(problems, fmt.Sprintf("event %d (%s): hash does not match its contents (altered)", seq, e.ID))
		}
		// Go on from the hash as stored, so that one altered event is
		// reported once rather than breaking every later link.
		if b, err := hex.DecodeString(e.Hash); err == nil && len(b) == 32 {
			prev = [32]byte(b)
		} else {
			prev = sum
		}
		last = seq
	}
	h := tx.Bucket(bMeta).Get(kHead)
	switch {
	case last == 0 && h == nil:
	case len(h) != 40:
		problems = append(problems, "meta head is missing or malformed")
	case binary.BigEndian.Uint64(h[:8]) != last || [32]byte(h[8:]) != prev:
		problems = append(problems, fmt.Sprintf("meta head names event %d, the log ends at event %d", binary.BigEndian.Uint64(h[:8]), last))
	}
	// The head as meta has it: only the key vouches that the log was not
	// cut back and the head set to an earlier event.
	if seq, hash := headTx(tx); s.heads != nil && !s.heads.verify(tx.Bucket(bMeta).Get(kHeadMAC), seq, hash) {
		problems = append(problems, fmt.Sprintf("meta head (event %d) does not verify with the store's key: the log was cut back or its head set by hand", seq))
	}
	return problems
}

// # The stored form, fast
//
// Every event is written once and read by every export, doctor run and
// bundle, so the stored JSON is written and read here without reflection.
// marshalStored gives exactly the bytes json.Marshal gives; unmarshalStored
// reads exactly the form marshalStored writes when every string is plain
// printable ASCII, and hands anything else to json.Unmarshal, so that both
// mean what encoding/json means (FuzzStoredEvent holds them to it).

// marshalStored is json.Marshal(storedEvent{Event: *e, Sealed: sealed}).
func marshalStored(e *Event, sealed []byte) ([]byte, error) {
	y := e.At.Year()
	if !plainJSON(e.ID) || !plainJSON(e.Kind) || !plainJSON(e.Actor) || !plainJSON(e.Prev) || !plainJSON(e.Hash) || y < 0 || y > 9999 || e.At.Location() != time.UTC {
		return json.Marshal(storedEvent{Event: *e, Sealed: sealed})
	}
	n := 96 + len(e.ID) + len(e.Kind) + len(e.Actor) + len(e.Prev) + len(e.Hash) + base64.StdEncoding.EncodedLen(len(sealed))
	b := make([]byte, 0, n)
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"id":"`...)
	b = append(b, e.ID...)
	b = append(b, `","kind":"`...)
	b = append(b, e.Kind...)
	b = append(b, `","actor":"`...)
	b = append(b, e.Actor...)
	b = append(b, `","at":"`...)
	b = e.At.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","prev":"`...)
	b = append(b, e.Prev...)
	b = append(b, `","hash":"`...)
	b = append(b, e.Hash...)
	if sealed == nil {
		b = append(b, `","data":null}`...)
		return b, nil
	}
	b = append(b, `","data":"`...)
	b = base64.StdEncoding.AppendEncode(b, sealed)
	b = append(b, `"}`...)
	return b, nil
}

// plainJSON reports whether encoding/json writes s as it is between its
// quotes: printable ASCII, none of the characters it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// unmarshalStored is json.Unmarshal(v, se) for a stored event.
func unmarshalStored(v []byte, se *storedEvent) error {
	if fastStored(v, se) {
		return nil
	}
	*se = storedEvent{}
	return json.Unmarshal(v, se)
}

// fastStored reads v when it is in the form marshalStored writes with
// plain strings, and reports whether it was.
func fastStored(v []byte, se *storedEvent) bool {
	r := v
	lit := func(l string) bool {
		if len(r) < len(l) || string(r[:len(l)]) != l {
			return false
		}
		r = r[len(l):]
		return true
	}
	// str reads up to the closing quote; a string with an escape or a
	// byte json would change is left to encoding/json.
	str := func() ([]byte, bool) {
		for i := 0; i < len(r); i++ {
			switch c := r[i]; {
			case c == '"':
				s := r[:i]
				r = r[i+1:]
				return s, true
			case c < 0x20 || c > 0x7e || c == '\\':
				return nil, false
			}
		}
		return nil, false
	}
	if !lit(`{"seq":`) {
		return false
	}
	i := 0
	for i < len(r) && r[i] >= '0' && r[i] <= '9' {
		i++
	}
	if i == 0 || (i > 1 && r[0] == '0') {
		return false
	}
	seq, err := strconv.ParseUint(string(r[:i]), 10, 64)
	if err != nil {
		return false
	}
	r = r[i:]
	var id, kind, actor, at, prev, hash []byte
	ok := lit(`,"id":"`)
	if ok {
		id, ok = str()
	}
	if ok && lit(`,"kind":"`) {
		kind, ok = str()
	} else {
		ok = false
	}
	if ok && lit(`,"actor":"`) {
		actor, ok = str()
	} else {
		ok = false
	}
	if ok && lit(`,"at":`) {
		start := r
		if ok = lit(`"`); ok {
			_, ok = str()
			at = start[:len(start)-len(r)]
		}
	} else {
		ok = false
	}
	if ok && lit(`,"prev":"`) {
		prev, ok = str()
	} else {
		ok = false
	}
	if ok && lit(`,"hash":"`) {
		hash, ok = str()
	} else {
		ok = false
	}
	if !ok || !lit(`,"data":`) {
		return false
	}
	var sealed []byte
	if !lit("null}") {
		if !lit(`"`) {
			return false
		}
		enc, ok := str()
		if !ok || !lit("}") {
			return false
		}
		sealed = make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
		n, err := base64.StdEncoding.Decode(sealed, enc)
		if err != nil {
			return false
		}
		sealed = sealed[:n]
	}
	if len(r) != 0 {
		return false
	}
	var t time.Time
	if err := t.UnmarshalJSON(at); err != nil {
		return false
	}
	*se = storedEvent{Event: Event{Seq: seq, ID: string(id), Kind: string(kind), Actor: string(actor), At: t,
		Prev: string(prev), Hash: string(hash)}, Sealed: sealed}
	return true
}
