package xpath

import (
	"errors"
	"fmt"
	"math"
)

// This file evaluates location paths: over the form's primary instance
// (absolute paths, paths relative to the context node, current()) and over
// secondary instances (instance('id')/...).

// axis is the direction of a location step.
type axis uint8

const (
	axChild axis = iota
	axSelf
	axParent
	axAttr
)

// step is one location step: an axis, a name test ("*" for any) and the
// predicates that filter what it selects.
type step struct {
	axis  axis
	name  string
	preds []node
}

// pathStart is where a location path starts.
type pathStart uint8

const (
	fromContext  pathStart = iota // a relative path: the context node
	fromRoot                      // an absolute path: the primary instance's document node
	fromCurrent                   // current(): the node the expression belongs to
	fromInstance                  // instance('id'): a secondary instance's document node
)

// pathNode is a location path. start and end are its byte range in the
// source, for messages.
type pathNode struct {
	from       pathStart
	inst       node // the id of instance(id)
	steps      []step
	start, end int
}

func (p *pathNode) eval(c ctx) (Value, error) {
	if v, ok := p.field(c); ok {
		return v, nil
	}
	nodes, err := p.nodes(c)
	if err != nil {
		return Value{}, err
	}
	if len(nodes) == 0 {
		return Nodes(), nil
	}
	texts := make([]string, len(nodes))
	for i, n := range nodes {
		texts[i] = n.Doc.Text(n)
	}
	return Nodes(texts...), nil
}

// field is the fast path of a single name inside a predicate over a
// secondary instance (the name field of a choice, say): a node with
// non-empty text behaves exactly like its text in every comparison,
// conversion and function (count() and friends are told by refsAsNodes),
// and a string does not allocate, while choice filters run this once per
// choice.
func (p *pathNode) field(c ctx) (Value, bool) {
	if p.from != fromContext || len(p.steps) != 1 {
		return Value{}, false
	}
	st := &p.steps[0]
	if st.axis != axChild || st.name == "*" || len(st.preds) > 0 {
		return Value{}, false
	}
	in, ok := c.node.Doc.(*Instance)
	if !ok || c.node.J > 0 {
		return Value{}, false
	}
	k, count := in.child(c.node.I, st.name)
	switch {
	case count == 0:
		return Nodes(), true
	case count > 1 || len(in.elems[k].kids) > 0:
		return Value{}, false
	case in.elems[k].text == "":
		return Nodes(""), true
	}
	return String(in.elems[k].text), true
}

// nodes evaluates the path to the nodes it selects, in document order.
//
// Absolute paths into the primary instance are contextualised as JavaRosa
// does: a step without predicates that selects, by name, the element the
// context node is in (or is) selects only that instance of it. So inside
// the second instance of a repeat /data/rep/x is the x of that instance,
// while from outside the repeat it is every instance's x; that is how the
// absolute paths older pyxform wrote for ${x} inside repeats work. Relative
// paths are plain XPath, as in JavaRosa: ../../rep/x from inside rep is
// every instance's x, and count(../../rep) counts them all.
func (p *pathNode) nodes(c ctx) ([]Node, error) {
	var cur []Node
	// chain holds the ancestors of base, the document node first, once
	// needed; up counts the steps taken up from base along it; on says the
	// path is still following the context's own chain of elements.
	var base Node
	var chain []Node
	up, on := 0, false
	switch p.from {
	case fromInstance:
		idv, err := p.inst.eval(c)
		if err != nil {
			return nil, err
		}
		id := idv.String()
		doc, ok := c.env.Instance(id)
		if !ok {
			return nil, fmt.Errorf("instance('%s'): no such secondary instance (a choice list, or a data file beside the form)", id)
		}
		cur = []Node{doc}
	case fromRoot:
		// The primary instance's root, also inside a predicate over a
		// secondary instance (instance('x')/root/item[a = /data/a]), as
		// the ODK XForms specification says.
		base = c.contextNode()
		if primary := c.env.Context(); base.IsZero() || primary.IsZero() || base.Doc != primary.Doc {
			base = primary
		}
		if base.IsZero() {
			return nil, nil // no primary instance: nothing to select
		}
		chain = ancestors(base)
		cur, up, on = chain[:1:1], len(chain)-1, true
	case fromContext, fromCurrent:
		base = c.contextNode()
		if p.from == fromCurrent {
			base = c.env.Context()
		}
		if base.IsZero() {
			return nil, nil
		}
		cur = []Node{base}
	}
	for _, st := range p.steps {
		var next []Node
		switch st.axis {
		case axSelf:
			for _, n := range cur {
				if st.name == "*" || n.Doc.Name(n) == st.name {
					next = append(next, n)
				}
			}
		case axParent:
			for _, n := range cur {
				if par, ok := n.Doc.Parent(n); ok && (st.name == "*" || par.Doc.Name(par) == st.name) {
					next = appendUnique(next, par)
				}
			}
			up++
		case axAttr:
			for _, n := range cur {
				if st.name == "*" {
					continue // attribute wildcards select nothing here
				}
				if a, ok := n.Doc.Attr(n, st.name); ok {
					next = append(next, a)
				}
			}
			on = false
		case axChild:
			for _, n := range cur {
				next = n.Doc.Children(next, n, st.name)
			}
			if on && up > 0 {
				if chain == nil {
					chain = ancestors(base)
				}
				if up >= len(chain) {
					on = false
					break
				}
				target := chain[len(chain)-up]
				next, on = contextualize(next, target, st.name == "*", len(st.preds) == 0)
				up--
			} else {
				on = false
			}
		}
		for _, pred := range st.preds {
			var err error
			if next, err = filter(c, next, pred); err != nil {
				return nil, err
			}
		}
		cur = next
	}
	return cur, nil
}

