package store

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"canvass/model"
)

// varKind is how a variable is written in CSV.
type varKind int

const (
	// kindNumeric: integer, decimal and range answers, as numbers.
	kindNumeric varKind = iota
	// kindCoded: select_one, as the choice's numeric code.
	kindCoded
	// kindMulti: select_multiple, as the space-separated codes plus one
	// 0/1 column per option.
	kindMulti
	// kindString: everything else (text, dates and times in ISO 8601,
	// rank orders, calculations, metadata), as text.
	kindString
)

func (k varKind) String() string {
	switch k {
	case kindNumeric:
		return "numeric"
	case kindCoded:
		return "single choice (coded)"
	case kindMulti:
		return "multiple choice (codes; 0/1 per option)"
	}
	return "text"
}

// variable is one questionnaire item in an export.
type variable struct {
	item     *model.Item
	lvl      *level
	name     string
	kind     varKind
	label    string
	relevant string
	// choices are the options in list order (with "other" last when the
	// item has or_other); codes maps a choice name to its code.
	choices []model.Choice
	codes   map[string]string
	// optCols name the 0/1 column of each choice of a kindMulti variable.
	optCols []string
	// multi caches the codes of the selections seen (kindMulti).
	multi map[string]string
	// repeatChoices marks a select_one ${name}: exported as the text of the
	// answer it chose, masked as free text.
	repeatChoices bool
	// otherCol names the "other, specify" text column, if any.
	otherCol string
	dk, rf   string
	// col is the index of the variable's first column in its level.
	col      int
	personal bool
	// width is the longest value written, in bytes (for SPSS formats).
	width int
}

// level is one file of a CSV export: the interviews, or one repeat's
// instances.
type level struct {
	repeat string // "" for the interviews
	item   *model.Item
	depth  int      // enclosing repeats, this one included
	keys   []string // the columns naming the instance
	file   string
	vars   []*variable
	cols   []string
	// nMeta is the number of leading columns before the variables.
	nMeta int
}

// layout is the variables of an export, by file.
type layout struct {
	levels   []*level
	byItem   map[string]*variable
	versions map[uint32]string
	// revs are the privacy settings of each revision, which decide for
	// the interviews collected under it.
	revs map[uint32]*revPrivacy
	// meta are the interview columns of the main file.
	meta []metaCol
}

// revPrivacy is what one questionnaire revision says of personal data.
type revPrivacy struct {
	// onward: its client authorised onward transfer of personal data.
	onward bool
	// personal are the items it marks personal.
	personal map[string]bool
	// fields are the contact fields masked in its interviews' free text
	// beyond name, phone, email and company: its personal fields and the
	// latest revision's.
	fields []string
}

// privacy returns the settings of revision rev; a revision the store no
// longer holds (which cannot happen short of tampering) authorises
// nothing.
func (l *layout) privacy(rev uint32) *revPrivacy {
	if p := l.revs[rev]; p != nil {
		return p
	}
	return &revPrivacy{}
}

type metaCol struct {
	name, label string
}

// kindOf is how an item of type t over a choice list is exported.
func kindOf(t model.ItemType) varKind {
	switch t {
	case model.TypeInteger, model.TypeDecimal, model.TypeRange:
		return kindNumeric
	case model.TypeSelectOne:
		return kindCoded
	case model.TypeSelectMultiple:
		return kindMulti
	}
	return kindString
}

// exportable reports whether items of type t become variables.
func exportable(t model.ItemType) bool {
	return t.Answerable() || t == model.TypeCalculate || t == model.TypeHidden || t == model.TypeMeta || t == model.TypeAcknowledge
}

