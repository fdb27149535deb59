package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"canvass/model/calling"
)

// This file reads the --at and --zone of `canvass report`, `dashboard`
// and `queue` into the options of [Store.Report] and [Store.Queue].

// ZoneHelp is the help of the --zone flag, the same for report and
// dashboard.
const ZoneHelp = "the time zone of the completes-per-day days, an IANA name such as Europe/Paris (default: this machine's zone, named in the output)"

// ParseAt reads the --at of a report or a queue: an RFC 3339 moment that
// canvass can keep. The error names the flag and the value.
func ParseAt(at string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, fmt.Errorf("--at %q: want an RFC 3339 time such as 2026-03-01T09:30:00+01:00", at)
	}
	if err := calling.CheckInstant(t); err != nil {
		return time.Time{}, fmt.Errorf("--at %q: %v", at, err)
	}
	return t, nil
}

// ParseReportOptions reads a report's --at (empty: the store's clock) and
// --zone (empty or "Local": this machine's zone, under its IANA name).
func ParseReportOptions(at, zone string) (ReportOptions, error) {
	var o ReportOptions
	if at != "" {
		t, err := ParseAt(at)
		if err != nil {
			return o, err
		}
		o.At = t
	}
	if zone == "" || zone == "Local" {
		o.Location = LocalZone()
		return o, nil
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return o, fmt.Errorf("--zone %q is not a time zone", zone)
	}
	o.Location = loc
	return o, nil
}

// LocalZone is this machine's time zone under its IANA name (from TZ or
// /etc/localtime), so that the report can say which zone its days are in;
// time.Local would only call itself "Local".
func LocalZone() *time.Location {
	name, ok := os.LookupEnv("TZ")
	name = strings.TrimPrefix(name, ":")
	if !ok {
		if target, err := filepath.EvalSymlinks("/etc/localtime"); err == nil {
			if _, after, found := strings.Cut(target, "zoneinfo/"); found {
				name = after
			}
		}
	}
	if name == "" && ok {
		name = "UTC" // TZ set but empty means UTC
	}
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.Local // right, though it can only call itself Local
}
