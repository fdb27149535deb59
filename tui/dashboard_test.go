package tui

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"canvass/model"
	"canvass/model/calling"
	"canvass/store"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// dashAt is the moment of the test reports.
var dashAt = time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC)

// fakeReports serves reports for the dashboard's tests and counts the
// requests. It builds the report of each call from a counter, so that a
// refresh shows new figures.
type fakeReports struct {
	mu    sync.Mutex
	calls int
	ats   []time.Time
	err   error
	// devices are the field laptops the store syncs with.
	devices []store.DeviceStatus
}

func (f *fakeReports) DeviceStatuses() ([]store.DeviceStatus, error) { return f.devices, nil }

func (f *fakeReports) Report(survey string, o store.ReportOptions) (*store.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.ats = append(f.ats, o.At)
	if f.err != nil {
		return nil, f.err
	}
	return testReport(survey, o.At, int64(f.calls)), nil
}

// testReport is a report with every part filled: two interviewers, a week
// of completes, calls through the day. extra adds completes on the last
// day, so successive reports differ.
func testReport(survey string, at time.Time, extra int64) *store.Report {
	var c calling.Counts
	final := []store.DispositionCount{
		{Code: "1.1", Group: calling.I, Name: "Complete", Count: 20 + extra},
		{Code: "1.2", Group: calling.P, Name: "Partial", Count: 2},
		{Code: "2.11", Group: calling.R, Name: "Refusal", Count: 9},
		{Code: "2.12", Group: calling.R, Name: "Break-off", Count: 3},
		{Code: "4.30", Group: calling.NE, Name: "Non-working or disconnected number", Count: 5},
		{Code: "4.70", Group: calling.NE, Name: "No eligible respondent", Count: 4},
	}
	interim := []store.DispositionCount{
		{Code: "2.11", Group: calling.R, Name: "Refusal", Count: 6},
		{Code: "2.21", Group: calling.NC, Name: "Respondent never available", Count: 11},
		{Code: "2.222", Group: calling.NC, Name: "Answering machine, message left", Count: 7},
		{Code: "3.11", Group: calling.UH, Name: "Not attempted or worked", Count: 40},
		{Code: "3.13", Group: calling.UH, Name: "No answer", Count: 15},
	}
	for _, d := range append(append([]store.DispositionCount{}, final...), interim...) {
		c.Add(d.Code, d.Count)
	}
	rates, _ := calling.ComputeRates(c, nil)
	r := &store.Report{
		Survey: survey, At: at, Zone: "UTC",
		Sample: store.SampleStatus{Total: 125 + extra, Untouched: 40, InProgress: 39, Final: 43 + extra,
			ClosedByLimits: 3, Suppressed: 3, Left: 79, SuppressedAtImport: 4},
		Final: final, Interim: interim, Counts: c, Rates: rates,
		Appointments: store.AppointmentCounts{Due: 4, Later: 7},
		Interviewers: []store.InterviewerFigures{
			{Interviewer: "ana01", Calls: 96, Contacts: 41, Completes: 12 + extra, Partials: 1, Refusals: 7, Slots: 30,
				Interviews: 12, InterviewTime: 12 * 14 * time.Minute, Overrides: 3},
			{Interviewer: "bruno.k", Calls: 71, Contacts: 30, Completes: 8, Partials: 1, Refusals: 5, Slots: 26,
				Interviews: 8, InterviewTime: 8*16*time.Minute + 40*time.Second},
			{Interviewer: "new-hire", Calls: 4},
		},
	}
	for _, f := range r.Interviewers {
		t := &r.Totals
		t.Calls += f.Calls
		t.Contacts += f.Contacts
		t.Completes += f.Completes
		t.Partials += f.Partials
		t.Refusals += f.Refusals
		t.Slots += f.Slots
		t.Interviews += f.Interviews
		t.InterviewTime += f.InterviewTime
		t.Overrides += f.Overrides
	}
	r.Totals.Interviewer = "all"
	for i, n := range []int64{2, 3, 0, 4, 5, 1, 5 + extra} {
		r.CompletesByDay = append(r.CompletesByDay, store.DayCount{
			Day: time.Date(2026, 2, 26+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), Completes: n})
	}
	for h := range r.CallsByHour {
		calls := int64(0)
		if h >= 9 && h <= 20 {
			calls = int64(4 + (h*7)%13)
		}
		r.CallsByHour[h] = store.HourCount{Hour: h, Calls: calls, Contacts: calls * int64(1+h%3) / 4}
	}
	return r
}

