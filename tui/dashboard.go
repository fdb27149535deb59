package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"canvass/model"
	"canvass/store"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// The supervisor dashboard: the figures of `canvass report` for one survey
// on three tabs (overview, interviewers, charts), loaded from the store in
// a tea.Cmd and reloaded on a key. [NewDashboardApp] hosts it in an
// [App] on its own (`canvass dashboard`). [Dashboard] is the screen, for
// a console that embeds it: build it with NewDashboard(...).WithHostKeys(the way back),
// run its Init, hand it keys and the messages it does not know through
// Update, and draw Page{Header: d.Header(), Text: d.Title(), Body:
// d.View(), Keys: d.HelpKeys()} in the frame, sized with
// SetSize(frame.ContentWidth(), frame.BodyHeight(d.Title(), "")).

// ReportSource is what the dashboard needs from the store; *store.Store
// implements it.
type ReportSource interface {
	Report(survey string, o store.ReportOptions) (*store.Report, error)
	// DeviceStatuses says where sync stands with each field laptop (or,
	// on a laptop, its hub); none on a store that syncs with nobody.
	DeviceStatuses() ([]store.DeviceStatus, error)
}

// Dashboard tabs.
const (
	tabOverview = iota
	tabInterviewers
	tabCharts
	tabCount
)

// tabNames are the tabs' names, in order.
func tabNames() [tabCount]string { return [tabCount]string{"Overview", "Interviewers", "Charts"} }

// dashKeys are the dashboard's key bindings.
type dashKeys struct {
	Tabs, NextTab, PrevTab key.Binding
	Up, Down               key.Binding
	PageUp, PageDown       key.Binding
	Refresh                key.Binding
	Help, Quit             key.Binding
}

func newDashKeys() dashKeys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return dashKeys{
		Tabs:     b("1-3", "tabs", "1", "2", "3"),
		NextTab:  b("tab", "next", "tab", "right", "l"),
		PrevTab:  b("shift+tab", "previous tab", "shift+tab", "left", "h"),
		Up:       b("↑/↓", "scroll", "up", "k"),
		Down:     b("↓", "scroll down", "down", "j"),
		PageUp:   b("PgUp/PgDn", "page", "pgup"),
		PageDown: b("PgDn", "page down", "pgdown", "space"),
		Refresh:  b("r", "refresh", "r", "f5", "ctrl+r"),
		// F1 and Esc as in the other consoles; ? and q still work.
		Help: b("F1", "all keys", "f1", "?"),
		Quit: b("esc", "quit", "esc", "q", "ctrl+c"),
	}
}

// ShortHelp is the help line.
func (k dashKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Tabs, k.NextTab, k.Up, k.Refresh, k.Help, k.Quit}
}

// FullHelp lists every key with all its alternatives.
func (k dashKeys) FullHelp() [][]key.Binding {
	return fullHelp([][]key.Binding{
		{k.Tabs, k.NextTab, k.PrevTab},
		{k.Up, k.Down, k.PageUp, k.PageDown},
		{k.Refresh, k.Help, k.Quit},
	})
}

// fullHelp labels each binding with every key it has, and the pairs the
// short help shows under one label ("↑/↓ scroll") one by one.
func fullHelp(groups [][]key.Binding) [][]key.Binding {
	desc := map[string]string{"tabs": "go to tab", "next": "next tab", "scroll": "scroll up", "page": "page up"}
	out := make([][]key.Binding, len(groups))
	for i, g := range groups {
		for _, b := range g {
			d := b.Help().Desc
			if x, ok := desc[d]; ok {
				d = x
			}
			if b.Help().Key != "1-3" {
				ks := slices.Clone(b.Keys())
				for j, k := range ks {
					ks[j] = strings.NewReplacer("pgup", "PgUp", "pgdown", "PgDn").Replace(k)
				}
				b.SetHelp(keyNames(ks), d)
			}
			out[i] = append(out[i], b)
		}
	}
	return out
}

