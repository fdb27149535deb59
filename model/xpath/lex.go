package xpath

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the type of a lexical token.
type tokKind int

const (
	tEOF      tokKind = iota
	tNumber           // 12, 1.5, .5
	tString           // 'x' or "x"; text holds the content without quotes
	tRef              // ${name}; text holds name
	tName             // a name: function name, step name, or jr:choice-name
	tOp               // an operator or punctuation; text holds it
	tOpName           // and, or, div, mod used as operators
	tStar             // * as a name test
	tVariable         // $name, an XPath variable, which ODK forms do not have
)

// token is one lexical token; pos is its byte offset in the source.
type token struct {
	kind tokKind
	text string
	pos  int
}

// lexer splits an expression into tokens, applying XPath's rule that "and",
// "or", "div", "mod" and "*" are operators exactly when they follow an operand.
type lexer struct {
	src     string
	pos     int
	prev    token // the last token returned, when hasPrev
	hasPrev bool
}

// isASCIINameStart and isASCIINameChar are the ASCII part of XML names; the
// lexer checks other characters rune by rune.
func isASCIINameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isASCIINameChar(c byte) bool {
	return isASCIINameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}

// isNameStart and isNameChar accept any non-ASCII byte: they check the
// names inside ${...}, which the questionnaire loader validates further.
func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= utf8.RuneSelf
}

func isNameChar(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// afterOperand reports whether the previous token ends an operand, so that a
// following name or * is an operator.
func (l *lexer) afterOperand() bool {
	if !l.hasPrev {
		return false
	}
	switch l.prev.kind {
	case tNumber, tString, tRef, tName, tStar, tVariable:
		return true
	case tOp:
		switch l.prev.text {
		case ")", "]", ".", "..":
			return true
		}
	}
	return false
}

// skipSpace skips XPath's white space and, since forms are often written in
// spreadsheets, any other Unicode space such as a no-break space.
func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			l.pos++
			continue
		}
		if c < utf8.RuneSelf {
			return
		}
		r, size := utf8.DecodeRuneInString(l.src[l.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		l.pos += size
	}
}

// next returns the next token, or a syntax error.
func (l *lexer) next() (token, error) {
	t, err := l.scan()
	if err == nil {
		l.prev, l.hasPrev = t, true
	}
	return t, err
}

func (l *lexer) errAt(pos int, format string, args ...any) error {
	return newSyntaxError(l.src, pos, fmt.Sprintf(format, args...))
}

func (l *lexer) scan() (token, error) {
	s := l.src
	l.skipSpace()
	start := l.pos
	if start >= len(s) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := s[start]
	if c >= utf8.RuneSelf {
		r, _ := utf8.DecodeRuneInString(s[start:])
		switch {
		case strings.ContainsRune("‘’‚‛“”„‟", r):
			return token{}, l.errAt(start, "typographic quote %q: write strings in straight quotes ' or \"", r)
		case !unicode.IsLetter(r):
			return token{}, l.errAt(start, "unexpected character %q", r)
		}
	}
	switch {
	case isDigit(c) || c == '.' && start+1 < len(s) && isDigit(s[start+1]):
		i := start
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i < len(s) && s[i] == '.' {
			i++
			for i < len(s) && isDigit(s[i]) {
				i++
			}
		}
		l.pos = i
		return token{kind: tNumber, text: s[start:i], pos: start}, nil
	case c == '\'' || c == '"':
		end := -1
		for i := start + 1; i < len(s); i++ {
			if s[i] == c {
				end = i
				break
			}
		}
		if end < 0 {
			return token{}, l.errAt(start, "unterminated string")
		}
		l.pos = end + 1
		return token{kind: tString, text: s[start+1 : end], pos: start}, nil
	case c == '$':
		if start+1 < len(s) && s[start+1] == '{' {
			i := start + 2
			for i < len(s) && s[i] != '}' {
				i++
			}
			if i >= len(s) {
				return token{}, l.errAt(start, "unterminated ${...} reference")
			}
			name := s[start+2 : i]
			if !validRefName(name) {
				return token{}, l.errAt(start, "bad question name %q in ${...}", name)
			}
			l.pos = i + 1
			return token{kind: tRef, text: name, pos: start}, nil
		}
		i := start + 1
		for i < len(s) && isASCIINameChar(s[i]) {
			i++
		}
		if i == start+1 {
			return token{}, l.errAt(start, "unexpected '$': refer to questions as ${name}")
		}
		l.pos = i
		return token{kind: tVariable, text: s[start:i], pos: start}, nil
	case isASCIINameStart(c) || c >= utf8.RuneSelf: // a letter, checked above
		i := start
		for i < len(s) {
			if isASCIINameChar(s[i]) {
				i++
				continue
			}
			// A prefix separator, as in jr:choice-name; not the axis "::".
			if s[i] == ':' && i+1 < len(s) && (isASCIINameStart(s[i+1]) || s[i+1] >= utf8.RuneSelf) {
				i++
				continue
			}
			if s[i] >= utf8.RuneSelf {
				r, size := utf8.DecodeRuneInString(s[i:])
				if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
					i += size
					continue
				}
			}
			break
		}
		name := s[start:i]
		l.pos = i
		if l.afterOperand() {
			switch name {
			case "and", "or", "div", "mod":
				return token{kind: tOpName, text: name, pos: start}, nil
			}
		}
		return token{kind: tName, text: name, pos: start}, nil
	case c == '*':
		l.pos++
		if l.afterOperand() {
			return token{kind: tOp, text: "*", pos: start}, nil
		}
		return token{kind: tStar, text: "*", pos: start}, nil
	}
	two := ""
	if start+1 < len(s) {
		two = s[start : start+2]
	}
	switch two {
	case "!=", "<=", ">=", "//", "..", "::":
		l.pos += 2
		return token{kind: tOp, text: two, pos: start}, nil
	}
	switch c {
	case '(', ')', '[', ']', ',', '/', '|', '.', '@', '=', '<', '>', '+', '-':
		l.pos++
		return token{kind: tOp, text: string(c), pos: start}, nil
	}
	r, _ := utf8.DecodeRuneInString(s[start:])
	return token{}, l.errAt(start, "unexpected character %q", r)
}

// LastSavedPrefix starts a reference to the value an item had in the
// interviewer's last saved interview of the survey: ${last-saved#name}, as
// XLSForm writes it.
const LastSavedPrefix = "last-saved#"

// validRefName reports whether name can be a question name inside ${...}:
// an XML name, possibly dotted as in ${contact.phone}, or last-saved#name.
func validRefName(name string) bool {
	name = strings.TrimPrefix(name, LastSavedPrefix)
	if name == "" || !isNameStart(name[0]) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isNameChar(name[i]) && name[i] != ':' {
			return false
		}
	}
	return true
}