// dashApp is a dashboard program sized and coloured as a terminal would
// report, with its first report loaded.
func dashApp(t testing.TB, src ReportSource, w, h int, dark, noColor bool) App {
	t.Helper()
	var m tea.Model = NewDashboardApp(src, "health", store.ReportOptions{}, func() time.Time { return dashAt })
	env := []string{"TERM=xterm-256color"}
	if noColor {
		env = append(env, "NO_COLOR=1")
	}
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: w, Height: h}, bg(dark), tea.EnvMsg(env)} {
		m, _ = m.Update(msg)
	}
	m = dashDeliver(t, m, m.Init())
	return m.(App)
}

// dashDeliver runs cmd and hands its messages back to m, as the Bubble
// Tea loop would, leaving out the terminal queries.
func dashDeliver(t testing.TB, m tea.Model, cmd tea.Cmd) tea.Model {
	t.Helper()
	for _, msg := range run(cmd) {
		if _, ok := msg.(tea.QuitMsg); ok {
			continue
		}
		var next tea.Cmd
		m, next = m.Update(msg)
		m = dashDeliver(t, m, next)
	}
	return m
}

// dashKeysFeed sends a key script, delivering the commands' messages.
func dashKeysFeed(t testing.TB, m tea.Model, script string) (tea.Model, bool) {
	t.Helper()
	quit := false
	for _, k := range keys(script) {
		var cmd tea.Cmd
		m, cmd = m.Update(k)
		for _, msg := range run(cmd) {
			if _, ok := msg.(tea.QuitMsg); ok {
				quit = true
				continue
			}
			var next tea.Cmd
			m, next = m.Update(msg)
			m = dashDeliver(t, m, next)
		}
	}
	return m, quit
}

// viewText is the app's screen without styling.
func viewText(m tea.Model) string { return ansi.Strip(m.(App).View().Content) }

func TestDashboardLoadsOnStartAndOnRefresh(t *testing.T) {
	src := &fakeReports{}
	a := dashApp(t, src, 80, 24, true, false)
	if src.calls != 1 || !src.ats[0].Equal(dashAt) {
		t.Fatalf("after Init: %d reports at %v, want 1 at %v", src.calls, src.ats, dashAt)
	}
	if got := a.dash().Report(); got == nil || got.Sample.Total != 126 {
		t.Fatalf("Report() after the first load = %+v, want the first report (126 contacts)", got)
	}
	if a.dash().Loading() {
		t.Error("Loading() = true after the report came back")
	}
	if !strings.Contains(viewText(a), "contacts           126") {
		t.Errorf("the overview does not show the first report:\n%s", viewText(a))
	}
	m, _ := dashKeysFeed(t, a, "r")
	if src.calls != 2 {
		t.Errorf("reports made after r = %d, want 2", src.calls)
	}
	if !strings.Contains(viewText(m), "contacts           127") {
		t.Errorf("the overview does not show the refreshed report:\n%s", viewText(m))
	}
}