// dashboardLoadedMsg brings a report; seq says which request it answers,
// and a reply to any but the last is dropped.
type dashboardLoadedMsg struct {
	survey  string
	seq     int
	report  *store.Report
	devices []store.DeviceStatus
	err     error
}

// Dashboard is the progress screen of one survey. It holds the last report
// loaded; keys switch tabs, scroll and ask for a fresh report.
type Dashboard struct {
	src    ReportSource
	survey string
	opts   store.ReportOptions
	clock  func() time.Time

	st            *Styles
	km            dashKeys
	width, height int

	// host are the keys of a console that embeds the dashboard, shown in
	// its help line in place of quit.
	host   []key.Binding
	seq    int // the request waited for; 0 when none
	sent   int // requests made
	report *store.Report
	// devices are the field laptops (or the hub) as last loaded.
	devices []store.DeviceStatus
	err     string
	tab     int
	scroll  int
	// cache keeps each tab as last drawn: it changes only with the
	// report, the size or the styles, not with keys. Copies of a
	// dashboard share it; each entry records all it was drawn from.
	cache *[tabCount]bodyCache
}

// bodyCache is a drawn tab and what it was drawn from.
type bodyCache struct {
	report *store.Report
	st     *Styles
	err    string
	w, h   int
	lines  []string
}

// NewDashboard builds the dashboard of survey over src, waiting for its
// first report: Init returns the command that loads it. opts.At is
// ignored: every load reports at clock's time (nil means time.Now).
func NewDashboard(src ReportSource, survey string, opts store.ReportOptions, clock func() time.Time, st *Styles) Dashboard {
	if clock == nil {
		clock = time.Now
	}
	return Dashboard{src: src, survey: survey, opts: opts, clock: clock, st: st, km: newDashKeys(),
		width: 78, height: 17, sent: 1, seq: 1, cache: &[tabCount]bodyCache{}}
}

// Init loads the first report.
func (d Dashboard) Init() tea.Cmd { return d.loadCmd(1) }

// SetSize sets the size of the dashboard's body.
func (d *Dashboard) SetSize(w, h int) { d.width, d.height = max(w, 1), max(h, 1) }

// SetStyles switches to new styles.
func (d *Dashboard) SetStyles(st *Styles) { d.st = st }

// Loading reports whether a report is on its way.
func (d Dashboard) Loading() bool { return d.seq != 0 }

// Load asks for a fresh report: the returned command reads the store.
func (d Dashboard) Load() (Dashboard, tea.Cmd) {
	d.sent++
	d.seq = d.sent
	return d, d.loadCmd(d.seq)
}

// loadCmd is request seq: make a report now and bring it back.
func (d Dashboard) loadCmd(seq int) tea.Cmd {
	src, survey, opts, clock := d.src, d.survey, d.opts, d.clock
	return func() tea.Msg {
		opts.At = clock()
		r, err := src.Report(survey, opts)
		if err != nil {
			return dashboardLoadedMsg{survey: survey, seq: seq, err: err}
		}
		ds, err := src.DeviceStatuses()
		return dashboardLoadedMsg{survey: survey, seq: seq, report: r, devices: ds, err: err}
	}
}

// Update handles keys and loaded reports.
func (d Dashboard) Update(msg tea.Msg) (Dashboard, tea.Cmd) {
	switch msg := msg.(type) {
	case dashboardLoadedMsg:
		return d.handleLoaded(msg), nil
	case tea.KeyPressMsg:
		return d.handleKey(msg)
	}
	return d, nil
}

func (d Dashboard) handleLoaded(msg dashboardLoadedMsg) Dashboard {
	if msg.survey != d.survey || msg.seq != d.seq {
		return d // stale
	}
	d.seq = 0
	if msg.err != nil {
		d.err = msg.err.Error()
		return d
	}
	d.err, d.report, d.devices = "", msg.report, msg.devices
	return d
}

