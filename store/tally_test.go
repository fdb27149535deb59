package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/model/calling"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	bolt "go.etcd.io/bbolt"
)

// tallyHistory drives a store through a random history of everything
// that moves the report: imports, calls of every outcome (appointments
// among them), draws that retire and suppress, consents, refusals,
// answers past soft checks, suspensions and resumptions, completions,
// break-offs by opt-out, opt-outs added, imported and removed, approvals,
// rejections and reopens, and new revisions with other calling rules.
type tallyHistory struct {
	t     *testing.T
	s     *Store
	rng   *rand.Rand
	clock time.Time
	table calling.Table
	ids   []string // sample ids imported
	// phones of each sample id
	phones map[string]string
	ivs    []string // interviews begun
	next   int      // next sample id
	revs   int
	reps   int // replicates made by imports
}

func newTallyHistory(t *testing.T, seed uint64) *tallyHistory {
	h := &tallyHistory{t: t, rng: rand.New(rand.NewPCG(seed, 7)), clock: t0, phones: map[string]string{}}
	s, err := Open(filepath.Join(t.TempDir(), "tally.db"), Options{Now: func() time.Time { return h.clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h.s = s
	h.revision()
	h.table, _ = (*calling.Config)(nil).Table()
	return h
}

// revision installs a new revision of the survey with random attempt
// limits and shifts, or none (a change of rules remakes the projection).
func (h *tallyHistory) revision() {
	h.revs++
	sv := demoSurvey(fmt.Sprint(h.revs))
	for i := range sv.Lists["fruit"].Choices {
		c := &sv.Lists["fruit"].Choices[i]
		c.Label = model.Text{"en": c.Name}
	}
	if h.revs > 1 {
		sv.Calling = &calling.Config{MaxCalls: 2 + h.rng.IntN(6), MaxAttempts: 1 + h.rng.IntN(4)}
	}
	if h.rng.IntN(3) > 0 {
		if sv.Calling == nil {
			sv.Calling = &calling.Config{}
		}
		// Shifts that overlap, that end off the quarter hour, and in
		// a zone that is not on the hour.
		all := []calling.Shift{
			{Name: "morning", Days: "mon-fri", From: "08:00", To: "12:30"},
			{Name: "noon", Days: "mon-sun", From: "11:50", To: "14:10"},
			{Name: "evening", Days: "mon-sat", From: "16:45", To: "21:07"},
		}
		sv.Calling.Shifts = all[:1+h.rng.IntN(len(all))]
		sv.Calling.ShiftZone = []string{"", "America/New_York", "Asia/Kathmandu"}[h.rng.IntN(3)]
	}
	raw, _ := json.Marshal(sv)
	if _, _, err := h.s.AddSurvey(sv, raw, "sup"); err != nil {
		h.t.Fatalf("AddSurvey: %v", err)
	}
}

// importSome imports a few contacts: without replicates, split into
// replicates, or with a replicate column of the file's own (numbers,
// names, "none" and empty among them).
func (h *tallyHistory) importSome() {
	var b strings.Builder
	o := ImportOptions{Survey: "s1", Source: "client", Region: "US", Actor: "sup", File: fmt.Sprintf("sample%d.csv", h.next)}
	column := false
	switch h.rng.IntN(3) {
	case 1:
		o.Replicates = 1 + h.rng.IntN(3)
	case 2:
		column = true
	}
	b.WriteString("id,phone,timezone")
	if column {
		b.WriteString(",replicate")
	}
	b.WriteString("\n")
	n := 3 + h.rng.IntN(6)
	for range n {
		id := fmt.Sprintf("p%03d", h.next)
		phone := fmt.Sprintf("+1415555%04d", 1000+h.next)
		tz := ""
		if h.next%4 == 1 {
			tz = "Asia/Kathmandu" // a zone that is not on the hour
		}
		fmt.Fprintf(&b, "%s,%s,%s", id, phone, tz)
		if column {
			fmt.Fprintf(&b, ",%s", []string{"1", "2", "12", "b", "none", ""}[h.rng.IntN(6)])
		}
		b.WriteString("\n")
		h.ids = append(h.ids, id)
		h.phones[id] = phone
		h.next++
	}
	file := b.String()
	if _, err := h.s.ImportContacts(strings.NewReader(file), o); err != nil {
		h.t.Fatalf("ImportContacts: %v", err)
	}
	if o.Replicates > 0 {
		h.reps += o.Replicates
	}
}

func (h *tallyHistory) pick() string { return h.ids[h.rng.IntN(len(h.ids))] }

func (h *tallyHistory) iv() (string, bool) {
	if len(h.ivs) == 0 {
		return "", false
	}
	return h.ivs[h.rng.IntN(len(h.ivs))], true
}

func (h *tallyHistory) who() string { return []string{"ivy", "max", "ola"}[h.rng.IntN(3)] }

// step does one random thing; what the store refuses (a closed
// interview, a contact interviewed already) is part of the history too.
func (h *tallyHistory) step() string {
	h.clock = h.clock.Add(time.Duration(1+h.rng.IntN(180)) * time.Minute)
	s := h.s
	rows := h.table.Rows()
	switch k := h.rng.IntN(20); k {
	case 0:
		h.importSome()
		return "import"
	case 1, 2, 3, 4:
		o := rows[h.rng.IntN(len(rows))]
		c := Call{Outcome: o, Interviewer: h.who(), At: h.clock, Phone: h.rng.IntN(2)}
		if o.Appointment || h.rng.IntN(5) == 0 {
			c.Appointment = h.clock.Add(time.Duration(h.rng.IntN(96)-24) * time.Hour)
		}
		id := h.pick()
		s.RecordCall("s1", id, c)
		return "call " + id + " " + o.Code
	case 5:
		var tr *tallyRules
		s.db.View(func(tx *bolt.Tx) error {
			var err error
			tr, err = s.tallyRulesTx(tx, "s1")
			return err
		})
		s.Next("s1", DrawOptions{Interviewer: h.who(), Now: h.clock, Rules: NewCallingRules(tr.rules, "")})
		return "draw"
	case 6, 7:
		id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: h.pick(), Interviewer: h.who(), Lang: "en", Agreed: true, At: h.clock})
		if err == nil {
			h.ivs = append(h.ivs, id)
		}
		return "consent"
	case 8:
		s.DeclineConsent(Decline{Consent: model.Consent{Survey: "s1", Contact: h.pick(), Interviewer: h.who(), Lang: "en", At: h.clock}, OptOut: h.rng.IntN(2) == 0})
		return "decline"
	case 9:
		if iv, ok := h.iv(); ok {
			ev := model.AnswerEvent{Item: "age", Value: "130", Shown: h.clock, Answered: h.clock}
			if h.rng.IntN(2) == 0 {
				ev.Override = "confirmed"
			}
			s.SaveAnswer(iv, ev, []byte("{}"))
		}
		return "answer"
	case 10:
		if iv, ok := h.iv(); ok {
			sp := Suspension{Actor: h.who(), At: h.clock, Reason: "later"}
			if h.rng.IntN(2) == 0 {
				sp.Appointment = h.clock.Add(5 * time.Hour)
			}
			s.SuspendInterview(iv, sp)
		}
		return "suspend"
	case 11:
		if iv, ok := h.iv(); ok {
			s.ResumeInterview(iv, h.who(), h.clock)
		}
		return "resume"
	case 12, 13:
		if iv, ok := h.iv(); ok {
			s.FinishInterview(iv, h.who(), h.clock)
		}
		return "finish"
	case 14:
		s.OptOutContact(ContactOptOut{Survey: "s1", Contact: h.pick(), Actor: h.who(), At: h.clock, Reason: "asked"})
		return "opt-out on the phone"
	case 15:
		id := h.pick()
		if h.rng.IntN(3) == 0 {
			s.RemoveOptOut(h.phones[id], "US", "mistake", "sup")
			return "opt-out removed"
		}
		s.AddOptOut(h.phones[id], "US", "asked", "sup")
		return "opt-out added"
	case 16:
		s.ImportOptOuts(strings.NewReader(h.phones[h.pick()]+"\n"+h.phones[h.pick()]+"\n"), "dnc", "US", "sup")
		return "opt-outs imported"
	case 17:
		if iv, ok := h.iv(); ok {
			if h.rng.IntN(2) == 0 {
				s.Approve(iv, "sup", "")
				return "approve"
			}
			s.Reject(iv, "sup", "check the age", nil)
			return "reject"
		}
	case 18:
		if iv, ok := h.iv(); ok {
			s.ReopenInterview(iv, h.who(), h.clock)
		}
		return "reopen"
	case 19:
		if h.rng.IntN(4) == 0 {
			h.revision()
			return "revision"
		}
		if h.reps > 0 && h.rng.IntN(2) == 0 {
			s.ReleaseReplicate("s1", 1+h.rng.IntN(h.reps), "sup")
			return "release"
		}
		id := h.pick()
		s.RecordCall("s1", id, Call{Outcome: h.table.Rows()[0], Interviewer: h.who(), At: h.clock})
		return "call " + id
	}
	return "nothing"
}

// check compares the report from the projection with a recount and with
// the streaming report (reportDetailedTx), in several zones, by
// replicate and not, and the projection's records with the recount's.
func (h *tallyHistory) check(step int, what string) {
	h.t.Helper()
	for i, zone := range []string{"UTC", "America/Los_Angeles", "Asia/Kathmandu"} {
		loc, _ := time.LoadLocation(zone)
		o := ReportOptions{At: h.clock.Add(time.Duration(h.rng.IntN(48)-24) * time.Hour), Location: loc}
		if i == 1 || i == 2 && h.rng.IntN(2) == 0 {
			o.By = "replicate"
		}
		var got, want, streamed *Report
		var gerr, werr, serr error
		var diffs []string
		h.s.db.View(func(tx *bolt.Tx) error {
			got, gerr = h.s.reportTx(tx, "s1", o, false)
			want, werr = h.s.reportTx(tx, "s1", o, true)
			if i == step%3 {
				streamed, serr = h.s.reportDetailedTx(tx, "s1", o)
			}
			diffs = h.s.tallyDiffTx(tx, "s1")
			return nil
		})
		if gerr != nil || werr != nil || serr != nil {
			h.t.Fatalf("step %d (%s): report: %v; recount: %v; streaming: %v", step, what, gerr, werr, serr)
		}
		if got.recounted {
			h.t.Fatalf("step %d (%s): the report in %s (by %q) recounted, want it from the projection", step, what, zone, o.By)
		}
		opts := []cmp.Option{cmpopts.IgnoreUnexported(Report{}), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
			cmp.Comparer(func(a, b *big.Rat) bool { return a == nil && b == nil || a != nil && b != nil && a.Cmp(b) == 0 })}
		// reflect.DeepEqual first: go-cmp is most of the test's time.
		same := func(a, b *Report) bool {
			a2, b2 := *a, *b
			a2.recounted, b2.recounted = false, false
			return reflect.DeepEqual(&a2, &b2)
		}
		if !same(want, got) {
			if d := cmp.Diff(want, got, opts...); d != "" {
				h.t.Fatalf("step %d (%s): report in %s (by %q) from the projection differs from a recount (-recount +projection):\n%s", step, what, zone, o.By, d)
			}
		}
		if streamed != nil {
			// The streaming report lists the quota cells; the others
			// leave them to Store.Report.
			streamed.Quotas = nil
			if !same(streamed, got) {
				if d := cmp.Diff(streamed, got, opts...); d != "" {
					h.t.Fatalf("step %d (%s): report in %s (by %q) from the projection differs from the streaming one (-streaming +projection):\n%s", step, what, zone, o.By, d)
				}
			}
		}
		if len(diffs) > 0 {
			h.t.Fatalf("step %d (%s): projection differs from a recount: %s", step, what, strings.Join(diffs, "; "))
		}
	}
}

// TestTallyMatchesRecount holds the report's projection to the recount
// after every step of random histories.
func TestTallyMatchesRecount(t *testing.T) {
	steps := 300
	if testing.Short() {
		steps = 80
	}
	shifted, replicated := 0, 0
	defer func() {
		if shifted == 0 || replicated == 0 {
			t.Errorf("no history ended with shifts (%d) or made replicates (%d)", shifted, replicated)
		}
	}()
	for seed := range uint64(6) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			h := newTallyHistory(t, seed)
			h.importSome()
			h.check(0, "import")
			kinds := map[string]int{}
			for i := 1; i <= steps; i++ {
				what := h.step()
				kinds[strings.Fields(what)[0]]++
				h.check(i, what)
			}
			r, err := h.s.Report("s1", ReportOptions{At: h.clock})
			if err != nil {
				t.Fatal(err)
			}
			// The history reached the cases the projection must follow.
			if r.Interviews.Completed == 0 || r.Interviews.Refused+r.Interviews.BrokenOff == 0 || r.Sample.Suppressed == 0 || r.Totals.Calls == 0 {
				t.Errorf("history too tame: %+v %+v, steps %v", r.Interviews, r.Sample, kinds)
			}
			if !testing.Short() && (kinds["release"] == 0 || kinds["revision"] == 0) {
				t.Errorf("history too tame: steps %v", kinds)
			}
			shifted, replicated = shifted+len(r.Shifts), replicated+h.reps
		})
	}
}

