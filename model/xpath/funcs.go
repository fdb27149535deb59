package xpath

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// funcDef describes a library function: how many arguments it takes and how
// it is evaluated. call receives the evaluated arguments; lazy functions (if,
// coalesce, once) evaluate their own arguments instead.
type funcDef struct {
	min, max int // max < 0: no limit
	call     func(c ctx, n *callNode, args []Value) (Value, error)
	lazy     func(c ctx, n *callNode) (Value, error)
	// refsAsNodes makes an argument written as ${name} a node-set even when
	// the question is not repeated, so that count(${q}) is 1 as in ODK.
	refsAsNodes bool
	// counts says the function needs only how many nodes a path selects,
	// not their values: count(/data/repeat) does not take the text of
	// every instance (which may hold the calculation asking).
	counts      bool
	usesCurrent bool
	// prepare checks and precomputes at compile time (a literal regular
	// expression, say); its error is a syntax error.
	prepare func(n *callNode) error
	// unsupported, when set, says why the function cannot work on a
	// terminal; calling it is a compile-time error.
	unsupported string
}

// Helpers to build funcDefs compactly.

func fixed(n int, f func(c ctx, n *callNode, args []Value) (Value, error)) funcDef {
	return funcDef{min: n, max: n, call: f}
}

func math1(f func(float64) float64) funcDef {
	return fixed(1, func(_ ctx, _ *callNode, a []Value) (Value, error) {
		return Number(f(a[0].Number())), nil
	})
}

func str1(f func(string) Value) funcDef {
	return fixed(1, func(_ ctx, _ *callNode, a []Value) (Value, error) {
		return f(a[0].String()), nil
	})
}

func str2(f func(a, b string) Value) funcDef {
	return fixed(2, func(_ ctx, _ *callNode, a []Value) (Value, error) {
		return f(a[0].String(), a[1].String()), nil
	})
}

