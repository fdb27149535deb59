package store

import (
	"io"
	"strconv"

	"canvass/model"
)

// This file holds the checks of the options the commands build from their
// flags: which flags go together, which are required, which values a flag
// can take. A flag the store cannot take is a [*model.UsageError] (canvass
// exits 2 on it), found before any file or store is opened.

// Validate reports what is wrong with the flags of `canvass contacts
// import` that o holds.
func (o ImportOptions) Validate() error {
	switch {
	case o.Survey == "":
		return model.Usagef("contacts import: --survey is required")
	case o.Source != "client" && o.Source != "panel":
		return model.Usagef("contacts import: --source must be client or panel")
	}
	return nil
}

// ParseImportID reads the IMPORT of `canvass contacts abandon IMPORT`.
func ParseImportID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, model.Usagef("contacts abandon: %q is not an import id (a number from `canvass contacts imports`)", s)
	}
	return id, nil
}

// Validate reports what is wrong with the flags of `canvass export` that o
// holds: personal data is never aggregated, and a file is not named for
// another format than the one written.
func (o ExportOptions) Validate() error {
	switch {
	case o.Survey == "":
		return model.Usagef("export: --survey is required")
	case o.Out == "":
		return model.Usagef("export: --out is required")
	case o.Format != ExportCSV && o.Format != ExportJSONL && o.Format != ExportParadata:
		return model.Usagef("export: --format must be csv, jsonl or paradata")
	case o.Aggregate && o.IncludePII:
		return model.Usagef("export: --aggregate never includes personal data; leave out --include-pii")
	case o.Aggregate && o.Format == ExportParadata:
		return model.Usagef("export: --aggregate works with --format csv or jsonl")
	}
	if err := o.OutNameProblem(); err != nil {
		return model.Usagef("export: %v", err)
	}
	return nil
}

// NewQueueRun checks the flags of `canvass queue` and gives the options of
// [Store.Queue] and the writer of its entries, which the caller flushes.
func NewQueueRun(w io.Writer, survey, at, format string) (QueueOptions, *QueueWriter, error) {
	var o QueueOptions
	if survey == "" {
		return o, nil, model.Usagef("queue: --survey is required")
	}
	if at != "" {
		t, err := ParseAt(at)
		if err != nil {
			return o, nil, model.Usagef("queue: %v", err)
		}
		o.At = t
	}
	q, err := NewQueueWriter(w, format)
	if err != nil {
		return o, nil, model.Usagef("queue: %v", err)
	}
	return o, q, nil
}

// ReportFlags are the flags of `canvass report`.
type ReportFlags struct {
	Survey, At, Zone string
	// Format is text or json; By is "" or replicate.
	Format, By string
}

// Options checks f and reads it into the options of [Store.Report].
func (f ReportFlags) Options() (ReportOptions, error) {
	o, err := ReportFlagOptions("report", f.Survey, f.At, f.Zone)
	if err != nil {
		return o, err
	}
	if f.Format != "text" && f.Format != "json" {
		return o, model.Usagef("report: --format must be text or json")
	}
	if f.By != "" && f.By != "replicate" {
		return o, model.Usagef("report: --by must be replicate, not %q", f.By)
	}
	o.By = f.By
	return o, nil
}

// ReportFlagOptions checks the flags `canvass report` and `canvass
// dashboard` (cmd) share, and reads them into the options of their report.
func ReportFlagOptions(cmd, survey, at, zone string) (ReportOptions, error) {
	if survey == "" {
		return ReportOptions{}, model.Usagef("%s: --survey is required", cmd)
	}
	o, err := ParseReportOptions(at, zone)
	if err != nil {
		return o, model.Usagef("%s: %v", cmd, err)
	}
	return o, nil
}

// CheckQuotasFlags reports what is wrong with the flags of `canvass
// quotas`.
func CheckQuotasFlags(survey, format string) error {
	switch {
	case survey == "":
		return model.Usagef("quotas: --survey is required")
	case format != "text" && format != "json":
		return model.Usagef("quotas: --format must be text or json")
	}
	return nil
}

// Validate reports what is wrong with the flags of `canvass bundle out`
// that o holds.
func (o BundleOutOptions) Validate() error {
	if o.To == "" || o.Out == "" {
		return model.Usagef("bundle out: --to and --out are required")
	}
	return nil
}
