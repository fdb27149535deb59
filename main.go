// Command canvass is a terminal console for survey interviewers: it runs
// questionnaires with consenting people, saves every answer to a local bbolt
// store before the next question appears, and never presents a person who
// asked not to be contacted.
//
// This file is wiring only: it parses the command line and hands off to the
// packages model, surveys, store and tui, which hold the logic.
package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // calling windows need zones on machines without /usr/share/zoneinfo

	"canvass/model"
	"canvass/model/calling"
	"canvass/store"
	"canvass/surveys"
	"canvass/tui"
	"canvass/tui/serve"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

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
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
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
		// One line per command, each built by a method of app in this file.
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
		// Field laptops (issue 14): the block at the end of this file.
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

// buildVersion is the module version the binary was built as, with the
// commit it was built from when the build recorded one: "v1.2.0", or
// "(devel) revision 3f2a9c1d0e4b, modified" for a build from a checkout.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	return versionOf(bi)
}

// versionOf is buildVersion for the build information bi.
func versionOf(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	modified := false
	for _, st := range bi.Settings {
		switch st.Key {
		case "vcs.revision":
			rev = st.Value
		case "vcs.time":
			when = st.Value
		case "vcs.modified":
			modified = st.Value == "true"
		}
	}
	if rev == "" || strings.Contains(v, rev[:min(12, len(rev))]) && !modified {
		return v
	}
	v += " revision " + rev[:min(12, len(rev))]
	if when != "" {
		v += " of " + when
	}
	if modified {
		v += ", modified"
	}
	return v
}

// evalCmd is `canvass eval EXPR...`: each expression's XPath string value on a
// line of its own, or "error: ..." (exit 1).
func (a *app) evalCmd() *cobra.Command {
	var sets []string
	var at, surveyFile, lang string
	cmd := &cobra.Command{
		Use:         "eval [--set name=value]... [--now TIME] [--] EXPR...",
		Short:       "Evaluate ODK XPath expressions",
		Annotations: noStore,
		Args:        someArgs("eval: give at least one expression"),
		RunE: func(_ *cobra.Command, args []string) error {
			o := surveys.EvalOptions{Sets: sets, Now: time.Now(), Survey: surveyFile, Lang: lang}
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return usageError("eval: --now %q: want an RFC 3339 time such as 2026-03-01T09:30:00+01:00", at)
				}
				o.Now = t
			}
			ok, err := surveys.Eval(a.stdout, args, o)
			if err != nil {
				return err
			}
			return exitUnless(ok)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError("%v (put -- before expressions that start with -)", err)
	})
	cmd.Flags().StringArrayVar(&sets, "set", nil, "set ${name} to value (repeatable)")
	cmd.Flags().StringVar(&at, "now", "", "the clock for today() and now(), RFC 3339 (default: the real time)")
	cmd.Flags().StringVar(&surveyFile, "survey", "", "a questionnaire file: its items are the names, its choice lists the instances")
	cmd.Flags().StringVar(&lang, "lang", "", "the language of choice labels with --survey (default: the survey's)")
	return cmd
}

// ratesCmd is `canvass rates FILE|-`: the AAPOR outcome rates of a code,count
// CSV of final dispositions.
func (a *app) ratesCmd() *cobra.Command {
	var eFlag, format, by string
	cmd := &cobra.Command{
		Use:         "rates FILE|- [--e X] [--format text|json] [--by replicate]",
		Short:       "AAPOR response, cooperation, refusal and contact rates from a code,count CSV",
		Annotations: noStore,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("rates: give one file of code,count rows (- for standard input)")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError("rates: --format must be text or json, not %q", format)
			}
			var e *big.Rat
			if eFlag != "" {
				var err error
				if e, err = calling.ParseE(eFlag); err != nil {
					return usageError("rates: --e: %v", err)
				}
			}
			in, name := a.stdin, "standard input"
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in, name = f, args[0]
			}
			if by != "" && by != "replicate" {
				return usageError("rates: --by must be replicate, not %q", by)
			}
			return calling.WriteRates(a.stdout, in, name, by, e, format)
		},
	}
	cmd.Flags().StringVar(&eFlag, "e", "", "share of unknown-eligibility cases taken as eligible (default: estimated)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().StringVar(&by, "by", "", "replicate: read replicate,code,count rows and give the rates of each replicate and of all")
	return cmd
}

// surveyCmd is `canvass survey`: the commands on questionnaire files.
// Further subcommands (add, list) go in its AddCommand list.
func (a *app) surveyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "survey",
		Short: "Check, test and install questionnaires",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(
		a.surveyCheckCmd(),
		a.surveyTestCmd(),
		a.surveyAddCmd(),
		a.surveyListCmd(),
	)
	return cmd
}

