package model

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"canvass/model/xpath"
)

// Response is what the interviewer gives for the current stop.
type Response struct {
	// Value is the answer in ODK's string form: select_multiple and rank as
	// space-separated choice names, dates YYYY-MM-DD, times HH:MM, "yes" or
	// "no" for a repeat prompt, "OK" for an acknowledgement.
	Value string
	// Special is don't know or refused instead of a value (Skipped for an
	// item a terminal cannot capture).
	Special Special
	// Other is the text of the "other, specify" option.
	Other string
	// Override is the interviewer's reason for going on past a soft check;
	// without it a failed warning asks for one.
	Override string
	// Reason explains a skip.
	Reason string
}

// Status is the outcome of [Interview.Answer].
type Status int

// The outcomes of an answer.
const (
	// Accepted: the answer is recorded and its event returned.
	Accepted Status = iota
	// Rejected: the answer is invalid (wrong type, missing, failing a hard
	// check); Result.Msg says why. Nothing is recorded.
	Rejected
	// NeedsOverride: the answer fails a soft check; Result.Msg is the
	// warning. Submit it again with Response.Override set to record it.
	NeedsOverride
)

// String names the status for logs and test output.
func (s Status) String() string {
	switch s {
	case Accepted:
		return "accepted"
	case Rejected:
		return "rejected"
	case NeedsOverride:
		return "needs override"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Result is the outcome of [Interview.Answer].
type Result struct {
	Status Status
	// Msg is the message to show the interviewer when the answer was not
	// accepted, in the current language.
	Msg string
	// Irrelevant lists the answers this change took out of the data (they
	// became irrelevant, or their repeat instance went away); they stay in
	// the history. Restored lists answers that came back.
	Irrelevant []Ref
	Restored   []Ref
	// Invalid lists answers elsewhere that no longer pass their checks
	// after this change (a constraint using this answer fails, a choice
	// is filtered out). Next refuses to move past them until they are
	// answered again.
	Invalid []Ref
}

// Accepted reports whether the answer was recorded.
func (r Result) Accepted() bool { return r.Status == Accepted }

// Answer validates resp for the current stop and, when it is accepted,
// records it and returns its event, without moving: the console saves the
// event and then calls [Interview.Next]. An answer to a stop that already
// had one replaces it (the event says so), and what depends on it is
// re-evaluated. The checks, in order: the type (a number, a choice in the
// options, a date, ...), required, the constraint (hard: refused with its
// message) and the warning (soft: refused until resp.Override gives a
// reason).
func (iv *Interview) Answer(resp Response) (*AnswerEvent, Result) {
	l := iv.cur
	if l.end() {
		return nil, Result{Status: Rejected, Msg: ErrComplete.Error()}
	}
	a, res := iv.check(l, resp)
	if res.Status != Accepted {
		return nil, res
	}
	return iv.record(l, a, res)
}

// check validates a response for stop l and normalises it.
func (iv *Interview) check(l loc, r Response) (answer, Result) {
	n, it := l.n, l.n.it
	reject := func(format string, args ...any) (answer, Result) {
		return answer{}, Result{Status: Rejected, Msg: fmt.Sprintf(format, args...)}
	}
	if r.Special != NoSpecial && strings.TrimSpace(r.Value) != "" {
		return reject("give a value or a special code, not both")
	}
	switch iv.kind(n, l.path) {
	case KindNote:
		return reject("%s takes no answer", it.Name)
	case KindRepeatPrompt:
		if r.Special != NoSpecial {
			return reject("answer yes or no")
		}
		switch strings.ToLower(strings.TrimSpace(r.Value)) {
		case "yes", "y", "1", "true":
			return answer{Value: "yes"}, Result{}
		case "no", "n", "0", "false":
			return answer{Value: "no"}, Result{}
		}
		return reject("answer yes or no")
	case KindUnsupported:
		if r.Special != NoSpecial && r.Special != Skipped || strings.TrimSpace(r.Value) != "" {
			return reject("%s cannot be answered on a terminal; skip it", it.Name)
		}
		reason := strings.TrimSpace(r.Reason)
		if reason == "" {
			reason = fmt.Sprintf("%s cannot be captured on a terminal", orUnknown(ItemType(it.Unsupported)))
		}
		return answer{Special: Skipped, Reason: reason}, Result{}
	}

	// Questions and acknowledgements.
	switch r.Special {
	case NoSpecial:
	case DontKnow:
		if !it.Type.Answerable() || it.NoDontKnow {
			return reject("don't know is not allowed here")
		}
		return answer{Special: DontKnow}, Result{}
	case Refused:
		if !it.Type.Answerable() || it.NoRefused {
			return reject("refused is not allowed here")
		}
		return answer{Special: Refused}, Result{}
	default:
		return reject("%q is not a special code for a question", r.Special)
	}
	value, msg := iv.normalize(n, l.path, r.Value)
	if msg != "" {
		return reject("%s", msg)
	}
	a := answer{Value: value}
	if value == "" {
		if iv.required(n, l.path) {
			if m := iv.fill(it.RequiredMessage, n, l.path); m != "" {
				return reject("%s", m)
			}
			return reject("an answer is required")
		}
		return a, Result{}
	}
	if n.list != nil && it.OrOther && slices.Contains(strings.Fields(value), OtherName) {
		a.Other = strings.TrimSpace(r.Other)
		if a.Other == "" {
			return reject("say what the other answer is")
		}
	}
	if n.constraint == nil && n.warning == nil {
		return a, Result{}
	}
	if len(n.selfDeps) > 0 {
		if closure := iv.closure(n); iv.selfCheck(n, closure) {
			// The checks see the candidate as ${item} too (not only as
			// '.'); what was computed from it is forgotten again afterwards.
			prev, had := iv.answers[l.key()]
			iv.answers[l.key()] = &a
			iv.invalidate(closure)
			defer func() {
				if had {
					iv.answers[l.key()] = prev
				} else {
					delete(iv.answers, l.key())
				}
				iv.invalidate(closure)
			}()
		}
	}
	cur := xpath.String(value)
	if n.constraint != nil {
		v, err := iv.eval(n.constraint, n, l.path, &cur)
		if err != nil {
			iv.exprError(n, "constraint", err)
		}
		if err != nil || !v.Bool() {
			if m := iv.fill(it.ConstraintMessage, n, l.path); m != "" {
				return reject("%s", m)
			}
			return reject("this answer is not allowed (%s)", it.Constraint)
		}
	}
	if n.warning != nil {
		v, err := iv.eval(n.warning, n, l.path, &cur)
		if err != nil {
			iv.exprError(n, "warning", err)
		}
		if err != nil || !v.Bool() {
			a.Override = strings.TrimSpace(r.Override)
			if a.Override == "" {
				msg := iv.fill(it.WarningMessage, n, l.path)
				if msg == "" {
					msg = fmt.Sprintf("please confirm this answer (%s)", it.Warning)
				}
				return answer{}, Result{Status: NeedsOverride, Msg: msg}
			}
		}
	}
	return a, Result{}
}

// normalize checks a value against the item's type and returns it in ODK's
// string form, or a message saying what is wrong.
func (iv *Interview) normalize(n *node, path []int, raw string) (string, string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", ""
	}
	t := n.it.Type
	switch t {
	case TypeText:
		return s, ""
	case TypeAcknowledge:
		switch strings.ToLower(s) {
		case "ok", "yes", "y", "1", "true":
			return "OK", ""
		}
		return "", fmt.Sprintf("%q does not acknowledge: answer OK", raw)
	case TypeInteger:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return "", fmt.Sprintf("%q is not a whole number", raw)
		}
		return strconv.FormatInt(v, 10), ""
	case TypeDecimal:
		f, ok := parseDecimal(s)
		if !ok {
			return "", fmt.Sprintf("%q is not a number", raw)
		}
		return formatDecimal(f), ""
	case TypeRange:
		f, ok := parseDecimal(s)
		if !ok {
			return "", fmt.Sprintf("%q is not a number", raw)
		}
		r := n.it.Range
		lo, hi := min(r.Start, r.End), max(r.Start, r.End)
		if f < lo || f > hi {
			return "", fmt.Sprintf("%s is outside the range %s to %s", formatDecimal(f), formatDecimal(r.Start), formatDecimal(r.End))
		}
		if r.Step > 0 {
			q := (f - r.Start) / r.Step
			if math.Abs(q-math.Round(q)) > 1e-9*max(1, math.Abs(q)) {
				return "", fmt.Sprintf("%s is not on a step of %s from %s", formatDecimal(f), formatDecimal(r.Step), formatDecimal(r.Start))
			}
		}
		return formatDecimal(f), ""
	case TypeSelectOne, TypeSelectMultiple, TypeRank:
		opts := iv.options(n, path)
		valid := func(name string) bool {
			return slices.ContainsFunc(opts, func(o Option) bool { return o.Name == name })
		}
		vals := strings.Fields(s)
		if t == TypeSelectOne {
			if len(vals) != 1 {
				return "", "choose one option"
			}
			if !valid(vals[0]) {
				return "", fmt.Sprintf("%q is not one of the options", vals[0])
			}
			return vals[0], ""
		}
		var out []string
		for _, v := range vals {
			if !valid(v) {
				return "", fmt.Sprintf("%q is not one of the options", v)
			}
			if slices.Contains(out, v) {
				if t == TypeRank {
					return "", fmt.Sprintf("%q is ranked twice", v)
				}
				continue
			}
			out = append(out, v)
		}
		if t == TypeRank && len(out) != len(opts) {
			var missing []string
			for _, o := range opts {
				if !slices.Contains(out, o.Name) {
					missing = append(missing, o.Name)
				}
			}
			return "", fmt.Sprintf("rank every option: %s missing", strings.Join(missing, ", "))
		}
		return strings.Join(out, " "), ""
	case TypeDate:
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return "", fmt.Sprintf("%q is not a date (YYYY-MM-DD)", raw)
		}
		return d.Format(time.DateOnly), ""
	case TypeTime:
		for _, layout := range []string{"15:04", "15:04:05"} {
			if d, err := time.Parse(layout, s); err == nil {
				return d.Format("15:04:05"), ""
			}
		}
		return "", fmt.Sprintf("%q is not a time (HH:MM)", raw)
	case TypeDateTime:
		if d, err := time.Parse(time.RFC3339, s); err == nil {
			return d.Format(time.RFC3339), ""
		}
		loc := iv.clock().Location()
		for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
			if d, err := time.ParseInLocation(layout, s, loc); err == nil {
				return d.Format(time.RFC3339), ""
			}
		}
		return "", fmt.Sprintf("%q is not a date and time (YYYY-MM-DD HH:MM)", raw)
	}
	return s, ""
}

