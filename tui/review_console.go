package tui

import (
	"errors"
	"fmt"
	"time"

	"canvass/model"
	"canvass/store"

	tea "charm.land/bubbletea/v2"
)

// The interviewer's side of supervisor review: interviews a supervisor
// sent back show on home; reopening one goes to the first item commented
// on, and each commented item shows the comment under the question until
// the interview is completed again.

// returnBackend is what the interviewer console needs for returned
// interviews; *store.Store implements it. A [Backend] without it (an
// older fake) shows none.
type returnBackend interface {
	Returned(interviewer string) ([]store.Returned, error)
	Reopen(interview, interviewer string) ([]byte, error)
	ReviewState(interview string) (*store.ReviewState, error)
}

// loadReturned lists the interviews returned to who.
func loadReturned(be Backend, who string) ([]store.Returned, error) {
	rb, ok := be.(returnBackend)
	if !ok {
		return nil, nil
	}
	return rb.Returned(who)
}

// openRejection is the rejection an interview being corrected was
// returned with, or nil.
func openRejection(be Backend, rec store.InterviewRecord) (*store.Rejection, error) {
	rb, ok := be.(returnBackend)
	if !ok {
		return nil, nil
	}
	rs, err := rb.ReviewState(rec.ID)
	if err != nil {
		return nil, err
	}
	// Reopened or resumed, the interview is active by now.
	return rs.Open(store.InterviewActive), nil
}

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

// reopenInterview takes back an interview a supervisor returned, where
// it can be corrected, on the revision it started on.
func reopenInterview(be Backend, seq int, rec store.InterviewRecord, who string, clock func() time.Time) tea.Cmd {
	return func() tea.Msg {
		rb, ok := be.(returnBackend)
		if !ok {
			return resumedMsg{seq: seq, id: rec.ID, err: errors.New("this store cannot reopen returned interviews")}
		}
		m := restoreInterview(be, seq, rec, clock, func() ([]byte, error) { return rb.Reopen(rec.ID, who) })
		m.reopened = m.err == nil
		return m
	}
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
