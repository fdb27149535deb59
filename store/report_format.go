package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"canvass/model/calling"
)

// ReportFormats are the formats [WriteReport] writes.
func ReportFormats() []string { return []string{"text", "json"} }

// WriteReport writes a report as "text" (for people) or "json" (the
// document of [Report.MarshalJSON]).
func WriteReport(w io.Writer, r *Report, format string) error {
	var b []byte
	switch format {
	case "json":
		j, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		b = append(j, '\n')
	case "text", "":
		b = []byte(r.Text())
	default:
		return fmt.Errorf("write report: unknown format %q (want text or json)", format)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// MarshalJSON writes the report as one JSON object whose keys, in this
// order, are stable (scripts rely on them):
//
//	survey, at (RFC 3339), zone   what, when, and the zone of the days
//	sample                         {total, untouched, in_progress, final,
//	                                closed_by_limits, suppressed, left,
//	                                suppressed_at_import}
//	final_dispositions,            [{code, group, name, count}] by code
//	interim_dispositions
//	aapor                          the AAPOR rates over both lists, exactly
//	                                as `canvass rates --format json` writes
//	                                them: {counts, codes, e, e_given, rates}
//	aapor_exact                    {e, rates}: e and each rate as a fraction
//	                                in lowest terms ("8/33")
//	appointments                   {due, later}
//	interviewers                   [InterviewerFigures] by id
//	totals                         the same, summed, interviewer "all"
//	completes_by_day               [{day, completes}]
//	calls_by_hour                  24 × {hour, calls, contacts}
//	interviews                     {total, active, suspended, completed,
//	                                approved, returned, to_review,
//	                                broken_off, refused, screened_out}
//	quotas                         [QuotaCell], as `canvass quotas --format json`
//	                                lists them ([] for a survey without quotas)
//	shifts                         for a survey with shift templates only:
//	                                [{shift, calls, contacts, completes}],
//	                                the last with shift "" (outside every shift)
//	by_replicate                   with ReportOptions.By "replicate" only:
//	                                [{replicate, final_dispositions,
//	                                interim_dispositions, aapor}]
//
// Each interviewer is {interviewer, calls, contacts, completes, partials,
// refusals, hours, completes_per_hour, interviews_timed,
// avg_interview_minutes, refusal_rate, soft_check_overrides}. Undefined
// rates, averages and e are null everywhere.
func (r *Report) MarshalJSON() ([]byte, error) {
	var rates bytes.Buffer
	if err := calling.FormatRates(&rates, r.Counts, r.Rates, "json"); err != nil {
		return nil, fmt.Errorf("marshal report: %w", err)
	}
	var exact ordered
	for _, x := range r.Rates.Rates {
		exact = append(exact, kv{x.Name, ratString(x.Value)})
	}
	doc := reportJSON{
		Survey: r.Survey, At: r.At.Format(time.RFC3339), Zone: r.Zone, Sample: r.Sample,
		Final: orEmpty(r.Final), Interim: orEmpty(r.Interim),
		AAPOR:        json.RawMessage(rates.Bytes()),
		Exact:        exactJSON{E: ratString(r.Rates.E), Rates: exact},
		Appointments: r.Appointments, Interviewers: orEmpty(r.Interviewers), Totals: r.Totals,
		CompletesByDay: orEmpty(r.CompletesByDay), CallsByHour: r.CallsByHour, Interviews: r.Interviews,
		Quotas: orEmpty(r.Quotas), Shifts: r.Shifts,
	}
	for _, part := range r.ByReplicate {
		var rates bytes.Buffer
		if err := calling.FormatRates(&rates, part.Counts, part.Rates, "json"); err != nil {
			return nil, fmt.Errorf("marshal report: %w", err)
		}
		doc.ByReplicate = append(doc.ByReplicate, partJSON{Replicate: part.Replicate,
			Final: orEmpty(part.Final), Interim: orEmpty(part.Interim), AAPOR: json.RawMessage(rates.Bytes())})
	}
	return json.Marshal(doc)
}

// reportJSON fixes the keys and their order (see [Report.MarshalJSON]).
type reportJSON struct {
	Survey         string               `json:"survey"`
	At             string               `json:"at"`
	Zone           string               `json:"zone"`
	Sample         SampleStatus         `json:"sample"`
	Final          []DispositionCount   `json:"final_dispositions"`
	Interim        []DispositionCount   `json:"interim_dispositions"`
	AAPOR          json.RawMessage      `json:"aapor"`
	Exact          exactJSON            `json:"aapor_exact"`
	Appointments   AppointmentCounts    `json:"appointments"`
	Interviewers   []InterviewerFigures `json:"interviewers"`
	Totals         InterviewerFigures   `json:"totals"`
	CompletesByDay []DayCount           `json:"completes_by_day"`
	CallsByHour    [24]HourCount        `json:"calls_by_hour"`
	Interviews     InterviewCounts      `json:"interviews"`
	Quotas         []QuotaCell          `json:"quotas"`
	Shifts         []ShiftFigures       `json:"shifts,omitempty"`
	ByReplicate    []partJSON           `json:"by_replicate,omitempty"`
}

// partJSON is one part of a broken-down report.
type partJSON struct {
	Replicate string             `json:"replicate"`
	Final     []DispositionCount `json:"final_dispositions"`
	Interim   []DispositionCount `json:"interim_dispositions"`
	AAPOR     json.RawMessage    `json:"aapor"`
}

type exactJSON struct {
	E     *string `json:"e"`
	Rates ordered `json:"rates"`
}

// orEmpty makes a nil list an empty one, so that JSON says [] not null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// MarshalJSON writes an interviewer's figures (see [Report.MarshalJSON]).
func (f InterviewerFigures) MarshalJSON() ([]byte, error) {
	doc := interviewerJSON{Interviewer: f.Interviewer, Calls: f.Calls, Contacts: f.Contacts,
		Completes: f.Completes, Partials: f.Partials, Refusals: f.Refusals, Hours: f.Hours(),
		Interviews: f.Interviews, Overrides: f.Overrides}
	if v, ok := f.CompletesPerHour(); ok {
		doc.PerHour = &v
	}
	if d, ok := f.AverageInterview(); ok {
		m := d.Minutes()
		doc.AvgMinutes = &m
	}
	if x := f.RefusalRate(); x != nil {
		v, _ := x.Float64()
		doc.RefusalRate = &v
	}
	return json.Marshal(doc)
}

// interviewerJSON fixes the keys of an interviewer's figures.
type interviewerJSON struct {
	Interviewer string   `json:"interviewer"`
	Calls       int64    `json:"calls"`
	Contacts    int64    `json:"contacts"`
	Completes   int64    `json:"completes"`
	Partials    int64    `json:"partials"`
	Refusals    int64    `json:"refusals"`
	Hours       float64  `json:"hours"`
	PerHour     *float64 `json:"completes_per_hour"`
	Interviews  int64    `json:"interviews_timed"`
	AvgMinutes  *float64 `json:"avg_interview_minutes"`
	RefusalRate *float64 `json:"refusal_rate"`
	Overrides   int64    `json:"soft_check_overrides"`
}

// kv is one member of an ordered JSON object.
type kv struct {
	k string
	v any
}

// ordered is a JSON object that keeps its members' order.
type ordered []kv

// MarshalJSON writes the members in order.
func (o ordered) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		j, err := json.Marshal(m.v)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%q:%s", m.k, j)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// ratString is x as a fraction in lowest terms ("5/6", "1"), or nil.
func ratString(x *big.Rat) *string {
	if x == nil {
		return nil
	}
	s := x.RatString()
	return &s
}

// Percent writes a rate as a percentage with one decimal ("33.3%"), or "–"
// when it is undefined; the dashboard shows rates the way the report does.
func Percent(x *big.Rat) string {
	if x == nil {
		return "–"
	}
	return new(big.Rat).Mul(x, big.NewRat(100, 1)).FloatString(1) + "%"
}

// FormatDuration writes an interview length as minutes and seconds
// ("12m05s"), or "–" when ok is false.
func FormatDuration(d time.Duration, ok bool) string {
	if !ok {
		return "–"
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
}

// Text is the report for people: the sample, the dispositions, the rates,
// the appointments, the interviewers and the two distributions.
func (r *Report) Text() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("Progress of survey %s at %s\n\n", r.Survey, r.At.Format(time.RFC3339))

	s := r.Sample
	p("Sample\n")
	p("  %-28s %8d\n", "contacts", s.Total)
	p("  %-28s %8d\n", "untouched", s.Untouched)
	p("  %-28s %8d\n", "in progress", s.InProgress)
	p("  %-28s %8d  (%d closed by the calling limits)\n", "final", s.Final, s.ClosedByLimits)
	p("  %-28s %8d\n", "suppressed by opt-out", s.Suppressed)
	p("  %-28s %8d\n", "left to work", s.Left)
	p("  %-28s %8d  (not in the sample above)\n", "kept out at import (opt-out)", s.SuppressedAtImport)

	for _, l := range []struct {
		title string
		ds    []DispositionCount
	}{{"Final dispositions", r.Final}, {"Interim dispositions (open contacts, if fieldwork ended now; counted in the rates below)", r.Interim}} {
		p("\n%s\n", l.title)
		if len(l.ds) == 0 {
			p("  none\n")
		}
		for _, d := range l.ds {
			p("  %-6s %-3s %-36s %8d\n", d.Code, d.Group, d.Name, d.Count)
		}
	}

	b.WriteByte('\n')
	_ = calling.FormatRates(&b, r.Counts, r.Rates, "text") // writing to a strings.Builder cannot fail
	p("\nAppointments: %d due by %s, %d later\n", r.Appointments.Due, r.At.Format("2006-01-02 15:04 MST"), r.Appointments.Later)

	n := r.Interviews
	p("\nInterviews\n")
	p("  %-28s %8d\n", "begun, in progress", n.Active)
	p("  %-28s %8d\n", "suspended", n.Suspended)
	p("  %-28s %8d  (%d approved, %d returned to the interviewer, %d to review)\n", "completed", n.Completed, n.Approved, n.Returned, n.ToReview)
	p("  %-28s %8d\n", "broken off (opt-out)", n.BrokenOff)
	p("  %-28s %8d\n", "consent declined", n.Refused)
	if n.ScreenedOut > 0 {
		p("  %-28s %8d\n", "screened out (quota full)", n.ScreenedOut)
	}

	p("\nInterviewers (hours: quarter hours with a call or an interview running)\n")
	p("  %-14s %6s %6s %6s %7s %8s %8s %8s %9s\n", "interviewer", "calls", "reach", "compl", "hours", "compl/h", "avg len", "refusal", "overrides")
	row := func(f InterviewerFigures) {
		perHour := "–"
		if v, ok := f.CompletesPerHour(); ok {
			perHour = fmt.Sprintf("%.2f", v)
		}
		p("  %-14s %6d %6d %6d %7.2f %8s %8s %8s %9d\n", clip(f.Interviewer, 14), f.Calls, f.Contacts, f.Completes,
			f.Hours(), perHour, FormatDuration(f.AverageInterview()), Percent(f.RefusalRate()), f.Overrides)
	}
	for _, f := range r.Interviewers {
		row(f)
	}
	row(r.Totals)

	p("\nCompletes per day (%s)\n", r.Zone)
	if len(r.CompletesByDay) == 0 {
		p("  none\n")
	}
	for _, d := range r.CompletesByDay {
		p("  %s %6d\n", d.Day, d.Completes)
	}
	p("\nCalls by hour of day (contact's local time): calls / reached a person\n")
	called := false
	for _, h := range r.CallsByHour {
		if h.Calls > 0 {
			called = true
			p("  %02d:00 %6d / %d\n", h.Hour, h.Calls, h.Contacts)
		}
	}
	if !called {
		p("  none\n")
	}
	if len(r.Shifts) > 0 {
		p("\nShifts\n")
		p("  %-16s %7s %9s %10s\n", "shift", "calls", "contacts", "completes")
		for _, sh := range r.Shifts {
			name := sh.Shift
			if name == "" {
				name = "(no shift)"
			}
			p("  %-16s %7d %9d %10d\n", clip(name, 16), sh.Calls, sh.Contacts, sh.Completes)
		}
	}
	if r.ByReplicate != nil {
		p("\nBy replicate (final + interim)\n")
		p("  %-9s %7s %6s %6s %6s %6s %6s %6s\n", "replicate", "cases", "I", "RR1", "RR3", "COOP1", "REF1", "CON1")
		for _, part := range r.ByReplicate {
			c := part.Counts
			cases := c.I + c.P + c.R + c.NC + c.O + c.UH + c.UR + c.UO + c.NE
			rate := func(name string) string { v, _ := part.Rates.Get(name); return Percent(v) }
			p("  %-9s %7d %6d %6s %6s %6s %6s %6s\n", part.Replicate, cases, c.I, rate("RR1"), rate("RR3"), rate("COOP1"), rate("REF1"), rate("CON1"))
		}
	}
	if len(r.Quotas) > 0 {
		p("\nQuotas\n")
		writeQuotaTable(&b, r.Quotas, "  ")
	}
	return b.String()
}

// clip cuts s to n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
