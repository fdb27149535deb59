// Package serve is the call room: one process that owns a store and
// serves the consoles to every interviewer's and supervisor's terminal
// over SSH (canvass serve), as Charm's servers serve Bubble Tea programs
// with charm.land/wish.
//
// Each SSH session gets its own console program ([tui.NewConsole] or
// [tui.NewSupervisor], one root per session) on the one shared store,
// signed in as the account its public key belongs to: no sign-in screen,
// and every event the session writes carries the account as its actor.
// The store's transactions keep the promises across sessions: a contact
// is leased to one session at a time, and the opt-out gate is checked
// inside every draw and resume. Commits are grouped (store
// Options.GroupCommit), so that sessions do not queue behind each other's
// fdatasyncs.
//
// Accounts are the store's ([store.Store.AddUser]); only public keys
// sign in. Interviewers get the interviewer console, supervisors the
// supervisor console with its dashboard and the call room's monitor;
// nothing over SSH imports, exports or changes accounts.
//
// A dropped connection leaves the interview active for a grace period:
// the same account reconnecting goes straight back to the question it
// was on. After the grace period the interview is suspended and the
// contact released. Shutdown suspends every interview, tells the
// sessions and ends them. The log names accounts by id, contacts by
// sample id, and never a phone, a name or an email.
package serve

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"canvass/model"
	"canvass/store"
	"canvass/tui"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"
)

// Config is how a call room is set up.
type Config struct {
	// Store is the store the room serves, opened with GroupCommit.
	Store *store.Store
	// HostKey is the server's private key file, made (mode 0600) on
	// first start when it does not exist.
	HostKey string
	// Idle closes a session that has sent nothing for this long; zero
	// means 30 minutes.
	Idle time.Duration
	// Grace is how long a dropped session's interview waits for its
	// account to come back before it is suspended; zero means 2 minutes.
	Grace time.Duration
	// Log receives one line per session, refusal and suspension; nil
	// discards them.
	Log *log.Logger
	// Clock is the time source; nil means time.Now.
	Clock func() time.Time
	// Location is the zone the consoles show times in; nil means the
	// clock's.
	Location *time.Location
}

// Server is a running call room.
type Server struct {
	cfg  Config
	st   *store.Store
	srv  *ssh.Server
	fp   string // the host key's fingerprint
	logf func(format string, args ...any)

	mu       sync.Mutex
	sessions map[*session]bool
	away     map[string]*away // by account: dropped with an interview open
	shift    map[string]*tui.MonitorCount
	started  time.Time
	closing  bool
	pushing  bool
	stats    Stats
	// consoles counts the consoles running, for Shutdown to wait for.
	consoles sync.WaitGroup
}

// session is one SSH session's console.
type session struct {
	user      store.UserRecord
	prog      *tea.Program
	connected time.Time
	presence  tui.Presence
	since     time.Time
}

// away is an interview whose session dropped, waiting for its account.
type away struct {
	interview string
	timer     *time.Timer
}

// Stats are what the load driver measures on the server side.
type Stats struct {
	// Commits are the durations of every answer's commit.
	Commits []time.Duration
}

// New builds a call room; [Server.Serve] runs it.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("serve: no store")
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 30 * time.Minute
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 2 * time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = cfg.Clock().Location()
	}
	s := &Server{cfg: cfg, st: cfg.Store, sessions: map[*session]bool{}, away: map[string]*away{},
		shift: map[string]*tui.MonitorCount{}, started: cfg.Clock()}
	s.logf = func(string, ...any) {}
	if cfg.Log != nil {
		s.logf = cfg.Log.Printf
	}
	pemKey, fp, err := hostKey(cfg.HostKey)
	if err != nil {
		return nil, err
	}
	s.fp = fp
	s.srv, err = wish.NewServer(
		wish.WithHostKeyPEM(pemKey),
		wish.WithIdleTimeout(cfg.Idle),
		wish.WithBannerHandler(func(ssh.Context) string { return banner }),
		wish.WithPublicKeyAuth(s.authKey),
		wish.WithPasswordAuth(func(ctx ssh.Context, _ string) bool {
			s.logf("refused a password for %q from %s: only keys sign in", ctx.User(), ctx.RemoteAddr())
			return false
		}),
		wish.WithKeyboardInteractiveAuth(func(ctx ssh.Context, ch gossh.KeyboardInteractiveChallenge) bool {
			ch("", passwordsRefused, nil, nil)
			s.logf("refused a password for %q from %s: only keys sign in", ctx.User(), ctx.RemoteAddr())
			return false
		}),
		wish.WithMiddleware(bm.MiddlewareWithProgramHandler(s.program), s.gate),
	)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return s, nil
}

