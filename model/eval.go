package model

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"canvass/model/xpath"
)

// This file holds what the interview computes from its answers: relevance,
// calculated values, repeat counts and the xpath.Env expressions see.

// maxRepeat caps a repeat_count so that a mistyped answer (a household of
// 1e9 people) cannot make the interview unusable.
const maxRepeat = 1000

// maxDepth bounds nested evaluation. Cycles are rejected when a form is
// compiled, so this only guards against a mistake in that check.
const maxDepth = 10000

// pathKey encodes an instance path as a map key: "" for items outside
// repeats, else the indices joined by dots.
func pathKey(path []int) string {
	switch len(path) {
	case 0:
		return ""
	case 1:
		return strconv.Itoa(path[0])
	}
	var b strings.Builder
	for i, k := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(k))
	}
	return b.String()
}

// parsePathKey is the inverse of pathKey.
func parsePathKey(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ".")
	path := make([]int, len(parts))
	for i, p := range parts {
		k, err := strconv.Atoi(p)
		if err != nil || k < 1 {
			return nil, fmt.Errorf("bad instance path %q", s)
		}
		path[i] = k
	}
	return path, nil
}

// calcVal is a cached calculated value. A stale value is kept (ok false)
// because once() and '.' in a calculation see the previous value.
type calcVal struct {
	v  string
	ok bool
}

// cache holds what has been computed for one node, by instance path.
type cache struct {
	active slot[bool]
	calc   slot[calcVal]
	count  slot[int]
}

// slot is a cache keyed by instance path. Items outside repeats (the
// empty path) are the common case and are kept out of the map, so that
// forgetting them is cheap.
type slot[V any] struct {
	top    V
	hasTop bool
	m      map[string]V
}

func (s *slot[V]) get(k string) (V, bool) {
	if k == "" {
		return s.top, s.hasTop
	}
	v, ok := s.m[k]
	return v, ok
}

func (s *slot[V]) set(k string, v V) {
	if k == "" {
		s.top, s.hasTop = v, true
		return
	}
	if s.m == nil {
		s.m = map[string]V{}
	}
	s.m[k] = v
}

func (s *slot[V]) reset() {
	var zero V
	s.top, s.hasTop = zero, false
	if len(s.m) > 0 {
		clear(s.m)
	}
}

// forget clears what was computed for one node. Calculated values are
// kept but marked stale, for once() and '.'.
func (c *cache) forget() {
	c.active.reset()
	c.count.reset()
	c.calc.top.ok = false
	for k, v := range c.calc.m {
		v.ok = false
		c.calc.m[k] = v
	}
}

// closure returns the nodes whose value or relevance may change when node
// n's value changes, n included, in questionnaire order: a walk over the
// reverse dependencies, as long as what it finds.
func (iv *Interview) closure(n *node) []int {
	stamp := iv.nextStamp()
	out := []int{n.idx}
	iv.mark[n.idx] = stamp
	for i := 0; i < len(out); i++ {
		for _, u := range iv.form.nodes[out[i]].users {
			if iv.mark[u.idx] != stamp {
				iv.mark[u.idx] = stamp
				out = append(out, u.idx)
			}
		}
	}
	slices.Sort(out)
	return out
}

