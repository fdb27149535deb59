package cli

import (
	"canvass/store"
	"canvass/tui"
	"canvass/tui/serve"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// The consoles (interviewer, review, dashboard, the demo) and the call
// room with its accounts (package tui/serve).

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
		d, err := a.q.Demo()
		if err != nil {
			return err
		}
		d.AnyHour = demo
		return st.LoadStudy(d, "US", actor())
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

// dashboardCmd is `canvass dashboard --survey ID`: the supervisor's
// progress screen, with charts, refreshed on a key.
func (a *app) dashboardCmd() *cobra.Command {
	var survey, zone string
	cmd := &cobra.Command{
		Use:   "dashboard --survey ID [--zone ZONE]",
		Short: "The supervisor dashboard: a survey's progress, rates and productivity, with charts",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			o, err := store.ReportFlagOptions("dashboard", survey, "", zone)
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
