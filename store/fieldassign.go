package store

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// # Assignment to interviewers
//
// A supervisor may assign contacts to one interviewer, to a team, or by
// skill, to the interviewers who speak the contact's language:
//
//	iassign: cid(8) => target ("interviewer:ID", "team:NAME" or "language:L")
//
// A draw gives an interviewer the contacts assigned to them, to their
// team (UserRecord.Team) or to a language they speak
// (UserRecord.Languages), and the unassigned ones; it passes over the
// others with one Get each, before reading their state. Appointments keep
// their owner as they always did: the assignment does not apply to them.
// Handing contacts to a field laptop (Store.Assign) is separate and wins:
// a laptop's contacts are drawn by nobody on the hub.

var bIAssign = []byte("iassign")

// KindAssignedTo is the event of an assignment or its undoing:
// assignedTo.
const KindAssignedTo = "contacts.assigned-to"

type assignedTo struct {
	Survey string   `json:"survey"`
	Target string   `json:"target"` // "" when unassigned
	IDs    []string `json:"ids"`
}

// AssignToOptions say which contacts go to whom. Exactly one of
// Interviewer, Team and Language is the target.
type AssignToOptions struct {
	Survey                      string
	Interviewer, Team, Language string
	// Count takes that many queued contacts, in queue order, that are
	// assigned to nobody (for Language: of that language); Contacts names
	// them by sample id instead. With Language and neither, every queued
	// contact of the language is assigned.
	Count    int
	Contacts []string
	// Unassign takes the contacts named (or, with a target and no
	// contacts, every contact assigned to it) back: they are anyone's.
	Unassign bool
	Actor    string
}

// target is the assignment's target as iassign keeps it.
func (o *AssignToOptions) target() (string, error) {
	var t []string
	if o.Interviewer != "" {
		t = append(t, "interviewer:"+o.Interviewer)
	}
	if o.Team != "" {
		t = append(t, "team:"+o.Team)
	}
	if o.Language != "" {
		t = append(t, "language:"+o.Language)
	}
	if len(t) != 1 {
		return "", errors.New("say to whom: one interviewer, one team or one language")
	}
	return t[0], nil
}

// AssignToResult counts what an assignment did.
type AssignToResult struct {
	Target   string   `json:"target"`
	Assigned int      `json:"assigned"`
	Already  int      `json:"already"`
	Refused  int      `json:"refused"`
	Reasons  []string `json:"reasons,omitempty"`
}

