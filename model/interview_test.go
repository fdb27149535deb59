package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dataMap flattens Interview.Data for comparisons: "item[path]" => value
// (special codes as "<dk>").
func dataMap(iv *Interview) map[string]string {
	m := map[string]string{}
	for _, d := range iv.Data() {
		v := d.Value
		if d.Special != NoSpecial {
			v = "<" + string(d.Special) + ">"
		}
		if d.Other != "" {
			v += " (" + d.Other + ")"
		}
		m[Ref{d.Item, d.Path}.String()] = v
	}
	return m
}

// toHousehold answers the travel survey up to the household size question.
func toHousehold(age string) []step {
	s := []step{
		{at: "hello"},
		{at: "age", value: age},
	}
	if age >= "18" {
		s = append(s, step{at: "employed", value: "no"})
	} else {
		s = append(s, step{at: "transport", value: "bus"})
	}
	return append(s,
		step{at: "country", value: "es"},
		step{at: "city", value: "madrid"},
	)
}

// finish answers the travel survey from the trip prompt to the end.
var finish = []step{
	{at: "trip[1]", value: "no"},
	{at: "rating", value: "8"},
	{at: "prios", value: "speed price comfort"},
	{at: "photo", special: Skipped},
	{at: "visit", value: "2026-02-01"},
	{at: "done_ack", value: "ok"},
	{at: "END"},
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		// want are values expected in Data (item[path] => value); absent
		// lists items that must not be in it.
		want   map[string]string
		absent []string
	}{
		{
			name: "adult who works answers employer and commute, main mode filtered",
			steps: slices.Concat([]step{
				{at: "hello"},
				{at: "age", value: "34"},
				{at: "employed", value: "yes"},
				{at: "employer", value: "Babbage & Co"},
				{at: "transport", value: "bus car other", want: Rejected, msg: "say what the other"},
				{at: "transport", value: "bus car other", other: "ferry"},
				{at: "main_mode", value: "bike", want: Rejected, msg: `"bike" is not one of the options`},
				{at: "main_mode", value: "car"},
				{at: "country", value: "fr"},
				{at: "city", value: "madrid", want: Rejected},
				{at: "city", value: "lyon"},
				{at: "hh_size", value: "1"},
				{at: "m_name[1]", value: "Ada"},
				{at: "m_age[1]", value: "34"},
				{at: "adults_note"},
			}, finish),
			want: map[string]string{
				"adult": "yes", "employed": "yes", "employer": "Babbage & Co",
				"transport": "bus car other (ferry)", "main_mode": "car", "city": "lyon",
				"m_name[1]": "Ada", "m_adult[1]": "1", "n_adults": "1", "n_trips": "0",
				"c1": "68", "c2": "68", "c3": "score-68", "photo": "<skip>", "done_ack": "OK",
				"prios": "speed price comfort", "visit": "2026-02-01",
			},
		},
		{
			name: "adult not working skips employer and the commute group",
			steps: slices.Concat(toHousehold("40"), []step{
				{at: "hh_size", value: "2"},
				{at: "m_name[1]", value: "Ada"},
				{at: "m_age[1]", special: DontKnow},
				{at: "m_name[2]", blank: true, want: Rejected, msg: "required"},
				{at: "m_name[2]", value: "Byron"},
				{at: "m_age[2]", value: "70"},
				{at: "adults_note"},
			}, finish),
			want:   map[string]string{"employed": "no", "m_age[1]": "<dk>", "m_adult[1]": "0", "m_adult[2]": "1", "n_adults": "1"},
			absent: []string{"employer", "transport", "main_mode"},
		},
		{
			name: "minor skips employment; one mode skips main mode",
			steps: slices.Concat(toHousehold("12"), []step{
				{at: "hh_size", value: "0", want: Rejected},
				{at: "hh_size", value: "1"},
				{at: "m_name[1]", value: "Kid"},
				{at: "m_age[1]", value: "12"},
				{at: "adults_note"},
			}, finish),
			want:   map[string]string{"adult": "no", "transport": "bus", "n_adults": "0"},
			absent: []string{"employed", "employer", "main_mode"},
		},
		{
			name: "hard and soft checks on age",
			steps: slices.Concat([]step{
				{at: "hello"},
				{at: "age", value: "abc", want: Rejected, msg: "not a whole number"},
				{at: "age", value: "130", want: Rejected, msg: "Age must be between 0 and 120"},
				{at: "age", blank: true, want: Rejected, msg: "required"},
				{at: "age", value: "104", want: NeedsOverride, msg: "Over 100: please confirm"},
				{at: "age", value: "104", override: "respondent showed ID"},
				{at: "employed", value: "no"},
			}, toHousehold("40")[3:], []step{
				{at: "hh_size", value: "1"},
				{at: "m_name[1]", value: "Old"},
				{at: "m_age[1]", value: "104"},
				{at: "adults_note"},
			}, finish),
			want: map[string]string{"age": "104"},
		},
		{
			name: "don't know and refused",
			steps: slices.Concat([]step{
				{at: "hello"},
				{at: "age", special: Refused},
				{at: "transport", special: DontKnow},
				{at: "country", value: "fr", special: DontKnow, want: Rejected, msg: "not both"},
				{at: "country", special: Refused},
				{at: "city", special: DontKnow},
				{at: "hh_size", value: "1"},
				{at: "m_name[1]", value: "A"},
				{at: "m_age[1]", blank: true},
				{at: "adults_note"},
				{at: "trip[1]", special: DontKnow, want: Rejected, msg: "yes or no"},
			}, finish),
			want:   map[string]string{"age": "<rf>", "adult": "no", "transport": "<dk>", "country": "<rf>", "city": "<dk>", "m_age[1]": ""},
			absent: []string{"employed", "main_mode", "c1"},
		},
		{
			name: "add another trip twice",
			steps: slices.Concat(toHousehold("40"), []step{
				{at: "hh_size", value: "1"},
				{at: "m_name[1]", value: "A"},
				{at: "m_age[1]", value: "40"},
				{at: "adults_note"},
				{at: "trip[1]", value: "maybe", want: Rejected},
				{at: "trip[1]", value: "yes"},
				{at: "trip_dest[1]", value: "Lyon"},
				{at: "trip_car[1]", value: "yes"},
				{at: "trip[2]", value: "y"},
				{at: "trip_dest[2]", value: "Nice"},
				{at: "trip_car[2]", value: "no"},
				{at: "trip[3]", value: "no"},
			}, finish[1:]),
			want: map[string]string{"trip_dest[1]": "Lyon", "trip_dest[2]": "Nice", "trip_car[2]": "no", "n_trips": "2", "c2": "82"},
		},
		{
			name: "back keeps answers and forward again",
			steps: slices.Concat(toHousehold("40"), []step{
				{at: "hh_size", back: true},
				{at: "city", back: true},
				{at: "country", back: true},
				{at: "employed"}, // answered: Next moves on
				{at: "country"},
				{at: "city"},
				{at: "hh_size", value: "1"},
				{at: "m_name[1]", value: "A"},
				{at: "m_age[1]", value: "40"},
				{at: "adults_note"},
			}, finish),
			want: map[string]string{"employed": "no", "country": "es", "city": "madrid"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iv := start(t, travelSurvey(), 7)
			play(t, iv, tt.steps)
			got := dataMap(iv)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("Data()[%s] = %q, want %q", k, got[k], v)
				}
			}
			for _, k := range tt.absent {
				if v, ok := got[k]; ok {
					t.Errorf("Data()[%s] = %q, want it absent", k, v)
				}
			}
			if errs := iv.Errors(); len(errs) > 0 {
				t.Errorf("Errors() = %q, want none", errs)
			}
		})
	}
}

