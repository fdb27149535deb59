package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// The smallest terminal the console lays out in; below it a message asks
// for a larger window instead of drawing a broken screen.
const (
	minWidth  = 60
	minHeight = 16
)

// Header is what the top of every screen says: where the interviewer is.
type Header struct {
	Title       string   // the survey's title
	Contact     string   // who is being interviewed; "" when nobody is
	Interviewer string   // who is signed in
	Lang        string   // the language questions are shown in
	Langs       []string // the survey's languages, to show the others
	Section     string   // the group or repeat the question is in
	Done, Total int      // questions answered and on the route
}

// Page is one screen's content for the frame to lay out.
type Page struct {
	Header Header
	// Text is read aloud; Hint is the interviewer's instruction.
	Text, Hint string
	// Body is the widget's view, drawn in the height BodyHeight gave.
	Body string
	// Error, Warning and Notice fill the line above the help line, in that
	// order of precedence.
	Error, Warning, Notice string
	// Keys are the keys that work now; AllKeys shows every one of them in
	// place of the body.
	Keys    help.KeyMap
	AllKeys bool
}

// Frame lays out a page: header and progress at the top, the question
// text and the widget in the middle, the problem line and the help line at
// the bottom, always exactly filling the window.
type Frame struct {
	st            *Styles
	width, height int
	// help is behind a pointer, copied when it changes (rarely: a new
	// size or styles): its styles are 4.5 KB that Bubble Tea would copy
	// with every copy of the frame, at every message of every session.
	help *help.Model
	// helpRows is how many lines BodyHeight leaves for the help, which
	// wraps so that every key that works is listed: as many as the keys
	// given to ForKeys need, else one (a page whose help wraps further
	// then loses the bottom of its body).
	helpRows int
	// cache keeps the last header, progress and help lines: they change
	// far less often than keys arrive, and drawing them is most of a
	// frame's cost. Copies of a frame share it; entries are keyed by
	// everything they are drawn from, so a stale one is never used.
	cache *frameCache
}

// frameCache holds rendered lines by the key they were drawn from.
type frameCache struct {
	headerKey, header, progress string
	helpKey                     string
	helpLines                   []string
	textKey                     string
	text                        []string // question text and hint, styled and indented
	textBody                    int      // the body height left under them
}

// NewFrame builds a frame for an 80×24 window until told the real size.
func NewFrame(st *Styles) Frame {
	h := help.New()
	f := Frame{st: st, help: &h, cache: &frameCache{}}
	f.help.ShortSeparator = " · "
	f.help.Styles = st.Help
	f.SetSize(80, 24)
	return f
}

// SetSize records the window size.
func (f *Frame) SetSize(w, h int) {
	f.width, f.height = w, h
	hm := *f.help
	hm.SetWidth(max(w-2, 1))
	f.help = &hm
	f.helpRows = 1
}

// SetStyles switches to new styles.
func (f *Frame) SetStyles(st *Styles) {
	f.st = st
	hm := *f.help
	hm.Styles = st.Help
	f.help = &hm
}

// TooSmall reports whether the window is below the minimum size.
func (f Frame) TooSmall() bool { return f.width < minWidth || f.height < minHeight }

// ContentWidth is the width widgets draw in, inside the margins.
func (f Frame) ContentWidth() int { return max(f.width-2, 1) }

// ForKeys is the frame laid out for a page whose keys are keys: its
// BodyHeight leaves the lines their help wraps to at this width.
func (f Frame) ForKeys(keys help.KeyMap) Frame {
	if keys != nil {
		f.helpRows = len(f.wrapHelp(keys.ShortHelp()))
	}
	return f
}

// fixed is the frame's own lines: header, progress, a blank line, a blank
// line between text and body, the problem line and the help's lines.
func (f Frame) fixed() int { return 5 + f.helpRows }

// textLines wraps the question text and hint, keeping at least minBody
// lines for the widget: text that would not fit is cut with an ellipsis.
func (f Frame) textLines(text, hint string) (t, h []string) {
	const minBody = 4
	w := f.ContentWidth()
	t = wrap(text, w)
	if hint != "" {
		h = wrap(f.st.Marks.Hint+hint, w)
	}
	room := max(f.height-f.fixed()-minBody, 2)
	if len(h) > room/2 {
		h = cut(h, max(room/2, 1))
	}
	if len(t)+len(h) > room {
		t = cut(t, max(room-len(h), 1))
	}
	return t, h
}

// cut keeps the first n lines, marking the cut.
func cut(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	lines = lines[:n]
	lines[n-1] += "…"
	return lines
}

