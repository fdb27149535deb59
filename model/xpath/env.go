package xpath

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Env is what an expression sees when it is evaluated. The interview engine
// implements it over the answers of an interview; [MapEnv] is a simple
// implementation for `canvass eval` and tests.
type Env interface {
	// Ref resolves ${name}. An unanswered question is the empty string; a
	// question inside a repeat seen from outside it is a node-set of all its
	// instances. An unknown name is an error.
	Ref(name string) (Value, error)
	// Current is '.', the answer being checked (the empty string when none).
	Current() Value
	// Position is position() outside predicates: the 1-based index of the
	// current repeat instance, 0 outside repeats.
	Position() int
	// Context is the node of the primary instance the expression belongs
	// to, which relative paths start from; the zero Node when there is no
	// primary instance, where location paths select nothing.
	Context() Node
	// Instance returns the document node of secondary instance id (a
	// choice list or a data file), which instance('id') selects.
	Instance(id string) (Node, bool)
	// ChoiceLabel is jr:choice-name(value, '${item}'): the label, in the
	// interview's current language, of choice value in the list of question
	// item.
	ChoiceLabel(item, value string) (string, bool)
	// Now is the injected clock, for today() and now(). Its location is the
	// time zone of the interview: dates and dateTimes without an offset are
	// read in it.
	Now() time.Time
	// Rand is the interview's random source, for random() and uuid().
	Rand() *rand.Rand
}

// Started is implemented by an [Env] that belongs to an interview. SurveyCTO's
// duration() needs it: canvass gives the whole seconds from Started to Now,
// wall-clock time including any time the interview was suspended (SurveyCTO
// counts only the time the form was open).
type Started interface {
	Started() time.Time
}

// Device is implemented by an [Env] that knows the device the interview
// runs on, for SurveyCTO's device-info().
type Device interface {
	Device() string
}

// MapEnv is an [Env] over plain maps, for `canvass eval` and tests.
type MapEnv struct {
	// Vars are the answers, by question name; a name not in it is unknown.
	Vars map[string]string
	// Cur is the current answer, '.'.
	Cur string
	// Pos is position().
	Pos int
	// Instances are the secondary instances (choice lists) by id, each a
	// table of rows of fields: instance('id')/root/item/FIELD. Fields are
	// in the order name, label, then the others by name.
	Instances map[string][]map[string]string
	// Docs are further secondary instances, by id, as documents; they win
	// over Instances.
	Docs map[string]*Instance
	// Primary is the primary instance, for location paths; nil means none.
	// Its context node is Node, zero meaning the document element.
	Primary *Instance
	Node    Node
	// Labels maps a question name to its choices' labels by value, for
	// jr:choice-name.
	Labels map[string]map[string]string
	// Time is the clock; the zero time is 1970-01-01 UTC.
	Time time.Time
	// Start is when the interview started, for duration(); zero means no
	// interview, and duration() is then an error.
	Start time.Time
	// Rng is the random source; nil means a fixed seed, so that results are
	// reproducible.
	Rng *rand.Rand
}

// Started returns Start, the interview's start for duration(); the zero
// time means there is no interview.
func (m *MapEnv) Started() time.Time { return m.Start }

// Ref returns the answer to question name, or an error if there is no such
// question.
func (m *MapEnv) Ref(name string) (Value, error) {
	v, ok := m.Vars[name]
	if !ok {
		return Value{}, fmt.Errorf("unknown question ${%s}", name)
	}
	return String(v), nil
}

// Current returns Cur.
func (m *MapEnv) Current() Value { return String(m.Cur) }

// Position returns Pos.
func (m *MapEnv) Position() int { return m.Pos }

// Context returns Node, or the document element of Primary.
func (m *MapEnv) Context() Node {
	switch {
	case !m.Node.IsZero():
		return m.Node
	case m.Primary != nil && m.Primary.Len() > 0:
		return Node{Doc: m.Primary, I: 1}
	}
	return Node{}
}

// Instance returns Docs[id], else Instances[id] as a document (built on
// first use).
func (m *MapEnv) Instance(id string) (Node, bool) {
	if d, ok := m.Docs[id]; ok {
		return d.Document(), true
	}
	rows, ok := m.Instances[id]
	if !ok {
		return Node{}, false
	}
	if m.Docs == nil {
		m.Docs = map[string]*Instance{}
	}
	d := RowsInstance(rowColumns(rows), rows)
	m.Docs[id] = d
	return d.Document(), true
}

// rowColumns are the fields of rows: name and label first, then the others
// by name.
func rowColumns(rows []map[string]string) []string {
	seen := map[string]bool{}
	var rest []string
	for _, r := range rows {
		for k := range r {
			if !seen[k] {
				seen[k] = true
				if k != "name" && k != "label" {
					rest = append(rest, k)
				}
			}
		}
	}
	slices.Sort(rest)
	var cols []string
	for _, k := range []string{"name", "label"} {
		if seen[k] {
			cols = append(cols, k)
		}
	}
	return append(cols, rest...)
}

// ChoiceLabel returns Labels[item][value].
func (m *MapEnv) ChoiceLabel(item, value string) (string, bool) {
	l, ok := m.Labels[item][value]
	return l, ok
}

// Now returns Time, or 1970-01-01T00:00Z when Time is zero.
func (m *MapEnv) Now() time.Time {
	if m.Time.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return m.Time
}

// Rand returns Rng, creating a fixed-seed source on first use when it is nil.
func (m *MapEnv) Rand() *rand.Rand {
	if m.Rng == nil {
		m.Rng = rand.New(rand.NewPCG(1, 2))
	}
	return m.Rng
}
