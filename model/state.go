package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// StateVersion is the version of the interview state format written by
// [Interview.State]. [LoadState] reads it and every earlier version, so that
// interviews suspended by an earlier canvass resume; it refuses later ones.
//
// Version 2 added answers the engine calculated (a trigger fired, a
// calculate_here was passed: "calc": true) and the last saved interview's
// values ("last_saved"). A version 1 state is a version 2 state without
// them.
const StateVersion = 2

// stateV1 is the JSON form of an interview: {"v":2, ...}, or {"v":1, ...}
// without the fields version 2 added. Lists are sorted by item order and
// instance path so that the same interview always gives the same bytes.
type stateV1 struct {
	V           int         `json:"v"`
	Survey      string      `json:"survey"`
	Version     string      `json:"version"`
	Contact     string      `json:"contact,omitempty"`
	Interviewer Interviewer `json:"interviewer"`
	Lang        string      `json:"lang"`
	Seed        uint64      `json:"seed"`
	Device      string      `json:"device,omitempty"`
	Started     time.Time   `json:"started"`
	Ended       time.Time   `json:"ended,omitzero"`
	// Current is the current stop; null at the end.
	Current *Ref          `json:"current"`
	Answers []stateAnswer `json:"answers"`
	Orders  []stateOrder  `json:"orders,omitempty"`
	Seen    []stateSeen   `json:"seen,omitempty"`
	Calcs   []stateCalc   `json:"calcs,omitempty"`
	History []AnswerEvent `json:"history"`
	// LastSaved are Config.LastSaved (version 2).
	LastSaved map[string]string `json:"last_saved,omitempty"`
}

type stateAnswer struct {
	Item     string  `json:"item"`
	Path     []int   `json:"path,omitempty"`
	Value    string  `json:"value,omitempty"`
	Special  Special `json:"special,omitempty"`
	Other    string  `json:"other,omitempty"`
	Override string  `json:"override,omitempty"`
	Reason   string  `json:"reason,omitempty"`
	// Calc marks a value the engine calculated (version 2).
	Calc bool `json:"calc,omitempty"`
}

type stateOrder struct {
	Item  string   `json:"item"`
	Path  []int    `json:"path,omitempty"`
	Order []string `json:"order"`
}

type stateSeen struct {
	Item string    `json:"item"`
	Path []int     `json:"path,omitempty"`
	At   time.Time `json:"at"`
}

// stateCalc is the last computed value of a calculation, kept because
// once() and '.' in a calculation see it.
type stateCalc struct {
	Item  string `json:"item"`
	Path  []int  `json:"path,omitempty"`
	Value string `json:"value"`
}

// State returns the whole interview state as versioned JSON: answers,
// history, current stop, language, option orders, when each stop was shown.
// [LoadState] turns it back into the same interview.
func (iv *Interview) State() ([]byte, error) {
	st := stateV1{
		V:           StateVersion,
		Survey:      iv.form.survey.ID,
		Version:     iv.form.survey.Version,
		Interviewer: iv.who,
		Lang:        iv.lang,
		Seed:        iv.seed,
		Device:      iv.device,
		Started:     iv.started,
		Ended:       iv.ended,
		Answers:     []stateAnswer{},
		History:     iv.history,
		LastSaved:   iv.lastSaved,
	}
	if st.History == nil {
		st.History = []AnswerEvent{}
	}
	if iv.contact != nil {
		st.Contact = iv.contact.ID
	}
	if !iv.cur.end() {
		st.Current = &Ref{iv.cur.n.it.Name, iv.cur.path}
	}
	for _, k := range sortedKeys(iv.answers) {
		a := iv.answers[k]
		st.Answers = append(st.Answers, stateAnswer{
			Item: iv.form.nodes[k.n].it.Name, Path: mustPath(k.p),
			Value: a.Value, Special: a.Special, Other: a.Other, Override: a.Override, Reason: a.Reason, Calc: a.Calc,
		})
	}
	for _, k := range sortedKeys(iv.orders) {
		st.Orders = append(st.Orders, stateOrder{Item: iv.form.nodes[k.n].it.Name, Path: mustPath(k.p), Order: iv.orders[k]})
	}
	for _, k := range sortedKeys(iv.seen) {
		st.Seen = append(st.Seen, stateSeen{Item: iv.form.nodes[k.n].it.Name, Path: mustPath(k.p), At: iv.seen[k]})
	}
	st.Calcs = iv.onceValues()
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode interview state: %w", err)
	}
	return b, nil
}