func TestEveryAcceptedAnswerIsOneEvent(t *testing.T) {
	iv := start(t, travelSurvey(), 7)
	steps := slices.Concat([]step{
		{at: "hello"},
		{at: "age", value: "200", want: Rejected},
		{at: "age", value: "101", want: NeedsOverride},
		{at: "age", value: "101", override: "checked"},
	}, toHousehold("40")[2:], []step{
		{at: "hh_size", value: "1"},
		{at: "m_name[1]", value: "A"},
		{at: "m_age[1]", value: "40"},
		{at: "adults_note"},
	}, finish)
	play(t, iv, steps)
	accepted := 0
	for _, s := range steps {
		if (s.value != "" || s.special != NoSpecial || s.blank || s.override != "") && s.want == Accepted {
			accepted++
		}
	}
	h := iv.History()
	if len(h) != accepted {
		t.Fatalf("len(History()) = %d, want %d accepted answers", len(h), accepted)
	}
	if h[0].Item != "age" || h[0].Value != "101" || h[0].Override != "checked" {
		t.Errorf("History()[0] = %+v, want age 101 with override %q", h[0], "checked")
	}
	for _, ev := range h {
		if ev.Shown.IsZero() || !ev.Answered.After(ev.Shown) || ev.Lang != "en" {
			t.Errorf("event %s: Shown %v, Answered %v, Lang %q: want shown before answered, lang en", ev.Item, ev.Shown, ev.Answered, ev.Lang)
		}
	}
	if last := h[len(h)-1]; last.Item != "done_ack" || last.Value != "OK" {
		t.Errorf("last event = %+v, want done_ack OK", last)
	}
}

func TestChangeEarlierAnswer(t *testing.T) {
	iv := start(t, travelSurvey(), 7)
	play(t, iv, []step{
		{at: "hello"},
		{at: "age", value: "34"},
		{at: "employed", value: "yes"},
		{at: "employer", value: "Babbage & Co"},
		{at: "transport", value: "bus train"},
		{at: "main_mode", value: "train"},
		{at: "country", value: "fr"},
		{at: "city", value: "paris"},
		{at: "hh_size", value: "3"},
		{at: "m_name[1]", value: "A"},
		{at: "m_age[1]", value: "30"},
		{at: "m_name[2]", value: "B"},
		{at: "m_age[2]", value: "31"},
		{at: "m_name[3]", value: "C"},
		{at: "m_age[3]", value: "5"},
		{at: "adults_note"},
	})
	if got := dataMap(iv)["n_adults"]; got != "2" {
		t.Fatalf("n_adults = %q, want 2", got)
	}

	tests := []struct {
		item       string
		value      string
		irrelevant []string
		restored   []string
		data       map[string]string // expected afterwards; "" = absent
	}{
		// The commute group stays: its relevant (employed != 'no') holds.
		{"age", "12", []string{"employed", "employer"}, nil,
			map[string]string{"employed": "", "employer": "", "transport": "bus train", "adult": "no", "c1": "24"}},
		{"age", "40", nil, []string{"employed", "employer"},
			map[string]string{"employed": "yes", "employer": "Babbage & Co", "main_mode": "train", "c1": "80"}},
		{"transport", "bus", []string{"main_mode"}, nil, map[string]string{"main_mode": ""}},
		{"hh_size", "1", []string{"m_name[2]", "m_age[2]", "m_name[3]", "m_age[3]"}, nil,
			map[string]string{"m_name[2]": "", "m_name[1]": "A", "n_adults": "1"}},
		{"hh_size", "3", nil, []string{"m_name[2]", "m_age[2]", "m_name[3]", "m_age[3]"},
			map[string]string{"m_name[3]": "C", "n_adults": "2"}},
		{"employed", "no", []string{"employer", "transport"}, nil,
			map[string]string{"employer": "", "transport": "", "employed": "no"}},
	}
	for _, tt := range tests {
		if err := iv.GoTo(tt.item, nil); err != nil {
			t.Fatalf("GoTo(%s) = %v", tt.item, err)
		}
		before := iv.Current()
		ev, res := iv.Answer(Response{Value: tt.value})
		if !res.Accepted() {
			t.Fatalf("Answer(%s=%s) = %v %q", tt.item, tt.value, res.Status, res.Msg)
		}
		if !ev.Change || ev.Previous != before.Value {
			t.Errorf("Answer(%s=%s) event Change=%v Previous=%q, want true %q", tt.item, tt.value, ev.Change, ev.Previous, before.Value)
		}
		refs := func(rs []Ref) []string {
			var out []string
			for _, r := range rs {
				out = append(out, r.String())
			}
			return out
		}
		if diff := cmp.Diff(tt.irrelevant, refs(res.Irrelevant)); diff != "" {
			t.Errorf("Answer(%s=%s) Irrelevant (-want +got):\n%s", tt.item, tt.value, diff)
		}
		if diff := cmp.Diff(tt.restored, refs(res.Restored)); diff != "" {
			t.Errorf("Answer(%s=%s) Restored (-want +got):\n%s", tt.item, tt.value, diff)
		}
		got := dataMap(iv)
		for k, v := range tt.data {
			if got[k] != v {
				t.Errorf("after %s=%s: Data()[%s] = %q, want %q", tt.item, tt.value, k, got[k], v)
			}
		}
	}
	// Irrelevant answers stay in the history.
	found := false
	for _, ev := range iv.History() {
		if ev.Item == "employer" && ev.Value == "Babbage & Co" {
			found = true
		}
	}
	if !found {
		t.Errorf("History() lost the employer answer that became irrelevant")
	}
	// The route goes on from the changed answer, skipping what left it.
	if err := iv.Next(); err != nil {
		t.Fatal(err)
	}
	if got := at(iv); got != "country" {
		t.Errorf("after employed=no, Next() went to %s, want country", got)
	}
	iv.FastForward()
	if got := at(iv); got != "trip[1]" {
		t.Errorf("FastForward() went to %s, want trip[1] (the first unanswered stop)", got)
	}
}

