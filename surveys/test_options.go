package surveys

import (
	"io"

	"canvass/model"
)

// TestOptions are the flags of `canvass survey test`
// ([model.TestOptions]: the command line, which may not import this
// package, fills them in).
type TestOptions = model.TestOptions

// RunTest is `canvass survey test SURVEY CASES` ([RunCases]) and `survey
// test SURVEY --auto N` ([RunAuto]) with the options o, checked first; ok
// is false if an expectation failed or a form error was met.
func RunTest(w io.Writer, args []string, o TestOptions) (ok bool, err error) {
	if err := o.Validate(args); err != nil {
		return false, err
	}
	if !o.AutoSet {
		return RunCases(w, args[0], args[1])
	}
	a := AutoOptions{N: o.Auto, Seed: o.Seed}
	if a.Contacts, err = AutoContacts(o.ContactFields, o.ContactsFile); err != nil {
		return false, err
	}
	if len(o.LastSaved) > 0 {
		if a.LastSaved, err = ParsePairs("survey test: --last-saved", o.LastSaved); err != nil {
			return false, err
		}
	}
	return RunAuto(w, args[0], a)
}
