package model

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"canvass/model/xpath"
)

// Interviewer is who conducts an interview, for ${interviewer.name} fills
// and the username metadata.
type Interviewer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Config is what an interview starts from besides the questionnaire.
type Config struct {
	// Contact is the person interviewed, for ${contact.FIELD} fills; it may
	// be nil for a test run.
	Contact     *Contact
	Interviewer Interviewer
	// Lang is the language to start in; empty means the survey's default
	// language.
	Lang string
	// Seed drives option randomisation and random(): the same seed gives
	// the same orders.
	Seed uint64
	// Device is recorded as the deviceid metadata and is what SurveyCTO's
	// device-info() gives.
	Device string
	// LastSaved are the values of this interviewer's last saved interview
	// of the survey, by item name, for ${last-saved#name} (see
	// LastSavedValues); nil when there is none. The interview keeps them,
	// so that a resumed interview sees what it started with.
	LastSaved map[string]string
	// Clock is the time source; it must not be nil.
	Clock func() time.Time
}

// Kind is what the console shows for the current stop.
type Kind int

// The kinds of stop on the route.
const (
	// KindQuestion takes an answer (or don't know / refused).
	KindQuestion Kind = iota
	// KindNote is read out or shown; Next moves on without an answer.
	// Read-only questions are notes showing their value.
	KindNote
	// KindAcknowledge is confirmed with the value "OK".
	KindAcknowledge
	// KindRepeatPrompt asks "add another?" of a repeat without a count;
	// it is answered "yes" or "no". Its event names the repeat, with a
	// path ending in the instance offered.
	KindRepeatPrompt
	// KindUnsupported is an item a terminal cannot capture; it is answered
	// with Special Skipped and a reason.
	KindUnsupported
	// KindEnd is the end of the questionnaire.
	KindEnd
)

