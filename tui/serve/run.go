package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"canvass/store"

	gossh "golang.org/x/crypto/ssh"
)

// Run serves the call room on listen until ctx is done (SIGTERM or ^C in
// canvass serve), then shuts it down: every interview suspended with its
// answers, every session told. It prints where it listens and the host
// key's fingerprint to out. It sets the process's garbage collector for
// many sessions (TuneGC).
func Run(ctx context.Context, cfg Config, listen string, out io.Writer) error {
	TuneGC()
	s, err := New(cfg)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", listen, err)
	}
	fmt.Fprintf(out, "canvass call room on %s\nhost key %s (%s)\n", l.Addr(), s.Fingerprint(), cfg.HostKey)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(out, "closing the call room: suspending the interviews in progress")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("serve: shut down: %w", err)
	}
	return <-done
}

// ReadKey reads a public key file (one key in authorized_keys form, as
// ssh-keygen writes FILE.pub) as an account's key.
func ReadKey(path string) (store.UserKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return store.UserKey{}, fmt.Errorf("read the key %s: %w", path, err)
	}
	pub, comment, _, rest, err := gossh.ParseAuthorizedKey(b)
	if err != nil {
		return store.UserKey{}, fmt.Errorf("%s is not an SSH public key (as ssh-keygen writes FILE.pub): %v", path, err)
	}
	if strings.TrimSpace(string(rest)) != "" {
		return store.UserKey{}, fmt.Errorf("%s holds more than one key; give one key per file", path)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub)))
	if comment != "" {
		line += " " + comment
	}
	return store.UserKey{Fingerprint: gossh.FingerprintSHA256(pub), Line: line}, nil
}

// WriteUsers lists accounts as a table, with the team and languages
// that decide which assigned contacts each is given ("-" for none).
func WriteUsers(w io.Writer, users []store.UserRecord) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tSTATUS\tTEAM\tLANGUAGES\tNAME\tKEYS")
	orNone := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, u := range users {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		var fps []string
		for _, k := range u.Keys {
			fps = append(fps, k.Fingerprint)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Role, status, orNone(u.Team), orNone(strings.Join(u.Languages, ",")), u.Name, strings.Join(fps, " "))
	}
	return tw.Flush()
}
