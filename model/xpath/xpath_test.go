package xpath

import (
	"errors"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// repeatEnv is a MapEnv whose names in Repeated are questions inside a
// repeat, seen from outside it as node-sets.
type repeatEnv struct {
	MapEnv
	Repeated map[string][]string
}

func (e *repeatEnv) Ref(name string) (Value, error) {
	if vals, ok := e.Repeated[name]; ok {
		return Nodes(vals...), nil
	}
	return e.MapEnv.Ref(name)
}

// plusOne is the offset of the test clock: UTC+1.
var plusOne = time.FixedZone("", 3600)

// testPrimary is a primary instance for location paths:
//
//	<data><name>Ana</name><age>20</age>
//	  <kid><kname>Bo</kname><kage>4</kage></kid>
//	  <kid><kname>Cy</kname><kage></kage></kid>
//	  <kid><kname>Di</kname><kage>12</kage></kid>
//	  <grp><inner><q>deep</q></inner></grp></data>
//
// and its context node, the second kid's kage.
func testPrimary() (*Instance, Node) {
	in := NewInstance()
	data := in.Add(0, "data", "")
	in.Add(data, "name", "Ana")
	in.Add(data, "age", "20")
	var ctxNode Node
	for i, k := range [][2]string{{"Bo", "4"}, {"Cy", ""}, {"Di", "12"}} {
		kid := in.Add(data, "kid", "")
		in.Add(kid, "kname", k[0])
		age := in.Add(kid, "kage", k[1])
		if i == 1 {
			ctxNode = Node{Doc: in, I: age}
		}
	}
	grp := in.Add(data, "grp", "")
	inner := in.Add(grp, "inner", "")
	in.Add(inner, "q", "deep")
	return in, ctxNode
}

func newTestEnv() *repeatEnv {
	primary, node := testPrimary()
	return &repeatEnv{
		MapEnv: MapEnv{
			Vars: map[string]string{
				"age": "20", "empty": "", "products": "a b", "nps": "5", "name": "Ana",
				"d": "2024-02-29", "dt": "2024-02-29T10:15:30.250+01:00", "t": "10:15:00.000+01:00",
				"num": "3.5", "neg": "-2", "fruit": "b", "color": "red", "flag": "true",
			},
			Cur:     "cur",
			Pos:     2,
			Primary: primary,
			Node:    node,
			Instances: map[string][]map[string]string{
				"fruits": {
					{"name": "a", "label": "Apple", "color": "red", "price": "1.5"},
					{"name": "b", "label": "Banana", "color": "yellow", "price": "0.25"},
					{"name": "c", "label": "Cherry", "color": "red", "price": "3"},
				},
				"empty_list": {},
				"sparse": {
					{"name": "x", "note": "hi"},
					{"name": "y", "note": ""},
					{"name": "z"},
				},
			},
			Labels: map[string]map[string]string{
				"products": {"a": "Apple", "b": "Banana"},
			},
			Time: time.Date(2026, 3, 1, 9, 30, 0, 0, plusOne),
			Rng:  rand.New(rand.NewPCG(7, 7)),
		},
		Repeated: map[string][]string{
			"kid_age": {"4", "", "12"},
			"kid":     {"Bo", "Cy", "Di"},
			"none":    {},
		},
	}
}

type evalCase struct {
	expr string
	want string // the XPath string value
	kind Kind
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			e, err := Compile(c.expr)
			if err != nil {
				t.Fatalf("Compile(%q) = %v, want no error", c.expr, err)
			}
			got, err := e.Eval(newTestEnv())
			if err != nil {
				t.Fatalf("Eval(%q) = error %v, want %s", c.expr, err, c.want)
			}
			if got.String() != c.want || got.Kind() != c.kind {
				t.Errorf("Eval(%q) = %s (%s), want %s (%s)", c.expr, got, got.Kind(), c.want, c.kind)
			}
		})
	}
}

