// Package bizerr holds the error kinds shared by every domain. Domain packages wrap them with
// context (fmt.Errorf("...: %w", bizerr.ErrNotFound)); the service layer maps them to API reasons.
package bizerr

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound means the thing asked for does not exist (or is not visible to the caller).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the request clashes with the current state, e.g. a duplicate name.
	ErrConflict = errors.New("conflict")
	// ErrRateLimited means the caller, or an upstream on its behalf, must slow down.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable means an upstream (WeChat) failed in a way a later retry may fix.
	ErrUnavailable = errors.New("upstream unavailable")
)

// InvalidError is a value that breaks a domain rule. Field names the input at fault.
type InvalidError struct {
	Field  string
	Reason string
}

func (e *InvalidError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason) }

// Invalid builds an *InvalidError.
func Invalid(field, reason string) error { return &InvalidError{Field: field, Reason: reason} }
