package model

import "time"

// The options of the questionnaire author's tools, canvass eval and
// canvass survey test. The command line (tui/cli) parses them from flags
// and package surveys runs the tools with them; neither may import the
// other, so the options live here, as [UsageError] does.

// EvalOptions are what `canvass eval` evaluates its expressions with.
type EvalOptions struct {
	// Sets are the --set name=value flags: the values of ${name}.
	Sets []string
	// Now is the clock of today() and now().
	Now time.Time
	// Survey, when set, is a questionnaire file whose items are the
	// names and whose choice lists are the instances; Lang is the
	// language of its choice labels ("" for the survey's).
	Survey, Lang string
}

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
		return Usagef("survey test: with --auto give only the survey file")
	case !o.AutoSet && len(args) != 2:
		return Usagef("survey test: give the survey file and a cases file, or --auto N")
	case o.AutoSet && o.Auto < 1:
		return Usagef("survey test: --auto needs a number of interviews of at least 1")
	case o.SeedSet && !o.AutoSet:
		return Usagef("survey test: --seed goes with --auto")
	case !o.AutoSet && (len(o.ContactFields) > 0 || o.ContactsFile != "" || len(o.LastSaved) > 0):
		return Usagef("survey test: --contact, --contacts and --last-saved go with --auto (a cases file gives each case's contact)")
	}
	return nil
}
