package tui

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"testing"
	"time"

	"canvass/model"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// widgetCase is one key script on a widget: the answers it must produce
// (none when the input is refused) and whether an inline error must show.
type widgetCase struct {
	name    string
	script  string
	want    []AnswerMsg
	wantErr bool
}

// check runs cases against a fresh widget from build.
func check[W widgetModel[W]](t *testing.T, build func() W, cases []widgetCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, msgs := drive(build(), tc.script)
			if diff := cmp.Diff(tc.want, answers(msgs)); diff != "" {
				t.Errorf("keys %q: answers (-want +got):\n%s", tc.script, diff)
			}
			if got := w.Problem() != ""; got != tc.wantErr {
				t.Errorf("keys %q: Problem() = %q, want error %v", tc.script, w.Problem(), tc.wantErr)
			}
		})
	}
}

func ans(item, value string) []AnswerMsg { return []AnswerMsg{{Item: item, Value: value}} }

func special(item string, s model.Special) []AnswerMsg {
	return []AnswerMsg{{Item: item, Special: s}}
}

func TestChoiceList(t *testing.T) {
	st := NewStyles(true, false)
	build := func() ChoiceList { return NewChoiceList(spec(t, "agegroup"), st) }
	check(t, build, []widgetCase{
		{"number and enter", "2 enter", ans("agegroup", "a25"), false},
		{"enter takes the highlighted", "enter", ans("agegroup", "a18"), false},
		{"arrows move", "down down enter", ans("agegroup", "a35"), false},
		{"up wraps to the last", "up enter", ans("agegroup", "a65"), false},
		{"end and home", "end enter", ans("agegroup", "a65"), false},
		{"code typed in full", "a45 enter", ans("agegroup", "a45"), false},
		{"code any case", "A55 enter", ans("agegroup", "a55"), false},
		{"no such number", "9", nil, true},
		{"no such number then enter chooses nothing", "9 enter", nil, true},
		{"backspace mends a wrong number", "9 backspace 3 enter", ans("agegroup", "a35"), false},
		{"arrows after typing drop the code", "9 down enter", ans("agegroup", "a25"), false},
		{"don't know", "f3", special("agegroup", model.DontKnow), false},
		{"refused by control key", "ctrl+r", special("agegroup", model.Refused), false},
		{"don't know by control key", "ctrl+d", special("agegroup", model.DontKnow), false},
		{"space does nothing", "space", nil, false},
	})
}

func TestChoiceListBack(t *testing.T) {
	st := NewStyles(true, false)
	tests := []struct {
		script   string
		wantBack bool
	}{
		{"esc", true},
		{"f2", true},
		{"ctrl+b", true},
		{"2 esc", false}, // esc first drops the typed code
		{"2 esc esc", true},
	}
	for _, tc := range tests {
		_, msgs := drive(NewChoiceList(spec(t, "agegroup"), st), tc.script)
		got := false
		for _, m := range msgs {
			if b, ok := m.(BackMsg); ok && b.Item == "agegroup" {
				got = true
			}
		}
		if got != tc.wantBack {
			t.Errorf("keys %q: BackMsg sent = %v, want %v", tc.script, got, tc.wantBack)
		}
	}
}

func TestChoiceListCodedAndOther(t *testing.T) {
	st := NewStyles(true, false)
	coded := choices("1", "Yes", "2", "No", "98", "Don't know (volunteered)", "99", "Refused (volunteered)")
	it := &model.Item{Name: "q", Type: model.TypeSelectOne, NoRefused: true}
	build := func() ChoiceList { return NewChoiceList(Spec{Item: it, Choices: coded, Lang: "en"}, st) }
	check(t, build, []widgetCase{
		{"codes are the names", "98 enter", ans("q", "98"), false},
		{"a position is not a code", "3 enter", nil, true},
		{"refused turned off", "f4", nil, false},
		{"don't know still on", "f3", special("q", model.DontKnow), false},
	})

	other := &model.Item{Name: "brand", Type: model.TypeSelectOne, OrOther: true}
	opts := choices("acme", "Acme", "zeta", "Zeta")
	buildOther := func() ChoiceList { return NewChoiceList(Spec{Item: other, Choices: opts}, st) }
	check(t, buildOther, []widgetCase{
		{"other asks to specify", "3 enter", nil, false},
		{"empty specify refused", "3 enter enter", nil, true},
		{"specify text sent", "3 enter Golf enter", []AnswerMsg{{Item: "brand", Value: "other", Other: "Golf"}}, false},
		{"esc leaves specify, then choose another", "3 enter esc 1 enter", ans("brand", "acme"), false},
		{"letters type in specify", "other enter dk enter", []AnswerMsg{{Item: "brand", Value: "other", Other: "dk"}}, false},
	})
}

