package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// BundleOutOptions say what bundle to make.
type BundleOutOptions struct {
	// To is the recipient's name or device id.
	To string
	// Out is the file to write.
	Out string
	// Resend starts from what the recipient last acknowledged instead of
	// where the last bundle for it ended: for a bundle that was lost.
	Resend bool
	// Message, from a hub, is sent to the laptop with this bundle.
	Message string
	Actor   string
}

// BundleOutResult describes the bundle made.
type BundleOutResult struct {
	Device string     `json:"device"`
	File   string     `json:"file"`
	Size   int64      `json:"size"`
	Mark   BundleMark `json:"mark"`
	// Stubs are events carried by id and hash only (not the recipient's to
	// take); Interviews the engine states carried.
	Stubs      int `json:"stubs"`
	Interviews int `json:"interviews"`
	// Ack is how far this store has applied the recipient's log.
	Ack uint64 `json:"ack"`
}

// syncExtra is what an event needs besides its payload in another store.
type syncExtra struct {
	// OptOut is the id of the opt-out event the payload's "optout" names
	// by its sequence number in the sender's log.
	OptOut string `json:"optout,omitempty"`
	// Note is a call note's text (kept beside the log, not in it).
	Note string `json:"note,omitempty"`
	// Survey is an added questionnaire, Contacts those assigned.
	Survey   *SurveyRecord   `json:"survey,omitempty"`
	Contacts []model.Contact `json:"contacts,omitempty"`
}

// laptopKinds are the kinds a hub takes from a laptop's own events; the
// laptop's other events (its registrations, exports, accounts) stay with
// it and travel as stubs.
var laptopKinds = map[string]bool{
	KindPresented: true, KindCall: true, KindSuppressed: true, KindRetired: true,
	KindConsent: true, KindAnswer: true, KindSuspended: true, KindResumed: true,
	KindCompleted: true, KindBrokenOff: true, KindScreenedOut: true, KindReview: true,
	KindNote: true, KindCallNote: true, KindOptOutAdded: true, KindOptOutImported: true,
}

// hubKinds are the kinds of a hub's log that may concern a laptop (see
// relevantTx).
var hubKinds = map[string]bool{
	KindSurveyAdded: true, KindOptOutAdded: true, KindOptOutImported: true,
	KindAssigned: true, KindUnassigned: true, KindReview: true, KindMessage: true,
}

