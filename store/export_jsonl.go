package store

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"canvass/model"
)

// ExportedInterview is one line of a JSONL export: everything recorded
// about an interview. Contact, the consent text and the values of items
// marked personal are present only in exports with personal data.
type ExportedInterview struct {
	Interview string `json:"interview"`
	// Respondent is the pseudonymous key of the contact.
	Respondent  string         `json:"respondent"`
	Contact     *model.Contact `json:"contact,omitempty"`
	Survey      string         `json:"survey"`
	Version     string         `json:"version"`
	Revision    uint32         `json:"revision"`
	Interviewer string         `json:"interviewer"`
	Status      string         `json:"status"`
	Started     time.Time      `json:"started"`
	Ended       time.Time      `json:"ended,omitzero"`
	// DurationS is Ended-Started in seconds; absent while not ended.
	DurationS *int64 `json:"duration_s,omitempty"`
	Lang      string `json:"lang"`
	// Consent is the consent record; its Contact and Text are blank
	// without personal data.
	Consent model.Consent `json:"consent"`
	// Review is the latest review decision.
	Review string `json:"review,omitempty"`
	// Data is the interview's data as the engine sees it.
	Data []model.Datum `json:"data"`
	// History is every answer given, in order, changes included.
	History []SavedAnswer `json:"history"`
	// Steps are the suspensions, resumptions, completion and reviews.
	Steps []ExportStep `json:"steps,omitempty"`
	// Notes are the interviewer's notes on questions (F5 in the
	// console), in the order written: a later note on a question replaces
	// the earlier one, and an empty text clears it.
	Notes []Note `json:"notes,omitempty"`
	// Overrides are the answers in Data given past a soft check, with the
	// interviewer's reason.
	Overrides []ExportOverride `json:"overrides,omitempty"`
	// Withheld names the items whose values were left out as personal.
	Withheld []string `json:"withheld,omitempty"`
	// PersonalWithheld is set in an export with personal data when this
	// interview's personal data were left out all the same: the
	// questionnaire revision it was collected under did not authorise
	// onward transfer.
	PersonalWithheld bool `json:"personal_withheld,omitempty"`
}

// ExportOverride is an answer given past a soft check (a warning), as a
// JSONL export lists it.
type ExportOverride struct {
	Item string `json:"item"`
	Path []int  `json:"path,omitempty"`
	// Reason is why the interviewer went on.
	Reason   string    `json:"reason"`
	Answered time.Time `json:"answered"`
	// Event is the answer's event in History.
	Event string `json:"event"`
}

// notesTx returns an interview's notes on questions in the order
// written, with the sequence numbers of their events.
func (ex *exporter) notesTx(id string) ([]Note, []uint64, error) {
	b := ex.tx.Bucket(bINotes)
	if b == nil {
		return nil, nil, nil
	}
	var out []Note
	var seqs []uint64
	pre := idPrefix(id)
	c := b.Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		var n Note
		if err := ex.s.openJSON(v, &n); err != nil {
			return nil, nil, fmt.Errorf("decode note of %s: %w", id, err)
		}
		out, seqs = append(out, n), append(seqs, binary.BigEndian.Uint64(k[len(pre):]))
	}
	return out, seqs, nil
}

// overrides lists the data whose standing answer (the last one given to
// the item at its place) went past a soft check.
func overrides(data []model.Datum, hist []SavedAnswer) []ExportOverride {
	last := map[string]int{}
	for i, h := range hist {
		last[model.Ref{Item: h.Answer.Item, Path: h.Answer.Path}.String()] = i
	}
	var out []ExportOverride
	for _, d := range data {
		i, ok := last[model.Ref{Item: d.Item, Path: d.Path}.String()]
		if !ok || hist[i].Answer.Override == "" {
			continue
		}
		a := hist[i].Answer
		out = append(out, ExportOverride{Item: a.Item, Path: a.Path, Reason: a.Override, Answered: a.Answered, Event: hist[i].Event})
	}
	return out
}

// historyTx returns an interview's answer events in order, with
// their sequence numbers.
func (ex *exporter) historyTx(id string) ([]SavedAnswer, []uint64, error) {
	var out []SavedAnswer
	var seqs []uint64
	pre := idPrefix(id)
	c := ex.tx.Bucket(bAnswers).Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		var a model.AnswerEvent
		if err := ex.s.openJSON(v, &a); err != nil {
			return nil, nil, fmt.Errorf("decode answer of %s: %w", id, err)
		}
		seq := binary.BigEndian.Uint64(k[len(pre):])
		out = append(out, SavedAnswer{Event: fmt.Sprintf("%s-%016x", ex.s.device, seq), Answer: a})
		seqs = append(seqs, seq)
	}
	return out, seqs, nil
}