// checks returns the items other than n whose constraint or choice filter
// reads a node in closure (n's closure), in questionnaire order: their
// verdicts may flip when n's value changes.
func (iv *Interview) checks(n *node, closure []int) []*node {
	stamp := iv.nextStamp()
	iv.mark[n.idx] = stamp
	var out []*node
	for _, i := range closure {
		for _, m := range iv.form.nodes[i].checkedBy {
			if iv.mark[m.idx] != stamp {
				iv.mark[m.idx] = stamp
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, func(a, b *node) int { return a.idx - b.idx })
	return out
}

// selfCheck reports whether node n's own constraint or warning reads
// something in n's closure through ${name} (not only through '.'), so that
// a candidate answer must be seen as ${item} while it is checked.
func (iv *Interview) selfCheck(n *node, closure []int) bool {
	for _, d := range n.selfDeps {
		if _, ok := slices.BinarySearch(closure, d.idx); ok {
			return true
		}
	}
	return false
}

// nextStamp starts a new walk over the marks.
func (iv *Interview) nextStamp() uint32 {
	if len(iv.mark) != len(iv.form.nodes) {
		iv.mark = make([]uint32, len(iv.form.nodes))
		iv.stamp = 0
	}
	iv.stamp++
	if iv.stamp == 0 {
		clear(iv.mark)
		iv.stamp = 1
	}
	return iv.stamp
}

// invalidate forgets what was computed for the nodes in closure.
func (iv *Interview) invalidate(closure []int) {
	for _, i := range closure {
		iv.cache[i].forget()
	}
}

// invalidateAll forgets everything computed, after a change that anything
// may depend on (a language switch).
func (iv *Interview) invalidateAll() {
	for i := range iv.cache {
		iv.cache[i].forget()
	}
}

// active reports whether node n at instance path path is part of the
// interview: its instance exists, it and every enclosing group and repeat
// are relevant.
func (iv *Interview) active(n *node, path []int) bool {
	if n.idx < 0 {
		return true
	}
	c := &iv.cache[n.idx]
	k := pathKey(path)
	if v, ok := c.active.get(k); ok {
		return v
	}
	ok := iv.active(n.parent, path[:n.parent.ctxLen()])
	if ok && n.isRepeat() {
		last := len(path) - 1
		ok = path[last] <= iv.repeatCount(n, path[:last])
	}
	if ok {
		ok = iv.relevantExpr(n, path)
	}
	c.active.set(k, ok)
	return ok
}

// relevantExpr evaluates the node's own relevant expression (true when it
// has none). Errors count as not relevant and are recorded.
func (iv *Interview) relevantExpr(n *node, path []int) bool {
	if n.relevant == nil {
		return true
	}
	v, err := iv.eval(n.relevant, n, path, nil)
	if err != nil {
		iv.exprError(n, "relevant", err)
		return false
	}
	return v.Bool()
}

// repeatCount is the number of instances of repeat n under the enclosing
// instance path pp: from repeat_count, or the interviewer's "add another?"
// answers (instances are those answered yes before the first no).
func (iv *Interview) repeatCount(n *node, pp []int) int {
	c := &iv.cache[n.idx]
	k := pathKey(pp)
	if v, ok := c.count.get(k); ok {
		return v
	}
	cnt := 0
	if n.count != nil {
		v, err := iv.eval(n.count, n.parent, pp, nil)
		if err != nil {
			iv.exprError(n, "repeat_count", err)
		} else if f := v.Number(); !math.IsNaN(f) && f > 0 {
			cnt = int(min(math.Floor(f), maxRepeat))
		}
	} else {
		path := append(pp[:len(pp):len(pp)], 0)
		for cnt < maxRepeat {
			path[len(pp)] = cnt + 1
			a := iv.answers[akey{n.idx, pathKey(path)}]
			if a == nil || a.Value != "yes" {
				break
			}
			cnt++
		}
	}
	c.count.set(k, cnt)
	return cnt
}

// value is node n's value at path as expressions see it: "" when it is not
// part of the interview, unanswered, or answered don't know or refused.
func (iv *Interview) value(n *node, path []int) string {
	if !iv.active(n, path) {
		return ""
	}
	return iv.rawValue(n, path)
}

// rawValue is node n's value at path whether or not it is relevant.
func (iv *Interview) rawValue(n *node, path []int) string {
	switch {
	case n.isRepeat() || n.isGroup():
		return ""
	case n.computed():
		return iv.calcValue(n, path)
	case n.it.Type == TypeMeta:
		return iv.metaValue(n)
	}
	if a := iv.answers[akey{n.idx, pathKey(path)}]; a != nil {
		return a.Value
	}
	return ""
}

// calcValue computes (or recalls) the value of a calculate or hidden item.
func (iv *Interview) calcValue(n *node, path []int) string {
	c := &iv.cache[n.idx]
	k := pathKey(path)
	prev, cached := c.calc.get(k)
	if cached && prev.ok {
		return prev.v
	}
	var s string
	switch {
	case n.calc != nil || n.dflt != nil:
		e := n.calc
		what := "calculation"
		if e == nil {
			e, what = n.dflt, "default"
		}
		cur := xpath.String(prev.v)
		v, err := iv.eval(e, n, path, &cur)
		if err != nil {
			iv.exprError(n, what, err)
		} else {
			s = calcString(v)
		}
	default:
		s = n.dfltLit
	}
	c.calc.set(k, calcVal{s, true})
	return s
}

// metaValue is the value of a metadata item, in ODK's formats.
func (iv *Interview) metaValue(n *node) string {
	switch strings.ToLower(n.it.Meta) {
	case "start":
		return odkDateTime(iv.started)
	case "end":
		if iv.ended.IsZero() {
			return ""
		}
		return odkDateTime(iv.ended)
	case "today":
		return iv.started.Format(time.DateOnly)
	case "deviceid":
		return iv.device
	case "caseid":
		// SurveyCTO's case id is the contact's sample id.
		if iv.contact == nil {
			return ""
		}
		return iv.contact.ID
	case "username", "userid":
		return iv.who.ID
	case "instanceid":
		return iv.instanceID()
	}
	return ""
}

// instanceID is the interview's ODK instanceID: a version 4 UUID drawn from
// the interview's seed, so that it is the same after resuming.
func (iv *Interview) instanceID() string {
	r := iv.rng(iv.form.root, nil)
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// odkDateTime formats an instant as ODK records dateTimes.
func odkDateTime(t time.Time) string { return t.Format("2006-01-02T15:04:05.000-07:00") }

// calcString is how a calculated value is stored: as ODK keeps it in the
// instance, a string; NaN (an empty number) as "".
func calcString(v xpath.Value) string {
	if v.Kind() == xpath.KindNumber && math.IsNaN(v.Number()) {
		return ""
	}
	return v.String()
}

// exprError records an expression that failed at run time, so that `survey
// test` and the console can show it; the interview goes on, treating the
// result as empty or false.
func (iv *Interview) exprError(n *node, field string, err error) {
	msg := fmt.Sprintf("%s %s: %v", n.it.Name, field, err)
	for _, m := range iv.errs {
		if m == msg {
			return
		}
	}
	iv.errs = append(iv.errs, msg)
}

// eval evaluates e for node n at instance path path; cur, when not nil, is
// what '.' means (the answer being checked).
func (iv *Interview) eval(e *xpath.Expr, n *node, path []int, cur *xpath.Value) (xpath.Value, error) {
	if iv.depth > maxDepth {
		return xpath.Value{}, fmt.Errorf("expressions nested too deeply (a cycle?)")
	}
	// One env per nesting level, reused: evaluation is re-entrant (a
	// relevant reads a calculation that evaluates its own expression).
	if iv.depth == len(iv.envs) {
		iv.envs = append(iv.envs, &env{iv: iv})
	}
	ev := iv.envs[iv.depth]
	ev.n, ev.path, ev.cur = n, path, cur
	iv.depth++
	defer func() { iv.depth-- }()
	return e.Eval(ev)
}

// env is the xpath.Env of one evaluation: the interview seen from node n at
// instance path path.
type env struct {
	iv   *Interview
	n    *node
	path []int
	cur  *xpath.Value
}

// Ref resolves ${name} relative to the current instance path: the same
// instance of an item in an enclosing repeat, or every instance (as a
// node-set) of an item in a repeat the current node is not inside.
func (e *env) Ref(name string) (xpath.Value, error) {
	t := e.iv.form.byName[name]
	if t == nil {
		if s, ok := e.iv.special(name); ok {
			return xpath.String(s), nil
		}
		return xpath.Value{}, fmt.Errorf("unknown item ${%s}", name)
	}
	return e.iv.ref(t, e.n, e.path), nil
}

// ref is the value of target t seen from node from at path.
func (iv *Interview) ref(t, from *node, path []int) xpath.Value {
	chain := t.repeats
	if t.isRepeat() {
		chain = append(chain[:len(chain):len(chain)], t)
	}
	// Shared enclosing repeats take the current instance. A repeat itself
	// is all its instances, also from inside it, as pyxform's relative
	// path makes count(${repeat}) there count them all.
	common := 0
	for common < len(chain) && common < len(path) && chainAt(from, common) == chain[common] {
		common++
	}
	if t.isRepeat() {
		common = min(common, len(t.repeats))
	}
	if common == len(chain) {
		return xpath.String(iv.value(t, path[:common]))
	}
	var vals []string
	iv.instances(chain, common, path[:common:common], func(p []int) {
		if t.isRepeat() {
			vals = append(vals, "")
		} else {
			vals = append(vals, iv.value(t, p))
		}
	})
	return xpath.Nodes(vals...)
}

// chainAt is the i-th repeat (outermost first) of node n's own chain: its
// enclosing repeats, then n itself when it is a repeat.
func chainAt(n *node, i int) *node {
	if i < len(n.repeats) {
		return n.repeats[i]
	}
	if i == len(n.repeats) && n.isRepeat() {
		return n
	}
	return nil
}

// instances calls fn with the instance path of every existing, relevant
// instance of chain[from:], under the instance path prefix, in order.
func (iv *Interview) instances(chain []*node, from int, prefix []int, fn func([]int)) {
	if from == len(chain) {
		fn(prefix)
		return
	}
	r := chain[from]
	cnt := iv.repeatCount(r, prefix)
	for k := 1; k <= cnt; k++ {
		p := append(prefix[:len(prefix):len(prefix)], k)
		if iv.active(r, p) {
			iv.instances(chain, from+1, p, fn)
		}
	}
}

// special resolves the names a fill or expression may use besides items:
// contact.FIELD, interviewer.name/id and survey.client/title/id/version.
func (iv *Interview) special(name string) (string, bool) {
	if item, ok := strings.CutPrefix(name, xpath.LastSavedPrefix); ok {
		return iv.lastSaved[item], true
	}
	ns, field, ok := strings.Cut(name, ".")
	if !ok {
		return "", false
	}
	switch ns {
	case "contact":
		return contactField(iv.contact, field), true
	case "interviewer":
		switch field {
		case "name":
			return iv.who.Name, true
		case "id":
			return iv.who.ID, true
		}
	case "survey":
		s := iv.form.survey
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
	return "", false
}

// contactField is ${contact.FIELD}: a Contact field, else a sample column.
// Field is the contact's field as ${contact.FIELD} fills it: a sample
// column (name, company, phone, ...) or an extra one.
func (c *Contact) Field(field string) string { return contactField(c, field) }

func contactField(c *Contact, field string) string {
	if c == nil {
		return ""
	}
	switch field {
	case "id":
		return c.ID
	case "name":
		return c.Name
	case "company":
		return c.Company
	case "email":
		return c.Email
	case "phone":
		return c.Phone()
	case "location":
		return c.Location
	case "language":
		return c.Language
	case "timezone":
		return c.Timezone
	case "source":
		return c.Source
	}
	return c.Fields[field]
}

// Current is '.': the answer being checked, else the node's own value.
func (e *env) Current() xpath.Value {
	if e.cur != nil {
		return *e.cur
	}
	if e.n.idx < 0 || e.n.isGroup() || e.n.isRepeat() {
		return xpath.String("")
	}
	// Not gated by relevance: a relevant expression may test '.'.
	return xpath.String(e.iv.rawValue(e.n, e.path))
}

// Position is the current node's innermost repeat instance.
func (e *env) Position() int {
	if len(e.path) == 0 {
		return 0
	}
	return e.path[len(e.path)-1]
}

// Instance returns a choice list as a secondary instance: root/item
// elements holding name, label (in the current language) and the list's
// extra columns.
func (e *env) Instance(id string) (xpath.Node, bool) {
	in := e.iv.instance(id)
	if in == nil {
		return xpath.Node{}, false
	}
	return in.Document(), true
}

// Context is the node of the primary instance the expression belongs to:
// its item's element in its instance, or the document element for the
// survey's own expressions.
func (e *env) Context() xpath.Node {
	iv := e.iv
	if e.n == nil || e.n.idx < 0 {
		return xpath.Node{Doc: iv.doc, I: 0}
	}
	return xpath.Node{Doc: iv.doc, I: e.n.idx + 1, J: iv.instID(e.n, e.path)}
}

func (iv *Interview) instance(id string) *xpath.Instance {
	if in, ok := iv.rows[id]; ok {
		return in
	}
	var in *xpath.Instance
	switch l := iv.form.survey.Lists[id]; {
	case l != nil:
		in = listInstance(l, iv.text)
	case iv.form.data[id] != nil:
		return iv.form.data[id]
	case slices.Contains(iv.form.survey.ContactData, id):
		in = contactInstance(iv.contact)
	default:
		return nil
	}
	if iv.rows == nil {
		iv.rows = map[string]*xpath.Instance{}
	}
	iv.rows[id] = in
	return in
}

// contactInstance is the contact as a dataset of one row: root/item with
// the contact's id, name, phone, email, company, location, language,
// timezone, source and sample columns. Without a contact it has no rows.
func contactInstance(c *Contact) *xpath.Instance {
	in := xpath.NewInstance()
	root := in.Add(0, "root", "")
	if c == nil {
		return in
	}
	item := in.Add(root, "item", "")
	fields := []string{"id", "name", "phone", "email", "company", "location", "language", "timezone", "source"}
	for _, f := range fields {
		in.Add(item, f, contactField(c, f))
	}
	keys := make([]string, 0, len(c.Fields))
	for k := range c.Fields {
		if !slices.Contains(fields, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		in.Add(item, k, c.Fields[k])
	}
	return in
}

// listInstance is a choice list as ODK's secondary instance of it: an item
// per choice with name, label (as label gives it) and the extra columns,
// by name.
func listInstance(l *ChoiceList, label func(Text) string) *xpath.Instance {
	in := xpath.NewInstance()
	root := in.Add(0, "root", "")
	for _, ch := range l.Choices {
		item := in.Add(root, "item", "")
		in.Add(item, "name", ch.Name)
		in.Add(item, "label", label(ch.Label))
		keys := make([]string, 0, len(ch.Extra))
		for k := range ch.Extra {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			in.Add(item, k, ch.Extra[k])
		}
	}
	return in
}

// ChoiceLabel is jr:choice-name: the label of a choice of item's list.
func (e *env) ChoiceLabel(item, value string) (string, bool) {
	t := e.iv.form.byName[item]
	if t == nil || t.list == nil {
		return "", false
	}
	if t.dynamic {
		return value, true // the answers are their own labels
	}
	for _, ch := range t.list.Choices {
		if ch.Name == value {
			return e.iv.text(ch.Label), true
		}
	}
	return "", false
}

// Device is the device the interview runs on, for device-info().
func (e *env) Device() string { return e.iv.device }

// Now is the interview's clock.
func (e *env) Now() time.Time { return e.iv.clock() }

// Started is when the interview began, for duration().
func (e *env) Started() time.Time { return e.iv.started }

// Rand is a random source seeded from the interview's seed and the node's
// place, so that random() gives the same result every time it is
// recomputed, and after the interview is resumed.
func (e *env) Rand() *rand.Rand {
	return e.iv.rng(e.n, e.path)
}

func (iv *Interview) rng(n *node, path []int) *rand.Rand {
	h := fnv.New64a()
	if n.it != nil {
		h.Write([]byte(n.it.Name))
	}
	h.Write([]byte{0})
	h.Write([]byte(pathKey(path)))
	return rand.New(rand.NewPCG(iv.seed, h.Sum64()))
}
