package calling

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestDefaultTable(t *testing.T) {
	tab, err := (*Config)(nil).Table()
	if err != nil {
		t.Fatalf("default table: %v", err)
	}
	// The outcomes the brief asks for, each with its AAPOR group.
	want := map[string]Symbol{
		"no_answer": UH, "busy": UH, "machine_message": NC, "machine_no_message": NC,
		"fax": NE, "disconnected": NE, "wrong_number": NE, "language": O,
		"not_available": NC, "appointment": NC, "callback": NC, "soft_refusal": R,
		"hard_refusal": R, "break_off": R, "not_eligible": NE, "complete": I, "partial": P,
	}
	for code, sym := range want {
		o, ok := tab.Lookup(code)
		if !ok {
			t.Errorf("default table lacks %q", code)
			continue
		}
		if got, _ := SymbolOf(o.AAPOR); got != sym {
			t.Errorf("%s: AAPOR %s is %s, want %s", code, o.AAPOR, got, sym)
		}
		if k, ok := tab.ByKey(o.Key); !ok || k.Code != code {
			t.Errorf("ByKey(%q) = %q, want %q", o.Key, k.Code, code)
		}
	}
	for _, o := range tab.Rows() {
		if sym, _ := SymbolOf(o.AAPOR); (sym == I || sym == P) && !o.Final {
			t.Errorf("%s: an interview outcome must be final", o.Code)
		}
	}
	if o, _ := tab.Lookup("appointment"); !o.Appointment || o.Final {
		t.Errorf("appointment row = %+v, want an appointment, not final", o)
	}
}

