package surveys

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"canvass/model"
)

// This file is `canvass survey test`: scripted cases and random interviews
// run through the interview engine of package model.

// Statuses a test interview ends with.
const (
	statusComplete      = "complete"
	statusIncomplete    = "incomplete"
	statusRejected      = "rejected"
	statusNeedsOverride = "needs_override"
)

var caseStatuses = []string{statusComplete, statusIncomplete, statusRejected, statusNeedsOverride}

// maxStops bounds a test interview, so that a route that never ends is
// reported instead of hanging the command.
const maxStops = 10000

// testAnswer is a case's answer to one stop.
type testAnswer struct {
	model.Response
	given bool
}

// testCase is one scripted interview of a cases file.
type testCase struct {
	Name    string
	Lang    string
	Contact map[string]string
	// LastSaved are the last saved interview's values, by item.
	LastSaved map[string]string
	// Answers are by item name, or by "item[i]" / "item[i,j]" for one
	// repeat instance.
	Answers map[string]testAnswer
	// Route, Status, At and Values are what the case expects; Route and
	// At are checked only when given.
	Route     []string
	HasRoute  bool
	Status    string
	At        string
	HasAt     bool
	Values    map[string]string
	valueKeys []string
	// refs are the items the case names, with the line naming each, so
	// that a misspelt name is reported rather than never matched.
	refs map[string]int
}

// casesFile is a parsed cases file.
type casesFile struct {
	Now   time.Time
	Cases []testCase
}

var (
	casesKeys  = []string{"now", "cases"}
	caseKeys   = []string{"name", "lang", "contact", "last_saved", "answers", "expect"}
	expectKeys = []string{"route", "status", "at", "values"}
	answerKeys = []string{"value", "special", "other", "override", "reason"}
)

// parseCases reads a cases file, reporting its problems with their line.
func parseCases(name string, data []byte) (*casesFile, []Problem) {
	y := &yamlLoader{c: &collector{file: name}, s: &model.Survey{}}
	cf := &casesFile{}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		y.c.errorf(model.Pos{Line: yamlErrorLine(err)}, "", "%s", yamlErrorText(err))
		return nil, y.c.sorted()
	}
	if len(doc.Content) == 0 {
		y.c.errorf(model.Pos{Line: 1}, "", "the file is empty: it needs a list of cases")
		return nil, y.c.sorted()
	}
	root := doc.Content[0]
	y.fields(root, "", "cases file", casesKeys, func(key string, _, v *yaml.Node) {
		switch key {
		case "now":
			s := y.str(v, "", key)
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				y.c.errorf(y.pos(v), "", "now must be an RFC 3339 time such as 2026-03-02T10:00:00-05:00, found %q", s)
			}
			cf.Now = t
		case "cases":
			v = y.deref(v)
			if v.Kind != yaml.SequenceNode {
				y.c.errorf(y.pos(v), "", "cases must be a list, found %s", describe(v))
				return
			}
			for i, e := range v.Content {
				cf.Cases = append(cf.Cases, y.testCase(y.deref(e), i+1))
			}
		}
	})
	if len(cf.Cases) == 0 && model.Valid(y.c.problems) {
		y.c.errorf(model.Pos{Line: root.Line}, "", "the file has no cases")
	}
	return cf, y.c.sorted()
}

