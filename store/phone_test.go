package store

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"canvass/model"
)

// The memo must agree with model.NormalizePhone on every number: same
// result, same acceptance.
func TestPhoneMemoAgreesWithNormalizePhone(t *testing.T) {
	m := newPhoneMemo()
	r := rand.New(rand.NewPCG(5, 5))
	notations := []string{"(%s) %s-%s", "%s.%s.%s", "+1 %s %s %s", "1%s%s%s", "%s%s%s", "+1%s-%s-%s", "1 (%s) %s %s"}
	check := func(raw string) {
		want, werr := model.NormalizePhone(raw, "US")
		got, gerr := m.normalize(raw, "US")
		if got != want || (werr == nil) != (gerr == nil) {
			t.Errorf("normalize(%q) = %q, %v, want %q, %v", raw, got, gerr, want, werr)
		}
	}
	for range 20000 {
		// Few area codes and exchanges, so that blocks repeat and the
		// memo is used; some invalid ones among them.
		area := fmt.Sprintf("%03d", []int{415, 212, 555, 100, 911, 289, 800, 264}[r.IntN(8)])
		exch := fmt.Sprintf("%03d", []int{555, 200, 911, 100, 123, 276}[r.IntN(6)])
		line := fmt.Sprintf("%04d", r.IntN(10000))
		if r.IntN(4) == 0 {
			line = fmt.Sprintf("01%02d", r.IntN(100))
		}
		check(fmt.Sprintf(notations[r.IntN(len(notations))], area, exch, line))
	}
	for _, raw := range []string{"+44 20 7946 0958", "415 555 0100 x12", "++14155550100", "4155550100 ", "1415555010", "+4155550100", ""} {
		check(raw)
	}
}
