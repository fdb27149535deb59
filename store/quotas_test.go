package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"canvass/model"
)

// quotaSurvey is a survey asking gender (f, m) then age, with the cells
// given, installed in a store beside n contacts, half of region north
// (even ones), half south.
func quotaStore(t testing.TB, n int, quotas ...model.Quota) *intentStore {
	t.Helper()
	is := &intentStore{now: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}
	s, err := Open(filepath.Join(t.TempDir(), "q.db"), Options{Now: func() time.Time { return is.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	is.Store = s
	sv := &model.Survey{ID: "qs", Version: "1", Title: "Quotas",
		QuotaFull: model.Text{"en": "We have enough people like you."},
		Lists: map[string]*model.ChoiceList{"sex": {Name: "sex", Choices: []model.Choice{
			{Name: "f", Label: model.Text{"en": "F"}}, {Name: "m", Label: model.Text{"en": "M"}}}}},
		Items: []model.Item{
			{Name: "gender", Type: model.TypeSelectOne, ListName: "sex", Label: model.Text{"en": "Gender?"}},
			{Name: "age", Type: model.TypeInteger, Label: model.Text{"en": "Age?"}},
		},
		Quotas: quotas,
	}
	if probs := sv.Validate(); !model.Valid(probs) {
		t.Fatalf("quota survey: %v", probs)
	}
	if _, _, err := s.AddSurvey(sv, []byte("qs"), "tester"); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("id,phone,region\n")
	for i := range n {
		region := "north"
		if i%2 == 1 {
			region = "south"
		}
		fmt.Fprintf(&b, "C%03d,+1303555%04d,%s\n", i, i, region)
	}
	if _, err := s.ImportContacts(strings.NewReader(b.String()), ImportOptions{Survey: "qs", Source: "client", Region: "US", Actor: "tester", File: "qs.csv"}); err != nil {
		t.Fatal(err)
	}
	return is
}

func cell(name string, kind model.QuotaKind, target int, conds string) model.Quota {
	c, err := model.ParseQuotaConditions(conds)
	if err != nil {
		panic(err)
	}
	return model.Quota{Name: name, Kind: kind, Target: target, Conditions: c}
}

// interview draws a contact for who, takes consent and answers gender;
// it returns the interview and the error of the first intent that
// screened it out (nil if none did).
func (is *intentStore) interview(t testing.TB, who, gender string) (string, *Presentation, error) {
	t.Helper()
	p := is.present(t, "qs", who)
	id, err := is.StartInterview(model.Consent{Survey: "qs", Contact: p.Contact.ID, Interviewer: who, Agreed: true, Lang: "en", Text: "ok?"})
	if err != nil {
		if errors.Is(err, ErrQuotaFull) {
			return id, p, err
		}
		t.Fatal(err)
	}
	iv, err := model.Start(p.Questionnaire.Form, model.Config{Contact: &p.Contact, Lang: "en", Clock: func() time.Time { return is.now }})
	if err != nil {
		t.Fatal(err)
	}
	ev, res := iv.Answer(model.Response{Value: gender})
	if !res.Accepted() {
		t.Fatalf("answer %s: %+v", gender, res)
	}
	state, err := iv.State()
	if err != nil {
		t.Fatal(err)
	}
	err = is.SaveAnswer(id, *ev, state)
	if err != nil && !errors.Is(err, ErrQuotaFull) {
		t.Fatal(err)
	}
	return id, p, err
}

func quotaCell(t testing.TB, s *Store, name string) QuotaCell {
	t.Helper()
	r, err := s.Quotas("qs")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Cells {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no cell %s in %+v", name, r.Cells)
	return QuotaCell{}
}

// TestQuotaScreensOutAtTheAnswer: once a normal cell's places are taken,
// the answer that puts the next interview into it screens the interview
// out in its own transaction: the answer kept, the interview closed, the
// contact final with 4.80, and the cell never over its target.
func TestQuotaScreensOutAtTheAnswer(t *testing.T) {
	is := quotaStore(t, 6, cell("women", model.QuotaNormal, 1, "gender=f"))
	first, _, err := is.interview(t, "ivy", "f")
	if err != nil {
		t.Fatalf("first woman: %v", err)
	}
	if c := quotaCell(t, is.Store, "women"); c.InProgress != 1 || c.Completes != 0 || !c.Full || *c.Remaining != 0 {
		t.Fatalf("women after one interview in progress = %+v", c)
	}
	// A man is not in the cell: he goes on.
	if _, _, err := is.interview(t, "max", "m"); err != nil {
		t.Fatalf("a man: %v", err)
	}
	second, p, err := is.interview(t, "max", "f")
	var qf *QuotaFullError
	if !errors.As(err, &qf) || qf.Cell != "women" || qf.Interview != second {
		t.Fatalf("second woman: err = %v, want a QuotaFullError for women", err)
	}
	if got := is.status(t, second); got != InterviewScreenedOut {
		t.Errorf("second woman's interview is %s, want %s", got, InterviewScreenedOut)
	}
	rv, err := is.Interview(second)
	if err != nil || len(rv.Current) != 1 || rv.Current[0].Value != "f" {
		t.Errorf("the answer that screened out is not kept: %+v, %v", rv, err)
	}
	if err := is.SaveAnswer(second, model.AnswerEvent{Item: "age", Value: "30"}, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("answer after the screen-out: %v, want ErrClosed", err)
	}
	_, st, _ := is.Contact("qs", p.Contact.ID)
	if st.Status != StatusFinal || st.LastOutcome != model.QuotaOutcome || leased(st, is.now) {
		t.Errorf("screened-out contact = %+v, want final with quota_full and no lease", st)
	}
	must(t, is.FinishInterview(first, "ivy", time.Time{}))
	if c := quotaCell(t, is.Store, "women"); c.InProgress != 0 || c.Completes != 1 || c.Calls != 2 || *c.BurnRate != 2 {
		t.Errorf("women after the complete = %+v", c)
	}
	r, err := is.Report("qs", ReportOptions{At: is.now})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, d := range r.Final {
		got[d.Code] = d.Count
	}
	if got["4.80"] != 1 || got["1.1"] != 1 || r.Interviews.ScreenedOut != 1 {
		t.Errorf("report dispositions = %v, screened out %d; want one 4.80 and one 1.1", got, r.Interviews.ScreenedOut)
	}
	out := filepath.Join(t.TempDir(), "qs.jsonl")
	if _, err := is.Export(ExportOptions{Survey: "qs", Format: ExportJSONL, Out: out, Actor: "sup"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), `"status":"screened-out"`) {
		t.Errorf("the export does not say the interview was screened out: %s %v", data, err)
	}
	detail, err := is.ReviewOf(second)
	if err != nil || detail.Status != InterviewScreenedOut {
		t.Errorf("review of the screened-out interview = %+v, %v", detail, err)
	}
	is.clean(t)
}

// TestQuotaPlaceComesBack: an interview that leaves a cell (its answer
// changed) or ends without completing gives its place back.
func TestQuotaPlaceComesBack(t *testing.T) {
	is := quotaStore(t, 6, cell("women", model.QuotaNormal, 1, "gender=f"))
	id, _, _ := is.interview(t, "ivy", "f")
	must(t, is.SaveAnswer(id, model.AnswerEvent{Item: "gender", Value: "m", Change: true, Previous: "f"}, nil))
	if c := quotaCell(t, is.Store, "women"); c.InProgress != 0 {
		t.Errorf("after the answer changed to m, women in progress = %d, want 0", c.InProgress)
	}
	must(t, is.SaveAnswer(id, model.AnswerEvent{Item: "gender", Value: "f", Change: true, Previous: "m"}, nil))
	p := is.present(t, "qs", "max")
	must(t, is.OptOutContact(ContactOptOut{Survey: "qs", Contact: rvContact(t, is, id), Actor: "ivy", Reason: "asked"}))
	if c := quotaCell(t, is.Store, "women"); c.InProgress != 0 || c.Full {
		t.Errorf("after the opt-out, women = %+v, want the place free", c)
	}
	id2, err := is.StartInterview(model.Consent{Survey: "qs", Contact: p.Contact.ID, Interviewer: "max", Agreed: true})
	must(t, err)
	must(t, is.SaveAnswer(id2, model.AnswerEvent{Item: "gender", Value: "f"}, nil))
	is.clean(t)
}

func rvContact(t testing.TB, is *intentStore, id string) string {
	rv, err := is.Interview(id)
	if err != nil {
		t.Fatal(err)
	}
	return rv.Interview.Contact
}

// TestSampleQuotaDraw: contacts whose sample fields put them in a full
// cell are not drawn, and one already drawn is screened out at consent.
func TestSampleQuotaDraw(t *testing.T) {
	is := quotaStore(t, 6, cell("north", model.QuotaNormal, 1, "contact.region=north"))
	p1 := is.present(t, "qs", "ivy")
	p2 := is.present(t, "qs", "max")
	if p1.Contact.Fields["region"] != "north" || p2.Contact.Fields["region"] != "north" {
		t.Fatalf("draws = %s, %s; want the north first, the emptiest cell", p1.Contact.ID, p2.Contact.ID)
	}
	id1, err := is.StartInterview(model.Consent{Survey: "qs", Contact: p1.Contact.ID, Interviewer: "ivy", Agreed: true})
	must(t, err)
	// The cell filled between max's draw and his consent.
	id2, err := is.StartInterview(model.Consent{Survey: "qs", Contact: p2.Contact.ID, Interviewer: "max", Agreed: true})
	if !errors.Is(err, ErrQuotaFull) || is.status(t, id2) != InterviewScreenedOut {
		t.Fatalf("consent in a full cell: %v, status %s", err, is.status(t, id2))
	}
	for range 3 {
		if p := is.present(t, "qs", "zoe"); p.Contact.Fields["region"] != "south" {
			t.Fatalf("drew %s of %s while north is full", p.Contact.ID, p.Contact.Fields["region"])
		}
	}
	if _, err := is.Present("qs", DrawOptions{Interviewer: "zoe", Rules: RulesFunc(anyTime)}); !errors.Is(err, ErrQueueEmpty) {
		t.Errorf("a draw with only north contacts left = %v, want ErrQueueEmpty", err)
	}
	var listed []string
	must(t, is.Queue("qs", QueueOptions{At: is.now}, func(e QueueEntry) error { listed = append(listed, e.ID); return nil }))
	if len(listed) != 0 {
		t.Errorf("queue lists %v, want nobody", listed)
	}
	// The place comes free again: the north is drawn again after the
	// recheck.
	must(t, is.SuspendInterview(id1, Suspension{Actor: "ivy"}))
	must(t, is.OptOutContact(ContactOptOut{Survey: "qs", Contact: p1.Contact.ID, Actor: "ivy"}))
	is.now = is.now.Add(quotaRecheck + time.Minute)
	if p := is.present(t, "qs", "zoe"); p.Contact.Fields["region"] != "north" {
		t.Errorf("after the place came free, drew %s of %s", p.Contact.ID, p.Contact.Fields["region"])
	}
	is.clean(t)
}

// TestQuotaBalancing: the contacts of the emptiest cell are drawn first,
// and a cell's priority comes before that.
func TestQuotaBalancing(t *testing.T) {
	north := cell("north", model.QuotaNormal, 2, "contact.region=north")
	south := cell("south", model.QuotaNormal, 4, "contact.region=south")
	is := quotaStore(t, 12, north, south)
	// One in progress in the north (half full), none in the south.
	p := is.present(t, "qs", "ivy")
	_, err := is.StartInterview(model.Consent{Survey: "qs", Contact: p.Contact.ID, Interviewer: "ivy", Agreed: true})
	must(t, err)
	for range 3 {
		if p := is.present(t, "qs", "max"); p.Contact.Fields["region"] != "south" {
			t.Errorf("drew %s of %s, want the emptier south", p.Contact.ID, p.Contact.Fields["region"])
		}
	}
	north.Priority = 1
	is2 := quotaStore(t, 12, north, south)
	is2.present(t, "qs", "ivy")
	if p := is2.present(t, "qs", "max"); p.Contact.Fields["region"] != "north" {
		t.Errorf("with priority, drew %s of %s, want the north", p.Contact.ID, p.Contact.Fields["region"])
	}
}

// TestAllowOverAndCounter: an allow-over cell lets running interviews
// finish past the target but starts none after; a counter only counts.
func TestAllowOverAndCounter(t *testing.T) {
	is := quotaStore(t, 8, cell("women", model.QuotaAllowOver, 1, "gender=f"), cell("all", model.QuotaCounter, 0, "gender=f|m"))
	a, _, errA := is.interview(t, "ivy", "f")
	b, _, errB := is.interview(t, "max", "f")
	if errA != nil || errB != nil {
		t.Fatalf("two women before the target: %v, %v", errA, errB)
	}
	must(t, is.FinishInterview(a, "ivy", time.Time{}))
	if _, _, err := is.interview(t, "zoe", "f"); !errors.Is(err, ErrQuotaFull) {
		t.Errorf("a woman after the target: %v, want ErrQuotaFull", err)
	}
	must(t, is.FinishInterview(b, "max", time.Time{}))
	if c := quotaCell(t, is.Store, "women"); c.Completes != 2 || *c.Remaining != 0 || !c.Full {
		t.Errorf("women = %+v, want 2 completes", c)
	}
	m, _, err := is.interview(t, "zoe", "m")
	must(t, err)
	must(t, is.FinishInterview(m, "zoe", time.Time{}))
	if c := quotaCell(t, is.Store, "all"); c.Completes != 3 || c.Remaining != nil || c.Full {
		t.Errorf("counter = %+v, want 3 completes", c)
	}
}

// TestQuotaPropertyInterleavings: several interviewers on one store draw,
// consent, answer and finish (or stop) in random interleavings. Replaying
// the log in commit order, no interview ever entered a normal cell whose
// completes and interviews in progress had reached the target, nor an
// allow-over cell whose completes had; and the counts the store keeps
// are exactly what the log says.
func TestQuotaPropertyInterleavings(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			women := cell("women", model.QuotaNormal, 3, "gender=f")
			men := cell("men", model.QuotaAllowOver, 2, "gender=m")
			north := cell("north", model.QuotaNormal, 4, "contact.region=north")
			count := cell("every", model.QuotaCounter, 0, "gender=f|m")
			is := quotaStore(t, 40, women, men, north, count)
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(seed, uint64(w)))
					who := fmt.Sprintf("ivy%d", w)
					for range 10 {
						p, err := is.Present("qs", DrawOptions{Interviewer: who, Rules: RulesFunc(anyTime)})
						if err != nil {
							return // the queue is empty
						}
						id, err := is.StartInterview(model.Consent{Survey: "qs", Contact: p.Contact.ID, Interviewer: who, Agreed: true})
						if errors.Is(err, ErrQuotaFull) {
							continue
						} else if err != nil {
							t.Error(err)
							return
						}
						err = is.SaveAnswer(id, model.AnswerEvent{Item: "gender", Value: []string{"f", "m"}[rng.IntN(2)]}, nil)
						if errors.Is(err, ErrQuotaFull) {
							continue
						} else if err != nil {
							t.Error(err)
							return
						}
						switch rng.IntN(4) {
						case 0:
							err = is.OptOutContact(ContactOptOut{Survey: "qs", Contact: p.Contact.ID, Actor: who})
						default:
							err = is.FinishInterview(id, who, time.Time{})
						}
						if err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			checkQuotaLog(t, is.Store, []model.Quota{women, men, north, count})
			is.clean(t)
		})
	}
}

// checkQuotaLog replays the log in commit order, counting each cell as
// the rules say, and holds the store to it: an interview is screened out
// exactly when a cell it falls into is full at that point of the log, a
// screened-out interview enters nothing and never completes, and the
// store's counts are the replay's.
func checkQuotaLog(t *testing.T, s *Store, quotas []model.Quota) {
	t.Helper()
	type ivState struct {
		contact *model.Contact
		answers map[string]string
		in      map[string]bool
		screen  string // the full cell the replay expects to screen it out
		out     bool
	}
	ivs := map[string]*ivState{}
	completes, open := map[string]int{}, map[string]int{}
	var entered, completed, screened int
	step := func(id string) {
		iv := ivs[id]
		full := ""
		for _, q := range quotas {
			switch q.Member(iv.contact, iv.answers) {
			case model.MemberIn:
				if !iv.in[q.Name] && q.Screens() && q.Full(completes[q.Name], open[q.Name]) && full == "" {
					full = q.Name
				}
			case model.MemberOut:
				if iv.in[q.Name] {
					delete(iv.in, q.Name)
					open[q.Name]--
				}
			}
		}
		if full != "" {
			iv.screen = full
			return
		}
		for _, q := range quotas {
			if !iv.in[q.Name] && q.Member(iv.contact, iv.answers) == model.MemberIn {
				iv.in[q.Name] = true
				open[q.Name]++
				entered++
			}
		}
	}
	err := s.Events(0, func(e *Event) error {
		var step1 interviewStep
		switch e.Kind {
		case KindConsent:
			var p consentRecorded
			must(t, json.Unmarshal(e.Data, &p))
			if !p.Consent.Agreed {
				return nil
			}
			c, _, err := s.Contact("qs", p.Consent.Contact)
			must(t, err)
			ivs[p.Interview] = &ivState{contact: c, answers: map[string]string{}, in: map[string]bool{}}
			step(p.Interview)
		case KindAnswer:
			var p answerRecorded
			must(t, json.Unmarshal(e.Data, &p))
			iv := ivs[p.Interview]
			if iv.out || iv.screen != "" {
				t.Errorf("event %d: an answer to %s after its screen-out", e.Seq, p.Interview)
			}
			iv.answers[p.Answer.Item] = p.Answer.Value
			step(p.Interview)
		case KindCompleted, KindBrokenOff, KindScreenedOut:
			must(t, json.Unmarshal(e.Data, &step1))
			iv := ivs[step1.Interview]
			switch {
			case e.Kind == KindScreenedOut && iv.screen == "":
				t.Errorf("event %d: %s screened out (%s) while no cell it is in was full", e.Seq, step1.Interview, step1.Note)
			case e.Kind != KindScreenedOut && iv.screen != "":
				t.Errorf("event %d: %s went on (%s) in the full cell %s", e.Seq, step1.Interview, e.Kind, iv.screen)
			}
			for name := range iv.in {
				open[name]--
				if e.Kind == KindCompleted {
					completes[name]++
				}
			}
			iv.in, iv.out, iv.screen = map[string]bool{}, true, ""
			switch e.Kind {
			case KindCompleted:
				completed++
			case KindScreenedOut:
				screened++
			}
		}
		return nil
	})
	must(t, err)
	for id, iv := range ivs {
		if iv.screen != "" {
			t.Errorf("%s fell into the full cell %s and was not screened out", id, iv.screen)
		}
	}
	for _, q := range quotas {
		c := quotaCell(t, s, q.Name)
		if int(c.Completes) != completes[q.Name] || int(c.InProgress) != open[q.Name] {
			t.Errorf("cell %s = %d completes, %d in progress; the log says %d, %d", q.Name, c.Completes, c.InProgress, completes[q.Name], open[q.Name])
		}
		switch q.Kind {
		case model.QuotaNormal:
			if c.Completes+c.InProgress > int64(q.Target) {
				t.Errorf("normal cell %s passed its target %d: %+v", q.Name, q.Target, c)
			}
		case model.QuotaAllowOver:
			if c.Completes > int64(q.Target)+3 {
				t.Errorf("allow-over cell %s = %d completes: more than the target and the 3 other interviewers' running interviews", q.Name, c.Completes)
			}
		}
	}
	if completes["every"] != completed {
		t.Errorf("counter = %d, want every complete (%d)", completes["every"], completed)
	}
	if completed == 0 || entered == 0 || screened == 0 {
		t.Errorf("the run completed %d, entered %d and screened out %d: it tested nothing", completed, entered, screened)
	}
}

// TestQuotaCorrectionCannotPassTarget: a completed interview that a
// supervisor returns is counted in progress while it is corrected, so a
// corrected answer that puts it in a full cell screens it out rather than
// take the cell past its target; completed again unchanged, it counts once.
func TestQuotaCorrectionCannotPassTarget(t *testing.T) {
	is := quotaStore(t, 6, cell("women", model.QuotaNormal, 1, "gender=f"), cell("men", model.QuotaNormal, 2, "gender=m"))
	woman, _, err := is.interview(t, "ivy", "f")
	must(t, err)
	must(t, is.FinishInterview(woman, "ivy", time.Time{}))
	man, _, err := is.interview(t, "max", "m")
	must(t, err)
	must(t, is.FinishInterview(man, "max", time.Time{}))

	// Returned and completed again unchanged: still one complete.
	must(t, is.Reject(man, "sue", "check the gender", nil))
	if _, err := is.ReopenInterview(man, "max", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if c := quotaCell(t, is.Store, "men"); c.Completes != 0 || c.InProgress != 1 {
		t.Errorf("men while the returned interview is corrected = %+v, want it in progress", c)
	}
	must(t, is.FinishInterview(man, "max", time.Time{}))
	if c := quotaCell(t, is.Store, "men"); c.Completes != 1 || c.InProgress != 0 {
		t.Errorf("men after completing again = %+v, want one complete", c)
	}

	// Returned again and corrected into the full cell of women.
	must(t, is.Reject(man, "sue", "she is a woman", nil))
	if _, err := is.ReopenInterview(man, "max", time.Time{}); err != nil {
		t.Fatal(err)
	}
	err = is.SaveAnswer(man, model.AnswerEvent{Item: "gender", Value: "f", Answered: is.now}, nil)
	if !errors.Is(err, ErrQuotaFull) {
		t.Fatalf("the correction into a full cell: %v, want ErrQuotaFull", err)
	}
	if c := quotaCell(t, is.Store, "women"); c.Completes != 1 || c.InProgress != 0 {
		t.Errorf("women after the correction = %+v, want its one complete and nothing more", c)
	}
	if c := quotaCell(t, is.Store, "men"); c.Completes != 0 || c.InProgress != 0 {
		t.Errorf("men after the correction = %+v, want nothing", c)
	}
	if got := is.status(t, man); got != InterviewScreenedOut {
		t.Errorf("the corrected interview is %s, want %s", got, InterviewScreenedOut)
	}
	is.clean(t)
}