func (d Dashboard) handleKey(msg tea.KeyPressMsg) (Dashboard, tea.Cmd) {
	k := d.km
	switch {
	case key.Matches(msg, k.Refresh):
		if d.Loading() {
			return d, nil
		}
		return d.Load()
	case key.Matches(msg, k.Tabs):
		d.setTab(int(msg.Code - '1'))
	case key.Matches(msg, k.NextTab):
		d.setTab((d.tab + 1) % tabCount)
	case key.Matches(msg, k.PrevTab):
		d.setTab((d.tab + tabCount - 1) % tabCount)
	case key.Matches(msg, k.Up):
		d.scrollBy(-1)
	case key.Matches(msg, k.Down):
		d.scrollBy(1)
	case key.Matches(msg, k.PageUp):
		d.scrollBy(-max(d.height-1, 1))
	case key.Matches(msg, k.PageDown):
		d.scrollBy(max(d.height-1, 1))
	}
	return d, nil
}

func (d *Dashboard) setTab(t int) {
	if t >= 0 && t < tabCount && t != d.tab {
		d.tab, d.scroll = t, 0
	}
}

// scrollBy moves the body by n lines, within what the current tab has.
func (d *Dashboard) scrollBy(n int) {
	lines := len(d.body())
	d.scroll = min(max(d.scroll+n, 0), max(lines-d.height, 0))
}

// Tab is the name of the tab shown.
func (d Dashboard) Tab() string { return tabNames()[d.tab] }

// Report is the report shown, nil before the first load.
func (d Dashboard) Report() *store.Report { return d.report }

// Problem is the last failed load, "" when the last one worked.
func (d Dashboard) Problem() string { return d.err }

// WithHostKeys returns the dashboard for a console that embeds it: its
// help shows keys (such as the way back to the host's screens) in place
// of quit, which the host handles.
func (d Dashboard) WithHostKeys(keys ...key.Binding) Dashboard {
	d.host = append([]key.Binding(nil), keys...)
	return d
}

// HelpKeys are the keys that work on the dashboard.
func (d Dashboard) HelpKeys() help.KeyMap {
	if d.host == nil {
		return d.km
	}
	return hostedKeys{d.km, d.host}
}

// hostedKeys is the help of an embedded dashboard.
type hostedKeys struct {
	k    dashKeys
	host []key.Binding
}

// ShortHelp is the dashboard's keys, then the host's.
func (h hostedKeys) ShortHelp() []key.Binding {
	k := h.k
	return append([]key.Binding{k.Tabs, k.NextTab, k.Up, k.Refresh}, h.host...)
}

// FullHelp lists the dashboard's keys and the host's.
func (h hostedKeys) FullHelp() [][]key.Binding {
	k := h.k
	return fullHelp([][]key.Binding{{k.Tabs, k.NextTab, k.PrevTab}, {k.Up, k.Down, k.PageUp, k.PageDown},
		append([]key.Binding{k.Refresh}, h.host...)})
}

// Header is what the frame's top bar says, with the tabs under it.
func (d Dashboard) Header() Header {
	return Header{Title: "canvass · dashboard", Contact: "survey " + d.survey, Section: d.tabBar()}
}

// Title says what the figures are: the survey and the moment of the
// report.
func (d Dashboard) Title() string {
	if d.report == nil {
		return "Survey " + d.survey
	}
	return fmt.Sprintf("Survey %s: progress at %s", d.survey, d.report.At.In(d.location()).Format("2006-01-02 15:04 MST"))
}

func (d Dashboard) location() *time.Location {
	if d.opts.Location != nil {
		return d.opts.Location
	}
	return time.UTC
}

// View draws the shown tab, scrolled, in at most d.height lines; a cut
// is marked on the last line.
func (d Dashboard) View() string {
	body := d.body()
	room := d.height
	top := min(d.scroll, max(len(body)-room, 0))
	end := min(top+room, len(body))
	lines := slices.Clone(body[top:end])
	if end < len(body) && len(lines) > 0 {
		lines[len(lines)-1] = d.st.Muted.Render(fit(fmt.Sprintf("↓ %d more line%s", len(body)-end+1, pluralS(len(body)-end+1)), d.width))
	}
	return strings.Join(lines, "\n")
}