// storedField returns the string field name of a stored event's JSON
// without decoding it (the kind and id are written first, in clear).
func storedField(v []byte, name string) string {
	pat := `"` + name + `":"`
	i := bytes.Index(v[:min(len(v), 512)], []byte(pat))
	if i < 0 {
		return ""
	}
	rest := v[i+len(pat):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// originOf is the device id of an event id.
func originOf(id string) string {
	dev, _, _ := strings.Cut(id, "-")
	return dev
}

// BundleOut writes a bundle for a registered device: from a laptop to its
// hub every event of its log since the last bundle (or, with Resend, since
// what the hub acknowledged), with the engine states and export data of
// the interviews they touch; from a hub to a laptop what concerns it
// (questionnaires, its assignments, every opt-out, review decisions on its
// interviews, messages). The file is written beside Out and put in place
// when complete.
func (s *Store) BundleOut(o BundleOutOptions) (*BundleOutResult, error) {
	res, err := s.bundleOut(o)
	if err != nil {
		return nil, fmt.Errorf("make a bundle for %s: %w", o.To, err)
	}
	return res, nil
}

func (s *Store) bundleOut(o BundleOutOptions) (*BundleOutResult, error) {
	if o.Out == "" {
		return nil, errors.New("no file to write")
	}
	var d *DeviceRecord
	var k *keys
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if d, err = findDeviceTx(tx, o.To); err != nil {
			return err
		}
		if k, err = s.identityTx(tx); err != nil {
			return err
		}
		if strings.TrimSpace(o.Message) != "" {
			if d.Role != RoleLaptop {
				return errors.New("messages go from a hub to its laptops")
			}
			return s.addMessageTx(tx, d.ID, o.Message, o.Actor)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	whole := d.Role == RoleHub // this store is a laptop
	number := uint64(1)
	start := d.Acked
	if d.Out != nil {
		number = d.Out.Number + 1
		if !o.Resend {
			start = max(start, d.Out.To)
		}
	}
	res := &BundleOutResult{Device: d.Name, File: o.Out}
	w, err := newBundleWriter(o.Out, envelope{From: s.device, To: d.ID, Number: number}, d.Age, k.sign)
	if err != nil {
		return nil, err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		end := nextSeqTx(tx) - 1
		start = min(start, end)
		h := bundleHeader{Format: bundleMagic, From: s.device, To: d.ID, Number: number, Start: start, End: end,
			Whole: whole, Ack: d.Applied, Created: s.now().UTC()}
		if whole {
			prev, err := s.hashAtTx(tx, start)
			if err != nil {
				return err
			}
			h.Prev = hex.EncodeToString(prev[:])
		} else {
			h.IndexKey, h.IndexPlain = s.indexKeyOffer()
			h.AnyHour = anyHourTx(tx)
		}
		if err := w.writeJSON(recHeader, h); err != nil {
			return err
		}
		var tr bundleTrailer
		var err error
		if whole {
			if res.Interviews, err = s.writeInterviewStatesTx(tx, w, start, end); err != nil {
				return err
			}
			last, err := s.writeWholeTx(tx, w, start, end, &tr)
			if err != nil {
				return err
			}
			tr.Hash = hex.EncodeToString(last[:])
		} else if err := s.writeRelevantTx(tx, w, d, start, end, &tr); err != nil {
			return err
		}
		res.Mark = BundleMark{Number: number, From: start, To: end, At: h.Created, Events: tr.Events}
		res.Stubs = tr.Stubs
		return w.writeJSON(recTrailer, tr)
	})
	if err != nil {
		w.abort()
		return nil, err
	}
	if err := w.close(); err != nil {
		return nil, fmt.Errorf("write %s: %w", o.Out, err)
	}
	res.Size = w.size
	res.Ack = d.Applied
	err = s.update(func(tx *bolt.Tx) error {
		cur, err := deviceTx(tx, d.ID)
		if err != nil {
			return err
		}
		m := res.Mark
		cur.Out = &m
		return putDeviceTx(tx, cur)
	})
	if err != nil {
		os.Remove(o.Out)
		return nil, err
	}
	return res, nil
}

// hashAtTx is the stored hash of event seq (zeros before the first).
func (s *Store) hashAtTx(tx *bolt.Tx, seq uint64) ([32]byte, error) {
	var h [32]byte
	if seq == 0 {
		return h, nil
	}
	v := tx.Bucket(bEvents).Get(u64(seq))
	if v == nil {
		return h, fmt.Errorf("event %d: %w", seq, ErrNotFound)
	}
	b, err := hex.DecodeString(storedField(v, "hash"))
	if err != nil || len(b) != 32 {
		// The hash comes after the payload-free fields; look further.
		var se storedEvent
		if err := json.Unmarshal(v, &se); err != nil {
			return h, err
		}
		if b, err = hex.DecodeString(se.Hash); err != nil || len(b) != 32 {
			return h, fmt.Errorf("event %d has a malformed hash", seq)
		}
	}
	return [32]byte(b), nil
}

// writeWholeTx writes every event (start, end] of the log: the store's
// own events of the kinds a hub takes in full, the rest as stubs. It
// returns the hash of event end.
func (s *Store) writeWholeTx(tx *bolt.Tx, w *bundleWriter, start, end uint64, tr *bundleTrailer) ([32]byte, error) {
	prev, err := s.hashAtTx(tx, start)
	if err != nil {
		return prev, err
	}
	c := tx.Bucket(bEvents).Cursor()
	var be bundleEvent
	var se storedEvent
	for k, v := c.Seek(u64(start + 1)); k != nil && binary.BigEndian.Uint64(k) <= end; k, v = c.Next() {
		if err := unmarshalStored(v, &se); err != nil {
			return prev, fmt.Errorf("decode event: %w", err)
		}
		if originOf(se.ID) != s.device || !laptopKinds[se.Kind] {
			e, err := stubOf(&se)
			if err != nil {
				return prev, err
			}
			if err := w.writeEvent(e); err != nil {
				return prev, err
			}
			prev = [32]byte(e.Hash)
			tr.Stubs++
			continue
		}
		e, err := s.openStored(&se)
		if err != nil {
			return prev, err
		}
		be = bundleEvent{Seq: e.Seq, ID: e.ID, Kind: e.Kind, Actor: e.Actor, At: e.At, Data: e.Data}
		if _, keyed := s.codec.(digester); keyed {
			be.Digest = s.payloadDigest(e.Data)
		}
		if be.Extra, be.Rows, err = s.extraOfTx(tx, e); err != nil {
			return prev, err
		}
		if err := w.writeEvent(&be); err != nil {
			return prev, err
		}
		b, err := hex.DecodeString(e.Hash)
		if err != nil || len(b) != 32 {
			return prev, fmt.Errorf("event %d has a malformed hash", e.Seq)
		}
		prev = [32]byte(b)
		tr.Events++
	}
	return prev, nil
}

// stubOf is what a stub carries of a stored event.
func stubOf(se *storedEvent) (*bundleEvent, error) {
	b, err := hex.DecodeString(se.Hash)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("event %d has a malformed hash", se.Seq)
	}
	return &bundleEvent{Seq: se.Seq, ID: se.ID, Stub: true, Hash: b}, nil
}

// extraOfTx is what event e needs besides its payload in another store,
// and the rows of a bulk opt-out.
func (s *Store) extraOfTx(tx *bolt.Tx, e *Event) ([]byte, []byte, error) {
	var x syncExtra
	var rows []byte
	switch e.Kind {
	case KindSuppressed, KindBrokenOff, KindCompleted:
		var p struct {
			OptOut uint64 `json:"optout"`
		}
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return nil, nil, fmt.Errorf("decode event %s: %w", e.ID, err)
		}
		if p.OptOut != 0 {
			ref, err := s.eventTx(tx, p.OptOut)
			if err != nil {
				return nil, nil, err
			}
			x.OptOut = ref.ID
		}
	case KindCallNote:
		var p callNoteAdded
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return nil, nil, fmt.Errorf("decode event %s: %w", e.ID, err)
		}
		notes, err := s.callNotesTx(tx, p.CID)
		if err != nil {
			return nil, nil, err
		}
		x.Note = notes[p.At.UTC()]
	case KindOptOutImported:
		c := tx.Bucket(bOptRows).Cursor()
		pre := u64(e.Seq)
		for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
			rows = append(rows, v...)
		}
	case KindSurveyAdded:
		var p surveyAdded
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return nil, nil, fmt.Errorf("decode event %s: %w", e.ID, err)
		}
		v := tx.Bucket(bSurveys).Get(surveyKey(p.ID, p.Revision))
		if v == nil {
			return nil, nil, fmt.Errorf("survey %s revision %d: %w", p.ID, p.Revision, ErrNotFound)
		}
		x.Survey = &SurveyRecord{}
		if err := json.Unmarshal(v, x.Survey); err != nil {
			return nil, nil, fmt.Errorf("decode survey %s: %w", p.ID, err)
		}
	case KindAssigned:
		var p assignedEvent
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return nil, nil, fmt.Errorf("decode event %s: %w", e.ID, err)
		}
		for _, cid := range p.CIDs {
			c, err := s.contactTx(tx, cid)
			if err != nil {
				return nil, nil, err
			}
			x.Contacts = append(x.Contacts, *c)
		}
	}
	if x.OptOut == "" && x.Note == "" && x.Survey == nil && x.Contacts == nil {
		return nil, rows, nil
	}
	b, err := json.Marshal(x)
	return b, rows, err
}

