// Package cli is canvass's command line: the command tree, its flags and
// help, the exit codes, and how every command opens the store. Each
// command's work and wording live beside their data, in packages store,
// model, surveys, tui and tui/serve; a command here checks its flags,
// opens the store and calls them.
//
// The files follow the help's groups: questionnaires.go (eval, survey),
// sample.go (optout, contacts, queue), consoles.go (the consoles, the
// demo, the call room and its accounts), figures.go (report, quotas,
// rates, export, doctor, compact), field.go (devices, assign, unassign,
// bundle); open.go opens stores, version.go says the build.
//
// Like the rest of tui it never reads a questionnaire file itself: what it
// needs of them comes in a [Questionnaires], which main fills from
// package surveys (DESIGN §2).
package cli

import (
	"canvass/model"
	"canvass/store"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries a specific exit code (1 for "problems found", 2 for
// usage errors) out of a command. A nil msg means the command has already
// said what went wrong.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageError is an error in how the command was called: exit code 2.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

// silentExit ends a command with code, having printed what it had to say.
func silentExit(code int) error { return &exitError{code: code} }

// exitUnless ends a command with exit code 1 unless ok, having printed
// what failed.
func exitUnless(ok bool) error {
	if !ok {
		return silentExit(1)
	}
	return nil
}

// app holds what every command shares: the streams and the global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	db             string
	key            string // --key: the store's key file, "" for the default
	q              Questionnaires
}

// Run runs the command line args (without the program's name) with the
// streams given and returns the exit code: 0, 1 when a command found
// problems or failed, 2 for a usage error, 3 for a bundle held for an
// earlier one. q is how it reads questionnaire files.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer, q Questionnaires) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, q: q}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ue *model.UsageError // from the option checks of store and surveys
	if errors.As(err, &ue) {
		err = &exitError{code: 2, msg: ue.Error()}
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "canvass: "+ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "canvass: "+err.Error())
	return 1
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "canvass",
		Short:         "A terminal console for survey interviewers",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          func(_ *cobra.Command, _ []string) error { return a.console(a.db, false) },
	}
	root.Version = buildVersion()
	root.SetVersionTemplate("canvass {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError("%v", err)
	})
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		// One line per command, each built by a method of app in this package.
		a.evalCmd(),
		a.ratesCmd(),
		a.surveyCmd(),
		a.optoutCmd(),
		a.contactsCmd(),
		a.queueCmd(),
		a.reportCmd(),
		a.quotasCmd(),
		a.dashboardCmd(),
		a.doctorCmd(),
		a.compactCmd(),
		a.demoCmd(),
		a.exportCmd(),
		a.reviewCmd(),
		a.serveCmd(),
		a.usersCmd(),
		// Field laptops (issue 14): field.go.
		a.devicesCmd(),
		a.assignCmd(),
		a.unassignCmd(),
		a.bundleCmd(),
	)
	a.storeFlags(root)
	return root
}

// noStore marks a command that opens no store: it accepts --db and --key,
// for scripts that pass them to every command, but its help does not list
// them.
var noStore = map[string]string{"store": "none"}

// storeFlags gives every runnable command its own --db and --key, rather
// than inheriting them from the root, so that the help of a command that
// opens no store (eval, rates, survey check, survey test) does not offer
// them. A command with its own --key (a device's or an account's public
// key) keeps it.
func (a *app) storeFlags(c *cobra.Command) {
	if c.Runnable() {
		fs := c.Flags()
		hide := c.Annotations["store"] == "none"
		if fs.Lookup("db") == nil {
			fs.StringVar(&a.db, "db", store.DefaultPath(), "the store file (also CANVASS_DB)")
			if hide {
				fs.MarkHidden("db")
			}
		}
		if fs.Lookup("key") == nil {
			fs.StringVar(&a.key, "key", os.Getenv("CANVASS_KEY"), "the store's key file (also CANVASS_KEY; default: by key id under ~/.config/canvass/keys)")
			if hide {
				fs.MarkHidden("key")
			}
		}
	}
	for _, sub := range c.Commands() {
		a.storeFlags(sub)
	}
}

// someArgs wants at least one argument; msg says which, for a usage
// error without.
func someArgs(msg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == 0 {
			return usageError("%s", msg)
		}
		return nil
	}
}

// exactArgs wants n arguments, named in the usage message.
func exactArgs(cmd string, n int, names string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError("%s: want %s", cmd, names)
		}
		return nil
	}
}

// actor names who runs a command, for the event log.
func actor() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "canvass"
}