func (y *yamlLoader) testCase(n *yaml.Node, num int) testCase {
	tc := testCase{Name: fmt.Sprintf("case %d", num), Answers: map[string]testAnswer{}, Status: statusComplete, refs: map[string]int{}}
	y.fields(n, "", "case", caseKeys, func(key string, _, v *yaml.Node) {
		switch key {
		case "name":
			tc.Name = y.str(v, "", key)
		case "lang":
			tc.Lang = y.str(v, "", key)
		case "contact":
			tc.Contact = y.stringMap(v, "contact")
		case "last_saved":
			tc.LastSaved = y.stringMap(v, "last_saved")
		case "answers":
			v = y.deref(v)
			if v.Kind != yaml.MappingNode {
				y.c.errorf(y.pos(v), "", "answers must map item names to answers, found %s", describe(v))
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k := y.str(y.deref(v.Content[i]), "", "answer key")
				ref, err := normalizeRef(k)
				if err != nil {
					y.c.errorf(y.pos(v.Content[i]), "", "answers: %v", err)
					continue
				}
				if _, dup := tc.Answers[ref]; dup {
					y.c.errorf(y.pos(v.Content[i]), "", "answers: %s is given twice", ref)
					continue
				}
				tc.refs[ref] = v.Content[i].Line
				tc.Answers[ref] = y.testAnswer(y.deref(v.Content[i+1]), ref)
			}
		case "expect":
			y.fields(v, "", "expect", expectKeys, func(key string, _, v *yaml.Node) {
				switch key {
				case "route":
					tc.HasRoute = true
					for _, r := range y.strList(v, "", "route") {
						ref, err := normalizeRef(r)
						if err != nil {
							y.c.errorf(y.pos(v), "", "route: %v", err)
						}
						tc.Route = append(tc.Route, ref)
						tc.refs[ref] = v.Line
					}
				case "status":
					tc.Status = y.str(v, "", key)
					if !slices.Contains(caseStatuses, tc.Status) {
						y.c.errorf(y.pos(v), "", "status must be one of %s, found %q", strings.Join(caseStatuses, ", "), tc.Status)
					}
				case "at":
					tc.HasAt = true
					if at := y.str(v, "", key); at != "" {
						ref, err := normalizeRef(at)
						if err != nil {
							y.c.errorf(y.pos(v), "", "at: %v", err)
						}
						tc.At = ref
						tc.refs[ref] = v.Line
					}
				case "values":
					tc.Values = map[string]string{}
					for k, val := range y.stringMap(v, "values") {
						ref, err := normalizeRef(k)
						if err != nil {
							y.c.errorf(y.pos(v), "", "values: %v", err)
							continue
						}
						tc.Values[ref] = val
						tc.valueKeys = append(tc.valueKeys, ref)
						tc.refs[ref] = v.Line
					}
					slices.Sort(tc.valueKeys)
				}
			})
		}
	})
	return tc
}

// testAnswer reads an answer: a plain value, or a mapping with value,
// special (dk or refused), other, override and reason.
func (y *yamlLoader) testAnswer(n *yaml.Node, ref string) testAnswer {
	a := testAnswer{given: true}
	if n.Kind == yaml.ScalarNode {
		a.Value = y.str(n, "", ref)
		return a
	}
	y.fields(n, "", "answer "+ref, answerKeys, func(key string, _, v *yaml.Node) {
		s := y.str(v, "", key)
		switch key {
		case "value":
			a.Value = s
		case "special":
			switch strings.ToLower(s) {
			case "dk", "dont_know", "don't know":
				a.Special = model.DontKnow
			case "rf", "refused":
				a.Special = model.Refused
			case "skip", "skipped":
				a.Special = model.Skipped
			default:
				y.c.errorf(y.pos(v), "", "answer %s: special must be dk or refused, found %q", ref, s)
			}
		case "other":
			a.Other = s
		case "override":
			a.Override = s
		case "reason":
			a.Reason = s
		}
	})
	return a
}

// normalizeRef checks "item", "item[2]" or "item[2,1]" and spells it as
// model.Ref does.
func normalizeRef(s string) (string, error) {
	s = strings.TrimSpace(s)
	name, rest, indexed := strings.Cut(s, "[")
	if name == "" {
		return s, fmt.Errorf("%q names no item", s)
	}
	if !indexed {
		return name, nil
	}
	inner, ok := strings.CutSuffix(rest, "]")
	if !ok {
		return s, fmt.Errorf("%q: want item[instance] or item[i,j]", s)
	}
	var path []int
	for _, p := range strings.Split(inner, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || k < 1 {
			return s, fmt.Errorf("%q: repeat instances count from 1", s)
		}
		path = append(path, k)
	}
	return model.Ref{Item: name, Path: path}.String(), nil
}

