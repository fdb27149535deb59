package xpath

import (
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// SyntaxError is an expression that cannot be compiled: bad syntax, an
// unknown function, a wrong number of arguments, or a construct canvass does
// not support (such as an absolute path).
type SyntaxError struct {
	Src    string // the expression
	Column int    // 1-based column, in characters, where the problem starts
	Msg    string // what is wrong, lowercase
}

// Error reads "column N: message".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("column %d: %s", e.Column, e.Msg)
}

// newSyntaxError builds a SyntaxError at byte offset pos of src.
func newSyntaxError(src string, pos int, msg string) *SyntaxError {
	if pos > len(src) {
		pos = len(src)
	}
	return &SyntaxError{Src: src, Column: utf8.RuneCountInString(src[:pos]) + 1, Msg: msg}
}

// Expr is a compiled expression. It is immutable and safe for concurrent use.
type Expr struct {
	src         string
	root        node
	refs        []string
	instances   []string
	usesCurrent bool
}

// Compile parses src once, for evaluation any number of times. Errors are
// *SyntaxError; they include unknown functions ("unknown function
// pulldata()"), wrong argument counts, and paths other than lookups in
// secondary instances.
func Compile(src string) (*Expr, error) {
	p := &parser{lex: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, p.errAt(p.tok.pos, "empty expression")
	}
	root, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errAt(p.tok.pos, "unexpected %s", describe(p.tok))
	}
	return &Expr{src: src, root: root, refs: p.refs, instances: p.instances, usesCurrent: p.usesCurrent}, nil
}

// MustCompile is like [Compile] but panics on error; for expressions fixed in
// the program text.
func MustCompile(src string) *Expr {
	e, err := Compile(src)
	if err != nil {
		panic(fmt.Sprintf("xpath: compile %q: %v", src, err))
	}
	return e
}

// String returns the source text.
func (e *Expr) String() string { return e.src }

// Refs returns the names referenced as ${name}, without duplicates, in order
// of first use. The engine uses them to re-evaluate only what changed and to
// find unknown references and cycles when a questionnaire is loaded. The
// slice is the caller's.
func (e *Expr) Refs() []string { return slices.Clone(e.refs) }

// Instances returns the ids of the secondary instances (choice lists) named
// by string literals in instance('id'), without duplicates, in order of first
// use, so that a loader can report a lookup in a list that does not exist.
// The slice is the caller's.
func (e *Expr) Instances() []string { return slices.Clone(e.instances) }

// UsesCurrent reports whether the expression refers to the current answer,
// '.', directly or through once().
func (e *Expr) UsesCurrent() bool { return e.usesCurrent }

// Eval evaluates the expression against env.
func (e *Expr) Eval(env Env) (Value, error) {
	return e.root.eval(ctx{env: env})
}

