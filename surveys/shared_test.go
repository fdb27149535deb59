package surveys

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"canvass/model"
)

// sharedForms is where the team keeps real public XLSForms, beside the
// project (or under $CANVASS_SHARED, for a checkout elsewhere); a fresh
// checkout has none and these tests skip, saying so (see TestMain).
var sharedForms = sharedDir("xlsforms")

func sharedDir(sub string) string {
	if d := os.Getenv("CANVASS_SHARED"); d != "" {
		return filepath.Join(d, sub)
	}
	return filepath.Join("..", "..", "shared", sub)
}

// TestMain says in one line when the shared forms are missing: go test
// ./... shows nothing of a passing package, not even a skip, so the line
// goes to the terminal itself when there is one (and to stderr, for -v
// and for logs, when there is none).
func TestMain(m *testing.M) {
	if _, err := os.Stat(sharedForms); err != nil {
		notice(fmt.Sprintf("canvass/surveys: skipped TestSharedXLSForms, TestSharedLegacyXLS, TestSharedFormContent and BenchmarkLoadLargestXLSForm: no %s (set CANVASS_SHARED to the team's shared directory)", sharedForms))
	}
	os.Exit(m.Run())
}

// notice writes one line where a person running the tests sees it.
func notice(line string) {
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		fmt.Fprintln(tty, line)
		tty.Close()
		return
	}
	fmt.Fprintln(os.Stderr, line)
}

// sharedRefusals are the forms that canvass refuses, each with what the
// refusal must say; ODK's own tools refuse them for the same reasons.
var sharedRefusals = map[string]string{
	// Names with spaces and question marks: not XML names.
	"formhub__json2xform__surveys__Agriculture.xlsx": `localization of storage facilities: name "localization of storage facilities" is not a valid name`,
	// Two choices named king in one list, without allow_choice_duplicates.
	"formhub__main__tests__fixtures__cascading_selects__new_cascading_select.xlsx": `duplicate choice name "king"`,
	// A select_multiple without a label.
	"formhub__odk_logger__tests__fixtures__childrens_survey.xlsx": `survey:8: ice.creams: select_multiple question has no label`,
	// Curly quotes in expressions, and choices files that are not beside it.
	"pyxform__tests__bug_example_xls__UCL_Biomass_Plot_Form.xlsx": `survey:16: region_id: type "select_one_from_file UCL_regions.csv": the choices file UCL_regions.csv is not beside the form`,
}

func sharedFiles(t testing.TB, pattern string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(sharedForms, pattern))
	if len(files) == 0 {
		t.Skipf("no %s in %s", pattern, sharedForms)
	}
	return files
}

func TestSharedXLSForms(t *testing.T) {
	files := append(sharedFiles(t, "*.xlsx"), sharedFiles(t, "*.csv")...)
	for _, path := range files {
		base := filepath.Base(path)
		t.Run(base, func(t *testing.T) {
			s, problems, err := Load(path)
			if err != nil {
				t.Fatalf("Load(%s) error: %v", base, err)
			}
			var errs []string
			for _, p := range problems {
				if p.Pos.File != path {
					t.Errorf("problem %q is not placed in %s", p, path)
				}
				if p.Pos.Sheet == "" && p.Pos.Line == 0 && p.Item != "" {
					t.Errorf("problem %q about item %s has no sheet and row", p, p.Item)
				}
				if !p.Warning {
					errs = append(errs, p.String())
				}
			}
			want, refused := sharedRefusals[base]
			switch {
			case refused && len(errs) == 0:
				t.Errorf("Load(%s) found no errors, want a refusal saying %q", base, want)
			case refused && !containsPrefix(errs, want):
				t.Errorf("Load(%s) errors = %q, want one saying %q", base, errs, want)
			case !refused && len(errs) > 0:
				t.Errorf("Load(%s) errors = %q, want none (the form uses only ODK features)", base, errs)
			}
			if refused {
				return
			}
			_, probs := model.Compile(s)
			for _, p := range probs {
				if p.Warning {
					continue
				}
				t.Errorf("model.Compile(%s): %s, though Load accepted the form", base, p)
			}
			// The form must also survive random interviews: no dead end, no
			// constraint no answer meets, no expression failing at run time.
			var out strings.Builder
			ok, err := RunAuto(&out, path, AutoOptions{N: 20, Seed: 1})
			if err != nil || !ok {
				t.Errorf("survey test %s --auto 20 = %v, %v; want a clean run:\n%s", base, ok, err, out.String())
			}
		})
	}
}

func TestSharedLegacyXLS(t *testing.T) {
	for _, path := range sharedFiles(t, "*.xls") {
		_, _, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), "save it as .xlsx") {
			t.Errorf("Load(%s) error = %v, want advice to save it as .xlsx", filepath.Base(path), err)
		}
	}
}

// TestSharedFormContent spot-checks what real forms load into.
func TestSharedFormContent(t *testing.T) {
	sharedFiles(t, "*.xlsx")
	for _, tc := range []struct {
		file, item string
		check      func(*model.Item) bool
		want       string
	}{
		{"pyxform__tests__example_xls__or_other.xlsx", "fav_color",
			func(it *model.Item) bool { return it.OrOther && it.ListName == "colors" }, "select_one colors or_other"},
		{"pyxform__tests__example_xls__widgets.xlsx", "my_geopoint",
			func(it *model.Item) bool { return it.Type == model.TypeUnsupported && it.Unsupported == "geopoint" }, "unsupported geopoint"},
		{"pyxform__tests__example_xls__widgets.xlsx", "my_trigger",
			func(it *model.Item) bool { return it.Type == model.TypeAcknowledge }, "acknowledge (trigger)"},
		{"formhub__main__tests__fixtures__transportation__transportation.xlsx", "frequency_to_referral_facility_bicycle",
			func(it *model.Item) bool {
				return it.Relevant == "selected(${available_transportation_types_to_referral_facility}, 'bicycle')"
			}, "the loop's copy for bicycle"},
		{"pyxform__tests__bug_example_xls__UCL_Biomass_Plot_Form.xlsx", "leader_name",
			func(it *model.Item) bool { return it.Label["sw"] != "" && it.Label["en"] != "" }, "labels in sw and en"},
		{"pyxform__tests__example_xls__xlsform_spec_test.xlsx", "display_image_test",
			func(it *model.Item) bool { return it.Label[""] == "[image img_test.jpg]" }, "the image's name as its label"},
	} {
		s, _, err := Load(filepath.Join(sharedForms, tc.file))
		if err != nil {
			t.Errorf("Load(%s) error: %v", tc.file, err)
			continue
		}
		it := s.Find(tc.item)
		if it == nil {
			t.Errorf("Load(%s): no item %s", tc.file, tc.item)
			continue
		}
		if !tc.check(it) {
			t.Errorf("Load(%s) item %s = %+v, want %s", tc.file, tc.item, *it, tc.want)
		}
	}
}

func BenchmarkLoadLargestXLSForm(b *testing.B) {
	var largest string
	var size int64
	for _, f := range sharedFiles(b, "*.xlsx") {
		if fi, err := os.Stat(f); err == nil && fi.Size() > size {
			largest, size = f, fi.Size()
		}
	}
	data, err := os.ReadFile(largest)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s, %d bytes", filepath.Base(largest), size)
	b.SetBytes(size)
	for b.Loop() {
		if _, _, err := Parse(largest, data); err != nil {
			b.Fatal(err)
		}
	}
}