// AssignTo assigns contacts of a survey to an interviewer, a team or a
// language (or takes them back), in one transaction with its event.
func (s *Store) AssignTo(o AssignToOptions) (*AssignToResult, error) {
	target, err := o.target()
	if err != nil {
		return nil, fmt.Errorf("assign: %w", err)
	}
	if !o.Unassign && o.Count <= 0 && len(o.Contacts) == 0 && o.Language == "" {
		return nil, errors.New("assign: say how many contacts (a count) or which (sample ids)")
	}
	res := &AssignToResult{Target: target}
	var ids []string
	err = s.update(func(tx *bolt.Tx) error {
		if latestRevisionTx(tx, o.Survey) == 0 {
			return fmt.Errorf("survey %s is not installed: %w", o.Survey, ErrNotFound)
		}
		b, err := tx.CreateBucketIfNotExists(bIAssign)
		if err != nil {
			return err
		}
		put := func(cid uint64, id string) error {
			cur := string(b.Get(u64(cid)))
			switch {
			case o.Unassign && cur != target && len(o.Contacts) > 0 && cur != "":
				res.refuse(id, "is assigned to "+cur)
				return nil
			case o.Unassign && cur == "":
				res.Already++
				return nil
			case !o.Unassign && cur == target:
				res.Already++
				return nil
			case !o.Unassign && cur != "":
				res.refuse(id, "is assigned to "+cur+" (unassign it first)")
				return nil
			}
			res.Assigned++
			ids = append(ids, id)
			if o.Unassign {
				return b.Delete(u64(cid))
			}
			return b.Put(u64(cid), []byte(target))
		}
		for _, id := range o.Contacts {
			cid, err := s.cidTx(tx, o.Survey, id)
			if errors.Is(err, ErrNotFound) {
				res.refuse(id, "not in the survey's sample")
				continue
			}
			if err != nil {
				return err
			}
			if err := put(cid, id); err != nil {
				return err
			}
		}
		if len(o.Contacts) > 0 {
			return s.noteAssignedTx(tx, o, target, ids)
		}
		if o.Unassign {
			// Every contact assigned to the target.
			var cids []uint64
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if string(v) == target {
					cids = append(cids, u64Of(k))
				}
			}
			for _, cid := range cids {
				st, err := s.stateTx(tx, cid)
				if err != nil || st.Survey != o.Survey {
					continue
				}
				if err := put(cid, st.ID); err != nil {
					return err
				}
			}
			return s.noteAssignedTx(tx, o, target, ids)
		}
		laptop := assignedProbe(tx)
		for prio := uint8(0); prio < priorities; prio++ {
			err := queueScan(tx, o.Survey, prio, nil, func(cid uint64, _ []byte) (bool, error) {
				if laptop(cid) || b.Get(u64(cid)) != nil {
					return true, nil
				}
				st, err := s.stateTx(tx, cid)
				if err != nil {
					return false, err
				}
				if o.Language != "" {
					c, err := s.contactTx(tx, cid)
					if err != nil {
						return false, err
					}
					if !strings.EqualFold(c.Language, o.Language) {
						return true, nil
					}
				}
				if err := put(cid, st.ID); err != nil {
					return false, err
				}
				return o.Count <= 0 || res.Assigned < o.Count, nil
			})
			if err != nil {
				return err
			}
		}
		return s.noteAssignedTx(tx, o, target, ids)
	})
	if err != nil {
		return nil, fmt.Errorf("assign %s to %s: %w", o.Survey, target, err)
	}
	return res, nil
}

func (r *AssignToResult) refuse(id, why string) {
	r.Refused++
	if len(r.Reasons) < maxReported {
		r.Reasons = append(r.Reasons, id+": "+why)
	}
}

// noteAssignedTx records an assignment's event, when it assigned any.
func (s *Store) noteAssignedTx(tx *bolt.Tx, o AssignToOptions, target string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if o.Unassign {
		target = ""
	}
	_, err := s.appendTx(tx, KindAssignedTo, o.Actor, s.now(), assignedTo{Survey: o.Survey, Target: target, IDs: ids})
	return err
}

func u64Of(b []byte) uint64 {
	var n uint64
	for _, x := range b {
		n = n<<8 | uint64(x)
	}
	return n
}

// drawerProbe says, for a draw by interviewer, whether an assigned
// contact (its iassign target) is theirs: assigned to them, to their
// team, or to a language they speak. Unassigned contacts are anyone's.
func (s *Store) drawerProbe(tx *bolt.Tx, interviewer string) (func(cid uint64) bool, error) {
	b := tx.Bucket(bIAssign)
	if b == nil {
		return func(uint64) bool { return true }, nil
	}
	mine := []string{"interviewer:" + interviewer}
	if u, err := s.userTx(tx, interviewer); err == nil {
		if u.Team != "" {
			mine = append(mine, "team:"+u.Team)
		}
		for _, l := range u.Languages {
			mine = append(mine, "language:"+strings.ToLower(l))
		}
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return func(cid uint64) bool {
		v := b.Get(u64(cid))
		if v == nil {
			return true
		}
		t := string(v)
		if strings.HasPrefix(t, "language:") {
			t = strings.ToLower(t)
		}
		return slices.Contains(mine, t)
	}, nil
}

// WriteAssignTo says what an assignment to interviewers did.
func WriteAssignTo(w io.Writer, r *AssignToResult, unassign bool) error {
	verb := "assigned"
	if unassign {
		verb = "unassigned"
	}
	if _, err := fmt.Fprintf(w, "%s: %d %s, %d already, %d refused\n", r.Target, r.Assigned, verb, r.Already, r.Refused); err != nil {
		return err
	}
	for _, why := range r.Reasons {
		if _, err := fmt.Fprintf(w, "refused: %s\n", why); err != nil {
			return err
		}
	}
	return nil
}
