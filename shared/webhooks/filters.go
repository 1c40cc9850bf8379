package webhooks

import (
	"errors"
	"fmt"
	"slices"
)

// AllEvents is the filter that takes every event type, present and future.
const AllEvents = "*"

// MaxFilters bounds an endpoint's list of event types.
const MaxFilters = 50

// ErrInvalidFilters matches every *FilterError with errors.Is.
var ErrInvalidFilters = errors.New("webhooks: invalid event type filter")

// FilterError is a refused filter list. Error returns a sentence fit for the API caller.
type FilterError struct{ Reason string }

func (e *FilterError) Error() string        { return e.Reason }
func (e *FilterError) Is(target error) bool { return target == ErrInvalidFilters }

// Matches reports whether an endpoint with these filters receives events of that type:
// ["*"] takes every type, otherwise the type must be listed exactly.
func Matches(filters []string, eventType string) bool {
	return slices.Contains(filters, AllEvents) || slices.Contains(filters, eventType)
}

// ValidateFilters checks an endpoint's filters: 1 to 50 entries, no duplicates, each the
// name of a catalogue type, or "*" alone.
func ValidateFilters(filters []string) error {
	switch {
	case len(filters) == 0:
		return &FilterError{"list at least one event type, or \"*\" for all"}
	case len(filters) > MaxFilters:
		return &FilterError{fmt.Sprintf("list at most %d event types", MaxFilters)}
	case slices.Contains(filters, AllEvents) && len(filters) > 1:
		return &FilterError{"\"*\" takes every event type and must be the only entry"}
	}
	seen := make(map[string]bool, len(filters))
	for _, f := range filters {
		if seen[f] {
			return &FilterError{fmt.Sprintf("event type %q is listed twice", truncate(f, 64))}
		}
		seen[f] = true
		if f != AllEvents && !knownType(f) {
			return &FilterError{fmt.Sprintf("unknown event type %q", truncate(f, 64))}
		}
	}
	return nil
}

// truncate keeps an echoed value short; the caller sent it, so it is theirs to see.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return textPrefix([]byte(s), n) + "…"
}
