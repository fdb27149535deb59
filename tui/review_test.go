package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/model/calling"
	"canvass/store"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// reviewT0 is when the fixture's interviews start.
var reviewT0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// fixtureAnswers are the answers of one fixture interview in route order:
// score (soft check above 8, overridden when the answer says so), more,
// what (when more is yes), members (yes/no prompts and names).
type fixtureAnswers struct {
	contact, interviewer string
	score                string
	override             string
	more, what           string
	members              []string
	minutes              int // how long it takes
	status               string
}

// reviewFixture makes a store at path holding the console survey, six
// contacts and interviews answered through the real engine (so that an
// interviewer console can reopen them), ended as each fixture says.
func reviewFixture(t testing.TB, path string) (*store.Store, map[string]string) {
	t.Helper()
	clock := reviewT0
	st, err := store.Open(path, store.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	sv := consoleSurvey()
	if _, _, err := st.AddSurvey(sv, []byte("console survey"), "author"); err != nil {
		t.Fatal(err)
	}
	csv := "id,phone,name,email\n" +
		"C1,4155550101,Ann Alvarez,ann@example.com\nC2,4155550102,Ben Harper,\nC3,4155550103,Cy Ng,\n" +
		"C4,4155550104,Di Osei,\nC5,4155550105,Ed Park,\nC6,4155550106,Flo Ruiz,\n"
	if _, err := st.ImportContacts(strings.NewReader(csv), store.ImportOptions{Survey: sv.ID, Source: "client", Region: "US", Actor: "sup", File: "sample.csv"}); err != nil {
		t.Fatal(err)
	}
	form, probs := model.Compile(sv)
	if form == nil {
		t.Fatal(probs)
	}
	fixtures := []fixtureAnswers{
		{contact: "C1", interviewer: "ivy", score: "9", override: "really a nine", more: "yes", what: "faster service", members: []string{"Ann", "Raj"}, minutes: 12, status: store.InterviewCompleted},
		{contact: "C2", interviewer: "ivy", score: "5", more: "no", members: []string{"Ben"}, minutes: 11, status: store.InterviewCompleted},
		{contact: "C3", interviewer: "max", score: "6", more: "no", minutes: 13, status: store.InterviewCompleted},
		{contact: "C4", interviewer: "max", score: "7", more: "no", minutes: 12, status: store.InterviewCompleted},
		{contact: "C5", interviewer: "ivy", score: "8", more: "no", minutes: 1, status: store.InterviewCompleted},
		{contact: "C6", interviewer: "max", score: "3", status: store.InterviewSuspended},
	}
	ids := map[string]string{}
	for i, f := range fixtures {
		start := reviewT0.Add(time.Duration(i) * time.Hour)
		clock = start
		c, _, err := st.Contact(sv.ID, f.contact)
		if err != nil {
			t.Fatal(err)
		}
		if f.status != store.InterviewCompleted {
			// A completed one's call is recorded by FinishInterview.
			if err := st.RecordCall(sv.ID, f.contact, store.Call{Outcome: consoleOutcome("complete"), Interviewer: f.interviewer, At: start.Add(-time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		id, err := st.StartInterview(model.Consent{Survey: sv.ID, Contact: f.contact, Interviewer: f.interviewer,
			Lang: "en", Text: sv.Consent.In("en"), At: start, Agreed: true})
		if err != nil {
			t.Fatal(err)
		}
		ids[f.contact] = id
		at := start
		iv, err := model.Start(form, model.Config{Contact: c, Interviewer: model.Interviewer{ID: f.interviewer}, Lang: "en",
			Seed: 1, Clock: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		var resp []model.Response
		resp = append(resp, model.Response{Value: f.score, Override: f.override})
		if f.more != "" {
			resp = append(resp, model.Response{Value: f.more})
			if f.more == "yes" {
				resp = append(resp, model.Response{Value: f.what})
			}
			for _, m := range f.members {
				resp = append(resp, model.Response{Value: "yes"}, model.Response{Value: m})
			}
			resp = append(resp, model.Response{Value: "no"})
		}
		step := time.Duration(f.minutes) * time.Minute / time.Duration(len(resp)+1)
		for _, r := range resp {
			for iv.Current().Kind == model.KindNote {
				if err := iv.Next(); err != nil {
					t.Fatal(err)
				}
			}
			at = at.Add(step)
			ev, res := iv.Answer(r)
			if ev == nil {
				t.Fatalf("fixture %s: answer %+v to %s: %+v", f.contact, r, iv.Current().Item, res)
			}
			state, err := iv.State()
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SaveAnswer(id, *ev, state); err != nil {
				t.Fatal(err)
			}
			if err := iv.Next(); err != nil {
				t.Fatal(err)
			}
		}
		clock = start.Add(time.Duration(f.minutes) * time.Minute)
		switch f.status {
		case store.InterviewCompleted:
			err = st.FinishInterview(id, f.interviewer, clock)
		case store.InterviewSuspended:
			err = st.SuspendInterview(id, store.Suspension{Actor: f.interviewer, At: clock, Reason: "quit"})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddNote(ids["C2"], store.Note{Item: "score", Text: "hesitated", By: "ivy", At: reviewT0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	clock = reviewT0.Add(24 * time.Hour)
	return st, ids
}

// consoleOutcome is an outcome of the standard table.
func consoleOutcome(code string) calling.Outcome {
	tb, err := (*calling.Config)(nil).Table()
	if err != nil {
		panic(err)
	}
	o, _ := tb.Lookup(code)
	return o
}

// reviewAt is a supervisor console over be at a size and palette, with a
// fixed clock, signed in as sue.
func reviewAt(t testing.TB, be ReviewBackend, w, h int, dark, noColor bool) App {
	t.Helper()
	now := reviewT0.Add(48 * time.Hour)
	var m tea.Model = NewSupervisor(be, ReviewConfig{Clock: func() time.Time { return now }, Location: time.UTC})
	env := tea.EnvMsg{"TERM=xterm-256color"}
	if noColor {
		env = append(env, "NO_COLOR=1")
	}
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: w, Height: h}, bg(dark), env} {
		m, _ = m.Update(msg)
	}
	return m.(App)
}

// feedReview types a key script into the console, running every command
// it returns and delivering the results, as a program would.
func feedReview(a App, script string) App {
	var deliver func(tea.Cmd)
	deliver = func(cmd tea.Cmd) {
		for _, msg := range run(cmd) {
			if _, ok := msg.(tea.QuitMsg); ok {
				continue
			}
			m, next := a.Update(msg)
			a = m.(App)
			deliver(next)
		}
	}
	for _, k := range keys(script) {
		m, cmd := a.Update(k)
		a = m.(App)
		deliver(cmd)
	}
	return a
}

// reviewText is what the console shows, without styling.
func reviewText(a App) string { return ansi.Strip(a.View().Content) }

func mustShowReview(t *testing.T, a App, step string, want ...string) {
	t.Helper()
	s := reviewText(a)
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s: the screen does not show %q; it shows:\n%s", step, w, s)
		}
	}
}

const supIn = "sue enter Sue space Lee enter "

func TestReviewListFilters(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	tests := []struct {
		script string
		want   []string // contacts listed, in order
		line   string   // in the filter line
	}{
		{"", []string{"Ann Alvarez", "Ben Harper", "Cy Ng", "Di Osei", "Ed Park", "Flo Ruiz"}, "6 of 6 · status all"},
		{"s", []string{"Ann Alvarez", "Ben Harper", "Cy Ng", "Di Osei", "Ed Park"}, "status completed"},
		{"s s s", []string{"Flo Ruiz"}, "status suspended"},
		{"i", []string{"Ann Alvarez", "Ben Harper", "Ed Park"}, "interviewer ivy"},
		{"i i", []string{"Cy Ng", "Di Osei", "Flo Ruiz"}, "interviewer max"},
		{"i i i", []string{"Ann Alvarez", "Ben Harper", "Cy Ng", "Di Osei", "Ed Park", "Flo Ruiz"}, "interviewer all"},
		{"o", []string{"Ann Alvarez"}, "with overrides"},
		{"n", []string{"Ben Harper"}, "with notes"},
		{"u", []string{"Ed Park"}, "short or long"},
		{"d", []string{"Ann Alvarez", "Ben Harper", "Cy Ng", "Di Osei", "Ed Park", "Flo Ruiz"}, "date 2026-11-27"},
		{"d d", []string{"Ann Alvarez", "Ben Harper", "Cy Ng", "Di Osei", "Ed Park", "Flo Ruiz"}, "date any"},
		{"i i o", nil, "No interview matches the filters"},
		{"i i o x", []string{"Ann Alvarez", "Ben Harper", "Cy Ng", "Di Osei", "Ed Park", "Flo Ruiz"}, "status all"},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			a := feedReview(reviewAt(t, st, 120, 40, true, true), supIn+tt.script)
			var got []string
			for _, r := range a.sup().list.shown {
				got = append(got, a.sup().list.rows[r].ContactName)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("after %q the list (-want +got):\n%s", tt.script, diff)
			}
			mustShowReview(t, a, tt.script, tt.line)
		})
	}
}

func TestReviewFlag(t *testing.T) {
	st, ids := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	a := feedReview(reviewAt(t, st, 100, 30, true, true), supIn+"s s s enter")
	mustShowReview(t, a, "open the suspended interview", "Interview with Flo Ruiz by max: suspended", "f flag")
	if k := keysOf(a.sup().detail.HelpKeys()); strings.Contains(strings.Join(k, ","), "approve") {
		t.Errorf("help keys on a suspended interview = %v, want no approve", k)
	}
	a = feedReview(a, "a r") // not for a suspended interview
	if a.sup().detail.modals.open() {
		t.Errorf("a or r opened dialog %d on a suspended interview", a.sup().detail.modals.top().id())
	}
	a = feedReview(a, "f enter")
	mustShowReview(t, a, "flag without a note", "a flag needs a note saying why")
	a = feedReview(a, "odd space hours enter")
	mustShowReview(t, a, "flagged", "flagged", "Flagged   odd hours — sue", "flagged (odd hours)")
	rs, err := st.ReviewState(ids["C6"])
	if err != nil || !rs.Flagged || rs.FlagNote != "odd hours" || rs.FlagBy != "sue" {
		t.Fatalf("ReviewState after flag = %+v, %v", rs, err)
	}
	a = feedReview(a, "esc f")
	if got := len(a.sup().list.shown); got != 1 {
		t.Errorf("flagged filter shows %d interviews, want 1", got)
	}
	a = feedReview(a, "enter f enter")
	mustShowReview(t, a, "unflagged", "flag taken off", "unflagged")
	if rs, _ := st.ReviewState(ids["C6"]); rs.Flagged {
		t.Errorf("still flagged after unflag: %+v", rs)
	}
}

func TestApprove(t *testing.T) {
	st, ids := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	a := feedReview(reviewAt(t, st, 100, 30, true, true), supIn+"down enter")
	mustShowReview(t, a, "open Ben", "Interview with Ben Harper by ivy: completed", "note: hesitated", "a approve")
	a = feedReview(a, "a")
	mustShowReview(t, a, "approve prompt", "Approve this interview", "enter approve", "esc cancel")
	a = feedReview(a, "esc")
	if a.sup().detail.modals.open() {
		t.Fatal("esc did not close the approve prompt")
	}
	a = feedReview(a, "a fine enter")
	mustShowReview(t, a, "approved", "approved", "by ivy: approved", "approved (fine)")
	d, err := st.ReviewOf(ids["C2"])
	if err != nil || d.Status != store.InterviewApproved || d.Review.Note != "fine" {
		t.Fatalf("after approve: %+v, %v", d, err)
	}
	if k := keysOf(a.sup().detail.HelpKeys()); strings.Contains(strings.Join(k, ","), "approve") {
		t.Errorf("help keys on an approved interview = %v, want no approve", k)
	}
	a = feedReview(a, "esc")
	if got := a.sup().list.rows[a.sup().list.shown[a.sup().list.cursor]].Status; got != store.InterviewApproved {
		t.Errorf("back on the list the row under the cursor is %s, want approved", got)
	}
}

func TestReviewRejectWithItemComments(t *testing.T) {
	st, ids := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	a := feedReview(reviewAt(t, st, 100, 30, true, true), supIn+"enter")
	mustShowReview(t, a, "open Ann", "How would you rate us from 0 to 10?", "9 ·", "soft check overridden: \"really a nine\"")
	// A comment on the first answer (score), one on the third (what),
	// then one written and removed on the second.
	a = feedReview(a, "c")
	mustShowReview(t, a, "comment prompt", "Comment on score: How would you rate us from 0 to 10?")
	a = feedReview(a, "is space 9 space correct? enter down down c")
	a = feedReview(a, "which space service? enter up c x enter")
	a = feedReview(a, "c backspace enter")
	if diff := cmp.Diff(map[string]string{"score": "is 9 correct?", "what": "which service?"}, a.sup().detail.drafts); diff != "" {
		t.Errorf("drafted comments (-want +got):\n%s", diff)
	}
	mustShowReview(t, a, "drafts", "2 item comments drafted")
	a = feedReview(a, "r enter")
	mustShowReview(t, a, "reject without comment", "a rejection needs a comment for the interviewer", "Comments on items", "score: is 9 correct?")
	a = feedReview(a, "please space check enter")
	mustShowReview(t, a, "rejected", "rejected: sent back", "by ivy: rejected", "Returned  \"please check\"", "earlier comment: is 9 correct? (sue")
	ret, err := st.Returned("ivy")
	if err != nil || len(ret) != 1 || ret[0].Interview.ID != ids["C1"] {
		t.Fatalf("Returned(ivy) = %+v, %v", ret, err)
	}
	want := []store.ItemComment{{Item: "score", Text: "is 9 correct?"}, {Item: "what", Text: "which service?"}}
	if diff := cmp.Diff(want, ret[0].Rejection.Items); diff != "" {
		t.Errorf("item comments stored (-want +got):\n%s", diff)
	}
	if k := keysOf(a.sup().detail.HelpKeys()); strings.Contains(strings.Join(k, ","), "reject") {
		t.Errorf("help keys on a rejected interview = %v, want no reject", k)
	}
}

func TestReviewDropsStaleReplies(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	a := feedReview(reviewAt(t, st, 100, 30, true, true), supIn)
	m, _ := a.Update(reviewListMsg{seq: a.sup().seq - 1, rows: nil})
	if got := len(m.(App).sup().list.rows); got != 6 {
		t.Errorf("a stale list reply replaced the list: %d rows, want 6", got)
	}
	m, _ = a.Update(approvedMsg{seq: 99, err: fmt.Errorf("boom")})
	if e := m.(App).sup().err; e != "" {
		t.Errorf("a stale decision reply showed %q", e)
	}
}

func TestDurationFences(t *testing.T) {
	m := time.Minute
	tests := []struct {
		ds     []time.Duration
		lo, hi time.Duration
		ok     bool
	}{
		{[]time.Duration{m, 2 * m, 3 * m}, 0, 0, false},
		{[]time.Duration{10 * m, 12 * m, 11 * m, 13 * m}, 8*m + 30*time.Second, 14*m + 30*time.Second, true},
		{[]time.Duration{5 * m, 5 * m, 5 * m, 5 * m, 5 * m}, 5 * m, 5 * m, true},
	}
	for _, tt := range tests {
		lo, hi, ok := durationFences(tt.ds)
		if lo != tt.lo || hi != tt.hi || ok != tt.ok {
			t.Errorf("durationFences(%v) = %v, %v, %v, want %v, %v, %v", tt.ds, lo, hi, ok, tt.lo, tt.hi, tt.ok)
		}
	}
}

// TestGoldenReview draws the supervisor's screens at 80×24 and 120×40 in
// each palette.
func TestGoldenReview(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	screens := []struct{ name, script string }{
		{"review_signin", "sue"},
		{"review_list", supIn},
		{"review_list_filtered", supIn + "s i o"},
		{"review_detail", supIn + "enter"},
		{"review_comment", supIn + "enter down c ask space again"},
		{"review_reject", supIn + "enter c why? enter r"},
		{"review_allkeys", supIn + "enter f1"},
		{"review_dashboard", supIn + "p"},
	}
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		for _, p := range palettes {
			for _, sc := range screens {
				name := fmt.Sprintf("%s_%dx%d_%s", sc.name, sz[0], sz[1], p.name)
				t.Run(name, func(t *testing.T) {
					a := feedReview(reviewAt(t, st, sz[0], sz[1], p.dark, p.noColor), sc.script)
					view := a.View().Content
					goldenView(t, name, view, p.noColor, sz[1])
				})
			}
		}
	}
}

func TestReviewTypeAhead(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	a := feedReview(reviewAt(t, st, 100, 30, true, true), supIn)
	// enter opens Ann; "a" typed before the store answered must reach
	// the interview, not the list.
	m, open := a.Update(press("enter"))
	m, _ = m.Update(press("a"))
	a = m.(App)
	if len(a.queue) != 1 {
		t.Fatalf("keys held while opening = %d, want 1", len(a.queue))
	}
	for _, msg := range run(open) {
		m, _ = a.Update(msg)
		a = m.(App)
	}
	if a.sup().screen != reviewDetailing || !a.sup().detail.modals.on(dialogApprove) {
		t.Errorf("after the reply the held key did not open the approve prompt: screen %d, prompt %+v", a.sup().screen, a.sup().detail)
	}
}

// TestReviewTypeAheadSurvivesTheRoot: what the root keeps for itself
// (window size, colours) arriving while a key is held back neither drops
// nor replays the key early; it still lands on the interview once the
// store has answered, drawn at the new size and colours.
func TestReviewTypeAheadSurvivesTheRoot(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	signedIn := feedReview(reviewAt(t, st, 100, 30, true, true), supIn)
	tests := []struct {
		name  string
		msg   tea.Msg
		width int // the view's width after it
	}{
		{"resize", tea.WindowSizeMsg{Width: 80, Height: 24}, 80},
		{"light background", bg(false), 100},
		{"colour back on", tea.EnvMsg{"TERM=xterm-256color"}, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, open := signedIn.Update(press("enter"))
			m, _ = m.Update(press("a"))
			m, cmd := m.Update(tt.msg)
			a := m.(App)
			if cmd != nil || len(a.queue) != 1 || a.sup().screen != reviewListing {
				t.Fatalf("Update(%T) while opening: command %v, %d keys held, screen %d; want none, 1, the list",
					tt.msg, cmd != nil, len(a.queue), a.sup().screen)
			}
			for _, msg := range run(open) {
				m, _ = a.Update(msg)
				a = m.(App)
			}
			if a.sup().screen != reviewDetailing || !a.sup().detail.modals.on(dialogApprove) {
				t.Errorf("after the reply the held key did not open the approve prompt: screen %d", a.sup().screen)
			}
			lines := strings.Split(reviewText(a), "\n")
			if got := ansi.StringWidth(lines[0]); got != tt.width {
				t.Errorf("after %s the view is %d wide, want %d", tt.name, got, tt.width)
			}
		})
	}
}

// consoleOver is the interviewer console over a real store with a fixed
// clock, signed in as who.
func consoleOver(t *testing.T, st *store.Store, who string) App {
	t.Helper()
	now := reviewT0.Add(72 * time.Hour)
	var m tea.Model = NewConsole(st, Console{Clock: func() time.Time { return now }, Location: time.UTC, Device: "test"})
	for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: 100, Height: 30}, bg(true), tea.EnvMsg{"NO_COLOR=1"}} {
		m, _ = m.Update(msg)
	}
	a, _ := feed(m.(App), who+" enter "+who+" enter")
	return a
}

func TestConsoleShowsReturnedInterview(t *testing.T) {
	st, ids := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	ann := ids["C1"]
	if err := st.Reject(ann, "sue", "please check", []store.ItemComment{{Item: "what", Text: "which service exactly?"}}); err != nil {
		t.Fatal(err)
	}
	if a := consoleOver(t, st, "max"); strings.Contains(screenText(a), "Correct") {
		t.Errorf("max's home shows ivy's returned interview:\n%s", screenText(a))
	}
	a := consoleOver(t, st, "ivy")
	mustShow(t, a, "home", "> Correct Ann Alvarez", `returned by sue: "please check" · 1 question to check`)
	a, _ = feed(a, "enter")
	mustShow(t, a, "reopened", "What would you add?", "Supervisor: which service exactly?", "returned by sue: please check")
	if ret, _ := st.Returned("ivy"); len(ret) != 0 {
		t.Errorf("Returned(ivy) after reopening = %+v, want none", ret)
	}
	// Back to the score: no comment there; forward again: the comment.
	a, _ = feed(a, "esc")
	mustShow(t, a, "back", "Anything to add?")
	if s := screenText(a); strings.Contains(s, "Supervisor:") {
		t.Errorf("a question without a comment shows one:\n%s", s)
	}
	a, _ = feed(a, "enter ctrl+a ctrl+k broadband enter")
	mustShow(t, a, "corrected", "Add a household member?")
	d, err := st.ReviewOf(ann)
	if err != nil {
		t.Fatal(err)
	}
	last := d.History[len(d.History)-1].Answer
	if last.Item != "what" || last.Value != "broadband" || !last.Change || last.Previous != "faster service" {
		t.Errorf("last answer event = %+v, want the change faster service → broadband", last)
	}
	if d.Status != store.InterviewActive || d.Review.Open(d.Status) == nil {
		t.Errorf("while correcting: status %s, open rejection %v; want active with the rejection", d.Status, d.Review.Open(d.Status))
	}
}

// BenchmarkReviewDetailKey measures a keypress on an interview's review
// screen: moving to the next answer re-lays the transcript, then the
// frame is drawn.
func BenchmarkReviewDetailKey(b *testing.B) {
	st, _ := reviewFixture(b, filepath.Join(b.TempDir(), "r.db"))
	defer st.Close()
	a := feedReview(reviewAt(b, st, 120, 40, true, false), supIn+"enter")
	down, up := press("down"), press("up")
	b.ResetTimer()
	i := 0
	for b.Loop() {
		k := down
		if i%16 >= 8 {
			k = up
		}
		i++
		m, _ := a.Update(k)
		a = m.(App)
		_ = a.View()
	}
}

// failingReview is a store whose decisions fail.
type failingReview struct{ *store.Store }

func (failingReview) Reject(string, string, string, []store.ItemComment) error {
	return fmt.Errorf("disk full")
}

func TestReviewRejectFailure(t *testing.T) {
	st, ids := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	a := feedReview(reviewAt(t, failingReview{st}, 100, 30, true, true), supIn+"enter c why? enter r please enter")
	mustShowReview(t, a, "failed reject", "reject failed: disk full", "by ivy: completed")
	if a.sup().detail.sent || a.sup().detail.drafts["score"] != "why?" {
		t.Errorf("after a failed reject: sent %v, drafts %v; want the screen usable with the draft kept", a.sup().detail.sent, a.sup().detail.drafts)
	}
	if d, _ := st.ReviewOf(ids["C1"]); d.Status != store.InterviewCompleted {
		t.Errorf("status after a failed reject = %s, want completed", d.Status)
	}
	// The screen works again: approve goes through.
	a = feedReview(a, "a enter")
	mustShowReview(t, a, "approve after failure", "by ivy: approved")
}

func TestReviewDetailScrolls(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	a := feedReview(reviewAt(t, st, 80, 24, true, true), supIn+"enter")
	if s := reviewText(a); strings.Contains(s, "8. household member") {
		t.Fatalf("the last answer shows before scrolling:\n%s", s)
	}
	a = feedReview(a, "down down down down down down down")
	mustShowReview(t, a, "cursor on the last answer", "> 8. household member  [members[3]]", "no ·")
	a = feedReview(a, "down")
	mustShowReview(t, a, "down at the end stays", "> 8. household member")
	a = feedReview(a, "pgdown pgdown pgdown")
	mustShowReview(t, a, "scrolled to the end", "Status history", "consent given: started", "Calls", "complete")
	a = feedReview(a, "up up up up up up up")
	mustShowReview(t, a, "back at the first answer", "> 1. How would you rate us from 0 to 10?")
}

// TestReviewOpensDashboard opens the dashboard of the survey in view
// from the list with its key, works it, and goes back to the list as it
// was: same filters, same interview under the cursor.
func TestReviewOpensDashboard(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	a := feedReview(reviewAt(t, st, 120, 40, true, true), supIn+"i down")
	mustShowReview(t, a, "the list", "p dashboard")
	cursor := a.sup().list.cursor

	a = feedReview(a, "p")
	if a.sup().screen != reviewDashboarding || a.sup().dash == nil {
		t.Fatalf("after p the screen is %d, want the dashboard (%d)", a.sup().screen, reviewDashboarding)
	}
	if got := a.sup().dash.survey; got != "cons" {
		t.Errorf("dashboard survey = %q, want cons", got)
	}
	if a.sup().dash.Report() == nil || a.sup().dash.Report().Sample.Total != 6 {
		t.Fatalf("dashboard report = %+v, want the fixture's 6 contacts", a.sup().dash.Report())
	}
	mustShowReview(t, a, "the dashboard", "Survey cons: progress at 2026-11-29 09:00 UTC", "[1 Overview]",
		"contacts", "esc back to the list", "r refresh")
	if s := reviewText(a); strings.Contains(s, "q quit") {
		t.Errorf("the embedded dashboard offers q to quit; it shows:\n%s", s)
	}

	a = feedReview(a, "2")
	mustShowReview(t, a, "the interviewers tab", "[2 Interviewers]", "ivy", "max")
	a = feedReview(a, "f1")
	mustShowReview(t, a, "all keys", "esc F2 ^B back to the list")
	a = feedReview(a, "esc") // closes the key list only
	if a.sup().screen != reviewDashboarding || a.allKeys {
		t.Fatalf("esc on the key list: screen %d, all keys %v; want the dashboard without the list", a.sup().screen, a.allKeys)
	}

	a = feedReview(a, "esc")
	if a.sup().screen != reviewListing {
		t.Fatalf("after esc the screen is %d, want the list (%d)", a.sup().screen, reviewListing)
	}
	if a.sup().list.cursor != cursor || a.sup().list.filter.interviewer != "ivy" {
		t.Errorf("back on the list: cursor %d, interviewer filter %q; want %d, ivy", a.sup().list.cursor, a.sup().list.filter.interviewer, cursor)
	}
	mustShowReview(t, a, "back on the list", "3 of 6 · status all · interviewer ivy", "> Ben Harper")
}

// TestReviewDashboardKey checks which survey the key opens, and that it
// is offered only when there is one.
func TestReviewDashboardKey(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	tests := []struct {
		name, fixed, script string
		want                string // the dashboard's survey; "" for none
	}{
		{"interview under the cursor", "", supIn + "p", "cons"},
		{"the console's survey", "cons", supIn + "p", "cons"},
		{"nothing matches the filters", "", supIn + "i i o p", ""},
		{"the console's survey with nothing listed", "cons", supIn + "i i o p", "cons"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := reviewT0.Add(48 * time.Hour)
			var m tea.Model = NewSupervisor(st, ReviewConfig{Clock: func() time.Time { return now }, Location: time.UTC, Survey: tt.fixed})
			m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			before := feedReview(m.(App), strings.TrimSuffix(tt.script, " p"))
			shown := strings.Contains(reviewText(before), "p dashboard")
			a := feedReview(before, "p")
			got := ""
			if a.sup().screen == reviewDashboarding {
				got = a.sup().dash.survey
			}
			if got != tt.want {
				t.Errorf("after %q the dashboard's survey = %q, want %q", tt.script, got, tt.want)
			}
			if shown != (tt.want != "") {
				t.Errorf("help line offers p dashboard = %v, want %v:\n%s", shown, tt.want != "", reviewText(before))
			}
		})
	}
}

