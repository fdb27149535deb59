package xpath

import (
	"strings"
)

// Node is a node of a document an expression walks: the document node, an
// element or an attribute. Which document it belongs to and what I and J
// mean are the document's business; two Nodes are the same node exactly
// when they are equal (==), so a Doc must be a comparable type, usually a
// pointer.
type Node struct {
	Doc  Doc
	I, J int
}

// IsZero reports whether n is no node at all.
func (n Node) IsZero() bool { return n.Doc == nil }

// Doc is a document an expression's location paths walk: the form's primary
// instance (the interview's answers, with groups and repeat instances as
// elements) or a secondary instance (a choice list, a CSV, XML or GeoJSON
// file). Only the child, parent, self and attribute axes are walked, as in
// JavaRosa.
type Doc interface {
	// Name is the name of an element or attribute; "" for the document
	// node.
	Name(n Node) string
	// Text is the node's string-value: an element's text and that of all
	// its descendants, in document order.
	Text(n Node) string
	// Parent is the parent of n; false for the document node.
	Parent(n Node) (Node, bool)
	// Children appends to dst the child elements of n named name, or all
	// of them when name is "*", in document order.
	Children(dst []Node, n Node, name string) []Node
	// Attr is the attribute of element n named name.
	Attr(n Node, name string) (Node, bool)
	// Position is the 1-based position of element n among its siblings of
	// the same name: a repeat instance's number, 1 for an element that is
	// not repeated.
	Position(n Node) int
}

// Instance is a secondary instance: a read-only document built once (from
// a choice list or a data file) and queried with instance('id')/... paths.
// Build it with [NewInstance] and [Instance.Add]; once built it may be
// shared by any number of evaluations.
type Instance struct {
	elems []elem
}

// elem is an element of an Instance; index 0 is the document node.
type elem struct {
	name, text string
	parent     int
	kids       []int
	attrs      []attr
	pos        int // among same-named siblings, 1-based
}

type attr struct{ name, value string }

// NewInstance returns an empty secondary instance: a document node without
// elements.
func NewInstance() *Instance {
	return &Instance{elems: []elem{{parent: -1}}}
}

// Document is the instance's document node, what instance('id') selects.
func (in *Instance) Document() Node { return Node{Doc: in} }

// Add appends an element named name with the given text as the last child
// of element parent (0 for the document node) and returns its index, for
// adding its own children.
func (in *Instance) Add(parent int, name, text string) int {
	i := len(in.elems)
	p := &in.elems[parent]
	pos := 1
	for _, k := range p.kids {
		if in.elems[k].name == name {
			pos++
		}
	}
	p.kids = append(p.kids, i)
	in.elems = append(in.elems, elem{name: name, text: text, parent: parent, pos: pos})
	return i
}

// SetAttr sets an attribute of element e.
func (in *Instance) SetAttr(e int, name, value string) {
	in.elems[e].attrs = append(in.elems[e].attrs, attr{name, value})
}

// SetText sets the text of element e.
func (in *Instance) SetText(e int, text string) {
	in.elems[e].text = text
}

// Len is the number of elements.
func (in *Instance) Len() int { return len(in.elems) - 1 }

// An Instance node is element I; J > 0 is its attribute J-1. Its methods
// implement Doc.

// Name implements Doc.
func (in *Instance) Name(n Node) string {
	e := &in.elems[n.I]
	if n.J > 0 {
		return e.attrs[n.J-1].name
	}
	return e.name
}

// Text implements Doc.
func (in *Instance) Text(n Node) string {
	e := &in.elems[n.I]
	if n.J > 0 {
		return e.attrs[n.J-1].value
	}
	if len(e.kids) == 0 {
		return e.text
	}
	var b strings.Builder
	in.appendText(&b, n.I)
	return b.String()
}

func (in *Instance) appendText(b *strings.Builder, i int) {
	e := &in.elems[i]
	b.WriteString(e.text)
	for _, k := range e.kids {
		in.appendText(b, k)
	}
}

// Parent implements Doc.
func (in *Instance) Parent(n Node) (Node, bool) {
	if n.J > 0 {
		return Node{Doc: in, I: n.I}, true
	}
	p := in.elems[n.I].parent
	if p < 0 {
		return Node{}, false
	}
	return Node{Doc: in, I: p}, true
}

// Children implements Doc.
func (in *Instance) Children(dst []Node, n Node, name string) []Node {
	if n.J > 0 {
		return dst
	}
	for _, k := range in.elems[n.I].kids {
		if name == "*" || in.elems[k].name == name {
			dst = append(dst, Node{Doc: in, I: k})
		}
	}
	return dst
}

// child is the first child of element i named name, and whether there is
// exactly one: the common case of a field of a row, looked up without
// allocating.
func (in *Instance) child(i int, name string) (int, int) {
	found, count := -1, 0
	for _, k := range in.elems[i].kids {
		if in.elems[k].name == name {
			if found < 0 {
				found = k
			}
			count++
		}
	}
	return found, count
}

// Attr implements Doc.
func (in *Instance) Attr(n Node, name string) (Node, bool) {
	if n.J > 0 {
		return Node{}, false
	}
	for i, a := range in.elems[n.I].attrs {
		if a.name == name {
			return Node{Doc: in, I: n.I, J: i + 1}, true
		}
	}
	return Node{}, false
}

// Position implements Doc.
func (in *Instance) Position(n Node) int {
	if n.J > 0 {
		return 1
	}
	return in.elems[n.I].pos
}

// RowsInstance builds the secondary instance of a table, as ODK represents
// choice lists and CSV files: a root element holding one item element per
// row, whose children are the row's fields in the order of cols (fields a
// row lacks are left out).
func RowsInstance(cols []string, rows []map[string]string) *Instance {
	in := NewInstance()
	root := in.Add(0, "root", "")
	for _, r := range rows {
		item := in.Add(root, "item", "")
		for _, c := range cols {
			if v, ok := r[c]; ok {
				in.Add(item, c, v)
			}
		}
	}
	return in
}
