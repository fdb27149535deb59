package calling

import (
	"strings"
	"testing"
	"time"
)

// TestShiftsNarrowTheWindows: with shifts, a contact inside its own
// calling window is called only while a shift runs, and waits for the
// next shift otherwise; ShiftOf names the shift of a moment.
func TestShiftsNarrowTheWindows(t *testing.T) {
	r, err := NewRules(&Config{Zone: "America/New_York", Shifts: []Shift{
		{Name: "morning", Days: "mon-fri", From: "09:00", To: "12:00"},
		{Name: "evening", Days: "mon-fri", From: "17:00", To: "20:00"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	st := ContactState{Zones: []*time.Location{ny}}
	at := func(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, ny) } // a Monday
	for _, tc := range []struct {
		at    time.Time
		ok    bool
		shift string
		next  time.Time
	}{
		{at(10, 0), true, "morning", time.Time{}},
		{at(14, 0), false, "", at(17, 0)},
		{at(18, 30), true, "evening", time.Time{}},
		{at(20, 15), false, "", at(9, 0).AddDate(0, 0, 1)},
	} {
		ok, why, next := r.Due(st, tc.at)
		if ok != tc.ok || (!ok && (!next.Equal(tc.next) || why != ReasonShift)) {
			t.Errorf("Due at %s = %v, %q, %s; want %v, next %s", tc.at.Format(time.Kitchen), ok, why, next, tc.ok, tc.next)
		}
		if got := r.ShiftOf(tc.at); got != tc.shift {
			t.Errorf("ShiftOf(%s) = %q, want %q", tc.at.Format(time.Kitchen), got, tc.shift)
		}
	}
	plain, _ := NewRules(&Config{Zone: "America/New_York"})
	if ok, _, _ := plain.Due(st, at(14, 0)); !ok {
		t.Error("without shifts, 14:00 is inside the default window and due")
	}
	for _, bad := range []Config{
		{Shifts: []Shift{{Name: "", Days: "mon", From: "09:00", To: "10:00"}}},
		{Shifts: []Shift{{Name: "a", Days: "mon", From: "09:00", To: "10:00"}, {Name: "a", Days: "tue", From: "09:00", To: "10:00"}}},
		{Shifts: []Shift{{Name: "a", Days: "moon", From: "09:00", To: "10:00"}}},
		{Shifts: []Shift{{Name: "a", Days: "mon", From: "11:00", To: "10:00"}}},
		{Shifts: []Shift{{Name: "a", Days: "mon", From: "09:00", To: "10:00"}}, ShiftZone: "Mars/Base"},
	} {
		if _, err := NewRules(&bad); err == nil || !strings.Contains(err.Error(), "shift") {
			t.Errorf("NewRules(%+v) = %v, want an error about the shift", bad, err)
		}
	}
}
