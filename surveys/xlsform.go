package surveys

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"canvass/model"
)

// sheet is one sheet of an XLSForm as read from the file: its name and its
// rows, each with the row number a person would look up (the spreadsheet
// row, or the line of the CSV file).
type sheet struct {
	name string
	rows []sheetRow
}

type sheetRow struct {
	num   int
	cells []string
}

// Limits on unpacking an .xlsx: a workbook that unpacks to more than
// xlsxUnzipLimit (a zip bomb) is refused, and excelize keeps sheets larger
// than xlsxUnzipXMLLimit in a temporary file rather than in memory.
const (
	xlsxUnzipLimit    = 256 << 20
	xlsxUnzipXMLLimit = 64 << 20
)

// readXLSX reads the XLSForm sheets of an .xlsx workbook; the others are
// listed by name only.
func readXLSX(data []byte) (sheets []sheet, err error) {
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return nil, errLegacyXLS
	}
	// excelize is not hardened against every malformed workbook; a damaged
	// file must give the author a message, never a crash.
	defer func() {
		if r := recover(); r != nil {
			sheets, err = nil, fmt.Errorf("the workbook is damaged (%v)", r)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    xlsxUnzipLimit,
		UnzipXMLSizeLimit: xlsxUnzipXMLLimit,
	})
	if err != nil {
		return nil, fmt.Errorf("not a readable .xlsx workbook: %w", err)
	}
	defer f.Close()
	for _, name := range f.GetSheetList() {
		if !xlsformSheet(name) {
			// Named, for messages, but not read: reading costs time
			// with every formatted empty cell.
			sheets = append(sheets, sheet{name: name})
			continue
		}
		rows, err := f.GetRows(name)
		if err != nil {
			return nil, fmt.Errorf("read sheet %s: %w", name, err)
		}
		sh := sheet{name: name}
		for i, r := range rows {
			sh.rows = append(sh.rows, sheetRow{num: i + 1, cells: r})
		}
		sheets = append(sheets, sh)
	}
	return sheets, nil
}

// xlsformSheet reports whether a sheet is one an XLSForm is read from.
func xlsformSheet(name string) bool {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "survey", "choices", "settings", "external_choices", "quotas":
		return true
	}
	return false
}

// readXLSFormCSV reads pyxform's single-CSV layout: a row whose first cell
// is not empty starts the sheet it names ("survey", "choices",
// "settings"); the rest of each row, from the second cell on, is that
// sheet's content, its first row the header.
func readXLSFormCSV(data []byte) ([]sheet, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var sheets []sheet
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read XLSForm CSV: %w", err)
		}
		line, _ := r.FieldPos(0)
		if strings.TrimSpace(rec[0]) != "" {
			sheets = append(sheets, sheet{name: strings.TrimSpace(rec[0])})
		}
		if len(rec) < 2 || blank(rec[1:]) {
			continue
		}
		if len(sheets) == 0 {
			return nil, fmt.Errorf("line %d: content before the first sheet name (the first column names the sheet: survey, choices, settings)", line)
		}
		sh := &sheets[len(sheets)-1]
		sh.rows = append(sh.rows, sheetRow{num: line, cells: rec[1:]})
	}
	return sheets, nil
}

// blank reports whether a row has nothing but spaces.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// column is one header cell of a sheet, resolved.
type column struct {
	key  string // canonical name: label, hint, relevant, ...
	lang string // language code of a translated column, or ""
	raw  string // the header as written, trimmed
	skip bool   // a repeat of an earlier column, ignored
}

// columnAliases maps the spellings of XLSForm columns, old and new, to one
// key. Keys not listed keep their lower-cased spelling.
var columnAliases = map[string]string{
	"label": "label", "caption": "label", "text": "label",
	"hint":     "hint",
	"relevant": "relevant", "relevance": "relevant",
	"constraint":         "constraint",
	"constraint_message": "constraint_message", "constraint message": "constraint_message",
	"constraining message": "constraint_message", "jr:constraintmsg": "constraint_message",
	"required":         "required",
	"required_message": "required_message", "required message": "required_message",
	"requiredmsg": "required_message", "jr:requiredmsg": "required_message",
	"calculation": "calculation", "calculate": "calculation",
	"read_only": "read_only", "readonly": "read_only",
	"repeat_count": "repeat_count", "jr:count": "repeat_count", "count": "repeat_count",
	"list name": "list_name", "list_name": "list_name",
	"choice_filter":   "choice_filter",
	"appearance":      "appearance",
	"default":         "default",
	"parameters":      "parameters",
	"type":            "type",
	"name":            "name",
	"value":           "name",
	"warning":         "warning",
	"warning_message": "warning_message",
	"personal":        "personal",
	"no_dont_know":    "no_dont_know",
	"no_refused":      "no_refused",
	"trigger":         "trigger",
	"intent":          "intent",
	"image":           "media", "big-image": "media", "audio": "media", "video": "media", "media": "media",
}

