package model

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// chainSurvey is n questions, each relevant on the one before it: the
// longest closure there can be, n(n+1)/2 entries over all items.
func chainSurvey(n int) *Survey {
	s := &Survey{ID: "chain", Version: "1"}
	for i := range n {
		it := Item{Name: fmt.Sprintf("q%d", i), Type: TypeInteger, Label: en("Q")}
		if i > 0 {
			it.Relevant = fmt.Sprintf("${q%d} != 0", i-1)
		}
		if i%7 == 3 {
			it.Constraint = fmt.Sprintf(". != ${q%d}", i-3)
		}
		s.Items = append(s.Items, it)
	}
	return s
}

// TestClosureWalk checks what an interview computes a change may affect
// against the transitive closure worked out naively from the references,
// now that the form no longer keeps every closure.
func TestClosureWalk(t *testing.T) {
	for _, s := range []*Survey{chainSurvey(40), bigSurvey(120)} {
		f, probs := Compile(s)
		if f == nil {
			t.Fatalf("Compile(%s) = %v", s.ID, probs)
		}
		iv, err := Start(f, Config{Clock: func() time.Time { return time.Unix(0, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range f.nodes {
			// Naive: keep adding every node that depends on one already in.
			want := map[int]bool{n.idx: true}
			for grew := true; grew; {
				grew = false
				for _, m := range f.nodes {
					if want[m.idx] {
						continue
					}
					if slices.ContainsFunc(m.deps, func(d *node) bool { return want[d.idx] }) {
						want[m.idx], grew = true, true
					}
				}
			}
			var wantList []int
			for i := range want {
				wantList = append(wantList, i)
			}
			slices.Sort(wantList)
			if diff := cmp.Diff(wantList, iv.closure(n)); diff != "" {
				t.Errorf("%s: closure(%s) mismatch (-want +got):\n%s", s.ID, n.it.Name, diff)
			}
		}
	}
}

func TestTooManyItems(t *testing.T) {
	s := &Survey{ID: "huge", Version: "1", Source: "huge.yaml"}
	s.Items = make([]Item, MaxItems+1)
	for i := range s.Items {
		s.Items[i] = Item{Name: fmt.Sprintf("q%d", i), Type: TypeNote, Label: en("Note"), Pos: Pos{Line: i + 10}}
	}
	f, probs := Compile(s)
	want := fmt.Sprintf("huge.yaml:%d: the questionnaire has %d items; canvass takes up to %d", MaxItems+10, MaxItems+1, MaxItems)
	if f != nil || len(probs) != 1 || probs[0].String() != want {
		t.Errorf("Compile(%d items) = %v, %q; want nil and %q", len(s.Items), f != nil, probs, want)
	}
	s.Items = s.Items[:MaxItems]
	if _, probs := Compile(s); !Valid(probs) {
		t.Errorf("Compile(%d items) = %q, want no error", len(s.Items), probs)
	}
}

func TestTooLongExpression(t *testing.T) {
	s := chainSurvey(3)
	s.Source = "long.yaml"
	s.Items[2].Calculation = strings.Repeat("${q0} + ", 10_000) + "1"
	s.Items[2].Type = TypeCalculate
	_, probs := Compile(s)
	if Valid(probs) || !strings.Contains(fmt.Sprint(probs), "canvass takes expressions of up to 65536 bytes") {
		t.Errorf("Compile(80 kB calculation) = %q, want it refused with the limit", probs)
	}
}
