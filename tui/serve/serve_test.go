package serve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"canvass/model"
	"canvass/store"

	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"
)

// room is a call room on loopback over a fresh store, with the accounts
// ana and bo (interviewers), sue (supervisor) and dis (disabled), two
// surveys (s1, s2) over the same three people, and its log.
type room struct {
	t    *testing.T
	st   *store.Store
	srv  *Server
	addr string
	keys map[string]gossh.Signer
	log  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// people are the sample of both surveys: the names, phones and emails
// the server's log must never show.
var people = [][3]string{
	{"Pat Quill", "+13035550101", "pat@example.com"},
	{"Ray Stone", "+13035550102", "ray@example.com"},
	{"Uma Vance", "+13035550103", "uma@example.com"},
}

func newRoom(t *testing.T, grace time.Duration) *room {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "room.db"), store.Options{GroupCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	q := func(name, label string) model.Item {
		return model.Item{Name: name, Type: model.TypeText, Label: model.Text{"en": label}}
	}
	var sample strings.Builder
	sample.WriteString("id,name,phone,email,timezone\n")
	for i, p := range people {
		fmt.Fprintf(&sample, "P%d,%s,%s,%s,America/Denver\n", i+1, p[0], p[1], p[2])
	}
	for _, id := range []string{"s1", "s2"} {
		sv := &model.Survey{ID: id, Version: "1", Title: "Survey " + id,
			Intro:   model.Text{"en": "Hello ${contact.name}."},
			Consent: model.Text{"en": "Taking part is voluntary. May we begin?"},
			Items:   []model.Item{q("first", "What is the first thing?"), q("second", "What is the second thing?")}}
		if _, _, err := st.AddSurvey(sv, []byte(id), "author"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ImportContacts(strings.NewReader(sample.String()), store.ImportOptions{Survey: id, Source: "client", Region: "US", Actor: "sup", File: id + ".csv"}); err != nil {
			t.Fatal(err)
		}
	}
	// Calling hours never stand in the way of a test.
	if err := st.LoadStudy(store.Study{Source: "test", AnyHour: true}, "US", "sup"); err != nil {
		t.Fatal(err)
	}
	r := &room{t: t, st: st, keys: map[string]gossh.Signer{}, log: &syncBuffer{}}
	for _, u := range []struct{ id, name, role string }{
		{"ana", "Ana Interviewer", store.RoleInterviewer},
		{"bo", "Bo Interviewer", store.RoleInterviewer},
		{"sue", "Sue Supervisor", store.RoleSupervisor},
		{"dis", "Dis Abled", store.RoleInterviewer},
	} {
		signer := newKey(t)
		r.keys[u.id] = signer
		k := store.UserKey{Fingerprint: gossh.FingerprintSHA256(signer.PublicKey()), Line: string(gossh.MarshalAuthorizedKey(signer.PublicKey()))}
		if err := st.AddUser(u.id, u.name, u.role, k, "sup"); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DisableUser("dis", "sup", true); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: st, HostKey: filepath.Join(dir, "host"), Grace: grace, Log: log.New(r.log, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	r.srv, r.addr = srv, l.Addr().String()
	return r
}

func newKey(t testing.TB) gossh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dial connects as user with auth.
func (r *room) dial(user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", r.addr, &gossh.ClientConfig{User: user, Auth: auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
}

// terminal is one interviewer's or supervisor's ssh client with a
// terminal of 100×30, read through a terminal emulator.
type terminal struct {
	t      *testing.T
	c      *gossh.Client
	sess   *gossh.Session
	stdin  io.WriteCloser
	mu     sync.Mutex
	emu    *vt.Emulator
	closed chan struct{}
}

// connect signs in as who with their key and starts the console.
func (r *room) connect(who string) *terminal {
	r.t.Helper()
	c, err := r.dial(who, gossh.PublicKeys(r.keys[who]))
	if err != nil {
		r.t.Fatalf("ssh as %s: %v", who, err)
	}
	tm := &terminal{t: r.t, c: c, emu: vt.NewEmulator(100, 30), closed: make(chan struct{})}
	r.t.Cleanup(func() { tm.c.Close() })
	if tm.sess, err = c.NewSession(); err != nil {
		r.t.Fatal(err)
	}
	if err := tm.sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		r.t.Fatal(err)
	}
	out, _ := tm.sess.StdoutPipe()
	tm.stdin, _ = tm.sess.StdinPipe()
	if err := tm.sess.Shell(); err != nil {
		r.t.Fatal(err)
	}
	go func() {
		defer close(tm.closed)
		buf := make([]byte, 32*1024)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				tm.mu.Lock()
				tm.emu.Write(buf[:n])
				tm.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	// The terminal's answers to the program's questions (its colours).
	go io.Copy(tm.stdin, tm.emu)
	return tm
}

func (tm *terminal) screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.String()
}

// waitFor waits until the screen shows every one of want.
func (tm *terminal) waitFor(want ...string) {
	tm.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := tm.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the screen never showed %q; it shows:\n%s", want, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Keys as a terminal sends them.
const (
	enter = "\r"
	esc   = "\x1b"
	f8    = "\x1b[19~"
	down  = "\x1b[B"
)

func (tm *terminal) send(s string) {
	tm.t.Helper()
	if _, err := tm.stdin.Write([]byte(s)); err != nil {
		tm.t.Fatalf("type %q: %v", s, err)
	}
	if s == esc {
		time.Sleep(100 * time.Millisecond) // a lone esc is told from a sequence by a pause
	}
}

// step types s and waits for what comes next.
func (tm *terminal) step(s string, next ...string) {
	tm.t.Helper()
	tm.send(s)
	tm.waitFor(next...)
}

// start takes the first survey's (or, with down, the second's) next
// contact and begins the interview, returning the contact's name.
func (tm *terminal) start(downs int) string {
	tm.t.Helper()
	tm.waitFor("Next contact")
	for range downs {
		tm.send(down)
	}
	tm.step(enter, "Outcome keys")
	name := ""
	for _, p := range people {
		if strings.Contains(tm.screen(), p[0]) {
			name = p[0]
		}
	}
	tm.step(enter, "agree to take part?")
	tm.step("y", "What is the first thing?")
	return name
}

func TestTwoInterviewersNeverShareAContact(t *testing.T) {
	r := newRoom(t, time.Minute)
	ana, bo := r.connect("ana"), r.connect("bo")
	a, b := ana.start(0), bo.start(0)
	if a == "" || b == "" || a == b {
		t.Fatalf("ana was given %q and bo %q: want two different people", a, b)
	}
	// The monitor sees both, each on their own contact.
	m := r.srv.Monitor()
	contacts := map[string]string{}
	for _, s := range m.Sessions {
		contacts[s.Account] = s.Contact
	}
	if contacts["ana"] == "" || contacts["ana"] == contacts["bo"] {
		t.Errorf("monitor: ana on %q, bo on %q", contacts["ana"], contacts["bo"])
	}
}

func TestOptOutInOneSessionStopsTheOthers(t *testing.T) {
	r := newRoom(t, time.Minute)
	ana := r.connect("ana")
	name := ana.start(0)
	ana.step(f8, "does not want to be contacted again")
	ana.step("y", "opt-out recorded")
	// bo works the other survey, which holds the same people: the one
	// who opted out is never presented to him.
	bo := r.connect("bo")
	got := bo.start(1)
	if got == name || got == "" {
		t.Fatalf("bo was given %q after %s opted out in ana's session", got, name)
	}
}

func TestMonitorAndMessages(t *testing.T) {
	r := newRoom(t, time.Minute)
	ana, bo := r.connect("ana"), r.connect("bo")
	ana.start(0)
	bo.waitFor("Next contact")
	sue := r.connect("sue")
	sue.waitFor("Interviews")
	sue.step("m", "The call room now")
	sue.waitFor("ana", "bo", "interviews in progress: 1")
	sue.step("s", "Message to ana:")
	sue.step("please call back at four"+enter, "message sent to ana")
	ana.waitFor("Message from sue", "please call back at four")
	if strings.Contains(bo.screen(), "please call back") {
		t.Errorf("bo got ana's message:\n%s", bo.screen())
	}
	sue.step("a", "Message to every interviewer:")
	sue.step("wrap up"+enter, "message sent to every interviewer")
	bo.waitFor("Message from sue", "wrap up")
}

func TestDroppedSessionResumesAtTheSameQuestion(t *testing.T) {
	r := newRoom(t, time.Minute)
	ana := r.connect("ana")
	ana.start(0)
	ana.step("a red door"+enter, "What is the second thing?")
	ana.c.Close() // the connection drops
	<-ana.closed
	again := r.connect("ana")
	again.waitFor("What is the second thing?", "resumed where the interview stopped")
	again.step("a blue window"+enter, "interview complete and saved")
}

func TestDroppedSessionIsSuspendedAfterGrace(t *testing.T) {
	r := newRoom(t, 300*time.Millisecond)
	ana := r.connect("ana")
	ana.start(0)
	ana.c.Close()
	<-ana.closed
	deadline := time.Now().Add(5 * time.Second)
	for {
		ivs, err := r.st.Interviews("s1")
		if err != nil {
			t.Fatal(err)
		}
		// The server logs the suspension once its commit returns: the
		// status can be seen a moment before the line is written.
		logged := strings.Contains(r.log.String(), "suspended interview")
		if len(ivs) == 1 && ivs[0].Status == store.InterviewSuspended && logged {
			_, st, err := r.st.Contact("s1", ivs[0].Contact)
			if err != nil || st.LeasedBy != "" {
				t.Errorf("after the grace period the contact is held by %q (%v), want released", st.LeasedBy, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("interviews = %+v, want one suspended after the grace period, and said in the log:\n%s", ivs, r.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestShutdownSuspendsEveryInterview(t *testing.T) {
	r := newRoom(t, time.Minute)
	ana := r.connect("ana")
	ana.start(0)
	ana.step("a red door"+enter, "What is the second thing?")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	ivs, err := r.st.Interviews("s1")
	if err != nil || len(ivs) != 1 || ivs[0].Status != store.InterviewSuspended {
		t.Fatalf("after shutdown interviews = %+v, %v; want one suspended", ivs, err)
	}
	rv, err := r.st.Interview(ivs[0].ID)
	if err != nil || len(rv.Current) != 1 || rv.Current[0].Value != "a red door" {
		t.Errorf("answers after shutdown = %+v, %v; want the one given", rv, err)
	}
	select {
	case <-ana.closed:
	case <-time.After(5 * time.Second):
		t.Errorf("ana's session did not end with the call room")
	}
	rep, err := r.st.Doctor()
	if err != nil || len(rep.Problems) > 0 {
		t.Errorf("doctor after shutdown: %v, %v", rep.Problems, err)
	}
}

// output runs command (or a shell when it is "") as who with pty and
// returns what the server wrote and how the session ended.
func (r *room) output(who, command string, pty bool) (string, error) {
	r.t.Helper()
	c, err := r.dial(who, gossh.PublicKeys(r.keys[who]))
	if err != nil {
		return "", err
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		r.t.Fatal(err)
	}
	if pty {
		if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
			r.t.Fatal(err)
		}
	}
	out := &syncBuffer{}
	sess.Stdout, sess.Stderr = out, out
	if command == "" {
		err = sess.Shell()
		if err == nil {
			err = sess.Wait()
		}
	} else {
		err = sess.Run(command)
	}
	return out.String(), err
}

func TestRefusals(t *testing.T) {
	r := newRoom(t, time.Minute)
	t.Run("unknown key", func(t *testing.T) {
		if _, err := r.dial("ana", gossh.PublicKeys(newKey(t))); err == nil {
			t.Errorf("a key nobody has signed in")
		}
	})
	t.Run("password", func(t *testing.T) {
		if _, err := r.dial("ana", gossh.Password("secret")); err == nil {
			t.Errorf("a password signed in")
		}
		var said string
		ki := gossh.KeyboardInteractive(func(_, instruction string, _ []string, _ []bool) ([]string, error) {
			said += instruction
			return nil, nil
		})
		if _, err := r.dial("ana", ki); err == nil {
			t.Errorf("keyboard-interactive signed in")
		}
		if !strings.Contains(said, "passwords are not accepted") {
			t.Errorf("the server said %q to a password prompt, want why it refuses", said)
		}
	})
	for _, tt := range []struct {
		name, who, command string
		pty                bool
		want               string
	}{
		{"disabled account", "dis", "", true, "the account dis is disabled"},
		{"an interviewer asking for review", "ana", "review", true, "interviewers get the interviewer console only"},
		{"a command", "sue", "export --survey s1", true, "nothing over SSH imports, exports or changes accounts"},
		{"no terminal", "ana", "", false, "the console needs a terminal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := r.output(tt.who, tt.command, tt.pty)
			var exit *gossh.ExitError
			if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
				t.Errorf("session ended with %v, want exit status 1", err)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("the server said %q, want %q", out, tt.want)
			}
		})
	}
	// Nothing personal reaches the log.
	ana := r.connect("ana")
	ana.start(0)
	logged := r.log.String()
	for _, p := range people {
		for _, v := range p {
			if strings.Contains(logged, v) || strings.Contains(logged, strings.TrimPrefix(v, "+1")) {
				t.Errorf("the log shows %q:\n%s", v, logged)
			}
		}
	}
	for _, name := range []string{"Ana Interviewer", "Sue Supervisor", "Dis Abled"} {
		if strings.Contains(logged, name) {
			t.Errorf("the log shows the name %q:\n%s", name, logged)
		}
	}
}