// TestDashboardDropsStaleReports: a report asked for before the last
// refresh does not replace a newer one, and r while loading asks nothing
// more.
func TestDashboardDropsStaleReports(t *testing.T) {
	src := &fakeReports{}
	d := NewDashboard(src, "health", store.ReportOptions{}, func() time.Time { return dashAt }, NewStyles(true, false))
	first := d.Init()
	d, second := d.Update(press("r"))
	if second != nil {
		t.Fatal("r while the first report is loading asked for another")
	}
	d, _ = d.Load()
	third := d.loadCmd(d.seq)
	newer := third().(dashboardLoadedMsg)
	older := first().(dashboardLoadedMsg)
	d, _ = d.Update(newer)
	d, _ = d.Update(older)
	if got := d.Report().Sample.Total; got != newer.report.Sample.Total {
		t.Errorf("shown report has %d contacts, want the newer report's %d", got, newer.report.Sample.Total)
	}
	other := newer
	other.survey, other.report = "other", testReport("other", dashAt, 50)
	d, _ = d.Update(other)
	if d.Report().Survey != "health" {
		t.Errorf("a report of another survey replaced this one: %s", d.Report().Survey)
	}
}

func TestDashboardShowsLoadErrors(t *testing.T) {
	src := &fakeReports{err: errors.New("report on health: survey health: not found")}
	a := dashApp(t, src, 80, 24, true, false)
	if got := a.dash().Problem(); !strings.Contains(got, "not found") {
		t.Errorf("Problem() = %q, want the store's error", got)
	}
	if !strings.Contains(viewText(a), "! report on health: survey health: not found") {
		t.Errorf("the error is not on the screen:\n%s", viewText(a))
	}
	src.err = nil
	m, _ := dashKeysFeed(t, a, "r")
	if got := m.(App).dash().Problem(); got != "" {
		t.Errorf("Problem() after a good refresh = %q, want none", got)
	}
}

func TestDashboardKeys(t *testing.T) {
	tests := []struct {
		script  string
		tab     string
		scroll  int
		allKeys bool
		quit    bool
	}{
		{"", "Overview", 0, false, false},
		{"2", "Interviewers", 0, false, false},
		{"3", "Charts", 0, false, false},
		{"tab", "Interviewers", 0, false, false},
		{"tab tab tab", "Overview", 0, false, false},
		{"shift+tab", "Charts", 0, false, false},
		{"right left", "Overview", 0, false, false},
		{"9", "Overview", 0, false, false},
		{"down", "Overview", 1, false, false},
		{"down down up", "Overview", 1, false, false},
		{"up", "Overview", 0, false, false},
		{"pgdown pgup", "Overview", 0, false, false},
		{"down 2", "Interviewers", 0, false, false},
		{"?", "Overview", 0, true, false},
		{"? 2", "Overview", 0, false, false}, // a key closes the list and does nothing else
		{"q", "Overview", 0, false, true},
		{"esc", "Overview", 0, false, true},
		{"f1", "Overview", 0, true, false},
		{"f1 esc", "Overview", 0, false, false}, // Esc closes the key list first
		{"f1 esc esc", "Overview", 0, false, true},
		{"3 ctrl+c", "Charts", 0, false, true},
	}
	for _, tc := range tests {
		// At 60×16 the overview scrolls; at 120×40 everything fits.
		for _, size := range [][2]int{{60, 16}, {120, 40}} {
			t.Run(fmt.Sprintf("%s_%dx%d", tc.script, size[0], size[1]), func(t *testing.T) {
				src := &fakeReports{}
				m, quit := dashKeysFeed(t, dashApp(t, src, size[0], size[1], true, false), tc.script)
				a := m.(App)
				if src.calls != 1 {
					t.Errorf("after %q the store was asked %d times, want once (at start)", tc.script, src.calls)
				}
				wantScroll := tc.scroll
				if size[0] == 120 {
					wantScroll = 0 // nothing to scroll
				}
				if a.dash().Tab() != tc.tab || a.dash().scroll != wantScroll || a.allKeys != tc.allKeys || quit != tc.quit {
					t.Errorf("after %q: tab %s, scroll %d, all keys %t, quit %t; want %s, %d, %t, %t", tc.script,
						a.dash().Tab(), a.dash().scroll, a.allKeys, quit, tc.tab, wantScroll, tc.allKeys, tc.quit)
				}
			})
		}
	}
}

