package surveys

import "io"

// TestOptions are the flags of `canvass survey test`: scripted cases, or
// with --auto random interviews.
type TestOptions struct {
	// Auto is --auto N; AutoSet and SeedSet say whether --auto and --seed
	// were given at all.
	Auto             int
	AutoSet, SeedSet bool
	Seed             uint64
	// ContactFields (--contact FIELD=VALUE), ContactsFile (--contacts)
	// and LastSaved (--last-saved NAME=VALUE) go with --auto only: a cases
	// file gives each case's contact.
	ContactFields []string
	ContactsFile  string
	LastSaved     []string
}

// Validate reports, as a [*UsageError], what is wrong with o for the
// command's arguments args: the survey file and, without --auto, a cases
// file.
func (o TestOptions) Validate(args []string) error {
	switch {
	case o.AutoSet && len(args) != 1:
		return usageError("survey test: with --auto give only the survey file")
	case !o.AutoSet && len(args) != 2:
		return usageError("survey test: give the survey file and a cases file, or --auto N")
	case o.AutoSet && o.Auto < 1:
		return usageError("survey test: --auto needs a number of interviews of at least 1")
	case o.SeedSet && !o.AutoSet:
		return usageError("survey test: --seed goes with --auto")
	case !o.AutoSet && (len(o.ContactFields) > 0 || o.ContactsFile != "" || len(o.LastSaved) > 0):
		return usageError("survey test: --contact, --contacts and --last-saved go with --auto (a cases file gives each case's contact)")
	}
	return nil
}

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
