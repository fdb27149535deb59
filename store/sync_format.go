package store

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// How the sync commands report, one place for the wording.

// WriteDevices lists devices and where sync with each stands.
func WriteDevices(w io.Writer, ds []DeviceStatus) error {
	if len(ds) == 0 {
		_, err := fmt.Fprintln(w, "no devices registered (canvass devices add NAME --key FILE)")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tDEVICE\tLAST IN\tLAST OUT\tNOT ACKED\tASSIGNED\tWAITING\tCOMPLETED")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", d.Name, d.Role, d.ID, mark(d.In), mark(d.Out),
			d.Unacked, d.Assigned, d.Waiting, d.Completed)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, d := range ds {
		for _, h := range d.Held {
			fmt.Fprintf(w, "%s: bundle %d (events %d–%d) is held: events %d–%d have not arrived\n",
				d.Name, h.Number, h.From+1, h.To, d.Applied+1, h.From)
		}
	}
	return nil
}

func mark(m *BundleMark) string {
	if m == nil {
		return "-"
	}
	return fmt.Sprintf("#%d events %s, %s", m.Number, span(m.From, m.To), m.At.Local().Format("2006-01-02 15:04"))
}

// span names the events (from, to].
func span(from, to uint64) string {
	switch {
	case to <= from:
		return "none new"
	case to == from+1:
		return fmt.Sprint(to)
	}
	return fmt.Sprintf("%d–%d", from+1, to)
}

// WriteBundleOut says what bundle was made.
func WriteBundleOut(w io.Writer, r *BundleOutResult) error {
	_, err := fmt.Fprintf(w, "wrote %s: bundle %d for %s, events %s (%d carried, %d by id only, %d interview states), %s; it acknowledges %s's events up to %d\n",
		r.File, r.Mark.Number, r.Device, span(r.Mark.From, r.Mark.To), r.Mark.Events, r.Stubs, r.Interviews, size(r.Size), r.Device, r.Ack)
	return err
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// WriteBundleIn says what taking a bundle in did.
func WriteBundleIn(w io.Writer, r *BundleInResult) error {
	switch r.Status {
	case "held":
		fmt.Fprintf(w, "held %s: %s\n", r.File, r.Gap)
		return nil
	case "already applied":
		fmt.Fprintf(w, "%s: bundle %d from %s (its events %s) was applied already; nothing changed", r.File, r.Number, r.From, span(r.Start, r.End))
	default:
		fmt.Fprintf(w, "applied %s: bundle %d from %s (its events %s): %s taken, %d already here, %d not taken",
			r.File, r.Number, r.From, span(r.Start, r.End), plural(r.Events, "event", "events"), r.Duplicates, r.Skipped)
	}
	var what []string
	for _, c := range []struct {
		n         int
		one, many string
	}{{r.Surveys, "questionnaire", "questionnaires"}, {r.Assigned, "contact assigned", "contacts assigned"},
		{r.Withdrawn, "withdrawal", "withdrawals"}, {r.Interviews, "interview", "interviews"},
		{r.States, "interview state", "interview states"}, {r.Reviews, "review decision", "review decisions"},
		{r.Returned, "interview returned for correction", "interviews returned for correction"},
		{r.Flagged, "interview flagged as worked twice", "interviews flagged as worked twice"},
		{r.Released, "contact given up", "contacts given up"}} {
		if c.n > 0 {
			what = append(what, plural(c.n, c.one, c.many))
		}
	}
	if len(what) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(what, ", "))
	}
	fmt.Fprintln(w)
	if r.Joined {
		fmt.Fprintf(w, "this store now keys its opt-out index with %s's key\n", r.From)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "not taken: %s\n", n)
	}
	for _, m := range r.Messages {
		fmt.Fprintf(w, "message from %s (%s, %s): %s\n", m.From, m.By, m.At.Local().Format(time.DateTime), m.Text)
	}
	for _, t := range r.Then {
		if err := WriteBundleIn(w, t); err != nil {
			return err
		}
	}
	return nil
}

// WriteAssign says what an assignment did.
func WriteAssign(w io.Writer, r *AssignResult) error {
	fmt.Fprintf(w, "%s: %d assigned, %d moved from another laptop (forced), %d waiting for their laptop to give them up, %d already its, %d refused\n",
		r.Device, r.Assigned, r.Moved, r.Waiting, r.Already, r.Refused)
	for _, why := range r.Reasons {
		fmt.Fprintf(w, "refused: %s\n", why)
	}
	return nil
}

// WriteUnassign says what taking contacts back did.
func WriteUnassign(w io.Writer, r *UnassignResult) error {
	fmt.Fprintf(w, "%s: %d back with the hub now, %d once %s gives them up (its next bundle), %d refused\n",
		r.Device, r.Freed, r.Waiting, r.Device, r.Refused)
	for _, why := range r.Reasons {
		fmt.Fprintf(w, "refused: %s\n", why)
	}
	return nil
}

// PendingText says what a laptop has not yet handed back, or "" when
// nothing.
func PendingText(p *SyncPending) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	if p.Events > 0 {
		fmt.Fprintf(&b, "not yet handed back to %s: %s (%s) after what it acknowledged (event %d)", p.Hub,
			plural(p.Events, "event", "events"), plural(p.Interviews, "interview", "interviews"), p.Acked)
		if p.Unsent > 0 {
			fmt.Fprintf(&b, ", %d of them in no bundle yet: canvass bundle out --to %s --out FILE", p.Unsent, p.Hub)
		} else {
			fmt.Fprintf(&b, ", all in bundles the hub has not applied yet (canvass bundle out --to %s --resend makes one with all of them)", p.Hub)
		}
		b.WriteString("\n")
	}
	if p.Held > 0 {
		verb := "are"
		if p.Held == 1 {
			verb = "is"
		}
		fmt.Fprintf(&b, "%s from %s %s held, waiting for an earlier one (canvass devices)\n", plural(p.Held, "bundle", "bundles"), p.Hub, verb)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// WriteIdentity is `canvass devices identity`: this store's public
// identity on w, or written to the file out with a line on w that says
// so.
func (s *Store) WriteIdentity(w io.Writer, out string) error {
	p, err := s.Identity()
	if err != nil {
		return err
	}
	text, _ := p.MarshalText()
	if out == "" {
		_, err := w.Write(text)
		return err
	}
	if err := os.WriteFile(out, text, 0o644); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "wrote %s: device %s, signing key %s\n", out, p.Device, p.Fingerprint())
	return err
}

// ReadPublicIdentity reads the identity file of `canvass devices add`,
// an error in it named with the file.
func ReadPublicIdentity(path string) (PublicIdentity, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return PublicIdentity{}, err
	}
	p, err := ParsePublicIdentity(data)
	if err != nil {
		return PublicIdentity{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// WriteDeviceAdded is what `canvass devices add` says of d, registered
// with the identity p.
func WriteDeviceAdded(w io.Writer, d *DeviceRecord, p PublicIdentity) error {
	_, err := fmt.Fprintf(w, "registered %s %s: device %s, signing key %s\n", d.Role, d.Name, d.ID, p.Fingerprint())
	return err
}