// loadForm loads and compiles a questionnaire for a test run. It prints the
// survey's problems to w and returns nil when any is an error.
func loadForm(w io.Writer, path string) (*model.Form, error) {
	s, problems, err := Load(path)
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		if !p.Warning {
			fmt.Fprintln(w, p.String())
		}
	}
	if !model.Valid(problems) {
		return nil, nil
	}
	form, probs := model.Compile(s)
	if form == nil {
		// Load accepts a little more than the engine (XLSForm's
		// allow_choice_duplicates); say what the engine refuses.
		for _, p := range probs {
			if !p.Warning {
				fmt.Fprintln(w, p.String())
			}
		}
	}
	return form, nil
}

// RunCases is `canvass survey test SURVEY CASES`: it runs every case of the
// cases file through the interview engine, prints each case's route and
// PASS or FAIL to w, and reports whether all passed. Problems of the survey
// or the cases file are printed as `survey check` prints them and count as
// failures. The error is for a file that cannot be read.
func RunCases(w io.Writer, surveyPath, casesPath string) (bool, error) {
	form, err := loadForm(w, surveyPath)
	if err != nil || form == nil {
		return false, err
	}
	data, err := os.ReadFile(casesPath)
	if err != nil {
		return false, fmt.Errorf("read test cases: %w", err)
	}
	cf, problems := parseCases(casesPath, data)
	for _, p := range problems {
		fmt.Fprintln(w, p.String())
	}
	if !model.Valid(problems) {
		return false, nil
	}
	now := cf.Now
	if now.IsZero() {
		now = time.Now()
	}
	// A case that names an item the survey lacks (a typo, an item since
	// renamed) fails on its own; the other cases still run.
	passed := 0
	for _, tc := range cf.Cases {
		if bad := unknownRefs(casesPath, tc, form.Survey()); len(bad) > 0 {
			for _, p := range bad {
				fmt.Fprintln(w, p.String())
			}
			fmt.Fprintf(w, "FAIL %s\n  not run: it names items the survey does not have\n", tc.Name)
			continue
		}
		if runCase(w, form, tc, now) {
			passed++
		}
	}
	fmt.Fprintf(w, "%s: %d passed, %d failed\n", plural(len(cf.Cases), "case", "cases"), passed, len(cf.Cases)-passed)
	return passed == len(cf.Cases), nil
}

// unknownRefs reports the items case tc names that the survey lacks.
func unknownRefs(file string, tc testCase, s *model.Survey) []Problem {
	var out []Problem
	refs := make([]string, 0, len(tc.refs))
	for r := range tc.refs {
		refs = append(refs, r)
	}
	slices.Sort(refs)
	for _, r := range refs {
		name, _, _ := strings.Cut(r, "[")
		if s.Find(name) == nil {
			out = append(out, Problem{Pos: model.Pos{File: file, Line: tc.refs[r]}, Msg: fmt.Sprintf("case %q: the survey has no item %q", tc.Name, name)})
		}
	}
	return out
}

// outcome is how a test interview ended.
type outcome struct {
	route  []string
	status string
	at     string // the stop it ended at, unless complete
	msg    string // why it ended there
	values map[string]string
	errs   []string
}

