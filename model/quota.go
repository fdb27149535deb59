package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// QuotaKind says what a quota cell does when it reaches its target.
type QuotaKind string

// The kinds of quota cell.
const (
	// QuotaNormal cells never hold more than their target: completes and
	// interviews in progress together stay at or under it, so an
	// interview that would pass it is screened out.
	QuotaNormal QuotaKind = "normal"
	// QuotaAllowOver cells stop new interviews from entering once their
	// completes reach the target, but interviews already in the cell may
	// finish, so completes can end above it.
	QuotaAllowOver QuotaKind = "allow_over"
	// QuotaCounter cells only count; nobody is screened out by them.
	QuotaCounter QuotaKind = "counter"
)

// QuotaFullCode is the AAPOR disposition of a case screened out because
// its quota cell was full ("quota filled").
const QuotaFullCode = "4.80"

// QuotaOutcome is the call outcome recorded for an interview screened out
// by a full quota cell.
const QuotaOutcome = "quota_full"

// ContactVar is the prefix of a quota variable that is a sample field
// (contact.region) rather than an answer.
const ContactVar = "contact."

// Quota is one quota cell: the interviews whose answers and sample fields
// meet all its conditions, and how many of them the study wants.
type Quota struct {
	Name string    `json:"name"`
	Kind QuotaKind `json:"kind"`
	// Target is the number of completes the cell wants.
	Target int `json:"target"`
	// Priority orders the draw before the balancing does: contacts in a
	// cell of higher priority are drawn first. Zero leaves the cell to
	// balancing alone (the emptiest cells first).
	Priority int `json:"priority,omitempty"`
	// Conditions are AND'd: each names one variable and the values that
	// meet it (OR'd).
	Conditions []QuotaCondition `json:"conditions"`
	Pos        Pos              `json:"pos,omitzero"`
}

// QuotaCondition is one condition of a quota cell: variable (an item's
// name, or contact.FIELD for a sample field) has one of Values.
type QuotaCondition struct {
	Variable string   `json:"variable"`
	Values   []string `json:"values"`
}

// Sample reports whether the condition is on a sample field.
func (c QuotaCondition) Sample() bool { return strings.HasPrefix(c.Variable, ContactVar) }

// Field is the sample field of a sample condition.
func (c QuotaCondition) Field() string { return strings.TrimPrefix(c.Variable, ContactVar) }

// Matches reports whether value meets the condition. A select_multiple
// answer (space-separated choices) meets it when any choice does.
func (c QuotaCondition) Matches(value string) bool {
	if slices.Contains(c.Values, value) {
		return true
	}
	if strings.ContainsRune(value, ' ') {
		for _, v := range strings.Fields(value) {
			if slices.Contains(c.Values, v) {
				return true
			}
		}
	}
	return false
}

// SampleOnly reports whether every condition of the cell is on a sample
// field, so that a contact's cell is known before anyone calls it.
func (q *Quota) SampleOnly() bool {
	for _, c := range q.Conditions {
		if !c.Sample() {
			return false
		}
	}
	return true
}

// Screens reports whether the cell can screen an interview out.
func (q *Quota) Screens() bool { return q.Kind != QuotaCounter }

// Full reports whether an interview may no longer enter the cell, given
// its completes and the interviews in progress in it.
func (q *Quota) Full(completes, open int) bool {
	switch q.Kind {
	case QuotaNormal:
		return completes+open >= q.Target
	case QuotaAllowOver:
		return completes >= q.Target
	}
	return false
}

// Membership is where an interview stands with a cell.
type Membership uint8

// The memberships.
const (
	// MemberUnknown: no condition failed yet, some are not known.
	MemberUnknown Membership = iota
	// MemberIn: every condition is known and met.
	MemberIn
	// MemberOut: a known condition is not met.
	MemberOut
)

// Member says whether an interview with the contact c and the answers
// known so far (item name to value; a don't-know or refused answer is
// present with an empty value) is in the cell.
func (q *Quota) Member(c *Contact, answers map[string]string) Membership {
	m := MemberIn
	for _, cond := range q.Conditions {
		var v string
		if cond.Sample() {
			v = ContactValue(c, cond.Field())
		} else {
			var ok bool
			if v, ok = answers[cond.Variable]; !ok {
				m = MemberUnknown
				continue
			}
		}
		if !cond.Matches(v) {
			return MemberOut
		}
	}
	return m
}

// ContactValue is the value of a contact's field as quotas and
// ${contact.FIELD} read it: a Contact field, else a sample column.
func ContactValue(c *Contact, field string) string { return contactField(c, field) }

// QuotaVariables are the answer variables the survey's quotas read.
func (s *Survey) QuotaVariables() map[string]bool {
	vars := map[string]bool{}
	for _, q := range s.Quotas {
		for _, c := range q.Conditions {
			if !c.Sample() {
				vars[c.Variable] = true
			}
		}
	}
	return vars
}

