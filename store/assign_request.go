package store

import (
	"io"

	"canvass/model"
)

// An AssignRequest is the command line of `canvass assign` or, with
// Unassign, of `canvass unassign`: contacts handed to (or taken back from)
// a laptop, or assigned to (or taken back from) an interviewer, a team or
// the speakers of a language. A laptop and the other targets exclude each
// other: the first is [Store.Assign] and [Store.Unassign], the others
// [Store.AssignTo].
type AssignRequest struct {
	Unassign bool
	Survey   string
	// Device is the laptop (--to, --from); Interviewer, Team and Language
	// are the other targets.
	Device, Interviewer, Team, Language string
	// Count (--count), ContactsFile (--contacts: sample ids, read by
	// [ReadSampleIDFile]) and, taking back from a laptop, All say which
	// contacts.
	Count        int
	ContactsFile string
	All          bool
	// Force moves (or frees) contacts a laptop holds at once.
	Force bool
	Actor string
}

// cmd is the command r is, for its messages.
func (r AssignRequest) cmd() string {
	if r.Unassign {
		return "unassign"
	}
	return "assign"
}

// toTarget is whether r names an interviewer, a team or a language.
func (r AssignRequest) toTarget() bool {
	return r.Interviewer != "" || r.Team != "" || r.Language != ""
}

// Validate reports a combination of flags r's command does not take.
func (r AssignRequest) Validate() error {
	cmd, file := r.cmd(), r.ContactsFile != ""
	if r.toTarget() {
		switch {
		case r.Survey == "":
			return model.Usagef("%s: --survey is required", cmd)
		case r.Device != "":
			return model.Usagef("%s: give a laptop (--to/--from) or an interviewer, team or language, not both", cmd)
		case r.Count > 0 && file:
			return model.Usagef("%s: give either --count N or --contacts FILE", cmd)
		case r.Unassign && r.Count > 0:
			return model.Usagef("unassign: from an interviewer, team or language, give --contacts FILE or nothing (all of them)")
		}
		return nil
	}
	if !r.Unassign {
		switch {
		case r.Survey == "" || r.Device == "":
			return model.Usagef("assign: --survey and --to are required")
		case (r.Count > 0) == file:
			return model.Usagef("assign: give either --count N or --contacts FILE")
		}
		return nil
	}
	n := 0
	for _, set := range []bool{r.Count > 0, file, r.All} {
		if set {
			n++
		}
	}
	switch {
	case r.Survey == "" || r.Device == "":
		return model.Usagef("unassign: --survey and --from are required")
	case n != 1:
		return model.Usagef("unassign: give one of --count N, --contacts FILE or --all")
	}
	return nil
}

// ReadContacts reads the sample ids of r's --contacts file, or gives nil
// without one.
func (r AssignRequest) ReadContacts() ([]string, error) {
	if r.ContactsFile == "" {
		return nil, nil
	}
	return ReadSampleIDFile(r.cmd(), r.ContactsFile)
}

// RunAssignment carries out r, a valid request, with the sample ids ids
// (from [AssignRequest.ReadContacts]) and writes what it did to w. A
// request to an interviewer, team or language first checks that the
// survey is installed.
func (s *Store) RunAssignment(w io.Writer, r AssignRequest, ids []string) error {
	switch {
	case r.toTarget():
		if err := s.CheckSurvey(r.Survey); err != nil {
			return err
		}
		res, err := s.AssignTo(AssignToOptions{Survey: r.Survey, Interviewer: r.Interviewer, Team: r.Team, Language: r.Language,
			Count: r.Count, Contacts: ids, Unassign: r.Unassign, Actor: r.Actor})
		if err != nil {
			return err
		}
		return WriteAssignTo(w, res, r.Unassign)
	case r.Unassign:
		res, err := s.Unassign(UnassignOptions{Survey: r.Survey, Device: r.Device, Count: r.Count, Contacts: ids,
			All: r.All, Force: r.Force, Actor: r.Actor})
		if err != nil {
			return err
		}
		return WriteUnassign(w, res)
	default:
		res, err := s.Assign(AssignOptions{Survey: r.Survey, Device: r.Device, Count: r.Count, Contacts: ids,
			Force: r.Force, Actor: r.Actor})
		if err != nil {
			return err
		}
		return WriteAssign(w, res)
	}
}
