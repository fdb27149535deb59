package surveys

import (
	"fmt"
	"strconv"
	"strings"

	"canvass/model"
)

// typeSpec is a question type as written in a file ("select_one colors
// or_other", "geopoint", "start"), resolved to the model.
type typeSpec struct {
	Type        model.ItemType
	List        string
	OrOther     bool
	Meta        string
	Unsupported string
	// FromFile is the file of select_one_from_file and friends.
	FromFile string
	// Here is SurveyCTO's calculate_here.
	Here bool
	// External is the extension of the data file a csv-external or
	// xml-external row attaches (the row's name is the file's name).
	External string
	// Accepted is why a type makes no item: what it asks for canvass
	// does anyway (SurveyCTO's text audit and comments).
	Accepted string
}

// plainTypes maps every spelling of a question type without a list, as
// ODK, pyxform (including its older aliases) and canvass write them.
var plainTypes = map[string]model.ItemType{
	"note": model.TypeNote, "add note prompt": model.TypeNote, "q note": model.TypeNote,
	"text": model.TypeText, "string": model.TypeText, "add text prompt": model.TypeText, "q string": model.TypeText,
	"integer": model.TypeInteger, "int": model.TypeInteger, "add integer prompt": model.TypeInteger, "q int": model.TypeInteger,
	"decimal": model.TypeDecimal, "add decimal prompt": model.TypeDecimal, "q decimal": model.TypeDecimal,
	"range": model.TypeRange,
	"date":  model.TypeDate, "add date prompt": model.TypeDate, "q date": model.TypeDate,
	"time": model.TypeTime, "add time prompt": model.TypeTime, "q time": model.TypeTime,
	"datetime": model.TypeDateTime, "date time": model.TypeDateTime, "add datetime prompt": model.TypeDateTime,
	"add date time prompt": model.TypeDateTime, "q date time": model.TypeDateTime, "q datetime": model.TypeDateTime,
	"acknowledge": model.TypeAcknowledge, "trigger": model.TypeAcknowledge, "add acknowledge prompt": model.TypeAcknowledge,
	"q acknowledge": model.TypeAcknowledge,
	"calculate":     model.TypeCalculate, "add calculate prompt": model.TypeCalculate, "q calculate": model.TypeCalculate,
	"hidden": model.TypeHidden,
	"group":  model.TypeGroup,
	"repeat": model.TypeRepeat,
	"meta":   model.TypeMeta,
}

// metaTypes maps the metadata types to the metadata they record.
var metaTypes = map[string]string{
	"start": "start", "start time": "start", "get start time": "start",
	"end": "end", "end time": "end", "get end time": "end",
	"today": "today", "get today": "today",
	"deviceid": "deviceid", "imei": "deviceid", "device id": "deviceid", "get device id": "deviceid",
	"uri:deviceid": "deviceid",
	"subscriberid": "subscriberid", "subscriber id": "subscriberid", "get subscriber id": "subscriberid",
	"uri:subscriberid": "subscriberid",
	"simserial":        "simserial", "sim id": "simserial", "get sim id": "simserial", "uri:simserial": "simserial",
	"phonenumber": "phonenumber", "get phone number": "phonenumber", "uri:phonenumber": "phonenumber",
	"username": "username", "uri:username": "username",
	"email": "email", "uri:email": "email",
	"audit": "audit",
	// SurveyCTO's case id, which is the contact's sample id.
	"caseid": "caseid",
	// SurveyCTO's sensor metadata and audio audit, which a terminal does
	// not record: they stay empty, with a warning.
	"sensor_statistic": "sensor_statistic", "sensor_stream": "sensor_stream",
	"audio audit": "audio audit", "speed violations count": "speed violations count",
	"speed violations list": "speed violations list", "speed violations audit": "speed violations audit",
}

// acceptedTypes are types of other platforms that canvass does itself,
// so they make no item: the reason is for the README and messages.
var acceptedTypes = map[string]string{
	"text audit": "canvass records when each question is shown and answered (the paradata export)",
	"comments":   "interviewers note on any question with the note key; the notes go to the paradata export",
}

// unsupportedTypes are ODK types that need a camera, GPS, microphone, map
// or file picker; they load as model.TypeUnsupported.
var unsupportedTypes = map[string]string{
	"geopoint": "geopoint", "gps": "geopoint", "location": "geopoint", "q geopoint": "geopoint",
	"q location": "geopoint", "add location prompt": "geopoint",
	"geotrace": "geotrace", "geoshape": "geoshape",
	"start-geopoint": "start-geopoint", "background-geopoint": "background-geopoint",
	"image": "image", "photo": "image", "q picture": "image", "q image": "image",
	"add image prompt": "image", "add photo prompt": "image",
	"audio": "audio", "q audio": "audio", "add audio prompt": "audio", "background-audio": "background-audio",
	"video": "video", "q video": "video", "add video prompt": "video",
	"barcode": "barcode", "q barcode": "barcode", "add barcode prompt": "barcode",
	"file": "file", "add file prompt": "file",
	"signature": "signature", "osm": "osm",
}