func TestNavigation(t *testing.T) {
	iv := start(t, travelSurvey(), 7)
	if err := iv.Back(); !errors.Is(err, ErrAtStart) {
		t.Errorf("Back() at the start = %v, want ErrAtStart", err)
	}
	play(t, iv, []step{{at: "hello"}})
	if err := iv.Next(); !errors.Is(err, ErrNotAnswered) {
		t.Errorf("Next() on unanswered age = %v, want ErrNotAnswered", err)
	}
	if _, res := iv.Answer(Response{Value: "x"}); res.Status != Rejected {
		t.Errorf("Answer(x) on integer = %v, want rejected", res.Status)
	}
	if err := iv.GoTo("city", nil); !errors.Is(err, ErrNotOnRoute) {
		t.Errorf("GoTo(city) before reaching it = %v, want ErrNotOnRoute", err)
	}
	if err := iv.GoTo("adult", nil); err == nil {
		t.Errorf("GoTo(adult) (a calculation) = nil, want an error")
	}
	if err := iv.GoTo("m_name", []int{1}); err == nil {
		t.Errorf("GoTo(m_name[1]) before the repeat = nil, want an error")
	}
	if err := iv.GoTo("hello", nil); err != nil {
		t.Errorf("GoTo(hello) = %v, want nil", err)
	}
	if got := at(iv); got != "hello" {
		t.Errorf("after GoTo(hello) at %s", got)
	}
	play(t, iv, slices.Concat(toHousehold("40"), []step{
		{at: "hh_size", value: "2"},
		{at: "m_name[1]", value: "A"},
		{at: "m_age[1]", value: "40"},
		{at: "m_name[2]", back: true},
		{at: "m_age[1]", back: true},
		{at: "m_name[1]", back: true},
		{at: "hh_size"},
		{at: "m_name[1]"},
		{at: "m_age[1]"},
		{at: "m_name[2]", value: "B"},
		{at: "m_age[2]", value: "8"},
		{at: "adults_note", back: true},
		{at: "m_age[2]"},
		{at: "adults_note"},
	}, finish))
	if err := iv.Next(); !errors.Is(err, ErrComplete) {
		t.Errorf("Next() at the end = %v, want ErrComplete", err)
	}
	if _, res := iv.Answer(Response{Value: "x"}); res.Status != Rejected {
		t.Errorf("Answer at the end = %v, want rejected", res.Status)
	}
	if err := iv.Back(); err != nil || at(iv) != "done_ack" {
		t.Errorf("Back() from the end = %v at %s, want done_ack", err, at(iv))
	}
	if err := iv.GoTo("m_age", []int{2}); err != nil || at(iv) != "m_age[2]" {
		t.Errorf("GoTo(m_age[2]) = %v at %s", err, at(iv))
	}
	if err := iv.GoTo("trip", []int{1}); err != nil || iv.Current().Kind != KindRepeatPrompt {
		t.Errorf("GoTo(trip[1]) = %v, kind %v, want the repeat prompt", err, iv.Current().Kind)
	}
	if err := iv.GoTo("m_age", []int{3}); err == nil {
		t.Errorf("GoTo(m_age[3]) with 2 members = nil, want an error")
	}
	if err := iv.GoTo("age", []int{1}); err == nil {
		t.Errorf("GoTo(age[1]) = nil, want a path error")
	}
	iv.FastForward()
	if !iv.Done() {
		t.Errorf("FastForward() on a complete interview at %s, want the end", at(iv))
	}
}

func TestProgress(t *testing.T) {
	iv := start(t, travelSurvey(), 7)
	p0 := iv.Progress()
	if p0.Answered != 0 || p0.Remaining < 10 {
		t.Errorf("Progress() at start = %+v, want 0 answered and many remaining", p0)
	}
	play(t, iv, slices.Concat(toHousehold("40"), []step{{at: "hh_size", value: "3"}}))
	p := iv.Progress()
	// age, employed, country, city, hh_size.
	if p.Answered != 5 {
		t.Errorf("Progress().Answered = %d, want 5", p.Answered)
	}
	// 3 members x 2 questions, the trip prompt, rating, prios, photo, visit, ack.
	if p.Remaining != 12 {
		t.Errorf("Progress().Remaining = %d, want 12", p.Remaining)
	}
}

