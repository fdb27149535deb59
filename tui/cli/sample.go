package cli

import (
	"canvass/store"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// The sample and the opt-out list: optout, contacts, queue.

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
