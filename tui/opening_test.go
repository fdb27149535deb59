package tui

import (
	"errors"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"canvass/store"

	tea "charm.land/bubbletea/v2"
)

// deviceFake is a fake store that names its device, as *store.Store does.
type deviceFake struct {
	*fakeStore
	device string
}

func (d deviceFake) Device() string { return d.device }

// forgetfulFake is a store that cannot read who signed in last.
type forgetfulFake struct{ deviceFake }

func (forgetfulFake) LastInterviewer() (store.InterviewerRecord, error) {
	return store.InterviewerRecord{}, errors.New("read last interviewer: disk error")
}

// openingAt is a console over a store that open opens, sized 80×24 with
// colour and a fixed clock, before Init's commands have run: what the
// first frame shows.
func openingAt(open func() (Backend, error), device string) App {
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	var m tea.Model = NewConsoleOpening(open, Console{Clock: func() time.Time { return now }, Location: time.UTC, Device: device})
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: 80, Height: 24}, bg(true), tea.EnvMsg{"TERM=xterm-256color"}} {
		m, _ = m.Update(msg)
	}
	return m.(App)
}

// deliver hands msg to a and then every message its commands produce, as
// the Bubble Tea loop would; it reports whether a asked to quit.
func deliver(a App, msg tea.Msg) (App, bool) {
	quit := false
	pending := []tea.Msg{msg}
	for len(pending) > 0 {
		msg, pending = pending[0], pending[1:]
		if _, ok := msg.(tea.QuitMsg); ok {
			quit = true
			continue
		}
		m, cmd := a.Update(msg)
		a = m.(App)
		pending = append(pending, run(cmd)...)
	}
	return a, quit
}

// TestConsoleFirstFrameBeforeStore checks that the console's first frame
// needs nothing from the store: the sign-in screen is drawn and takes
// keys before the store is opened, the store is opened by Init's command,
// and what the store says arrives afterwards without undoing what the
// interviewer did meanwhile.
func TestConsoleFirstFrameBeforeStore(t *testing.T) {
	tests := []struct {
		name string
		// typed before the store is open, and after.
		before, after string
		openErr       error
		forgetful     bool // the store cannot read who signed in last
		cfgDevice     string
		// want on screen once the store is open, and not.
		want, notWant []string
		wantScreen    screen
		wantWho       store.InterviewerRecord // remembered by the store
		wantDevice    string
		wantQuit      bool
	}{
		{
			name: "prefilled when the store opens",
			want: []string{"Sign in to start interviewing", "› rem07", "› Rita Remembered"}, wantScreen: screenSignIn,
			wantWho: store.InterviewerRecord{ID: "rem07", Name: "Rita Remembered"}, wantDevice: "dev42",
		},
		{
			name: "typing first keeps what was typed", before: "ana0",
			want: []string{"› ana0"}, notWant: []string{"rem07"}, wantScreen: screenSignIn,
			wantWho: store.InterviewerRecord{ID: "rem07", Name: "Rita Remembered"}, wantDevice: "dev42",
		},
		{
			name: "a sign-in waits for the store", before: "ana01 enter Ana enter", after: "down",
			want: []string{"Home", "Next contact — Console Test Study"}, wantScreen: screenHome,
			wantWho: store.InterviewerRecord{ID: "ana01", Name: "Ana"}, wantDevice: "dev42",
		},
		{
			name: "the device set by the caller wins", cfgDevice: "given",
			want: []string{"› rem07"}, wantScreen: screenSignIn,
			wantWho: store.InterviewerRecord{ID: "rem07", Name: "Rita Remembered"}, wantDevice: "given",
		},
		{
			name: "no prefill when the store cannot tell", forgetful: true,
			want: []string{"Sign in to start interviewing"}, notWant: []string{"rem07", "could not"}, wantScreen: screenSignIn,
			wantWho: store.InterviewerRecord{ID: "rem07", Name: "Rita Remembered"}, wantDevice: "dev42",
		},
		{
			name: "a store that does not open ends the console", before: "ana01 enter Ana enter",
			openErr: errors.New("the store /x.db is in use"),
			want:    []string{"could not open the store: the store /x.db is in use"}, wantScreen: screenSignIn,
			wantWho: store.InterviewerRecord{ID: "rem07", Name: "Rita Remembered"}, wantQuit: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.who = store.InterviewerRecord{ID: "rem07", Name: "Rita Remembered"}
			var opens atomic.Int32
			open := func() (Backend, error) {
				opens.Add(1)
				if tt.openErr != nil {
					return nil, tt.openErr
				}
				if tt.forgetful {
					return forgetfulFake{deviceFake{f, "dev42"}}, nil
				}
				return deviceFake{f, "dev42"}, nil
			}
			a := openingAt(open, tt.cfgDevice)
			mustShow(t, a, "first frame", "Sign in to start interviewing", "Interviewer id")
			if n := opens.Load(); n != 0 {
				t.Fatalf("building the console and its first frame opened the store %d times, want 0", n)
			}
			a, quit := feed(a, tt.before)
			if quit {
				t.Fatalf("typing %q before the store opened quit the console", tt.before)
			}
			if strings.Contains(tt.before, "enter Ana enter") {
				mustShow(t, a, "signed in before the store opened", "Opening the store…")
				if a.console().screen != screenSignIn {
					t.Fatalf("signed in before the store opened: screen %d, want the sign-in screen until it is open", a.console().screen)
				}
			}
			opened := a.console().startStore()()
			if n := opens.Load(); n != 1 {
				t.Fatalf("Init's store command opened the store %d times, want 1", n)
			}
			a, quit = deliver(a, opened)
			var more bool
			a, more = feed(a, tt.after)
			quit = quit || more
			if quit != tt.wantQuit {
				t.Errorf("console asked to quit = %v, want %v:\n%s", quit, tt.wantQuit, screenText(a))
			}
			if tt.wantQuit && !errors.Is(a.console().fatal, tt.openErr) {
				t.Errorf("fatal error = %v, want %v (RunOpening returns it)", a.console().fatal, tt.openErr)
			}
			mustShow(t, a, "store opened", tt.want...)
			for _, w := range tt.notWant {
				if strings.Contains(screenText(a), w) {
					t.Errorf("the screen shows %q:\n%s", w, screenText(a))
				}
			}
			if a.console().screen != tt.wantScreen {
				t.Errorf("screen = %d, want %d:\n%s", a.console().screen, tt.wantScreen, screenText(a))
			}
			if got, _ := f.LastInterviewer(); got != tt.wantWho {
				t.Errorf("the store remembers %+v, want %+v", got, tt.wantWho)
			}
			if a.console().cfg.Device != tt.wantDevice {
				t.Errorf("device = %q, want %q", a.console().cfg.Device, tt.wantDevice)
			}
		})
	}
}

