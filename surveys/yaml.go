package surveys

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"canvass/model"
	"canvass/model/calling"
)

// The keys of each kind of YAML mapping, in the order README.md documents
// them. Anything else is a problem: a typo must never be silently ignored.
var (
	surveyKeys = []string{"id", "version", "title", "client", "languages", "default_language",
		"intro", "consent", "closing", "optout_closing", "quota_full", "privacy", "instance_name", "calling", "quotas", "lists", "items"}
	quotaKeys   = []string{"name", "kind", "target", "priority", "when"}
	privacyKeys = []string{"onward_transfer", "personal_fields"}
	itemKeys    = []string{"name", "type", "list", "or_other", "label", "hint",
		"required", "required_message", "relevant", "constraint", "constraint_message",
		"warning", "warning_message", "calculation", "default", "choice_filter",
		"appearance", "read_only", "randomize", "range", "no_dont_know", "no_refused",
		"personal", "meta", "repeat_count", "params", "items", "trigger", "editable"}
	rangeKeys  = []string{"start", "end", "step"}
	choiceKeys = []string{"name", "label", "extra"}
)

// maxAliases bounds how many YAML aliases one file may expand, so that a
// "billion laughs" file cannot make the loader walk forever.
const maxAliases = 1000

// yamlLoader builds a survey from a YAML document, recording problems with
// their line.
type yamlLoader struct {
	c       *collector
	s       *model.Survey
	aliases int
	// depth is how many groups enclose the items being read.
	depth int
	// declared says whether the file lists its languages; if not, the
	// languages are the ones its texts use, in order of appearance.
	declared bool
}

func parseYAML(name string, data []byte) (*model.Survey, *collector) {
	y := &yamlLoader{c: &collector{file: name}, s: &model.Survey{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, next yaml.Node
	err := dec.Decode(&doc)
	if err == nil {
		// A second document would be ignored by a plain Unmarshal, and
		// with it whatever the author meant by it.
		switch err = dec.Decode(&next); {
		case errors.Is(err, io.EOF):
			err = nil
		case err == nil && !emptyDocument(&next):
			y.c.errorf(model.Pos{Line: next.Line}, "", "a second YAML document starts here: a survey file holds one survey; put each survey in its own file")
			y.c.unreadable = true
			return y.s, y.c
		}
	} else if errors.Is(err, io.EOF) {
		err = nil
	}
	if err != nil {
		y.c.errorf(model.Pos{Line: yamlErrorLine(err)}, "", "%s", yamlErrorText(err))
		y.c.unreadable = true
		return y.s, y.c
	}
	if len(doc.Content) == 0 {
		y.c.errorf(model.Pos{Line: 1}, "", "the file is empty: a survey needs at least an id and items")
		y.c.unreadable = true
		return y.s, y.c
	}
	y.survey(doc.Content[0])
	return y.s, y.c
}

// emptyDocument reports a document with nothing in it, such as what a
// trailing "---" starts.
func emptyDocument(n *yaml.Node) bool {
	if len(n.Content) == 0 {
		return true
	}
	c := n.Content[0]
	return len(n.Content) == 1 && c.Kind == yaml.ScalarNode && c.Tag == "!!null" && c.Value == ""
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// yamlErrorLine finds the line number in a yaml.v3 error message.
func yamlErrorLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 1
}

// yamlErrorText drops the "yaml: line N:" prefix, which the position says.
func yamlErrorText(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	if loc := yamlLineRE.FindStringIndex(msg); loc != nil && loc[0] == 0 {
		msg = strings.TrimLeft(msg[loc[1]:], ": ")
	}
	return "YAML syntax: " + msg
}

func (y *yamlLoader) pos(n *yaml.Node) model.Pos { return model.Pos{Line: n.Line} }

// deref follows aliases, within the alias budget.
func (y *yamlLoader) deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		y.aliases++
		if y.aliases > maxAliases {
			if y.aliases == maxAliases+1 {
				y.c.errorf(y.pos(n), "", "too many YAML aliases (more than %d)", maxAliases)
			}
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line}
		}
		n = n.Alias
	}
	return n
}

