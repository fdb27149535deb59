package cli

import (
	"canvass/model/calling"
	"canvass/store"
	"math/big"
	"os"

	"github.com/spf13/cobra"
)

// The figures and the store's upkeep: report, quotas, rates, export,
// doctor, compact.

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