// TestConsoleQuitBeforeStore checks that ^C ends a console whose store is
// still opening, a sign-in held or not, without waiting for the store.
func TestConsoleQuitBeforeStore(t *testing.T) {
	for _, script := range []string{"ctrl+c", "ana01 enter Ana enter ctrl+c"} {
		var opens atomic.Int32
		a := openingAt(func() (Backend, error) { opens.Add(1); return newFake(), nil }, "")
		a, quit := feed(a, script)
		if !quit {
			t.Errorf("keys %q before the store opened: the console did not quit:\n%s", script, screenText(a))
		}
		if n := opens.Load(); n != 0 {
			t.Errorf("keys %q: the store was opened %d times, want 0", script, n)
		}
	}
}

// TestConsoleOpenStoreIsLastWho checks that a console built over an open
// store reads who signed in last straight away, without an open.
func TestConsoleOpenStoreIsLastWho(t *testing.T) {
	f := newFake()
	f.who = store.InterviewerRecord{ID: "rem07", Name: "Rita Remembered"}
	a := consoleAt(f, 80, 24, true, false)
	msg := a.console().startStore()()
	if _, ok := msg.(lastWhoMsg); !ok {
		t.Fatalf("startStore() of an open console gave %T, want lastWhoMsg", msg)
	}
	a, _ = deliver(a, msg)
	mustShow(t, a, "prefilled", "› rem07", "› Rita Remembered")
}

// headless are the options that run a program without a terminal.
func headless(input string) []tea.ProgramOption {
	return []tea.ProgramOption{tea.WithInput(strings.NewReader(input)), tea.WithOutput(io.Discard), tea.WithWindowSize(80, 24)}
}

// TestRunOpening runs the console's program loop without a terminal: a
// store that does not open ends it with the store's own error, which the
// command line prints as it is; ^C ends it with none.
func TestRunOpening(t *testing.T) {
	inUse := errors.New("the store /x.db is in use by another canvass")
	tests := []struct {
		name    string
		openErr error
		input   string
	}{
		{name: "the store does not open", openErr: inUse},
		{name: "quit with ^C", input: "\x03"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			open := func() (Backend, error) {
				if tt.openErr != nil {
					return nil, tt.openErr
				}
				return f, nil
			}
			done := make(chan error, 1)
			go func() { done <- runOpening(open, Console{}, headless(tt.input)...) }()
			select {
			case err := <-done:
				if err != tt.openErr {
					t.Errorf("runOpening() = %v, want %v", err, tt.openErr)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("runOpening() did not return")
			}
		})
	}
}

// waitModel is a program that runs until told to quit, and says when it
// has started.
type waitModel struct{ started chan struct{} }

func (m waitModel) Init() tea.Cmd {
	return func() tea.Msg { close(m.started); return nil }
}

func (m waitModel) Update(tea.Msg) (tea.Model, tea.Cmd) { return m, nil }

func (m waitModel) View() tea.View { return tea.NewView("waiting") }

// TestRunProgramHangUp checks that a hang-up ends a console's program
// instead of the process, so that the caller closes the store (a process
// killed by SIGHUP, as before, would end this test binary).
func TestRunProgramHangUp(t *testing.T) {
	m := waitModel{started: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := runProgram(m, headless("")...)
		done <- err
	}()
	select {
	case <-m.started:
	case err := <-done:
		t.Fatalf("the program ended before it started: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the program did not start")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runProgram() after a hang-up = %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a hang-up did not end the program")
	}
}