// onceValues returns the current values of the calculations that see their
// own previous value (once(), '.'), at every place they are part of the
// interview: the only calculated values that cannot be recomputed from the
// answers alone.
func (iv *Interview) onceValues() []stateCalc {
	var out []stateCalc
	var walk func(kids []*node, pp []int)
	walk = func(kids []*node, pp []int) {
		for _, n := range kids {
			switch {
			case n.isRepeat():
				for k := 1; k <= iv.repeatCount(n, pp); k++ {
					if p := append(pp[:len(pp):len(pp)], k); iv.active(n, p) {
						walk(n.kids, p)
					}
				}
			case n.isGroup():
				if iv.active(n, pp) {
					walk(n.kids, pp)
				}
			case n.calc != nil && n.calc.UsesCurrent() && iv.active(n, pp):
				out = append(out, stateCalc{Item: n.it.Name, Path: clonePath(pp), Value: iv.calcValue(n, pp)})
			}
		}
	}
	walk(iv.form.root.kids, nil)
	return out
}

// sortedKeys returns the keys of m in questionnaire order, then by path.
func sortedKeys[V any](m map[akey]V) []akey {
	keys := make([]akey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b akey) int {
		if a.n != b.n {
			return a.n - b.n
		}
		return cmpPathKey(a.p, b.p)
	})
	return keys
}

func cmpPathKey(a, b string) int {
	return slices.Compare(mustPath(a), mustPath(b))
}

// mustPath decodes a path key the interview made itself.
func mustPath(k string) []int {
	p, err := parsePathKey(k)
	if err != nil {
		panic("model: corrupt instance path key " + k)
	}
	return p
}

// LoadState restores an interview of form from the JSON written by
// [Interview.State]. The contact (for fills) and the clock are given again;
// everything else comes from the state, so the interview resumes at the
// same stop with the same answers, history, language and option orders.
// A state of another version, of another survey or version, or naming items
// the form does not have is refused with an error.
func LoadState(form *Form, data []byte, contact *Contact, clock func() time.Time) (*Interview, error) {
	iv, err := newInterview(form, contact, clock)
	if err != nil {
		return nil, fmt.Errorf("load interview state: %w", err)
	}
	if err := iv.load(data); err != nil {
		return nil, fmt.Errorf("load interview state: %w", err)
	}
	return iv, nil
}

