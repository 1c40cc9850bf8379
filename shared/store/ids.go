package store

import (
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"
)

// TimeLayout is how entities store instants: RFC 3339 in UTC with a fixed millisecond
// width, so that the strings sort in time order (RFC3339Nano trims zeros and does not).
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// FormatTime renders t for an entity attribute or a sort key.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime reads a time written by FormatTime (or any RFC 3339 time).
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: parse time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// NewID returns a new ULID: 26 characters, unique, and sorted by creation time, so an id
// used in a sort key orders items chronologically. Safe for concurrent use; ids made in
// the same millisecond by one process are strictly increasing.
func NewID() string { return ulid.Make().String() }

// IDTime is the creation time encoded in an id made by NewID.
func IDTime(id string) (time.Time, error) {
	u, err := ulid.ParseStrict(id)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is not a ULID", ErrInvalidKey, id)
	}
	return ulid.Time(u.Time()).UTC(), nil
}