// surveyCheckCmd is `canvass survey check FILE...`: every problem of each
// YAML or XLSForm file as FILE:LINE: message; exit 1 if any is an error.
func (a *app) surveyCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:         "check FILE...",
		Short:       "Validate YAML or XLSForm questionnaire files",
		Annotations: noStore,
		Args:        someArgs("survey check: give at least one questionnaire file"),
		RunE: func(_ *cobra.Command, args []string) error {
			return exitUnless(surveys.Check(a.stdout, args))
		},
	}
}

// withStore opens the store at --db, runs fn with it and closes it.
func (a *app) withStore(fn func(*store.Store) error) error {
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// inSurvey is withExistingStore for a command on one installed survey:
// an id that is not installed is an error naming it, before fn runs.
func (a *app) inSurvey(survey string, fn func(*store.Store) error) error {
	return a.withExistingStore(func(st *store.Store) error {
		if err := st.CheckSurvey(survey); err != nil {
			return err
		}
		return fn(st)
	})
}

// withExistingStore is withStore for the commands that read, or need what
// the store already holds: a path with no store is an error (exit 1, 2
// for optout check), never a new empty store that answers "not on the
// list".
func (a *app) withExistingStore(fn func(*store.Store) error) error {
	o := a.storeOptions()
	o.MustExist = true
	return a.withOptions(o, fn)
}

// withOptions opens the --db store with o, runs fn with it and closes it.
func (a *app) withOptions(o store.Options, fn func(*store.Store) error) error {
	st, err := a.openWith(a.db, o)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// openExisting opens the --db store, which must exist.
func (a *app) openExisting() (*store.Store, error) {
	o := a.storeOptions()
	o.MustExist = true
	return a.openWith(a.db, o)
}

// openStore opens the --db store, making its directory if need be.
func (a *app) openStore() (*store.Store, error) {
	if err := os.MkdirAll(filepath.Dir(a.db), 0o700); err != nil {
		return nil, fmt.Errorf("make the store's directory: %w", err)
	}
	return a.open(a.db)
}

// storeOptions are how canvass opens every store: a store it creates is
// encrypted, with its key file at --key or the default place, or wrapped
// with CANVASS_PASSPHRASE when that is set (never a flag: ps shows flags).
func (a *app) storeOptions() store.Options {
	return store.Options{Encrypt: true, KeyFile: a.key, Passphrase: os.Getenv("CANVASS_PASSPHRASE")}
}

// open opens the store at path with its key.
func (a *app) open(path string) (*store.Store, error) { return a.openWith(path, a.storeOptions()) }

func (a *app) openWith(path string, o store.Options) (*store.Store, error) {
	st, err := store.Open(path, o)
	if errors.Is(err, store.ErrNoStore) {
		return nil, fmt.Errorf("%w; give the store with --db PATH or CANVASS_DB", err)
	}
	if errors.Is(err, store.ErrKeyMissing) || errors.Is(err, store.ErrWrongKey) {
		return nil, fmt.Errorf("%w; give the store's key file with --key PATH or CANVASS_KEY, or its passphrase in CANVASS_PASSPHRASE", err)
	}
	if err == nil && st.Tightened() != 0 {
		fmt.Fprintf(a.stderr, "canvass: note: others could read the store %s (mode %04o); it is now private (0600)\n", path, st.Tightened())
	}
	return st, err
}

// console runs the interviewer console on the store at path; demo skips
// the calling windows so that the demo works at any hour.
func (a *app) console(path string, demo bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("make the store's directory: %w", err)
	}
	return tui.RunOnStore(func() (*store.Store, error) { return a.open(path) }, a.study(demo), demo, tui.Console{})
}

// study loads the built-in demo study into a store; demo skips the
// calling windows.
func (a *app) study(demo bool) func(*store.Store) error {
	return func(st *store.Store) error {
		d, err := surveys.Demo()
		if err != nil {
			return err
		}
		return st.LoadStudy(store.Study{Surveys: d.Surveys, Sample: d.Sample, SampleSurvey: d.SampleSurvey,
			OptOuts: d.OptOuts, Source: "demo", AnyHour: demo}, "US", actor())
	}
}

// reviewCmd is `canvass review`: the supervisor console, where
// interviews are approved, sent back with comments, or flagged.
func (a *app) reviewCmd() *cobra.Command {
	var survey string
	cmd := &cobra.Command{
		Use:   "review [--survey ID]",
		Short: "Review interviews as a supervisor: approve, send back with comments, flag",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return a.withExistingStore(func(st *store.Store) error {
				if survey != "" {
					if err := st.CheckSurvey(survey); err != nil {
						return err
					}
				}
				return tui.RunReview(st, tui.ReviewConfig{Survey: survey})
			})
		},
	}
	cmd.Flags().StringVar(&survey, "survey", "", "list only this survey's interviews")
	return cmd
}

