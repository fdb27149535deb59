package store

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// This file is what `canvass optout add`, `import`, `check`, `list` and
// `remove` print.

// WriteOptOutAdded is what `canvass optout add` says of norm, the value
// as it was normalised: added, or on the list already.
func WriteOptOutAdded(w io.Writer, norm string, added bool) error {
	if !added {
		_, err := fmt.Fprintf(w, "%s was already on the list\n", norm)
		return err
	}
	_, err := fmt.Fprintf(w, "added %s\n", norm)
	return err
}

// WriteOptOutImport is what `canvass optout import` says of res, the
// import of file: the counts on w, each rejected line as FILE:LINE on
// errw.
func WriteOptOutImport(w, errw io.Writer, file string, res *OptOutImport) {
	fmt.Fprintf(w, "%s read: %d added, %d already on the list, %d rejected\n",
		plural(res.Values, "value", "values"), res.Added, res.Already, res.RejectedCount)
	writeLineErrors(errw, file, "", res.Rejected)
	if res.RejectedCount > len(res.Rejected) {
		fmt.Fprintf(errw, "%s: and %s more\n", file, plural(res.RejectedCount-len(res.Rejected), "rejected line", "rejected lines"))
	}
}

// WriteOptOutCheck is what `canvass optout check` says of norm: on the
// list (suppressed) or not.
func WriteOptOutCheck(w io.Writer, norm string, on bool) error {
	if !on {
		_, err := fmt.Fprintf(w, "%s is not on the opt-out list\n", norm)
		return err
	}
	_, err := fmt.Fprintf(w, "%s is on the opt-out list: suppressed\n", norm)
	return err
}

// WriteOptOuts is `canvass optout list`: one line an entry, with its key,
// when it was added, by whom, its value (or the file it came from) and
// the reason, tab-separated.
func (s *Store) WriteOptOuts(w io.Writer) error {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	return s.OptOuts(func(e OptOutEntry) error {
		what := e.Value
		if what == "" {
			what = "from " + e.Source
		}
		_, err := fmt.Fprintf(bw, "%s\t%s\t%s\t%s\t%s\n", e.Key, e.Added.Format(time.RFC3339), e.Actor, what, e.Reason)
		return err
	})
}

// WriteOptOutRemoved is what `canvass optout remove` says once norm is
// off the list.
func WriteOptOutRemoved(w io.Writer, norm string) error {
	_, err := fmt.Fprintf(w, "removed %s\n", norm)
	return err
}