// itemType is the type of an exported item, "" for one the layout does
// not know (a repeat's "add another?" answers).
func (ex *exporter) itemType(name string) model.ItemType {
	if v := ex.lay.byItem[name]; v != nil {
		return v.maskType()
	}
	return ""
}

// interviewOf assembles the JSONL record of a row.
func (ex *exporter) interviewOf(r *row) (*ExportedInterview, error) {
	rec, err := ex.record(r)
	if err != nil {
		return nil, err
	}
	p := &r.p
	out := &ExportedInterview{Interview: r.id, Respondent: ex.respondentKey(r.cid), Survey: rec.Survey,
		Version: ex.lay.versions[p.Revision], Revision: p.Revision, Interviewer: p.Interviewer, Status: p.Status,
		Started: p.Started, Ended: p.Ended, Lang: p.Lang, Consent: rec.Consent, Review: ex.review(r.id)}
	if !p.Ended.IsZero() {
		d := int64(p.Ended.Sub(p.Started).Round(time.Second) / time.Second)
		out.DurationS = &d
	}
	hist, _, err := ex.historyTx(r.id)
	if err != nil {
		return nil, err
	}
	steps, err := ex.s.stepsTx(ex.tx, r.id)
	if err != nil {
		return nil, err
	}
	notes, _, err := ex.notesTx(r.id)
	if err != nil {
		return nil, err
	}
	out.Data, out.History, out.Steps, out.Notes = slices.Clone(p.Data), hist, steps, notes
	if out.Data == nil {
		out.Data = []model.Datum{}
	}
	if out.History == nil {
		out.History = []SavedAnswer{}
	}
	if ex.pii(r) {
		out.Contact, _ = ex.s.contactTx(ex.tx, r.cid)
		out.Overrides = overrides(out.Data, out.History)
		return out, nil
	}
	out.PersonalWithheld = ex.o.IncludePII
	sc := ex.contactScrub(r)
	out.Consent.Contact, out.Consent.Text = "", ""
	withheld := map[string]bool{}
	data := out.Data[:0]
	for _, d := range out.Data {
		if ex.withheld(r, d.Item) {
			withheld[d.Item] = true
			continue
		}
		d.Value, d.Other = sc.mask(sc.maskValue(ex.itemType(d.Item), d.Value)), sc.maskText(d.Other)
		data = append(data, d)
	}
	out.Data = data
	for i := range out.History {
		a := &out.History[i].Answer
		if ex.withheld(r, a.Item) {
			withheld[a.Item] = true
			a.Value, a.Other, a.Previous = "", "", ""
		} else {
			t := ex.itemType(a.Item)
			a.Value, a.Other, a.Previous = sc.mask(sc.maskValue(t, a.Value)), sc.maskText(a.Other), sc.mask(sc.maskValue(t, a.Previous))
		}
		a.Override, a.Reason = sc.maskText(a.Override), sc.maskText(a.Reason)
		// The question as read fills in answers and the contact's
		// fields: withheld, as the consent text read is.
		a.Label = ""
	}
	for i := range out.Steps {
		out.Steps[i].Note = sc.maskText(out.Steps[i].Note)
	}
	kept := out.Notes[:0]
	for _, n := range out.Notes {
		if ex.withheld(r, n.Item) {
			// A note on a personal question is likely to repeat its
			// answer.
			withheld[n.Item] = true
			continue
		}
		n.Text = sc.maskText(n.Text)
		kept = append(kept, n)
	}
	out.Notes = kept
	out.Overrides = overrides(out.Data, out.History)
	for name := range withheld {
		out.Withheld = append(out.Withheld, name)
	}
	slices.Sort(out.Withheld)
	return out, nil
}

func (ex *exporter) jsonl() error {
	w, err := ex.files.create(ex.o.Out)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return ex.eachTx(func(r *row) error {
		iv, err := ex.interviewOf(r)
		if err != nil {
			return err
		}
		if err := enc.Encode(iv); err != nil {
			return fmt.Errorf("write %s: %w", ex.o.Out, err)
		}
		return nil
	})
}

// Paradata events, the event column of a paradata export.
const (
	ParaConsent   = "consent"
	ParaShown     = "shown"
	ParaAnswered  = "answered"
	ParaChanged   = "changed"
	ParaDontKnow  = "dont_know"
	ParaRefused   = "refused"
	ParaSkipped   = "skipped"
	ParaOverride  = "override"
	ParaLanguage  = "language"
	ParaSuspended = "suspended"
	ParaResumed   = "resumed"
	ParaCompleted = "completed"
	ParaReview    = "review"
	// ParaNote is a note on a question; its detail is the note's text,
	// masked, or empty where the note was cleared.
	ParaNote = "note"
)