// tabBar names the tabs, the shown one marked in every palette.
func (d Dashboard) tabBar() string {
	parts := make([]string, tabCount)
	for i, n := range tabNames() {
		label := fmt.Sprintf("%d %s", i+1, n)
		if i == d.tab {
			parts[i] = d.st.Selected.Render("[" + label + "]")
		} else {
			parts[i] = d.st.Muted.Render(" " + label + " ")
		}
	}
	return strings.Join(parts, " ")
}

// body is the current tab's lines, from the cache when nothing they are
// drawn from changed. The caller must not change them.
func (d Dashboard) body() []string {
	c := &d.cache[d.tab]
	if c.lines == nil || c.report != d.report || c.st != d.st || c.err != d.err || c.w != d.width || c.h != d.height {
		lines := d.draw()
		for i := range lines {
			lines[i] = fit(lines[i], d.width)
		}
		*c = bodyCache{report: d.report, st: d.st, err: d.err, w: d.width, h: d.height, lines: lines}
	}
	return c.lines
}

// draw draws the current tab.
func (d Dashboard) draw() []string {
	r := d.report
	if r == nil {
		if d.err != "" {
			return []string{d.st.Muted.Render("No figures: the report could not be made.")}
		}
		return []string{d.st.Muted.Render("Loading the figures…")}
	}
	switch d.tab {
	case tabInterviewers:
		return append(append(d.interviewers(r), d.shifts(r.Shifts)...), d.interviewerNotes()...)
	case tabCharts:
		return d.charts(r)
	}
	lines := d.overview(r)
	// A tall window shows the interviewers under the overview too.
	if who := d.interviewers(r); len(lines)+1+len(who) <= d.height {
		lines = append(append(lines, ""), who...)
	}
	return lines
}

// overview is the sample, appointments and rates side by side, then the
// dispositions.
func (d Dashboard) overview(r *store.Report) []string {
	st := d.st
	s := r.Sample
	num := func(label string, n int64, note string) string {
		line := fmt.Sprintf("%-14s %7d", label, n)
		if note != "" {
			line += st.Muted.Render("  " + note)
		}
		return line
	}
	var limits, atImport string
	if s.ClosedByLimits > 0 {
		limits = fmt.Sprintf("%d by limits", s.ClosedByLimits)
	}
	if s.SuppressedAtImport > 0 {
		atImport = fmt.Sprintf("+%d at import", s.SuppressedAtImport)
	}
	left := []string{
		st.Section.Render("Sample"),
		num("contacts", s.Total, ""),
		num("untouched", s.Untouched, ""),
		num("in progress", s.InProgress, ""),
		num("final", s.Final, limits),
		num("opted out", s.Suppressed, atImport),
		num("left to work", s.Left, ""),
		d.bar(s.Total-s.Suppressed-s.Left, s.Total-s.Suppressed, 20) + st.Muted.Render(" final"),
	}
	right := []string{st.Section.Render("AAPOR rates") + st.Muted.Render(" (final + interim)")}
	if r.Rates.E == nil {
		right = append(right, st.Muted.Render("e undefined"))
	} else {
		right = append(right, st.Muted.Render("e estimated "+r.Rates.E.RatString()+" = "+store.Percent(r.Rates.E)))
	}
	var row []string
	for i, x := range r.Rates.Rates {
		row = append(row, fmt.Sprintf("%-5s %6s", x.Name, store.Percent(x.Value)))
		next := ""
		if i+1 < len(r.Rates.Rates) {
			next = r.Rates.Rates[i+1].Name
		}
		if len(row) == 3 || strings.TrimRight(next, "0123456789") != strings.TrimRight(x.Name, "0123456789") {
			right = append(right, strings.Join(row, "  "))
			row = nil
		}
	}
	right = append(right, st.Section.Render("Appointments")+fmt.Sprintf(" %d due now, %d later", r.Appointments.Due, r.Appointments.Later))
	lines := columns(left, right, 36, d.width)
	lines = append(lines, "")
	disp := func(title string, ds []store.DispositionCount) []string {
		out := []string{st.Section.Render(title)}
		if len(ds) == 0 {
			out = append(out, st.Muted.Render("none"))
		}
		for _, x := range ds {
			out = append(out, fmt.Sprintf("%-6s %-22s %6d", x.Code, fit(x.Name, 22), x.Count))
		}
		return out
	}
	lines = append(lines, columns(disp("Final dispositions", r.Final), disp("Interim (open contacts)", r.Interim), 38, d.width)...)
	lines = append(lines, d.quotas(r.Quotas)...)
	return append(lines, d.deviceLines()...)
}

