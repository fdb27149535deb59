package store

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// This file is what `canvass survey add` and `canvass survey list` print.

// versionText is how a message names a questionnaire's version: the file
// may give none.
func versionText(v string) string {
	if v == "" {
		return "(no version given)"
	}
	return v
}

// SurveyAdded is the line `canvass survey add` prints: what was installed,
// or that the file changed nothing.
func SurveyAdded(id, version string, rev uint32, added bool) string {
	if !added {
		return fmt.Sprintf("%s is unchanged (revision %d)", id, rev)
	}
	if version == "" {
		return fmt.Sprintf("installed %s as revision %d (the file gives no version)", id, rev)
	}
	return fmt.Sprintf("installed %s version %s as revision %d", id, version, rev)
}

// WriteSurveys is `canvass survey list`: one line per installed survey,
// in columns as wide as their longest entry, whatever the ids' lengths.
func WriteSurveys(w io.Writer, list []SurveyInfo) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "no surveys are installed (canvass survey add FILE)")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tREVISION\tVERSION\tTITLE\tADDED")
	for _, sv := range list {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", sv.ID, sv.Revision, versionText(sv.Version), sv.Title, sv.Added.Format(time.DateOnly))
	}
	return tw.Flush()
}