// parser is a recursive-descent parser over the XPath 1.0 grammar, restricted
// to what ODK forms use.
type parser struct {
	lex         lexer
	tok         token
	refs        []string
	usesCurrent bool
	inPred      int // depth of predicates: bare names are fields of a row there
	depth       int // nesting depth, bounded by maxDepth
	instances   []string
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errAt(pos int, format string, args ...any) error {
	return newSyntaxError(p.lex.src, pos, fmt.Sprintf(format, args...))
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tNumber:
		return "number " + t.text
	case tString:
		return "string " + strconv.Quote(t.text)
	case tRef:
		return "${" + t.text + "}"
	case tName, tVariable, tStar:
		return "name " + strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

func (p *parser) isOp(text string) bool {
	return p.tok.kind == tOp && p.tok.text == text
}

func (p *parser) expectOp(text string) error {
	if !p.isOp(text) {
		return p.errAt(p.tok.pos, "expected %q, found %s", text, describe(p.tok))
	}
	return p.advance()
}

func (p *parser) parseExpr() (node, error) { return p.parseOr() }

func (p *parser) parseOr() (node, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tOpName && p.tok.text == "or" {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = &orNode{l, r}
	}
	return l, nil
}

func (p *parser) parseAnd() (node, error) {
	l, err := p.parseEquality()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tOpName && p.tok.text == "and" {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.parseEquality()
		if err != nil {
			return nil, err
		}
		l = &andNode{l, r}
	}
	return l, nil
}

func (p *parser) parseEquality() (node, error) {
	l, err := p.parseRelational()
	if err != nil {
		return nil, err
	}
	for p.isOp("=") || p.isOp("!=") {
		op := opEq
		if p.tok.text == "!=" {
			op = opNe
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.parseRelational()
		if err != nil {
			return nil, err
		}
		l = &cmpNode{op, l, r}
	}
	return l, nil
}

func (p *parser) parseRelational() (node, error) {
	l, err := p.parseAdditive()
	if err != nil {
		return nil, err
	}
	for {
		var op cmpOp
		switch {
		case p.isOp("<"):
			op = opLt
		case p.isOp("<="):
			op = opLe
		case p.isOp(">"):
			op = opGt
		case p.isOp(">="):
			op = opGe
		default:
			return l, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.parseAdditive()
		if err != nil {
			return nil, err
		}
		l = &cmpNode{op, l, r}
	}
}

func (p *parser) parseAdditive() (node, error) {
	l, err := p.parseMultiplicative()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		op := byte(p.tok.text[0])
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.parseMultiplicative()
		if err != nil {
			return nil, err
		}
		l = &arithNode{op, l, r}
	}
	return l, nil
}

func (p *parser) parseMultiplicative() (node, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		var op byte
		switch {
		case p.isOp("*"):
			op = '*'
		case p.tok.kind == tOpName && p.tok.text == "div":
			op = '/'
		case p.tok.kind == tOpName && p.tok.text == "mod":
			op = '%'
		default:
			return l, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = &arithNode{op, l, r}
	}
}

// maxDepth bounds the nesting of an expression, so that a pathological one
// is a syntax error rather than a deep recursion.
const maxDepth = 200

func (p *parser) parseUnary() (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errAt(p.tok.pos, "expression nested too deeply (more than %d levels)", maxDepth)
	}
	if p.isOp("-") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &negNode{x}, nil
	}
	x, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	if p.isOp("|") {
		return nil, p.errAt(p.tok.pos, "the union operator | is not supported")
	}
	return x, nil
}

// parsePath parses a primary expression and, after instance(...), the
// location steps into the secondary instance.
func (p *parser) parsePath() (node, error) {
	t := p.tok
	switch {
	case p.isOp("/") || p.isOp("//"):
		return nil, p.errAt(t.pos, "absolute paths are not supported: refer to questions as ${name}")
	case p.isOp(".."):
		return nil, p.errAt(t.pos, "relative paths (..) are not supported: refer to questions as ${name}")
	case p.isOp("@"):
		return nil, p.errAt(t.pos, "attributes (@) are not supported")
	case t.kind == tStar:
		return nil, p.errAt(t.pos, "name tests (*) are only supported after instance(...)")
	}
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	if p.isOp("[") {
		return nil, p.errAt(p.tok.pos, "predicates are only supported in paths after instance(...)")
	}
	call, ok := x.(*callNode)
	if !p.isOp("/") && !p.isOp("//") {
		if ok && call.name == "instance" {
			return nil, p.errAt(t.pos, "instance() must be followed by a path such as /root/item")
		}
		return x, nil
	}
	if !ok || call.name != "instance" {
		return nil, p.errAt(p.tok.pos, "paths are only supported after instance(...)")
	}
	path := &pathNode{instance: call.args[0]}
	if lit, ok := call.args[0].(*litNode); ok {
		if id := lit.v.String(); !slices.Contains(p.instances, id) {
			p.instances = append(p.instances, id)
		}
	}
	for p.isOp("/") || p.isOp("//") {
		if p.tok.text == "//" {
			return nil, p.errAt(p.tok.pos, "the descendant path // is not supported")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		st, err := p.parseStep()
		if err != nil {
			return nil, err
		}
		path.steps = append(path.steps, st)
	}
	if p.isOp("|") {
		return nil, p.errAt(p.tok.pos, "the union operator | is not supported")
	}
	return path, nil
}

// parseStep parses one step of a path into a secondary instance: a child
// element name with optional predicates.
func (p *parser) parseStep() (step, error) {
	t := p.tok
	if t.kind != tName && t.kind != tStar {
		return step{}, p.errAt(t.pos, "expected an element name in the path, found %s", describe(t))
	}
	if err := p.advance(); err != nil {
		return step{}, err
	}
	if p.isOp("(") {
		return step{}, p.errAt(t.pos, "node tests such as %s() are not supported", t.text)
	}
	if p.isOp("::") {
		return step{}, p.errAt(t.pos, "axes such as %s:: are not supported", t.text)
	}
	st := step{name: t.text}
	for p.isOp("[") {
		if err := p.advance(); err != nil {
			return step{}, err
		}
		p.inPred++
		pred, err := p.parseExpr()
		p.inPred--
		if err != nil {
			return step{}, err
		}
		if err := p.expectOp("]"); err != nil {
			return step{}, err
		}
		st.preds = append(st.preds, pred)
	}
	return st, nil
}

func (p *parser) parsePrimary() (node, error) {
	t := p.tok
	switch t.kind {
	case tNumber:
		// The lexer only lets through digits and one dot, so the only
		// possible error is a range error, for which ParseFloat returns ±Inf.
		f, _ := strconv.ParseFloat(t.text, 64)
		return &litNode{Number(f)}, p.advance()
	case tString:
		return &litNode{String(t.text)}, p.advance()
	case tRef:
		if !slices.Contains(p.refs, t.text) {
			p.refs = append(p.refs, t.text)
		}
		return &refNode{t.text}, p.advance()
	case tVariable:
		return nil, p.errAt(t.pos, "variables such as %s are not supported: refer to questions as ${name}", t.text)
	case tName:
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.isOp("(") {
			return p.parseCall(t)
		}
		if p.isOp("::") {
			return nil, p.errAt(t.pos, "axes such as %s:: are not supported", t.text)
		}
		if p.inPred > 0 {
			if p.isOp("/") || p.isOp("//") {
				return nil, p.errAt(p.tok.pos, "only single names are supported inside a predicate")
			}
			return &fieldNode{t.text}, nil
		}
		return nil, p.errAt(t.pos, "bare name %q: refer to questions as ${%s}", t.text, t.text)
	case tOp:
		switch t.text {
		case "(":
			if err := p.advance(); err != nil {
				return nil, err
			}
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			return x, p.expectOp(")")
		case ".":
			if p.inPred > 0 {
				return nil, p.errAt(t.pos, "'.' inside a predicate is not supported: name the field")
			}
			p.usesCurrent = true
			return &currentNode{}, p.advance()
		}
	}
	return nil, p.errAt(t.pos, "unexpected %s", describe(t))
}

// parseCall parses the arguments of a call to the function named by t and
// checks it against the library.
func (p *parser) parseCall(t token) (node, error) {
	fn, ok := lookupFunc(t.text)
	if !ok {
		return nil, p.errAt(t.pos, "unknown function %s()", t.text)
	}
	if err := p.advance(); err != nil { // (
		return nil, err
	}
	if t.text == "position" && p.isOp("..") {
		// position(..), as ODK forms write it inside a repeat, is the
		// position of the enclosing repeat instance: position().
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return &callNode{name: t.text, fn: fn}, nil
	}
	var args []node
	if !p.isOp(")") {
		for {
			a, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if !p.isOp(",") {
				break
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	if fn.unsupported != "" {
		return nil, p.errAt(t.pos, "%s() is not supported on a terminal: %s", t.text, fn.unsupported)
	}
	if len(args) < fn.min || fn.max >= 0 && len(args) > fn.max {
		return nil, p.errAt(t.pos, "%s() %s, got %d", t.text, arity(fn.min, fn.max), len(args))
	}
	if fn.usesCurrent {
		p.usesCurrent = true
	}
	c := &callNode{name: t.text, fn: fn, args: args}
	if fn.prepare != nil {
		if err := fn.prepare(c); err != nil {
			return nil, p.errAt(t.pos, "%s(): %v", t.text, err)
		}
	}
	return c, nil
}

func arity(min, max int) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 argument"
		}
		return strconv.Itoa(n) + " arguments"
	}
	switch {
	case min == max:
		return "takes " + plural(min)
	case max < 0:
		return "takes at least " + plural(min)
	case max == min+1:
		return fmt.Sprintf("takes %d or %s", min, plural(max))
	}
	return fmt.Sprintf("takes %d to %d arguments", min, max)
}