// demoCmd is `canvass demo`: the console on a fresh throwaway store with
// the built-in demo study, removed on exit unless kept (--keep, or an
// explicit --db, which is kept and reused).
func (a *app) demoCmd() *cobra.Command {
	var keep bool
	cmd := &cobra.Command{
		Use:   "demo [--keep]",
		Short: "Try the console on a throwaway store with the built-in demo study",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if c.Flags().Changed("db") || os.Getenv("CANVASS_DB") != "" {
				return a.console(a.db, true)
			}
			return tui.Demo{Open: a.open, Study: a.study(true), Keep: keep, Notes: a.stderr, OwnKey: a.key != ""}.Run()
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the demo store and print where it is")
	return cmd
}

// actor names who runs a command, for the event log.
func actor() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "canvass"
}

// optoutCmd is `canvass optout add|import|check|list|remove`: the global
// opt-out list.
func (a *app) optoutCmd() *cobra.Command {
	var region string
	cmd := &cobra.Command{
		Use:   "optout",
		Short: "Keep the opt-out list: people never to be presented again",
		Args:  cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&region, "region", "US", "country assumed for phone numbers without a country code")
	var reason string
	add := &cobra.Command{
		Use:   "add VALUE",
		Short: "Put a phone number or email on the list",
		Args:  exactArgs("optout add", 1, "VALUE"),
		RunE: func(_ *cobra.Command, args []string) error {
			return a.withStore(func(st *store.Store) error {
				norm, added, err := st.AddOptOut(args[0], region, reason, actor())
				if err != nil {
					return err
				}
				return store.WriteOptOutAdded(a.stdout, norm, added)
			})
		},
	}
	add.Flags().StringVar(&reason, "reason", "", "why (recorded with the entry)")
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Add every value of a file: one per line, CSV with phone/email columns, do-not-call area,number, or sha256:HEX",
		Args:  exactArgs("optout import", 1, "FILE"),
		RunE: func(_ *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			return a.withStore(func(st *store.Store) error {
				res, err := st.ImportOptOuts(f, args[0], region, actor())
				if err != nil {
					return err
				}
				store.WriteOptOutImport(a.stdout, a.stderr, args[0], res)
				return exitUnless(res.RejectedCount == 0)
			})
		},
	}
	check := &cobra.Command{
		Use:   "check VALUE",
		Short: "Exit 0 if VALUE is on the list, 1 if not, 2 on error",
		Args:  exactArgs("optout check", 1, "VALUE"),
		RunE: func(_ *cobra.Command, args []string) error {
			if _, _, err := store.OptOutValue(args[0], region); err != nil {
				return usageError("optout check: %v", err)
			}
			st, err := a.openExisting()
			if err != nil {
				return &exitError{code: 2, msg: err.Error()}
			}
			defer st.Close()
			on, norm, err := st.OptedOut(args[0], region)
			if err != nil {
				return &exitError{code: 2, msg: err.Error()}
			}
			store.WriteOptOutCheck(a.stdout, norm, on)
			return exitUnless(on)
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the entries: key, when added, by whom, value or source, reason",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return a.withExistingStore(func(st *store.Store) error { return st.WriteOptOuts(a.stdout) })
		},
	}
	var why string
	remove := &cobra.Command{
		Use:   "remove VALUE --reason R",
		Short: "Take a value off the list (audited; a reason is required)",
		Args:  exactArgs("optout remove", 1, "VALUE"),
		RunE: func(_ *cobra.Command, args []string) error {
			if strings.TrimSpace(why) == "" {
				return usageError("optout remove: --reason is required")
			}
			return a.withExistingStore(func(st *store.Store) error {
				norm, err := st.RemoveOptOut(args[0], region, why, actor())
				if err != nil {
					return err
				}
				return store.WriteOptOutRemoved(a.stdout, norm)
			})
		},
	}
	remove.Flags().StringVar(&why, "reason", "", "why it is removed (required, recorded)")
	cmd.AddCommand(add, imp, check, list, remove)
	return cmd
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

