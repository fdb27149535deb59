package model

import (
	"strings"

	"canvass/model/xpath"
)

// This file is the form's primary instance as ODK builds it, which location
// paths walk: a document element (named by Survey.Root, "data" by
// default) holding an element per item, groups and repeat instances
// holding their items' elements, and ODK's meta/instanceID. Two documents
// implement it: schemaDoc, in which every element appears once, for working
// out at compile time what a path reads, and instanceDoc, an interview's
// answers.
//
// A node's I is -1 for the document node, 0 for the document element, the
// item's index + 1 for an item, and metaI/idI (see Form) for the meta group
// and its instanceID when the form has no meta item of its own. An
// interview's J is the instance (see Interview.instID) of the repeats the
// element is in.

// DefaultRoot is the name of the primary instance's document element when
// the survey does not give one, as in pyxform.
const DefaultRoot = "data"

// elemName is the element name of an item: its name in the form file.
func elemName(it *Item) string {
	if it.XMLName != "" {
		return it.XMLName
	}
	return it.Name
}

// docNode returns the node of item n (the root for nil or the root node).
func (f *Form) docIndex(n *node) int {
	if n == nil || n.idx < 0 {
		return 0
	}
	return n.idx + 1
}

// nodeAt is the item of index i of a primary-instance node, or nil for the
// document node, the document element and the virtual meta elements.
func (f *Form) nodeAt(i int) *node {
	if i <= 0 || i > len(f.nodes) {
		return nil
	}
	return f.nodes[i-1]
}

// container is the node whose children element i holds: the root for the
// document element, nil for anything that holds no items.
func (f *Form) container(i int) *node {
	if i == 0 {
		return f.root
	}
	n := f.nodeAt(i)
	if n == nil || !n.it.Type.Container() {
		return nil
	}
	return n
}

// name is the element name of node i of either document.
func (f *Form) name(i int) string {
	switch {
	case i == -1:
		return ""
	case i == 0:
		return f.rootName
	case i == f.metaI:
		return "meta"
	case i == f.idI:
		return "instanceID"
	}
	return f.nodes[i-1].elem
}

// rootMatches reports whether an absolute path's first step names the
// document element: by its name, or by the survey's id, as older pyxform
// named it after the form.
func (f *Form) rootMatches(name string) bool {
	return name == "*" || name == f.rootName || name == f.survey.ID
}

// refPath is the absolute path of the element of item name, for ${name}
// starting a path.
func (f *Form) refPath(name string) ([]string, bool) {
	n := f.byName[name]
	if n == nil {
		return nil, false
	}
	var names []string
	for m := n; m != nil && m.idx >= 0; m = m.parent {
		names = append(names, m.elem)
	}
	names = append(names, f.rootName)
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	return names, true
}

// schemaDoc is the shape of the primary instance: every element once.
type schemaDoc struct{ f *Form }

func (d *schemaDoc) node(i int) xpath.Node { return xpath.Node{Doc: d, I: i} }

func (d *schemaDoc) Name(n xpath.Node) string { return d.f.name(n.I) }

func (d *schemaDoc) Text(xpath.Node) string { return "" }

func (d *schemaDoc) Parent(n xpath.Node) (xpath.Node, bool) {
	i, ok := d.f.parentIndex(n.I)
	return d.node(i), ok
}

func (d *schemaDoc) Children(dst []xpath.Node, n xpath.Node, name string) []xpath.Node {
	f := d.f
	if n.I == -1 {
		if f.rootMatches(name) {
			dst = append(dst, d.node(0))
		}
		return dst
	}
	if n.I == f.metaI && f.metaI > 0 {
		if name == "*" || name == "instanceID" {
			dst = append(dst, d.node(f.idI))
		}
		return dst
	}
	m := f.container(n.I)
	if m == nil {
		return dst
	}
	for _, k := range m.kids {
		if name == "*" || k.elem == name {
			dst = append(dst, d.node(k.idx+1))
		}
	}
	if m == f.root && f.metaI > 0 && (name == "*" || name == "meta") {
		dst = append(dst, d.node(f.metaI))
	}
	return dst
}

func (d *schemaDoc) Attr(xpath.Node, string) (xpath.Node, bool) { return xpath.Node{}, false }

func (d *schemaDoc) Position(xpath.Node) int { return 1 }

// parentIndex is the parent element of node i in the schema.
func (f *Form) parentIndex(i int) (int, bool) {
	switch {
	case i == -1:
		return 0, false
	case i == 0:
		return -1, true
	case i == f.metaI:
		return 0, true
	case i == f.idI:
		return f.metaI, true
	}
	return f.docIndex(f.nodes[i-1].parent), true
}