// lookupFunc returns the library function called name. The library is a
// switch rather than a map so that it is not package-level mutable state.
//
// Functions that make no sense on a terminal are listed with the reason, so
// that a form using them is rejected with a clear message when loaded:
// area(), distance() and geofence() work on geopoints and geoshapes, which a
// terminal does not collect. Functions of other platforms (CHT's
// difference-in-months(), ...) are unknown functions, so a questionnaire
// using them fails to load. SurveyCTO's duration() and device-info() are
// easy and useful on a terminal, so they are here (see [Started] and
// [Device]).
func lookupFunc(name string) (funcDef, bool) {
	const noGeo = "it works on GPS geopoints and geoshapes, which canvass does not collect"
	switch name {
	// Booleans and conversions.
	case "true":
		return fixed(0, func(ctx, *callNode, []Value) (Value, error) { return Bool(true), nil }), true
	case "false":
		return fixed(0, func(ctx, *callNode, []Value) (Value, error) { return Bool(false), nil }), true
	case "not":
		return fixed(1, func(_ ctx, _ *callNode, a []Value) (Value, error) { return Bool(!a[0].Bool()), nil }), true
	case "boolean":
		return fixed(1, func(_ ctx, _ *callNode, a []Value) (Value, error) { return Bool(a[0].Bool()), nil }), true
	case "number":
		return fixed(1, func(_ ctx, _ *callNode, a []Value) (Value, error) { return Number(a[0].Number()), nil }), true
	case "string":
		return fixed(1, func(_ ctx, _ *callNode, a []Value) (Value, error) { return String(a[0].String()), nil }), true
	case "boolean-from-string":
		return str1(func(s string) Value { return Bool(strings.EqualFold(s, "true") || s == "1") }), true
	case "if":
		return funcDef{min: 3, max: 3, lazy: fnIf}, true
	case "coalesce":
		return funcDef{min: 2, max: 2, lazy: fnCoalesce}, true
	case "once":
		return funcDef{min: 1, max: 1, lazy: fnOnce, usesCurrent: true}, true
	case "checklist":
		return funcDef{min: 2, max: -1, call: fnChecklist}, true
	case "weighted-checklist":
		return funcDef{min: 2, max: -1, call: fnWeightedChecklist, prepare: func(n *callNode) error {
			if len(n.args)%2 != 0 {
				return errors.New("takes min, max, then pairs of a condition and its weight")
			}
			return nil
		}}, true

	// Strings.
	case "concat":
		// As ODK's spec has it: every node of a node-set argument.
		return funcDef{min: 0, max: -1, call: func(_ ctx, _ *callNode, a []Value) (Value, error) {
			var b strings.Builder
			eachItem(a, func(v Value) { b.WriteString(v.String()) })
			return String(b.String()), nil
		}}, true
	case "join":
		return funcDef{min: 1, max: -1, refsAsNodes: true, call: fnJoin}, true
	case "contains":
		return str2(func(a, b string) Value { return Bool(strings.Contains(a, b)) }), true
	case "starts-with":
		return str2(func(a, b string) Value { return Bool(strings.HasPrefix(a, b)) }), true
	case "ends-with":
		return str2(func(a, b string) Value { return Bool(strings.HasSuffix(a, b)) }), true
	case "substring":
		return funcDef{min: 2, max: 3, call: fnSubstring}, true
	case "substr":
		return funcDef{min: 2, max: 3, call: fnSubstr}, true
	case "substring-before":
		return str2(func(a, b string) Value {
			before, _, ok := strings.Cut(a, b)
			if !ok {
				return String("")
			}
			return String(before)
		}), true
	case "substring-after":
		return str2(func(a, b string) Value {
			_, after, ok := strings.Cut(a, b)
			if !ok {
				return String("")
			}
			return String(after)
		}), true
	case "string-length":
		return str1(func(s string) Value { return Number(float64(utf8.RuneCountInString(s))) }), true
	case "normalize-space":
		return str1(func(s string) Value {
			return String(strings.Join(strings.FieldsFunc(s, isXMLSpace), " "))
		}), true
	case "translate":
		return fixed(3, func(_ ctx, _ *callNode, a []Value) (Value, error) {
			return String(translate(a[0].String(), a[1].String(), a[2].String())), nil
		}), true
	case "upper-case":
		return str1(func(s string) Value { return String(strings.ToUpper(s)) }), true
	case "lower-case":
		return str1(func(s string) Value { return String(strings.ToLower(s)) }), true
	case "regex":
		return funcDef{min: 2, max: 2, call: fnRegex, prepare: prepareRegex}, true
	case "digest":
		return funcDef{min: 2, max: 3, call: fnDigest, prepare: prepareDigest}, true
	case "base64-decode":
		return str1(func(s string) Value {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil || !utf8.Valid(b) {
				return String("")
			}
			return String(string(b))
		}), true
	case "uuid":
		return funcDef{min: 0, max: 1, call: fnUUID}, true

	// Select questions and choice lists.
	case "selected":
		return str2(func(list, v string) Value { return Bool(hasField(list, strings.TrimSpace(v))) }), true
	case "selected-at":
		return fixed(2, func(_ ctx, _ *callNode, a []Value) (Value, error) {
			fields := strings.FieldsFunc(a[0].String(), isXMLSpace)
			i := math.Trunc(a[1].Number())
			if math.IsNaN(i) || i < 0 || i >= float64(len(fields)) {
				return String(""), nil
			}
			return String(fields[int(i)]), nil
		}), true
	case "count-selected":
		return str1(func(s string) Value { return Number(float64(len(strings.FieldsFunc(s, isXMLSpace)))) }), true
	case "jr:choice-name":
		return fixed(2, fnChoiceName), true
	case "instance", "current":
		// The parser turns these into the start of a path (pathNode).
		n := 1
		if name == "current" {
			n = 0
		}
		return fixed(n, func(ctx, *callNode, []Value) (Value, error) {
			return Value{}, errors.New("starts a path")
		}), true
	case "pulldata":
		return fixed(4, fnPulldata), true
	case "indexed-repeat":
		return funcDef{min: 3, max: 11, lazy: fnIndexedRepeat, prepare: func(n *callNode) error {
			if len(n.args)%2 == 0 {
				return errors.New("takes a node, then pairs of a repeat and an index")
			}
			return nil
		}}, true

	// Numbers.
	case "round":
		return funcDef{min: 1, max: 2, call: fnRound}, true
	case "int":
		return math1(math.Trunc), true
	case "floor":
		return math1(math.Floor), true
	case "ceiling":
		return math1(math.Ceil), true
	case "abs":
		return math1(math.Abs), true
	case "sqrt":
		return math1(math.Sqrt), true
	case "exp":
		return math1(math.Exp), true
	case "exp10":
		return math1(func(x float64) float64 { return math.Pow(10, x) }), true
	case "log":
		return math1(math.Log), true
	case "log10":
		return math1(math.Log10), true
	case "sin":
		return math1(math.Sin), true
	case "cos":
		return math1(math.Cos), true
	case "tan":
		return math1(math.Tan), true
	case "asin":
		return math1(math.Asin), true
	case "acos":
		return math1(math.Acos), true
	case "atan":
		return math1(math.Atan), true
	case "atan2":
		return fixed(2, func(_ ctx, _ *callNode, a []Value) (Value, error) {
			return Number(math.Atan2(a[0].Number(), a[1].Number())), nil
		}), true
	case "pow":
		return fixed(2, func(_ ctx, _ *callNode, a []Value) (Value, error) {
			return Number(math.Pow(a[0].Number(), a[1].Number())), nil
		}), true
	case "pi":
		return fixed(0, func(ctx, *callNode, []Value) (Value, error) { return Number(math.Pi), nil }), true
	case "random":
		return fixed(0, func(c ctx, _ *callNode, _ []Value) (Value, error) {
			return Number(c.env.Rand().Float64()), nil
		}), true
	case "min":
		return funcDef{min: 1, max: -1, refsAsNodes: true, call: fnMinMax(math.Min)}, true
	case "max":
		return funcDef{min: 1, max: -1, refsAsNodes: true, call: fnMinMax(math.Max)}, true

	// Node-sets.
	case "sum":
		return funcDef{min: 1, max: 1, refsAsNodes: true, call: fnSum}, true
	case "count":
		return funcDef{min: 1, max: 1, refsAsNodes: true, counts: true, call: fnCount}, true
	case "count-non-empty":
		return funcDef{min: 1, max: 1, refsAsNodes: true, call: fnCountNonEmpty}, true
	case "position":
		return funcDef{min: 0, max: 1, lazy: fnPosition}, true
	case "device-info":
		return funcDef{min: 0, max: 1, call: func(c ctx, _ *callNode, _ []Value) (Value, error) {
			if d, ok := c.env.(Device); ok {
				return String(d.Device()), nil
			}
			return String(""), nil
		}}, true

	// Dates and times.
	case "today":
		return fixed(0, func(c ctx, _ *callNode, _ []Value) (Value, error) { return Date(c.env.Now()), nil }), true
	case "now":
		return fixed(0, func(c ctx, _ *callNode, _ []Value) (Value, error) { return DateTime(c.env.Now()), nil }), true
	case "duration":
		return fixed(0, func(c ctx, _ *callNode, _ []Value) (Value, error) {
			st, ok := c.env.(Started)
			if !ok || st.Started().IsZero() {
				return Value{}, errors.New("duration() needs an interview: it counts the seconds since the interview started")
			}
			return Number(math.Floor(c.env.Now().Sub(st.Started()).Seconds())), nil
		}), true
	case "date":
		return fixed(1, func(c ctx, _ *callNode, a []Value) (Value, error) { return toDate(a[0], c.env.Now().Location()) }), true
	case "date-time":
		return fixed(1, func(c ctx, _ *callNode, a []Value) (Value, error) {
			return toDateTime(a[0], c.env.Now().Location())
		}), true
	case "decimal-date-time":
		return fixed(1, func(c ctx, _ *callNode, a []Value) (Value, error) {
			if a[0].kind == KindDate {
				return Number(a[0].f), nil // as number(): whole days
			}
			v, err := toDateTime(a[0], c.env.Now().Location())
			if err != nil {
				return Value{}, err
			}
			return Number(v.Number()), nil
		}), true
	case "decimal-time":
		return fixed(1, fnDecimalTime), true
	case "format-date", "format-date-time":
		return fixed(2, fnFormatDate), true

	case "area", "distance", "geofence":
		return funcDef{unsupported: noGeo}, true
	}
	return funcDef{}, false
}

