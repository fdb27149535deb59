package surveys

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"canvass/model"
)

// autoTries is how many random answers a question gets before it is
// reported as one no random answer passes.
const autoTries = 40

// finding is something an automatic run met, by item.
type finding struct {
	item    string
	msg     string
	warning bool
}

// AutoOptions are the settings of `survey test --auto`.
type AutoOptions struct {
	// N is the number of interviews; Seed drives their random answers.
	N    int
	Seed uint64
	// Contacts are the people interviewed, in turn (see NewContact and
	// ReadContacts); none means interviews without a contact, whose
	// ${contact.FIELD}, caseid and contact datasets are empty.
	Contacts []*model.Contact
	// LastSaved are the values ${last-saved#name} gives, by item name.
	LastSaved map[string]string
}

// RunAuto is `canvass survey test SURVEY --auto N --seed S`: it runs o.N
// interviews with random valid answers (don't know and refused now and
// then), and prints, with the item, every dead end (a stop no answer gets
// past), every constraint no random answer satisfied and every expression
// that failed at run time, then a summary. It reports whether no dead end
// or expression error was met. The same seed gives the same run.
func RunAuto(w io.Writer, surveyPath string, o AutoOptions) (bool, error) {
	n, seed := o.N, o.Seed
	form, err := loadForm(w, surveyPath)
	if err != nil || form == nil {
		return false, err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := time.Now()
	counts := map[finding]int{}
	example := map[finding]string{}
	var order []finding
	complete := 0
	stops := 0
	for i := range n {
		a := &autoAnswerer{rng: rng, now: now, tried: map[string]int{}, survey: form.Survey()}
		var contact *model.Contact
		if len(o.Contacts) > 0 {
			contact = o.Contacts[i%len(o.Contacts)]
		}
		out, err := interview(form, model.Config{
			Contact:     contact,
			LastSaved:   o.LastSaved,
			Interviewer: model.Interviewer{ID: "survey-test", Name: "Test Interviewer"},
			Seed:        seed + uint64(i),
			Device:      "survey-test",
			Clock:       func() time.Time { return now },
		}, autoTries+3, a.answer)
		if err != nil {
			return false, err
		}
		found := a.findings
		switch {
		case out.status == statusComplete:
			complete++
		case out.status == statusIncomplete && strings.HasPrefix(out.msg, "the route does not end"):
			found = append(found, finding{item: itemOf(out.at), msg: out.msg})
		default:
			found = append(found, finding{item: itemOf(out.at), msg: "dead end: no answer gets past it (last refusal: " + out.msg + ")"})
		}
		stops += len(out.route)
		for _, e := range out.errs {
			found = append(found, finding{item: itemOfError(form.Survey(), e), msg: "expression error: " + e})
		}
		seen := map[finding]bool{}
		for _, f := range found {
			// One error with different values is one finding; the first
			// message met stands for them.
			key := f
			key.msg = quotedRE.ReplaceAllString(f.msg, `"…"`)
			if seen[key] {
				continue
			}
			seen[key] = true
			if counts[key] == 0 {
				order = append(order, key)
				example[key] = f.msg
			}
			counts[key]++
		}
	}
	slices.SortStableFunc(order, func(a, b finding) int {
		return cmp.Or(cmp.Compare(a.item, b.item), cmp.Compare(a.msg, b.msg))
	})
	ok := true
	for _, f := range order {
		prefix := ""
		if f.warning {
			prefix = "warning: "
		} else {
			ok = false
		}
		fmt.Fprintf(w, "%s%s: %s (in %d of %s)\n", prefix, f.item, example[f], counts[f], plural(n, "interview", "interviews"))
	}
	avg := 0.0
	if n > 0 {
		avg = float64(stops) / float64(n)
	}
	fmt.Fprintf(w, "%s: %d complete, %d stopped early; %.1f stops on average\n", plural(n, "interview", "interviews"), complete, n-complete, avg)
	return ok, nil
}

var quotedRE = regexp.MustCompile(`"[^"]*"`)

// itemOf drops the instance path of a reference: a finding is about an
// item, in whichever instance it was met.
func itemOf(ref string) string {
	name, _, _ := strings.Cut(ref, "[")
	return name
}

// itemOfError finds the item an engine error message starts with ("age
// calculation: ...").
func itemOfError(s *model.Survey, e string) string {
	name, _, _ := strings.Cut(e, " ")
	name = strings.TrimSuffix(name, ":")
	if s.Find(name) != nil {
		return name
	}
	return "survey"
}

// autoAnswerer makes up answers for one automatic interview.
type autoAnswerer struct {
	survey   *model.Survey
	rng      *rand.Rand
	now      time.Time
	tried    map[string]int // attempts per stop
	findings []finding
}

// answer gives a random answer for the stop; called again for the same
// stop (the last answer was refused), it tries another, and after
// autoTries it records the finding and tries don't know and refused.
func (a *autoAnswerer) answer(sc model.Screen, ref string) testAnswer {
	a.tried[ref]++
	n := a.tried[ref]
	switch sc.Kind {
	case model.KindAcknowledge:
		return testAnswer{Response: model.Response{Value: "OK"}, given: true}
	case model.KindUnsupported:
		return testAnswer{Response: model.Response{Special: model.Skipped, Reason: "survey test --auto"}, given: true}
	case model.KindRepeatPrompt:
		v := "no"
		if sc.Instance <= 3 && a.rng.IntN(2) == 0 {
			v = "yes"
		}
		return testAnswer{Response: model.Response{Value: v}, given: true}
	}
	r := model.Response{Override: "survey test --auto"}
	switch {
	case n > autoTries:
		if n == autoTries+1 {
			a.findings = append(a.findings, finding{item: sc.Item, msg: fmt.Sprintf("none of %d random answers passed its checks", autoTries), warning: true})
		}
		switch {
		case sc.DontKnow && n == autoTries+1:
			r.Special = model.DontKnow
		case sc.Refused:
			r.Special = model.Refused
		default:
			r.Special = model.DontKnow
		}
	case n == 1 && a.rng.IntN(12) == 0 && (sc.DontKnow || sc.Refused):
		r.Special = model.DontKnow
		if !sc.DontKnow || sc.Refused && a.rng.IntN(2) == 0 {
			r.Special = model.Refused
		}
	default:
		r.Value, r.Other = a.value(sc, n)
	}
	return testAnswer{Response: r, given: true}
}

// value makes up a value of the question's type; later attempts range
// wider.
func (a *autoAnswerer) value(sc model.Screen, attempt int) (value, other string) {
	rng := a.rng
	switch sc.Type {
	case model.TypeInteger:
		if c := a.candidates(sc.Item); attempt%2 == 0 && len(c) > 0 {
			return strconv.FormatFloat(math.Round(c[rng.IntN(len(c))]), 'f', -1, 64), ""
		}
		span := []int{10, 100, 1000, 100000}[min(attempt/10, 3)]
		return strconv.Itoa(rng.IntN(2*span+1) - span/10), ""
	case model.TypeDecimal:
		if c := a.candidates(sc.Item); attempt%2 == 0 && len(c) > 0 {
			return strconv.FormatFloat(c[rng.IntN(len(c))], 'f', -1, 64), ""
		}
		span := []float64{10, 100, 1000, 100000}[min(attempt/10, 3)]
		return strconv.FormatFloat(float64(rng.IntN(int(span*10)))/10, 'f', -1, 64), ""
	case model.TypeRange:
		if r := sc.Range; r != nil && r.Step > 0 {
			k := rng.IntN(int((r.End-r.Start)/r.Step) + 1)
			return strconv.FormatFloat(r.Start+float64(k)*r.Step, 'f', -1, 64), ""
		}
	case model.TypeDate:
		days := rng.IntN(365 * (1 + attempt/4))
		if attempt%2 == 0 {
			days = -days // now and then a date to come
		}
		return a.now.AddDate(0, 0, -days).Format(time.DateOnly), ""
	case model.TypeTime:
		return fmt.Sprintf("%02d:%02d", rng.IntN(24), rng.IntN(60)), ""
	case model.TypeDateTime:
		return a.now.Add(-time.Duration(rng.IntN(24*365)) * time.Hour).Format(time.RFC3339), ""
	case model.TypeSelectOne:
		if len(sc.Options) > 0 {
			o := sc.Options[rng.IntN(len(sc.Options))]
			if o.Other {
				return o.Name, "random other"
			}
			return o.Name, ""
		}
	case model.TypeSelectMultiple:
		var names []string
		for _, o := range sc.Options {
			if rng.IntN(2) == 0 {
				names = append(names, o.Name)
				if o.Other {
					other = "random other"
				}
			}
		}
		if len(names) == 0 && len(sc.Options) > 0 {
			o := sc.Options[rng.IntN(len(sc.Options))]
			names = []string{o.Name}
			if o.Other {
				other = "random other"
			}
		}
		return strings.Join(names, " "), other
	case model.TypeRank:
		names := make([]string, len(sc.Options))
		for i, o := range sc.Options {
			names[i] = o.Name
		}
		rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		return strings.Join(names, " "), ""
	}
	words := []string{"yes", "maybe", "none", "Ana", "12", "test answer", "a longer answer with several words"}
	return words[rng.IntN(len(words))], ""
}

var numberRE = regexp.MustCompile(`-?\d+(\.\d+)?`)

// candidates are numbers likely to pass the item's checks: the numbers its
// constraint and warning mention, a little either side of each, and the
// points between them.
func (a *autoAnswerer) candidates(item string) []float64 {
	it := a.survey.Find(item)
	if it == nil {
		return nil
	}
	var lits []float64
	for _, m := range numberRE.FindAllString(it.Constraint+" "+it.Warning, -1) {
		if f, err := strconv.ParseFloat(m, 64); err == nil {
			lits = append(lits, f)
		}
	}
	slices.Sort(lits)
	var out []float64
	for i, f := range lits {
		out = append(out, f, f+1, f-1, f+0.01, f-0.01)
		if i > 0 {
			out = append(out, (f+lits[i-1])/2)
		}
	}
	return out
}
