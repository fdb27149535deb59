// Package surveys turns questionnaire files into [model.Survey] values and
// finds every mistake in them before an interviewer meets it.
//
// Two formats load into the one model: canvass's native YAML (described with
// a complete annotated example in README.md beside this file) and XLSForm,
// the spreadsheet format of ODK, KoboToolbox and SurveyCTO, both as .xlsx
// and as pyxform's single-CSV layout. Every problem carries the place it was
// found: FILE:LINE for YAML, FILE:SHEET:ROW for XLSForm. [Load] reports all
// problems of a file in one run; [Check] is `canvass survey check`.
//
// The package also embeds the built-in demo study ([Demo]): two
// questionnaires, a fictional sample and an opt-out list.
package surveys

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"canvass/model"
)

// Problem is one mistake in a questionnaire file, or, when Warning is set,
// something worth a look that does not stop the survey from running. The
// loaders' problems and those of [model.Survey.Validate] are one type.
type Problem = model.Problem

// Load reads the questionnaire file at path (.yaml/.yml, .xlsx, or .csv in
// pyxform's single-CSV layout), builds the survey and checks it. The
// problems are every mistake found, in file order; the survey is returned
// even when there are problems, as far as it could be built. The error is
// for a file that cannot be read at all; its message starts with the path.
func Load(path string) (*model.Survey, []Problem, error) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() > maxFileSize {
		return nil, nil, fmt.Errorf("%s: %w", path, errTooBig(fi.Size()))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	dir := filepath.Dir(path)
	open := func(name string) ([]byte, error) {
		// Files referenced by a form (select_one_from_file) must sit
		// beside it; a path that climbs out of the directory does not.
		if !filepath.IsLocal(name) {
			return nil, fmt.Errorf("%s is not a file name beside the form", name)
		}
		return os.ReadFile(filepath.Join(dir, name))
	}
	return parse(path, data, open)
}

// Parse is [Load] for a file already in memory; name gives its format (by
// extension) and is the FILE of every problem. Files the form refers to
// (select_one_from_file) are never found.
func Parse(name string, data []byte) (*model.Survey, []Problem, error) {
	return parse(name, data, nil)
}

// opener reads a file that sits beside the questionnaire; nil means none can.
type opener func(name string) ([]byte, error)

// errLegacyXLS explains why .xls files are refused.
var errLegacyXLS = errors.New("this is a legacy Excel 97-2003 .xls file, which canvass cannot read: open it in Excel, LibreOffice or Google Sheets and save it as .xlsx")

// maxFileSize bounds a questionnaire file. An 80 000-question YAML file is
// about 5 MiB and an .xlsx of as many rows less; a larger file is refused
// before it is read, with how large it is.
const maxFileSize = 32 << 20

func errTooBig(size int64) error {
	return fmt.Errorf("the file is %.1f MiB; canvass reads questionnaire files of up to %d MiB", float64(size)/(1<<20), maxFileSize>>20)
}

func parse(name string, data []byte, open opener) (*model.Survey, []Problem, error) {
	if len(data) > maxFileSize {
		return nil, nil, fmt.Errorf("%s: %w", name, errTooBig(int64(len(data))))
	}
	s, problems, err := parseFormat(name, data, open)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, problems, nil
}

func parseFormat(name string, data []byte, open opener) (*model.Survey, []Problem, error) {
	var s *model.Survey
	var c *collector
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		s, c = parseYAML(name, data)
	case ".xlsx":
		sheets, err := readXLSX(data)
		if err != nil {
			return nil, nil, err
		}
		s, c = buildXLSForm(name, sheets, open)
	case ".csv":
		sheets, err := readXLSFormCSV(data)
		if err != nil {
			return nil, nil, err
		}
		s, c = buildXLSForm(name, sheets, open)
	case ".xls":
		// There is no maintained pure-Go reader for the BIFF8 .xls format
		// (excelize reads only the XML formats, and the few .xls readers
		// there are have been abandoned), so the author is asked to re-save
		// the file instead.
		return nil, nil, errLegacyXLS
	default:
		if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
			return nil, nil, errLegacyXLS
		}
		return nil, nil, fmt.Errorf("unknown survey file type %q: want .yaml, .yml, .xlsx or .csv", filepath.Ext(name))
	}
	s.Source = name
	if !c.unreadable {
		attachReferenced(s, open, c)
	}
	if c.unreadable {
		// Nothing was built; Validate would only say so at length.
		return s, c.sorted(), nil
	}
	for _, p := range s.Validate() {
		// What the loader already explained (a type it could not read, a
		// choices file it could not find) Validate would only repeat.
		if slices.Contains(c.explained[p.Pos], p.Msg) {
			continue
		}
		c.problems = append(c.problems, p)
	}
	if s.Consent.IsZero() {
		// Participation is voluntary and consent is recorded with the text
		// read: without one, the consent screen has nothing to read.
		where := "a consent: text"
		if s.Source != "" && !isYAML(name) {
			where = "a consent column on the settings sheet"
		}
		c.warnf(model.Pos{}, "", "survey: no consent text, so the consent screen has nothing to read; add %s", where)
	}
	return s, c.sorted(), nil
}