func TestChoiceListPrefillAndScroll(t *testing.T) {
	st := NewStyles(true, false)
	var many []model.Choice
	for i := 1; i <= 40; i++ {
		many = append(many, model.Choice{Name: fmt.Sprintf("c%02d", i), Label: model.Text{"": fmt.Sprintf("Country %d", i)}})
	}
	it := &model.Item{Name: "country", Type: model.TypeSelectOne}
	c := NewChoiceList(Spec{Item: it, Choices: many, Value: "c30"}, st)
	c.SetSize(60, 10)
	if v := c.View(); !strings.Contains(v, "Country 30") || strings.Contains(v, "Country 1\n") {
		t.Errorf("View() with answer c30 does not scroll to it:\n%s", v)
	}
	c2, msgs := drive(c, "enter")
	if diff := cmp.Diff(ans("country", "c30"), answers(msgs)); diff != "" {
		t.Errorf("enter on a prefilled answer (-want +got):\n%s", diff)
	}
	c2, msgs = drive(c2, "home pgdown pgdown enter")
	if diff := cmp.Diff(ans("country", "c19"), answers(msgs)); diff != "" {
		t.Errorf("home pgdown pgdown enter (-want +got):\n%s", diff)
	}
	v := c2.View()
	if !strings.Contains(v, "↑ 10 more") || !strings.Contains(v, "↓ 21 more") {
		t.Errorf("View() after paging lacks the scroll counts:\n%s", v)
	}
	if n := strings.Count(v, "\n") + 1; n > 10 {
		t.Errorf("View() has %d lines, want at most the height 10", n)
	}
}

func TestMultiSelect(t *testing.T) {
	st := NewStyles(true, false)
	build := func() MultiSelect { return NewMultiSelect(spec(t, "sport"), st) }
	check(t, build, []widgetCase{
		{"space toggles the highlighted", "space down space enter", ans("sport", "walk run"), false},
		{"numbers and space", "1 space 3 space enter", ans("sport", "walk swim"), false},
		{"number and enter ticks, enter confirms", "3 enter enter", ans("sport", "swim"), false},
		{"space twice unticks", "space space enter", ans("sport", ""), false},
		{"order is the order shown", "4 space 1 space enter", ans("sport", "walk bike"), false},
		{"nothing ticked", "enter", ans("sport", ""), false},
		{"no such number", "7 space", nil, true},
		{"other asks to specify", "5 space enter", nil, false},
		{"other with text", "5 space 1 space enter Golf enter", []AnswerMsg{{Item: "sport", Value: "walk other", Other: "Golf"}}, false},
		{"other specify empty", "5 space enter enter", nil, true},
		{"refused", "f4", special("sport", model.Refused), false},
	})
	pre := spec(t, "sport")
	pre.Value = "run bike"
	m := NewMultiSelect(pre, st)
	_, msgs := drive(m, "2 space enter")
	if diff := cmp.Diff(ans("sport", "bike"), answers(msgs)); diff != "" {
		t.Errorf("prefilled run bike, untick 2 (-want +got):\n%s", diff)
	}
}

func TestNumberEntry(t *testing.T) {
	st := NewStyles(true, false)
	build := func() NumberEntry { return NewNumberEntry(spec(t, "people"), st) }
	check(t, build, []widgetCase{
		{"number", "12 enter", ans("people", "12"), false},
		{"letters refused", "abc", nil, true},
		{"letters refused, digits kept", "1 x 2 enter", ans("people", "12"), false},
		{"above the bound", "25 enter", nil, true},
		{"below the bound", "0 enter", nil, true},
		{"decimals refused in an integer", "1.5 enter", nil, true},
		{"empty sends no value", "enter", ans("people", ""), false},
		{"don't know", "f3", special("people", model.DontKnow), false},
		{"editing", "13 backspace 2 enter", ans("people", "12"), false},
	})
	dec := func() NumberEntry { return NewNumberEntry(spec(t, "weight"), st) }
	check(t, dec, []widgetCase{
		{"decimal point", "72.5 enter", ans("weight", "72.5"), false},
		{"decimal comma", "72,5 enter", ans("weight", "72.5"), false},
		{"negative", "-3 enter", ans("weight", "-3"), false},
		{"two points", "1.2.3 enter", nil, true},
		{"trailing zeros dropped", "70.50 enter", ans("weight", "70.5"), false},
	})
}