// textColumns are the columns that may come in one version per language.
var textColumns = []string{"label", "hint", "constraint_message", "required_message", "warning_message",
	// The settings sheet's survey-level texts.
	"intro", "consent", "closing"}

var langCodeRE = regexp.MustCompile(`^(.*?)\s*\(([^()]+)\)$`)

// xlsLoader builds a survey from the sheets of an XLSForm.
type xlsLoader struct {
	c    *collector
	s    *model.Survey
	open opener
	// langNames maps a language's name ("English") to the code given in
	// a header ("label::English (en)"), so that default_language may be
	// written either way.
	langNames map[string]string
	// loopItems counts the items loops have added so far.
	loopItems int
	// externals are the data files csv-external and xml-external rows
	// attach.
	externals []external
	// renamed are the names given to more than one item, with where
	// each was defined, so that ${name} to them can be questioned.
	renamed map[string][]model.Pos
}

// external is a data file a csv-external or xml-external row attaches.
type external struct {
	file, typ string
	pos       model.Pos
	item      string
}

// parseHeader resolves a header row.
func (x *xlsLoader) parseHeader(sheetName string, r sheetRow) []column {
	cols := make([]column, len(r.cells))
	seen := map[[2]string]string{}
	for i, h := range r.cells {
		raw := strings.TrimSpace(h)
		key, lang := splitColumn(raw)
		if canon, ok := columnAliases[key]; ok {
			key = canon
		}
		if lang != "" {
			if !slices.Contains(textColumns, key) {
				// media::image, media::audio::English and the like.
				if key != "media" {
					lang = ""
					key = strings.ToLower(raw)
				}
			} else {
				lang = x.langCode(lang)
			}
		}
		cols[i] = column{key: key, lang: lang, raw: raw}
		if raw == "" || key == "media" {
			continue
		}
		id := [2]string{key, lang}
		if first, dup := seen[id]; dup {
			cols[i].skip = true
			x.c.warnf(model.Pos{Sheet: sheetName, Row: r.num}, "", "column %q repeats column %q; its cells are ignored", raw, first)
			continue
		}
		seen[id] = raw
	}
	return cols
}

// splitColumn splits "label::English (en)" (or the older "label:English")
// into its key and language, after dropping pyxform's bind:: and control::
// prefixes.
func splitColumn(h string) (key, lang string) {
	low := strings.ToLower(h)
	for _, p := range []string{"bind::", "bind:", "control::", "control:", "body::", "body:"} {
		if strings.HasPrefix(low, p) {
			h, low = h[len(p):], low[len(p):]
			break
		}
	}
	if strings.HasPrefix(low, "jr:") {
		return low, ""
	}
	if strings.HasPrefix(low, "media::") || strings.HasPrefix(low, "media:") {
		return "media", ""
	}
	if i := strings.Index(h, "::"); i >= 0 {
		return strings.ToLower(strings.TrimSpace(h[:i])), strings.TrimSpace(h[i+2:])
	}
	if i := strings.Index(h, ":"); i >= 0 {
		return strings.ToLower(strings.TrimSpace(h[:i])), strings.TrimSpace(h[i+1:])
	}
	return low, ""
}

// langCode turns "English (en)" into "en", remembering the name; a
// language given only by name keeps it as its code.
func (x *xlsLoader) langCode(lang string) string {
	if m := langCodeRE.FindStringSubmatch(lang); m != nil {
		code := strings.TrimSpace(m[2])
		x.langNames[strings.ToLower(m[1])] = code
		x.addLanguage(code)
		return code
	}
	if code, ok := x.langNames[strings.ToLower(lang)]; ok {
		return code
	}
	x.addLanguage(lang)
	return lang
}

func (x *xlsLoader) addLanguage(code string) {
	if code != "" && !slices.Contains(x.s.Languages, code) {
		x.s.Languages = append(x.s.Languages, code)
	}
}

// record is one content row of a sheet, by column key and language.
type record struct {
	num  int
	vals map[string]map[string]string
	// extra holds columns the sheet does not define, by their header.
	extra map[string]string
	// media is the first media file of the row ("image a.jpg").
	media string
}

// mediaLabel gives an item or choice whose label is only a picture or a
// sound the file's name as its label, since a terminal can show neither.
func (x *xlsLoader) mediaLabel(r record, pos model.Pos, item, what string, label model.Text) model.Text {
	if !label.IsZero() || r.media == "" {
		return label
	}
	x.c.warnf(pos, item, "%s has only media (%s) for a label, which a terminal cannot show: the file name stands in for it", what, r.media)
	return model.Text{"": "[" + r.media + "]"}
}

