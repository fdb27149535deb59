package model

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"canvass/model/phonenumbers"
	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Contact is one person of a survey's sample. Name, phones, email and
// company are personal data; Fields holds the sample's further columns,
// available to fills as ${contact.FIELD}.
type Contact struct {
	// ID is the sample's own id, unique within a survey.
	ID      string `json:"id"`
	Survey  string `json:"survey"`
	Name    string `json:"name,omitempty"`
	Company string `json:"company,omitempty"`
	// Phones are E.164 numbers, the first the main one.
	Phones   []string `json:"phones,omitempty"`
	Email    string   `json:"email,omitempty"`
	Location string   `json:"location,omitempty"`
	// Timezone is an IANA zone name from the sample; empty means derive it
	// from the phone number.
	Timezone string `json:"timezone,omitempty"`
	Language string `json:"language,omitempty"`
	// Source says where the contact came from: "client" or "panel".
	Source string            `json:"source"`
	Fields map[string]string `json:"fields,omitempty"`
}

// Phone returns the contact's main phone number, or "".
func (c *Contact) Phone() string {
	if len(c.Phones) == 0 {
		return ""
	}
	return c.Phones[0]
}

// NormalizePhone parses a phone number written in any common notation and
// returns it in E.164 form ("+14155550100"). region is the ISO 3166 country
// assumed for numbers written without a country code ("US").
func NormalizePhone(raw, region string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("empty phone number")
	}
	if region == "" {
		region = "US"
	}
	region = strings.ToUpper(region)
	// "14155550100" (NANP with the trunk 1 but no plus) parses as a national
	// number of the wrong length in US; try it as international too.
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		digits := onlyDigits(s)
		if len(digits) > 10 && !strings.HasPrefix(s, "+") {
			if n2, err2 := phonenumbers.Parse("+"+digits, region); err2 == nil && phonenumbers.IsPossibleNumber(n2) && phonenumbers.IsValidNumber(n2) {
				return phonenumbers.Format(n2, phonenumbers.E164), nil
			}
		}
		if err != nil {
			return "", fmt.Errorf("%q is not a phone number", raw)
		}
		if !phonenumbers.IsPossibleNumber(num) {
			return "", fmt.Errorf("%q is not a possible phone number in %s", raw, region)
		}
		// Fictional numbers (the 555-01xx range) are possible but not
		// "valid" by numbering plan; they are real enough for a sample.
		if !fictional(num) {
			return "", fmt.Errorf("%q is not a valid phone number in %s", raw, region)
		}
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// fictional reports whether a North American number is in the 555-0100 to
// 555-0199 range reserved for fiction, which the demo sample uses.
func fictional(num *phonenumbers.PhoneNumber) bool {
	if num.GetCountryCode() != 1 {
		return false
	}
	n := fmt.Sprint(num.GetNationalNumber())
	return len(n) == 10 && n[3:6] == "555" && n[6:8] == "01"
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// plainEmail reports whether s is a lower-case address of the plainest
// form: letters, digits and ._%+- before the @, a domain of letters, digits,
// dots and hyphens with at least one dot, no empty dot-separated part.
// net/mail accepts every such address unchanged (FuzzPlainEmail).
func plainEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	domain := s[at+1:]
	return dotAtom(s[:at], true) && dotAtom(domain, false) && strings.IndexByte(domain, '.') > 0
}

func dotAtom(p string, local bool) bool {
	if p[0] == '.' || p[len(p)-1] == '.' {
		return false
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case c == '.':
			if p[i-1] == '.' {
				return false
			}
		case local && (c == '_' || c == '+' || c == '%'):
		default:
			return false
		}
	}
	return true
}

// NormalizeEmail turns an email address into the one form under which it
// is keyed everywhere (the opt-out list, the sample's index, duplicates):
// trimmed, lower-cased, in Unicode NFC, with the domain in its IDNA ASCII
// form ("ana@bücher.de" and its decomposed spelling both become
// "ana@xn--bcher-kva.de"). Two canonically equivalent spellings always
// give the same result, since it is computed from the decomposed form
// (NFD), lower-cased and recomposed; the result normalises to itself
// (FuzzNormalizeEmail). An ASCII address only loses its upper case, as it
// did before; its domain is kept as written, A-labels ("xn--...") too.
func NormalizeEmail(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("empty email address")
	}
	if ascii(s) {
		s = strings.ToLower(s)
		if plainEmail(s) {
			// The common form, which ParseAddress accepts as it is; checked
			// here because a million-row sample spends seconds in it.
			return s, nil
		}
	} else {
		s = norm.NFC.String(strings.ToLower(norm.NFD.String(s)))
		if at := strings.LastIndexByte(s, '@'); at >= 0 && !ascii(s[at+1:]) {
			d, err := idna.Lookup.ToASCII(s[at+1:])
			if err != nil {
				return "", fmt.Errorf("%q is not an email address: its domain is not a valid internationalised name", raw)
			}
			s = s[:at+1] + d
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", fmt.Errorf("%q is not an email address", raw)
	}
	return s, nil
}

// ascii reports whether s is all ASCII.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// OptOutKey is the key under which a normalised phone (E.164) or email is
// kept on the opt-out list: a SHA-256 hash, so that the list's keys hold no
// personal data and hashed do-not-call lists ("sha256:" + hex) can be loaded
// as they are.
func OptOutKey(normalized string) [32]byte {
	return sha256.Sum256([]byte(normalized))
}

// ParseHashedOptOut reads a "sha256:" + hex value of a hashed opt-out list.
func ParseHashedOptOut(s string) ([32]byte, bool) {
	var k [32]byte
	h, ok := strings.CutPrefix(strings.TrimSpace(s), "sha256:")
	if !ok || len(h) != 64 {
		return k, false
	}
	b, err := hex.DecodeString(strings.ToLower(h))
	if err != nil {
		return k, false
	}
	copy(k[:], b)
	return k, true
}
