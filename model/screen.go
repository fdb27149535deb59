package model

import (
	"slices"
	"strings"

	"canvass/model/xpath"
)

// Screen is what the console shows for the current stop, with every text
// resolved in the current language and its fills filled.
type Screen struct {
	Kind Kind
	// Item and Path name the stop; for a repeat prompt, the repeat and the
	// instance it offers.
	Item string
	Path []int
	Type ItemType
	// Label is the question text (read aloud); for a repeat prompt, the
	// repeat's label; at the end, the survey's closing script.
	Label string
	// Hint is the interviewer instruction (shown, not read aloud).
	Hint string
	// Headings are the enclosing groups and repeats, outermost first.
	Headings []Heading
	// Options are the choices of a select or rank question after its
	// choice_filter, in the order to show them (randomised when the item
	// says so); an or_other question ends with the "other" option. A repeat
	// prompt has the options yes and no.
	Options []Option
	// Value, Special and Other are the answer given so far, if any;
	// Answered says whether there is one.
	Answered bool
	Value    string
	Special  Special
	Other    string
	Override string
	// Default is the proposed answer of an unanswered question.
	Default string
	// Required says the question cannot be left empty (don't know and
	// refused still count as answers).
	Required bool
	// DontKnow and Refused say whether those keys work here.
	DontKnow, Refused bool
	// Range bounds a range question.
	Range *Range
	// Appearance is the item's appearance hint for the console.
	Appearance string
	// Unsupported is the original type of an item a terminal cannot
	// capture.
	Unsupported string
	// Instance is the repeat instance a repeat prompt offers (1 for the
	// first); 0 otherwise.
	Instance int
}

// Heading is an enclosing group or repeat of the current stop.
type Heading struct {
	Item  string
	Label string
	// Instance is the 1-based repeat instance, 0 for a group.
	Instance int
}

// Option is one choice offered by a question.
type Option struct {
	Name  string
	Label string
	// Other marks the "other, specify" option of an or_other question; its
	// text goes in Response.Other.
	Other bool
}

// OtherName is the value of the "other, specify" option.
const OtherName = "other"

// Current describes the current stop.
func (iv *Interview) Current() Screen {
	l := iv.cur
	if l.end() {
		return Screen{Kind: KindEnd, Label: iv.fill(iv.form.survey.Closing, iv.form.root, nil)}
	}
	n, it := l.n, l.n.it
	sc := Screen{
		Kind:        iv.kind(n, l.path),
		Item:        it.Name,
		Path:        clonePath(l.path),
		Type:        it.Type,
		Label:       iv.fill(it.Label, n, l.path),
		Hint:        iv.fill(it.Hint, n, l.path),
		Range:       it.Range,
		Appearance:  it.Appearance,
		Unsupported: it.Unsupported,
	}
	for p := n.parent; p != iv.form.root; p = p.parent {
		pp := l.path[:p.ctxLen()]
		h := Heading{Item: p.it.Name, Label: iv.fill(p.it.Label, p, pp)}
		if p.isRepeat() {
			h.Instance = pp[len(pp)-1]
		}
		sc.Headings = append(sc.Headings, h)
	}
	slices.Reverse(sc.Headings)
	if a := iv.answers[l.key()]; a != nil {
		sc.Answered = true
		sc.Value, sc.Special, sc.Other, sc.Override = a.Value, a.Special, a.Other, a.Override
	}
	switch sc.Kind {
	case KindRepeatPrompt:
		sc.Instance = l.path[len(l.path)-1]
		sc.Options = []Option{{Name: "yes", Label: "Yes"}, {Name: "no", Label: "No"}}
	case KindNote:
		if it.Type != TypeNote || n.computed() {
			// A read-only or calculated question shows its value.
			sc.Value = iv.value(n, l.path)
			if sc.Value == "" && !sc.Answered {
				sc.Value = iv.defaultValue(n, l.path)
			}
		}
	case KindQuestion, KindAcknowledge:
		sc.Required = iv.required(n, l.path)
		sc.DontKnow = it.Type.Answerable() && !it.NoDontKnow
		sc.Refused = it.Type.Answerable() && !it.NoRefused
		if n.list != nil {
			sc.Options = iv.options(n, l.path)
		}
		if !sc.Answered {
			sc.Default = iv.defaultValue(n, l.path)
		}
	}
	return sc
}

// required evaluates the item's required expression.
func (iv *Interview) required(n *node, path []int) bool {
	if n.required == nil {
		return false
	}
	v, err := iv.eval(n.required, n, path, nil)
	if err != nil {
		iv.exprError(n, "required", err)
		return false
	}
	return v.Bool()
}

// readOnly reports whether the read_only expression of node n holds at
// path; an expression that fails leaves the question open.
func (iv *Interview) readOnly(n *node, path []int) bool {
	if n.readOnly == nil {
		return false
	}
	v, err := iv.eval(n.readOnly, n, path, nil)
	if err != nil {
		iv.exprError(n, "read_only", err)
		return false
	}
	return v.Bool()
}