// mediaKind names the kind of media of a media column header.
func mediaKind(header string) string {
	h := strings.ToLower(header)
	for _, k := range []string{"image", "audio", "video"} {
		if strings.Contains(h, k) {
			return k
		}
	}
	return "media"
}

func (r record) get(key string) string { return strings.TrimSpace(r.vals[key][""]) }

// text builds a Text from a translatable column.
func (r record) text(key string) model.Text {
	var t model.Text
	for lang, v := range r.vals[key] {
		if v = strings.TrimSpace(v); v != "" {
			if t == nil {
				t = model.Text{}
			}
			t[lang] = v
		}
	}
	return t
}

// missingColumns returns the header row of a sheet and which of the given
// columns it lacks.
func missingColumns(sh *sheet, keys ...string) (row int, missing []string) {
	for _, r := range sh.rows {
		if blank(r.cells) {
			continue
		}
		have := map[string]bool{}
		for _, h := range r.cells {
			key, _ := splitColumn(strings.TrimSpace(h))
			if canon, ok := columnAliases[key]; ok {
				key = canon
			}
			have[key] = true
		}
		for _, k := range keys {
			if !have[k] {
				missing = append(missing, k)
			}
		}
		return r.num, missing
	}
	return 1, nil
}

// records reads the content rows of a sheet, skipping blank ones.
func (x *xlsLoader) records(sh *sheet, known func(key string) bool) []record {
	var out []record
	var cols []column
	for _, r := range sh.rows {
		if blank(r.cells) {
			continue
		}
		if cols == nil {
			cols = x.parseHeader(sh.name, r)
			continue
		}
		rec := record{num: r.num, vals: map[string]map[string]string{}}
		for i, cell := range r.cells {
			if i >= len(cols) {
				if strings.TrimSpace(cell) != "" {
					x.c.warnf(model.Pos{Sheet: sh.name, Row: r.num}, "", "cell %d has no column header; it is ignored", i+1)
				}
				continue
			}
			col := cols[i]
			if col.key == "media" && rec.media == "" && strings.TrimSpace(cell) != "" {
				rec.media = mediaKind(col.raw) + " " + strings.TrimSpace(cell)
			}
			if col.skip || col.raw == "" || col.key == "media" {
				continue
			}
			if known(col.key) {
				if rec.vals[col.key] == nil {
					rec.vals[col.key] = map[string]string{}
				}
				rec.vals[col.key][col.lang] = cell
			} else if v := strings.TrimSpace(cell); v != "" {
				if rec.extra == nil {
					rec.extra = map[string]string{}
				}
				rec.extra[col.raw] = v
			}
		}
		out = append(out, rec)
	}
	return out
}

// surveyColumns are the columns of the survey sheet canvass reads; others
// (SMS, media, notes for the author) are ignored, as ODK tools do.
var surveyColumns = []string{"type", "name", "label", "hint", "required", "required_message",
	"relevant", "constraint", "constraint_message", "warning", "warning_message",
	"calculation", "default", "choice_filter", "appearance", "read_only", "repeat_count",
	"parameters", "personal", "no_dont_know", "no_refused", "trigger", "intent"}

// buildXLSForm builds a survey from the sheets of an XLSForm.
func buildXLSForm(name string, sheets []sheet, open opener) (*model.Survey, *collector) {
	x := &xlsLoader{
		c:         &collector{file: name, order: map[string]int{}},
		s:         &model.Survey{},
		open:      open,
		langNames: map[string]string{},
	}
	find := func(want string) *sheet {
		for i := range sheets {
			if strings.EqualFold(strings.TrimSpace(sheets[i].name), want) {
				return &sheets[i]
			}
		}
		return nil
	}
	var names []string
	for i, sh := range sheets {
		x.c.order[sh.name] = i
		names = append(names, sh.name)
	}
	surveySheet := find("survey")
	if surveySheet == nil {
		x.c.errorf(model.Pos{}, "", "no survey sheet (the workbook has: %s)", strings.Join(names, ", "))
		return x.s, x.c
	}
	if sh := find("settings"); sh != nil {
		x.settings(sh)
	}
	x.s.Lists = map[string]*model.ChoiceList{}
	if sh := find("choices"); sh != nil {
		x.choices(sh)
	}
	if sh := find("external_choices"); sh != nil {
		x.choices(sh)
	}
	x.surveySheet(surveySheet)
	if sh := find("quotas"); sh != nil {
		x.quotas(sh)
	}
	x.uniqueNames()
	x.externalData()
	x.ambiguousRefs()
	if x.s.ID == "" {
		x.s.ID = sanitizeID(strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)))
	}
	if x.s.Title == "" {
		x.s.Title = x.s.ID
	}
	if d := x.s.DefaultLanguage; d != "" {
		x.s.DefaultLanguage = x.langCode(d)
	}
	if len(x.s.Lists) == 0 {
		x.s.Lists = nil
	}
	return x.s, x.c
}