// fields calls fn for each key of the mapping n, reporting keys that are not
// in known (with a suggestion when one is close) and keys given twice.
func (y *yamlLoader) fields(n *yaml.Node, item, what string, known []string, fn func(key string, k, v *yaml.Node)) {
	n = y.deref(n)
	if n.Kind != yaml.MappingNode {
		y.c.errorf(y.pos(n), item, "%s must be a mapping of keys to values, found %s", what, describe(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := y.deref(n.Content[i]), y.deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			y.c.errorf(y.pos(k), item, "%s: a key must be a plain word, found %s", what, describe(k))
			continue
		}
		key := k.Value
		if line, dup := seen[key]; dup {
			y.c.errorf(y.pos(k), item, "%s: key %q given twice (first on line %d)", what, key, line)
			continue
		}
		seen[key] = k.Line
		if !slices.Contains(known, key) {
			if s := closest(key, known); s != "" {
				y.c.errorf(y.pos(k), item, "%s: unknown key %q (did you mean %q?)", what, key, s)
			} else {
				y.c.errorf(y.pos(k), item, "%s: unknown key %q (known keys: %s)", what, key, strings.Join(known, ", "))
			}
			continue
		}
		fn(key, k, v)
	}
}

// describe names the kind of a node for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// str reads a scalar as a string; numbers and booleans keep their spelling.
func (y *yamlLoader) str(n *yaml.Node, item, key string) string {
	if n.Kind != yaml.ScalarNode {
		y.c.errorf(y.pos(n), item, "%s must be a single value, found %s", key, describe(n))
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// boolean reads true/false (yes/no too, as XLSForm authors write them).
func (y *yamlLoader) boolean(n *yaml.Node, item, key string) bool {
	s := y.str(n, item, key)
	b, ok := parseBool(s)
	if !ok {
		y.c.errorf(y.pos(n), item, "%s must be true or false, found %q", key, s)
	}
	return b
}

// parseBool reads the yes/no spellings of XLSForm and YAML.
// looksLikeExpression tells an XPath expression (read_only: ${age} < 18)
// from a misspelt yes or no (read_only: maybe), which is refused.
func looksLikeExpression(s string) bool {
	return strings.ContainsAny(s, "$()/=<>!'\"") || strings.Contains(s, " and ") || strings.Contains(s, " or ")
}

func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "true()", "1":
		return true, true
	case "false", "no", "false()", "0", "":
		return false, true
	}
	return false, false
}

// required turns a required cell into an expression: yes → true(),
// no → "", anything else is kept as an expression.
func required(s string) string {
	if b, ok := parseBool(s); ok {
		if b {
			return "true()"
		}
		return ""
	}
	return s
}

// strList reads a list of scalars.
func (y *yamlLoader) strList(n *yaml.Node, item, key string) []string {
	n = y.deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		y.c.errorf(y.pos(n), item, "%s must be a list, found %s", key, describe(n))
		return nil
	}
	var out []string
	for _, e := range n.Content {
		if v := y.str(y.deref(e), item, key); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// text reads a label-like value: a plain string (text without a language)
// or a mapping of language code to text.
func (y *yamlLoader) text(n *yaml.Node, item, key string) model.Text {
	n = y.deref(n)
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil
		}
		return model.Text{"": strings.TrimSpace(n.Value)}
	case yaml.MappingNode:
		t := model.Text{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := y.deref(n.Content[i]), y.deref(n.Content[i+1])
			lang := y.str(k, item, key+" language")
			if lang == "" {
				y.c.errorf(y.pos(k), item, "%s: empty language code", key)
				continue
			}
			if _, dup := t[lang]; dup {
				y.c.errorf(y.pos(k), item, "%s: language %q given twice", key, lang)
				continue
			}
			if y.declared && !slices.Contains(y.s.Languages, lang) {
				where := key
				if item != "" {
					where = item + ": " + key
				}
				y.c.errorf(y.pos(k), item, "%s: language %q is not in the survey's languages (%s)", where, lang, strings.Join(y.s.Languages, ", "))
			} else if !y.declared && !slices.Contains(y.s.Languages, lang) {
				y.s.Languages = append(y.s.Languages, lang)
			}
			t[lang] = y.str(v, item, key+"."+lang)
		}
		return t
	}
	y.c.errorf(y.pos(n), item, "%s must be a text or a mapping of language to text, found %s", key, describe(n))
	return nil
}

