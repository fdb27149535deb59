package store

import (
	"fmt"
	"io"
)

// This file is what `canvass doctor` and `canvass compact` print.

// sealedChecked is how many sealed values doctor opens to check that the
// key still reads them.
const sealedChecked = 100

// WriteDoctor is `canvass doctor`: it runs [Store.Doctor] and
// [Store.VerifySealed], says on notes that the store is not encrypted
// (when it is not), then on w what a laptop has not handed back, each
// problem, and the counts. It gives the number of problems.
func (s *Store) WriteDoctor(w, notes io.Writer) (int, error) {
	rep, err := s.Doctor()
	if err != nil {
		return 0, err
	}
	sealed, err := s.VerifySealed(sealedChecked)
	if err != nil {
		return 0, err
	}
	for _, p := range sealed {
		rep.Problems = append(rep.Problems, "sealed value: "+p)
	}
	if !s.Encrypted() {
		fmt.Fprintf(notes, "canvass: note: the store %s is not encrypted (it was made before encryption at rest)\n", s.Path())
	}
	p, err := s.Pending()
	if err != nil {
		return 0, err
	}
	fmt.Fprint(w, PendingText(p))
	for _, p := range rep.Problems {
		fmt.Fprintln(w, "problem: "+p)
	}
	fmt.Fprintf(w, "%s, %s, %s, %s, %s: %s\n",
		plural(rep.Events, "event", "events"), plural(rep.Contacts, "contact", "contacts"), plural(rep.OptOuts, "opt-out", "opt-outs"),
		plural(rep.Interviews, "interview", "interviews"), plural(rep.Answers, "answer", "answers"), plural(len(rep.Problems), "problem", "problems"))
	return len(rep.Problems), nil
}

// WriteCompacted is what `canvass compact` says of the store at path, once
// [Compact] has rewritten it from before bytes to after.
func WriteCompacted(w io.Writer, path string, before, after int64) error {
	_, err := fmt.Fprintf(w, "compacted %s: %d bytes to %d\n", path, before, after)
	return err
}