// contactsCmd is `canvass contacts import`: load a survey's sample.
func (a *app) contactsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contacts",
		Short: "Load and inspect a survey's sample",
		Args:  cobra.NoArgs,
	}
	var o store.ImportOptions
	imp := &cobra.Command{
		Use:   "import --survey ID --source client|panel [--replicates N] FILE.csv",
		Short: "Import contacts from a CSV file with a header row (id plus phone and/or email)",
		Args:  exactArgs("contacts import", 1, "FILE.csv"),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			return a.inSurvey(o.Survey, func(st *store.Store) error {
				o.File, o.Actor = args[0], actor()
				res, err := st.ImportContacts(f, o)
				if err != nil {
					return err
				}
				store.WriteContactImport(a.stdout, args[0], res, o.DryRun)
				if res.RejectedCount > 0 {
					// The good rows are in; the exit code tells a script that
					// some were not, so that a bad row is never missed.
					return silentExit(1)
				}
				return nil
			})
		},
	}
	imp.Flags().StringVar(&o.Survey, "survey", "", "the survey the sample is for (required)")
	imp.Flags().StringVar(&o.Source, "source", "", "where the contacts come from: client or panel (required)")
	imp.Flags().StringVar(&o.Region, "region", "US", "country assumed for phone numbers without a country code")
	imp.Flags().BoolVar(&o.DryRun, "dry-run", false, "check and count without importing")
	imp.Flags().IntVar(&o.Replicates, "replicates", 0, "split the sample into N replicates, drawn only once released (contacts release); without it every contact is released at once")
	var relSurvey string
	var relRep int
	release := &cobra.Command{
		Use:   "release --survey ID --replicate K",
		Short: "Release one replicate of a survey's sample: its contacts are drawn from now on",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if relSurvey == "" || relRep <= 0 {
				return usageError("contacts release: --survey and --replicate (a number from 1) are required")
			}
			return a.inSurvey(relSurvey, func(st *store.Store) error {
				rel, err := st.ReleaseReplicate(relSurvey, relRep, actor())
				if err != nil {
					return err
				}
				return store.WriteRelease(a.stdout, rel)
			})
		},
	}
	release.Flags().StringVar(&relSurvey, "survey", "", "the survey (required)")
	release.Flags().IntVar(&relRep, "replicate", 0, "the replicate to release (required)")
	list := &cobra.Command{
		Use:   "imports",
		Short: "List the contact imports with their ids, status and counts",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return a.withExistingStore(func(st *store.Store) error {
				recs, err := st.Imports()
				if err != nil {
					return err
				}
				return store.WriteImports(a.stdout, recs)
			})
		},
	}
	abandon := &cobra.Command{
		Use:   "abandon IMPORT",
		Short: "Give up an interrupted import (its id is in `contacts imports`), removing what it wrote",
		Args:  exactArgs("contacts abandon", 1, "IMPORT"),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := store.ParseImportID(args[0])
			if err != nil {
				return err
			}
			return a.withExistingStore(func(st *store.Store) error {
				if err := st.AbandonImport(id, actor()); err != nil {
					return err
				}
				return store.WriteAbandoned(a.stdout, id)
			})
		},
	}
	cmd.AddCommand(imp, list, abandon, release)
	return cmd
}

// surveyTestCmd is `canvass survey test SURVEY CASES` and `survey test
// SURVEY --auto N [--seed S]`: scripted or random interviews through the
// engine; exit 1 if an expectation fails or a form error is met.
func (a *app) surveyTestCmd() *cobra.Command {
	var o surveys.TestOptions
	cmd := &cobra.Command{
		Use:         "test SURVEY [CASES.yaml] [--auto N [--seed S] [--contact FIELD=VALUE]... [--contacts FILE.csv] [--last-saved NAME=VALUE]...]",
		Short:       "Run scripted or random interviews through a questionnaire",
		Annotations: noStore,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.AutoSet, o.SeedSet = cmd.Flags().Changed("auto"), cmd.Flags().Changed("seed")
			ok, err := surveys.RunTest(a.stdout, args, o)
			if err != nil {
				return err
			}
			return exitUnless(ok)
		},
	}
	cmd.Flags().IntVar(&o.Auto, "auto", 0, "run N interviews with random valid answers")
	cmd.Flags().Uint64Var(&o.Seed, "seed", 1, "the seed of the random answers (with --auto)")
	cmd.Flags().StringArrayVar(&o.ContactFields, "contact", nil, "a field of the contact interviewed, as a sample column: id=C1, name=Ana, plan=gold (repeatable; with --auto)")
	cmd.Flags().StringVar(&o.ContactsFile, "contacts", "", "a sample CSV: the interviews take its contacts in turn (with --auto)")
	cmd.Flags().StringArrayVar(&o.LastSaved, "last-saved", nil, "NAME=VALUE: what ${last-saved#NAME} gives (repeatable; with --auto)")
	return cmd
}

// queueCmd is `canvass queue --survey ID [--at TIME] [--format text|csv|json]`:
// the contacts that would be presented, in order.
func (a *app) queueCmd() *cobra.Command {
	var survey, at, format string
	cmd := &cobra.Command{
		Use:   "queue --survey ID [--at TIME] [--format text|csv|json]",
		Short: "List the contacts that would be presented, in order, with why each is due",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			o, q, err := store.NewQueueRun(a.stdout, survey, at, format)
			if err != nil {
				return err
			}
			// Nothing is written for a store or survey that is not
			// there: not even the CSV header.
			if err := a.inSurvey(survey, func(st *store.Store) error {
				return st.Queue(survey, o, q.Write) // by the survey's own calling rules
			}); err != nil {
				return err
			}
			return q.Flush()
		},
	}
	cmd.Flags().StringVar(&survey, "survey", "", "the survey (required)")
	cmd.Flags().StringVar(&at, "at", "", "the moment to list for (RFC 3339; default now)")
	cmd.Flags().StringVar(&format, "format", "text", "text, csv or json (one object per line)")
	return cmd
}

