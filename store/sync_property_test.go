package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"canvass/model"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// TestSyncConverges runs random histories on a hub and three laptops that
// exchange bundles in random order, some delivered twice, some late, some
// lost and sent again, while interviewers interview, call and record
// opt-outs and the supervisor assigns, moves, takes back, reviews and
// adds opt-outs, single and in bulk. Throughout, no laptop presents a
// person whose opt-out it has received, and the hub presents no contact a
// laptop holds. When everything has been delivered and sent again, every
// store has the same opt-out list, the hub has every interview of every
// laptop with the same answers, no answer a laptop confirmed is missing,
// interviews of one person on two laptops are both flagged, and doctor
// finds every store sound.
func TestSyncConverges(t *testing.T) {
	seeds, steps := 8, 300
	if testing.Short() {
		seeds, steps = 2, 100
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			h := newSyncHistory(t, uint64(seed), seed%3 == 2)
			for range steps {
				h.step()
			}
			// A last round of reviews, so that every history sends
			// interviews back and forth.
			h.converge()
			for range 4 {
				h.review()
			}
			h.converge()
			for l := 1; l <= 3; l++ {
				for range 3 {
					h.correct(l)
				}
			}
			h.converge()
			h.check()
		})
	}
}

// syncHistory is one random history and what the test knows of it.
type syncHistory struct {
	*syncRig
	t   *testing.T
	rnd *rand.Rand
	// stores are the hub (0) and the laptops (1…); names their device
	// names as the others know them.
	stores []*Store
	names  []string
	// mail holds the bundles on their way to each store.
	mail [][]string
	// values are every phone and email that could go on the list.
	values []string
	// promised are, per laptop, the values on the hub's list when a
	// bundle the laptop has applied was made.
	promised []map[string]bool
	// made records, per bundle file, the hub's list when it was made.
	made map[string][]string
	// confirmed counts the answers each store confirmed, by interview.
	confirmed map[string]int
	// open are each store's interviews an interviewer can go on with.
	contacts int
	// stats count what the history exercised.
	stats struct{ held, flagged, released, rejected, returned, corrected, moved int }
}

func newSyncHistory(t *testing.T, seed uint64, encrypt bool) *syncHistory {
	const contacts = 60
	r := newSyncRig(t, rigOptions{laptops: 3, contacts: contacts, encrypt: encrypt})
	h := &syncHistory{syncRig: r, t: t, rnd: rand.New(rand.NewPCG(seed, 7)), stores: append([]*Store{r.hub}, r.laptops...),
		names: []string{"hub", "laptop-1", "laptop-2", "laptop-3"}, mail: make([][]string, 4),
		made: map[string][]string{}, confirmed: map[string]int{}, contacts: contacts}
	for i := 1; i <= contacts; i++ {
		h.values = append(h.values, fmt.Sprintf("+1303555%04d", i), fmt.Sprintf("p%d@example.com", i))
	}
	for i := range 8 {
		h.values = append(h.values, fmt.Sprintf("+1720555%04d", i))
	}
	h.promised = make([]map[string]bool, 4)
	for i := range h.promised {
		h.promised[i] = map[string]bool{}
	}
	return h
}

func (h *syncHistory) pick(n int) int { return h.rnd.IntN(n) }

// step does one random thing.
func (h *syncHistory) step() {
	h.t.Helper()
	h.tick()
	switch x := h.pick(100); {
	case x < 10:
		h.assign()
	case x < 13:
		h.unassign()
	case x < 43:
		h.interview(1 + h.pick(3))
	case x < 46:
		h.interview(0)
	case x < 49:
		h.optOut()
	case x < 51:
		h.bulkOptOut()
	case x < 59:
		h.review()
	case x < 64:
		h.correct(1 + h.pick(3))
	case x < 79:
		h.send(h.pick(4), false)
	case x < 82:
		h.send(h.pick(4), true)
	case x < 98:
		h.deliver(h.pick(4))
	default:
		h.lose(h.pick(4))
	}
	if h.pick(25) == 0 {
		h.clean()
	}
}

func (h *syncHistory) laptop() string { return h.names[1+h.pick(3)] }

func (h *syncHistory) assign() {
	o := AssignOptions{Survey: "s1", Device: h.laptop(), Actor: "sup", Force: h.pick(3) == 0}
	if h.pick(2) == 0 {
		o.Count = 1 + h.pick(4)
	} else {
		for range 1 + h.pick(3) {
			o.Contacts = append(o.Contacts, fmt.Sprintf("P%d", 1+h.pick(h.contacts)))
		}
	}
	res, err := h.hub.Assign(o)
	if err != nil {
		h.t.Fatalf("Assign(%+v): %v", o, err)
	}
	h.stats.moved += res.Moved + res.Waiting
}