// reportBoth makes the report of s1 from the projection and by recount.
func reportBoth(t *testing.T, s *Store, o ReportOptions) (got, want *Report) {
	t.Helper()
	if o.Location == nil {
		o.Location = time.UTC
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if got, err = s.reportTx(tx, "s1", o, false); err != nil {
			return err
		}
		want, err = s.reportTx(tx, "s1", o, true)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, want
}

var reportCmp = []cmp.Option{cmpopts.IgnoreUnexported(Report{}),
	cmp.Comparer(func(a, b *big.Rat) bool { return a == nil && b == nil || a != nil && b != nil && a.Cmp(b) == 0 })}

// TestTallyMigrationBuildsProjection: a store from before the projection
// gets it from its migration, and reports from it what a recount says.
func TestTallyMigrationBuildsProjection(t *testing.T) {
	s := reportStore(t)
	at := t0.Add(48 * time.Hour)
	before, err := s.Report("s1", ReportOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bTally, bTallied} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(5))
	}))
	path := s.Path()
	s.Close()
	s, err = Open(path, Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatalf("Open(schema 5 store) = %v", err)
	}
	defer s.Close()
	if v, _ := s.Schema(); v != SchemaVersion {
		t.Errorf("schema after the migration = %d, want %d", v, SchemaVersion)
	}
	got, want := reportBoth(t, s, ReportOptions{At: at})
	if got.recounted {
		t.Errorf("report after the migration recounted; want it from the projection")
	}
	if d := cmp.Diff(want, got, reportCmp...); d != "" {
		t.Errorf("report after the migration (-recount +projection):\n%s", d)
	}
	if d := cmp.Diff(before, got, reportCmp...); d != "" {
		t.Errorf("report after the migration (-before +after):\n%s", d)
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) != 0 {
		t.Errorf("Doctor() after the migration = %v, %v; want no problems", rep, err)
	}
}

