package store

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// busyStore makes a store that has seen every kind of event.
func busyStore(t *testing.T) (*Store, string) {
	t.Helper()
	s := openTest(t)
	s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	importCSV(t, s, "s1", "id,phone,email\na,4155550100,\nb,4155550101,b@example.com\nc,4155550102,\nd,4155550103,\n")
	s.AddOptOut("415 555 0199", "US", "asked", "sup")
	s.ImportOptOuts(strings.NewReader("b@example.com\n212,5550100\n"), "dnc", "US", "sup")
	s.AddOptOut("212 555 0100", "US", "", "sup")
	s.RemoveOptOut("415 555 0199", "US", "mistake", "sup")
	now := t0.Add(time.Hour)
	p, err := s.Next("s1", DrawOptions{Interviewer: "ivy", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.RecordCall("s1", p.Contact.ID, Call{Outcome: noAnswer, Interviewer: "ivy", At: now}))
	if _, err := s.Next("s1", DrawOptions{Interviewer: "ivy", Now: now, Rules: RulesFunc(func(*model.Contact, *ContactState, time.Time) (bool, time.Time) {
		return false, now.Add(time.Hour)
	})}); err == nil {
		t.Fatal("Next with rules that defer everyone presented someone")
	}
	id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: "c", Interviewer: "ivy", Agreed: true})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.SaveAnswer(id, model.AnswerEvent{Item: "age", Value: "30"}, []byte("{}")))
	must(t, s.Suspend(id, "ivy", ""))
	if _, err := s.Resume(id, "ivy"); err != nil {
		t.Fatal(err)
	}
	must(t, s.Complete(id, "ivy"))
	return s, id
}

func TestDoctorPassesSoundStore(t *testing.T) {
	s, _ := busyStore(t)
	rep, err := s.Doctor()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 {
		t.Errorf("Doctor() on a sound store found:\n%s", strings.Join(rep.Problems, "\n"))
	}
	if rep.Contacts != 4 || rep.OptOuts != 2 || rep.Interviews != 1 || rep.Answers != 1 {
		t.Errorf("Doctor() counts = %+v, want 4 contacts, 2 opt-outs, 1 interview, 1 answer", rep)
	}
}

func TestDoctorFindsDamage(t *testing.T) {
	tests := []struct {
		name   string
		damage func(tx *bolt.Tx, s *Store, interview string) error
		want   string
	}{
		{"queue entry lost", func(tx *bolt.Tx, _ *Store, _ string) error {
			k, _ := tx.Bucket(bQueue).Cursor().First()
			return tx.Bucket(bQueue).Delete(k)
		}, "missing from the queue"},
		{"opt-out lost", func(tx *bolt.Tx, _ *Store, _ string) error {
			k := model.OptOutKey("b@example.com")
			return tx.Bucket(bOptOut).Delete(k[:])
		}, "is not on the list"},
		{"opt-out slipped in", func(tx *bolt.Tx, _ *Store, _ string) error {
			k := model.OptOutKey("x@example.com")
			return tx.Bucket(bOptOut).Put(k[:], u64(3))
		}, "the log does not put it there"},
		{"state changed", func(tx *bolt.Tx, s *Store, _ string) error {
			st, _ := s.stateTx(tx, 1)
			st.Attempts = 7
			return putStateTx(tx, 1, st)
		}, "state differs from the log"},
		{"reach index lost", func(tx *bolt.Tx, _ *Store, _ string) error {
			c := tx.Bucket(bXRuns).Cursor()
			for k, _ := c.Seek([]byte{runReach}); k != nil && k[0] == runReach; k, _ = c.Seek([]byte{runReach}) {
				if err := c.Delete(); err != nil {
					return err
				}
			}
			return nil
		}, "missing from the reach index"},
		{"contacts lost", func(tx *bolt.Tx, _ *Store, _ string) error {
			k, _ := tx.Bucket(bCBlocks).Cursor().First()
			return tx.Bucket(bCBlocks).Delete(k)
		}, "not found"},
		{"a contact with a history in a range", func(tx *bolt.Tx, s *Store, _ string) error {
			st, _ := s.stateTx(tx, 1)
			return tx.Bucket(bQueue).Put(queueKey(st.Survey, st.Priority, st.QueueAt, 1), u64(1))
		}, "still in its import's queue range"},
		{"answer lost", func(tx *bolt.Tx, _ *Store, id string) error {
			k, _ := tx.Bucket(bAnswers).Cursor().First()
			return tx.Bucket(bAnswers).Delete(k)
		}, "missing from the answers"},
		{"interview reopened", func(tx *bolt.Tx, s *Store, id string) error {
			r, _ := s.interviewTx(tx, id)
			r.Status = InterviewActive
			return s.putInterviewTx(tx, r)
		}, "differs from the log"},
		{"event altered", func(tx *bolt.Tx, _ *Store, _ string) error {
			v := tx.Bucket(bEvents).Get(u64(2))
			return tx.Bucket(bEvents).Put(u64(2), []byte(strings.Replace(string(v), `"actor":"sup"`, `"actor":"eve"`, 1)))
		}, "hash does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, id := busyStore(t)
			must(t, s.db.Update(func(tx *bolt.Tx) error { return tt.damage(tx, s, id) }))
			rep, err := s.Doctor()
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(rep.Problems, "\n")
			if !strings.Contains(all, tt.want) {
				t.Errorf("Doctor() after %s = %q, want a problem containing %q", tt.name, all, tt.want)
			}
		})
	}
}

