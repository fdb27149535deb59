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
// rules, and the ODK function library:
//
//	logic     true false not boolean boolean-from-string if coalesce once
//	          checklist weighted-checklist
//	strings   string concat join contains starts-with ends-with substring substr
//	          substring-before substring-after string-length normalize-space
//	          translate upper-case lower-case regex digest base64-decode uuid
//	selects   selected selected-at count-selected jr:choice-name
//	numbers   number round int floor ceiling abs pow sqrt exp exp10 log log10
//	          sin cos tan asin acos atan atan2 pi random min max
//	node-sets sum count count-non-empty position instance
//	dates     today now date date-time decimal-date-time decimal-time
//	          format-date format-date-time duration (SurveyCTO's: seconds since
//	          the interview started, for an Env that implements [Started])
//
// Location paths are supported only into secondary instances, as forms look
// up their choice lists: instance('list')/root/item[name = ${x}]/label; and
// position(..), as forms write it inside a repeat, is position().
// Anything else that XPath allows but a questionnaire on a terminal cannot
// use (absolute paths, axes, unions, area(), distance(), geofence()) and any
// other function (pulldata(), indexed-repeat(), ...) is a compile-time error
// that says so.
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
package xpath
