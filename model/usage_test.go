package model

import (
	"errors"
	"fmt"
	"testing"
)

func TestUsagef(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", Usagef("queue: --survey is required"), "queue: --survey is required"},
		{"formatted", Usagef("rates: --by must be replicate, not %q", "zone"), `rates: --by must be replicate, not "zone"`},
		{"wrapped", fmt.Errorf("outer: %w", Usagef("x")), "outer: x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ue *UsageError
			if !errors.As(tt.err, &ue) {
				t.Fatalf("errors.As(%v, *UsageError) = false, want true", tt.err)
			}
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}