// The words a client sees before and instead of signing in.
const (
	banner           = "canvass call room: sign in with the SSH key a supervisor registered for you (canvass users add). Passwords are not accepted.\n"
	passwordsRefused = "canvass accepts only the SSH keys registered for your account (canvass users key add); passwords are not accepted."
)

// Fingerprint is the host key's fingerprint, for interviewers to check.
func (s *Server) Fingerprint() string { return s.fp }

// hostKey reads the host key at path, making it (ed25519, mode 0600)
// when the file does not exist; it returns the key as PEM and its
// fingerprint.
func hostKey(path string) ([]byte, string, error) {
	if path == "" {
		return nil, "", errors.New("serve: no host key path")
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		_, priv, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			return nil, "", fmt.Errorf("make the host key: %w", gerr)
		}
		block, merr := gossh.MarshalPrivateKey(priv, "canvass call room")
		if merr != nil {
			return nil, "", fmt.Errorf("make the host key: %w", merr)
		}
		b = pem.EncodeToMemory(block)
		if werr := os.WriteFile(path, b, 0o600); werr != nil {
			return nil, "", fmt.Errorf("write the host key %s: %w", path, werr)
		}
	} else if err != nil {
		return nil, "", fmt.Errorf("read the host key %s: %w", path, err)
	}
	signer, err := gossh.ParsePrivateKey(b)
	if err != nil {
		return nil, "", fmt.Errorf("the host key %s: %w", path, err)
	}
	return b, gossh.FingerprintSHA256(signer.PublicKey()), nil
}

type ctxKey int

const userKey ctxKey = 1

// authKey lets in the keys of accounts; a disabled account is let in
// only to be told so (see gate).
func (s *Server) authKey(ctx ssh.Context, key ssh.PublicKey) bool {
	fp := gossh.FingerprintSHA256(key)
	u, err := s.st.UserByKey(fp)
	if err != nil {
		if errors.Is(err, store.ErrUnknownKey) {
			s.logf("refused key %s from %s: no account has it", fp, ctx.RemoteAddr())
		} else {
			s.logf("refused key %s from %s: %v", fp, ctx.RemoteAddr(), err)
		}
		return false
	}
	ctx.SetValue(userKey, u)
	return true
}

// Serve accepts sessions on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	err := s.srv.Serve(l)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// gate refuses what the call room does not serve, each with one
// sentence, before a console is built; after the console ends it notes
// how the session ended.
func (s *Server) gate(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		u, _ := sess.Context().Value(userKey).(*store.UserRecord)
		addr := sess.RemoteAddr()
		refuse := func(why string) {
			s.logf("refused %s from %s: %s", u.ID, addr, why)
			wish.Fatalln(sess, "canvass: "+why)
		}
		switch {
		case u == nil:
			wish.Fatalln(sess, "canvass: this session has no account")
			return
		case u.Disabled:
			refuse(fmt.Sprintf("the account %s is disabled; ask a supervisor", u.ID))
			return
		case len(sess.Command()) > 0 && u.Role == store.RoleInterviewer && sess.Command()[0] == "review":
			refuse("interviewers get the interviewer console only; connect without a command")
			return
		case len(sess.Command()) > 0:
			refuse(fmt.Sprintf("the call room serves the console only (nothing over SSH imports, exports or changes accounts); connect without the command %q", strings.Join(sess.Command(), " ")))
			return
		}
		if _, _, ok := sess.Pty(); !ok {
			refuse("the console needs a terminal; connect with ssh -t (a session without one cannot show it)")
			return
		}
		s.mu.Lock()
		closing := s.closing
		if !closing {
			s.consoles.Add(1)
		}
		s.mu.Unlock()
		if closing {
			wish.Fatalln(sess, "canvass: the call room is closing")
			return
		}
		defer s.consoles.Done()
		s.logf("session of %s (%s) from %s", u.ID, u.Role, addr)
		start := s.cfg.Clock()
		next(sess)
		s.logf("session of %s ended after %s", u.ID, s.cfg.Clock().Sub(start).Round(time.Second))
	}
}