// reportCmd is `canvass report --survey ID [--format text|json] [--at TIME]
// [--zone ZONE]`: progress, dispositions, AAPOR rates, productivity.
func (a *app) reportCmd() *cobra.Command {
	var f store.ReportFlags
	cmd := &cobra.Command{
		Use:   "report --survey ID [--format text|json] [--at TIME] [--zone ZONE] [--by replicate]",
		Short: "Progress, dispositions, AAPOR rates and interviewer productivity of a survey",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			o, err := f.Options()
			if err != nil {
				return err
			}
			return a.inSurvey(f.Survey, func(st *store.Store) error {
				r, err := st.Report(f.Survey, o)
				if err != nil {
					return err
				}
				return store.WriteReport(a.stdout, r, f.Format)
			})
		},
	}
	cmd.Flags().StringVar(&f.Survey, "survey", "", "the survey (required)")
	cmd.Flags().StringVar(&f.At, "at", "", "the moment of the report, for appointments due (RFC 3339; default now)")
	cmd.Flags().StringVar(&f.Format, "format", "text", "text or json")
	cmd.Flags().StringVar(&f.Zone, "zone", "", store.ZoneHelp)
	cmd.Flags().StringVar(&f.By, "by", "", "replicate: the dispositions and rates of each replicate as well")
	return cmd
}

// quotasCmd is `canvass quotas --survey ID [--format text|json]`: each
// quota cell's target, completes, interviews in progress, what remains,
// the calls spent on it and its burn rate.
func (a *app) quotasCmd() *cobra.Command {
	var survey, format string
	cmd := &cobra.Command{
		Use:   "quotas --survey ID [--format text|json]",
		Short: "Quota cells of a survey: target, completes, in progress, remaining, calls and burn rate",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if err := store.CheckQuotasFlags(survey, format); err != nil {
				return err
			}
			return a.inSurvey(survey, func(st *store.Store) error {
				r, err := st.Quotas(survey)
				if err != nil {
					return err
				}
				return store.WriteQuotas(a.stdout, r, format)
			})
		},
	}
	cmd.Flags().StringVar(&survey, "survey", "", "the survey (required)")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

// reportOptions checks the flags report and dashboard share.
func reportOptions(cmd, survey, at, zone string) (store.ReportOptions, error) {
	return store.ReportFlagOptions(cmd, survey, at, zone)
}

// dashboardCmd is `canvass dashboard --survey ID`: the supervisor's
// progress screen, with charts, refreshed on a key.
func (a *app) dashboardCmd() *cobra.Command {
	var survey, zone string
	cmd := &cobra.Command{
		Use:   "dashboard --survey ID [--zone ZONE]",
		Short: "The supervisor dashboard: a survey's progress, rates and productivity, with charts",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			o, err := reportOptions("dashboard", survey, "", zone)
			if err != nil {
				return err
			}
			return a.inSurvey(survey, func(st *store.Store) error {
				return tui.RunDashboard(st, survey, o)
			})
		},
	}
	cmd.Flags().StringVar(&survey, "survey", "", "the survey (required)")
	cmd.Flags().StringVar(&zone, "zone", "", store.ZoneHelp)
	return cmd
}

// surveyAddCmd is `canvass survey add FILE`: install a questionnaire; a
// changed file becomes a new revision, the same file again changes nothing.
func (a *app) surveyAddCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "add FILE",
		Short: "Install a questionnaire (a changed file becomes a new revision)",
		Args:  exactArgs("survey add", 1, "FILE"),
		RunE: func(_ *cobra.Command, args []string) error {
			sv, raw, err := surveys.Installable(a.stderr, args[0])
			if err != nil {
				return err
			}
			return a.withStore(func(st *store.Store) error {
				rev, added, err := st.AddSurvey(sv, raw, actor())
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, store.SurveyAdded(sv.ID, sv.Version, rev, added))
				return nil
			})
		},
	}
}

// surveyListCmd is `canvass survey list`: the installed questionnaires.
func (a *app) surveyListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the installed questionnaires",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return a.withExistingStore(func(st *store.Store) error {
				list, err := st.Surveys()
				if err != nil {
					return err
				}
				return store.WriteSurveys(a.stdout, list)
			})
		},
	}
}

// doctorCmd is `canvass doctor`: check the store; exit 1 with what is wrong.
func (a *app) doctorCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the store: file consistency, the event log's hash chain, projections against the log",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			o := a.storeOptions()
			o.MustExist, o.AllowAltered = true, true // doctor reports an altered store
			return a.withOptions(o, func(st *store.Store) error {
				n, err := st.WriteDoctor(a.stdout, a.stderr)
				if err != nil {
					return err
				}
				return exitUnless(n == 0)
			})
		},
	}
}

// compactCmd is `canvass compact`: rewrite the store without free pages.
func (a *app) compactCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "compact",
		Short: "Rewrite the store file without its free pages",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			o := a.storeOptions()
			o.MustExist = true
			before, after, err := store.Compact(a.db, o)
			if err != nil {
				return err
			}
			return store.WriteCompacted(a.stdout, a.db, before, after)
		},
	}
}