func (y *yamlLoader) survey(root *yaml.Node) {
	s := y.s
	root = y.deref(root)
	// Languages first: every text is checked against them.
	if root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "languages" {
				s.Languages = y.strList(root.Content[i+1], "", "languages")
				y.declared = s.Languages != nil
			}
		}
	}
	var itemsNode, listsNode *yaml.Node
	y.fields(root, "", "survey", surveyKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "id":
			s.ID = y.str(v, "", key)
			if s.ID != "" && !validID(s.ID) {
				y.c.errorf(y.pos(v), "", "id %q may hold only letters, digits, '-', '_' and '.'", s.ID)
			}
		case "version":
			s.Version = y.str(v, "", key)
		case "title":
			s.Title = y.str(v, "", key)
		case "client":
			s.Client = y.str(v, "", key)
		case "languages":
			// Read above.
		case "default_language":
			s.DefaultLanguage = y.str(v, "", key)
		case "intro":
			s.Intro = y.text(v, "", key)
		case "consent":
			s.Consent = y.text(v, "", key)
		case "closing":
			s.Closing = y.text(v, "", key)
		case "optout_closing":
			s.OptOutClosing = y.text(v, "", key)
		case "quota_full":
			s.QuotaFull = y.text(v, "", key)
		case "quotas":
			s.Quotas = y.quotas(v)
		case "privacy":
			y.fields(v, "", "privacy", privacyKeys, func(key string, _, v *yaml.Node) {
				switch key {
				case "onward_transfer":
					s.Privacy.OnwardTransfer = y.boolean(v, "", "privacy.onward_transfer")
				case "personal_fields":
					s.Privacy.PersonalFields = y.strList(v, "", "privacy.personal_fields")
				}
			})
		case "instance_name":
			s.InstanceName = y.str(v, "", key)
		case "calling":
			s.Calling = y.calling(v)
		case "lists":
			listsNode = v
		case "items":
			itemsNode = v
		}
	})
	if root.Kind != yaml.MappingNode {
		y.c.unreadable = true
		return
	}
	if s.Title == "" {
		s.Title = s.ID
	}
	if listsNode != nil {
		y.lists(listsNode)
	}
	if itemsNode != nil {
		s.Items = y.items(itemsNode, "items")
	}
}

func validID(s string) bool { return s != "" && sanitizeID(s) == s }

func (y *yamlLoader) lists(n *yaml.Node) {
	n = y.deref(n)
	if n.Kind != yaml.MappingNode {
		y.c.errorf(y.pos(n), "", "lists must map each list name to its choices, found %s", describe(n))
		return
	}
	y.s.Lists = map[string]*model.ChoiceList{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := y.deref(n.Content[i]), y.deref(n.Content[i+1])
		name := y.str(k, "", "list name")
		if name == "" {
			continue
		}
		if _, dup := y.s.Lists[name]; dup {
			y.c.errorf(y.pos(k), "", "list %q is defined twice", name)
			continue
		}
		l := &model.ChoiceList{Name: name, Pos: y.pos(k)}
		y.s.Lists[name] = l
		if v.Kind != yaml.SequenceNode {
			y.c.errorf(y.pos(v), "", "list %q must be a list of choices, found %s", name, describe(v))
			continue
		}
		for _, e := range v.Content {
			e = y.deref(e)
			ch := model.Choice{Pos: y.pos(e)}
			what := "choice of list " + strconv.Quote(name)
			y.fields(e, "", what, choiceKeys, func(key string, _, v *yaml.Node) {
				switch key {
				case "name":
					ch.Name = y.str(v, "", what+" name")
				case "label":
					ch.Label = y.text(v, "", what+" label")
				case "extra":
					ch.Extra = y.stringMap(v, what+" extra")
				}
			})
			l.Choices = append(l.Choices, ch)
		}
	}
}

