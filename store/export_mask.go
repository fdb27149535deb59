package store

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"canvass/model"
)

// Masking personal data in exported free text. Two maskers work together:
//
//   - the contact's own values ([scrubber]): its name and the parts of
//     it, company, email, the fields the survey marks personal, and its
//     phone numbers in any notation, wherever they appear (a fill in a
//     calculation, a name typed into a note);
//   - anybody's email address or phone number ([maskAny]) in text people
//     typed (open answers, "other" text, notes, override and skip
//     reasons): a respondent dictates a neighbour's number as readily as
//     their own, and no list says whose it is.
//
// A phone number in free text cannot be told from other long numbers, so
// maskAny masks every run of digits and phone punctuation that holds at
// least minPhoneDigits digits ("212/555-0100", "+44 (0)20 7946 0958",
// "1 500 000", "3.14159265"), with an extension after it ("x12", "ext.
// 12"). Dates and times as the engine writes them (2026-03-01,
// 2026-03-01T10:30:00.000+01:00) standing alone are not numbers and stay.

const masked = "[personal]"

// minPhoneDigits is the fewest digits masked as a phone number: the
// shortest subscriber numbers in common use (North American and many
// European local numbers) have seven.
const minPhoneDigits = 7

// scrubber masks a contact's own personal values in free text: its name
// and the parts of it, company, email and personal fields (ignoring case),
// and its phone numbers in any notation.
type scrubber struct {
	// needles are lower-cased, longest first.
	needles []string
	// phones are the digits of each phone number without its first three
	// (so without any country code): every way of writing the number
	// holds them.
	phones []string
}

// contactField is the value of a contact's field f, as survey privacy
// settings and exports name them: the record's own fields (name, phone,
// email, company, location, ...) or a further sample column.
func contactField(c *model.Contact, f string) string {
	switch f {
	case "id":
		return c.ID
	case "name":
		return c.Name
	case "phone":
		return c.Phone()
	case "email":
		return c.Email
	case "company":
		return c.Company
	case "location":
		return c.Location
	case "timezone":
		return c.Timezone
	case "language":
		return c.Language
	case "source":
		return c.Source
	}
	return c.Fields[f]
}

