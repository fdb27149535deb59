package model

import "testing"

// TestReadOnlyExpression (issue 15): a read_only expression makes the
// question read-only where it holds, per repeat instance: shown with its
// value, taking no answer, passed with Next.
func TestReadOnlyExpression(t *testing.T) {
	s := &Survey{ID: "ro", Items: []Item{
		{Name: "p", Type: TypeRepeat, RepeatCount: "2", Label: en("Person"), Items: []Item{
			{Name: "age", Type: TypeInteger, Label: en("Age?")},
			{Name: "job", Type: TypeText, Label: en("Job?"), Default: "none", ReadOnlyIf: "../age < 16"},
		}},
		{Name: "done", Type: TypeNote, Label: en("Done")},
	}}
	iv := start(t, s, 1)
	play(t, iv, []step{
		{at: "age[1]", value: "12"},
	})
	if sc := iv.Current(); at(iv) != "job[1]" || sc.Kind != KindNote {
		t.Fatalf("at %s kind %v, want job[1] read-only (a note)", at(iv), sc.Kind)
	}
	if _, res := iv.Answer(Response{Value: "pupil"}); res.Status != Rejected {
		t.Errorf("Answer on a read-only job[1] = %v, want it rejected", res.Status)
	}
	play(t, iv, []step{
		{at: "job[1]"},
		{at: "age[2]", value: "40"},
	})
	if sc := iv.Current(); at(iv) != "job[2]" || sc.Kind != KindQuestion {
		t.Fatalf("at %s kind %v, want job[2] open (age 40)", at(iv), sc.Kind)
	}
	play(t, iv, []step{{at: "job[2]", value: "baker"}, {at: "done"}, {at: "END"}})
}

func TestReadOnlyExpressionChecked(t *testing.T) {
	s := &Survey{ID: "ro", Source: "ro.yaml", Items: []Item{
		{Name: "job", Type: TypeText, Label: en("Job?"), ReadOnlyIf: "${agee} < 16", Pos: Pos{Line: 3}, Lines: map[string]int{"read_only": 5}},
	}}
	probs := s.Validate()
	want := "ro.yaml:5: job: read_only refers to unknown item ${agee}"
	if len(probs) == 0 || probs[0].String() != want {
		t.Errorf("Validate() = %q, want %q", probs, want)
	}
}
