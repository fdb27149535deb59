package tui

import (
	"fmt"

	"canvass/model"
	"canvass/store"
)

// The interviewer's side of supervisor review: interviews a supervisor
// sent back show on home; reopening one goes to the first item commented
// on, and each commented item shows the comment under the question until
// the interview is completed again.

// returnedEntry is the home row of a returned interview.
func returnedEntry(r store.Returned) homeEntry {
	rec := r.Interview
	name := r.ContactName
	if name == "" {
		name = rec.Contact
	}
	info := fmt.Sprintf("%s · returned by %s: %q", rec.Survey, r.Rejection.By, r.Rejection.Comment)
	if n := len(r.Rejection.Items); n > 0 {
		info += fmt.Sprintf(" · %d question%s to check", n, pluralS(n))
	}
	return homeEntry{msg: HomeMsg{Resume: &rec, Reopen: true}, label: "Correct " + name, info: info}
}

// goToComment moves a reopened interview to the first item the
// supervisor commented on that is still on the route, else to the first
// question answered, so that the interviewer starts where there is
// something to check.
func goToComment(iv *model.Interview, r *store.Rejection) {
	for _, c := range r.Items {
		if iv.GoTo(c.Item, c.Path) == nil {
			return
		}
	}
	for _, a := range iv.History() {
		if iv.GoTo(a.Item, a.Path) == nil {
			return
		}
	}
}

// setReturned hands the screen the comments of the rejection it is
// being corrected for.
func (v *Interview) setReturned(r *store.Rejection) {
	if r == nil {
		return
	}
	v.comments = map[string]string{}
	for _, c := range r.Items {
		v.comments[c.Ref()] = c.Text
	}
	v.notice = fmt.Sprintf("returned by %s: %s", r.By, r.Comment)
	v.resize()
}

// commentHint adds the supervisor's comment on the current item to the
// interviewer hint.
func (v *Interview) commentHint(hint string) string {
	c := v.comments[v.noteKey()]
	if c == "" {
		return hint
	}
	if hint != "" {
		hint += " "
	}
	return hint + "Supervisor: " + c
}