func TestFillsAndLanguage(t *testing.T) {
	iv := start(t, travelSurvey(), 7)
	sc := iv.Current()
	if want := "Hello Ada Lovelace, this is Grace calling for Acme Transit about spring wave."; sc.Label != want {
		t.Errorf("hello label = %q, want %q", sc.Label, want)
	}
	if got, want := iv.Fill(iv.Form().Survey().Closing), "Thank you, Ada Lovelace."; got != want {
		t.Errorf("Fill(closing) = %q, want %q", got, want)
	}
	if err := iv.SetLanguage("fr"); err == nil {
		t.Errorf("SetLanguage(fr) = nil, want an error: fr is not declared")
	}
	if err := iv.SetLanguage("es"); err != nil {
		t.Fatal(err)
	}
	if got, want := iv.Current().Label, "Hola Ada Lovelace, soy Grace de Acme Transit."; got != want {
		t.Errorf("hello label in es = %q, want %q", got, want)
	}
	play(t, iv, []step{
		{at: "hello"},
		{at: "age", value: "30"},
		{at: "employed", value: "yes"},
	})
	if err := iv.SetLanguage("en"); err != nil {
		t.Fatal(err)
	}
	play(t, iv, []step{
		{at: "employer", value: "X"},
		{at: "transport", value: "car bike"},
	})
	sc = iv.Current()
	if want := "Which of Car, Bicycle do you use most?"; sc.Label != want {
		t.Errorf("main_mode label = %q, want %q", sc.Label, want)
	}
	if diff := cmp.Diff([]Option{{Name: "car", Label: "Car"}, {Name: "bike", Label: "Bicycle"}}, sc.Options); diff != "" {
		t.Errorf("main_mode options (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Heading{{Item: "commute", Label: "Commuting"}}, sc.Headings); diff != "" {
		t.Errorf("main_mode headings (-want +got):\n%s", diff)
	}
	h := iv.History()
	langs := []string{}
	for _, ev := range h {
		langs = append(langs, ev.Item+":"+ev.Lang)
	}
	if diff := cmp.Diff([]string{"age:es", "employed:es", "employer:en", "transport:en"}, langs); diff != "" {
		t.Errorf("event languages (-want +got):\n%s", diff)
	}
	play(t, iv, []step{
		{at: "main_mode", value: "car"},
		{at: "country", value: "es"},
	})
	sc = iv.Current()
	if sc.Label != "City in Spain?" {
		t.Errorf("city label = %q, want the country's label filled", sc.Label)
	}
	if diff := cmp.Diff([]Option{{Name: "madrid", Label: "Madrid"}, {Name: "sevilla", Label: "Seville"}}, sc.Options); diff != "" {
		t.Errorf("city options after choice_filter (-want +got):\n%s", diff)
	}
	play(t, iv, []step{
		{at: "city", value: "sevilla"},
		{at: "hh_size", value: "2"},
		{at: "m_name[1]", value: "Ann"},
	})
	if got := iv.Current(); got.Label != "How old is Ann?" || !slices.Equal(got.Path, []int{1}) {
		t.Errorf("m_age[1] label = %q path %v, want the same instance's name filled", got.Label, got.Path)
	}
	if diff := cmp.Diff([]Heading{{Item: "member", Label: "Person", Instance: 1}}, iv.Current().Headings); diff != "" {
		t.Errorf("m_age[1] headings (-want +got):\n%s", diff)
	}
	play(t, iv, []step{
		{at: "m_age[1]", value: "30"},
		{at: "m_name[2]", value: "Bob"},
		{at: "m_age[2]", value: "3"},
	})
	if got, want := iv.Current().Label, "1 adults: Ann, Bob."; got != want {
		t.Errorf("adults_note label = %q, want %q (repeated item joined)", got, want)
	}
}

func TestRandomizedOptions(t *testing.T) {
	orderFor := func(seed uint64) []string {
		iv := start(t, travelSurvey(), seed)
		play(t, iv, toHousehold("12")[:2])
		var names []string
		for _, o := range iv.Current().Options {
			names = append(names, o.Name)
		}
		ev, res := iv.Answer(Response{Value: names[0]})
		if !res.Accepted() {
			t.Fatalf("Answer(%s) = %v %q", names[0], res.Status, res.Msg)
		}
		if diff := cmp.Diff(names[:len(names)-1], ev.Order); diff != "" {
			t.Errorf("seed %d: event Order is not the order shown (-shown +recorded):\n%s", seed, diff)
		}
		if names[len(names)-1] != OtherName {
			t.Errorf("seed %d: options %v, want %q last", seed, names, OtherName)
		}
		return names
	}
	a, b := orderFor(1), orderFor(1)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed gave different orders (-first +second):\n%s", diff)
	}
	differs := false
	for seed := uint64(2); seed < 12; seed++ {
		if !slices.Equal(orderFor(seed), a) {
			differs = true
		}
	}
	if !differs {
		t.Errorf("ten seeds all gave the order %v: options are not randomised", a)
	}
}

func TestAnswerTypes(t *testing.T) {
	tests := []struct {
		item Item
		in   string
		want string // normalised value; "" with ok false means rejected
		ok   bool
	}{
		{Item{Type: TypeInteger}, "007", "7", true},
		{Item{Type: TypeInteger}, " -3 ", "-3", true},
		{Item{Type: TypeInteger}, "1.5", "", false},
		{Item{Type: TypeInteger}, "1e3", "", false},
		{Item{Type: TypeDecimal}, "1.50", "1.5", true},
		{Item{Type: TypeDecimal}, "-.5", "-0.5", true},
		{Item{Type: TypeDecimal}, "NaN", "", false},
		{Item{Type: TypeDecimal}, "1e400", "", false},
		{Item{Type: TypeDecimal}, "0x10", "", false},
		{Item{Type: TypeDecimal}, "1.2.3", "", false},
		{Item{Type: TypeRange, Range: &Range{Start: 1, End: 5, Step: 0.5}}, "2.5", "2.5", true},
		{Item{Type: TypeRange, Range: &Range{Start: 1, End: 5, Step: 0.5}}, "2.2", "", false},
		{Item{Type: TypeRange, Range: &Range{Start: 1, End: 5, Step: 0.5}}, "5.5", "", false},
		{Item{Type: TypeRange, Range: &Range{Start: 10, End: 0, Step: 1}}, "3", "3", true},
		{Item{Type: TypeSelectOne, ListName: "l"}, "b", "b", true},
		{Item{Type: TypeSelectOne, ListName: "l"}, "a b", "", false},
		{Item{Type: TypeSelectOne, ListName: "l"}, "z", "", false},
		{Item{Type: TypeSelectOne, ListName: "l", OrOther: true}, "other", "other", true},
		{Item{Type: TypeSelectMultiple, ListName: "l"}, "c  a c", "c a", true},
		{Item{Type: TypeSelectMultiple, ListName: "l"}, "a other", "", false},
		{Item{Type: TypeRank, ListName: "l"}, "c a b", "c a b", true},
		{Item{Type: TypeRank, ListName: "l"}, "c a", "", false},
		{Item{Type: TypeRank, ListName: "l"}, "c a a", "", false},
		{Item{Type: TypeDate}, "2026-02-28", "2026-02-28", true},
		{Item{Type: TypeDate}, "2026-02-30", "", false},
		{Item{Type: TypeDate}, "28/02/2026", "", false},
		{Item{Type: TypeTime}, "09:30", "09:30:00", true},
		{Item{Type: TypeTime}, "23:59:59", "23:59:59", true},
		{Item{Type: TypeTime}, "24:00", "", false},
		{Item{Type: TypeDateTime}, "2026-02-28T09:30:00+01:00", "2026-02-28T09:30:00+01:00", true},
		{Item{Type: TypeDateTime}, "2026-02-28 09:30", "2026-02-28T09:30:00Z", true},
		{Item{Type: TypeDateTime}, "yesterday", "", false},
		{Item{Type: TypeText}, "  hello world \n", "hello world", true},
		{Item{Type: TypeAcknowledge}, "OK", "OK", true},
		{Item{Type: TypeAcknowledge}, "nope", "", false},
	}
	for _, tt := range tests {
		tt.item.Name, tt.item.Label = "q", en("Q?")
		s := &Survey{ID: "t", Items: []Item{tt.item}, Lists: map[string]*ChoiceList{"l": {Name: "l", Choices: []Choice{
			{Name: "a", Label: en("A")}, {Name: "b", Label: en("B")}, {Name: "c", Label: en("C")},
		}}}}
		iv := start(t, s, 1)
		ev, res := iv.Answer(Response{Value: tt.in, Other: "x"})
		if res.Accepted() != tt.ok {
			t.Errorf("%s Answer(%q) = %v %q, want accepted %v", tt.item.Type, tt.in, res.Status, res.Msg, tt.ok)
			continue
		}
		if tt.ok && ev.Value != tt.want {
			t.Errorf("%s Answer(%q) value = %q, want %q", tt.item.Type, tt.in, ev.Value, tt.want)
		}
		if !tt.ok && res.Msg == "" {
			t.Errorf("%s Answer(%q) rejected without a message", tt.item.Type, tt.in)
		}
	}
}