// program builds the console of one session.
func (s *Server) program(sess ssh.Session) *tea.Program {
	u, _ := sess.Context().Value(userKey).(*store.UserRecord)
	if u == nil {
		return nil
	}
	ss := &session{user: *u, connected: s.cfg.Clock()}
	ss.since = ss.connected
	who := &tui.SignInMsg{ID: u.ID, Name: u.Name}
	var m tea.Model
	switch u.Role {
	case store.RoleSupervisor:
		ss.presence = tui.Presence{Screen: "review"}
		m = tui.NewSupervisor(s.st, tui.ReviewConfig{Clock: s.cfg.Clock, Location: s.cfg.Location, SignedIn: who,
			Monitor: &tui.Monitor{Send: func(to, text string) error { return s.send(u.ID, to, text) }}})
	default:
		ss.presence = tui.Presence{Screen: "home"}
		cfg := tui.Console{Clock: s.cfg.Clock, Location: s.cfg.Location, Device: s.st.Device(), SignedIn: who,
			Presence: func(p tui.Presence) { s.moved(ss, p) }}
		s.mu.Lock()
		if a := s.away[u.ID]; a != nil {
			a.timer.Stop()
			delete(s.away, u.ID)
			cfg.Resume = a.interview
			s.logf("%s came back: interview %s goes on", u.ID, a.interview)
		}
		s.mu.Unlock()
		m = tui.NewConsole(&roomBackend{Store: s.st, srv: s, account: u.ID}, cfg, tui.WithLocation(s.cfg.Location))
	}
	opts := bm.MakeOptions(sess)
	if sess.EmulatedPty() {
		opts = append(opts, tea.WithInput(escInput{sess}))
	}
	ss.prog = tea.NewProgram(m, append(opts, tea.WithFPS(120))...)
	s.mu.Lock()
	s.sessions[ss] = true
	s.mu.Unlock()
	s.pushMonitor()
	go func() {
		<-sess.Context().Done()
		s.ended(ss)
	}()
	return ss.prog
}

// escInput is a session's keys as the console reads them, with a lone
// Esc made unmistakable.
//
// A terminal sends Esc as the byte ESC, which also begins the sequences
// of other keys (an arrow is ESC [ B), so the console's key reader waits
// 50 ms for more bytes before it takes an ESC for Esc: every Esc an
// interviewer pressed reached the screen 50 ms late. Over SSH a key's
// bytes come in one channel message, as the client read them from its
// terminal, so a read that is the single byte ESC is the Esc key; it is
// handed on as CSI 27 u (the Esc key in the kitty keyboard protocol,
// which the reader decodes at once). Anything else passes unchanged.
type escInput struct{ r io.Reader }

// kittyEsc is the Esc key in the kitty keyboard protocol.
const kittyEsc = "\x1b[27u"

func (e escInput) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if n == 1 && p[0] == 0x1b && len(p) >= len(kittyEsc) {
		n = copy(p, kittyEsc)
	}
	return n, err
}

// moved is an interviewer console telling where it is now.
func (s *Server) moved(ss *session, p tui.Presence) {
	s.mu.Lock()
	ss.presence, ss.since = p, s.cfg.Clock()
	s.mu.Unlock()
	s.pushMonitor()
}