// TestDashboardHostKeys: embedded in another console, the dashboard's
// help shows the host's keys instead of quit, and q does nothing.
func TestDashboardHostKeys(t *testing.T) {
	back := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the list"))
	d := NewDashboard(&fakeReports{}, "health", store.ReportOptions{}, nil, NewStyles(true, true)).WithHostKeys(back)
	var got []string
	for _, b := range d.HelpKeys().ShortHelp() {
		got = append(got, b.Help().Desc)
	}
	want := []string{"tabs", "next", "scroll", "refresh", "back to the list"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("embedded help (-want +got):\n%s", diff)
	}
	if _, cmd := d.Update(press("q")); cmd != nil {
		t.Error("q on an embedded dashboard returned a command")
	}
	plain := NewDashboard(&fakeReports{}, "health", store.ReportOptions{}, nil, NewStyles(true, true))
	if n := len(plain.HelpKeys().ShortHelp()); n != 6 {
		t.Errorf("standalone help has %d keys, want 6 (with quit)", n)
	}
}

// TestDashboardScrollsToTheEnd: at 80×24 the overview's last disposition
// is reached by scrolling, and scrolling stops there.
func TestDashboardScrollsToTheEnd(t *testing.T) {
	src := &fakeReports{}
	a := dashApp(t, src, 80, 24, true, false)
	r := testReport("health", dashAt, 1)
	r.Final = append(r.Final, store.DispositionCount{Code: "4.80", Group: calling.NE, Name: "Quota filled", Count: 2},
		store.DispositionCount{Code: "4.90", Group: calling.NE, Name: "Other", Count: 1})
	d := a.dash()
	d.report = r
	a = a.withDash(d)
	if strings.Contains(viewText(a), "4.90") || !strings.Contains(viewText(a), "more lines") {
		t.Fatalf("the last disposition fits without scrolling; make the list longer:\n%s", viewText(a))
	}
	m, _ := dashKeysFeed(t, a, "pgdown pgdown down down")
	got := viewText(m)
	if !strings.Contains(got, "4.90") || strings.Contains(got, "more lines") {
		t.Errorf("after scrolling to the end the last disposition is not shown:\n%s", got)
	}
	top := m.(App).dash().scroll
	m, _ = dashKeysFeed(t, m, "down")
	if s := m.(App).dash().scroll; s != top {
		t.Errorf("scroll past the end moved from %d to %d", top, s)
	}
}

// TestDashboardFitsEverySize: the frame is exactly the window, and no
// line is wider, from the smallest size up.
func TestDashboardFitsEverySize(t *testing.T) {
	for _, size := range [][2]int{{60, 16}, {80, 24}, {100, 30}, {120, 40}, {200, 60}} {
		for _, tab := range []string{"1", "2", "3"} {
			m, _ := dashKeysFeed(t, dashApp(t, &fakeReports{}, size[0], size[1], true, false), tab)
			lines := strings.Split(viewText(m), "\n")
			if len(lines) != size[1] {
				t.Errorf("tab %s at %dx%d: %d lines, want %d", tab, size[0], size[1], len(lines), size[1])
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("tab %s at %dx%d: line %d is %d wide: %q", tab, size[0], size[1], i, w, l)
				}
			}
		}
	}
}

func TestDashboardChartsLabelTheirZones(t *testing.T) {
	m, _ := dashKeysFeed(t, dashApp(t, &fakeReports{}, 80, 24, true, true), "3")
	got := viewText(m)
	for _, want := range []string{"Completes per day (UTC; 21 in 7 days)", "Calls by hour of day (contact's local time)",
		"02-26", "03-04", "█ reached a person", "▒ no contact"} {
		if !strings.Contains(got, want) {
			t.Errorf("charts lack %q:\n%s", want, got)
		}
	}
}

