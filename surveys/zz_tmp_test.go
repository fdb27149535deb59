package surveys

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

func TestZZHunt(t *testing.T) {
	var seeds [][]byte
	for _, name := range []string{"testdata/small.yaml", "demo/csat.yaml", "demo/household.yaml"} {
		d, _ := os.ReadFile(name)
		seeds = append(seeds, d)
	}
	seeds = append(seeds, []byte(yamlHead+"  - name: b\n    type: text\n    label: B\n---\nid: other\n"),
		[]byte(yamlHead+"  - name: b\n    type: integer\n    label: B\n    hint: ${zz}\n    constraint: . >> 1\n"),
		[]byte("a: &a [*a, *a]\nitems: *a\n"))
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		in := append([]byte(nil), seeds[r.IntN(len(seeds))]...)
		for k := 0; k < 1+r.IntN(4); k++ {
			if len(in) == 0 {
				break
			}
			switch r.IntN(3) {
			case 0:
				in[r.IntN(len(in))] = byte(r.IntN(128))
			case 1:
				j := r.IntN(len(in))
				in = append(in[:j], in[j+1:]...)
			case 2:
				j := r.IntN(len(in))
				in = append(in[:j], append([]byte{"-:{}[]*&$ \n"[r.IntN(11)]}, in[j:]...)...)
			}
		}
		done := make(chan bool)
		go func(in []byte) {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				os.WriteFile("/tmp/f2/hang.yaml", in, 0o644)
				fmt.Println("HANG written")
				os.Exit(3)
			}
		}(in)
		Parse("f.yaml", in)
		close(done)
	}
}
