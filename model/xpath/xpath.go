// Package xpath is the ODK XPath expression language that questionnaires use
// for relevant, constraint, calculation, choice_filter, required and fills in
// labels.
//
// An expression is compiled once with [Compile] and evaluated any number of
// times with [Expr.Eval] against an [Env], which supplies the answers
// (${name}), the current answer ('.'), the choice lists, the clock and the
// random source; the package does no I/O and never reads the real clock.
// [Expr.Refs] lists the questions an expression depends on, so that the
// interview engine re-evaluates only what an answer affects.
//
// The language is XPath 1.0 as JavaRosa (ODK's reference engine) has it:
// literals, ${name} references, '.', the operators or, and, =, !=, <, <=, >,
// >=, +, -, *, div, mod and unary minus with XPath's conversion and comparison
// rules, location paths, and the ODK function library:
//
//	logic     true false not boolean boolean-from-string if coalesce once
//	          checklist weighted-checklist
//	strings   string concat join contains starts-with ends-with substring substr
//	          substring-before substring-after string-length normalize-space
//	          translate upper-case lower-case regex digest base64-decode uuid
//	selects   selected selected-at count-selected jr:choice-name
//	numbers   number round int floor ceiling abs pow sqrt exp exp10 log log10
//	          sin cos tan asin acos atan atan2 pi random min max
//	node-sets sum count count-non-empty position instance current
//	          indexed-repeat pulldata
//	dates     today now date date-time decimal-date-time decimal-time
//	          format-date format-date-time
//	SurveyCTO duration (the seconds since the interview started, for an Env
//	          that implements [Started]) device-info (for an Env that
//	          implements [Device])
//
// Location paths walk documents ([Doc]): the form's primary instance, whose
// elements are the questionnaire's groups, repeat instances and questions
// ([Env.Context] is the node an expression belongs to), and secondary
// instances, instance('id'), which are choice lists and data files
// ([Instance]). Paths may be absolute (/data/group/x), relative to the
// context node (../x, ./x, a bare name), start at current() or instance(),
// or at ${name} where [CompileOptions.RefPath] says where its element is;
// steps use the child, parent, self and attribute axes, * and predicates
// ([2], [age > 3], [position() = position(current()/..) - 1]). As in
// JavaRosa, an absolute path into the primary instance is contextualised: a
// step that names an element the context node is in selects that instance
// of it, so /data/rep/x inside the second instance of rep is that
// instance's x (and count(/data/rep) there is 1); relative paths are plain
// XPath (count(../../rep) there counts every instance). A name that matches
// no element is an empty node-set, as JavaRosa has it.
// What JavaRosa does not support either (unions, the descendant and other
// axes, node tests such as text(), filter expressions) and the geographic
// functions (area(), distance(), geofence(), which need GPS data a
// terminal does not collect) are compile-time errors that say so; so is any
// other function.
//
// Where JavaRosa and XPath 1.0 differ, canvass follows JavaRosa: numbers are
// equal within 1e-12 (so 6.1 - 7.8 = -1.7), strings that are dates convert to
// numbers as days since 1970-01-01, and round() rounds the decimal digits,
// halves up for positive numbers and towards zero for negative ones. Where
// canvass differs from JavaRosa:
//
//   - round() does not accept a decimal comma (JavaRosa's round('4,6') is 5,
//     canvass's NaN, like number('4,6') in both).
//   - regex() patterns are Go's RE2: no backreferences or lookaround; a
//     literal pattern RE2 cannot compile is a compile-time error.
//   - format-date() names months and weekdays in English, not in a device
//     locale.
//   - A dateTime converts to a number as fractional days (JavaRosa gives
//     whole days); date() of a dateTime is its day in the interview's time
//     zone, the location of [Env.Now].
//   - Dates and dateTimes print in ISO 8601; a dateTime with milliseconds and
//     its offset, Z for UTC.
//   - A node-set of several nodes used as a single value is its first node,
//     as XPath 1.0 says (JavaRosa refuses it: "this field is repeated").
//   - position() outside a predicate is the number of the innermost repeat
//     instance (JavaRosa's is the context node's own position, 1 for a
//     question); position(..) is the same in both.
//   - A * step is not narrowed to the context's own instance.
package xpath