// stringMap reads a mapping of names to single values.
func (y *yamlLoader) stringMap(n *yaml.Node, what string) map[string]string {
	n = y.deref(n)
	if n.Kind != yaml.MappingNode {
		y.c.errorf(y.pos(n), "", "%s must be a mapping, found %s", what, describe(n))
		return nil
	}
	m := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := y.str(y.deref(n.Content[i]), "", what)
		m[k] = y.str(y.deref(n.Content[i+1]), "", what+"."+k)
	}
	return m
}

// items reads a list of items (the survey's or a group's).
func (y *yamlLoader) items(n *yaml.Node, where string) []model.Item {
	n = y.deref(n)
	if n.Kind != yaml.SequenceNode {
		y.c.errorf(y.pos(n), "", "%s must be a list of items, found %s", where, describe(n))
		return nil
	}
	out := make([]model.Item, 0, len(n.Content))
	for _, e := range n.Content {
		if it, ok := y.item(y.deref(e)); ok {
			out = append(out, it)
		}
	}
	return out
}

func (y *yamlLoader) item(n *yaml.Node) (model.Item, bool) {
	it := model.Item{Pos: y.pos(n)}
	if n.Kind != yaml.MappingNode {
		y.c.errorf(y.pos(n), "", "an item must be a mapping with at least name and type, found %s", describe(n))
		return it, false
	}
	// The name first, so that every problem of the item can name it.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "name" {
			it.Name = y.str(y.deref(n.Content[i+1]), "", "name")
		}
	}
	name := it.Name
	what := "item"
	if name != "" {
		what = name
	}
	var typeNode, listNode, itemsNode, metaNode *yaml.Node
	y.fields(n, name, what, itemKeys, func(key string, k, v *yaml.Node) {
		if it.Lines == nil {
			it.Lines = make(map[string]int, len(n.Content)/2)
		}
		it.Lines[key] = k.Line
		switch key {
		case "name":
		case "type":
			typeNode = v
		case "list":
			listNode = v
			it.ListName = y.str(v, name, key)
		case "or_other":
			it.OrOther = y.boolean(v, name, key)
		case "label":
			it.Label = y.text(v, name, key)
		case "hint":
			it.Hint = y.text(v, name, key)
		case "required":
			it.Required = required(y.str(v, name, key))
		case "required_message":
			it.RequiredMessage = y.text(v, name, key)
		case "relevant":
			it.Relevant = y.str(v, name, key)
		case "constraint":
			it.Constraint = y.str(v, name, key)
		case "constraint_message":
			it.ConstraintMessage = y.text(v, name, key)
		case "warning":
			it.Warning = y.str(v, name, key)
		case "warning_message":
			it.WarningMessage = y.text(v, name, key)
		case "calculation":
			it.Calculation = y.str(v, name, key)
		case "default":
			it.Default = y.str(v, name, key)
		case "choice_filter":
			it.ChoiceFilter = y.str(v, name, key)
		case "appearance":
			it.Appearance = y.str(v, name, key)
		case "read_only":
			// yes or no, or an expression: read-only where it holds.
			if v.Kind == yaml.ScalarNode && v.Tag == "!!str" && looksLikeExpression(v.Value) {
				if _, isBool := parseBool(v.Value); !isBool {
					it.ReadOnlyIf = strings.TrimSpace(v.Value)
					break
				}
			}
			it.ReadOnly = y.boolean(v, name, key)
		case "trigger":
			it.Trigger = y.str(v, name, key)
		case "editable":
			it.Editable = y.boolean(v, name, key)
		case "randomize":
			it.Randomize = y.boolean(v, name, key)
		case "range":
			r := defaultRange()
			y.fields(v, name, what+" range", rangeKeys, func(key string, _, v *yaml.Node) {
				if err := setRangeBound(&r, key, y.str(v, name, "range."+key)); err != nil {
					y.c.errorf(y.pos(v), name, "%s: %v", what, err)
				}
			})
			it.Range = &r
		case "no_dont_know":
			it.NoDontKnow = y.boolean(v, name, key)
		case "no_refused":
			it.NoRefused = y.boolean(v, name, key)
		case "personal":
			it.Personal = y.boolean(v, name, key)
		case "meta":
			metaNode = v
			it.Meta = y.str(v, name, key)
		case "repeat_count":
			it.RepeatCount = y.str(v, name, key)
		case "params":
			it.Params = y.stringMap(v, what+" params")
		case "items":
			itemsNode = v
		}
	})
	if itemsNode != nil {
		if y.depth++; y.depth > maxDepth {
			y.c.tooDeep(y.pos(itemsNode))
		} else {
			it.Items = y.items(itemsNode, what+" items")
		}
		y.depth--
	}
	if typeNode == nil {
		return it, true // Validate reports the missing type.
	}
	spec, err := parseType(y.str(typeNode, name, "type"))
	if err != nil {
		y.c.typeUnread(it.Pos, name)
		y.c.errorf(y.pos(typeNode), name, "%s: %v", what, err)
		return it, true
	}
	switch {
	case spec.Accepted != "":
		y.c.warnf(y.pos(typeNode), name, "%s: type %q needs no item: %s", what, y.str(typeNode, name, "type"), spec.Accepted)
		return it, false
	case spec.External != "":
		y.c.errorf(y.pos(typeNode), name, "%s: type %q belongs in an XLSForm; in YAML, put the data file beside the questionnaire and read it with pulldata() or instance()", what, y.str(typeNode, name, "type"))
		return it, false
	}
	it.Type = spec.Type
	it.Unsupported = spec.Unsupported
	it.CalculateHere = spec.Here
	if spec.FromFile != "" {
		y.c.errorf(y.pos(typeNode), name, "%s: choices from a file (%s) belong in an XLSForm; in YAML give them under lists", what, spec.FromFile)
	}
	if spec.List != "" {
		if listNode != nil && it.ListName != spec.List {
			y.c.errorf(y.pos(listNode), name, "%s: list %q contradicts the type, which names list %q", what, it.ListName, spec.List)
		}
		it.ListName = spec.List
	}
	it.OrOther = it.OrOther || spec.OrOther
	if spec.Meta != "" {
		if metaNode != nil && it.Meta != spec.Meta {
			y.c.errorf(y.pos(metaNode), name, "%s: meta %q contradicts type %q", what, it.Meta, spec.Meta)
		}
		it.Meta = spec.Meta
	}
	if it.Type == model.TypeRange && it.Range == nil {
		r := defaultRange()
		it.Range = &r
	}
	return it, true
}