// isXMLSpace is the white space of XPath's normalize-space() and of ODK's
// space-separated select_multiple answers.
func isXMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// hasField reports whether v is one of the space-separated values of list,
// without allocating: selected() runs in nearly every relevant.
func hasField(list, v string) bool {
	for list != "" {
		i := strings.IndexFunc(list, isXMLSpace)
		if i < 0 {
			return list == v
		}
		if list[:i] == v && i > 0 {
			return true
		}
		list = list[i+1:]
	}
	return false
}

func fnIf(c ctx, n *callNode) (Value, error) {
	cond, err := n.args[0].eval(c)
	if err != nil {
		return Value{}, err
	}
	if cond.Bool() {
		return n.args[1].eval(c)
	}
	return n.args[2].eval(c)
}

// fnCoalesce returns its first argument unless that is empty (as a string),
// else its second.
func fnCoalesce(c ctx, n *callNode) (Value, error) {
	v, err := n.args[0].eval(c)
	if err != nil {
		return Value{}, err
	}
	if v.String() != "" {
		return v, nil
	}
	return n.args[1].eval(c)
}

// fnOnce keeps the current answer if there is one, so that a calculation such
// as once(uuid()) is computed only the first time.
func fnOnce(c ctx, n *callNode) (Value, error) {
	if cur := c.env.Current(); cur.String() != "" {
		return cur, nil
	}
	return n.args[0].eval(c)
}

