package model

import (
	"strings"
	"testing"
	"time"

	"canvass/model/xpath"
)

func TestSurveyEvalEnv(t *testing.T) {
	s := travelSurvey()
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		vars map[string]string
		lang string
		expr string
		want string
	}{
		// Every item of the questionnaire is a known, unanswered name.
		{nil, "en", "string-length(${transport})", "0"},
		{map[string]string{"transport": "bus train"}, "en", "count-selected(${transport})", "2"},
		// The choice lists are the secondary instances, labels in lang.
		{nil, "es", "instance('cities')/root/item[name = 'sevilla']/label", "Sevilla"},
		{nil, "en", "count(instance('cities')/root/item[country = 'fr'])", "2"},
		{map[string]string{"transport": "bike"}, "es", "jr:choice-name(${transport}, '${transport}')", "Bicicleta"},
		{nil, "en", "today()", "2026-03-01"},
	}
	for _, tc := range tests {
		env, err := s.EvalEnv(tc.vars, tc.lang, now)
		if err != nil {
			t.Fatalf("EvalEnv(%v) error: %v", tc.vars, err)
		}
		got, err := xpath.MustCompile(tc.expr).Eval(env)
		if err != nil {
			t.Errorf("Eval(%s) error: %v", tc.expr, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("Eval(%s) with %v in %s = %q, want %q", tc.expr, tc.vars, tc.lang, got.String(), tc.want)
		}
	}
}

func TestSurveyEvalEnvUnknownName(t *testing.T) {
	_, err := travelSurvey().EvalEnv(map[string]string{"trasnport": "bus"}, "en", time.Time{})
	if err == nil || !strings.Contains(err.Error(), `no item named "trasnport"`) {
		t.Errorf("EvalEnv(trasnport) error = %v, want one naming the unknown item", err)
	}
	env, err := travelSurvey().EvalEnv(nil, "en", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := xpath.MustCompile("${nosuch}").Eval(env); err == nil {
		t.Errorf("Eval(${nosuch}) succeeded, want an unknown-question error")
	}
}

// TestDurationCountsFromInterviewStart: SurveyCTO's duration() is the
// seconds since the interview started, recomputed like any calculation when
// what it depends on changes.
func TestDurationCountsFromInterviewStart(t *testing.T) {
	s := &Survey{ID: "d", Version: "1", Title: "D", Items: []Item{
		{Name: "q", Type: TypeText, Label: en("Anything?")},
		{Name: "took", Type: TypeCalculate, Calculation: "if(${q} != '', duration(), '')"},
	}}
	now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	iv, err := Start(mustForm(t, s), Config{Contact: &Contact{ID: "c", Survey: "d"}, Lang: "en", Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(95*time.Second + 400*time.Millisecond)
	if _, res := iv.Answer(Response{Value: "yes"}); res.Status != Accepted {
		t.Fatalf("Answer(yes) = %+v", res)
	}
	for _, d := range iv.Data() {
		if d.Item == "took" {
			if d.Value != "95" {
				t.Errorf("duration() after 95.4 s = %q, want 95", d.Value)
			}
			return
		}
	}
	t.Errorf("Data() has no value for took: %+v", iv.Data())
}

// TestEvalEnvPaths checks that `canvass eval --survey` walks the form's
// instance and reads its data files.
func TestEvalEnvPaths(t *testing.T) {
	s := &Survey{ID: "e", Root: "hh",
		Attachments: map[string][]byte{"prices.csv": []byte("crop,price\nmaize,2.5\n")},
		Items: []Item{
			{Name: "size", Type: TypeInteger},
			{Name: "g", Type: TypeGroup, Items: []Item{{Name: "g_size", XMLName: "size", Type: TypeInteger}}},
			{Name: "rep", Type: TypeRepeat, Items: []Item{{Name: "age", Type: TypeInteger}}},
		}}
	env, err := s.EvalEnv(map[string]string{"size": "3", "g_size": "4", "age": "40"}, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for expr, want := range map[string]string{
		"/hh/size + /hh/g/size":                            "7",
		"count(/hh/rep[age > 18])":                         "1",
		"pulldata('prices', 'price', 'crop', 'maize') * 2": "5",
		"count(/data/size)":                                "0", // the root is hh
	} {
		got, err := xpath.MustCompile(expr).Eval(env)
		if err != nil || got.String() != want {
			t.Errorf("Eval(%q) = %q, %v; want %q", expr, got, err, want)
		}
	}
}
