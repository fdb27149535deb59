package model

import (
	"fmt"
	"slices"
	"time"

	"canvass/model/xpath"
)

// EvalEnv is the environment `canvass eval --survey FILE` evaluates
// expressions in, outside any interview: every item of the questionnaire is
// a known name (unanswered unless vars sets it), its choice lists are the
// secondary instances with labels in lang, and jr:choice-name reads them. A
// name in vars that the questionnaire does not have is an error, so that a
// typo is not silently evaluated as an empty answer.
func (s *Survey) EvalEnv(vars map[string]string, lang string, now time.Time) (*xpath.MapEnv, error) {
	env := &xpath.MapEnv{
		Vars:      map[string]string{},
		Instances: map[string][]map[string]string{},
		Labels:    map[string]map[string]string{},
		Time:      now,
	}
	langs := fallbackLangs(s)
	label := func(t Text) string { return t.In(lang, langs...) }
	for id, l := range s.Lists {
		if l == nil {
			continue
		}
		rows := make([]map[string]string, len(l.Choices))
		for i, ch := range l.Choices {
			row := make(map[string]string, len(ch.Extra)+2)
			for k, v := range ch.Extra {
				row[k] = v
			}
			row["name"], row["label"] = ch.Name, label(ch.Label)
			rows[i] = row
		}
		env.Instances[id] = rows
	}
	s.Walk(func(it *Item, _ []*Item) bool {
		if it.Name == "" || it.Type.Container() {
			return true
		}
		env.Vars[it.Name] = ""
		if l := s.Lists[it.ListName]; l != nil {
			labels := make(map[string]string, len(l.Choices))
			for _, ch := range l.Choices {
				if _, dup := labels[ch.Name]; !dup {
					labels[ch.Name] = label(ch.Label)
				}
			}
			env.Labels[it.Name] = labels
		}
		return true
	})
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := env.Vars[name]; !ok {
			return nil, fmt.Errorf("survey %s has no item named %q", s.ID, name)
		}
		env.Vars[name] = vars[name]
	}
	return env, nil
}

// fallbackLangs are the languages a text missing in the current one is
// shown in: the survey's default language, then its languages in order.
func fallbackLangs(s *Survey) []string {
	var out []string
	if s.DefaultLanguage != "" {
		out = append(out, s.DefaultLanguage)
	}
	return append(out, s.Languages...)
}