// rememberingReview is a store that also remembers the supervisor, as
// supervisorMemory asks.
type rememberingReview struct {
	*store.Store
	last   store.InterviewerRecord
	set    []store.InterviewerRecord
	setErr error
}

func (r *rememberingReview) LastSupervisor() (store.InterviewerRecord, error) { return r.last, nil }

func (r *rememberingReview) SetSupervisor(id, name string) error {
	if r.setErr != nil {
		return r.setErr
	}
	r.set = append(r.set, store.InterviewerRecord{ID: id, Name: name})
	r.last = store.InterviewerRecord{ID: id, Name: name}
	return nil
}

// startReview is a supervisor console over be that has run its Init, as
// a program would, then typed script.
func startReview(t *testing.T, be ReviewBackend, script string) App {
	t.Helper()
	now := reviewT0.Add(48 * time.Hour)
	a := NewSupervisor(be, ReviewConfig{Clock: func() time.Time { return now }, Location: time.UTC})
	m, _ := a.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	a = m.(App)
	init := a.Init()
	a = feedReview(a, script)
	for _, msg := range run(init) {
		m, _ := a.Update(msg)
		a = m.(App)
	}
	return a
}

// TestReviewRemembersSupervisor signs in, then opens the console again:
// the sign-in is prefilled with the supervisor, and one enter signs in.
func TestReviewRemembersSupervisor(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	be := &rememberingReview{Store: st}

	first := startReview(t, be, "")
	if got := first.sup().signIn.fields[fieldID].Value(); got != "" {
		t.Errorf("first sign-in prefilled with %q, want nothing", got)
	}
	feedReview(first, supIn)
	if diff := cmp.Diff([]store.InterviewerRecord{{ID: "sue", Name: "Sue Lee"}}, be.set); diff != "" {
		t.Errorf("supervisors remembered (-want +got):\n%s", diff)
	}
	// The interviewer remembered on this machine is not the supervisor.
	if who, err := st.LastInterviewer(); err != nil || who.ID != "" {
		t.Errorf("LastInterviewer() = %+v, %v; want nobody", who, err)
	}

	again := startReview(t, be, "")
	mustShowReview(t, again, "second sign-in", "Supervisor id   › sue", "Sue Lee")
	again = feedReview(again, "enter")
	if again.sup().screen != reviewListing || again.sup().who != (SignInMsg{ID: "sue", Name: "Sue Lee"}) {
		t.Errorf("enter on the prefilled sign-in: screen %d, who %+v; want the list as sue", again.sup().screen, again.sup().who)
	}
	mustShowReview(t, again, "signed in again", "6 of 6", "Sue Lee")

	// Typing before the store answers wins over the remembered one.
	typed := startReview(t, be, "max")
	if got := typed.sup().signIn.fields[fieldID].Value(); got != "max" {
		t.Errorf("sign-in id after typing max before the reply = %q, want max", got)
	}
}

