package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestIndexSpillSortsAcrossRuns(t *testing.T) {
	for _, limit := range []int{0, 4096} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			x := &indexSpill{limit: limit}
			defer x.close()
			r := rand.New(rand.NewPCG(1, uint64(limit)))
			var want []string
			for i := range 5000 {
				k := fmt.Appendf(nil, "k%08d-%d", r.IntN(1_000_000), i)
				want = append(want, string(k))
				if err := x.add(k, []byte(fmt.Sprint(i))); err != nil {
					t.Fatal(err)
				}
			}
			if limit > 0 && len(x.runs) < 2 {
				t.Fatalf("%d runs spilled, want several", len(x.runs))
			}
			slices.Sort(want)
			next, err := x.sorted()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for {
				e, ok, err := next()
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				if !bytes.HasSuffix(e.k, []byte("-"+string(e.v))) {
					t.Fatalf("entry %q came back with value %q", e.k, e.v)
				}
				got = append(got, string(e.k))
			}
			if !slices.Equal(got, want) {
				t.Errorf("sorted() gave %d entries, want the %d added in key order", len(got), len(want))
			}
		})
	}
}
