package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"canvass/model"
)

// assignStore has 12 contacts of s1: a0..a11, every third speaking es.
func assignStore(t *testing.T) *Store {
	t.Helper()
	s := openTest(t)
	if _, _, err := s.AddSurvey(&model.Survey{ID: "s1", Version: "1", Title: "S",
		Items: []model.Item{{Name: "q", Type: model.TypeText, Label: model.Text{"en": "Q?"}}}}, []byte("s1"), "sup"); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("id,phone,language\n")
	for i := range 12 {
		lang := "en"
		if i%3 == 0 {
			lang = "es"
		}
		fmt.Fprintf(&b, "a%d,+1303555%04d,%s\n", i, i, lang)
	}
	importCSV(t, s, "s1", b.String())
	must(t, s.AddUser("ana", "Ana", RoleInterviewer, UserKey{Fingerprint: "SHA256:ana", Line: "ssh-ed25519 AAAA ana"}, "sup"))
	must(t, s.AddUser("bo", "Bo", RoleInterviewer, UserKey{Fingerprint: "SHA256:bo", Line: "ssh-ed25519 AAAA bo"}, "sup"))
	must(t, s.SetUserSkills("ana", "north", []string{"es", "en"}, "sup"))
	must(t, s.SetUserSkills("bo", "south", []string{"en"}, "sup"))
	return s
}

func drawIDsFor(t *testing.T, s *Store, who string, at time.Time) []string {
	t.Helper()
	var ids []string
	for {
		p, err := s.Next("s1", DrawOptions{Interviewer: who, Now: at})
		if errors.Is(err, ErrQueueEmpty) {
			return ids
		}
		must(t, err)
		ids = append(ids, p.Contact.ID)
	}
}

// TestDrawHonoursAssignment: an interviewer is given the contacts
// assigned to them, to their team and to a language they speak, and the
// unassigned ones; never another's.
func TestDrawHonoursAssignment(t *testing.T) {
	s := assignStore(t)
	res, err := s.AssignTo(AssignToOptions{Survey: "s1", Language: "es", Actor: "sup"})
	must(t, err)
	if res.Assigned != 4 {
		t.Errorf("by language es: assigned %d, want the 4 Spanish speakers", res.Assigned)
	}
	res, err = s.AssignTo(AssignToOptions{Survey: "s1", Team: "south", Contacts: []string{"a1", "a2", "a0", "zz"}, Actor: "sup"})
	must(t, err)
	if res.Assigned != 2 || res.Refused != 2 {
		t.Errorf("to team south: %+v, want 2 assigned and a0 (es) and zz refused", res)
	}
	res, err = s.AssignTo(AssignToOptions{Survey: "s1", Interviewer: "cy", Count: 2, Actor: "sup"})
	must(t, err)
	if res.Assigned != 2 {
		t.Errorf("to cy: %+v", res)
	}
	at := t0.Add(time.Hour)
	bo := drawIDsFor(t, s, "bo", at)
	for _, id := range bo {
		var n int
		fmt.Sscanf(id, "a%d", &n)
		if n%3 == 0 {
			t.Errorf("bo (no Spanish) was given %s, a Spanish speaker", id)
		}
	}
	if len(bo) != 12-4-2 {
		t.Errorf("bo drew %v, want his team's 2 and the 4 unassigned", bo)
	}
	ana := drawIDsFor(t, s, "ana", at)
	if len(ana) != 4 {
		t.Errorf("ana drew %v, want the 4 Spanish speakers", ana)
	}
	cy := drawIDsFor(t, s, "cy", at)
	if len(cy) != 2 {
		t.Errorf("cy drew %v, want the 2 assigned to cy", cy)
	}
	un, err := s.AssignTo(AssignToOptions{Survey: "s1", Interviewer: "cy", Unassign: true, Actor: "sup"})
	must(t, err)
	if un.Assigned != 2 {
		t.Errorf("unassign cy: %+v", un)
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) > 0 {
		t.Errorf("Doctor() = %v, %v", rep.Problems, err)
	}
}