func (h *syncHistory) unassign() {
	o := UnassignOptions{Survey: "s1", Device: h.laptop(), Count: 1 + h.pick(2), Force: h.pick(3) == 0, Actor: "sup"}
	if _, err := h.hub.Unassign(o); err != nil {
		h.t.Fatalf("Unassign(%+v): %v", o, err)
	}
}

// onList reports which of values s has on its opt-out list.
func (h *syncHistory) onList(s *Store) map[string]bool {
	out := map[string]bool{}
	for _, v := range h.values {
		if on, _, err := s.OptedOut(v, "US"); err != nil {
			h.t.Fatal(err)
		} else if on {
			out[v] = true
		}
	}
	return out
}

// interview draws a contact on store i and works it: no answer, a
// refusal with an opt-out, or an interview that is suspended, broken off
// by an opt-out, or completed.
func (h *syncHistory) interview(i int) {
	s := h.stores[i]
	who := fmt.Sprintf("ivy%d", i)
	var p *Presentation
	var err error
	// Someone may first go on with a suspended interview.
	if home, err := s.Home(who, h.now); err == nil && len(home.Resume) > 0 && h.pick(2) == 0 {
		r := home.Resume[0].Interview
		res, err := s.ResumeInterview(r.ID, who, h.now)
		if errors.Is(err, ErrOptedOut) || errors.Is(err, ErrClosed) {
			return
		} else if err != nil {
			h.t.Fatalf("store %d: ResumeInterview: %v", i, err)
		}
		h.answerAndClose(i, res.Interview.ID, res.Contact)
		return
	}
	p, err = s.Present("s1", DrawOptions{Interviewer: who, Rules: RulesFunc(anyTime)})
	if errors.Is(err, ErrQueueEmpty) {
		return
	} else if err != nil {
		h.t.Fatalf("store %d: Present: %v", i, err)
	}
	list := h.onList(s)
	for _, v := range append(slices.Clone(p.Contact.Phones), p.Contact.Email) {
		if list[v] || h.promised[i][v] {
			h.t.Fatalf("store %d presented %s, whose %s is on the opt-out list", i, p.Contact.ID, v)
		}
	}
	if i == 0 {
		err := h.hub.db.View(func(tx *bolt.Tx) error {
			cid, err := h.hub.cidTx(tx, "s1", p.Contact.ID)
			if err != nil {
				return err
			}
			if a, _ := assignmentTx(tx, cid); a != nil {
				h.t.Fatalf("the hub presented %s, which %s holds", p.Contact.ID, a.Device)
			}
			return nil
		})
		if err != nil {
			h.t.Fatal(err)
		}
	}
	if p.Open != nil {
		return // resumed through Home
	}
	switch h.pick(6) {
	case 0:
		must(h.t, s.RecordCall("s1", p.Contact.ID, Call{Outcome: consoleOutcome("no_answer", false), Interviewer: who}))
	case 1:
		if _, err := s.DeclineConsent(Decline{Consent: model.Consent{Survey: "s1", Contact: p.Contact.ID, Interviewer: who, Lang: "en", Text: "ok?"}, OptOut: true}); err != nil {
			h.t.Fatalf("store %d: DeclineConsent: %v", i, err)
		}
	default:
		id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: p.Contact.ID, Interviewer: who, Agreed: true, Lang: "en", Text: "ok?"})
		if err != nil {
			h.t.Fatalf("store %d: StartInterview: %v", i, err)
		}
		h.answerAndClose(i, id, p.Contact)
	}
}

// answerAndClose answers the questions of an interview not yet answered,
// then suspends, opts out or completes it.
func (h *syncHistory) answerAndClose(i int, id string, c model.Contact) {
	s := h.stores[i]
	who := fmt.Sprintf("ivy%d", i)
	rv, err := s.Interview(id)
	if err != nil {
		h.t.Fatal(err)
	}
	done := map[string]bool{}
	for _, a := range rv.Current {
		done[a.Item] = true
	}
	for _, item := range []string{"a", "b", "c"} {
		if done[item] {
			continue
		}
		h.tick()
		switch h.pick(12) {
		case 0:
			must(h.t, s.SuspendInterview(id, Suspension{Actor: who, Reason: "quit"}))
			return
		case 1:
			must(h.t, s.OptOutContact(ContactOptOut{Survey: "s1", Contact: c.ID, Actor: who, Reason: "asked"}))
			return
		}
		v := fmt.Sprintf("%s-%s-%d", c.ID, item, h.pick(1000))
		if err := s.SaveAnswer(id, model.AnswerEvent{Item: item, Value: v, Answered: h.now}, []byte(`{"s":"`+v+`"}`)); err != nil {
			h.t.Fatalf("store %d: SaveAnswer: %v", i, err)
		}
		h.confirmed[id]++
	}
	must(h.t, s.FinishInterview(id, who, h.now))
}

