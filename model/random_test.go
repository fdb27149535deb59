package model

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fresh recomputes the interview from scratch, through its saved state:
// nothing cached survives, so it is the oracle for what the incremental
// re-evaluation must give.
func fresh(t *testing.T, iv *Interview) *Interview {
	t.Helper()
	data, err := iv.State()
	if err != nil {
		t.Fatal(err)
	}
	c := testContact()
	c.Survey = iv.form.survey.ID
	back, err := LoadState(iv.form, data, c, newClock().now)
	if err != nil {
		t.Fatalf("LoadState(State()) = %v", err)
	}
	return back
}

// answered is the set of answers (of questions, not calculations or
// repeat prompts) in the interview's data.
func answered(iv *Interview) map[string]bool {
	m := map[string]bool{}
	for _, d := range iv.Data() {
		if n := iv.form.byName[d.Item]; n.stop() {
			m[Ref{d.Item, d.Path}.String()] = true
		}
	}
	return m
}

// answerRandomly answers the current stop with random responses until one
// is accepted (overriding warnings), and returns the result.
func answerRandomly(t *testing.T, iv *Interview, r *rand.Rand) (Result, bool) {
	for range 50 {
		resp := iv.RandomResponse(r)
		ev, res := iv.Answer(resp)
		if res.Status == NeedsOverride {
			resp.Override = "confirmed in test"
			ev, res = iv.Answer(resp)
		}
		if res.Accepted() {
			if ev == nil {
				t.Fatalf("Answer(%+v) accepted without an event", resp)
			}
			return res, true
		}
	}
	return Result{}, false
}

// TestRandomInterviews drives interviews with random answers and moves
// (back, jumps and changes, language switches) and checks after every
// change that the incremental re-evaluation agrees with a recomputation
// from scratch, that Irrelevant and Restored report exactly the answers
// that left and rejoined the data, and that one event is kept per
// accepted answer.
func TestRandomInterviews(t *testing.T) {
	seeds := 20
	if testing.Short() {
		seeds = 5
	}
	for i := range seeds {
		seed := uint64(i)
		s := travelSurvey()
		if i%2 == 1 {
			s = nestedSurvey()
		}
		r := rand.New(rand.NewPCG(seed, 99))
		iv := start(t, s, seed)
		accepted := 0
		for step := 0; step < 200 && !iv.Done(); step++ {
			switch x := r.IntN(20); {
			case x == 0:
				if err := iv.Back(); err != nil && !errors.Is(err, ErrAtStart) {
					t.Fatalf("seed %d: Back() = %v", seed, err)
				}
				continue
			case x == 1:
				if langs := s.Languages; len(langs) > 0 {
					if err := iv.SetLanguage(langs[r.IntN(len(langs))]); err != nil {
						t.Fatal(err)
					}
				}
			case x == 2:
				iv.FastForward()
				continue
			case x <= 5 && len(iv.history) > 0:
				ev := iv.history[r.IntN(len(iv.history))]
				if err := iv.GoTo(ev.Item, ev.Path); err != nil && !errors.Is(err, ErrNotOnRoute) {
					t.Fatalf("seed %d: GoTo(%s) = %v", seed, Ref{ev.Item, ev.Path}, err)
				}
			}
			if iv.Current().Kind == KindNote {
				if err := iv.Next(); err != nil {
					t.Fatalf("seed %d: Next() at a note = %v", seed, err)
				}
				continue
			}
			before := answered(fresh(t, iv))
			where := at(iv)
			res, ok := answerRandomly(t, iv, r)
			if !ok {
				t.Fatalf("seed %d: no random answer accepted at %s", seed, where)
			}
			accepted++
			scratch := fresh(t, iv)
			after := answered(scratch)
			var gone, back []string
			for k := range before {
				if !after[k] && k != where {
					gone = append(gone, k)
				}
			}
			for k := range after {
				if !before[k] && k != where {
					back = append(back, k)
				}
			}
			got := func(rs []Ref) []string {
				var out []string
				for _, r := range rs {
					out = append(out, r.String())
				}
				return out
			}
			sorted := cmp.Transformer("sort", func(in []string) []string {
				out := slices.Clone(in)
				slices.Sort(out)
				return out
			})
			if diff := cmp.Diff(gone, got(res.Irrelevant), sorted); diff != "" {
				t.Fatalf("seed %d step %d: answer at %s: Irrelevant (-from scratch +reported):\n%s", seed, step, where, diff)
			}
			if diff := cmp.Diff(back, got(res.Restored), sorted); diff != "" {
				t.Fatalf("seed %d step %d: answer at %s: Restored (-from scratch +reported):\n%s", seed, step, where, diff)
			}
			if diff := cmp.Diff(scratch.Data(), iv.Data()); diff != "" {
				t.Fatalf("seed %d step %d: answer at %s: Data (-from scratch +incremental):\n%s", seed, step, where, diff)
			}
			if diff := cmp.Diff(scratch.Progress(), iv.Progress()); diff != "" {
				t.Fatalf("seed %d step %d: Progress (-from scratch +incremental):\n%s", seed, step, diff)
			}
			err := iv.Next()
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("seed %d: Next() after an accepted answer at %s = %v", seed, where, err)
			}
		}
		if len(iv.History()) != accepted {
			t.Errorf("seed %d: %d events for %d accepted answers", seed, len(iv.History()), accepted)
		}
		if errs := iv.Errors(); len(errs) > 0 {
			t.Errorf("seed %d: Errors() = %q", seed, errs)
		}
		if diff := cmp.Diff(snap(fresh(t, iv)), snap(iv)); diff != "" {
			t.Errorf("seed %d: resumed interview differs (-resumed +live):\n%s", seed, diff)
		}
	}
}
