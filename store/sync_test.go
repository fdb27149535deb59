package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"canvass/model"
	"canvass/model/calling"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// syncRig is a hub and its laptops, each a store of its own in one
// directory, with one clock the test moves.
type syncRig struct {
	t       testing.TB
	dir     string
	now     time.Time
	hub     *Store
	laptops []*Store
	files   int
}

// rigOptions are how a rig's stores are made.
type rigOptions struct {
	laptops  int
	contacts int
	encrypt  bool
}

// rigSurvey is the rig's questionnaire: three text questions.
func rigSurvey() *model.Survey {
	q := func(name string) model.Item {
		return model.Item{Name: name, Type: model.TypeText, Label: model.Text{"en": name + "?"}}
	}
	return &model.Survey{ID: "s1", Version: "1", Title: "One", Items: []model.Item{q("a"), q("b"), q("c")}}
}

func newSyncRig(t testing.TB, o rigOptions) *syncRig {
	t.Helper()
	r := &syncRig{t: t, dir: t.TempDir(), now: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}
	r.hub = r.open("hub.db", o.encrypt)
	if _, _, err := r.hub.AddSurvey(rigSurvey(), []byte("s1"), "author"); err != nil {
		t.Fatal(err)
	}
	if o.contacts > 0 {
		var b strings.Builder
		b.WriteString("id,phone,email,name\n")
		for i := 1; i <= o.contacts; i++ {
			fmt.Fprintf(&b, "P%d,+1303555%04d,p%d@example.com,Person %d\n", i, i, i, i)
		}
		if _, err := r.hub.ImportContacts(strings.NewReader(b.String()), ImportOptions{Survey: "s1", Source: "client", Region: "US", Actor: "sup", File: "sample.csv"}); err != nil {
			t.Fatal(err)
		}
	}
	hubID, err := r.hub.Identity()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= o.laptops; i++ {
		l := r.open(fmt.Sprintf("laptop-%d.db", i), o.encrypt)
		id, err := l.Identity()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.hub.AddDevice(fmt.Sprintf("laptop-%d", i), id, RoleLaptop, "sup"); err != nil {
			t.Fatal(err)
		}
		if _, err := l.AddDevice("hub", hubID, RoleHub, "ivy"); err != nil {
			t.Fatal(err)
		}
		r.laptops = append(r.laptops, l)
	}
	return r
}

func (r *syncRig) open(name string, encrypt bool) *Store {
	r.t.Helper()
	s, err := Open(filepath.Join(r.dir, name), Options{Now: func() time.Time { return r.now }, Encrypt: encrypt, KeyDir: filepath.Join(r.dir, "keys")})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { s.Close() })
	return s
}

func (r *syncRig) tick() { r.now = r.now.Add(time.Minute) }

// out makes a bundle from s for the device called to and returns its file.
func (r *syncRig) out(s *Store, to string) string {
	r.t.Helper()
	r.files++
	path := filepath.Join(r.dir, fmt.Sprintf("b%03d-%s.bundle", r.files, to))
	if _, err := s.BundleOut(BundleOutOptions{To: to, Out: path, Actor: "tester"}); err != nil {
		r.t.Fatalf("BundleOut to %s: %v", to, err)
	}
	return path
}

// in applies a bundle to s and fails the test unless it applies.
func (r *syncRig) in(s *Store, path string) *BundleInResult {
	r.t.Helper()
	res, err := s.BundleIn(path, "tester")
	if err != nil {
		r.t.Fatalf("BundleIn(%s): %v", filepath.Base(path), err)
	}
	return res
}

// clean fails the test unless doctor finds every store sound.
func (r *syncRig) clean() {
	r.t.Helper()
	for i, s := range append([]*Store{r.hub}, r.laptops...) {
		rep, err := s.Doctor()
		if err != nil || len(rep.Problems) > 0 {
			r.t.Errorf("store %d: Doctor() = %v, %v; want a sound store", i, rep.Problems, err)
		}
	}
}

