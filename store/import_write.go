package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// write is pass 3.
func (p *samplePass) write(stale *ImportRecord, head uint64) (_ *ImportRecord, err error) {
	s, o := p.s, p.o
	var rec *ImportRecord
	var rng *sampleRange
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := s.dropStaleImportTx(tx, stale, o.Actor); err != nil {
			return err
		}
		if r, err := runningImportTx(tx, o.Survey); err != nil || r != nil {
			if err == nil {
				err = fmt.Errorf("another import into %s started meanwhile (import %d)", o.Survey, r.ID)
			}
			return err
		}
		e, err := s.appendTx(tx, KindImportStarted, o.Actor, s.now(), importStarted{
			Survey: o.Survey, Source: o.Source, File: o.File, SHA256: p.sum, Rows: p.res.Rows})
		if err != nil {
			return err
		}
		rec = &ImportRecord{ID: e.Seq, Survey: o.Survey, Source: o.Source, File: o.File, SHA256: p.sum,
			Status: ImportRunning, Blocks: true, Counts: p.res}
		if o.Replicates > 0 {
			rec.Replicates, rec.FirstReplicate = o.Replicates, o.firstReplicate
		}
		rec.Counts.Resumed = stale != nil
		if p.kept > 0 {
			cb := tx.Bucket(bContacts)
			seq := cb.Sequence()
			if err := cb.SetSequence(seq + uint64(p.kept)); err != nil {
				return err
			}
			rec.FirstCID, rec.LastCID = seq+1, seq+uint64(p.kept)
			rng = &sampleRange{Import: rec.ID, First: rec.FirstCID, Last: rec.LastCID, QueueAt: e.At,
				Status: ImportRunning, Survey: o.Survey}
			if err := putRangeTx(tx, rng); err != nil {
				return err
			}
		}
		return putImportTx(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	// An error from here on leaves a running import; it is abandoned and
	// what it wrote removed, unless the process is gone (then running the
	// import again does that).
	crashed := false
	step := func(name string, f func() error) error {
		if err := f(); err != nil {
			return err
		}
		if s.importHook != nil {
			if err := s.importHook(name); err != nil {
				crashed = true
				return fmt.Errorf("%w: %w", errCrash, err)
			}
		}
		return nil
	}
	defer func() {
		if err != nil && !crashed {
			s.db.Update(func(tx *bolt.Tx) error {
				cur, err := importTx(tx, rec.ID)
				if err != nil || cur.Status != ImportRunning {
					return err
				}
				return s.abandonTx(tx, cur, o.Actor)
			})
		}
	}()
	if p.kept > 0 {
		if err = step("written", func() error { return p.writeSample(rec) }); err != nil {
			return nil, err
		}
	}
	err = s.updateTallied(func(tx *bolt.Tx) error {
		cur, err := importTx(tx, rec.ID)
		if err != nil {
			return err
		}
		if cur.Status != ImportRunning {
			return fmt.Errorf("import %d was %s meanwhile", rec.ID, cur.Status)
		}
		at := s.now()
		if rng != nil {
			rng.Status, rng.QueueAt = ImportDone, at
			if err := putRangeTx(tx, rng); err != nil {
				return err
			}
			s.markImportTx(o.Survey, rng.First, rng.Last)
			if cur.Replicates == 0 {
				// Released at once: one queue range for them all.
				k := queueKey(o.Survey, PriorityNormal, at, rng.First)
				if err := tx.Bucket(bQueue).Put(k, u64(rng.Last)); err != nil {
					return err
				}
			}
			if _, err := s.appendTx(tx, KindContactsImported, o.Actor, at, contactsImported{
				Import: rec.ID, Survey: o.Survey, FirstCID: rng.First, LastCID: rng.Last,
				FirstLine: p.lines[0], LastLine: p.lines[1]}); err != nil {
				return err
			}
			if err := s.suppressLateTx(tx, rec.ID, head, o.Actor, at); err != nil {
				return err
			}
		}
		cur.Status = ImportDone
		if _, err := s.appendTx(tx, KindImportDone, o.Actor, at, importEnded{Import: rec.ID, Counts: cur.Counts}); err != nil {
			return err
		}
		if err := putImportTx(tx, cur); err != nil {
			return err
		}
		rec = cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// dropStaleImportTx abandons the survey's interrupted import of the same
// file, removing what it wrote, before the file is imported again.
func (s *Store) dropStaleImportTx(tx *bolt.Tx, stale *ImportRecord, actor string) error {
	if stale == nil {
		return nil
	}
	cur, err := importTx(tx, stale.ID)
	if err != nil {
		return err
	}
	if cur.Status != ImportRunning {
		return nil
	}
	return s.abandonTx(tx, cur, actor)
}

// abandonTx marks an unfinished import abandoned; what an import of the
// sample layout wrote is removed with it.
func (s *Store) abandonTx(tx *bolt.Tx, r *ImportRecord, actor string) error {
	if r.Blocks && r.LastCID != 0 {
		if err := deleteSampleTx(tx, &sampleRange{Import: r.ID, First: r.FirstCID, Last: r.LastCID}); err != nil {
			return err
		}
	}
	r.Status = ImportAbandoned
	if _, err := s.appendTx(tx, KindImportAbandoned, actor, s.now(), importEnded{Import: r.ID, Counts: r.Counts}); err != nil {
		return err
	}
	return putImportTx(tx, r)
}

// txWriter runs writes in transactions of about importTxBytes.
type txWriter struct {
	db    *bolt.DB
	tx    *bolt.Tx
	bytes int
}

func (w *txWriter) begin() (*bolt.Tx, error) {
	if w.tx == nil {
		tx, err := w.db.Begin(true)
		if err != nil {
			return nil, err
		}
		growStepTx(tx)
		w.tx, w.bytes = tx, 0
	}
	return w.tx, nil
}

// wrote counts n bytes and commits when the transaction is full.
func (w *txWriter) wrote(n int) error {
	w.bytes += n
	if w.bytes < importTxBytes {
		return nil
	}
	return w.commit()
}

func (w *txWriter) commit() error {
	if w.tx == nil {
		return nil
	}
	err := w.tx.Commit()
	w.tx = nil
	return err
}

func (w *txWriter) rollback() {
	if w.tx != nil {
		w.tx.Rollback()
		w.tx = nil
	}
}

// samplePut is one value the write pass stores.
type samplePut struct {
	bucket     []byte
	key, value []byte
	fill       float64
}

// writeSample writes the import's blocks and runs. Two goroutines make
// them (the blocks from the row file, the runs from the sorted
// partitions) while this one puts them, a few megabytes per transaction.
func (p *samplePass) writeSample(rec *ImportRecord) error {
	stop := make(chan struct{})
	blocks, runs := make(chan samplePut, 64), make(chan samplePut, 64)
	errs := make(chan error, 2)
	go func() {
		defer close(blocks)
		errs <- p.blockPuts(rec, blocks, stop)
	}()
	go func() {
		defer close(runs)
		errs <- p.runPuts(rec, runs, stop)
	}()
	err := p.putAll(blocks, runs)
	close(stop)
	for range 2 {
		if e := <-errs; err == nil {
			err = e
		}
	}
	return err
}

// putAll writes what the two channels bring until both are closed.
func (p *samplePass) putAll(a, b <-chan samplePut) error {
	w := &txWriter{db: p.s.db}
	defer w.rollback()
	for a != nil || b != nil {
		var sp samplePut
		var ok bool
		select {
		case sp, ok = <-a:
			if !ok {
				a = nil
				continue
			}
		case sp, ok = <-b:
			if !ok {
				b = nil
				continue
			}
		}
		tx, err := w.begin()
		if err != nil {
			return err
		}
		bk := tx.Bucket(sp.bucket)
		bk.FillPercent = sp.fill
		if err := bk.Put(sp.key, sp.value); err != nil {
			return err
		}
		if err := w.wrote(len(sp.value)); err != nil {
			return err
		}
	}
	return w.commit()
}

// send hands a put to the writer unless it has stopped.
func send(out chan<- samplePut, sp samplePut, stop <-chan struct{}) error {
	select {
	case out <- sp:
		return nil
	case <-stop:
		return errors.New("the writer stopped")
	}
}

// blockPuts makes the blocks the workers sealed into puts, each keyed by
// the cid of its first row; a block holding a duplicate is opened and
// sealed again without it.
func (p *samplePass) blockPuts(rec *ImportRecord, out chan<- samplePut, stop <-chan struct{}) error {
	s := p.s
	next := rec.FirstCID
	var cand uint32
	var last []byte // the last block put
	err := p.rows.each(func(n int, sealed []byte) error {
		c0 := cand
		cand += uint32(n)
		kept, plain := n, []byte(nil)
		for i := c0; i < cand; i++ {
			if p.isDup(i) {
				kept--
			}
		}
		if kept == 0 {
			return nil
		}
		if kept < n || p.lines[0] == 0 {
			var err error
			if plain, err = s.codec.Open(sealed); err != nil {
				return fmt.Errorf("open contacts: %w", err)
			}
		}
		if kept < n {
			var recs []byte
			err := blockRecords(plain, func(i int, r []byte) bool {
				if !p.isDup(c0 + uint32(i)) {
					recs = appendBlockRecord(recs, r)
				}
				return true
			})
			if err != nil {
				return err
			}
			plain = blockPlain(kept, recs)
			if sealed, err = s.codec.Seal(plain); err != nil {
				return fmt.Errorf("seal contacts: %w", err)
			}
		}
		if p.lines[0] == 0 {
			if r, ok := blockSlot(plain, 0); ok {
				p.lines[0] = recordLine(r)
			}
		}
		last = append(last[:0], sealed...)
		err := send(out, samplePut{bucket: bCBlocks, key: u64(next), value: blockValue(rec.ID, sealed), fill: 1}, stop)
		next += uint64(kept)
		return err
	})
	if err != nil {
		return err
	}
	if next != rec.LastCID+1 {
		return fmt.Errorf("wrote contacts up to %d, want %d", next-1, rec.LastCID)
	}
	if last != nil {
		plain, err := s.codec.Open(last)
		if err != nil {
			return fmt.Errorf("open contacts: %w", err)
		}
		blockRecords(plain, func(_ int, r []byte) bool {
			p.lines[1] = recordLine(r)
			return true
		})
	}
	return nil
}

// recordLine is the line number a block record came from.
func recordLine(rec []byte) int {
	var r struct {
		Line int `json:"line"`
	}
	json.Unmarshal(rec, &r)
	return r.Line
}

// runPuts makes the kept rows' index entries into the import's runs,
// partition by partition (so in key order).
func (p *samplePass) runPuts(rec *ImportRecord, out chan<- samplePut, stop <-chan struct{}) error {
	runs := map[byte]*runWriter{runID: {kind: runID, imp: rec.ID}, runReach: {kind: runReach, imp: rec.ID}}
	flush := func(r *runWriter) error {
		if len(r.block) == 0 {
			return nil
		}
		k, v := r.take()
		return send(out, samplePut{bucket: bXRuns, key: k, value: v, fill: 0.95}, stop)
	}
	var buf []byte
	for i := range partitionCount {
		es, err := p.parts.load(i, buf)
		if err != nil {
			return err
		}
		if p.parts.files[i] != nil {
			buf = es // reused for the next partition read from a file
		}
		for j := 0; j+entrySize <= len(es); j += entrySize {
			e := es[j : j+entrySize]
			row := binary.BigEndian.Uint32(e[33:])
			if e[37] == entrySuppressed || p.isDup(row) {
				continue
			}
			r := runs[e[0]]
			if r.add(e[1:33], p.cidOf(rec.FirstCID, row)) {
				if err := flush(r); err != nil {
					return err
				}
			}
		}
	}
	for _, kind := range []byte{runID, runReach} {
		if err := flush(runs[kind]); err != nil {
			return err
		}
	}
	return nil
}

// suppressLateTx applies to the import's contacts the opt-outs added
// after pass 1 began (head was the last event then), each recorded as a
// suppression event.
func (s *Store) suppressLateTx(tx *bolt.Tx, imp, head uint64, actor string, at time.Time) error {
	var keys [][32]byte
	var seqs []uint64
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.Seek(u64(head + 1)); k != nil; k, v = c.Next() {
		e, err := s.decodeEvent(v)
		if err != nil {
			return err
		}
		switch e.Kind {
		case KindOptOutAdded:
			var p optOutAdded
			key, err := s.decodeKeyJSON(e.Data, &p, func() string { return p.Key })
			if err != nil {
				return err
			}
			keys, seqs = append(keys, key), append(seqs, e.Seq)
		case KindOptOutImported:
			rc := tx.Bucket(bOptRows).Cursor()
			pre := u64(e.Seq)
			for rk, rv := rc.Seek(pre); rk != nil && bytes.HasPrefix(rk, pre); rk, rv = rc.Next() {
				for i := 0; i+32 <= len(rv); i += 32 {
					keys, seqs = append(keys, [32]byte(rv[i:i+32])), append(seqs, e.Seq)
				}
			}
		}
	}
	for i, key := range keys {
		if tx.Bucket(bOptOut).Get(key[:]) == nil {
			continue // removed again meanwhile
		}
		cid := runFind(tx, runReach, imp, key[:])
		if cid == 0 {
			continue
		}
		st, done, err := s.suppressContactTx(tx, cid, seqs[i], actor, at)
		if err != nil {
			return err
		}
		if !done {
			continue
		}
		if _, err := s.appendTx(tx, KindSuppressed, actor, at,
			suppressedAtDraw{CID: cid, Survey: st.Survey, ID: st.ID, OptOut: seqs[i]}); err != nil {
			return err
		}
	}
	return nil
}