func isYAML(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// Check is `canvass survey check`: it loads each file, prints every problem
// to w as "FILE:LINE: message" (XLSForm: "FILE:SHEET:ROW: message"), with
// "warning: " before warnings, and reports whether all files are free of
// errors. A file that cannot be read prints "FILE: message".
func Check(w io.Writer, paths []string) bool {
	ok := true
	for _, path := range paths {
		_, problems, err := Load(path)
		if err != nil {
			fmt.Fprintln(w, err)
			ok = false
			continue
		}
		for _, p := range problems {
			fmt.Fprintln(w, p.String())
		}
		if !model.Valid(problems) {
			ok = false
		}
	}
	return ok
}

// unwrapPath drops the path from a *os.PathError, for messages that name
// the file first.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// maxDepth bounds how deep groups and repeats may nest. No questionnaire
// comes near it; a file that does is refused before checking, which
// would otherwise take time that grows with the square of the depth.
const maxDepth = 64

// collector gathers the problems of one file.
type collector struct {
	file     string
	problems []Problem
	// order ranks sheet names so that XLSForm problems sort in the order
	// of the workbook's sheets.
	order map[string]int
	// explained holds, by position, the messages of Validate that repeat
	// a problem the loader has already reported in its own words.
	explained map[model.Pos][]string
	// unreadable says the file could not be parsed at all, or is too
	// deeply nested to check.
	unreadable bool
}

// explain records that Validate's message msg about the item at pos says
// again what the loader has reported.
func (c *collector) explain(pos model.Pos, msg string) {
	if c.explained == nil {
		c.explained = map[model.Pos][]string{}
	}
	pos.File = c.file
	c.explained[pos] = append(c.explained[pos], msg)
}

// tooDeep reports, once, that groups nest deeper than maxDepth.
func (c *collector) tooDeep(pos model.Pos) {
	if !c.unreadable {
		c.errorf(pos, "", "groups and repeats nest more than %d deep", maxDepth)
	}
	c.unreadable = true
}

// typeUnread records that the type of item name at pos could not be read.
func (c *collector) typeUnread(pos model.Pos, name string) {
	c.explain(pos, name+": item has no type")
}

func (c *collector) add(pos model.Pos, item string, warning bool, format string, args ...any) {
	if pos.File == "" {
		pos.File = c.file
	}
	c.problems = append(c.problems, Problem{Pos: pos, Item: item, Msg: fmt.Sprintf(format, args...), Warning: warning})
}

// errorf records an error at pos.
func (c *collector) errorf(pos model.Pos, item, format string, args ...any) {
	c.add(pos, item, false, format, args...)
}

// itemErrorf records an error about an item at pos, the message starting
// with the item's name as Validate's do.
func (c *collector) itemErrorf(pos model.Pos, item, format string, args ...any) {
	if item != "" {
		format = "%s: " + format
		args = append([]any{item}, args...)
	}
	c.add(pos, item, false, format, args...)
}

// warnf records a warning at pos.
func (c *collector) warnf(pos model.Pos, item, format string, args ...any) {
	c.add(pos, item, true, format, args...)
}

// sorted returns the problems in file order, without exact repeats.
func (c *collector) sorted() []Problem {
	ps := slices.Clone(c.problems)
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(
			cmp.Compare(c.order[a.Pos.Sheet], c.order[b.Pos.Sheet]),
			cmp.Compare(a.Pos.Sheet, b.Pos.Sheet),
			cmp.Compare(a.Pos.Row, b.Pos.Row),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
		)
	})
	return slices.Compact(ps)
}

// plural says n things: "1 case", "2 cases".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