// layoutTx builds the variables from every revision of the survey, newest
// first, so that items dropped from the questionnaire still get a column
// for the interviews that answered them.
func (ex *exporter) layoutTx() error {
	lay := &layout{byItem: map[string]*variable{}, versions: map[uint32]string{}, revs: map[uint32]*revPrivacy{}}
	ex.lay = lay
	var revs []*model.Survey
	pre := idPrefix(ex.o.Survey)
	c := ex.tx.Bucket(bSurveys).Cursor()
	for k, v := c.Seek(pre); k != nil && len(k) == len(pre)+4 && string(k[:len(pre)]) == string(pre); k, v = c.Next() {
		var rec SurveyRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decode survey %s: %w", ex.o.Survey, err)
		}
		var sv model.Survey
		if err := json.Unmarshal(rec.Survey, &sv); err != nil {
			return fmt.Errorf("decode survey %s revision %d: %w", ex.o.Survey, rec.Revision, err)
		}
		lay.versions[rec.Revision] = rec.Version
		rp := &revPrivacy{onward: sv.Privacy.OnwardTransfer, personal: map[string]bool{},
			fields: maskedFields(sv.Privacy.PersonalFields, ex.latest.Privacy.PersonalFields)}
		sv.Walk(func(it *model.Item, _ []*model.Item) bool {
			if it.PersonalIn(&sv) {
				rp.personal[it.Name] = true
			}
			return true
		})
		lay.revs[rec.Revision] = rp
		revs = append(revs, &sv)
	}
	slices.Reverse(revs)
	stem := strings.TrimSuffix(ex.o.Out, filepath.Ext(ex.o.Out))
	main := &level{file: ex.o.Out}
	lay.levels = append(lay.levels, main)
	levels := map[string]*level{"": main}
	// indexCols name each repeat's instance-number column.
	indexCols := map[string]string{}
	used := map[string]bool{}
	uniq := func(base string, max int) string {
		name := sanitizeName(base, max)
		for i := 2; used[strings.ToLower(name)]; i++ {
			suf := "_" + strconv.Itoa(i)
			name = sanitizeName(base, max-len(suf)) + suf
		}
		used[strings.ToLower(name)] = true
		return name
	}
	lay.meta = []metaCol{{"interview", "Interview id"}, {"respondent", "Pseudonymous respondent key (HMAC-SHA256 of the contact's internal id)"}}
	if ex.o.IncludePII {
		lay.meta = append(lay.meta, metaCol{"contact_id", "Sample id of the contact (personal)"}, metaCol{"contact_name", "Name (personal)"},
			metaCol{"contact_phone", "Main phone, E.164 (personal)"}, metaCol{"contact_email", "Email (personal)"}, metaCol{"contact_company", "Company (personal)"})
		for _, f := range ex.latest.Privacy.PersonalFields {
			lay.meta = append(lay.meta, metaCol{"contact_" + f, "Contact field " + f + " (personal)"})
		}
		lay.meta = append(lay.meta, metaCol{"personal_data", "1: the interview's personal data are included; 0: withheld, as the questionnaire revision it was collected under did not authorise onward transfer"})
	}
	lay.meta = append(lay.meta, metaCol{"interviewer", "Interviewer id"}, metaCol{"status", "Interview status: active, suspended, completed, refused (consent declined) broken-off (ended by an opt-out; answers kept, never resumed) or screened-out (a full quota cell ended it; disposition 4.80, quota filled)"},
		metaCol{"started", "Started (ISO 8601, UTC)"}, metaCol{"ended", "Ended (ISO 8601, UTC)"}, metaCol{"duration_s", "Duration in seconds"},
		metaCol{"language", "Language of the interview"}, metaCol{"survey_version", "Questionnaire version"},
		metaCol{"revision", "Questionnaire revision in the store"}, metaCol{"review", "Latest review decision"})
	for i := range lay.meta {
		lay.meta[i].name = uniq(lay.meta[i].name, 32)
		main.cols = append(main.cols, lay.meta[i].name)
	}
	main.nMeta = len(main.cols)
	keyCols := func(l *level) {
		l.cols = append(l.cols, "interview", "respondent")
		l.cols = append(l.cols, l.keys...)
		l.nMeta = len(l.cols)
	}
	for _, sv := range revs {
		lang := sv.DefaultLanguage
		if lang == "" && len(sv.Languages) > 0 {
			lang = sv.Languages[0]
		}
		sv.Walk(func(it *model.Item, parents []*model.Item) bool {
			if _, ok := lay.byItem[it.Name]; ok {
				return true
			}
			lvl := main
			var conds []string
			var chain []*model.Item
			for _, p := range parents {
				if p.Relevant != "" {
					conds = append(conds, fmt.Sprintf("(%s)", p.Relevant))
				}
				if p.Type == model.TypeRepeat {
					chain = append(chain, p)
				}
			}
			if len(chain) > 0 {
				r := chain[len(chain)-1]
				lvl = levels[r.Name]
				if lvl == nil {
					lvl = &level{repeat: r.Name, item: r, depth: len(chain), file: stem + "_" + sanitizeName(r.Name, 64) + filepath.Ext(ex.o.Out)}
					if filepath.Ext(ex.o.Out) == "" {
						lvl.file += ".csv"
					}
					for _, p := range chain {
						if indexCols[p.Name] == "" {
							indexCols[p.Name] = uniq(sanitizeName(p.Name, 24)+"_index", 30)
						}
						lvl.keys = append(lvl.keys, indexCols[p.Name])
					}
					keyCols(lvl)
					levels[r.Name] = lvl
					lay.levels = append(lay.levels, lvl)
				}
			}
			if !exportable(it.Type) {
				return true
			}
			personal := it.PersonalIn(sv)
			if personal && !ex.o.IncludePII {
				lay.byItem[it.Name] = nil
				return true
			}
			if it.Relevant != "" {
				conds = append(conds, fmt.Sprintf("(%s)", it.Relevant))
			}
			v := &variable{item: it, lvl: lvl, label: sv.FillGeneric(it.Label.In(lang)), relevant: strings.Join(conds, " and "), personal: personal}
			v.name = uniq(it.Name, 30)
			switch {
			case it.RepeatChoices() != "":
				// select_one ${name}: the options are the answers to name
				// in a repeat, their own labels, different in every
				// interview. The answer is text, as name's answers are,
				// and is masked as free text is; no list, no codes.
				v.kind, v.repeatChoices = kindString, true
			default:
				v.kind = kindOf(it.Type)
			}
			switch v.kind {
			case kindCoded, kindMulti:
				if l := sv.Lists[it.ListName]; l != nil {
					v.choices = slices.Clone(l.Choices)
				}
				if it.OrOther {
					v.choices = append(v.choices, model.Choice{Name: model.OtherName, Label: model.Text{"": "Other"}})
				}
				for i := range v.choices {
					v.choices[i].Label = model.Text{"": v.choices[i].Label.In(lang)}
				}
				v.codes = choiceCodes(v.choices)
			}
			v.dk, v.rf = missingCodes(v)
			v.col = len(lvl.cols)
			lvl.cols = append(lvl.cols, v.name)
			if v.kind == kindMulti {
				for _, ch := range v.choices {
					col := uniq(v.name+"_"+ch.Name, 30)
					v.optCols = append(v.optCols, col)
					lvl.cols = append(lvl.cols, col)
				}
			}
			if it.OrOther {
				v.otherCol = uniq(v.name+"_specify", 30)
				lvl.cols = append(lvl.cols, v.otherCol)
			}
			lvl.vars = append(lvl.vars, v)
			lay.byItem[it.Name] = v
			return true
		})
	}
	return nil
}

