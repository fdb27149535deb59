package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// DeviceStatus is where sync with one registered device stands.
type DeviceStatus struct {
	DeviceRecord
	// Unacked counts this store's events for the device that it has not
	// acknowledged: on a hub, those that concern the laptop; on a laptop,
	// its own, which the hub has not confirmed taking.
	Unacked int `json:"unacked"`
	// Assigned counts the contacts the laptop holds, Waiting those it has
	// been asked to give up, Completed those of them with a completed
	// interview.
	Assigned  int `json:"assigned"`
	Waiting   int `json:"waiting"`
	Completed int `json:"completed"`
}

// DeviceStatuses says, for every registered device, where sync with it
// stands.
func (s *Store) DeviceStatuses() ([]DeviceStatus, error) {
	var out []DeviceStatus
	err := s.db.View(func(tx *bolt.Tx) error {
		ds, err := devicesTx(tx)
		if err != nil {
			return err
		}
		for _, d := range ds {
			st := DeviceStatus{DeviceRecord: d}
			if d.Role == RoleLaptop {
				err = s.laptopStatusTx(tx, &st)
			} else {
				err = s.hubStatusTx(tx, &st)
			}
			if err != nil {
				return err
			}
			out = append(out, st)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read sync status: %w", err)
	}
	return out, nil
}

// laptopStatusTx fills in a hub's view of one of its laptops.
func (s *Store) laptopStatusTx(tx *bolt.Tx, st *DeviceStatus) error {
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.Seek(u64(st.Acked + 1)); k != nil; k, v = c.Next() {
		if !hubKinds[storedField(v, "kind")] || originOf(storedField(v, "id")) == st.ID {
			continue
		}
		e, err := s.decodeEvent(v)
		if err != nil {
			return err
		}
		if ok, err := relevant(e, st.ID); err != nil {
			return err
		} else if ok {
			st.Unacked++
		}
	}
	ab := tx.Bucket(bAssigned)
	if ab == nil {
		return nil
	}
	return ab.ForEach(func(k, v []byte) error {
		var a assignment
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		if a.Device != st.ID {
			return nil
		}
		if a.Releasing != 0 {
			st.Waiting++
		} else {
			st.Assigned++
		}
		id := tx.Bucket(bIByContact).Get(append(idPrefix(a.Survey), k...))
		if id == nil {
			return nil
		}
		r, err := s.interviewTx(tx, string(id))
		if err != nil {
			return err
		}
		if r.Status == InterviewCompleted {
			st.Completed++
		}
		return nil
	})
}

// hubStatusTx fills in a laptop's view of its hub.
func (s *Store) hubStatusTx(tx *bolt.Tx, st *DeviceStatus) error {
	n, err := s.unackedTx(tx, st.Acked)
	if err != nil {
		return err
	}
	st.Unacked = n
	err = tx.Bucket(bCState).ForEach(func(_, v []byte) error {
		var cs ContactState
		if err := json.Unmarshal(v, &cs); err != nil {
			return err
		}
		if cs.Status != StatusWithdrawn {
			st.Assigned++
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tx.Bucket(bInterviews).ForEach(func(k, v []byte) error {
		var r InterviewRecord
		if err := s.openJSON(v, &r); err != nil {
			return fmt.Errorf("decode interview %s: %w", k, err)
		}
		if r.Status == InterviewCompleted {
			st.Completed++
		}
		return nil
	})
}

// unackedTx counts this store's own events after seq of the kinds a hub
// takes.
func (s *Store) unackedTx(tx *bolt.Tx, seq uint64) (int, error) {
	n := 0
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.Seek(u64(seq + 1)); k != nil; k, v = c.Next() {
		if originOf(storedField(v, "id")) == s.device && laptopKinds[storedField(v, "kind")] {
			n++
		}
	}
	return n, nil
}

// SyncPending is what a laptop has not yet handed back to its hub.
type SyncPending struct {
	Hub string `json:"hub"`
	// Events are the laptop's own events after what the hub last
	// acknowledged, Interviews the interviews they touch; Unsent those
	// events no bundle has carried yet.
	Events     int    `json:"events"`
	Interviews int    `json:"interviews"`
	Unsent     int    `json:"unsent"`
	Acked      uint64 `json:"acked"`
	// Held counts the hub's bundles waiting for an earlier one.
	Held int `json:"held"`
}

// Pending says what a laptop has not yet handed back to its hub; nil for
// a store without a hub.
func (s *Store) Pending() (*SyncPending, error) {
	var p *SyncPending
	err := s.db.View(func(tx *bolt.Tx) error {
		hub, err := hubTx(tx)
		if err != nil || hub == nil {
			return err
		}
		p = &SyncPending{Hub: hub.Name, Acked: hub.Acked, Held: len(hub.Held)}
		sent := hub.Acked
		if hub.Out != nil {
			sent = max(sent, hub.Out.To)
		}
		touched := map[string]bool{}
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Seek(u64(hub.Acked + 1)); k != nil; k, v = c.Next() {
			if originOf(storedField(v, "id")) != s.device || !laptopKinds[storedField(v, "kind")] {
				continue
			}
			p.Events++
			if binary.BigEndian.Uint64(k) > sent {
				p.Unsent++
			}
			if !strings.HasPrefix(storedField(v, "kind"), "interview.") {
				continue
			}
			e, err := s.decodeEvent(v)
			if err != nil {
				return err
			}
			var iv struct {
				Interview string `json:"interview"`
			}
			if json.Unmarshal(e.Data, &iv) == nil && iv.Interview != "" {
				touched[iv.Interview] = true
			}
		}
		p.Interviews = len(touched)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read what is not yet handed back: %w", err)
	}
	return p, nil
}

// ReadSampleIDFile reads the --contacts file of `canvass cmd` (assign or
// unassign): [ReadSampleIDs] of the file at path, an error in it named
// with cmd and path.
func ReadSampleIDFile(cmd, path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ids, err := ReadSampleIDs(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", cmd, path, err)
	}
	return ids, nil
}

// ReadSampleIDs reads the sample ids of a contacts file: one per line, or
// a CSV file whose header has an id column.
func ReadSampleIDs(r io.Reader) ([]string, error) {
	br := bufio.NewReader(r)
	first, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	line, _, _ := bytes.Cut(first, []byte("\n"))
	if bytes.ContainsRune(line, ',') {
		cr := csv.NewReader(br)
		cr.FieldsPerRecord = -1
		head, err := cr.Read()
		if err != nil {
			return nil, fmt.Errorf("read header: %w", err)
		}
		col := -1
		for i, h := range head {
			if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), "id") {
				col = i
			}
		}
		if col < 0 {
			return nil, errors.New("the header has no id column")
		}
		var ids []string
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return ids, nil
			}
			if err != nil {
				return nil, err
			}
			if col < len(rec) && strings.TrimSpace(rec[col]) != "" {
				ids = append(ids, strings.TrimSpace(rec[col]))
			}
		}
	}
	var ids []string
	sc := bufio.NewScanner(br)
	for sc.Scan() {
		id := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if id != "" && !strings.HasPrefix(id, "#") {
			ids = append(ids, id)
		}
	}
	return ids, sc.Err()
}
