package surveys

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEval(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	var b bytes.Buffer
	ok, err := Eval(&b, []string{"${age} + 1", "jr:choice-name('pear', '${likes}')"},
		EvalOptions{Sets: []string{"age=41"}, Now: now, Survey: "testdata/small.yaml", Lang: "es"})
	if err != nil || !ok {
		t.Fatalf("Eval = %v, %v", ok, err)
	}
	if want := "42\nPera\n"; b.String() != want {
		t.Errorf("Eval printed %q, want %q", b.String(), want)
	}
	bad := badSurvey(t)
	for _, tc := range []struct {
		name  string
		o     EvalOptions
		want  string
		usage bool
	}{
		{"set without a name", EvalOptions{Sets: []string{"=1"}}, `eval: --set "=1": want name=value`, true},
		{"set without a value", EvalOptions{Sets: []string{"age"}}, `eval: --set "age": want name=value`, true},
		{"set of no item", EvalOptions{Sets: []string{"nosuch=1"}, Survey: "testdata/small.yaml"}, "eval: --set: ", true},
		{"survey with problems", EvalOptions{Survey: bad}, "eval: " + bad + " has problems; run canvass survey check " + bad, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Eval(&bytes.Buffer{}, []string{"1"}, tc.o)
			var ue *UsageError
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || errors.As(err, &ue) != tc.usage {
				t.Errorf("Eval(%+v) = %v (usage %v), want %q (usage %v)", tc.o, err, errors.As(err, &ue), tc.want, tc.usage)
			}
		})
	}
}

func TestParsePairs(t *testing.T) {
	got, err := ParsePairs("survey test: --contact", []string{" plan =gold", "id=C1=x"})
	if err != nil || len(got) != 2 || got["plan"] != "gold" || got["id"] != "C1=x" {
		t.Errorf("ParsePairs = %v, %v; want plan=gold and id=C1=x", got, err)
	}
	_, err = ParsePairs("survey test: --contact", []string{" =x"})
	var ue *UsageError
	if want := `survey test: --contact " =x": want NAME=VALUE`; err == nil || err.Error() != want || !errors.As(err, &ue) {
		t.Errorf("ParsePairs( =x) = %v, want the usage error %q", err, want)
	}
}

func TestAutoContacts(t *testing.T) {
	if cs, err := AutoContacts(nil, ""); cs != nil || err != nil {
		t.Errorf("AutoContacts(none) = %v, %v; want none", cs, err)
	}
	cs, err := AutoContacts([]string{"id=C1", "plan=gold"}, "")
	if err != nil || len(cs) != 1 || cs[0].ID != "C1" || cs[0].Fields["plan"] != "gold" {
		t.Errorf("AutoContacts(id=C1, plan=gold) = %v, %v", cs, err)
	}
}

func TestInstallable(t *testing.T) {
	var probs bytes.Buffer
	sv, raw, err := Installable(&probs, "testdata/small.yaml")
	if err != nil || sv.ID != "small" || len(raw) == 0 {
		t.Errorf("Installable(small.yaml) = %v, %d bytes, %v", sv, len(raw), err)
	}
	bad := badSurvey(t)
	probs.Reset()
	if _, _, err := Installable(&probs, bad); err == nil || err.Error() != bad+" has problems; not installed" || !strings.HasPrefix(probs.String(), bad+":") {
		t.Errorf("Installable(bad) = %v, problems %q; want it refused with FILE:LINE problems", err, probs.String())
	}
}

// badSurvey is a questionnaire file with an error in it.
func badSurvey(t *testing.T) string {
	t.Helper()
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("id: bad\nitems:\n  - name: a\n    type: nonsense\n    label: A\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return bad
}