func TestSpecialCodes(t *testing.T) {
	tests := []struct {
		item    Item
		special Special
		ok      bool
	}{
		{Item{Type: TypeText}, DontKnow, true},
		{Item{Type: TypeText}, Refused, true},
		{Item{Type: TypeText, NoDontKnow: true}, DontKnow, false},
		{Item{Type: TypeText, NoDontKnow: true}, Refused, true},
		{Item{Type: TypeText, NoRefused: true}, Refused, false},
		{Item{Type: TypeText}, Skipped, false},
		{Item{Type: TypeText}, Special("zz"), false},
		{Item{Type: TypeAcknowledge}, DontKnow, false},
		{Item{Type: TypeInteger, Required: "true()"}, DontKnow, true},
		{Item{Type: TypeUnsupported, Unsupported: "geopoint"}, Skipped, true},
		{Item{Type: TypeUnsupported, Unsupported: "geopoint"}, DontKnow, false},
	}
	for _, tt := range tests {
		tt.item.Name, tt.item.Label = "q", en("Q?")
		iv := start(t, &Survey{ID: "t", Items: []Item{tt.item}}, 1)
		sc := iv.Current()
		if tt.item.Type.Answerable() && (sc.DontKnow != !tt.item.NoDontKnow || sc.Refused != !tt.item.NoRefused) {
			t.Errorf("%s: Current() DontKnow=%v Refused=%v, want %v %v", tt.item.Type, sc.DontKnow, sc.Refused, !tt.item.NoDontKnow, !tt.item.NoRefused)
		}
		ev, res := iv.Answer(Response{Special: tt.special})
		if res.Accepted() != tt.ok {
			t.Errorf("%+v Answer(special %q) = %v %q, want accepted %v", tt.item, tt.special, res.Status, res.Msg, tt.ok)
			continue
		}
		if tt.ok && (ev.Special != tt.special || ev.Value != "") {
			t.Errorf("Answer(special %q) event special %q value %q", tt.special, ev.Special, ev.Value)
		}
		if tt.ok && tt.special == Skipped && !strings.Contains(ev.Reason, "geopoint") {
			t.Errorf("skip reason = %q, want it to name the type", ev.Reason)
		}
	}
}

func TestDefaultsMetaAndHidden(t *testing.T) {
	s := &Survey{ID: "d", Items: []Item{
		{Name: "who", Type: TypeMeta, Meta: "username"},
		{Name: "id", Type: TypeMeta, Meta: "instanceID"},
		{Name: "end", Type: TypeMeta, Meta: "end"},
		{Name: "src", Type: TypeHidden, Default: "phone"},
		{Name: "n", Type: TypeInteger, Label: en("N?"), Default: "3"},
		{Name: "twice", Type: TypeInteger, Label: en("Twice?"), Default: "${n} * 2"},
		{Name: "ro", Type: TypeInteger, Label: en("Shown"), ReadOnly: true, Default: "9"},
	}}
	iv := start(t, s, 5)
	if sc := iv.Current(); sc.Default != "3" || sc.Answered {
		t.Errorf("n Current() Default %q Answered %v, want 3 false", sc.Default, sc.Answered)
	}
	play(t, iv, []step{{at: "n", value: "4"}})
	if sc := iv.Current(); sc.Default != "8" {
		t.Errorf("twice Default = %q, want 8 from ${n} * 2", sc.Default)
	}
	play(t, iv, []step{{at: "twice", value: "8"}})
	if sc := iv.Current(); sc.Kind != KindNote || sc.Value != "9" {
		t.Errorf("read-only item: kind %v value %q, want a note showing 9", sc.Kind, sc.Value)
	}
	play(t, iv, []step{{at: "ro"}, {at: "END"}})
	got := dataMap(iv)
	if got["who"] != "iv7" || got["src"] != "phone" || !strings.HasPrefix(got["id"], "uuid:") || got["end"] == "" {
		t.Errorf("Data() = %v, want username iv7, hidden src phone, a uuid and an end time", got)
	}
	if again := dataMap(start(t, s, 5))["id"]; again != got["id"] {
		t.Errorf("instanceID with the same seed = %q, then %q: want it reproducible", got["id"], again)
	}
}

func TestInstanceName(t *testing.T) {
	s := travelSurvey()
	s.InstanceName = "concat(${contact.name}, ' ', ${age})"
	iv := start(t, s, 1)
	play(t, iv, []step{{at: "hello"}, {at: "age", value: "33"}})
	if got := iv.Name(); got != "Ada Lovelace 33" {
		t.Errorf("Name() = %q, want %q", got, "Ada Lovelace 33")
	}
}