// ended is a session gone: an interview left open waits Grace for its
// account to come back, then is suspended and its contact released.
func (s *Server) ended(ss *session) {
	s.mu.Lock()
	if !s.sessions[ss] {
		s.mu.Unlock()
		return
	}
	delete(s.sessions, ss)
	iv := ss.presence.Interview
	acct := ss.user.ID
	if iv != "" && !s.closing {
		a := &away{interview: iv}
		a.timer = time.AfterFunc(s.cfg.Grace, func() { s.suspendAway(acct, a) })
		s.away[acct] = a
	}
	s.mu.Unlock()
	s.pushMonitor()
}

// suspendAway suspends the interview of an account that did not come
// back in time.
func (s *Server) suspendAway(acct string, a *away) {
	s.mu.Lock()
	if s.away[acct] != a {
		s.mu.Unlock()
		return
	}
	delete(s.away, acct)
	s.mu.Unlock()
	s.suspend(acct, a.interview, "the connection was lost")
}

// suspend suspends an interview for acct and releases its contact.
func (s *Server) suspend(acct, interview, why string) {
	err := s.st.SuspendInterview(interview, store.Suspension{Actor: acct, At: s.cfg.Clock(), Reason: why, Release: true})
	switch {
	case err == nil:
		s.logf("suspended interview %s of %s: %s", interview, acct, why)
	case errors.Is(err, store.ErrClosed):
		// Already suspended (the interviewer quit) or finished.
	default:
		s.logf("could not suspend interview %s of %s: %v", interview, acct, err)
	}
}

// send writes a supervisor's message to the consoles of account to, or
// of every interviewer when to is "".
func (s *Server) send(from, to, text string) error {
	msg := tui.MessageMsg{From: from, Text: text, At: s.cfg.Clock()}
	s.mu.Lock()
	var progs []*tea.Program
	for ss := range s.sessions {
		if ss.user.Role == store.RoleInterviewer && (to == "" || ss.user.ID == to) {
			progs = append(progs, ss.prog)
		}
	}
	s.mu.Unlock()
	if len(progs) == 0 {
		if to == "" {
			return errors.New("no interviewer is signed in")
		}
		return fmt.Errorf("%s is not signed in", to)
	}
	for _, p := range progs {
		go p.Send(msg)
	}
	s.logf("message from %s to %s", from, map[bool]string{true: "every interviewer", false: to}[to == ""])
	return nil
}

// pushMonitor sends the room as it is now to every supervisor's console,
// at most every 200 ms.
func (s *Server) pushMonitor() {
	s.mu.Lock()
	if s.pushing {
		s.mu.Unlock()
		return
	}
	s.pushing = true
	s.mu.Unlock()
	time.AfterFunc(200*time.Millisecond, func() {
		s.mu.Lock()
		s.pushing = false
		var sups []*tea.Program
		for ss := range s.sessions {
			if ss.user.Role == store.RoleSupervisor {
				sups = append(sups, ss.prog)
			}
		}
		if len(sups) == 0 {
			// Nobody watches: a supervisor signing in gets the room
			// when the session is added.
			s.mu.Unlock()
			return
		}
		msg := s.snapshotLocked()
		s.mu.Unlock()
		for _, p := range sups {
			go p.Send(msg)
		}
	})
}

// Monitor is the room as the supervisors' monitor shows it.
func (s *Server) Monitor() tui.MonitorMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *Server) snapshotLocked() tui.MonitorMsg {
	msg := tui.MonitorMsg{At: s.cfg.Clock(), ShiftStart: s.started}
	for ss := range s.sessions {
		msg.Sessions = append(msg.Sessions, tui.MonitorSession{Account: ss.user.ID, Name: ss.user.Name, Role: ss.user.Role,
			Presence: ss.presence, Since: ss.since, Connected: ss.connected})
	}
	sort.Slice(msg.Sessions, func(i, j int) bool {
		a, b := msg.Sessions[i], msg.Sessions[j]
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		return a.Connected.Before(b.Connected)
	})
	for _, c := range s.shift {
		msg.Shift = append(msg.Shift, *c)
	}
	sort.Slice(msg.Shift, func(i, j int) bool { return msg.Shift[i].Account < msg.Shift[j].Account })
	return msg
}

