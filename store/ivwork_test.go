package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// homeByScan is the home screen's counts and lists as they were read
// before the work index: by opening every interview and review state.
// It is the reference the index is held to.
func homeByScan(t testing.TB, s *Store, who string) *Home {
	t.Helper()
	h := &Home{}
	err := s.db.View(func(tx *bolt.Tx) error {
		infos, err := surveysTx(tx)
		if err != nil {
			return err
		}
		pos := map[string]int{}
		for i, in := range infos {
			pos[in.ID] = i
			h.Surveys = append(h.Surveys, HomeSurvey{Info: in})
		}
		err = tx.Bucket(bInterviews).ForEach(func(k, _ []byte) error {
			r, err := s.interviewTx(tx, string(k))
			if err != nil {
				return err
			}
			i, ok := pos[r.Survey]
			if !ok {
				return nil
			}
			row := &h.Surveys[i]
			switch r.Status {
			case InterviewCompleted:
				row.Completed++
				if r.Interviewer == who {
					row.Mine++
				}
				rs, err := s.reviewStateTx(tx, r.ID)
				if err != nil {
					return err
				}
				if r.Interviewer == who && ReviewStatus(*r, rs) == InterviewRejected {
					h.Returned = append(h.Returned, Returned{Interview: *r, Rejection: rs.Rejections[len(rs.Rejections)-1]})
				}
			case InterviewRefused:
				row.Refused++
			case InterviewActive, InterviewSuspended:
				row.Open++
				if r.Interviewer == who {
					h.Resume = append(h.Resume, HomeInterview{Interview: *r})
				}
			}
			return nil
		})
		slices.SortStableFunc(h.Resume, func(a, b HomeInterview) int { return pos[a.Interview.Survey] - pos[b.Interview.Survey] })
		slices.SortFunc(h.Returned, func(a, b Returned) int { return a.Rejection.At.Compare(b.Rejection.At) })
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// homeCmp compares what the index decides: the counts, and which
// interviews are listed in which order (the rest is read from the
// records either way).
func homeSummary(h *Home) string {
	var b strings.Builder
	for _, sv := range h.Surveys {
		fmt.Fprintf(&b, "%s: completed %d mine %d open %d refused %d\n", sv.Info.ID, sv.Completed, sv.Mine, sv.Open, sv.Refused)
	}
	for _, r := range h.Resume {
		fmt.Fprintf(&b, "resume %s %s\n", r.Interview.ID, r.Interview.Status)
	}
	for _, r := range h.Returned {
		fmt.Fprintf(&b, "returned %s at %s\n", r.Interview.ID, r.Rejection.At.Format(time.RFC3339Nano))
	}
	return b.String()
}

// TestHomeReadsWorkIndex holds the home screen, read from the work
// index, to a scan of every interview after every step of random
// histories (consents, refusals, suspensions, resumptions, completions,
// break-offs by opt-out, approvals, rejections and reopens), for each
// interviewer; and the doctor finds the index sound throughout.
func TestHomeReadsWorkIndex(t *testing.T) {
	steps := 250
	if testing.Short() {
		steps = 80
	}
	seen := map[string]bool{}
	for seed := range uint64(4) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			h := newTallyHistory(t, seed)
			h.importSome()
			for i := 1; i <= steps; i++ {
				what := h.step()
				for _, who := range []string{"ivy", "max", "ola"} {
					got, err := h.s.Home(who, h.clock)
					if err != nil {
						t.Fatalf("step %d (%s): Home(%s): %v", i, what, who, err)
					}
					want := homeByScan(t, h.s, who)
					if d := cmp.Diff(homeSummary(want), homeSummary(got)); d != "" {
						t.Fatalf("step %d (%s): Home(%s) from the index differs from a scan (-scan +index):\n%s", i, what, who, d)
					}
					if len(got.Resume) > 0 {
						seen["resume"] = true
					}
					if len(got.Returned) > 0 {
						seen["returned"] = true
					}
					if len(got.Surveys) > 0 && got.Surveys[0].Mine > 0 {
						seen["mine"] = true
					}
				}
				var problems []string
				h.s.db.View(func(tx *bolt.Tx) error {
					h.s.checkWorkTx(tx, func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) })
					return nil
				})
				if len(problems) > 0 {
					t.Fatalf("step %d (%s): the work index: %s", i, what, strings.Join(problems, "; "))
				}
			}
		})
	}
	if !seen["resume"] || !seen["mine"] || !seen["returned"] {
		t.Errorf("histories too tame: the home screens showed %v", seen)
	}
}

