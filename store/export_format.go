package store

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// This file is what `canvass export` prints.

// ExportProgress is an [ExportOptions.Progress] that draws a bar on w, a
// terminal, redrawn in place and ended with a newline when done.
func ExportProgress(w io.Writer) func(done, total int) {
	return func(done, total int) {
		const width = 30
		fill := width * done / max(total, 1)
		fmt.Fprintf(w, "\rexporting [%s%s] %d/%d", strings.Repeat("#", fill), strings.Repeat(" ", width-fill), done, total)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

// TerminalProgress is [ExportProgress] on w when w is a terminal, and nil
// otherwise: a bar redrawn with carriage returns is noise in a log file or
// a pipe.
func TerminalProgress(w io.Writer) func(done, total int) {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return ExportProgress(w)
		}
	}
	return nil
}

// WriteExport is what `canvass export` says of res, an export of survey:
// how many interviews, the files written, and how many of them went
// without personal data.
func WriteExport(w io.Writer, survey string, res *ExportResult) error {
	fmt.Fprintf(w, "exported %s of %s:\n", plural(res.Interviews, "interview", "interviews"), survey)
	for _, f := range res.Files {
		fmt.Fprintf(w, "  %s\n", f)
	}
	if res.Withheld > 0 {
		fmt.Fprintf(w, "%d of them without personal data: the questionnaire revision they were collected under did not authorise onward transfer\n", res.Withheld)
	}
	return nil
}
