package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"canvass/model/xpath"
)

// Form is a questionnaire compiled for interviewing: every expression parsed
// once, every item indexed, and the dependencies between items worked out so
// that a changed answer re-evaluates only what depends on it. A Form is
// immutable once compiled and may be shared by any number of interviews.
type Form struct {
	survey *Survey
	root   *node   // a virtual group holding the top-level items
	nodes  []*node // every item in questionnaire order (pre-order)
	byName map[string]*node
	// instanceName names an interview for review screens; nil when unset.
	instanceName *xpath.Expr
	// fallback are the languages a text missing in the current one is
	// shown in instead: the default, then the declared ones.
	fallback []string
	// rootName is the primary instance's document element; metaI and idI
	// are the indexes (see instance.go) of ODK's meta/instanceID, which
	// the form has unless it has an item named meta of its own (0 then).
	rootName   string
	metaI, idI int
	schema     *schemaDoc
	// here are the calculate_here items, in questionnaire order.
	here []*node
	// data are the secondary instances of the survey's data files, by
	// instance id.
	data map[string]*xpath.Instance
	// lastSaved is set when an expression reads ${last-saved#name}.
	lastSaved bool
}

// UsesLastSaved reports whether the questionnaire reads values of the
// interviewer's last saved interview (${last-saved#name}): only then does
// an interview need them (Config.LastSaved).
func (f *Form) UsesLastSaved() bool { return f.lastSaved }

// node is one compiled item.
type node struct {
	it     *Item
	elem   string // the element name in the primary instance
	idx    int    // position in Form.nodes; -1 for the root
	parent *node
	kids   []*node
	next   *node // next sibling
	// repeats are the enclosing repeats, outermost first (not the node
	// itself), so len(repeats) is the length of the node's instance path.
	repeats []*node

	relevant, required, constraint, warning *xpath.Expr
	readOnly                                *xpath.Expr // Item.ReadOnlyIf
	calc, count, filter, dflt               *xpath.Expr
	// dfltLit is a literal default (XLSForm's "yes" means the string yes,
	// not a path); used when dflt is nil.
	dfltLit string
	list    *ChoiceList

	// deps are the nodes this node's value or relevance is computed from;
	// users are the nodes computed directly from this one, the reverse
	// edges. What a change of this node's value may affect is the closure
	// over users (Interview.closure).
	deps, users []*node
	// dynamic says the options are the answers to an item in a repeat
	// (select_one ${name}); filter then gives them.
	dynamic bool
	// checkedBy are the items whose constraint or choice_filter reads this
	// node: their verdict may change when anything in this node's closure
	// changes. selfDeps are what this node's own constraint and warning
	// read through ${name} or paths (not '.'): when one of them is in the
	// node's closure, a candidate answer must be seen as ${item} too.
	checkedBy, selfDeps []*node

	// triggers are the items whose change sets this node's value; fires
	// are the nodes this one's change sets.
	triggers, fires []*node
}

func (n *node) isRepeat() bool { return n.it != nil && n.it.Type == TypeRepeat }
func (n *node) isGroup() bool  { return n.it == nil || n.it.Type == TypeGroup }

// addAnother reports whether the interviewer is asked before each instance
// of this repeat, rather than the count coming from repeat_count.
func (n *node) addAnother() bool { return n.isRepeat() && n.count == nil }

// ctxLen is the length of the instance path of a location at this node:
// the enclosing repeats, plus the node's own instance for a repeat.
func (n *node) ctxLen() int {
	if n.isRepeat() {
		return len(n.repeats) + 1
	}
	return len(n.repeats)
}

// stop reports whether the node is shown to the interviewer on the route
// (as opposed to containers and items filled without being shown).
func (n *node) stop() bool {
	switch n.it.Type {
	case TypeNote, TypeAcknowledge, TypeUnsupported:
		return true
	}
	if n.it.Label.IsZero() && n.it.Hint.IsZero() && (n.it.Calculation != "" || n.it.Trigger != "") {
		// A question ODK has no control for: a value set by a
		// calculation or a trigger, kept without being shown.
		return false
	}
	return n.it.Type.Answerable()
}

// computed reports whether the node's value comes from an expression rather
// than from the interviewer.
func (n *node) computed() bool {
	if n.stored() {
		return false
	}
	switch n.it.Type {
	case TypeCalculate:
		return true
	case TypeHidden:
		return n.calc != nil || n.dflt != nil || n.dfltLit != ""
	case TypeGroup, TypeRepeat, TypeMeta:
		return false
	}
	// A calculation on any other item, as ODK has it.
	return n.calc != nil && !n.it.Editable
}