// quotas is a line per quota cell: completes and interviews in progress
// against the target, with a bar, what remains and the burn rate; none
// for a survey without quotas.
func (d Dashboard) quotas(cells []store.QuotaCell) []string {
	if len(cells) == 0 {
		return nil
	}
	st := d.st
	lines := []string{"", st.Section.Render("Quotas") + st.Muted.Render(" completes + in progress / target")}
	for _, c := range cells {
		if c.Kind == model.QuotaCounter {
			lines = append(lines, fmt.Sprintf("%-16s %5d %s", fit(c.Name, 16), c.Completes, st.Muted.Render(fmt.Sprintf("counted, %d in progress", c.InProgress))))
			continue
		}
		note := fmt.Sprintf("%d left", *c.Remaining)
		if c.Full {
			note = "FULL"
		}
		if c.BurnRate != nil {
			note += fmt.Sprintf(", %.1f calls/complete", *c.BurnRate)
		}
		lines = append(lines, fmt.Sprintf("%-16s %5d+%-3d/%5d ", fit(c.Name, 16), c.Completes, c.InProgress, c.Target)+
			d.bar(min(c.Completes+c.InProgress, int64(c.Target)), int64(c.Target), 12)+" "+st.Muted.Render(note))
	}
	return lines
}

// deviceLines is where sync stands with each field laptop (on a laptop,
// with its hub), as canvass devices shows it; nothing when there are none.
func (d Dashboard) deviceLines() []string {
	if len(d.devices) == 0 {
		return nil
	}
	st := d.st
	lines := []string{"", st.Section.Render("Field laptops") + st.Muted.Render(" (canvass devices)")}
	mark := func(m *store.BundleMark) string {
		if m == nil {
			return "never"
		}
		return fmt.Sprintf("#%d %s", m.Number, m.At.In(d.location()).Format("Mon 2 Jan 15:04"))
	}
	for _, x := range d.devices {
		line := fmt.Sprintf("%-14s in %-18s out %-18s %5d not acked  %5d assigned  %5d completed",
			fit(x.Name, 14), mark(x.In), mark(x.Out), x.Unacked, x.Assigned, x.Completed)
		if len(x.Held) > 0 {
			line += st.Muted.Render(fmt.Sprintf("  %d held", len(x.Held)))
		}
		lines = append(lines, line)
	}
	return lines
}

// columns sets two blocks side by side, the left one leftW wide; in a
// window too narrow for both the right block goes below.
func columns(left, right []string, leftW, width int) []string {
	if width < leftW+30 {
		return append(append(left, ""), right...)
	}
	n := max(len(left), len(right))
	out := make([]string, n)
	for i := range n {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		out[i] = fit(l, leftW) + strings.Repeat(" ", max(leftW-cells(fit(l, leftW)), 0)) + "  " + r
	}
	return out
}