// exportCmd is `canvass export`: a survey's interviews as CSV (with SPSS and
// Stata syntax and a codebook), JSONL or paradata, or frequency tables.
func (a *app) exportCmd() *cobra.Command {
	var o store.ExportOptions
	cmd := &cobra.Command{
		Use:   "export --survey ID --format csv|jsonl|paradata --out PATH [--include-pii] [--aggregate]",
		Short: "Export a survey's data for analysis (personal data only where authorised)",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if o.Actor = os.Getenv("USER"); o.Actor == "" {
				o.Actor = "unknown"
			}
			o.Progress = store.TerminalProgress(a.stderr)
			return a.inSurvey(o.Survey, func(st *store.Store) error {
				res, err := st.Export(o)
				if err != nil {
					return err
				}
				return store.WriteExport(a.stdout, o.Survey, res)
			})
		},
	}
	cmd.Flags().StringVar(&o.Survey, "survey", "", "the survey to export (required)")
	cmd.Flags().StringVar(&o.Format, "format", "csv", "csv, jsonl or paradata")
	cmd.Flags().StringVar(&o.Out, "out", "", "the file to write; csv writes its repeat, .sps, .do and codebook files beside it; a name for another format than the one written (paradata to .jsonl) is refused (required)")
	cmd.Flags().BoolVar(&o.IncludePII, "include-pii", false, "include personal data (only where the survey allows onward transfer; logged)")
	cmd.Flags().BoolVar(&o.Aggregate, "aggregate", false, "write frequency tables of the closed questions, small cells suppressed")
	return cmd
}

// The call room: canvass serve and its accounts (package tui/serve).

// serveCmd is `canvass serve`: the consoles over SSH on one shared store.
func (a *app) serveCmd() *cobra.Command {
	var listen string
	var idle, grace time.Duration
	cmd := &cobra.Command{
		Use:   "serve [--listen ADDR] [--idle D] [--grace D]",
		Short: "The call room: every interviewer's and supervisor's console over SSH, on one store",
		Args:  exactArgs("serve", 0, ""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := a.storeOptions()
			opts.GroupCommit, opts.MustExist = true, true
			st, err := a.openWith(a.db, opts)
			if err != nil {
				return err
			}
			defer st.Close()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve.Run(ctx, serve.Config{Store: st, HostKey: st.Path() + ".hostkey", Idle: idle, Grace: grace,
				Log: log.New(a.stderr, "canvass serve: ", log.LstdFlags)}, listen, a.stdout)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", ":2222", "the address to listen on")
	cmd.Flags().DurationVar(&idle, "idle", 30*time.Minute, "end a session that has typed nothing for this long")
	cmd.Flags().DurationVar(&grace, "grace", 2*time.Minute, "how long a dropped session's interview waits for its interviewer before it is suspended")
	return cmd
}

// usersCmd is `canvass users`: the call room's accounts.
func (a *app) usersCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "The call room's accounts: who signs in over SSH, with which key and role"}
	var name, role, keyFile string
	add := &cobra.Command{
		Use:   "add ID --name NAME --role interviewer|supervisor --key FILE.pub",
		Short: "Add an account with its first public key",
		Args:  exactArgs("users add", 1, "ID"),
		RunE: func(_ *cobra.Command, args []string) error {
			if keyFile == "" {
				return usageError("users add: --key FILE.pub is required (the account's SSH public key)")
			}
			k, err := serve.ReadKey(keyFile)
			if err != nil {
				return err
			}
			return a.withExistingStore(func(st *store.Store) error { return serve.AddUser(a.stdout, st, args[0], name, role, k, actor()) })
		},
	}
	add.Flags().StringVar(&name, "name", "", "the person's name, shown in the consoles")
	add.Flags().StringVar(&role, "role", store.RoleInterviewer, "interviewer or supervisor")
	add.Flags().StringVar(&keyFile, "key", "", "the SSH public key file (FILE.pub)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the accounts",
		Args:  exactArgs("users list", 0, ""),
		RunE: func(_ *cobra.Command, _ []string) error {
			return a.withExistingStore(func(st *store.Store) error { return serve.ListUsers(a.stdout, st) })
		},
	}
	able := func(use string, disabled bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " ID",
			Short: map[bool]string{true: "Stop an account from signing in", false: "Let a disabled account sign in again"}[disabled],
			Args:  exactArgs("users "+use, 1, "ID"),
			RunE: func(_ *cobra.Command, args []string) error {
				return a.withExistingStore(func(st *store.Store) error { return serve.DisableUser(a.stdout, st, args[0], actor(), disabled) })
			},
		}
	}
	keys := &cobra.Command{Use: "key", Short: "Add or remove an account's public keys"}
	keyAdd := &cobra.Command{
		Use:   "add ID FILE.pub",
		Short: "Give an account one more public key",
		Args:  exactArgs("users key add", 2, "ID FILE.pub"),
		RunE: func(_ *cobra.Command, args []string) error {
			k, err := serve.ReadKey(args[1])
			if err != nil {
				return err
			}
			return a.withExistingStore(func(st *store.Store) error { return serve.AddUserKey(a.stdout, st, args[0], k, actor()) })
		},
	}
	keyRemove := &cobra.Command{
		Use:   "remove ID FINGERPRINT|FILE.pub",
		Short: "Take a public key off an account",
		Args:  exactArgs("users key remove", 2, "ID FINGERPRINT|FILE.pub"),
		RunE: func(_ *cobra.Command, args []string) error {
			fp, err := serve.KeyFingerprint(args[1])
			if err != nil {
				return err
			}
			return a.withExistingStore(func(st *store.Store) error { return serve.RemoveUserKey(a.stdout, st, args[0], fp, actor()) })
		},
	}
	keys.AddCommand(keyAdd, keyRemove)
	var team, langs string
	skills := &cobra.Command{
		Use:   "skills ID [--team NAME] [--languages en,es]",
		Short: "Set an account's team and the languages it interviews in, which decide the assigned contacts it is given",
		Args:  exactArgs("users skills", 1, "ID"),
		RunE: func(_ *cobra.Command, args []string) error {
			return a.withExistingStore(func(st *store.Store) error { return serve.SetUserSkills(a.stdout, st, args[0], team, langs, actor()) })
		},
	}
	skills.Flags().StringVar(&team, "team", "", "the account's team (empty: none)")
	skills.Flags().StringVar(&langs, "languages", "", "the languages it interviews in, comma-separated (empty: none)")
	cmd.AddCommand(add, list, able("disable", true), able("enable", false), keys, skills)
	return cmd
}