func (iv *Interview) load(data []byte) error {
	var head struct {
		V *int `json:"v"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return err
	}
	if head.V == nil {
		return errors.New("no version (\"v\")")
	}
	if *head.V < 1 || *head.V > StateVersion {
		return fmt.Errorf("unsupported version %d (this canvass reads versions 1 to %d)", *head.V, StateVersion)
	}
	var st stateV1
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return err
	}
	s := iv.form.survey
	if st.Survey != s.ID || st.Version != s.Version {
		return fmt.Errorf("state is for survey %s version %s, not %s version %s", st.Survey, st.Version, s.ID, s.Version)
	}
	if iv.contact != nil && st.Contact != iv.contact.ID {
		return fmt.Errorf("state is for contact %q, not %q", st.Contact, iv.contact.ID)
	}
	if err := iv.checkLang(st.Lang); err != nil {
		return err
	}
	if st.Started.IsZero() {
		return errors.New("no start time")
	}
	if st.V < 2 && (st.LastSaved != nil || slices.ContainsFunc(st.Answers, func(a stateAnswer) bool { return a.Calc })) {
		return fmt.Errorf("version %d has no last_saved or calc", st.V)
	}
	iv.who, iv.lang, iv.seed, iv.device = st.Interviewer, st.Lang, st.Seed, st.Device
	iv.lastSaved = st.LastSaved
	iv.started, iv.ended = st.Started, st.Ended

	for _, a := range st.Answers {
		l, err := iv.place(a.Item, a.Path, !a.Calc)
		if err != nil {
			return fmt.Errorf("answer: %w", err)
		}
		k := l.key()
		if iv.answers[k] != nil {
			return fmt.Errorf("answer: %s given twice", Ref{a.Item, a.Path})
		}
		if a.Calc && !l.n.stored() {
			return fmt.Errorf("answer %s: calculated, but the item is not set by a trigger or calculate_here", Ref{a.Item, a.Path})
		}
		if err := checkStoredAnswer(l.n, a); err != nil {
			return fmt.Errorf("answer %s: %w", Ref{a.Item, a.Path}, err)
		}
		iv.put(k, l.path, &answer{Value: a.Value, Special: a.Special, Other: a.Other, Override: a.Override, Reason: a.Reason, Calc: a.Calc})
	}
	for _, o := range st.Orders {
		l, err := iv.place(o.Item, o.Path, true)
		if err != nil {
			return fmt.Errorf("option order: %w", err)
		}
		if l.n.list == nil || !l.n.it.Randomize {
			return fmt.Errorf("option order for %s, which is not randomised", o.Item)
		}
		if !isPermutation(o.Order, l.n.list) {
			return fmt.Errorf("option order for %s is not an order of list %q", Ref{o.Item, o.Path}, l.n.list.Name)
		}
		iv.orders[l.key()] = o.Order
	}
	for _, sn := range st.Seen {
		l, err := iv.place(sn.Item, sn.Path, true)
		if err != nil {
			return fmt.Errorf("shown time: %w", err)
		}
		iv.seen[l.key()] = sn.At
	}
	for _, c := range st.Calcs {
		l, err := iv.place(c.Item, c.Path, false)
		if err != nil {
			return fmt.Errorf("calculated value: %w", err)
		}
		if !l.n.computed() {
			return fmt.Errorf("calculated value for %s, which is not calculated", c.Item)
		}
		// Stale: recomputed when needed, seeing this value as '.'.
		iv.cache[l.n.idx].calc.set(pathKey(l.path), calcVal{v: c.Value})
	}
	for i, ev := range st.History {
		if _, err := iv.place(ev.Item, ev.Path, true); err != nil {
			return fmt.Errorf("history event %d: %w", i+1, err)
		}
	}
	if len(st.History) > 0 {
		iv.history = st.History
	}
	if st.Current != nil {
		l, err := iv.place(st.Current.Item, st.Current.Path, true)
		if err != nil {
			return fmt.Errorf("current item: %w", err)
		}
		iv.cur = l
	}
	return nil
}

// place checks that item exists and path fits it; stops says the item must
// be one the route stops at (a question, note, or repeat prompt).
func (iv *Interview) place(item string, path []int, stops bool) (loc, error) {
	n := iv.form.byName[item]
	if n == nil {
		return loc{}, fmt.Errorf("no item %q in the survey", item)
	}
	if len(path) != n.ctxLen() {
		return loc{}, fmt.Errorf("%s: instance path %v does not match its %d enclosing repeats", item, path, n.ctxLen())
	}
	for _, k := range path {
		if k < 1 || k > maxRepeat {
			return loc{}, fmt.Errorf("%s: instance %d out of range", item, k)
		}
	}
	if stops && !n.stop() && !n.isRepeat() {
		return loc{}, fmt.Errorf("%s is not shown to the interviewer", item)
	}
	if n.isRepeat() && stops && !n.addAnother() {
		return loc{}, fmt.Errorf("%s has a repeat_count and no add-another prompt", item)
	}
	return loc{n, slices.Clone(path)}, nil
}

// checkStoredAnswer checks the shape of a stored answer (not its value
// against the questionnaire's checks, which may use other answers).
func checkStoredAnswer(n *node, a stateAnswer) error {
	switch a.Special {
	case NoSpecial:
	case DontKnow, Refused:
		if !n.it.Type.Answerable() {
			return fmt.Errorf("special code %q on a %s item", a.Special, n.it.Type)
		}
	case Skipped:
		if n.it.Type != TypeUnsupported {
			return fmt.Errorf("skipped, but %s can be answered", n.it.Type)
		}
	default:
		return fmt.Errorf("unknown special code %q", a.Special)
	}
	if a.Special != NoSpecial && a.Value != "" {
		return errors.New("both a value and a special code")
	}
	if a.Calc {
		// The calculation's result, in whatever form it has.
		if a.Special != NoSpecial {
			return errors.New("a calculated value with a special code")
		}
		return nil
	}
	if n.isRepeat() {
		if a.Value != "yes" && a.Value != "no" {
			return fmt.Errorf("repeat prompt answered %q, not yes or no", a.Value)
		}
		return nil
	}
	if a.Value != "" && !wellFormed(n, a.Value) {
		return fmt.Errorf("%q is not a valid %s answer", a.Value, n.it.Type)
	}
	return nil
}

// wellFormed reports whether v has the form the engine records for items
// of n's type: the checks that do not depend on other answers.
func wellFormed(n *node, v string) bool {
	choice := func(name string) bool {
		return hasChoice(n.list, name) || n.it.OrOther && name == OtherName || n.dynamic && name != ""
	}
	switch n.it.Type {
	case TypeInteger:
		i, err := strconv.ParseInt(v, 10, 64)
		return err == nil && strconv.FormatInt(i, 10) == v
	case TypeDecimal, TypeRange:
		_, ok := parseDecimal(v)
		return ok
	case TypeSelectOne:
		return choice(v)
	case TypeSelectMultiple, TypeRank:
		for _, name := range strings.Fields(v) {
			if !choice(name) {
				return false
			}
		}
		return strings.Join(strings.Fields(v), " ") == v
	case TypeDate:
		_, err := time.Parse(time.DateOnly, v)
		return err == nil
	case TypeTime:
		_, err := time.Parse("15:04:05", v)
		return err == nil
	case TypeDateTime:
		_, err := time.Parse(time.RFC3339, v)
		return err == nil
	case TypeAcknowledge:
		return v == "OK"
	case TypeText:
		return true
	}
	return false
}

func isPermutation(order []string, l *ChoiceList) bool {
	if len(order) != len(l.Choices) {
		return false
	}
	seen := make(map[string]bool, len(order))
	for _, name := range order {
		if seen[name] || !hasChoice(l, name) {
			return false
		}
		seen[name] = true
	}
	return true
}