// bar is a progress bar of done out of total, w cells wide, with the share.
func (d Dashboard) bar(done, total int64, w int) string {
	filled := 0
	pct := "–"
	if total > 0 {
		filled = int(done * int64(w) / total)
		pct = fmt.Sprintf("%d%%", done*100/total)
	}
	return d.st.ProgressFilled.Render(strings.Repeat("█", filled)) +
		d.st.ProgressEmpty.Render(strings.Repeat("░", w-filled)) + " " + pct
}

// interviewers is the productivity table, one row per interviewer and a
// total.
func (d Dashboard) interviewers(r *store.Report) []string {
	st := d.st
	head := fmt.Sprintf("%-12s %6s %6s %6s %6s %6s %7s %7s %5s", "interviewer", "calls", "reach", "compl", "hours", "c/h", "avg len", "refusal", "overr")
	lines := []string{st.Section.Render(head)}
	row := func(f store.InterviewerFigures) string {
		perHour := "–"
		if v, ok := f.CompletesPerHour(); ok {
			perHour = fmt.Sprintf("%.2f", v)
		}
		return fmt.Sprintf("%-12s %6d %6d %6d %6.2f %6s %7s %7s %5d", fit(f.Interviewer, 12), f.Calls, f.Contacts,
			f.Completes, f.Hours(), perHour, store.FormatDuration(f.AverageInterview()), store.Percent(f.RefusalRate()), f.Overrides)
	}
	if len(r.Interviewers) == 0 {
		lines = append(lines, st.Muted.Render("No calls yet."))
	}
	for _, f := range r.Interviewers {
		lines = append(lines, row(f))
	}
	return append(lines, st.Muted.Render(strings.Repeat("─", cells(head))), st.Prompt.Render(row(r.Totals)))
}

// shifts are the calls, contacts and completes of each shift of the
// survey's calling rules, as canvass report lists them; nothing for a
// survey without shifts.
func (d Dashboard) shifts(figs []store.ShiftFigures) []string {
	if len(figs) == 0 {
		return nil
	}
	st := d.st
	lines := []string{"", st.Section.Render(fmt.Sprintf("%-16s %6s %8s %9s", "shift", "calls", "contacts", "completes"))}
	for _, sh := range figs {
		name := sh.Shift
		if name == "" {
			name = "(no shift)"
		}
		lines = append(lines, fmt.Sprintf("%-16s %6d %8d %9d", fit(name, 16), sh.Calls, sh.Contacts, sh.Completes))
	}
	return lines
}

// interviewerNotes say what the productivity columns mean.
func (d Dashboard) interviewerNotes() []string {
	lines := []string{""}
	for _, n := range []string{
		"reach: calls that reached a person; compl: completes (1.1)",
		"hours: quarter hours with a call or an interview running",
		"refusal: refusals and break-offs / (completes + partials + them)",
		"overr: answers given past a soft check",
	} {
		lines = append(lines, d.st.Muted.Render(n))
	}
	return lines
}

// charts are completes per day and calls by the contact's hour of day.
func (d Dashboard) charts(r *store.Report) []string {
	st := d.st
	// Titles, axes, legend and a blank line take 7 lines; the bars share
	// the rest.
	h := min(max((d.height-2-7)/2, 3), 12)
	var lines []string
	days := r.CompletesByDay
	w := d.width - 6
	if fits := w / 2; len(days) > fits { // the latest days that fit
		days = days[len(days)-fits:]
	}
	dw := 2 // cells per day: wider bars when there are few days
	if len(days) > 0 {
		dw = min(max(w/len(days), 2), 6)
	}
	vals := make([]int64, len(days))
	var total int64
	for i, x := range days {
		vals[i], total = x.Completes, total+x.Completes
	}
	lines = append(lines, st.Section.Render("Completes per day")+st.Muted.Render(fmt.Sprintf(" (%s; %d in %d day%s)", r.Zone, total, len(days), pluralS(len(days)))))
	if len(days) == 0 {
		lines = append(lines, st.Muted.Render("No calls yet."))
	} else {
		lines = append(lines, vbars(vals, h, dw, st)...)
		lines = append(lines, dayAxis(days, dw))
	}
	lines = append(lines, "")

	calls := make([]int64, 24)
	reached := make([]int64, 24)
	for i, x := range r.CallsByHour {
		calls[i], reached[i] = x.Calls, x.Contacts
	}
	lines = append(lines, st.Section.Render("Calls by hour of day")+st.Muted.Render(" (contact's local time)"))
	cw := min(max((d.width-axisWidth)/24, 2), 4) // cells per hour
	lines = append(lines, stackedBars(calls, reached, h, cw, st)...)
	var axis strings.Builder
	axis.WriteString("      ")
	for hr := 0; hr < 24; hr++ {
		if hr%3 == 0 {
			label := fmt.Sprintf("%02d", hr)
			axis.WriteString(label + strings.Repeat(" ", cw*3-len(label)))
		}
	}
	lines = append(lines, strings.TrimRight(axis.String(), " "))
	lines = append(lines, st.ProgressFilled.Render("█")+st.Muted.Render(" reached a person  ")+
		st.Muted.Render("▒ no contact"))
	return lines
}

