package surveys

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRunCases(t *testing.T) {
	var buf bytes.Buffer
	ok, err := RunCases(&buf, "demo/csat.yaml", "testdata/csat_cases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Errorf("RunCases(csat_cases.yaml) = true, want false: its last case fails")
	}
	want := `PASS promoter skips the follow-up and the support questions
  route: nps services rate_speed rate_reliability rate_price rate_support support_contact comment recontact
PASS detractor explains, in Spanish, and contacted support long ago
  route: nps nps_reason services rate_speed rate_reliability rate_price rate_support support_contact support_channel support_date support_resolved comment recontact
PASS a score above 10 is refused
  route: nps
  ended: rejected at nps: The score is a whole number from 0 to 10.
PASS an old support date needs an override
  route: nps services rate_speed rate_reliability rate_price rate_support support_contact support_channel support_date
  ended: needs_override at support_date: That is more than six months ago. Check the date with the respondent.
FAIL a wrong expectation fails
  route: nps services
  ended: incomplete at services: no answer given
  status: incomplete, want complete
5 cases: 4 passed, 1 failed
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("RunCases output (-want +got):\n%s", diff)
	}
}

func TestRunCasesRepeats(t *testing.T) {
	cases := `now: 2026-03-02T10:00:00Z
cases:
  - name: two members, the second a child
    contact: {location: Springfield}
    answers:
      respondent_name: Ana
      hh_size: 2
      member_name[1]: Ana
      member_name[2]: Leo
      member_relation: head
      member_relation[2]: child
      member_sex: female
      member_age[1]: 41
      member_age[2]: 9
      member_activity: work
      tenure: rent
      rooms: 3
    expect:
      route: [respondent_name, hh_size, "member_name[1]", "member_relation[1]", "member_sex[1]", "member_age[1]",
              "member_activity[1]", "member_name[2]", "member_relation[2]", "member_sex[2]", "member_age[2]", tenure, rooms]
      values: {adults: "1", "member_relation[2]": child, "member_sex[2]": female}
  - name: optional questions left empty
    answers: {respondent_name: Ana, hh_size: 1}
    expect: {status: incomplete, at: "member_name[2]"}
`
	path := filepath.Join(t.TempDir(), "cases.yaml")
	os.WriteFile(path, []byte(cases), 0o644)
	var buf bytes.Buffer
	ok, err := RunCases(&buf, "demo/household.yaml", path)
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if ok || !strings.Contains(out, "PASS two members") || !strings.Contains(out, "FAIL optional questions left empty\n  route: respondent_name hh_size member_name[1] member_relation[1] member_sex[1] member_age[1] tenure rooms\n  status: complete, want incomplete\n") {
		t.Errorf("RunCases = %v, output:\n%s\nwant the first case to pass and the second to fail on its status", ok, out)
	}
}

func TestRunCasesFileProblems(t *testing.T) {
	for _, tc := range []struct {
		cases, want string
	}{
		{"cases:\n  - name: x\n    answer: {nps: 1}\n", `cases.yaml:3: case: unknown key "answer" (did you mean "answers"?)`},
		{"cases:\n  - expect: {status: done}\n", `cases.yaml:2: status must be one of complete, incomplete, rejected, needs_override, found "done"`},
		{"now: yesterday\ncases: []\n", `cases.yaml:1: now must be an RFC 3339 time`},
		{"cases:\n  - answers: {\"nps[0]\": 1}\n", `cases.yaml:2: answers: "nps[0]": repeat instances count from 1`},
		{"cases:\n  - answers: {nps: {special: maybe}}\n", `cases.yaml:2: answer nps: special must be dk or refused, found "maybe"`},
		{"cases:\n  - name: typo\n    answers:\n      nsp: 1\n", `cases.yaml:4: case "typo": the survey has no item "nsp"`},
		{"cases:\n  - expect: {values: {\"rate[2]\": 1}}\n", `cases.yaml:2: case "case 1": the survey has no item "rate"`},
	} {
		path := filepath.Join(t.TempDir(), "cases.yaml")
		os.WriteFile(path, []byte(tc.cases), 0o644)
		var buf bytes.Buffer
		ok, err := RunCases(&buf, "demo/csat.yaml", path)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.ReplaceAll(buf.String(), filepath.Dir(path)+string(filepath.Separator), "")
		if ok || !strings.Contains(got, tc.want) {
			t.Errorf("RunCases(%q) = %v, %q; want false and %q", tc.cases, ok, got, tc.want)
		}
	}
}

// TestRunCasesUnknownNameFailsOneCase: a misspelt item in one case fails
// that case and the others still run.
func TestRunCasesUnknownNameFailsOneCase(t *testing.T) {
	cases := `now: 2026-03-02T10:00:00Z
cases:
  - name: typo
    answers:
      nsp: 9
  - name: refused score
    answers:
      nps: 11
    expect: {status: rejected, at: nps}
`
	path := filepath.Join(t.TempDir(), "cases.yaml")
	if err := os.WriteFile(path, []byte(cases), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	ok, err := RunCases(&buf, "demo/csat.yaml", path)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(buf.String(), filepath.Dir(path)+string(filepath.Separator), "")
	want := `cases.yaml:5: case "typo": the survey has no item "nsp"
FAIL typo
  not run: it names items the survey does not have
PASS refused score
  route: nps
  ended: rejected at nps: The score is a whole number from 0 to 10.
2 cases: 1 passed, 1 failed
`
	if ok {
		t.Errorf("RunCases = true, want false: one case names an unknown item")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RunCases output (-want +got):\n%s", diff)
	}
}

func TestRunAuto(t *testing.T) {
	for _, tc := range []struct {
		name   string
		survey string
		ok     bool
		want   []string
	}{
		{"demo phone survey", "demo/csat.yaml", true, []string{"40 interviews: 40 complete"}},
		{"demo field survey", "demo/household.yaml", true, []string{"40 interviews: 40 complete"}},
		{"narrow constraint is found", "id: t\nitems:\n  - {name: a, type: integer, label: A, constraint: . = 12.5}\n", true,
			[]string{"warning: a: none of 40 random answers passed its checks (in 40 of 40 interviews)"}},
		{"dead end", "id: t\nitems:\n  - {name: a, type: integer, label: A, constraint: 'false()', no_dont_know: true, no_refused: true}\n  - {name: b, type: text, label: B}\n", false,
			[]string{"a: dead end: no answer gets past it", "40 interviews: 0 complete, 40 stopped early"}},
		{"run-time error", "id: t\nitems:\n  - {name: a, type: text, label: A}\n  - {name: b, type: calculate, calculation: \"format-date(date(${a}), '%Y')\"}\n", false,
			[]string{"expression error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.survey
			if strings.HasPrefix(tc.survey, "id:") {
				path = filepath.Join(t.TempDir(), "s.yaml")
				os.WriteFile(path, []byte(tc.survey), 0o644)
			}
			var buf bytes.Buffer
			ok, err := RunAuto(&buf, path, AutoOptions{N: 40, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.ok {
				t.Errorf("RunAuto(%s) = %v, want %v; output:\n%s", tc.name, ok, tc.ok, buf.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("RunAuto(%s) output:\n%s\nwant it to say %q", tc.name, buf.String(), w)
				}
			}
			// The same seed gives the same run.
			var again bytes.Buffer
			RunAuto(&again, path, AutoOptions{N: 40, Seed: 7})
			if again.String() != buf.String() {
				t.Errorf("RunAuto(%s) differs between two runs with one seed", tc.name)
			}
		})
	}
}