// Field laptops: devices, assignments and bundles (issue 14). The commands'
// work is in package store (devices.go, sync_assign.go, bundle_out.go,
// bundle_in.go) and their wording in store/sync_format.go.

// devicesCmd is `canvass devices [list]`, `devices identity` and `devices
// add`: this store's identity, and the laptops (or the hub) it syncs with.
func (a *app) devicesCmd() *cobra.Command {
	list := func(*cobra.Command, []string) error {
		return a.withExistingStore(func(st *store.Store) error {
			ds, err := st.DeviceStatuses()
			if err != nil {
				return err
			}
			return store.WriteDevices(a.stdout, ds)
		})
	}
	cmd := &cobra.Command{
		Use:   "devices [list|identity|add]",
		Short: "Field laptops and their hub: this store's identity, registered devices, where sync stands",
		Args:  cobra.NoArgs,
		RunE:  list,
	}
	var out string
	identity := &cobra.Command{
		Use:   "identity [--out FILE]",
		Short: "Write this store's public identity, to register it on the hub (or on the laptop)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return a.withStore(func(st *store.Store) error { return st.WriteIdentity(a.stdout, out) })
		},
	}
	identity.Flags().StringVar(&out, "out", "", "the file to write (default: standard output)")
	var key string
	var hub bool
	add := &cobra.Command{
		Use:   "add NAME --key FILE [--hub]",
		Short: "Register a laptop (on the hub), or with --hub this laptop's hub, from its identity file",
		Args:  exactArgs("devices add", 1, "NAME"),
		RunE: func(_ *cobra.Command, args []string) error {
			if key == "" {
				return usageError("devices add: --key FILE is required (the device's canvass devices identity)")
			}
			p, err := store.ReadPublicIdentity(key)
			if err != nil {
				return err
			}
			role := store.RoleLaptop
			if hub {
				role = store.RoleHub
			}
			return a.withStore(func(st *store.Store) error {
				d, err := st.AddDevice(args[0], p, role, actor())
				if err != nil {
					return err
				}
				return store.WriteDeviceAdded(a.stdout, d, p)
			})
		},
	}
	add.Flags().StringVar(&key, "key", "", "the device's identity file (canvass devices identity --out FILE on it)")
	add.Flags().BoolVar(&hub, "hub", false, "register this store's hub (on a laptop)")
	cmd.AddCommand(identity, add, &cobra.Command{Use: "list", Short: "List the devices and where sync stands", Args: cobra.NoArgs, RunE: list})
	return cmd
}