// foreignTypes are types canvass refuses, with the reason: types of other
// platforms than ODK, and ODK's attachments of external data, which canvass
// does not load. A key ending in ':' is a prefix.
var foreignTypes = map[string]string{
	"db:":       notODK("a Community Health Toolkit database reference"),
	"contact:":  notODK("a Community Health Toolkit contact reference"),
	"enketo:":   notODK("an Enketo widget"),
	"xml-model": notODK("an XML model attachment"),
}

// notODK is the reason a type of another platform is refused.
func notODK(what string) string {
	return "is " + what + ", not an ODK type: canvass cannot run it"
}

// selectPrefixes maps the spellings of list-taking types, longest first so
// that "select one from" wins over "select one".
var selectPrefixes = []struct {
	prefix   string
	typ      model.ItemType
	fromFile bool
}{
	{"add select multiple prompt using", model.TypeSelectMultiple, false},
	{"add select one prompt using", model.TypeSelectOne, false},
	{"select all that apply from", model.TypeSelectMultiple, false},
	{"select_multiple_from_file", model.TypeSelectMultiple, true},
	{"select multiple from file", model.TypeSelectMultiple, true},
	{"select_one_from_file", model.TypeSelectOne, true},
	{"select one from file", model.TypeSelectOne, true},
	{"select all that apply", model.TypeSelectMultiple, false},
	{"select multiple using", model.TypeSelectMultiple, false},
	{"select multiple from", model.TypeSelectMultiple, false},
	{"select_one_external", model.TypeSelectOne, false},
	{"select one using", model.TypeSelectOne, false},
	{"select_multiple", model.TypeSelectMultiple, false},
	{"select one from", model.TypeSelectOne, false},
	{"select_one", model.TypeSelectOne, false},
	{"select one", model.TypeSelectOne, false},
	{"select1", model.TypeSelectOne, false},
	{"q select1", model.TypeSelectOne, false},
	{"q select", model.TypeSelectMultiple, false},
	{"rank", model.TypeRank, false},
}

// parseType resolves a type cell. It does not handle begin/end rows.
func parseType(raw string) (typeSpec, error) {
	s := strings.Join(strings.Fields(raw), " ")
	low := strings.ToLower(s)
	if low == "" {
		return typeSpec{}, fmt.Errorf("no type")
	}
	if t, ok := plainTypes[low]; ok {
		return typeSpec{Type: t}, nil
	}
	if m, ok := metaTypes[low]; ok {
		return typeSpec{Type: model.TypeMeta, Meta: m}, nil
	}
	if u, ok := unsupportedTypes[low]; ok {
		return typeSpec{Type: model.TypeUnsupported, Unsupported: u}, nil
	}
	switch low {
	case "calculate_here", "calculate here":
		return typeSpec{Type: model.TypeCalculate, Here: true}, nil
	case "csv-external":
		return typeSpec{External: ".csv"}, nil
	case "xml-external":
		return typeSpec{External: ".xml"}, nil
	}
	if why, ok := acceptedTypes[low]; ok {
		return typeSpec{Accepted: why}, nil
	}
	for k, why := range foreignTypes {
		if low == k || strings.HasSuffix(k, ":") && strings.HasPrefix(low, k) {
			return typeSpec{}, fmt.Errorf("type %q %s", s, why)
		}
	}
	for _, p := range selectPrefixes {
		rest, ok := cutPrefixFold(s, p.prefix)
		if !ok || rest != "" && rest[0] != ' ' {
			continue
		}
		// rest keeps the list name's own spelling: list names are
		// case-sensitive.
		args := strings.Fields(rest)
		spec := typeSpec{Type: p.typ}
		if len(args) >= 3 && strings.EqualFold(strings.Join(args[len(args)-3:], " "), "or specify other") {
			spec.OrOther, args = true, args[:len(args)-3]
		} else if len(args) >= 2 && strings.EqualFold(args[len(args)-1], "or_other") {
			spec.OrOther, args = true, args[:len(args)-1]
		}
		switch {
		case len(args) == 0:
			return typeSpec{}, fmt.Errorf("type %q names no choice list", s)
		case len(args) > 1:
			return typeSpec{}, fmt.Errorf("type %q: expected one list name after %q, found %q", s, p.prefix, strings.Join(args, " "))
		}
		if spec.OrOther && p.typ == model.TypeRank {
			return typeSpec{}, fmt.Errorf("type %q: or_other does not apply to rank", s)
		}
		if p.fromFile {
			spec.FromFile = args[0]
		} else {
			spec.List = args[0]
		}
		return spec, nil
	}
	return typeSpec{}, fmt.Errorf("unknown type %q", s)
}

// defaultRange is the range of a range question that gives none, as in
// ODK: 1 to 10 in steps of 1.
func defaultRange() model.Range { return model.Range{Start: 1, End: 10, Step: 1} }

// setRangeBound sets the start, end or step of r from its text.
func setRangeBound(r *model.Range, key, text string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil {
		return fmt.Errorf("range %s must be a number, found %q", key, text)
	}
	switch key {
	case "start":
		r.Start = f
	case "end":
		r.End = f
	case "step":
		r.Step = f
	}
	return nil
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case, cutting s itself
// so that what follows keeps its spelling.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
