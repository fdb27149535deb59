package surveys

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"

	"canvass/model"
	"canvass/model/xpath"
)

// This file holds the bodies of `canvass eval`, `survey test --auto`'s
// flags and `survey add`'s loading: the command-line work done on
// questionnaire files before (or instead of) a store.

// A UsageError is a flag value the command cannot take: the caller's
// mistake rather than a file's, which canvass exits 2 on. It is
// [model.UsageError], shared with package store's option checks.
type UsageError = model.UsageError

func usageError(format string, args ...any) error { return model.Usagef(format, args...) }

// EvalOptions are what `canvass eval` evaluates its expressions with
// ([model.EvalOptions]).
type EvalOptions = model.EvalOptions

// Eval is `canvass eval`: each expression's XPath string value on a line
// of w, or "error: ..."; ok is false if any failed. A --set the command
// cannot take is a [*UsageError].
func Eval(w io.Writer, exprs []string, o EvalOptions) (ok bool, err error) {
	vars := map[string]string{}
	for _, s := range o.Sets {
		name, value, ok := strings.Cut(s, "=")
		if !ok || name == "" {
			return false, usageError("eval: --set %q: want name=value", s)
		}
		vars[name] = value
	}
	env := &xpath.MapEnv{Vars: vars, Time: o.Now}
	if o.Survey != "" {
		sv, probs, err := Load(o.Survey)
		if err != nil {
			return false, err
		}
		if !model.Valid(probs) {
			return false, fmt.Errorf("eval: %s has problems; run canvass survey check %s", o.Survey, o.Survey)
		}
		if env, err = sv.EvalEnv(vars, o.Lang, o.Now); err != nil {
			return false, usageError("eval: --set: %v", err)
		}
	}
	env.Rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	return xpath.EvalAll(w, exprs, env)
}

// ParsePairs reads the NAME=VALUE values of flag; one without a name is a
// [*UsageError].
func ParsePairs(flag string, vals []string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range vals {
		k, v, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usageError("%s %q: want NAME=VALUE", flag, s)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

// AutoContacts are the contacts of `survey test --auto`: the rows of the
// --contacts file, each with the --contact fields set, or one contact of
// the --contact fields alone, or none.
func AutoContacts(fields []string, file string) ([]*model.Contact, error) {
	set, err := ParsePairs("survey test: --contact", fields)
	if err != nil {
		return nil, err
	}
	if file == "" {
		if len(set) == 0 {
			return nil, nil
		}
		return []*model.Contact{NewContact(set)}, nil
	}
	return ReadContacts(file, set)
}

// Installable is the loading of `canvass survey add`: the survey of the
// file at path and the file's bytes, with every problem written to w; a
// file with errors (not only warnings) is refused.
func Installable(w io.Writer, path string) (*model.Survey, []byte, error) {
	sv, problems, err := Load(path)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range problems {
		fmt.Fprintln(w, p.String())
	}
	if !model.Valid(problems) {
		return nil, nil, fmt.Errorf("%s has problems; not installed", path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return sv, raw, nil
}
