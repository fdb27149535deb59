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
	pulls       []string
	usesCurrent bool
}

// Compile parses src once, for evaluation any number of times. Errors are
// *SyntaxError; they include unknown functions ("unknown function foo()"),
// wrong argument counts, and what JavaRosa does not support either
// (unions, the descendant axis, node tests such as text()).
func Compile(src string) (*Expr, error) {
	return CompileOptions{}.Compile(src)
}

// CompileOptions adapts compilation to a questionnaire.
type CompileOptions struct {
	// RefPath gives the absolute path of the element ${name} refers to, as
	// element names from the document element down ("data", "household",
	// "member"), so that ${name} can start a path (${people}[age < 18]/pets)
	// and be an argument of indexed-repeat(), as pyxform expands it. Without
	// it, or when it reports false, such a use of ${name} is a syntax error.
	RefPath func(name string) ([]string, bool)
}

// Compile is [Compile] with the options.
func (o CompileOptions) Compile(src string) (*Expr, error) {
	if len(src) > MaxLen {
		return nil, fmt.Errorf("expression is %d bytes long; canvass takes expressions of up to %d bytes", len(src), MaxLen)
	}
	p := &parser{lex: lexer{src: src}, opts: o}
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
	return &Expr{src: src, root: root, refs: p.refs, instances: p.instances, pulls: p.pulls, usesCurrent: p.usesCurrent}, nil
}

// MaxLen bounds the length of one expression in bytes. A sum over a
// thousand items is some 10 KiB; an expression longer than this is a
// generated mistake, refused before it costs time.
const MaxLen = 64 << 10

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

// Instances returns the ids of the secondary instances named by string
// literals in instance('id') and pulldata('id', ...), without duplicates, in
// order of first use, so that a loader can find the data files a form reads
// and report a lookup in an instance that does not exist. The slice is the
// caller's.
func (e *Expr) Instances() []string { return slices.Clone(e.instances) }

// PullData returns the ids of the secondary instances named by string
// literals in pulldata('id', ...), a subset of [Expr.Instances]. The slice
// is the caller's.
func (e *Expr) PullData() []string { return slices.Clone(e.pulls) }

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
	refSet      map[string]bool // refs as a set, once there are many
	usesCurrent bool
	inPred      int // depth of predicates: '.' is the node tested there
	depth       int // nesting depth, bounded by maxDepth
	instances   []string
	pulls       []string
	opts        CompileOptions
	prevEnd     int // byte offset just after the token before tok
}

// addRef notes a ${name} reference once; a set takes over from the list
// when an expression (a sum over a whole section) names many items, so
// that compiling stays linear in its length.
func (p *parser) addRef(name string) {
	if p.refSet == nil && len(p.refs) < 16 {
		if !slices.Contains(p.refs, name) {
			p.refs = append(p.refs, name)
		}
		return
	}
	if p.refSet == nil {
		p.refSet = make(map[string]bool, 2*len(p.refs))
		for _, r := range p.refs {
			p.refSet[r] = true
		}
	}
	if !p.refSet[name] {
		p.refSet[name] = true
		p.refs = append(p.refs, name)
	}
}

