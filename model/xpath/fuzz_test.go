package xpath

import (
	"errors"
	"math"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzCompile checks that no input makes Compile or Eval panic, that every
// compile error is a *SyntaxError with a column inside the input (or just
// after it), and that what compiles evaluates against an environment that
// knows all its references.
func FuzzCompile(f *testing.F) {
	seeds := []string{
		"${age} >= 18 and selected(${products}, 'b') and ${nps} <= 6",
		"if(${a} = '', 0, round(${a} * 1.5, 2))",
		"instance('fruits')/root/item[name = ${x} and price > 1][2]/label",
		"count(instance('l')/root/item[selected(${s}, name)])",
		"format-date(date(${d}) + 7, '%Y-%m-%d %H:%M:%S %3 %b %a %%')",
		"decimal-time('10:20:30.000+03:00') + decimal-date-time(now())",
		"substr(${x}, -2, -1) != substring(${x}, 1.5, 2.6)",
		"jr:choice-name(selected-at(${p}, 0), '${p}')",
		"once(concat(uuid(), random(), digest(., 'SHA-256', 'hex')))",
		"regex(., '^[0-9]{3}$') or - - -1 div 0 mod 3",
		"weighted-checklist(1, 2, true(), 1, false(), 2)",
		"date('1983-09-31')", "'unterminated", "${", "${}", "/data/x", "a | b",
		"((((1))))", "1 ++ 2", "..", "*", "child::x", "@id", "$x", "é", "round(1e300, 400)",
		"date-time(-99999999.5)", "base64-decode('////')", "uuid(65536)",
		"/data/kid[2]/kname", "../../x[position() = 1]", "indexed-repeat(/d/r/x, /d/r, 2)",
		"null", "count(current()/..)", "pulldata('fruits', 'label', 'name', 'a')", "self::*/@x",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) = %v (%T), want a *SyntaxError", src, err, err)
			}
			if n := utf8.RuneCountInString(src); se.Column < 1 || se.Column > n+1 {
				t.Fatalf("Compile(%q) = column %d, want within 1..%d", src, se.Column, n+1)
			}
			return
		}
		if e.String() != src {
			t.Fatalf("Compile(%q).String() = %q", src, e.String())
		}
		env := &MapEnv{
			Vars:      map[string]string{},
			Cur:       "3",
			Instances: map[string][]map[string]string{"fruits": {{"name": "a", "label": "A", "price": "2"}}},
			Time:      time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
		}
		env.Primary, env.Node = testPrimary()
		for _, r := range e.Refs() {
			env.Vars[r] = "2024-02-29"
		}
		_, _ = e.Eval(env) // errors are fine; panics are not
	})
}

// FuzzConversions checks the parsers behind number() and date(): no input
// panics, a number prints in a form that reads back as the same number, and
// a date that parses prints back as the day it was written as.
func FuzzConversions(f *testing.F) {
	for _, s := range []string{
		"12", " -0.5 ", ".5", "5.", "1e3", "-", ".", "1230000000000000000000", "0.00000000000000000123",
		"2024-02-29", "2023-02-29", "2024-02-29T10:15:30.250+01:00", "2024-02-29T24:00Z", "2024-02-29T24:59", "2024-02-29T23:59:60",
		"0000-01-01", "9999-12-31T23:59:59.999999999-23:59", "2024-13-01", "10:20:30.000+03:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := String(s).Number()
		if back := String(Number(n).String()).Number(); !(back == n || math.IsNaN(back) && math.IsNaN(n) || math.IsInf(n, 0)) {
			t.Fatalf("number(string(number(%q))) = %v, want %v", s, back, n)
		}
		tm, kind, err := parseDateTime(s, time.UTC)
		if err != nil {
			return
		}
		if kind == KindDate && Date(tm).String() != s {
			t.Fatalf("string(date(%q)) = %q, want the input", s, Date(tm).String())
		}
		// Only 24:00, the end of the day, is on the next day.
		if kind == KindDateTime && !(tm.Hour() == 0 && tm.Minute() == 0) && Date(tm).String() != s[:10] {
			t.Fatalf("date(%q) = %s, want the day written", s, Date(tm))
		}
		_ = DateTime(tm).String()
		_ = formatDate(tm, s)
	})
}

// FuzzPaths checks location paths over documents of any shape: no path or
// document makes Compile, Eval or Reach panic, a path evaluates to as many
// nodes as count() says, and Reach reports only nodes of the document it
// was given.
func FuzzPaths(f *testing.F) {
	for _, s := range []string{
		"/data/kid/kname", "../../kid[2]/kname", "count(/data/kid[kage > 3])", "null",
		"indexed-repeat(/data/kid/kname, /data/kid, 2)", "position(..)", "current()/../kname",
		"${kid}[position() = position(current()/..) - 1]/kname", "/data/*/*[1]/..", "self::x/../@id",
		"instance('d')/root/item[name = current()/..]/label", "pulldata('d', 'label', 'name', 'x')",
		"/", "..", "../..", "../../../../..", "/data/kid[/data/kid[1]/kage = kage]",
	} {
		f.Add(s, []byte{0, 1, 1, 2, 3, 1, 2, 0, 4})
	}
	names := []string{"data", "kid", "kname", "kage", "grp"}
	f.Fuzz(func(t *testing.T, src string, shape []byte) {
		opts := CompileOptions{RefPath: func(name string) ([]string, bool) {
			if name == "kid" {
				return []string{"data", "kid"}, true
			}
			return nil, false
		}}
		e, err := opts.Compile(src)
		if err != nil {
			return
		}
		// Each byte adds an element: its name, and which earlier element
		// it goes under.
		in := NewInstance()
		for i, b := range shape {
			if i >= 64 {
				break
			}
			parent := 0
			if n := in.Len(); n > 0 {
				parent = int(b>>3) % (n + 1)
			}
			in.Add(parent, names[int(b)%len(names)], string(rune('a'+i%26)))
		}
		ctxNode := Node{}
		if in.Len() > 0 {
			ctxNode = Node{Doc: in, I: 1 + int(shape[len(shape)-1])%in.Len()}
		}
		env := &MapEnv{Vars: map[string]string{}, Primary: in, Node: ctxNode,
			Instances: map[string][]map[string]string{"d": {{"name": "x", "label": "X"}}}}
		for _, r := range e.Refs() {
			env.Vars[r] = "1"
		}
		v, err := e.Eval(env)
		if err == nil {
			if p, ok := e.root.(*pathNode); ok && v.Kind() == KindNodes {
				nodes, err := p.nodes(ctx{env: env})
				if err != nil || len(nodes) != v.Len() {
					t.Fatalf("Eval(%q) = %d nodes, nodes() = %d, %v", src, v.Len(), len(nodes), err)
				}
			}
		}
		if ctxNode.IsZero() {
			return
		}
		e.Reach(ctxNode, func(path string, reached []Node, _ bool) {
			for _, n := range reached {
				if n.Doc != Doc(in) || n.I < 0 || n.I > in.Len() {
					t.Fatalf("Reach(%q) path %q reached %+v, not a node of the document", src, path, n)
				}
			}
		})
	})
}