// eachItem calls f for every value among args, counting each node of a
// node-set as a value of its own.
func eachItem(args []Value, f func(Value)) {
	for _, a := range args {
		if a.kind == KindNodes {
			for _, s := range a.nodes {
				f(String(s))
			}
			continue
		}
		f(a)
	}
}

// fnChecklist is checklist(min, max, conditions...): whether the number of
// true conditions is between min and max inclusive, -1 meaning no bound.
func fnChecklist(_ ctx, _ *callNode, a []Value) (Value, error) {
	lo, hi := math.Trunc(a[0].Number()), math.Trunc(a[1].Number())
	count := 0.0
	eachItem(a[2:], func(v Value) {
		if v.Bool() {
			count++
		}
	})
	return Bool((lo < 0 || count >= lo) && (hi < 0 || count <= hi)), nil
}

// fnWeightedChecklist is weighted-checklist(min, max, condition, weight,
// ...): whether the sum of the weights of the true conditions is between min
// and max inclusive.
func fnWeightedChecklist(_ ctx, _ *callNode, a []Value) (Value, error) {
	lo, hi := a[0].Number(), a[1].Number()
	sum := 0.0
	for i := 2; i+1 < len(a); i += 2 {
		if a[i].Bool() {
			sum += a[i+1].Number()
		}
	}
	return Bool(sum >= lo && sum <= hi), nil
}

// fnJoin is join(separator, values...), each node of a node-set a value.
func fnJoin(_ ctx, _ *callNode, a []Value) (Value, error) {
	sep := a[0].String()
	var parts []string
	eachItem(a[1:], func(v Value) { parts = append(parts, v.String()) })
	return String(strings.Join(parts, sep)), nil
}

// fnSubstring is XPath 1.0's substring(s, start[, length]): 1-based positions,
// rounded, selecting the characters at positions p with
// round(start) <= p < round(start) + round(length).
func fnSubstring(_ ctx, _ *callNode, a []Value) (Value, error) {
	runes := []rune(a[0].String())
	start := xpathRound(a[1].Number())
	end := math.Inf(1)
	if len(a) == 3 {
		end = start + xpathRound(a[2].Number())
	}
	var b strings.Builder
	for i, r := range runes {
		p := float64(i + 1)
		if p >= start && p < end {
			b.WriteRune(r)
		}
	}
	return String(b.String()), nil
}

// xpathRound is XPath 1.0's round(): halves go towards positive infinity.
func xpathRound(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return f
	}
	return math.Floor(f + 0.5)
}

