package surveys

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"canvass/model"
)

// demoFiles holds the built-in demo study: its questionnaires, its sample
// and its opt-out list.
//
//go:embed demo/*.yaml demo/sample.csv demo/optout.txt
var demoFiles embed.FS

// DemoStudy is the built-in demo study that `canvass demo` and an empty
// store offer: a customer-satisfaction phone survey for a fictional client
// and a face-to-face household questionnaire with a roster, a sample of
// fictional contacts (phone numbers only in the 555-01xx range reserved for
// fiction, example.com emails) across several US time zones, and an
// opt-out list that suppresses a few of them.
type DemoStudy struct {
	// Surveys are the demo questionnaires, the phone survey first.
	Surveys []*model.Survey
	// Sample is a contacts CSV in the layout `canvass contacts import`
	// reads (DESIGN §6), for the phone survey (SampleSurvey).
	Sample []byte
	// SampleSurvey is the id of the survey the sample belongs to.
	SampleSurvey string
	// OptOuts are the demo opt-out list's entries, one phone number (in
	// the notations people write) or email address each.
	OptOuts []string
}

// demoSurveyFiles are the demo questionnaires, in the order Demo returns
// them.
var demoSurveyFiles = []string{"demo/csat.yaml", "demo/household.yaml"}

// Demo loads the built-in demo study. The error means the embedded files
// are broken, which the package's tests rule out.
func Demo() (*DemoStudy, error) {
	d := &DemoStudy{}
	for _, name := range demoSurveyFiles {
		data, err := fs.ReadFile(demoFiles, name)
		if err != nil {
			return nil, fmt.Errorf("load demo study: %w", err)
		}
		s, problems, err := Parse(name, data)
		if err != nil {
			return nil, fmt.Errorf("load demo study: %w", err)
		}
		if !model.Valid(problems) {
			return nil, fmt.Errorf("load demo study: %s", problems[0])
		}
		d.Surveys = append(d.Surveys, s)
	}
	d.SampleSurvey = d.Surveys[0].ID
	var err error
	if d.Sample, err = fs.ReadFile(demoFiles, "demo/sample.csv"); err != nil {
		return nil, fmt.Errorf("load demo study: %w", err)
	}
	optouts, err := fs.ReadFile(demoFiles, "demo/optout.txt")
	if err != nil {
		return nil, fmt.Errorf("load demo study: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(optouts))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			d.OptOuts = append(d.OptOuts, line)
		}
	}
	return d, nil
}
