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
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // calling windows need zones on machines without /usr/share/zoneinfo

	"canvass/model/calling"
	"canvass/model/xpath"
	"canvass/surveys"

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

// app holds what every command shares: the streams and the global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	db             string
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
	}
	root.PersistentFlags().StringVar(&a.db, "db", defaultDB(), "the store file (also CANVASS_DB)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError("%v", err)
	})
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		// One line per command, each built by a method of app in this file.
		a.evalCmd(),
		a.ratesCmd(),
		a.surveyCmd(),
	)
	return root
}

// defaultDB is CANVASS_DB, else canvass.db under the user's data directory.
func defaultDB() string {
	if p := os.Getenv("CANVASS_DB"); p != "" {
		return p
	}
	dir, err := os.UserConfigDir()
	if xdg := os.Getenv("XDG_DATA_HOME"); xdg != "" {
		dir, err = xdg, nil
	} else if home, herr := os.UserHomeDir(); herr == nil {
		dir, err = filepath.Join(home, ".local", "share"), nil
	}
	if err != nil {
		return "canvass.db"
	}
	return filepath.Join(dir, "canvass", "canvass.db")
}

// ratesCmd is `canvass rates FILE|-`: the AAPOR outcome rates of a code,count
// CSV of final dispositions.
func (a *app) ratesCmd() *cobra.Command {
	var eFlag, format string
	cmd := &cobra.Command{
		Use:   "rates FILE|- [--e X] [--format text|json]",
		Short: "AAPOR response, cooperation, refusal and contact rates from a code,count CSV",
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
			counts, err := calling.ReadCounts(in)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			rates, err := calling.ComputeRates(counts, e)
			if err != nil {
				return err
			}
			return calling.FormatRates(a.stdout, counts, rates, format)
		},
	}
	cmd.Flags().StringVar(&eFlag, "e", "", "share of unknown-eligibility cases taken as eligible (default: estimated)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// evalCmd is `canvass eval EXPR...`: each expression's XPath string value on a
// line of its own, or "error: ..." (exit 1).
func (a *app) evalCmd() *cobra.Command {
	var sets []string
	var at string
	cmd := &cobra.Command{
		Use:   "eval [--set name=value]... [--now TIME] [--] EXPR...",
		Short: "Evaluate ODK XPath expressions",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("eval: give at least one expression")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			env := &xpath.MapEnv{Vars: map[string]string{}, Time: time.Now()}
			for _, s := range sets {
				name, value, ok := strings.Cut(s, "=")
				if !ok || name == "" {
					return usageError("eval: --set %q: want name=value", s)
				}
				env.Vars[name] = value
			}
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return usageError("eval: --now %q: want an RFC 3339 time such as 2026-03-01T09:30:00+01:00", at)
				}
				env.Time = t
			}
			env.Rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
			ok, err := xpath.EvalAll(a.stdout, args, env)
			if err != nil {
				return err
			}
			if !ok {
				return silentExit(1)
			}
			return nil
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError("%v (put -- before expressions that start with -)", err)
	})
	cmd.Flags().StringArrayVar(&sets, "set", nil, "set ${name} to value (repeatable)")
	cmd.Flags().StringVar(&at, "now", "", "the clock for today() and now(), RFC 3339 (default: the real time)")
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
	)
	return cmd
}

// surveyCheckCmd is `canvass survey check FILE...`: every problem of each
// YAML or XLSForm file as FILE:LINE: message; exit 1 if any is an error.
func (a *app) surveyCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE...",
		Short: "Validate YAML or XLSForm questionnaire files",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("survey check: give at least one questionnaire file")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if !surveys.Check(a.stdout, args) {
				return silentExit(1)
			}
			return nil
		},
	}
}

// surveyTestCmd is `canvass survey test SURVEY CASES` and `survey test
// SURVEY --auto N [--seed S]`: scripted or random interviews through the
// engine; exit 1 if an expectation fails or a form error is met.
func (a *app) surveyTestCmd() *cobra.Command {
	var auto int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "test SURVEY [CASES.yaml] [--auto N [--seed S]]",
		Short: "Run scripted or random interviews through a questionnaire",
		RunE: func(cmd *cobra.Command, args []string) error {
			autoSet := cmd.Flags().Changed("auto")
			switch {
			case autoSet && len(args) != 1:
				return usageError("survey test: with --auto give only the survey file")
			case !autoSet && len(args) != 2:
				return usageError("survey test: give the survey file and a cases file, or --auto N")
			case autoSet && auto < 1:
				return usageError("survey test: --auto needs a number of interviews of at least 1")
			case cmd.Flags().Changed("seed") && !autoSet:
				return usageError("survey test: --seed goes with --auto")
			}
			var ok bool
			var err error
			if autoSet {
				ok, err = surveys.RunAuto(a.stdout, args[0], auto, seed)
			} else {
				ok, err = surveys.RunCases(a.stdout, args[0], args[1])
			}
			if err != nil {
				return err
			}
			if !ok {
				return silentExit(1)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&auto, "auto", 0, "run N interviews with random valid answers")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "the seed of the random answers (with --auto)")
	return cmd
}