// interview draws the next contact on s, interviews it with one answer
// per question and completes it; it returns the interview's id, or ""
// when nobody is due.
func (r *syncRig) interview(s *Store, who string, values ...string) string {
	r.t.Helper()
	p, err := s.Present("s1", DrawOptions{Interviewer: who, Rules: RulesFunc(anyTime)})
	if errors.Is(err, ErrQueueEmpty) {
		return ""
	} else if err != nil {
		r.t.Fatal(err)
	}
	id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: p.Contact.ID, Interviewer: who, Agreed: true, Lang: "en", Text: "ok?"})
	if err != nil {
		r.t.Fatal(err)
	}
	for i, item := range []string{"a", "b", "c"} {
		r.tick()
		v := fmt.Sprintf("%s-%s", p.Contact.ID, item)
		if i < len(values) {
			v = values[i]
		}
		if err := s.SaveAnswer(id, model.AnswerEvent{Item: item, Value: v, Answered: r.now}, []byte(fmt.Sprintf(`{"at":%q}`, item))); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := s.FinishInterview(id, who, r.now); err != nil {
		r.t.Fatal(err)
	}
	return id
}

// answers are an interview's current answers by item.
func answersOf(t testing.TB, s *Store, id string) map[string]string {
	t.Helper()
	rv, err := s.Interview(id)
	if err != nil {
		t.Fatalf("Interview(%s): %v", id, err)
	}
	out := map[string]string{}
	for _, a := range rv.Current {
		out[a.Item] = a.Value
	}
	return out
}

func TestBundleRoundTrip(t *testing.T) {
	for _, enc := range []bool{false, true} {
		t.Run(fmt.Sprintf("encrypted=%v", enc), func(t *testing.T) {
			r := newSyncRig(t, rigOptions{laptops: 1, contacts: 5, encrypt: enc})
			lap := r.laptops[0]
			res, err := r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-1", Count: 2, Actor: "sup"})
			if err != nil || res.Assigned != 2 {
				t.Fatalf("Assign = %+v, %v; want 2 assigned", res, err)
			}
			in := r.in(lap, r.out(r.hub, "laptop-1"))
			if in.Status != "applied" || in.Assigned != 2 || in.Surveys != 1 || in.Joined != enc {
				t.Errorf("laptop's bundle in = %+v", in)
			}
			r.clean()
			// The hub draws past the laptop's contacts.
			p, err := r.hub.Next("s1", DrawOptions{Interviewer: "hq", Rules: RulesFunc(anyTime)})
			if err != nil || p.Contact.ID != "P3" {
				t.Fatalf("hub's Next = %+v, %v; want P3", p, err)
			}
			id := r.interview(lap, "ivy")
			if id == "" {
				t.Fatal("the laptop has nobody to interview")
			}
			in = r.in(r.hub, r.out(lap, "hub"))
			if in.Status != "applied" || in.Interviews != 1 || in.States != 1 {
				t.Errorf("hub's bundle in = %+v", in)
			}
			r.clean()
			want := answersOf(t, lap, id)
			if got := answersOf(t, r.hub, id); !cmp.Equal(got, want) {
				t.Errorf("hub's answers of %s = %v, want %v", id, got, want)
			}
			// Reject on the hub with an item comment; the laptop sees it.
			if err := r.hub.Reject(id, "sue", "check b", []ItemComment{{Item: "b", Text: "really?"}}); err != nil {
				t.Fatal(err)
			}
			in = r.in(lap, r.out(r.hub, "laptop-1"))
			if in.Returned != 1 {
				t.Errorf("laptop's bundle in = %+v, want one returned interview", in)
			}
			ret, err := lap.Returned("ivy")
			if err != nil || len(ret) != 1 || ret[0].Rejection.Items[0].Text != "really?" {
				t.Fatalf("laptop's Returned = %+v, %v", ret, err)
			}
			if _, err := lap.ReopenInterview(id, "ivy", r.now); err != nil {
				t.Fatal(err)
			}
			r.tick()
			if err := lap.SaveAnswer(id, model.AnswerEvent{Item: "b", Value: "fixed", Change: true, Previous: want["b"], Answered: r.now}, []byte(`{"fixed":1}`)); err != nil {
				t.Fatal(err)
			}
			if err := lap.FinishInterview(id, "ivy", r.now); err != nil {
				t.Fatal(err)
			}
			r.in(r.hub, r.out(lap, "hub"))
			r.clean()
			if got := answersOf(t, r.hub, id)["b"]; got != "fixed" {
				t.Errorf("hub's b = %q after the correction, want fixed", got)
			}
			if err := r.hub.Approve(id, "sue", ""); err != nil {
				t.Fatalf("Approve after the correction: %v", err)
			}
			r.in(lap, r.out(r.hub, "laptop-1"))
			rs, err := lap.ReviewState(id)
			if err != nil || rs.Decision != DecisionApproved {
				t.Errorf("laptop's review of %s = %+v, %v; want approved", id, rs, err)
			}
			r.clean()
		})
	}
}

