package store

import bolt "go.etcd.io/bbolt"

// checkPromisesTx reports what breaks a promise outright, whatever the log
// says: an unfinished interview (active or suspended) of a person on the
// opt-out list could be resumed, and must have been ended.
func (s *Store) checkPromisesTx(tx *bolt.Tx, problem func(string, ...any)) {
	tx.Bucket(bInterviews).ForEach(func(k, v []byte) error {
		var r InterviewRecord
		if err := s.openJSON(v, &r); err != nil {
			return nil // reported by the interview checks
		}
		if r.Status != InterviewActive && r.Status != InterviewSuspended {
			return nil
		}
		cid, err := s.cidTx(tx, r.Survey, r.Contact)
		if err != nil {
			return nil
		}
		c, err := s.contactTx(tx, cid)
		if err != nil {
			return nil
		}
		if seq := s.optedOutTx(tx, c); seq != 0 {
			problem("interview %s of %s/%s is %s, but the person is on the opt-out list (event %d): it must be ended", r.ID, r.Survey, r.Contact, r.Status, seq)
		}
		return nil
	})
}