// fnSubstr is JavaRosa's substr(s, start[, end]): 0-based start and
// exclusive end, negative values counting from the end.
func fnSubstr(_ ctx, _ *callNode, a []Value) (Value, error) {
	runes := []rune(a[0].String())
	n := len(runes)
	if n == 0 {
		return String(""), nil
	}
	toInt := func(v Value) int {
		f := math.Trunc(v.Number())
		switch {
		case math.IsNaN(f):
			return 0
		case f > float64(n):
			return n + 1
		case f < -float64(n):
			return -n - 1
		}
		return int(f)
	}
	start, end := toInt(a[1]), n
	if len(a) == 3 {
		end = toInt(a[2])
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = min(max(0, start), end)
	end = max(0, end)
	if start > end || end > n {
		return String(""), nil
	}
	return String(string(runes[start:end])), nil
}

func translate(s, from, to string) string {
	fr, tr := []rune(from), []rune(to)
	var b strings.Builder
	for _, r := range s {
		i := -1
		for j, f := range fr {
			if f == r {
				i = j
				break
			}
		}
		switch {
		case i < 0:
			b.WriteRune(r)
		case i < len(tr):
			b.WriteRune(tr[i])
		}
	}
	return b.String()
}

// prepareRegex compiles a literal pattern once, at compile time. Patterns
// are Go's RE2 syntax: like Java's, without backreferences or lookaround.
func prepareRegex(n *callNode) error {
	lit, ok := n.args[1].(*litNode)
	if !ok {
		return nil
	}
	re, err := regexp.Compile(lit.v.String())
	if err != nil {
		return fmt.Errorf("bad regular expression: %w", err)
	}
	n.data = re
	return nil
}

func fnRegex(_ ctx, n *callNode, a []Value) (Value, error) {
	re, ok := n.data.(*regexp.Regexp)
	if !ok {
		var err error
		re, err = regexp.Compile(a[1].String())
		if err != nil {
			return Value{}, fmt.Errorf("bad regular expression: %w", err)
		}
	}
	return Bool(re.MatchString(a[0].String())), nil
}

// newDigest returns the hash digest() names alg.
func newDigest(alg string) (hash.Hash, error) {
	switch strings.ToUpper(alg) {
	case "MD5":
		return md5.New(), nil
	case "SHA-1":
		return sha1.New(), nil
	case "SHA-256":
		return sha256.New(), nil
	case "SHA-384":
		return sha512.New384(), nil
	case "SHA-512":
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("unknown algorithm %q (want MD5, SHA-1, SHA-256, SHA-384 or SHA-512)", alg)
}

// encodeDigest encodes sum as digest() names enc.
func encodeDigest(sum []byte, enc string) (string, error) {
	switch strings.ToLower(enc) {
	case "base64":
		return base64.StdEncoding.EncodeToString(sum), nil
	case "hex":
		return hex.EncodeToString(sum), nil
	}
	return "", fmt.Errorf("unknown encoding %q (want base64 or hex)", enc)
}

// prepareDigest rejects an unknown literal algorithm or encoding when the
// form is loaded rather than when the interviewer reaches the question.
func prepareDigest(n *callNode) error {
	if lit, ok := n.args[1].(*litNode); ok {
		if _, err := newDigest(lit.v.String()); err != nil {
			return err
		}
	}
	if len(n.args) == 3 {
		if lit, ok := n.args[2].(*litNode); ok {
			if _, err := encodeDigest(nil, lit.v.String()); err != nil {
				return err
			}
		}
	}
	return nil
}

func fnDigest(_ ctx, _ *callNode, a []Value) (Value, error) {
	h, err := newDigest(a[1].String())
	if err != nil {
		return Value{}, err
	}
	h.Write([]byte(a[0].String()))
	enc := "base64"
	if len(a) == 3 {
		enc = a[2].String()
	}
	s, err := encodeDigest(h.Sum(nil), enc)
	if err != nil {
		return Value{}, err
	}
	return String(s), nil
}

// fnUUID returns a random (version 4) UUID, or with an argument a random
// string of that many letters and digits, drawn from the interview's source.
func fnUUID(c ctx, _ *callNode, a []Value) (Value, error) {
	r := c.env.Rand()
	if len(a) == 1 {
		n := a[0].Number()
		if math.IsNaN(n) || n < 0 || n > 1<<16 {
			return Value{}, fmt.Errorf("length %s out of range", formatNumber(n))
		}
		const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		b := make([]byte, int(n))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return String(string(b)), nil
	}
	var u [16]byte
	hi, lo := r.Uint64(), r.Uint64()
	for i := range 8 {
		u[i] = byte(hi >> (56 - 8*i))
		u[8+i] = byte(lo >> (56 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u[:])
	return String(x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]), nil
}

// fnChoiceName is jr:choice-name(value, '${item}'): the label of a choice of
// question item. The second argument names the question as ${item} (as
// XLSForm writes it) or as a path whose last step is the name.
func fnChoiceName(c ctx, _ *callNode, a []Value) (Value, error) {
	item := strings.TrimSpace(a[1].String())
	if strings.HasPrefix(item, "${") && strings.HasSuffix(item, "}") {
		item = item[2 : len(item)-1]
	} else if i := strings.LastIndexByte(item, '/'); i >= 0 {
		item = item[i+1:]
	}
	label, ok := c.env.ChoiceLabel(item, a[0].String())
	if !ok {
		return String(""), nil
	}
	return String(label), nil
}

// fnRound rounds to a number of decimal places (default 0) as JavaRosa does:
// in decimal, on the shortest representation of the number, halves away
// from zero for positive numbers and towards zero for negative ones.
func fnRound(_ ctx, _ *callNode, a []Value) (Value, error) {
	x := a[0].Number()
	places := 0.0
	if len(a) == 2 {
		places = math.Trunc(a[1].Number())
		if math.IsNaN(places) {
			places = 0
		}
	}
	return Number(roundDecimal(x, int(max(-400, min(400, places))))), nil
}

func roundDecimal(x float64, places int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return x
	}
	neg := x < 0
	s := strconv.FormatFloat(math.Abs(x), 'e', -1, 64) // d.ddddde±XX
	mant, expStr, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	// The value is 0.digits × 10^(exp+1); keep exp+1+places digits.
	keep := exp + 1 + places
	if keep >= len(digits) {
		return x
	}
	up := false
	if keep >= 0 {
		d := digits[keep]
		rest := strings.TrimRight(digits[keep+1:], "0")
		if neg {
			up = d > '5' || d == '5' && rest != ""
		} else {
			up = d >= '5'
		}
	}
	kept := "0"
	if keep > 0 {
		kept = digits[:keep]
	}
	n, _ := strconv.ParseFloat(kept+"e"+strconv.Itoa(-places), 64)
	if up {
		n += math.Pow(10, float64(-places))
		// Re-round away the binary noise of the addition.
		n, _ = strconv.ParseFloat(strconv.FormatFloat(n, 'g', max(1, keep+1), 64), 64)
	}
	if neg {
		return -n
	}
	return n
}

func fnMinMax(pick func(a, b float64) float64) func(ctx, *callNode, []Value) (Value, error) {
	return func(_ ctx, _ *callNode, a []Value) (Value, error) {
		res, seen, nan := math.NaN(), false, false
		eachItem(a, func(v Value) {
			f := v.Number()
			if math.IsNaN(f) {
				nan = true
			}
			if !seen {
				res, seen = f, true
			} else {
				res = pick(res, f)
			}
		})
		if nan || !seen {
			return Number(math.NaN()), nil
		}
		return Number(res), nil
	}
}

func needNodes(v Value) error {
	if v.kind != KindNodes {
		return fmt.Errorf("needs a node-set (a repeated question or a path), got a %s", v.kind)
	}
	return nil
}

func fnSum(_ ctx, _ *callNode, a []Value) (Value, error) {
	if err := needNodes(a[0]); err != nil {
		return Value{}, err
	}
	sum := 0.0
	for _, s := range a[0].nodes {
		sum += stringToNumber(s)
	}
	return Number(sum), nil
}

func fnCount(_ ctx, _ *callNode, a []Value) (Value, error) {
	if err := needNodes(a[0]); err != nil {
		return Value{}, err
	}
	return Number(float64(len(a[0].nodes))), nil
}

func fnCountNonEmpty(_ ctx, _ *callNode, a []Value) (Value, error) {
	if err := needNodes(a[0]); err != nil {
		return Value{}, err
	}
	n := 0
	for _, s := range a[0].nodes {
		if s != "" {
			n++
		}
	}
	return Number(float64(n)), nil
}

// toDate is date(): a date from a date or dateTime string, a number of days
// since 1970-01-01 (truncated), or a date or dateTime. The empty string and
// NaN stay as they are, so that date(${unanswered}) is not an error.
func toDate(v Value, loc *time.Location) (Value, error) {
	switch v.kind {
	case KindDate:
		return v, nil
	case KindDateTime:
		return Date(v.t.In(loc)), nil
	case KindNumber:
		f := math.Trunc(v.f)
		switch {
		case math.IsNaN(f):
			return v, nil
		case math.Abs(f) > 1e8:
			return Value{}, fmt.Errorf("%s days is out of range for a date", formatNumber(v.f))
		}
		return dateFromDays(int64(f)), nil
	case KindBool:
		return Value{}, errors.New("cannot convert a boolean to a date")
	}
	s := strings.TrimSpace(v.String())
	if s == "" {
		return String(""), nil
	}
	t, _, err := parseDateTime(s, loc)
	if err != nil {
		return Value{}, fmt.Errorf("cannot convert %q to a date", s)
	}
	return Date(t.In(loc)), nil // the day it is in the interview's time zone
}

// toDateTime is date-time(): like date(), but keeping the time of day;
// numbers are fractional days since 1970-01-01T00:00Z.
func toDateTime(v Value, loc *time.Location) (Value, error) {
	switch v.kind {
	case KindDateTime:
		return v, nil
	case KindDate:
		t, _ := v.Time()
		return DateTime(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)), nil
	case KindNumber:
		switch {
		case math.IsNaN(v.f):
			return v, nil
		case math.Abs(v.f) > 1e8:
			return Value{}, fmt.Errorf("%s days is out of range for a dateTime", formatNumber(v.f))
		}
		return DateTime(time.UnixMilli(int64(math.Round(v.f * msPerDay))).In(loc)), nil
	case KindBool:
		return Value{}, errors.New("cannot convert a boolean to a dateTime")
	}
	s := strings.TrimSpace(v.String())
	if s == "" {
		return String(""), nil
	}
	t, _, err := parseDateTime(s, loc)
	if err != nil {
		return Value{}, fmt.Errorf("cannot convert %q to a dateTime", s)
	}
	return DateTime(t), nil
}

// fnDecimalTime is decimal-time(): the time of day, in the interview's time
// zone, as a fraction of a day, from a time (10:20:30.000+03:00) or a
// dateTime.
func fnDecimalTime(c ctx, _ *callNode, a []Value) (Value, error) {
	loc := c.env.Now().Location()
	var t time.Time
	switch a[0].kind {
	case KindDateTime:
		t = a[0].t
	case KindDate, KindNumber, KindBool:
		v, err := toDateTime(a[0], loc)
		if err != nil {
			return Value{}, err
		}
		if v.kind != KindDateTime {
			return Number(math.NaN()), nil
		}
		t = v.t
	default:
		s := strings.TrimSpace(a[0].String())
		if s == "" {
			return Number(math.NaN()), nil
		}
		if h, m, sec, ns, zone, ok := parseClock(s, loc); ok {
			now := c.env.Now().In(zone)
			t = time.Date(now.Year(), now.Month(), now.Day(), h, m, sec, ns, zone)
		} else if tt, _, err := parseDateTime(s, loc); err == nil {
			t = tt
		} else {
			return Value{}, fmt.Errorf("cannot convert %q to a time", s)
		}
	}
	t = t.In(loc)
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	return Number(float64(t.Sub(midnight).Milliseconds()) / msPerDay), nil
}

// fnFormatDate is format-date() and format-date-time(); see formatDate for
// the directives. An empty or NaN date formats as "".
func fnFormatDate(c ctx, _ *callNode, a []Value) (Value, error) {
	loc := c.env.Now().Location()
	v := a[0]
	if v.kind == KindString || v.kind == KindNodes {
		s := strings.TrimSpace(v.String())
		if s == "" {
			return String(""), nil
		}
		t, kind, err := parseDateTime(s, loc)
		if err != nil {
			return Value{}, fmt.Errorf("cannot convert %q to a date", s)
		}
		if kind == KindDate {
			v = Date(t)
		} else {
			v = DateTime(t)
		}
	}
	if v.kind == KindNumber {
		// A number here is a date plus days, as in today() + 7: whole days
		// are calendar days, like number(date), not instants in UTC.
		switch {
		case math.IsNaN(v.f):
			return String(""), nil
		case math.Abs(v.f) > 1e8:
			return Value{}, fmt.Errorf("%s days is out of range for a date", formatNumber(v.f))
		}
		day := math.Floor(v.f)
		t := time.Date(1970, 1, 1+int(day), 0, 0, 0, 0, loc)
		t = t.Add(time.Duration(math.Round((v.f-day)*msPerDay)) * time.Millisecond)
		return String(formatDate(t, a[1].String())), nil
	}
	dt, err := toDateTime(v, loc)
	if err != nil {
		return Value{}, err
	}
	if dt.kind != KindDateTime {
		return String(""), nil
	}
	return String(formatDate(dt.t.In(loc), a[1].String())), nil
}