// assignCmd is `canvass assign --survey ID --to DEVICE (--count N |
// --contacts FILE) [--force]`: hand contacts to a laptop, or to an
// interviewer, a team or the speakers of a language.
func (a *app) assignCmd() *cobra.Command {
	var r store.AssignRequest
	cmd := &cobra.Command{
		Use:   "assign --survey ID (--to DEVICE | --interviewer ID | --team NAME | --language L) (--count N | --contacts FILE) [--force]",
		Short: "Hand contacts to a laptop, or assign them to an interviewer, a team or the speakers of a language",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return a.assign(r) },
	}
	cmd.Flags().StringVar(&r.Survey, "survey", "", "the survey (required)")
	cmd.Flags().StringVar(&r.Device, "to", "", "the laptop's name (required)")
	cmd.Flags().IntVar(&r.Count, "count", 0, "how many queued contacts, in queue order")
	cmd.Flags().StringVar(&r.ContactsFile, "contacts", "", "a file of sample ids, one per line or a CSV id column")
	cmd.Flags().BoolVar(&r.Force, "force", false, "move contacts another laptop holds at once (recorded)")
	cmd.Flags().StringVar(&r.Interviewer, "interviewer", "", "assign to this interviewer (account id): only they are given the contacts")
	cmd.Flags().StringVar(&r.Team, "team", "", "assign to this team (canvass users skills ID --team NAME)")
	cmd.Flags().StringVar(&r.Language, "language", "", "assign by skill: the contacts of this language (all of them without --count or --contacts), to the interviewers who speak it")
	return cmd
}

// assign is assign and unassign: the flags are checked and the contacts
// file read before the store is opened.
func (a *app) assign(r store.AssignRequest) error {
	if err := r.Validate(); err != nil {
		return err
	}
	ids, err := r.ReadContacts()
	if err != nil {
		return err
	}
	r.Actor = actor()
	return a.withExistingStore(func(st *store.Store) error { return st.RunAssignment(a.stdout, r, ids) })
}

// unassignCmd is `canvass unassign --survey ID --from DEVICE (--count N |
// --contacts FILE | --all) [--force]`: take contacts back from a laptop,
// or from an interviewer, a team or a language.
func (a *app) unassignCmd() *cobra.Command {
	r := store.AssignRequest{Unassign: true}
	cmd := &cobra.Command{
		Use:   "unassign --survey ID (--from DEVICE (--count N | --contacts FILE | --all) [--force] | (--interviewer ID | --team NAME | --language L) [--contacts FILE])",
		Short: "Take contacts back from a laptop, or from an interviewer, a team or a language: they are anyone's again",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return a.assign(r) },
	}
	cmd.Flags().StringVar(&r.Survey, "survey", "", "the survey (required)")
	cmd.Flags().StringVar(&r.Device, "from", "", "the laptop's name (required)")
	cmd.Flags().IntVar(&r.Count, "count", 0, "how many of its contacts")
	cmd.Flags().StringVar(&r.ContactsFile, "contacts", "", "a file of sample ids, one per line or a CSV id column")
	cmd.Flags().BoolVar(&r.All, "all", false, "all its contacts of the survey")
	cmd.Flags().BoolVar(&r.Force, "force", false, "free them at once rather than when the laptop gives them up (recorded)")
	cmd.Flags().StringVar(&r.Interviewer, "interviewer", "", "take back the contacts assigned to this interviewer (all, or those of --contacts)")
	cmd.Flags().StringVar(&r.Team, "team", "", "take back the contacts assigned to this team")
	cmd.Flags().StringVar(&r.Language, "language", "", "take back the contacts assigned by this language")
	return cmd
}

// bundleCmd is `canvass bundle out --to DEVICE --out FILE` and `bundle in
// FILE`: work both ways between a hub and its laptops. bundle in exits 0
// when the bundle is applied (or was already), 1 when it is refused, 3
// when it is held for an earlier bundle that has not arrived.
func (a *app) bundleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle out|in",
		Short: "Move work between a hub and its laptops as encrypted, signed files",
		Args:  cobra.NoArgs,
	}
	var o store.BundleOutOptions
	out := &cobra.Command{
		Use:   "out --to DEVICE --out FILE [--resend] [--message TEXT]",
		Short: "Write a bundle for a registered device: what is new since the last one (--resend: all it has not acknowledged)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			o.Actor = actor()
			return a.withExistingStore(func(st *store.Store) error {
				res, err := st.BundleOut(o)
				if err != nil {
					return err
				}
				return store.WriteBundleOut(a.stdout, res)
			})
		},
	}
	out.Flags().StringVar(&o.To, "to", "", "the device's name (required)")
	out.Flags().StringVar(&o.Out, "out", "", "the bundle file to write (required)")
	out.Flags().BoolVar(&o.Resend, "resend", false, "carry everything the device has not acknowledged, for a bundle that was lost")
	out.Flags().StringVar(&o.Message, "message", "", "a message to the laptop's interviewers (from a hub)")
	in := &cobra.Command{
		Use:   "in FILE",
		Short: "Check and apply a bundle (exit 0 applied, 1 refused, 3 held for an earlier one)",
		Args:  exactArgs("bundle in", 1, "FILE"),
		RunE: func(_ *cobra.Command, args []string) error {
			return a.withExistingStore(func(st *store.Store) error {
				res, err := st.BundleIn(args[0], actor())
				if res != nil {
					store.WriteBundleIn(a.stdout, res)
				}
				switch {
				case errors.Is(err, store.ErrBundleHeld):
					return silentExit(3)
				case err != nil:
					return err
				}
				return nil
			})
		},
	}
	cmd.AddCommand(out, in)
	return cmd
}