// sanitizeName makes a variable name SPSS and Stata accept: letters,
// digits and underscores, starting with a letter, at most max bytes.
func sanitizeName(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || !(out[0] >= 'a' && out[0] <= 'z' || out[0] >= 'A' && out[0] <= 'Z') {
		out = "v" + out
	}
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// choiceCodes gives each choice its numeric code: its name when every name
// is an integer, else its 1-based position in the list.
func choiceCodes(choices []model.Choice) map[string]string {
	codes := make(map[string]string, len(choices))
	numeric := true
	maxCode := 0
	for _, ch := range choices {
		if ch.Name == model.OtherName {
			continue
		}
		n, err := strconv.Atoi(ch.Name)
		if err != nil || strconv.Itoa(n) != ch.Name {
			numeric = false
			break
		}
		maxCode = max(maxCode, n)
	}
	for i, ch := range choices {
		switch {
		case numeric && ch.Name == model.OtherName:
			codes[ch.Name] = strconv.Itoa(maxCode + 1)
		case numeric:
			codes[ch.Name] = ch.Name
		default:
			codes[ch.Name] = strconv.Itoa(i + 1)
		}
	}
	return codes
}

// missingCodes picks a variable's don't-know and refused codes: -8 and -9,
// or -98 and -99, -998 and -999, ... when the shorter ones could be real
// values (a choice code, a value in a range). Free integer and decimal
// answers could be anything, so they get -999999998 and -999999999.
func missingCodes(v *variable) (string, string) {
	taken := func(k int) bool { return false }
	switch v.kind {
	case kindCoded, kindMulti:
		taken = func(k int) bool {
			for _, code := range v.codes {
				if code == strconv.Itoa(-k) || code == strconv.Itoa(-k-1) {
					return true
				}
			}
			return false
		}
	case kindNumeric:
		if r := v.item.Range; r != nil && v.item.Type == model.TypeRange {
			lo, hi := min(r.Start, r.End), max(r.Start, r.End)
			taken = func(k int) bool { return float64(-k-1) <= hi && float64(-k) >= lo }
		} else {
			return "-999999998", "-999999999"
		}
	}
	k := 8
	for taken(k) && k < 100000000 {
		k = k*10 + 18
	}
	return strconv.Itoa(-k), strconv.Itoa(-k - 1)
}