func (x *xlsLoader) settings(sh *sheet) {
	recs := x.records(sh, func(string) bool { return true })
	if len(recs) == 0 {
		return
	}
	r := recs[0]
	pos := model.Pos{Sheet: sh.name, Row: r.num}
	get := func(keys ...string) string {
		for _, k := range keys {
			if v := r.get(k); v != "" {
				return v
			}
		}
		return ""
	}
	if id := get("form_id", "id_string", "set form id"); id != "" {
		// ODK accepts any text as form_id; canvass names surveys on the
		// command line, so it needs a word.
		x.s.ID = sanitizeID(id)
		if x.s.ID != id {
			x.c.warnf(pos, "", "form_id %q is used as %q (letters, digits, '-', '_' and '.' only)", id, x.s.ID)
		}
	}
	x.s.Title = get("form_title", "title", "set form title")
	x.s.Root = get("name")
	x.s.Version = get("version")
	x.s.InstanceName = get("instance_name")
	x.s.DefaultLanguage = get("default_language")
	// canvass's survey-level texts and privacy settings, named as the YAML
	// keys are; the texts translate as labels do (consent::English (en)).
	x.s.Client = get("client")
	x.s.Intro = r.text("intro")
	x.s.Consent = r.text("consent")
	x.s.Closing = r.text("closing")
	if v := get("onward_transfer"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			x.c.errorf(pos, "", "onward_transfer must be yes or no, found %q", v)
		}
		x.s.Privacy.OnwardTransfer = b
	}
	if v := get("personal_fields"); v != "" {
		x.s.Privacy.PersonalFields = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	}
	x.s.QuotaFull = r.text("quota_full")
	if v := get("allow_choice_duplicates"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			x.c.errorf(pos, "", "allow_choice_duplicates must be yes or no, found %q", v)
		}
		x.s.AllowChoiceDuplicates = b
	}
}

func (x *xlsLoader) choices(sh *sheet) {
	if row, missing := missingColumns(sh, "list_name", "name"); len(missing) > 0 {
		x.c.errorf(model.Pos{Sheet: sh.name, Row: row}, "", "the %s sheet has no %s column", sh.name, strings.Join(missing, " or "))
		return
	}
	choiceKnown := func(k string) bool { return k == "list_name" || k == "name" || k == "label" }
	for _, r := range x.records(sh, choiceKnown) {
		pos := model.Pos{Sheet: sh.name, Row: r.num}
		list, name := r.get("list_name"), r.get("name")
		if list == "" {
			x.c.errorf(pos, "", "choice %q has no list name", name)
			continue
		}
		if name == "" {
			x.c.errorf(pos, "", "a choice of list %q has no name", list)
			continue
		}
		l := x.s.Lists[list]
		if l == nil {
			l = &model.ChoiceList{Name: list, Pos: pos}
			x.s.Lists[list] = l
		}
		label := x.mediaLabel(r, pos, "", fmt.Sprintf("choice %q of list %q", name, list), r.text("label"))
		l.Choices = append(l.Choices, model.Choice{Name: name, Label: label, Extra: r.extra, Pos: pos})
	}
}

// frame is an open group, repeat or loop while the survey sheet is read.
type frame struct {
	item model.Item
	kind string // "group", "repeat", "loop"
	list string // a loop's list
}