// calling reads the calling section into a calling.Config, refusing keys
// the type does not have, whatever fields it has grown since.
func (y *yamlLoader) calling(n *yaml.Node) *calling.Config {
	n = y.deref(n)
	var cfg calling.Config
	if !y.knownFields(n, reflect.TypeOf(cfg), "calling") {
		return &cfg
	}
	if err := n.Decode(&cfg); err != nil {
		line := n.Line
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg, "line ") {
			msg = msg[i+2:]
		}
		y.c.errorf(model.Pos{Line: line}, "", "calling: %s", strings.TrimPrefix(msg, "yaml: "))
		return &cfg
	}
	if _, err := calling.NewRules(&cfg); err != nil {
		// Every problem on a line of its own, as survey check prints them.
		for _, line := range strings.Split(strings.TrimPrefix(err.Error(), "calling rules: "), "\n") {
			y.c.errorf(y.pos(n), "", "calling: %s", line)
		}
	}
	return &cfg
}

// knownFields checks every mapping key under n against the yaml tags of t,
// recursively through structs, slices and pointers, and reports whether
// all were known.
func (y *yamlLoader) knownFields(n *yaml.Node, t reflect.Type, what string) bool {
	n = y.deref(n)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		if (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.Kind == yaml.SequenceNode {
			ok := true
			for _, e := range n.Content {
				ok = y.knownFields(e, t.Elem(), what) && ok
			}
			return ok
		}
		t = t.Elem()
	}
	if t == reflect.TypeFor[time.Duration]() && n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		// yaml.v3 would read a bare number as nanoseconds.
		y.c.errorf(y.pos(n), "", "%s: write a duration with its unit, such as 90s, 15m or 3h, not %s", what, n.Value)
		return false
	}
	if t.Kind() != reflect.Struct || n.Kind != yaml.MappingNode {
		return true
	}
	fields := map[string]reflect.Type{}
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if key == "-" {
			continue
		}
		if key == "" {
			key = strings.ToLower(f.Name)
		}
		fields[key] = f.Type
		keys = append(keys, key)
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := y.deref(n.Content[i])
		ft, known := fields[k.Value]
		if !known {
			ok = false
			if s := closest(k.Value, keys); s != "" {
				y.c.errorf(y.pos(k), "", "%s: unknown key %q (did you mean %q?)", what, k.Value, s)
			} else {
				y.c.errorf(y.pos(k), "", "%s: unknown key %q (known keys: %s)", what, k.Value, strings.Join(keys, ", "))
			}
			continue
		}
		ok = y.knownFields(n.Content[i+1], ft, what+"."+k.Value) && ok
	}
	return ok
}

