package store

import (
	"strings"
	"testing"
	"time"
)

func TestParseReportOptions(t *testing.T) {
	t.Setenv("TZ", "America/New_York")
	for _, tc := range []struct {
		at, zone string
		wantAt   time.Time
		wantZone string
		wantErr  string
	}{
		{"", "", time.Time{}, "America/New_York", ""},
		{"", "Local", time.Time{}, "America/New_York", ""},
		{"", "Europe/Paris", time.Time{}, "Europe/Paris", ""},
		{"2026-03-01T09:30:00+01:00", "", time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC), "America/New_York", ""},
		{"yesterday", "", time.Time{}, "", `--at "yesterday": want an RFC 3339 time such as 2026-03-01T09:30:00+01:00`},
		{"3000-01-01T00:00:00Z", "", time.Time{}, "", `--at "3000-01-01T00:00:00Z": `},
		{"", "Mars/Olympus", time.Time{}, "", `--zone "Mars/Olympus" is not a time zone`},
	} {
		t.Run(tc.at+"|"+tc.zone, func(t *testing.T) {
			o, err := ParseReportOptions(tc.at, tc.zone)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("ParseReportOptions(%q, %q) = %v, want an error starting %q", tc.at, tc.zone, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !o.At.Equal(tc.wantAt) || o.Location.String() != tc.wantZone {
				t.Errorf("ParseReportOptions(%q, %q) = at %v in %s, want %v in %s", tc.at, tc.zone, o.At, o.Location, tc.wantAt, tc.wantZone)
			}
		})
	}
}

func TestLocalZoneEmptyTZIsUTC(t *testing.T) {
	t.Setenv("TZ", "")
	if got := LocalZone().String(); got != "UTC" {
		t.Errorf("LocalZone() with TZ empty = %s, want UTC", got)
	}
}