func (x *xlsLoader) surveySheet(sh *sheet) {
	if row, missing := missingColumns(sh, "type", "name"); len(missing) > 0 {
		x.c.errorf(model.Pos{Sheet: sh.name, Row: row}, "", "the %s sheet has no %s column", sh.name, strings.Join(missing, " or "))
		x.c.unreadable = true
		return
	}
	known := func(k string) bool { return slices.Contains(surveyColumns, k) }
	stack := []*frame{{}}
	for _, r := range x.records(sh, known) {
		pos := model.Pos{Sheet: sh.name, Row: r.num}
		typ := strings.Join(strings.Fields(r.get("type")), " ")
		name := r.get("name")
		if typ == "" && name == "" {
			continue // a row of notes for the author, as ODK tools read it
		}
		if kind, list, begin, ok := control(typ); ok {
			if begin {
				it := x.rowItem(r, pos, name)
				if kind == "repeat" {
					it.Type = model.TypeRepeat
				} else {
					// pyxform reads repeat_count on repeats only.
					it.Type, it.RepeatCount = model.TypeGroup, ""
				}
				if kind == "loop" && list == "" {
					x.c.itemErrorf(pos, name, "begin loop names no list (begin loop over LIST)")
				}
				if len(stack) > maxDepth {
					x.c.tooDeep(pos)
					return
				}
				stack = append(stack, &frame{item: it, kind: kind, list: list})
				continue
			}
			if len(stack) == 1 {
				x.c.errorf(pos, "", "end %s without a matching begin %s", kind, kind)
				continue
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top.kind != kind {
				x.c.errorf(pos, top.item.Name, "end %s closes begin %s %q at row %d", kind, top.kind, top.item.Name, top.item.Pos.Row)
			}
			parent := stack[len(stack)-1]
			parent.item.Items = append(parent.item.Items, x.close(top))
			continue
		}
		spec, err := parseType(typ)
		if err == nil && spec.Accepted != "" {
			// Done by canvass itself: no item.
			continue
		}
		if err == nil && spec.External != "" {
			if name == "" {
				x.c.errorf(pos, "", "%s row has no name: the name is the data file's, without %s", typ, spec.External)
				continue
			}
			x.externals = append(x.externals, external{file: name + spec.External, typ: typ, pos: pos, item: name})
			continue
		}
		if name == "" && err == nil && spec.Type == model.TypeNote {
			// pyxform names nameless notes itself.
			name = fmt.Sprintf("generated_note_name_%d", r.num)
		}
		it := x.rowItem(r, pos, name)
		it.RepeatCount = "" // pyxform reads repeat_count on repeats only
		last := stack[len(stack)-1]
		if err != nil {
			if typ != "" {
				x.c.typeUnread(pos, name)
				x.c.itemErrorf(pos, name, "%v", err)
			}
			// Kept without a type, so that references to it still resolve.
			last.item.Items = append(last.item.Items, it)
			continue
		}
		it.Type, it.ListName, it.OrOther, it.Meta, it.Unsupported = spec.Type, spec.List, spec.OrOther, spec.Meta, spec.Unsupported
		it.CalculateHere = spec.Here
		if spec.FromFile != "" {
			it.ListName = x.fileList(pos, name, typ, spec.FromFile, &it)
		}
		if what := widget(it.Appearance, r.get("intent")); what != "" && it.Type != model.TypeGroup && it.Type != model.TypeRepeat {
			// A plug-in or another app draws this field: a terminal
			// cannot, so it is explained and skipped like a photo.
			it.Type, it.Unsupported = model.TypeUnsupported, what
			it.ListName, it.ChoiceFilter, it.OrOther, it.Randomize, it.Range = "", "", false, false, nil
			it.Constraint, it.Warning, it.Required, it.Default, it.Calculation, it.Trigger = "", "", "", "", "", ""
		}
		if it.Type == model.TypeRange {
			rg := defaultRange()
			for _, k := range []string{"start", "end", "step"} {
				if v, ok := it.Params[k]; ok {
					delete(it.Params, k)
					if err := setRangeBound(&rg, k, v); err != nil {
						x.c.itemErrorf(pos, name, "parameters: %v", err)
					}
				}
			}
			if len(it.Params) == 0 {
				it.Params = nil
			}
			it.Range = &rg
		}
		if it.Type == model.TypeRepeat || it.Type == model.TypeGroup {
			x.c.itemErrorf(pos, name, "type %q: write begin %s and end %s rows around its questions", typ, it.Type, it.Type)
			continue
		}
		last.item.Items = append(last.item.Items, it)
	}
	for len(stack) > 1 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x.c.errorf(top.item.Pos, top.item.Name, "begin %s %q is never closed with end %s", top.kind, top.item.Name, top.kind)
		parent := stack[len(stack)-1]
		parent.item.Items = append(parent.item.Items, x.close(top))
	}
	x.s.Items = stack[0].item.Items
	if len(x.s.Items) == 0 {
		x.c.errorf(model.Pos{Sheet: sh.name, Row: 1}, "", "the survey sheet has no questions")
	}
}

// control recognises begin/end rows in their spellings ("begin group",
// "begin_group", "begin repeat", "end loop", "begin loop over LIST", ...).
func control(typ string) (kind, list string, begin, ok bool) {
	rest, begin := cutPrefixFold(typ, "begin")
	if !begin {
		if rest, ok = cutPrefixFold(typ, "end"); !ok {
			return "", "", false, false
		}
	}
	if rest == "" || rest[0] != ' ' && rest[0] != '_' {
		return "", "", false, false
	}
	rest = strings.TrimSpace(rest[1:])
	switch low := strings.ToLower(rest); {
	case low == "group":
		return "group", "", begin, true
	case low == "repeat" || low == "lgroup" || low == "looped group":
		return "repeat", "", begin, true
	case low == "loop":
		return "loop", "", begin, true
	}
	if l, ok := cutPrefixFold(rest, "loop over "); ok {
		return "loop", strings.TrimSpace(l), begin, true
	}
	return "", "", false, false
}

