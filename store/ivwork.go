package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// # The interviewers' work index
//
// The console's home screen shows, for every survey, how many interviews
// are completed, refused and open and how many the interviewer completed,
// and lists the interviewer's own open interviews and those a supervisor
// returned. Read from the interviews themselves, that is a decryption of
// every interview the store ever held, each time an interviewer comes
// back to the home screen: a call room that has worked for weeks would
// take seconds. ivwork keeps what the home screen shows, updated in the
// transaction of every write of an interview's record (putInterviewTx)
// or of its review state (putReviewStateTx), so that the home screen
// reads a few keys, and opens only the interviews it lists. Bucket
// (since schema 8):
//
//	ivwork: 's' ‖ interview id           => place ‖ 0 ‖ survey ‖ 0 ‖ who(8)
//	        'n' ‖ survey ‖ 0 ‖ place     => interviews(8) in that place
//	        'm' ‖ survey ‖ 0 ‖ who(8)    => interviews(8) the interviewer completed
//	        'o' ‖ who(8) ‖ interview id  => ∅, an open (active or suspended) interview
//	        'r' ‖ who(8) ‖ interview id  => ∅, a completed interview a supervisor returned
//
// place is the status a supervisor sees ([ReviewStatus]): a completed
// interview is completed, approved or rejected. who(8) is the keyed hash
// of the interviewer's id, as in the report's projection ([Store.whoKey]),
// so that no name is in a key. [Store.Doctor] derives the index again
// from the interviews and review states and names any difference.

var bIVWork = []byte("ivwork")

// ivWork is the index's entry of one interview.
type ivWork struct {
	place, survey string
	who           []byte // 8 bytes
}

// workOf is the entry of interview r, whose review state is rs (nil
// for none).
func (s *Store) workOf(r *InterviewRecord, rs *ReviewState) ivWork {
	return ivWork{place: ReviewStatus(*r, rs), survey: r.Survey, who: s.whoKey(r.Interviewer)}
}

func (w ivWork) encode() []byte {
	v := make([]byte, 0, len(w.place)+len(w.survey)+10)
	v = append(append(v, w.place...), 0)
	v = append(append(v, w.survey...), 0)
	return append(v, w.who...)
}

func decodeWork(v []byte) (ivWork, error) {
	i := bytes.IndexByte(v, 0)
	if i < 0 {
		return ivWork{}, fmt.Errorf("an entry of the work index is damaged")
	}
	j := bytes.IndexByte(v[i+1:], 0)
	if j < 0 || len(v)-(i+1+j+1) != 8 {
		return ivWork{}, fmt.Errorf("an entry of the work index is damaged")
	}
	return ivWork{place: string(v[:i]), survey: string(v[i+1 : i+1+j]), who: bytes.Clone(v[i+1+j+1:])}, nil
}

// completedPlace reports whether an interview in place was completed
// (whatever a supervisor decided since).
func completedPlace(place string) bool {
	return place == InterviewCompleted || place == InterviewApproved || place == InterviewRejected
}

func openPlace(place string) bool {
	return place == InterviewActive || place == InterviewSuspended
}