// counted adds to an account's work this shift.
func (s *Server) counted(acct string, calls, completes int) {
	s.mu.Lock()
	c := s.shift[acct]
	if c == nil {
		c = &tui.MonitorCount{Account: acct}
		s.shift[acct] = c
	}
	c.Calls += calls
	c.Completes += completes
	s.mu.Unlock()
	s.pushMonitor()
}

// Stats are the server's measurements so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Commits: slices.Clone(s.stats.Commits)}
}

// Shutdown closes the room: every open interview is suspended (its
// answers are all saved) and its contact released, every session is
// told and ended, and the server stops. The caller closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	type open struct{ acct, iv string }
	var ivs []open
	var progs []*tea.Program
	for ss := range s.sessions {
		progs = append(progs, ss.prog)
		if ss.presence.Interview != "" {
			ivs = append(ivs, open{ss.user.ID, ss.presence.Interview})
		}
	}
	for acct, a := range s.away {
		a.timer.Stop()
		ivs = append(ivs, open{acct, a.interview})
		delete(s.away, acct)
	}
	s.mu.Unlock()
	msg := tui.MessageMsg{From: "canvass", Text: "the call room is closing: your interview is suspended with every answer saved", At: s.cfg.Clock()}
	for _, p := range progs {
		p.Send(msg)
	}
	for _, o := range ivs {
		s.suspend(o.acct, o.iv, "the call room closed")
	}
	for _, p := range progs {
		p.Quit()
	}
	// Wait for the consoles to leave their terminals as they found them,
	// then close every connection: clients keep theirs open.
	ended := make(chan struct{})
	go func() { s.consoles.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-ctx.Done():
	}
	return s.srv.Close()
}

// roomBackend is the store as one interviewer's session uses it: it
// counts the calls and completes of the shift and times the commits of
// answers.
type roomBackend struct {
	*store.Store
	srv     *Server
	account string
}

func (b *roomBackend) SaveAnswer(interview string, ev model.AnswerEvent, state []byte) error {
	start := time.Now()
	err := b.Store.SaveAnswer(interview, ev, state)
	d := time.Since(start)
	if err == nil {
		b.srv.mu.Lock()
		b.srv.stats.Commits = append(b.srv.stats.Commits, d)
		b.srv.mu.Unlock()
	}
	return err
}

func (b *roomBackend) RecordCall(survey, contact string, c store.Call) error {
	err := b.Store.RecordCall(survey, contact, c)
	if err == nil {
		b.srv.counted(b.account, 1, 0)
	}
	return err
}

func (b *roomBackend) DeclineConsent(d store.Decline) (string, error) {
	id, err := b.Store.DeclineConsent(d)
	if err == nil {
		b.srv.counted(b.account, 1, 0)
	}
	return id, err
}

func (b *roomBackend) OptOutContact(o store.ContactOptOut) error {
	err := b.Store.OptOutContact(o)
	if err == nil {
		b.srv.counted(b.account, 1, 0)
	}
	return err
}

func (b *roomBackend) SuspendInterview(interview string, sp store.Suspension) error {
	err := b.Store.SuspendInterview(interview, sp)
	if err == nil && !sp.Appointment.IsZero() {
		b.srv.counted(b.account, 1, 0)
	}
	return err
}

func (b *roomBackend) FinishInterview(interview, actor string, at time.Time) error {
	err := b.Store.FinishInterview(interview, actor, at)
	if err == nil {
		b.srv.counted(b.account, 1, 1)
	}
	return err
}

// The console never remembers a session's account on this machine, and
// nothing else of the store is reachable from a session.
var _ tui.Backend = (*roomBackend)(nil)