// TestReviewRememberFailure shows a failure to remember the supervisor
// without stopping the review.
func TestReviewRememberFailure(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	a := startReview(t, &rememberingReview{Store: st, setErr: fmt.Errorf("disk full")}, supIn)
	if a.sup().screen != reviewListing {
		t.Fatalf("screen = %d, want the list", a.sup().screen)
	}
	mustShowReview(t, a, "remember failed", "could not remember you on this machine: disk full", "6 of 6")
}

// TestReviewWithoutSupervisorMemory: a store that keeps no supervisor
// leaves the sign-in empty and the interviewer's record alone.
func TestReviewWithoutSupervisorMemory(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	if err := st.SetInterviewer("ivy", "Ivy Ito"); err != nil {
		t.Fatal(err)
	}
	a := startReview(t, st, "")
	if got := a.sup().signIn.fields[fieldID].Value(); got != "" {
		t.Errorf("sign-in prefilled with %q, want nothing", got)
	}
	feedReview(a, supIn)
	if who, err := st.LastInterviewer(); err != nil || who.ID != "ivy" {
		t.Errorf("LastInterviewer() after a supervisor signed in = %+v, %v; want ivy", who, err)
	}
}

// countingReports counts the reports the console asks the store for.
type countingReports struct {
	*store.Store
	n int
}

