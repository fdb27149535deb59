package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/model/calling"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// reportSample is a sample of thirteen people whose personal data must
// never appear in a report.
const reportSample = "id,phone,name,email,timezone\n" +
	"smp-0001,+14155550101,Zelda Quux,zelda@example.org,\n" +
	"smp-0002,+14155550102,Yann Vorpal,yann@example.org,\n" +
	"smp-0003,+14155550103,Xia Wombat,xia@example.org,\n" +
	"smp-0004,+14155550104,Walt Ulvaeus,walt@example.org,\n" +
	"smp-0005,+14155550105,Vera Tanager,vera@example.org,\n" +
	"smp-0006,+14155550106,Ugo Sable,ugo@example.org,\n" +
	"smp-0007,+14155550107,Tess Rook,tess@example.org,\n" +
	"smp-0008,+14155550108,Sami Quill,sami@example.org,Europe/Paris\n" +
	"smp-0009,+14155550109,Rhea Pike,rhea@example.org,\n" +
	"smp-0010,+14155550110,Otto Nash,otto@example.org,\n" +
	"smp-0011,+14155550111,Nell Moss,nell@example.org,\n" +
	"smp-0012,+14155550112,Milo Lark,milo@example.org,\n" +
	"smp-0013,+14155550113,Lena Kite,lena@example.org,\n"