// TestReportPaths: a report at a past or future moment reads the
// projection (the moment only sorts appointments into due and later); a
// zone whose days do not begin on a quarter hour recounts. Both agree
// with the recount.
func TestReportPaths(t *testing.T) {
	s := reportStore(t)
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tc := range []struct {
		name      string
		o         ReportOptions
		recounted bool
	}{
		{"now", ReportOptions{At: t0.Add(48 * time.Hour)}, false},
		{"before the fieldwork", ReportOptions{At: t0.Add(-time.Hour)}, false},
		{"between the appointments", ReportOptions{At: t0.Add(25 * time.Hour)}, false},
		{"Paris", ReportOptions{At: t0.Add(48 * time.Hour), Location: paris}, false},
		// UTC+8:58: its days begin at 15:02 UTC, inside the quarter hour
		// of the calls at t0, t0+5m and t0+10m.
		{"a zone whose days begin inside a quarter hour", ReportOptions{At: t0.Add(48 * time.Hour), Location: time.FixedZone("odd", 8*3600+58*60)}, true},
		{"a zone 7 minutes off, no call at its midnight", ReportOptions{At: t0.Add(48 * time.Hour), Location: time.FixedZone("odd", 7*60)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, want := reportBoth(t, s, tc.o)
			if got.recounted != tc.recounted {
				t.Errorf("recounted = %v, want %v", got.recounted, tc.recounted)
			}
			if d := cmp.Diff(want, got, reportCmp...); d != "" {
				t.Errorf("report (-recount +projection):\n%s", d)
			}
		})
	}
	got, _ := reportBoth(t, s, ReportOptions{At: t0.Add(25 * time.Hour)})
	if got.Appointments != (AppointmentCounts{Due: 1, Later: 1}) {
		t.Errorf("appointments at t0+25h = %+v, want 1 due (0006) and 1 later (0007)", got.Appointments)
	}
}

