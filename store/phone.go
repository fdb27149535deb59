package store

import (
	"strings"
	"sync"

	"canvass/model"
)

// phoneMemo normalises the phone numbers of a sample. model.NormalizePhone
// is the rule; it costs tens of microseconds a number, most of a million-row
// import. North American numbers written in the usual notations are
// normalised by taking their ten digits, after model.NormalizePhone has
// accepted a number of the same thousand-block (area code, exchange and
// first digit: the finest grain of the numbering plan's validity rules).
// Everything else, and every rejection, goes through model.NormalizePhone.
type phoneMemo struct {
	valid map[[7]byte]bool
	// shared, when set, holds the blocks the other workers of the same
	// import accepted.
	shared *sharedBlocks
}

// sharedBlocks are thousand-blocks accepted by any worker of an import.
type sharedBlocks struct {
	mu    sync.RWMutex
	valid map[[7]byte]bool
}

func (b *sharedBlocks) has(k [7]byte) bool {
	if b == nil {
		return false
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.valid[k]
}

func (b *sharedBlocks) add(k [7]byte) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.valid == nil {
		b.valid = map[[7]byte]bool{}
	}
	b.valid[k] = true
}

func newPhoneMemo() *phoneMemo { return &phoneMemo{valid: map[[7]byte]bool{}} }

func (m *phoneMemo) normalize(raw, region string) (string, error) {
	digits, ok := nanpDigits(raw, region)
	if !ok {
		return model.NormalizePhone(raw, region)
	}
	var block [7]byte
	copy(block[:], digits[:7])
	fictional := digits[3:6] == "555" && digits[6:8] == "01"
	if !fictional && m.valid[block] {
		return "+1" + digits, nil
	}
	if !fictional && m.shared.has(block) {
		m.valid[block] = true
		return "+1" + digits, nil
	}
	p, err := model.NormalizePhone(raw, region)
	if err == nil && p == "+1"+digits && !fictional {
		m.valid[block] = true
		m.shared.add(block)
	}
	return p, err
}

// nanpDigits returns the ten national digits of a North American number
// written with only digits, spaces, dots, dashes and parentheses, with or
// without a leading +1 or 1, when the region is North American.
func nanpDigits(raw, region string) (string, bool) {
	switch strings.ToUpper(region) {
	case "", "US", "CA":
	default:
		return "", false
	}
	var d [11]byte
	n := 0
	plus := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case c == '+' && n == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	switch {
	case n == 11 && d[0] == '1':
		return string(d[1:11]), true
	case n == 10 && !plus:
		return string(d[:10]), true
	}
	return "", false
}