func TestOperators(t *testing.T) {
	runEvalCases(t, []evalCase{
		// Literals and references.
		{"42", "42", KindNumber},
		{"1.50", "1.5", KindNumber},
		{".25", "0.25", KindNumber},
		{`"say 'hi'"`, "say 'hi'", KindString},
		{"${name}", "Ana", KindString},
		{"${empty}", "", KindString},
		{".", "cur", KindString},
		{"(((1)))", "1", KindNumber},
		// Arithmetic converts with number().
		{"${age} + 1", "21", KindNumber},
		{"${age} - ${neg}", "22", KindNumber},
		{"${num} * 2", "7", KindNumber},
		{"7 div 2", "3.5", KindNumber},
		{"7 mod 2", "1", KindNumber},
		{"-7 mod 2", "-1", KindNumber},
		{"${empty} + 1", "NaN", KindNumber},
		{"${name} * 1", "NaN", KindNumber},
		{"1 div 0", "Infinity", KindNumber},
		{"-1 div 0", "-Infinity", KindNumber},
		{"0 div 0", "NaN", KindNumber},
		{"-${age}", "-20", KindNumber},
		{"- - 3", "3", KindNumber},
		{"2 + 3 * 4", "14", KindNumber},
		{"(2 + 3) * 4", "20", KindNumber},
		{"10 - 4 - 3", "3", KindNumber},
		{"0.1 + 0.2", "0.30000000000000004", KindNumber},
		{"1000000 * 1000000 * 1000000 * 1000000", "1000000000000000000000000", KindNumber},
		// Names that are operators only after an operand.
		{"${age}div 2", "10", KindNumber},
		{"${age} mod 3", "2", KindNumber},
		// Comparisons.
		{"${age} >= 18", "true", KindBool},
		{"${age} > 20", "false", KindBool},
		{"${age} = '20'", "true", KindBool},
		{"${age} = 20.0", "true", KindBool},
		{"${age} = '20.0'", "false", KindBool}, // both strings: compared as strings
		{"${empty} = ''", "true", KindBool},
		{"${empty} != ''", "false", KindBool},
		{"${empty} < 5", "false", KindBool}, // NaN
		{"${empty} >= 5", "false", KindBool},
		{"'abc' = 'abc'", "true", KindBool},
		{"'a' < 'b'", "false", KindBool}, // strings compare as numbers: NaN
		{"${flag} = true()", "true", KindBool},
		{"${empty} = false()", "true", KindBool},
		{"0.1 + 0.2 = 0.3", "true", KindBool},
		{"1 < 2 < 3", "true", KindBool},
		{"3 > 2 > 1", "false", KindBool},
		{"date('2024-01-01') < date('2024-01-02')", "true", KindBool},
		{"${d} = date('2024-02-29')", "true", KindBool},
		{"today() > ${d}", "true", KindBool},
		{"now() > today()", "true", KindBool},
		// Logic, with short-circuit evaluation.
		{"${age} > 18 and ${nps} < 6", "true", KindBool},
		{"${age} < 18 or ${nps} > 6", "false", KindBool},
		{"true() or ${unknown}", "true", KindBool},
		{"false() and ${unknown}", "false", KindBool},
		{"1 or 0 and 0", "true", KindBool},
		{"${name} and ${empty}", "false", KindBool},
		{"${name} or ${empty}", "true", KindBool},
		// Node-sets compare existentially.
		{"${kid_age} = 12", "true", KindBool},
		{"${kid_age} = 5", "false", KindBool},
		{"${kid_age} != 4", "true", KindBool},
		{"${kid_age} > 10", "true", KindBool},
		{"10 < ${kid_age}", "true", KindBool},
		{"${kid_age} < 4", "false", KindBool},
		{"5 > ${kid_age}", "true", KindBool},
		{"4 >= ${kid_age}", "true", KindBool},
		{"3 >= ${kid_age}", "false", KindBool},
		{"12 <= ${kid_age}", "true", KindBool},
		{"13 <= ${kid_age}", "false", KindBool},
		{"'Cy' = ${kid}", "true", KindBool},
		{"${kid} = 'Cy'", "true", KindBool},
		{"${kid} = ${kid_age}", "false", KindBool},
		{"${kid} = ${kid}", "true", KindBool},
		{"${none} = ''", "false", KindBool},
		{"${none} != ''", "false", KindBool},
		{"${none} = false()", "true", KindBool},
		{"${kid} = true()", "true", KindBool},
		{"${kid}", "Bo", KindNodes},
		{"${none}", "", KindNodes},
		{"${kid_age} + 1", "5", KindNumber},
		// Spreadsheet white space (no-break space) separates tokens.
		{"${age}\u00a0>=\u00a018", "true", KindBool},
		{"concat('é', 'ß')", "éß", KindString},
	})
}