// TestHomeReturnedFromIndex: a rejected interview is listed for its
// interviewer only (TestHomeReadsWorkIndex reopens them).
func TestHomeReturnedFromIndex(t *testing.T) {
	s := reportStore(t)
	var completed *InterviewRecord
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bInterviews).ForEach(func(k, _ []byte) error {
			r, err := s.interviewTx(tx, string(k))
			if err == nil && r.Status == InterviewCompleted && completed == nil {
				completed = r
			}
			return nil
		})
	})
	if completed == nil {
		t.Fatal("the report store has no completed interview")
	}
	must(t, s.Reject(completed.ID, "sup", "ask the age again", nil))
	h, err := s.Home(completed.Interviewer, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Returned) != 1 || h.Returned[0].Interview.ID != completed.ID || h.Returned[0].Rejection.Comment != "ask the age again" {
		t.Fatalf("Home(%s).Returned = %+v, want the rejected %s", completed.Interviewer, h.Returned, completed.ID)
	}
	if other, _ := s.Home(completed.Interviewer+"x", time.Time{}); len(other.Returned) != 0 {
		t.Errorf("another interviewer's home lists %+v", other.Returned)
	}
}

// TestWorkIndexMigration: a schema-7 store gets the index from its
// migration, and its home screens are what they were.
func TestWorkIndexMigration(t *testing.T) {
	s := reportStore(t)
	whos := map[string]bool{}
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bInterviews).ForEach(func(k, _ []byte) error {
			r, err := s.interviewTx(tx, string(k))
			if err == nil {
				whos[r.Interviewer] = true
			}
			return nil
		})
	})
	before := map[string]string{}
	for who := range whos {
		before[who] = homeSummary(homeByScan(t, s, who))
	}
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bIVWork); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(7))
	}))
	path := s.Path()
	s.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open(schema 7 store) = %v", err)
	}
	defer s.Close()
	if v, _ := s.Schema(); v != SchemaVersion {
		t.Errorf("schema after the migration = %d, want %d", v, SchemaVersion)
	}
	for who, want := range before {
		h, err := s.Home(who, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, homeSummary(h)); d != "" {
			t.Errorf("Home(%s) after the migration (-before +after):\n%s", who, d)
		}
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) != 0 {
		t.Errorf("Doctor() after the migration = %v, %v; want no problems", rep, err)
	}
}

// TestDoctorFindsDamagedWorkIndex: an entry taken out of the index, a
// count changed or an interview listed that is not open are each named.
func TestDoctorFindsDamagedWorkIndex(t *testing.T) {
	for _, c := range []struct {
		name, want string
		damage     func(b *bolt.Bucket) error
	}{
		{"entry removed", "lacks the place of interview", func(b *bolt.Bucket) error {
			k, _ := b.Cursor().Seek([]byte{'s'})
			return b.Delete(k)
		}},
		{"count changed", "differs from the interviews at the count of", func(b *bolt.Bucket) error {
			k, _ := b.Cursor().Seek([]byte{'n'})
			return b.Put(k, u64(99))
		}},
		{"stray listing", "holds the open interview nobody", func(b *bolt.Bucket) error {
			return b.Put(append(append([]byte{'o'}, make([]byte, 8)...), "nobody"...), nil)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := reportStore(t)
			must(t, s.db.Update(func(tx *bolt.Tx) error { return c.damage(tx.Bucket(bIVWork)) }))
			rep, err := s.Doctor()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(rep.Problems, func(p string) bool { return strings.Contains(p, c.want) }) {
				t.Errorf("Doctor() problems = %q, want one with %q", rep.Problems, c.want)
			}
		})
	}
}
