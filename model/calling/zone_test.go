package calling

import (
	"strings"
	"testing"
	"time"
)

func TestContactZones(t *testing.T) {
	fallback := mustZone(t, "America/Chicago")
	tests := []struct {
		name   string
		tz     string
		phone  string
		want   string // zone names joined by +
		source string
		err    string
	}{
		{"sample column wins", "America/Denver", "+12125550100", "America/Denver", ZoneFromSample, ""},
		{"sample column, spaces", " Europe/London ", "", "Europe/London", ZoneFromSample, ""},
		{"bad sample column", "Mars/Olympus", "+12125550100", "America/Chicago", ZoneFromFallback, `time zone "Mars/Olympus" is not an IANA zone name`},
		{"Local is not a zone of the contact", "Local", "", "America/Chicago", ZoneFromFallback, "not an IANA zone name"},
		{"New York number", "", "+12125550100", "America/New_York", ZoneFromPhone, ""},
		{"Denver number", "", "+13035550100", "America/Denver", ZoneFromPhone, ""},
		{"Phoenix number", "", "+16025550100", "America/Phoenix", ZoneFromPhone, ""},
		{"Honolulu number", "", "+18085550100", "Pacific/Honolulu", ZoneFromPhone, ""},
		{"London number", "", "+442071234567", "Europe/London", ZoneFromPhone, ""},
		{"area code spanning two zones", "", "+12085550100", "America/Boise+America/Los_Angeles", ZoneFromPhone, ""},
		{"toll-free: no better than the country", "", "+18005550100", "America/Chicago", ZoneFromFallback, ""},
		{"unassigned area code", "", "+19995550100", "America/Chicago", ZoneFromFallback, ""},
		{"one-zone country", "", "+33123456789", "Europe/Paris", ZoneFromPhone, ""},
		{"no phone", "", "", "America/Chicago", ZoneFromFallback, ""},
		{"garbage phone", "", "call me", "America/Chicago", ZoneFromFallback, ""},
		{"plus only", "", "+", "America/Chicago", ZoneFromFallback, ""},
		{"unassigned country code", "", "+999123456", "America/Chicago", ZoneFromFallback, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zones, source, err := ContactZones(tt.tz, tt.phone, fallback)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("ContactZones(%q, %q) error = %v, want %q", tt.tz, tt.phone, err, tt.err)
			}
			if source != tt.source {
				t.Errorf("ContactZones(%q, %q) source = %q, want %q", tt.tz, tt.phone, source, tt.source)
			}
			if got := zoneNames(zones); got != tt.want {
				t.Errorf("ContactZones(%q, %q) = %s, want %s", tt.tz, tt.phone, got, tt.want)
			}
		})
	}
	if zones, _, _ := ContactZones("", "", nil); len(zones) != 1 || zones[0] != time.UTC {
		t.Errorf("ContactZones with no fallback = %v, want UTC", zones)
	}
}

// A number that maps to several zones is called only when the window is
// open in all of them.
func TestMultiZoneNumber(t *testing.T) {
	r := mustRules(t, nil)
	zones, _, _ := ContactZones("", "+12085550100", time.UTC) // Boise and Los Angeles
	if len(zones) != 2 {
		t.Fatalf("ContactZones(+1 208) = %s, want two zones", zoneNames(zones))
	}
	// Monday 9 March 2026, 15:30 UTC: 09:30 in Boise (MDT) but 08:30 in
	// Los Angeles (PDT).
	if r.Allowed(utc("2026-03-09T15:30:00Z"), zones) {
		t.Errorf("Allowed(+1 208, 08:30 in Los Angeles) = true, want false")
	}
	next, ok := r.NextAllowed(utc("2026-03-09T15:30:00Z"), zones)
	if want := utc("2026-03-09T16:00:00Z"); !ok || !next.Equal(want) {
		t.Errorf("NextAllowed(+1 208) = %s, %v, want %s (09:00 in Los Angeles)", next, ok, want)
	}
	// The window closes at 20:30 in Boise, an hour before Los Angeles.
	if r.Allowed(utc("2026-03-10T02:45:00Z"), zones) {
		t.Errorf("Allowed(+1 208, 20:45 in Boise) = true, want false")
	}
}

func FuzzContactZones(f *testing.F) {
	for _, s := range []string{"+12125550100", "+18005550100", "+", "+999", "12345", "+44 20 7123 4567", "+1-800-FLOWERS", ""} {
		f.Add("", s)
	}
	f.Add("America/Denver", "")
	f.Add("../../etc/passwd", "+1")
	f.Fuzz(func(t *testing.T, tz, phone string) {
		zones, source, err := ContactZones(tz, phone, time.UTC)
		if len(zones) == 0 {
			t.Fatalf("ContactZones(%q, %q) = no zones", tz, phone)
		}
		for _, z := range zones {
			if z == nil {
				t.Fatalf("ContactZones(%q, %q) gave a nil zone", tz, phone)
			}
		}
		if err != nil && source != ZoneFromFallback {
			t.Fatalf("ContactZones(%q, %q) = %s with error %v, want the fallback", tz, phone, source, err)
		}
	})
}
