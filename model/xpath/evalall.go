package xpath

import (
	"fmt"
	"io"
)

// EvalAll evaluates each expression against env and writes one line per
// expression to w: its XPath string value, or "error: " and what went wrong.
// It is `canvass eval`; ok is false if any expression failed.
func EvalAll(w io.Writer, exprs []string, env Env) (ok bool, err error) {
	ok = true
	for _, src := range exprs {
		line, good := evalLine(src, env)
		if !good {
			ok = false
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return false, fmt.Errorf("write result: %w", err)
		}
	}
	return ok, nil
}

// evalLine is the line `canvass eval` prints for one expression.
func evalLine(src string, env Env) (string, bool) {
	e, err := Compile(src)
	if err != nil {
		return "error: " + err.Error(), false
	}
	v, err := e.Eval(env)
	if err != nil {
		return "error: " + err.Error(), false
	}
	return v.String(), true
}
