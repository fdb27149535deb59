// Command canvass is a terminal console for survey interviewers: it runs
// questionnaires with consenting people, saves every answer to a local bbolt
// store before the next question appears, and never presents a person who
// asked not to be contacted.
//
// This file is wiring only. The command line is package tui/cli; the logic
// is in the packages model, surveys, store and tui. main gives the command
// line what it needs of questionnaire files from package surveys, which no
// package under tui imports (DESIGN §2).
package main

import (
	"os"
	_ "time/tzdata" // calling windows need zones on machines without /usr/share/zoneinfo

	"canvass/store"
	"canvass/surveys"
	"canvass/tui/cli"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run is the command line on the process's own streams; main_test.go
// runs the built binary rather than this, so that it sees what a shell
// sees.
func run(args []string) int {
	return cli.Run(args, os.Stdin, os.Stdout, os.Stderr, questionnaires)
}

// questionnaires are the questionnaire files as package surveys reads
// them.
var questionnaires = cli.Questionnaires{
	Check:       surveys.Check,
	Eval:        surveys.Eval,
	Test:        surveys.RunTest,
	Installable: surveys.Installable,
	Demo:        demoStudy,
}

// demoStudy is the built-in demo study, as a store loads it.
func demoStudy() (store.Study, error) {
	d, err := surveys.Demo()
	if err != nil {
		return store.Study{}, err
	}
	return store.Study{Surveys: d.Surveys, Sample: d.Sample, SampleSurvey: d.SampleSurvey,
		OptOuts: d.OptOuts, Source: "demo"}, nil
}
