package xpath

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const (
	secondsPerDay = 24 * 60 * 60
	msPerDay      = secondsPerDay * 1000
)

// daysFromCivil is the number of days from 1970-01-01 to the given day of the
// proleptic Gregorian calendar; time.Date normalises out-of-range fields.
func daysFromCivil(y int, m time.Month, d int) int64 {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return floorDiv(t.Unix(), secondsPerDay)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// fractionalDays is the instant t as days (with a fraction) since the epoch.
func fractionalDays(t time.Time) float64 {
	return float64(t.UnixMilli()) / msPerDay
}

// errBadDate is wrapped by every date parsing failure.
var errBadDate = errors.New("not a date")

// parseDateTime parses the ISO 8601 forms XForms answers use: a date
// (YYYY-MM-DD, kind KindDate) or a dateTime (YYYY-MM-DDTHH:MM[:SS[.fff]]
// with an optional Z or ±HH[:MM] offset, kind KindDateTime). A dateTime
// without an offset is in loc. Impossible days such as 1983-09-31 are errors.
func parseDateTime(s string, loc *time.Location) (time.Time, Kind, error) {
	bad := func() (time.Time, Kind, error) {
		return time.Time{}, 0, fmt.Errorf("%q: %w", s, errBadDate)
	}
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return bad()
	}
	y, ok1 := atoiN(s[0:4])
	m, ok2 := atoiN(s[5:7])
	d, ok3 := atoiN(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > 31 {
		return bad()
	}
	day := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if day.Day() != d || int(day.Month()) != m {
		return bad()
	}
	if len(s) == 10 {
		return day, KindDate, nil
	}
	if s[10] != 'T' && s[10] != ' ' {
		return bad()
	}
	h, mi, sec, ns, zone, ok := parseClock(s[11:], loc)
	if !ok {
		return bad()
	}
	return time.Date(y, time.Month(m), d, h, mi, sec, ns, zone), KindDateTime, nil
}

// parseClock parses HH:MM[:SS[.fff]][Z|±HH[:MM]], the XForms time type.
func parseClock(s string, loc *time.Location) (h, m, sec, ns int, zone *time.Location, ok bool) {
	zone = loc
	if len(s) < 5 || s[2] != ':' {
		return
	}
	var ok1, ok2 bool
	h, ok1 = atoiN(s[0:2])
	m, ok2 = atoiN(s[3:5])
	if !ok1 || !ok2 || h > 24 || m > 59 {
		return
	}
	rest := s[5:]
	if len(rest) >= 3 && rest[0] == ':' {
		var ok3 bool
		sec, ok3 = atoiN(rest[1:3])
		if !ok3 || sec > 59 {
			return
		}
		rest = rest[3:]
		if len(rest) > 0 && rest[0] == '.' {
			j := 1
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if j == 1 {
				return
			}
			frac := rest[1:j]
			if len(frac) > 9 {
				frac = frac[:9]
			}
			ns, _ = strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
			rest = rest[j:]
		}
	}
	if h == 24 && (m != 0 || sec != 0 || ns != 0) {
		return // 24:00 is the end of the day; 24:01 is nothing
	}
	switch {
	case rest == "":
	case rest == "Z":
		zone = time.UTC
	case rest[0] == '+' || rest[0] == '-':
		off := rest[1:]
		off = strings.Replace(off, ":", "", 1)
		if len(off) != 2 && len(off) != 4 {
			return
		}
		oh, okh := atoiN(off[:2])
		om := 0
		okm := true
		if len(off) == 4 {
			om, okm = atoiN(off[2:])
		}
		if !okh || !okm || oh > 23 || om > 59 {
			return
		}
		secs := oh*3600 + om*60
		if rest[0] == '-' {
			secs = -secs
		}
		zone = time.FixedZone("", secs)
	default:
		return
	}
	return h, m, sec, ns, zone, true
}

// atoiN parses a string made only of ASCII digits.
func atoiN(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// The English short names of months and weekdays, three letters each.
const (
	shortMonths = "JanFebMarAprMayJunJulAugSepOctNovDec"
	shortDays   = "SunMonTueWedThuFriSat"
)

// formatDate implements format-date and format-date-time with ODK's
// directives: %Y year, %y two-digit year, %m month 01-12, %n month 1-12,
// %b short month name, %d day 01-31, %e day 1-31, %H hour 00-23, %h hour
// 0-23, %M minute, %S second, %3 milliseconds, %a short weekday name, %%
// a percent sign. Names are in English: JavaRosa uses the device locale,
// which a terminal does not have in the same sense.
func formatDate(t time.Time, layout string) string {
	var b strings.Builder
	for i := 0; i < len(layout); i++ {
		c := layout[i]
		if c != '%' || i+1 == len(layout) {
			b.WriteByte(c)
			continue
		}
		i++
		switch layout[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'n':
			b.WriteString(strconv.Itoa(int(t.Month())))
		case 'b':
			m := int(t.Month()) - 1
			b.WriteString(shortMonths[3*m : 3*m+3])
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'e':
			b.WriteString(strconv.Itoa(t.Day()))
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'h':
			b.WriteString(strconv.Itoa(t.Hour()))
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case '3':
			fmt.Fprintf(&b, "%03d", t.Nanosecond()/1e6)
		case 'a':
			w := int(t.Weekday())
			b.WriteString(shortDays[3*w : 3*w+3])
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(layout[i])
		}
	}
	return b.String()
}
