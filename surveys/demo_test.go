package surveys

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"canvass/model"
)

func TestDemo(t *testing.T) {
	d, err := Demo()
	if err != nil {
		t.Fatalf("Demo() error: %v", err)
	}
	if len(d.Surveys) != 2 {
		t.Fatalf("Demo() has %d surveys, want 2", len(d.Surveys))
	}
	csat, field := d.Surveys[0], d.Surveys[1]
	if d.SampleSurvey != csat.ID {
		t.Errorf("SampleSurvey = %q, want the phone survey %q", d.SampleSurvey, csat.ID)
	}
	for _, s := range d.Surveys {
		if _, probs := model.Compile(s); len(probs) > 0 {
			t.Errorf("demo survey %s has problems: %v", s.ID, probs)
		}
		if !slices.Equal(s.Languages, []string{"en", "es"}) {
			t.Errorf("demo survey %s languages = %v, want [en es]", s.ID, s.Languages)
		}
	}

	// What the phone survey must show an author.
	nps, reason := csat.Find("nps"), csat.Find("nps_reason")
	if nps == nil || nps.Constraint == "" || reason == nil || !strings.Contains(reason.Relevant, "<= 6") {
		t.Errorf("csat: want nps with a constraint and nps_reason relevant for scores <= 6")
	}
	var warned, personal bool
	csat.Walk(func(it *model.Item, _ []*model.Item) bool {
		warned = warned || it.Warning != ""
		personal = personal || it.Personal && it.Type == model.TypeText
		return true
	})
	if !warned || !personal {
		t.Errorf("csat: soft check %v, personal open answer %v; want both", warned, personal)
	}
	if it := csat.Find("services"); it == nil || it.Type != model.TypeSelectMultiple || !it.OrOther {
		t.Errorf("csat: want services as select_multiple with or_other")
	}
	for _, fill := range []string{"${contact.name}", "${interviewer.name}", "${survey.client}"} {
		if !strings.Contains(csat.Intro["en"]+csat.Consent["en"], fill) {
			t.Errorf("csat intro and consent lack the fill %s", fill)
		}
	}
	if csat.Calling == nil || csat.Calling.MaxCalls == 0 {
		t.Errorf("csat: want a calling section")
	}
	if it := field.Find("roster"); it == nil || it.Type != model.TypeRepeat {
		t.Errorf("household: want a roster repeat")
	}

	// The sample: DESIGN §6 columns, fictional numbers and addresses.
	rows, err := csv.NewReader(bytes.NewReader(d.Sample)).ReadAll()
	if err != nil {
		t.Fatalf("demo sample: %v", err)
	}
	header := rows[0]
	for _, col := range []string{"id", "phone", "email", "name", "company", "location", "timezone", "language", "source"} {
		if !slices.Contains(header, col) {
			t.Errorf("demo sample lacks column %s", col)
		}
	}
	col := func(row []string, name string) string { return row[slices.Index(header, name)] }
	contacts := rows[1:]
	if len(contacts) < 45 || len(contacts) > 60 {
		t.Errorf("demo sample has %d contacts, want about 50", len(contacts))
	}
	phones := map[string]string{}
	emails := map[string]string{}
	zones := map[string]bool{}
	withZone := 0
	for _, r := range contacts {
		p, err := model.NormalizePhone(col(r, "phone"), "US")
		if err != nil {
			t.Errorf("contact %s: phone %q: %v", col(r, "id"), col(r, "phone"), err)
			continue
		}
		if len(p) != 12 || p[5:10] != "55501" {
			t.Errorf("contact %s: phone %s is not in the fictional 555-01xx range", col(r, "id"), p)
		}
		phones[p] = col(r, "id")
		if e := col(r, "email"); e != "" {
			if !strings.HasSuffix(e, "@example.com") {
				t.Errorf("contact %s: email %s is not at example.com", col(r, "id"), e)
			}
			emails[e] = col(r, "id")
		}
		if z := col(r, "timezone"); z != "" {
			zones[z] = true
			withZone++
		}
	}
	if len(zones) < 4 {
		t.Errorf("demo sample spans %d time zones, want several", len(zones))
	}
	if withZone == 0 || withZone == len(contacts) {
		t.Errorf("%d of %d contacts have a timezone; want some with and some without", withZone, len(contacts))
	}

	// Every opt-out suppresses one of the sample's contacts.
	if len(d.OptOuts) < 3 {
		t.Errorf("demo opt-out list has %d entries, want a few", len(d.OptOuts))
	}
	for _, o := range d.OptOuts {
		id := emails[o]
		if p, err := model.NormalizePhone(o, "US"); err == nil {
			id = phones[p]
		}
		if id == "" {
			t.Errorf("opt-out %q matches no demo contact", o)
		}
	}
}