// stored reports whether a calculated value is kept as the item's answer,
// set at particular moments (a trigger, calculate_here), rather than
// recomputed whenever what it reads changes.
func (n *node) stored() bool { return len(n.triggers) > 0 || n.it != nil && n.it.CalculateHere }

// Survey returns the questionnaire the form was compiled from. The caller
// must not modify it.
func (f *Form) Survey() *Survey { return f.survey }

// Compile checks a questionnaire and compiles it for interviewing. It
// returns the problems found (see [Survey.Validate]); the form is nil when
// any of them is an error rather than a warning.
func Compile(s *Survey) (*Form, []Problem) {
	c := &compiler{s: s, f: &Form{survey: s, byName: map[string]*node{}, fallback: fallbackLangs(s)}, pathDeps: map[*xpath.Expr][]*node{}}
	c.run()
	for _, p := range s.validateQuotas() {
		p.Pos = c.pos(p.Pos)
		c.probs = append(c.probs, p)
	}
	for _, p := range c.probs {
		if !p.Warning {
			return nil, c.probs
		}
	}
	return c.f, c.probs
}

// MaxItems bounds the items of one questionnaire: questions, notes,
// calculations, groups and repeats, counted as written (a repeat's items
// once). The largest real forms have a few thousand; checking and
// interviewing stay linear in items, so this only stops a generated file
// that would take minutes and gigabytes to load.
const MaxItems = 100_000

// tooLarge reports a questionnaire of more than MaxItems items, at the
// first item past the limit, so that nothing else is compiled.
func (c *compiler) tooLarge() bool {
	count := 0
	var at *Item
	c.s.Walk(func(it *Item, _ []*Item) bool {
		count++
		if count == MaxItems+1 {
			at = it
		}
		return true
	})
	if at == nil {
		return false
	}
	c.errorf(at.Pos, "", "the questionnaire has %d items; canvass takes up to %d", count, MaxItems)
	return true
}

// compiler holds the work of one Compile call.
type compiler struct {
	s     *Survey
	f     *Form
	probs []Problem
	// pathDeps are the items each expression's location paths read.
	pathDeps map[*xpath.Expr][]*node
}

func (c *compiler) errorf(pos Pos, item, format string, args ...any) {
	c.probs = append(c.probs, Problem{Pos: c.pos(pos), Item: item, Msg: fmt.Sprintf(format, args...)})
}

func (c *compiler) warnf(pos Pos, item, format string, args ...any) {
	c.probs = append(c.probs, Problem{Pos: c.pos(pos), Item: item, Msg: fmt.Sprintf(format, args...), Warning: true})
}

// pos fills in the survey's file for positions the loader left without one.
func (c *compiler) pos(p Pos) Pos {
	if p.File == "" {
		p.File = c.s.Source
	}
	return p
}

func (c *compiler) run() {
	if c.tooLarge() {
		return
	}
	f := c.f
	f.root = &node{idx: -1}
	f.rootName = c.s.Root
	if f.rootName == "" {
		f.rootName = DefaultRoot
	}
	f.schema = &schemaDoc{f}
	c.survey()
	c.build(f.root, c.s.Items, nil)
	if !slices.ContainsFunc(f.root.kids, func(k *node) bool { return k.elem == "meta" }) {
		f.metaI, f.idI = len(f.nodes)+1, len(f.nodes)+2
	}
	c.lists()
	c.dataFiles()
	for _, n := range f.nodes {
		c.item(n)
	}
	for _, n := range f.nodes {
		c.trigger(n)
	}
	if c.s.InstanceName != "" {
		f.instanceName = c.expr(nil, "instance_name", c.s.InstanceName, "")
	}
	for _, t := range []struct {
		field string
		text  Text
	}{{"intro", c.s.Intro}, {"consent", c.s.Consent}, {"closing", c.s.Closing}, {"optout_closing", c.s.OptOutClosing}} {
		c.fills(nil, t.field, t.text)
	}
	c.graph()
	// Problems in file order; those without a position (survey settings)
	// first.
	slices.SortStableFunc(c.probs, func(a, b Problem) int {
		return cmpPos(a.Pos, b.Pos)
	})
}

func cmpPos(a, b Pos) int {
	if c := strings.Compare(a.File, b.File); c != 0 {
		return c
	}
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	if c := strings.Compare(a.Sheet, b.Sheet); c != 0 {
		return c
	}
	return a.Row - b.Row
}

