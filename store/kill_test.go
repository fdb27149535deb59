package store

import (
	"bufio"
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
)

// TestIntentsSurviveSIGKILL runs the console's intents in a child process
// and kills it with SIGKILL at random moments, several times over on one
// store. After each kill the store must open, doctor must find it sound,
// no opted-out person may have an interview left open, and every answer
// and intent the child reported as done (it reports only after the
// method returned) must be there.
func TestIntentsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	db := filepath.Join(t.TempDir(), "k.db")
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillWorker$")
		cmd.Env = append(os.Environ(), "CANVASS_KILL_DB="+db, "CANVASS_KILL_SEED="+strconv.Itoa(round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait until the worker is under way, then let it run a while.
		first, ok := <-lines
		if !ok || first != "ready" {
			cmd.Wait()
			t.Fatalf("round %d: the worker did not start (%q)", round, first)
		}
		time.Sleep(time.Duration(20+rng.IntN(200)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		var done []string
		for l := range lines {
			done = append(done, l)
		}
		cmd.Wait()

		s, err := Open(db, Options{})
		if err != nil {
			t.Fatalf("round %d: open after SIGKILL: %v", round, err)
		}
		rep, err := s.Doctor()
		if err != nil || len(rep.Problems) > 0 {
			t.Errorf("round %d: doctor after SIGKILL = %v, %v", round, rep.Problems, err)
		}
		for _, l := range done {
			f := strings.Fields(l)
			switch f[0] {
			case "answer": // answer INTERVIEW ITEM VALUE
				rv, err := s.Interview(f[1])
				if err != nil {
					t.Errorf("round %d: confirmed interview %s is gone: %v", round, f[1], err)
					continue
				}
				found := false
				for _, h := range rv.History {
					found = found || h.Answer.Item == f[2] && h.Answer.Value == f[3]
				}
				if !found {
					t.Errorf("round %d: confirmed answer %s=%s of %s is lost", round, f[2], f[3], f[1])
				}
			case "status": // status INTERVIEW STATUS
				rv, err := s.Interview(f[1])
				if err != nil {
					t.Errorf("round %d: interview %s: %v", round, f[1], err)
					continue
				}
				// A later intent may have moved it on; an opt-out only
				// ever ends it.
				if f[2] == InterviewBrokenOff && rv.Interview.Status != InterviewBrokenOff {
					t.Errorf("round %d: %s was broken off, and is %s now", round, f[1], rv.Interview.Status)
				}
			}
		}
		s.Close()
		t.Logf("round %d: %d intents confirmed before the kill", round, len(done))
	}
}

// TestKillWorker is the child of TestIntentsSurviveSIGKILL: it works the
// store until it is killed.
func TestKillWorker(t *testing.T) {
	db := os.Getenv("CANVASS_KILL_DB")
	if db == "" {
		t.Skip("run by TestIntentsSurviveSIGKILL")
	}
	seed, _ := strconv.Atoi(os.Getenv("CANVASS_KILL_SEED"))
	s, err := Open(db, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(2)
	}
	if q, err := s.Questionnaire("k", 0); err != nil || q == nil {
		sv := &model.Survey{ID: "k", Version: "1", Title: "Kill", Items: []model.Item{
			{Name: "a", Type: model.TypeText, Label: model.Text{"en": "a?"}},
			{Name: "b", Type: model.TypeText, Label: model.Text{"en": "b?"}},
		}}
		var b strings.Builder
		b.WriteString("id,phone,email\n")
		for i := range 2000 {
			fmt.Fprintf(&b, "K%d,+1303555%04d,k%d@example.com\n", i, i, i)
		}
		err := s.LoadStudy(Study{Surveys: []*model.Survey{sv}, Sample: []byte(b.String()), SampleSurvey: "k", Source: "kill", AnyHour: true}, "US", "w")
		if err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(2)
		}
	}
	fmt.Println("ready")
	rng := rand.New(rand.NewPCG(uint64(seed), 3))
	say := func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	for i := 0; ; i++ {
		p, err := s.Present("k", DrawOptions{Interviewer: "w"})
		if err != nil {
			// The queue ran dry: the rest of the work is opt-outs.
			if _, _, err := s.AddOptOut(fmt.Sprintf("k%d@example.com", rng.IntN(2000)), "US", "x", "w"); err != nil {
				fmt.Fprintln(os.Stderr, "worker:", err)
				os.Exit(2)
			}
			continue
		}
		c := model.Consent{Survey: "k", Contact: p.Contact.ID, Interviewer: "w", Agreed: true}
		switch rng.IntN(6) {
		case 0:
			if _, err := s.DeclineConsent(Decline{Consent: model.Consent{Survey: "k", Contact: p.Contact.ID, Interviewer: "w"}, OptOut: rng.IntN(2) == 0}); err == nil {
				say("declined %s", p.Contact.ID)
			}
			continue
		case 1:
			if err := s.RecordCall("k", p.Contact.ID, Call{Outcome: p.Questionnaire.Outcome("no_answer"), Interviewer: "w", Note: "n"}); err == nil {
				say("call %s", p.Contact.ID)
			}
			continue
		}
		id := ""
		if p.Open != nil {
			if _, err := s.ResumeInterview(p.Open.ID, "w", time.Time{}); err != nil {
				continue
			}
			id = p.Open.ID
		} else if id, err = s.StartInterview(c); err != nil {
			continue
		}
		for _, item := range []string{"a", "b"} {
			v := strconv.Itoa(i)
			if err := s.SaveAnswer(id, model.AnswerEvent{Item: item, Value: v}, []byte(`{}`)); err != nil {
				break
			}
			say("answer %s %s %s", id, item, v)
		}
		switch rng.IntN(3) {
		case 0:
			if err := s.FinishInterview(id, "w", time.Time{}); err == nil {
				say("status %s %s", id, InterviewCompleted)
			}
		case 1:
			if err := s.SuspendInterview(id, Suspension{Actor: "w", Reason: "appointment", Appointment: time.Now().Add(-time.Minute)}); err == nil {
				say("status %s %s", id, InterviewSuspended)
			}
		case 2:
			if err := s.OptOutContact(ContactOptOut{Survey: "k", Contact: p.Contact.ID, Actor: "w"}); err == nil {
				say("status %s %s", id, InterviewBrokenOff)
			}
		}
	}
}