func TestFunctions(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"true()", "true", KindBool},
		{"false()", "false", KindBool},
		{"not(${empty})", "true", KindBool},
		{"not(0)", "true", KindBool},
		{"boolean('false')", "true", KindBool},
		{"boolean(${none})", "false", KindBool},
		{"boolean(${kid})", "true", KindBool},
		{"number(' 12 ')", "12", KindNumber},
		{"number('1e3')", "NaN", KindNumber},
		{"number('2024-02-29')", "19782", KindNumber},
		{"number(true())", "1", KindNumber},
		{"string(0.5)", "0.5", KindString},
		{"string(${kid})", "Bo", KindString},
		{"string(-0)", "0", KindString},
		{"boolean-from-string('TRUE')", "true", KindBool},
		{"boolean-from-string(${flag})", "true", KindBool},
		{"boolean-from-string('yes')", "false", KindBool},
		{"if(${age} >= 18, 'adult', 'minor')", "adult", KindString},
		{"if(${name}, 1, ${unknown})", "1", KindNumber},
		{"if(${empty}, ${unknown}, 'no')", "no", KindString},
		{"coalesce(${empty}, 'x')", "x", KindString},
		{"coalesce(${name}, ${unknown})", "Ana", KindString},
		{"once(uuid())", "cur", KindString},
		{"checklist(1, 2, ${name}, ${empty}, true())", "true", KindBool},
		{"checklist(-1, 0, ${kid})", "false", KindBool},
		{"checklist(3, -1, ${kid})", "true", KindBool},
		{"weighted-checklist(1, 2, true(), 1.5, false(), 10)", "true", KindBool},
		{"weighted-checklist(2, 3, true(), 1.5, true(), 10)", "false", KindBool},

		{"concat('a', 1, true(), ${name})", "a1trueAna", KindString},
		{"concat()", "", KindString},
		{"join(', ', ${kid})", "Bo, Cy, Di", KindString},
		{"join('-', 'x', ${kid}, 'y')", "x-Bo-Cy-Di-y", KindString},
		{"join('-', ${name})", "Ana", KindString},
		{"contains(${name}, 'n')", "true", KindBool},
		{"starts-with(${name}, 'An')", "true", KindBool},
		{"ends-with(${name}, 'An')", "false", KindBool},
		{"substring('12345', 2, 3)", "234", KindString},
		{"substring('12345', 2)", "2345", KindString},
		{"substring('12345', 1.5, 2.6)", "234", KindString},
		{"substring('12345', 0, 3)", "12", KindString},
		{"substring('12345', 0 div 0, 3)", "", KindString},
		{"substring('12345', -42, 1 div 0)", "12345", KindString},
		{"substring('héllo', 2, 1)", "é", KindString},
		{"substr('héllo', 1, 2)", "é", KindString},
		{"substr('hello', 10)", "", KindString},
		{"substr('hello', -10)", "hello", KindString},
		{"substring-before('2024-02-29', '-')", "2024", KindString},
		{"substring-after('2024-02-29', '-')", "02-29", KindString},
		{"string-length('héllo')", "5", KindNumber},
		{"string-length(${empty})", "0", KindNumber},
		{"normalize-space('  a \t b  ')", "a b", KindString},
		{"translate('abc', 'abc', 'AB')", "AB", KindString},
		{"translate('aaa', 'aa', 'xy')", "xxx", KindString},
		{"upper-case('éa1')", "ÉA1", KindString},
		{"lower-case('ÀB')", "àb", KindString},
		{"regex('ab12', '^[a-z]+[0-9]+$')", "true", KindBool},
		{"regex('ab', '[0-9]')", "false", KindBool},
		{"regex('x7', concat('[', '0-9', ']'))", "true", KindBool},
		{"regex(${empty}, '^$')", "true", KindBool},
		{"digest('abc', 'SHA-256', 'hex')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", KindString},
		{"digest('abc', 'sha-1')", "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", KindString},
		{"base64-decode('aMOpbGxv')", "héllo", KindString},
		{"base64-decode('/w==')", "", KindString}, // not UTF-8
		{"string-length(uuid())", "36", KindNumber},
		{"string-length(uuid(12))", "12", KindNumber},

		{"selected(${products}, 'b')", "true", KindBool},
		{"selected(${products}, ' a ')", "true", KindBool},
		{"selected(${products}, 'c')", "false", KindBool},
		{"selected(${products}, 'a b')", "false", KindBool},
		{"selected-at(${products}, 0)", "a", KindString},
		{"selected-at(${products}, 1.9)", "b", KindString},
		{"selected-at(${products}, -1)", "", KindString},
		{"count-selected(${products})", "2", KindNumber},
		{"count-selected(' a  b c ')", "3", KindNumber},
		{"jr:choice-name('b', '${products}')", "Banana", KindString},
		{"jr:choice-name(selected-at(${products}, 0), '${products}')", "Apple", KindString},
		{"jr:choice-name('b', '/data/products')", "Banana", KindString},
		{"jr:choice-name('z', '${products}')", "", KindString},

		{"round(2.5)", "3", KindNumber},
		{"round(-2.5)", "-2", KindNumber},
		{"round(1.005, 2)", "1.01", KindNumber},
		{"round(0.285, 2)", "0.29", KindNumber},
		{"round(-0.285, 2)", "-0.28", KindNumber},
		{"round(9.995, 2)", "10", KindNumber},
		{"round(1234.5678, -2)", "1200", KindNumber},
		{"round(0.0004, 3)", "0", KindNumber},
		{"round(0.0005, 3)", "0.001", KindNumber},
		{"round(49, -2)", "0", KindNumber},
		{"round(50, -2)", "100", KindNumber},
		{"round(1 div 0)", "Infinity", KindNumber},
		{"round(${empty})", "NaN", KindNumber},
		{"int(-3.7)", "-3", KindNumber},
		{"int('12.9')", "12", KindNumber},
		{"floor(-3.2)", "-4", KindNumber},
		{"ceiling(3.2)", "4", KindNumber},
		{"abs(${neg})", "2", KindNumber},
		{"pow(2, 10)", "1024", KindNumber},
		{"sqrt(2)", "1.4142135623730951", KindNumber},
		{"sqrt(-1)", "NaN", KindNumber},
		{"exp(0)", "1", KindNumber},
		{"exp10(-1)", "0.1", KindNumber},
		{"log(1)", "0", KindNumber},
		{"log10(1000)", "3", KindNumber},
		{"log(0)", "-Infinity", KindNumber},
		{"sin(0)", "0", KindNumber},
		{"cos(pi())", "-1", KindNumber},
		{"tan(0)", "0", KindNumber},
		{"asin(1) * 2 = pi()", "true", KindBool},
		{"acos(1)", "0", KindNumber},
		{"atan(1) * 4 = pi()", "true", KindBool},
		{"atan2(1, 1) * 4 = pi()", "true", KindBool},
		{"pi()", "3.141592653589793", KindNumber},
		{"min(3, ${age}, 1.5)", "1.5", KindNumber},
		{"max(3, ${age}, 1.5)", "20", KindNumber},
		{"max(${kid_age})", "NaN", KindNumber}, // one answer is empty
		{"min(${none})", "NaN", KindNumber},
		{"max(instance('fruits')/root/item/price)", "3", KindNumber},
		{"min(${age})", "20", KindNumber},

		{"sum(instance('fruits')/root/item/price)", "4.75", KindNumber},
		{"sum(${age})", "20", KindNumber},
		{"sum(${none})", "0", KindNumber},
		{"sum(${kid_age})", "NaN", KindNumber},
		{"count(${kid})", "3", KindNumber},
		{"count(${none})", "0", KindNumber},
		{"count(${name})", "1", KindNumber},
		{"count-non-empty(${kid_age})", "2", KindNumber},
		{"count-non-empty(${empty})", "0", KindNumber},
		{"position()", "2", KindNumber},
		{"position(..)", "2", KindNumber},
		{"position( .. ) - 1", "1", KindNumber},

		{"today()", "2026-03-01", KindDate},
		{"now()", "2026-03-01T09:30:00.000+01:00", KindDateTime},
		{"date('2024-02-29')", "2024-02-29", KindDate},
		{"date(${dt})", "2024-02-29", KindDate},
		{"date(${empty})", "", KindString},
		{"date(19782)", "2024-02-29", KindDate},
		{"date(-0.5)", "1970-01-01", KindDate},
		{"date(today())", "2026-03-01", KindDate},
		{"date(${d}) + 1", "19783", KindNumber},
		{"date(date(${d}) + 1)", "2024-03-01", KindDate},
		{"today() - date('2026-01-01')", "59", KindNumber},
		{"int((today() - date('1990-06-15')) div 365.25)", "35", KindNumber},
		{"date-time('2024-02-29T10:15:30Z')", "2024-02-29T10:15:30.000Z", KindDateTime},
		{"date-time('2024-02-29T10:15:30Z') = date-time('2024-02-29T11:15:30+01:00')", "true", KindBool},
		{"date-time(${dt})", "2024-02-29T10:15:30.250+01:00", KindDateTime},
		{"date-time('2024-02-29')", "2024-02-29T00:00:00.000+01:00", KindDateTime},
		{"date-time(0.5)", "1970-01-01T13:00:00.000+01:00", KindDateTime},
		{"date-time(${empty})", "", KindString},
		{"decimal-date-time('1970-01-02T06:00:00Z')", "1.25", KindNumber},
		{"decimal-date-time(date('1970-01-03'))", "2", KindNumber},
		{"decimal-time(${t})", "0.4270833333333333", KindNumber},
		{"decimal-time('12:00:00.000+02:00')", "0.4583333333333333", KindNumber},
		{"decimal-time(${dt})", "0.4274334490740741", KindNumber},
		{"decimal-time(${empty})", "NaN", KindNumber},
		{"date-time('2024-02-28T24:00:00+01:00')", "2024-02-29T00:00:00.000+01:00", KindDateTime},
		{"decimal-time(date('2024-02-29'))", "0", KindNumber},
		{"decimal-time(0.25)", "0.2916666666666667", KindNumber}, // 06:00Z is 07:00 at UTC+1
		{"decimal-time('2024-02-29T18:00:00')", "0.75", KindNumber},
		{"format-date(${d}, '%Y/%m/%d %y %n %e %b %a')", "2024/02/29 24 2 29 Feb Thu", KindString},
		{"format-date(today(), '%d.%m.%Y')", "01.03.2026", KindString},
		{"format-date-time(${dt}, '%H:%M:%S.%3 %h 100%%')", "10:15:30.250 10 100%", KindString},
		{"format-date-time('2024-02-29T05:07:08Z', '%h:%M %q')", "6:07 %q", KindString},
		{"format-date(${empty}, '%Y')", "", KindString},
		{"format-date(19782, '%Y-%m-%d')", "2024-02-29", KindString},

		{"random() < 1 and random() >= 0", "true", KindBool},
	})
}

