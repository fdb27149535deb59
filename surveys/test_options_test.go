package surveys

import (
	"errors"
	"testing"
)

// TestRunTestChecksFirst: a --contact without a field name is a usage
// error (exit 2), found before the survey file is read.
func TestRunTestChecksFirst(t *testing.T) {
	_, err := RunTest(nil, []string{"/nonexistent.yaml"}, TestOptions{AutoSet: true, Auto: 1, ContactFields: []string{"=x"}})
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Errorf("RunTest(--contact =x) = %v, want a usage error", err)
	}
}