// NewDashboardApp builds the dashboard of survey as a program of its
// own: an [App] hosting the [Dashboard], the App owning the frame, the
// styles (light or dark background, NO_COLOR), the key list and
// quitting (q as well as ^C: nothing is typed here); clock is the time
// reports are made at (nil means time.Now).
func NewDashboardApp(src ReportSource, survey string, opts store.ReportOptions, clock func() time.Time) App {
	a := newApp("canvass dashboard")
	d := dashboardApp{d: NewDashboard(src, survey, opts, clock, a.st), frame: a.frame}
	a.quitKey, a.listTakesAll = d.d.km.Quit, true
	d.resize()
	a.room = d
	return a
}

// dashboardApp is the dashboard on its own, a room of [App]: keys go to
// it after the shell's quit and help, and so do its reports.
type dashboardApp struct {
	d     Dashboard
	frame Frame // the shell's, for measuring the page
}

// Init loads the first report.
func (a dashboardApp) Init() tea.Cmd { return a.d.Init() }

// Update hands keys and reports to the dashboard.
func (a dashboardApp) Update(msg tea.Msg) (room, tea.Cmd) {
	var cmd tea.Cmd
	a.d, cmd = a.d.Update(msg)
	if _, ok := msg.(tea.KeyPressMsg); !ok {
		a.resize() // the title names the report's time once it is loaded
	}
	return a, cmd
}

func (a *dashboardApp) resize() {
	a.d.SetSize(a.frame.ContentWidth(), a.frame.ForKeys(a.d.HelpKeys()).BodyHeight(a.d.Title(), ""))
}

func (a dashboardApp) resized(f Frame) room {
	a.frame = f
	a.resize()
	return a
}

func (a dashboardApp) restyled(f Frame, st *Styles) room {
	a.frame = f
	a.d.SetStyles(st)
	return a
}

// The dashboard sends nothing that keys must wait for, and types
// nothing.
func (a dashboardApp) busy() bool   { return false }
func (a dashboardApp) saving() bool { return false }
func (a dashboardApp) typing() bool { return false }

// quit quits at once.
func (a dashboardApp) quit() (room, tea.Cmd) { return a, tea.Quit }

// Page is the dashboard's page in the frame.
func (a dashboardApp) Page() Page {
	page := Page{Header: a.d.Header(), Text: a.d.Title(), Body: a.d.View(), Keys: a.d.HelpKeys()}
	switch {
	case a.d.Problem() != "":
		page.Error = a.d.Problem()
	case a.d.Loading():
		page.Notice = "Loading the figures…"
	}
	return page
}

// RunDashboard runs the dashboard of survey on src until the supervisor
// quits.
func RunDashboard(src ReportSource, survey string, opts store.ReportOptions) error {
	if _, err := runProgram(NewDashboardApp(src, survey, opts, nil)); err != nil {
		return fmt.Errorf("run the dashboard: %w", err)
	}
	return nil
}
