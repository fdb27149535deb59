package xpath

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// ctx is the state of one evaluation, passed by value so that evaluating
// does not allocate. Inside a predicate of a path into a secondary instance,
// pos is the 1-based position of the element being tested (0 elsewhere) and,
// when that element is an item, inRow is set and row holds its fields.
type ctx struct {
	env   Env
	inRow bool
	row   map[string]string
	pos   int
}

// node is a compiled expression tree node.
type node interface {
	eval(c ctx) (Value, error)
}

type litNode struct{ v Value }

func (n *litNode) eval(ctx) (Value, error) { return n.v, nil }

type refNode struct{ name string }

func (n *refNode) eval(c ctx) (Value, error) { return c.env.Ref(n.name) }

type currentNode struct{}

func (currentNode) eval(c ctx) (Value, error) { return c.env.Current(), nil }

// fieldNode is a bare name inside a predicate: the child element of that
// name of the row being tested, as a node-set of zero or one node.
type fieldNode struct{ name string }

func (n *fieldNode) eval(c ctx) (Value, error) {
	if !c.inRow {
		return Nodes(), nil
	}
	s, ok := c.row[n.name]
	switch {
	case !ok:
		return Nodes(), nil
	case s == "":
		return Nodes(""), nil
	}
	// A node with non-empty text behaves exactly like its text in every
	// comparison, conversion and function (count() and friends are told
	// by refsAsNodes), and a string does not allocate: choice filters run
	// this once per choice.
	return String(s), nil
}

type orNode struct{ l, r node }

func (n *orNode) eval(c ctx) (Value, error) {
	l, err := n.l.eval(c)
	if err != nil {
		return Value{}, err
	}
	if l.Bool() {
		return Bool(true), nil
	}
	r, err := n.r.eval(c)
	if err != nil {
		return Value{}, err
	}
	return Bool(r.Bool()), nil
}

type andNode struct{ l, r node }

func (n *andNode) eval(c ctx) (Value, error) {
	l, err := n.l.eval(c)
	if err != nil {
		return Value{}, err
	}
	if !l.Bool() {
		return Bool(false), nil
	}
	r, err := n.r.eval(c)
	if err != nil {
		return Value{}, err
	}
	return Bool(r.Bool()), nil
}

type cmpOp int

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

// flip is the operator with its operands swapped: a < b is b > a.
func (op cmpOp) flip() cmpOp {
	switch op {
	case opLt:
		return opGt
	case opLe:
		return opGe
	case opGt:
		return opLt
	case opGe:
		return opLe
	}
	return op
}

type cmpNode struct {
	op   cmpOp
	l, r node
}

func (n *cmpNode) eval(c ctx) (Value, error) {
	l, err := n.l.eval(c)
	if err != nil {
		return Value{}, err
	}
	r, err := n.r.eval(c)
	if err != nil {
		return Value{}, err
	}
	return Bool(compare(n.op, l, r)), nil
}

// tolerance is how close two numbers must be to be equal: JavaRosa's, so that
// 6.1 - 7.8 = -1.7 holds as a form author expects.
const tolerance = 1e-12

func numbersCompare(op cmpOp, a, b float64) bool {
	switch op {
	case opEq:
		return a == b || math.Abs(a-b) < tolerance
	case opNe:
		return !(a == b || math.Abs(a-b) < tolerance)
	case opLt:
		return a < b
	case opLe:
		return a <= b
	case opGt:
		return a > b
	case opGe:
		return a >= b
	}
	return false
}

func isNumeric(k Kind) bool { return k == KindNumber || k == KindDate || k == KindDateTime }

// compare applies a comparison operator with the rules of XPath 1.0 §3.4:
// node-sets compare existentially, then booleans, numbers (dates count as
// numbers, as in JavaRosa) and finally strings.
func compare(op cmpOp, a, b Value) bool {
	if a.kind == KindNodes && b.kind == KindNodes {
		for _, x := range a.nodes {
			for _, y := range b.nodes {
				if compare(op, String(x), String(y)) {
					return true
				}
			}
		}
		return false
	}
	if b.kind == KindNodes {
		return compare(op.flip(), b, a)
	}
	if a.kind == KindNodes {
		if b.kind == KindBool {
			return compare(op, Bool(a.Bool()), b)
		}
		for _, x := range a.nodes {
			if compare(op, String(x), b) {
				return true
			}
		}
		return false
	}
	if op == opEq || op == opNe {
		switch {
		case a.kind == KindBool || b.kind == KindBool:
			eq := a.Bool() == b.Bool()
			return eq == (op == opEq)
		case isNumeric(a.kind) || isNumeric(b.kind):
			return numbersCompare(op, a.Number(), b.Number())
		}
		eq := a.String() == b.String()
		return eq == (op == opEq)
	}
	return numbersCompare(op, a.Number(), b.Number())
}

type arithNode struct {
	op   byte // + - * / %
	l, r node
}