func workKey(kind byte, parts ...[]byte) []byte {
	k := []byte{kind}
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// workKeys is where the index is kept: its bucket, or a map while the
// doctor and the migration derive it again.
type workKeys interface {
	Get(k []byte) []byte
	Put(k, v []byte) error
	Delete(k []byte) error
}

// workMap is the index derived in memory, key => value.
type workMap map[string][]byte

func (m workMap) Get(k []byte) []byte { return m[string(k)] }

func (m workMap) Put(k, v []byte) error {
	m[string(k)] = bytes.Clone(v)
	return nil
}

func (m workMap) Delete(k []byte) error {
	delete(m, string(k))
	return nil
}

// add puts (n = 1) or takes out (n = -1) interview id's entry w in the
// index's counts and lists.
func (w ivWork) add(b workKeys, id string, n int64) error {
	survey := idPrefix(w.survey)
	counts := [][]byte{workKey('n', survey, []byte(w.place))}
	if completedPlace(w.place) {
		counts = append(counts, workKey('m', survey, w.who))
	}
	for _, k := range counts {
		c := int64(0)
		if v := b.Get(k); len(v) == 8 {
			c = int64(binary.BigEndian.Uint64(v))
		}
		c += n
		var err error
		if c <= 0 {
			err = b.Delete(k)
		} else {
			err = b.Put(k, binary.BigEndian.AppendUint64(nil, uint64(c)))
		}
		if err != nil {
			return err
		}
	}
	var list byte
	switch {
	case openPlace(w.place):
		list = 'o'
	case w.place == InterviewRejected:
		list = 'r'
	default:
		return nil
	}
	k := workKey(list, w.who, []byte(id))
	if n > 0 {
		return b.Put(k, nil)
	}
	return b.Delete(k)
}

// indexWorkTx brings interview r's entry up to date; rs is its review
// state (nil for none).
func (s *Store) indexWorkTx(tx *bolt.Tx, r *InterviewRecord, rs *ReviewState) error {
	b := tx.Bucket(bIVWork)
	w := s.workOf(r, rs)
	v := w.encode()
	sk := workKey('s', []byte(r.ID))
	old := b.Get(sk)
	if bytes.Equal(old, v) {
		return nil
	}
	if old != nil {
		ow, err := decodeWork(old)
		if err != nil {
			return fmt.Errorf("interview %s: %w", r.ID, err)
		}
		if err := ow.add(b, r.ID, -1); err != nil {
			return err
		}
	}
	if err := w.add(b, r.ID, 1); err != nil {
		return err
	}
	return b.Put(sk, v)
}

// reviewOfTx is interview id's review state, or nil when it has none.
func (s *Store) reviewOfTx(tx *bolt.Tx, id string) (*ReviewState, error) {
	if tx.Bucket(bReviews).Get([]byte(id)) == nil {
		return nil, nil
	}
	return s.reviewStateTx(tx, id)
}

// workCounts are one survey's counts of the home screen.
type workCounts struct {
	completed, mine, open, refused int
}

// workCountsTx reads survey's counts, the interviewer's completes
// among them.
func (s *Store) workCountsTx(tx *bolt.Tx, survey, who string) workCounts {
	b := tx.Bucket(bIVWork)
	prefix := idPrefix(survey)
	get := func(k []byte) int {
		if v := b.Get(k); len(v) == 8 {
			return int(binary.BigEndian.Uint64(v))
		}
		return 0
	}
	n := func(place string) int { return get(workKey('n', prefix, []byte(place))) }
	return workCounts{
		completed: n(InterviewCompleted) + n(InterviewApproved) + n(InterviewRejected),
		open:      n(InterviewActive) + n(InterviewSuspended),
		refused:   n(InterviewRefused),
		mine:      get(workKey('m', prefix, s.whoKey(who))),
	}
}

// workListTx is the interviewer's interviews in list ('o' open, 'r'
// returned), their records read, in the order of their ids.
func (s *Store) workListTx(tx *bolt.Tx, list byte, who string) ([]*InterviewRecord, error) {
	prefix := workKey(list, s.whoKey(who))
	var out []*InterviewRecord
	c := tx.Bucket(bIVWork).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		r, err := s.interviewTx(tx, string(k[len(prefix):]))
		if err != nil {
			return nil, err
		}
		// Two ids whose hashes begin alike share a prefix: the record
		// says whose the interview is.
		if r.Interviewer == who {
			out = append(out, r)
		}
	}
	return out, nil
}

// deriveWorkTx makes the index's entries again from every interview and
// review state, as the writers would have made them.
func (s *Store) deriveWorkTx(tx *bolt.Tx) (workMap, error) {
	mem := workMap{}
	err := tx.Bucket(bInterviews).ForEach(func(k, _ []byte) error {
		r, err := s.interviewTx(tx, string(k))
		if err != nil {
			return err
		}
		rs, err := s.reviewOfTx(tx, r.ID)
		if err != nil {
			return err
		}
		w := s.workOf(r, rs)
		mem[string(workKey('s', []byte(r.ID)))] = w.encode()
		return w.add(mem, r.ID, 1)
	})
	return mem, err
}

// buildWorkTx makes the index from the interviews (schema 8).
func (s *Store) buildWorkTx(tx *bolt.Tx) error {
	if err := tx.DeleteBucket(bIVWork); err != nil && err != bolt.ErrBucketNotFound {
		return err
	}
	b, err := tx.CreateBucket(bIVWork)
	if err != nil {
		return err
	}
	mem, err := s.deriveWorkTx(tx)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(mem)) {
		if err := b.Put([]byte(k), mem[k]); err != nil {
			return err
		}
	}
	return nil
}

// checkWorkTx compares the index with the interviews it is made from.
func (s *Store) checkWorkTx(tx *bolt.Tx, problem func(string, ...any)) {
	mem, err := s.deriveWorkTx(tx)
	if err != nil {
		problem("the interviewers' work index cannot be checked: %v", err)
		return
	}
	seen := 0
	tx.Bucket(bIVWork).ForEach(func(k, v []byte) error {
		want, ok := mem[string(k)]
		switch {
		case !ok:
			problem("the interviewers' work index holds %s, which no interview gives", describeWorkKey(k))
		case !bytes.Equal(want, v):
			problem("the interviewers' work index differs from the interviews at %s", describeWorkKey(k))
		}
		if ok {
			seen++
		}
		return nil
	})
	if seen != len(mem) {
		for k := range mem {
			if tx.Bucket(bIVWork).Get([]byte(k)) == nil {
				problem("the interviewers' work index lacks %s", describeWorkKey([]byte(k)))
			}
		}
	}
}

// describeWorkKey names a key of the index in a sentence, without the
// interviewer's hash.
func describeWorkKey(k []byte) string {
	if len(k) == 0 {
		return "an empty key"
	}
	switch rest := k[1:]; k[0] {
	case 's':
		return "the place of interview " + string(rest)
	case 'n':
		survey, place, _ := bytes.Cut(rest, []byte{0})
		return fmt.Sprintf("the count of %s interviews of %s", place, survey)
	case 'm':
		survey, _, _ := bytes.Cut(rest, []byte{0})
		return "an interviewer's count of completes of " + string(survey)
	case 'o', 'r':
		what := "open"
		if k[0] == 'r' {
			what = "returned"
		}
		if len(rest) > 8 {
			return fmt.Sprintf("the %s interview %s", what, rest[8:])
		}
	}
	return fmt.Sprintf("key %x", k)
}