// BodyHeight is the number of lines a widget has under the given question
// text and hint.
func (f Frame) BodyHeight(text, hint string) int {
	t, h := f.textLines(text, hint)
	return max(f.height-f.fixed()-len(t)-len(h), 1)
}

// View renders the page to exactly the window's size.
func (f Frame) View(p Page) string {
	if f.TooSmall() {
		return f.tooSmall()
	}
	st := f.st
	w := f.ContentWidth()
	pad := func(s string) string { return " " + fit(s, w) }
	var help []string
	if p.AllKeys {
		help = f.helpLines(closeKeys{})
	} else {
		help = f.helpLines(p.Keys)
	}
	// The body is laid out for this page's help, as ForKeys sized it.
	f.helpRows = max(len(help), 1)
	lines := make([]string, 0, f.height)
	lines = append(lines, f.top(p.Header)...)

	if p.AllKeys && p.Keys != nil {
		lines = append(lines, pad(st.Section.Render("All keys")+st.Muted.Render("  (F1, ? or esc to close)")), "")
		full := strings.Split(f.help.FullHelpView(p.Keys.FullHelp()), "\n")
		lines = append(lines, block(full, f.height-1-len(help)-len(lines), pad)...)
	} else {
		text, bodyH := f.question(p.Text, p.Hint)
		lines = append(lines, text...)
		lines = append(lines, "")
		lines = append(lines, block(strings.Split(p.Body, "\n"), bodyH, pad)...)
	}
	content := max(f.height-1-len(help), 0)
	for len(lines) < content {
		lines = append(lines, "")
	}
	lines = lines[:content]

	var status string
	switch {
	case p.Error != "":
		status = st.Error.Render(st.Marks.Error + p.Error)
	case p.Warning != "":
		status = st.Warning.Render(st.Marks.Warning + p.Warning)
	case p.Notice != "":
		status = st.Success.Render(p.Notice)
	}
	lines = append(lines, pad(status))
	lines = append(lines, help...)
	return strings.Join(lines[:min(len(lines), f.height)], "\n")
}

// closeKeys is the help line under the full key list.
type closeKeys struct{}

// ShortHelp says how the list closes.
func (closeKeys) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc/F1", "close this list"))}
}

// FullHelp is empty: the list is already shown.
func (closeKeys) FullHelp() [][]key.Binding { return nil }

// question is the question text and hint, wrapped, styled and indented,
// and the height left for the body under them, from the cache while they
// are unchanged.
func (f Frame) question(text, hint string) ([]string, int) {
	key := fmt.Sprintf("%s|%d|%d|%d|%s\x00%s", f.styleKey(), f.width, f.height, f.helpRows, text, hint)
	if f.cache.textKey != key {
		t, h := f.textLines(text, hint)
		lines := make([]string, 0, len(t)+len(h))
		for _, l := range t {
			lines = append(lines, " "+f.st.ReadAloud.Render(l))
		}
		for _, l := range h {
			lines = append(lines, " "+f.st.Hint.Render(l))
		}
		f.cache.textKey, f.cache.text = key, lines
		f.cache.textBody = max(f.height-f.fixed()-len(lines), 1)
	}
	return f.cache.text, f.cache.textBody
}

// styleKey names the palette in cache keys: styles are built from these
// two facts alone.
func (f Frame) styleKey() string {
	return fmt.Sprintf("dark=%t,nocolor=%t", f.st.Dark, f.st.NoColor)
}

// top is the header, the progress line and a blank line, from the cache
// when the header is unchanged.
func (f Frame) top(h Header) []string {
	key := fmt.Sprintf("%s|%d|%q|%q|%q|%q|%q|%q|%d|%d", f.styleKey(), f.width, h.Title, h.Contact,
		h.Interviewer, h.Lang, h.Langs, h.Section, h.Done, h.Total)
	if f.cache.headerKey != key {
		f.cache.headerKey = key
		f.cache.header, f.cache.progress = f.header(h), f.progress(h)
	}
	return []string{f.cache.header, f.cache.progress, ""}
}

// helpLines is the short help of keys, wrapped to the window's width so
// that every working key is listed, from the cache when the working keys
// are unchanged.
func (f Frame) helpLines(keys help.KeyMap) []string {
	if keys == nil {
		return []string{""}
	}
	bindings := keys.ShortHelp()
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d", f.styleKey(), f.width)
	for _, k := range bindings {
		if k.Enabled() {
			b.WriteString("|" + k.Help().Key + "\x00" + k.Help().Desc)
		}
	}
	if key := b.String(); f.cache.helpKey != key {
		lines := f.wrapHelp(bindings)
		for i := range lines {
			lines[i] = " " + lines[i]
		}
		f.cache.helpKey, f.cache.helpLines = key, lines
	}
	return f.cache.helpLines
}