func TestRangeSlider(t *testing.T) {
	st := NewStyles(true, false)
	build := func() RangeSlider { return NewRangeSlider(spec(t, "health"), st) }
	check(t, build, []widgetCase{
		{"first step chooses the low end", "right enter", ans("health", "0"), false},
		{"steps", "right right right enter", ans("health", "2"), false},
		{"left from nothing starts at the top", "left enter", ans("health", "10"), false},
		{"stops at the end", "end right right enter", ans("health", "10"), false},
		{"typed", "7 enter", ans("health", "7"), false},
		{"typed out of range", "11 enter", nil, true},
		{"no value yet", "enter", nil, true},
		{"letters refused", "x", nil, true},
		{"refused", "f4", special("health", model.Refused), false},
	})
	half := &model.Item{Name: "r", Type: model.TypeRange, Range: &model.Range{Start: 0, End: 5, Step: 0.5}}
	buildHalf := func() RangeSlider { return NewRangeSlider(Spec{Item: half}, st) }
	check(t, buildHalf, []widgetCase{
		{"on a step", "2.5 enter", ans("r", "2.5"), false},
		{"between steps", "2.3 enter", nil, true},
		{"steps format without float noise", "right right right right enter", ans("r", "1.5"), false},
	})
	def := &model.Item{Name: "d", Type: model.TypeRange}
	_, msgs := drive(NewRangeSlider(Spec{Item: def}, st), "home enter")
	if diff := cmp.Diff(ans("d", "1"), answers(msgs)); diff != "" {
		t.Errorf("range without parameters starts at ODK's default 1 (-want +got):\n%s", diff)
	}
}

func TestTextEntry(t *testing.T) {
	st := NewStyles(true, false)
	build := func() TextEntry { return NewTextEntry(spec(t, "town"), st) }
	check(t, build, []widgetCase{
		{"text", "Lisbon enter", ans("town", "Lisbon"), false},
		{"spaces inside kept, outside trimmed", "space Porto space Alegre space enter", ans("town", "Porto Alegre"), false},
		{"don't know turned off for this item", "f3", nil, false},
		{"refused by control key", "ctrl+r", special("town", model.Refused), false},
		{"letters d and r type", "dr enter", ans("town", "dr"), false},
		{"question mark types", "? enter", ans("town", "?"), false},
	})
	multi := func() TextEntry { return NewTextEntry(spec(t, "comments"), st) }
	check(t, multi, []widgetCase{
		{"enter confirms", "fine enter", ans("comments", "fine"), false},
		{"alt+enter is a new line", "one alt+enter two enter", ans("comments", "one\ntwo"), false},
		{"ctrl+j is a new line", "one ctrl+j two enter", ans("comments", "one\ntwo"), false},
		{"don't know", "ctrl+d", special("comments", model.DontKnow), false},
	})
	numbers := &model.Item{Name: "phone", Type: model.TypeText, Appearance: "numbers"}
	check(t, func() TextEntry { return NewTextEntry(Spec{Item: numbers}, st) }, []widgetCase{
		{"digits", "+351 space 21 enter", ans("phone", "+351 21"), false},
		{"letters refused", "abc", nil, true},
	})
}