// rowItem reads the columns every row shares.
func (x *xlsLoader) rowItem(r record, pos model.Pos, name string) model.Item {
	it := model.Item{
		Name:              name,
		Label:             r.text("label"),
		Hint:              r.text("hint"),
		Required:          required(r.get("required")),
		RequiredMessage:   r.text("required_message"),
		Relevant:          r.get("relevant"),
		Constraint:        r.get("constraint"),
		ConstraintMessage: r.text("constraint_message"),
		Warning:           r.get("warning"),
		WarningMessage:    r.text("warning_message"),
		Calculation:       r.get("calculation"),
		Default:           r.get("default"),
		ChoiceFilter:      r.get("choice_filter"),
		Appearance:        r.get("appearance"),
		RepeatCount:       r.get("repeat_count"),
		Trigger:           r.get("trigger"),
		Pos:               pos,
	}
	it.Label = x.mediaLabel(r, pos, name, name, it.Label)
	for _, f := range []struct {
		key string
		dst *bool
	}{{"read_only", &it.ReadOnly}, {"personal", &it.Personal}, {"no_dont_know", &it.NoDontKnow}, {"no_refused", &it.NoRefused}} {
		if v := r.get(f.key); v != "" {
			b, ok := parseBool(v)
			if !ok && f.key == "read_only" && looksLikeExpression(v) {
				// ODK takes an expression here: read-only where it holds.
				it.ReadOnlyIf = v
				continue
			}
			if !ok {
				x.c.itemErrorf(pos, name, "%s must be yes or no, found %q", f.key, v)
			}
			*f.dst = b
			if f.key == "read_only" && !b && it.Calculation != "" {
				// Said explicitly: the calculation only proposes.
				it.Editable = true
			}
		}
	}
	if p := r.get("parameters"); p != "" {
		params, err := parseParams(p)
		if err != nil {
			x.c.itemErrorf(pos, name, "parameters: %v", err)
		}
		if v, ok := params["randomize"]; ok {
			b, ok := parseBool(v)
			if !ok {
				x.c.itemErrorf(pos, name, "parameter randomize must be true or false, found %q", v)
			}
			it.Randomize = b
			delete(params, "randomize")
		}
		if len(params) > 0 {
			it.Params = params
		}
	}
	return it
}

// parseParams reads XLSForm's parameters cell: key=value pairs separated by
// spaces, commas or semicolons.
func parseParams(s string) (map[string]string, error) {
	params := map[string]string{}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '\t' })
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		// "start = 1" splits into three fields; join them back.
		if f == "=" || strings.HasSuffix(f, "=") && i+1 < len(fields) && !strings.Contains(fields[i+1], "=") {
			if f == "=" {
				return params, fmt.Errorf("%q: a parameter is key=value", s)
			}
			f += fields[i+1]
			i++
		} else if i+2 < len(fields) && fields[i+1] == "=" {
			f += "=" + fields[i+2]
			i += 2
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return params, fmt.Errorf("%q: %q is not key=value", s, f)
		}
		params[strings.ToLower(k)] = v
	}
	return params, nil
}

