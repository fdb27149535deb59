package store

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// # Sample releases
//
// An import may be split into replicates (ImportOptions.Replicates), as
// AAPOR recommends for a sample worked to honest response rates: each
// contact gets a replicate, numbered after the survey's earlier ones,
// from a hash of its sample id (so each replicate is a pseudo-random
// subsample of the file, whatever order the file is in), and holds it in
// its sample field "replicate". Such an import puts nobody in the queue:
// [Store.ReleaseReplicate] puts one replicate's contacts there, each with
// a queue entry of its own, so that a draw never looks at a contact not
// yet released. An import without replicates is released at once, as one
// queue range.

// MaxReplicates bounds the replicates of one import.
const MaxReplicates = 1000

// ReplicateField is the sample field that holds a contact's replicate.
const ReplicateField = "replicate"

// KindReplicateReleased is the event of a release: replicateReleased.
const KindReplicateReleased = "contacts.replicate.released"

type replicateReleased struct {
	Survey    string `json:"survey"`
	Import    uint64 `json:"import"`
	Replicate int    `json:"replicate"`
	Contacts  int    `json:"contacts"`
}

// assignReplicate gives an imported contact its replicate.
func assignReplicate(c *model.Contact, o *ImportOptions) error {
	if _, ok := c.Fields[ReplicateField]; ok {
		return fmt.Errorf("the file has a %s column, which --replicates would overwrite", ReplicateField)
	}
	h := fnv.New64a()
	h.Write([]byte(c.ID))
	if c.Fields == nil {
		c.Fields = map[string]string{}
	}
	c.Fields[ReplicateField] = strconv.Itoa(o.firstReplicate + int(h.Sum64()%uint64(o.Replicates)))
	return nil
}

// replicateOf is a contact's replicate, 0 when it has none.
func replicateOf(c *model.Contact) int {
	n, err := strconv.Atoi(c.Fields[ReplicateField])
	if err != nil {
		return 0
	}
	return n
}

// lastReplicateTx is the highest replicate of the survey's finished
// imports, 0 when there is none.
func lastReplicateTx(tx *bolt.Tx, survey string) (int, error) {
	last := 0
	err := forImportsTx(tx, survey, func(r *ImportRecord) error {
		if r.Replicates > 0 {
			last = max(last, r.FirstReplicate+r.Replicates-1)
		}
		return nil
	})
	return last, err
}

// forImportsTx calls fn with every finished import of survey.
func forImportsTx(tx *bolt.Tx, survey string, fn func(r *ImportRecord) error) error {
	return tx.Bucket(bImports).ForEach(func(k, v []byte) error {
		var r ImportRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode import %x: %w", k, err)
		}
		if r.Survey != survey || r.Status != ImportDone {
			return nil
		}
		return fn(&r)
	})
}

// releasedTx reports whether a contact of import imp (replicate rep) has
// been released.
func releasedTx(tx *bolt.Tx, imp uint64, rep int) bool {
	if rep == 0 {
		return true
	}
	r, err := importTx(tx, imp)
	return err != nil || r.Replicates == 0 || slices.Contains(r.Released, rep)
}

// Release is what [Store.ReleaseReplicate] did.
type Release struct {
	Survey    string `json:"survey"`
	Replicate int    `json:"replicate"`
	// Contacts are the replicate's contacts put in the queue; those an
	// opt-out reached before are not.
	Contacts int `json:"contacts"`
}

// ReleaseReplicate puts the contacts of one replicate of survey in the
// queue, in one transaction with its event. Releasing a replicate twice,
// or one that does not exist, is an error.
func (s *Store) ReleaseReplicate(survey string, replicate int, actor string) (*Release, error) {
	rel := &Release{Survey: survey, Replicate: replicate}
	err := s.update(func(tx *bolt.Tx) error {
		var rec *ImportRecord
		err := forImportsTx(tx, survey, func(r *ImportRecord) error {
			if r.Replicates > 0 && r.FirstReplicate <= replicate && replicate < r.FirstReplicate+r.Replicates {
				rec = r
			}
			return nil
		})
		if err != nil {
			return err
		}
		if rec == nil {
			last, err := lastReplicateTx(tx, survey)
			if err != nil {
				return err
			}
			if last == 0 {
				return fmt.Errorf("survey %s has no replicates (import with --replicates N)", survey)
			}
			return fmt.Errorf("survey %s has replicates 1 to %d, not %d", survey, last, replicate)
		}
		if slices.Contains(rec.Released, replicate) {
			return fmt.Errorf("replicate %d of %s was released already", replicate, survey)
		}
		at := s.now()
		if rec.LastCID >= rec.FirstCID && rec.FirstCID > 0 {
			rng, err := rangeOfTx(tx, rec.FirstCID)
			if err != nil {
				return err
			}
			q, cstate := tx.Bucket(bQueue), tx.Bucket(bCState)
			for cid := rec.FirstCID; cid <= rec.LastCID; cid++ {
				if cstate.Get(u64(cid)) != nil {
					continue // an opt-out or a device took it meanwhile
				}
				c, err := s.contactTx(tx, cid)
				if err != nil {
					return err
				}
				if replicateOf(c) != replicate {
					continue
				}
				if err := q.Put(queueKey(survey, PriorityNormal, rng.QueueAt, cid), nil); err != nil {
					return err
				}
				rel.Contacts++
			}
		}
		rec.Released = append(rec.Released, replicate)
		slices.Sort(rec.Released)
		if _, err := s.appendTx(tx, KindReplicateReleased, actor, at, replicateReleased{
			Survey: survey, Import: rec.ID, Replicate: replicate, Contacts: rel.Contacts}); err != nil {
			return err
		}
		return putImportTx(tx, rec)
	})
	if err != nil {
		return nil, fmt.Errorf("release replicate %d of %s: %w", replicate, survey, err)
	}
	return rel, nil
}