func TestInstancePaths(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"instance('fruits')/root/item[name = ${fruit}]/label", "Banana", KindNodes},
		{"instance('fruits')/root/item[name = 'z']/label", "", KindNodes},
		{"instance('fruits')/root/item[color = ${color}]/label", "Apple", KindNodes},
		{"count(instance('fruits')/root/item[color = ${color}])", "2", KindNumber},
		{"count(instance('fruits')/root/item)", "3", KindNumber},
		{"count(instance('empty_list')/root/item)", "0", KindNumber},
		{"join(' ', instance('fruits')/root/item[color = 'red']/name)", "a c", KindString},
		{"instance('fruits')/root/item[2]/label", "Banana", KindNodes},
		{"instance('fruits')/root/item[position() = 3]/name", "c", KindNodes},
		{"instance('fruits')/root/item[price > 1][2]/label", "Cherry", KindNodes},
		{"instance('fruits')/root/item[color = 'red' and price < 2]/label", "Apple", KindNodes},
		{"instance('fruits')/root/item[selected(${products}, name)]/label", "Apple", KindNodes},
		{"count(instance('fruits')/root/item[selected(${products}, name)])", "2", KindNumber},
		{"instance('fruits')/root/item[name = ${fruit}]/nosuchfield", "", KindNodes},
		{"instance('fruits')/root/item[name = 'c']/price * 2", "6", KindNumber},
		{"instance('fruits')/root/item[name = 'a']/label = 'Apple'", "true", KindBool},
		{"count(instance('fruits')/root/*)", "3", KindNumber},
		{"count(instance('fruits')/root/item[1]/*)", "4", KindNumber},
		{"count(instance('fruits')/other/item)", "0", KindNumber},
		{"instance(concat('fru', 'its'))/root/item[1]/name", "a", KindNodes},
		// Fields inside predicates are nodes: an empty or missing field is
		// not the same as the empty string in a boolean context.
		{"count(instance('fruits')/root/item[count(name) = 1])", "3", KindNumber},
		{"count(instance('fruits')/root/item[sum(price) > 1])", "2", KindNumber},
		{"count(instance('fruits')/root/item[nosuch])", "0", KindNumber},
		{"count(instance('fruits')/root/item[nosuch = ''])", "0", KindNumber},
		{"count(instance('fruits')/root/item[not(nosuch)])", "3", KindNumber},
		{"count(instance('sparse')/root/item[note])", "2", KindNumber},
		{"count(instance('sparse')/root/item[note = ''])", "1", KindNumber},
		{"count(instance('sparse')/root/item[note != ''])", "1", KindNumber},
		{"count(instance('sparse')/root/item[note = true()])", "2", KindNumber},
		{"instance('sparse')/root/item[string-length(note) = 0][1]/name", "y", KindNodes},
	})
}

func TestEvalErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"${nosuch}", "unknown question ${nosuch}"},
		{"1 + ${nosuch}", "unknown question ${nosuch}"},
		{"date('2023-02-29')", `date(): cannot convert "2023-02-29" to a date`},
		{"date('tomorrow')", `date(): cannot convert "tomorrow" to a date`},
		{"date(true())", "date(): cannot convert a boolean to a date"},
		{"date(1 div 0)", "date(): Infinity days is out of range for a date"},
		{"date-time('2024-02-30T10:00')", "date-time(): cannot convert"},
		{"decimal-date-time('-1000')", "decimal-date-time(): cannot convert"},
		{"decimal-time('25:00')", "decimal-time(): cannot convert"},
		{"decimal-time('24:01')", "decimal-time(): cannot convert"},
		{"date-time('2024-02-29T23:59:60')", "date-time(): cannot convert"},
		{"format-date('x', '%Y')", "format-date(): cannot convert"},
		{"regex('a', concat('(', ''))", "regex(): bad regular expression"},
		{"digest('a', concat('SHA-', 3))", `digest(): unknown algorithm "SHA-3"`},
		{"digest('a', 'MD5', concat('base', 32))", `digest(): unknown encoding "base32"`},
		{"uuid(-1)", "uuid(): length -1 out of range"},
		{"count('abc')", "count(): needs a node-set"},
		{"sum(3)", "sum(): needs a node-set"},
		{"instance('nosuch')/root/item", "instance('nosuch'): no such secondary instance"},
		{"if(true(), ${nosuch}, 1)", "unknown question ${nosuch}"},
		{"instance('fruits')/root/item[name = ${nosuch}]", "unknown question ${nosuch}"},
	}
	for _, c := range cases {
		e, err := Compile(c.expr)
		if err != nil {
			t.Errorf("Compile(%q) = %v, want no error", c.expr, err)
			continue
		}
		got, err := e.Eval(newTestEnv())
		if err == nil {
			t.Errorf("Eval(%q) = %s, want error containing %q", c.expr, got, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Eval(%q) = error %q, want error containing %q", c.expr, err, c.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		expr string
		col  int
		msg  string
	}{
		{"", 1, "empty expression"},
		{"   ", 4, "empty expression"},
		{"1 +", 4, "unexpected end of expression"},
		{"(1", 3, `expected ")"`},
		{"1)", 2, `unexpected ")"`},
		{"'abc", 1, "unterminated string"},
		{"'it''s'", 5, `unexpected string "s"`},
		{"${age", 1, "unterminated ${...} reference"},
		{"${} = 1", 1, `bad question name ""`},
		{"${1a}", 1, `bad question name "1a"`},
		{"1 + #", 5, "unexpected character '#'"},
		{"${age} >= 18 and pulldata('x', 'y')", 18, "pulldata() takes 4 arguments, got 2"},
		{"difference-in-months(${a}, ${b})", 1, "unknown function difference-in-months()"},
		{"not-a-function()", 1, "unknown function not-a-function()"},
		{"true(5)", 1, "true() takes 0 arguments, got 1"},
		{"number()", 1, "number() takes 1 argument, got 0"},
		{"round(1, 2, 3)", 1, "round() takes 1 or 2 arguments, got 3"},
		{"substr('a')", 1, "substr() takes 2 or 3 arguments, got 1"},
		{"weighted-checklist(1, 2, true())", 1, "weighted-checklist(): takes min, max, then pairs"},
		{"regex(., '(')", 1, "regex(): bad regular expression"},
		{"digest(., 'SHA-3')", 1, `digest(): unknown algorithm "SHA-3"`},
		{"digest(., 'md5', 'base32')", 1, `digest(): unknown encoding "base32"`},
		{"area(${shape})", 1, "area() is not supported on a terminal"},
		{"distance(${a}, ${b})", 1, "distance() is not supported on a terminal"},
		{"//x", 1, "the descendant path // is not supported"},
		{"/data//x", 6, "the descendant path // is not supported"},
		{"position(1, 2)", 1, "position() takes 0 or 1 argument, got 2"},
		{"$age", 1, "variables such as $age are not supported"},
		{"${a} | ${b}", 6, "the union operator | is not supported"},
		{"${a}[1]", 1, "${a} cannot start a path here"},
		{"indexed-repeat(${a}, ${r}, 1)", 16, "${a} cannot start a path here"},
		{"indexed-repeat('a', /data/r, 1)", 16, "indexed-repeat(): argument 1 must be a path"},
		{"indexed-repeat(/data/r/a, /data/r, 1, /data/r)", 1, "indexed-repeat(): takes a node, then pairs"},
		{"concat('a')/b", 12, "paths are only supported after instance(), current() or ${name}"},
		{"concat('a')[1]", 12, "predicates are only supported in location paths"},
		{"instance('l')[1]", 14, "predicates directly after instance() or current() are not supported"},
		{"instance('l')//item", 14, "the descendant path // is not supported"},
		{"/descendant::x", 2, "the descendant:: axis is not supported"},
		{"/data/text()", 7, "node tests such as text() are not supported"},
		{"../x[1]/..[1]", 11, "predicates after .. are not supported"},
		{"instance('l')/root/item[name = 'a'", 35, `expected "]"`},
		{"instance('l')/root/following-sibling::item", 20, "the following-sibling:: axis is not supported"},
		{"instance('l')/root/text()", 20, "node tests such as text() are not supported"},
		{"instance('l')/root/'x'", 20, `expected an element name in the path, found string "x"`},
		{"1 = = 2", 5, `unexpected "="`},
		{"${a} = ‘x’", 8, "typographic quote '‘': write strings in straight quotes"},
		{"${a} = “x”", 8, "typographic quote '“'"},
		{"1 + → 2", 5, "unexpected character '→'"},
		{"1 + ${a}\u200b", 9, `unexpected character '\u200b'`},
		{"$é", 1, "unexpected '$': refer to questions as ${name}"},
		{"1 + $", 5, "unexpected '$'"},
		{strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), 201, "expression nested too deeply"},
		{strings.Repeat("-", 300) + "1", 201, "expression nested too deeply"},
	}
	for _, c := range cases {
		_, err := Compile(c.expr)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Compile(%q) = %v, want a *SyntaxError", c.expr, err)
			continue
		}
		if se.Column != c.col || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("Compile(%q) = column %d: %s, want column %d: %s", c.expr, se.Column, se.Msg, c.col, c.msg)
		}
		if want := "column " + itoa(se.Column) + ": " + se.Msg; err.Error() != want {
			t.Errorf("Compile(%q).Error() = %q, want %q", c.expr, err.Error(), want)
		}
		if se.Src != c.expr {
			t.Errorf("Compile(%q).Src = %q, want the source", c.expr, se.Src)
		}
	}
}