// survey checks the survey-level settings.
func (c *compiler) survey() {
	pos := Pos{}
	if c.s.ID == "" {
		c.errorf(pos, "", "survey has no id")
	}
	if len(c.s.Items) == 0 {
		c.errorf(pos, "", "survey has no items")
	}
	seen := map[string]bool{}
	for _, l := range c.s.Languages {
		if l == "" {
			c.errorf(pos, "", "empty language code in languages")
		} else if seen[l] {
			c.errorf(pos, "", "language %q is declared twice", l)
		}
		seen[l] = true
	}
	if d := c.s.DefaultLanguage; d != "" && len(c.s.Languages) > 0 && !seen[d] {
		c.errorf(pos, "", "default language %q is not one of the declared languages %s", d, strings.Join(c.s.Languages, ", "))
	}
}

// build indexes items depth first and checks names and nesting.
func (c *compiler) build(parent *node, items []Item, repeats []*node) {
	var prev *node
	elems := map[string]*node{}
	for i := range items {
		it := &items[i]
		n := &node{it: it, elem: elemName(it), idx: len(c.f.nodes), parent: parent, repeats: repeats}
		if first := elems[n.elem]; first != nil && n.elem != "" && n.elem != it.Name {
			c.errorf(it.Pos, it.Name, "%s: element name %q is used twice in one group (first at %s): ODK needs names unique within a group", it.Name, n.elem, c.pos(first.it.Pos))
		} else if n.elem != "" {
			elems[n.elem] = n
		}
		c.f.nodes = append(c.f.nodes, n)
		parent.kids = append(parent.kids, n)
		if prev != nil {
			prev.next = n
		}
		prev = n
		switch {
		case it.Name == "":
			c.errorf(it.Pos, "", "%s item has no name", orUnknown(it.Type))
		case !validName(it.Name):
			c.errorf(it.Pos, it.Name, "%s: name %q is not a valid name (a letter or _ first, then letters, digits, -, _ or .)", it.Name, it.Name)
		case c.f.byName[it.Name] != nil:
			first := c.f.byName[it.Name]
			c.errorf(it.Pos, it.Name, "%s: duplicate name (first defined at %s)", it.Name, c.pos(first.it.Pos))
		default:
			c.f.byName[it.Name] = n
		}
		if len(it.Items) > 0 && !it.Type.Container() {
			c.errorf(it.Pos, it.Name, "%s: only groups and repeats hold items, not %s items", it.Name, orUnknown(it.Type))
		}
		inner := repeats
		if it.Type == TypeRepeat {
			inner = append(repeats[:len(repeats):len(repeats)], n)
		}
		c.build(n, it.Items, inner)
	}
}

func orUnknown(t ItemType) string {
	if t == "" {
		return "untyped"
	}
	return string(t)
}

// validName reports whether s is an XML name as ODK requires of item names.
func validName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f:
		case i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// lists checks the choice lists.
func (c *compiler) lists() {
	names := make([]string, 0, len(c.s.Lists))
	for k := range c.s.Lists {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		l := c.s.Lists[k]
		if l == nil {
			c.errorf(Pos{}, "", "choice list %q is empty", k)
			continue
		}
		if l.Name != "" && l.Name != k {
			c.errorf(l.Pos, "", "choice list %q is filed under the name %q", l.Name, k)
		}
		if len(l.Choices) == 0 {
			c.errorf(l.Pos, "", "choice list %q has no choices", k)
		}
		seen := map[string]Pos{}
		for _, ch := range l.Choices {
			pos := ch.Pos
			if pos == (Pos{}) {
				pos = l.Pos
			}
			switch {
			case ch.Name == "":
				c.errorf(pos, "", "choice list %q: choice with no name", k)
			case strings.ContainsAny(ch.Name, " \t\n"):
				c.errorf(pos, "", "choice list %q: choice name %q contains a space (select_multiple answers are space-separated)", k, ch.Name)
			default:
				if first, dup := seen[ch.Name]; dup {
					// XLSForm's allow_choice_duplicates lets a form repeat a
					// name (ODK then records the first); it stays worth a
					// warning, since the answers cannot tell them apart.
					report := c.errorf
					if c.s.AllowChoiceDuplicates {
						report = c.warnf
					}
					report(pos, "", "choice list %q: duplicate choice name %q (first at %s)", k, ch.Name, c.pos(first))
				}
				seen[ch.Name] = pos
			}
			if ch.Label.IsZero() {
				c.errorf(pos, "", "choice list %q: choice %q has no label", k, ch.Name)
				continue
			}
			what := fmt.Sprintf("choice list %q: choice %q label", k, ch.Name)
			c.translations(pos, "", what, ch.Label)
			for _, r := range textRefs(ch.Label) {
				if msg := c.checkRef(r); msg != "" {
					c.errorf(pos, "", "%s refers to %s", what, msg)
				}
			}
		}
	}
}