// TestDoctorNamesProjectionMismatch plants differences between the
// projection and the records; Doctor names each, and a report made
// after the survey's rules change is right again.
func TestDoctorNamesProjectionMismatch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(s *Store, tx *bolt.Tx) error
		want  string
	}{
		{"a count", func(s *Store, tx *bolt.Tx) error {
			sum, err := s.loadSumTx(tx, "s1")
			if err != nil {
				return err
			}
			sum.Sample.Untouched++
			sum.Final["1.1"]--
			return s.putSumTx(tx, "s1", sum)
		}, "sample Untouched: 3, a recount gives 2"},
		{"an interviewer's calls", func(s *Store, tx *bolt.Tx) error {
			sum, err := s.loadSumTx(tx, "s1")
			if err != nil {
				return err
			}
			sum.Who["ivy"].Calls += 2
			return s.putSumTx(tx, "s1", sum)
		}, "interviewer ivy Calls"},
		{"an appointment", func(s *Store, tx *bolt.Tx) error {
			return deleteFirstTally(tx, 'a')
		}, "appointment at"},
		{"a quarter hour worked", func(s *Store, tx *bolt.Tx) error {
			return deleteFirstTally(tx, 'q')
		}, "in quarter hour"},
		{"the whole projection", func(s *Store, tx *bolt.Tx) error {
			return clearTallyTx(tx, "s1")
		}, "missing (12 contacts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := reportStore(t)
			if rep, _ := s.Doctor(); len(rep.Problems) != 0 {
				t.Fatalf("Doctor() before = %v", rep.Problems)
			}
			must(t, s.db.Update(func(tx *bolt.Tx) error { return tc.plant(s, tx) }))
			rep, err := s.Doctor()
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(rep.Problems, "\n")
			if !strings.Contains(text, "report projection of s1") || !strings.Contains(text, tc.want) {
				t.Errorf("Doctor() = %q, want a problem naming %q", text, tc.want)
			}
		})
	}
}