func TestDateTimeEntry(t *testing.T) {
	st := NewStyles(true, false)
	check(t, func() DateTimeEntry { return NewDateTimeEntry(spec(t, "birth"), st) }, []widgetCase{
		{"date", "1990-02-03 enter", ans("birth", "1990-02-03"), false},
		{"compact date", "19900203 enter", ans("birth", "1990-02-03"), false},
		{"no such day", "2026-02-30 enter", nil, true},
		{"letters refused", "tomorrow", nil, true},
		{"leap day", "2024-02-29 enter", ans("birth", "2024-02-29"), false},
	})
	check(t, func() DateTimeEntry { return NewDateTimeEntry(spec(t, "wake"), st) }, []widgetCase{
		{"time", "7:45 enter", ans("wake", "07:45:00"), false},
		{"with seconds", "07:45:30 enter", ans("wake", "07:45:30"), false},
		{"no such hour", "24:00 enter", nil, true},
	})
	sp := spec(t, "callback")
	sp.Location = time.FixedZone("UTC-4", -4*3600)
	check(t, func() DateTimeEntry { return NewDateTimeEntry(sp, st) }, []widgetCase{
		{"date and time in the zone", "2026-07-01 space 14:30 enter", ans("callback", "2026-07-01T14:30:00-04:00"), false},
		{"with T", "2026-07-01T14:30 enter", ans("callback", "2026-07-01T14:30:00-04:00"), false},
		{"date only", "2026-07-01 enter", nil, true},
	})
	sp.Value = "2026-07-01T18:30:00Z"
	_, msgs := drive(NewDateTimeEntry(sp, st), "enter")
	if diff := cmp.Diff(ans("callback", "2026-07-01T14:30:00-04:00"), answers(msgs)); diff != "" {
		t.Errorf("prefilled dateTime is shown in the zone (-want +got):\n%s", diff)
	}
}

func TestRankList(t *testing.T) {
	st := NewStyles(true, false)
	check(t, func() RankList { return NewRankList(spec(t, "rankmedia"), st) }, []widgetCase{
		{"order as shown", "enter", ans("rankmedia", "tv radio web"), false},
		{"carry down", "space down space enter", ans("rankmedia", "radio tv web"), false},
		{"carry to the end", "space down down enter", ans("rankmedia", "radio web tv"), false},
		{"shift moves without carrying", "down shift+up enter", ans("rankmedia", "radio tv web"), false},
		{"moving past the top does nothing", "shift+up enter", ans("rankmedia", "tv radio web"), false},
		{"letters explain the keys", "x", nil, true},
		{"don't know", "f3", special("rankmedia", model.DontKnow), false},
	})
	sp := spec(t, "rankmedia")
	sp.Value = "web tv"
	_, msgs := drive(NewRankList(sp, st), "enter")
	if diff := cmp.Diff(ans("rankmedia", "web tv radio"), answers(msgs)); diff != "" {
		t.Errorf("prefilled order, missing options last (-want +got):\n%s", diff)
	}
}

func TestNoteView(t *testing.T) {
	st := NewStyles(true, false)
	tests := []struct {
		item string
		want tea.Msg
	}{
		{"welcome", NextMsg{Item: "welcome"}},
		{"thanks", AnswerMsg{Item: "thanks", Value: "OK"}},
		{"photo", AnswerMsg{Item: "photo", Special: model.Skipped, Reason: "image cannot be captured on a terminal"}},
	}
	for _, tc := range tests {
		_, msgs := drive(NewNoteView(spec(t, tc.item), st), "f3 f4 x enter")
		if diff := cmp.Diff([]tea.Msg{tc.want}, msgs); diff != "" {
			t.Errorf("%s: f3 f4 x enter (-want +got):\n%s", tc.item, diff)
		}
	}
}

func TestYesNo(t *testing.T) {
	st := NewStyles(true, false)
	tests := []struct {
		script     string
		defaultYes bool
		want       []tea.Msg
	}{
		{"y", false, []tea.Msg{ConfirmMsg{ID: "more", Yes: true}}},
		{"n", true, []tea.Msg{ConfirmMsg{ID: "more", Yes: false}}},
		{"1", false, []tea.Msg{ConfirmMsg{ID: "more", Yes: true}}},
		{"enter", true, []tea.Msg{ConfirmMsg{ID: "more", Yes: true}}},
		{"enter", false, []tea.Msg{ConfirmMsg{ID: "more", Yes: false}}},
		{"right enter", false, []tea.Msg{ConfirmMsg{ID: "more", Yes: true}}},
		{"esc", true, []tea.Msg{BackMsg{Item: "more"}}},
		{"x f3", true, nil},
	}
	for _, tc := range tests {
		_, msgs := drive(NewYesNo("more", "Add another person?", tc.defaultYes, st), tc.script)
		if diff := cmp.Diff(tc.want, msgs); diff != "" {
			t.Errorf("keys %q, default yes %v (-want +got):\n%s", tc.script, tc.defaultYes, diff)
		}
	}
}