// ParseQuotaConditions reads a cell's conditions written on one line, as
// the XLSForm quotas sheet has them: variable=value|value, the
// conditions separated by ';' ("gender=f; age=18-24|25-34;
// contact.region=north"). Values of one variable are OR'd, different
// variables AND'd; a variable may appear once.
func ParseQuotaConditions(src string) ([]QuotaCondition, error) {
	var conds []QuotaCondition
	for part := range strings.SplitSeq(src, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, vals, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("condition %q has no '=': write variable=value|value", part)
		}
		c := QuotaCondition{Variable: strings.TrimSpace(name)}
		for v := range strings.SplitSeq(vals, "|") {
			if v = strings.TrimSpace(v); v != "" {
				c.Values = append(c.Values, v)
			}
		}
		conds = append(conds, c)
	}
	if len(conds) == 0 {
		return nil, fmt.Errorf("no condition: write variable=value|value; variable=value")
	}
	return conds, checkConditions(conds)
}

// checkConditions checks the form of a cell's conditions (not whether an
// answer can meet them: see validateQuotas).
func checkConditions(conds []QuotaCondition) error {
	seen := map[string]bool{}
	for _, c := range conds {
		switch {
		case c.Variable == "" || c.Variable == ContactVar:
			return fmt.Errorf("a condition names no variable")
		case strings.ContainsAny(c.Variable, " \t=|;${}"):
			return fmt.Errorf("variable %q is not a name: write an item's name or contact.FIELD", c.Variable)
		case seen[c.Variable]:
			return fmt.Errorf("variable %q is given twice: list its values once, separated by '|'", c.Variable)
		case len(c.Values) == 0:
			return fmt.Errorf("variable %q has no value", c.Variable)
		}
		seen[c.Variable] = true
	}
	return nil
}

// ParseQuotaKind reads a kind as files write it ("normal", "allow_over"
// or "allow-over", "counter"; empty is normal).
func ParseQuotaKind(s string) (QuotaKind, error) {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_") {
	case "", "normal":
		return QuotaNormal, nil
	case "allow_over", "allowover":
		return QuotaAllowOver, nil
	case "counter":
		return QuotaCounter, nil
	}
	return "", fmt.Errorf("quota kind %q is not normal, allow_over or counter", s)
}

// ParseQuotaTarget reads a target: a whole number, zero or more.
func ParseQuotaTarget(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("quota target %q is not a whole number of 0 or more", s)
	}
	return n, nil
}

// validateQuotas reports quota cells that are malformed or that no
// interview can enter: a variable that names no item, or an item that
// takes no answer, or values its choices do not have.
func (s *Survey) validateQuotas() []Problem {
	var probs []Problem
	names := map[string]bool{}
	for i := range s.Quotas {
		q := &s.Quotas[i]
		bad := func(format string, args ...any) {
			probs = append(probs, Problem{Pos: q.Pos, Msg: fmt.Sprintf("quota %q: ", q.Name) + fmt.Sprintf(format, args...)})
		}
		switch {
		case q.Name == "":
			probs = append(probs, Problem{Pos: q.Pos, Msg: "a quota cell has no name"})
		case names[q.Name]:
			bad("the name is used by another cell")
		}
		names[q.Name] = true
		if _, err := ParseQuotaKind(string(q.Kind)); err != nil {
			bad("%v", err)
		}
		if q.Target < 0 {
			bad("target %d is below 0", q.Target)
		}
		if len(q.Conditions) == 0 {
			continue // the loader said so
		}
		if err := checkConditions(q.Conditions); err != nil {
			bad("%v", err)
			continue
		}
		for _, c := range q.Conditions {
			if c.Sample() {
				continue
			}
			it := s.Find(c.Variable)
			switch {
			case it == nil:
				bad("no answer can reach this cell: %q is not an item of the survey", c.Variable)
				continue
			case !it.Type.Answerable() && it.Type != TypeCalculate && it.Type != TypeHidden:
				bad("no answer can reach this cell: %q is a %s, which takes no answer", c.Variable, it.Type)
				continue
			}
			if it.Type != TypeSelectOne && it.Type != TypeSelectMultiple {
				continue
			}
			l := s.Lists[it.ListName]
			if l == nil || strings.Contains(it.ListName, ".") {
				continue // an external list: its choices are not known here
			}
			var missing []string
			for _, v := range c.Values {
				if !slices.ContainsFunc(l.Choices, func(ch Choice) bool { return ch.Name == v }) && !(it.OrOther && v == "other") {
					missing = append(missing, v)
				}
			}
			if len(missing) == len(c.Values) {
				bad("no answer can reach this cell: %q has no choice %s", c.Variable, strings.Join(missing, " or "))
			} else if len(missing) > 0 {
				probs = append(probs, Problem{Pos: q.Pos, Warning: true,
					Msg: fmt.Sprintf("quota %q: %q has no choice %s", q.Name, c.Variable, strings.Join(missing, ", "))})
			}
		}
	}
	return probs
}
