package calling

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests need their zones on machines without zoneinfo
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func mustRules(t testing.TB, c *Config) Rules {
	t.Helper()
	r, err := NewRules(c)
	if err != nil {
		t.Fatalf("NewRules: %v", err)
	}
	return r
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func zoneNames(zs []*time.Location) string {
	var names []string
	for _, z := range zs {
		names = append(names, z.String())
	}
	return strings.Join(names, "+")
}

// The default windows around the 2026 daylight-saving changes: the US
// switches on Sunday 8 March and Sunday 1 November, Europe on 29 March and
// 25 October; Arizona and Hawaii never switch.
func TestAllowedAcrossDST(t *testing.T) {
	r := mustRules(t, nil)
	tests := []struct {
		zone string
		at   string // UTC
		want bool
	}{
		// New York, Saturday 7 March (EST, UTC-5): weekend window 09:00–17:00.
		{"America/New_York", "2026-03-07T13:30:00Z", false}, // 08:30 EST
		{"America/New_York", "2026-03-07T14:00:00Z", true},  // 09:00 EST
		{"America/New_York", "2026-03-07T21:59:59Z", true},  // 16:59:59 EST
		{"America/New_York", "2026-03-07T22:00:00Z", false}, // 17:00 EST
		// Sunday 8 March, after 02:00 it is EDT (UTC-4).
		{"America/New_York", "2026-03-08T12:59:59Z", false}, // 08:59:59 EDT
		{"America/New_York", "2026-03-08T13:00:00Z", true},  // 09:00 EDT
		{"America/New_York", "2026-03-08T13:30:00Z", true},  // 09:30 EDT
		{"America/New_York", "2026-03-08T21:00:00Z", false}, // 17:00 EDT
		// Monday 9 March, weekday window 09:00–20:30 EDT.
		{"America/New_York", "2026-03-10T00:29:59Z", true},  // 20:29:59 EDT on the 9th
		{"America/New_York", "2026-03-10T00:30:00Z", false}, // 20:30 EDT
		// Denver: Friday 6 March MST (UTC-7), Monday 9 March MDT (UTC-6).
		{"America/Denver", "2026-03-06T15:30:00Z", false}, // 08:30 MST
		{"America/Denver", "2026-03-06T16:00:00Z", true},  // 09:00 MST
		{"America/Denver", "2026-03-09T15:00:00Z", true},  // 09:00 MDT
		{"America/Denver", "2026-03-09T14:59:00Z", false}, // 08:59 MDT
		{"America/Denver", "2026-03-10T02:29:00Z", true},  // 20:29 MDT on the 9th
		// Phoenix stays on MST (UTC-7): on the 9th 09:00 is 16:00 UTC.
		{"America/Phoenix", "2026-03-09T15:00:00Z", false},
		{"America/Phoenix", "2026-03-09T16:00:00Z", true},
		{"America/Phoenix", "2026-11-02T16:00:00Z", true},
		{"America/Phoenix", "2026-11-02T15:59:00Z", false},
		// Honolulu, HST (UTC-10) all year.
		{"Pacific/Honolulu", "2026-03-09T18:59:00Z", false},
		{"Pacific/Honolulu", "2026-03-09T19:00:00Z", true},
		{"Pacific/Honolulu", "2026-11-02T19:00:00Z", true},
		{"Pacific/Honolulu", "2026-11-03T06:29:00Z", true},  // 20:29 HST on the 2nd
		{"Pacific/Honolulu", "2026-11-03T06:30:00Z", false}, // 20:30 HST
		// London: GMT until 29 March, BST (UTC+1) after.
		{"Europe/London", "2026-03-09T08:30:00Z", false}, // 08:30 GMT
		{"Europe/London", "2026-03-09T09:00:00Z", true},
		{"Europe/London", "2026-03-30T08:00:00Z", true},  // 09:00 BST
		{"Europe/London", "2026-03-30T07:59:00Z", false}, // 08:59 BST
		{"Europe/London", "2026-10-26T08:30:00Z", false}, // 08:30 GMT again
		// New York, Saturday 31 October (EDT) and Sunday 1 November (EST).
		{"America/New_York", "2026-10-31T13:30:00Z", true},  // 09:30 EDT
		{"America/New_York", "2026-11-01T13:30:00Z", false}, // 08:30 EST
		{"America/New_York", "2026-11-01T14:00:00Z", true},  // 09:00 EST
		{"America/New_York", "2026-11-01T21:59:00Z", true},  // 16:59 EST
		{"America/Denver", "2026-11-01T15:30:00Z", false},   // 08:30 MST
		{"America/Denver", "2026-11-01T16:00:00Z", true},    // 09:00 MST
	}
	for _, tt := range tests {
		loc := mustZone(t, tt.zone)
		if got := r.Allowed(utc(tt.at), []*time.Location{loc}); got != tt.want {
			t.Errorf("Allowed(%s = %s in %s) = %v, want %v", tt.at, utc(tt.at).In(loc).Format("Mon 15:04 MST"), tt.zone, got, tt.want)
		}
	}
}

func TestNextAllowed(t *testing.T) {
	r := mustRules(t, nil)
	tests := []struct {
		name  string
		zones []string
		from  string
		want  string // "" when there is none
	}{
		{"already open", []string{"America/New_York"}, "2026-03-09T15:00:00Z", "2026-03-09T15:00:00Z"},
		{"sunday of spring forward", []string{"America/New_York"}, "2026-03-08T05:00:00Z", "2026-03-08T13:00:00Z"},
		{"saturday closes, sunday of fall back", []string{"America/New_York"}, "2026-10-31T21:00:00Z", "2026-11-01T14:00:00Z"},
		{"thursday evening to friday in Denver", []string{"America/Denver"}, "2026-03-06T03:45:00Z", "2026-03-06T16:00:00Z"},
		{"Denver, Sunday of spring forward: 09:00 MDT", []string{"America/Denver"}, "2026-03-08T00:30:00Z", "2026-03-08T15:00:00Z"},
		{"Phoenix keeps its offset", []string{"America/Phoenix"}, "2026-03-09T04:00:00Z", "2026-03-09T16:00:00Z"},
		{"Honolulu", []string{"Pacific/Honolulu"}, "2026-11-01T12:00:00Z", "2026-11-01T19:00:00Z"},
		{"London after the change", []string{"Europe/London"}, "2026-03-30T00:00:00Z", "2026-03-30T08:00:00Z"},
		{"New York and Honolulu: both open", []string{"America/New_York", "Pacific/Honolulu"}, "2026-03-09T13:00:00Z", "2026-03-09T19:00:00Z"},
		{"New York and London: next day", []string{"America/New_York", "Europe/London"}, "2026-03-09T21:00:00Z", "2026-03-10T13:00:00Z"},
		// Saturday in London ends at 17:00 GMT, New York's weekend opens at
		// 14:00 UTC (EST, 7 November): overlap 14:00–17:00 UTC.
		{"weekend overlap", []string{"Europe/London", "America/New_York"}, "2026-11-07T08:00:00Z", "2026-11-07T14:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var zones []*time.Location
			for _, z := range tt.zones {
				zones = append(zones, mustZone(t, z))
			}
			got, ok := r.NextAllowed(utc(tt.from), zones)
			if tt.want == "" {
				if ok {
					t.Errorf("NextAllowed(%s, %v) = %s, want none", tt.from, tt.zones, got)
				}
				return
			}
			if !ok || !got.Equal(utc(tt.want)) {
				t.Errorf("NextAllowed(%s, %v) = %s, %v, want %s", tt.from, tt.zones, got.UTC().Format(time.RFC3339), ok, tt.want)
			}
		})
	}
}

