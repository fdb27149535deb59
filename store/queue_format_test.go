package store

import (
	"bytes"
	"testing"
)

func TestQueueWriter(t *testing.T) {
	e := QueueEntry{ID: "c1", Local: "Mon 09:30 EST", Zone: "America/New_York", Why: "fresh", Attempts: 2}
	for _, tc := range []struct{ format, want string }{
		{"text", "c1           Mon 09:30 EST            fresh\n"},
		{"csv", "id,local_time,zone,why,attempts\nc1,Mon 09:30 EST,America/New_York,fresh,2\n"},
		{"json", `{"id":"c1","due":"0001-01-01T00:00:00Z","local_time":"Mon 09:30 EST","zone":"America/New_York","why":"fresh","priority":0,"attempts":2}` + "\n"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var b bytes.Buffer
			q, err := NewQueueWriter(&b, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Write(e); err != nil {
				t.Fatal(err)
			}
			if err := q.Flush(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("queue as %s = %q, want %q", tc.format, b.String(), tc.want)
			}
		})
	}
	if _, err := NewQueueWriter(&bytes.Buffer{}, "xml"); err == nil || err.Error() != "--format must be text, csv or json" {
		t.Errorf("NewQueueWriter(xml) = %v, want the formats named", err)
	}
}