func (c *countingReports) Report(survey string, o store.ReportOptions) (*store.Report, error) {
	c.n++
	return c.Store.Report(survey, o)
}

// TestReviewDashboardAgain opens the dashboard a second time: it is back
// on the tab it was left on with a fresh report, and a report asked for
// on the first visit that arrives late is dropped.
func TestReviewDashboardAgain(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	be := &countingReports{Store: st}
	a := feedReview(reviewAt(t, be, 120, 40, true, true), supIn+"p 3 esc")
	if be.n != 1 {
		t.Fatalf("reports after one visit = %d, want 1", be.n)
	}
	a = feedReview(a, "p")
	if be.n != 2 || a.sup().dash.Tab() != "Charts" || a.sup().dash.Loading() {
		t.Errorf("second visit: %d reports, tab %s, loading %v; want 2, Charts, false", be.n, a.sup().dash.Tab(), a.sup().dash.Loading())
	}
	mustShowReview(t, a, "second visit", "[3 Charts]", "Completes per day")

	// esc and p again while the report is on its way: no second
	// request, and the one on its way is shown when it comes.
	a = feedReview(a, "esc")
	m, load := a.Update(press("p"))
	m, _ = m.Update(press("esc"))
	m, again := m.Update(press("p"))
	a = m.(App)
	if again != nil || !a.sup().dash.Loading() {
		t.Errorf("p while a report is on its way: command %v, loading %v; want none, true", again != nil, a.sup().dash.Loading())
	}
	for _, msg := range run(load) {
		m, _ = a.Update(msg)
		a = m.(App)
	}
	if be.n != 3 || a.sup().dash.Loading() || a.sup().dash.Report() == nil {
		t.Errorf("after the reply: %d reports, loading %v; want 3, false", be.n, a.sup().dash.Loading())
	}
}

// failingReports is a store whose reports fail.
type failingReports struct{ *store.Store }

func (failingReports) Report(string, store.ReportOptions) (*store.Report, error) {
	return nil, fmt.Errorf("report cons: disk gone")
}

// TestReviewDashboardLoadFailure shows a failed report on the dashboard,
// and the list still works after going back.
func TestReviewDashboardLoadFailure(t *testing.T) {
	st, _ := reviewFixture(t, filepath.Join(t.TempDir(), "r.db"))
	defer st.Close()
	a := feedReview(reviewAt(t, failingReports{st}, 120, 40, true, true), supIn+"p")
	mustShowReview(t, a, "failed report", "report cons: disk gone", "No figures: the report could not be made.")
	a = feedReview(a, "esc enter")
	if a.sup().screen != reviewDetailing {
		t.Errorf("after esc and enter the screen is %d, want the interview (%d)", a.sup().screen, reviewDetailing)
	}
}