// writeInterviewStatesTx writes the latest engine state and export data of
// every interview of this store's own that an event (start, end] touched:
// started by one, or with an answer or a step among them. It returns how
// many it wrote. The answers and steps buckets are keyed by interview and
// sequence number, so this reads keys, not the log.
func (s *Store) writeInterviewStatesTx(tx *bolt.Tx, w *bundleWriter, start, end uint64) (int, error) {
	pre := []byte(s.device + "-")
	lastSeq := func(b *bolt.Bucket, id []byte) uint64 {
		if b == nil {
			return 0
		}
		p := idPrefix(string(id))
		c := b.Cursor()
		k, _ := c.Seek(append(bytes.Clone(p), 0xff))
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		if k == nil || !bytes.HasPrefix(k, p) || len(k) != len(p)+8 {
			return 0
		}
		return binary.BigEndian.Uint64(k[len(p):])
	}
	answers, steps := tx.Bucket(bAnswers), tx.Bucket(bXSteps)
	is, xd := tx.Bucket(bIState), tx.Bucket(bXData)
	n := 0
	c := tx.Bucket(bInterviews).Cursor()
	for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Next() {
		seq, err := parseSeq(string(k[len(pre):]))
		if err != nil {
			continue
		}
		touched := seq > start && seq <= end
		if !touched {
			a, st := lastSeq(answers, k), lastSeq(steps, k)
			touched = a > start || st > start
		}
		if !touched {
			continue
		}
		if v := is.Get(k); v != nil {
			plain, err := s.codec.Open(v)
			if err != nil {
				return n, fmt.Errorf("open state of %s: %w", k, err)
			}
			if err := w.writePair(recIState, string(k), plain); err != nil {
				return n, err
			}
			n++
		}
		if xd != nil {
			if v := xd.Get(k); v != nil {
				plain, err := s.codec.Open(v)
				if err != nil {
					return n, fmt.Errorf("open export data of %s: %w", k, err)
				}
				if err := w.writePair(recXData, string(k), plain); err != nil {
					return n, err
				}
			}
		}
	}
	return n, nil
}

