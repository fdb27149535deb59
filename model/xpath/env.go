package xpath

import (
	"fmt"
	"math/rand/v2"
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
	// Position is position(): the 1-based index of the current repeat
	// instance, 0 outside repeats.
	Position() int
	// Instance returns the rows of secondary instance id (a choice list):
	// each row maps the child element names (name, label, and the extra
	// columns of the choices sheet) to text.
	Instance(id string) (rows []map[string]string, ok bool)
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

// MapEnv is an [Env] over plain maps, for `canvass eval` and tests.
type MapEnv struct {
	// Vars are the answers, by question name; a name not in it is unknown.
	Vars map[string]string
	// Cur is the current answer, '.'.
	Cur string
	// Pos is position().
	Pos int
	// Instances are the secondary instances (choice lists) by id.
	Instances map[string][]map[string]string
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

// Instance returns Instances[id].
func (m *MapEnv) Instance(id string) ([]map[string]string, bool) {
	rows, ok := m.Instances[id]
	return rows, ok
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