// reportStore builds, through the store's own methods, a survey whose
// figures can be counted by hand. Times are UTC; 415 numbers are in
// America/Los_Angeles (UTC-8 in early March 2026), smp-0008 in Paris.
//
//	id    calls (interviewer, time after t0)                  status       disposition
//	0001  ivy no_answer 0m; ivy complete 24h40m (interview      final        1.1
//	      24h18m–24h38m)
//	0002  max complete 2h11m (interview 2h00m–2h10m, one        final        1.1
//	      soft-check override)
//	0003  ivy hard_refusal 5m                                   final        2.11
//	0004  ivy soft_refusal 10m                                  in progress  2.11
//	0005  ivy no_answer 20m, no_answer 24h                      in progress  3.13
//	0006  ivy busy 25m, appointment 1h for t0+24h               in progress  2.21 (due)
//	0007  max appointment 2h20m for t0+72h                      in progress  2.21 (later)
//	0008  max not_eligible 2h25m                                final        4.70
//	0009  ivy disconnected 1h05m (its only number)              final        4.30
//	0010  —                                                     untouched    3.11
//	0011  —                                                     untouched    3.11
//	0012  opted out before any call                             suppressed   —
//	0013  on the opt-out list before the import: never a contact
func reportStore(t testing.TB) *Store {
	t.Helper()
	clock := t0
	s, err := Open(filepath.Join(t.TempDir(), "report.db"), Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	sv := demoSurvey("1")
	raw, _ := json.Marshal(sv)
	if _, _, err := s.AddSurvey(sv, raw, "sup"); err != nil {
		t.Fatalf("AddSurvey: %v", err)
	}
	if _, _, err := s.AddOptOut("+14155550113", "US", "asked", "sup"); err != nil {
		t.Fatalf("AddOptOut: %v", err)
	}
	importCSV(t, s, "s1", reportSample)
	if _, _, err := s.AddOptOut("+14155550112", "US", "asked", "sup"); err != nil {
		t.Fatalf("AddOptOut: %v", err)
	}
	table, err := (*calling.Config)(nil).Table()
	if err != nil {
		t.Fatal(err)
	}
	call := func(id, who, outcome string, after time.Duration, appt time.Duration) {
		t.Helper()
		o, ok := table.Lookup(outcome)
		if !ok {
			t.Fatalf("no outcome %s", outcome)
		}
		c := Call{Outcome: o, Interviewer: who, At: t0.Add(after)}
		if appt != 0 {
			c.Appointment = t0.Add(appt)
		}
		clock = c.At
		if err := s.RecordCall("s1", id, c); err != nil {
			t.Fatalf("RecordCall(%s, %s): %v", id, outcome, err)
		}
	}
	interview := func(id, who string, start, end time.Duration, override bool) {
		t.Helper()
		clock = t0.Add(start)
		iv, err := s.StartInterview(model.Consent{Survey: "s1", Contact: id, Interviewer: who, Lang: "en", Text: "May we?", Agreed: true})
		if err != nil {
			t.Fatalf("StartInterview(%s): %v", id, err)
		}
		ev := model.AnswerEvent{Item: "age", Value: "130", Shown: clock, Answered: clock.Add(time.Minute)}
		if override {
			ev.Override = "checked: the respondent is \"override\": 130"
		}
		if err := s.SaveAnswer(iv, ev, []byte("{}")); err != nil {
			t.Fatalf("SaveAnswer: %v", err)
		}
		if err := s.SaveAnswer(iv, model.AnswerEvent{Item: "fruit", Value: "pear", Answered: clock.Add(2 * time.Minute)}, []byte("{}")); err != nil {
			t.Fatalf("SaveAnswer: %v", err)
		}
		clock = t0.Add(end)
		if err := s.Complete(iv, who); err != nil {
			t.Fatalf("Complete: %v", err)
		}
	}
	m := time.Minute
	call("smp-0001", "ivy", "no_answer", 0, 0)
	call("smp-0003", "ivy", "hard_refusal", 5*m, 0)
	call("smp-0004", "ivy", "soft_refusal", 10*m, 0)
	call("smp-0005", "ivy", "no_answer", 20*m, 0)
	call("smp-0006", "ivy", "busy", 25*m, 0)
	call("smp-0006", "ivy", "appointment", 60*m, 24*time.Hour)
	call("smp-0009", "ivy", "disconnected", 65*m, 0)
	interview("smp-0002", "max", 120*m, 130*m, true)
	call("smp-0002", "max", "complete", 131*m, 0)
	call("smp-0007", "max", "appointment", 140*m, 72*time.Hour)
	call("smp-0008", "max", "not_eligible", 145*m, 0)
	call("smp-0005", "ivy", "no_answer", 24*time.Hour, 0)
	interview("smp-0001", "ivy", 24*time.Hour+18*m, 24*time.Hour+38*m, false)
	call("smp-0001", "ivy", "complete", 24*time.Hour+40*m, 0)
	return s
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

func TestReportFiguresOfAHandCountedHistory(t *testing.T) {
	s := reportStore(t)
	at := t0.Add(48 * time.Hour)
	r, err := s.Report("s1", ReportOptions{At: at})
	if err != nil {
		t.Fatalf("Report: %v", err)
	}

	wantSample := SampleStatus{Total: 12, Untouched: 2, InProgress: 4, Final: 5, Suppressed: 1, Left: 6, SuppressedAtImport: 1}
	if diff := cmp.Diff(wantSample, r.Sample); diff != "" {
		t.Errorf("Report(s1).Sample (-want +got):\n%s", diff)
	}
	wantFinal := []DispositionCount{
		{"1.1", calling.I, "Complete", 2},
		{"2.11", calling.R, "Refusal", 1},
		{"4.30", calling.NE, "Non-working or disconnected number", 1},
		{"4.70", calling.NE, "No eligible respondent", 1},
	}
	if diff := cmp.Diff(wantFinal, r.Final); diff != "" {
		t.Errorf("Report(s1).Final (-want +got):\n%s", diff)
	}
	wantInterim := []DispositionCount{
		{"2.11", calling.R, "Refusal", 1},
		{"2.21", calling.NC, "Respondent never available", 2},
		{"3.11", calling.UH, "Not attempted or worked", 2},
		{"3.13", calling.UH, "No answer", 1},
	}
	if diff := cmp.Diff(wantInterim, r.Interim); diff != "" {
		t.Errorf("Report(s1).Interim (-want +got):\n%s", diff)
	}

	// I=2 P=0 R=2 NC=2 O=0 UH=3 NE=2: e = 6/8.
	if r.Rates.E == nil || r.Rates.E.Cmp(rat("3/4")) != 0 {
		t.Errorf("Report(s1).Rates.E = %v, want 3/4", r.Rates.E)
	}
	wantRates := map[string]string{
		"RR1": "2/9", "RR2": "2/9", "RR3": "8/33", "RR4": "8/33", "RR5": "1/3", "RR6": "1/3",
		"COOP1": "1/2", "COOP2": "1/2", "COOP3": "1/2", "COOP4": "1/2",
		"REF1": "2/9", "REF2": "8/33", "REF3": "1/3",
		"CON1": "4/9", "CON2": "16/33", "CON3": "2/3",
	}
	for _, x := range r.Rates.Rates {
		want, ok := wantRates[x.Name]
		if !ok {
			t.Errorf("unexpected rate %s", x.Name)
			continue
		}
		if x.Value == nil || x.Value.Cmp(rat(want)) != 0 {
			t.Errorf("Report(s1) rate %s = %v, want %s", x.Name, x.Value, want)
		}
	}

	if want := (AppointmentCounts{Due: 1, Later: 1}); r.Appointments != want {
		t.Errorf("Report(s1).Appointments = %+v, want %+v", r.Appointments, want)
	}

	// ivy: quarter hours 15:00, 15:15, 16:00 on day one; 15:00, 15:15
	// (interview from 15:18), 15:30 on day two. max: 17:00, 17:15.
	wantWho := []InterviewerFigures{
		{Interviewer: "ivy", Calls: 9, Contacts: 4, Completes: 1, Refusals: 2, Slots: 6,
			Interviews: 1, InterviewTime: 20 * time.Minute},
		{Interviewer: "max", Calls: 3, Contacts: 3, Completes: 1, Slots: 2,
			Interviews: 1, InterviewTime: 10 * time.Minute, Overrides: 1},
	}
	if diff := cmp.Diff(wantWho, r.Interviewers); diff != "" {
		t.Errorf("Report(s1).Interviewers (-want +got):\n%s", diff)
	}
	wantTotal := InterviewerFigures{Interviewer: "all", Calls: 12, Contacts: 7, Completes: 2, Refusals: 2, Slots: 8,
		Interviews: 2, InterviewTime: 30 * time.Minute, Overrides: 1}
	if diff := cmp.Diff(wantTotal, r.Totals); diff != "" {
		t.Errorf("Report(s1).Totals (-want +got):\n%s", diff)
	}
	ivy, mx := r.Interviewers[0], r.Interviewers[1]
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"ivy hours", ivy.Hours(), 1.5},
		{"max hours", mx.Hours(), 0.5},
		{"ivy refusal rate", ivy.RefusalRate().RatString(), "2/3"},
		{"max refusal rate", mx.RefusalRate().RatString(), "0"},
		{"total refusal rate", r.Totals.RefusalRate().RatString(), "1/2"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if v, ok := mx.CompletesPerHour(); !ok || v != 2 {
		t.Errorf("max CompletesPerHour() = %v, %t, want 2, true", v, ok)
	}
	if d, ok := r.Totals.AverageInterview(); !ok || d != 15*time.Minute {
		t.Errorf("Totals.AverageInterview() = %v, %t, want 15m, true", d, ok)
	}

	wantDays := []DayCount{{"2026-03-02", 1}, {"2026-03-03", 1}}
	if diff := cmp.Diff(wantDays, r.CompletesByDay); diff != "" {
		t.Errorf("Report(s1).CompletesByDay (-want +got):\n%s", diff)
	}
	// Local hours: 07 (Los Angeles) for the 15:xx UTC calls, 08 for 16:xx,
	// 09 for 17:xx, 18 for the Paris contact's 17:25.
	var gotHours []HourCount
	for _, h := range r.CallsByHour {
		if h.Calls > 0 {
			gotHours = append(gotHours, h)
		}
	}
	wantHours := []HourCount{{7, 7, 3}, {8, 2, 1}, {9, 2, 2}, {18, 1, 1}}
	if diff := cmp.Diff(wantHours, gotHours); diff != "" {
		t.Errorf("Report(s1).CallsByHour (-want +got):\n%s", diff)
	}
}

// TestReportZoneMovesCompletesBetweenDays: the completes-per-day days are
// days in the report's zone.
func TestReportZoneMovesCompletesBetweenDays(t *testing.T) {
	s := reportStore(t)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	r, err := s.Report("s1", ReportOptions{At: t0.Add(48 * time.Hour), Location: tokyo})
	if err != nil {
		t.Fatal(err)
	}
	// 17:11 UTC on 2 March is 02:11 on 3 March in Tokyo.
	want := []DayCount{{"2026-03-03", 1}, {"2026-03-04", 1}}
	if diff := cmp.Diff(want, r.CompletesByDay); diff != "" {
		t.Errorf("CompletesByDay in Tokyo (-want +got):\n%s", diff)
	}
	if r.Zone != "Asia/Tokyo" {
		t.Errorf("Zone = %q, want Asia/Tokyo", r.Zone)
	}
}

func TestReportEmptyAndUnknownSurveys(t *testing.T) {
	s := openTest(t)
	sv := demoSurvey("1")
	raw, _ := json.Marshal(sv)
	if _, _, err := s.AddSurvey(sv, raw, "sup"); err != nil {
		t.Fatal(err)
	}
	r, err := s.Report("s1", ReportOptions{At: t0})
	if err != nil {
		t.Fatalf("Report(installed survey without sample): %v", err)
	}
	if r.Rates.E != nil {
		t.Errorf("e of an empty survey = %v, want undefined", r.Rates.E)
	}
	for _, x := range r.Rates.Rates {
		if x.Value != nil {
			t.Errorf("rate %s of an empty survey = %v, want undefined", x.Name, x.Value)
		}
	}
	var b bytes.Buffer
	if err := WriteReport(&b, r, "json"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		AAPOR struct {
			E     *float64            `json:"e"`
			Rates map[string]*float64 `json:"rates"`
		} `json:"aapor"`
		Exact struct {
			E     *string            `json:"e"`
			Rates map[string]*string `json:"rates"`
		} `json:"aapor_exact"`
		Final []DispositionCount `json:"final_dispositions"`
		Days  []DayCount         `json:"completes_by_day"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, b.String())
	}
	if doc.AAPOR.E != nil || len(doc.AAPOR.Rates) != 16 || doc.AAPOR.Rates["RR1"] != nil || doc.Exact.E != nil ||
		len(doc.Exact.Rates) != 16 || doc.Exact.Rates["CON3"] != nil {
		t.Errorf("empty survey's JSON e=%v rates=%v, want null e and 16 null rates:\n%s", doc.AAPOR.E, doc.AAPOR.Rates, b.String())
	}
	if doc.Final == nil || doc.Days == nil {
		t.Errorf("empty lists are null in JSON, want []:\n%s", b.String())
	}

	if _, err := s.Report("nope", ReportOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Report(unknown survey) error = %v, want ErrNotFound", err)
	}
}

// jsonKeys lists the keys of the JSON object v in order.
func jsonKeys(t *testing.T, v json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(v))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", v)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// mustField is the member name of the JSON object v.
func mustField(t *testing.T, v json.RawMessage, name string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil || m[name] == nil {
		t.Fatalf("no %s in %s", name, v)
	}
	return m[name]
}

func TestReportJSONKeysAndValues(t *testing.T) {
	s := reportStore(t)
	r, err := s.Report("s1", ReportOptions{At: t0.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteReport(&b, r, "json"); err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{"survey", "at", "zone", "sample", "final_dispositions", "interim_dispositions",
		"aapor", "aapor_exact", "appointments", "interviewers", "totals", "completes_by_day", "calls_by_hour", "interviews", "quotas"}
	if diff := cmp.Diff(wantKeys, jsonKeys(t, b.Bytes())); diff != "" {
		t.Errorf("report JSON keys (-want +got):\n%s", diff)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ key, want string }{
		{"survey", `"s1"`},
		{"at", `"2026-03-04T15:00:00Z"`},
		{"sample", `{"total":12,"untouched":2,"in_progress":4,"final":5,"closed_by_limits":0,"suppressed":1,"left":6,"suppressed_at_import":1}`},
		{"appointments", `{"due":1,"later":1}`},
		{"interviews", `{"total":2,"active":0,"suspended":0,"completed":2,"approved":0,"returned":0,"to_review":2,"broken_off":0,"refused":0,"screened_out":0}`},
	} {
		var compact bytes.Buffer
		json.Compact(&compact, doc[c.key])
		if compact.String() != c.want {
			t.Errorf("JSON %s = %s, want %s", c.key, compact.String(), c.want)
		}
	}
	// The aapor object is what `canvass rates --format json` gives for
	// the same counts.
	var want bytes.Buffer
	if err := calling.FormatRates(&want, r.Counts, r.Rates, "json"); err != nil {
		t.Fatal(err)
	}
	var got, wantDoc any
	json.Unmarshal(doc["aapor"], &got)
	json.Unmarshal(want.Bytes(), &wantDoc)
	if diff := cmp.Diff(wantDoc, got); diff != "" {
		t.Errorf("JSON aapor differs from the rates calculator's (-want +got):\n%s", diff)
	}
	var aapor struct {
		Counts map[string]int64    `json:"counts"`
		E      *float64            `json:"e"`
		Rates  map[string]*float64 `json:"rates"`
	}
	json.Unmarshal(doc["aapor"], &aapor)
	if aapor.Counts["UH"] != 3 || aapor.Counts["NE"] != 2 || aapor.E == nil || *aapor.E != 0.75 {
		t.Errorf("JSON aapor counts = %v, e = %v; want UH 3, NE 2, e 0.75", aapor.Counts, aapor.E)
	}
	var exact struct {
		E     *string            `json:"e"`
		Rates map[string]*string `json:"rates"`
	}
	json.Unmarshal(doc["aapor_exact"], &exact)
	if exact.E == nil || *exact.E != "3/4" || exact.Rates["RR3"] == nil || *exact.Rates["RR3"] != "8/33" || len(exact.Rates) != 16 {
		t.Errorf("JSON aapor_exact = %s, want e 3/4 and 16 rates with RR3 8/33", doc["aapor_exact"])
	}
	if diff := cmp.Diff([]string{"RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4",
		"REF1", "REF2", "REF3", "CON1", "CON2", "CON3"}, jsonKeys(t, mustField(t, doc["aapor_exact"], "rates"))); diff != "" {
		t.Errorf("JSON aapor_exact.rates keys (-want +got):\n%s", diff)
	}
	var who []json.RawMessage
	json.Unmarshal(doc["interviewers"], &who)
	if len(who) != 2 {
		t.Fatalf("JSON interviewers has %d entries, want 2", len(who))
	}
	wantWhoKeys := []string{"interviewer", "calls", "contacts", "completes", "partials", "refusals", "hours",
		"completes_per_hour", "interviews_timed", "avg_interview_minutes", "refusal_rate", "soft_check_overrides"}
	if diff := cmp.Diff(wantWhoKeys, jsonKeys(t, who[1])); diff != "" {
		t.Errorf("interviewer JSON keys (-want +got):\n%s", diff)
	}
	var maxDoc map[string]any
	json.Unmarshal(who[1], &maxDoc)
	for k, want := range map[string]any{"interviewer": "max", "hours": 0.5, "completes_per_hour": 2.0,
		"avg_interview_minutes": 10.0, "refusal_rate": 0.0, "soft_check_overrides": 1.0} {
		if maxDoc[k] != want {
			t.Errorf("JSON interviewers[1].%s = %v, want %v", k, maxDoc[k], want)
		}
	}
	var hours []HourCount
	json.Unmarshal(doc["calls_by_hour"], &hours)
	if len(hours) != 24 || hours[7] != (HourCount{7, 7, 3}) {
		t.Errorf("JSON calls_by_hour = %v, want 24 hours with 7 calls at 07", hours)
	}
}

// TestReportHoldsNoPersonalData: neither format carries the sample's
// names, phones (in any notation), emails or ids.
func TestReportHoldsNoPersonalData(t *testing.T) {
	s := reportStore(t)
	r, err := s.Report("s1", ReportOptions{At: t0.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var personal []string
	for _, line := range strings.Split(strings.TrimSpace(reportSample), "\n")[1:] {
		f := strings.Split(line, ",")
		personal = append(personal, f[0], f[1], f[1][2:], f[1][5:], f[2], f[3])
		personal = append(personal, strings.Fields(f[2])...)
	}
	for _, format := range ReportFormats() {
		var b bytes.Buffer
		if err := WriteReport(&b, r, format); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, "ivy") {
			t.Fatalf("%s report lacks the interviewers:\n%s", format, out)
		}
		for _, p := range personal {
			if strings.Contains(out, p) {
				t.Errorf("%s report contains personal data %q", format, p)
			}
		}
	}
}

func TestReportTextNamesEverySection(t *testing.T) {
	s := reportStore(t)
	r, err := s.Report("s1", ReportOptions{At: t0.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	out := r.Text()
	for _, want := range []string{
		"left to work                        6",
		"1.1    I   Complete",
		"3.11   UH  Not attempted or worked                     2",
		"counted in the rates below)\n  2.11   R   Refusal",
		"\nAAPOR outcome rates (Standard Definitions, 10th edition)",
		"UH              3  unknown if household (3.1)",
		"e          0.7500  estimated",
		"RR3        24.24%",
		"Appointments: 1 due by 2026-03-04 15:00 UTC, 1 later",
		"ivy                 9      4      1    1.50     0.67   20m00s    66.7%         0",
		"2026-03-03      1",
		"07:00      7 / 3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report text lacks %q:\n%s", want, out)
		}
	}
	if err := WriteReport(&bytes.Buffer{}, r, "xml"); err == nil {
		t.Error("WriteReport(xml) = nil, want an error")
	}
}

// TestReportClosedByLimits: a queued contact at the call limit is final
// (by the limits) even before a draw retires it.
func TestReportClosedByLimits(t *testing.T) {
	s := openTest(t)
	importCSV(t, s, "s2", "id,phone\na,+14155550101\nb,+14155550102\n")
	table, _ := (*calling.Config)(nil).Table()
	na, _ := table.Lookup("no_answer")
	for i := range calling.DefaultMaxCalls {
		if err := s.RecordCall("s2", "a", Call{Outcome: na, Interviewer: "ivy", At: t0.Add(time.Duration(i) * 4 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordCall("s2", "b", Call{Outcome: na, Interviewer: "ivy", At: t0}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Report("s2", ReportOptions{At: t0.Add(72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := SampleStatus{Total: 2, InProgress: 1, Final: 1, ClosedByLimits: 1, Left: 1}
	if diff := cmp.Diff(want, r.Sample); diff != "" {
		t.Errorf("Sample (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]DispositionCount{{"3.13", calling.UH, "No answer", 1}}, r.Final); diff != "" {
		t.Errorf("Final (-want +got):\n%s", diff)
	}
}

// TestReportTimesOnlyUninterruptedInterviews: an interview suspended and
// completed the next day counts the quarter hours of its start and end
// in the hours, not the night between, and is left out of the average
// length.
func TestReportTimesOnlyUninterruptedInterviews(t *testing.T) {
	clock := t0
	s, err := Open(filepath.Join(t.TempDir(), "r.db"), Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sv := demoSurvey("1")
	raw, _ := json.Marshal(sv)
	if _, _, err := s.AddSurvey(sv, raw, "sup"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "s1", "id,phone\na,+14155550101\nb,+14155550102\n")
	for _, c := range []struct {
		id        string
		start     time.Duration
		suspended bool
		end       time.Duration
	}{{"a", 0, false, 12 * time.Minute}, {"b", time.Hour, true, 26 * time.Hour}} {
		clock = t0.Add(c.start)
		iv, err := s.StartInterview(model.Consent{Survey: "s1", Contact: c.id, Interviewer: "ivy", Agreed: true})
		if err != nil {
			t.Fatal(err)
		}
		if c.suspended {
			must(t, s.Suspend(iv, "ivy", "call back tomorrow"))
			clock = t0.Add(c.end - 5*time.Minute)
			if _, err := s.Resume(iv, "ivy"); err != nil {
				t.Fatal(err)
			}
		}
		clock = t0.Add(c.end)
		must(t, s.Complete(iv, "ivy"))
	}
	r, err := s.Report("s1", ReportOptions{At: t0.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	ivy := r.Interviewers[0]
	if d, ok := ivy.AverageInterview(); ivy.Interviews != 1 || !ok || d != 12*time.Minute {
		t.Errorf("ivy: %d interviews timed, average %v; want 1 of 12m", ivy.Interviews, d)
	}
	// 15:00 (a, to 15:12), 16:00 (b's start) and 17:00 the next day
	// (b's end).
	if ivy.Slots != 3 {
		t.Errorf("ivy: %d quarter hours, want 3", ivy.Slots)
	}
}

// reportFixture builds a store with n contacts directly in large
// transactions: every contact's number decides its zone, its sample
// field "replicate" is one of ten; two in three
// were called one to four times by one of twenty interviewers; one in
// twenty of those called has a completed interview of 20 answers, one of
// them past a soft check.
func reportFixture(b *testing.B, n int) *Store {
	s, err := Open(filepath.Join(b.TempDir(), "report.db"), Options{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	fillReportFixture(b, s, n)
	return s
}

// fillReportFixture gives s the contacts and history of reportFixture.
func fillReportFixture(b testing.TB, s *Store, n int) {
	sv := demoSurvey("1")
	raw, _ := json.Marshal(sv)
	if _, _, err := s.AddSurvey(sv, raw, "sup"); err != nil {
		b.Fatal(err)
	}
	table, _ := (*calling.Config)(nil).Table()
	outcomes := []string{"no_answer", "busy", "machine_message", "callback", "soft_refusal", "no_answer",
		"hard_refusal", "complete", "disconnected", "not_eligible", "appointment"}
	areas := []int{212, 303, 415, 512, 617, 808, 907, 206}
	// Ten replicates, from the file's own column, so that a report by
	// replicate has parts to list (and the contacts are queued at once).
	importFixture(b, s, "s1", writeCSV(b, "id,phone,name,replicate", n, func(w io.Writer, i int) {
		fmt.Fprintf(w, "c%d,+1%d%03d%04d,Person %d,%d\n", i, areas[i%len(areas)], 200+(i/8)%700, (i/5600)%10000, i, 1+i%10)
	}), n)
	// The intents' own bodies, many to a transaction: every call and
	// interview is in the log as the console would have written it.
	const batch = 20_000
	for from := 0; from < n; from += batch {
		err := s.updateTallied(func(tx *bolt.Tx) error {
			for k := from; k < min(n, from+batch); k++ {
				if k%3 == 0 {
					continue
				}
				id := fmt.Sprintf("c%d", k)
				cid, err := s.cidTx(tx, "s1", id)
				if err != nil {
					return err
				}
				who := fmt.Sprintf("int%02d", k%20)
				at := t0.Add(time.Duration(k%(14*24*4)) * 15 * time.Minute)
				for j := range 1 + k%4 {
					st, err := s.stateTx(tx, cid)
					if err != nil {
						return err
					}
					if st.Status != StatusQueued {
						break
					}
					o, _ := table.Lookup(outcomes[(k+j)%len(outcomes)])
					call := Call{Outcome: o, Interviewer: who, At: at.Add(time.Duration(j) * 5 * time.Hour)}
					if o.Appointment {
						call.Appointment = call.At.Add(48 * time.Hour)
					}
					if err := s.recordCallTx(tx, cid, "s1", id, call); err != nil {
						return err
					}
				}
				if k%20 != 1 {
					continue
				}
				iv, _, err := s.startInterviewTx(tx, model.Consent{Survey: "s1", Contact: id, Interviewer: who, Lang: "en", Agreed: true, At: at})
				if err != nil {
					return err
				}
				for q := range 20 {
					ev := model.AnswerEvent{Item: fmt.Sprintf("q%d", q), Value: "42", Shown: at, Answered: at}
					if q == 7 {
						ev.Override = "confirmed"
					}
					e, err := s.appendTx(tx, KindAnswer, who, at, answerRecorded{Interview: iv, Answer: ev})
					if err != nil {
						return err
					}
					v, _ := s.sealJSON(ev)
					if err := tx.Bucket(bAnswers).Put(answerKey(iv, e.Seq), v); err != nil {
						return err
					}
				}
				if _, err := s.stepTx(tx, iv, who, "", at.Add(17*time.Minute), KindCompleted, InterviewCompleted, false, InterviewActive); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReport100k computes the report of a 100 000-contact survey in
// a plain store, from its projection (BenchmarkReport compares it with
// the recount on encrypted stores).
func BenchmarkReport100k(b *testing.B) {
	s := reportFixture(b, 100_000)
	at := t0.Add(30 * 24 * time.Hour)
	r, err := s.Report("s1", ReportOptions{At: at})
	if err != nil {
		b.Fatal(err)
	}
	if r.Sample.Total != 100_000 || r.Totals.Overrides != 3333 {
		b.Fatalf("fixture: %d contacts, %d overrides; want 100000 and 3333", r.Sample.Total, r.Totals.Overrides)
	}
	b.ReportAllocs()
	cpu0, runs := cpuTime(), 0
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Report("s1", ReportOptions{At: at}); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	b.StopTimer()
	// The machine is shared: CPU time says what the report costs when
	// wall time is inflated by other work.
	b.ReportMetric(float64((cpuTime()-cpu0)/time.Duration(runs))/1e6, "cpu-ms/op")
}

// TestPhoneZonePrefixAgrees holds the report's zone cache to its premise:
// numbers that share "+" and their first 9 digits get the same zones.
func TestPhoneZonePrefixAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	names := func(zs []*time.Location) []string {
		var out []string
		for _, z := range zs {
			out = append(out, z.String())
		}
		return out
	}
	// Country codes with many zones, or zones mapped finely.
	for _, cc := range []string{"1", "7", "44", "33", "49", "61", "55", "52", "62", "91", "86", "351", "380"} {
		for range 300 {
			n := 11 + rng.IntN(3) - len(cc) + 1
			head := "+" + cc + digits(n)
			if len(head) <= phoneZonePrefix {
				continue
			}
			a := head
			b := head[:phoneZonePrefix] + digits(len(head)-phoneZonePrefix)
			if za, zb := names(calling.PhoneZones(a)), names(calling.PhoneZones(b)); !cmp.Equal(za, zb) {
				t.Errorf("PhoneZones(%s) = %v but PhoneZones(%s) = %v: the zone cache key is too short", a, za, b, zb)
			}
		}
	}
}

// TestReportUsesTheSurveysOutcomeTable: dispositions come from the
// survey's own outcome table, with its added and overridden rows.
func TestReportUsesTheSurveysOutcomeTable(t *testing.T) {
	s := openTest(t)
	sv := demoSurvey("1")
	quota := calling.Outcome{Code: "quota_full", Label: "Quota filled", AAPOR: "4.80", Key: "q", Final: true, Contacted: true}
	// A busy line recoded as a non-contact at the respondent's number.
	busy := calling.Outcome{Code: "busy", Label: "Busy", AAPOR: "2.20", Key: "b", Eligible: true}
	sv.Calling = &calling.Config{Outcomes: []calling.Outcome{quota, busy}}
	raw, _ := json.Marshal(sv)
	if _, _, err := s.AddSurvey(sv, raw, "sup"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "s1", "id,phone\na,+14155550101\nb,+14155550102\n")
	must(t, s.RecordCall("s1", "a", Call{Outcome: quota, Interviewer: "ivy", At: t0}))
	must(t, s.RecordCall("s1", "b", Call{Outcome: busy, Interviewer: "ivy", At: t0}))
	r, err := s.Report("s1", ReportOptions{At: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := []DispositionCount{{"4.80", calling.NE, "Quota filled", 1}}
	if diff := cmp.Diff(want, r.Final); diff != "" {
		t.Errorf("Final (-want +got):\n%s", diff)
	}
	want = []DispositionCount{{"2.20", calling.NC, "Non-contact", 1}}
	if diff := cmp.Diff(want, r.Interim); diff != "" {
		t.Errorf("Interim (-want +got):\n%s", diff)
	}
	if r.Totals.Contacts != 1 {
		t.Errorf("Totals.Contacts = %d, want 1 (the quota call)", r.Totals.Contacts)
	}
}

// TestReportInvariantsOnRandomHistories: whatever the calls, the report's
// parts agree with each other and with the calls made.
func TestReportInvariantsOnRandomHistories(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			s := openTest(t)
			var sample strings.Builder
			sample.WriteString("id,phone\n")
			const n = 30
			for i := range n {
				fmt.Fprintf(&sample, "r%02d,+1415555%04d\n", i, 100+i)
			}
			importCSV(t, s, "s1", sample.String())
			table, _ := (*calling.Config)(nil).Table()
			rows := table.Rows()
			calls, completes := int64(0), int64(0)
			calledSuppressed := map[int]bool{}
			for range 120 {
				i := rng.IntN(n)
				id := fmt.Sprintf("r%02d", i)
				if rng.IntN(40) == 0 {
					if _, _, err := s.AddOptOut(fmt.Sprintf("+1415555%04d", 100+i), "US", "", "sup"); err != nil {
						t.Fatal(err)
					}
					continue
				}
				_, st, err := s.Contact("s1", id)
				if err != nil {
					t.Fatal(err)
				}
				if st.Status != StatusQueued {
					continue
				}
				o := rows[rng.IntN(len(rows))]
				c := Call{Outcome: o, Interviewer: fmt.Sprintf("i%d", rng.IntN(3)), At: t0.Add(time.Duration(rng.IntN(72*60)) * time.Minute)}
				if o.Appointment {
					c.Appointment = c.At.Add(24 * time.Hour)
				}
				must(t, s.RecordCall("s1", id, c))
				calls++
				if o.AAPOR == "1.1" {
					completes++
				}
			}
			r, err := s.Report("s1", ReportOptions{At: t0.Add(48 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if _, st, _ := s.Contact("s1", fmt.Sprintf("r%02d", i)); st.Status == StatusSuppressed && len(st.Calls) > 0 {
					calledSuppressed[i] = true
				}
			}
			sum := func(ds []DispositionCount) (n int64) {
				for _, d := range ds {
					n += d.Count
				}
				return n
			}
			sm := r.Sample
			var byHour, byDay int64
			for _, h := range r.CallsByHour {
				byHour += h.Calls
			}
			for _, d := range r.CompletesByDay {
				byDay += d.Completes
			}
			for _, c := range []struct {
				name      string
				got, want int64
			}{
				{"Total", sm.Total, n},
				{"Untouched+InProgress+Final+Suppressed", sm.Untouched + sm.InProgress + sm.Final + sm.Suppressed, sm.Total},
				{"Left", sm.Left, sm.Untouched + sm.InProgress},
				{"interim dispositions", sum(r.Interim), sm.Left},
				{"final dispositions", sum(r.Final), sm.Final + int64(len(calledSuppressed))},
				{"Totals.Calls", r.Totals.Calls, calls},
				{"calls by hour", byHour, calls},
				{"Totals.Completes", r.Totals.Completes, completes},
				{"completes by day", byDay, completes},
				{"counts", r.Counts.I + r.Counts.P + r.Counts.R + r.Counts.NC + r.Counts.O + r.Counts.UH + r.Counts.UR + r.Counts.UO + r.Counts.NE,
					sum(r.Final) + sum(r.Interim)},
			} {
				if c.got != c.want {
					t.Errorf("seed %d: %s = %d, want %d", seed, c.name, c.got, c.want)
				}
			}
		})
	}
}
