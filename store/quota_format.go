package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// QuotaReport is where each quota cell of a survey stands (`canvass
// quotas`).
type QuotaReport struct {
	Survey string      `json:"survey"`
	Cells  []QuotaCell `json:"cells"`
}

// QuotaCell is one cell's progress.
type QuotaCell struct {
	Name     string          `json:"name"`
	Kind     model.QuotaKind `json:"kind"`
	Target   int             `json:"target"`
	Priority int             `json:"priority"`
	// Conditions are the cell's conditions as the quotas sheet writes
	// them.
	Conditions string `json:"conditions"`
	Completes  int64  `json:"completes"`
	// InProgress are the interviews begun in the cell and not ended.
	InProgress int64 `json:"in_progress"`
	// Remaining is what the cell can still take: the target less the
	// completes and (for a normal cell) the interviews in progress, never
	// below 0; nil for a counter.
	Remaining *int64 `json:"remaining"`
	// Full says that the cell takes no new interview.
	Full bool `json:"full"`
	// Calls are the calls made to the cell's contacts: every contact
	// whose sample fields put it in a cell of sample fields only, else
	// the contacts whose interview entered the cell or was screened out
	// by it.
	Calls int64 `json:"calls"`
	// BurnRate is calls per complete; nil before the first complete.
	BurnRate *float64 `json:"burn_rate"`
}

// conditionsText writes a cell's conditions on one line.
func conditionsText(q *model.Quota) string {
	parts := make([]string, len(q.Conditions))
	for i, c := range q.Conditions {
		parts[i] = c.Variable + "=" + strings.Join(c.Values, "|")
	}
	return strings.Join(parts, "; ")
}

// Quotas reads, in one read transaction, where each quota cell of the
// survey's latest revision stands. A survey that is not installed is
// ErrNotFound; one without quotas has no cells.
func (s *Store) Quotas(survey string) (*QuotaReport, error) {
	r := &QuotaReport{Survey: survey}
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := s.questionnaireTx(tx, survey, 0); err != nil {
			return err
		}
		var err error
		r.Cells, err = s.quotaCellsTx(tx, survey)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("quotas of %s: %w", survey, err)
	}
	return r, nil
}

// quotaCellsTx is where each quota cell of survey stands; none when it
// has no quotas, or no questionnaire that can be interviewed.
func (s *Store) quotaCellsTx(tx *bolt.Tx, survey string) ([]QuotaCell, error) {
	quotas, err := s.surveyQuotasTx(tx, survey)
	if err != nil || len(quotas) == 0 {
		return []QuotaCell{}, err
	}
	counts := quotaCountsTx(tx, survey)
	calls := make([]int64, len(quotas))
	if err := s.quotaCallsTx(tx, survey, quotas, calls); err != nil {
		return nil, err
	}
	cells := make([]QuotaCell, 0, len(quotas))
	for i := range quotas {
		qc := &quotas[i]
		n := counts[qc.Name]
		cell := QuotaCell{Name: qc.Name, Kind: qc.Kind, Target: qc.Target, Priority: qc.Priority,
			Conditions: conditionsText(qc), Completes: n.Completes, InProgress: n.Open,
			Full: qc.Screens() && qc.Full(int(n.Completes), int(n.Open)), Calls: calls[i]}
		switch qc.Kind {
		case model.QuotaNormal:
			left := max(int64(qc.Target)-n.Completes-n.Open, 0)
			cell.Remaining = &left
		case model.QuotaAllowOver:
			left := max(int64(qc.Target)-n.Completes, 0)
			cell.Remaining = &left
		}
		if n.Completes > 0 {
			b := float64(calls[i]) / float64(n.Completes)
			cell.BurnRate = &b
		}
		cells = append(cells, cell)
	}
	return cells, nil
}

// quotaCallsTx adds up the calls made to each cell's contacts. Only
// contacts that were called have a state record, so those are the ones
// read.
func (s *Store) quotaCallsTx(tx *bolt.Tx, survey string, quotas []model.Quota, calls []int64) error {
	return tx.Bucket(bCState).ForEach(func(k, v []byte) error {
		var st struct {
			Survey string       `json:"survey"`
			Calls  []CallRecord `json:"calls"`
		}
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("decode state of contact %x: %w", k, err)
		}
		if st.Survey != survey || len(st.Calls) == 0 {
			return nil
		}
		cid := binary.BigEndian.Uint64(k)
		c, err := s.contactTx(tx, cid)
		if err != nil {
			return err
		}
		var m *quotaMember
		if id := tx.Bucket(bIByContact).Get(append(idPrefix(survey), k...)); id != nil {
			if m, err = s.quotaMemberTx(tx, string(id)); err != nil {
				return err
			}
		}
		for i := range quotas {
			q := &quotas[i]
			in := false
			switch {
			case q.SampleOnly():
				in = q.Member(c, nil) == model.MemberIn
			case m != nil:
				in = m.Screened == q.Name || slices.Contains(m.Open, q.Name) || slices.Contains(m.Done, q.Name)
			}
			if in {
				calls[i] += int64(len(st.Calls))
			}
		}
		return nil
	})
}

// QuotaFormats are the formats [WriteQuotas] writes.
func QuotaFormats() []string { return []string{"text", "json"} }

// WriteQuotas writes a quota report as "text" (a table for people) or
// "json" (the QuotaReport document).
func WriteQuotas(w io.Writer, r *QuotaReport, format string) error {
	switch format {
	case "json":
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return fmt.Errorf("write quotas: %w", err)
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case "text", "":
	default:
		return fmt.Errorf("write quotas: unknown format %q (want text or json)", format)
	}
	if len(r.Cells) == 0 {
		_, err := fmt.Fprintf(w, "Survey %s has no quota cells.\n", r.Survey)
		return err
	}
	return writeQuotaTable(w, r.Cells, "")
}

// writeQuotaTable writes cells as a table, each line after indent, then
// each cell's conditions.
func writeQuotaTable(w io.Writer, cells []QuotaCell, indent string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, indent+"cell\tkind\ttarget\tcompletes\tin progress\tremaining\tcalls\tcalls/complete\n")
	for _, c := range cells {
		left, burn, target := "-", "-", "-"
		if c.Kind != model.QuotaCounter {
			target = fmt.Sprint(c.Target)
		}
		if c.Remaining != nil {
			left = fmt.Sprint(*c.Remaining)
			if c.Full {
				left += " full"
			}
		}
		if c.BurnRate != nil {
			burn = fmt.Sprintf("%.1f", *c.BurnRate)
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%d\t%d\t%s\t%d\t%s\n", indent, c.Name, c.Kind, target, c.Completes, c.InProgress, left, c.Calls, burn)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write quotas: %w", err)
	}
	for _, c := range cells {
		if _, err := fmt.Fprintf(w, "%s  %s: %s\n", indent, c.Name, c.Conditions); err != nil {
			return err
		}
	}
	return nil
}
