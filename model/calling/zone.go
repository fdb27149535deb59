package calling

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"canvass/model/phonenumbers"
)

// Where a contact's time zones came from, as reported by [ContactZones].
const (
	ZoneFromSample   = "sample"
	ZoneFromPhone    = "phone"
	ZoneFromFallback = "fallback"
)

// ContactZones returns the time zones to call a contact in:
//
//  1. the sample's timezone column, when given (an IANA name such as
//     "America/Denver");
//  2. else the zones of the E.164 phone number ([PhoneZones]): one for
//     most numbers, several for area codes that span zones (+1 208: Boise
//     and Los Angeles), and the calling window must then be open in all
//     of them;
//  3. else fallback, the survey's default zone ([Rules.Zone]).
//
// The second result says which of the three was used. A timezone column that
// names no zone is an error (the sample is wrong and the importer should say
// so); the fallback zones are still returned with it. A phone number that
// maps to no zone is not an error. ContactZones never panics, and loads zones
// with time.LoadLocation, so callers that need them often should keep them.
func ContactZones(tz, phone string, fallback *time.Location) ([]*time.Location, string, error) {
	if fallback == nil {
		fallback = time.UTC
	}
	if tz = strings.TrimSpace(tz); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return []*time.Location{fallback}, ZoneFromFallback, fmt.Errorf("time zone %q is not an IANA zone name", tz)
		}
		return []*time.Location{loc}, ZoneFromSample, nil
	}
	if zones := PhoneZones(phone); len(zones) > 0 {
		return zones, ZoneFromPhone, nil
	}
	return []*time.Location{fallback}, ZoneFromFallback, nil
}

// PhoneZones returns the time zones of an E.164 phone number, or nil when
// they are not known. A number the phone-number library places no better than
// its whole country, when that country spans several zones (toll-free and
// unassigned numbers in North America, non-geographic numbers in Russia), is
// not known: calling it only when the window is open from Guam to
// Newfoundland would mean never. Zone names this machine cannot load are left
// out.
func PhoneZones(phone string) []*time.Location {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return nil
	}
	var names []string
	num, err := phonenumbers.Parse(phone, "ZZ")
	if err == nil {
		names, _ = phonenumbers.GetTimezonesForNumber(num)
	}
	if len(names) == 0 || (len(names) == 1 && names[0] == unknownZone) {
		digits := strings.TrimPrefix(phone, "+")
		if digits == "" || strings.Trim(digits, "0123456789") != "" {
			return nil
		}
		names, _ = phonenumbers.GetTimezonesForPrefix(phone)
	}
	if len(names) > 1 && num != nil {
		// A number placed no better than its country (toll-free, or an
		// unassigned area code) is not "in all of North America": the
		// windows of zones from Guam to Newfoundland never overlap.
		country, _ := phonenumbers.GetTimezonesForPrefix(fmt.Sprintf("+%d", num.GetCountryCode()))
		if slices.Equal(names, country) {
			return nil
		}
	}
	var zones []*time.Location
	for _, n := range names {
		if n == unknownZone || n == "" {
			continue
		}
		if loc, err := time.LoadLocation(n); err == nil {
			zones = append(zones, loc)
		}
	}
	return zones
}

// unknownZone is what the phone-number library returns for numbers it
// cannot place.
const unknownZone = "Etc/Unknown"
