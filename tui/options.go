package tui

import (
	"fmt"
	"strconv"
	"strings"

	"canvass/model"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// otherName is the choice name ODK gives the option an or_other question
// adds.
const otherName = "other"

// options is the list core shared by the choice list, the multi-select and
// the ranking: the options shown, the code typed to reach one, the
// highlighted row and the scroll offset.
type options struct {
	opts  []model.Choice
	codes []string // what the interviewer types for each option, as shown
	cur   int
	top   int
	typed string
	// drawn keeps rendered rows by their text and look: a keypress
	// changes one or two rows, and styling every row again on each frame
	// was most of a frame's cost on long lists. Copies of the list share
	// it, which is safe as the key says all a row is drawn from.
	drawn map[string]string
}

// newOptions builds the list. When every option's name is a short number
// (coded lists such as 1..5, 98, 99) the codes are the names, so what is
// typed is what the questionnaire records; otherwise options are numbered
// 1..n and a name typed in full selects too.
func newOptions(choices []model.Choice, orOther bool) options {
	opts := append([]model.Choice(nil), choices...)
	if orOther && !hasChoice(opts, otherName) {
		opts = append(opts, model.Choice{Name: otherName, Label: otherLabel()})
	}
	codes := make([]string, len(opts))
	numeric := len(opts) > 0
	seen := map[string]bool{}
	for _, o := range opts {
		if len(o.Name) > 3 || seen[o.Name] || !allDigits(o.Name) {
			numeric = false
			break
		}
		seen[o.Name] = true
	}
	for i, o := range opts {
		if numeric {
			codes[i] = o.Name
		} else {
			codes[i] = strconv.Itoa(i + 1)
		}
	}
	return options{opts: opts, codes: codes, drawn: map[string]string{}}
}

func hasChoice(opts []model.Choice, name string) bool {
	for _, o := range opts {
		if o.Name == name {
			return true
		}
	}
	return false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// index returns the option with the given name, or -1.
func (o *options) index(name string) int {
	for i, c := range o.opts {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// lookup finds the option a complete code or name selects: the shown code
// first, then the name exactly, then the name ignoring case.
func (o *options) lookup(s string) int {
	for i, c := range o.codes {
		if c == s {
			return i
		}
	}
	if i := o.index(s); i >= 0 {
		return i
	}
	for i, c := range o.opts {
		if strings.EqualFold(c.Name, s) {
			return i
		}
	}
	return -1
}

// couldMatch reports whether some option's code or name starts with s.
func (o *options) couldMatch(s string) bool {
	ls := strings.ToLower(s)
	for i, c := range o.opts {
		if strings.HasPrefix(o.codes[i], s) || strings.HasPrefix(strings.ToLower(c.Name), ls) {
			return true
		}
	}
	return false
}

// typeText adds typed characters to the code, moving the highlight to the
// option the code names so far. A code no option's code or name starts
// with gets an error at once; it stays typed, so that Enter cannot choose
// the highlighted option by mistake, until it is erased.
func (o *options) typeText(t string) string {
	o.typed += t
	if !o.couldMatch(o.typed) {
		return fmt.Sprintf("no option has the code %q; type %s", o.typed, o.codeRange())
	}
	if i := o.lookup(o.typed); i >= 0 {
		o.cur = i
	}
	return ""
}

// erase removes the last typed character.
func (o *options) erase() {
	if o.typed == "" {
		return
	}
	r := []rune(o.typed)
	o.typed = string(r[:len(r)-1])
	if i := o.lookup(o.typed); i >= 0 {
		o.cur = i
	}
}

// resolve turns the typed code into the option it selects; with nothing
// typed it is the highlighted option.
func (o *options) resolve() (int, string) {
	if o.typed == "" {
		if len(o.opts) == 0 {
			return -1, "there are no options to choose from"
		}
		return o.cur, ""
	}
	i := o.lookup(o.typed)
	if i < 0 {
		return -1, fmt.Sprintf("no option has the code %q; type %s", o.typed, o.codeRange())
	}
	o.typed = ""
	o.cur = i
	return i, ""
}

// codeRange describes the codes, for error messages.
func (o *options) codeRange() string {
	switch len(o.codes) {
	case 0:
		return "nothing: there are no options"
	case 1:
		return o.codes[0]
	}
	if o.codes[0] == "1" && o.codes[len(o.codes)-1] == strconv.Itoa(len(o.codes)) {
		return fmt.Sprintf("1 to %d", len(o.codes))
	}
	return "one of " + strings.Join(o.codes, ", ")
}

// navigate handles the keys that move the highlight and reports whether
// msg was one of them. Moving clears a half-typed code.
func (o *options) navigate(msg tea.KeyPressMsg, km *keyMap, page int) bool {
	n := len(o.opts)
	if n == 0 {
		return false
	}
	switch {
	case key.Matches(msg, km.Up):
		o.cur = (o.cur - 1 + n) % n
	case key.Matches(msg, km.Down):
		o.cur = (o.cur + 1) % n
	case key.Matches(msg, km.PageUp):
		o.cur = max(o.cur-max(page, 1), 0)
	case key.Matches(msg, km.PageDown):
		o.cur = min(o.cur+max(page, 1), n-1)
	case key.Matches(msg, km.Home):
		o.cur = 0
	case key.Matches(msg, km.End):
		o.cur = n - 1
	default:
		return false
	}
	o.typed = ""
	return true
}

// rows renders the visible rows in height lines, each from row(i, line)
// where line is the option's text already cut to fit, and a last line
// with what is typed and how many options lie above and below.
func (o *options) rows(c *common, height int, mark func(i int) string) []string {
	st := c.st
	n := len(o.opts)
	listH := max(height-1, 1)
	o.top = window(n, listH, o.cur, o.top)
	cw := 0
	for _, code := range o.codes {
		cw = max(cw, len(code))
	}
	lines := make([]string, 0, height)
	for i := o.top; i < min(n, o.top+listH); i++ {
		m := mark(i)
		text := fmt.Sprintf("%*s %s %s", cw, o.codes[i], m, c.label(o.opts[i]))
		if i == o.cur {
			line := fit(st.Marks.Cursor+text, c.width)
			line += strings.Repeat(" ", max(c.width-cells(line), 0))
			lines = append(lines, st.Cursor.Render(line))
			continue
		}
		text = fit(st.Marks.NoCursor+text, c.width)
		style, look := st.Option, "option"
		if strings.HasPrefix(m, st.Marks.Checked) || strings.HasPrefix(m, st.Marks.Chosen) {
			style, look = st.Selected, "selected"
		}
		key := fmt.Sprintf("%t,%t,%s|%s", st.Dark, st.NoColor, look, text)
		line, ok := o.drawn[key]
		if !ok {
			line = style.Render(text)
			o.drawn[key] = line
		}
		lines = append(lines, line)
	}
	var foot []string
	if o.typed != "" {
		foot = append(foot, st.Prompt.Render("code ")+st.Input.Render(o.typed)+st.Muted.Render("▏ enter to choose"))
	}
	if above := o.top; above > 0 {
		foot = append(foot, st.Muted.Render(fmt.Sprintf("↑ %d more", above)))
	}
	if below := n - o.top - listH; below > 0 {
		foot = append(foot, st.Muted.Render(fmt.Sprintf("↓ %d more", below)))
	}
	lines = append(lines, fit(strings.Join(foot, st.Muted.Render(" · ")), c.width))
	return lines
}

// otherLabel is the label of the "other" option an or_other question adds.
func otherLabel() model.Text {
	return model.Text{"": "Other (specify)", "es": "Otro (especifique)", "fr": "Autre (précisez)"}
}