func itoa(n int) string { return formatNumber(float64(n)) }

func TestLibrary(t *testing.T) {
	// The functions the issue asks for, all of which must compile.
	supported := strings.Fields(`true false not boolean number string concat contains
		starts-with ends-with substring substr substring-before substring-after
		string-length normalize-space translate upper-case lower-case regex selected
		selected-at count-selected jr:choice-name if coalesce round floor ceiling int
		abs pow sqrt exp log log10 min max sum count position today now date date-time
		decimal-date-time decimal-time format-date format-date-time once uuid random
		join boolean-from-string checklist weighted-checklist digest base64-decode sin
		cos tan asin acos atan atan2 pi count-non-empty exp10 instance current pulldata
		indexed-repeat device-info`)
	for _, name := range supported {
		fn, ok := lookupFunc(name)
		if !ok || fn.unsupported != "" || (fn.call == nil) == (fn.lazy == nil) {
			t.Errorf("lookupFunc(%q) = %+v, %v; want a supported function", name, fn, ok)
		}
	}
	for _, name := range []string{"area", "distance", "geofence"} {
		if fn, ok := lookupFunc(name); !ok || fn.unsupported == "" {
			t.Errorf("lookupFunc(%q) = %+v, %v; want a function marked unsupported", name, fn, ok)
		}
	}
	for _, name := range []string{"difference-in-months", "Concat", "jr:itext"} {
		if _, ok := lookupFunc(name); ok {
			t.Errorf("lookupFunc(%q) ok = true, want an unknown function", name)
		}
	}
}

func TestRefsAndCurrent(t *testing.T) {
	cases := []struct {
		expr    string
		refs    []string
		current bool
	}{
		{"1 + 2", nil, false},
		{"${age} >= 18 and selected(${products}, 'b') and ${age} < 99", []string{"age", "products"}, false},
		{". > ${min} and . < ${max}", []string{"min", "max"}, true},
		{"once(concat(${a}, ${b}, ${a}))", []string{"a", "b"}, true},
		{"instance('l')/root/item[name = ${x}]/label", []string{"x"}, false},
		{"if(${c}, ${b}, ${a})", []string{"c", "b", "a"}, false},
		{"${contact.phone} != ''", []string{"contact.phone"}, false},
		{"'${not_a_ref}'", nil, false},
		{"string-length(.)", nil, true},
		{strings.Repeat("(", 150) + "${deep}" + strings.Repeat(")", 150), []string{"deep"}, false},
	}
	for _, c := range cases {
		e, err := Compile(c.expr)
		if err != nil {
			t.Fatalf("Compile(%q) = %v", c.expr, err)
		}
		if diff := cmp.Diff(c.refs, e.Refs()); diff != "" {
			t.Errorf("Compile(%q).Refs() mismatch (-want +got):\n%s", c.expr, diff)
		}
		if e.UsesCurrent() != c.current {
			t.Errorf("Compile(%q).UsesCurrent() = %v, want %v", c.expr, e.UsesCurrent(), c.current)
		}
		if e.String() != c.expr {
			t.Errorf("Compile(%q).String() = %q, want the source", c.expr, e.String())
		}
	}
}

func TestInstances(t *testing.T) {
	cases := []struct {
		expr string
		want []string
	}{
		{"${a} + 1", nil},
		{"instance('a')/root/item[name = ${x}]/label", []string{"a"}},
		{"count(instance('b')/root/item) + count(instance('a')/root/item[instance('b')/root/item[1]/name = name])", []string{"b", "a"}},
		{"instance(${list})/root/item[1]/name", nil},
	}
	for _, c := range cases {
		e, err := Compile(c.expr)
		if err != nil {
			t.Fatalf("Compile(%q) = %v", c.expr, err)
		}
		if diff := cmp.Diff(c.want, e.Instances()); diff != "" {
			t.Errorf("Compile(%q).Instances() mismatch (-want +got):\n%s", c.expr, diff)
		}
	}
}