func TestConfigTable(t *testing.T) {
	t.Run("override and extend", func(t *testing.T) {
		c := &Config{Outcomes: []Outcome{
			{Code: "busy", Label: "Engaged", AAPOR: "3.12", Key: "b", Recall: time.Hour},
			{Code: "deceased", Label: "Respondent deceased", AAPOR: "2.31", Key: "z", Final: true, Contacted: true, Eligible: true},
		}}
		tab, err := c.Table()
		if err != nil {
			t.Fatal(err)
		}
		if o, _ := tab.Lookup("busy"); o.Label != "Engaged" || o.Recall != time.Hour {
			t.Errorf("busy = %+v, want the override", o)
		}
		rows := tab.Rows()
		if rows[len(rows)-1].Code != "deceased" || len(rows) != len(DefaultOutcomes())+1 {
			t.Errorf("rows end with %q (%d rows), want the new row appended", rows[len(rows)-1].Code, len(rows))
		}
		if o, ok := tab.ByKey("z"); !ok || o.Code != "deceased" {
			t.Errorf("ByKey(z) = %+v, %v", o, ok)
		}
		// Rows is a copy.
		rows[0].Code = "changed"
		if _, ok := tab.Lookup("no_answer"); !ok || tab.Rows()[0].Code != "no_answer" {
			t.Errorf("changing Rows() changed the table")
		}
	})
	tests := []struct {
		name string
		rows []Outcome
		want []string
	}{
		{"hotkey taken", []Outcome{{Code: "x1", Label: "X", AAPOR: "3.90", Key: "b"}},
			[]string{`outcome 19 ("x1"): hotkey "b" is also outcome 2 ("busy")`}},
		{"bad AAPOR", []Outcome{{Code: "x1", Label: "X", AAPOR: "7.1"}},
			[]string{`outcome 19 ("x1"): unknown AAPOR code "7.1"`}},
		{"ambiguous AAPOR", []Outcome{{Code: "x1", Label: "X", AAPOR: "2"}},
			[]string{`outcome 19 ("x1"): AAPOR code "2" is a whole category`}},
		{"no code, no label", []Outcome{{AAPOR: "1.1"}},
			[]string{`outcome 19 (""): no code`, `outcome 19 (""): no label`}},
		{"appointment cannot be final", []Outcome{{Code: "appointment", Label: "A", AAPOR: "2.21", Final: true, Appointment: true}},
			[]string{`outcome 10 ("appointment"): an appointment cannot be final`}},
		{"negative recall", []Outcome{{Code: "busy", Label: "B", AAPOR: "3.12", Recall: -time.Minute}},
			[]string{`outcome 2 ("busy"): negative recall delay`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&Config{Outcomes: tt.rows}).Table()
			if err == nil {
				t.Fatalf("Table() = nil error, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Table() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
	if _, err := NewTable([]Outcome{{Code: "a", Label: "A", AAPOR: "1.1"}, {Code: "a", Label: "B", AAPOR: "1.2"}}); err == nil ||
		!strings.Contains(err.Error(), `outcome 2 ("a"): code repeats outcome 1`) {
		t.Errorf("NewTable with a repeated code: error = %v", err)
	}
}

func TestNewRulesErrors(t *testing.T) {
	for _, tt := range []struct {
		c    Config
		want string
	}{
		{Config{MaxCalls: -1}, "max_calls -1 is negative"},
		{Config{MaxAttempts: -2}, "max_attempts -2 is negative"},
		{Config{Zone: "Mars/Olympus"}, `zone "Mars/Olympus"`},
		{Config{AppointmentGrace: -time.Minute}, "negative appointment grace"},
		{Config{Outcomes: []Outcome{{Code: "x"}}}, `outcome 19 ("x")`},
	} {
		if _, err := NewRules(&tt.c); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewRules(%+v) error = %v, want one containing %q", tt.c, err, tt.want)
		}
	}
	r := mustRules(t, nil)
	if calls, attempts := r.Limits(); calls != DefaultMaxCalls || attempts != DefaultMaxAttempts {
		t.Errorf("default Limits() = %d, %d, want %d, %d", calls, attempts, DefaultMaxCalls, DefaultMaxAttempts)
	}
	if r.Zone() != time.UTC {
		t.Errorf("default Zone() = %v, want UTC", r.Zone())
	}
}

// local is a time on the wall clock of loc ("2026-03-09 18:00").
func local(t testing.TB, s string, loc *time.Location) time.Time {
	t.Helper()
	at, err := ParseLocal(s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func TestParseLocal(t *testing.T) {
	den := mustZone(t, "America/Denver")
	// 18:00 in Denver is 01:00 UTC in winter and 00:00 UTC in summer.
	for _, tt := range []struct{ in, want string }{
		{"2026-03-06 18:00", "2026-03-07T01:00:00Z"},
		{"2026-03-09 18:00", "2026-03-10T00:00:00Z"},
		{"2026-03-09T18:00", "2026-03-10T00:00:00Z"},
		{"2026-11-01 01:30", "2026-11-01T07:30:00Z"}, // ambiguous: the first (MDT)
	} {
		got, err := ParseLocal(tt.in, den)
		if err != nil || !got.Equal(utc(tt.want)) {
			t.Errorf("ParseLocal(%q, Denver) = %s, %v, want %s", tt.in, got.UTC(), err, tt.want)
		}
	}
	for _, bad := range []string{"2026-03-08 02:30", "tomorrow", "2026-03-09 6pm", ""} {
		if got, err := ParseLocal(bad, den); err == nil {
			t.Errorf("ParseLocal(%q, Denver) = %s, want an error", bad, got)
		}
	}
}

func TestDue(t *testing.T) {
	r := mustRules(t, nil)
	den := []*time.Location{mustZone(t, "America/Denver")}
	at := func(s string) time.Time { return local(t, s, den[0]) }
	call := func(s, outcome string) Call { return Call{At: at(s), Outcome: outcome, Interviewer: "ann"} }
	calls := func(n int, outcome string) []Call {
		var cs []Call
		for i := range n {
			cs = append(cs, Call{At: at("2026-04-01 10:00").Add(time.Duration(i) * 24 * time.Hour), Outcome: outcome})
		}
		return cs
	}
	appt := &Appointment{At: at("2026-03-09 18:00"), Interviewer: "ann"}
	apptCalls := []Call{call("2026-03-06 12:00", "appointment")}
	tests := []struct {
		name   string
		s      ContactState
		now    time.Time
		ok     bool
		reason string
		next   time.Time
	}{
		{"fresh contact, window open", ContactState{Zones: den}, at("2026-03-09 10:00"), true, ReasonFirstCall, time.Time{}},
		{"fresh contact at 08:30", ContactState{Zones: den}, at("2026-03-09 08:30"), false, ReasonWindow, at("2026-03-09 09:00")},
		{"fresh contact Saturday evening", ContactState{Zones: den}, at("2026-03-07 17:00"), false, ReasonWindow, at("2026-03-08 09:00")},
		{"busy: 15 minutes", ContactState{Zones: den, Calls: []Call{call("2026-03-09 10:00", "busy")}}, at("2026-03-09 10:14"), false, ReasonRecall, at("2026-03-09 10:15")},
		{"busy: due after 15 minutes", ContactState{Zones: den, Calls: []Call{call("2026-03-09 10:00", "busy")}}, at("2026-03-09 10:15"), true, ReasonRecallDue, at("2026-03-09 10:15")},
		{"recall still in hours", ContactState{Zones: den, Calls: []Call{call("2026-03-09 20:00", "busy")}}, at("2026-03-09 20:20"), true, ReasonRecallDue, at("2026-03-09 20:15")},
		{"recall ends after hours", ContactState{Zones: den, Calls: []Call{call("2026-03-09 20:20", "busy")}}, at("2026-03-09 20:25"), false, ReasonRecall, at("2026-03-10 09:00")},
		{"recall over, window closed", ContactState{Zones: den, Calls: []Call{call("2026-03-09 20:20", "busy")}}, at("2026-03-09 20:40"), false, ReasonWindow, at("2026-03-10 09:00")},
		{"due yesterday, window closed now", ContactState{Zones: den, Calls: []Call{call("2026-03-09 10:00", "busy")}}, at("2026-03-09 22:00"), false, ReasonWindow, at("2026-03-10 09:00")},
		// No answer at 10:00 Monday (morning): 3 hours later is 13:00,
		// the afternoon, not yet tried.
		{"no answer, afternoon next", ContactState{Zones: den, Calls: []Call{call("2026-03-09 10:00", "no_answer")}}, at("2026-03-09 13:00"), true, ReasonRecallDue, at("2026-03-09 13:00")},
		// No answer at 13:00 (afternoon): 16:00 is afternoon again, so the
		// call moves to the evening.
		{"no answer, spread to evening", ContactState{Zones: den, Calls: []Call{call("2026-03-09 13:00", "no_answer")}}, at("2026-03-09 16:00"), false, ReasonSpread, at("2026-03-09 17:00")},
		// Morning, afternoon and evening tried; Thursday 10:00 no answer:
		// the weekend, not yet tried, begins within two days.
		{"weekend next", ContactState{Zones: den, Calls: []Call{
			call("2026-03-09 10:00", "no_answer"), call("2026-03-10 14:00", "no_answer"), call("2026-03-11 18:00", "no_answer"), call("2026-03-12 10:00", "no_answer"),
		}}, at("2026-03-12 12:59"), false, ReasonRecall, at("2026-03-14 09:00")},
		// The same on Tuesday evening: the weekend is too far off, so the
		// plain recall, Wednesday morning.
		{"untried part too far off", ContactState{Zones: den, Calls: []Call{
			call("2026-03-09 10:00", "no_answer"), call("2026-03-09 14:00", "no_answer"), call("2026-03-10 18:00", "no_answer"),
		}}, at("2026-03-10 21:30"), false, ReasonWindow, at("2026-03-11 09:00")},
		// A busy line is not spread: back in 15 minutes, same part.
		{"busy is not spread", ContactState{Zones: den, Calls: []Call{call("2026-03-09 10:00", "no_answer"), call("2026-03-09 10:30", "busy")}}, at("2026-03-09 10:45"), true, ReasonRecallDue, at("2026-03-09 10:45")},
		{"final outcome", ContactState{Zones: den, Calls: []Call{call("2026-03-09 10:00", "complete")}}, at("2026-03-10 10:00"), false, ReasonFinal, time.Time{}},
		{"final flag", ContactState{Zones: den, Final: true}, at("2026-03-10 10:00"), false, ReasonFinal, time.Time{}},
		{"call limit", ContactState{Zones: den, Phones: 2, Calls: calls(DefaultMaxCalls, "busy")}, at("2026-06-01 10:00"), false, ReasonMaxCalls, time.Time{}},
		{"attempt limit", ContactState{Zones: den, Calls: calls(DefaultMaxAttempts, "no_answer")}, at("2026-06-01 10:00"), false, ReasonMaxAttempts, time.Time{}},
		{"one below the attempt limit", ContactState{Zones: den, Calls: calls(DefaultMaxAttempts-1, "busy")}, at("2026-06-01 10:00"), true, ReasonRecallDue, at("2026-04-07 10:15")},
		{"unknown outcome", ContactState{Zones: den, Calls: []Call{call("2026-03-09 10:00", "gone_fishing")}}, at("2026-03-10 10:00"), false, ReasonUnknownOutcome, time.Time{}},
		// The appointment was made on Friday (MST) for Monday 18:00 (MDT):
		// it comes back at 18:00 Denver time, 00:00 UTC.
		{"appointment pending", ContactState{Zones: den, Calls: apptCalls, Appointment: appt}, utc("2026-03-09T23:59:59Z"), false, ReasonAppointment, utc("2026-03-10T00:00:00Z")},
		{"appointment due", ContactState{Zones: den, Calls: apptCalls, Appointment: appt}, utc("2026-03-10T00:00:00Z"), true, ReasonAppointmentDue, utc("2026-03-10T00:00:00Z")},
		{"appointment due to its interviewer", ContactState{Zones: den, Calls: apptCalls, Appointment: appt, Drawer: "ann"}, utc("2026-03-10T00:00:00Z"), true, ReasonAppointmentDue, utc("2026-03-10T00:00:00Z")},
		{"appointment held from others", ContactState{Zones: den, Calls: apptCalls, Appointment: appt, Drawer: "bob"}, utc("2026-03-10T00:05:00Z"), false, ReasonHeld, utc("2026-03-10T00:15:00Z")},
		{"appointment waits for others", ContactState{Zones: den, Calls: apptCalls, Appointment: appt, Drawer: "bob"}, utc("2026-03-09T20:00:00Z"), false, ReasonAppointment, utc("2026-03-10T00:15:00Z")},
		{"appointment free after grace", ContactState{Zones: den, Calls: apptCalls, Appointment: appt, Drawer: "bob"}, utc("2026-03-10T00:15:00Z"), true, ReasonAppointmentDue, utc("2026-03-10T00:00:00Z")},
		// Expired two hours after 18:00: 20:00 Denver; the ordinary window
		// is open until 20:30.
		{"appointment expired", ContactState{Zones: den, Calls: apptCalls, Appointment: appt}, at("2026-03-09 20:10"), true, ReasonRecallDue, at("2026-03-06 12:00")},
		// An appointment asked for 22:00 is moved to 08:00 the next day,
		// not to the survey's 09:00: the respondent chose it.
		{"late appointment moved into hours", ContactState{Zones: den, Calls: apptCalls, Appointment: &Appointment{At: at("2026-03-09 22:00")}}, at("2026-03-09 23:00"), false, ReasonAppointment, at("2026-03-10 08:00")},
		{"closed contact with appointment", ContactState{Zones: den, Calls: calls(DefaultMaxCalls, "busy"), Appointment: appt}, utc("2026-03-10T00:00:00Z"), false, ReasonMaxCalls, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason, next := r.Due(tt.s, tt.now)
			if ok != tt.ok || reason != tt.reason || !next.Equal(tt.next) {
				t.Errorf("Due(%s) = %v, %q, %s; want %v, %q, %s", tt.now.In(den[0]).Format("Mon 2006-01-02 15:04 MST"),
					ok, reason, next.In(den[0]).Format("Mon 2006-01-02 15:04 MST"),
					tt.ok, tt.reason, tt.next.In(den[0]).Format("Mon 2006-01-02 15:04 MST"))
			}
		})
	}
}

func TestClosedAndNextPhone(t *testing.T) {
	r := mustRules(t, &Config{MaxCalls: 6, MaxAttempts: 3})
	c := func(phone int, outcome string) Call { return Call{Outcome: outcome, Phone: phone} }
	tests := []struct {
		name      string
		s         ContactState
		closed    bool
		reason    string
		nextPhone int // -1: none
	}{
		{"fresh", ContactState{Phones: 2}, false, "", 0},
		{"second number next", ContactState{Phones: 2, Calls: []Call{c(0, "no_answer")}}, false, "", 1},
		{"back to the first", ContactState{Phones: 2, Calls: []Call{c(0, "no_answer"), c(1, "busy")}}, false, "", 0},
		{"two passes of three", ContactState{Phones: 2, Calls: []Call{c(0, "busy"), c(1, "busy"), c(0, "busy"), c(1, "busy")}}, false, "", 0},
		{"three passes", ContactState{Phones: 2, Calls: []Call{c(0, "busy"), c(1, "busy"), c(0, "busy"), c(1, "busy"), c(0, "busy")}}, true, ReasonMaxAttempts, 1},
		{"six calls", ContactState{Phones: 3, Calls: []Call{c(0, "busy"), c(1, "busy"), c(2, "busy"), c(0, "busy"), c(1, "busy"), c(2, "busy")}}, true, ReasonMaxCalls, 0},
		{"disconnected number retired", ContactState{Phones: 2, Calls: []Call{c(0, "disconnected")}}, false, "", 1},
		{"retired number skipped", ContactState{Phones: 2, Calls: []Call{c(0, "disconnected"), c(1, "busy"), c(1, "busy")}}, false, "", 1},
		{"every number retired", ContactState{Phones: 2, Calls: []Call{c(0, "disconnected"), c(1, "fax")}}, true, ReasonNoNumber, -1},
		{"one number, disconnected", ContactState{Calls: []Call{c(0, "disconnected")}}, true, ReasonNoNumber, -1},
		{"final on any number", ContactState{Phones: 2, Calls: []Call{c(0, "busy"), c(1, "hard_refusal")}}, true, ReasonFinal, 0},
		{"phone index out of range counts as the last", ContactState{Phones: 1, Calls: []Call{c(5, "busy"), c(-1, "busy")}}, false, "", 0},
	}
	for _, tt := range tests {
		closed, reason := r.Closed(tt.s)
		if closed != tt.closed || reason != tt.reason {
			t.Errorf("%s: Closed = %v, %q, want %v, %q", tt.name, closed, reason, tt.closed, tt.reason)
		}
		p, ok := r.NextPhone(tt.s)
		if ok != (tt.nextPhone >= 0) || (ok && p != tt.nextPhone) {
			t.Errorf("%s: NextPhone = %d, %v, want %d", tt.name, p, ok, tt.nextPhone)
		}
	}
}

func TestDisposition(t *testing.T) {
	tab, err := (*Config)(nil).Table()
	if err != nil {
		t.Fatal(err)
	}
	seq := func(outcomes ...string) []Call {
		var cs []Call
		for _, o := range outcomes {
			phone := 0
			if p, rest, ok := strings.Cut(o, ":"); ok { // "1:busy" is a call to phone 1
				phone, o = int(p[0]-'0'), rest
			}
			cs = append(cs, Call{Outcome: o, Phone: phone})
		}
		return cs
	}
	tests := []struct {
		name   string
		calls  []Call
		phones int
		want   string
	}{
		{"never called", nil, 1, "3.11"},
		{"complete", seq("no_answer", "busy", "complete"), 1, "1.1"},
		{"partial", seq("appointment", "partial"), 1, "1.2"},
		{"hard refusal closes", seq("no_answer", "hard_refusal"), 1, "2.11"},
		{"break-off", seq("break_off"), 1, "2.12"},
		{"language barrier", seq("busy", "language"), 1, "2.33"},
		{"not eligible", seq("not_eligible"), 1, "4.70"},
		{"soft refusal then no answers stays a refusal", seq("soft_refusal", "no_answer", "no_answer"), 1, "2.11"},
		{"appointment never kept", seq("no_answer", "appointment", "no_answer", "busy"), 1, "2.21"},
		{"respondent never available", seq("not_available", "not_available", "no_answer"), 1, "2.21"},
		{"refusal outranks a later callback", seq("soft_refusal", "callback", "no_answer"), 1, "2.11"},
		{"answering machine with message", seq("no_answer", "machine_message", "no_answer"), 1, "2.222"},
		{"last machine kind wins", seq("machine_message", "machine_no_message"), 1, "2.221"},
		{"no answer", seq("busy", "no_answer", "busy"), 1, "3.13"},
		{"always busy", seq("busy", "busy", "busy"), 1, "3.12"},
		{"disconnected, only number", seq("disconnected"), 1, "4.30"},
		{"disconnected, other number unanswered", seq("0:disconnected", "1:no_answer", "1:no_answer"), 2, "3.13"},
		{"disconnected, other number never dialled", seq("0:disconnected"), 2, "3.11"},
		{"every number dead", seq("0:disconnected", "1:fax"), 2, "4.20"},
		{"wrong number then contact on another", seq("0:wrong_number", "1:complete"), 2, "1.1"},
		{"wrong number then soft refusal", seq("0:wrong_number", "1:soft_refusal"), 2, "2.11"},
	}
	for _, tt := range tests {
		got, err := tab.Disposition(tt.calls, tt.phones)
		if err != nil || got != tt.want {
			t.Errorf("%s: Disposition = %q, %v, want %q", tt.name, got, err, tt.want)
		}
	}
	if _, err := tab.Disposition(seq("busy", "gone_fishing"), 1); err == nil || !strings.Contains(err.Error(), `call 2: outcome "gone_fishing"`) {
		t.Errorf("Disposition with an unknown outcome: error = %v", err)
	}
}

// stateGen makes random contact states for the property test.
type stateGen struct {
	rng      *rand.Rand
	outcomes []Outcome
}

func (g stateGen) state(t testing.TB, start time.Time) ContactState {
	s := ContactState{Zones: randomZones(t, g.rng), Phones: 1 + g.rng.IntN(3)}
	at := start
	for range g.rng.IntN(10) {
		o := g.outcomes[g.rng.IntN(len(g.outcomes))]
		if o.Final && g.rng.IntN(4) > 0 {
			o = g.outcomes[0] // finals are rarer
		}
		s.Calls = append(s.Calls, Call{At: at, Outcome: o.Code, Interviewer: []string{"ann", "bob"}[g.rng.IntN(2)], Phone: g.rng.IntN(s.Phones)})
		at = at.Add(time.Duration(g.rng.Int64N(int64(72 * time.Hour))))
	}
	if g.rng.IntN(3) == 0 {
		s.Appointment = &Appointment{At: at.Add(time.Duration(g.rng.Int64N(int64(96 * time.Hour)))).Truncate(15 * time.Minute)}
		if g.rng.IntN(2) == 0 {
			s.Appointment.Interviewer = "ann"
		}
	}
	s.Drawer = []string{"", "ann", "bob"}[g.rng.IntN(3)]
	return s
}

// Due, with an injected clock, for random contacts of 2026 in random zones
// (several zones for some): whatever it offers is inside 08:00–21:00 local
// time in every zone, inside the survey's window unless it is an
// appointment, after the recall delay, under the limits, and not someone
// else's held appointment; and when it says "not before next", it is right
// about next.
func TestDueProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	r := mustRules(t, nil)
	g := stateGen{rng: rng, outcomes: r.Table().Rows()}
	hard := hardWeek()
	for range 3000 {
		start := randomTime(rng)
		s := g.state(t, start)
		now := start.Add(time.Duration(rng.Int64N(int64(14 * 24 * time.Hour))))
		if s.Appointment != nil && rng.IntN(2) == 0 {
			// Around the appointment: its grace period and expiry.
			now = s.Appointment.At.Add(time.Duration(rng.Int64N(int64(4*time.Hour))) - time.Hour)
		} else if n := len(s.Calls); n > 0 && rng.IntN(2) == 0 {
			// Around the end of the recall delay.
			now = s.Calls[n-1].At.Add(time.Duration(rng.Int64N(int64(8 * time.Hour))))
		}
		ok, reason, next := r.Due(s, now)
		if ok {
			checkOffer(t, r, &hard, s, now, reason)
			continue
		}
		if next.IsZero() {
			if closed, _ := r.Closed(s); !closed && reason != ReasonNoWindow && reason != ReasonFinal {
				t.Fatalf("Due(%+v, %s) = never (%s), but the contact is open", s, now, reason)
			}
			continue
		}
		if !next.After(now) {
			t.Fatalf("Due(%s) = false, %q, next %s: next is not after now", now, reason, next)
		}
		if ok2, _, _ := r.Due(s, next.Add(-time.Second)); ok2 && next.Add(-time.Second).After(now) {
			t.Fatalf("Due(%s) = false, %q, next %s: but it is due a second earlier", now, reason, next)
		}
		ok2, reason2, _ := r.Due(s, next)
		lapsed := s.Appointment != nil && !next.Before(s.Appointment.At.Add(DefaultAppointmentExpiry))
		if !ok2 && !lapsed {
			t.Fatalf("Due(%s) = false, %q, next %s; Due(next) = false, %q", now, reason, next, reason2)
		}
		if ok2 {
			checkOffer(t, r, &hard, s, next, reason2)
		}
	}
}

func checkOffer(t *testing.T, r Rules, hard *week, s ContactState, now time.Time, reason string) {
	t.Helper()
	if closed, why := r.Closed(s); closed || s.Final {
		t.Fatalf("Due(%s) offered a closed contact (%s)", now, why)
	}
	if n, _ := r.Limits(); len(s.Calls) >= n {
		t.Fatalf("Due(%s) offered a contact with %d calls", now, len(s.Calls))
	}
	for _, z := range s.Zones {
		if !hard.allowed(now, z) {
			t.Fatalf("Due offered a contact at %s in %s", now.In(z).Format("Mon 15:04"), z)
		}
	}
	if reason == ReasonAppointmentDue {
		a := s.Appointment
		if now.Before(a.At) {
			t.Fatalf("Due(%s) offered an appointment before its time %s", now, a.At)
		}
		if s.Drawer != "" && a.Interviewer != "" && s.Drawer != a.Interviewer && now.Before(a.At.Add(DefaultAppointmentGrace)) {
			t.Fatalf("Due(%s) gave %s's appointment of %s to %s within the grace period", now, a.Interviewer, a.At, s.Drawer)
		}
		return
	}
	if !r.Allowed(now, s.Zones) {
		t.Fatalf("Due(%s, %s) offered outside the survey's window", now, zoneNames(s.Zones))
	}
	if n := len(s.Calls); n > 0 {
		o, _ := r.Table().Lookup(s.Calls[n-1].Outcome)
		if now.Before(s.Calls[n-1].At.Add(o.Recall)) {
			t.Fatalf("Due(%s) offered before the %s recall delay after %s", now, o.Recall, s.Calls[n-1].At)
		}
	}
}

func TestDueAllocatesNothing(t *testing.T) {
	r := mustRules(t, nil)
	s := benchState(t)
	now := utc("2026-03-10T18:00:00Z")
	if n := testing.AllocsPerRun(100, func() { r.Due(s, now) }); n != 0 {
		t.Errorf("Due allocates %v times per call, want 0", n)
	}
}

func benchState(t testing.TB) ContactState {
	ny := mustZone(t, "America/New_York")
	return ContactState{
		Zones:  []*time.Location{ny, mustZone(t, "America/Chicago")},
		Phones: 2,
		Calls: []Call{
			{At: utc("2026-03-06T15:00:00Z"), Outcome: "no_answer"},
			{At: utc("2026-03-07T19:00:00Z"), Outcome: "busy", Phone: 1},
			{At: utc("2026-03-08T23:00:00Z"), Outcome: "no_answer"},
			{At: utc("2026-03-09T15:00:00Z"), Outcome: "machine_no_message", Phone: 1},
			{At: utc("2026-03-10T14:00:00Z"), Outcome: "no_answer"},
		},
	}
}

func BenchmarkDue(b *testing.B) {
	r := mustRules(b, nil)
	s := benchState(b)
	now := utc("2026-03-10T18:00:00Z")
	b.ReportAllocs()
	for b.Loop() {
		r.Due(s, now)
	}
}

func BenchmarkDueAppointment(b *testing.B) {
	r := mustRules(b, nil)
	s := benchState(b)
	s.Appointment = &Appointment{At: utc("2026-03-10T22:00:00Z"), Interviewer: "ann"}
	s.Drawer = "bob"
	now := utc("2026-03-10T18:00:00Z")
	b.ReportAllocs()
	for b.Loop() {
		r.Due(s, now)
	}
}

// The zero Rules (a caller that forgot NewRules) never offers a contact.
func TestZeroRulesOfferNothing(t *testing.T) {
	var r Rules
	now := utc("2026-03-09T16:00:00Z")
	den := []*time.Location{mustZone(t, "America/Denver")}
	for _, s := range []ContactState{{}, {Zones: den}, {Zones: den, Calls: []Call{{At: now.Add(-time.Hour), Outcome: "busy"}}}} {
		if ok, reason, _ := r.Due(s, now); ok {
			t.Errorf("Rules{}.Due(%+v) = true, %q, want false", s, reason)
		}
		if _, ok := r.NextDue(s); ok && len(s.Calls) > 0 {
			t.Errorf("Rules{}.NextDue(%+v) = ok, want not", s)
		}
	}
	if r.Allowed(now, nil) {
		t.Errorf("Rules{}.Allowed(no zone) = true, want false")
	}
}

// Appointments typed as a local clock time in the contact's zone, days or
// weeks ahead and across daylight-saving changes, come back at exactly that
// clock time there: not a second before, and to the interviewer who made
// them.
func TestAppointmentProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	r := mustRules(t, nil)
	for range 2000 {
		loc := mustZone(t, propertyZoneNames[rng.IntN(len(propertyZoneNames))])
		day := randomTime(rng).In(loc)
		entered := time.Date(day.Year(), day.Month(), day.Day(), 8+rng.IntN(13), rng.IntN(4)*15, 0, 0, loc).Format("2006-01-02 15:04")
		at, err := ParseLocal(entered, loc)
		if err != nil {
			t.Fatalf("ParseLocal(%q, %s): %v", entered, loc, err)
		}
		made := at.Add(-time.Duration(1 + rng.Int64N(int64(30*24*time.Hour))))
		s := ContactState{
			Zones:       []*time.Location{loc},
			Calls:       []Call{{At: made, Outcome: "appointment", Interviewer: "ann"}},
			Appointment: &Appointment{At: at, Interviewer: "ann"},
			Drawer:      "ann",
		}
		ok, reason, next := r.Due(s, made.Add(time.Second))
		if ok || reason != ReasonAppointment || !next.Equal(at) {
			t.Fatalf("appointment %s in %s, asked at %s: Due = %v, %q, %s; want false, %q, %s", entered, loc, made, ok, reason, next, ReasonAppointment, at)
		}
		if got := next.In(loc).Format("2006-01-02 15:04"); got != entered {
			t.Fatalf("appointment %s in %s comes back at %s local", entered, loc, got)
		}
		if ok, _, _ := r.Due(s, at.Add(-time.Second)); ok {
			t.Fatalf("appointment %s in %s due a second early", entered, loc)
		}
		if ok, reason, _ := r.Due(s, at); !ok || reason != ReasonAppointmentDue {
			t.Fatalf("appointment %s in %s: Due(at) = %v, %q, want due", entered, loc, ok, reason)
		}
	}
}

// TestAppointmentAtAndCheckInstant (issue 17.5): an appointment outside
// 08:00–21:00 in the contact's zone comes up at the next 08:00, one inside
// at its time; times past 2262 or before 1678 are refused.
func TestAppointmentAtAndCheckInstant(t *testing.T) {
	r, err := NewRules(nil)
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	late := time.Date(2026, 12, 7, 22, 30, 0, 0, ny)
	if got, ok := r.AppointmentAt(late, []*time.Location{ny}); !ok || !got.Equal(time.Date(2026, 12, 8, 8, 0, 0, 0, ny)) {
		t.Errorf("AppointmentAt(22:30) = %v, %v; want 08:00 the next day", got, ok)
	}
	fine := time.Date(2026, 12, 7, 18, 30, 0, 0, ny)
	if got, _ := r.AppointmentAt(fine, []*time.Location{ny}); !got.Equal(fine) {
		t.Errorf("AppointmentAt(18:30) = %v, want it unmoved", got)
	}
	for _, tc := range []struct {
		at time.Time
		ok bool
	}{
		{time.Date(2262, 4, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{time.Date(1677, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC), true},
	} {
		if err := CheckInstant(tc.at); (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrOutOfRange)) {
			t.Errorf("CheckInstant(%v) = %v, want ok %v", tc.at, err, tc.ok)
		}
	}
}