// paradataHeader is the header of a paradata export.
func paradataHeader() []string {
	return []string{"interview", "respondent", "seq", "at", "event", "item", "path", "lang", "detail"}
}

// paradata writes the interviews' events as CSV, one row per event, in log
// order; answer values are not part of it (only whether an answer was a
// change, don't know, refused or skipped), free text details (skip and
// override reasons, notes) are masked, always: paradata are for the
// analysis of the fieldwork, never a way to pass on personal data.
func (ex *exporter) paradata() error {
	w, err := ex.files.create(ex.o.Out)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(paradataHeader())
	type prow struct {
		seq  uint64
		cols []string
	}
	var rows []prow
	err = ex.eachTx(func(r *row) error {
		rec, err := ex.record(r)
		if err != nil {
			return err
		}
		hist, seqs, err := ex.historyTx(r.id)
		if err != nil {
			return err
		}
		steps, err := ex.s.stepsTx(ex.tx, r.id)
		if err != nil {
			return err
		}
		sc := ex.contactScrub(r)
		key := ex.respondentKey(r.cid)
		rows = rows[:0]
		add := func(seq uint64, at time.Time, event, item string, path []int, lang, detail string) {
			p := ""
			if len(path) > 0 {
				p = pathKeyOf(path)
			}
			rows = append(rows, prow{seq, []string{r.id, key, strconv.FormatUint(seq, 10), isoNano(at), event, item, p, lang, detail}})
		}
		var first uint64
		if i := len(r.id) - 16; i > 0 {
			first, _ = strconv.ParseUint(r.id[i:], 16, 64)
		}
		agreed := "refused"
		if rec.Consent.Agreed {
			agreed = "agreed"
		}
		add(first, rec.Consent.At, ParaConsent, "", nil, rec.Consent.Lang, agreed)
		lang := rec.Consent.Lang
		for i, h := range hist {
			a := h.Answer
			if a.Lang != "" && lang != "" && a.Lang != lang {
				add(seqs[i], a.Shown, ParaLanguage, a.Item, a.Path, a.Lang, lang+" -> "+a.Lang)
			}
			if a.Lang != "" {
				lang = a.Lang
			}
			if !a.Shown.IsZero() {
				add(seqs[i], a.Shown, ParaShown, a.Item, a.Path, a.Lang, "")
			}
			ev := ParaAnswered
			switch {
			case a.Special == model.DontKnow:
				ev = ParaDontKnow
			case a.Special == model.Refused:
				ev = ParaRefused
			case a.Special == model.Skipped:
				ev = ParaSkipped
			case a.Change:
				ev = ParaChanged
			}
			detail := ""
			if a.Change {
				detail = "change"
			}
			if a.Special == model.Skipped {
				detail = sc.maskText(a.Reason)
			}
			add(seqs[i], a.Answered, ev, a.Item, a.Path, a.Lang, detail)
			if a.Override != "" {
				add(seqs[i], a.Answered, ParaOverride, a.Item, a.Path, a.Lang, sc.maskText(a.Override))
			}
		}
		notes, noteSeqs, err := ex.notesTx(r.id)
		if err != nil {
			return err
		}
		for i, n := range notes {
			text := ""
			if !ex.withheld(r, n.Item) {
				text = sc.maskText(n.Text)
			}
			add(noteSeqs[i], n.At, ParaNote, n.Item, n.Path, "", text)
		}
		for _, st := range steps {
			add(st.Seq, st.At, paraStep(st.Kind), "", nil, "", st.Decision)
		}
		slices.SortStableFunc(rows, func(a, b prow) int {
			switch {
			case a.seq < b.seq:
				return -1
			case a.seq > b.seq:
				return 1
			}
			return 0
		})
		for _, pr := range rows {
			if err := cw.Write(pr.cols); err != nil {
				return fmt.Errorf("write %s: %w", ex.o.Out, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s: %w", ex.o.Out, err)
	}
	return nil
}

// paraStep names the paradata event of an interview step: the ones
// above, and for a step of another kind (an interview broken off by an
// opt-out) its kind without the "interview." of its event, with "_" for
// "-" and ".".
func paraStep(kind string) string {
	switch kind {
	case KindSuspended:
		return ParaSuspended
	case KindResumed:
		return ParaResumed
	case KindCompleted:
		return ParaCompleted
	case KindReview:
		return ParaReview
	}
	return strings.NewReplacer("-", "_", ".", "_").Replace(strings.TrimPrefix(kind, "interview."))
}

func isoNano(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
