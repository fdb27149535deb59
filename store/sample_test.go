package store

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"canvass/model"

	gocmp "github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// TestRandomHistoriesKeepTheQueueSound drives two surveys through random
// imports (sharing numbers, so with duplicates), draws that the rules
// defer or that end in calls, leases left to lapse, appointments, and
// opt-outs added and removed. After every history doctor finds the store
// sound, and the queue lists exactly the queued, unheld contacts in
// (priority, place, cid) order: contacts of import ranges and contacts
// with a history of their own interleave correctly.
func TestRandomHistoriesKeepTheQueueSound(t *testing.T) {
	surveys := []string{"s1", "s2"}
	for seed := range 8 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 42))
			s := openTest(t)
			now := t0.Add(time.Hour)
			phone := func() string { return fmt.Sprintf("+1415%07d", 2000000+rng.IntN(150)) }
			next := 0
			for range 80 {
				survey := surveys[rng.IntN(len(surveys))]
				switch rng.IntN(7) {
				case 0, 1:
					var b strings.Builder
					b.WriteString("id,phone,email\n")
					for range 1 + rng.IntN(25) {
						next++
						email := ""
						if rng.IntN(3) == 0 {
							email = fmt.Sprintf("p%d@example.com", rng.IntN(40))
						}
						fmt.Fprintf(&b, "c%d,%s,%s\n", next, phone(), email)
					}
					importCSV(t, s, survey, b.String())
				case 2:
					// The rules defer every third contact they are asked about.
					asked := 0
					rules := RulesFunc(func(*model.Contact, *ContactState, time.Time) (bool, time.Time) {
						asked++
						if asked%3 == 0 {
							return false, now.Add(time.Duration(1+rng.IntN(5)) * time.Hour)
						}
						return true, time.Time{}
					})
					p, err := s.Next(survey, DrawOptions{Interviewer: "ivy", Now: now, Rules: rules})
					if err != nil {
						continue
					}
					call := Call{Outcome: noAnswer, Interviewer: "ivy", At: now}
					switch rng.IntN(3) {
					case 0:
						call.Outcome = complete
					case 1:
						call.Outcome, call.Appointment = callBack, now.Add(time.Duration(rng.IntN(48))*time.Hour)
					}
					must(t, s.RecordCall(survey, p.Contact.ID, call))
				case 3:
					// Drawn and left: the lease lapses after 30 minutes.
					s.Next(survey, DrawOptions{Interviewer: "max", Now: now})
				case 4:
					if _, _, err := s.AddOptOut(phone(), "US", "", "sup"); err != nil {
						t.Fatal(err)
					}
				case 5:
					s.RemoveOptOut(phone(), "US", "mistake", "sup")
				case 6:
					now = now.Add(time.Duration(rng.IntN(120)) * time.Minute)
				}
			}
			rep, err := s.Doctor()
			if err != nil || len(rep.Problems) != 0 {
				t.Fatalf("Doctor() after a random history = %v, %q", err, rep.Problems)
			}
			for _, survey := range surveys {
				if diff := gocmp.Diff(expectedQueue(t, s, survey, now), listQueue(t, s, survey, now)); diff != "" {
					t.Errorf("queue of %s (-from the states +listed):\n%s", survey, diff)
				}
			}
		})
	}
}

// expectedQueue orders the survey's queued, unheld contacts from their
// states alone.
func expectedQueue(t *testing.T, s *Store, survey string, at time.Time) []string {
	t.Helper()
	type entry struct {
		cid uint64
		st  *ContactState
	}
	var es []entry
	must(t, s.db.View(func(tx *bolt.Tx) error {
		return s.surveyContactsTx(tx, survey, func(cid uint64) error {
			st, err := s.stateTx(tx, cid)
			if err != nil {
				return err
			}
			if st.Status == StatusQueued && !leased(st, at) && !st.QueueAt.After(at) {
				es = append(es, entry{cid, st})
			}
			return nil
		})
	}))
	slices.SortFunc(es, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.st.Priority, b.st.Priority), a.st.QueueAt.Compare(b.st.QueueAt), cmp.Compare(a.cid, b.cid))
	})
	ids := []string{}
	for _, e := range es {
		ids = append(ids, e.st.ID)
	}
	return ids
}

func listQueue(t *testing.T, s *Store, survey string, at time.Time) []string {
	t.Helper()
	ids := []string{}
	must(t, s.Queue(survey, QueueOptions{At: at}, func(e QueueEntry) error {
		ids = append(ids, e.ID)
		return nil
	}))
	return ids
}