func (n *arithNode) eval(c ctx) (Value, error) {
	l, err := n.l.eval(c)
	if err != nil {
		return Value{}, err
	}
	r, err := n.r.eval(c)
	if err != nil {
		return Value{}, err
	}
	a, b := l.Number(), r.Number()
	switch n.op {
	case '+':
		return Number(a + b), nil
	case '-':
		return Number(a - b), nil
	case '*':
		return Number(a * b), nil
	case '/':
		return Number(a / b), nil
	}
	return Number(math.Mod(a, b)), nil
}

type negNode struct{ x node }

func (n *negNode) eval(c ctx) (Value, error) {
	v, err := n.x.eval(c)
	if err != nil {
		return Value{}, err
	}
	return Number(-v.Number()), nil
}

// callNode is a call to a library function. data holds what the function
// prepared at compile time, such as a compiled regular expression.
type callNode struct {
	name string
	fn   funcDef
	args []node
	data any
}

func (n *callNode) eval(c ctx) (Value, error) {
	if n.fn.lazy != nil {
		// Errors can only come from the arguments, which say what failed.
		return n.fn.lazy(c, n)
	}
	var args []Value
	if len(n.args) > 0 {
		args = make([]Value, len(n.args))
	}
	for i, a := range n.args {
		v, err := a.eval(c)
		if err != nil {
			return Value{}, err
		}
		if n.fn.refsAsNodes && v.kind != KindNodes {
			switch a.(type) {
			case *refNode, *fieldNode:
				v = Nodes(v.String())
			}
		}
		args[i] = v
	}
	v, err := n.fn.call(c, n, args)
	if err != nil {
		return Value{}, fmt.Errorf("%s(): %w", n.name, err)
	}
	return v, nil
}

// step is one step of a path into a secondary instance: a child element name
// ("*" for any) and the predicates that filter it.
type step struct {
	name  string
	preds []node
}

// pathNode is instance('id')/root/item[...]/field. A secondary instance is a
// document whose element root holds one element item per row, whose children
// are the row's fields.
type pathNode struct {
	instance node
	steps    []step
}

// inode is an element of a secondary instance: level 1 is root, 2 an item
// (row), 3 a field of a row.
type inode struct {
	level int
	row   map[string]string
	field string
}

// text is the XPath string-value of the element: a field's text, or for an
// item the concatenation of its fields (in name order, as the rows are maps).
func (n inode) text() string {
	switch n.level {
	case 3:
		return n.row[n.field]
	case 2:
		keys := make([]string, 0, len(n.row))
		for k := range n.row {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(n.row[k])
		}
		return b.String()
	}
	return ""
}

func (n *pathNode) eval(c ctx) (Value, error) {
	idv, err := n.instance.eval(c)
	if err != nil {
		return Value{}, err
	}
	id := idv.String()
	rows, ok := c.env.Instance(id)
	if !ok {
		return Value{}, fmt.Errorf("instance('%s'): no such secondary instance (choice list)", id)
	}
	// level 0 is the document node.
	cur := []inode{{level: 0}}
	for _, st := range n.steps {
		var next []inode
		for _, parent := range cur {
			next = append(next, children(parent, rows, st.name)...)
		}
		for _, pred := range st.preds {
			next, err = filter(c, next, pred)
			if err != nil {
				return Value{}, err
			}
		}
		cur = next
	}
	texts := make([]string, len(cur))
	for i, e := range cur {
		texts[i] = e.text()
	}
	return Nodes(texts...), nil
}

// children returns the child elements of parent named name ("*" for all).
func children(parent inode, rows []map[string]string, name string) []inode {
	switch parent.level {
	case 0:
		if name == "root" || name == "*" {
			return []inode{{level: 1}}
		}
	case 1:
		if name == "item" || name == "*" {
			out := make([]inode, len(rows))
			for i, r := range rows {
				out[i] = inode{level: 2, row: r}
			}
			return out
		}
	case 2:
		if name == "*" {
			keys := make([]string, 0, len(parent.row))
			for k := range parent.row {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			out := make([]inode, len(keys))
			for i, k := range keys {
				out[i] = inode{level: 3, row: parent.row, field: k}
			}
			return out
		}
		if _, ok := parent.row[name]; ok {
			return []inode{{level: 3, row: parent.row, field: name}}
		}
	}
	return nil
}

// filter keeps the elements for which pred holds: a number selects by
// position, anything else by its boolean value, as XPath 1.0 §2.4 says.
func filter(c ctx, elems []inode, pred node) ([]inode, error) {
	var out []inode
	for i, e := range elems {
		inner := ctx{env: c.env, inRow: e.level == 2, row: e.row, pos: i + 1}
		v, err := pred.eval(inner)
		if err != nil {
			return nil, err
		}
		keep := v.Bool()
		if v.kind == KindNumber {
			keep = v.f == float64(i+1)
		}
		if keep {
			out = append(out, e)
		}
	}
	return out, nil
}