// runCase runs one case and prints its result.
func runCase(w io.Writer, form *model.Form, tc testCase, now time.Time) bool {
	var contact *model.Contact
	if tc.Contact != nil {
		contact = NewContact(tc.Contact)
	}
	var fails []string
	out, err := interview(form, model.Config{
		Contact:     contact,
		Interviewer: model.Interviewer{ID: "survey-test", Name: "Test Interviewer"},
		Lang:        tc.Lang,
		LastSaved:   tc.LastSaved,
		Seed:        1,
		Device:      "survey-test",
		Clock:       func() time.Time { return now },
	}, 0, func(sc model.Screen, ref string) testAnswer {
		if a, ok := tc.Answers[ref]; ok {
			return a
		}
		return tc.Answers[sc.Item]
	})
	if err != nil {
		fails = append(fails, err.Error())
	} else {
		if tc.HasRoute && !slices.Equal(out.route, tc.Route) {
			fails = append(fails, fmt.Sprintf("route differs, want: %s", strings.Join(tc.Route, " ")))
		}
		if out.status != tc.Status {
			fails = append(fails, fmt.Sprintf("status: %s, want %s", out.status, tc.Status))
		} else if tc.HasAt && out.at != tc.At {
			fails = append(fails, fmt.Sprintf("stopped at %q, want %q", out.at, tc.At))
		}
		for _, k := range tc.valueKeys {
			if got, want := out.values[k], tc.Values[k]; got != want {
				fails = append(fails, fmt.Sprintf("value %s = %q, want %q", k, got, want))
			}
		}
		for _, e := range out.errs {
			fails = append(fails, "expression error: "+e)
		}
	}
	verdict := "PASS"
	if len(fails) > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "%s %s\n", verdict, tc.Name)
	if out != nil {
		fmt.Fprintf(w, "  route: %s\n", strings.Join(out.route, " "))
		if out.status != statusComplete {
			fmt.Fprintf(w, "  ended: %s at %s", out.status, out.at)
			if out.msg != "" {
				fmt.Fprintf(w, ": %s", out.msg)
			}
			fmt.Fprintln(w)
		}
	}
	for _, f := range fails {
		fmt.Fprintf(w, "  %s\n", f)
	}
	return len(fails) == 0
}

// interview runs one interview, taking each stop's answer from answer, and
// says how it ended. A note is passed, an acknowledgement confirmed, an
// item a terminal cannot capture skipped, and an optional question left
// empty, unless answer gives something else. A refused answer is asked for
// again up to retries times before the interview ends there.
func interview(form *model.Form, cfg model.Config, retries int, answer func(sc model.Screen, ref string) testAnswer) (*outcome, error) {
	iv, err := model.Start(form, cfg)
	if err != nil {
		return nil, fmt.Errorf("start interview: %w", err)
	}
	out := &outcome{}
	finish := func(status, at, msg string) (*outcome, error) {
		out.status, out.at, out.msg = status, at, msg
		out.values = map[string]string{}
		for _, d := range iv.Data() {
			v := d.Value
			if d.Special != model.NoSpecial {
				v = string(d.Special)
			}
			out.values[model.Ref{Item: d.Item, Path: d.Path}.String()] = v
		}
		out.errs = iv.Errors()
		return out, nil
	}
	for range maxStops {
		sc := iv.Current()
		if sc.Kind == model.KindEnd {
			return finish(statusComplete, "", "")
		}
		ref := model.Ref{Item: sc.Item, Path: sc.Path}.String()
		out.route = append(out.route, ref)
		if sc.Kind != model.KindNote {
			a := answer(sc, ref)
			if !a.given && sc.Answered {
				// Answered already (a trigger set it): kept, as an
				// interviewer keeps a proposed answer.
				if err := iv.Next(); err != nil {
					return finish(statusRejected, ref, err.Error())
				}
				continue
			}
			if !a.given {
				switch sc.Kind {
				case model.KindAcknowledge:
					a.Value = "OK"
				case model.KindUnsupported:
					a.Special, a.Reason = model.Skipped, "survey test"
				case model.KindQuestion:
					if sc.Required {
						return finish(statusIncomplete, ref, "no answer given")
					}
				default:
					return finish(statusIncomplete, ref, "no answer given")
				}
			}
			for try := 0; ; try++ {
				_, res := iv.Answer(a.Response)
				if res.Status == model.Accepted {
					break
				}
				if !a.given && sc.Kind == model.KindQuestion {
					return finish(statusIncomplete, ref, "no answer given: "+res.Msg)
				}
				if try >= retries {
					if res.Status == model.NeedsOverride {
						return finish(statusNeedsOverride, ref, res.Msg)
					}
					return finish(statusRejected, ref, res.Msg)
				}
				a = answer(sc, ref)
			}
		}
		if err := iv.Next(); err != nil {
			if errors.Is(err, model.ErrNotAnswered) {
				return finish(statusIncomplete, ref, err.Error())
			}
			return finish(statusRejected, ref, err.Error())
		}
	}
	return finish(statusIncomplete, out.route[len(out.route)-1], fmt.Sprintf("the route does not end after %d stops", maxStops))
}