// closest returns the candidate nearest to s by edit distance, if it is
// near enough to be a likely typo.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// quotas reads the survey's quota cells: a list of mappings with name,
// kind, target, priority and when, the conditions, either a mapping of
// variable to a value or a list of values, or one line as the XLSForm
// quotas sheet writes it (see [model.ParseQuotaConditions]).
func (y *yamlLoader) quotas(n *yaml.Node) []model.Quota {
	n = y.deref(n)
	if n.Kind != yaml.SequenceNode {
		y.c.errorf(y.pos(n), "", "quotas must be a list of cells, found %s", describe(n))
		return nil
	}
	var out []model.Quota
	for _, e := range n.Content {
		e = y.deref(e)
		q := model.Quota{Kind: model.QuotaNormal, Pos: y.pos(e)}
		target := false
		y.fields(e, "", "quota", quotaKeys, func(key string, _, v *yaml.Node) {
			switch key {
			case "name":
				q.Name = y.str(v, "", "quota name")
			case "kind":
				k, err := model.ParseQuotaKind(y.str(v, "", "quota kind"))
				if err != nil {
					y.c.errorf(y.pos(v), "", "%v", err)
				}
				q.Kind = k
			case "target":
				t, err := model.ParseQuotaTarget(y.str(v, "", "quota target"))
				if err != nil {
					y.c.errorf(y.pos(v), "", "%v", err)
				}
				q.Target, target = t, true
			case "priority":
				p, err := strconv.Atoi(y.str(v, "", "quota priority"))
				if err != nil {
					y.c.errorf(y.pos(v), "", "quota priority %q is not a whole number", v.Value)
				}
				q.Priority = p
			case "when":
				q.Conditions = y.conditions(v)
			}
		})
		if e.Kind != yaml.MappingNode {
			continue
		}
		if !target && q.Kind != model.QuotaCounter {
			y.c.errorf(q.Pos, "", "quota %q has no target", q.Name)
		}
		if q.Conditions == nil {
			y.c.errorf(q.Pos, "", "quota %q has no conditions (when)", q.Name)
		}
		out = append(out, q)
	}
	return out
}

// conditions reads a quota cell's when.
func (y *yamlLoader) conditions(n *yaml.Node) []model.QuotaCondition {
	n = y.deref(n)
	if n.Kind == yaml.ScalarNode {
		conds, err := model.ParseQuotaConditions(y.str(n, "", "when"))
		if err != nil {
			y.c.errorf(y.pos(n), "", "when: %v", err)
			return []model.QuotaCondition{}
		}
		return conds
	}
	if n.Kind != yaml.MappingNode {
		y.c.errorf(y.pos(n), "", "when must map each variable to its values, found %s", describe(n))
		return nil
	}
	var conds []model.QuotaCondition
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := y.deref(n.Content[i]), y.deref(n.Content[i+1])
		c := model.QuotaCondition{Variable: y.str(k, "", "when variable")}
		if v.Kind == yaml.SequenceNode {
			c.Values = y.strList(v, "", "when."+c.Variable)
		} else if s := y.str(v, "", "when."+c.Variable); s != "" {
			c.Values = []string{s}
		}
		conds = append(conds, c)
	}
	if len(conds) == 0 {
		y.c.errorf(y.pos(n), "", "when has no condition")
	}
	return conds
}