// knownMeta reports whether the engine records metadata m (lower case).
func knownMeta(m string) bool {
	switch m {
	case "start", "end", "today", "deviceid", "username", "userid", "instanceid",
		"phonenumber", "simserial", "subscriberid", "email", "caseid":
		return true
	}
	return false
}

// item checks one item and compiles its expressions.
func (c *compiler) item(n *node) {
	it := n.it
	name := it.Name
	t := it.Type
	switch t {
	case TypeNote, TypeText, TypeInteger, TypeDecimal, TypeRange, TypeSelectOne,
		TypeSelectMultiple, TypeRank, TypeDate, TypeTime, TypeDateTime,
		TypeAcknowledge, TypeCalculate, TypeHidden, TypeGroup, TypeRepeat:
	case TypeMeta:
		if !knownMeta(strings.ToLower(it.Meta)) {
			if it.Meta == "" {
				c.errorf(it.Pos, name, "%s: meta item does not say which metadata it records", name)
			} else {
				c.warnf(it.Pos, name, "%s: metadata %q is not recorded by canvass: it stays empty", name, it.Meta)
			}
		}
	case TypeUnsupported:
		what := it.Unsupported
		if what == "" {
			what = "this type"
		}
		c.warnf(it.Pos, name, "%s: %s cannot be captured on a terminal: interviewers will see it explained and skip it", name, what)
	case "":
		c.errorf(it.Pos, name, "%s: item has no type", name)
	default:
		c.errorf(it.PosOf("type"), name, "%s: unknown type %q", name, t)
	}

	isSelect := t == TypeSelectOne || t == TypeSelectMultiple || t == TypeRank
	if isSelect {
		switch {
		case it.ListName == "":
			c.errorf(it.PosOf("type"), name, "%s: %s item has no choice list", name, t)
		case strings.HasPrefix(it.ListName, "${") && strings.HasSuffix(it.ListName, "}"):
			// select_one ${name}: the answers to name in a repeat.
			n.list = &ChoiceList{Name: it.ListName}
			n.dynamic = true
		case c.s.Lists[it.ListName] == nil:
			c.errorf(it.listPos(), name, "%s: choice list %q does not exist", name, it.ListName)
		default:
			n.list = c.s.Lists[it.ListName]
		}
	} else {
		for _, bad := range []struct {
			set  bool
			what string
		}{
			{it.ListName != "", "a choice list"},
			{it.ChoiceFilter != "", "a choice_filter"},
			{it.OrOther, "or_other"},
			{it.Randomize, "randomize"},
		} {
			if bad.set {
				c.errorf(it.Pos, name, "%s: %s on a %s item (only select and rank items have options)", name, bad.what, orUnknown(t))
			}
		}
	}
	if it.OrOther && n.list != nil && hasChoice(n.list, OtherName) {
		c.errorf(it.Pos, name, "%s: or_other, but list %q already has a choice named %q", name, n.list.Name, OtherName)
	}
	if t == TypeRank && it.OrOther {
		c.errorf(it.Pos, name, "%s: or_other on a rank item (rank orders the listed options only)", name)
	}
	if t == TypeRange {
		switch r := it.Range; {
		case r == nil:
			c.errorf(it.PosOf("range"), name, "%s: range item without bounds (start, end, step)", name)
		case r.Step <= 0:
			c.errorf(it.PosOf("range"), name, "%s: range step must be positive, got %g", name, r.Step)
		case r.Start == r.End:
			c.errorf(it.PosOf("range"), name, "%s: range start and end are both %g", name, r.Start)
		}
	} else if it.Range != nil {
		c.errorf(it.PosOf("range"), name, "%s: range bounds on a %s item", name, orUnknown(t))
	}
	if it.RepeatCount != "" && t != TypeRepeat {
		c.errorf(it.PosOf("repeat_count"), name, "%s: repeat_count on a %s item (only repeats have a count)", name, orUnknown(t))
	}
	if t.Container() && len(it.Items) == 0 {
		c.warnf(it.Pos, name, "%s: empty %s", name, t)
	}
	if t == TypeMeta && it.Meta != "" && it.Calculation != "" {
		c.errorf(it.Pos, name, "%s: calculation on a meta item", name)
	}
	if it.Meta != "" && t != TypeMeta {
		c.errorf(it.Pos, name, "%s: meta %q on a %s item", name, it.Meta, orUnknown(t))
	}
	if t == TypeCalculate && it.Calculation == "" {
		c.errorf(it.Pos, name, "%s: calculate item without a calculation", name)
	}
	if it.Calculation != "" && t.Container() {
		c.errorf(it.Pos, name, "%s: calculation on a %s (only items have values)", name, t)
	}
	if it.CalculateHere && t != TypeCalculate {
		c.errorf(it.Pos, name, "%s: calculate_here on a %s item (only calculate items are)", name, orUnknown(t))
	}
	if it.CalculateHere && it.Trigger != "" {
		c.errorf(it.Pos, name, "%s: both calculate_here and a trigger", name)
	}
	if it.Editable && it.Calculation == "" {
		c.warnf(it.Pos, name, "%s: editable without a calculation: ignored", name)
	}
	if it.CalculateHere {
		c.f.here = append(c.f.here, n)
	}
	if !t.Answerable() {
		for _, bad := range []struct {
			set  bool
			what string
		}{
			{it.Constraint != "", "constraint"},
			{it.Warning != "", "warning"},
		} {
			if bad.set {
				c.errorf(it.Pos, name, "%s: %s on a %s item, which takes no answer", name, bad.what, orUnknown(t))
			}
		}
	}
	if it.Required != "" && !t.Answerable() && t != TypeAcknowledge {
		c.warnf(it.Pos, name, "%s: required on a %s item, which takes no answer: ignored", name, orUnknown(t))
	}

	// Text shown to the interviewer.
	shown := n.stop() || (t.Container() && !it.Label.IsZero())
	if n.stop() && it.Label.IsZero() && !it.ReadOnly && it.Calculation == "" {
		c.errorf(it.Pos, name, "%s: %s question has no label", name, t)
	}
	if shown {
		c.translations(it.PosOf("label"), name, name+": label", it.Label)
		c.fills(n, "label", it.Label)
		c.translations(it.PosOf("hint"), name, name+": hint", it.Hint)
		c.fills(n, "hint", it.Hint)
		for _, m := range []struct {
			field string
			text  Text
		}{{"required_message", it.RequiredMessage}, {"constraint_message", it.ConstraintMessage}, {"warning_message", it.WarningMessage}} {
			c.translations(it.PosOf(m.field), name, name+": "+m.field, m.text)
			c.fills(n, m.field, m.text)
		}
	}

	// Expressions.
	n.relevant = c.expr(n, "relevant", it.Relevant, "")
	if (t.Answerable() || t == TypeAcknowledge) && !literalBool(it.Required) {
		n.required = c.expr(n, "required", it.Required, "")
	}
	n.constraint = c.expr(n, "constraint", it.Constraint, "")
	n.warning = c.expr(n, "warning", it.Warning, "")
	if it.ReadOnlyIf != "" && !t.Answerable() {
		c.warnf(it.PosOf("read_only"), it.Name, "%s: read_only on a %s item, which takes no answer: ignored", it.Name, orUnknown(t))
	} else {
		n.readOnly = c.expr(n, "read_only", it.ReadOnlyIf, "")
	}
	n.calc = c.expr(n, "calculation", it.Calculation, "")
	if t == TypeRepeat {
		n.count = c.expr(n, "repeat_count", it.RepeatCount, "")
		if n.count != nil {
			for _, r := range n.count.Refs() {
				if m := c.f.byName[r]; m != nil && m.within(n) {
					c.errorf(it.PosOf("repeat_count"), name, "%s: repeat_count refers to ${%s}, which is inside the repeat", name, r)
					// Said once here, not again as a cycle.
					n.count = xpath.MustCompile("0")
				}
			}
		}
	}
	if t.Answerable() || t == TypeAcknowledge {
		// Loaders turn yes into true(), but a literal is clear enough.
		switch strings.ToLower(strings.TrimSpace(it.Required)) {
		case "yes", "true":
			n.required = xpath.MustCompile("true()")
		case "no", "false":
			n.required = nil
		}
	}
	if it.Default != "" {
		if dynamicDefault(it.Default) {
			n.dflt = c.expr(n, "default", it.Default, "")
		} else {
			n.dfltLit = it.Default
			switch {
			case t.Container() || t == TypeNote || t == TypeAcknowledge || t == TypeHidden || t == TypeCalculate:
			case n.list != nil && (t == TypeSelectOne || t == TypeSelectMultiple):
				for _, v := range strings.Fields(it.Default) {
					if !hasChoice(n.list, v) {
						c.errorf(it.PosOf("default"), name, "%s: default %q is not a choice of list %q", name, v, n.list.Name)
					}
				}
			case t.Answerable() && n.list == nil && !wellFormed(n, it.Default):
				c.errorf(it.PosOf("default"), name, "%s: default %q is not a valid %s answer", name, it.Default, t)
			}
		}
	}
	switch {
	case n.dynamic:
		n.filter = c.repeatChoices(n)
	case it.ChoiceFilter != "" && n.list != nil:
		prefix := "instance('" + it.ListName + "')/root/item["
		n.filter = c.expr(n, "choice_filter", it.ChoiceFilter, prefix)
	}
}

