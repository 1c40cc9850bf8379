// Package failure is the error vocabulary of the domain: an error says what kind of
// failure it is (invalid input, not found, conflict, ...) with a machine-readable code and
// a message fit for the API caller. Domain packages return these without knowing HTTP;
// shared/httpapi turns each kind into a status code in one place.
package failure

import (
	"errors"
	"fmt"
)

// Kind classifies a failure.
type Kind int

// The kinds of failure. Internal is the zero value: an error nobody classified is never
// shown to a caller as anything but an internal error.
const (
	Internal        Kind = iota
	Invalid              // the request is malformed or breaks a rule: 400
	Unauthenticated      // no or bad credentials: 401
	Forbidden            // authenticated but not allowed: 403
	NotFound             // absent, or another tenant's: 404
	Conflict             // state changed underneath, or a duplicate: 409
	Unprocessable        // well-formed but refused in the current state: 422
	TooLarge             // body over the limit: 413
	Unsupported          // media type not accepted: 415
	TooMany              // rate limited: 429
	Unavailable          // a dependency is down; retry later: 503
	Timeout              // ran out of time; the outcome may or may not be stored: 504
)

// Error is a classified failure.
type Error struct {
	Kind    Kind
	Code    string // machine-readable, snake_case, stable
	Message string // for the caller: no secrets, no personal data
	Err     error  // cause, for logs and errors.Is; never shown to callers
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Wrap attaches a cause.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// New builds a classified failure; the message may use fmt verbs.
func New(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Constructors for the common kinds.
func InvalidInput(code, format string, args ...any) *Error {
	return New(Invalid, code, format, args...)
}
func Missing(code, format string, args ...any) *Error {
	return New(NotFound, code, format, args...)
}
func Conflicting(code, format string, args ...any) *Error {
	return New(Conflict, code, format, args...)
}
func Refused(code, format string, args ...any) *Error {
	return New(Unprocessable, code, format, args...)
}
func Denied(code, format string, args ...any) *Error {
	return New(Forbidden, code, format, args...)
}

// As returns the classified failure inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}