// fileList loads the choices of select_one_from_file from the data file
// beside the form (CSV, XML or GeoJSON: root/item elements), keeps the file
// with the survey, and returns the list's name (the file name). The
// choices' names and labels come from the name and label columns (id and
// title in GeoJSON), or the columns the parameters value= and label= name;
// label::LANGUAGE columns are translations.
func (x *xlsLoader) fileList(pos model.Pos, name, typ, file string, it *model.Item) string {
	valueCol, labelCol := "name", "label"
	if strings.EqualFold(filepath.Ext(file), ".geojson") {
		valueCol, labelCol = "id", "title"
	}
	for _, p := range []struct {
		key string
		dst *string
	}{{"value", &valueCol}, {"label", &labelCol}} {
		if v, ok := it.Params[p.key]; ok {
			*p.dst = v
			delete(it.Params, p.key)
		}
	}
	if len(it.Params) == 0 {
		it.Params = nil
	}
	if _, ok := x.s.Lists[file]; ok {
		return file
	}
	data, ok := x.readData(pos, name, typ, file, "choices file")
	if !ok {
		x.c.explain(pos, fmt.Sprintf("%s: choice list %q does not exist", name, file))
		return file
	}
	df, err := model.ParseDataFile(file, data)
	if err != nil {
		x.c.itemErrorf(pos, name, "type %q: read %s: %v", typ, file, err)
		x.c.explain(pos, fmt.Sprintf("%s: choice list %q does not exist", name, file))
		x.c.explain(model.Pos{}, fmt.Sprintf("data file %s: %v", file, err))
		return file
	}
	l := &model.ChoiceList{Name: file, Pos: pos}
	first := 2 // the row after the header
	if !strings.EqualFold(filepath.Ext(file), ".csv") {
		first = 1
	}
	for i, row := range df.Rows {
		cpos := model.Pos{Sheet: file, Row: i + first}
		v := strings.TrimSpace(row[valueCol])
		if v == "" {
			x.c.errorf(cpos, name, "a choice of %s has no %s", file, valueCol)
			continue
		}
		ch := model.Choice{Name: v, Pos: cpos}
		cols := make([]string, 0, len(row))
		for col := range row {
			cols = append(cols, col)
		}
		slices.Sort(cols)
		for _, col := range cols {
			val := strings.TrimSpace(row[col])
			key, lang := splitColumn(col)
			switch {
			case col == valueCol:
			case col == labelCol:
				if val != "" {
					ch.Label = addText(ch.Label, "", val)
				}
			case key == labelCol && lang != "":
				if val != "" {
					ch.Label = addText(ch.Label, x.langCode(lang), val)
				}
			default:
				if ch.Extra == nil {
					ch.Extra = map[string]string{}
				}
				ch.Extra[col] = row[col]
			}
		}
		if ch.Label.IsZero() {
			// A file without labels (a map's features, say) shows the
			// names.
			ch.Label = model.Text{"": v}
		}
		l.Choices = append(l.Choices, ch)
	}
	if len(l.Choices) == 0 {
		x.c.itemErrorf(pos, name, "type %q: %s has no choices (it needs %s and %s columns)", typ, file, valueCol, labelCol)
	}
	x.s.Lists[file] = l
	return file
}

func addText(t model.Text, lang, s string) model.Text {
	if t == nil {
		t = model.Text{}
	}
	t[lang] = s
	return t
}

// readData reads a data file beside the form and keeps it with the survey.
// what names it in the message when it is not there.
func (x *xlsLoader) readData(pos model.Pos, name, typ, file, what string) ([]byte, bool) {
	if data, ok := x.s.Attachments[file]; ok {
		return data, true
	}
	data, err := readBeside(x.open, file)
	if err != nil {
		x.c.itemErrorf(pos, name, "type %q: the %s %s is not beside the form", typ, what, file)
		return nil, false
	}
	attach(x.s, file, data)
	return data, true
}

// close finishes an open group, repeat or loop. A loop over a list becomes
// a group holding one group per choice, as pyxform builds it: "%(name)s"
// and "%(label)s" in the loop's items become the choice's name and label,
// and each item's name gets "_" and the choice's name appended, so that
// every copy keeps a name of its own.
func (x *xlsLoader) close(f *frame) model.Item {
	it := f.item
	if f.kind != "loop" || f.list == "" {
		return it
	}
	l := x.s.Lists[f.list]
	if l == nil {
		x.c.itemErrorf(it.Pos, it.Name, "begin loop over %s: there is no list %q in the choices sheet", f.list, f.list)
		return it
	}
	body := it.Items
	size := 0
	for _, b := range body {
		size += countItems(b)
	}
	if x.loopItems += size * len(l.Choices); x.loopItems > maxLoopItems {
		x.c.itemErrorf(it.Pos, it.Name, "begin loop over %s: the loops of this form make more than %d items", f.list, maxLoopItems)
		return it
	}
	it.Items = nil
	for _, ch := range l.Choices {
		g := model.Item{Name: ch.Name, Type: model.TypeGroup, Label: ch.Label, Pos: it.Pos}
		for _, child := range body {
			g.Items = append(g.Items, substituteLoop(child, ch))
		}
		it.Items = append(it.Items, g)
	}
	return it
}

// maxLoopItems bounds the items loops may add, since loops in loops
// multiply.
const maxLoopItems = 20000

// countItems counts an item and everything inside it.
func countItems(it model.Item) int {
	n := 1
	for _, c := range it.Items {
		n += countItems(c)
	}
	return n
}

// substituteLoop copies an item of a loop for one choice.
func substituteLoop(it model.Item, ch model.Choice) model.Item {
	label := func(lang string) string { return ch.Label.In(lang) }
	sub := func(s string, lang string) string {
		s = strings.ReplaceAll(s, "%(name)s", ch.Name)
		return strings.ReplaceAll(s, "%(label)s", label(lang))
	}
	text := func(t model.Text) model.Text {
		if t == nil {
			return nil
		}
		out := model.Text{}
		for lang, v := range t {
			out[lang] = sub(v, lang)
		}
		return out
	}
	if it.XMLName == "" {
		// pyxform keeps the name inside the choice's group.
		it.XMLName = it.Name
	}
	it.Name += "_" + ch.Name
	it.Label, it.Hint = text(it.Label), text(it.Hint)
	it.ConstraintMessage, it.RequiredMessage, it.WarningMessage = text(it.ConstraintMessage), text(it.RequiredMessage), text(it.WarningMessage)
	for _, e := range []*string{&it.Relevant, &it.Constraint, &it.Warning, &it.Calculation, &it.Required, &it.ChoiceFilter, &it.Default, &it.RepeatCount} {
		*e = sub(*e, "")
	}
	if it.Items != nil {
		children := it.Items
		it.Items = make([]model.Item, len(children))
		for i, c := range children {
			it.Items[i] = substituteLoop(c, ch)
		}
	}
	return it
}

