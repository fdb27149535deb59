package store

import (
	"errors"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Commits. Every intent is one write transaction, committed durably
// (never NoSync), through update. One interviewer at a time commits each
// on its own: an answer then costs one commit, and nothing waits. In the
// call room many sessions write at once, and bbolt commits one write
// transaction at a time, each with two fdatasyncs: with Options.GroupCommit
// one writer goroutine takes every intent that arrived while the previous
// commit was being written and runs them, in arrival order, in one
// transaction, so that they share its fdatasyncs. Nobody waits for a batch
// to fill (bbolt's own Batch waits up to MaxBatchDelay even when alone): a
// lone intent is committed at once. If one intent of a batch fails, the
// transaction is rolled back and each is run again alone, so that a
// failure stays its own intent's and the others commit unchanged.

// errRetryAlone rolls back a batch in which an intent failed.
var errRetryAlone = errors.New("an intent of the batch failed")

// commitJob is one intent waiting for the group commit writer.
type commitJob struct {
	fn   func(tx *bolt.Tx) error
	done chan error
}

// committer is the group commit writer.
type committer struct {
	mu      sync.Mutex
	pending []commitJob
	closed  bool // no more jobs are taken
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

// update runs fn in one write transaction and commits it. The intents
// call it once each; tests count its commits and inject failures inside
// the transaction through txHook.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	if s.group == nil {
		return s.updateAlone(fn)
	}
	job := commitJob{fn: fn, done: make(chan error, 1)}
	g := s.group
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return s.updateAlone(fn) // it fails as on a closed store
	}
	g.pending = append(g.pending, job)
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
	return <-job.done
}

// updateAlone commits fn in a transaction of its own.
func (s *Store) updateAlone(fn func(tx *bolt.Tx) error) error {
	err := s.db.Update(func(tx *bolt.Tx) error { return s.runJob(tx, fn) })
	if err == nil {
		s.commits.Add(1)
	}
	return err
}

// runJob runs one intent inside tx, the report's projection brought up to
// date with it (see tallied), with the test hook after it.
func (s *Store) runJob(tx *bolt.Tx, fn func(tx *bolt.Tx) error) error {
	if err := s.tallied(tx, fn); err != nil {
		return err
	}
	if s.txHook != nil {
		return s.txHook(tx)
	}
	return nil
}

// startGroupCommit starts the writer goroutine.
func (s *Store) startGroupCommit() {
	g := &committer{wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	s.group = g
	go func() {
		defer close(g.stopped)
		for {
			select {
			case <-g.wake:
			case <-g.stop:
				s.drainGroup()
				return
			}
			s.drainGroup()
		}
	}()
}

// drainGroup commits every pending intent, batch after batch.
func (s *Store) drainGroup() {
	g := s.group
	for {
		g.mu.Lock()
		jobs := g.pending
		g.pending = nil
		if len(jobs) == 0 {
			select {
			case <-g.stop:
				g.closed = true
			default:
			}
		}
		g.mu.Unlock()
		if len(jobs) == 0 {
			return
		}
		s.commitBatch(jobs)
	}
}

// commitBatch commits jobs in one transaction, or each alone when one of
// them fails.
func (s *Store) commitBatch(jobs []commitJob) {
	if len(jobs) == 1 {
		jobs[0].done <- s.updateAlone(jobs[0].fn)
		return
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, j := range jobs {
			if err := s.runJob(tx, j.fn); err != nil {
				return errRetryAlone
			}
		}
		return nil
	})
	if err == nil {
		s.commits.Add(1)
		for _, j := range jobs {
			j.done <- nil
		}
		return
	}
	// What the rolled back intents noted of leases may not hold: the
	// hints are only a shortcut, so they go.
	s.leases.reset()
	for _, j := range jobs {
		j.done <- s.updateAlone(j.fn)
	}
}

// stopGroupCommit commits what is pending and stops the writer.
func (s *Store) stopGroupCommit() {
	if s.group == nil {
		return
	}
	close(s.group.stop)
	<-s.group.stopped
}
