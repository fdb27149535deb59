package model

import (
	"errors"
	"testing"
)

// TestTestOptionsValidate: survey test takes a cases file or --auto N,
// and the flags of --auto only with it.
func TestTestOptionsValidate(t *testing.T) {
	one, two := []string{"s.yaml"}, []string{"s.yaml", "cases.yaml"}
	tests := []struct {
		name string
		o    TestOptions
		args []string
		want string // "" for none
	}{
		{"cases", TestOptions{}, two, ""},
		{"auto", TestOptions{AutoSet: true, Auto: 3, SeedSet: true, ContactsFile: "c.csv", LastSaved: []string{"a=1"}}, one, ""},
		{"auto with cases", TestOptions{AutoSet: true, Auto: 3}, two, "survey test: with --auto give only the survey file"},
		{"no cases", TestOptions{}, one, "survey test: give the survey file and a cases file, or --auto N"},
		{"auto 0", TestOptions{AutoSet: true}, one, "survey test: --auto needs a number of interviews of at least 1"},
		{"seed alone", TestOptions{SeedSet: true}, two, "survey test: --seed goes with --auto"},
		{"contact without auto", TestOptions{ContactFields: []string{"id=1"}}, two,
			"survey test: --contact, --contacts and --last-saved go with --auto (a cases file gives each case's contact)"},
		{"last-saved without auto", TestOptions{LastSaved: []string{"x=1"}}, two,
			"survey test: --contact, --contacts and --last-saved go with --auto (a cases file gives each case's contact)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate(tt.args)
			if tt.want == "" {
				if err != nil {
					t.Errorf("Validate(%q) = %v, want nil", tt.args, err)
				}
				return
			}
			var ue *UsageError
			if !errors.As(err, &ue) || err.Error() != tt.want {
				t.Errorf("Validate(%q) = %v, want the usage error %q", tt.args, err, tt.want)
			}
		})
	}
}