// String names the kind for logs and test output.
func (k Kind) String() string {
	switch k {
	case KindQuestion:
		return "question"
	case KindNote:
		return "note"
	case KindAcknowledge:
		return "acknowledge"
	case KindRepeatPrompt:
		return "repeat prompt"
	case KindUnsupported:
		return "unsupported"
	case KindEnd:
		return "end"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Errors returned by the navigation methods.
var (
	// ErrNotAnswered is returned by Next on a stop that still needs an
	// answer.
	ErrNotAnswered = errors.New("this item needs an answer first")
	// ErrAtStart is returned by Back on the first stop.
	ErrAtStart = errors.New("already at the first item")
	// ErrComplete is returned when the interview is at its end.
	ErrComplete = errors.New("the interview is complete")
	// ErrInvalid is returned by Next on an answer that no longer passes
	// its checks because an answer it depends on changed.
	ErrInvalid = errors.New("the answer no longer passes its checks")
	// ErrNotOnRoute is returned by GoTo for an item that is not on the
	// route, or not yet reached.
	ErrNotOnRoute = errors.New("item is not on the route taken so far")
)

// akey identifies an answer: a node and an instance path (see pathKey).
type akey struct {
	n int
	p string
}

// answer is the current answer at one place.
type answer struct {
	Value    string
	Special  Special
	Other    string
	Override string
	Reason   string
	// Calc marks a value the engine set from the item's calculation (a
	// trigger fired, a calculate_here was passed), not the interviewer.
	Calc bool
}

// Interview is one run through a questionnaire: the answers so far, where
// the interviewer is, and the history of every answer given. It is a pure
// state machine driven by the console; it does no I/O. An Interview is not
// safe for concurrent use.
//
// The console's loop: show [Interview.Current]; hand the interviewer's input
// to [Interview.Answer], which validates it and, when accepted, records it
// and returns the [AnswerEvent] without moving; save the event; only then
// call [Interview.Next]. [Interview.Back] and [Interview.GoTo] move to
// earlier stops without losing answers; answering there again replaces the
// answer, re-evaluates what depends on it and reports answers that left the
// data.
type Interview struct {
	form    *Form
	contact *Contact
	who     Interviewer
	lang    string
	seed    uint64
	device  string
	// lastSaved are the values of the interviewer's last saved interview.
	lastSaved map[string]string
	clock     func() time.Time
	started   time.Time
	ended     time.Time

	answers map[akey]*answer
	paths   [][][]int          // by node index: the instance paths answered
	orders  map[akey][]string  // option orders of randomised items
	seen    map[akey]time.Time // when each stop was last shown
	cur     loc
	history []AnswerEvent

	cache []cache // by node index
	// doc is the primary instance location paths walk; insts and instIdx
	// number the repeat instances its nodes are in (see instID).
	doc     *instanceDoc
	insts   []instRec
	instIdx map[instKey]int
	rows    map[string]*xpath.Instance // choice lists as instances, current language
	errs    []string
	depth   int
	envs    []*env // by evaluation depth
	// gen counts changes to the answers; progress is memoised for it,
	// since a console may ask on every frame.
	gen      int
	progGen  int
	progress Progress
	// mark and stamp are scratch for walking the dependency graph (see
	// closure): mark[i] == stamp when node i was reached in this walk.
	mark  []uint32
	stamp uint32
}

// Start begins an interview of form at its first stop.
func Start(form *Form, cfg Config) (*Interview, error) {
	iv, err := newInterview(form, cfg.Contact, cfg.Clock)
	if err != nil {
		return nil, err
	}
	if c := cfg.Contact; c != nil && c.Survey != "" && c.Survey != form.survey.ID {
		return nil, fmt.Errorf("start interview: contact %s is in the sample of survey %s, not %s", c.ID, c.Survey, form.survey.ID)
	}
	iv.who, iv.seed, iv.device = cfg.Interviewer, cfg.Seed, cfg.Device
	lang := cfg.Lang
	if lang == "" {
		lang = form.defaultLang()
	}
	if err := iv.checkLang(lang); err != nil {
		return nil, fmt.Errorf("start interview: %w", err)
	}
	iv.lang = lang
	iv.started = iv.clock()
	iv.lastSaved = cfg.LastSaved
	first := iv.seek(iv.start())
	iv.passHere(loc{}, first, true)
	iv.arrive(first)
	return iv, nil
}

func newInterview(form *Form, contact *Contact, clock func() time.Time) (*Interview, error) {
	if form == nil {
		return nil, errors.New("start interview: no form")
	}
	if clock == nil {
		return nil, errors.New("start interview: no clock")
	}
	iv := &Interview{
		form:    form,
		contact: contact,
		clock:   clock,
		answers: map[akey]*answer{},
		paths:   make([][][]int, len(form.nodes)),
		orders:  map[akey][]string{},
		seen:    map[akey]time.Time{},
		cache:   make([]cache, len(form.nodes)),
		insts:   []instRec{{parent: -1}},
	}
	iv.doc = &instanceDoc{iv}
	return iv, nil
}

// defaultLang is the survey's default language, else its first declared
// one, else "" (text without a language).
func (f *Form) defaultLang() string {
	s := f.survey
	if s.DefaultLanguage != "" {
		return s.DefaultLanguage
	}
	if len(s.Languages) > 0 {
		return s.Languages[0]
	}
	return ""
}

func (iv *Interview) checkLang(lang string) error {
	langs := iv.form.survey.Languages
	if len(langs) == 0 || slices.Contains(langs, lang) {
		return nil
	}
	return fmt.Errorf("language %q is not one of the survey's languages (%s)", lang, strings.Join(langs, ", "))
}

// Form returns the compiled questionnaire the interview runs.
func (iv *Interview) Form() *Form { return iv.form }

// Contact is the person interviewed (nil for a test run).
func (iv *Interview) Contact() *Contact { return iv.contact }

// Interviewer is who conducts the interview.
func (iv *Interview) Interviewer() Interviewer { return iv.who }

// Started is when the interview began.
func (iv *Interview) Started() time.Time { return iv.started }

// Language is the current language.
func (iv *Interview) Language() string { return iv.lang }

// SetLanguage switches the language of everything shown from now on.
// Answers are kept; events record the language they were given in.
func (iv *Interview) SetLanguage(lang string) error {
	if err := iv.checkLang(lang); err != nil {
		return fmt.Errorf("switch language: %w", err)
	}
	if lang != iv.lang {
		iv.lang = lang
		iv.rows = nil
		iv.gen++
		// Labels can reach calculations through jr:choice-name and
		// instance lookups, so everything is recomputed.
		iv.invalidateAll()
	}
	return nil
}

// Done reports whether the interview has reached the end of the route.
func (iv *Interview) Done() bool { return iv.cur.end() }

// Errors returns expressions that failed while interviewing (a division of
// a string, a date that does not parse, ...), each once, as
// "item field: error". Their results were taken as empty or false.
func (iv *Interview) Errors() []string { return slices.Clone(iv.errs) }

// History returns every answer event of the interview, in order.
func (iv *Interview) History() []AnswerEvent { return slices.Clone(iv.history) }

// text is t in the current language, falling back to the default and the
// declared languages.
func (iv *Interview) text(t Text) string {
	return t.In(iv.lang, iv.form.fallback...)
}

// kind is the kind of stop node n is at instance path path.
func (iv *Interview) kind(n *node, path []int) Kind {
	switch {
	case n.isRepeat():
		return KindRepeatPrompt
	case n.it.Type == TypeNote || n.it.ReadOnly || n.computed() || iv.readOnly(n, path):
		// A calculated question shows its value, as ODK makes it
		// read-only.
		return KindNote
	case n.it.Type == TypeAcknowledge:
		return KindAcknowledge
	case n.it.Type == TypeUnsupported:
		return KindUnsupported
	}
	return KindQuestion
}

// arrive makes l the current stop: it records when it was shown and fixes
// its option order, or completes the interview at the end.
func (iv *Interview) arrive(l loc) {
	iv.cur = l
	now := iv.clock()
	if l.end() {
		iv.ended = now
		return
	}
	k := l.key()
	iv.seen[k] = now
	if l.n.it.Randomize && l.n.list != nil && !l.n.dynamic && iv.orders[k] == nil {
		names := make([]string, len(l.n.list.Choices))
		for i, ch := range l.n.list.Choices {
			names[i] = ch.Name
		}
		r := iv.rng(l.n, l.path)
		// A separate stream from random() in the item's expressions.
		r = rand.New(rand.NewPCG(r.Uint64(), r.Uint64()))
		r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		iv.orders[k] = names
	}
}

// Next moves to the next stop on the route. The current stop must be
// complete: answered (a question, an acknowledgement, a repeat prompt, a
// skipped unsupported item) or a note. At the last stop it moves to the end,
// recording the end time.
func (iv *Interview) Next() error {
	if iv.cur.end() {
		return ErrComplete
	}
	n := iv.cur.n
	if k := iv.kind(n, iv.cur.path); k != KindNote {
		a := iv.answers[iv.cur.key()]
		if a == nil {
			return ErrNotAnswered
		}
		if a.Value == "" && a.Special == NoSpecial && iv.required(n, iv.cur.path) {
			return ErrNotAnswered
		}
		if msg := iv.stale(n, iv.cur.path); msg != "" {
			return fmt.Errorf("%w: %s", ErrInvalid, msg)
		}
	}
	to := iv.next(iv.cur)
	iv.passHere(iv.cur, to, false)
	iv.arrive(to)
	return nil
}

// Back moves to the previous stop on the route. Answers are kept.
func (iv *Interview) Back() error {
	var prev loc
	iv.route(func(s loc) bool {
		if cmpLoc(s, iv.cur) >= 0 {
			return false
		}
		prev = s
		return true
	})
	if prev.end() {
		return ErrAtStart
	}
	iv.arrive(prev)
	return nil
}

// GoTo jumps to the stop of item at instance path path (nil outside
// repeats; for an "add another?" prompt, the instance offered). The stop
// must be on the route and reached already: answered, or no later than the
// first stop still needing an answer.
func (iv *Interview) GoTo(item string, path []int) error {
	n := iv.form.byName[item]
	if n == nil {
		return fmt.Errorf("go to %s: no such item", item)
	}
	if len(path) != n.ctxLen() {
		return fmt.Errorf("go to %s: instance path %v does not match its %d enclosing repeats", item, path, n.ctxLen())
	}
	l := loc{n, slices.Clone(path)}
	if !n.stop() && !n.isRepeat() {
		return fmt.Errorf("go to %s: %w", Ref{item, path}, ErrNotOnRoute)
	}
	// An answered question that is part of the interview is on the route;
	// anything else is checked by walking it.
	fast := !n.isRepeat() && iv.answers[l.key()] != nil && iv.active(n, l.path)
	if !fast && !iv.onRoute(l) {
		return fmt.Errorf("go to %s: %w", Ref{item, path}, ErrNotOnRoute)
	}
	iv.arrive(l)
	return nil
}

// FastForward moves to the first stop on the route that still needs the
// interviewer (unanswered, or with an answer that no longer passes its
// checks), or to the end when there is none: where the interview left off
// before going back.
func (iv *Interview) FastForward() {
	target := loc{}
	iv.route(func(s loc) bool {
		if !iv.complete(s) || iv.stale(s.n, s.path) != "" {
			target = s
			return false
		}
		return true
	})
	if !target.same(iv.cur) {
		iv.arrive(target)
	}
}

// Progress is how far an interview has got along its route.
type Progress struct {
	// Answered is the number of stops on the route that have an answer.
	Answered int
	// Remaining estimates the stops on the route still to answer, assuming
	// unanswered questions do not open further ones and "add another?"
	// prompts not yet answered are answered no.
	Remaining int
}

// Progress counts answered and remaining stops on the current route.
func (iv *Interview) Progress() Progress {
	if iv.progGen == iv.gen+1 {
		return iv.progress
	}
	var p Progress
	for l := iv.seek(iv.start()); !l.end(); {
		k := l.key()
		switch {
		case iv.answers[k] != nil:
			p.Answered++
		case iv.kind(l.n, l.path) != KindNote:
			p.Remaining++
		}
		if l.n.isRepeat() && iv.answers[k] == nil {
			l = iv.seek(iv.after(l.n, l.path[:len(l.path)-1]))
			continue
		}
		l = iv.next(l)
	}
	iv.progress, iv.progGen = p, iv.gen+1
	return p
}

// Ref names an answer: an item and its instance path (1-based instances of
// the enclosing repeats, outermost first).
type Ref struct {
	Item string `json:"item"`
	Path []int  `json:"path,omitempty"`
}

// String formats the reference as item or item[2] or item[2,1].
func (r Ref) String() string {
	if len(r.Path) == 0 {
		return r.Item
	}
	var b strings.Builder
	b.WriteString(r.Item)
	b.WriteByte('[')
	for i, k := range r.Path {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, k)
	}
	b.WriteByte(']')
	return b.String()
}

// Datum is one value of an interview's data: an answer, a calculated value
// or metadata, at an instance path.
type Datum struct {
	Item    string  `json:"item"`
	Path    []int   `json:"path,omitempty"`
	Value   string  `json:"value,omitempty"`
	Special Special `json:"special,omitempty"`
	Other   string  `json:"other,omitempty"`
}

// Data returns the interview's data in questionnaire order: every answer,
// calculated value and metadata item of the items that are part of the
// interview (relevant, in existing repeat instances). Answers that became
// irrelevant are left out; they stay in the history. Unanswered questions
// and empty calculations are left out too.
func (iv *Interview) Data() []Datum {
	var out []Datum
	var walk func(kids []*node, pp []int)
	walk = func(kids []*node, pp []int) {
		for _, n := range kids {
			switch {
			case n.isRepeat():
				cnt := iv.repeatCount(n, pp)
				for k := 1; k <= cnt; k++ {
					p := append(pp[:len(pp):len(pp)], k)
					if iv.active(n, p) {
						walk(n.kids, p)
					}
				}
			case n.isGroup():
				if iv.active(n, pp) {
					walk(n.kids, pp)
				}
			case !iv.active(n, pp):
			case n.computed() || n.it.Type == TypeMeta:
				if v := iv.value(n, pp); v != "" {
					out = append(out, Datum{Item: n.it.Name, Path: clonePath(pp), Value: v})
				}
			default:
				if a := iv.answers[akey{n.idx, pathKey(pp)}]; a != nil {
					out = append(out, Datum{Item: n.it.Name, Path: clonePath(pp), Value: a.Value, Special: a.Special, Other: a.Other})
				}
			}
		}
	}
	walk(iv.form.root.kids, nil)
	return out
}

// Name is the interview's instance name for review screens, from the
// survey's instance_name expression; "" when it has none.
func (iv *Interview) Name() string {
	if iv.form.instanceName == nil {
		return ""
	}
	v, err := iv.eval(iv.form.instanceName, iv.form.root, nil, nil)
	if err != nil {
		return ""
	}
	return v.String()
}