func TestSoftCheck(t *testing.T) {
	st := NewStyles(true, false)
	it := item(t, "people")
	tests := []struct {
		script  string
		want    []tea.Msg
		wantErr bool
	}{
		{"enter", nil, true},
		{"respondent space confirmed enter", []tea.Msg{SoftCheckMsg{Item: "people", Confirmed: true, Reason: "respondent confirmed"}}, false},
		{"esc", []tea.Msg{SoftCheckMsg{Item: "people"}}, false},
		{"f3 f4", nil, false},
	}
	for _, tc := range tests {
		s, msgs := drive(NewSoftCheck(it, "More than 12 people is unusual: check the number.", "15", st), tc.script)
		if diff := cmp.Diff(tc.want, msgs); diff != "" {
			t.Errorf("keys %q (-want +got):\n%s", tc.script, diff)
		}
		if got := s.Problem() != ""; got != tc.wantErr {
			t.Errorf("keys %q: Problem() = %q, want error %v", tc.script, s.Problem(), tc.wantErr)
		}
	}
}

func TestSignIn(t *testing.T) {
	st := NewStyles(true, false)
	tests := []struct {
		script  string
		want    []tea.Msg
		wantErr bool
	}{
		{"ana01 enter Ana space Pereira enter", []tea.Msg{SignInMsg{ID: "ana01", Name: "Ana Pereira"}}, false},
		{"ana01 tab Ana enter", []tea.Msg{SignInMsg{ID: "ana01", Name: "Ana"}}, false},
		{"enter", nil, true},
		{"ana01 enter enter", nil, true},
		{"ana space 01 enter", nil, true},
		{"ana01 enter Ana space space Pereira space enter", []tea.Msg{SignInMsg{ID: "ana01", Name: "Ana Pereira"}}, false},
	}
	for _, tc := range tests {
		s, msgs := drive(NewSignIn("", "", st), tc.script)
		if diff := cmp.Diff(tc.want, msgs); diff != "" {
			t.Errorf("keys %q (-want +got):\n%s", tc.script, diff)
		}
		if got := s.Problem() != ""; got != tc.wantErr {
			t.Errorf("keys %q: Problem() = %q, want error %v", tc.script, s.Problem(), tc.wantErr)
		}
	}
	_, msgs := drive(NewSignIn("ana01", "Ana", st), "enter")
	if diff := cmp.Diff([]tea.Msg{SignInMsg{ID: "ana01", Name: "Ana"}}, msgs); diff != "" {
		t.Errorf("prefilled sign-in, enter (-want +got):\n%s", diff)
	}
}

// helpLabels lists the short help line's enabled keys and descriptions.
func helpLabels(w widget) []string {
	var out []string
	for _, b := range w.keys().ShortHelp() {
		if b.Enabled() {
			out = append(out, b.Help().Key+" "+b.Help().Desc)
		}
	}
	return out
}

func TestHelpShowsOnlyWorkingKeys(t *testing.T) {
	st := NewStyles(true, false)
	common := []string{"esc back", "F1 all keys", "F5 note", "F6 language", "F7 suspend", "F8 opt-out"}
	answer := []string{"F3 don't know", "F4 refused"}
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		item string
		want []string
	}{
		{"agegroup", join([]string{"1-6 choose", "↑/↓ move", "enter select"}, answer, common)},
		{"sport", join([]string{"1-5 go to", "↑/↓ move", "space tick", "enter done"}, answer, common)},
		{"people", join([]string{"enter confirm"}, answer, common)},
		{"town", join([]string{"enter confirm", "F4 refused"}, common)}, // no don't know on this item
		{"comments", join([]string{"alt+enter new line", "enter confirm"}, answer, common)},
		{"health", join([]string{"←/→ step", "enter confirm"}, answer, common)},
		{"rankmedia", join([]string{"↑/↓ move", "space pick up", "shift+↑/↓ move item", "enter confirm order"}, answer, common)},
		{"welcome", join([]string{"enter continue"}, common)},
	}
	for _, tc := range tests {
		w, err := newWidget(spec(t, tc.item), st)
		if err != nil {
			t.Fatal(err)
		}
		got := helpLabels(w)
		// The order is the line's; compare as the interviewer reads it.
		if diff := cmp.Diff(order(tc.want), order(got)); diff != "" {
			t.Errorf("%s: help keys (-want +got):\n%s", tc.item, diff)
		}
	}
}