// defaultValue is the proposed answer of an item: its literal or computed
// default.
func (iv *Interview) defaultValue(n *node, path []int) string {
	e, what := n.dflt, "default"
	if e == nil && n.dfltLit == "" && n.it.Editable && !n.stored() {
		// An editable calculated question proposes its calculation.
		e, what = n.calc, "calculation"
	}
	if e == nil {
		return n.dfltLit
	}
	v, err := iv.eval(e, n, path, nil)
	if err != nil {
		iv.exprError(n, what, err)
		return ""
	}
	return calcString(v)
}

// options lists the choices of select or rank item n at path: filtered,
// in the recorded order when randomised, with "other" last.
func (iv *Interview) options(n *node, path []int) []Option {
	if n.dynamic {
		return iv.repeatOptions(n, path)
	}
	choices := n.list.Choices
	var keep map[string]bool
	if n.filter != nil {
		v, err := iv.eval(n.filter, n, path, nil)
		if err != nil {
			iv.exprError(n, "choice_filter", err)
		} else {
			keep = make(map[string]bool, v.Len())
			for _, s := range v.NodeTexts() {
				keep[s] = true
			}
		}
	}
	byName := func(name string) *Choice {
		for i := range choices {
			if choices[i].Name == name {
				return &choices[i]
			}
		}
		return nil
	}
	opts := make([]Option, 0, len(choices)+1)
	add := func(ch *Choice) {
		if ch != nil && (keep == nil || keep[ch.Name]) {
			opts = append(opts, Option{Name: ch.Name, Label: iv.fill(ch.Label, n, path)})
		}
	}
	if order := iv.orders[akey{n.idx, pathKey(path)}]; order != nil && n.it.Randomize {
		for _, name := range order {
			add(byName(name))
		}
	} else {
		for i := range choices {
			add(&choices[i])
		}
	}
	if n.it.OrOther {
		opts = append(opts, Option{Name: OtherName, Label: "Other", Other: true})
	}
	return opts
}

// repeatOptions are the options of select_one ${name}: the answers to
// name in its repeat's instances, each once, value and label alike.
func (iv *Interview) repeatOptions(n *node, path []int) []Option {
	var opts []Option
	if n.filter != nil {
		v, err := iv.eval(n.filter, n, path, nil)
		if err != nil {
			iv.exprError(n, "choices", err)
		}
		seen := map[string]bool{}
		for _, s := range v.NodeTexts() {
			s = strings.TrimSpace(s)
			if s != "" && !seen[s] {
				seen[s] = true
				opts = append(opts, Option{Name: s, Label: s})
			}
		}
	}
	if n.it.OrOther {
		opts = append(opts, Option{Name: OtherName, Label: "Other", Other: true})
	}
	return opts
}

// Fill resolves a survey-level text (the intro or consent script) in the
// current language, with its fills filled as in [Interview.Current].
func (iv *Interview) Fill(t Text) string {
	return iv.fill(t, iv.form.root, nil)
}

// fill resolves t in the current language and replaces its ${name} fills:
// an item's answer (a select's choice labels rather than its values, the
// instances of a repeated item joined by commas), ${contact.FIELD},
// ${interviewer.name} and ${survey.client}. An unknown name is left as it is.
func (iv *Interview) fill(t Text, n *node, path []int) string {
	return FillWith(iv.text(t), func(name string) (string, bool) { return iv.fillValue(name, n, path) })
}

// FillWith replaces the ${name} fills of s by what value says of each
// name; a name value does not know (ok false) is left as it is.
func FillWith(s string, value func(name string) (string, bool)) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		name := strings.TrimSpace(s[i+2 : i+j])
		if v, ok := value(name); ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// FillGeneric is s as it reads across interviews (a codebook, an
// aggregate table): the survey's own fills (${survey.client}, title, id,
// version) filled, and every fill that differs from one interview to the
// next (an answer, a contact's field, the interviewer) shown as its name
// in brackets, "[nps]", "[contact.name]", never a person's data.
func (s *Survey) FillGeneric(text string) string {
	return FillWith(text, func(name string) (string, bool) {
		if field, ok := strings.CutPrefix(name, "survey."); ok {
			switch field {
			case "client":
				return s.Client, true
			case "title":
				return s.Title, true
			case "id":
				return s.ID, true
			case "version":
				return s.Version, true
			}
		}
		return "[" + name + "]", true
	})
}

// fillValue is the text a ${name} fill shows, seen from node n at path.
func (iv *Interview) fillValue(name string, n *node, path []int) (string, bool) {
	t := iv.form.byName[name]
	if t == nil {
		return iv.special(name)
	}
	v := iv.ref(t, n, path)
	var vals []string
	if v.Kind() == xpath.KindNodes {
		vals = v.NodeTexts()
	} else {
		vals = []string{v.String()}
	}
	out := make([]string, 0, len(vals))
	for _, s := range vals {
		if t.list != nil {
			s = iv.choiceLabels(t, s)
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, ", "), true
}

// choiceLabels turns a select answer (space-separated choice names) into
// its choice labels, comma-separated.
func (iv *Interview) choiceLabels(t *node, value string) string {
	names := strings.Fields(value)
	for i, name := range names {
		for _, ch := range t.list.Choices {
			if ch.Name == name {
				names[i] = iv.text(ch.Label)
				break
			}
		}
	}
	return strings.Join(names, ", ")
}