// parseSeq reads the 16 hex digits of a sequence number.
func parseSeq(h string) (uint64, error) {
	if len(h) != 16 {
		return 0, errors.New("not 16 hex digits")
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(b), nil
}

// writeRelevantTx writes the events (start, end] of a hub's log that
// concern laptop d (relevantTx).
func (s *Store) writeRelevantTx(tx *bolt.Tx, w *bundleWriter, d *DeviceRecord, start, end uint64, tr *bundleTrailer) error {
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.Seek(u64(start + 1)); k != nil && binary.BigEndian.Uint64(k) <= end; k, v = c.Next() {
		if !hubKinds[storedField(v, "kind")] || originOf(storedField(v, "id")) == d.ID {
			continue
		}
		e, err := s.decodeEvent(v)
		if err != nil {
			return err
		}
		ok, err := relevant(e, d.ID)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		be := bundleEvent{Seq: e.Seq, ID: e.ID, Kind: e.Kind, Actor: e.Actor, At: e.At, Data: e.Data}
		if be.Extra, be.Rows, err = s.extraOfTx(tx, e); err != nil {
			return err
		}
		if err := w.writeEvent(&be); err != nil {
			return err
		}
		tr.Events++
	}
	return nil
}

// relevant reports whether an event of a hub's log concerns laptop dev:
// every questionnaire and opt-out does; assignments, withdrawals and
// messages addressed to it; review decisions on its interviews (their
// ids begin with the device id of the store that started them).
func relevant(e *Event, dev string) (bool, error) {
	switch e.Kind {
	case KindSurveyAdded, KindOptOutAdded, KindOptOutImported:
		return true, nil
	case KindAssigned, KindUnassigned:
		var p assignedEvent
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return false, fmt.Errorf("decode event %s: %w", e.ID, err)
		}
		return p.Device == dev, nil
	case KindReview:
		var p reviewRecorded
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return false, fmt.Errorf("decode event %s: %w", e.ID, err)
		}
		return originOf(p.Interview) == dev, nil
	case KindMessage:
		var p messageSent
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return false, fmt.Errorf("decode event %s: %w", e.ID, err)
		}
		return p.To == dev, nil
	}
	return false, nil
}

// Message is a note from a hub to a laptop's interviewers.
type Message struct {
	From string    `json:"from"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// KindMessage is a message from a hub to one of its laptops (messageSent).
const KindMessage = "sync.message"

type messageSent struct {
	To   string `json:"to"`
	Text string `json:"text"`
}

// messages: seq(8) => sealed Message JSON (received, on a laptop; sent, on a hub)
var bMessages = []byte("messages")

func (s *Store) addMessageTx(tx *bolt.Tx, to, text, actor string) error {
	e, err := s.appendTx(tx, KindMessage, actor, s.now(), messageSent{To: to, Text: strings.TrimSpace(text)})
	if err != nil {
		return err
	}
	return s.putMessageTx(tx, e, s.device, strings.TrimSpace(text))
}

func (s *Store) putMessageTx(tx *bolt.Tx, e *Event, from, text string) error {
	b, err := tx.CreateBucketIfNotExists(bMessages)
	if err != nil {
		return err
	}
	v, err := s.sealJSON(Message{From: from, By: e.Actor, At: e.At, Text: text})
	if err != nil {
		return err
	}
	return b.Put(u64(e.Seq), v)
}

// Messages lists the messages a laptop received from its hub (on a hub,
// those it sent), oldest first.
func (s *Store) Messages() ([]Message, error) {
	var out []Message
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMessages)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var m Message
			if err := s.openJSON(v, &m); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	return out, nil
}