func TestNoCommonWindow(t *testing.T) {
	r := mustRules(t, &Config{Windows: []Window{{Days: "mon-sun", From: "09:00", To: "10:00"}}})
	zones := []*time.Location{mustZone(t, "America/New_York"), mustZone(t, "Asia/Tokyo")}
	if got, ok := r.NextAllowed(utc("2026-06-01T00:00:00Z"), zones); ok {
		t.Errorf("NextAllowed(New York + Tokyo, 09:00–10:00) = %s, want none", got)
	}
	ok, reason, next := r.Due(ContactState{Zones: zones}, utc("2026-06-01T00:00:00Z"))
	if ok || reason != ReasonNoWindow || !next.IsZero() {
		t.Errorf("Due(New York + Tokyo) = %v, %q, %s, want false, %q, zero", ok, reason, next, ReasonNoWindow)
	}
}

// A survey cannot widen the calling hours beyond 08:00–21:00.
func TestHardLimits(t *testing.T) {
	r := mustRules(t, &Config{Windows: []Window{{Days: "mon-sun", From: "06:00", To: "24:00"}}})
	ny := []*time.Location{mustZone(t, "America/New_York")}
	for _, tt := range []struct {
		local string
		want  bool
	}{
		{"2026-07-04 07:59", false},
		{"2026-07-04 08:00", true},
		{"2026-07-04 20:59", true},
		{"2026-07-04 21:00", false},
		{"2026-07-04 23:30", false},
	} {
		at, err := ParseLocal(tt.local, ny[0])
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Allowed(at, ny); got != tt.want {
			t.Errorf("Allowed(%s New York) with a 06:00–24:00 window = %v, want %v", tt.local, got, tt.want)
		}
	}
}