// repeatChoices compiles the options of select_one ${name}, as pyxform
// writes them: the non-empty answers to name in the instances of its repeat
// (each the option's value and label), filtered by the choice_filter, in
// which ${item} of an item in that repeat is that instance's.
func (c *compiler) repeatChoices(n *node) *xpath.Expr {
	it := n.it
	ref := strings.TrimSpace(it.ListName[2 : len(it.ListName)-1])
	m := c.f.byName[ref]
	switch {
	case m == nil:
		c.errorf(it.listPos(), it.Name, "%s: choices from ${%s}, but there is no item %s", it.Name, ref, ref)
		return nil
	case len(m.repeats) == 0 || m.it.Type.Container():
		c.errorf(it.listPos(), it.Name, "%s: choices from ${%s}, which is not a question in a repeat", it.Name, ref)
		return nil
	}
	r := m.repeats[len(m.repeats)-1]
	abs, _ := c.f.refPath(r.it.Name)
	rel := func(x *node) string {
		var names []string
		for p := x; p != r; p = p.parent {
			names = append(names, p.elem)
		}
		slices.Reverse(names)
		return strings.Join(names, "/")
	}
	cond := "./" + rel(m) + " != ''"
	if f := strings.TrimSpace(it.ChoiceFilter); f != "" {
		for _, name := range fillRefs(f) {
			if x := c.f.byName[name]; x != nil && x.within(r) {
				f = strings.ReplaceAll(f, "${"+name+"}", "./"+rel(x))
			}
		}
		cond += " and (" + f + ")"
	}
	return c.expr(n, "choices", "/"+strings.Join(abs, "/")+"["+cond+"]/"+rel(m), "")
}