// deleteFirstTally deletes the first of s1's projection keys of kind.
func deleteFirstTally(tx *bolt.Tx, kind byte) error {
	k, _ := tx.Bucket(bTally).Cursor().Seek(tallyKey(kind, "s1"))
	return tx.Bucket(bTally).Delete(bytes.Clone(k))
}

// TestStatesEqualSeesEveryField: Doctor's comparison of contact states
// tells a change in any field, a field added later included.
func TestStatesEqualSeesEveryField(t *testing.T) {
	base := ContactState{Calls: []CallRecord{{At: t0, Outcome: "busy"}}}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		other := base
		other.Calls = slices.Clone(base.Calls)
		f := reflect.ValueOf(&other).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Uint8, reflect.Uint64:
			f.SetUint(7)
		case reflect.Int:
			f.SetInt(7)
		case reflect.Slice:
			other.Calls[0].Interviewer = "ivy"
		case reflect.Struct:
			f.Set(reflect.ValueOf(t0.Add(time.Hour)))
		default:
			t.Fatalf("field %s of kind %s: teach this test and statesEqual", typ.Field(i).Name, f.Kind())
		}
		if statesEqual(&base, &other) {
			t.Errorf("statesEqual does not see a change of %s", typ.Field(i).Name)
		}
	}
	same := base
	same.Calls = []CallRecord{{At: t0.In(time.FixedZone("x", 3600)), Outcome: "busy"}}
	if !statesEqual(&base, &same) {
		t.Errorf("statesEqual tells the same instant in two zones apart")
	}
}