var notIDRE = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// sanitizeID turns text into a survey id: runs of other characters become
// "_".
func sanitizeID(s string) string {
	return strings.Trim(notIDRE.ReplaceAllString(s, "_"), "_")
}

// uniqueNames gives items that reuse the name of an item in another group
// or repeat names of their own. ODK allows that (an item is known by its
// path, and its element keeps the name: Item.XMLName), but canvass names
// answers, events and export columns by name alone, so the later one
// becomes PARENT_NAME. Siblings with one name are left for Validate to
// report, as ODK does. ${name} of a name given more than once is
// questioned afterwards (see ambiguousRefs).
func (x *xlsLoader) uniqueNames() {
	seen := map[string]model.Pos{}
	var walk func(items []model.Item, parent string)
	walk = func(items []model.Item, parent string) {
		siblings := map[string]bool{}
		for i := range items {
			it := &items[i]
			orig := it.Name
			if _, dup := seen[orig]; orig != "" && dup && !siblings[orig] {
				n := parent + "_" + orig
				if parent == "" {
					n = orig + "_2"
				}
				for k := 2; hasKey(seen, n); k++ {
					n = fmt.Sprintf("%s_%s_%d", parent, orig, k)
					if parent == "" {
						n = fmt.Sprintf("%s_%d", orig, k+1)
					}
				}
				if it.XMLName == "" {
					it.XMLName = orig
				}
				it.Name = n
				if x.renamed == nil {
					x.renamed = map[string][]model.Pos{}
				}
				if len(x.renamed[orig]) == 0 {
					x.renamed[orig] = append(x.renamed[orig], seen[orig])
				}
				x.renamed[orig] = append(x.renamed[orig], it.Pos)
			}
			siblings[orig] = true
			if _, dup := seen[orig]; !dup {
				seen[orig] = it.Pos
			}
			seen[it.Name] = it.Pos
			walk(it.Items, it.Name)
		}
	}
	walk(x.s.Items, "")
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// quotas reads the quotas sheet: one cell a row, with the columns name,
// kind (normal, allow_over, counter; empty is normal), target, priority
// and conditions (or when), written variable=value|value; variable=value
// (see [model.ParseQuotaConditions]).
func (x *xlsLoader) quotas(sh *sheet) {
	if row, missing := missingColumns(sh, "name", "conditions"); len(missing) > 0 {
		if _, alt := missingColumns(sh, "name", "when"); len(alt) > 0 {
			x.c.errorf(model.Pos{Sheet: sh.name, Row: row}, "", "the %s sheet has no %s column", sh.name, strings.Join(missing, " or "))
			return
		}
	}
	known := func(k string) bool {
		return slices.Contains([]string{"name", "kind", "target", "priority", "conditions", "when"}, k)
	}
	for _, r := range x.records(sh, known) {
		pos := model.Pos{Sheet: sh.name, Row: r.num}
		q := model.Quota{Name: r.get("name"), Pos: pos}
		var err error
		if q.Kind, err = model.ParseQuotaKind(r.get("kind")); err != nil {
			x.c.errorf(pos, "", "quota %q: %v", q.Name, err)
		}
		switch t := r.get("target"); {
		case t == "" && q.Kind != model.QuotaCounter:
			x.c.errorf(pos, "", "quota %q has no target", q.Name)
		case t != "":
			if q.Target, err = model.ParseQuotaTarget(t); err != nil {
				x.c.errorf(pos, "", "quota %q: %v", q.Name, err)
			}
		}
		if p := r.get("priority"); p != "" {
			if q.Priority, err = strconv.Atoi(p); err != nil {
				x.c.errorf(pos, "", "quota %q: priority %q is not a whole number", q.Name, p)
			}
		}
		src := r.get("conditions")
		if src == "" {
			src = r.get("when")
		}
		if q.Conditions, err = model.ParseQuotaConditions(src); err != nil {
			x.c.errorf(pos, "", "quota %q: %v", q.Name, err)
			q.Conditions = nil
		}
		x.s.Quotas = append(x.s.Quotas, q)
	}
}
