// Package phonenumbers is github.com/nyaruka/phonenumbers v1.8.1 (MIT, see
// LICENSE), Google's libphonenumber for Go, with two changes for canvass:
//
//   - its metadata is loaded the first time a number is parsed, not by an
//     init function: loading it cost every start of the console 20 to
//     30 ms before its first frame (issue 17.16), whether or not a phone
//     number was read;
//   - the carrier and geocoding tables are left out (canvass names no
//     carrier and no place), and with them golang.org/x/text's language
//     display tables, another init at every start.
//
// Everything else is upstream's code, unchanged. TestSameAsUpstream
// checks the parsing, validation, formatting and time zones canvass uses
// against what upstream v1.8.1 gave for the same numbers
// (testdata/upstream.jsonl). To move to a newer upstream, copy its files
// over these, keep the two changes (search for "canvass:"), and
// regenerate the expectations with upstream itself.
package phonenumbers