// instRec is one instance of the repeats an element is in: the instance
// path, and the instance of the enclosing repeats it is in.
type instRec struct {
	path   []int
	parent int
}

// instKey names the instance k of repeat rep inside instance parent.
type instKey struct{ parent, rep, k int }

// instID is the id of the instance path of node n (an item's ctxLen
// long), creating it on first use. 0 is the empty path.
func (iv *Interview) instID(n *node, path []int) int {
	id := 0
	for i := range min(len(path), n.ctxLen()) {
		r := chainAt(n, i)
		id = iv.childInst(id, r, path[i])
	}
	return id
}

// childInst is the id of instance k of repeat r inside instance parent.
func (iv *Interview) childInst(parent int, r *node, k int) int {
	key := instKey{parent, r.idx, k}
	if id, ok := iv.instIdx[key]; ok {
		return id
	}
	if iv.instIdx == nil {
		iv.instIdx = map[instKey]int{}
	}
	pp := iv.insts[parent].path
	path := append(pp[:len(pp):len(pp)], k)
	iv.insts = append(iv.insts, instRec{path: path, parent: parent})
	id := len(iv.insts) - 1
	iv.instIdx[key] = id
	return id
}

// instanceDoc is an interview's primary instance: its elements' values are
// the answers and calculated values as expressions see them ("" where not
// relevant), and its repeat elements the instances that exist and are
// relevant.
type instanceDoc struct{ iv *Interview }

func (d *instanceDoc) Name(n xpath.Node) string { return d.iv.form.name(n.I) }

func (d *instanceDoc) Text(n xpath.Node) string {
	iv := d.iv
	f := iv.form
	switch {
	case n.I == -1:
		return d.Text(xpath.Node{Doc: d, I: 0})
	case n.I == f.idI && f.idI > 0:
		return iv.instanceID()
	case n.I == f.metaI && f.metaI > 0:
		return iv.instanceID()
	}
	var b strings.Builder
	d.appendText(&b, n)
	return b.String()
}

func (d *instanceDoc) appendText(b *strings.Builder, n xpath.Node) {
	iv := d.iv
	f := iv.form
	if m := f.nodeAt(n.I); m != nil && !m.it.Type.Container() {
		b.WriteString(iv.value(m, iv.insts[n.J].path))
		return
	}
	for _, k := range d.Children(nil, n, "*") {
		if k.I == f.metaI && f.metaI > 0 {
			b.WriteString(iv.instanceID())
			continue
		}
		d.appendText(b, k)
	}
}

func (d *instanceDoc) Parent(n xpath.Node) (xpath.Node, bool) {
	f := d.iv.form
	m := f.nodeAt(n.I)
	if m == nil {
		i, ok := f.parentIndex(n.I)
		return xpath.Node{Doc: d, I: i}, ok
	}
	j := n.J
	if m.isRepeat() {
		j = d.iv.insts[n.J].parent
	}
	return xpath.Node{Doc: d, I: f.docIndex(m.parent), J: j}, true
}

func (d *instanceDoc) Children(dst []xpath.Node, n xpath.Node, name string) []xpath.Node {
	iv := d.iv
	f := iv.form
	if n.I == -1 {
		if f.rootMatches(name) {
			dst = append(dst, xpath.Node{Doc: d, I: 0})
		}
		return dst
	}
	if n.I == f.metaI && f.metaI > 0 {
		if name == "*" || name == "instanceID" {
			dst = append(dst, xpath.Node{Doc: d, I: f.idI})
		}
		return dst
	}
	m := f.container(n.I)
	if m == nil {
		return dst
	}
	pp := iv.insts[n.J].path
	for _, k := range m.kids {
		if name != "*" && k.elem != name {
			continue
		}
		if !k.isRepeat() {
			dst = append(dst, xpath.Node{Doc: d, I: k.idx + 1, J: n.J})
			continue
		}
		cnt := iv.repeatCount(k, pp)
		for i := 1; i <= cnt; i++ {
			p := append(pp[:len(pp):len(pp)], i)
			if iv.active(k, p) {
				dst = append(dst, xpath.Node{Doc: d, I: k.idx + 1, J: iv.childInst(n.J, k, i)})
			}
		}
	}
	if m == f.root && f.metaI > 0 && (name == "*" || name == "meta") {
		dst = append(dst, xpath.Node{Doc: d, I: f.metaI})
	}
	return dst
}

func (d *instanceDoc) Attr(xpath.Node, string) (xpath.Node, bool) { return xpath.Node{}, false }

func (d *instanceDoc) Position(n xpath.Node) int {
	if m := d.iv.form.nodeAt(n.I); m != nil && m.isRepeat() {
		p := d.iv.insts[n.J].path
		return p[len(p)-1]
	}
	return 1
}