// optOut puts a value on a random store's list, as a letter or a call
// would.
func (h *syncHistory) optOut() {
	s := h.stores[h.pick(4)]
	v := h.values[h.pick(len(h.values))]
	if _, _, err := s.AddOptOut(v, "US", "letter", "sup"); err != nil {
		h.t.Fatal(err)
	}
}

// bulkOptOut imports a few values as a list, on the hub or on a laptop.
func (h *syncHistory) bulkOptOut() {
	s := h.stores[h.pick(4)]
	var b strings.Builder
	for range 1 + h.pick(4) {
		fmt.Fprintln(&b, h.values[h.pick(len(h.values))])
	}
	if _, err := s.ImportOptOuts(strings.NewReader(b.String()), "dnc.txt", "US", "sup"); err != nil && !strings.Contains(err.Error(), "not yet applied a bundle") {
		h.t.Fatal(err)
	}
}

// review approves or rejects a completed interview on the hub.
func (h *syncHistory) review() {
	rows, err := h.hub.ReviewList("s1")
	if err != nil {
		h.t.Fatal(err)
	}
	var ready []string
	for _, r := range rows {
		if r.Status == InterviewCompleted && originOf(r.Interview.ID) != h.hub.Device() {
			ready = append(ready, r.Interview.ID)
		}
	}
	if len(ready) == 0 {
		return
	}
	id := ready[h.pick(len(ready))]
	if h.pick(3) == 0 {
		must(h.t, h.hub.Approve(id, "sue", ""))
		return
	}
	err = h.hub.Reject(id, "sue", "check it", []ItemComment{{Item: "a", Text: "really?"}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.stats.rejected++
}

// correct takes back an interview returned to laptop i's interviewer,
// changes an answer and completes it again.
func (h *syncHistory) correct(i int) {
	s := h.stores[i]
	who := fmt.Sprintf("ivy%d", i)
	ret, err := s.Returned(who)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(ret) == 0 {
		return
	}
	id := ret[0].Interview.ID
	if _, err := s.ReopenInterview(id, who, h.now); err != nil {
		h.t.Fatalf("store %d: ReopenInterview: %v", i, err)
	}
	h.tick()
	if err := s.SaveAnswer(id, model.AnswerEvent{Item: "a", Value: "corrected", Change: true, Answered: h.now}, []byte(`{"fixed":1}`)); err != nil {
		h.t.Fatal(err)
	}
	h.confirmed[id]++
	h.stats.corrected++
	must(h.t, s.FinishInterview(id, who, h.now))
}

// peer is a random store store i exchanges bundles with.
func (h *syncHistory) peer(i int) int {
	if i == 0 {
		return 1 + h.pick(3)
	}
	return 0
}

// send makes a bundle from store i for a peer, into the peer's mail.
func (h *syncHistory) send(i int, resend bool) {
	to := h.peer(i)
	h.sendTo(i, to, resend)
}

func (h *syncHistory) sendTo(i, to int, resend bool) {
	h.files++
	path := filepath.Join(h.dir, fmt.Sprintf("b%04d-%d-%d.bundle", h.files, i, to))
	if _, err := h.stores[i].BundleOut(BundleOutOptions{To: h.names[to], Out: path, Resend: resend, Actor: "t"}); err != nil {
		h.t.Fatalf("store %d: BundleOut to %s: %v", i, h.names[to], err)
	}
	if i == 0 {
		for v := range h.onList(h.hub) {
			h.made[path] = append(h.made[path], v)
		}
	}
	h.mail[to] = append(h.mail[to], path)
}

// deliver applies a random bundle of store i's mail, keeping it now and
// then to deliver it again.
func (h *syncHistory) deliver(i int) {
	if len(h.mail[i]) == 0 {
		return
	}
	k := h.pick(len(h.mail[i]))
	path := h.mail[i][k]
	if h.pick(4) != 0 {
		h.mail[i] = slices.Delete(h.mail[i], k, k+1)
	}
	h.apply(i, path)
}

func (h *syncHistory) apply(i int, path string) {
	res, err := h.stores[i].BundleIn(path, "t")
	if errors.Is(err, ErrBundleHeld) {
		h.stats.held++
		return
	}
	if err != nil {
		h.t.Fatalf("store %d: BundleIn(%s): %v", i, filepath.Base(path), err)
	}
	var count func(r *BundleInResult)
	count = func(r *BundleInResult) {
		h.stats.flagged += r.Flagged
		h.stats.released += r.Released
		h.stats.returned += r.Returned
		for _, t := range r.Then {
			count(t)
		}
	}
	count(res)
	if i == 0 {
		return
	}
	// What a laptop has applied, its list has.
	var applied func(r *BundleInResult)
	applied = func(r *BundleInResult) {
		file := strings.TrimSuffix(r.File, " (held)")
		for _, v := range h.made[file] {
			h.promised[i][v] = true
		}
		for _, t := range r.Then {
			applied(t)
		}
	}
	applied(res)
	list := h.onList(h.stores[i])
	for v := range h.promised[i] {
		if !list[v] {
			h.t.Fatalf("laptop %d applied a bundle made when %s was on the hub's list, but does not have it", i, v)
		}
	}
}

// lose drops a bundle on its way.
func (h *syncHistory) lose(i int) {
	if len(h.mail[i]) == 0 {
		return
	}
	k := h.pick(len(h.mail[i]))
	h.mail[i] = slices.Delete(h.mail[i], k, k+1)
}

// converge delivers everything still on its way, then has every laptop
// and the hub send everything the other has not acknowledged, twice over.
func (h *syncHistory) converge() {
	for i := range h.mail {
		for len(h.mail[i]) > 0 {
			h.deliver(i)
		}
	}
	for range 3 {
		for l := 1; l <= 3; l++ {
			h.sendTo(l, 0, true)
			h.apply(0, h.mail[0][len(h.mail[0])-1])
		}
		for l := 1; l <= 3; l++ {
			h.sendTo(0, l, true)
			h.apply(l, h.mail[l][len(h.mail[l])-1])
		}
	}
}

// optOutKeys are the keys of a store's opt-out list.
func optOutKeys(t testing.TB, s *Store) []string {
	t.Helper()
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOptOut).ForEach(func(k, _ []byte) error {
			out = append(out, fmt.Sprintf("%x", k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (h *syncHistory) check() {
	h.t.Helper()
	h.clean()
	want := optOutKeys(h.t, h.hub)
	for i := 1; i <= 3; i++ {
		if diff := cmp.Diff(want, optOutKeys(h.t, h.stores[i])); diff != "" {
			h.t.Errorf("laptop %d's opt-out list differs from the hub's (-hub +laptop):\n%s", i, diff)
		}
	}
	hubIvs, err := h.hub.Interviews("s1")
	if err != nil {
		h.t.Fatal(err)
	}
	byContact := map[string][]string{}
	for _, r := range hubIvs {
		byContact[r.Contact] = append(byContact[r.Contact], r.ID)
	}
	total := 0
	for i := 1; i <= 3; i++ {
		ivs, err := h.stores[i].Interviews("s1")
		if err != nil {
			h.t.Fatal(err)
		}
		for _, r := range ivs {
			total++
			lap, err := h.stores[i].Interview(r.ID)
			if err != nil {
				h.t.Fatal(err)
			}
			hub, err := h.hub.Interview(r.ID)
			if err != nil {
				h.t.Errorf("interview %s of laptop %d is not on the hub: %v", r.ID, i, err)
				continue
			}
			if diff := cmp.Diff(lap.Current, hub.Current); diff != "" {
				h.t.Errorf("interview %s: answers differ (-laptop +hub):\n%s", r.ID, diff)
			}
			if len(hub.History) != h.confirmed[r.ID] || len(lap.History) != h.confirmed[r.ID] {
				h.t.Errorf("interview %s: the laptop confirmed %d answers; it holds %d, the hub %d", r.ID, h.confirmed[r.ID], len(lap.History), len(hub.History))
			}
			if lap.Interview.Status != hub.Interview.Status {
				h.t.Errorf("interview %s is %s on laptop %d and %s on the hub", r.ID, lap.Interview.Status, i, hub.Interview.Status)
			}
		}
	}
	for c, ids := range byContact {
		if len(ids) < 2 {
			continue
		}
		for _, id := range ids {
			rs, err := h.hub.ReviewState(id)
			if err != nil || !rs.Flagged {
				h.t.Errorf("%s was interviewed %d times (%v); interview %s is not flagged: %+v, %v", c, len(ids), ids, id, rs, err)
			}
		}
	}
	h.t.Logf("%d laptop interviews, %d on the hub, %d opt-outs, %d bundles; %+v", total, len(hubIvs), len(want), h.files, h.stats)
}
