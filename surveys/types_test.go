package surveys

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"canvass/model"
)

func TestParseType(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want typeSpec
		err  string
	}{
		{"text", typeSpec{Type: model.TypeText}, ""},
		{"string", typeSpec{Type: model.TypeText}, ""},
		{"int", typeSpec{Type: model.TypeInteger}, ""},
		{"dateTime", typeSpec{Type: model.TypeDateTime}, ""},
		{"datetime", typeSpec{Type: model.TypeDateTime}, ""},
		{"trigger", typeSpec{Type: model.TypeAcknowledge}, ""},
		{"select_one yn", typeSpec{Type: model.TypeSelectOne, List: "yn"}, ""},
		{"select_one  Yes_No  or_other", typeSpec{Type: model.TypeSelectOne, List: "Yes_No", OrOther: true}, ""},
		{"Select one from yes_no", typeSpec{Type: model.TypeSelectOne, List: "yes_no"}, ""},
		{"select all that apply from fruit or specify other", typeSpec{Type: model.TypeSelectMultiple, List: "fruit", OrOther: true}, ""},
		{"select_multiple fruit", typeSpec{Type: model.TypeSelectMultiple, List: "fruit"}, ""},
		{"rank colours", typeSpec{Type: model.TypeRank, List: "colours"}, ""},
		{"select_one_external cities", typeSpec{Type: model.TypeSelectOne, List: "cities"}, ""},
		{"select_one_from_file regions.csv", typeSpec{Type: model.TypeSelectOne, FromFile: "regions.csv"}, ""},
		{"select_multiple_from_file regions.csv", typeSpec{Type: model.TypeSelectMultiple, FromFile: "regions.csv"}, ""},
		{"start", typeSpec{Type: model.TypeMeta, Meta: "start"}, ""},
		{"imei", typeSpec{Type: model.TypeMeta, Meta: "deviceid"}, ""},
		{"uri:username", typeSpec{Type: model.TypeMeta, Meta: "username"}, ""},
		{"audit", typeSpec{Type: model.TypeMeta, Meta: "audit"}, ""},
		{"gps", typeSpec{Type: model.TypeUnsupported, Unsupported: "geopoint"}, ""},
		{"photo", typeSpec{Type: model.TypeUnsupported, Unsupported: "image"}, ""},
		{"geoshape", typeSpec{Type: model.TypeUnsupported, Unsupported: "geoshape"}, ""},
		{"background-audio", typeSpec{Type: model.TypeUnsupported, Unsupported: "background-audio"}, ""},
		{"", typeSpec{}, "no type"},
		{"select_one", typeSpec{}, `names no choice list`},
		{"select_one a b", typeSpec{}, `expected one list name`},
		{"rank x or_other", typeSpec{}, "or_other does not apply to rank"},
		{"db:person", typeSpec{}, "Community Health Toolkit"},
		{"speed violations count", typeSpec{Type: model.TypeMeta, Meta: "speed violations count"}, ""},
		{"sensor_statistic", typeSpec{Type: model.TypeMeta, Meta: "sensor_statistic"}, ""},
		{"caseid", typeSpec{Type: model.TypeMeta, Meta: "caseid"}, ""},
		{"calculate_here", typeSpec{Type: model.TypeCalculate, Here: true}, ""},
		{"csv-external", typeSpec{External: ".csv"}, ""},
		{"xml-external", typeSpec{External: ".xml"}, ""},
		{"text audit", typeSpec{Accepted: acceptedTypes["text audit"]}, ""},
		{"comments", typeSpec{Accepted: acceptedTypes["comments"]}, ""},
		{"contact:person", typeSpec{}, "Community Health Toolkit"},
		{"selectone x", typeSpec{}, `unknown type "selectone x"`},
		{"ranking x", typeSpec{}, `unknown type "ranking x"`},
	} {
		got, err := parseType(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("parseType(%q) error = %v, want one saying %q", tc.in, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("parseType(%q) error = %v", tc.in, err)
		case tc.err == "":
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseType(%q) (-want +got):\n%s", tc.in, diff)
			}
		}
	}
}

func TestControl(t *testing.T) {
	for _, tc := range []struct {
		in          string
		kind, list  string
		begin, isCt bool
	}{
		{"begin group", "group", "", true, true},
		{"begin_group", "group", "", true, true},
		{"End Group", "group", "", false, true},
		{"end_repeat", "repeat", "", false, true},
		{"begin looped group", "repeat", "", true, true},
		{"begin loop over Transport_Types", "loop", "Transport_Types", true, true},
		{"end loop", "loop", "", false, true},
		{"end", "", "", false, false},
		{"begin", "", "", false, false},
		{"begin table", "", "", false, false},
	} {
		kind, list, begin, ok := control(tc.in)
		if kind != tc.kind || list != tc.list || begin != tc.begin || ok != tc.isCt {
			t.Errorf("control(%q) = %q, %q, %v, %v; want %q, %q, %v, %v", tc.in, kind, list, begin, ok, tc.kind, tc.list, tc.begin, tc.isCt)
		}
	}
}

func TestParseParams(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]string
		bad  bool
	}{
		{"start=0 end=10 step=2", map[string]string{"start": "0", "end": "10", "step": "2"}, false},
		{"randomize=true, seed=${s}", map[string]string{"randomize": "true", "seed": "${s}"}, false},
		{"start = 1; end = 5", map[string]string{"start": "1", "end": "5"}, false},
		{"Max-Pixels=3840", map[string]string{"max-pixels": "3840"}, false},
		{"randomize", map[string]string{}, true},
		{"=3", map[string]string{}, true},
	} {
		got, err := parseParams(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("parseParams(%q) error = %v, want error %v", tc.in, err, tc.bad)
		}
		if !tc.bad {
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseParams(%q) (-want +got):\n%s", tc.in, diff)
			}
		}
	}
}