// within reports whether n is a descendant of a.
func (n *node) within(a *node) bool {
	for p := n.parent; p != nil; p = p.parent {
		if p == a {
			return true
		}
	}
	return false
}

func hasChoice(l *ChoiceList, name string) bool {
	for _, ch := range l.Choices {
		if ch.Name == name {
			return true
		}
	}
	return false
}

// literalBool reports whether s is yes, no, true or false, as XLSForm
// writes the required column.
func literalBool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "no", "true", "false":
		return true
	}
	return false
}

// dynamicDefault reports whether a default is an expression, as pyxform
// decides: a reference or a function call. Anything else is a literal value.
func dynamicDefault(s string) bool {
	return strings.Contains(s, "${") || strings.Contains(s, "(")
}

// expr compiles one expression of an item (n nil for survey level) and
// checks its references. A choice_filter is compiled as a predicate on the
// list's secondary instance: prefix is put before it, and syntax error
// columns are given relative to what the author wrote.
func (c *compiler) expr(n *node, field, src, prefix string) *xpath.Expr {
	if strings.TrimSpace(src) == "" {
		return nil
	}
	name, pos := "", Pos{}
	if n != nil {
		name, pos = n.it.Name, n.it.PosOf(field)
	}
	full := src
	if prefix != "" {
		full = prefix + src + "]/name"
	}
	e, err := xpath.CompileOptions{RefPath: c.f.refPath}.Compile(full)
	if err != nil {
		var se *xpath.SyntaxError
		if errors.As(err, &se) {
			col := se.Column - len([]rune(prefix))
			col = max(1, min(col, len([]rune(src))+1))
			c.errorf(pos, name, "%s %s: syntax error at column %d: %s (in %q)", diagName(name), field, col, se.Msg, src)
		} else {
			c.errorf(pos, name, "%s %s: %v (in %q)", diagName(name), field, err, src)
		}
		return nil
	}
	for _, r := range e.Refs() {
		if msg := c.checkRef(r); msg != "" {
			c.errorf(pos, name, "%s %s refers to %s", diagName(name), field, msg)
		}
	}
	for _, id := range e.Instances() {
		if msg := c.checkInstance(id, e); msg != "" {
			c.errorf(pos, name, "%s %s: %s", diagName(name), field, msg)
		}
	}
	c.paths(n, e, field)
	return e
}

