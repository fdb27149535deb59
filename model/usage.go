package model

import "fmt"

// A UsageError is a command-line value a command cannot take, or a
// combination of flags it does not accept: the caller's mistake rather
// than a file's or the store's. canvass prints it and exits 2. It lives
// here because both store and surveys check the options built from flags
// and neither may import the other.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

// Usagef is a [*UsageError] with the message fmt.Sprintf(format, args...).
func Usagef(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}
