package store

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// This file is what `canvass queue` prints.

// QueueWriter writes the entries of a queue, one a line, as "text"
// (columns for people), "csv" (with a header row) or "json" (one object
// a line). Flush writes out what it holds.
type QueueWriter struct {
	w     *bufio.Writer
	write func(QueueEntry) error
	flush func()
}

// NewQueueWriter is a QueueWriter in format onto w; an unknown format is
// an error. The CSV header is written at once.
func NewQueueWriter(w io.Writer, format string) (*QueueWriter, error) {
	q := &QueueWriter{w: bufio.NewWriter(w), flush: func() {}}
	switch format {
	case "text":
		q.write = func(e QueueEntry) error {
			_, err := fmt.Fprintf(q.w, "%-12s %-24s %s\n", e.ID, e.Local, e.Why)
			return err
		}
	case "csv":
		cw := csv.NewWriter(q.w)
		cw.Write([]string{"id", "local_time", "zone", "why", "attempts"})
		q.write = func(e QueueEntry) error {
			return cw.Write([]string{e.ID, e.Local, e.Zone, e.Why, strconv.Itoa(e.Attempts)})
		}
		q.flush = cw.Flush
	case "json":
		enc := json.NewEncoder(q.w)
		q.write = func(e QueueEntry) error { return enc.Encode(e) }
	default:
		return nil, fmt.Errorf("--format must be text, csv or json")
	}
	return q, nil
}

// Write writes one entry; it is the fn of [Store.Queue].
func (q *QueueWriter) Write(e QueueEntry) error { return q.write(e) }

// Flush writes out the entries written so far.
func (q *QueueWriter) Flush() error {
	q.flush()
	return q.w.Flush()
}