// maskedFields are the personal fields of a survey revision whose values
// a scrubber must mask beyond the ones that always are personal, sorted.
func maskedFields(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, f := range l {
			if !slices.Contains(model.AlwaysPersonal, f) {
				out = append(out, f)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func newScrubber(c *model.Contact, personalFields []string) *scrubber {
	var n []string
	add := func(v string) {
		v = strings.ToLower(strings.TrimSpace(v))
		if len([]rune(v)) >= 3 {
			n = append(n, v)
		}
	}
	add(c.Name)
	for _, part := range strings.Fields(c.Name) {
		add(part)
	}
	add(c.Company)
	add(c.Email)
	for _, f := range personalFields {
		if f != "phone" {
			add(contactField(c, f))
		}
	}
	// Longest first, so that a full name is masked before its parts.
	slices.SortFunc(n, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	sc := &scrubber{needles: slices.Compact(n)}
	for _, p := range c.Phones {
		d := onlyDigitsOf(p)
		if len(d) >= 7 {
			sc.phones = append(sc.phones, d[min(3, len(d)-7):])
		}
	}
	return sc
}

// mask replaces the contact's personal values in s.
func (sc *scrubber) mask(s string) string {
	if s == "" {
		return s
	}
	if len(sc.phones) > 0 {
		s = sc.maskDigitRuns(s)
	}
	for _, nd := range sc.needles {
		s = replaceFold(s, nd)
	}
	return s
}

// maskText masks free text someone typed: every email address and phone
// number in it, then the contact's own values.
func (sc *scrubber) maskText(s string) string {
	if s == "" {
		return s
	}
	return sc.mask(maskAny(s))
}

// maskValue masks an answer or computed value of an item of type t:
// typed text fully, a calculation fully unless it is a number (a score
// or a ratio, which the phone rule would take for a number to hide),
// metadata (times, device and interviewer ids) for the contact's own
// values only, and other types (codes, numbers, dates) not at all.
func (sc *scrubber) maskValue(t model.ItemType, s string) string {
	switch t {
	case model.TypeText:
		return sc.maskText(s)
	case model.TypeCalculate, model.TypeHidden:
		if isNumber(s) {
			return sc.mask(s)
		}
		return sc.maskText(s)
	case model.TypeMeta:
		return sc.mask(s)
	}
	return s
}

// isNumber reports whether s is a number as a calculation writes one.
func isNumber(s string) bool {
	if s == "" || strings.ContainsAny(s, " xXpP_") {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// replaceFold masks every match of the lower-case needle in s, ignoring
// case, in one pass (a match may be longer or shorter in bytes than the
// needle).
func replaceFold(s, needle string) string {
	var b strings.Builder
	last := 0
	if isASCII(s) {
		// Lower-casing ASCII keeps every byte where it was.
		lower := strings.ToLower(s)
		for from := 0; ; {
			k := strings.Index(lower[from:], needle)
			if k < 0 {
				break
			}
			i := from + k
			b.WriteString(s[last:i])
			b.WriteString(masked)
			last, from = i+len(needle), i+len(needle)
		}
	} else {
		for i := 0; i < len(s); {
			if j, ok := foldPrefix(s[i:], needle); ok {
				b.WriteString(s[last:i])
				b.WriteString(masked)
				last, i = i+j, i+j
				continue
			}
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// foldPrefix reports whether s starts with needle ignoring case, and how
// many bytes of s the match takes.
func foldPrefix(s, needle string) (int, bool) {
	n := 0
	for _, want := range needle {
		if n >= len(s) {
			return 0, false
		}
		r, size := utf8.DecodeRuneInString(s[n:])
		if r != want && unicode.ToLower(r) != want {
			return 0, false
		}
		n += size
	}
	return n, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maskDigitRuns masks runs of digits and phone punctuation ("+1 (415)
// 555-0100") whose digits hold one of the contact's phone numbers.
func (sc *scrubber) maskDigitRuns(s string) string {
	var out strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isPhoneChar(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isPhoneChar(s[j]) {
			j++
		}
		core := strings.Trim(s[i:j], " ")
		digits := onlyDigitsOf(core)
		hit := false
		for _, p := range sc.phones {
			hit = hit || len(digits) >= len(p) && strings.Contains(digits, p)
		}
		if hit {
			start := i + strings.Index(s[i:j], core)
			out.WriteString(s[last:start])
			out.WriteString(masked)
			last = start + len(core)
		}
		i = j
	}
	if last == 0 {
		return s
	}
	out.WriteString(s[last:])
	return out.String()
}

func isPhoneChar(c byte) bool {
	return c >= '0' && c <= '9' || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+' || c == '/'
}

func onlyDigitsOf(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// maskAny masks every email address and every phone number in s, whoever's
// they are. Emails go first: a phone rule that took the digits of
// "ann1234567@example.com" would leave the rest of the address behind.
func maskAny(s string) string {
	return maskPhones(maskEmails(s))
}

// emailLocalRune reports whether r may be part of the part of an address
// before the @ (RFC 5322's atext and dots, and any letter or digit, as
// internationalised addresses allow).
func emailLocalRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || strings.ContainsRune("!#$%&'*+/=?^_`{|}~.-", r)
}

// emailDomainRune reports whether r may be part of a domain name.
func emailDomainRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '-' || r == '.' || r == '_'
}

func isAt(r rune) bool { return r == '@' || r == '＠' }

// maskEmails masks every address: something, an @, and a domain.
func maskEmails(s string) string {
	if !strings.ContainsRune(s, '@') && !strings.ContainsRune(s, '＠') {
		return s
	}
	var b strings.Builder
	last := 0  // s[:last] is written or masked
	prev := -1 // where the last mask ended
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isAt(r) {
			i += size
			continue
		}
		start := i
		for start > last {
			r, n := utf8.DecodeLastRuneInString(s[last:start])
			if !emailLocalRune(r) {
				break
			}
			start -= n
		}
		end := i + size
		for end < len(s) {
			r, n := utf8.DecodeRuneInString(s[end:])
			if !emailDomainRune(r) {
				break
			}
			end += n
		}
		// A dot or hyphen after the domain ends the sentence, not the
		// address.
		for end > i+size && (s[end-1] == '.' || s[end-1] == '-') {
			end--
		}
		switch {
		case end == i+size:
			i += size
			continue
		case start == i && i != prev:
			// "@name": a handle, not an address; but after an address
			// just masked ("a@b@c.example") the rest goes with it.
			i += size
			continue
		}
		b.WriteString(s[last:start])
		if start != prev {
			b.WriteString(masked)
		}
		last, prev, i = end, end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// isPhoneSep reports whether r may stand between the digits of a phone
// number: spaces, dashes, dots, slashes, brackets and the plus sign, in
// their ASCII, typographic and full-width forms.
func isPhoneSep(r rune) bool {
	switch r {
	case ' ', '\t', '-', '.', '/', '(', ')', '+',
		'\u00a0', '\u2007', '\u2009', '\u202f', '\u3000', // spaces
		'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', // dashes and minus
		'－', '（', '）', '．', '／', '＋':
		return true
	}
	return false
}

// maxPhoneSeps is the most separators between two digit groups of one
// number ("(212) 555" has two, "212 - 555" three).
const maxPhoneSeps = 3

// maskPhones masks every run of digits and phone separators with at least
// minPhoneDigits digits, and an extension written after it.
func maskPhones(s string) string {
	digits := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits < minPhoneDigits {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsDigit(r) {
			i += size
			continue
		}
		if end, ok := isoDateAt(s, i); ok && standaloneDate(s, i, end) {
			i = end
			continue
		}
		start, end, n := numberRun(s, i)
		if n < minPhoneDigits {
			i = end
			continue
		}
		end = extensionEnd(s, end)
		start = max(start, last)
		b.WriteString(s[last:start])
		b.WriteString(masked)
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// numberRun reads the number whose first digit is at i: digit groups with
// at most maxPhoneSeps separators between them, stopping before a
// standalone date. It returns where the number starts (taking in a "+" or
// "(" just before the first digit), where its last digit ends, and its
// digits.
func numberRun(s string, i int) (start, end, digits int) {
	start = i
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:start])
		if r != '+' && r != '(' && r != '＋' && r != '（' {
			break
		}
		start -= n
	}
	end = i
	for j := i; j < len(s); {
		r, size := utf8.DecodeRuneInString(s[j:])
		if unicode.IsDigit(r) {
			if j > end {
				// A date after separators is not part of the number.
				if e, ok := isoDateAt(s, j); ok && standaloneDate(s, j, e) {
					break
				}
			}
			digits++
			j += size
			end = j
			continue
		}
		seps := 0
		k := j
		for k < len(s) {
			r, n := utf8.DecodeRuneInString(s[k:])
			if !isPhoneSep(r) {
				break
			}
			seps++
			k += n
		}
		if seps == 0 || seps > maxPhoneSeps || k == len(s) {
			break
		}
		if r, _ := utf8.DecodeRuneInString(s[k:]); !unicode.IsDigit(r) {
			break
		}
		j = k
	}
	return start, end, digits
}

// extensionEnd takes in an extension written after a number ending at end
// (" x12", " ext. 12", " extension 12", " #12") and returns where it ends.
func extensionEnd(s string, end int) int {
	j := end
	for j < len(s) && s[j] == ' ' {
		j++
	}
	rest := strings.ToLower(s[j:min(len(s), j+10)])
	for _, w := range []string{"extension", "ext.", "ext", "ex.", "x.", "x", "#"} {
		if strings.HasPrefix(rest, w) {
			k := j + len(w)
			for k < len(s) && (s[k] == ' ' || s[k] == ':' || s[k] == '.') {
				k++
			}
			d := k
			for d < len(s) && s[d] >= '0' && s[d] <= '9' {
				d++
			}
			if d > k {
				return d
			}
			return end
		}
	}
	return end
}

// isoDateAt matches a date as the engine writes it at byte i of s,
// YYYY-MM-DD, optionally with a time (T or a space, HH:MM, :SS, a
// fraction) and a zone (Z, ±HH:MM, ±HHMM), and returns where it ends.
func isoDateAt(s string, i int) (int, bool) {
	num := func(at, n int) (int, bool) {
		if at+n > len(s) {
			return 0, false
		}
		v := 0
		for k := at; k < at+n; k++ {
			if s[k] < '0' || s[k] > '9' {
				return 0, false
			}
			v = v*10 + int(s[k]-'0')
		}
		return v, true
	}
	if _, ok := num(i, 4); !ok || i+10 > len(s) || s[i+4] != '-' || s[i+7] != '-' {
		return 0, false
	}
	mo, ok1 := num(i+5, 2)
	d, ok2 := num(i+8, 2)
	if !ok1 || !ok2 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return 0, false
	}
	end := i + 10
	if end+6 <= len(s) && (s[end] == 'T' || s[end] == ' ') {
		h, okh := num(end+1, 2)
		m, okm := num(end+4, 2)
		if okh && okm && s[end+3] == ':' && h < 24 && m < 60 {
			end += 6
			if end+3 <= len(s) && s[end] == ':' {
				if _, ok := num(end+1, 2); ok {
					end += 3
					if end+1 < len(s) && s[end] == '.' && s[end+1] >= '0' && s[end+1] <= '9' {
						end++
						for end < len(s) && s[end] >= '0' && s[end] <= '9' {
							end++
						}
					}
				}
			}
			switch {
			case end < len(s) && s[end] == 'Z':
				end++
			case end+3 <= len(s) && (s[end] == '+' || s[end] == '-'):
				if _, ok := num(end+1, 2); ok {
					z := end + 3
					if z+3 <= len(s) && s[z] == ':' {
						if _, ok := num(z+1, 2); ok {
							z += 3
						}
					} else if _, ok := num(z, 2); ok {
						z += 2
					}
					end = z
				}
			}
		}
	}
	return end, true
}

// standaloneDate reports whether the date in s[i:end] stands alone: no
// digit touches it, and no separator joins it to more digits, as in
// "2012.12.24.56" or "2026-03-12 345 678", which are numbers.
func standaloneDate(s string, i, end int) bool {
	if i > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if unicode.IsDigit(r) {
			return false
		}
		if isPhoneSep(r) {
			if p, _ := utf8.DecodeLastRuneInString(s[:i-n]); unicode.IsDigit(p) {
				return false
			}
		}
	}
	if end < len(s) {
		r, n := utf8.DecodeRuneInString(s[end:])
		if unicode.IsDigit(r) {
			return false
		}
		if isPhoneSep(r) {
			if q, _ := utf8.DecodeRuneInString(s[end+n:]); unicode.IsDigit(q) {
				return false
			}
		}
	}
	return true
}
