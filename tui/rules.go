package tui

import (
	"time"

	"canvass/model"
	"canvass/model/calling"
	"canvass/store"
)

// CallingRules adapts a survey's calling rules (package model/calling:
// calling windows in the contact's zones, recall delays, attempt limits,
// appointments held by the interviewer who made them) to the store's draw,
// for the interviewer who draws. A survey whose calling configuration is
// broken presents nobody, rather than calling outside the rules.
func CallingRules(sv *model.Survey, who string) store.Rules {
	r, err := calling.NewRules(sv.Calling)
	if err != nil {
		return store.RulesFunc(func(*model.Contact, *store.ContactState, time.Time) (bool, time.Time) {
			return false, time.Time{}
		})
	}
	return store.RulesFunc(func(c *model.Contact, st *store.ContactState, now time.Time) (bool, time.Time) {
		zones, _, _ := calling.ContactZones(c.Timezone, c.Phone(), r.Zone())
		cs := calling.ContactState{Zones: zones, Phones: len(c.Phones), Drawer: who,
			Final: st.Status != store.StatusQueued}
		for _, cl := range st.Calls {
			cs.Calls = append(cs.Calls, calling.Call{At: cl.At, Outcome: cl.Outcome, Interviewer: cl.Interviewer, Phone: cl.Phone})
		}
		if !st.Appointment.IsZero() {
			cs.Appointment = &calling.Appointment{At: st.Appointment, Interviewer: st.AppointmentBy}
		}
		ok, _, next := r.Due(cs, now)
		return ok, next
	})
}
