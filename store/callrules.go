package store

import (
	"sync"
	"time"

	"canvass/model"
	"canvass/model/calling"
)

// CallingRules plugs a survey's calling rules (package model/calling:
// calling windows in the contact's zones, recall delays, attempt limits,
// appointments) into the draw and the queue listing. It is safe for
// concurrent use.
type CallingRules struct {
	rules calling.Rules
	// Drawer is the interviewer drawing; empty for listings. Appointments
	// are held for the interviewer who made them.
	drawer string
	mu     sync.Mutex
	zones  map[string][]*time.Location
}

// NewCallingRules adapts rules for draws by drawer ("" for listings).
func NewCallingRules(rules calling.Rules, drawer string) *CallingRules {
	return &CallingRules{rules: rules, drawer: drawer, zones: map[string][]*time.Location{}}
}

// Zones are the contact's time zones: its timezone column, else its main
// phone number's, else the survey's default zone.
func (r *CallingRules) Zones(c *model.Contact) []*time.Location {
	key := c.Timezone + "\x00" + c.Phone()
	r.mu.Lock()
	defer r.mu.Unlock()
	if z, ok := r.zones[key]; ok {
		return z
	}
	z, _, _ := calling.ContactZones(c.Timezone, c.Phone(), r.rules.Zone())
	if len(r.zones) > 10000 {
		clear(r.zones)
	}
	r.zones[key] = z
	return z
}

// Eligible implements [Rules] with [calling.Rules.Due].
func (r *CallingRules) Eligible(c *model.Contact, st *ContactState, now time.Time) (bool, time.Time) {
	cs := calling.ContactState{
		Zones:  r.Zones(c),
		Phones: len(c.Phones),
		Final:  st.Status != StatusQueued,
		Drawer: r.drawer,
	}
	for _, call := range st.Calls {
		cs.Calls = append(cs.Calls, calling.Call{At: call.At, Outcome: call.Outcome, Interviewer: call.Interviewer, Phone: call.Phone})
	}
	if !st.Appointment.IsZero() {
		cs.Appointment = &calling.Appointment{At: st.Appointment, Interviewer: st.AppointmentBy}
	}
	ok, _, next := r.rules.Due(cs, now)
	return ok, next
}

// Zone gives the first of a contact's zones, for a queue listing's local
// time.
func (r *CallingRules) Zone(c *model.Contact) *time.Location {
	if z := r.Zones(c); len(z) > 0 {
		return z[0]
	}
	return time.UTC
}
