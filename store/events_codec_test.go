package store

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// FuzzStoredEvent holds the stored form's fast writer to json.Marshal,
// byte for byte, and its fast reader to json.Unmarshal: an event written
// by either reads back the same through both.
func FuzzStoredEvent(f *testing.F) {
	f.Add(uint64(1), "0123456789abcdef-0000000000000001", KindAnswer, "ivy", int64(1_700_000_000), int64(123_456_789), "00ff", "ff00", []byte(`{"a":1}`), false)
	f.Add(uint64(0), "", "", "", int64(0), int64(0), "", "", []byte(nil), true)
	f.Add(uint64(1<<63), "id", "k", `O'Brien "Bob" <b&b>\`, int64(-1), int64(-1), "x", "y", []byte{}, false)
	f.Add(uint64(7), "é", "kind\n", "\u2028", int64(253402300800), int64(0), "p", "h", []byte{0, 1, 2}, false)
	f.Fuzz(func(t *testing.T, seq uint64, id, kind, actor string, secs, nsec int64, prev, hash string, sealed []byte, null bool) {
		if null {
			sealed = nil
		}
		e := &Event{Seq: seq, ID: id, Kind: kind, Actor: actor, At: time.Unix(secs, nsec).UTC(), Prev: prev, Hash: hash}
		want, werr := json.Marshal(storedEvent{Event: *e, Sealed: sealed})
		got, gerr := marshalStored(e, sealed)
		if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("marshalStored = %s, %v; json.Marshal = %s, %v", got, gerr, want, werr)
		}
		if werr != nil {
			return
		}
		var a, b storedEvent
		if err := json.Unmarshal(want, &a); err != nil {
			t.Fatal(err)
		}
		if err := unmarshalStored(want, &b); err != nil {
			t.Fatalf("unmarshalStored(%s): %v", want, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("unmarshalStored(%s) = %+v, json.Unmarshal = %+v", want, b, a)
		}
	})
}

// FuzzStoredEventBytes: whatever bytes the fast reader takes, json reads
// alike; what it does not take goes to json, errors and all.
func FuzzStoredEventBytes(f *testing.F) {
	v, _ := marshalStored(&Event{Seq: 12, ID: "0123456789abcdef-000000000000000c", Kind: KindCall, Actor: "ivy",
		At: time.Date(2026, 3, 1, 9, 30, 0, 5, time.UTC), Prev: "aa", Hash: "bb"}, []byte("sealed bytes"))
	f.Add(v)
	f.Add([]byte(`{"seq":1,"id":"a","kind":"b","actor":"c","at":"2026-03-01T09:30:00+02:00","prev":"","hash":"","data":null}`))
	f.Add([]byte(`{"seq":01,"id":"a","kind":"b","actor":"c","at":"2026-03-01T09:30:00Z","prev":"","hash":"","data":"AA=="}`))
	f.Add([]byte(`{"seq":1,"id":"a","kind":"b","actor":"c","at":"2026-03-01T09:30:00Z","prev":"","hash":"","data":"A"}`))
	f.Fuzz(func(t *testing.T, v []byte) {
		var a, b storedEvent
		aerr := json.Unmarshal(v, &a)
		berr := unmarshalStored(v, &b)
		if (aerr == nil) != (berr == nil) {
			t.Fatalf("%s: json.Unmarshal: %v, unmarshalStored: %v", v, aerr, berr)
		}
		if aerr == nil && !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: unmarshalStored = %+v, json.Unmarshal = %+v", v, b, a)
		}
	})
}