func TestWindowConfigErrors(t *testing.T) {
	tests := []struct {
		w    Window
		want string
	}{
		{Window{Days: "mon-fri", From: "9am", To: "17:00"}, `window 1: from: "9am" is not a time of day`},
		{Window{Days: "mon-fri", From: "09:00", To: "25:00"}, `window 1: to: "25:00"`},
		{Window{Days: "funday", From: "09:00", To: "17:00"}, `window 1: "funday" is not a day of the week`},
		{Window{Days: "", From: "09:00", To: "17:00"}, "window 1: no days"},
		{Window{Days: "sat", From: "17:00", To: "09:00"}, "window 1: 09:00 is not after 17:00"},
	}
	for _, tt := range tests {
		_, err := NewRules(&Config{Windows: []Window{tt.w}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewRules(%+v) error = %v, want one containing %q", tt.w, err, tt.want)
		}
	}
}

func TestWindowDays(t *testing.T) {
	// "fri-mon" wraps over the weekend; several windows on a day add up.
	r := mustRules(t, &Config{Windows: []Window{
		{Days: "fri-mon", From: "10:00", To: "12:00"},
		{Days: "Wednesday", From: "18:00", To: "20:00"},
		{Days: "wed", From: "19:00", To: "20:30"},
	}})
	la := []*time.Location{mustZone(t, "America/Los_Angeles")}
	for _, tt := range []struct {
		local string
		want  bool
	}{
		{"2026-05-01 11:00", true},  // Friday
		{"2026-05-02 11:00", true},  // Saturday
		{"2026-05-04 11:00", true},  // Monday
		{"2026-05-05 11:00", false}, // Tuesday
		{"2026-05-06 11:00", false}, // Wednesday morning
		{"2026-05-06 18:30", true},
		{"2026-05-06 20:15", true}, // the merged Wednesday window
		{"2026-05-06 20:30", false},
	} {
		at, _ := ParseLocal(tt.local, la[0])
		if got := r.Allowed(at, la); got != tt.want {
			t.Errorf("Allowed(%s %s) = %v, want %v", tt.local, at.Weekday(), got, tt.want)
		}
	}
}

// propertyZones are the zones the property tests draw from: the US zones of
// the brief, zones with half- and quarter-hour offsets, southern-hemisphere
// daylight saving, a zone whose change is at midnight and one far east.
var propertyZoneNames = []string{
	"America/New_York", "America/Denver", "America/Phoenix", "Pacific/Honolulu",
	"Europe/London", "America/Chicago", "America/Los_Angeles", "America/Anchorage",
	"America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe",
	"America/Santiago", "Pacific/Auckland", "Asia/Tokyo", "Europe/Berlin",
	"America/Havana", "Asia/Beirut",
}

func randomZones(t testing.TB, rng *rand.Rand) []*time.Location {
	n := 1 + rng.IntN(3)
	zones := make([]*time.Location, n)
	for i := range zones {
		zones[i] = mustZone(t, propertyZoneNames[rng.IntN(len(propertyZoneNames))])
	}
	return zones
}

var days2026 = utc("2026-01-01T00:00:00Z")

func randomTime(rng *rand.Rand) time.Time {
	return days2026.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
}

func randomWindows(rng *rand.Rand) []Window {
	dayNames := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	var ws []Window
	for range 1 + rng.IntN(3) {
		from := rng.IntN(46) // half hours 00:00–22:30
		to := from + 1 + rng.IntN(48-from)
		ws = append(ws, Window{
			Days: dayNames[rng.IntN(7)] + "-" + dayNames[rng.IntN(7)],
			From: fmt.Sprintf("%02d:%02d", from/2, from%2*30),
			To:   fmt.Sprintf("%02d:%02d", to/2, to%2*30),
		})
	}
	return ws
}

// clockIn reports whether t's local clock in loc is inside one of ws for
// that weekday: an independent reading of the windows.
func clockIn(t *testing.T, ws []Window, at time.Time, loc *time.Location) bool {
	lt := at.In(loc)
	sod := secondOfDay(lt)
	if sod < 8*3600 || sod >= 21*3600 {
		return false
	}
	for _, w := range ws {
		days, err := parseDays(w.Days)
		if err != nil {
			t.Fatal(err)
		}
		from, _ := parseClock(w.From)
		to, _ := parseClock(w.To)
		if days[lt.Weekday()] && sod >= from && sod < to {
			return true
		}
	}
	return false
}

// NextAllowed, for random instants of 2026, random zone sets and random
// windows: the instant it gives is inside every zone's window by the local
// clock, never before 08:00 or from 21:00, and no earlier instant is (checked
// every five minutes: windows start on half hours and zones are offset by
// quarter hours, so any open stretch is at least fifteen minutes long).
func TestNextAllowedProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		ws := DefaultWindows()
		if i%2 == 1 {
			ws = randomWindows(rng)
		}
		r := mustRules(t, &Config{Windows: ws})
		zones := randomZones(t, rng)
		from := randomTime(rng)
		got, ok := r.NextAllowed(from, zones)
		end := from.Add(8 * 24 * time.Hour)
		if ok {
			if got.Before(from) {
				t.Fatalf("NextAllowed(%s, %s) = %s, before the start", from, zoneNames(zones), got)
			}
			end = got
			for _, z := range zones {
				if !clockIn(t, ws, got, z) {
					t.Fatalf("NextAllowed(%s, %s, %v) = %s, which is %s in %s: outside the window",
						from, zoneNames(zones), ws, got, got.In(z).Format("Mon 15:04:05"), z)
				}
			}
		}
		for c := from; c.Before(end); c = c.Add(5 * time.Minute) {
			all := true
			for _, z := range zones {
				all = all && clockIn(t, ws, c, z)
			}
			if all {
				t.Fatalf("NextAllowed(%s, %s, %v) = %s, %v, but %s is already open", from, zoneNames(zones), ws, got, ok, c)
			}
			if r.Allowed(c, zones) {
				t.Fatalf("Allowed(%s, %s) = true before NextAllowed's %s", c, zoneNames(zones), got)
			}
		}
	}
}