func TestStartErrors(t *testing.T) {
	f := mustForm(t, travelSurvey())
	if _, err := Start(f, Config{Lang: "en"}); err == nil {
		t.Errorf("Start without a clock = nil error")
	}
	if _, err := Start(nil, Config{Clock: newClock().now}); err == nil {
		t.Errorf("Start without a form = nil error")
	}
	if _, err := Start(f, Config{Lang: "de", Clock: newClock().now}); err == nil {
		t.Errorf("Start in an undeclared language = nil error")
	}
	if _, err := Start(f, Config{Contact: &Contact{ID: "x", Survey: "health"}, Clock: newClock().now}); err == nil {
		t.Errorf("Start with a contact of another survey = nil error")
	}
	iv, err := Start(f, Config{Clock: newClock().now})
	if err != nil || iv.Language() != "en" {
		t.Errorf("Start without a language = %v, language %q, want the first declared (en)", err, iv.Language())
	}
}

func TestChangeInvalidatesLaterChecks(t *testing.T) {
	iv := start(t, travelSurvey(), 7)
	play(t, iv, toHousehold("40"))
	if err := iv.GoTo("country", nil); err != nil {
		t.Fatal(err)
	}
	_, res := iv.Answer(Response{Value: "fr"})
	if diff := cmp.Diff([]Ref{{Item: "city"}}, res.Invalid); diff != "" {
		t.Errorf("Answer(country=fr) Invalid (-want +got):\n%s", diff)
	}
	if err := iv.Next(); err != nil {
		t.Fatal(err)
	}
	if err := iv.Next(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"madrid" is not one of the options`) {
		t.Errorf("Next() past city=madrid filtered out = %v, want ErrInvalid naming the problem", err)
	}
	if err := iv.GoTo("country", nil); err != nil {
		t.Fatal(err)
	}
	iv.FastForward()
	if got := at(iv); got != "city" {
		t.Errorf("FastForward() went to %s, want city (its answer is no longer an option)", got)
	}
	play(t, iv, []step{{at: "city", value: "sevilla", want: Rejected}, {at: "city", value: "lyon"}, {at: "hh_size", value: "1", stay: true}})

	s := &Survey{ID: "k", Items: []Item{
		{Name: "n", Type: TypeInteger, Label: en("N?")},
		{Name: "k", Type: TypeInteger, Label: en("K?"), Constraint: ". <= ${n}", ConstraintMessage: en("K cannot exceed ${n}")},
		{Name: "self", Type: TypeInteger, Label: en("S?"), Constraint: "${self} < ${n}"},
	}}
	iv = start(t, s, 1)
	play(t, iv, []step{
		{at: "n", value: "5"},
		{at: "k", value: "6", want: Rejected, msg: "K cannot exceed 5"},
		{at: "k", value: "4"},
		{at: "self", value: "5", want: Rejected},
		{at: "self", value: "4"},
		{at: "END"},
	})
	if err := iv.GoTo("n", nil); err != nil {
		t.Fatal(err)
	}
	_, res = iv.Answer(Response{Value: "3"})
	if diff := cmp.Diff([]Ref{{Item: "k"}, {Item: "self"}}, res.Invalid); diff != "" {
		t.Errorf("Answer(n=3) Invalid (-want +got):\n%s", diff)
	}
	play(t, iv, []step{{at: "n"}})
	if err := iv.Next(); err == nil || !strings.Contains(err.Error(), "K cannot exceed 3") {
		t.Errorf("Next() past k=4 > n=3 = %v, want the constraint message", err)
	}
}

func TestNestedRepeats(t *testing.T) {
	s := nestedSurvey()
	iv := start(t, s, 1)
	play(t, iv, []step{
		{at: "hh_name[1]", value: "North"},
		{at: "person[1,1]", value: "yes"},
		{at: "p_name[1,1]", value: "Ann", stay: true},
	})
	if got, want := iv.Current().Label, "Name of person 1 in North?"; got != want {
		t.Errorf("p_name[1,1] label = %q, want %q", got, want)
	}
	play(t, iv, []step{
		{at: "p_name[1,1]"},
		{at: "p_pet[1,1]", value: "yes"},
		{at: "person[1,2]", value: "yes"},
		{at: "p_name[1,2]", value: "Bob"},
		{at: "p_pet[1,2]", value: "no"},
		{at: "person[1,3]", value: "no"},
		{at: "hh_pets[1]", value: "11", want: Rejected},
		{at: "hh_pets[1]", value: "3"},
		{at: "hh_name[2]", value: "South"},
		{at: "person[2,1]", stay: true, value: "yes"},
	})
	if got, want := iv.Current().Label, "Person in South"; got != want {
		t.Errorf("person[2,1] prompt label = %q, want %q", got, want)
	}
	play(t, iv, []step{
		{at: "person[2,1]"},
		{at: "p_name[2,1]", value: "delta"},
		{at: "person[2,2]", value: "no"},
	})
	if got, want := iv.Current().Label, "People: Ann, Bob, delta."; got != want {
		t.Errorf("everyone label = %q, want %q", got, want)
	}
	play(t, iv, []step{{at: "everyone"}, {at: "more", value: "no"}, {at: "END"}})
	want := map[string]string{
		"hh_name[1]": "North", "p_name[1,1]": "Ann", "p_num[1,1]": "1", "p_pet[1,1]": "yes", "p_name[1,2]": "Bob",
		"p_num[1,2]": "2", "p_pet[1,2]": "no", "hh_people[1]": "2", "hh_pets[1]": "3",
		"hh_name[2]": "South", "p_name[2,1]": "delta", "p_num[2,1]": "1", "hh_people[2]": "1",
		"total": "3", "more": "no",
	}
	if diff := cmp.Diff(want, dataMap(iv)); diff != "" {
		t.Errorf("Data() (-want +got):\n%s", diff)
	}
	if err := iv.GoTo("person", []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	_, res := iv.Answer(Response{Value: "no"})
	wantGone := []Ref{{Item: "p_name", Path: []int{1, 2}}, {Item: "p_pet", Path: []int{1, 2}}, {Item: "more"}}
	if diff := cmp.Diff(wantGone, res.Irrelevant); diff != "" {
		t.Errorf("Answer(person[1,2]=no) Irrelevant (-want +got):\n%s", diff)
	}
	if got := dataMap(iv)["total"]; got != "2" {
		t.Errorf("total after dropping a person = %q, want 2", got)
	}
	play(t, iv, []step{{at: "person[1,2]"}})
	if got := at(iv); got != "hh_pets[1]" {
		t.Errorf("Next() from person[1,2]=no went to %s, want hh_pets[1]", got)
	}
	if err := iv.Back(); err != nil || at(iv) != "person[1,2]" {
		t.Errorf("Back() = %v at %s, want person[1,2]", err, at(iv))
	}
}

func TestFormSharedByConcurrentInterviews(t *testing.T) {
	form := mustForm(t, travelSurvey())
	done := make(chan map[string]string)
	for g := range 4 {
		go func() {
			iv, err := Start(form, Config{Contact: testContact(), Lang: "en", Seed: uint64(g), Clock: newClock().now})
			if err != nil {
				done <- nil
				return
			}
			for !iv.Done() {
				sc := iv.Current()
				r := Response{Value: "1"}
				switch sc.Kind {
				case KindRepeatPrompt:
					r.Value = "no"
				case KindUnsupported:
					r = Response{Special: Skipped}
				case KindQuestion:
					if sc.Type != TypeInteger {
						r = Response{Special: DontKnow}
					}
				case KindAcknowledge:
					r.Value = "OK"
				}
				if sc.Kind != KindNote {
					if _, res := iv.Answer(r); !res.Accepted() {
						break
					}
				}
				if iv.Next() != nil {
					break
				}
			}
			done <- dataMap(iv)
		}()
	}
	var first map[string]string
	for range 4 {
		got := <-done
		if got == nil {
			t.Fatal("an interview failed to start")
		}
		delete(got, "started")
		if first == nil {
			first = got
		} else if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("concurrent interviews on one form differ (-first +other):\n%s", diff)
		}
	}
	if first["m_name[1]"] != "<dk>" || first["hh_size"] != "1" || first["m_age[1]"] != "1" {
		t.Errorf("Data() = %v, want hh_size 1 and one member", first)
	}
}

func TestExpressionEnvironment(t *testing.T) {
	s := &Survey{ID: "e", Lists: map[string]*ChoiceList{
		"fruit": {Name: "fruit", Choices: []Choice{
			{Name: "a", Label: bi("Apple", "Manzana"), Extra: map[string]string{"colour": "red"}},
			{Name: "b", Label: bi("Banana", "Plátano"), Extra: map[string]string{"colour": "yellow"}},
		}},
	}, Languages: []string{"en", "es"}, Client: "Acme", Title: "Fruit", Version: "2", Items: []Item{
		{Name: "f", Type: TypeSelectOne, ListName: "fruit", Label: bi("Fruit?", "¿Fruta?")},
		{Name: "name", Type: TypeCalculate, Calculation: "jr:choice-name(${f}, '${f}')"},
		{Name: "colour", Type: TypeCalculate, Calculation: "instance('fruit')/root/item[name = ${f}]/colour"},
		{Name: "when", Type: TypeCalculate, Calculation: "today()"},
		{Name: "who", Type: TypeCalculate, Calculation: "concat(${contact.company}, '|', ${contact.phone}, '|', ${contact.id}, '|', ${contact.panel}, '|', ${interviewer.id}, '|', ${survey.title}, '|', ${survey.version})"},
		{Name: "bad", Type: TypeCalculate, Calculation: "date(${f})"},
		{Name: "dot", Type: TypeText, Label: bi("Dot?", "¿Punto?"), Relevant: "string-length(.) = 0 or . != 'hide'"},
	}}
	iv := start(t, s, 1)
	iv.contact.Company = "Babbage"
	play(t, iv, []step{{at: "f", value: "b"}})
	got := dataMap(iv)
	want := map[string]string{
		"name": "Banana", "colour": "yellow", "when": "2026-03-14",
		"who": "Babbage|+14155550100|c42|spring wave|iv7|Fruit|2",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Data()[%s] = %q, want %q", k, got[k], v)
		}
	}
	if err := iv.SetLanguage("es"); err != nil {
		t.Fatal(err)
	}
	if got := dataMap(iv)["name"]; got != "Plátano" {
		t.Errorf("jr:choice-name after switching to es = %q, want Plátano", got)
	}
	if errs := iv.Errors(); len(errs) != 1 || !strings.HasPrefix(errs[0], `bad calculation: date(): cannot convert "b" to a date`) {
		t.Errorf("Errors() = %q, want the failing date() once", errs)
	}
	play(t, iv, []step{{at: "dot", value: "hide"}, {at: "END"}})
	if _, ok := dataMap(iv)["dot"]; ok {
		t.Errorf("dot answered 'hide' is still in the data; its relevant uses '.'")
	}
}

func TestChangeOpensNewQuestion(t *testing.T) {
	iv := start(t, travelSurvey(), 7)
	play(t, iv, slices.Concat(toHousehold("12"), []step{{at: "hh_size", value: "2", stay: true}}))
	if err := iv.GoTo("age", nil); err != nil {
		t.Fatal(err)
	}
	_, res := iv.Answer(Response{Value: "40"})
	if len(res.Irrelevant)+len(res.Restored) != 0 {
		t.Errorf("Answer(age=40) Irrelevant %v Restored %v, want none (employed was never answered)", res.Irrelevant, res.Restored)
	}
	// Answered stops stay reachable; unanswered ones past the new
	// question do not.
	if err := iv.GoTo("city", nil); err != nil {
		t.Errorf("GoTo(city) = %v, want nil: it is answered", err)
	}
	if err := iv.GoTo("m_name", []int{1}); !errors.Is(err, ErrNotOnRoute) {
		t.Errorf("GoTo(m_name[1]) = %v, want ErrNotOnRoute: employed comes first", err)
	}
	iv.FastForward()
	if got := at(iv); got != "employed" {
		t.Errorf("FastForward() went to %s, want employed (newly relevant)", got)
	}
	if p := iv.Progress(); p.Answered != 5 {
		t.Errorf("Progress().Answered = %d, want 5 (age, transport, country, city, hh_size)", p.Answered)
	}
}

func TestScreens(t *testing.T) {
	iv := start(t, travelSurvey(), 7)
	play(t, iv, slices.Concat(toHousehold("40"), []step{
		{at: "hh_size", value: "1"},
		{at: "m_name[1]", value: "A"},
		{at: "m_age[1]", value: "40"},
		{at: "adults_note"},
	}))
	tests := []struct {
		at   string
		want Screen
		resp Response
	}{
		{"trip[1]", Screen{Kind: KindRepeatPrompt, Item: "trip", Path: []int{1}, Type: TypeRepeat, Label: "Trip", Instance: 1,
			Options: []Option{{Name: "yes", Label: "Yes"}, {Name: "no", Label: "No"}}}, Response{Value: "no"}},
		{"rating", Screen{Kind: KindQuestion, Item: "rating", Type: TypeRange, Label: "Rate Acme Transit (0-10, even numbers)",
			Range: &Range{Start: 0, End: 10, Step: 2}, DontKnow: true, Refused: true}, Response{Value: "6"}},
		{"prios", Screen{Kind: KindQuestion, Item: "prios", Type: TypeRank, Label: "Rank these", DontKnow: true, Refused: true,
			Options: []Option{{Name: "price", Label: "Price"}, {Name: "speed", Label: "Speed"}, {Name: "comfort", Label: "Comfort"}}},
			Response{Value: "comfort speed price"}},
		{"photo", Screen{Kind: KindUnsupported, Item: "photo", Type: TypeUnsupported, Label: "Take a photo", Unsupported: "image"},
			Response{Special: Skipped, Reason: "no camera"}},
		{"visit", Screen{Kind: KindQuestion, Item: "visit", Type: TypeDate, Label: "Date of last visit", DontKnow: true, Refused: true},
			Response{Value: "2026-01-31"}},
		{"done_ack", Screen{Kind: KindAcknowledge, Item: "done_ack", Type: TypeAcknowledge, Label: "I read the closing", Required: true},
			Response{Value: "OK"}},
		{"END", Screen{Kind: KindEnd, Label: "Thank you, Ada Lovelace."}, Response{}},
	}
	for _, tt := range tests {
		if got := at(iv); got != tt.at {
			t.Fatalf("at %s, want %s", got, tt.at)
		}
		if diff := cmp.Diff(tt.want, iv.Current()); diff != "" {
			t.Errorf("Current() at %s (-want +got):\n%s", tt.at, diff)
		}
		if tt.at == "END" {
			break
		}
		ev, res := iv.Answer(tt.resp)
		if !res.Accepted() {
			t.Fatalf("Answer(%+v) at %s = %v %q", tt.resp, tt.at, res.Status, res.Msg)
		}
		if tt.at == "photo" && (ev.Special != Skipped || ev.Reason != "no camera") {
			t.Errorf("skip event = %+v, want special skip with the reason given", ev)
		}
		if sc := iv.Current(); !sc.Answered {
			t.Errorf("Current() at %s after answering: Answered false", tt.at)
		}
		if err := iv.Next(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRepeatCounts(t *testing.T) {
	tests := []struct {
		count string // the answer repeat_count reads
		want  int
	}{
		{"3", 3}, {"0", 0}, {"-2", 0}, {"2.7", 2}, {"", 0}, {"5000", maxRepeat},
	}
	for _, tt := range tests {
		s := &Survey{ID: "r", Items: []Item{
			{Name: "n", Type: TypeDecimal, Label: en("N?")},
			{Name: "rep", Type: TypeRepeat, RepeatCount: "${n}", Label: en("Rep"), Items: []Item{
				{Name: "x", Type: TypeCalculate, Calculation: "position()"},
			}},
			{Name: "k", Type: TypeCalculate, Calculation: "count(${rep})"},
		}}
		iv := start(t, s, 1)
		resp := Response{Value: tt.count}
		if tt.count == "" {
			resp = Response{Special: DontKnow}
		}
		if _, res := iv.Answer(resp); !res.Accepted() {
			t.Fatalf("Answer(%q) = %v %q", tt.count, res.Status, res.Msg)
		}
		if got := dataMap(iv)["k"]; got != fmt.Sprint(tt.want) {
			t.Errorf("repeat_count from %q: count(${rep}) = %s, want %d", tt.count, got, tt.want)
		}
	}
}

func TestNothingRelevant(t *testing.T) {
	s := &Survey{ID: "z", Closing: en("Bye"), Items: []Item{
		{Name: "q", Type: TypeText, Label: en("Q?"), Relevant: "false()"},
		{Name: "g", Type: TypeGroup, Relevant: "1 = 2", Items: []Item{{Name: "r", Type: TypeText, Label: en("R?")}}},
	}}
	iv := start(t, s, 1)
	if !iv.Done() || iv.Current().Kind != KindEnd || iv.Current().Label != "Bye" {
		t.Errorf("an interview with nothing relevant: Done %v, Current %+v; want the end at once", iv.Done(), iv.Current())
	}
	if p := iv.Progress(); p != (Progress{}) {
		t.Errorf("Progress() = %+v, want zero", p)
	}
	if err := iv.Back(); !errors.Is(err, ErrAtStart) {
		t.Errorf("Back() = %v, want ErrAtStart", err)
	}
}

// TestReached (issue 17.7): the stops offered to go to are exactly those
// GoTo accepts: every complete stop and the first still to answer, the
// current one marked, answers as given.
func TestReached(t *testing.T) {
	iv := start(t, travelSurvey(), 7)
	play(t, iv, slices.Concat(toHousehold("40"), []step{{at: "hh_size", value: "2"}}))
	stops := iv.Reached()
	if len(stops) < 3 {
		t.Fatalf("Reached() = %+v, want the stops so far", stops)
	}
	last := stops[len(stops)-1]
	if last.Answered || !last.Current || last.Ref.String() != at(iv) {
		t.Errorf("last reached = %+v, want the current, unanswered stop %s", last, at(iv))
	}
	for _, s := range stops {
		if err := iv.GoTo(s.Item, s.Path); err != nil {
			t.Errorf("GoTo(%s) of a reached stop = %v", s.Ref, err)
		}
		if s.Item == "hh_size" && (s.Value != "2" || s.Label == "") {
			t.Errorf("reached hh_size = %+v, want its answer 2 and its question", s)
		}
	}
	if err := iv.GoTo(last.Item, last.Path); err != nil {
		t.Fatal(err)
	}
	// Nothing past the first stop still to answer is offered.
	if got := len(iv.Reached()); got != len(stops) {
		t.Errorf("Reached() after going around = %d stops, want %d", got, len(stops))
	}
}