func TestCompactKeepsEverything(t *testing.T) {
	s, id := busyStore(t)
	path := s.Path()
	want, _ := s.Interview(id)
	s.Close()
	before, after, err := Compact(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if before <= 0 || after <= 0 {
		t.Errorf("Compact sizes = %d, %d, want both positive", before, after)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Interview(id)
	if err != nil || len(got.History) != len(want.History) {
		t.Fatalf("Interview after Compact = %v, %v, want the same answers", got, err)
	}
	rep, _ := s.Doctor()
	if len(rep.Problems) != 0 {
		t.Errorf("Doctor() after Compact:\n%s", strings.Join(rep.Problems, "\n"))
	}
	// New contacts after compaction still get fresh ids.
	importCSV(t, s, "s2", "id,phone\nz,4155550150\n")
	if rep, _ := s.Doctor(); len(rep.Problems) != 0 {
		t.Errorf("Doctor() after an import into the compacted store:\n%s", strings.Join(rep.Problems, "\n"))
	}
}

// The crash helper: when CANVASS_CRASH_STORE is set, the test binary saves
// answers to an interview as fast as it can and prints "ok N" after each
// SaveAnswer returns, until it is killed.
func TestMain(m *testing.M) {
	if path := os.Getenv("CANVASS_CRASH_STORE"); path != "" {
		crashHelper(path, os.Getenv("CANVASS_CRASH_INTERVIEW"))
		return
	}
	os.Exit(m.Run())
}

func crashHelper(path, id string) {
	s, err := Open(path, Options{Timeout: 5 * time.Second})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	rv, err := s.Interview(id)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	n := len(rv.History)
	w := bufio.NewWriter(os.Stdout)
	for {
		n++
		ev := model.AnswerEvent{Item: "q" + strconv.Itoa(n), Value: strings.Repeat("x", n%300)}
		state, _ := json.Marshal(map[string]int{"n": n})
		if err := s.SaveAnswer(id, ev, state); err != nil {
			fmt.Fprintln(w, "error", err)
			w.Flush()
			os.Exit(3)
		}
		fmt.Fprintln(w, "ok", n)
		w.Flush()
	}
}

func TestCrashLosesNoConfirmedAnswer(t *testing.T) {
	trials := 25
	if testing.Short() {
		trials = 5
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	importCSV(t, s, "s1", "id,phone\na,4155550100\n")
	id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: "a", Interviewer: "ivy", Agreed: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	r := rand.New(rand.NewPCG(7, 7))
	confirmed := 0
	for trial := range trials {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "CANVASS_CRASH_STORE="+path, "CANVASS_CRASH_INTERVIEW="+id)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill it at a random moment after its first confirmed answer.
		deadline := time.After(time.Duration(20+r.IntN(150)) * time.Millisecond)
		started := false
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				if strings.HasPrefix(l, "error") {
					t.Fatalf("trial %d: helper: %s", trial, l)
				}
				n, _ := strconv.Atoi(strings.TrimPrefix(l, "ok "))
				confirmed = max(confirmed, n)
				started = true
			case <-deadline:
				if started {
					cmd.Process.Signal(syscall.SIGKILL)
					deadline = nil
				} else {
					deadline = time.After(10 * time.Millisecond)
				}
			}
		}
		cmd.Wait()
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rv, err := s.Interview(id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, h := range rv.History {
		got[h.Answer.Item] = true
	}
	for n := 1; n <= confirmed; n++ {
		if !got["q"+strconv.Itoa(n)] {
			t.Errorf("answer q%d was confirmed but is lost after %d SIGKILLs", n, trials)
		}
	}
	var st map[string]int
	json.Unmarshal(rv.State, &st)
	if st["n"] < confirmed {
		t.Errorf("saved state is at answer %d, want at least the last confirmed %d", st["n"], confirmed)
	}
	rep, err := s.Doctor()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 {
		t.Errorf("Doctor() after the crashes:\n%s", strings.Join(rep.Problems, "\n"))
	}
	t.Logf("%d trials, %d answers confirmed, %d stored", trials, confirmed, len(rv.History))
}

// TestSchema1Fixture opens a store written by schema 1 (made by
// CANVASS_WRITE_FIXTURE=1 go test -run TestSchema1Fixture): every later
// layout change must still read it, through its migrations.
func TestSchema1Fixture(t *testing.T) {
	const fixture = "testdata/schema1.db"
	if os.Getenv("CANVASS_WRITE_FIXTURE") != "" {
		s, _ := busyStore(t)
		must(t, s.db.View(func(tx *bolt.Tx) error { return tx.CopyFile(fixture, 0o644) }))
	}
	raw, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	must(t, os.WriteFile(path, raw, 0o600))
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open(schema 1 fixture) = %v", err)
	}
	defer s.Close()
	if v, _ := s.Schema(); v != SchemaVersion {
		t.Errorf("schema after opening the fixture = %d, want %d", v, SchemaVersion)
	}
	rep, err := s.Doctor()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 || rep.Contacts != 4 || rep.Interviews != 1 || rep.Answers != 1 {
		t.Errorf("Doctor() on the fixture = %+v, want 4 contacts, 1 interview, 1 answer, no problems", rep)
	}
	list, _ := s.Interviews("s1")
	if len(list) != 1 || list[0].Status != InterviewCompleted {
		t.Errorf("Interviews(s1) on the fixture = %+v, want one completed", list)
	}
	if on, _, _ := s.OptedOut("b@example.com", "US"); !on {
		t.Errorf("OptedOut(b@example.com) on the fixture = false, want true")
	}
	// A sample imported now is stored the new way beside the old one:
	// duplicates are found across both, opt-outs reach both.
	res := importCSV(t, s, "s1", "id,phone\nd2,415 555 0103\nnew,4155550150\na,4155550160\n")
	if res.Imported != 1 || res.Duplicate != 2 {
		t.Errorf("import into the fixture = %+v, want 1 imported, 2 duplicates (d's phone, a's id)", res)
	}
	for _, tc := range []struct{ id, phone string }{{"new", "4155550150"}, {"d", "4155550103"}} {
		if _, _, err := s.AddOptOut(tc.phone, "US", "", "sup"); err != nil {
			t.Fatal(err)
		}
		if _, st, err := s.Contact("s1", tc.id); err != nil || st.Status != StatusSuppressed {
			t.Errorf("contact %s after its phone was opted out: %+v, %v; want suppressed", tc.id, st, err)
		}
	}
	if rep, _ := s.Doctor(); len(rep.Problems) != 0 || rep.Contacts != 5 {
		t.Errorf("Doctor() after importing into the fixture = %+v, want 5 contacts, no problems", rep)
	}
}