// checkInstance reports what is wrong with a secondary instance an
// expression names by a literal id, or "".
func (c *compiler) checkInstance(id string, e *xpath.Expr) string {
	if c.s.Lists[id] != nil || c.f.data[id] != nil || slices.Contains(c.s.ContactData, id) {
		return ""
	}
	if slices.Contains(e.PullData(), id) {
		return fmt.Sprintf("pulldata('%s', ...) names no data file (%s.csv beside the form) and no choice list", id, id)
	}
	return fmt.Sprintf("instance('%s') names no choice list and no data file (%s.csv, %s.xml or %s.geojson beside the form)", id, id, id, id)
}

// dataFiles reads the survey's data files into secondary instances.
func (c *compiler) dataFiles() {
	names := make([]string, 0, len(c.s.Attachments))
	for name := range c.s.Attachments {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		df, err := ParseDataFile(name, c.s.Attachments[name])
		if err != nil {
			c.errorf(Pos{}, "", "data file %s: %v", name, err)
			continue
		}
		if other := c.f.data[df.ID]; other != nil {
			c.errorf(Pos{}, "", "data file %s: another data file is also instance('%s')", name, df.ID)
			continue
		}
		if c.f.data == nil {
			c.f.data = map[string]*xpath.Instance{}
		}
		c.f.data[df.ID] = df.Instance
	}
}

// trigger checks an item's trigger and links it to the items it names.
func (c *compiler) trigger(n *node) {
	it := n.it
	if strings.TrimSpace(it.Trigger) == "" {
		return
	}
	refs := fillRefs(it.Trigger)
	rest := it.Trigger
	for _, r := range refs {
		rest = strings.Replace(rest, "${"+r+"}", "", 1)
	}
	if len(refs) == 0 || strings.Trim(rest, " ,\t") != "" {
		c.errorf(it.PosOf("trigger"), it.Name, "%s: trigger %q: name the items whose change sets this one, as ${name} (several separated by spaces)", it.Name, it.Trigger)
		return
	}
	if it.Type.Container() {
		c.warnf(it.PosOf("trigger"), it.Name, "%s: trigger on a %s: ignored, as pyxform ignores it", it.Name, it.Type)
		return
	}
	for _, r := range refs {
		s := c.f.byName[r]
		switch {
		case s == nil:
			c.errorf(it.PosOf("trigger"), it.Name, "%s: trigger refers to unknown item ${%s}", it.Name, r)
		case !s.it.Type.Answerable() && s.it.Type != TypeAcknowledge || !s.stop() || s.it.Calculation != "" && !s.it.Editable && s.it.Trigger == "":
			c.errorf(it.PosOf("trigger"), it.Name, "%s: trigger ${%s} is not an item the interviewer answers, so it cannot trigger", it.Name, r)
		case s == n:
			c.errorf(it.PosOf("trigger"), it.Name, "%s: the item triggers itself", it.Name)
		default:
			if !slices.Contains(n.triggers, s) {
				n.triggers = append(n.triggers, s)
				s.fires = append(s.fires, n)
			}
		}
	}
}