func TestValueConversions(t *testing.T) {
	day := time.Date(2008, 9, 5, 23, 0, 0, 0, time.FixedZone("", -5*3600))
	cases := []struct {
		name string
		v    Value
		kind Kind
		str  string
		num  float64 // NaN for NaN
		b    bool
	}{
		{"empty string", String(""), KindString, "", math.NaN(), false},
		{"zero value", Value{}, KindString, "", math.NaN(), false},
		{"numeric string", String(" -12.50 "), KindString, " -12.50 ", -12.5, true},
		{"exponent string", String("1e3"), KindString, "1e3", math.NaN(), true},
		{"Infinity string", String("Infinity"), KindString, "Infinity", math.NaN(), true},
		{"plus string", String("+1"), KindString, "+1", math.NaN(), true},
		{"dot string", String("."), KindString, ".", math.NaN(), true},
		{"trailing dot", String("5."), KindString, "5.", 5, true},
		{"date string", String("1970-01-11"), KindString, "1970-01-11", 10, true},
		{"integer", Number(3), KindNumber, "3", 3, true},
		{"fraction", Number(-0.125), KindNumber, "-0.125", -0.125, true},
		{"big", Number(1.5e300), KindNumber, "15" + strings.Repeat("0", 299), 1.5e300, true},
		{"tiny", Number(1e-7), KindNumber, "0.0000001", 1e-7, true},
		{"negative zero", Number(math.Copysign(0, -1)), KindNumber, "0", 0, false},
		{"NaN", Number(math.NaN()), KindNumber, "NaN", math.NaN(), false},
		{"Infinity", Number(math.Inf(1)), KindNumber, "Infinity", math.Inf(1), true},
		{"-Infinity", Number(math.Inf(-1)), KindNumber, "-Infinity", math.Inf(-1), true},
		{"true", Bool(true), KindBool, "true", 1, true},
		{"false", Bool(false), KindBool, "false", 0, false},
		{"nodes", Nodes("7", "8"), KindNodes, "7", 7, true},
		{"node with empty text", Nodes(""), KindNodes, "", math.NaN(), true},
		{"no nodes", Nodes(), KindNodes, "", math.NaN(), false},
		{"date", Date(day), KindDate, "2008-09-05", 14127, true},
		{"date before 1970", Date(time.Date(1941, 12, 7, 0, 0, 0, 0, time.UTC)), KindDate, "1941-12-07", -10252, true},
		{"dateTime", DateTime(time.Date(1970, 1, 2, 6, 0, 0, 0, time.UTC)), KindDateTime, "1970-01-02T06:00:00.000Z", 1.25, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.v.Kind() != c.kind {
				t.Errorf("Kind() = %s, want %s", c.v.Kind(), c.kind)
			}
			if c.v.String() != c.str {
				t.Errorf("String() = %q, want %q", c.v.String(), c.str)
			}
			if got := c.v.Number(); !(got == c.num || math.IsNaN(got) && math.IsNaN(c.num)) {
				t.Errorf("Number() = %v, want %v", got, c.num)
			}
			if c.v.Bool() != c.b {
				t.Errorf("Bool() = %v, want %v", c.v.Bool(), c.b)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	want := []string{"string", "number", "boolean", "node-set", "date", "dateTime"}
	for k, w := range want {
		if got := Kind(k).String(); got != w {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, w)
		}
	}
}

func TestValueAccessors(t *testing.T) {
	n := Nodes("a", "b")
	if diff := cmp.Diff([]string{"a", "b"}, n.NodeTexts()); diff != "" {
		t.Errorf("NodeTexts() mismatch (-want +got):\n%s", diff)
	}
	if n.Len() != 2 || String("x").Len() != 1 {
		t.Errorf("Len() = %d, %d; want 2, 1", n.Len(), String("x").Len())
	}
	if got := String("x").NodeTexts(); got != nil {
		t.Errorf("String(x).NodeTexts() = %v, want nil", got)
	}
	d := Date(time.Date(2024, 2, 29, 15, 0, 0, 0, time.UTC))
	if tm, ok := d.Time(); !ok || !tm.Equal(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Date.Time() = %v, %v; want 2024-02-29T00:00Z, true", tm, ok)
	}
	if _, ok := Number(1).Time(); ok {
		t.Errorf("Number(1).Time() ok = true, want false")
	}
}

func TestMapEnv(t *testing.T) {
	env := &MapEnv{}
	if got := env.Now(); !got.Equal(time.Unix(0, 0)) {
		t.Errorf("MapEnv{}.Now() = %v, want the epoch", got)
	}
	a, b := env.Rand().Uint64(), (&MapEnv{}).Rand().Uint64()
	if a != b {
		t.Errorf("MapEnv{}.Rand() is not reproducible: %d then %d", a, b)
	}
	if _, ok := env.Instance("x"); ok {
		t.Errorf("MapEnv{}.Instance(x) ok = true, want false")
	}
	if _, ok := env.ChoiceLabel("q", "x"); ok {
		t.Errorf("MapEnv{}.ChoiceLabel(q, x) ok = true, want false")
	}
}

func TestRandomIsFromEnv(t *testing.T) {
	e := MustCompile("concat(random(), ' ', uuid())")
	run := func(seed uint64) string {
		v, err := e.Eval(&MapEnv{Rng: rand.New(rand.NewPCG(seed, seed))})
		if err != nil {
			t.Fatalf("Eval(%q) = %v", e, err)
		}
		return v.String()
	}
	if a, b := run(1), run(1); a != b {
		t.Errorf("Eval(%q) with the same seed = %q then %q, want equal", e, a, b)
	}
	if a, b := run(1), run(2); a == b {
		t.Errorf("Eval(%q) with different seeds = %q both times, want different", e, a)
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for i := range 50 {
		v, _ := MustCompile("uuid()").Eval(&MapEnv{Rng: rand.New(rand.NewPCG(uint64(i), 0))})
		if !uuid.MatchString(v.String()) {
			t.Fatalf("uuid() = %q, want a version 4 UUID", v)
		}
	}
}

func TestTimeZone(t *testing.T) {
	// Just after midnight in UTC+1 is still the previous day in UTC: today()
	// is the day on the interview's clock.
	env := &MapEnv{Time: time.Date(2026, 3, 1, 0, 30, 0, 0, plusOne)}
	cases := []evalCase{
		{"today()", "2026-03-01", KindDate},
		{"format-date-time(now(), '%Y-%m-%d %H:%M')", "2026-03-01 00:30", KindString},
		{"date-time('2026-03-01T00:30')", "2026-03-01T00:30:00.000+01:00", KindDateTime},
		{"decimal-date-time('2026-03-01T00:30') = decimal-date-time(now())", "true", KindBool},
		{"decimal-time(now())", "0.020833333333333332", KindNumber},
	}
	for _, c := range cases {
		got, err := MustCompile(c.expr).Eval(env)
		if err != nil || got.String() != c.want || got.Kind() != c.kind {
			t.Errorf("Eval(%q) = %s (%s), %v; want %s (%s)", c.expr, got, got.Kind(), err, c.want, c.kind)
		}
	}
}

func TestNegativeOffset(t *testing.T) {
	// West of Greenwich, midnight UTC is the previous evening: calendar
	// arithmetic must not slip a day.
	env := &MapEnv{
		Vars: map[string]string{"late": "2026-02-28T23:30:00-05:00", "utc": "2026-03-01T02:00:00Z"},
		Time: time.Date(2026, 2, 28, 21, 0, 0, 0, time.FixedZone("", -5*3600)),
	}
	cases := []evalCase{
		{"today()", "2026-02-28", KindDate},
		{"format-date(today() + 1, '%Y-%m-%d')", "2026-03-01", KindString},
		{"format-date(date('2026-03-01'), '%Y-%m-%d')", "2026-03-01", KindString},
		{"format-date-time(today() + 1.5, '%Y-%m-%d %H:%M')", "2026-03-01 12:00", KindString},
		{"date(${late})", "2026-02-28", KindDate},
		{"date(${utc})", "2026-02-28", KindDate}, // 21:00 the day before, on the interview's clock
		{"format-date-time(${utc}, '%Y-%m-%d %H:%M')", "2026-02-28 21:00", KindString},
		{"date(${utc}) = today()", "true", KindBool},
	}
	for _, c := range cases {
		got, err := MustCompile(c.expr).Eval(env)
		if err != nil || got.String() != c.want || got.Kind() != c.kind {
			t.Errorf("Eval(%q) = %s (%s), %v; want %s (%s)", c.expr, got, got.Kind(), err, c.want, c.kind)
		}
	}
}

func TestOnce(t *testing.T) {
	e := MustCompile("once(concat(${name}, '-', position()))")
	cases := []struct{ cur, want string }{
		{"", "Ana-2"},      // first evaluation: computed
		{"Bob-1", "Bob-1"}, // afterwards: the stored answer is kept
		{" ", " "},         // any non-empty answer counts
	}
	for _, c := range cases {
		env := newTestEnv()
		env.Cur = c.cur
		got, err := e.Eval(env)
		if err != nil || got.String() != c.want {
			t.Errorf("Eval(%q) with current %q = %s, %v; want %s", e, c.cur, got, err, c.want)
		}
	}
}

func TestErrorsPropagate(t *testing.T) {
	// An error in any operand is the expression's error, never a silent
	// false or NaN.
	for _, expr := range []string{
		"${x} or true()", "false() or ${x}", "${x} and true()", "true() and ${x}",
		"${x} = 1", "1 = ${x}", "${x} + 1", "1 + ${x}", "-${x}", "not(${x})",
		"if(${x}, 1, 2)", "coalesce(${x}, 1)", "coalesce('', ${x})", "once(${x})",
		"concat('a', ${x})", "instance('fruits')/root/item[${x}]", "instance(${x})/root/item",
	} {
		e := MustCompile(expr)
		env := newTestEnv()
		env.Cur = ""
		if got, err := e.Eval(env); err == nil || !strings.Contains(err.Error(), "unknown question ${x}") {
			t.Errorf("Eval(%q) = %s, %v; want the error for ${x}", expr, got, err)
		}
	}
}

func TestMustCompilePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("MustCompile(%q) did not panic", "1 +")
		}
	}()
	MustCompile("1 +")
}