func TestVBars(t *testing.T) {
	st := NewStyles(true, true)
	tests := []struct {
		vals []int64
		h    int
		want []string
	}{
		// 1 of 8 over two rows (16 eighths) is two eighths.
		{[]int64{0, 8, 4, 1}, 2, []string{
			"    8   █",
			"    0   █ █ ▂"}},
		{[]int64{3}, 1, []string{"    3 █"}},
		{[]int64{0, 0}, 2, []string{"    0", "    0"}},
		// Rounded to the nearest eighth, and never below one.
		{[]int64{16, 3, 0, 0, 1}, 2, []string{
			"   16 █",
			"    0 █ ▃     ▁"}},
	}
	for _, tc := range tests {
		got := vbars(tc.vals, tc.h, 2, st)
		for i := range got {
			got[i] = ansi.Strip(got[i])
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("vbars(%v, %d) (-want +got):\n%s", tc.vals, tc.h, diff)
		}
	}
}

func TestStackedBars(t *testing.T) {
	st := NewStyles(true, true)
	got := stackedBars([]int64{4, 2, 0, 1}, []int64{2, 2, 0, 0}, 4, 2, st)
	for i := range got {
		got[i] = ansi.Strip(got[i])
	}
	want := []string{
		"    4 ▒",
		"      ▒",
		"      █ █",
		"    0 █ █   ▒",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stackedBars (-want +got):\n%s", diff)
	}
}

// TestGoldenDashboard draws each tab at 80×24 and 120×40 in each palette.
func TestGoldenDashboard(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		for _, p := range palettes {
			for _, tab := range []struct{ name, script string }{{"overview", ""}, {"interviewers", "2"}, {"charts", "3"}, {"keys", "?"}} {
				name := fmt.Sprintf("dashboard_%s_%dx%d_%s", tab.name, sz[0], sz[1], p.name)
				t.Run(name, func(t *testing.T) {
					m, _ := dashKeysFeed(t, dashApp(t, &fakeReports{}, sz[0], sz[1], p.dark, p.noColor), tab.script)
					view := m.(App).View().Content
					goldenView(t, name, view, p.noColor, 0)
				})
			}
		}
	}
}

// TestDashboardBeforeAndWithoutFigures: the screen says it is loading
// until the first report arrives, and an untouched survey's charts say
// there is nothing to draw.
func TestDashboardBeforeAndWithoutFigures(t *testing.T) {
	var m tea.Model = NewDashboardApp(&fakeReports{}, "health", store.ReportOptions{}, func() time.Time { return dashAt })
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if got := viewText(m); !strings.Contains(got, "Loading the figures…") || !strings.Contains(got, "Survey health\n") {
		t.Errorf("before the first report the screen does not say it is loading:\n%s", got)
	}
	empty := &store.Report{Survey: "health", At: dashAt, Zone: "UTC", Totals: store.InterviewerFigures{Interviewer: "all"}}
	d := NewDashboard(&fakeReports{}, "health", store.ReportOptions{}, nil, NewStyles(true, true))
	d, _ = d.Update(dashboardLoadedMsg{survey: "health", seq: 1, report: empty})
	for _, tc := range []struct{ tab, want string }{
		{"2", "No calls yet."},
		{"3", "Completes per day (UTC; 0 in 0 days)\nNo calls yet."},
		{"1", "e undefined"},
	} {
		d, _ = d.Update(press(tc.tab))
		if got := ansi.Strip(d.View()); !strings.Contains(got, tc.want) {
			t.Errorf("tab %s of an untouched survey lacks %q:\n%s", tc.tab, tc.want, got)
		}
	}
}

// BenchmarkDashboardKey measures a key press to a new frame (Update and
// View) on each tab at 120×40.
func BenchmarkDashboardKey(b *testing.B) {
	a := dashApp(b, &fakeReports{}, 120, 40, true, false)
	var m tea.Model = a
	tabs := []tea.KeyPressMsg{press("1"), press("2"), press("3")}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m, _ = m.Update(tabs[i%3])
		_ = m.View()
		i++
	}
}

