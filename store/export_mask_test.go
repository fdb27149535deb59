package store

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"canvass/model"
)

func TestMaskAny(t *testing.T) {
	tests := []struct{ in, want string }{
		// Phones in the notations people write.
		{"call 212/555-0100 today", "call [personal] today"},
		{"212.555.0100", "[personal]"},
		{"on (212) 555-0100!", "on [personal]!"},
		{"+1 212 555 0100, evenings", "[personal], evenings"},
		{"+44 (0)20 7946 0958", "[personal]"},
		{"2125550100", "[personal]"},
		{"555-0100 or 555 0101", "[personal] or [personal]"},
		{"212-555-0100 x12, ask for Al", "[personal], ask for Al"},
		{"212-555-0100 ext. 12", "[personal]"},
		{"212 555 0100 extension 9", "[personal]"},
		{"tel:+1-212-555-0100;", "tel:[personal];"},
		{"２１２－５５５－０１００", "[personal]"},
		{"212\u00a0555\u20130100", "[personal]"},
		{"a212-555-0100b", "a[personal]b"},
		// Emails.
		{"mail ann.smith+x@Example.COM.", "mail [personal]."},
		{"<bob@mail.example.org>", "<[personal]>"},
		{"ünï@exämple.de", "[personal]"},
		{"a@b@c.example", "[personal]"},
		{"ann1234567@example.com", "[personal]"},
		// Left alone: short numbers, dates and times, handles.
		{"age 41, 3 pets, room 1204", "age 41, 3 pets, room 1204"},
		{"visited 2026-03-01, back 2026-03-08T10:30:00.000+01:00", "visited 2026-03-01, back 2026-03-08T10:30:00.000+01:00"},
		{"2026-03-01 10:30 to 12:00", "2026-03-01 10:30 to 12:00"},
		{"follow @canvass", "follow @canvass"},
		{"1,500,000 people", "1,500,000 people"},
		// A date that runs on into more digits is a number.
		{"2026-03-12 345 678", "[personal]"},
		{"2012.12.24.56", "[personal]"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := maskAny(tt.in); got != tt.want {
			t.Errorf("maskAny(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskValueByType(t *testing.T) {
	sc := newScrubber(&model.Contact{Name: "Ann Smith", Phones: []string{"+14155550100"}}, nil)
	tests := []struct {
		t        model.ItemType
		in, want string
	}{
		{model.TypeText, "Ann Smith, 212/555-0199", "[personal], [personal]"},
		{model.TypeCalculate, "0.6666666666666666", "0.6666666666666666"},
		{model.TypeCalculate, "ring 212/555-0199", "ring [personal]"},
		{model.TypeCalculate, "Hi Ann Smith", "Hi [personal]"},
		{model.TypeMeta, "2026-03-02T15:00:00.000+00:00", "2026-03-02T15:00:00.000+00:00"},
		{model.TypeMeta, "uuid:12345678-9abc-4def-8123-456789abcdef", "uuid:12345678-9abc-4def-8123-456789abcdef"},
		{model.TypeInteger, "2125550199", "2125550199"},
	}
	for _, tt := range tests {
		if got := sc.maskValue(tt.t, tt.in); got != tt.want {
			t.Errorf("maskValue(%s, %q) = %q, want %q", tt.t, tt.in, got, tt.want)
		}
	}
}

// TestScrubberMasksPersonalFields: a survey's personal fields are masked
// whether they are a column of the sample or one of the contact's own
// fields (location).
func TestScrubberMasksPersonalFields(t *testing.T) {
	c := &model.Contact{Name: "Ann Smith", Location: "Springfield Gardens", Language: "en",
		Fields: map[string]string{"staff_no": "S-778899"}}
	sc := newScrubber(c, []string{"location", "staff_no"})
	for in, want := range map[string]string{
		"lives in springfield gardens": "lives in [personal]",
		"staff S-778899":               "staff [personal]",
		"speaks en and fr":             "speaks en and fr",
	} {
		if got := sc.mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// phoneNotations write the digits of a number as people do.
var phoneNotations = []func(d string) string{
	func(d string) string { return d },
	func(d string) string { return groups(d, "-", 3, 3) },
	func(d string) string { return groups(d, ".", 3, 3) },
	func(d string) string { return groups(d, " ", 3, 3) },
	func(d string) string { return d[:3] + "/" + groups(d[3:], "-", 3) },
	func(d string) string { return "(" + d[:3] + ") " + groups(d[3:], "-", 3) },
	func(d string) string { return "+" + d[:2] + " " + groups(d[2:], " ", 2, 4) },
	func(d string) string { return "+" + d[:1] + " (" + d[1:4] + ") " + groups(d[4:], "-", 3) },
	func(d string) string { return "+" + d[:2] + " (0)" + groups(d[2:], " ", 2, 4) },
	func(d string) string { return groups(d, "-", 3, 3) + " x" + d[:2] },
	func(d string) string { return groups(d, " ", 3, 3) + " ext. " + d[len(d)-2:] },
	func(d string) string { return groups(d, " - ", 3, 3) },
	func(d string) string { return groups(d, "\u00a0", 2, 2, 2, 2) },
}

// groups splits d after the given lengths, joined by sep.
func groups(d, sep string, sizes ...int) string {
	var parts []string
	for _, n := range sizes {
		if len(d) <= n {
			break
		}
		parts, d = append(parts, d[:n]), d[n:]
	}
	return strings.Join(append(parts, d), sep)
}

// FuzzMaskText: a phone number (7 to 15 digits, in any of the notations
// above) or an email address put anywhere in any text never survives the
// masking of free text, and masking twice changes nothing more.
func FuzzMaskText(f *testing.F) {
	f.Add("call", "today", uint64(2125550100), uint8(4), "ann.smith", "example.com")
	f.Add("2026-03-", "", uint64(1234567), uint8(0), "a", "b.c")
	f.Add("x@", "@y", uint64(44207946095), uint8(8), "+tag", "mail.example.org")
	f.Add("\xf3Ann Smith", "İ", uint64(99999999999999), uint8(11), "ü", "xn--bcher-kva.example")
	f.Add("1999-12-3", "", uint64(15550100), uint8(3), "z", "y.z")
	sc := newScrubber(&model.Contact{Name: "Ann Smith", Phones: []string{"+14155550100"}, Email: "ann@example.com"}, nil)
	f.Fuzz(func(t *testing.T, before, after string, number uint64, notation uint8, local, domain string) {
		digits := fmt.Sprint(number)
		if len(digits) < minPhoneDigits || len(digits) > 15 {
			return
		}
		phone := phoneNotations[int(notation)%len(phoneNotations)](digits)
		text := before + " " + phone + " " + after
		got := sc.maskText(text)
		if strings.Contains(got, phone) || strings.Contains(got, digits) {
			t.Errorf("maskText(%q) = %q, still holding the phone %q", text, got, phone)
		}
		if again := sc.maskText(got); again != got {
			t.Errorf("maskText(%q) = %q, but masking that gives %q", text, got, again)
		}
		if !plausibleEmailPart(local, emailLocalRune) || !plausibleEmailPart(domain, emailDomainRune) ||
			strings.Trim(domain, ".-") != domain {
			return
		}
		email := local + "@" + domain
		text = before + " " + email + " " + after
		if got := strings.ToLower(sc.maskText(text)); strings.Contains(got, strings.ToLower(email)) {
			t.Errorf("maskText(%q) = %q, still holding the address %q", text, got, email)
		}
	})
}

func plausibleEmailPart(s string, ok func(rune) bool) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !ok(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}