// order sorts labels into the help line's order so tests list them by
// group.
func order(labels []string) []string {
	out := append([]string(nil), labels...)
	rank := func(s string) int {
		for i, p := range []string{"1-", "↑", "←", "space", "shift", "alt", "tab", "enter", "F3", "F4", "esc", "F1", "F5", "F6", "F7", "F8"} {
			if strings.HasPrefix(s, p) {
				return i
			}
		}
		return 99
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && rank(out[j]) < rank(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestNewWidgetRefusesHiddenItems(t *testing.T) {
	st := NewStyles(true, false)
	for _, typ := range []model.ItemType{model.TypeCalculate, model.TypeHidden, model.TypeMeta, model.TypeGroup, model.TypeRepeat} {
		if _, err := newWidget(Spec{Item: &model.Item{Name: "x", Type: typ}}, st); err == nil {
			t.Errorf("newWidget(%s) = nil error, want an error: the item is never shown", typ)
		}
	}
}

func TestPendingAndReject(t *testing.T) {
	st := NewStyles(true, false)
	w, err := newWidget(spec(t, "agegroup"), st)
	if err != nil {
		t.Fatal(err)
	}
	if w.pending() {
		t.Fatalf("a new widget is pending")
	}
	msgs := run(w.update(press("2")))
	msgs = append(msgs, run(w.update(press("enter")))...)
	if diff := cmp.Diff([]tea.Msg{AnswerMsg{Item: "agegroup", Value: "a25"}}, msgs); diff != "" {
		t.Fatalf("2 enter (-want +got):\n%s", diff)
	}
	if !w.pending() {
		t.Errorf("after sending its answer the widget is not pending")
	}
	if msgs := run(w.update(press("enter"))); len(msgs) != 0 {
		t.Errorf("a second enter while pending sent %v; the key belongs to the next question", msgs)
	}
	w.reject("must be 18 or older")
	if w.pending() || w.problem() != "must be 18 or older" {
		t.Errorf("after reject: pending %v, problem %q; want free with the problem shown", w.pending(), w.problem())
	}
	if msgs := run(w.update(press("enter"))); len(msgs) != 1 {
		t.Errorf("after reject enter sent %v, want the answer again", msgs)
	}
}

func TestCells(t *testing.T) {
	for _, s := range []string{
		"", "plain", "\x1b[1;38;2;1;2;3mbold\x1b[m text", "tab\there", "ñandú", "日本語", "emoji 👍🏽",
		"\x1b]8;;http://x\x07link\x1b]8;;\x07", "\x1b[7m> 3 ( ) 35 to 44   \x1b[m", "bell\x07",
	} {
		if got, want := cells(s), ansi.StringWidth(s); got != want {
			t.Errorf("cells(%q) = %d, want %d", s, got, want)
		}
	}
}

func FuzzCells(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[1mbold\x1b[m", "ñ", "日本", "\x1b[", "\x1b[1", "a\x1bb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := cells(s), ansi.StringWidth(s); got != want {
			t.Fatalf("cells(%q) = %d, want %d", s, got, want)
		}
	})
}

func TestListEdgeCases(t *testing.T) {
	st := NewStyles(true, false)
	it := &model.Item{Name: "q", Type: model.TypeSelectOne}

	// No options left after a choice filter: nothing to choose, and say so.
	empty, msgs := drive(NewChoiceList(Spec{Item: it}, st), "enter 1 enter")
	if len(answers(msgs)) != 0 || empty.Problem() == "" {
		t.Errorf("empty list, enter 1 enter: answers %v, problem %q; want none and an error", answers(msgs), empty.Problem())
	}
	for _, b := range empty.HelpKeys().ShortHelp() {
		if b.Enabled() && (b.Help().Key == "↑/↓" || b.Help().Desc == "choose") {
			t.Errorf("empty list help offers %q %q", b.Help().Key, b.Help().Desc)
		}
	}
	if _, msgs := drive(NewChoiceList(Spec{Item: it}, st), "f3"); len(answers(msgs)) != 1 {
		t.Errorf("empty list: don't know still answers, got %v", msgs)
	}

	// Labels wider than the screen, wide characters, and a window shrinking
	// under a scrolled list: every line fits, the highlighted row shows.
	var opts []model.Choice
	for i := 1; i <= 40; i++ {
		opts = append(opts, model.Choice{Name: fmt.Sprintf("c%d", i),
			Label: model.Text{"": strings.Repeat("東京都 Very long option label ", 6) + fmt.Sprint(i)}})
	}
	c := NewChoiceList(Spec{Item: it, Choices: opts}, st)
	c.SetSize(60, 12)
	c, _ = drive(c, "30 enter")
	c.Reject("")
	for _, h := range []int{12, 5, 3, 1} {
		c.SetSize(60, h)
		v := c.View()
		lines := strings.Split(v, "\n")
		if len(lines) > max(h, 2) {
			t.Errorf("height %d: %d lines", h, len(lines))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > 60 {
				t.Errorf("height %d: line %d wide: %q", h, w, ansi.Strip(l))
			}
		}
		if !strings.Contains(ansi.Strip(v), "> 30 ( )") {
			t.Errorf("height %d: the highlighted option 30 is not shown:\n%s", h, ansi.Strip(v))
		}
	}
}

func TestDialogsCanBeHosted(t *testing.T) {
	st := NewStyles(false, false)
	// The engine wiring hosts the soft check and the yes/no prompt like
	// any widget; this checks they fit the shape and keep their keys.
	sc := host(NewSoftCheck(item(t, "people"), "Unusual number.", "15", st))
	sc.setSize(70, 8)
	var msgs []tea.Msg
	for _, k := range keys("ok enter") {
		msgs = append(msgs, run(sc.update(k))...)
	}
	if diff := cmp.Diff([]tea.Msg{SoftCheckMsg{Item: "people", Confirmed: true, Reason: "ok"}}, msgs); diff != "" {
		t.Errorf("hosted soft check, ok enter (-want +got):\n%s", diff)
	}
	if !sc.pending() {
		t.Errorf("hosted soft check not pending after its decision")
	}
	yn := host(NewYesNo("more", "Add another?", true, st))
	if msgs := run(yn.update(press("n"))); len(msgs) != 1 || msgs[0] != (ConfirmMsg{ID: "more"}) {
		t.Errorf("hosted yes/no, n: %v", msgs)
	}
}

// contrast is the WCAG contrast ratio of two colours.
func contrast(a, b color.Color) float64 {
	lum := func(c color.Color) float64 {
		r, g, bl, _ := c.RGBA()
		ch := func(v uint32) float64 {
			x := float64(v) / 0xffff
			if x <= 0.03928 {
				return x / 12.92
			}
			return math.Pow((x+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(bl)
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestPaletteContrast checks that text stays readable on common terminal
// backgrounds: 4.5:1 for what is read or must be noticed, 3:1 for
// secondary text (WCAG AA for normal and large or incidental text).
func TestPaletteContrast(t *testing.T) {
	backgrounds := map[bool][]color.Color{
		true:  {color.RGBA{0, 0, 0, 255}, color.RGBA{0x1e, 0x1e, 0x1e, 255}, color.RGBA{0x28, 0x2c, 0x34, 255}},
		false: {color.RGBA{255, 255, 255, 255}, color.RGBA{0xfd, 0xf6, 0xe3, 255}, color.RGBA{0xf0, 0xf0, 0xf0, 255}},
	}
	for _, dark := range []bool{true, false} {
		s := NewStyles(dark, false)
		checks := []struct {
			name  string
			style lipgloss.Style
			min   float64
		}{
			{"ReadAloud", s.ReadAloud, 4.5}, {"Hint", s.Hint, 4.5}, {"Option", s.Option, 4.5},
			{"Selected", s.Selected, 4.5}, {"Error", s.Error, 4.5}, {"Warning", s.Warning, 4.5},
			{"Input", s.Input, 4.5}, {"Muted", s.Muted, 3}, {"Number", s.Number, 3}, {"Prompt", s.Prompt, 4.5},
		}
		for _, bg := range backgrounds[dark] {
			for _, c := range checks {
				if r := contrast(c.style.GetForeground(), bg); r < c.min {
					t.Errorf("dark=%v %s on %v: contrast %.2f, want at least %.1f", dark, c.name, bg, r, c.min)
				}
			}
		}
		// Text on the header bar and the highlighted row, on their own
		// backgrounds.
		for _, c := range []struct {
			name   string
			fg, bg lipgloss.Style
		}{{"Title", s.Title, s.Title}, {"HeaderMeta", s.HeaderMeta, s.HeaderMeta}, {"Cursor", s.Cursor, s.Cursor}} {
			if r := contrast(c.fg.GetForeground(), c.bg.GetBackground()); r < 4.5 {
				t.Errorf("dark=%v %s on its background: contrast %.2f, want at least 4.5", dark, c.name, r)
			}
		}
	}
}