// wrapHelp lays the enabled bindings out as "key desc" items separated by
// " · ", starting a new line where the next item would not fit in the
// content width: an item is never cut, unless it alone is wider.
func (f Frame) wrapHelp(bindings []key.Binding) []string {
	w := f.ContentWidth()
	hs := f.help.Styles
	sep := hs.ShortSeparator.Inline(true).Render(f.help.ShortSeparator)
	sepW := lipgloss.Width(sep)
	var lines []string
	var line strings.Builder
	lineW := 0
	for _, k := range bindings {
		if !k.Enabled() {
			continue
		}
		item := hs.ShortKey.Inline(true).Render(k.Help().Key) + " " + hs.ShortDesc.Inline(true).Render(k.Help().Desc)
		itemW := lipgloss.Width(item)
		if lineW > 0 && lineW+sepW+itemW > w {
			lines = append(lines, line.String())
			line.Reset()
			lineW = 0
		}
		if lineW > 0 {
			line.WriteString(sep)
			lineW += sepW
		}
		line.WriteString(fit(item, w))
		lineW += min(itemW, w)
	}
	if lineW > 0 || len(lines) == 0 {
		lines = append(lines, line.String())
	}
	return lines
}

// block pads or cuts lines to exactly n, each through pad.
func block(lines []string, n int, pad func(string) string) []string {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if i < len(lines) {
			out = append(out, pad(lines[i]))
		} else {
			out = append(out, "")
		}
	}
	return out
}

// header draws the top bar: title on the left; contact, languages and
// interviewer on the right.
func (f Frame) header(h Header) string {
	st := f.st
	sep := st.HeaderMeta.Render(" · ")
	title := h.Title
	if title == "" {
		title = "canvass"
	}
	var right []string
	if h.Contact != "" {
		right = append(right, st.HeaderMeta.Render(h.Contact))
	}
	if len(h.Langs) > 0 || h.Lang != "" {
		langs := h.Langs
		if len(langs) == 0 {
			langs = []string{h.Lang}
		}
		var ls []string
		for _, l := range langs {
			if l == h.Lang {
				ls = append(ls, st.Lang.Render(strings.ToUpper(l)))
			} else {
				ls = append(ls, st.HeaderMeta.Render(strings.ToLower(l)))
			}
		}
		right = append(right, strings.Join(ls, st.HeaderMeta.Render(" ")))
	}
	if h.Interviewer != "" {
		right = append(right, st.HeaderMeta.Render(h.Interviewer))
	}
	r := strings.Join(right, sep) + st.Header.Render(" ")
	l := st.Header.Render(" ") + st.Title.Render(title)
	gap := f.width - lipgloss.Width(l) - lipgloss.Width(r)
	if gap < 1 {
		l = fit(l, max(f.width-lipgloss.Width(r)-1, 1))
		gap = max(f.width-lipgloss.Width(l)-lipgloss.Width(r), 0)
	}
	return fit(l+st.Header.Render(strings.Repeat(" ", gap))+r, f.width)
}

// progress draws where in the questionnaire the interviewer is: the
// section on the left, a bar and the count on the right.
func (f Frame) progress(h Header) string {
	st := f.st
	if h.Total <= 0 {
		return " " + st.Section.Render(h.Section)
	}
	done := min(max(h.Done, 0), h.Total)
	count := fmt.Sprintf(" %d/%d", done, h.Total)
	barW := min(30, f.width/3)
	filled := done * barW / h.Total
	bar := st.ProgressFilled.Render(strings.Repeat("━", filled)) +
		st.ProgressEmpty.Render(strings.Repeat("─", barW-filled)) + st.Muted.Render(count)
	left := " " + st.Section.Render(h.Section)
	room := f.width - lipgloss.Width(bar) - 1
	left = fit(left, max(room-1, 1))
	return left + strings.Repeat(" ", max(room-lipgloss.Width(left), 1)) + bar
}

// tooSmall is the whole screen when the window is below the minimum.
func (f Frame) tooSmall() string {
	msg := fmt.Sprintf("The window is %d×%d.\ncanvass needs at least %d×%d:\nplease make it larger.",
		f.width, f.height, minWidth, minHeight)
	return lipgloss.Place(max(f.width, 1), max(f.height, 1), lipgloss.Center, lipgloss.Center,
		f.st.Warning.Render(msg))
}