// contextualize narrows the nodes a child step selected to the instance
// target (an element of the context's chain) when the step names target's
// element, as JavaRosa's TreeReference.contextualize does. narrow is false
// for a step with predicates, which select for themselves; on reports
// whether the path still follows the chain.
func contextualize(next []Node, target Node, wildcard, narrow bool) ([]Node, bool) {
	if wildcard {
		return next, false
	}
	name, pos := target.Doc.Name(target), target.Doc.Position(target)
	matched := false
	for _, n := range next {
		if n == target || n.Doc.Name(n) == name {
			matched = true
			break
		}
	}
	if !matched {
		return next, false
	}
	if !narrow {
		return next, true
	}
	var out []Node
	for _, n := range next {
		if n == target || n.Doc.Name(n) == name && n.Doc.Position(n) == pos {
			out = append(out, n)
		}
	}
	return out, true
}

// ancestors returns n's ancestors, the document node first, ending with n.
func ancestors(n Node) []Node {
	chain := []Node{n}
	for {
		p, ok := n.Doc.Parent(n)
		if !ok {
			break
		}
		chain = append(chain, p)
		n = p
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain
}

// appendUnique appends n unless it is there already.
func appendUnique(nodes []Node, n Node) []Node {
	for _, m := range nodes {
		if m == n {
			return nodes
		}
	}
	return append(nodes, n)
}

// filter keeps the nodes for which pred holds: a number selects by
// position, anything else by its boolean value, as XPath 1.0 §2.4 says.
func filter(c ctx, nodes []Node, pred node) ([]Node, error) {
	var out []Node
	path, isPath := pred.(*pathNode)
	for i, n := range nodes {
		inner := ctx{env: c.env, node: n, pos: i + 1, size: len(nodes)}
		if isPath {
			// [child]: whether there is one, without its value.
			sel, err := path.nodes(inner)
			if err != nil {
				return nil, err
			}
			if len(sel) > 0 {
				out = append(out, n)
			}
			continue
		}
		v, err := pred.eval(inner)
		if err != nil {
			return nil, err
		}
		keep := v.Bool()
		if v.kind == KindNumber {
			keep = v.f == float64(i+1)
		}
		if keep {
			out = append(out, n)
		}
	}
	return out, nil
}

// nodesOf evaluates an argument that must be a path to its nodes.
func nodesOf(c ctx, a node) ([]Node, error) {
	p, ok := a.(*pathNode)
	if !ok {
		return nil, errors.New("needs a path to a node")
	}
	return p.nodes(c)
}

// namesOf resolves a path of child and parent steps without predicates, as
// indexed-repeat() takes them, to the names of the elements from the
// document element down to the one it selects.
func namesOf(c ctx, p *pathNode) ([]string, error) {
	var names []string
	switch p.from {
	case fromRoot:
	case fromContext, fromCurrent:
		base := c.contextNode()
		if p.from == fromCurrent {
			base = c.env.Context()
		}
		if base.IsZero() {
			return nil, errors.New("needs the form's instance")
		}
		for _, n := range ancestors(base)[1:] {
			names = append(names, n.Doc.Name(n))
		}
	default:
		return nil, errors.New("needs a path into the form's instance")
	}
	for _, st := range p.steps {
		if len(st.preds) > 0 || st.name == "*" && st.axis == axChild {
			return nil, errors.New("needs a plain path, without predicates or *")
		}
		switch st.axis {
		case axChild:
			names = append(names, st.name)
		case axParent:
			if len(names) == 0 {
				return nil, errors.New("path goes above the document")
			}
			names = names[:len(names)-1]
		case axSelf:
		default:
			return nil, errors.New("needs a path to an element")
		}
	}
	return names, nil
}

// fnIndexedRepeat is indexed-repeat(node, repeat1, index1, ...): the value
// of node in the given instances of the repeats it is in, as JavaRosa
// computes it: the node's path, contextualised, with each repeat's step
// narrowed to its instance (an index below 1 counts as 1). A repeat
// instance that does not exist gives "".
func fnIndexedRepeat(c ctx, n *callNode) (Value, error) {
	target := n.args[0].(*pathNode)
	tnames, err := namesOf(c, target)
	if err != nil {
		return Value{}, fmt.Errorf("indexed-repeat(): argument 1 %v", err)
	}
	steps := make([]step, len(tnames))
	for i, name := range tnames {
		steps[i] = step{axis: axChild, name: name}
	}
	for i := 1; i+1 < len(n.args); i += 2 {
		rnames, err := namesOf(c, n.args[i].(*pathNode))
		if err != nil {
			return Value{}, fmt.Errorf("indexed-repeat(): argument %d %v", i+1, err)
		}
		if len(rnames) == 0 || len(rnames) > len(tnames) || !equalStrings(rnames, tnames[:len(rnames)]) {
			return Value{}, fmt.Errorf("indexed-repeat(): argument %d must be a repeat that holds the node of argument 1", i+1)
		}
		iv, err := n.args[i+1].eval(c)
		if err != nil {
			return Value{}, err
		}
		idx := math.Trunc(iv.Number())
		if math.IsNaN(idx) || idx < 1 {
			idx = 1
		}
		steps[len(rnames)-1].preds = []node{&litNode{Number(idx)}}
	}
	path := &pathNode{from: fromRoot, steps: steps}
	nodes, err := path.nodes(c)
	if err != nil {
		return Value{}, err
	}
	if len(nodes) == 0 {
		return String(""), nil
	}
	return String(nodes[0].Doc.Text(nodes[0])), nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fnPulldata is pulldata(id, field, key_field, key): the field of the first
// item of secondary instance id whose key_field equals key, as
// instance(id)/root/item[key_field = key]/field; "" when there is none.
func fnPulldata(c ctx, _ *callNode, a []Value) (Value, error) {
	id := a[0].String()
	doc, ok := c.env.Instance(id)
	if !ok {
		return Value{}, fmt.Errorf("no data file %q beside the form (pulldata reads %s.csv)", id, id)
	}
	field, keyField, key := a[1].String(), a[2].String(), a[3]
	var roots, items []Node
	roots = doc.Doc.Children(roots, doc, "*")
	for _, r := range roots {
		items = r.Doc.Children(items[:0], r, "*")
		for _, it := range items {
			var keys []Node
			keys = it.Doc.Children(keys, it, keyField)
			match := false
			for _, k := range keys {
				if compare(opEq, String(k.Doc.Text(k)), key) {
					match = true
					break
				}
			}
			if !match {
				continue
			}
			var vals []Node
			vals = it.Doc.Children(vals, it, field)
			if len(vals) == 0 {
				return String(""), nil
			}
			return String(vals[0].Doc.Text(vals[0])), nil
		}
	}
	return String(""), nil
}

// fnPosition is position(): inside a predicate the position of the node
// tested, elsewhere the Env's Position; with an argument, the position of
// that node among its siblings of the same name (a repeat instance's number).
func fnPosition(c ctx, n *callNode) (Value, error) {
	if len(n.args) == 0 {
		if c.pos > 0 {
			return Number(float64(c.pos)), nil
		}
		return Number(float64(c.env.Position())), nil
	}
	nodes, err := nodesOf(c, n.args[0])
	if err != nil {
		return Value{}, fmt.Errorf("position(): %w", err)
	}
	if len(nodes) == 0 {
		// JavaRosa's value for no node.
		return Number(0), nil
	}
	return Number(float64(nodes[0].Doc.Position(nodes[0]))), nil
}

// Reach reports what the expression's location paths into the primary
// instance can select, for a loader that works out what an expression
// depends on and which paths select nothing. schema is a document shaped
// like the primary instance in which every element appears once (a repeat
// once, for all its instances); context is the node the expression belongs
// to in it. fn is called for every such path, predicates' paths included,
// with its source text, the schema nodes it can end at (none for a path
// that matches no element) and whether only the nodes matter rather than
// their values (the argument of count() or position(), the repeats of
// indexed-repeat()).
func (e *Expr) Reach(context Node, fn func(path string, reached []Node, nodesOnly bool)) {
	r := reacher{src: e.src, fn: fn, current: context}
	r.walk(e.root, context, false)
}

type reacher struct {
	src     string
	fn      func(string, []Node, bool)
	current Node
}

// walk visits n with context node ctxNode (zero inside a predicate of a
// secondary instance, where relative paths leave the primary instance).
func (r *reacher) walk(n node, ctxNode Node, nodesOnly bool) {
	switch x := n.(type) {
	case *orNode:
		r.walk(x.l, ctxNode, false)
		r.walk(x.r, ctxNode, false)
	case *andNode:
		r.walk(x.l, ctxNode, false)
		r.walk(x.r, ctxNode, false)
	case *cmpNode:
		r.walk(x.l, ctxNode, false)
		r.walk(x.r, ctxNode, false)
	case *arithNode:
		r.walk(x.l, ctxNode, false)
		r.walk(x.r, ctxNode, false)
	case *negNode:
		r.walk(x.x, ctxNode, false)
	case *callNode:
		for i, a := range x.args {
			only := false
			switch x.name {
			case "count", "position":
				only = true
			case "indexed-repeat":
				only = i > 0 && i%2 == 1
			}
			r.walk(a, ctxNode, only)
		}
	case *pathNode:
		r.path(x, ctxNode, nodesOnly)
	}
}

func (r *reacher) path(p *pathNode, ctxNode Node, nodesOnly bool) {
	var cur []Node
	primary := true
	switch p.from {
	case fromInstance:
		r.walk(p.inst, ctxNode, false)
		primary = false
	case fromRoot:
		if r.current.IsZero() {
			return
		}
		cur = ancestors(r.current)[:1]
	case fromContext:
		if ctxNode.IsZero() {
			primary = false
		} else {
			cur = []Node{ctxNode}
		}
	case fromCurrent:
		if r.current.IsZero() {
			return
		}
		cur = []Node{r.current}
	}
	for _, st := range p.steps {
		var next []Node
		if primary {
			switch st.axis {
			case axSelf:
				for _, n := range cur {
					if st.name == "*" || n.Doc.Name(n) == st.name {
						next = append(next, n)
					}
				}
			case axParent:
				for _, n := range cur {
					if par, ok := n.Doc.Parent(n); ok && (st.name == "*" || par.Doc.Name(par) == st.name) {
						next = appendUnique(next, par)
					}
				}
			case axChild:
				for _, n := range cur {
					next = n.Doc.Children(next, n, st.name)
				}
			}
		}
		for _, pred := range st.preds {
			if !primary {
				r.walk(pred, Node{}, false)
				continue
			}
			for _, n := range next {
				r.walk(pred, n, false)
			}
		}
		cur = next
	}
	if primary {
		end := min(max(p.end, p.start), len(r.src))
		r.fn(r.src[p.start:end], cur, nodesOnly)
	}
}
