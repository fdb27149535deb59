package store

import (
	"fmt"
	"io"
)

// This file is what `canvass contacts import`, `contacts imports`,
// `contacts abandon` and `contacts release` print.

// WriteContactImport is what `canvass contacts import` says of res, the
// import (or with dryRun the check) of file: the counts, then each
// rejected and duplicate row as FILE:LINE.
func WriteContactImport(w io.Writer, file string, res *ContactImport, dryRun bool) {
	verb := "imported"
	if dryRun {
		verb = "would import"
	}
	if res.Resumed {
		fmt.Fprintln(w, "an interrupted import of this file was removed and the file imported afresh")
	}
	fmt.Fprintf(w, "%s: %s %d, suppressed by opt-out %d, duplicate %d, rejected %d\n",
		plural(res.Rows, "row", "rows"), verb, res.Imported, res.Suppressed, res.Duplicate, res.RejectedCount)
	writeLineErrors(w, file, "rejected: ", res.Rejected)
	if res.RejectedCount > len(res.Rejected) {
		fmt.Fprintf(w, "%s: and %s more\n", file, plural(res.RejectedCount-len(res.Rejected), "rejected row", "rejected rows"))
	}
	writeLineErrors(w, file, "duplicate: ", res.Duplicates)
	if res.Duplicate > len(res.Duplicates) {
		fmt.Fprintf(w, "%s: and %d more duplicate rows\n", file, res.Duplicate-len(res.Duplicates))
	}
}

// writeLineErrors writes each of errs, lines of file, as FILE:LINE: what
// message.
func writeLineErrors(w io.Writer, file, what string, errs []LineError) {
	for _, e := range errs {
		fmt.Fprintf(w, "%s:%d: %s%s\n", file, e.Line, what, e.Msg)
	}
}

// WriteImports is `canvass contacts imports`: one line an import, with
// its id, survey, status, file and counts, tab-separated.
func WriteImports(w io.Writer, recs []ImportRecord) error {
	for _, r := range recs {
		if _, err := fmt.Fprintf(w, "%d\t%s\t%s\t%s\timported %d, suppressed %d, duplicate %d, rejected %d\n", r.ID, r.Survey,
			r.Status, r.File, r.Counts.Imported, r.Counts.Suppressed, r.Counts.Duplicate, r.Counts.RejectedCount); err != nil {
			return err
		}
	}
	return nil
}

// WriteAbandoned is what `canvass contacts abandon` says once import id
// is given up.
func WriteAbandoned(w io.Writer, id uint64) error {
	_, err := fmt.Fprintf(w, "import %d abandoned\n", id)
	return err
}

// WriteRelease is what `canvass contacts release` says of rel.
func WriteRelease(w io.Writer, rel *Release) error {
	_, err := fmt.Fprintf(w, "replicate %d of %s released: %d contacts\n", rel.Replicate, rel.Survey, rel.Contacts)
	return err
}