func TestConcurrentEval(t *testing.T) {
	e := MustCompile("if(${age} >= 18, concat(${name}, ' ', count(instance('fruits')/root/item[color = 'red'])), 'x')")
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range 200 {
				v, err := e.Eval(newTestEnv())
				if err != nil || v.String() != "Ana 2" {
					errs <- v.String()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent Eval(%q) = %q, want %q", e, got, "Ana 2")
	}
}

func TestEvalAll(t *testing.T) {
	var out strings.Builder
	env := &MapEnv{Vars: map[string]string{"age": "17"}}
	ok, err := EvalAll(&out, []string{"${age} >= 18", "1 div 0", "-5 + 2", "foo(", "${x}", "'ok'"}, env)
	if err != nil {
		t.Fatalf("EvalAll() error = %v", err)
	}
	if ok {
		t.Errorf("EvalAll() ok = true, want false (two expressions fail)")
	}
	want := "false\nInfinity\n-3\nerror: column 1: unknown function foo()\nerror: unknown question ${x}\nok\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("EvalAll() output mismatch (-want +got):\n%s", diff)
	}
	out.Reset()
	ok, err = EvalAll(&out, []string{"1 + 1"}, env)
	if !ok || err != nil || out.String() != "2\n" {
		t.Errorf("EvalAll(1 + 1) = %q, %v, %v; want \"2\\n\", true, nil", out.String(), ok, err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEvalAllWriteError(t *testing.T) {
	ok, err := EvalAll(failWriter{}, []string{"1"}, &MapEnv{})
	if ok || err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("EvalAll(failing writer) = %v, %v; want false and the write error", ok, err)
	}
}

func TestDuration(t *testing.T) {
	start := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	env := &MapEnv{Time: start.Add(2*time.Minute + 5*time.Second), Start: start}
	if got, err := MustCompile("duration()").Eval(env); err != nil || got.String() != "125" {
		t.Errorf("duration() 125 s into the interview = %q, %v; want 125", got.String(), err)
	}
	if _, err := MustCompile("duration()").Eval(&MapEnv{}); err == nil || !strings.Contains(err.Error(), "needs an interview") {
		t.Errorf("duration() outside an interview error = %v, want one saying it needs an interview", err)
	}
}
