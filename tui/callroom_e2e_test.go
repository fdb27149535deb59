package tui

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"canvass/store"

	gossh "golang.org/x/crypto/ssh"
)

// TestCallRoomEndToEnd runs the built binary's call room (canvass users
// add, canvass serve) and two interviewers' real ssh clients in tmux, as
// a phone room works: they are never given the same contact, an opt-out
// in one session keeps the person from the other, and SIGTERM suspends
// the interview in progress and ends the sessions.
func TestCallRoomEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests build and run the binary")
	}
	for _, cmd := range []string{"tmux", "ssh", "go"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s is not installed", cmd)
		}
	}
	bin := buildBinary(t, t.TempDir())
	dir := t.TempDir()
	db := filepath.Join(dir, "room.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"cons", "again"} {
		sv := consoleSurvey()
		sv.ID, sv.Title = id, "Survey "+id
		if _, _, err := st.AddSurvey(sv, []byte(id), "author"); err != nil {
			t.Fatal(err)
		}
		sample := "id,name,phone,timezone\nC1,Rosa Diaz,+13035550123,America/Denver\nC2,Tom Reed,+12065550142,America/Los_Angeles\nC3,Una Cole,+13035550177,America/Denver\n"
		if _, err := st.ImportContacts(strings.NewReader(sample), store.ImportOptions{Survey: id, Source: "client", Region: "US", Actor: "sup", File: id + ".csv"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.LoadStudy(store.Study{Source: "e2e", AnyHour: true}, "US", "sup"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Each interviewer's key, and their account made with the command.
	keyFile := func(who string) string {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		block, err := gossh.MarshalPrivateKey(priv, who)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, who)
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		signer, _ := gossh.NewSignerFromKey(priv)
		if err := os.WriteFile(path+".pub", gossh.MarshalAuthorizedKey(signer.PublicKey()), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, who := range []string{"ana", "bo"} {
		k := keyFile(who)
		out, err := exec.Command(bin, "--db", db, "users", "add", who, "--name", strings.ToUpper(who[:1])+who[1:], "--role", "interviewer", "--key", k+".pub").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "added "+who) {
			t.Fatalf("users add %s: %v\n%s", who, err, out)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	server := exec.Command(bin, "--db", db, "serve", "--listen", addr)
	logs, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	server.Stdout, server.Stderr = logs, logs
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer server.Process.Kill()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logs.Name())
			t.Fatalf("the call room did not start:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	host, port, _ := net.SplitHostPort(addr)
	sshTo := func(who string) *term {
		return startTerm(t, "room-"+who, fmt.Sprintf("exec ssh -t -p %s -i %s -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR %s@%s",
			port, shq(filepath.Join(dir, who)), who, host))
	}
	ana, bo := sshTo("ana"), sshTo("bo")
	ana.waitFor("Next contact — Survey again", "Ana")
	bo.waitFor("Next contact — Survey again", "Bo")
	// Both take the next contact of the first survey (again) at once.
	ana.keys("Enter")
	bo.keys("Enter")
	ana.waitFor("Outcome keys")
	bo.waitFor("Outcome keys")
	names := func(s string) string {
		for _, n := range []string{"Rosa Diaz", "Tom Reed", "Una Cole"} {
			if strings.Contains(s, n) {
				return n
			}
		}
		return ""
	}
	a, b := names(ana.screen()), names(bo.screen())
	if a == "" || a == b {
		t.Fatalf("ana was given %q and bo %q", a, b)
	}
	// Ana's person asks not to be called again; Bo finishes his call and
	// works the other survey, which holds the same people.
	ana.keys("F8")
	ana.waitFor("does not want to be contacted again")
	ana.keys("y")
	ana.waitFor("opt-out recorded")
	bo.keys("n")
	bo.waitFor("recorded: No answer")
	bo.keys("Down")
	for range 2 {
		bo.step("", "Outcome keys")
		if got := names(bo.screen()); got == a {
			t.Fatalf("bo was given %s after the opt-out in ana's session", a)
		}
		bo.keys("n")
		bo.waitFor("recorded: No answer")
	}
	// Ana begins an interview; SIGTERM closes the room.
	ana.step("", "Outcome keys")
	ana.step("", "agree to take part?")
	ana.keys("y")
	ana.waitFor("How would you rate us")
	ana.step("7", "Anything to add?")
	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- server.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			b, _ := os.ReadFile(logs.Name())
			t.Fatalf("the call room ended with %v:\n%s", err, b)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the call room did not end after SIGTERM")
	}
	ana.waitExit()
	bo.waitExit()
	st, err = store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ivs, err := st.Interviews("")
	if err != nil {
		t.Fatal(err)
	}
	suspended := 0
	for _, r := range ivs {
		if r.Status == store.InterviewSuspended && r.Interviewer == "ana" {
			suspended++
		}
	}
	if suspended != 1 {
		t.Errorf("interviews after SIGTERM = %+v, want ana's suspended", ivs)
	}
	rep, err := st.Doctor()
	if err != nil || len(rep.Problems) > 0 {
		t.Errorf("doctor after the call room: %v, %v", rep.Problems, err)
	}
	logged, _ := os.ReadFile(logs.Name())
	for _, v := range []string{"Rosa", "Tom Reed", "Una Cole", "555"} {
		if strings.Contains(string(logged), v) {
			t.Errorf("the server's log shows %q:\n%s", v, logged)
		}
	}
}