// paths works out what the location paths of e (an expression of item n,
// nil for the survey) read in the primary instance, for the dependency
// graph, and warns about those that match no element: XPath takes them as
// empty node-sets, which is rarely what the author meant.
func (c *compiler) paths(n *node, e *xpath.Expr, field string) {
	name, pos := "", Pos{}
	if n != nil {
		name, pos = n.it.Name, n.it.Pos
	}
	self := c.f.root
	if n != nil {
		self = n
	}
	ctxNode := c.f.schema.node(c.f.docIndex(n))
	var deps []*node
	add := func(m *node) {
		if m != nil && m != self && !slices.Contains(deps, m) {
			deps = append(deps, m)
		}
	}
	e.Reach(ctxNode, func(path string, reached []xpath.Node, nodesOnly bool) {
		if len(reached) == 0 {
			msg := fmt.Sprintf("%s %s: the path %s matches no element of the form: XPath takes it as an empty node-set", diagName(name), field, path)
			if m := c.f.byName[path]; m != nil {
				msg += fmt.Sprintf(" (to refer to the item, write ${%s})", path)
			}
			c.warnf(pos, name, "%s", msg)
			return
		}
		for _, r := range reached {
			m := c.f.nodeAt(r.I)
			if r.I == 0 {
				m = c.f.root
			}
			if m == nil {
				continue // the virtual meta elements never change
			}
			if m != c.f.root {
				add(m)
			}
			if !nodesOnly && (m.it == nil || m.it.Type.Container()) {
				// A container's value is the text of everything in it.
				for _, d := range c.f.nodes {
					if d.within(m) && !d.it.Type.Container() {
						add(d)
					}
				}
			}
		}
	})
	if len(deps) > 0 {
		c.pathDeps[e] = deps
	}
}

// depsOf are the items expression e reads: its ${name} references and what
// its location paths reach.
func (c *compiler) depsOf(e *xpath.Expr) []*node {
	refs, paths := e.Refs(), c.pathDeps[e]
	var out []*node
	if len(refs)+len(paths) <= 8 {
		for _, r := range refs {
			if m := c.f.byName[r]; m != nil && !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
		for _, m := range paths {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
		return out
	}
	// A long expression (a sum over hundreds of items) is deduplicated
	// with a set, so that it costs its length, not its length squared.
	seen := make(map[*node]bool, len(refs)+len(paths))
	for _, r := range refs {
		if m := c.f.byName[r]; m != nil && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	for _, m := range paths {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// diagName is how a diagnostic names an item: "age:", or "survey" for
// survey-level settings.
func diagName(name string) string {
	if name == "" {
		return "survey"
	}
	return name + ":"
}

// checkRef reports what is wrong with a ${name} reference, or "".
func (c *compiler) checkRef(r string) string {
	if name, ok := strings.CutPrefix(r, xpath.LastSavedPrefix); ok {
		c.f.lastSaved = true
		if c.f.byName[name] == nil {
			return fmt.Sprintf("unknown item ${%s} (in ${%s})", name, r)
		}
		return ""
	}
	if ns, field, ok := strings.Cut(r, "."); ok && c.f.byName[r] == nil {
		switch ns {
		case "contact":
			if field == "" {
				return fmt.Sprintf("${%s}, which names no contact field", r)
			}
			return ""
		case "interviewer":
			if field == "name" || field == "id" {
				return ""
			}
			return fmt.Sprintf("unknown interviewer field ${%s} (known: ${interviewer.name}, ${interviewer.id})", r)
		case "survey":
			switch field {
			case "client", "title", "id", "version":
				return ""
			}
			return fmt.Sprintf("unknown survey field ${%s} (known: client, title, id, version)", r)
		}
	}
	if c.f.byName[r] == nil {
		return fmt.Sprintf("unknown item ${%s}", r)
	}
	return ""
}

// fills checks the ${...} references in a text shown to the interviewer.
func (c *compiler) fills(n *node, field string, t Text) {
	name, pos := "", Pos{}
	if n != nil {
		name, pos = n.it.Name, n.it.PosOf(field)
	}
	for _, r := range textRefs(t) {
		if msg := c.checkRef(r); msg != "" {
			c.errorf(pos, name, "%s %s refers to %s", diagName(name), field, msg)
		}
	}
}

// textRefs returns the ${name} fills of a text in all its languages, each
// once.
func textRefs(t Text) []string {
	langs := make([]string, 0, len(t))
	for l := range t {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	var out []string
	for _, l := range langs {
		for _, r := range fillRefs(t[l]) {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// translations warns about a text that is missing a declared language.
func (c *compiler) translations(pos Pos, item, what string, t Text) {
	if t.IsZero() || len(c.s.Languages) < 2 {
		return
	}
	// Text given without a language serves every language.
	if t[""] != "" {
		return
	}
	for _, l := range c.s.Languages {
		if t[l] == "" {
			c.warnf(pos, item, "%s has no %q translation", what, l)
		}
	}
}

// fillRefs returns the names of the ${name} fills in s, in order.
func fillRefs(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, strings.TrimSpace(s[i+2:i+j]))
		s = s[i+j+1:]
	}
}