// shiftRepStore is a store whose survey has two shifts (UTC) and whose 6
// contacts are imported in 2 replicates, both released.
func shiftRepStore(t *testing.T) (*Store, calling.Table) {
	t.Helper()
	s := openTest(t)
	cfg := &calling.Config{Zone: "UTC", Shifts: []calling.Shift{
		{Name: "morning", Days: "mon-fri", From: "09:00", To: "12:00"},
		{Name: "evening", Days: "mon-fri", From: "17:00", To: "20:00"},
	}}
	sv := demoSurvey("1")
	sv.Calling = cfg
	raw, _ := json.Marshal(sv)
	if _, _, err := s.AddSurvey(sv, raw, "sup"); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("id,phone\n")
	for i := range 6 {
		fmt.Fprintf(&b, "r%02d,+1303555%04d\n", i, i)
	}
	if _, err := s.ImportContacts(strings.NewReader(b.String()), ImportOptions{Survey: "s1", Source: "client", Region: "US", Actor: "sup", File: "r.csv", Replicates: 2}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{1, 2} {
		if _, err := s.ReleaseReplicate("s1", k, "sup"); err != nil {
			t.Fatal(err)
		}
	}
	table, _ := cfg.Table()
	return s, table
}

// TestTallyShiftsAndReplicatesFollowEachCall: a call moves its shift's
// and its replicate's figures in its own transaction, so that the next
// report, read from the projection with no rebuild in between, shows it,
// as the streaming report does.
func TestTallyShiftsAndReplicatesFollowEachCall(t *testing.T) {
	s, table := shiftRepStore(t)
	tuesday := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	rep := map[string]string{}
	for i := range 6 {
		c, _, err := s.Contact("s1", fmt.Sprintf("r%02d", i))
		must(t, err)
		rep[c.ID] = c.Fields[ReplicateField]
	}
	report := func(at time.Time) *Report {
		t.Helper()
		r, err := s.Report("s1", ReportOptions{At: at, By: "replicate"})
		must(t, err)
		if r.recounted {
			t.Fatalf("Report(by replicate, with shifts) recounted; want it from the projection")
		}
		var streamed *Report
		must(t, s.db.View(func(tx *bolt.Tx) error {
			var err error
			streamed, err = s.reportDetailedTx(tx, "s1", ReportOptions{At: at, Location: time.UTC, By: "replicate"})
			return err
		}))
		if len(streamed.Quotas) == 0 {
			streamed.Quotas = nil // Report leaves no cells nil
		}
		if d := cmp.Diff(streamed, r, reportCmp...); d != "" {
			t.Fatalf("report from the projection (-streaming +projection):\n%s", d)
		}
		return r
	}
	part := func(r *Report, replicate string) map[string]int64 {
		out := map[string]int64{}
		for _, p := range r.ByReplicate {
			if p.Replicate == replicate {
				for _, d := range append(slices.Clone(p.Final), p.Interim...) {
					out[d.Code] = d.Count
				}
			}
		}
		return out
	}
	call := func(id, code string, at time.Time) {
		t.Helper()
		o, _ := table.Lookup(code)
		must(t, s.RecordCall("s1", id, Call{Outcome: o, Interviewer: "ivy", At: at}))
	}
	r := report(tuesday)
	untouched := part(r, rep["r00"])["3.11"]
	if untouched == 0 || len(r.ByReplicate) != 2 {
		t.Fatalf("before any call: parts %+v", r.ByReplicate)
	}
	call("r00", "no_answer", tuesday.Add(10*time.Hour))
	r = report(tuesday.Add(11 * time.Hour))
	if got := part(r, rep["r00"]); got["3.11"] != untouched-1 || got["3.13"] != 1 {
		t.Errorf("replicate %s after a no answer = %v, want 3.11 %d and 3.13 1", rep["r00"], got, untouched-1)
	}
	if r.Shifts[0] != (ShiftFigures{"morning", 1, 1, 0}) {
		t.Errorf("morning after a call = %+v, want 1 call, 1 contact", r.Shifts[0])
	}
	call("r00", "no_answer", tuesday.Add(11*time.Hour))
	call("r01", "complete", tuesday.Add(18*time.Hour))
	call("r02", "no_answer", tuesday.Add(14*time.Hour))
	r = report(tuesday.Add(21 * time.Hour))
	want := []ShiftFigures{{"morning", 2, 1, 0}, {"evening", 1, 1, 1}, {"", 1, 1, 0}}
	if d := cmp.Diff(want, r.Shifts); d != "" {
		t.Errorf("shifts (-want +got):\n%s", d)
	}
	if got := part(r, rep["r01"]); got["1.1"] != 1 {
		t.Errorf("replicate %s after a complete = %v, want 1.1 1", rep["r01"], got)
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) != 0 {
		t.Errorf("Doctor() = %v, %v; want no problems", rep, err)
	}
}

// TestDoctorNamesReplicateAndShiftMismatch: Doctor compares the
// replicates' and the shifts' figures of the projection with a recount,
// and names a difference in either.
func TestDoctorNamesReplicateAndShiftMismatch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(s *Store, tx *bolt.Tx) error
		want  string
	}{
		{"a replicate's dispositions", func(s *Store, tx *bolt.Tx) error {
			d := newTallyDetail()
			d.rep("2")[1]["3.11"] = -1
			d.rep("2")[0]["1.1"] = 1
			return s.applyDetailTx(tx, "s1", d)
		}, "replicate 2 final disposition 1.1: 1, a recount gives 0"},
		{"a replicate missing", func(s *Store, tx *bolt.Tx) error {
			return deleteFirstTally(tx, 'r')
		}, "interim disposition 3.11: 0, a recount gives"},
		{"a shift's calls", func(s *Store, tx *bolt.Tx) error {
			sum, err := s.loadSumTx(tx, "s1")
			if err != nil {
				return err
			}
			sum.Shifts[1][0]++
			return s.putSumTx(tx, "s1", sum)
		}, "shift evening: 2 calls, 1 contacts, 1 completes; a recount gives 1, 1, 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, table := shiftRepStore(t)
			tuesday := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
			o, _ := table.Lookup("complete")
			must(t, s.RecordCall("s1", "r01", Call{Outcome: o, Interviewer: "ivy", At: tuesday.Add(18 * time.Hour)}))
			if rep, _ := s.Doctor(); len(rep.Problems) != 0 {
				t.Fatalf("Doctor() before = %v", rep.Problems)
			}
			must(t, s.db.Update(func(tx *bolt.Tx) error { return tc.plant(s, tx) }))
			rep, err := s.Doctor()
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(rep.Problems, "\n")
			if !strings.Contains(text, "report projection of s1") || !strings.Contains(text, tc.want) {
				t.Errorf("Doctor() = %q, want a problem naming %q", text, tc.want)
			}
		})
	}
}