// parseDecimal parses a plain decimal number: an optional sign, digits and
// an optional fraction. Exponents, hex, Inf and NaN are not answers.
func parseDecimal(s string) (float64, bool) {
	digits := 0
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case (c == '-' || c == '+') && i == 0:
		case c == '.':
		default:
			return 0, false
		}
	}
	if digits == 0 || strings.Count(s, ".") > 1 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func formatDecimal(f float64) string {
	if f == 0 {
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// record stores an accepted answer at stop l, re-evaluates what depends on
// it and returns its event.
func (iv *Interview) record(l loc, a answer, res Result) (*AnswerEvent, Result) {
	n := l.n
	k := l.key()
	prev := iv.answers[k]

	// Which answers that may be affected are in the data now.
	type place struct {
		n    *node
		path []int
	}
	var affected []place
	var before []bool
	closure := iv.closure(n)
	for _, i := range closure {
		m := iv.form.nodes[i]
		if m.isRepeat() || m.isGroup() || m.computed() {
			continue
		}
		for _, p := range iv.paths[i] {
			affected = append(affected, place{m, p})
			before = append(before, iv.active(m, p))
		}
	}

	changed := prev == nil || prev.Value != a.Value || prev.Special != a.Special
	iv.put(k, l.path, &a)
	iv.invalidate(closure)
	if changed && len(n.fires) > 0 {
		iv.fire(n, l.path)
	}

	for i, p := range affected {
		now := iv.active(p.n, p.path)
		switch {
		case before[i] && !now:
			res.Irrelevant = append(res.Irrelevant, Ref{p.n.it.Name, clonePath(p.path)})
		case !before[i] && now:
			res.Restored = append(res.Restored, Ref{p.n.it.Name, clonePath(p.path)})
		}
	}

	for _, m := range iv.checks(n, closure) {
		for _, p := range iv.paths[m.idx] {
			if iv.active(m, p) && iv.stale(m, p) != "" {
				res.Invalid = append(res.Invalid, Ref{m.it.Name, clonePath(p)})
			}
		}
	}

	byOrder := func(a, b Ref) int {
		return cmpLoc(loc{iv.form.byName[a.Item], a.Path}, loc{iv.form.byName[b.Item], b.Path})
	}
	slices.SortFunc(res.Irrelevant, byOrder)
	slices.SortFunc(res.Restored, byOrder)
	slices.SortFunc(res.Invalid, byOrder)

	ev := AnswerEvent{
		Item:     n.it.Name,
		Path:     clonePath(l.path),
		Value:    a.Value,
		Special:  a.Special,
		Reason:   a.Reason,
		Override: a.Override,
		Other:    a.Other,
		Lang:     iv.lang,
		Label:    iv.fill(n.it.Label, n, l.path),
		Shown:    iv.seen[k],
		Answered: iv.clock(),
	}
	if n.it.Randomize && n.list != nil {
		for _, o := range iv.options(n, l.path) {
			if !o.Other {
				ev.Order = append(ev.Order, o.Name)
			}
		}
	}
	if prev != nil {
		ev.Change = true
		ev.Previous = prev.Value
		ev.PreviousSpecial = prev.Special
	}
	iv.history = append(iv.history, ev)
	return &ev, res
}

// stale returns why the stored answer at m, path no longer passes its
// checks (a choice filtered out, a constraint that now fails), or "".
// Warnings are not re-checked: they were confirmed or passed when given.
func (iv *Interview) stale(m *node, path []int) string {
	a := iv.answers[akey{m.idx, pathKey(path)}]
	if a == nil || a.Value == "" || iv.kind(m, path) != KindQuestion {
		return ""
	}
	if m.list != nil {
		if _, msg := iv.normalize(m, path, a.Value); msg != "" {
			return msg
		}
	}
	if m.constraint != nil {
		cur := xpath.String(a.Value)
		v, err := iv.eval(m.constraint, m, path, &cur)
		if err != nil || !v.Bool() {
			if msg := iv.fill(m.it.ConstraintMessage, m, path); msg != "" {
				return msg
			}
			return fmt.Sprintf("this answer is not allowed (%s)", m.it.Constraint)
		}
	}
	return ""
}

// put stores an answer, keeping the per-node index of answered paths.
func (iv *Interview) put(k akey, path []int, a *answer) {
	if iv.answers[k] == nil {
		iv.paths[k.n] = append(iv.paths[k.n], slices.Clone(path))
	}
	iv.answers[k] = a
	iv.gen++
}
