package surveys

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"canvass/model"
	"canvass/model/xpath"
)

// This file finds the data files a questionnaire reads beside it (choices
// from a file, csv-external and xml-external rows, pulldata() and
// instance('id')) and keeps them with the survey (Survey.Attachments), so
// that the store can keep them with the questionnaire's revision.

// dataExts are the kinds of data file ODK reads, in the order a bare
// instance('id') looks for them.
var dataExts = []string{".csv", ".xml", ".geojson"}

// readBeside reads a file beside the questionnaire.
func readBeside(open opener, file string) ([]byte, error) {
	if open == nil {
		return nil, errors.New("no directory")
	}
	return open(file)
}

// attach keeps a data file with the survey.
func attach(s *model.Survey, file string, data []byte) {
	if s.Attachments == nil {
		s.Attachments = map[string][]byte{}
	}
	s.Attachments[file] = data
}

// attached reports whether the survey has a data file for instance id.
func attached(s *model.Survey, id string) bool {
	for name := range s.Attachments {
		if model.DataFileID(name) == id {
			return true
		}
	}
	return false
}

// widget says what draws a field that a terminal cannot: a SurveyCTO field
// plug-in (appearance custom-NAME, such as a phone-call dialler) or another
// app (ODK's ex: appearance and intent column); "" for an ordinary field.
func widget(appearance, intent string) string {
	for _, f := range strings.Fields(appearance) {
		name, _, _ := strings.Cut(f, "(")
		switch {
		case strings.HasPrefix(name, "custom-"):
			return "SurveyCTO field plug-in " + name
		case strings.HasPrefix(name, "ex:"):
			return "external app " + strings.TrimPrefix(name, "ex:")
		}
	}
	if intent = strings.TrimSpace(intent); intent != "" {
		name, _, _ := strings.Cut(intent, "(")
		return "external app " + strings.TrimSpace(name)
	}
	return ""
}

// externalData reads the files of csv-external and xml-external rows.
func (x *xlsLoader) externalData() {
	for _, e := range x.externals {
		x.readData(e.pos, e.item, e.typ, e.file, "data file")
	}
}

// exprSources calls fn with every expression of the survey and where it
// belongs.
func exprSources(s *model.Survey, fn func(it *model.Item, src string)) {
	if s.InstanceName != "" {
		fn(nil, s.InstanceName)
	}
	s.Walk(func(it *model.Item, _ []*model.Item) bool {
		for _, src := range []string{it.Relevant, it.Required, it.Constraint, it.Warning,
			it.Calculation, it.ChoiceFilter, it.RepeatCount} {
			if strings.TrimSpace(src) != "" {
				fn(it, src)
			}
		}
		if strings.Contains(it.Default, "(") || strings.Contains(it.Default, "${") {
			fn(it, it.Default)
		}
		return true
	})
}

// scanOptions compiles expressions only to find what they name: any
// ${name} may start a path.
var scanOptions = xpath.CompileOptions{RefPath: func(string) ([]string, bool) { return []string{"data"}, true }}

// attachReferenced keeps the data files the survey's expressions read with
// pulldata() and instance('id'): ID.csv, ID.xml or ID.geojson beside the
// form, for an id that is not a choice list. A pulldata() dataset with no
// file is the interview's contact (Survey.ContactData), as SurveyCTO's
// cases dataset is: that is said with a warning, since a typo would read
// the contact too. An instance('id') with no file is left for Validate to
// report.
func attachReferenced(s *model.Survey, open opener, c *collector) {
	warned := map[string]bool{}
	exprSources(s, func(it *model.Item, src string) {
		e, err := scanOptions.Compile(src)
		if err != nil {
			return // Validate reports it
		}
		pulls := e.PullData()
		for _, id := range e.Instances() {
			if s.Lists[id] != nil || attached(s, id) || slices.Contains(s.ContactData, id) {
				continue
			}
			found := false
			for _, ext := range dataExts {
				if !validFileName(id) {
					break
				}
				if data, err := readBeside(open, id+ext); err == nil {
					attach(s, id+ext, data)
					found = true
					break
				}
			}
			if found || !slices.Contains(pulls, id) {
				continue
			}
			s.ContactData = append(s.ContactData, id)
			if !warned[id] {
				warned[id] = true
				pos, name := model.Pos{}, ""
				if it != nil {
					pos, name = it.Pos, it.Name
				}
				c.warnf(pos, name, "%spulldata('%s', ...): there is no %s.csv beside the form, so it reads the interview's contact, as SurveyCTO reads its cases dataset: the fields are id (the sample id, SurveyCTO's caseid), name, phone, email, company, location, language, timezone and the sample's other columns",
					itemPrefix(name), id, id)
			}
		}
	})
}

func itemPrefix(name string) string {
	if name == "" {
		return ""
	}
	return name + ": "
}

// validFileName reports whether an instance id can be a file beside the
// form: no directories.
func validFileName(id string) bool {
	return id != "" && !strings.ContainsAny(id, `/\`) && id != "." && id != ".."
}

// ambiguousRefs warns about ${name} of a name several items share: pyxform
// refuses such a reference, since ODK cannot tell which is meant; canvass
// takes the first item of that name, whose name it kept.
func (x *xlsLoader) ambiguousRefs() {
	if len(x.renamed) == 0 {
		return
	}
	check := func(it *model.Item, src string) {
		for name := range x.renamed {
			if !strings.Contains(src, "${"+name+"}") {
				continue
			}
			pos, item := model.Pos{}, ""
			if it != nil {
				pos, item = it.Pos, it.Name
			}
			var where []string
			for _, p := range x.renamed[name] {
				where = append(where, fmt.Sprintf("row %d", p.Row))
			}
			x.c.warnf(pos, item, "%s${%s} is ambiguous: %d items are named %s (%s); it refers to the first, and the others are named after their groups (pyxform refuses this)",
				itemPrefix(item), name, len(x.renamed[name]), name, strings.Join(where, ", "))
		}
	}
	exprSources(x.s, check)
	x.s.Walk(func(it *model.Item, _ []*model.Item) bool {
		for _, t := range []model.Text{it.Label, it.Hint} {
			for _, v := range t {
				if strings.Contains(v, "${") {
					check(it, v)
				}
			}
		}
		return true
	})
}
