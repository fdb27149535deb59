package model

import (
	"fmt"
	"slices"
	"time"

	"canvass/model/xpath"
)

// EvalEnv is the environment `canvass eval --survey FILE` evaluates
// expressions in, outside any interview: every item of the questionnaire is
// a known name (unanswered unless vars sets it), its choice lists and data
// files are the secondary instances (labels in lang), jr:choice-name reads
// them, and location paths walk the form's instance (one instance of each
// repeat), from its document element. A name in vars that the
// questionnaire does not have is an error, so that a typo is not silently
// evaluated as an empty answer.
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
	for name, data := range s.Attachments {
		df, err := ParseDataFile(name, data)
		if err != nil {
			return nil, fmt.Errorf("data file %s: %w", name, err)
		}
		if env.Docs == nil {
			env.Docs = map[string]*xpath.Instance{}
		}
		env.Docs[df.ID] = df.Instance
	}
	for _, id := range s.ContactData {
		if env.Docs == nil {
			env.Docs = map[string]*xpath.Instance{}
		}
		env.Docs[id] = contactInstance(nil)
	}
	env.Primary = primaryInstance(s, env.Vars)
	return env, nil
}

// primaryInstance is the form's instance with one instance of each repeat
// and the values vals, for evaluating outside an interview.
func primaryInstance(s *Survey, vals map[string]string) *xpath.Instance {
	in := xpath.NewInstance()
	root := s.Root
	if root == "" {
		root = DefaultRoot
	}
	var add func(parent int, items []Item)
	add = func(parent int, items []Item) {
		for i := range items {
			it := &items[i]
			e := in.Add(parent, elemName(it), vals[it.Name])
			add(e, it.Items)
		}
	}
	add(in.Add(0, root, ""), s.Items)
	return in
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
