package store

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"canvass/model"
)

// pathKeyOf formats an instance path as a map key.
func pathKeyOf(p []int) string {
	var b strings.Builder
	for i, k := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(k))
	}
	return b.String()
}

// pendingRow is a roster row being filled for one interview.
type pendingRow struct {
	lvl   *level
	cells []string
}

// csv writes the data files, then the syntax files and the codebook, which
// need the widths seen in the data.
func (ex *exporter) csv() error {
	lay := ex.lay
	writers := make([]*csv.Writer, len(lay.levels))
	for i, l := range lay.levels {
		w, err := ex.files.create(l.file)
		if err != nil {
			return err
		}
		writers[i] = csv.NewWriter(w)
		if err := writers[i].Write(l.cols); err != nil {
			return fmt.Errorf("write %s: %w", l.file, err)
		}
	}
	lvlIndex := map[*level]int{}
	for i, l := range lay.levels {
		lvlIndex[l] = i
	}
	main := make([]string, len(lay.levels[0].cols))
	var rosters []*pendingRow
	rosterAt := map[string]int{}
	var free [][]string
	type seenVar struct {
		item string
		v    *variable
	}
	var seen []seenVar
	err := ex.eachTx(func(r *row) error {
		clear(main)
		ex.metaCells(r, main)
		rosters = rosters[:0]
		clear(rosterAt)
		pii := ex.pii(r)
		personal := ex.lay.privacy(r.p.Revision).personal
		for i := range r.p.Data {
			d := &r.p.Data[i]
			// The same item at the same place as last time needs no
			// lookup.
			if i >= len(seen) {
				seen = append(seen, seenVar{})
			}
			if seen[i].item != d.Item {
				seen[i] = seenVar{d.Item, lay.byItem[d.Item]}
			}
			v := seen[i].v
			if v == nil || !pii && (v.personal || len(personal) > 0 && personal[d.Item]) {
				continue
			}
			cells := main
			if v.lvl.depth > 0 {
				if len(d.Path) != v.lvl.depth {
					continue
				}
				key := v.lvl.repeat + "\x00" + pathKeyOf(d.Path)
				at, ok := rosterAt[key]
				if !ok {
					var c []string
					if n := len(free); n > 0 {
						c, free = free[n-1], free[:n-1]
					}
					c = slices.Grow(c[:0], len(v.lvl.cols))[:len(v.lvl.cols)]
					clear(c)
					c[0], c[1] = main[0], main[1]
					for j, k := range d.Path {
						c[2+j] = strconv.Itoa(k)
					}
					at = len(rosters)
					rosterAt[key] = at
					rosters = append(rosters, &pendingRow{lvl: v.lvl, cells: c})
				}
				cells = rosters[at].cells
			}
			ex.cells(r, v, d, cells)
		}
		if err := writers[0].Write(main); err != nil {
			return fmt.Errorf("write %s: %w", lay.levels[0].file, err)
		}
		for _, pr := range rosters {
			if err := writers[lvlIndex[pr.lvl]].Write(pr.cells); err != nil {
				return fmt.Errorf("write %s: %w", pr.lvl.file, err)
			}
			free = append(free, pr.cells)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, w := range writers {
		if w.Flush(); w.Error() != nil {
			return fmt.Errorf("write %s: %w", lay.levels[i].file, w.Error())
		}
	}
	stem := strings.TrimSuffix(ex.o.Out, filepath.Ext(ex.o.Out))
	for _, out := range []struct {
		file  string
		write func(*bufio.Writer)
	}{
		{stem + ".sps", ex.writeSPSS},
		{stem + ".do", ex.writeStata},
		{stem + "_codebook.md", ex.writeCodebook},
	} {
		w, err := ex.files.create(out.file)
		if err != nil {
			return err
		}
		out.write(w)
	}
	return nil
}

// metaCells fills the interview columns of the main file.
func (ex *exporter) metaCells(r *row, cells []string) {
	p := &r.p
	i := 0
	put := func(s string) { cells[i] = s; i++ }
	put(r.id)
	put(ex.respondentKey(r.cid))
	if ex.o.IncludePII {
		c := &model.Contact{}
		if ex.pii(r) {
			if rc, _ := ex.s.contactTx(ex.tx, r.cid); rc != nil {
				c = rc
			}
		}
		put(c.ID)
		put(c.Name)
		put(c.Phone())
		put(c.Email)
		put(c.Company)
		for _, f := range ex.latest.Privacy.PersonalFields {
			put(contactField(c, f))
		}
		put(map[bool]string{true: "1", false: "0"}[ex.pii(r)])
	}
	put(p.Interviewer)
	put(p.Status)
	put(isoTime(p.Started))
	put(isoTime(p.Ended))
	put(duration(p.Started, p.Ended))
	put(p.Lang)
	put(ex.lay.versions[p.Revision])
	put(strconv.FormatUint(uint64(p.Revision), 10))
	put(ex.review(r.id))
}

// cells writes one datum into its variable's columns.
func (ex *exporter) cells(r *row, v *variable, d *model.Datum, cells []string) {
	if d.Special == model.DontKnow || d.Special == model.Refused {
		code := v.dk
		if d.Special == model.Refused {
			code = v.rf
		}
		cells[v.col] = code
		v.width = max(v.width, len(code))
		if v.kind == kindMulti {
			for j := range v.optCols {
				cells[v.col+1+j] = code
			}
		}
		return
	}
	if d.Special != model.NoSpecial {
		return
	}
	switch v.kind {
	case kindNumeric:
		cells[v.col] = d.Value
	case kindCoded:
		cells[v.col] = ex.code(v, d.Value)
	case kindMulti:
		for j := range v.optCols {
			cells[v.col+1+j] = "0"
		}
		codes, ok := v.multi[d.Value]
		for rest := d.Value; rest != ""; {
			var name string
			name, rest, _ = strings.Cut(rest, " ")
			if name == "" {
				continue
			}
			if !ok {
				if codes != "" {
					codes += " "
				}
				codes += ex.code(v, name)
			}
			if j := slices.IndexFunc(v.choices, func(c model.Choice) bool { return c.Name == name }); j >= 0 && j < len(v.optCols) {
				cells[v.col+1+j] = "1"
			}
		}
		// Few combinations recur: keep their codes rather than build
		// them again for every interview.
		if !ok && len(v.multi) < 4096 {
			if v.multi == nil {
				v.multi = map[string]string{}
			}
			v.multi[d.Value] = codes
		}
		cells[v.col] = codes
	default:
		val := d.Value
		if val != "" && !ex.pii(r) {
			val = ex.contactScrub(r).maskValue(v.maskType(), val)
		}
		cells[v.col] = val
	}
	if v.kind == kindString || v.kind == kindMulti {
		v.width = max(v.width, len(cells[v.col]))
	}
	if v.otherCol != "" && d.Other != "" {
		o := d.Other
		if !ex.pii(r) {
			o = ex.contactScrub(r).maskText(o)
		}
		cells[v.col+1+len(v.optCols)] = o
	}
}

// maskType is the type by which the variable's values are masked: a
// select_one ${name} holds what was typed for name, so it is text.
func (v *variable) maskType() model.ItemType {
	if v.repeatChoices {
		return model.TypeText
	}
	return v.item.Type
}

// code returns the code of a choice, giving a choice missing from the
// list (dropped in a later revision) the next free code.
func (ex *exporter) code(v *variable, name string) string {
	if c, ok := v.codes[name]; ok {
		return c
	}
	next := 1
	for _, c := range v.codes {
		if n, err := strconv.Atoi(c); err == nil && n >= next {
			next = n + 1
		}
	}
	code := strconv.Itoa(next)
	v.codes[name] = code
	v.choices = append(v.choices, model.Choice{Name: name, Label: model.Text{"": name + " (not in the list)"}})
	return code
}

// sortedChoices returns a variable's choices in code order.
func sortedChoices(v *variable) []model.Choice {
	out := slices.Clone(v.choices)
	slices.SortStableFunc(out, func(a, b model.Choice) int {
		x, _ := strconv.Atoi(v.codes[a.Name])
		y, _ := strconv.Atoi(v.codes[b.Name])
		return x - y
	})
	return out
}

// spssQuote quotes s for SPSS syntax.
func spssQuote(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// stataQuote quotes s with Stata's compound quotes, which take any text
// but newlines; labels are cut at Stata's 80 characters.
func stataQuote(s string, limit int) string {
	s = strings.NewReplacer("\n", " ", "\r", " ", "`\"", "'\"", "\"'", "\"`").Replace(s)
	if limit > 0 && len(s) > limit {
		s = s[:limit]
		for len(s) > 0 && !isRuneStart(s[len(s)-1]) {
			s = s[:len(s)-1]
		}
	}
	return "`\"" + s + "\"'"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 && b < 0x80 }

// spssFormat is the SPSS input format of a column.
func spssFormat(v *variable, width int) string {
	switch v.kind {
	case kindNumeric:
		if v.item.Type == model.TypeInteger {
			return "F20.0"
		}
		return "F20.6"
	case kindCoded:
		return "F12.0"
	}
	return fmt.Sprintf("A%d", min(max(width, 1), 32767))
}

// writeSPSS writes syntax that reads every file of the export into a
// dataset named after it, with formats, labels and missing values.
//
// A syntax line that starts with a command's name (COMMENT, LIST, TITLE,
// ...) starts that command, so no line here starts with a variable name:
// the variable list puts each format before the next name, and label
// lists put a slash before each name.
func (ex *exporter) writeSPSS(w *bufio.Writer) {
	fmt.Fprintf(w, "* Encoding: UTF-8.\n* Reads the canvass export of survey %s. Run it from the folder holding the CSV files.\n", ex.o.Survey)
	fmt.Fprintf(w, "* Don't know and refused are coded per variable (see the codebook) and declared missing.\n\n")
	type pair struct{ name, text string }
	var first string
	for li, l := range ex.lay.levels {
		var formats, labels []pair
		for i, col := range l.cols[:l.nMeta] {
			f := "A64"
			if metaNumeric(l, i, col) {
				f = "F12.0"
			}
			formats = append(formats, pair{col, f})
		}
		if l.depth == 0 {
			for _, m := range ex.lay.meta {
				labels = append(labels, pair{m.name, m.label})
			}
		}
		for _, v := range l.vars {
			q := orName(v.label, v.item.Name)
			formats = append(formats, pair{v.name, spssFormat(v, v.width)})
			labels = append(labels, pair{v.name, q})
			for j, c := range v.optCols {
				formats = append(formats, pair{c, "F8.0"})
				labels = append(labels, pair{c, q + ": " + v.choices[j].Label.In("")})
			}
			if v.otherCol != "" {
				formats = append(formats, pair{v.otherCol, "A1024"})
				labels = append(labels, pair{v.otherCol, q + ": other, specified"})
			}
		}
		name := sanitizeName(strings.TrimSuffix(filepath.Base(l.file), filepath.Ext(l.file)), 64)
		if li == 0 {
			first = name
		} else {
			// A new dataset, so that the ones read before stay open.
			fmt.Fprintf(w, "DATASET DECLARE %s.\nDATASET ACTIVATE %s.\n", name, name)
		}
		fmt.Fprintf(w, "GET DATA /TYPE=TXT /FILE=%s /ENCODING='UTF8'\n  /ARRANGEMENT=DELIMITED /DELCASE=LINE /DELIMITERS=\",\" /QUALIFIER='\"' /FIRSTCASE=2\n  /VARIABLES=%s", spssQuote(filepath.Base(l.file)), formats[0].name)
		for i := 1; i < len(formats); i++ {
			fmt.Fprintf(w, "\n    %s %s", formats[i-1].text, formats[i].name)
		}
		fmt.Fprintf(w, "\n    %s.\n", formats[len(formats)-1].text)
		fmt.Fprintf(w, "DATASET NAME %s.\nVARIABLE LABELS", name)
		for i, lb := range labels {
			sep := " /"
			if i == 0 {
				sep = " "
			}
			fmt.Fprintf(w, "\n %s%s %s", sep, lb.name, spssQuote(lb.text))
		}
		fmt.Fprintf(w, ".\n")
		for _, v := range l.vars {
			numeric := v.kind != kindString && v.kind != kindMulti
			dk, rf := v.dk, v.rf
			if !numeric {
				dk, rf = spssQuote(dk), spssQuote(rf)
			}
			var vl []string
			if v.kind == kindCoded {
				for _, ch := range sortedChoices(v) {
					vl = append(vl, fmt.Sprintf("%s %s", v.codes[ch.Name], spssQuote(ch.Label.In(""))))
				}
			}
			vl = append(vl, fmt.Sprintf("%s %s", dk, spssQuote("Don't know")), fmt.Sprintf("%s %s", rf, spssQuote("Refused")))
			fmt.Fprintf(w, "VALUE LABELS %s %s.\n", v.name, strings.Join(vl, " "))
			fmt.Fprintf(w, "MISSING VALUES %s (%s, %s).\n", v.name, dk, rf)
			for _, c := range v.optCols {
				fmt.Fprintf(w, "VALUE LABELS %s 0 'Not selected' 1 'Selected' %s 'Don''t know' %s 'Refused'.\nMISSING VALUES %s (%s, %s).\n", c, v.dk, v.rf, c, v.dk, v.rf)
			}
		}
		fmt.Fprintf(w, "EXECUTE.\n\n")
	}
	fmt.Fprintf(w, "DATASET ACTIVATE %s.\n", first)
}

func (ex *exporter) writeStata(w *bufio.Writer) {
	fmt.Fprintf(w, "* Reads the canvass export of survey %s. Run it from the folder holding the CSV files.\n", ex.o.Survey)
	fmt.Fprintf(w, "* Don't know and refused become the extended missing values .d and .r.\n\n")
	for _, l := range ex.lay.levels {
		// Every column's type is given, so that Stata does not guess
		// from the first rows (an all-empty column would come in as a
		// number, a numeric one as text).
		var strs, nums []string
		put := func(numeric bool, col int) {
			if numeric {
				nums = append(nums, strconv.Itoa(col+1))
			} else {
				strs = append(strs, strconv.Itoa(col+1))
			}
		}
		for i, col := range l.cols[:l.nMeta] {
			put(metaNumeric(l, i, col), i)
		}
		for _, v := range l.vars {
			put(v.kind == kindNumeric || v.kind == kindCoded, v.col)
			for j := range v.optCols {
				put(true, v.col+1+j)
			}
			if v.otherCol != "" {
				put(false, v.col+1+len(v.optCols))
			}
		}
		fmt.Fprintf(w, "import delimited using %s, varnames(1) case(preserve) encoding(\"utf-8\") bindquote(strict) stringcols(%s) numericcols(%s) clear\n",
			stataQuote(filepath.Base(l.file), 0), strings.Join(strs, " "), strings.Join(nums, " "))
		if l.depth == 0 {
			for _, m := range ex.lay.meta {
				fmt.Fprintf(w, "label variable %s %s\n", m.name, stataQuote(m.label, 80))
			}
		}
		for _, v := range l.vars {
			fmt.Fprintf(w, "label variable %s %s\n", v.name, stataQuote(orName(v.label, v.item.Name), 80))
			switch v.kind {
			case kindNumeric, kindCoded:
				fmt.Fprintf(w, "mvdecode %s, mv(%s=.d \\ %s=.r)\n", v.name, v.dk, v.rf)
				lbl := stataLabel(v.name)
				fmt.Fprintf(w, "label define %s .d \"Don't know\" .r \"Refused\", replace\n", lbl)
				if v.kind == kindCoded {
					for _, ch := range sortedChoices(v) {
						fmt.Fprintf(w, "label define %s %s %s, add\n", lbl, v.codes[ch.Name], stataQuote(ch.Label.In(""), 0))
					}
				}
				fmt.Fprintf(w, "label values %s %s\n", v.name, lbl)
			case kindMulti:
				for j, c := range v.optCols {
					fmt.Fprintf(w, "label variable %s %s\n", c, stataQuote(orName(v.label, v.item.Name)+": "+v.choices[j].Label.In(""), 80))
					fmt.Fprintf(w, "mvdecode %s, mv(%s=.d \\ %s=.r)\n", c, v.dk, v.rf)
					fmt.Fprintf(w, "label define %s 0 \"Not selected\" 1 \"Selected\" .d \"Don't know\" .r \"Refused\", replace\n", stataLabel(c))
					fmt.Fprintf(w, "label values %s %s\n", c, stataLabel(c))
				}
			}
		}
		fmt.Fprintf(w, "save %s, replace\n\n", stataQuote(strings.TrimSuffix(filepath.Base(l.file), filepath.Ext(l.file))+".dta", 0))
	}
}

// metaNumeric reports whether the i-th leading column of a file is a
// number: the duration, the revision and instance numbers.
func metaNumeric(l *level, i int, col string) bool {
	if l.depth > 0 {
		return i >= 2
	}
	return col == "duration_s" || col == "revision"
}

// stataLabel names a variable's value label: the name and "_l". Variable
// names are kept to 30 characters so that this fits Stata's 32.
func stataLabel(name string) string {
	return name + "_l"
}

func orName(label, name string) string {
	if label == "" {
		return name
	}
	return label
}

// mdCell escapes text for a Markdown table cell.
func mdCell(s string) string {
	s = strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ").Replace(s)
	if s == "" {
		return " "
	}
	return s
}

func (ex *exporter) writeCodebook(w *bufio.Writer) {
	sv := ex.latest
	fmt.Fprintf(w, "# Codebook: %s (%s)\n\n", mdCell(sv.Title), ex.o.Survey)
	fmt.Fprintf(w, "Exported by canvass: %s, questionnaire version %s.\n\n", plural(ex.count, "interview", "interviews"), mdCell(versionText(sv.Version)))
	fmt.Fprintf(w, "## Conventions\n\n")
	fmt.Fprintf(w, "- One row per interview in `%s`; each repeat has its own file, one row per instance, keyed by `interview` and the instance numbers (1-based) of the repeat and the repeats around it.\n", filepath.Base(ex.o.Out))
	fmt.Fprintf(w, "- Values are the interview's data as the interview engine sees it: answers that became irrelevant after an earlier answer changed are left out (they stay in the JSONL history).\n")
	fmt.Fprintf(w, "- Don't know and refused are codes, not values: -8 and -9, or -98 and -99 (and so on) where -8 or -9 could be a real value; free integer and decimal answers use -999999998 and -999999999. Each variable's codes are listed below; the SPSS and Stata files declare them missing (Stata: `.d` and `.r`).\n")
	fmt.Fprintf(w, "- Single-choice answers are numeric codes: the choice name when all names in the list are integers, else the position in the list; \"other\" comes after the last choice. Multiple-choice answers give the space-separated codes in the order chosen, plus one column per option, 1 selected, 0 not.\n")
	fmt.Fprintf(w, "- Dates are YYYY-MM-DD, times HH:MM:SS, date-times RFC 3339 (ISO 8601); interview times are UTC.\n")
	fmt.Fprintf(w, "- An empty cell is a question not asked, not answered, or answered with empty text.\n")
	fmt.Fprintf(w, "- Variable names are item names made safe for SPSS and Stata (letters, digits, `_`; at most 30 characters; `_2`, `_3` added where two would clash); the `item` column gives the original.\n")
	maskNote := fmt.Sprintf("the contact's name, phones, email, company and personal fields, and any email address or phone number (any run of %d or more digits written as a number could be one), are masked as `%s` in free text; items marked personal are left out", minPhoneDigits, masked)
	if ex.o.IncludePII {
		fmt.Fprintf(w, "- **This export holds personal data** (contact columns and items marked personal), exported under the client's authorisation of onward transfer; the export is recorded in the store's log. Interviews collected under a questionnaire revision that did not authorise onward transfer have `personal_data` 0: for them %s.\n", maskNote)
	} else {
		fmt.Fprintf(w, "- No personal data: `respondent` is a pseudonymous key (stable across exports from this store, not reversible); %s.\n", maskNote)
	}
	if len(ex.lay.meta) > 0 {
		fmt.Fprintf(w, "\n## Interview columns\n\n| variable | meaning |\n|---|---|\n")
		for _, m := range ex.lay.meta {
			fmt.Fprintf(w, "| `%s` | %s |\n", m.name, mdCell(m.label))
		}
	}
	for _, l := range ex.lay.levels {
		if l.depth == 0 {
			fmt.Fprintf(w, "\n## Variables of %s\n\n", filepath.Base(l.file))
		} else {
			fmt.Fprintf(w, "\n## Repeat %s: %s\n\nKeyed by `interview`, `respondent`, %s.\n\n", l.repeat, filepath.Base(l.file), "`"+strings.Join(l.keys, "`, `")+"`")
		}
		fmt.Fprintf(w, "| variable | item | question | type | values | don't know / refused | relevant when |\n|---|---|---|---|---|---|---|\n")
		for _, v := range l.vars {
			var vals []string
			for _, ch := range sortedChoices(v) {
				vals = append(vals, fmt.Sprintf("%s = %s (`%s`)", v.codes[ch.Name], ch.Label.In(""), ch.Name))
			}
			if v.kind == kindMulti {
				vals = append(vals, "columns "+"`"+strings.Join(v.optCols, "`, `")+"`")
			}
			if v.otherCol != "" {
				vals = append(vals, "other text in `"+v.otherCol+"`")
			}
			if v.item.Calculation != "" {
				vals = append(vals, "calculated: "+v.item.Calculation)
			}
			typ := string(v.item.Type) + ", " + v.kind.String()
			if v.personal {
				typ += ", personal"
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s / %s | %s |\n", v.name, mdCell(v.item.Name), mdCell(v.label), mdCell(typ),
				mdCell(strings.Join(vals, "; ")), v.dk, v.rf, mdCell(v.relevant))
		}
	}
	var left []string
	for name, v := range ex.lay.byItem {
		if v == nil {
			left = append(left, name)
		}
	}
	if len(left) > 0 {
		slices.Sort(left)
		fmt.Fprintf(w, "\nLeft out as personal data: %s.\n", "`"+strings.Join(left, "`, `")+"`")
	}
}
