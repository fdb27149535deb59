package xpath

import (
	"fmt"
	"math"
)

// ctx is the state of one evaluation, passed by value so that evaluating
// does not allocate. node is the context node of relative paths (the zero
// Node: the Env's context); inside a predicate it is the node being tested,
// pos its 1-based position among the nodes filtered and size their number
// (pos is 0 outside predicates).
type ctx struct {
	env       Env
	node      Node
	pos, size int
}

// contextNode is the node relative paths start from.
func (c ctx) contextNode() Node {
	if !c.node.IsZero() {
		return c.node
	}
	return c.env.Context()
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
	if n.fn.counts {
		if p, ok := n.args[0].(*pathNode); ok {
			nodes, err := p.nodes(c)
			if err != nil {
				return Value{}, err
			}
			return Number(float64(len(nodes))), nil
		}
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
			case *refNode, *pathNode, *currentNode:
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