func (p *parser) advance() error {
	p.prevEnd = p.lex.pos
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

// peek returns the token after the current one without consuming anything.
func (p *parser) peek() token {
	l := p.lex
	t, err := l.next()
	if err != nil {
		return token{kind: tEOF}
	}
	return t
}

// startsStep reports whether the current token starts a location step: a
// name that is not a function call, *, '.', '..' or '@'.
func (p *parser) startsStep() bool {
	switch p.tok.kind {
	case tName:
		next := p.peek()
		return !(next.kind == tOp && next.text == "(")
	case tStar:
		return true
	case tOp:
		switch p.tok.text {
		case ".", "..", "@":
			return true
		}
	}
	return false
}

// parsePath parses a location path (absolute, or relative to the context
// node), or a primary expression with the steps and predicates that may
// follow instance(...), current() and ${name}. A '.' on its own is the
// current answer.
func (p *parser) parsePath() (node, error) {
	t := p.tok
	switch {
	case p.isOp("//"):
		return nil, p.errAt(t.pos, "the descendant path // is not supported")
	case p.isOp("/"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		path := &pathNode{from: fromRoot, start: t.pos}
		if p.startsStep() {
			if err := p.parseSteps(path); err != nil {
				return nil, err
			}
		} else if p.isOp("//") {
			return nil, p.errAt(p.tok.pos, "the descendant path // is not supported")
		}
		path.end = p.prevEnd
		return path, nil
	case p.isOp(".") && p.inPred == 0:
		next := p.peek()
		if !(next.kind == tOp && (next.text == "/" || next.text == "//" || next.text == "[")) {
			p.usesCurrent = true
			return &currentNode{}, p.advance()
		}
		fallthrough
	case p.startsStep():
		path := &pathNode{from: fromContext, start: t.pos}
		if err := p.parseSteps(path); err != nil {
			return nil, err
		}
		path.end = p.prevEnd
		return path, nil
	}
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	var path *pathNode
	switch v := x.(type) {
	case *pathNode:
		path = v // instance(...) or current()
	case *refNode:
		if !p.isOp("[") && !p.isOp("/") && !p.isOp("//") {
			return x, nil
		}
		if path, err = p.refPath(t, v.name); err != nil {
			return nil, err
		}
	default:
		switch {
		case p.isOp("["):
			return nil, p.errAt(p.tok.pos, "predicates are only supported in location paths")
		case p.isOp("/") || p.isOp("//"):
			return nil, p.errAt(p.tok.pos, "paths are only supported after instance(), current() or ${name}")
		}
		return x, nil
	}
	for p.isOp("[") {
		if path.from != fromRoot || len(path.steps) == 0 {
			return nil, p.errAt(p.tok.pos, "predicates directly after instance() or current() are not supported: add a step such as /root/item[...]")
		}
		last := &path.steps[len(path.steps)-1]
		pred, err := p.parsePredicate()
		if err != nil {
			return nil, err
		}
		last.preds = append(last.preds, pred)
	}
	switch {
	case p.isOp("//"):
		return nil, p.errAt(p.tok.pos, "the descendant path // is not supported")
	case p.isOp("/"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.parseSteps(path); err != nil {
			return nil, err
		}
	}
	path.end = p.prevEnd
	return path, nil
}

// refPath turns ${name}, used where a path is needed, into the absolute
// path of its element, as pyxform expands it.
func (p *parser) refPath(t token, name string) (*pathNode, error) {
	var names []string
	ok := false
	if p.opts.RefPath != nil {
		names, ok = p.opts.RefPath(name)
	}
	if !ok {
		return nil, p.errAt(t.pos, "${%s} cannot start a path here: it names no element of the form's instance", name)
	}
	path := &pathNode{from: fromRoot, start: t.pos, end: p.prevEnd}
	for _, n := range names {
		path.steps = append(path.steps, step{axis: axChild, name: n})
	}
	return path, nil
}

// parseSteps parses the steps of a relative location path, separated by /.
func (p *parser) parseSteps(path *pathNode) error {
	for {
		st, err := p.parseStep()
		if err != nil {
			return err
		}
		path.steps = append(path.steps, st)
		switch {
		case p.isOp("//"):
			return p.errAt(p.tok.pos, "the descendant path // is not supported")
		case p.isOp("/"):
			if err := p.advance(); err != nil {
				return err
			}
			continue
		}
		return nil
	}
}

// parseStep parses one location step: '.', '..', an element name or *, an
// attribute (@name), or one of those after an axis JavaRosa supports
// (child::, self::, parent::, attribute::), with its predicates.
func (p *parser) parseStep() (step, error) {
	t := p.tok
	switch {
	case p.isOp("."), p.isOp(".."):
		st := step{axis: axSelf, name: "*"}
		if t.text == ".." {
			st.axis = axParent
		}
		if err := p.advance(); err != nil {
			return step{}, err
		}
		if p.isOp("[") {
			return step{}, p.errAt(p.tok.pos, "predicates after %s are not supported", t.text)
		}
		return st, nil
	}
	ax := axChild
	if p.isOp("@") {
		ax = axAttr
		if err := p.advance(); err != nil {
			return step{}, err
		}
	} else if next := p.peek(); t.kind == tName && next.kind == tOp && next.text == "::" {
		switch t.text {
		case "child":
		case "self":
			ax = axSelf
		case "parent":
			ax = axParent
		case "attribute":
			ax = axAttr
		default:
			return step{}, p.errAt(t.pos, "the %s:: axis is not supported (only child, parent, self and attribute are)", t.text)
		}
		if err := p.advance(); err != nil {
			return step{}, err
		}
		if err := p.advance(); err != nil {
			return step{}, err
		}
	}
	t = p.tok
	if t.kind != tName && t.kind != tStar {
		return step{}, p.errAt(t.pos, "expected an element name in the path, found %s", describe(t))
	}
	if err := p.advance(); err != nil {
		return step{}, err
	}
	if p.isOp("(") {
		return step{}, p.errAt(t.pos, "node tests such as %s() are not supported", t.text)
	}
	st := step{axis: ax, name: t.text}
	for p.isOp("[") {
		pred, err := p.parsePredicate()
		if err != nil {
			return step{}, err
		}
		st.preds = append(st.preds, pred)
	}
	return st, nil
}

// parsePredicate parses [expr].
func (p *parser) parsePredicate() (node, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	p.inPred++
	pred, err := p.parseExpr()
	p.inPred--
	if err != nil {
		return nil, err
	}
	return pred, p.expectOp("]")
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
		p.addRef(t.text)
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
	case tOp:
		if t.text == "(" {
			if err := p.advance(); err != nil {
				return nil, err
			}
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			return x, p.expectOp(")")
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
	var args []node
	if !p.isOp(")") {
		for {
			at := p.tok
			a, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if t.text == "indexed-repeat" && (len(args) == 0 || len(args)%2 == 1) {
				// The node and the repeats are paths, as pyxform writes
				// them; ${name} is the path of its element.
				if r, ok := a.(*refNode); ok {
					if a, err = p.refPath(at, r.name); err != nil {
						return nil, err
					}
				}
				if _, ok := a.(*pathNode); !ok {
					return nil, p.errAt(at.pos, "indexed-repeat(): argument %d must be a path to a node, such as ${name} or /data/repeat/name", len(args)+1)
				}
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
	switch t.text {
	case "instance":
		if lit, ok := args[0].(*litNode); ok {
			if id := lit.v.String(); !slices.Contains(p.instances, id) {
				p.instances = append(p.instances, id)
			}
		}
		return &pathNode{from: fromInstance, inst: args[0], start: t.pos, end: p.prevEnd}, nil
	case "current":
		return &pathNode{from: fromCurrent, start: t.pos, end: p.prevEnd}, nil
	case "pulldata":
		if lit, ok := args[0].(*litNode); ok {
			id := lit.v.String()
			if !slices.Contains(p.instances, id) {
				p.instances = append(p.instances, id)
			}
			if !slices.Contains(p.pulls, id) {
				p.pulls = append(p.pulls, id)
			}
		}
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