// TestSchema7FixtureGetsReplicatesAndShifts opens a store written by
// schema 7 (testdata/schema7-tally.db, made as schema7-tally.go.txt
// says), whose projection has no replicates and no shifts: its migration
// makes them, and the report by replicate of its survey with shifts is
// read from the projection and is what the streaming report says.
func TestSchema7FixtureGetsReplicatesAndShifts(t *testing.T) {
	raw, err := os.ReadFile("testdata/schema7-tally.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	must(t, os.WriteFile(path, raw, 0o600))
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open(schema 7 fixture) = %v", err)
	}
	defer s.Close()
	if v, _ := s.Schema(); v != SchemaVersion {
		t.Errorf("schema after opening the fixture = %d, want %d", v, SchemaVersion)
	}
	at := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	r, err := s.Report("s1", ReportOptions{At: at, By: "replicate"})
	must(t, err)
	if r.recounted {
		t.Errorf("report after the migration recounted; want it from the projection")
	}
	var streamed *Report
	must(t, s.db.View(func(tx *bolt.Tx) error {
		streamed, err = s.reportDetailedTx(tx, "s1", ReportOptions{At: at, Location: time.UTC, By: "replicate"})
		return err
	}))
	if len(streamed.Quotas) == 0 {
		streamed.Quotas = nil
	}
	if d := cmp.Diff(streamed, r, reportCmp...); d != "" {
		t.Errorf("report after the migration (-streaming +projection):\n%s", d)
	}
	var reps []string
	for _, p := range r.ByReplicate {
		reps = append(reps, p.Replicate)
	}
	if want := []string{"1", "2", "3", "7", "none"}; !slices.Equal(reps, want) {
		t.Errorf("replicates = %v, want %v", reps, want)
	}
	if len(r.Shifts) != 3 || r.Shifts[0].Calls == 0 || r.Shifts[1].Completes == 0 || r.Shifts[2].Calls == 0 {
		t.Errorf("shifts = %+v, want calls in the morning, a complete in the evening and calls outside", r.Shifts)
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) != 0 {
		t.Errorf("Doctor() after the migration = %v, %v; want no problems", rep, err)
	}
}
