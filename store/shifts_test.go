package store

import (
	"errors"
	"testing"
	"time"

	"canvass/model"
	"canvass/model/calling"
)

// TestShiftsNarrowTheDrawAndAreReported: a survey with shift templates
// presents nobody while no shift runs, and its report counts calls,
// contacts and completes per shift.
func TestShiftsNarrowTheDrawAndAreReported(t *testing.T) {
	s := openTest(t)
	cfg := &calling.Config{Zone: "UTC", Shifts: []calling.Shift{
		{Name: "morning", Days: "mon-fri", From: "09:00", To: "12:00"},
		{Name: "evening", Days: "mon-fri", From: "17:00", To: "20:00"},
	}}
	sv := &model.Survey{ID: "s1", Version: "1", Title: "S", Calling: cfg,
		Items: []model.Item{{Name: "q", Type: model.TypeText, Label: model.Text{"en": "Q?"}}}}
	if _, _, err := s.AddSurvey(sv, []byte("s1"), "sup"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, s, "s1", "id,phone,timezone\na,+13035550001,UTC\nb,+13035550002,UTC\nc,+13035550003,UTC\n")
	monday := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC) // a Tuesday, after the import
	draw := func(at time.Time) (*Presentation, error) {
		return s.Present("s1", DrawOptions{Interviewer: "ivy", Now: at})
	}
	table, _ := cfg.Table()
	call := func(at time.Time, code string) {
		t.Helper()
		p, err := draw(at)
		if err != nil {
			t.Fatalf("draw at %s: %v", at.Format(time.Kitchen), err)
		}
		o, _ := table.Lookup(code)
		must(t, s.RecordCall("s1", p.Contact.ID, Call{Outcome: o, Interviewer: "ivy", At: at}))
	}
	call(monday.Add(10*time.Hour), "no_answer")
	call(monday.Add(10*time.Hour+time.Minute), "no_answer")
	call(monday.Add(10*time.Hour+2*time.Minute), "complete")
	if _, err := draw(monday.Add(14 * time.Hour)); !errors.Is(err, ErrQueueEmpty) {
		t.Fatalf("a draw at 14:00, between the shifts = %v, want ErrQueueEmpty", err)
	}
	call(monday.Add(18*time.Hour), "complete")
	call(monday.Add(18*time.Hour+time.Minute), "no_answer")
	r, err := s.Report("s1", ReportOptions{At: monday.Add(21 * time.Hour)})
	must(t, err)
	want := []ShiftFigures{{"morning", 3, 3, 1}, {"evening", 2, 2, 1}, {"", 0, 0, 0}}
	if len(r.Shifts) != len(want) {
		t.Fatalf("shifts = %+v", r.Shifts)
	}
	for i, w := range want {
		if r.Shifts[i] != w {
			t.Errorf("shift %d = %+v, want %+v", i, r.Shifts[i], w)
		}
	}
}