// TestDashboardShowsFieldLaptops (issue 14): a hub's dashboard says where
// sync stands with each laptop, as canvass devices does; a store that
// syncs with nobody shows no such section.
func TestDashboardShowsFieldLaptops(t *testing.T) {
	in := &store.BundleMark{Number: 3, At: dashAt.Add(-2 * time.Hour)}
	src := &fakeReports{devices: []store.DeviceStatus{
		{DeviceRecord: store.DeviceRecord{Name: "laptop-1", Role: store.RoleLaptop, In: in}, Unacked: 4, Assigned: 120, Completed: 37},
		{DeviceRecord: store.DeviceRecord{Name: "laptop-2", Role: store.RoleLaptop}, Assigned: 80},
	}}
	got := viewText(dashApp(t, src, 120, 60, true, true))
	for _, want := range []string{"Field laptops", "laptop-1", "#3 ", "4 not acked", "120 assigned", "37 completed", "laptop-2", "in never"} {
		if !strings.Contains(got, want) {
			t.Errorf("the dashboard lacks %q:\n%s", want, got)
		}
	}
	if got := viewText(dashApp(t, &fakeReports{}, 120, 60, true, true)); strings.Contains(got, "Field laptops") {
		t.Errorf("a store without devices shows a laptops section:\n%s", got)
	}
}

// TestDashboardShowsQuotas: the overview ends with each quota cell's
// completes and interviews in progress against its target; a full cell
// says so.
func TestDashboardShowsQuotas(t *testing.T) {
	a := dashApp(t, &fakeReports{}, 100, 60, true, true)
	r := testReport("health", dashAt, 1)
	left, none := int64(3), int64(0)
	burn := 4.5
	r.Quotas = []store.QuotaCell{
		{Name: "women_18_34", Kind: model.QuotaNormal, Target: 10, Completes: 6, InProgress: 1, Remaining: &left, Calls: 27, BurnRate: &burn},
		{Name: "men", Kind: model.QuotaAllowOver, Target: 4, Completes: 4, InProgress: 1, Remaining: &none, Full: true},
		{Name: "everyone", Kind: model.QuotaCounter, Completes: 11},
	}
	d := a.dash()
	d.report = r
	a = a.withDash(d)
	got := viewText(a)
	for _, want := range []string{"Quotas", "women_18_34", "6+1  /   10", "3 left, 4.5 calls/complete", "men", "FULL", "everyone", "counted"} {
		if !strings.Contains(got, want) {
			t.Errorf("the dashboard does not show %q:\n%s", want, got)
		}
	}
}

// TestDashboardShowsShifts: the interviewers tab ends with each shift's
// calls, contacts and completes, as canvass report lists them; a survey
// without shifts shows no such table.
func TestDashboardShowsShifts(t *testing.T) {
	a := dashApp(t, &fakeReports{}, 100, 60, true, true)
	r := testReport("health", dashAt, 1)
	r.Shifts = []store.ShiftFigures{{Shift: "morning", Calls: 41, Contacts: 17, Completes: 5}, {Shift: "", Calls: 2, Contacts: 2}}
	d := a.dash()
	d.report = r
	d, _ = d.Update(press("2"))
	got := ansi.Strip(d.View())
	for _, want := range []string{"shift", "morning              41       17         5", "(no shift)"} {
		if !strings.Contains(got, want) {
			t.Errorf("the interviewers tab does not show %q:\n%s", want, got)
		}
	}
	d.report = testReport("health", dashAt, 1)
	d, _ = d.Update(press("1"))
	d, _ = d.Update(press("2"))
	if got := ansi.Strip(d.View()); strings.Contains(got, "(no shift)") || strings.Contains(got, "contacts completes") {
		t.Errorf("a survey without shifts shows a shifts table:\n%s", got)
	}
}