func TestBundleTwiceIsANoOp(t *testing.T) {
	r := newSyncRig(t, rigOptions{laptops: 1, contacts: 3})
	lap := r.laptops[0]
	must(t, errOf(r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-1", Count: 3, Actor: "sup"})))
	down := r.out(r.hub, "laptop-1")
	r.in(lap, down)
	if res := r.in(lap, down); res.Status != "already applied" || res.Events != 0 {
		t.Errorf("the same bundle again = %+v, want already applied", res)
	}
	r.interview(lap, "ivy")
	up := r.out(lap, "hub")
	r.in(r.hub, up)
	n := countEvents(t, r.hub)
	if res := r.in(r.hub, up); res.Status != "already applied" || res.Events != 0 {
		t.Errorf("the same bundle again = %+v, want already applied", res)
	}
	if got := countEvents(t, r.hub); got != n {
		t.Errorf("the hub has %d events after the same bundle again, had %d", got, n)
	}
	r.clean()
}

func errOf[T any](_ T, err error) error { return err }

func countEvents(t testing.TB, s *Store) int {
	t.Helper()
	n := 0
	if err := s.Events(0, func(*Event) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBundleGapIsHeldThenApplied(t *testing.T) {
	r := newSyncRig(t, rigOptions{laptops: 1, contacts: 4})
	lap := r.laptops[0]
	must(t, errOf(r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-1", Count: 4, Actor: "sup"})))
	r.in(lap, r.out(r.hub, "laptop-1"))
	first := r.interview(lap, "ivy")
	b1 := r.out(lap, "hub")
	second := r.interview(lap, "ivy")
	b2 := r.out(lap, "hub")
	res, err := r.hub.BundleIn(b2, "sup")
	if !errors.Is(err, ErrBundleHeld) || res == nil || res.Status != "held" {
		t.Fatalf("the later bundle first = %+v, %v; want it held", res, err)
	}
	if !strings.Contains(res.Gap, "have not arrived") {
		t.Errorf("gap = %q", res.Gap)
	}
	if _, err := r.hub.Interview(second); !errors.Is(err, ErrNotFound) {
		t.Errorf("the held bundle's interview is on the hub already: %v", err)
	}
	r.clean()
	res = r.in(r.hub, b1)
	if len(res.Then) != 1 || res.Then[0].Status != "applied" {
		t.Fatalf("the earlier bundle = %+v, want the held one applied after it", res)
	}
	for _, id := range []string{first, second} {
		if !cmp.Equal(answersOf(t, r.hub, id), answersOf(t, lap, id)) {
			t.Errorf("answers of %s differ", id)
		}
	}
	ds, _ := r.hub.Devices()
	if len(ds[0].Held) != 0 {
		t.Errorf("held bundles after = %+v", ds[0].Held)
	}
	r.clean()
}

func TestResendAfterALostBundle(t *testing.T) {
	r := newSyncRig(t, rigOptions{laptops: 1, contacts: 4})
	lap := r.laptops[0]
	must(t, errOf(r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-1", Count: 4, Actor: "sup"})))
	r.in(lap, r.out(r.hub, "laptop-1"))
	a := r.interview(lap, "ivy")
	lost := r.out(lap, "hub")
	os.Remove(lost)
	b := r.interview(lap, "ivy")
	path := filepath.Join(r.dir, "resend.bundle")
	if _, err := lap.BundleOut(BundleOutOptions{To: "hub", Out: path, Resend: true}); err != nil {
		t.Fatal(err)
	}
	r.in(r.hub, path)
	for _, id := range []string{a, b} {
		if _, err := r.hub.Interview(id); err != nil {
			t.Errorf("interview %s missing on the hub after the resend: %v", id, err)
		}
	}
	r.clean()
}

func TestOptOutsTravelEveryWay(t *testing.T) {
	r := newSyncRig(t, rigOptions{laptops: 2, contacts: 6, encrypt: true})
	l1, l2 := r.laptops[0], r.laptops[1]
	must(t, errOf(r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-1", Contacts: []string{"P1", "P2"}, Actor: "sup"})))
	must(t, errOf(r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-2", Contacts: []string{"P3", "P4"}, Actor: "sup"})))
	r.in(l1, r.out(r.hub, "laptop-1"))
	r.in(l2, r.out(r.hub, "laptop-2"))
	// P3 asks laptop 1's interviewer... no: P1 opts out on laptop 1, and
	// P3's number is put on the list on the hub.
	must(t, l1.OptOutContact(ContactOptOut{Survey: "s1", Contact: "P1", Actor: "ivy", Reason: "asked"}))
	if _, _, err := r.hub.AddOptOut("+13035550003", "US", "letter", "sup"); err != nil {
		t.Fatal(err)
	}
	r.in(r.hub, r.out(l1, "hub"))
	r.in(l2, r.out(r.hub, "laptop-2"))
	r.in(l1, r.out(r.hub, "laptop-1"))
	for i, s := range []*Store{r.hub, l1, l2} {
		for _, v := range []string{"+13035550001", "p1@example.com", "+13035550003"} {
			if on, _, err := s.OptedOut(v, "US"); err != nil || !on {
				t.Errorf("store %d: OptedOut(%s) = %v, %v; want on the list", i, v, on, err)
			}
		}
	}
	// Laptop 2 never presents P3, and presents P4 as often as it is due.
	var presented []string
	for range 3 {
		p, err := l2.Next("s1", DrawOptions{Interviewer: "max", Rules: RulesFunc(anyTime)})
		if errors.Is(err, ErrQueueEmpty) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		presented = append(presented, p.Contact.ID)
		if p.Contact.ID == "P3" {
			t.Fatal("laptop 2 presented P3 after receiving the opt-out")
		}
		must(t, l2.RecordCall("s1", p.Contact.ID, Call{Outcome: consoleOutcome("no_answer", false), Interviewer: "max"}))
		r.now = r.now.Add(24 * time.Hour)
	}
	if !slices.Equal(presented, []string{"P4", "P4", "P4"}) {
		t.Errorf("laptop 2 presented %v, want P4 each day", presented)
	}
	r.clean()
}

func consoleOutcome(code string, final bool) calling.Outcome {
	return calling.Outcome{Code: code, Label: code, Final: final, Recall: time.Hour}
}

func TestBundleRefusals(t *testing.T) {
	r := newSyncRig(t, rigOptions{laptops: 2, contacts: 3, encrypt: true})
	must(t, errOf(r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-1", Count: 1, Actor: "sup"})))
	down := r.out(r.hub, "laptop-1")
	// Replayed to another laptop.
	if _, err := r.laptops[1].BundleIn(down, "x"); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "not for this store") {
		t.Errorf("a bundle for laptop 1 on laptop 2: %v; want refused as made for another store", err)
	}
	// From a device nobody registered.
	stranger := r.open("stranger.db", true)
	sid, _ := stranger.Identity()
	if _, err := stranger.AddDevice("hub", mustIdentity(t, r.hub), RoleHub, "x"); err != nil {
		t.Fatal(err)
	}
	_ = sid
	path := r.out(stranger, "hub")
	if _, err := r.hub.BundleIn(path, "x"); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "does not know") {
		t.Errorf("a bundle from an unregistered store: %v; want refused as from an unknown device", err)
	}
	// Not a bundle.
	junk := filepath.Join(r.dir, "junk")
	os.WriteFile(junk, []byte("hello"), 0o600)
	if _, err := r.hub.BundleIn(junk, "x"); !errors.Is(err, ErrRefused) {
		t.Errorf("a file that is no bundle: %v; want refused", err)
	}
	r.clean()
}

func TestChainMustContinue(t *testing.T) {
	r := newSyncRig(t, rigOptions{laptops: 1, contacts: 4})
	lap := r.laptops[0]
	must(t, errOf(r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-1", Count: 4, Actor: "sup"})))
	r.in(lap, r.out(r.hub, "laptop-1"))
	// A copy of the laptop's store, taken now, goes its own way later.
	lapPath := filepath.Join(r.dir, "laptop-1.db")
	copyPath := filepath.Join(r.dir, "copy.db")
	must(t, copyStore(lap, copyPath))
	r.interview(lap, "ivy")
	r.in(r.hub, r.out(lap, "hub"))
	_ = lapPath
	cp, err := Open(copyPath, Options{Now: func() time.Time { return r.now }})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	r.interview(cp, "ivy", "other", "answers", "here")
	path := filepath.Join(r.dir, "fork.bundle")
	if _, err := cp.BundleOut(BundleOutOptions{To: "hub", Out: path, Resend: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.hub.BundleIn(path, "x"); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "does not continue") {
		t.Errorf("a forked laptop's bundle: %v; want refused as not continuing its log", err)
	}
	r.clean()
}

// copyStore copies a store's file, as a backup would.
func copyStore(s *Store, to string) error {
	return s.db.View(func(tx *bolt.Tx) error { return tx.CopyFile(to, 0o600) })
}

func TestLaptopAdoptsTheHubsIndexKey(t *testing.T) {
	r := newSyncRig(t, rigOptions{laptops: 1, contacts: 2, encrypt: true})
	lap := r.laptops[0]
	// An opt-out recorded on the laptop before it joined.
	if _, _, err := lap.AddOptOut("+13035550002", "US", "asked", "ivy"); err != nil {
		t.Fatal(err)
	}
	if lap.indexKey([32]byte{1}) == r.hub.indexKey([32]byte{1}) {
		t.Fatal("two encrypted stores key their index alike before they join")
	}
	if _, err := r.hub.ImportOptOuts(strings.NewReader("+13035550001\n"), "dnc.txt", "US", "sup"); err != nil {
		t.Fatal(err)
	}
	res := r.in(lap, r.out(r.hub, "laptop-1"))
	if !res.Joined {
		t.Errorf("the first bundle = %+v, want Joined", res)
	}
	for _, h := range [][32]byte{{1}, {2}, model.OptOutKey("+13035550001")} {
		if lap.indexKey(h) != r.hub.indexKey(h) {
			t.Errorf("after joining, the laptop keys %x as %x, the hub as %x", h, lap.indexKey(h), r.hub.indexKey(h))
		}
	}
	for _, v := range []string{"+13035550001", "+13035550002"} {
		if on, _, err := lap.OptedOut(v, "US"); err != nil || !on {
			t.Errorf("laptop: OptedOut(%s) = %v, %v; want on the list", v, on, err)
		}
	}
	// The key outlives the process.
	path := lap.Path()
	lap.Close()
	lap, err := Open(path, Options{KeyDir: filepath.Join(r.dir, "keys")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lap.Close() })
	r.laptops[0] = lap
	if lap.indexKey([32]byte{1}) != r.hub.indexKey([32]byte{1}) {
		t.Error("the reopened laptop forgot the hub's index key")
	}
	r.clean()
}

func TestReadSampleIDs(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"P1\nP2\n\n# a comment\nP3", []string{"P1", "P2", "P3"}},
		{"id,phone\nP1,+1\nP2,+2\n", []string{"P1", "P2"}},
		{"phone,ID\n+1,P7\n", []string{"P7"}},
	} {
		got, err := ReadSampleIDs(strings.NewReader(c.in))
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ReadSampleIDs(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if _, err := ReadSampleIDs(strings.NewReader("phone,name\n+1,Ann\n")); err == nil {
		t.Error("a CSV file without an id column: no error")
	}
	bad := filepath.Join(t.TempDir(), "ids.csv")
	if err := os.WriteFile(bad, []byte("phone,name\n+1,Ann\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := "assign: " + bad + ": the header has no id column"
	if _, err := ReadSampleIDFile("assign", bad); err == nil || err.Error() != want {
		t.Errorf("ReadSampleIDFile(assign, %s) = %v, want %q", bad, err, want)
	}
}

func TestSyncStatus(t *testing.T) {
	r := newSyncRig(t, rigOptions{laptops: 1, contacts: 4})
	lap := r.laptops[0]
	must(t, errOf(r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-1", Count: 3, Actor: "sup"})))
	st, err := r.hub.DeviceStatuses()
	if err != nil || len(st) != 1 || st[0].Assigned != 3 || st[0].Unacked != 2 || st[0].In != nil {
		t.Fatalf("hub's status before any bundle = %+v, %v; want 3 assigned, the survey and the assignment not acknowledged", st, err)
	}
	r.in(lap, r.out(r.hub, "laptop-1"))
	id := r.interview(lap, "ivy")
	p, err := lap.Pending()
	if err != nil || p.Events == 0 || p.Interviews != 1 || p.Unsent != p.Events {
		t.Fatalf("laptop's Pending = %+v, %v; want one interview in no bundle yet", p, err)
	}
	if txt := PendingText(p); !strings.Contains(txt, "not yet handed back to hub") {
		t.Errorf("PendingText = %q", txt)
	}
	r.in(r.hub, r.out(lap, "hub"))
	r.in(lap, r.out(r.hub, "laptop-1"))
	if p, err := lap.Pending(); err != nil || p.Events != 0 || PendingText(p) != "" {
		t.Errorf("laptop's Pending after the hub acknowledged = %+v, %v; want nothing", p, err)
	}
	must(t, errOf(r.hub.Unassign(UnassignOptions{Survey: "s1", Device: "laptop-1", Count: 1, Actor: "sup"})))
	st, err = r.hub.DeviceStatuses()
	if err != nil || st[0].Completed != 1 || st[0].Waiting != 1 || st[0].Assigned != 2 || st[0].In == nil || st[0].Out == nil {
		t.Errorf("hub's status = %+v, %v; want 1 completed (%s), 1 waiting, 2 assigned", st, err, id)
	}
	if p, err := r.hub.Pending(); err != nil || p != nil {
		t.Errorf("hub's Pending = %+v, %v; want nil", p, err)
	}
}

// TestLaptopVisitsContactsWithoutAPhone: a field laptop visits its
// contacts, so one with an email and no phone number is presented there,
// while a phone room (a store with no hub) retires it from calling.
func TestLaptopVisitsContactsWithoutAPhone(t *testing.T) {
	r := newSyncRig(t, rigOptions{laptops: 1})
	csv := "id,phone,email,name\nV1,,v1@example.com,Vera Visit\n"
	if _, err := r.hub.ImportContacts(strings.NewReader(csv), ImportOptions{Survey: "s1", Source: "client", Region: "US", Actor: "sup", File: "visits.csv"}); err != nil {
		t.Fatal(err)
	}
	must(t, errOf(r.hub.Assign(AssignOptions{Survey: "s1", Device: "laptop-1", Count: 1, Actor: "sup"})))
	lap := r.laptops[0]
	r.in(lap, r.out(r.hub, "laptop-1"))
	p, err := lap.Present("s1", DrawOptions{Interviewer: "ivy", Rules: RulesFunc(anyTime)})
	if err != nil {
		t.Fatalf("the laptop's draw = %v, want Vera Visit presented", err)
	}
	if p.Contact.ID != "V1" {
		t.Errorf("the laptop presented %s, want V1", p.Contact.ID)
	}
	r.clean()
}
