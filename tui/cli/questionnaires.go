package cli

import (
	"canvass/model"
	"canvass/store"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
)

// The commands on questionnaire files: eval and survey check, test, add,
// list.

// Questionnaires is what the command line needs of questionnaire files
// (package surveys; main fills it in). Each function writes its report on
// w.
type Questionnaires struct {
	// Check writes every problem of each file as FILE:LINE: message;
	// false if any is an error.
	Check func(w io.Writer, paths []string) bool
	// Eval writes each expression's XPath string value on a line, or
	// "error: ..."; false if any failed.
	Eval func(w io.Writer, exprs []string, o model.EvalOptions) (ok bool, err error)
	// Test runs scripted or random interviews through the questionnaire
	// args[0]; false if an expectation failed or a form error was met.
	Test func(w io.Writer, args []string, o model.TestOptions) (ok bool, err error)
	// Installable loads a questionnaire to install, with the file's
	// bytes; warnings go to w, and a file with errors is refused.
	Installable func(w io.Writer, path string) (*model.Survey, []byte, error)
	// Demo is the built-in demo study.
	Demo func() (store.Study, error)
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
			o := model.EvalOptions{Sets: sets, Now: time.Now(), Survey: surveyFile, Lang: lang}
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return usageError("eval: --now %q: want an RFC 3339 time such as 2026-03-01T09:30:00+01:00", at)
				}
				o.Now = t
			}
			ok, err := a.q.Eval(a.stdout, args, o)
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
			return exitUnless(a.q.Check(a.stdout, args))
		},
	}
}

// surveyTestCmd is `canvass survey test SURVEY CASES` and `survey test
// SURVEY --auto N [--seed S]`: scripted or random interviews through the
// engine; exit 1 if an expectation fails or a form error is met.
func (a *app) surveyTestCmd() *cobra.Command {
	var o model.TestOptions
	cmd := &cobra.Command{
		Use:         "test SURVEY [CASES.yaml] [--auto N [--seed S] [--contact FIELD=VALUE]... [--contacts FILE.csv] [--last-saved NAME=VALUE]...]",
		Short:       "Run scripted or random interviews through a questionnaire",
		Annotations: noStore,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.AutoSet, o.SeedSet = cmd.Flags().Changed("auto"), cmd.Flags().Changed("seed")
			ok, err := a.q.Test(a.stdout, args, o)
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

// surveyAddCmd is `canvass survey add FILE`: install a questionnaire; a
// changed file becomes a new revision, the same file again changes nothing.
func (a *app) surveyAddCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "add FILE",
		Short: "Install a questionnaire (a changed file becomes a new revision)",
		Args:  exactArgs("survey add", 1, "FILE"),
		RunE: func(_ *cobra.Command, args []string) error {
			sv, raw, err := a.q.Installable(a.stderr, args[0])
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
